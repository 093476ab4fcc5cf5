//===- DeepcCoreOps.cpp - deepc core tensor ops ---------------------------===//
//
// Type inference, verifiers, folders and canonicalization patterns for the
// core tensor ops.
//
//===----------------------------------------------------------------------===//

#include "deepc/Dialect/Deepc/IR/Deepc.h"
#include "OpUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallSet.h"

#include <cmath>

using namespace mlir;
using namespace mlir::deepc;

void DeepcDialect::registerCoreOps() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Deepc/IR/DeepcCoreOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// If `attr` is a splat constant, its value as a double (ints widened).
static std::optional<double> getSplatNumber(Attribute attr) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return std::nullopt;
  Type elementType = splat.getElementType();
  if (isa<FloatType>(elementType))
    return splat.getSplatValue<APFloat>().convertToDouble();
  if (elementType.isInteger(1))
    return splat.getSplatValue<bool>() ? 1.0 : 0.0;
  if (isa<IntegerType>(elementType))
    return static_cast<double>(splat.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

static bool isSplatOf(Attribute attr, double value) {
  std::optional<double> number = getSplatNumber(attr);
  return number && *number == value;
}

/// Returns `v` as a fold result when it already has the op's result type; a
/// fold must never change a value's type.
static OpFoldResult forwardIfSameType(Value v, Type resultType) {
  return v.getType() == resultType ? OpFoldResult(v) : OpFoldResult();
}

/// Evaluates a binary op on two constants when that needs no broadcasting:
/// both splats, or both dense with the result's (static) shape.
template <typename FloatFn, typename IntFn>
static Attribute foldBinaryConstants(Attribute lhsAttr, Attribute rhsAttr,
                                     Type resultType, FloatFn floatFn,
                                     IntFn intFn) {
  auto lhs = dyn_cast_or_null<DenseElementsAttr>(lhsAttr);
  auto rhs = dyn_cast_or_null<DenseElementsAttr>(rhsAttr);
  auto type = dyn_cast<RankedTensorType>(resultType);
  if (!lhs || !rhs || !type || !type.hasStaticShape())
    return {};
  Type elementType = type.getElementType();
  if (lhs.getElementType() != elementType ||
      rhs.getElementType() != elementType)
    return {};
  bool bothSplat = lhs.isSplat() && rhs.isSplat();
  if (!bothSplat && (lhs.getType() != type || rhs.getType() != type))
    return {};
  int64_t count = bothSplat ? 1 : type.getNumElements();

  if (isa<FloatType>(elementType)) {
    auto a = lhs.getValues<APFloat>(), b = rhs.getValues<APFloat>();
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < count; ++i) {
      std::optional<APFloat> r = floatFn(a[i], b[i]);
      if (!r)
        return {};
      values.push_back(*r);
    }
    return DenseElementsAttr::get(type, values);
  }
  if (isa<IntegerType>(elementType) && !elementType.isInteger(1)) {
    auto a = lhs.getValues<APInt>(), b = rhs.getValues<APInt>();
    SmallVector<APInt> values;
    for (int64_t i = 0; i < count; ++i) {
      std::optional<APInt> r = intFn(a[i], b[i]);
      if (!r)
        return {};
      values.push_back(*r);
    }
    return DenseElementsAttr::get(type, values);
  }
  return {};
}

/// Infers the broadcast result of an elementwise op with the given result
/// element type.
static LogicalResult inferBroadcastResult(std::optional<Location> loc,
                                          StringRef opName,
                                          ArrayRef<Value> operands,
                                          Type elementType,
                                          SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape;
  for (auto [i, operand] : llvm::enumerate(operands)) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type)
      return emitOptionalError(loc, "'", opName,
                               "' op expects ranked tensor operands");
    if (i == 0) {
      shape.assign(type.getShape().begin(), type.getShape().end());
      continue;
    }
    std::optional<SmallVector<int64_t>> joined =
        broadcastShapes(shape, type.getShape());
    if (!joined)
      return emitOptionalError(
          loc, "'", opName, "' op operand shapes ", formatShape(shape),
          " and ", formatShape(type.getShape()),
          " do not broadcast: dimensions must be equal or 1");
    shape = std::move(*joined);
  }
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *, std::optional<Location>,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  inferred.push_back(adaptor.getValue().getType());
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

//===----------------------------------------------------------------------===//
// Unary folders
//===----------------------------------------------------------------------===//

// neg(neg(x)) -> x; neg(c) -> -c for float splats.
OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  if (auto inner = getInput().getDefiningOp<NegOp>())
    return inner.getInput();
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    if (isa<FloatType>(splat.getElementType()))
      return SplatElementsAttr::get(getType(),
                                    neg(splat.getSplatValue<APFloat>()));
  return {};
}

// abs(abs(x)) -> abs(x)
OpFoldResult AbsOp::fold(FoldAdaptor) {
  if (getInput().getDefiningOp<AbsOp>())
    return getInput();
  return {};
}

// relu(relu(x)) -> relu(x)
OpFoldResult ReluOp::fold(FoldAdaptor) {
  if (getInput().getDefiningOp<ReluOp>())
    return getInput();
  return {};
}

