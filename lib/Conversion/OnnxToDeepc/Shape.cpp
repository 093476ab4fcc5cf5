//===- Shape.cpp - ONNX shape and data-movement ops to deepc --------------===//
//
// Shape, Reshape, Transpose, Concat, Slice, Split, Gather, Unsqueeze,
// Squeeze, Expand, Flatten, Identity, Range and ConstantOfShape. Exporters
// compute reshape targets with Shape→Gather→Concat chains; those fold here
// through the symbolic values ShapeKnowledge tracks, so that a Reshape sees
// its target as constants and dims rather than as a run-time tensor.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// Reshapes `x` to `target`; when x's values are known the result is a
/// constant (or symbolic values) of the new shape instead of an op.
FailureOr<Value> reshapeOrFold(NodeContext &ctx, Value x,
                               ArrayRef<DimExpr> target) {
  if (std::optional<SmallVector<DimExpr>> values =
          ctx.getShapes().valuesOf(x)) {
    SmallVector<int64_t> shape;
    for (const DimExpr &e : target)
      if (e.isConstant())
        shape.push_back(e.coeff);
    if (shape.size() == target.size() &&
        staticElementCount(shape) == int64_t(values->size()))
      return ctx.materializeInts(*values, shape, elementTypeOf(x));
  }
  return ctx.reshape(x, target);
}

