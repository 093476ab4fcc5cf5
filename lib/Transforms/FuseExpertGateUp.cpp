//===- FuseExpertGateUp.cpp - one weight for each expert's gate and up ----===//

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCFUSEEXPERTGATEUPPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// moe(gate = g, up = u) -> moe(gate_up = concat(g, u, axis = 1))
struct FuseGateAndUp : OpRewritePattern<MoeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(MoeOp op,
                                PatternRewriter &rewriter) const override {
    Value gate = op.getWGate(), up = op.getWUp();
    if (!op.getGated() || !gate || !up)
      return rewriter.notifyMatchFailure(op, "no separate gate and up weights");
    Value gateBias = op.getGateBias(), upBias = op.getUpBias();
    if (static_cast<bool>(gateBias) != static_cast<bool>(upBias))
      return rewriter.notifyMatchFailure(
          op, "only one of the gate and up projections has a bias");
    // Stacked [E, I, H] weights (and [E, I] biases) join along the
    // intermediate dimension, gate rows first, which is the layout
    // w_gate_up documents.
    Location loc = op.getLoc();
    Value gateUp = rewriter.create<ConcatOp>(loc, ValueRange{gate, up},
                                             /*axis=*/1);
    Value gateUpBias;
    if (gateBias)
      gateUpBias = rewriter.create<ConcatOp>(
          loc, ValueRange{gateBias, upBias}, /*axis=*/1);
    rewriter.modifyOpInPlace(op, [&] {
      op.getWGateMutable().clear();
      op.getWUpMutable().clear();
      op.getWGateUpMutable().assign(gateUp);
      op.getGateBiasMutable().clear();
      op.getUpBiasMutable().clear();
      if (gateUpBias)
        op.getGateUpBiasMutable().assign(gateUpBias);
    });
    return success();
  }
};

struct FuseExpertGateUpPass
    : impl::DeepcFuseExpertGateUpPassBase<FuseExpertGateUpPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseExpertGateUpPatterns(patterns);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void populateFuseExpertGateUpPatterns(RewritePatternSet &patterns) {
  patterns.add<FuseGateAndUp>(patterns.getContext());
}

} // namespace mlir::deepc
