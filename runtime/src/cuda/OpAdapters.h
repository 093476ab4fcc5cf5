//===- OpAdapters.h - deepc.attention and deepc.moe on CUDA -----*- C++ -*-===//
//
// The CUDA registry's entries for the two big ops: each reads the step's
// operands and attributes (the names and defaults of the CPU kernels,
// runtime/src/cpu/Attention.cpp and Moe.cpp) into the launcher's params
// struct and launches it. The params builders are pure host code over a
// KernelContext, so tests check them without a GPU; pointers are copied,
// never dereferenced. Both expect the CPU shape function (KernelDef::infer)
// to have validated the operands, as the backend guarantees.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_OPADAPTERS_H
#define DEEPC_RUNTIME_CUDA_OPADAPTERS_H

#include "cuda/attention/AttentionKernels.h"
#include "cuda/moe/MoeKernels.h"

#include "deepc/rt/Kernel.h"
#include "deepc/rt/cuda/CudaKernel.h"

namespace deepc::rt::cuda {

/// deepc.attention's operands, in order.
enum AttentionOperand {
  kAttnQ = 0,
  kAttnK,
  kAttnV,
  kAttnMask,
  kAttnGate,
  kAttnSinks
};

/// Everything of AttentionParams except the workspace and smCount.
Status buildAttentionParams(KernelContext &ctx, AttentionParams &p);

/// deepc.moe's operands, in order.
enum MoeOperand {
  kMoeHidden = 0,
  kMoeRouter,
  kMoeGate,
  kMoeUp,
  kMoeGateUp,
  kMoeDown,
  kMoeGateBias,
  kMoeUpBias,
  kMoeGateUpBias,
  kMoeDownBias,
  kMoeCorrectionBias,
  kMoeSharedGate,
  kMoeSharedUp,
  kMoeSharedDown,
  kMoeSharedExpertGate,
};

/// The shared experts of a deepc.moe step: every token through one gated
/// (or plain) MLP, optionally scaled by sigmoid(x · expertGate).
struct MoeSharedExperts {
  const void *gate = nullptr, *up = nullptr, *down = nullptr; ///< [Is, H] ...
  const void *expertGate = nullptr;                           ///< [H] or [1, H]
  DType expertGateDType = DType::F32;
  int64_t inter = 0; ///< Is: rows of shared_up
  bool present() const { return up != nullptr; }
};

/// MoeParams (except routerLogits, out's accumulation and the workspace)
/// and the shared experts of the step in `ctx`.
Status buildMoeParams(KernelContext &ctx, MoeParams &p,
                      MoeSharedExperts &shared);

/// Whether the CUDA kernels take the step's types (and, where the plan
/// knows them, its sizes); the others run on the host.
bool attentionSupports(const PlanStep &step, const Plan &plan);
bool moeSupports(const PlanStep &step, const Plan &plan);

/// Registers deepc.attention (AttentionAdapter.cpp) and deepc.moe
/// (MoeAdapter.cpp).
void registerAttentionKernel(CudaKernelRegistry &registry);
void registerMoeKernel(CudaKernelRegistry &registry);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_OPADAPTERS_H
