//===- RaiseMoe.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEMOEPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct RaiseMoePass : impl::DeepcRaiseMoePassBase<RaiseMoePass> {
  using DeepcRaiseMoePassBase::DeepcRaiseMoePassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
