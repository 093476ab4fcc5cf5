//===- AttentionLayout.cpp - look through layout ops, exactly -------------===//
//
// Symbolic extents and element-exact traces through reshape, transpose and
// expand chains (see AttentionLayout.h).
//
//===----------------------------------------------------------------------===//

#include "AttentionLayout.h"

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace mlir::deepc {

namespace {

/// Past this recursion depth an extent stays an opaque symbol, so that a
/// long residual chain cannot exhaust the stack.
constexpr unsigned kMaxDepth = 256;

int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

int64_t positiveAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

} // namespace

//===----------------------------------------------------------------------===//
// DimAnalysis
//===----------------------------------------------------------------------===//

DimSymbol DimAnalysis::find(DimSymbol symbol) {
  auto it = parent.find(symbol);
  while (it != parent.end()) {
    symbol = it->second;
    it = parent.find(symbol);
  }
  return symbol;
}

DimExtent DimAnalysis::canonical(const DimExtent &extent) {
  DimExtent result{extent.coefficient, {}};
  for (const DimSymbol &symbol : extent.symbols)
    result.symbols.push_back(find(symbol));
  llvm::sort(result.symbols);
  return result;
}

DimExtent DimAnalysis::multiply(const DimExtent &lhs, const DimExtent &rhs) {
  DimExtent result{lhs.coefficient * rhs.coefficient, lhs.symbols};
  result.symbols.append(rhs.symbols.begin(), rhs.symbols.end());
  return canonical(result);
}

std::optional<DimExtent> DimAnalysis::divide(const DimExtent &lhs,
                                             const DimExtent &rhs) {
  DimExtent num = canonical(lhs), den = canonical(rhs);
  if (den.coefficient <= 0 || num.coefficient % den.coefficient != 0)
    return std::nullopt;
  DimExtent result{num.coefficient / den.coefficient, num.symbols};
  for (const DimSymbol &symbol : den.symbols) {
    auto it = llvm::find(result.symbols, symbol);
    if (it == result.symbols.end())
      return std::nullopt;
    result.symbols.erase(it);
  }
  return result;
}

bool DimAnalysis::equal(const DimExtent &lhs, const DimExtent &rhs) {
  DimExtent a = canonical(lhs), b = canonical(rhs);
  return a.coefficient == b.coefficient && a.symbols == b.symbols;
}

void DimAnalysis::unite(const DimExtent &lhs, const DimExtent &rhs) {
  DimExtent a = canonical(lhs), b = canonical(rhs);
  if (a.coefficient != 1 || b.coefficient != 1 || a.symbols.size() != 1 ||
      b.symbols.size() != 1 || a.symbols[0] == b.symbols[0])
    return;
  parent[b.symbols[0]] = a.symbols[0];
}

DimExtent DimAnalysis::extentOf(Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  dim = positiveAxis(dim, type.getRank());
  if (!type.isDynamicDim(dim))
    return DimExtent::constant(type.getDimSize(dim));
  std::pair<const void *, int64_t> key{value.getAsOpaquePointer(), dim};
  if (auto it = extents.find(key); it != extents.end())
    return it->second;
  DimExtent result{1, {DimSymbol{key.first, dim, false}}};
  if (depth < kMaxDepth) {
    ++depth;
    result = computeExtent(value, dim);
    --depth;
  }
  extents[key] = result;
  return result;
}

DimExtent DimAnalysis::shapeElement(Value shape, int64_t index) {
  std::pair<const void *, int64_t> key{shape.getAsOpaquePointer(), index};
  if (auto it = shapeElements.find(key); it != shapeElements.end())
    return it->second;
  DimExtent result{1, {DimSymbol{key.first, index, true}}};
  if (depth < kMaxDepth) {
    ++depth;
    if (std::optional<DimExtent> element = computeShapeElement(shape, index))
      result = *element;
    --depth;
  }
  shapeElements[key] = result;
  return result;
}

/// The extent of a dimension that numpy broadcasting computes from the
/// given operand dimensions (index < 0: the operand lacks it). Dynamic
/// dimensions are taken to match each other (the dialect's rule).
DimExtent
DimAnalysis::broadcastExtent(ArrayRef<std::pair<Value, int64_t>> dims) {
  SmallVector<std::pair<Value, int64_t>> dynamic;
  for (auto [value, dim] : dims) {
    if (dim < 0)
      continue;
    int64_t size = cast<RankedTensorType>(value.getType()).getDimSize(dim);
    if (ShapedType::isDynamic(size))
      dynamic.push_back({value, dim});
    else if (size != 1)
      return DimExtent::constant(size);
  }
  if (dynamic.empty())
    return DimExtent::constant(1);
  DimExtent result = extentOf(dynamic[0].first, dynamic[0].second);
  for (auto [value, dim] : llvm::drop_begin(dynamic))
    unite(result, extentOf(value, dim));
  return canonical(result);
}

DimExtent DimAnalysis::computeExtent(Value value, int64_t dim) {
  DimExtent self{1, {DimSymbol{value.getAsOpaquePointer(), dim, false}}};
  Operation *op = value.getDefiningOp();
  if (!op)
    return self;
  int64_t rank = rankOf(value);
  // Operand dimension `dim` of an operand aligned on the right, or -1.
  auto aligned = [&](Value operand, int64_t batchRank) -> int64_t {
    int64_t index = dim - (rank - rankOf(operand));
    return index >= 0 && index < batchRank ? index : -1;
  };

  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    if (Value shape = reshape.getShape()) {
      DimExtent element = shapeElement(shape, dim);
      // ONNX's 0 (copy) and -1 (infer) are not extents.
      if (!element.isStatic() || element.coefficient > 0)
        return element;
    }
    // The one dynamic dimension is what the static ones leave of the input.
    auto type = cast<RankedTensorType>(value.getType());
    if (type.getNumDynamicDims() != 1)
      return self;
    DimExtent total = DimExtent::constant(1);
    for (int64_t i = 0, e = rankOf(reshape.getInput()); i < e; ++i)
      total = multiply(total, extentOf(reshape.getInput(), i));
    int64_t others = 1;
    for (int64_t size : type.getShape())
      if (!ShapedType::isDynamic(size))
        others *= size;
    return divide(total, DimExtent::constant(others)).value_or(self);
  }
  if (auto expand = dyn_cast<ExpandOp>(op)) {
    int64_t index = aligned(expand.getInput(), rankOf(expand.getInput()));
    if (Value shape = expand.getShape()) {
      DimExtent element = shapeElement(shape, dim);
      // ONNX Expand broadcasts both ways: a 1 keeps the input's extent.
      if (element.isConstant(1) && index >= 0)
        return extentOf(expand.getInput(), index);
      if (!element.isStatic() || element.coefficient > 0)
        return element;
      return self;
    }
    return index >= 0 ? extentOf(expand.getInput(), index) : self;
  }
  if (auto transpose = dyn_cast<TransposeOp>(op))
    return extentOf(transpose.getInput(), transpose.getPermutation()[dim]);
  if (auto matmul = dyn_cast<MatmulOp>(op)) {
    Value lhs = matmul.getLhs(), rhs = matmul.getRhs();
    if (rankOf(lhs) < 2 || rankOf(rhs) < 2)
      return self;
    if (dim == rank - 1)
      return extentOf(rhs, matmul.getTransposeRhs() ? -2 : -1);
    if (dim == rank - 2)
      return extentOf(lhs, matmul.getTransposeLhs() ? -1 : -2);
    return broadcastExtent({{lhs, aligned(lhs, rankOf(lhs) - 2)},
                            {rhs, aligned(rhs, rankOf(rhs) - 2)}});
  }
  if (isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, ModOp, EqualOp,
          LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp,
          SelectOp>(op)) {
    SmallVector<std::pair<Value, int64_t>> dims;
    for (Value operand : op->getOperands())
      dims.push_back({operand, aligned(operand, rankOf(operand))});
    return broadcastExtent(dims);
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    if (dim == positiveAxis(concat.getAxis(), rank))
      return self;
    return broadcastExtent(
        llvm::to_vector(llvm::map_range(concat.getInputs(), [&](Value input) {
          return std::pair<Value, int64_t>(input, dim);
        })));
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    for (int64_t axis : slice.getAxes())
      if (positiveAxis(axis, rank) == dim)
        return self;
    return extentOf(slice.getInput(), dim);
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    int64_t dataRank = rankOf(gather.getData());
    int64_t axis = positiveAxis(gather.getAxis(), dataRank);
    int64_t indicesRank = rankOf(gather.getIndices());
    if (dim < axis)
      return extentOf(gather.getData(), dim);
    if (dim < axis + indicesRank)
      return extentOf(gather.getIndices(), dim - axis);
    return extentOf(gather.getData(), dim - indicesRank + 1);
  }
  if (auto attention = dyn_cast<AttentionOp>(op))
    return extentOf(dim == 3 ? attention.getV() : attention.getQ(), dim);
  // Ops whose result has the shape of their first operand.
  if (op->getNumOperands() > 0 &&
      (op->hasTrait<OpTrait::SameOperandsAndResultShape>() ||
       op->hasTrait<OpTrait::SameOperandsAndResultType>() ||
       isa<RotaryOp, RmsNormOp, LayerNormOp, SoftmaxOp, ScatterOp,
           ScatterElementsOp>(op))) {
    Value input = op->getOperand(0);
    if (isa<RankedTensorType>(input.getType()) && rankOf(input) == rank)
      return extentOf(input, dim);
  }
  return self;
}

