//===- DeepcCoreOps.cpp - deepc core tensor ops ---------------------------===//
//
// Type inference, verifiers, folders and canonicalization patterns for the
// core tensor math: constants, elementwise ops, matmul, reductions and
// softmax. The indexing and data-movement ops of the same TableGen family
// have their C++ in DeepcIndexingOps.cpp and DeepcDataMovementOps.cpp; the
// generated definitions of the whole family are included here.
//
//===----------------------------------------------------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

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
          loc, "'", opName, "' op operand shapes ", formatShape(shape), " and ",
          formatShape(type.getShape()),
          " do not broadcast: dimensions must be equal or 1");
    shape = std::move(*joined);
  }
  inferred.push_back(RankedTensorType::get(shape, elementType));
  return success();
}

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location>,
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
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *context, std::optional<Location> loc, Adaptor adaptor,      \
      SmallVectorImpl<Type> &inferred) {                                       \
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
DEEPC_INFER_BROADCAST(ModOp, DEEPC_SAME_ELEMENT)
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

LogicalResult ModOp::verify() {
  Type elementType = getLhs().getType().getElementType();
  if (elementType.isInteger(1))
    return emitOpError("expects integer or float operands, got ")
           << elementType;
  // ONNX leaves floor-mod of floats undefined; exporters set fmod = 1.
  if (isa<FloatType>(elementType) && !getFmod())
    return emitOpError("with ")
           << elementType
           << " operands needs fmod = true (C fmod, the dividend's sign); "
              "fmod = false (the divisor's sign) is for integers only";
  return success();
}

// mod(c1, c2) -> c1 mod c2 (floats, and integers with c2 != 0)
OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool fmod = getFmod();
  return foldBinaryConstants(
      adaptor.getLhs(), adaptor.getRhs(), getType(),
      [](APFloat a, const APFloat &b) -> std::optional<APFloat> {
        // APFloat::mod is C's fmod: the dividend's sign.
        a.mod(b);
        return a;
      },
      [fmod](const APInt &a, const APInt &b) -> std::optional<APInt> {
        if (b.isZero())
          return std::nullopt;
        // srem truncates (the dividend's sign) and gives MIN srem -1 = 0.
        APInt r = a.srem(b);
        // Floor-mod moves a remainder of the other sign over by b.
        if (!fmod && !r.isZero() && r.isNegative() != b.isNegative())
          r += b;
        return r;
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

LogicalResult SelectOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
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

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> lhs = shapeOf(adaptor.getLhs());
  ArrayRef<int64_t> rhs = shapeOf(adaptor.getRhs());
  if (lhs.size() < 2 || rhs.size() < 2)
    return emitOptionalError(loc,
                             "'deepc.matmul' op operands must have rank "
                             "2 or more (reshape vectors first), got ",
                             formatShape(lhs), " and ", formatShape(rhs));
  int64_t m = lhs[lhs.size() - 2], lhsK = lhs.back();
  if (adaptor.getTransposeLhs())
    std::swap(m, lhsK);
  int64_t rhsK = rhs[rhs.size() - 2], n = rhs.back();
  if (adaptor.getTransposeRhs())
    std::swap(rhsK, n);
  if (!dimsCompatible(lhsK, rhsK))
    return emitOptionalError(loc,
                             "'deepc.matmul' op contraction dimensions "
                             "differ: lhs has K = ",
                             lhsK, " but rhs has K = ", rhsK);
  std::optional<SmallVector<int64_t>> batch =
      broadcastShapes(lhs.drop_back(2), rhs.drop_back(2));
  if (!batch)
    return emitOptionalError(loc, "'deepc.matmul' op batch dimensions ",
                             formatShape(lhs.drop_back(2)), " and ",
                             formatShape(rhs.drop_back(2)),
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
  FailureOr<SmallVector<int64_t>> axes = normalizeReductionAxes(
      loc, ReduceOp::getOperationName(), adaptor.getAxes(), shape.size());
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
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *, std::optional<Location> loc, Adaptor adaptor,             \
      SmallVectorImpl<Type> &inferred) {                                       \
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
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
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
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << rank;
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

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCoreOps.cpp.inc"
