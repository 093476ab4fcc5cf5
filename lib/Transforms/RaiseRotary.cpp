//===- RaiseRotary.cpp - deepc.rotary from its primitive ops --------------===//
//
// Exporters spell rotary position embeddings in two ways:
//
// - `x · cos + rotate(x) · sin` (Llama, Mistral, Qwen, GPT-J), with
//   `rotate(x) = concat(-x2, x1)` for the half layout or the pairwise
//   `(-x[2i+1], x[2i])` for the interleaved one, and cos/sin tables as wide
//   as x that hold each of the r/2 angles twice;
// - `concat(x1 · c - x2 · s, x2 · c + x1 · s)` (DeepSeek-V3), the two halves
//   of the result computed separately with tables of width r/2.
//
// deepc.rotary takes one angle per rotated pair, so the first form is raised
// only once the pass proves that the wide tables repeat their angles as the
// layout pairs them: each table is rewritten into its narrow equivalent,
// looking through the ops that act on every channel alike.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/DenseSet.h"

#include <cstring>
#include <optional>
#include <string>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEROTARYPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

//===----------------------------------------------------------------------===//
// Shapes and small matchers
//===----------------------------------------------------------------------===//

RankedTensorType rankedType(Value value) {
  return dyn_cast<RankedTensorType>(value.getType());
}

/// The static size of the last dimension, or ShapedType::kDynamic (also for
/// unranked or rank-0 values).
int64_t lastDim(Value value) {
  RankedTensorType type = rankedType(value);
  if (!type || type.getRank() == 0)
    return ShapedType::kDynamic;
  return type.getShape().back();
}

/// `type` with its last dimension replaced by `size`.
RankedTensorType withLastDim(RankedTensorType type, int64_t size) {
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  return type.clone(shape);
}

/// Whether `axis` (possibly negative) names the last of `rank` dimensions.
bool isLastAxis(int64_t axis, int64_t rank) {
  return rank > 0 && (axis == -1 || axis == rank - 1);
}

/// A slice of the last axis of `source` (of static width) with a positive
/// step: elements start, start + step, ... (count of them).
struct LastAxisSlice {
  Value source;
  int64_t start;
  int64_t step;
  int64_t count;
};

/// Matches a deepc.slice of the last axis only, resolving ONNX's negative
/// and clamped bounds against the source's static width.
std::optional<LastAxisSlice> matchLastAxisSlice(Value value) {
  auto slice = value.getDefiningOp<SliceOp>();
  if (!slice || slice.getAxes().size() != 1)
    return std::nullopt;
  Value source = slice.getInput();
  RankedTensorType type = rankedType(source);
  if (!type || !isLastAxis(slice.getAxes()[0], type.getRank()))
    return std::nullopt;
  int64_t width = lastDim(source);
  int64_t step = slice.getSteps()[0];
  if (ShapedType::isDynamic(width) || step <= 0)
    return std::nullopt;
  auto clampToWidth = [&](int64_t bound) {
    if (bound < 0)
      bound = bound < -width ? 0 : bound + width;
    return std::min(bound, width);
  };
  int64_t start = clampToWidth(slice.getStarts()[0]);
  int64_t end = clampToWidth(slice.getEnds()[0]);
  int64_t count = end > start ? (end - start + step - 1) / step : 0;
  return LastAxisSlice{source, start, step, count};
}

/// Whether `value` is the contiguous slice [start, start + count) of the
/// last axis of `source`.
bool isContiguousSlice(Value value, Value source, int64_t start,
                       int64_t count) {
  std::optional<LastAxisSlice> slice = matchLastAxisSlice(value);
  return slice && slice->source == source && slice->start == start &&
         (slice->step == 1 || count == 1) && slice->count == count;
}

/// Whether `value` is a splat float constant equal to `expected`.
bool isSplatOf(Value value, double expected) {
  DenseFPElementsAttr attr;
  return matchPattern(value, m_Constant(&attr)) && attr.isSplat() &&
         attr.getSplatValue<APFloat>().convertToDouble() == expected;
}

/// The `y` of `-y`, written as neg(y) or y · -1 (the -1 a splat that
/// broadcasts nothing), or a null value.
Value matchNegated(Value value) {
  if (auto neg = value.getDefiningOp<NegOp>())
    return neg.getInput();
  if (auto mul = value.getDefiningOp<MulOp>()) {
    for (auto [y, minusOne] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())})
      if (y.getType() == mul.getType() && isSplatOf(minusOne, -1.0))
        return y;
  }
  return {};
}

/// The `y` of `unsqueeze(y, -1)`: a reshape that appends one dimension of 1.
Value matchUnsqueezeLast(Value value) {
  auto reshape = value.getDefiningOp<ReshapeOp>();
  if (!reshape)
    return {};
  RankedTensorType in = rankedType(reshape.getInput());
  RankedTensorType out = rankedType(reshape.getResult());
  if (!in || !out || out.getRank() != in.getRank() + 1 ||
      out.getShape().back() != 1)
    return {};
  // The leading extents must be the input's; dynamic ones are equal only
  // when the reshape takes them from nowhere else (no shape operand).
  for (auto [a, b] : llvm::zip(in.getShape(), out.getShape().drop_back()))
    if (a != b || (ShapedType::isDynamic(a) && reshape.getShape()))
      return {};
  return reshape.getInput();
}

