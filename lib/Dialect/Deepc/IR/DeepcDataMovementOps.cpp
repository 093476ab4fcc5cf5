//===- DeepcDataMovementOps.cpp - deepc data-movement ops -----------------===//
//
// Type inference, verifiers, folders and canonicalization patterns for
// the core ops that move or reinterpret data: reshape, transpose, concat,
// slice, expand, shape_of and cast. Their op classes are generated into
// DeepcCoreOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::deepc;

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
    return op->emitOpError("shape operand must be 1-D, got ") << formatShape(s);
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
           << *in << " elements (" << formatShape(input.getShape()) << ") into "
           << *out << " (" << formatShape(result.getShape()) << ")";
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

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  ArrayRef<int64_t> perm = adaptor.getPermutation();
  SmallVector<bool> seen(shape.size(), false);
  bool valid = perm.size() == shape.size();
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= static_cast<int64_t>(shape.size()) || seen[p]) {
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

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
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
        return emitOptionalError(loc, "'deepc.concat' op input ", i + 1,
                                 " has shape ", formatShape(shape),
                                 " which differs from input 0 (",
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

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  SmallVector<int64_t> result(shapeOf(adaptor.getInput()));
  ArrayRef<int64_t> axes = adaptor.getAxes(), starts = adaptor.getStarts(),
                    ends = adaptor.getEnds(), steps = adaptor.getSteps();
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return emitOptionalError(loc,
                             "'deepc.slice' op axes, starts, ends and "
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
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
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