std::optional<DimExtent> DimAnalysis::computeShapeElement(Value shape,
                                                          int64_t index) {
  auto type = dyn_cast<RankedTensorType>(shape.getType());
  if (!type || type.getRank() > 1)
    return std::nullopt;
  DenseIntElementsAttr constant;
  if (matchPattern(shape, m_Constant(&constant))) {
    if (index >= constant.getNumElements())
      return std::nullopt;
    return DimExtent::constant(
        constant.getValues<APInt>()[index].getSExtValue());
  }
  Operation *op = shape.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (auto shapeOf = dyn_cast<ShapeOfOp>(op))
    return index < rankOf(shapeOf.getInput())
               ? std::optional(extentOf(shapeOf.getInput(), index))
               : std::nullopt;
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    for (Value input : concat.getInputs()) {
      auto inputType = cast<RankedTensorType>(input.getType());
      if (inputType.getRank() != 1 || inputType.isDynamicDim(0))
        return std::nullopt;
      if (index < inputType.getDimSize(0))
        return shapeElement(input, index);
      index -= inputType.getDimSize(0);
    }
    return std::nullopt;
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    auto inputType = cast<RankedTensorType>(slice.getInput().getType());
    if (inputType.getRank() != 1 || inputType.isDynamicDim(0) ||
        slice.getAxes().size() != 1 || slice.getSteps()[0] != 1)
      return std::nullopt;
    int64_t size = inputType.getDimSize(0);
    int64_t start = slice.getStarts()[0];
    start = std::clamp<int64_t>(start < 0 ? start + size : start, 0, size);
    if (start + index >= size)
      return std::nullopt;
    return shapeElement(slice.getInput(), start + index);
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    auto inputType = cast<RankedTensorType>(reshape.getInput().getType());
    if (inputType.getRank() > 1 || !inputType.hasStaticShape())
      return std::nullopt;
    return shapeElement(reshape.getInput(), index);
  }
  if (auto mul = dyn_cast<MulOp>(op)) {
    DimExtent product = DimExtent::constant(1);
    for (Value operand : {mul.getLhs(), mul.getRhs()}) {
      auto operandType = cast<RankedTensorType>(operand.getType());
      if (operandType.getRank() > 1 || !operandType.hasStaticShape())
        return std::nullopt;
      int64_t at = operandType.getNumElements() == 1 ? 0 : index;
      product = multiply(product, shapeElement(operand, at));
    }
    return product;
  }
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Layout tracing
//===----------------------------------------------------------------------===//

