//===- MoeShared.h - the small kernels around launchMoe ---------*- C++ -*-===//
//
// What the deepc.moe adapter (MoeAdapter.cpp) launches besides cuBLASLt
// GEMMs and launchMoe: the shared experts' activation and output gate, and
// the capacity counters. Host declarations; MoeShared.cu has the kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_MOESHARED_H
#define DEEPC_RUNTIME_CUDA_MOESHARED_H

#include "cuda/moe/MoeKernels.h"

#include "deepc/rt/DType.h"

#include <cuda_runtime_api.h>

#include <cstdint>

namespace deepc::rt::cuda {

/// out[r, c] = act(gate[r, c]) · up[r, c] (gated), or act(up[r, c]) when
/// `gate` is null; f32 in, `outType` out, all [rows, cols] contiguous.
cudaError_t launchSharedActivation(const float *gate, const float *up,
                                   void *out, DType outType, int64_t rows,
                                   int64_t cols, MoeActivation act,
                                   cudaStream_t stream);

/// out[t, :] *= sigmoid(x[t, :] · gate) for each of `tokens` rows of
/// `hidden` elements: deepc.moe's shared_expert_gate.
cudaError_t launchSharedExpertGate(const void *x, DType xType, const void *gate,
                                   DType gateType, void *out, DType outType,
                                   int64_t tokens, int64_t hidden,
                                   cudaStream_t stream);

/// Adds Σ expertDropped[0..experts) to *droppedSlot and `routed` to
/// *routedSlot (either slot may be null).
cudaError_t launchMoeCounters(const int32_t *expertDropped, int64_t experts,
                              int64_t routed, unsigned long long *droppedSlot,
                              unsigned long long *routedSlot,
                              cudaStream_t stream);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_MOESHARED_H
