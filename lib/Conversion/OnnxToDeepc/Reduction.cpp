//===- Reduction.cpp - ONNX reductions, ArgMax and ArgMin to deepc -------===//
//
// ReduceSum takes its axes as an input from opset 13, the other reductions
// from opset 18; before that they are an attribute. Both forms allow "no
// axes", which reduces everything unless noop_with_empty_axes says to pass
// the input through.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "llvm/ADT/SmallSet.h"

#include <limits>

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// How a reduction folds on known integers (shape math such as the element
/// count of a shape).
enum class ReduceFold { None, Sum, Prod };

template <typename OpTy, bool axesInput, ReduceFold fold = ReduceFold::None>
LogicalResult reduce(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, axesInput ? 2 : 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<int64_t> keepDims = ctx.intAttr("keepdims", 1);
  FailureOr<int64_t> noop = ctx.intAttr("noop_with_empty_axes", 0);
  if (failed(keepDims) || failed(noop))
    return failure();

  SmallVector<int64_t> axes;
  if (axesInput) {
    if (ctx.hasAttr("axes"))
      return ctx.fail("attribute 'axes' is not allowed from this opset on; "
                      "axes are input 1");
    if (ctx.hasInput(1)) {
      FailureOr<SmallVector<int64_t>> values = ctx.constantInts(1, "axes");
      if (failed(values))
        return failure();
      axes = std::move(*values);
    }
  } else {
    FailureOr<std::optional<SmallVector<int64_t>>> values =
        ctx.intsAttr("axes");
    if (failed(values))
      return failure();
    if (*values)
      axes = std::move(**values);
  }

  int64_t rank = rankOf(*data);
  if (axes.empty()) {
    if (*noop || rank == 0) {
      ctx.setResults(*data);
      return success();
    }
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  llvm::SmallSet<int64_t, 4> reduced;
  for (int64_t &axis : axes) {
    FailureOr<int64_t> n = normalizeAxisOrFail(ctx, axis, rank);
    if (failed(n))
      return failure();
    if (!reduced.insert(*n).second)
      return ctx.fail("axis ", axis, " is listed more than once");
    axis = *n;
  }

  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> inDims = shapes.dimsOf(*data);
  SmallVector<DimExpr> outDims;
  SmallVector<int64_t> outShape;
  for (int64_t d = 0; d < rank; ++d) {
    if (!reduced.contains(d)) {
      outDims.push_back(inDims[d]);
      outShape.push_back(shapeOf(*data)[d]);
    } else if (*keepDims) {
      outDims.push_back(DimExpr::constant(1));
      outShape.push_back(1);
    }
  }

  // The sum or product of a known 1-D integer tensor (a shape).
  if (fold != ReduceFold::None && rank == 1 &&
      isa<IntegerType>(elementTypeOf(*data))) {
    if (std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(*data)) {
      std::optional<DimExpr> acc =
          DimExpr::constant(fold == ReduceFold::Prod ? 1 : 0);
      for (const DimExpr &v : *values) {
        if (!acc)
          break;
        acc = fold == ReduceFold::Prod ? mulDims(*acc, v) : addDims(*acc, v);
      }
      if (acc) {
        FailureOr<Value> folded =
            ctx.materializeInts({*acc}, outShape, elementTypeOf(*data));
        if (failed(folded))
          return failure();
        ctx.setResults(*folded);
        return success();
      }
    }
  }

  FailureOr<Value> result = ctx.create<OpTy>(*data, axes, *keepDims != 0);
  if (failed(result))
    return failure();
  shapes.setDims(*result, outDims);
  ctx.setResults(*result);
  return success();
}

/// `x` with its elements in the reverse order along `axis`.
FailureOr<Value> reverse(NodeContext &ctx, Value x, int64_t axis) {
  FailureOr<Value> reversed = ctx.create<SliceOp>(
      x, ArrayRef<int64_t>{axis}, ArrayRef<int64_t>{-1},
      ArrayRef<int64_t>{std::numeric_limits<int64_t>::min()},
      ArrayRef<int64_t>{-1});
  if (succeeded(reversed))
    ctx.getShapes().setDims(*reversed, ctx.getShapes().dimsOf(x));
  return reversed;
}

/// `x` mapped by a strictly decreasing function, so that its first maximum
/// is the first minimum of `x`: -x for floats (exact; NaN stays NaN, which
/// deepc.argmax picks first as numpy's argmin does, and -0 and 0 still tie),
/// and -1 - x (= ~x) for integers, which unlike -x cannot overflow.
FailureOr<Value> orderReversed(NodeContext &ctx, Value x) {
  Type element = elementTypeOf(x);
  FailureOr<Value> result =
      isa<FloatType>(element)
          ? ctx.create<NegOp>(x)
          : ctx.create<SubOp>(ctx.splatConstant(element, -1.0), x);
  if (succeeded(result))
    ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(x));
  return result;
}

