//===- MoePlan.h - host-side plan of the CUDA MoE kernels -------*- C++ -*-===//
//
// What the CUDA MoE launcher decides on the host, kept free of CUDA headers
// so that unit tests check it without a GPU: the capacity per expert, the
// workspace layout, the grouped GEMM's tiles and the lookup that maps a
// tile to its (expert, row tile), which the device code shares.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_MOE_MOEPLAN_H
#define DEEPC_RUNTIME_CUDA_MOE_MOEPLAN_H

#include "core/HostDevice.h"

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cuda {

/// The grouped GEMM's block tile: rows (token slots) × output columns ×
/// reduction step.
constexpr int kMoeTileM = 64;
constexpr int kMoeTileN = 64;
constexpr int kMoeTileK = 32;
/// Routing keeps a token's scores in shared memory: this many experts fit.
constexpr int64_t kMoeMaxExperts = 1024;
/// Warps (tokens) per routing block.
constexpr int kMoeRoutingWarps = 4;

/// deepc.moe's capacity: with `capacityFactor > 0` each expert keeps at
/// most ceil(capacityFactor · tokens · topK / experts) (token, choice)
/// slots, as the CPU kernel computes it; otherwise every slot (INT64_MAX).
int64_t moeCapacity(double capacityFactor, int64_t tokens, int64_t topK,
                    int64_t experts);

/// An upper bound on the grouped GEMM's row tiles, Σₑ ceil(countₑ / 64),
/// over every way `slots` rows can fall to `experts` experts: each expert
/// with rows wastes less than one tile.
int64_t moeMaxRowTiles(int64_t slots, int64_t experts);

/// The expert whose row tiles hold tile `tile`, given the exclusive prefix
/// sums `tileOffsets[0..experts]` of each expert's row tiles; -1 when
/// `tile` is past the last one. Experts without rows own no tile.
DEEPC_HOST_DEVICE inline int64_t moeTileExpert(const int32_t *tileOffsets,
                                               int64_t experts, int64_t tile) {
  if (tile < 0 || tile >= tileOffsets[experts])
    return -1;
  // The last expert e with tileOffsets[e] <= tile; it owns a tile since
  // tileOffsets[e + 1] > tile follows from it being the last.
  int64_t lo = 0, hi = experts - 1;
  while (lo < hi) {
    int64_t mid = (lo + hi + 1) / 2;
    if (tileOffsets[mid] <= tile)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/// The rows [rowBegin, rowEnd) and expert of grouped-GEMM row tile `tile`,
/// given each expert's first row (`rowOffsets[0..experts]`) and first row
/// tile (`tileOffsets`, with tiles of kMoeTileM rows). False for a tile past
/// the last one.
DEEPC_HOST_DEVICE inline bool moeTileRows(const int32_t *rowOffsets,
                                          const int32_t *tileOffsets,
                                          int64_t experts, int64_t tile,
                                          int64_t &expert, int64_t &rowBegin,
                                          int64_t &rowEnd) {
  expert = moeTileExpert(tileOffsets, experts, tile);
  if (expert < 0)
    return false;
  rowBegin = rowOffsets[expert] + (tile - tileOffsets[expert]) * kMoeTileM;
  rowEnd = rowBegin + kMoeTileM;
  if (rowEnd > rowOffsets[expert + 1])
    rowEnd = rowOffsets[expert + 1];
  return true;
}

/// The sizes a MoE call needs planned.
struct MoeDims {
  int64_t tokens = 0, hidden = 0, experts = 0, inter = 0, topK = 0, groups = 1;
  bool gated = true;
  /// Bytes per element of the hidden states and weights (4, or 2 for
  /// bf16/f16).
  int64_t elementBytes = 4;
};

/// Byte offsets into the one device workspace a MoE call takes, each
/// region 256-byte aligned. `slots` = tokens · topK; rows are kept slots
/// grouped by expert, at most `slots` of them.
struct MoeWorkspaceLayout {
  size_t slotExpert = 0;    ///< int32 [slots]: chosen expert, -1 once dropped
  size_t slotWeight = 0;    ///< f32 [slots]: routing weight
  size_t slotRank = 0;      ///< int32 [slots]: rank among the expert's slots
  size_t slotRow = 0;       ///< int32 [slots]: row in expert order, -1 dropped
  size_t rowToken = 0;      ///< int32 [slots]: the token a row reads
  size_t rowExpert = 0;     ///< int32 [slots]: the expert of a row
  size_t expertCount = 0;   ///< int32 [E]: rows kept per expert
  size_t expertDropped = 0; ///< int32 [E]: slots capacity dropped
  size_t rowOffsets = 0;    ///< int32 [E + 1]: first row of each expert
  size_t tileOffsets = 0;   ///< int32 [E + 1]: first row tile of each expert
  size_t projected = 0;     ///< f32 [slots, width]: gate|up before activation
  size_t activated = 0;     ///< element [slots, inter]: the down GEMM's input
  size_t expertOut = 0;     ///< f32 [slots, hidden]: each row's expert output
  size_t totalBytes = 0;
  int64_t slots = 0;
  int64_t width = 0;       ///< 2 · inter when gated, inter otherwise
  int64_t maxRowTiles = 0; ///< moeMaxRowTiles(slots, experts)
};

/// Plans a call; returns nullptr on success or a message naming the limit
/// the kernels do not support.
const char *planMoe(const MoeDims &dims, MoeWorkspaceLayout &layout);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_MOE_MOEPLAN_H