/// Shape(data) with optional start/end (opset 15): static dims become
/// constants, dynamic ones symbols of `data`.
LogicalResult shape(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  int64_t rank = rankOf(*data);
  FailureOr<int64_t> start = ctx.intAttr("start", 0);
  FailureOr<int64_t> end = ctx.intAttr("end", rank);
  if (failed(start) || failed(end))
    return failure();
  auto clamp = [&](int64_t i) {
    if (i < 0)
      i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  int64_t from = clamp(*start), to = clamp(*end);
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*data);
  SmallVector<DimExpr> picked;
  for (int64_t d = from; d < to; ++d)
    picked.push_back(dims[d]);
  FailureOr<Value> result =
      ctx.materializeInts(picked, {static_cast<int64_t>(picked.size())});
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Size(data): the element count as an int64 scalar. It folds to a
/// constant or symbolic value when the dims allow (products of dims), and
/// is otherwise the product of shape_of at run time.
LogicalResult size(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  std::optional<DimExpr> count = DimExpr::constant(1);
  for (const DimExpr &dim : ctx.getShapes().dimsOf(*data))
    if (count)
      count = mulDims(*count, dim);
  FailureOr<Value> result = failure();
  if (count) {
    result = ctx.materializeInts({*count}, {});
  } else {
    FailureOr<Value> dims = ctx.create<ShapeOfOp>(*data);
    if (failed(dims))
      return failure();
    result = ctx.create<ReduceProdOp>(*dims, ArrayRef<int64_t>{0},
                                      /*keep_dims=*/false);
  }
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Reshape: 0 copies the input dim (unless allowzero), -1 is inferred.
LogicalResult reshape(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<SmallVector<DimExpr>> target = ctx.knownInts(1, "shape");
  if (failed(target))
    return failure();
  if (rankOf(ctx.input(1, "shape").value()) != 1)
    return ctx.fail("input 1 (shape) must be 1-D");
  FailureOr<int64_t> allowZero = ctx.intAttr("allowzero", 0);
  if (failed(allowZero))
    return failure();
  if (ctx.getVersion() < 14 && ctx.hasAttr("allowzero"))
    return ctx.fail("attribute 'allowzero' needs opset 14 or newer");

  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> inDims = shapes.dimsOf(*data);
  std::optional<size_t> inferred;
  for (size_t i = 0; i < target->size(); ++i) {
    DimExpr &e = (*target)[i];
    if (!e.isConstant())
      continue;
    if (e.coeff == 0 && !*allowZero) {
      if (i >= inDims.size())
        return ctx.fail("target dim ", i,
                        " is 0, which copies a dim the input of rank ",
                        inDims.size(), " does not have");
      e = inDims[i];
    } else if (e.coeff == -1) {
      if (inferred)
        return ctx.fail("the target shape has more than one -1");
      inferred = i;
    } else if (e.coeff < 0) {
      return ctx.fail("target dim ", i, " is ", e.coeff,
                      "; dims must be -1, 0 or positive");
    }
  }
  if (inferred && *allowZero &&
      llvm::any_of(*target, [](const DimExpr &e) { return e == DimExpr::constant(0); }))
    return ctx.fail("with allowzero = 1 the target shape may not have both "
                    "0 and -1");

  if (inferred) {
    std::optional<DimExpr> total = DimExpr::constant(1), rest =
                                                         DimExpr::constant(1);
    for (const DimExpr &e : inDims)
      if (total)
        total = mulDims(*total, e);
    for (auto [i, e] : llvm::enumerate(*target))
      if (i != *inferred && rest)
        rest = mulDims(*rest, e);
    std::optional<DimExpr> quotient;
    if (total && rest) {
      // The -1 is an exact quotient of products of dims.
      if (total->isConstant() && rest->isConstant()) {
        if (rest->coeff == 0 || total->coeff % rest->coeff != 0)
          return ctx.fail("cannot reshape ", total->coeff,
                          " elements with -1 and the other dims multiplying "
                          "to ",
                          rest->coeff);
      }
      quotient = divDims(*total, *rest);
    }
    if (!quotient) {
      // Known only at run time: numel(data) / product(other dims).
      Value dataShape;
      FailureOr<Value> s = ctx.create<ShapeOfOp>(*data);
      if (failed(s))
        return failure();
      dataShape = *s;
      FailureOr<Value> numel = ctx.create<ReduceProdOp>(
          dataShape, ArrayRef<int64_t>{0}, /*keep_dims=*/true);
      if (failed(numel))
        return failure();
      SmallVector<DimExpr> others(*target);
      others.erase(others.begin() + *inferred);
      SmallVector<Value> pieces;
      Value othersValue;
      if (others.empty()) {
        othersValue = ctx.constantI64({1}, {1});
      } else {
        FailureOr<Value> o = ctx.materializeInts(
            others, {static_cast<int64_t>(others.size())});
        if (failed(o))
          return failure();
        FailureOr<Value> prod = ctx.create<ReduceProdOp>(
            *o, ArrayRef<int64_t>{0}, /*keep_dims=*/true);
        if (failed(prod))
          return failure();
        othersValue = *prod;
      }
      FailureOr<Value> q = ctx.create<DivOp>(*numel, othersValue);
      if (failed(q))
        return failure();
      SmallVector<DimExpr> before(target->begin(),
                                  target->begin() + *inferred);
      SmallVector<DimExpr> after(target->begin() + *inferred + 1,
                                 target->end());
      for (auto *part : {&before, &after}) {
        if (part->empty())
          continue;
        FailureOr<Value> p = ctx.materializeInts(
            *part, {static_cast<int64_t>(part->size())});
        if (failed(p))
          return failure();
        pieces.push_back(*p);
        if (part == &before)
          pieces.push_back(*q);
      }
      if (before.empty())
        pieces.insert(pieces.begin(), *q);
      Value shapeValue = pieces.front();
      if (pieces.size() > 1) {
        FailureOr<Value> joined = ctx.create<ConcatOp>(pieces, int64_t(0));
        if (failed(joined))
          return failure();
        shapeValue = *joined;
      }
      SmallVector<int64_t> dims;
      for (auto [i, e] : llvm::enumerate(*target))
        dims.push_back(i == *inferred || !e.isConstant() ? kDynamic : e.coeff);
      auto type = RankedTensorType::get(dims, elementTypeOf(*data));
      FailureOr<Value> result = ctx.createTyped<ReshapeOp>(
          type, *data, type.getNumDynamicDims() > 1 ? shapeValue : Value());
      if (failed(result))
        return failure();
      for (auto [i, e] : llvm::enumerate(*target))
        if (i != *inferred)
          shapes.setDim(*result, i, e);
      ctx.setResults(*result);
      return success();
    }
    (*target)[*inferred] = *quotient;
  }

  FailureOr<Value> result = reshapeOrFold(ctx, *data, *target);
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Transpose: `perm` defaults to the reversed dims.
LogicalResult transpose(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> permAttr =
      ctx.intsAttr("perm");
  if (failed(permAttr))
    return failure();
  int64_t rank = rankOf(*data);
  SmallVector<int64_t> perm;
  if (*permAttr) {
    perm = std::move(**permAttr);
  } else {
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  }
  SmallVector<bool> seen(rank, false);
  if (int64_t(perm.size()) != rank)
    return ctx.fail("attribute 'perm' has ", perm.size(),
                    " entries but the input has rank ", rank);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return ctx.fail("attribute 'perm' is not a permutation of 0..",
                      rank - 1);
    seen[p] = true;
  }
  FailureOr<Value> result = ctx.create<TransposeOp>(*data, perm);
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*data);
  SmallVector<DimExpr> permuted;
  for (int64_t p : perm)
    permuted.push_back(dims[p]);
  ctx.getShapes().setDims(*result, permuted);
  ctx.setResults(*result);
  return success();
}

/// Concat along `axis`; known 1-D integer inputs (shape pieces) fold.
LogicalResult concat(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> inputs = ctx.variadicInputs(0, "inputs");
  if (failed(inputs))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.requiredIntAttr("axis");
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(inputs->front());
  FailureOr<int64_t> axis = normalizeAxisOrFail(ctx, *axisAttr, rank);
  if (failed(axis))
    return failure();
  ShapeKnowledge &shapes = ctx.getShapes();

  if (rank == 1) {
    SmallVector<DimExpr> joined;
    bool known = true;
    for (Value input : *inputs) {
      std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(input);
      if (!values || rankOf(input) != 1 ||
          elementTypeOf(input) != elementTypeOf(inputs->front())) {
        known = false;
        break;
      }
      llvm::append_range(joined, *values);
    }
    if (known && int64_t(joined.size()) <= kMaxFoldElements) {
      FailureOr<Value> result = ctx.materializeInts(
          joined, {static_cast<int64_t>(joined.size())},
          elementTypeOf(inputs->front()));
      if (failed(result))
        return failure();
      ctx.setResults(*result);
      return success();
    }
  }

  FailureOr<Value> result = ctx.create<ConcatOp>(*inputs, *axis);
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dims = shapes.dimsOf(inputs->front());
  std::optional<DimExpr> sum = DimExpr::constant(0);
  for (Value input : *inputs)
    if (sum)
      sum = addDims(*sum, shapes.dimOf(input, *axis));
  if (sum)
    dims[*axis] = *sum;
  else
    dims[*axis] = shapes.dimOf(*result, *axis);
  shapes.setDims(*result, dims);
  ctx.setResults(*result);
  return success();
}

/// The largest slice bound: clamped to the dim, whatever the step's sign.
constexpr int64_t kEndOfDim = std::numeric_limits<int64_t>::max();

/// A slice bound as the constant deepc.slice takes. A symbolic bound that
/// is the sliced dim plus a constant `c` and never negative (torch's
/// `x[:, :seq]` of a dim `seq + 1`) becomes `c`, which counts from the
/// end, or the end of the dim when `c >= 0`; the clamping of ONNX Slice
/// then gives the same bound for every value of the dims.
std::optional<int64_t> sliceBound(const DimExpr &bound, const DimExpr &dim) {
  if (bound.isConstant())
    return bound.coeff;
  if (!bound.isNonNegative())
    return std::nullopt;
  std::optional<DimExpr> c = subDims(bound, dim);
  if (!c || !c->isConstant())
    return std::nullopt;
  return c->coeff >= 0 ? kEndOfDim : c->coeff;
}

/// The length of a unit-step slice of `dim` from `start` to `end` (as
/// sliceBound returns them) when it is a DimExpr that is never negative.
std::optional<DimExpr> sliceLength(const DimExpr &dim, int64_t start,
                                   int64_t end) {
  // Each bound as dim + c (negative) or as a constant (non-negative).
  auto at = [&](int64_t bound) -> std::optional<DimExpr> {
    if (bound == kEndOfDim)
      return dim;
    if (bound < 0)
      return addDims(dim, DimExpr::constant(bound));
    return DimExpr::constant(bound);
  };
  std::optional<DimExpr> from = at(start), to = at(end);
  if (!from || !to)
    return std::nullopt;
  std::optional<DimExpr> length = subDims(*to, *from);
  if (!length || !length->isNonNegative() || length->isConstant())
    return std::nullopt;
  return length;
}

/// A slice along `axis` whose bounds depend on dynamic dims in a way
/// deepc.slice's constant bounds cannot say (torch's `pos[:, :seq]` of a
/// static position table) is a gather of `range(min(start, dim),
/// min(end, dim), step)`: exact for a positive step and bounds that are
/// never negative, which are the ones ONNX does not count from the end.
FailureOr<Value> gatherSlice(NodeContext &ctx, Value data, int64_t axis,
                             const DimExpr &start, const DimExpr &end,
                             int64_t step) {
  if (step < 0)
    return ctx.fail("the bounds for axis ", axis,
                    " depend on dynamic dims and the step is negative; "
                    "deepc needs constant bounds or the sliced dim plus a "
                    "constant");
  ShapeKnowledge &shapes = ctx.getShapes();
  DimExpr dim = shapes.dimOf(data, axis);
  // Each bound's value when it is known to be non-negative, clamped to the
  // dim as a scalar i64.
  auto clamped = [&](const DimExpr &bound, StringRef what,
                     std::optional<DimExpr> &known) -> FailureOr<Value> {
    if (!bound.isNonNegative())
      return ctx.fail("input ", what == "starts" ? 1 : 2, " (", what,
                      ") depends on a dynamic dim and may be negative; "
                      "deepc needs a constant, the sliced dim plus a "
                      "constant, or a non-negative product of dims");
    FailureOr<Value> value = ctx.materializeInts({bound}, {});
    if (failed(value))
      return failure();
    std::optional<int> sign = [&]() -> std::optional<int> {
      std::optional<DimExpr> d = subDims(bound, dim);
      if (d && d->isConstant())
        return d->coeff > 0 ? 1 : d->coeff < 0 ? -1 : 0;
      return std::nullopt;
    }();
    if (sign && *sign <= 0) {
      known = bound;
      return value;
    }
    FailureOr<Value> dimValue = ctx.materializeInts({dim}, {});
    if (failed(dimValue))
      return failure();
    known = sign ? std::optional<DimExpr>(dim) : std::nullopt;
    return ctx.create<MinOp>(*value, *dimValue);
  };
  std::optional<DimExpr> from, to;
  FailureOr<Value> startValue = clamped(start, "starts", from);
  if (failed(startValue))
    return failure();
  FailureOr<Value> endValue = clamped(end, "ends", to);
  if (failed(endValue))
    return failure();
  Value stepValue = ctx.constantI64({step}, {});
  FailureOr<Value> indices = ctx.createTyped<RangeOp>(
      RankedTensorType::get({kDynamic}, ctx.getBuilder().getI64Type()),
      *startValue, *endValue, stepValue);
  if (failed(indices))
    return failure();
  FailureOr<Value> result = ctx.create<GatherOp>(data, *indices, axis);
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dims = shapes.dimsOf(data);
  std::optional<DimExpr> length;
  if (from && to && step == 1)
    length = subDims(*to, *from);
  dims[axis] = length && length->isNonNegative() ? *length
                                                 : shapes.dimOf(*result, axis);
  shapes.setDims(*result, dims);
  return result;
}

/// Slice (opset 10+): starts, ends, axes and steps are inputs known at
/// compile time; starts and ends may also be the sliced dim plus a
/// constant (see sliceBound) or other non-negative dims (gatherSlice).
LogicalResult slice(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 5)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<SmallVector<DimExpr>> knownStarts = ctx.knownInts(1, "starts");
  if (failed(knownStarts))
    return failure();
  FailureOr<SmallVector<DimExpr>> knownEnds = ctx.knownInts(2, "ends");
  if (failed(knownEnds))
    return failure();
  int64_t rank = rankOf(*data);
  SmallVector<int64_t> axes, steps;
  if (ctx.hasInput(3)) {
    FailureOr<SmallVector<int64_t>> a = ctx.constantInts(3, "axes");
    if (failed(a))
      return failure();
    axes = std::move(*a);
  } else {
    for (int64_t d = 0; d < int64_t(knownStarts->size()); ++d)
      axes.push_back(d);
  }
  if (ctx.hasInput(4)) {
    FailureOr<SmallVector<int64_t>> s = ctx.constantInts(4, "steps");
    if (failed(s))
      return failure();
    steps = std::move(*s);
  } else {
    steps.assign(knownStarts->size(), 1);
  }
  if (knownEnds->size() != knownStarts->size() ||
      axes.size() != knownStarts->size() ||
      steps.size() != knownStarts->size())
    return ctx.fail("starts, ends, axes and steps must have the same "
                    "length, got ",
                    knownStarts->size(), ", ", knownEnds->size(), ", ",
                    axes.size(), " and ", steps.size());
  ShapeKnowledge &shapes = ctx.getShapes();
  llvm::SmallSet<int64_t, 4> seen;
  // Axes with constant bounds (after sliceBound) go to one deepc.slice; the
  // others to gatherSlice.
  SmallVector<int64_t> sliceAxes, starts, ends, sliceSteps;
  SmallVector<unsigned> gathered;
  for (auto [i, axis] : llvm::enumerate(axes)) {
    FailureOr<int64_t> n = normalizeAxisOrFail(ctx, axis, rank);
    if (failed(n))
      return failure();
    if (!seen.insert(*n).second)
      return ctx.fail("axis ", axis, " is sliced more than once");
    axis = *n;
    if (steps[i] == 0)
      return ctx.fail("the step for axis ", axis, " is 0");
    DimExpr dim = shapes.dimOf(*data, axis);
    std::optional<int64_t> start = sliceBound((*knownStarts)[i], dim);
    std::optional<int64_t> end = sliceBound((*knownEnds)[i], dim);
    if (!start || !end) {
      gathered.push_back(i);
      continue;
    }
    sliceAxes.push_back(axis);
    starts.push_back(*start);
    ends.push_back(*end);
    sliceSteps.push_back(steps[i]);
  }

  // A slice of a known 1-D integer tensor (a shape) folds.
  if (rank == 1 && shapeOf(*data)[0] != kDynamic && gathered.empty()) {
    if (std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(*data)) {
      int64_t dim = values->size();
      int64_t step = steps[0], start = starts[0], end = ends[0];
      auto clampIndex = [&](int64_t index, int64_t lo, int64_t hi) {
        if (index < 0)
          index = index < -dim ? lo : index + dim;
        return std::clamp(index, lo, hi);
      };
      SmallVector<DimExpr> picked;
      if (step > 0) {
        for (int64_t i = clampIndex(start, 0, dim), e = clampIndex(end, 0, dim);
             i < e; i += step)
          picked.push_back((*values)[i]);
      } else {
        for (int64_t i = clampIndex(start, -1, dim - 1),
                     e = clampIndex(end, -1, dim - 1);
             i > e; i += step)
          picked.push_back((*values)[i]);
      }
      FailureOr<Value> result = ctx.materializeInts(
          picked, {static_cast<int64_t>(picked.size())},
          elementTypeOf(*data));
      if (failed(result))
        return failure();
      ctx.setResults(*result);
      return success();
    }
  }

  Value result = *data;
  if (!sliceAxes.empty()) {
    FailureOr<Value> sliced =
        ctx.create<SliceOp>(*data, sliceAxes, starts, ends, sliceSteps);
    if (failed(sliced))
      return failure();
    SmallVector<DimExpr> dims = shapes.dimsOf(*data);
    for (auto [i, axis] : llvm::enumerate(sliceAxes)) {
      bool whole = sliceSteps[i] == 1 && starts[i] == 0 &&
                   ends[i] >= std::numeric_limits<int32_t>::max();
      if (whole)
        continue;
      std::optional<DimExpr> length;
      if (sliceSteps[i] == 1)
        length = sliceLength(dims[axis], starts[i], ends[i]);
      dims[axis] = length ? *length : shapes.dimOf(*sliced, axis);
    }
    shapes.setDims(*sliced, dims);
    result = *sliced;
  }
  for (unsigned i : gathered) {
    FailureOr<Value> next = gatherSlice(ctx, result, axes[i],
                                        (*knownStarts)[i], (*knownEnds)[i],
                                        steps[i]);
    if (failed(next))
      return failure();
    result = *next;
  }
  ctx.setResults(result);
  return success();
}