/// ArgMax: the first maximum; select_last_index is not supported.
LogicalResult argMax(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<int64_t> axis = ctx.intAttr("axis", 0);
  FailureOr<int64_t> keepDims = ctx.intAttr("keepdims", 1);
  FailureOr<int64_t> last = ctx.intAttr("select_last_index", 0);
  if (failed(axis) || failed(keepDims) || failed(last))
    return failure();
  if (*last != 0)
    return ctx.fail("select_last_index = ", *last,
                    " is not supported; deepc.argmax returns the first "
                    "maximum");
  FailureOr<int64_t> n = normalizeAxisOrFail(ctx, *axis, rankOf(*data));
  if (failed(n))
    return failure();
  FailureOr<Value> result = ctx.create<ArgMaxOp>(*data, *n, *keepDims != 0);
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*data);
  if (*keepDims)
    dims[*n] = DimExpr::constant(1);
  else
    dims.erase(dims.begin() + *n);
  ctx.getShapes().setDims(*result, dims);
  ctx.setResults(*result);
  return success();
}

/// ArgMin: the argmax of orderReversed(data). With select_last_index the
/// data is reversed along the axis first and the index mapped back:
/// last = (n - 1) - first-in-reversed.
LogicalResult argMin(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<int64_t> axis = ctx.intAttr("axis", 0);
  FailureOr<int64_t> keepDims = ctx.intAttr("keepdims", 1);
  FailureOr<int64_t> last = ctx.intAttr("select_last_index", 0);
  if (failed(axis) || failed(keepDims) || failed(last))
    return failure();
  if (elementTypeOf(*data).isInteger(1))
    return ctx.fail("data of type ", data->getType(), " is not numeric");
  FailureOr<int64_t> n = normalizeAxisOrFail(ctx, *axis, rankOf(*data));
  if (failed(n))
    return failure();
  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> dims = shapes.dimsOf(*data);
  DimExpr length = dims[*n];

  FailureOr<Value> input = orderReversed(ctx, *data);
  if (failed(input))
    return failure();
  if (*last)
    input = reverse(ctx, *input, *n);
  if (failed(input))
    return failure();
  FailureOr<Value> result = ctx.create<ArgMaxOp>(*input, *n, *keepDims != 0);
  if (failed(result))
    return failure();
  if (*keepDims)
    dims[*n] = DimExpr::constant(1);
  else
    dims.erase(dims.begin() + *n);
  if (*last) {
    std::optional<DimExpr> lastIndex = subDims(length, DimExpr::constant(1));
    if (!lastIndex)
      return ctx.fail("cannot compute the last index of dim ", *n);
    FailureOr<Value> bound = ctx.materializeInts({*lastIndex}, {});
    if (failed(bound))
      return failure();
    result = ctx.create<SubOp>(*bound, *result);
    if (failed(result))
      return failure();
  }
  shapes.setDims(*result, dims);
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerReductionHandlers(HandlerRegistry &r) {
  r.add("", "ReduceSum", {1, 11}, reduce<ReduceSumOp, false, ReduceFold::Sum>);
  r.add("", "ReduceSum", 13, reduce<ReduceSumOp, true, ReduceFold::Sum>);
  r.add("", "ReduceMean", {1, 11, 13}, reduce<ReduceMeanOp, false>);
  r.add("", "ReduceMean", 18, reduce<ReduceMeanOp, true>);
  r.add("", "ReduceMax", {1, 11, 12, 13}, reduce<ReduceMaxOp, false>);
  r.add("", "ReduceMax", {18, 20}, reduce<ReduceMaxOp, true>);
  r.add("", "ReduceMin", {1, 11, 12, 13}, reduce<ReduceMinOp, false>);
  r.add("", "ReduceMin", {18, 20}, reduce<ReduceMinOp, true>);
  r.add("", "ReduceProd", {1, 11, 13},
        reduce<ReduceProdOp, false, ReduceFold::Prod>);
  r.add("", "ReduceProd", 18, reduce<ReduceProdOp, true, ReduceFold::Prod>);
  r.add("", "ArgMax", {1, 11, 12, 13}, argMax);
  r.add("", "ArgMin", {1, 11, 12, 13}, argMin);
}
