//===- MoeKernels.cu - deepc.moe's routed experts on CUDA -----------------===//
//
// launchMoe: checks the call, then enqueues routing and permutation
// (MoeRouting.cu), the gate|up grouped GEMM (MoeGroupedGemm.cu), the
// activation, the down grouped GEMM and the combine (both below).
//
//===----------------------------------------------------------------------===//

#include "MoeStages.h"

#include "../attention/ElementAccess.cuh"

#include <algorithm>
#include <cmath>

namespace deepc::rt::cuda {
namespace {

__device__ __forceinline__ float activate(MoeActivation act, float x) {
  switch (act) {
  case MoeActivation::Silu:
    return x * sigmoidF32(x);
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

__device__ __forceinline__ float bias(const MoeParams &p, const void *b,
                                      int64_t i) {
  return b ? loadAsF32(b, p.biasDType, i) : 0.0f;
}

/// The activation of every kept row: act(gate + biases) · (up + biases), or
/// act(up + bias) when not gated, from the f32 projections [rows, width]
/// into the down GEMM's input [rows, I] of the storage type. Grid-stride
/// over the largest possible row count; the real one (rowOffsets[E]) is
/// read on the device. Elementwise: no shared memory, no barrier.
template <typename T>
__global__ void activationKernel(MoeParams p, MoeBuffers buf, int64_t width) {
  const int64_t inter = p.inter;
  const int64_t total = int64_t(buf.rowOffsets[p.experts]) * inter;
  T *out = static_cast<T *>(buf.activated);
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
       idx < total; idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t row = idx / inter, c = idx % inter;
    int64_t e = buf.rowExpert[row];
    const float *h = buf.projected + row * width;
    float y;
    if (!p.gated) {
      y = activate(p.activation, h[c] + bias(p, p.upBias, e * inter + c));
    } else {
      float g = h[c], u = h[inter + c];
      g += bias(p, p.gateUpBias, e * 2 * inter + c);
      u += bias(p, p.gateUpBias, e * 2 * inter + inter + c);
      g += bias(p, p.gateBias, e * inter + c);
      u += bias(p, p.upBias, e * inter + c);
      y = activate(p.activation, g) * u;
    }
    out[idx] = fromF32<T>(y);
  }
}

/// out[t, c] (+)= Σⱼ weight[t, j] · (expertOut[row(t, j), c] + down_bias),
/// over the kept choices in choice order, as the CPU kernel sums them.
/// Elementwise over [T, H]: no shared memory, no barrier.
template <typename T>
__global__ void combineKernel(MoeParams p, MoeBuffers buf) {
  const int64_t H = p.hidden, K = p.topK, total = p.tokens * H;
  T *out = static_cast<T *>(p.out);
  for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
       idx < total; idx += int64_t(gridDim.x) * blockDim.x) {
    int64_t t = idx / H, c = idx % H;
    float y = p.accumulate ? toF32(out[idx]) : 0.0f;
    for (int64_t j = 0; j < K; ++j) {
      int32_t row = buf.slotRow[t * K + j];
      if (row < 0)
        continue;
      int64_t e = buf.slotExpert[t * K + j];
      float v =
          buf.expertOut[int64_t(row) * H + c] + bias(p, p.downBias, e * H + c);
      y += buf.slotWeight[t * K + j] * v;
    }
    out[idx] = fromF32<T>(y);
  }
}

/// Blocks for a grid-stride loop over `n` elements: enough to fill any
/// device, few enough that each thread loops a little.
unsigned elementwiseBlocks(int64_t n) {
  return unsigned(std::clamp<int64_t>((n + 255) / 256, 1, 8192));
}

template <typename T>
cudaError_t launchElementwise(const MoeParams &p, const MoeBuffers &buf,
                              const MoeWorkspaceLayout &w, cudaStream_t stream,
                              bool activation) {
  if (activation)
    activationKernel<T>
        <<<elementwiseBlocks(w.slots * p.inter), 256, 0, stream>>>(p, buf,
                                                                   w.width);
  else
    combineKernel<T>
        <<<elementwiseBlocks(p.tokens * p.hidden), 256, 0, stream>>>(p, buf);
  return cudaGetLastError();
}

cudaError_t launchElementwise(const MoeParams &p, const MoeBuffers &buf,
                              const MoeWorkspaceLayout &w, cudaStream_t stream,
                              bool activation) {
  switch (p.dtype) {
  case DType::BF16:
    return launchElementwise<__nv_bfloat16>(p, buf, w, stream, activation);
  case DType::F16:
    return launchElementwise<__half>(p, buf, w, stream, activation);
  default:
    return launchElementwise<float>(p, buf, w, stream, activation);
  }
}

/// Whether `p` names the weights its gating needs, and nothing else.
bool weightsMatchGating(const MoeParams &p) {
  if (!p.wDown)
    return false;
  if (!p.gated)
    return p.wUp && !p.wGate && !p.wGateUp && !p.gateBias && !p.gateUpBias;
  bool separate = p.wGate && p.wUp && !p.wGateUp && !p.gateUpBias;
  bool fused = p.wGateUp && !p.wGate && !p.wUp && !p.gateBias && !p.upBias;
  return separate || fused;
}

} // namespace

MoeBuffers moeBuffers(void *workspace, const MoeWorkspaceLayout &w) {
  char *base = static_cast<char *>(workspace);
  auto i32 = [base](size_t offset) {
    return reinterpret_cast<int32_t *>(base + offset);
  };
  auto f32 = [base](size_t offset) {
    return reinterpret_cast<float *>(base + offset);
  };
  MoeBuffers b;
  b.slotExpert = i32(w.slotExpert);
  b.slotRank = i32(w.slotRank);
  b.slotRow = i32(w.slotRow);
  b.rowToken = i32(w.rowToken);
  b.rowExpert = i32(w.rowExpert);
  b.slotWeight = f32(w.slotWeight);
  b.expertCount = i32(w.expertCount);
  b.expertDropped = i32(w.expertDropped);
  b.rowOffsets = i32(w.rowOffsets);
  b.tileOffsets = i32(w.tileOffsets);
  b.projected = f32(w.projected);
  b.activated = base + w.activated;
  b.expertOut = f32(w.expertOut);
  return b;
}

MoeDims moeDims(const MoeParams &p) {
  MoeDims d;
  d.tokens = p.tokens;
  d.hidden = p.hidden;
  d.experts = p.experts;
  d.inter = p.inter;
  d.topK = p.topK;
  d.groups = p.groups;
  d.gated = p.gated;
  d.elementBytes = int64_t(dtypeSize(p.dtype));
  return d;
}

const char *moeWorkspaceLayout(const MoeParams &p, MoeWorkspaceLayout &w) {
  if (p.dtype != DType::F32 && p.dtype != DType::BF16 && p.dtype != DType::F16)
    return "the CUDA MoE kernels take f32, bf16 or f16";
  if (p.topGroups < 1 || p.topGroups > p.groups)
    return "topk_group must be between 1 and n_group";
  return planMoe(moeDims(p), w);
}

size_t moeWorkspaceBytes(const MoeParams &p) {
  MoeWorkspaceLayout w;
  return moeWorkspaceLayout(p, w) ? SIZE_MAX : w.totalBytes;
}

int64_t moeCapacity(const MoeParams &p) {
  return moeCapacity(p.capacityFactor, p.tokens, p.topK, p.experts);
}

cudaError_t launchMoe(const MoeParams &p, cudaStream_t stream) {
  MoeWorkspaceLayout w;
  if (moeWorkspaceLayout(p, w) || !weightsMatchGating(p) || !p.out ||
      (p.tokens > 0 && (!p.routerLogits || !p.hiddenStates)))
    return cudaErrorInvalidValue;
  if (!p.workspace || p.workspaceBytes < w.totalBytes ||
      reinterpret_cast<uintptr_t>(p.workspace) % 256 != 0)
    return cudaErrorInvalidValue;
  if (p.tokens == 0)
    return cudaSuccess;
  MoeBuffers buf = moeBuffers(p.workspace, w);
  cudaError_t err = launchMoeRouting(p, buf, stream);
  if (err != cudaSuccess)
    return err;

  int64_t H = p.hidden, I = p.inter;
  GroupedGemm up;
  up.a = p.hiddenStates;
  up.lda = H;
  up.aRows = buf.rowToken;
  if (p.wGateUp) {
    up.first = p.wGateUp;
    up.splitN = 2 * I;
    up.firstExpertStride = 2 * I * H;
  } else if (p.gated) {
    up.first = p.wGate;
    up.second = p.wUp;
    up.splitN = I;
    up.firstExpertStride = up.secondExpertStride = I * H;
  } else {
    up.first = p.wUp;
    up.splitN = I;
    up.firstExpertStride = I * H;
  }
  up.n = w.width;
  up.k = H;
  up.c = buf.projected;
  up.ldc = w.width;
  up.rowOffsets = buf.rowOffsets;
  up.tileOffsets = buf.tileOffsets;
  up.experts = p.experts;
  up.maxRowTiles = w.maxRowTiles;
  if ((err = launchGroupedGemm(p.dtype, up, stream)) != cudaSuccess)
    return err;
  if (I > 0 && (err = launchElementwise(p, buf, w, stream,
                                        /*activation=*/true)) != cudaSuccess)
    return err;

  GroupedGemm down = up;
  down.a = buf.activated;
  down.lda = I;
  down.aRows = nullptr;
  down.first = p.wDown;
  down.second = nullptr;
  down.splitN = H;
  down.firstExpertStride = H * I;
  down.secondExpertStride = 0;
  down.n = H;
  down.k = I;
  down.c = buf.expertOut;
  down.ldc = H;
  if ((err = launchGroupedGemm(p.dtype, down, stream)) != cudaSuccess)
    return err;
  if (H == 0)
    return cudaSuccess;
  return launchElementwise(p, buf, w, stream, /*activation=*/false);
}

} // namespace deepc::rt::cuda
