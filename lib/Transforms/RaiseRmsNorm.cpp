//===- RaiseRmsNorm.cpp - deepc.rms_norm from its primitive ops -----------===//
//
// Exported models spell RMSNorm as pow/mul, reduce_mean, add, sqrt and
// reciprocal (or rsqrt, or a div). These patterns recognize that chain and
// rebuild the one op the CPU kernel computes in a single pass over each row.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <optional>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISERMSNORMPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// The value of a splat float constant with a single element (rank 0 or all
/// dimensions 1), so that adding it or raising to it broadcasts nothing.
std::optional<double> getScalarSplat(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      attr.getNumElements() != 1)
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether the element type is one rms_norm computes like the primitive ops
/// do (f8 is a storage type, not one exporters normalize in).
bool hasNormalizableType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() == 0)
    return false;
  Type element = type.getElementType();
  return element.isF32() || element.isF16() || element.isBF16();
}

/// Matches `x²` as `pow(x, 2)` or `mul(x, x)`.
bool isSquareOf(Value square, Value x) {
  if (square.getType() != x.getType())
    return false;
  if (auto pow = square.getDefiningOp<PowOp>())
    return pow.getLhs() == x && getScalarSplat(pow.getRhs()) == 2.0;
  if (auto mul = square.getDefiningOp<MulOp>())
    return mul.getLhs() == x && mul.getRhs() == x;
  return false;
}

/// Matches `mean(x², axis = -1, keep_dims)`.
bool isMeanSquareOf(Value meanSquare, Value x) {
  auto mean = meanSquare.getDefiningOp<ReduceMeanOp>();
  if (!mean || !mean.getKeepDims() || mean.getAxes().size() != 1)
    return false;
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  int64_t axis = mean.getAxes()[0];
  if (axis != -1 && axis != rank - 1)
    return false;
  return isSquareOf(mean.getInput(), x);
}

/// Matches `mean(x², axis = -1) + ε` (ε on either side, or absent) and
/// returns ε.
std::optional<double> matchMeanSquarePlusEpsilon(Value sum, Value x) {
  if (isMeanSquareOf(sum, x))
    return 0.0;
  auto add = sum.getDefiningOp<AddOp>();
  if (!add || add.getType() != add.getLhs().getType())
    return std::nullopt;
  std::optional<double> epsilon;
  if (isMeanSquareOf(add.getLhs(), x))
    epsilon = getScalarSplat(add.getRhs());
  else if (isMeanSquareOf(add.getRhs(), x))
    epsilon = getScalarSplat(add.getLhs());
  // rms_norm's epsilon must be finite and non-negative: leave others as
  // written rather than build an op that fails to verify.
  if (!epsilon || !(*epsilon >= 0) || std::isinf(float(*epsilon)))
    return std::nullopt;
  return epsilon;
}

/// Matches `1 / sqrt(s)` as `reciprocal(sqrt(s))` or `rsqrt(s)` and returns
/// `s`.
Value matchInverseSqrt(Value inverse) {
  if (auto rsqrt = inverse.getDefiningOp<RsqrtOp>())
    return rsqrt.getInput();
  if (auto reciprocal = inverse.getDefiningOp<ReciprocalOp>())
    if (auto sqrt = reciprocal.getInput().getDefiningOp<SqrtOp>())
      return sqrt.getInput();
  return {};
}

/// Replaces `op`, whose result is `x` normalized, with rms_norm(x).
void replaceWithRmsNorm(PatternRewriter &rewriter, Operation *op, Value x,
                        double epsilon) {
  rewriter.replaceOpWithNewOp<RmsNormOp>(
      op, x.getType(), x, /*weight=*/Value(),
      rewriter.getF32FloatAttr(static_cast<float>(epsilon)));
}

/// x * 1/sqrt(mean(x²) + ε) -> rms_norm(x, ε), the inverse on either side
struct RaiseScaledByInverseRms : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [x, inverse] : {std::pair(op.getLhs(), op.getRhs()),
                              std::pair(op.getRhs(), op.getLhs())}) {
      if (!hasNormalizableType(x) || op.getType() != x.getType())
        continue;
      Value sum = matchInverseSqrt(inverse);
      if (!sum)
        continue;
      if (std::optional<double> epsilon = matchMeanSquarePlusEpsilon(sum, x)) {
        replaceWithRmsNorm(rewriter, op, x, *epsilon);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "not x * 1/sqrt(mean(x²) + ε)");
  }
};

/// x / sqrt(mean(x²) + ε) -> rms_norm(x, ε)
struct RaiseDividedByRms : OpRewritePattern<DivOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getLhs();
    auto sqrt = op.getRhs().getDefiningOp<SqrtOp>();
    if (!sqrt || !hasNormalizableType(x) || op.getType() != x.getType())
      return rewriter.notifyMatchFailure(op, "not x / sqrt(·)");
    std::optional<double> epsilon =
        matchMeanSquarePlusEpsilon(sqrt.getInput(), x);
    if (!epsilon)
      return rewriter.notifyMatchFailure(op, "not x / sqrt(mean(x²) + ε)");
    replaceWithRmsNorm(rewriter, op, x, *epsilon);
    return success();
  }
};

/// rms_norm(x, ε) * w -> rms_norm(x, w, ε), w on either side
struct FoldWeightIntoRmsNorm : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [normalized, weight] : {std::pair(op.getLhs(), op.getRhs()),
                                      std::pair(op.getRhs(), op.getLhs())}) {
      auto norm = normalized.getDefiningOp<RmsNormOp>();
      // Another use of the unweighted value would still need it.
      if (!norm || norm.getWeight() || !norm->hasOneUse() ||
          op.getType() != norm.getType())
        continue;
      // rms_norm takes only a [D] weight; a static D rules out a runtime
      // broadcast of a size-1 dimension that the op would not do.
      auto weightType = dyn_cast<RankedTensorType>(weight.getType());
      int64_t channels = norm.getType().getShape().back();
      if (!weightType || weightType.getRank() != 1 ||
          ShapedType::isDynamic(channels) ||
          weightType.getDimSize(0) != channels)
        continue;
      rewriter.replaceOpWithNewOp<RmsNormOp>(
          op, norm.getType(), norm.getInput(), weight, norm.getEpsilonAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not rms_norm(x) * w[D]");
  }
};

struct RaiseRmsNormPass : impl::DeepcRaiseRmsNormPassBase<RaiseRmsNormPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<RaiseScaledByInverseRms, RaiseDividedByRms, FoldWeightIntoRmsNorm>(
            &getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
} // namespace mlir::deepc