// not(not(x)) -> x
OpFoldResult NotOp::fold(FoldAdaptor) {
  if (auto inner = getInput().getDefiningOp<NotOp>())
    return inner.getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// Binary ops: inference and folders
//===----------------------------------------------------------------------===//

#define DEEPC_INFER_BROADCAST(OP, RESULT_ELEMENT)                              \
  LogicalResult OP::inferReturnTypes(MLIRContext *context,                     \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    Value lhs = adaptor.getLhs(), rhs = adaptor.getRhs();                      \
    (void)context;                                                             \
    return inferBroadcastResult(loc, getOperationName(), {lhs, rhs},           \
                                RESULT_ELEMENT, inferred);                     \
  }

#define DEEPC_SAME_ELEMENT cast<ShapedType>(lhs.getType()).getElementType()
#define DEEPC_BOOL_ELEMENT IntegerType::get(context, 1)

DEEPC_INFER_BROADCAST(AddOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(SubOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(MulOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(DivOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(PowOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(MaxOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(MinOp, DEEPC_SAME_ELEMENT)
DEEPC_INFER_BROADCAST(EqualOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(LessOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(LessEqualOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(GreaterOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(GreaterEqualOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(AndOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(OrOp, DEEPC_BOOL_ELEMENT)
DEEPC_INFER_BROADCAST(XorOp, DEEPC_BOOL_ELEMENT)

#undef DEEPC_INFER_BROADCAST
#undef DEEPC_SAME_ELEMENT
#undef DEEPC_BOOL_ELEMENT

// add(x, 0) -> x; add(c1, c2) -> c1 + c2
OpFoldResult AddOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    if (OpFoldResult r = forwardIfSameType(getLhs(), getType()))
      return r;
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, const APFloat &b) -> std::optional<APFloat> {
        a.add(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a + b;
      });
}

// sub(x, 0) -> x; sub(c1, c2) -> c1 - c2
OpFoldResult SubOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 0))
    if (OpFoldResult r = forwardIfSameType(getLhs(), getType()))
      return r;
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, const APFloat &b) -> std::optional<APFloat> {
        a.subtract(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a - b;
      });
}

// mul(x, 1) -> x; mul(c1, c2) -> c1 * c2
OpFoldResult MulOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    if (OpFoldResult r = forwardIfSameType(getLhs(), getType()))
      return r;
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, const APFloat &b) -> std::optional<APFloat> {
        a.multiply(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a * b;
      });
}

// div(x, 1) -> x; div(c1, c2) -> c1 / c2 (floats, and integers with c2 != 0)
OpFoldResult DivOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    if (OpFoldResult r = forwardIfSameType(getLhs(), getType()))
      return r;
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, const APFloat &b) -> std::optional<APFloat> {
        a.divide(b, APFloat::rmNearestTiesToEven);
        return a;
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero() || (a.isMinSignedValue() && b.isAllOnes()))
          return std::nullopt;
        return a.sdiv(b);
      });
}

// pow(x, 1) -> x
OpFoldResult PowOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getRhs(), 1))
    return forwardIfSameType(getLhs(), getType());
  return {};
}

// max(x, x) -> x; max(c1, c2) -> elementwise max
OpFoldResult MaxOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return forwardIfSameType(getLhs(), getType());
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return llvm::maximum(a, b);
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a.sge(b) ? a : b;
      });
}

// min(x, x) -> x; min(c1, c2) -> elementwise min
OpFoldResult MinOp::fold(FoldAdaptor adaptor) {
  if (getLhs() == getRhs())
    return forwardIfSameType(getLhs(), getType());
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](const APFloat &a, const APFloat &b) -> std::optional<APFloat> {
        return llvm::minimum(a, b);
      },
      [](const APInt &a, const APInt &b) -> std::optional<APInt> {
        return a.sle(b) ? a : b;
      });
}

//===----------------------------------------------------------------------===//
// SelectOp
//===----------------------------------------------------------------------===//

LogicalResult SelectOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  return inferBroadcastResult(
      loc, getOperationName(),
      {adaptor.getCond(), adaptor.getTrueValue(), adaptor.getFalseValue()},
      elementTypeOf(adaptor.getTrueValue()), inferred);
}

// select(true, a, b) -> a; select(false, a, b) -> b; select(c, a, a) -> a
OpFoldResult SelectOp::fold(FoldAdaptor adaptor) {
  if (getTrueValue() == getFalseValue())
    return forwardIfSameType(getTrueValue(), getType());
  if (std::optional<double> cond = getSplatNumber(adaptor.getCond()))
    return forwardIfSameType(*cond != 0 ? getTrueValue() : getFalseValue(),
                             getType());
  return {};
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> lhs = shapeOf(adaptor.getLhs());
  ArrayRef<int64_t> rhs = shapeOf(adaptor.getRhs());
  if (lhs.size() < 2 || rhs.size() < 2)
    return emitOptionalError(loc, "'deepc.matmul' op operands must have rank "
                                  "2 or more (reshape vectors first), got ",
                             formatShape(lhs), " and ", formatShape(rhs));
  int64_t m = lhs[lhs.size() - 2], lhsK = lhs.back();
  if (adaptor.getTransposeLhs())
    std::swap(m, lhsK);
  int64_t rhsK = rhs[rhs.size() - 2], n = rhs.back();
  if (adaptor.getTransposeRhs())
    std::swap(rhsK, n);
  if (!dimsCompatible(lhsK, rhsK))
    return emitOptionalError(loc, "'deepc.matmul' op contraction dimensions "
                                  "differ: lhs has K = ",
                             lhsK, " but rhs has K = ", rhsK);
  std::optional<SmallVector<int64_t>> batch =
      broadcastShapes(lhs.drop_back(2), rhs.drop_back(2));
  if (!batch)
    return emitOptionalError(
        loc, "'deepc.matmul' op batch dimensions ",
        formatShape(lhs.drop_back(2)), " and ", formatShape(rhs.drop_back(2)),
        " do not broadcast");
  batch->push_back(m);
  batch->push_back(n);
  inferred.push_back(
      RankedTensorType::get(*batch, elementTypeOf(adaptor.getLhs())));
  return success();
}