/// Operands of a two-operand op, in both orders, for commutative matching.
std::array<std::pair<Value, Value>, 2> bothOrders(Operation *op) {
  return {std::pair(op->getOperand(0), op->getOperand(1)),
          std::pair(op->getOperand(1), op->getOperand(0))};
}

//===----------------------------------------------------------------------===//
// Narrowing the r-wide tables
//===----------------------------------------------------------------------===//

/// The raw bytes of a float constant, with one byte or more per element, or
/// nothing when they cannot be read (an elided resource, a splat).
std::optional<ArrayRef<char>> constantBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  if (!type.hasStaticShape() || !isa<FloatType>(type.getElementType()) ||
      type.getElementTypeBitWidth() % 8 != 0)
    return std::nullopt;
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return std::nullopt;
    data = dense.getRawData();
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    data = blob->getData();
  } else {
    return std::nullopt;
  }
  size_t bytes = type.getNumElements() * (type.getElementTypeBitWidth() / 8);
  if (data.size() != bytes)
    return std::nullopt;
  return data;
}

/// Rewrites a table `t` of last dimension r, whose entries repeat r/2 angles
/// as `layout` pairs channels, into the table of those r/2 angles:
/// `t[..., j] = narrow(t)[..., j mod r/2]` (half) or
/// `narrow(t)[..., j div 2]` (interleaved).
///
/// `prove` checks without touching the IR and says why it cannot; `build`
/// (only after `prove` succeeded) creates the narrow table right after the
/// wide one, so that it dominates every use of the wide one. Tables built
/// once are reused, e.g. by the query and key rotations of a layer.
class TableNarrower {
public:
  explicit TableNarrower(RewriterBase &rewriter) : rewriter(rewriter) {}

  /// Empty when `table` can be narrowed, else the reason it cannot.
  std::string prove(Value table, RotaryLayout layout) {
    std::string why;
    (void)visit(table, layout, /*build=*/false, why);
    return why;
  }

  /// The narrowed table, built or reused; `table` must have been proven.
  Value build(Value table, RotaryLayout layout) {
    std::string why;
    Value narrow = visit(table, layout, /*build=*/true, why);
    assert(narrow && "building a table that was not proven narrowable");
    return narrow;
  }

  /// A table of width r/2 taken from an r-wide table of repeated angles (a
  /// slice of the first or second half, or of every other entry, possibly
  /// reshaped or passed through cos/sin afterwards) rewritten as the same
  /// values computed from the narrow source, so that the wide table goes
  /// away; a null value when it is not such a slice.
  Value narrowSliced(Value table, bool build);

private:
  /// The narrowed value (in a dry run, `table` itself), or a null value with
  /// `why` set.
  Value visit(Value table, RotaryLayout layout, bool build, std::string &why);
  Value visitOp(Operation *op, Value table, RotaryLayout layout, bool build,
                std::string &why);
  Value narrowConstant(ConstantOp constant, RotaryLayout layout, bool build,
                       std::string &why);
  Value narrowReshape(ReshapeOp reshape, RotaryLayout layout, bool build,
                      std::string &why);
  Value narrowChannelGather(GatherOp gather, RotaryLayout layout, bool build,
                            std::string &why);
  Value narrowBroadcastOperand(Value operand, int64_t width,
                               RotaryLayout layout, bool build,
                               std::string &why);
  /// The 1-D shape operand `shape` with its last entry set to `size`.
  Value withLastExtent(Value shape, int64_t size, Location loc);

  RewriterBase &rewriter;
  DenseMap<std::pair<Value, unsigned>, Value> built;
  DenseMap<Value, Value> builtSliced;
  DenseMap<std::pair<Value, int64_t>, Value> builtShapes;
};

Value TableNarrower::visit(Value table, RotaryLayout layout, bool build,
                           std::string &why) {
  auto key = std::pair(table, unsigned(layout));
  if (auto it = built.find(key); it != built.end())
    return it->second;
  int64_t width = lastDim(table);
  if (ShapedType::isDynamic(width) || width % 2 != 0) {
    why = "the table's last dimension is not static and even";
    return {};
  }
  Operation *op = table.getDefiningOp();
  if (!op) {
    why = "the table is a block argument whose entries are unknown";
    return {};
  }
  OpBuilder::InsertionGuard guard(rewriter);
  if (build)
    rewriter.setInsertionPointAfter(op);
  Value narrow = visitOp(op, table, layout, build, why);
  if (narrow && build)
    built[key] = narrow;
  return narrow;
}

