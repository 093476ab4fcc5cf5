//===- Executor.h - running a plan, and planning its memory -----*- C++ -*-===//

#ifndef DEEPC_RT_EXECUTOR_H
#define DEEPC_RT_EXECUTOR_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deepc::rt {

/// Sizes the memory plan at compile time. Evaluates every step's infer() at
/// the maximum dims (`plan.dimBounds` applied to the inputs' symbolic dims),
/// running steps whose values later shapes depend on (small integer tensors,
/// shape_of) with the CPU kernels or the region interpreter. Sets each
/// temporary's `capacity`, or `dynamic` when its size depends on values not
/// known at compile time. `constantData[id]` holds each constant's bytes.
/// Fails only on a definite error (a shape mismatch at the bounds, which the
/// message names), not on an unknown size.
Status computeCapacities(Plan &plan,
                         const std::vector<const void *> &constantData,
                         const KernelRegistry &kernels = cpuKernels());

/// Assigns arena offsets by liveness: a temporary lives from the step that
/// defines it to the last step that reads it or any alias of it (graph
/// outputs to the end); slots of values whose lives do not overlap may share
/// memory. Greedy by size, largest first, each at the lowest offset that
/// fits among the already-placed values it overlaps in time. Sets
/// `arenaOffset` and `plan.arenaBytes`.
void assignArenaOffsets(Plan &plan);

} // namespace deepc::rt

#endif // DEEPC_RT_EXECUTOR_H