namespace {
/// True for a permutation that swaps the last two dimensions and keeps the
/// others in place: the transpose a matmul can absorb.
bool isTrailingSwap(ArrayRef<int64_t> perm) {
  size_t rank = perm.size();
  if (rank < 2)
    return false;
  for (size_t i = 0; i + 2 < rank; ++i)
    if (perm[i] != static_cast<int64_t>(i))
      return false;
  return perm[rank - 2] == static_cast<int64_t>(rank - 1) &&
         perm[rank - 1] == static_cast<int64_t>(rank - 2);
}

/// matmul(transpose(a, [..., n-1, n-2]), b) -> matmul(a, b) transpose_lhs
/// (and likewise for the rhs): GEMM kernels read either layout for free.
struct AbsorbTransposeIntoMatmul : OpRewritePattern<MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MatmulOp op,
                                PatternRewriter &rewriter) const override {
    auto lhsT = op.getLhs().getDefiningOp<TransposeOp>();
    auto rhsT = op.getRhs().getDefiningOp<TransposeOp>();
    bool absorbLhs = lhsT && isTrailingSwap(lhsT.getPermutation());
    bool absorbRhs = rhsT && isTrailingSwap(rhsT.getPermutation());
    if (!absorbLhs && !absorbRhs)
      return rewriter.notifyMatchFailure(op, "no trailing-swap transpose");
    rewriter.modifyOpInPlace(op, [&] {
      if (absorbLhs) {
        op.getLhsMutable().assign(lhsT.getInput());
        op.setTransposeLhs(!op.getTransposeLhs());
      }
      if (absorbRhs) {
        op.getRhsMutable().assign(rhsT.getInput());
        op.setTransposeRhs(!op.getTransposeRhs());
      }
    });
    return success();
  }
};
} // namespace

void MatmulOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                           MLIRContext *context) {
  results.add<AbsorbTransposeIntoMatmul>(context);
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

/// Normalizes and checks reduction axes: in range and each listed once.
static FailureOr<SmallVector<int64_t>>
normalizeReductionAxes(std::optional<Location> loc, StringRef opName,
                       ArrayRef<int64_t> axes, int64_t rank) {
  if (axes.empty())
    return emitOptionalError(loc, "'", opName,
                             "' op needs at least one axis to reduce");
  SmallVector<int64_t> normalized;
  for (int64_t axis : axes) {
    std::optional<int64_t> n = normalizeAxis(axis, rank);
    if (!n)
      return emitOptionalError(loc, "'", opName, "' op axis ", axis,
                               " is out of range for rank ", rank);
    if (llvm::is_contained(normalized, *n))
      return emitOptionalError(loc, "'", opName, "' op axis ", axis,
                               " is listed more than once");
    normalized.push_back(*n);
  }
  return normalized;
}

template <typename ReduceOp>
static LogicalResult inferReduction(std::optional<Location> loc,
                                    typename ReduceOp::Adaptor adaptor,
                                    SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, ReduceOp::getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  FailureOr<SmallVector<int64_t>> axes =
      normalizeReductionAxes(loc, ReduceOp::getOperationName(),
                             adaptor.getAxes(), shape.size());
  if (failed(axes))
    return failure();
  SmallVector<int64_t> result;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(*axes, static_cast<int64_t>(i)))
      result.push_back(d);
    else if (adaptor.getKeepDims())
      result.push_back(1);
  }
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  return success();
}

/// reduce(x) -> x when every reduced dimension is 1 and is kept.
template <typename ReduceOp>
static OpFoldResult foldTrivialReduction(ReduceOp op) {
  if (!op.getKeepDims())
    return {};
  ArrayRef<int64_t> shape = shapeOf(op.getInput());
  for (int64_t axis : op.getAxes()) {
    std::optional<int64_t> n = normalizeAxis(axis, shape.size());
    if (!n || shape[*n] != 1)
      return {};
  }
  return forwardIfSameType(op.getInput(), op.getType());
}

#define DEEPC_REDUCTION(OP)                                                    \
  LogicalResult OP::inferReturnTypes(MLIRContext *,                            \
                                     std::optional<Location> loc,              \
                                     Adaptor adaptor,                          \
                                     SmallVectorImpl<Type> &inferred) {        \
    return inferReduction<OP>(loc, adaptor, inferred);                         \
  }                                                                            \
  OpFoldResult OP::fold(FoldAdaptor) { return foldTrivialReduction(*this); }

DEEPC_REDUCTION(ReduceSumOp)
DEEPC_REDUCTION(ReduceMeanOp)
DEEPC_REDUCTION(ReduceMaxOp)
DEEPC_REDUCTION(ReduceMinOp)
DEEPC_REDUCTION(ReduceProdOp)