Value TableNarrower::visitOp(Operation *op, Value table, RotaryLayout layout,
                             bool build, std::string &why) {
  auto type = cast<RankedTensorType>(table.getType());
  int64_t width = type.getShape().back();
  RankedTensorType narrowType = withLastDim(type, width / 2);
  Location loc = op->getLoc();
  bool half = layout == RotaryLayout::half;

  // concat(a, a) along the last axis repeats a's angles in the half layout.
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    if (!isLastAxis(concat.getAxis(), type.getRank())) {
      why = "the table is a concat along another axis than the last";
      return {};
    }
    if (!half) {
      why = "a concat along the last axis repeats the angles in the half "
            "layout, not the interleaved one";
      return {};
    }
    if (concat.getInputs().size() != 2 ||
        concat.getInputs()[0] != concat.getInputs()[1]) {
      why = "the table is a concat of two different halves";
      return {};
    }
    return concat.getInputs()[0];
  }

  // Elementwise ops act on every channel alike: narrow their input.
  if (isa<CosOp, SinOp, NegOp, CastOp>(op)) {
    Value input = visit(op->getOperand(0), layout, build, why);
    if (!input || !build)
      return input;
    OperationState state(loc, op->getName());
    state.addOperands(input);
    // The op keeps its input's shape: take it from the narrowed input, which
    // may be less refined than the wide table's.
    state.addTypes(
        cast<RankedTensorType>(input.getType()).clone(type.getElementType()));
    state.addAttributes(op->getAttrs());
    return rewriter.create(state)->getResult(0);
  }
  if (isa<MulOp, AddOp, SubOp, DivOp>(op)) {
    Value lhs =
        narrowBroadcastOperand(op->getOperand(0), width, layout, build, why);
    if (!lhs)
      return {};
    Value rhs =
        narrowBroadcastOperand(op->getOperand(1), width, layout, build, why);
    if (!rhs || !build)
      return rhs;
    // Built through their own builders, which infer the broadcast type.
    if (isa<MulOp>(op))
      return rewriter.create<MulOp>(loc, lhs, rhs);
    if (isa<AddOp>(op))
      return rewriter.create<AddOp>(loc, lhs, rhs);
    if (isa<SubOp>(op))
      return rewriter.create<SubOp>(loc, lhs, rhs);
    return rewriter.create<DivOp>(loc, lhs, rhs);
  }

  // Data movement that keeps the last axis where it is.
  if (auto transpose = dyn_cast<TransposeOp>(op)) {
    ArrayRef<int64_t> permutation = transpose.getPermutation();
    if (permutation.empty() || permutation.back() != type.getRank() - 1) {
      why = "the table is a transpose that moves the last axis";
      return {};
    }
    Value input = visit(transpose.getInput(), layout, build, why);
    if (!input || !build)
      return input;
    return rewriter.create<TransposeOp>(loc, input, permutation);
  }
  if (auto slice = dyn_cast<SliceOp>(op)) {
    for (int64_t axis : slice.getAxes())
      if (isLastAxis(axis, type.getRank())) {
        why = "the table is a slice of the last axis";
        return {};
      }
    Value input = visit(slice.getInput(), layout, build, why);
    if (!input || !build)
      return input;
    return rewriter.create<SliceOp>(loc, input, slice.getAxesAttr(),
                                    slice.getStartsAttr(), slice.getEndsAttr(),
                                    slice.getStepsAttr());
  }
  if (auto gather = dyn_cast<GatherOp>(op)) {
    // Tables gathered by position id: the rows are selected, the channels
    // of each row are kept.
    int64_t dataRank = rankedType(gather.getData())
                           ? rankedType(gather.getData()).getRank()
                           : 0;
    if (dataRank == 0) {
      why = "the table is a gather from a scalar";
      return {};
    }
    if (isLastAxis(gather.getAxis(), dataRank))
      return narrowChannelGather(gather, layout, build, why);
    Value data = visit(gather.getData(), layout, build, why);
    if (!data || !build)
      return data;
    return rewriter.create<GatherOp>(loc, data, gather.getIndices(),
                                     gather.getAxisAttr());
  }
  if (auto expand = dyn_cast<ExpandOp>(op)) {
    if (lastDim(expand.getInput()) != width) {
      why = "the table is an expand that broadcasts the last axis";
      return {};
    }
    Value input = visit(expand.getInput(), layout, build, why);
    if (!input || !build)
      return input;
    Value shape = expand.getShape();
    if (shape)
      shape = withLastExtent(shape, width / 2, loc);
    return rewriter.create<ExpandOp>(loc, narrowType, input, shape);
  }
  if (auto reshape = dyn_cast<ReshapeOp>(op))
    return narrowReshape(reshape, layout, build, why);
  if (auto constant = dyn_cast<ConstantOp>(op))
    return narrowConstant(constant, layout, build, why);

  why = ("cannot prove that the table's entries repeat in pairs through " +
         op->getName().getStringRef())
            .str();
  return {};
}

Value TableNarrower::narrowSliced(Value table, bool build) {
  if (auto it = builtSliced.find(table); it != builtSliced.end())
    return it->second;
  Operation *op = table.getDefiningOp();
  if (!op)
    return {};
  OpBuilder::InsertionGuard guard(rewriter);
  if (build)
    rewriter.setInsertionPointAfter(op);
  Value narrow;
  if (auto slice = dyn_cast<SliceOp>(op)) {
    std::optional<LastAxisSlice> range = matchLastAxisSlice(table);
    if (!range)
      return {};
    int64_t width = lastDim(range->source);
    if (ShapedType::isDynamic(width) || range->count * 2 != width)
      return {};
    std::optional<RotaryLayout> layout;
    if (range->step == 1 && (range->start == 0 || range->start == width / 2))
      layout = RotaryLayout::half;
    else if (range->step == 2 && (range->start == 0 || range->start == 1))
      layout = RotaryLayout::interleaved;
    if (!layout || !prove(range->source, *layout).empty())
      return {};
    narrow = build ? this->build(range->source, *layout) : table;
  } else if (isa<CosOp, SinOp, NegOp, CastOp>(op)) {
    Value input = narrowSliced(op->getOperand(0), build);
    if (!input || !build)
      return input;
    OperationState state(op->getLoc(), op->getName());
    state.addOperands(input);
    state.addTypes(cast<RankedTensorType>(input.getType())
                       .clone(getElementTypeOrSelf(table.getType())));
    state.addAttributes(op->getAttrs());
    narrow = rewriter.create(state)->getResult(0);
  } else if (auto reshape = dyn_cast<ReshapeOp>(op)) {
    if (lastDim(reshape.getInput()) != lastDim(table))
      return {};
    Value input = narrowSliced(reshape.getInput(), build);
    if (!input || !build)
      return input;
    narrow = rewriter.create<ReshapeOp>(reshape.getLoc(), table.getType(),
                                        input, reshape.getShape());
  } else {
    return {};
  }
  if (build)
    builtSliced[table] = narrow;
  return narrow;
}