/// Split into slices along `axis`. The sizes come from the `split`
/// attribute (before opset 13) or a constant input (from 13); without them
/// the dim is divided equally among the outputs, or from opset 18 into
/// `num_outputs` chunks of ceil(dim / num_outputs), the last one smaller.
template <bool splitIsInput>
LogicalResult split(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, splitIsInput ? 2 : 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "input");
  if (failed(data))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(*data);
  if (rank == 0)
    return ctx.fail("cannot split a scalar");
  FailureOr<int64_t> axis = normalizeAxisOrFail(ctx, *axisAttr, rank);
  if (failed(axis))
    return failure();
  int64_t numResults = ctx.getNode()->getNumResults();
  int64_t dim = shapeOf(*data)[*axis];

  SmallVector<int64_t> sizes;
  bool hasNumOutputs = ctx.getVersion() >= 18 && ctx.hasAttr("num_outputs");
  if (splitIsInput ? ctx.hasInput(1) : ctx.hasAttr("split")) {
    if (hasNumOutputs)
      return ctx.fail("attribute 'num_outputs' and input 1 (split) are "
                      "exclusive");
    if (splitIsInput) {
      FailureOr<SmallVector<DimExpr>> known = ctx.knownInts(1, "split");
      if (failed(known))
        return failure();
      for (const DimExpr &e : *known) {
        // A size that depends on a dynamic dim would need a slice with
        // run-time bounds, which deepc.slice does not have.
        if (!e.isConstant())
          return ctx.fail("input 1 (split) must hold constant sizes, but "
                          "they depend on a dynamic dim");
        sizes.push_back(e.coeff);
      }
    } else {
      FailureOr<std::optional<SmallVector<int64_t>>> attr =
          ctx.intsAttr("split");
      if (failed(attr))
        return failure();
      sizes = std::move(**attr);
    }
    if (int64_t(sizes.size()) != numResults)
      return ctx.fail("split has ", sizes.size(), " sizes but the node has ",
                      numResults, " outputs");
    int64_t total = 0;
    for (int64_t size : sizes) {
      if (size < 0)
        return ctx.fail("split size ", size, " is negative");
      total += size;
    }
    if (dim != kDynamic && total != dim)
      return ctx.fail("split sizes add up to ", total, " but dim ", *axis,
                      " of the input is ", dim);
  } else {
    int64_t parts = numResults;
    if (hasNumOutputs) {
      FailureOr<int64_t> n = ctx.intAttr("num_outputs", 0);
      if (failed(n))
        return failure();
      if (*n != numResults)
        return ctx.fail("attribute 'num_outputs' is ", *n,
                        " but the node has ", numResults, " outputs");
    } else if (ctx.getVersion() >= 18) {
      return ctx.fail("needs input 1 (split) or attribute 'num_outputs'");
    }
    if (parts < 1)
      return ctx.fail("has no outputs");
    if (dim == kDynamic)
      return ctx.fail("cannot split dynamic dim ", *axis, " of ",
                      data->getType(), " into ", parts,
                      " equal parts: deepc needs the sizes at compile time");
    if (!hasNumOutputs && dim % parts != 0)
      return ctx.fail("dim ", *axis, " of size ", dim,
                      " does not split into ", parts, " equal parts");
    int64_t chunk = (dim + parts - 1) / parts;
    for (int64_t i = 0, offset = 0; i < parts; ++i, offset += chunk)
      sizes.push_back(std::clamp<int64_t>(dim - offset, 0, chunk));
  }

  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> dims = shapes.dimsOf(*data);
  std::optional<SmallVector<DimExpr>> values;
  if (rank == 1 && dim != kDynamic)
    values = shapes.valuesOf(*data);
  SmallVector<Value> results;
  int64_t offset = 0;
  for (int64_t size : sizes) {
    FailureOr<Value> part;
    if (values) {
      // A split of a known shape vector folds.
      ArrayRef<DimExpr> picked = ArrayRef<DimExpr>(*values).slice(offset, size);
      part = ctx.materializeInts(picked, {size}, elementTypeOf(*data));
    } else {
      part = ctx.create<SliceOp>(*data, ArrayRef<int64_t>{*axis},
                                 ArrayRef<int64_t>{offset},
                                 ArrayRef<int64_t>{offset + size},
                                 ArrayRef<int64_t>{1});
      if (succeeded(part)) {
        dims[*axis] = DimExpr::constant(size);
        shapes.setDims(*part, dims);
      }
    }
    if (failed(part))
      return failure();
    results.push_back(*part);
    offset += size;
  }
  ctx.setResults(results);
  return success();
}

