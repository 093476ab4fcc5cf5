//===- RaiseAttention.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEATTENTIONPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct RaiseAttentionPass
    : impl::DeepcRaiseAttentionPassBase<RaiseAttentionPass> {
  using DeepcRaiseAttentionPassBase::DeepcRaiseAttentionPassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
