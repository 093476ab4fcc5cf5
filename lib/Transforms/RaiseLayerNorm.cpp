//===- RaiseLayerNorm.cpp - deepc.layer_norm from its primitive ops -------===//
//
// Exporters below opset 17 spell LayerNorm as reduce_mean, sub, pow or mul,
// reduce_mean, add, sqrt and div (or rsqrt, or reciprocal and mul), then an
// optional mul by gamma and add of beta. These patterns recognize that
// chain, and also the rms_norm of a centered value that deepc-raise-rms-norm
// leaves of it when it runs first, and rebuild the one op the CPU kernel
// computes in a single pass over each row.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include "NormMatchers.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>
#include <optional>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISELAYERNORMPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

using norm::getScalarSplat;
using norm::hasNormalizableType;
using norm::isSquareOf;
using norm::isValidEpsilon;
using norm::matchInverseSqrt;

/// Whether `mean` averages `x` over its last axis only, keeping that axis.
bool isLastAxisMeanOf(ReduceMeanOp mean, Value x) {
  if (!mean || mean.getInput() != x || !mean.getKeepDims() ||
      mean.getAxes().size() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(x.getType());
  int64_t axis = mean.getAxes()[0];
  return type && (axis == -1 || axis == type.getRank() - 1);
}

/// A matched centering `x - mean(x, axis = -1, keep_dims)`: `x`, and the
/// mean (whose location names the ONNX node, for --report).
struct Centering {
  Value x;
  ReduceMeanOp mean;
};

/// Matches `d = x - mean(x, axis = -1, keep_dims)` with `d` of x's type (a
/// sub that broadcasts x would normalize another tensor).
std::optional<Centering> matchCentering(Value d) {
  auto sub = d.getDefiningOp<SubOp>();
  if (!sub || !hasNormalizableType(d) || sub.getLhs().getType() != d.getType())
    return std::nullopt;
  auto mean = sub.getRhs().getDefiningOp<ReduceMeanOp>();
  if (!isLastAxisMeanOf(mean, sub.getLhs()))
    return std::nullopt;
  return Centering{sub.getLhs(), mean};
}

/// Matches the variance `mean(d², axis = -1, keep_dims)`.
bool isVarianceOf(Value variance, Value d) {
  auto mean = variance.getDefiningOp<ReduceMeanOp>();
  return mean && isLastAxisMeanOf(mean, mean.getInput()) &&
         isSquareOf(mean.getInput(), d);
}

/// Matches `mean(d², axis = -1) + ε` (ε on either side, or absent) and
/// returns ε.
std::optional<double> matchVariancePlusEpsilon(Value sum, Value d) {
  if (isVarianceOf(sum, d))
    return 0.0;
  auto add = sum.getDefiningOp<AddOp>();
  if (!add || add.getType() != add.getLhs().getType())
    return std::nullopt;
  for (auto [variance, other] : {std::pair(add.getLhs(), add.getRhs()),
                                 std::pair(add.getRhs(), add.getLhs())}) {
    if (!isVarianceOf(variance, d))
      continue;
    std::optional<double> epsilon = getScalarSplat(other);
    if (!epsilon || !isValidEpsilon(*epsilon))
      return std::nullopt;
    return epsilon;
  }
  return std::nullopt;
}

/// Patterns that remark on what they raise when the pass's `report` is on.
template <typename OpTy> struct ReportingPattern : OpRewritePattern<OpTy> {
  ReportingPattern(MLIRContext *context, bool report)
      : OpRewritePattern<OpTy>(context), report(report) {}
  bool report;

  /// Replaces `op`, whose result is `centering.x` normalized, with
  /// layer_norm(x, weight, ε); with `report`, first remarks at the centering
  /// mean, which names the ONNX node.
  void replaceWithLayerNorm(PatternRewriter &rewriter, Operation *op,
                            const Centering &centering, Value weight,
                            FloatAttr epsilon) const {
    if (report)
      centering.mean->emitRemark("raised to deepc.layer_norm");
    rewriter.replaceOpWithNewOp<LayerNormOp>(op, centering.x.getType(),
                                             centering.x, weight,
                                             /*bias=*/Value(), epsilon);
  }
};

/// d * 1/sqrt(mean(d²) + ε) -> layer_norm(x, ε) with d = x - mean(x), the
/// inverse on either side
struct RaiseScaledByInverseStd : ReportingPattern<MulOp> {
  using ReportingPattern::ReportingPattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [d, inverse] : {std::pair(op.getLhs(), op.getRhs()),
                              std::pair(op.getRhs(), op.getLhs())}) {
      if (op.getType() != d.getType())
        continue;
      std::optional<Centering> centering = matchCentering(d);
      Value sum = matchInverseSqrt(inverse);
      if (!centering || !sum)
        continue;
      if (std::optional<double> epsilon = matchVariancePlusEpsilon(sum, d)) {
        replaceWithLayerNorm(rewriter, op, *centering, /*weight=*/Value(),
                             rewriter.getF32FloatAttr(float(*epsilon)));
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "not d * 1/sqrt(mean(d²) + ε)");
  }
};