/// An operand of an elementwise op whose result is an r-wide table: one that
/// broadcasts along the last axis (rank 0 or last dimension 1) is kept, one
/// of width r is narrowed too.
Value TableNarrower::narrowBroadcastOperand(Value operand, int64_t width,
                                            RotaryLayout layout, bool build,
                                            std::string &why) {
  RankedTensorType type = rankedType(operand);
  if (type && (type.getRank() == 0 || type.getShape().back() == 1))
    return operand;
  if (lastDim(operand) != width) {
    why = "an operand of the table's elementwise op is neither a broadcast "
          "along the last axis nor as wide as the table";
    return {};
  }
  return visit(operand, layout, build, why);
}

Value TableNarrower::withLastExtent(Value shape, int64_t size, Location loc) {
  auto key = std::pair(shape, size);
  if (auto it = builtShapes.find(key); it != builtShapes.end())
    return it->second;
  // Right after the shape, so that the tables of one shape share it.
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(shape);
  RankedTensorType shapeType = rankedType(shape);
  int64_t rank = shapeType.getShape()[0];
  Value leading = rewriter.create<SliceOp>(
      loc, shape, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{0},
      ArrayRef<int64_t>{rank - 1}, ArrayRef<int64_t>{1});
  auto lastType = RankedTensorType::get({1}, shapeType.getElementType());
  Value last = rewriter.create<ConstantOp>(
      loc, DenseElementsAttr::get(lastType, ArrayRef<int64_t>{size}));
  Value result =
      rewriter.create<ConcatOp>(loc, ValueRange{leading, last}, int64_t(0));
  builtShapes[key] = result;
  return result;
}

/// A reshape to an r-wide table, from an input whose rows are the table's
/// rows (last dimension r) or split in two (trailing [2, r/2] or [r/2, 2],
/// how `repeat` and `repeat_interleave` of the angles are exported).
Value TableNarrower::narrowReshape(ReshapeOp reshape, RotaryLayout layout,
                                   bool build, std::string &why) {
  auto type = cast<RankedTensorType>(reshape.getType());
  int64_t width = type.getShape().back();
  RankedTensorType narrowType = withLastDim(type, width / 2);
  Value shape = reshape.getShape();
  Location loc = reshape.getLoc();
  auto rebuild = [&](Value input) -> Value {
    Value narrowShape = shape ? withLastExtent(shape, width / 2, loc) : Value();
    return rewriter.create<ReshapeOp>(loc, narrowType, input, narrowShape);
  };

  Value input = reshape.getInput();
  RankedTensorType inputType = rankedType(input);
  if (!inputType || inputType.getRank() == 0) {
    why = "the table is a reshape of an unranked or scalar value";
    return {};
  }
  if (inputType.getShape().back() == width) {
    Value narrow = visit(input, layout, build, why);
    return narrow && build ? rebuild(narrow) : narrow;
  }

  // The angles repeated along a new axis of 2: [..., 2, r/2] for the half
  // layout, [..., r/2, 2] for the interleaved one.
  ArrayRef<int64_t> inputShape = inputType.getShape();
  int64_t rank = inputShape.size();
  int64_t repeatAxis = layout == RotaryLayout::half ? rank - 2 : rank - 1;
  int64_t angleAxis = layout == RotaryLayout::half ? rank - 1 : rank - 2;
  if (rank < 2 || inputShape[repeatAxis] != 2 ||
      inputShape[angleAxis] != width / 2) {
    why = "the table is a reshape whose input rows are not the table's rows "
          "nor its angles repeated along a new axis of 2";
    return {};
  }
  // The two copies are equal when they broadcast one value (expand of a
  // dimension of 1) or concatenate one value twice.
  Value single;
  if (auto expand = input.getDefiningOp<ExpandOp>()) {
    RankedTensorType sourceType = rankedType(expand.getInput());
    if (sourceType && sourceType.getRank() == rank &&
        sourceType.getShape()[repeatAxis] == 1) {
      // Any other broadcast would change the element count.
      bool sameOtherwise = true;
      for (int64_t axis = 0; axis < rank; ++axis) {
        int64_t a = sourceType.getShape()[axis], b = inputShape[axis];
        if (axis != repeatAxis &&
            (a != b || (ShapedType::isDynamic(a) && expand.getShape())))
          sameOtherwise = false;
      }
      if (sameOtherwise)
        single = expand.getInput();
    }
  } else if (auto concat = input.getDefiningOp<ConcatOp>()) {
    if (concat.getInputs().size() == 2 &&
        concat.getInputs()[0] == concat.getInputs()[1] &&
        (concat.getAxis() == repeatAxis ||
         concat.getAxis() == repeatAxis - rank))
      single = concat.getInputs()[0];
  }
  if (!single) {
    why = "the table repeats its angles along a new axis of 2, but not "
          "provably as two copies of one value";
    return {};
  }
  if (!build)
    return single;
  // unsqueeze(f) repeated: f itself is the narrow table.
  if (Value inner = matchUnsqueezeLast(single);
      inner && inner.getType() == narrowType)
    return inner;
  return rebuild(single);
}

