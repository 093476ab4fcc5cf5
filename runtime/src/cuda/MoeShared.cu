//===- MoeShared.cu - shared experts' activation, gate; MoE counters ------===//

#include "cuda/DeviceMath.cuh"
#include "cuda/MoeShared.h"

namespace deepc::rt::cuda {
namespace {

/// The CPU kernel's activations (runtime/src/cpu/Moe.cpp), in f32.
__device__ float activate(MoeActivation act, float x) {
  switch (act) {
  case MoeActivation::Silu:
    return x / (1.0f + expf(-x));
  case MoeActivation::Gelu:
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
  case MoeActivation::GeluTanh: {
    const float c = 0.7978845608028654f; // sqrt(2 / pi)
    return 0.5f * x * (1.0f + tanhf(c * (x + 0.044715f * x * x * x)));
  }
  case MoeActivation::Relu:
    return x > 0.0f ? x : 0.0f;
  }
  return x;
}

__global__ void sharedActivationKernel(const float *gate, const float *up,
                                       void *out, DType outType, int64_t n,
                                       MoeActivation act) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float v = gate ? activate(act, gate[i]) * up[i] : activate(act, up[i]);
    storeFloat(out, outType, i, v);
  }
}

/// One block per token (grid-stride): the dot product, then the scaling.
__global__ void sharedExpertGateKernel(const void *x, DType xType,
                                       const void *gate, DType gateType,
                                       void *out, DType outType, int64_t tokens,
                                       int64_t hidden) {
  __shared__ float shared[32];
  for (int64_t t = blockIdx.x; t < tokens; t += gridDim.x) {
    float dot = 0;
    for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x)
      dot += loadFloat(x, xType, t * hidden + c) * loadFloat(gate, gateType, c);
    dot = blockReduce(dot, SumOp(), 0.0f, shared);
    float g = 1.0f / (1.0f + expf(-dot));
    for (int64_t c = threadIdx.x; c < hidden; c += blockDim.x)
      storeFloat(out, outType, t * hidden + c,
                 loadFloat(out, outType, t * hidden + c) * g);
  }
}

__global__ void moeCountersKernel(const int32_t *expertDropped, int64_t experts,
                                  int64_t routed,
                                  unsigned long long *droppedSlot,
                                  unsigned long long *routedSlot) {
  __shared__ unsigned long long shared[32];
  unsigned long long sum = 0;
  for (int64_t e = threadIdx.x; e < experts; e += blockDim.x)
    sum += static_cast<unsigned long long>(expertDropped[e]);
  sum = blockReduce(sum, SumOp(), 0ull, shared);
  if (threadIdx.x == 0) {
    if (droppedSlot)
      atomicAdd(droppedSlot, sum);
    if (routedSlot)
      atomicAdd(routedSlot, static_cast<unsigned long long>(routed));
  }
}

} // namespace

cudaError_t launchSharedActivation(const float *gate, const float *up,
                                   void *out, DType outType, int64_t rows,
                                   int64_t cols, MoeActivation act,
                                   cudaStream_t stream) {
  int64_t n = rows * cols;
  if (n == 0)
    return cudaSuccess;
  sharedActivationKernel<<<gridFor(n), kThreadsPerBlock, 0, stream>>>(
      gate, up, out, outType, n, act);
  return cudaGetLastError();
}

cudaError_t launchSharedExpertGate(const void *x, DType xType, const void *gate,
                                   DType gateType, void *out, DType outType,
                                   int64_t tokens, int64_t hidden,
                                   cudaStream_t stream) {
  if (tokens == 0 || hidden == 0)
    return cudaSuccess;
  unsigned blocks = unsigned(tokens < kMaxBlocks ? tokens : kMaxBlocks);
  sharedExpertGateKernel<<<blocks, kThreadsPerBlock, 0, stream>>>(
      x, xType, gate, gateType, out, outType, tokens, hidden);
  return cudaGetLastError();
}

cudaError_t launchMoeCounters(const int32_t *expertDropped, int64_t experts,
                              int64_t routed, unsigned long long *droppedSlot,
                              unsigned long long *routedSlot,
                              cudaStream_t stream) {
  moeCountersKernel<<<1, kThreadsPerBlock, 0, stream>>>(
      expertDropped, experts, routed, droppedSlot, routedSlot);
  return cudaGetLastError();
}

} // namespace deepc::rt::cuda
