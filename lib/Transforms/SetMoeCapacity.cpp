//===- SetMoeCapacity.cpp - (stub, being written)
//------------------------------------===//

#include "deepc/Transforms/Passes.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCSETMOECAPACITYPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct SetMoeCapacityPass
    : impl::DeepcSetMoeCapacityPassBase<SetMoeCapacityPass> {
  using DeepcSetMoeCapacityPassBase::DeepcSetMoeCapacityPassBase;
  void runOnOperation() override {}
};
} // namespace
} // namespace mlir::deepc