/// A gather of channels by constant indices (how `repeat_interleave` by a
/// constant count can be exported, as `index_select`): the table repeats its
/// angles when the indices do.
Value TableNarrower::narrowChannelGather(GatherOp gather, RotaryLayout layout,
                                         bool build, std::string &why) {
  DenseIntElementsAttr indices;
  auto type = cast<RankedTensorType>(gather.getType());
  int64_t width = type.getShape().back();
  if (!matchPattern(gather.getIndices(), m_Constant(&indices)) ||
      indices.getType().getRank() != 1 || indices.getNumElements() != width) {
    why = "the table is a gather of channels by other than a constant list "
          "of indices";
    return {};
  }
  SmallVector<APInt> values(indices.getValues<APInt>());
  SmallVector<APInt> narrow;
  bool half = layout == RotaryLayout::half;
  for (int64_t i = 0; i < width / 2; ++i) {
    const APInt &first = values[half ? i : 2 * i];
    const APInt &second = values[half ? i + width / 2 : 2 * i + 1];
    if (first != second) {
      why = "the table gathers different channels for the two entries of a "
            "pair";
      return {};
    }
    narrow.push_back(first);
  }
  if (!build)
    return gather.getResult();
  auto narrowIndicesType =
      RankedTensorType::get({width / 2}, indices.getElementType());
  Value narrowIndices = rewriter.create<ConstantOp>(
      gather.getIndices().getLoc(),
      DenseElementsAttr::get(narrowIndicesType, narrow));
  return rewriter.create<GatherOp>(gather.getLoc(), gather.getData(),
                                   narrowIndices, gather.getAxisAttr());
}

/// A constant table is narrowed at compile time once every row is checked
/// to repeat its angles bit for bit.
Value TableNarrower::narrowConstant(ConstantOp constant, RotaryLayout layout,
                                    bool build, std::string &why) {
  ElementsAttr value = constant.getValue();
  auto type = cast<RankedTensorType>(value.getType());
  int64_t width = type.getShape().back();
  RankedTensorType narrowType = withLastDim(type, width / 2);
  if (auto dense = dyn_cast<DenseElementsAttr>(value); dense && dense.isSplat())
    return build ? rewriter.create<ConstantOp>(constant.getLoc(),
                                               dense.resizeSplat(narrowType))
                 : constant.getResult();
  std::optional<ArrayRef<char>> bytes = constantBytes(value);
  if (!bytes) {
    why = "the constant table's values cannot be read";
    return {};
  }
  size_t elementBytes = type.getElementTypeBitWidth() / 8;
  size_t rowBytes = width * elementBytes;
  size_t rows = bytes->size() / rowBytes;
  bool half = layout == RotaryLayout::half;
  SmallVector<char> narrow;
  narrow.reserve(bytes->size() / 2);
  for (size_t row = 0; row < rows; ++row) {
    const char *data = bytes->data() + row * rowBytes;
    for (int64_t i = 0; i < width / 2; ++i) {
      const char *first = data + (half ? i : 2 * i) * elementBytes;
      const char *second =
          data + (half ? i + width / 2 : 2 * i + 1) * elementBytes;
      if (std::memcmp(first, second, elementBytes) != 0) {
        why = half ? "the constant table's two halves differ"
                   : "the constant table's adjacent entries differ";
        return {};
      }
      narrow.append(first, first + elementBytes);
    }
  }
  if (!build)
    return constant.getResult();

  // Small tables stay readable in the IR, large ones are blobs as the
  // importer makes them.
  constexpr size_t kInlineBytes = 1024;
  ElementsAttr attr;
  if (narrow.size() <= kInlineBytes) {
    attr = DenseElementsAttr::getFromRawBuffer(narrowType, narrow);
  } else {
    std::string key = "rotary_table";
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
      key = (resource.getRawHandle().getKey() + "_rotary").str();
    attr = DenseResourceElementsAttr::get(
        narrowType, key,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(narrow, elementBytes));
  }
  // The location names the constant in the compiled artifact: keep it apart
  // from the wide table's.
  Location loc = constant.getLoc();
  if (auto name = dyn_cast<NameLoc>(loc))
    loc = NameLoc::get(
        StringAttr::get(loc.getContext(), name.getName().str() + "_rotary"),
        name.getChildLoc());
  return rewriter.create<ConstantOp>(loc, attr);
}

//===----------------------------------------------------------------------===//
// Matching the rotations
//===----------------------------------------------------------------------===//

/// A rotary application found in the IR: `root` computes
/// `rotary(input, cos, sin, layout)`, where `input` is a value (or, with
/// `first`/`second` set, the concat of those two along the last axis, to be
/// built) and the tables are `r`-wide (`wideTables`, to be narrowed) or
/// already of width r/2.
struct RotaryMatch {
  Operation *root = nullptr;
  Value input, first, second;
  Value cos, sin;
  RotaryLayout layout = RotaryLayout::half;
  bool wideTables = true;
};