#undef DEEPC_REDUCTION

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), shape.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.argmax' op axis ", adaptor.getAxis(),
                             " is out of range for rank ", shape.size());
  SmallVector<int64_t> result(shape);
  if (adaptor.getKeepDims())
    result[*axis] = 1;
  else
    result.erase(result.begin() + *axis);
  inferred.push_back(
      RankedTensorType::get(result, IntegerType::get(context, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getType().getRank();
  if (!normalizeAxis(getAxis(), rank))
    return emitOpError("axis ") << getAxis() << " is out of range for rank "
                                << rank;
  return success();
}

// softmax(x) along a dimension of size 1 -> splat 1
OpFoldResult SoftmaxOp::fold(FoldAdaptor) {
  RankedTensorType type = getType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), type.getRank());
  if (!axis || !type.hasStaticShape() || type.getDimSize(*axis) != 1)
    return {};
  auto one = FloatAttr::get(type.getElementType(), 1.0);
  return SplatElementsAttr::get(type, one.getValue());
}

//===----------------------------------------------------------------------===//
// GatherOp / ScatterOp / ScatterElementsOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  if (data.empty())
    return emitOptionalError(loc, "'deepc.gather' op cannot gather from a "
                                  "scalar");
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), data.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.gather' op axis ", adaptor.getAxis(),
                             " is out of range for data of rank ",
                             data.size());
  SmallVector<int64_t> result(data.take_front(*axis));
  llvm::append_range(result, indices);
  llvm::append_range(result, data.drop_front(*axis + 1));
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getData())));
  return success();
}

LogicalResult ScatterOp::verify() {
  ArrayRef<int64_t> data = shapeOf(getData());
  ArrayRef<int64_t> indices = shapeOf(getIndices());
  ArrayRef<int64_t> updates = shapeOf(getUpdates());
  if (indices.empty())
    return emitOpError("indices must have rank 1 or more, the last dimension "
                       "holding index tuples");
  int64_t k = indices.back();
  if (k == kDynamic)
    return emitOpError("the index tuple length (last dimension of indices) "
                       "must be static");
  if (k > static_cast<int64_t>(data.size()))
    return emitOpError("index tuples of length ")
           << k << " exceed the rank of data (" << data.size() << ")";
  SmallVector<int64_t> expected(indices.drop_back());
  llvm::append_range(expected, data.drop_front(k));
  if (!shapesCompatible(expected, updates))
    return emitOpError("updates have shape ")
           << formatShape(updates) << " but indices " << formatShape(indices)
           << " into data " << formatShape(data) << " need "
           << formatShape(expected);
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  ArrayRef<int64_t> data = shapeOf(getData());
  ArrayRef<int64_t> indices = shapeOf(getIndices());
  ArrayRef<int64_t> updates = shapeOf(getUpdates());
  if (data.empty())
    return emitOpError("cannot scatter into a scalar");
  if (indices.size() != data.size())
    return emitOpError("indices have rank ")
           << indices.size() << " but data has rank " << data.size()
           << "; they must be equal";
  if (!shapesCompatible(indices, updates))
    return emitOpError("updates have shape ")
           << formatShape(updates) << " but indices have shape "
           << formatShape(indices) << "; they must be equal";
  std::optional<int64_t> axis = normalizeAxis(getAxis(), data.size());
  if (!axis)
    return emitOpError("axis ") << getAxis()
                                << " is out of range for data of rank "
                                << data.size();
  for (auto [d, pair] : llvm::enumerate(llvm::zip(data, indices))) {
    auto [dataDim, indexDim] = pair;
    if (static_cast<int64_t>(d) != *axis && dataDim != kDynamic &&
        indexDim != kDynamic && indexDim > dataDim)
      return emitOpError("indices ")
             << formatShape(indices) << " are larger than data "
             << formatShape(data) << " in dimension " << d
             << ", which is not the scatter axis";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// GatherElementsOp / GatherNdOp
//===----------------------------------------------------------------------===//

LogicalResult GatherElementsOp::inferReturnTypes(
    MLIRContext *, std::optional<Location> loc, Adaptor adaptor,
    SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  if (data.empty())
    return emitOptionalError(loc, "'deepc.gather_elements' op cannot gather "
                                  "from a scalar");
  if (indices.size() != data.size())
    return emitOptionalError(loc, "'deepc.gather_elements' op indices have "
                                  "rank ",
                             indices.size(), " but data has rank ",
                             data.size(), "; they must be equal");
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), data.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.gather_elements' op axis ",
                             adaptor.getAxis(),
                             " is out of range for data of rank ",
                             data.size());
  for (auto [d, pair] : llvm::enumerate(llvm::zip(data, indices))) {
    auto [dataDim, indexDim] = pair;
    if (static_cast<int64_t>(d) != *axis && dataDim != kDynamic &&
        indexDim != kDynamic && indexDim > dataDim)
      return emitOptionalError(
          loc, "'deepc.gather_elements' op indices ", formatShape(indices),
          " are larger than data ", formatShape(data), " in dimension ", d,
          ", which is not the gather axis");
  }
  inferred.push_back(
      RankedTensorType::get(indices, elementTypeOf(adaptor.getData())));
  return success();
}