/// Gather along `axis`; gathering known indices from a known 1-D integer
/// tensor (Shape→Gather) folds.
LogicalResult gather(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<Value> indices = ctx.input(1, "indices");
  if (failed(indices))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(*data);
  if (rank == 0)
    return ctx.fail("cannot gather from a scalar");
  FailureOr<int64_t> axis = normalizeAxisOrFail(ctx, *axisAttr, rank);
  if (failed(axis))
    return failure();
  Type indexType = elementTypeOf(*indices);
  if (!indexType.isInteger(32) && !indexType.isInteger(64))
    return ctx.fail("indices must be i32 or i64, got ", indices->getType());

  ShapeKnowledge &shapes = ctx.getShapes();
  std::optional<SmallVector<DimExpr>> idx = shapes.valuesOf(*indices);
  if (idx && rank == 1 && shapeOf(*data)[0] != kDynamic &&
      shapeOf(*indices) != ArrayRef<int64_t>{kDynamic}) {
    if (std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(*data)) {
      SmallVector<DimExpr> picked;
      int64_t dim = values->size();
      for (const DimExpr &i : *idx) {
        if (!i.isConstant())
          return ctx.fail("indices must be constants to gather from a "
                          "shape");
        int64_t index = i.coeff < 0 ? i.coeff + dim : i.coeff;
        if (index < 0 || index >= dim)
          return ctx.fail("index ", i.coeff, " is out of range for a dim of ",
                          dim);
        picked.push_back((*values)[index]);
      }
      FailureOr<Value> result = ctx.materializeInts(
          picked, shapeOf(*indices), elementTypeOf(*data));
      if (failed(result))
        return failure();
      ctx.setResults(*result);
      return success();
    }
  }
  // Out-of-range constant indices are an error in ONNX; say so here.
  if (idx && shapeOf(*data)[*axis] != kDynamic) {
    int64_t dim = shapeOf(*data)[*axis];
    for (const DimExpr &i : *idx)
      if (i.isConstant() && (i.coeff < -dim || i.coeff >= dim))
        return ctx.fail("index ", i.coeff, " is out of range for axis ", *axis,
                        " of size ", dim);
  }

  FailureOr<Value> result = ctx.create<GatherOp>(*data, *indices, *axis);
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dataDims = shapes.dimsOf(*data);
  SmallVector<DimExpr> dims(dataDims.begin(), dataDims.begin() + *axis);
  llvm::append_range(dims, shapes.dimsOf(*indices));
  dims.append(dataDims.begin() + *axis + 1, dataDims.end());
  shapes.setDims(*result, dims);
  ctx.setResults(*result);
  return success();
}