/// The x of `rotate(x)` and its layout: `concat(-x[r/2:], x[:r/2])` (half)
/// or the pairs `(-x[2i+1], x[2i])` stacked on a new last axis and reshaped
/// back to r channels (interleaved).
struct RotatedInput {
  Value x;
  RotaryLayout layout;
};

/// Whether `value` looks like the start of a rotate: a concat along the
/// last axis whose first operand is negated (possibly through an
/// unsqueeze). Anything that looks like this and is not raised is a near
/// miss.
ConcatOp matchRotateAnchor(Value value) {
  if (auto reshape = value.getDefiningOp<ReshapeOp>())
    value = reshape.getInput();
  auto concat = value.getDefiningOp<ConcatOp>();
  if (!concat || concat.getInputs().size() != 2 ||
      !isLastAxis(concat.getAxis(), concat.getType().getRank()))
    return {};
  Value first = concat.getInputs()[0];
  if (Value inner = matchUnsqueezeLast(first))
    first = inner;
  return matchNegated(first) ? concat : ConcatOp();
}

std::optional<RotatedInput> matchRotate(Value rotated, std::string &why) {
  // Half: concat(-x[r/2:], x[:r/2]).
  if (auto concat = rotated.getDefiningOp<ConcatOp>();
      concat && concat.getInputs().size() == 2) {
    Value x2 = matchNegated(concat.getInputs()[0]);
    Value x1 = concat.getInputs()[1];
    std::optional<LastAxisSlice> slice = matchLastAxisSlice(x1);
    int64_t width = lastDim(rotated);
    if (!slice || ShapedType::isDynamic(width) ||
        lastDim(slice->source) != width ||
        !isContiguousSlice(x1, slice->source, 0, width / 2) ||
        !isContiguousSlice(x2, slice->source, width / 2, width / 2)) {
      why = "the rotated value is not concat(-x[r/2:], x[:r/2]) of one x "
            "of width r";
      return std::nullopt;
    }
    return RotatedInput{slice->source, RotaryLayout::half};
  }

  // Interleaved: reshape(concat(unsqueeze(-x[1::2]), unsqueeze(x[0::2]))),
  // the negation before or after the unsqueeze.
  auto fail = [&]() -> std::optional<RotatedInput> {
    why = "the rotated value is not the pairs (-x[2i+1], x[2i]) of one x "
          "of width r";
    return std::nullopt;
  };
  auto reshape = rotated.getDefiningOp<ReshapeOp>();
  auto concat =
      reshape ? reshape.getInput().getDefiningOp<ConcatOp>() : ConcatOp();
  int64_t width = lastDim(rotated);
  if (!concat || concat.getInputs().size() != 2 || ShapedType::isDynamic(width))
    return fail();
  RankedTensorType stacked = concat.getType();
  if (stacked.getRank() != rankedType(rotated).getRank() + 1 ||
      stacked.getShape().back() != 2 ||
      stacked.getShape()[stacked.getRank() - 2] != width / 2)
    return fail();
  // Peels an unsqueeze and a negation on either side of it.
  auto peel = [](Value value, bool &negated) -> Value {
    negated = false;
    if (Value inner = matchNegated(value)) {
      negated = true;
      value = inner;
    }
    value = matchUnsqueezeLast(value);
    if (!value)
      return {};
    if (Value inner = matchNegated(value)) {
      negated = !negated;
      value = inner;
    }
    return value;
  };
  bool firstNegated, secondNegated;
  Value odd = peel(concat.getInputs()[0], firstNegated);
  Value even = peel(concat.getInputs()[1], secondNegated);
  if (!odd || !even || !firstNegated || secondNegated)
    return fail();
  std::optional<LastAxisSlice> oddSlice = matchLastAxisSlice(odd);
  std::optional<LastAxisSlice> evenSlice = matchLastAxisSlice(even);
  if (!oddSlice || !evenSlice || oddSlice->source != evenSlice->source ||
      lastDim(oddSlice->source) != width || oddSlice->start != 1 ||
      oddSlice->step != 2 || evenSlice->start != 0 || evenSlice->step != 2 ||
      oddSlice->count != width / 2 || evenSlice->count != width / 2)
    return fail();
  return RotatedInput{oddSlice->source, RotaryLayout::interleaved};
}

/// Matches `x · cos + rotate(x) · sin`, operands of the add and of both muls
/// in any order. Leaves `why` empty when `add` does not look like a rotary
/// at all, and sets it for a near miss.
std::optional<RotaryMatch> matchRotateSum(AddOp add, std::string &why) {
  for (auto [straight, rotatedTerm] : bothOrders(add)) {
    auto rotatedMul = rotatedTerm.getDefiningOp<MulOp>();
    if (!rotatedMul)
      continue;
    for (auto [rotated, sin] : bothOrders(rotatedMul)) {
      if (!matchRotateAnchor(rotated))
        continue;
      std::optional<RotatedInput> rotate = matchRotate(rotated, why);
      if (!rotate)
        continue;
      Value x = rotate->x;
      auto straightMul = straight.getDefiningOp<MulOp>();
      if (!straightMul) {
        why = "the other addend is not x · cos";
        continue;
      }
      Value cos = straightMul.getLhs() == x   ? straightMul.getRhs()
                  : straightMul.getRhs() == x ? straightMul.getLhs()
                                              : Value();
      if (!cos) {
        why = "the other addend does not multiply the x that is rotated";
        continue;
      }
      // The tables must broadcast into x, not x into the tables, and the
      // rotated value must line up with x element for element.
      if (add.getType() != x.getType() || rotated.getType() != x.getType() ||
          straightMul.getType() != x.getType() ||
          rotatedMul.getType() != x.getType()) {
        why = "cos or sin broadcast x to a larger shape";
        continue;
      }
      if (lastDim(cos) != lastDim(x) || lastDim(sin) != lastDim(x)) {
        why = "cos and sin are not as wide as the rotated channels";
        continue;
      }
      if (cos.getType() != sin.getType()) {
        why = "cos and sin have different types";
        continue;
      }
      RotaryMatch match;
      match.root = add;
      match.input = x;
      match.cos = cos;
      match.sin = sin;
      match.layout = rotate->layout;
      why.clear();
      return match;
    }
  }
  return std::nullopt;
}