LogicalResult GatherNdOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  // Inference runs while parsing, before defaults are filled in.
  IntegerAttr batchDimsAttr = adaptor.getBatchDimsAttr();
  int64_t batchDims =
      batchDimsAttr ? batchDimsAttr.getValue().getSExtValue() : 0;
  int64_t r = data.size(), q = indices.size();
  if (q == 0)
    return emitOptionalError(loc, "'deepc.gather_nd' op indices must have "
                                  "rank 1 or more, the last dimension "
                                  "holding index tuples");
  if (batchDims < 0 || batchDims >= q || batchDims >= r)
    return emitOptionalError(loc, "'deepc.gather_nd' op batch_dims (",
                             batchDims,
                             ") must be non-negative and less than the rank "
                             "of data (",
                             r, ") and of indices (", q, ")");
  int64_t k = indices.back();
  if (k == kDynamic)
    return emitOptionalError(loc, "'deepc.gather_nd' op the index tuple "
                                  "length (last dimension of indices) must "
                                  "be static");
  if (k < 1 || batchDims + k > r)
    return emitOptionalError(loc, "'deepc.gather_nd' op index tuples of "
                                  "length ",
                             k, " after ", batchDims,
                             " batch dimension(s) do not fit data of rank ",
                             r);
  for (int64_t d = 0; d < batchDims; ++d)
    if (!dimsCompatible(data[d], indices[d]))
      return emitOptionalError(
          loc, "'deepc.gather_nd' op batch dimension ", d, " is ",
          formatDim(data[d]), " in data but ", formatDim(indices[d]),
          " in indices");
  SmallVector<int64_t> result(indices.drop_back());
  llvm::append_range(result, data.drop_front(batchDims + k));
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getData())));
  return success();
}

//===----------------------------------------------------------------------===//
// TopKOp
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  if (shape.empty())
    return emitOptionalError(loc, "'deepc.topk' op cannot select from a "
                                  "scalar");
  // Inference runs while parsing, before defaults are filled in.
  IntegerAttr axisAttr = adaptor.getAxisAttr();
  int64_t axisValue = axisAttr ? axisAttr.getValue().getSExtValue() : -1;
  std::optional<int64_t> axis = normalizeAxis(axisValue, shape.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.topk' op axis ", axisValue,
                             " is out of range for rank ", shape.size());
  int64_t k = adaptor.getK();
  if (k < 1)
    return emitOptionalError(loc, "'deepc.topk' op k (", k,
                             ") must be at least 1");
  if (shape[*axis] != kDynamic && k > shape[*axis])
    return emitOptionalError(loc, "'deepc.topk' op k (", k,
                             ") exceeds the size of axis ", *axis, " (",
                             shape[*axis], ")");
  SmallVector<int64_t> result(shape);
  result[*axis] = k;
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  inferred.push_back(
      RankedTensorType::get(result, IntegerType::get(context, 64)));
  return success();
}

// topk(x) along an axis of size 1 -> (x, zeros)
LogicalResult TopKOp::fold(FoldAdaptor, SmallVectorImpl<OpFoldResult> &results) {
  RankedTensorType type = getValues().getType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), type.getRank());
  if (!axis || !type.hasStaticShape() || type.getDimSize(*axis) != 1 ||
      getInput().getType() != type)
    return failure();
  results.push_back(getInput());
  results.push_back(DenseElementsAttr::get(
      getIndices().getType(), APInt(64, 0)));
  return success();
}

//===----------------------------------------------------------------------===//
// CumSumOp
//===----------------------------------------------------------------------===//

LogicalResult CumSumOp::verify() {
  RankedTensorType type = getType();
  if (type.getElementType().isInteger(1))
    return emitOpError("cannot sum i1 elements; cast them to an integer type "
                       "first");
  if (!normalizeAxis(getAxis(), type.getRank()))
    return emitOpError("axis ") << getAxis() << " is out of range for rank "
                                << type.getRank();
  return success();
}

// cumsum(x) along an axis of size 1 -> x; exclusive -> zeros
OpFoldResult CumSumOp::fold(FoldAdaptor) {
  RankedTensorType type = getType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), type.getRank());
  if (!axis || type.getDimSize(*axis) != 1)
    return {};
  if (!getExclusive())
    return getInput();
  if (!type.hasStaticShape())
    return {};
  return DenseElementsAttr::get(
      type, cast<TypedAttr>(Builder(getContext()).getZeroAttr(
                type.getElementType())));
}

//===----------------------------------------------------------------------===//
// TriluOp
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("needs an input of rank 2 or more ([..., M, N]), got ")
           << getType();
  return success();
}

// trilu(x) -> x when the kept triangle covers every element, or x is zero
OpFoldResult TriluOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getInput(), 0))
    return getInput();
  ArrayRef<int64_t> shape = getType().getShape();
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t k = getK();
  // Upper keeps j - i >= k, and the smallest j - i is -(rows - 1); lower
  // keeps j - i <= k, and the largest is cols - 1.
  if (!getLower() && rows != kDynamic && k <= 1 - rows)
    return getInput();
  if (getLower() && cols != kDynamic && k >= cols - 1)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// NonZeroOp
//===----------------------------------------------------------------------===//

