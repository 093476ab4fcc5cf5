//===- RaiseRmsNorm.cpp - deepc.rms_norm from its primitive ops -----------===//
//
// Exported models spell RMSNorm as pow/mul, reduce_mean, add, sqrt and
// reciprocal (or rsqrt, or a div). These patterns recognize that chain and
// rebuild the one op the CPU kernel computes in a single pass over each row.
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
#define GEN_PASS_DEF_DEEPCRAISERMSNORMPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

using norm::getScalarSplat;
using norm::hasNormalizableType;
using norm::isSquareOf;
using norm::isValidEpsilon;
using norm::matchInverseSqrt;

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

/// A matched `mean(x², axis = -1) + ε`: the mean (whose location names the
/// ONNX node, for --report) and ε.
struct MeanSquarePlusEpsilon {
  ReduceMeanOp mean;
  double epsilon;
};

/// Matches `mean(x², axis = -1) + ε` (ε on either side, or absent).
std::optional<MeanSquarePlusEpsilon> matchMeanSquarePlusEpsilon(Value sum,
                                                                Value x) {
  if (isMeanSquareOf(sum, x))
    return MeanSquarePlusEpsilon{sum.getDefiningOp<ReduceMeanOp>(), 0.0};
  auto add = sum.getDefiningOp<AddOp>();
  if (!add || add.getType() != add.getLhs().getType())
    return std::nullopt;
  for (auto [meanSquare, other] : {std::pair(add.getLhs(), add.getRhs()),
                                   std::pair(add.getRhs(), add.getLhs())}) {
    if (!isMeanSquareOf(meanSquare, x))
      continue;
    std::optional<double> epsilon = getScalarSplat(other);
    if (!epsilon || !isValidEpsilon(*epsilon))
      return std::nullopt;
    return MeanSquarePlusEpsilon{meanSquare.getDefiningOp<ReduceMeanOp>(),
                                 *epsilon};
  }
  return std::nullopt;
}

/// Replaces `op`, whose result is `x` normalized, with rms_norm(x); with
/// `report`, first remarks at the mean, which names the ONNX node.
void replaceWithRmsNorm(PatternRewriter &rewriter, Operation *op, Value x,
                        const MeanSquarePlusEpsilon &match, bool report) {
  if (report)
    match.mean->emitRemark("raised to deepc.rms_norm");
  rewriter.replaceOpWithNewOp<RmsNormOp>(
      op, x.getType(), x, /*weight=*/Value(),
      rewriter.getF32FloatAttr(static_cast<float>(match.epsilon)));
}

/// Patterns that remark on what they raise when the pass's `report` is on.
template <typename OpTy> struct ReportingPattern : OpRewritePattern<OpTy> {
  ReportingPattern(MLIRContext *context, bool report)
      : OpRewritePattern<OpTy>(context), report(report) {}
  bool report;
};

/// x * 1/sqrt(mean(x²) + ε) -> rms_norm(x, ε), the inverse on either side
struct RaiseScaledByInverseRms : ReportingPattern<MulOp> {
  using ReportingPattern::ReportingPattern;

  LogicalResult matchAndRewrite(MulOp op,
                                PatternRewriter &rewriter) const override {
    for (auto [x, inverse] : {std::pair(op.getLhs(), op.getRhs()),
                              std::pair(op.getRhs(), op.getLhs())}) {
      if (!hasNormalizableType(x) || op.getType() != x.getType())
        continue;
      Value sum = matchInverseSqrt(inverse);
      if (!sum)
        continue;
      if (std::optional<MeanSquarePlusEpsilon> match =
              matchMeanSquarePlusEpsilon(sum, x)) {
        replaceWithRmsNorm(rewriter, op, x, *match, report);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(op, "not x * 1/sqrt(mean(x²) + ε)");
  }
};

/// x / sqrt(mean(x²) + ε) -> rms_norm(x, ε)
struct RaiseDividedByRms : ReportingPattern<DivOp> {
  using ReportingPattern::ReportingPattern;

  LogicalResult matchAndRewrite(DivOp op,
                                PatternRewriter &rewriter) const override {
    Value x = op.getLhs();
    auto sqrt = op.getRhs().getDefiningOp<SqrtOp>();
    if (!sqrt || !hasNormalizableType(x) || op.getType() != x.getType())
      return rewriter.notifyMatchFailure(op, "not x / sqrt(·)");
    std::optional<MeanSquarePlusEpsilon> match =
        matchMeanSquarePlusEpsilon(sqrt.getInput(), x);
    if (!match)
      return rewriter.notifyMatchFailure(op, "not x / sqrt(mean(x²) + ε)");
    replaceWithRmsNorm(rewriter, op, x, *match, report);
    return success();
  }
};

/// Whether `weight` can be rms_norm's weight for `norm`: rms_norm takes only
/// a [D] weight; a static D rules out a runtime broadcast of a size-1
/// dimension that the op would not do.
bool isRmsNormWeight(Value weight, RmsNormOp norm) {
  auto weightType = dyn_cast<RankedTensorType>(weight.getType());
  int64_t channels = norm.getType().getShape().back();
  return weightType && weightType.getRank() == 1 &&
         !ShapedType::isDynamic(channels) &&
         weightType.getDimSize(0) == channels;
}

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
      if (!isRmsNormWeight(weight, norm))
        continue;
      rewriter.replaceOpWithNewOp<RmsNormOp>(
          op, norm.getType(), norm.getInput(), weight, norm.getEpsilonAttr());
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not rms_norm(x) * w[D]");
  }
};

