//===- RaiseMoeLoop.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEMOELOOPPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct RaiseMoeLoopPass : impl::DeepcRaiseMoeLoopPassBase<RaiseMoeLoopPass> {
  using DeepcRaiseMoeLoopPassBase::DeepcRaiseMoeLoopPassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