std::optional<double> getScalarConstant(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      attr.getNumElements() != 1)
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

namespace {

/// One step of a layout chain: the op and the value it reads.
struct ChainStep {
  Operation *op;
  Value input;
  double scale;
};

/// The layout step that produces `value`, if it is one: reshape, transpose,
/// expand, or a product or quotient by a scalar constant that keeps the
/// shape.
std::optional<ChainStep> getLayoutStep(Value value) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (isa<ReshapeOp, TransposeOp, ExpandOp>(op))
    return ChainStep{op, op->getOperand(0), 1.0};
  if (auto mul = dyn_cast<MulOp>(op)) {
    for (auto [input, factor] : {std::pair(mul.getLhs(), mul.getRhs()),
                                 std::pair(mul.getRhs(), mul.getLhs())})
      if (input.getType() == mul.getType())
        if (std::optional<double> scale = getScalarConstant(factor))
          return ChainStep{op, input, *scale};
  }
  if (auto div = dyn_cast<DivOp>(op))
    if (div.getLhs().getType() == div.getType())
      if (std::optional<double> scale = getScalarConstant(div.getRhs());
          scale && *scale != 0)
        return ChainStep{op, div.getLhs(), 1.0 / *scale};
  return std::nullopt;
}

/// Builds layouts forward from a source through layout ops.
class LayoutBuilder {
public:
  LayoutBuilder(DimAnalysis &analysis) : analysis(analysis) {}