/// Axes of Unsqueeze/Squeeze: input 1 from opset 13, an attribute before.
FailureOr<std::optional<SmallVector<int64_t>>> squeezeAxes(NodeContext &ctx) {
  if (ctx.getVersion() >= 13) {
    if (ctx.hasAttr("axes"))
      return ctx.fail("attribute 'axes' is not allowed from opset 13 on; "
                      "axes are input 1");
    if (!ctx.hasInput(1))
      return std::optional<SmallVector<int64_t>>();
    FailureOr<SmallVector<int64_t>> axes = ctx.constantInts(1, "axes");
    if (failed(axes))
      return failure();
    return std::optional<SmallVector<int64_t>>(std::move(*axes));
  }
  return ctx.intsAttr("axes");
}

LogicalResult unsqueeze(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, ctx.getVersion() >= 13 ? 2 : 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axes = squeezeAxes(ctx);
  if (failed(axes))
    return failure();
  if (!*axes)
    return ctx.fail("missing required axes");
  int64_t outRank = rankOf(*data) + (*axes)->size();
  SmallVector<bool> inserted(outRank, false);
  for (int64_t axis : **axes) {
    FailureOr<int64_t> n = normalizeAxisOrFail(ctx, axis, outRank);
    if (failed(n))
      return failure();
    if (inserted[*n])
      return ctx.fail("axis ", axis, " is listed more than once");
    inserted[*n] = true;
  }
  SmallVector<DimExpr> inDims = ctx.getShapes().dimsOf(*data);
  SmallVector<DimExpr> target;
  size_t next = 0;
  for (int64_t d = 0; d < outRank; ++d)
    target.push_back(inserted[d] ? DimExpr::constant(1) : inDims[next++]);
  FailureOr<Value> result = reshapeOrFold(ctx, *data, target);
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

LogicalResult squeeze(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, ctx.getVersion() >= 13 ? 2 : 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<std::optional<SmallVector<int64_t>>> axes = squeezeAxes(ctx);
  if (failed(axes))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(*data);
  int64_t rank = shape.size();
  SmallVector<bool> removed(rank, false);
  if (!*axes) {
    for (int64_t d = 0; d < rank; ++d) {
      if (shape[d] == kDynamic)
        return ctx.fail("without axes, dim ", d,
                        " is dynamic and may or may not be 1; give axes");
      removed[d] = shape[d] == 1;
    }
  } else {
    for (int64_t axis : **axes) {
      FailureOr<int64_t> n = normalizeAxisOrFail(ctx, axis, rank);
      if (failed(n))
        return failure();
      if (shape[*n] != 1 && shape[*n] != kDynamic)
        return ctx.fail("cannot squeeze axis ", axis, " of size ", shape[*n]);
      removed[*n] = true;
    }
  }
  SmallVector<DimExpr> inDims = ctx.getShapes().dimsOf(*data);
  SmallVector<DimExpr> target;
  for (int64_t d = 0; d < rank; ++d)
    if (!removed[d])
      target.push_back(inDims[d]);
  FailureOr<Value> result = reshapeOrFold(ctx, *data, target);
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Flatten to [prod(dims[:axis]), prod(dims[axis:])].
LogicalResult flatten(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "input");
  if (failed(data))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", 1);
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(*data);
  int64_t axis = *axisAttr < 0 ? *axisAttr + rank : *axisAttr;
  if (axis < 0 || axis > rank)
    return ctx.fail("axis ", *axisAttr, " is out of range for rank ", rank,
                    " (expected ", -rank, " to ", rank, ")");
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*data);
  std::optional<DimExpr> outer = DimExpr::constant(1),
                         inner = DimExpr::constant(1);
  for (int64_t d = 0; d < rank; ++d) {
    std::optional<DimExpr> &acc = d < axis ? outer : inner;
    if (acc)
      acc = mulDims(*acc, dims[d]);
  }
  if (!outer || !inner)
    return ctx.fail("the flattened dims overflow int64");
  FailureOr<Value> result = reshapeOrFold(ctx, *data, {*outer, *inner});
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

LogicalResult identity(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "input");
  if (failed(data))
    return failure();
  ctx.setResults(*data);
  return success();
}

