//===- MoeKernels.h - deepc.moe's routed experts on CUDA --------*- C++ -*-===//
//
// The launcher the CUDA backend calls for deepc.moe, after it computed the
// router logits (a cuBLASLt GEMM, x · router_weightᵀ) and, when the layer
// has shared experts, their output. On the stream it enqueues:
//
//   1. routing: softmax or sigmoid, correction bias for selection,
//      group-limited top-k (max or top2_sum), renormalize, routed scaling;
//   2. capacity and permutation: each expert's slots ranked in token order
//      (the first `capacity` kept), a counting sort of the kept (token,
//      choice) slots by expert, and each expert's first row and row tile;
//   3. a grouped GEMM over all experts' contiguous row blocks (one launch,
//      tile → (expert, row tile)) for gate|up, reading the tokens' rows
//      directly; the (gated) activation with the projection biases;
//   4. a grouped GEMM for down;
//   5. combine: each token's weighted expert outputs (plus down_bias), in
//      choice order, added to the output (or written, see `accumulate`).
//
// Semantics are deepc.moe's (DeepcNNOps.td) as the CPU kernel
// (runtime/src/cpu/Moe.cpp) computes them; f32 accumulation throughout.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_MOE_MOEKERNELS_H
#define DEEPC_RUNTIME_CUDA_MOE_MOEKERNELS_H

#include "MoePlan.h"

#include "deepc/rt/DType.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cuda {

enum class MoeActivation : uint8_t { Silu, Gelu, GeluTanh, Relu };

/// One deepc.moe call's routed experts. Every pointer is device memory and
/// every tensor contiguous, in the op's layouts.
struct MoeParams {
  /// The element type of the hidden states, the expert weights and the
  /// output: F32 (CUDA-core GEMMs) or BF16/F16 (tensor-core GEMMs).
  DType dtype = DType::F32;
  int64_t tokens = 0, hidden = 0, experts = 0, inter = 0, topK = 1;

  const float *routerLogits = nullptr; ///< [T, E], f32, the caller's GEMM
  const void *hiddenStates = nullptr;  ///< [T, H]
  const void *wGate = nullptr, *wUp = nullptr; ///< [E, I, H] each
  const void *wGateUp = nullptr;               ///< [E, 2I, H], gate rows first
  const void *wDown = nullptr;                 ///< [E, H, I]
  /// Optional biases ([E, I], [E, I], [E, 2I], [E, H]) and correction bias
  /// ([E]), all of `biasDType`.
  const void *gateBias = nullptr, *upBias = nullptr, *gateUpBias = nullptr,
             *downBias = nullptr, *correctionBias = nullptr;
  DType biasDType = DType::F32;

  // Routing attributes, as the op names them.
  bool sigmoidRouter = false; ///< router = sigmoid (else softmax)
  bool renormalize = false;
  int64_t groups = 1;          ///< n_group
  int64_t topGroups = 1;       ///< topk_group
  bool groupTop2Sum = true;    ///< group_score = top2_sum (else max)
  double routedScaling = 1.0;  ///< routed_scaling_factor
  double capacityFactor = 0.0; ///< 0: no capacity
  bool gated = true;
  MoeActivation activation = MoeActivation::Silu;

  /// [T, H]. With `accumulate`, it holds the shared experts' output (already
  /// gated) and the routed experts' sum is added to it; else overwritten.
  void *out = nullptr;
  bool accumulate = false;

  /// moeWorkspaceBytes() of device scratch, 256-byte aligned. After the
  /// launch it holds, at moeWorkspaceLayout()'s offsets, the routing (slot
  /// experts and weights) and the rows kept and dropped per expert
  /// (`expertCount`, `expertDropped`, int32 [E]) for counters.
  void *workspace = nullptr;
  size_t workspaceBytes = 0;
};

/// The plan's dimensions for `p`.
MoeDims moeDims(const MoeParams &p);

/// The workspace layout for `p`; returns nullptr or why `p` is unsupported.
const char *moeWorkspaceLayout(const MoeParams &p, MoeWorkspaceLayout &layout);

/// Bytes of workspace `launchMoe` needs for `p`: for slots = T · top_k and
/// width = 2I (gated) or I, about slots · (24 + 4·width + elem·I + 4·H) +
/// 16·E, each region rounded up to 256 bytes. SIZE_MAX when unsupported.
size_t moeWorkspaceBytes(const MoeParams &p);

/// The capacity per expert `launchMoe` applies (INT64_MAX: none).
int64_t moeCapacity(const MoeParams &p);

/// Enqueues the routed experts of `p` on `stream`. Returns
/// cudaErrorInvalidValue for what the kernels do not support (a missing
/// weight, more than 1024 experts, a dtype other than f32/bf16/f16, too
/// small a workspace), otherwise the first launch error. Does not
/// synchronize.
cudaError_t launchMoe(const MoeParams &p, cudaStream_t stream);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_MOE_MOEKERNELS_H
