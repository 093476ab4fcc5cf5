//===- AttentionPlan.h - tiling of the CUDA attention kernels ---*- C++ -*-===//
//
// Host-side decisions of the CUDA attention launcher, kept free of CUDA
// headers so that unit tests check them without a GPU: which kernel variant
// serves a head size, how query rows are packed and tiled, how many key
// splits a decode gets, and the shared-memory and workspace sizes. The
// positional rules (causal, window, global tokens) are shared with the
// device code so that kernel and tests agree on them by construction.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONPLAN_H
#define DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONPLAN_H

#include "core/HostDevice.h"

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cuda {

/// deepc.attention's positional rules, step 5 of the op's definition.
struct AttentionPositionRules {
  bool causal = false;
  int64_t windowLeft = -1, windowRight = -1, globalTokens = 0;
};

/// Whether the rules drop the pair of the query at absolute position `pos`
/// and key `j` (the CPU kernel's droppedByPosition, verbatim).
DEEPC_HOST_DEVICE inline bool
attentionDropsPair(const AttentionPositionRules &r, int64_t pos, int64_t j) {
  if (r.causal && j > pos)
    return true;
  if (j < r.globalTokens || pos < r.globalTokens)
    return false;
  if (r.windowLeft >= 0 && pos - j > r.windowLeft)
    return true;
  if (r.windowRight >= 0 && j - pos > r.windowRight)
    return true;
  return false;
}

/// Whether the rules drop every pair of queries at positions
/// [posFirst, posLast] and keys [jFirst, jLast], so that a kernel may skip
/// the key tile. Conservative: false means "maybe not all".
DEEPC_HOST_DEVICE inline bool
attentionDropsKeyTile(const AttentionPositionRules &r, int64_t posFirst,
                      int64_t posLast, int64_t jFirst, int64_t jLast) {
  // Causal: every key lies after every query.
  if (r.causal && jFirst > posLast)
    return true;
  // A global token on either side escapes the window.
  if (jFirst < r.globalTokens || posFirst < r.globalTokens)
    return false;
  // The closest pair is (posFirst, jLast) for the left bound and
  // (posLast, jFirst) for the right one.
  if (r.windowLeft >= 0 && posFirst - jLast > r.windowLeft)
    return true;
  if (r.windowRight >= 0 && jFirst - posLast > r.windowRight)
    return true;
  return false;
}

/// The kernel variants: head sizes compiled in, or read at run time.
enum class AttentionVariant : uint8_t {
  Head64,  ///< Dk = Dv = 64
  Head128, ///< Dk = Dv = 128
  Generic, ///< any Dk, Dv <= kAttentionMaxHeadDim
};

constexpr int64_t kAttentionMaxHeadDim = 256;
/// Keys per shared-memory tile: one per lane of a warp.
constexpr int kAttentionKeyTile = 32;
/// Warps per block; each owns `rowsPerWarp` query rows.
constexpr int kAttentionWarps = 4;

/// What the plan needs to know about one attention call.
struct AttentionDims {
  int64_t batch = 0, heads = 0, kvHeads = 0, seq = 0, kvSeq = 0, headDim = 0,
          vHeadDim = 0;
  /// A gate per (query, key) pair reads the query head's own gate tile, so
  /// the heads sharing a kv head cannot share a block.
  bool gatePerPair = false;
  /// Multiprocessors on the device (0: assume an H100's 132).
  int smCount = 0;
};

/// How the launcher runs one call. Rows: the query heads sharing a kv head
/// (`packedHeads` of them) are packed into one row space of
/// `packedHeads * seq` rows (row r is head r / seq, query r % seq), so a
/// decode step of grouped-query attention reads each key tile once for the
/// whole group. A block takes `rowsPerBlock` consecutive rows and a range of
/// key tiles (`keyTilesPerSplit` of them; one split is the whole sequence).
struct AttentionPlan {
  AttentionVariant variant = AttentionVariant::Generic;
  int rowsPerWarp = 4;
  int rowsPerBlock = 16;
  int64_t packedHeads = 1;
  int64_t rowsPerGroup = 0; ///< packedHeads * seq
  int64_t headGroups = 0;   ///< heads / packedHeads (grid.y)
  int64_t rowTiles = 0;     ///< ceil(rowsPerGroup / rowsPerBlock) (grid.x)
  int64_t keyTiles = 0;     ///< ceil(kvSeq / kAttentionKeyTile)
  int64_t splits = 1;       ///< key splits; grid.z = batch * splits
  int64_t keyTilesPerSplit = 0;
  /// Shared memory, in floats from the start of the dynamic buffer: the
  /// query tile [rowsPerBlock][Dk], keys [32][keyStride], values [32][Dv],
  /// probabilities [rowsPerBlock][32] and, for a per-pair gate, gate columns
  /// [32][keyStride].
  int64_t queryOffset = 0, keyOffset = 0, valueOffset = 0, probOffset = 0,
          gateOffset = 0;
  /// The padded key row: lane j reads key j's columns d.. at the same time
  /// as the other lanes, so rows are padded off the 32 banks: by 4 floats
  /// when Dk % 4 == 0 (16-byte reads, conflict-free per quarter warp), else
  /// by 1 (single words).
  int64_t keyStride = 1;
  size_t sharedBytes = 0;
  /// With splits > 1, each split's unnormalized output [splits][B][Hq][Sq][Dv]
  /// and its running max and sum [splits][B][Hq][Sq] (f32, 256-byte aligned
  /// regions in this order); 0 otherwise.
  size_t partialOutputOffset = 0, partialMaxOffset = 0, partialSumOffset = 0;
  size_t workspaceBytes = 0;
};

/// Plans one call; returns nullptr on success or a message naming what the
/// kernels do not support.
const char *planAttention(const AttentionDims &dims, AttentionPlan &plan);

/// The key tiles [begin, end) that key split `split` reads.
DEEPC_HOST_DEVICE inline void attentionSplitTiles(const AttentionPlan &plan,
                                                  int64_t split, int64_t &begin,
                                                  int64_t &end) {
  begin = split * plan.keyTilesPerSplit;
  end = begin + plan.keyTilesPerSplit;
  if (end > plan.keyTiles)
    end = plan.keyTiles;
}

/// The query indices [first, last] the rows of row tile `rowTile` hold:
/// exact when the tile lies within one head, all `seq` of them when it
/// straddles heads (conservative, for skipping key tiles).
DEEPC_HOST_DEVICE inline void attentionTileQueries(const AttentionPlan &plan,
                                                   int64_t seq, int64_t rowTile,
                                                   int64_t &first,
                                                   int64_t &last) {
  int64_t row0 = rowTile * plan.rowsPerBlock;
  int64_t rowLast = row0 + plan.rowsPerBlock - 1;
  if (rowLast >= plan.rowsPerGroup)
    rowLast = plan.rowsPerGroup - 1;
  first = 0;
  last = seq - 1;
  if (row0 / seq == rowLast / seq) {
    first = row0 % seq;
    last = rowLast % seq;
  }
}

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_ATTENTION_ATTENTIONPLAN_H