/// Expand to the numpy broadcast of the input's shape and a (known) shape.
LogicalResult expand(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "input");
  if (failed(data))
    return failure();
  FailureOr<SmallVector<DimExpr>> target = ctx.knownInts(1, "shape");
  if (failed(target))
    return failure();
  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> inDims = shapes.dimsOf(*data);
  size_t rank = std::max(inDims.size(), target->size());
  SmallVector<DimExpr> out(rank);
  SmallVector<int64_t> outShape(rank);
  SmallVector<size_t> ambiguous;
  bool needsShape = false;
  for (size_t i = 0; i < rank; ++i) {
    // Right-aligned; a missing dim acts as 1.
    int64_t ii = int64_t(i) - int64_t(rank - inDims.size());
    int64_t ti = int64_t(i) - int64_t(rank - target->size());
    DimExpr a = ii >= 0 ? inDims[ii] : DimExpr::constant(1);
    DimExpr b = ti >= 0 ? (*target)[ti] : DimExpr::constant(1);
    if (b.isConstant() && b.coeff < 0)
      return ctx.fail("shape entry ", b.coeff, " is negative");
    DimExpr &o = out[i];
    bool decidedAtRunTime = false;
    if (a == b || b == DimExpr::constant(1))
      o = a;
    else if (a == DimExpr::constant(1))
      o = b;
    else if (a.isConstant() && b.isConstant())
      return ctx.fail("input dim ", a.coeff, " does not broadcast to ",
                      b.coeff);
    else if (a.isConstant())
      o = a; // b is a dim that must be 1 or equal to a
    else if (b.isConstant())
      o = b; // the input's dynamic dim must be 1 or equal to b
    else
      decidedAtRunTime = true; // either may be 1
    if (decidedAtRunTime)
      ambiguous.push_back(i);
    outShape[i] = o.isConstant() && !decidedAtRunTime ? o.coeff : kDynamic;
    // A dynamic result dim the input does not determine.
    if (!o.isConstant() && (ii < 0 || shapeOf(*data)[ii] == 1))
      needsShape = true;
  }
  auto type = RankedTensorType::get(outShape, elementTypeOf(*data));
  Value shapeOperand;
  if (!ambiguous.empty()) {
    // Where both the input dim `a` and the target `b` are only known at
    // run time, numpy broadcasting gives `b == 1 ? a : b`; computed for
    // every dim at once from the padded input dims and the target.
    SmallVector<DimExpr> aDims(rank, DimExpr::constant(1)), bDims(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t ii = int64_t(i) - int64_t(rank - inDims.size());
      int64_t ti = int64_t(i) - int64_t(rank - target->size());
      if (ii >= 0)
        aDims[i] = inDims[ii];
      bDims[i] = ti >= 0 ? (*target)[ti] : DimExpr::constant(1);
    }
    int64_t n = static_cast<int64_t>(rank);
    FailureOr<Value> a = ctx.materializeInts(aDims, {n});
    FailureOr<Value> b = ctx.materializeInts(bDims, {n});
    if (failed(a) || failed(b))
      return failure();
    FailureOr<Value> isOne = ctx.create<EqualOp>(*b, ctx.constantI64({1}, {1}));
    if (failed(isOne))
      return failure();
    FailureOr<Value> s = ctx.create<SelectOp>(*isOne, *a, *b);
    if (failed(s))
      return failure();
    shapeOperand = *s;
  } else if (needsShape) {
    FailureOr<Value> s =
        ctx.materializeInts(out, {static_cast<int64_t>(rank)});
    if (failed(s))
      return failure();
    shapeOperand = *s;
  }
  FailureOr<Value> result =
      type == data->getType() && ambiguous.empty()
          ? FailureOr<Value>(*data)
          : ctx.createTyped<ExpandOp>(type, *data, shapeOperand);
  if (failed(result))
    return failure();
  for (size_t i : ambiguous)
    out[i] = shapes.dimOf(*result, i);
  shapes.setDims(*result, out);
  ctx.setResults(*result);
  return success();
}