LogicalResult NonZeroOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  int64_t rank = static_cast<int64_t>(shapeOf(adaptor.getInput()).size());
  inferred.push_back(RankedTensorType::get({rank, kDynamic},
                                           IntegerType::get(context, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// RangeOp
//===----------------------------------------------------------------------===//

/// The length of Range(start, limit, delta) when all three are constants:
/// max(0, ceil((limit - start) / delta)). Null when one is not constant;
/// -1 when delta is 0.
static std::optional<int64_t> rangeLength(Attribute start, Attribute limit,
                                          Attribute delta) {
  auto s = dyn_cast_or_null<DenseElementsAttr>(start);
  auto l = dyn_cast_or_null<DenseElementsAttr>(limit);
  auto d = dyn_cast_or_null<DenseElementsAttr>(delta);
  if (!s || !l || !d || s.getNumElements() != 1 || l.getNumElements() != 1 ||
      d.getNumElements() != 1)
    return std::nullopt;
  if (isa<FloatType>(s.getElementType())) {
    double a = (*s.getValues<APFloat>().begin()).convertToDouble();
    double b = (*l.getValues<APFloat>().begin()).convertToDouble();
    double c = (*d.getValues<APFloat>().begin()).convertToDouble();
    if (c == 0)
      return -1;
    double n = std::ceil((b - a) / c);
    if (!(n < double(INT32_MAX)))
      return std::nullopt;
    return std::max<int64_t>(0, static_cast<int64_t>(n));
  }
  int64_t a = (*s.getValues<APInt>().begin()).getSExtValue();
  int64_t b = (*l.getValues<APInt>().begin()).getSExtValue();
  int64_t c = (*d.getValues<APInt>().begin()).getSExtValue();
  if (c == 0)
    return -1;
  // ceil((b - a) / c) in exact integer arithmetic, in 128 bits so that
  // extreme bounds cannot overflow.
  __int128 span = static_cast<__int128>(b) - a;
  __int128 n = span / c;
  if (n * c != span && ((span > 0) == (c > 0)))
    ++n;
  if (n > INT32_MAX)
    return std::nullopt;
  return n < 0 ? 0 : static_cast<int64_t>(n);
}

LogicalResult RangeOp::verify() {
  Type element = elementTypeOf(getStart());
  if (!element.isInteger(32) && !element.isInteger(64) && !element.isF32() &&
      !element.isF16() && !element.isBF16())
    return emitOpError("needs i32, i64, f32, f16 or bf16 bounds, got ")
           << element;
  if (!shapeOf(getStart()).empty())
    return emitOpError("start, limit and delta must be rank-0 tensors, got ")
           << getStart().getType();
  if (getType().getRank() != 1)
    return emitOpError("result must be 1-D, got ") << getType();
  Attribute start, limit, delta;
  matchPattern(getStart(), m_Constant(&start));
  matchPattern(getLimit(), m_Constant(&limit));
  matchPattern(getDelta(), m_Constant(&delta));
  std::optional<int64_t> length = rangeLength(start, limit, delta);
  if (length && *length < 0)
    return emitOpError("delta is 0");
  int64_t dim = getType().getDimSize(0);
  if (length && dim != kDynamic && dim != *length)
    return emitOpError("result has ")
           << dim << " elements but the constant bounds give " << *length;
  return success();
}

// range(c1, c2, c3) -> constant when the result type is static
OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = getType();
  std::optional<int64_t> length = rangeLength(
      adaptor.getStart(), adaptor.getLimit(), adaptor.getDelta());
  if (!length || !type.hasStaticShape() || type.getDimSize(0) != *length ||
      *length > 4096)
    return {};
  auto start = cast<DenseElementsAttr>(adaptor.getStart());
  auto delta = cast<DenseElementsAttr>(adaptor.getDelta());
  Type element = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(element)) {
    double a = (*start.getValues<APFloat>().begin()).convertToDouble();
    double c = (*delta.getValues<APFloat>().begin()).convertToDouble();
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < *length; ++i) {
      APFloat v(a + static_cast<double>(i) * c);
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  APInt a = *start.getValues<APInt>().begin();
  APInt c = *delta.getValues<APInt>().begin();
  SmallVector<APInt> values;
  for (int64_t i = 0; i < *length; ++i)
    values.push_back(a + c * APInt(a.getBitWidth(), i));
  return DenseElementsAttr::get(type, values);
}

//===----------------------------------------------------------------------===//
// ReshapeOp
//===----------------------------------------------------------------------===//

/// Checks the optional 1-D shape operand against the result rank.
static LogicalResult verifyShapeOperand(Operation *op, Value shape,
                                        RankedTensorType result) {
  if (!shape)
    return success();
  ArrayRef<int64_t> s = shapeOf(shape);
  if (s.size() != 1)
    return op->emitOpError("shape operand must be 1-D, got ")
           << formatShape(s);
  if (!dimsCompatible(s[0], result.getRank()))
    return op->emitOpError("shape operand has ")
           << s[0] << " entries but the result has rank " << result.getRank();
  return success();
}

LogicalResult ReshapeOp::verify() {
  auto input = cast<RankedTensorType>(getInput().getType());
  RankedTensorType result = getType();
  if (failed(verifyShapeOperand(*this, getShape(), result)))
    return failure();
  std::optional<int64_t> in = staticElementCount(input.getShape());
  std::optional<int64_t> out = staticElementCount(result.getShape());
  if (in && out && *in != *out)
    return emitOpError("cannot reshape ")
           << *in << " elements (" << formatShape(input.getShape())
           << ") into " << *out << " (" << formatShape(result.getShape())
           << ")";
  if (!getShape() && result.getNumDynamicDims() > 1)
    return emitOpError("result has ")
           << result.getNumDynamicDims()
           << " dynamic dimensions; give a shape operand to resolve them";
  return success();
}

// reshape(x : T -> T) -> x; reshape(reshape(x)) -> reshape(x);
// reshape(constant) -> constant
OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = forwardIfSameType(getInput(), getType()))
    return r;
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return dense.reshape(getType());
  // Only the inner shape operand can be dropped: it resolved the inner
  // result's dynamic dims, which the outer reshape does not need.
  if (auto inner = getInput().getDefiningOp<ReshapeOp>()) {
    getInputMutable().assign(inner.getInput());
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// TransposeOp
//===----------------------------------------------------------------------===//

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  SmallVector<bool> seen(shape.size(), false);
  bool valid = perm.size() == shape.size();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= static_cast<int64_t>(shape.size()) ||
        seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (!valid) {
    std::string permText;
    llvm::raw_string_ostream os(permText);
    llvm::interleaveComma(perm, os);
    return emitOptionalError(loc, "'deepc.transpose' op permutation [",
                             permText, "] is not a permutation of 0..",
                             static_cast<int64_t>(shape.size()) - 1,
                             " for an input of rank ", shape.size());
  }
  SmallVector<int64_t> result;
  for (int64_t p : perm)
    result.push_back(shape[p]);
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  return success();
}

// transpose(x, identity) -> x; transpose(transpose(x, p), q) -> transpose(x,
// p∘q); transpose(splat) -> splat
OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  ArrayRef<int64_t> perm = getPermutation();
  bool identity = llvm::all_of(llvm::enumerate(perm), [](auto it) {
    return it.value() == static_cast<int64_t>(it.index());
  });
  if (identity)
    return forwardIfSameType(getInput(), getType());
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    return splat.resizeSplat(getType());
  if (auto inner = getInput().getDefiningOp<TransposeOp>()) {
    // result[i] = inner[perm[i]] = x[innerPerm[perm[i]]]
    SmallVector<int64_t> composed;
    for (int64_t p : perm)
      composed.push_back(inner.getPermutation()[p]);
    getInputMutable().assign(inner.getInput());
    setPermutation(composed);
    return getResult();
  }
  return {};
}