/// Matches `concat(x1 · c - x2 · s, x2 · c + x1 · s)` along the last axis,
/// the rotation of the pairs (x1[i], x2[i]) written out half by half.
std::optional<RotaryMatch> matchSplitRotation(ConcatOp concat,
                                              std::string &why) {
  if (concat.getInputs().size() != 2 ||
      !isLastAxis(concat.getAxis(), concat.getType().getRank()))
    return std::nullopt;
  auto sub = concat.getInputs()[0].getDefiningOp<SubOp>();
  auto add = concat.getInputs()[1].getDefiningOp<AddOp>();
  if (!sub || !add)
    return std::nullopt;
  auto cosTerm = sub.getLhs().getDefiningOp<MulOp>();
  auto sinTerm = sub.getRhs().getDefiningOp<MulOp>();
  auto addLhs = add.getLhs().getDefiningOp<MulOp>();
  auto addRhs = add.getRhs().getDefiningOp<MulOp>();
  if (!cosTerm || !sinTerm || !addLhs || !addRhs)
    return std::nullopt;
  // Whether `mul` multiplies exactly `a` and `b`, in either order.
  auto multiplies = [](MulOp mul, Value a, Value b) {
    return (mul.getLhs() == a && mul.getRhs() == b) ||
           (mul.getLhs() == b && mul.getRhs() == a);
  };
  // (x1, c) and (x2, s) play symmetric roles in the formula (it multiplies
  // x1 + i·x2 by c + i·s): prefer x1 and x2 sliced from one tensor, then
  // tables that broadcast, as exporters write them.
  Type halfType = sub.getType();
  std::optional<RotaryMatch> best;
  int bestScore = -1;
  for (auto [x1, cos] : bothOrders(cosTerm)) {
    for (auto [x2, sin] : bothOrders(sinTerm)) {
      bool rest =
          (multiplies(addLhs, x2, cos) && multiplies(addRhs, x1, sin)) ||
          (multiplies(addRhs, x2, cos) && multiplies(addLhs, x1, sin));
      if (!rest)
        continue;
      if (x1.getType() != halfType || x2.getType() != halfType ||
          add.getType() != halfType || cosTerm.getType() != halfType ||
          sinTerm.getType() != halfType)
        continue;
      int64_t halfWidth = lastDim(x1);
      if (ShapedType::isDynamic(halfWidth) || lastDim(cos) != halfWidth ||
          lastDim(sin) != halfWidth) {
        why = "cos and sin do not hold one angle per rotated pair";
        continue;
      }
      if (cos.getType() != sin.getType()) {
        why = "cos and sin have different types";
        continue;
      }
      RotaryMatch match;
      match.root = concat;
      match.cos = cos;
      match.sin = sin;
      match.layout = RotaryLayout::half;
      match.wideTables = false;
      std::optional<LastAxisSlice> first = matchLastAxisSlice(x1);
      std::optional<LastAxisSlice> second = matchLastAxisSlice(x2);
      bool sliced = first && second && first->source == second->source;
      // The halves of one x need no concat to rebuild it.
      if (sliced && lastDim(first->source) == 2 * halfWidth &&
          isContiguousSlice(x1, first->source, 0, halfWidth) &&
          isContiguousSlice(x2, first->source, halfWidth, halfWidth)) {
        match.input = first->source;
      } else {
        match.first = x1;
        match.second = x2;
      }
      int score = 2 * sliced + (cos.getType() != halfType);
      if (score > bestScore) {
        best = match;
        bestScore = score;
      }
    }
  }
  if (best) {
    why.clear();
    return best;
  }
  if (why.empty())
    why = "the halves are not x1 · c - x2 · s and x2 · c + x1 · s";
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// Rewriting
//===----------------------------------------------------------------------===//

/// Why the wide tables of a rotation cannot be narrowed; empty when they
/// can (or the rotation has narrow tables already).
std::string checkTables(RotaryMatch &match, TableNarrower &narrower) {
  if (!match.wideTables)
    return "";
  for (Value table : {match.cos, match.sin})
    if (std::string why = narrower.prove(table, match.layout); !why.empty())
      return "cannot prove that the cos and sin tables repeat each angle "
             "for both channels of a pair: " +
             why;
  return "";
}

/// Builds the deepc.rotary for `match` (already checked) in place of its
/// root.
/// Builds the deepc.rotary for `match` (already checked) in place of its
/// root; fails, leaving the root alone, when the narrowed tables come out of
/// different types (the op takes one type for both). `dead` collects what
/// was built in vain.
LogicalResult raise(RewriterBase &rewriter, RotaryMatch &match,
                    TableNarrower &narrower,
                    SmallVectorImpl<Operation *> &dead) {
  Value cos = match.cos, sin = match.sin;
  if (match.wideTables) {
    cos = narrower.build(cos, match.layout);
    sin = narrower.build(sin, match.layout);
  } else if (narrower.narrowSliced(cos, /*build=*/false) &&
             narrower.narrowSliced(sin, /*build=*/false)) {
    // Tables sliced from wide ones: computed from the narrow source instead.
    Value narrowCos = narrower.narrowSliced(cos, /*build=*/true);
    Value narrowSin = narrower.narrowSliced(sin, /*build=*/true);
    if (narrowCos.getType() == narrowSin.getType()) {
      cos = narrowCos;
      sin = narrowSin;
    } else {
      dead.append({narrowCos.getDefiningOp(), narrowSin.getDefiningOp()});
    }
  }
  if (cos.getType() != sin.getType()) {
    dead.append({cos.getDefiningOp(), sin.getDefiningOp()});
    return failure();
  }
  rewriter.setInsertionPoint(match.root);
  Value input = match.input;
  if (!input)
    input = rewriter.create<ConcatOp>(match.root->getLoc(),
                                      ValueRange{match.first, match.second},
                                      int64_t(-1));
  rewriter.replaceOpWithNewOp<RotaryOp>(match.root, input.getType(), input, cos,
                                        sin, match.layout,
                                        /*rotary_dim=*/0);
  return success();
}

/// concat(rotary(x[..., :r]), x[..., r:]) -> rotary(x, rotary_dim = r), the
/// partial rotary of GPT-NeoX and Phi.
bool foldPartialRotary(RewriterBase &rewriter, ConcatOp concat) {
  if (concat.getInputs().size() != 2 ||
      !isLastAxis(concat.getAxis(), concat.getType().getRank()))
    return false;
  auto rotary = concat.getInputs()[0].getDefiningOp<RotaryOp>();
  if (!rotary || rotary.getRotaryDim() != 0 || !rotary->hasOneUse())
    return false;
  int64_t rotated = lastDim(rotary.getInput());
  std::optional<LastAxisSlice> slice = matchLastAxisSlice(rotary.getInput());
  if (!slice || ShapedType::isDynamic(rotated))
    return false;
  Value x = slice->source;
  int64_t width = lastDim(x);
  if (x.getType() != concat.getType() ||
      !isContiguousSlice(rotary.getInput(), x, 0, rotated) ||
      !isContiguousSlice(concat.getInputs()[1], x, rotated, width - rotated))
    return false;
  rewriter.setInsertionPoint(concat);
  rewriter.replaceOpWithNewOp<RotaryOp>(concat, x.getType(), x, rotary.getCos(),
                                        rotary.getSin(), rotary.getLayout(),
                                        rotated);
  return true;
}

/// Erases the ops of `worklist` left without uses, and then their producers
/// left without uses, as the greedy driver would.
void eraseDeadProducers(RewriterBase &rewriter,
                        SmallVector<Operation *> worklist) {
  llvm::DenseSet<Operation *> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!op || erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    rewriter.eraseOp(op);
  }
}