/// Range(start, limit, delta) with constant scalars becomes a constant;
/// otherwise a deepc.range of dynamic length, whose length is known when it
/// counts by 1 between known bounds (position ids up to a sequence length).
LogicalResult range(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 3)))
    return failure();
  FailureOr<Value> startValue = ctx.input(0, "start");
  if (failed(startValue))
    return failure();
  Type element = elementTypeOf(*startValue);
  const char *names[] = {"start", "limit", "delta"};
  Value inputs[3];
  std::optional<DimExpr> known[3];
  bool allConstant = true;
  for (unsigned i = 0; i < 3; ++i) {
    FailureOr<Value> v = ctx.input(i, names[i]);
    if (failed(v))
      return failure();
    if (rankOf(*v) != 0)
      return ctx.fail("input ", i, " (", names[i], ") must be a scalar, got ",
                      v->getType());
    if (elementTypeOf(*v) != element)
      return ctx.fail("input ", i, " (", names[i], ") has type ",
                      v->getType(), " but start has ", startValue->getType());
    inputs[i] = *v;
    if (std::optional<SmallVector<DimExpr>> values =
            ctx.getShapes().valuesOf(*v))
      known[i] = values->front();
    DenseElementsAttr attr;
    allConstant &= matchPattern(*v, m_Constant(&attr)) ||
                   (known[i] && known[i]->isConstant());
  }
  if (!allConstant) {
    FailureOr<Value> result = ctx.createTyped<RangeOp>(
        RankedTensorType::get({kDynamic}, element), inputs[0], inputs[1],
        inputs[2]);
    if (failed(result))
      return failure();
    // By 1 from `start` to `limit` there are `limit - start` elements
    // (none when negative).
    if (known[0] && known[1] && known[2] &&
        *known[2] == DimExpr::constant(1))
      if (std::optional<DimExpr> length = subDims(*known[1], *known[0]);
          length && length->isNonNegative())
        ctx.getShapes().setDim(*result, 0, *length);
    ctx.setResults(*result);
    return success();
  }
  double values[3];
  for (unsigned i = 0; i < 3; ++i) {
    if (known[i]) {
      values[i] = double(known[i]->coeff);
      continue;
    }
    FailureOr<double> c = ctx.constantFloat(i, names[i]);
    if (failed(c))
      return failure();
    values[i] = *c;
  }
  if (values[2] == 0)
    return ctx.fail("delta is 0");
  double count = std::ceil((values[1] - values[0]) / values[2]);
  if (!(count < double(1 << 24)))
    return ctx.fail("the range has ", count, " elements, too many to fold");
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(count));
  auto type = RankedTensorType::get({n}, element);
  DenseElementsAttr attr;
  if (auto floatType = dyn_cast<FloatType>(element)) {
    SmallVector<APFloat> elements;
    for (int64_t i = 0; i < n; ++i) {
      APFloat v(values[0] + double(i) * values[2]);
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      elements.push_back(v);
    }
    attr = DenseElementsAttr::get(type, elements);
  } else {
    SmallVector<APInt> elements;
    unsigned width = element.getIntOrFloatBitWidth();
    for (int64_t i = 0; i < n; ++i)
      elements.push_back(APInt(64,
                               static_cast<int64_t>(values[0]) +
                                   i * static_cast<int64_t>(values[2]),
                               /*isSigned=*/true)
                             .trunc(width));
    attr = DenseElementsAttr::get(type, elements);
  }
  ctx.setResults(ctx.constant(attr));
  return success();
}