/// d / sqrt(mean(d²) + ε) -> layer_norm(x, ε) with d = x - mean(x)
struct RaiseDividedByStd : ReportingPattern<DivOp> {
  using ReportingPattern::ReportingPattern;

  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    Value d = op.getLhs();
    auto sqrt = op.getRhs().getDefiningOp<SqrtOp>();
    std::optional<Centering> centering = matchCentering(d);
    if (!sqrt || !centering || op.getType() != d.getType())
      return rewriter.notifyMatchFailure(op, "not (x - mean(x)) / sqrt(·)");
    std::optional<double> epsilon =
        matchVariancePlusEpsilon(sqrt.getInput(), d);
    if (!epsilon)
      return rewriter.notifyMatchFailure(op, "not d / sqrt(mean(d²) + ε)");
    replaceWithLayerNorm(rewriter, op, *centering, /*weight=*/Value(),
                         rewriter.getF32FloatAttr(float(*epsilon)));
    return success();
  }
};

/// rms_norm(x - mean(x), w?, ε) -> layer_norm(x, w?, ε): what
/// deepc-raise-rms-norm makes of a LayerNorm when it runs first.
struct RaiseCenteredRmsNorm : ReportingPattern<RmsNormOp> {
  using ReportingPattern::ReportingPattern;

  LogicalResult matchAndRewrite(RmsNormOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<Centering> centering = matchCentering(op.getInput());
    if (!centering)
      return rewriter.notifyMatchFailure(op, "not rms_norm(x - mean(x))");
    replaceWithLayerNorm(rewriter, op, *centering, op.getWeight(),
                         op.getEpsilonAttr());
    return success();
  }
};

/// Whether `vector` can be layer_norm's weight or bias for `norm`: only a
/// [D] vector; a static D rules out a runtime broadcast of a size-1
/// dimension that the op would not do.
bool isChannelVector(Value vector, LayerNormOp norm) {
  auto type = dyn_cast<RankedTensorType>(vector.getType());
  int64_t channels = norm.getType().getShape().back();
  return type && type.getRank() == 1 && !ShapedType::isDynamic(channels) &&
         type.getDimSize(0) == channels &&
         type.getElementType() == norm.getType().getElementType();
}

/// The layer_norm that `op`'s operand `normalized` defines if `op` may fold
/// another operand into it: the norm has `op` as its only use (another use
/// would still need the unfolded value) and `op` broadcasts nothing.
LayerNormOp getFoldableNorm(Value normalized, Operation *op) {
  auto norm = normalized.getDefiningOp<LayerNormOp>();
  if (!norm || !norm->hasOneUse() ||
      op->getResult(0).getType() != norm.getType())
    return {};
  return norm;
}

/// layer_norm(x, ε) * w -> layer_norm(x, w, ε), w on either side
struct FoldWeightIntoLayerNorm : OpRewritePattern<MulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [normalized, weight] : {std::pair(op.getLhs(), op.getRhs()),
                                      std::pair(op.getRhs(), op.getLhs())}) {
      LayerNormOp norm = getFoldableNorm(normalized, op);
      // With a bias, (n·w₀ + b)·w scales the bias too.
      if (!norm || norm.getWeight() || norm.getBias() ||
          !isChannelVector(weight, norm))
        continue;
      rewriter.replaceOpWithNewOp<LayerNormOp>(
          op, norm.getType(), norm.getInput(), weight, /*bias=*/Value(),
          norm.getEpsilonAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not layer_norm(x) * w[D]");
  }
};

/// layer_norm(x, w?, ε) + b -> layer_norm(x, w?, b, ε), b on either side
struct FoldBiasIntoLayerNorm : OpRewritePattern<AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(AddOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [normalized, bias] : {std::pair(op.getLhs(), op.getRhs()),
                                    std::pair(op.getRhs(), op.getLhs())}) {
      LayerNormOp norm = getFoldableNorm(normalized, op);
      if (!norm || norm.getBias() || !isChannelVector(bias, norm))
        continue;
      rewriter.replaceOpWithNewOp<LayerNormOp>(
          op, norm.getType(), norm.getInput(), norm.getWeight(), bias,
          norm.getEpsilonAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not layer_norm(x) + b[D]");
  }
};

