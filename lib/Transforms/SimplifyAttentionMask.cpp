//===- SimplifyAttentionMask.cpp - mask operands to attention attrs -------===//
//
// deepc.attention ops raised from exported graphs carry the exporter's
// computed mask as an operand, which the kernel would read for every query
// and key. Where MaskAnalysis proves that mask equal to a causal,
// sliding-window or global-token rule, this pass moves it into the op's
// attributes; a run-time factor (a padding mask) that cannot be proven stays
// behind as a smaller i1 mask.
//
//===----------------------------------------------------------------------===//

#include "MaskAnalysis.h"

#include "deepc/Transforms/Passes.h"

#include "llvm/Support/raw_ostream.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCSIMPLIFYATTENTIONMASKPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// "causal, window_left = 7", or "" for a form that keeps every pair.
std::string describe(const AttentionMaskForm &form) {
  std::string text;
  llvm::raw_string_ostream os(text);
  StringRef separator = "";
  auto part = [&](const Twine &piece) {
    os << separator << piece;
    separator = ", ";
  };
  if (form.causal)
    part("causal");
  if (form.windowLeft >= 0)
    part("window_left = " + Twine(form.windowLeft));
  if (form.windowRight >= 0)
    part("window_right = " + Twine(form.windowRight));
  if (form.numGlobalTokens > 0)
    part("num_global_tokens = " + Twine(form.numGlobalTokens));
  return text;
}

struct SimplifyAttentionMaskPass
    : impl::DeepcSimplifyAttentionMaskPassBase<SimplifyAttentionMaskPass> {
  using DeepcSimplifyAttentionMaskPassBase::DeepcSimplifyAttentionMaskPassBase;

  void runOnOperation() override {
    getOperation()->walk([&](AttentionOp op) {
      Value mask = op.getMask();
      if (!mask)
        return;
      AttentionMaskForm existing{op.getCausal(), op.getWindowLeft(),
                                 op.getWindowRight(), op.getNumGlobalTokens()};
      ProvenMask proven;
      std::string whyNot;
      if (!proveAttentionMask(mask, existing, proven, whyNot)) {
        if (report)
          op->emitRemark("mask not simplified: ") << whyNot;
        return;
      }
      const AttentionMaskForm &form = proven.form;
      if (proven.residual)
        op.getMaskMutable().assign(proven.residual);
      else
        op.getMaskMutable().clear();
      op.setCausal(form.causal);
      op.setWindowLeft(form.windowLeft);
      op.setWindowRight(form.windowRight);
      op.setNumGlobalTokens(form.numGlobalTokens);
      if (report) {
        std::string attributes = describe(form);
        if (!proven.residual)
          op->emitRemark("raised mask to ")
              << (attributes.empty() ? "nothing: it keeps every pair"
                                     : attributes);
        else if (attributes.empty())
          op->emitRemark("raised mask to its run-time factor alone, an i1 "
                         "mask (no causal or window attribute)");
        else
          op->emitRemark("raised mask to ")
              << attributes << ", keeping its run-time factor as an i1 mask";
      }
    });
  }
};

} // namespace
} // namespace mlir::deepc