  Layout identity(Value source) {
    Layout layout;
    layout.source = source;
    for (int64_t dim = 0, e = rankOf(source); dim < e; ++dim) {
      DimExtent extent = analysis.extentOf(source, dim);
      layout.dims.emplace_back();
      layout.sourceDims.emplace_back();
      if (extent.isConstant(1))
        continue;
      unsigned atom = layout.atoms.size();
      layout.atoms.push_back({dim, extent});
      layout.dims.back().push_back(atom);
      layout.sourceDims.back().push_back(atom);
    }
    return layout;
  }

  /// Applies `op` (producing `result`) to `layout`; false when the effect
  /// on element indices cannot be proven.
  bool apply(Layout &layout, Operation *op, Value result) {
    if (auto transpose = dyn_cast<TransposeOp>(op)) {
      SmallVector<SmallVector<unsigned, 2>> dims;
      for (int64_t from : transpose.getPermutation())
        dims.push_back(layout.dims[from]);
      layout.dims = std::move(dims);
      return true;
    }
    if (isa<ReshapeOp>(op))
      return applyReshape(layout, result);
    if (isa<ExpandOp>(op))
      return applyExpand(layout, result);
    // A scalar product or quotient keeps every index.
    return isa<MulOp, DivOp>(op);
  }

private:
  DimExtent extentOfAtoms(const Layout &layout, ArrayRef<unsigned> atoms) {
    DimExtent extent = DimExtent::constant(1);
    for (unsigned atom : atoms)
      extent = analysis.multiply(extent, layout.atoms[atom].extent);
    return extent;
  }

