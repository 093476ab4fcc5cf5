//===- MoeStages.h - the stages launchMoe enqueues --------------*- C++ -*-===//
//
// Internal to runtime/src/cuda/moe: the workspace as typed device pointers
// and the launchers of each stage, one .cu file each.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_MOE_MOESTAGES_H
#define DEEPC_RUNTIME_CUDA_MOE_MOESTAGES_H

#include "MoeKernels.h"

namespace deepc::rt::cuda {

/// The workspace regions of MoeWorkspaceLayout, typed.
struct MoeBuffers {
  int32_t *slotExpert, *slotRank, *slotRow, *rowToken, *rowExpert;
  float *slotWeight;
  int32_t *expertCount, *expertDropped, *rowOffsets, *tileOffsets;
  float *projected;
  void *activated;
  float *expertOut;
};

MoeBuffers moeBuffers(void *workspace, const MoeWorkspaceLayout &layout);

/// Routing, capacity and the permutation by expert: fills the slot and row
/// arrays, the per-expert counts and the row and tile offsets.
cudaError_t launchMoeRouting(const MoeParams &p, const MoeBuffers &buf,
                             cudaStream_t stream);

/// C[r, n] = Σₖ A[row(r), k] · W_e[n, k] for the rows r of every expert e
/// (rows rowOffsets[e] .. rowOffsets[e + 1]), in f32. Row n of expert e's
/// weight is `first + e · firstExpertStride + n · k` for n < splitN, else
/// `second + e · secondExpertStride + (n - splitN) · k` (separate gate and
/// up weights read as one [2I, H] matrix).
struct GroupedGemm {
  const void *a = nullptr;
  int64_t lda = 0;
  /// Row r of A is a's row aRows[r] (the token of a slot), or r when null.
  const int32_t *aRows = nullptr;
  const void *first = nullptr, *second = nullptr;
  int64_t splitN = 0, firstExpertStride = 0, secondExpertStride = 0;
  int64_t n = 0, k = 0;
  float *c = nullptr;
  int64_t ldc = 0;
  const int32_t *rowOffsets = nullptr, *tileOffsets = nullptr;
  int64_t experts = 0;
  /// Upper bound of the row tiles (grid.x); tiles past the real count exit.
  int64_t maxRowTiles = 0;
};

/// One launch over every (expert, row tile) × column tile; bf16/f16 use
/// tensor cores (WMMA, f32 accumulators), f32 CUDA cores.
cudaError_t launchGroupedGemm(DType dtype, const GroupedGemm &g,
                              cudaStream_t stream);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_MOE_MOESTAGES_H