/// Why a mean that feeds a sqrt (directly or through `add`) was not raised,
/// checking the conditions the patterns check; the last reason is left when
/// none of them fails (the chain then does not end in the value it
/// normalizes, e.g. it scales another tensor).
std::string whyNotRaised(ReduceMeanOp mean, AddOp add) {
  if (!mean.getKeepDims())
    return "the reduce_mean drops the reduced axis (no keep_dims)";
  Value square = mean.getInput();
  Value x;
  if (auto pow = square.getDefiningOp<PowOp>();
      pow && getScalarSplat(pow.getRhs()) == 2.0)
    x = pow.getLhs();
  else if (auto mul = square.getDefiningOp<MulOp>();
           mul && mul.getLhs() == mul.getRhs())
    x = mul.getLhs();
  if (!x || x.getType() != square.getType())
    return "the reduce_mean's input is not x² (pow(x, 2) or mul(x, x))";
  if (!hasNormalizableType(x))
    return "x is not a ranked f32, f16 or bf16 tensor";
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  ArrayRef<int64_t> axes = mean.getAxes();
  if (axes.size() != 1 || (axes[0] != -1 && axes[0] != rank - 1))
    return "the reduce_mean is not over the last axis only";
  if (add && add.getType() != add.getLhs().getType())
    return "the add's result type differs from its left operand's";
  if (add) {
    Value other =
        add.getLhs() == mean.getResult() ? add.getRhs() : add.getLhs();
    std::optional<double> epsilon = getScalarSplat(other);
    if (!epsilon)
      return "ε is not a scalar splat constant";
    if (!isValidEpsilon(*epsilon))
      return "ε is negative or not finite";
  }
  return "1/sqrt(·) does not scale the x whose mean square it takes";
}

/// Remarks at each mean that looks like part of an RMSNorm (it feeds sqrt
/// or rsqrt, directly or through one add) but is still there, and at each
/// unweighted rms_norm multiplied by a weight of another shape than [D].
void reportNearMisses(Operation *root) {
  root->walk([](Operation *op) {
    if (auto norm = dyn_cast<RmsNormOp>(op)) {
      if (norm.getWeight() || !norm->hasOneUse())
        return;
      auto mul = dyn_cast<MulOp>(*norm->user_begin());
      if (!mul)
        return;
      Value weight =
          mul.getLhs() == norm.getResult() ? mul.getRhs() : mul.getLhs();
      if (!isRmsNormWeight(weight, norm))
        norm->emitRemark("weight not folded into deepc.rms_norm: it is not "
                         "of shape [D], D the static last dimension of x");
      return;
    }
    auto mean = dyn_cast<ReduceMeanOp>(op);
    if (!mean)
      return;
    auto isSqrt = [](Operation *user) { return isa<SqrtOp, RsqrtOp>(user); };
    for (Operation *user : mean->getUsers()) {
      AddOp add = dyn_cast<AddOp>(user);
      if (isSqrt(user) || (add && llvm::any_of(add->getUsers(), isSqrt))) {
        mean->emitRemark("not raised to deepc.rms_norm: ")
            << whyNotRaised(mean, add);
        return;
      }
    }
  });
}

struct RaiseRmsNormPass : impl::DeepcRaiseRmsNormPassBase<RaiseRmsNormPass> {
  using DeepcRaiseRmsNormPassBase::DeepcRaiseRmsNormPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseScaledByInverseRms, RaiseDividedByRms>(&getContext(),
                                                             report);
    patterns.add<FoldWeightIntoRmsNorm>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (report)
      reportNearMisses(getOperation());
  }
};

} // namespace
} // namespace mlir::deepc
