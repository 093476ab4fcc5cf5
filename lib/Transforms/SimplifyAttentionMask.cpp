//===- SimplifyAttentionMask.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCSIMPLIFYATTENTIONMASKPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct SimplifyAttentionMaskPass
    : impl::DeepcSimplifyAttentionMaskPassBase<SimplifyAttentionMaskPass> {
  using DeepcSimplifyAttentionMaskPassBase::DeepcSimplifyAttentionMaskPassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
