//===- RaiseRotary.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEROTARYPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct RaiseRotaryPass : impl::DeepcRaiseRotaryPassBase<RaiseRotaryPass> {
  using DeepcRaiseRotaryPassBase::DeepcRaiseRotaryPassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
