//===- AttentionKernels.h - deepc.attention on CUDA -------------*- C++ -*-===//
//
// The launcher the CUDA backend calls for deepc.attention: a flash-attention
// kernel (tiles of queries and keys in shared memory, online softmax, never
// the whole score matrix) that also serves decode by splitting the keys
// across blocks and combining their partial softmaxes (flash-decoding).
// Semantics are deepc.attention's (DeepcNNOps.td) as the CPU kernel
// (runtime/src/cpu/Attention.cpp) computes them, in f32 whatever the
// storage type; a row whose every key is dropped gets zeros.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONKERNELS_H
#define DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONKERNELS_H

#include "AttentionPlan.h"

#include "deepc/rt/DType.h"

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cuda {

enum class AttentionMaskKind : uint8_t {
  None,
  Additive, ///< added to the score; of the query's dtype
  Bool,     ///< one byte per element: 0 drops the pair
};

/// One deepc.attention call. Every pointer is device memory. Strides are in
/// elements, for the [batch, head, sequence] dimensions; the head dimension
/// itself is contiguous (stride 1).
struct AttentionParams {
  /// The element type of q, k, v, out and an additive mask: F32, BF16 or F16.
  DType dtype = DType::F32;
  const void *q = nullptr; ///< [B, Hq, Sq, Dk]
  const void *k = nullptr; ///< [B, Hkv, Skv, Dk]
  const void *v = nullptr; ///< [B, Hkv, Skv, Dv]
  void *out = nullptr;     ///< [B, Hq, Sq, Dv]
  int64_t batch = 0, heads = 0, kvHeads = 0, seq = 0, kvSeq = 0, headDim = 0,
          vHeadDim = 0;
  int64_t qStrides[3] = {0, 0, 0}, kStrides[3] = {0, 0, 0},
          vStrides[3] = {0, 0, 0}, outStrides[3] = {0, 0, 0};

  /// The resolved scale (the op's, or 1/sqrt(Dk)).
  float scale = 1.0f;
  float softcap = 0.0f; ///< 0: off
  AttentionPositionRules rules;

  /// The mask, broadcast to [B, Hq, Sq, Skv] by its strides (0 on a
  /// broadcast dimension, as the CPU kernel's broadcastStrides gives).
  AttentionMaskKind maskKind = AttentionMaskKind::None;
  const void *mask = nullptr;
  int64_t maskStrides[4] = {0, 0, 0, 0};

  /// The sigmoid gate, [Hq, Dk, 1] or [Hq, Dk, Skv], contiguous, of
  /// `gateDType`. `gatePerPair` as the CPU kernel decides it:
  /// `shape[2] != 1 || Skv == 1`.
  const void *gate = nullptr;
  DType gateDType = DType::F32;
  bool gatePerPair = false;

  /// The sink logits [Hq], of `sinksDType`.
  const void *sinks = nullptr;
  DType sinksDType = DType::F32;

  /// Scratch for split-key decoding, attentionWorkspaceBytes() of it
  /// (256-byte aligned); may be null when that is 0.
  void *workspace = nullptr;
  size_t workspaceBytes = 0;
  /// Multiprocessors on the device; decides the key splits (0: 132).
  int smCount = 0;
};

/// Fills the strides of contiguous [B, H, S, D] q, k, v and out.
void setContiguousAttentionStrides(AttentionParams &p);

/// The plan's dimensions for `p`.
AttentionDims attentionDims(const AttentionParams &p);

/// Device scratch `launchAttention` needs for `p` (0 when it splits no keys).
/// Returns SIZE_MAX when the kernels do not support `p` at all.
size_t attentionWorkspaceBytes(const AttentionParams &p);

/// Enqueues the attention of `p` on `stream`. Returns cudaErrorInvalidValue
/// when the kernels do not support the call (head dimension over 256, a
/// dtype other than f32/bf16/f16, too small a workspace), otherwise the
/// launch's error. Does not synchronize.
cudaError_t launchAttention(const AttentionParams &p, cudaStream_t stream);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONKERNELS_H