//===----------------------------------------------------------------------===//
// ConcatOp
//===----------------------------------------------------------------------===//

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  ValueRange inputs = adaptor.getInputs();
  if (inputs.empty())
    return emitOptionalError(loc, "'deepc.concat' op needs at least one input");
  SmallVector<int64_t> result(shapeOf(inputs.front()));
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), result.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.concat' op axis ", adaptor.getAxis(),
                             " is out of range for rank ", result.size());
  for (auto [i, input] : llvm::enumerate(inputs.drop_front())) {
    ArrayRef<int64_t> shape = shapeOf(input);
    if (shape.size() != result.size())
      return emitOptionalError(loc, "'deepc.concat' op input ", i + 1,
                               " has rank ", shape.size(),
                               " but input 0 has rank ", result.size());
    for (auto [d, dim] : llvm::enumerate(shape)) {
      if (static_cast<int64_t>(d) == *axis) {
        result[d] = (result[d] == kDynamic || dim == kDynamic)
                        ? kDynamic
                        : result[d] + dim;
        continue;
      }
      if (!dimsCompatible(result[d], dim))
        return emitOptionalError(
            loc, "'deepc.concat' op input ", i + 1, " has shape ",
            formatShape(shape), " which differs from input 0 (",
            formatShape(shapeOf(inputs.front())),
            ") outside the concatenation axis ", *axis);
      if (result[d] == kDynamic)
        result[d] = dim;
    }
  }
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(inputs.front())));
  return success();
}

// concat(x) -> x
OpFoldResult ConcatOp::fold(FoldAdaptor) {
  if (getInputs().size() == 1)
    return forwardIfSameType(getInputs().front(), getType());
  return {};
}

//===----------------------------------------------------------------------===//
// SliceOp
//===----------------------------------------------------------------------===//

/// The number of elements ONNX Slice takes from a dimension of size `dim`.
static int64_t sliceExtent(int64_t dim, int64_t start, int64_t end,
                           int64_t step) {
  if (dim == kDynamic)
    return kDynamic;
  auto clampIndex = [&](int64_t index, int64_t lo, int64_t hi) {
    if (index < 0)
      index += dim;
    return std::clamp(index, lo, hi);
  };
  // Positive steps clamp to [0, dim]; negative steps to [-1, dim - 1].
  if (step > 0) {
    int64_t s = clampIndex(start, 0, dim), e = clampIndex(end, 0, dim);
    return e > s ? (e - s + step - 1) / step : 0;
  }
  int64_t s = clampIndex(start, -1, dim - 1), e = clampIndex(end, -1, dim - 1);
  return s > e ? (s - e + (-step) - 1) / (-step) : 0;
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  SmallVector<int64_t> result(shapeOf(adaptor.getInput()));
  ArrayRef<int64_t> axes = adaptor.getAxes(), starts = adaptor.getStarts(),
                    ends = adaptor.getEnds(), steps = adaptor.getSteps();
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return emitOptionalError(loc, "'deepc.slice' op axes, starts, ends and "
                                  "steps must have the same length, got ",
                             axes.size(), ", ", starts.size(), ", ",
                             ends.size(), " and ", steps.size());
  SmallVector<int64_t> seen;
  for (size_t i = 0; i < axes.size(); ++i) {
    std::optional<int64_t> axis = normalizeAxis(axes[i], result.size());
    if (!axis)
      return emitOptionalError(loc, "'deepc.slice' op axis ", axes[i],
                               " is out of range for rank ", result.size());
    if (llvm::is_contained(seen, *axis))
      return emitOptionalError(loc, "'deepc.slice' op axis ", axes[i],
                               " is sliced more than once");
    seen.push_back(*axis);
    if (steps[i] == 0)
      return emitOptionalError(loc, "'deepc.slice' op step for axis ", axes[i],
                               " is 0");
    result[*axis] = sliceExtent(result[*axis], starts[i], ends[i], steps[i]);
  }
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  return success();
}