struct RaiseRotaryPass : impl::DeepcRaiseRotaryPassBase<RaiseRotaryPass> {
  using DeepcRaiseRotaryPassBase::DeepcRaiseRotaryPassBase;

  void runOnOperation() override {
    SmallVector<Operation *> candidates;
    getOperation()->walk([&](Operation *op) {
      if (isa<AddOp, ConcatOp>(op))
        candidates.push_back(op);
    });

    IRRewriter rewriter(&getContext());
    TableNarrower narrower(rewriter);
    SmallVector<Operation *> dead;

    for (Operation *op : candidates) {
      std::string why;
      std::optional<RotaryMatch> match;
      if (auto add = dyn_cast<AddOp>(op))
        match = matchRotateSum(add, why);
      else
        match = matchSplitRotation(cast<ConcatOp>(op), why);
      if (match)
        why = checkTables(*match, narrower);
      if (!match || !why.empty()) {
        if (report && !why.empty())
          op->emitRemark("not raised to deepc.rotary: ") << why;
        continue;
      }
      // The root is gone once raised: keep what the remark and the clean-up
      // need.
      Location loc = op->getLoc();
      SmallVector<Operation *> producers;
      for (Value operand : op->getOperands())
        producers.push_back(operand.getDefiningOp());
      if (failed(raise(rewriter, *match, narrower, dead))) {
        if (report)
          emitRemark(loc, "not raised to deepc.rotary: the narrowed cos and "
                          "sin tables have different types");
        continue;
      }
      if (report)
        emitRemark(loc, "raised to deepc.rotary");
      dead.append(producers);
    }

    // Partial rotary: the rotated channels concatenated back with the rest.
    SmallVector<ConcatOp> concats;
    getOperation()->walk([&](ConcatOp concat) { concats.push_back(concat); });
    for (ConcatOp concat : concats) {
      SmallVector<Operation *> producers;
      for (Value operand : concat->getOperands())
        producers.push_back(operand.getDefiningOp());
      if (foldPartialRotary(rewriter, concat))
        dead.append(producers);
    }
    eraseDeadProducers(rewriter, std::move(dead));
  }
};

} // namespace
} // namespace mlir::deepc