/// ConstantOfShape: a splat of `value` (default f32 0) of a known shape.
LogicalResult constantOfShape(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<SmallVector<DimExpr>> shape = ctx.knownInts(0, "input");
  if (failed(shape))
    return failure();
  Attribute valueAttr = ctx.getNode().getOnnxAttr("value");
  Attribute scalar;
  Type element;
  if (!valueAttr) {
    element = ctx.getBuilder().getF32Type();
    scalar = ctx.getBuilder().getF32FloatAttr(0);
  } else {
    auto elements = dyn_cast<DenseElementsAttr>(valueAttr);
    if (!elements || elements.getNumElements() != 1)
      return ctx.fail("attribute 'value' must be a one-element tensor, got ",
                      valueAttr);
    element = convertElementType(elements.getElementType());
    if (!element)
      return ctx.fail("attribute 'value' has element type ",
                      elements.getElementType(),
                      ", which deepc does not support");
    if (isa<FloatType>(element))
      scalar = FloatAttr::get(element, *elements.getValues<APFloat>().begin());
    else
      scalar = IntegerAttr::get(element, *elements.getValues<APInt>().begin());
  }
  SmallVector<int64_t> dims;
  for (const DimExpr &e : *shape) {
    if (e.isConstant() && e.coeff < 0)
      return ctx.fail("shape entry ", e.coeff, " is negative");
    dims.push_back(e.isConstant() ? e.coeff : kDynamic);
  }
  auto type = RankedTensorType::get(dims, element);
  if (type.hasStaticShape()) {
    ctx.setResults(ctx.constant(DenseElementsAttr::get(type, scalar)));
    return success();
  }
  // Dynamic: broadcast a one-element constant to the run-time shape.
  auto unit = RankedTensorType::get(SmallVector<int64_t>(dims.size(), 1),
                                    element);
  Value one = ctx.constant(DenseElementsAttr::get(unit, scalar));
  FailureOr<Value> s =
      ctx.materializeInts(*shape, {static_cast<int64_t>(shape->size())});
  if (failed(s))
    return failure();
  FailureOr<Value> result = ctx.createTyped<ExpandOp>(type, one, *s);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, *shape);
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerShapeHandlers(HandlerRegistry &r) {
  r.add("", "Shape", {1, 13, 15, 19, 21, 23}, shape);
  r.add("", "Size", 1, size);
  r.add("", "Reshape", {5, 13, 14, 19, 21, 23}, reshape);
  r.add("", "Transpose", {1, 13, 21, 23}, transpose);
  r.add("", "Concat", {4, 11, 13}, concat);
  r.add("", "Slice", {10, 11, 13}, slice);
  r.add("", "Split", {2, 11}, split</*splitIsInput=*/false>);
  r.add("", "Split", {13, 18}, split</*splitIsInput=*/true>);
  r.add("", "Gather", {1, 11, 13}, gather);
  r.add("", "Unsqueeze", {1, 11, 13, 21, 23}, unsqueeze);
  r.add("", "Squeeze", {1, 11, 13, 21, 23}, squeeze);
  r.add("", "Flatten", {1, 9, 11, 13, 21, 23}, flatten);
  r.add("", "Identity", {1, 13, 14, 16, 19, 21, 23}, identity);
  r.add("", "Expand", {8, 13}, expand);
  r.add("", "Range", 11, range);
  r.add("", "ConstantOfShape", {9, 20, 21, 23}, constantOfShape);
}
