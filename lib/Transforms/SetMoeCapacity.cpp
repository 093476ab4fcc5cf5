//===- SetMoeCapacity.cpp - one capacity factor for every deepc.moe -------===//
//
// Capacity is a deployment choice, not something exporters write into the
// graph: `deepc --moe-capacity-factor=F` appends this pass to the pipeline
// so that every MoE layer of the model caps its experts the same way.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include <cmath>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCSETMOECAPACITYPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {
struct SetMoeCapacityPass
    : impl::DeepcSetMoeCapacityPassBase<SetMoeCapacityPass> {
  using DeepcSetMoeCapacityPassBase::DeepcSetMoeCapacityPassBase;

  void runOnOperation() override {
    // The attribute is an f32: a double that overflows it would become an
    // infinite factor, which the op's kernel rejects at run time.
    auto factor = static_cast<float>(capacityFactor);
    if (!(capacityFactor >= 0) || !std::isfinite(factor)) {
      // At the location only: the op itself may be a whole model.
      emitError(getOperation()->getLoc())
          << "deepc-set-moe-capacity: capacity-factor must be a finite, "
             "non-negative f32, got "
          << capacityFactor;
      return signalPassFailure();
    }
    getOperation()->walk([&](MoeOp moe) { moe.setCapacityFactor(factor); });
  }
};
} // namespace
} // namespace mlir::deepc