/// The value under the sqrt by which `user` normalizes `d` (`d / sqrt(s)`,
/// `d * rsqrt(s)` or `d * reciprocal(sqrt(s))`), or null if `user` does not
/// normalize `d` that way.
Value getNormalizingSum(Operation *user, Value d) {
  if (auto div = dyn_cast<DivOp>(user)) {
    auto sqrt = div.getRhs().getDefiningOp<SqrtOp>();
    return div.getLhs() == d && sqrt ? sqrt.getInput() : Value();
  }
  if (auto mul = dyn_cast<MulOp>(user))
    return matchInverseSqrt(mul.getLhs() == d ? mul.getRhs() : mul.getLhs());
  return {};
}

/// Why the centering `sub` of `mean`, which some op normalizes by a sqrt,
/// was not raised, checking the conditions the patterns check.
std::string whyNotRaised(ReduceMeanOp mean, SubOp sub) {
  Value x = sub.getLhs();
  if (!mean.getKeepDims())
    return "the reduce_mean drops the reduced axis (no keep_dims)";
  if (!hasNormalizableType(x))
    return "x is not a ranked f32, f16 or bf16 tensor";
  if (!isLastAxisMeanOf(mean, x))
    return "the reduce_mean is not over the last axis only";
  if (sub.getType() != x.getType())
    return "x - mean(x) broadcasts x to another shape";
  for (Operation *user : sub->getUsers()) {
    Value sum = getNormalizingSum(user, sub.getResult());
    if (!sum)
      continue;
    auto add = sum.getDefiningOp<AddOp>();
    if (add) {
      Value variance = add.getLhs(), other = add.getRhs();
      if (!isVarianceOf(variance, sub.getResult()))
        std::swap(variance, other);
      if (isVarianceOf(variance, sub.getResult())) {
        std::optional<double> epsilon = getScalarSplat(other);
        if (!epsilon)
          return "ε is not a scalar splat constant";
        if (!isValidEpsilon(*epsilon))
          return "ε is negative or not finite";
        return "the add's result type differs from its left operand's";
      }
    }
  }
  return "the sqrt is not of mean((x - mean(x))², axis = -1, keep_dims) "
         "(+ ε) of the same centered value";
}

/// Remarks at each mean that centers a value which a sqrt then normalizes
/// (`(x - mean(x)) / sqrt(·)` and the like, or rms_norm of it) but is still
/// there, and at each unweighted, unbiased layer_norm multiplied by a weight
/// that is not of shape [D].
void reportNearMisses(Operation *root) {
  root->walk([](Operation *op) {
    if (auto norm = dyn_cast<LayerNormOp>(op)) {
      if (norm.getWeight() || norm.getBias() || !norm->hasOneUse())
        return;
      auto mul = dyn_cast<MulOp>(*norm->user_begin());
      if (!mul)
        return;
      Value weight =
          mul.getLhs() == norm.getResult() ? mul.getRhs() : mul.getLhs();
      if (!isChannelVector(weight, norm))
        norm->emitRemark("weight not folded into deepc.layer_norm: it is not "
                         "of shape [D], D the static last dimension of x");
      return;
    }
    auto mean = dyn_cast<ReduceMeanOp>(op);
    if (!mean)
      return;
    for (Operation *user : mean->getUsers()) {
      auto sub = dyn_cast<SubOp>(user);
      if (!sub || sub.getLhs() != mean.getInput() ||
          sub.getRhs() != mean.getResult())
        continue;
      bool normalized = llvm::any_of(sub->getUsers(), [&](Operation *use) {
        return isa<RmsNormOp>(use) || getNormalizingSum(use, sub.getResult());
      });
      if (normalized) {
        mean->emitRemark("not raised to deepc.layer_norm: ")
            << whyNotRaised(mean, sub);
        return;
      }
    }
  });
}

struct RaiseLayerNormPass
    : impl::DeepcRaiseLayerNormPassBase<RaiseLayerNormPass> {
  using DeepcRaiseLayerNormPassBase::DeepcRaiseLayerNormPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns
        .add<RaiseScaledByInverseStd, RaiseDividedByStd, RaiseCenteredRmsNorm>(
            &getContext(), report);
    patterns.add<FoldWeightIntoLayerNorm, FoldBiasIntoLayerNorm>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (report)
      reportNearMisses(getOperation());
  }
};

} // namespace
} // namespace mlir::deepc