// slice(x) -> x when it takes every element in order
OpFoldResult SliceOp::fold(FoldAdaptor) {
  ArrayRef<int64_t> shape = shapeOf(getInput());
  for (auto [axis, start, end, step] :
       llvm::zip(getAxes(), getStarts(), getEnds(), getSteps())) {
    std::optional<int64_t> a = normalizeAxis(axis, shape.size());
    if (!a || step != 1 || start != 0 || shape[*a] == kDynamic ||
        end < shape[*a])
      return {};
  }
  return forwardIfSameType(getInput(), getType());
}

//===----------------------------------------------------------------------===//
// ExpandOp
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::verify() {
  ArrayRef<int64_t> input = shapeOf(getInput());
  RankedTensorType result = getType();
  if (failed(verifyShapeOperand(*this, getShape(), result)))
    return failure();
  if (!isBroadcastableTo(input, result.getShape()))
    return emitOpError("input of shape ")
           << formatShape(input) << " does not broadcast to "
           << formatShape(result.getShape());
  return success();
}

// expand(x : T -> T) -> x unless a shape operand may broadcast a dynamic
// dim of x; expand(splat) -> splat
OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (!getShape() || getType().hasStaticShape())
    if (OpFoldResult r = forwardIfSameType(getInput(), getType()))
      return r;
  if (auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput()))
    if (getType().hasStaticShape())
      return splat.resizeSplat(getType());
  return {};
}

//===----------------------------------------------------------------------===//
// ShapeOfOp
//===----------------------------------------------------------------------===//

LogicalResult ShapeOfOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  if (failed(checkRankedOperands(loc, getOperationName(),
                                 adaptor.getOperands())))
    return failure();
  int64_t rank = static_cast<int64_t>(shapeOf(adaptor.getInput()).size());
  inferred.push_back(
      RankedTensorType::get({rank}, IntegerType::get(context, 64)));
  return success();
}

// shape_of(x : static shape S) -> constant S
OpFoldResult ShapeOfOp::fold(FoldAdaptor) {
  auto input = cast<RankedTensorType>(getInput().getType());
  if (!input.hasStaticShape())
    return {};
  return DenseIntElementsAttr::get(getType(), input.getShape());
}

//===----------------------------------------------------------------------===//
// CastOp
//===----------------------------------------------------------------------===//

// cast(x : T to T) -> x; cast(float splat) -> float splat
OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (OpFoldResult r = forwardIfSameType(getInput(), getType()))
    return r;
  auto splat = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput());
  auto toFloat = dyn_cast<FloatType>(getType().getElementType());
  if (!splat || !toFloat || !isa<FloatType>(splat.getElementType()))
    return {};
  APFloat value = splat.getSplatValue<APFloat>();
  bool losesInfo = false;
  value.convert(toFloat.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
  return SplatElementsAttr::get(getType(), value);
}

namespace {
/// True when every value of `from` is exactly representable in `to`.
bool isLosslessConversion(Type from, Type to) {
  if (auto f = dyn_cast<FloatType>(from)) {
    auto t = dyn_cast<FloatType>(to);
    if (!t)
      return false;
    // Every value of `from`, subnormals included, fits when `to` has at least
    // its precision, its largest exponent and its smallest subnormal.
    const llvm::fltSemantics &src = f.getFloatSemantics();
    const llvm::fltSemantics &dst = t.getFloatSemantics();
    auto smallestExponent = [](const llvm::fltSemantics &sem) {
      return APFloat::semanticsMinExponent(sem) -
             static_cast<int>(APFloat::semanticsPrecision(sem));
    };
    return APFloat::semanticsPrecision(dst) >=
               APFloat::semanticsPrecision(src) &&
           APFloat::semanticsMaxExponent(dst) >=
               APFloat::semanticsMaxExponent(src) &&
           smallestExponent(dst) <= smallestExponent(src);
  }
  if (auto f = dyn_cast<IntegerType>(from)) {
    // Widening then truncating restores every bit pattern.
    if (auto t = dyn_cast<IntegerType>(to))
      return t.getWidth() >= f.getWidth();
    // An integer fits when the float's significand holds all of its bits.
    if (auto t = dyn_cast<FloatType>(to))
      return static_cast<int>(f.getWidth()) <=
             static_cast<int>(t.getFPMantissaWidth());
  }
  return false;
}

/// cast(cast(x : A to B) : B to A) -> x when A to B loses nothing (a
/// round trip through a wider type, as exporters leave around fp32 islands).
struct FoldLosslessCastRoundTrip : OpRewritePattern<CastOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CastOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<CastOp>();
    if (!inner || inner.getInput().getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "not a cast round trip");
    Type a = op.getType().getElementType();
    Type b = inner.getType().getElementType();
    if (!isLosslessConversion(a, b))
      return rewriter.notifyMatchFailure(op, "the inner cast rounds");
    rewriter.replaceOp(op, inner.getInput());
    return success();
  }
};
} // namespace

void CastOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                         MLIRContext *context) {
  results.add<FoldLosslessCastRoundTrip>(context);
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCoreOps.cpp.inc"