  /// A reshape keeps the row-major order of elements: regroup the atoms,
  /// in order, into the result's extents, splitting an atom when a result
  /// dimension ends inside it.
  bool applyReshape(Layout &layout, Value result) {
    SmallVector<unsigned> flat;
    for (ArrayRef<unsigned> dim : layout.dims)
      flat.append(dim.begin(), dim.end());
    SmallVector<SmallVector<unsigned, 2>> dims;
    size_t next = 0;
    for (int64_t dim = 0, e = rankOf(result); dim < e; ++dim) {
      DimExtent target = analysis.extentOf(result, dim);
      DimExtent covered = DimExtent::constant(1);
      SmallVector<unsigned, 2> group;
      while (!analysis.equal(covered, target)) {
        if (next == flat.size())
          return false;
        unsigned atom = flat[next];
        DimExtent extended =
            analysis.multiply(covered, layout.atoms[atom].extent);
        if (analysis.divide(target, extended)) {
          group.push_back(atom);
          covered = extended;
          ++next;
          continue;
        }
        // The dimension ends inside this atom: split off its major part.
        std::optional<DimExtent> major = analysis.divide(target, covered);
        if (!major || major->isConstant(1))
          return false;
        std::optional<DimExtent> minor =
            analysis.divide(layout.atoms[atom].extent, *major);
        if (!minor)
          return false;
        unsigned split = layout.atoms.size();
        layout.atoms.push_back({layout.atoms[atom].sourceDim, *major});
        layout.atoms[atom].extent = *minor;
        if (int64_t sourceDim = layout.atoms[atom].sourceDim; sourceDim >= 0) {
          auto &order = layout.sourceDims[sourceDim];
          order.insert(llvm::find(order, atom), split);
        }
        group.push_back(split);
        covered = target;
      }
      dims.push_back(std::move(group));
    }
    if (next != flat.size())
      return false;
    layout.dims = std::move(dims);
    return true;
  }

  /// An expand keeps each dimension whose extent it keeps and broadcasts
  /// extent-1 and new leading dimensions.
  bool applyExpand(Layout &layout, Value result) {
    int64_t rank = rankOf(result);
    int64_t added = rank - static_cast<int64_t>(layout.dims.size());
    if (added < 0)
      return false;
    SmallVector<SmallVector<unsigned, 2>> dims;
    for (int64_t dim = 0; dim < rank; ++dim) {
      DimExtent target = analysis.extentOf(result, dim);
      SmallVector<unsigned, 2> group;
      if (dim >= added) {
        group = layout.dims[dim - added];
        if (analysis.equal(extentOfAtoms(layout, group), target)) {
          dims.push_back(std::move(group));
          continue;
        }
        if (!group.empty())
          return false;
      }
      if (!target.isConstant(1)) {
        group.push_back(layout.atoms.size());
        layout.atoms.push_back({-1, target});
      }
      dims.push_back(std::move(group));
    }
    layout.dims = std::move(dims);
    return true;
  }

  DimAnalysis &analysis;
};

} // namespace

std::optional<TracedValue>
traceLayout(Value value, DimAnalysis &analysis,
            llvm::function_ref<bool(const Layout &)> accept) {
  constexpr unsigned kMaxChain = 32;
  // values[i + 1] is the input of steps[i], which produces values[i].
  SmallVector<Value> values = {value};
  SmallVector<ChainStep> steps;
  while (steps.size() < kMaxChain) {
    std::optional<ChainStep> step = getLayoutStep(values.back());
    if (!step || !isa<RankedTensorType>(step->input.getType()))
      break;
    steps.push_back(*step);
    values.push_back(step->input);
  }
  LayoutBuilder builder(analysis);
  for (int64_t start = steps.size(); start >= 0; --start) {
    Layout layout = builder.identity(values[start]);
    double scale = 1.0;
    bool proven = true;
    for (int64_t i = start - 1; i >= 0 && proven; --i) {
      proven = builder.apply(layout, steps[i].op, values[i]);
      scale *= steps[i].scale;
    }
    if (proven && accept(layout))
      return TracedValue{std::move(layout), scale};
  }
  return std::nullopt;
}

} // namespace mlir::deepc
