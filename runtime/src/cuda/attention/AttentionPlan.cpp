//===- AttentionPlan.cpp - tiling of the CUDA attention kernels -----------===//

#include "AttentionPlan.h"

#include <algorithm>

namespace deepc::rt::cuda {
namespace {

constexpr int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
constexpr size_t alignUp(size_t n) { return (n + 255) / 256 * 256; }

/// Blocks per multiprocessor a call should offer before splitting keys: two
/// keep every multiprocessor busy while another block waits on memory.
constexpr int64_t kBlocksPerSm = 2;
/// Fewest key tiles (of 32) a split should take, so that the partial
/// results it writes stay small beside the keys it reads.
constexpr int64_t kMinTilesPerSplit = 4;
constexpr int64_t kMaxSplits = 64;
constexpr int64_t kMaxGridYZ = 65535;

} // namespace

const char *planAttention(const AttentionDims &d, AttentionPlan &plan) {
  plan = AttentionPlan();
  if (d.batch < 0 || d.seq < 0 || d.kvSeq < 0 || d.headDim < 0 ||
      d.vHeadDim < 0)
    return "attention dimensions must be non-negative";
  if (d.heads < 1 || d.kvHeads < 1 || d.heads % d.kvHeads != 0)
    return "num_heads must be a positive multiple of num_kv_heads";
  if (d.headDim > kAttentionMaxHeadDim || d.vHeadDim > kAttentionMaxHeadDim)
    return "the CUDA attention kernels take head dimensions up to 256";

  if (d.headDim == 64 && d.vHeadDim == 64)
    plan.variant = AttentionVariant::Head64;
  else if (d.headDim == 128 && d.vHeadDim == 128)
    plan.variant = AttentionVariant::Head128;
  else
    plan.variant = AttentionVariant::Generic;

  plan.packedHeads = d.gatePerPair ? 1 : d.heads / d.kvHeads;
  plan.headGroups = d.heads / plan.packedHeads;
  plan.rowsPerGroup = plan.packedHeads * d.seq;
  // Big row spaces (prefill) take the tallest tile the registers allow: the
  // generic variant keeps 8 output columns per lane, so half the rows.
  int tall = plan.variant == AttentionVariant::Generic ? 8 : 16;
  plan.rowsPerWarp =
      plan.rowsPerGroup >= int64_t(tall) * kAttentionWarps ? tall : 4;
  plan.rowsPerBlock = plan.rowsPerWarp * kAttentionWarps;
  plan.rowTiles = ceilDiv(plan.rowsPerGroup, plan.rowsPerBlock);
  plan.keyTiles = ceilDiv(d.kvSeq, kAttentionKeyTile);

  // Flash-decoding: when the (batch, head group, row tile) blocks cannot
  // fill the device, split the keys and combine the partial softmaxes.
  int64_t blocks = plan.rowTiles * plan.headGroups * d.batch;
  int64_t target = kBlocksPerSm * (d.smCount > 0 ? d.smCount : 132);
  plan.splits = 1;
  if (blocks > 0 && blocks < target && plan.keyTiles >= 2 * kMinTilesPerSplit) {
    int64_t want = ceilDiv(target, blocks);
    plan.splits =
        std::min({want, plan.keyTiles / kMinTilesPerSplit, kMaxSplits});
    plan.splits = std::max<int64_t>(plan.splits, 1);
  }
  plan.keyTilesPerSplit =
      plan.keyTiles > 0 ? ceilDiv(plan.keyTiles, plan.splits) : 0;
  // No split may be empty: recount after rounding the tiles per split up.
  if (plan.keyTilesPerSplit > 0)
    plan.splits = ceilDiv(plan.keyTiles, plan.keyTilesPerSplit);
  if (plan.headGroups > kMaxGridYZ || d.batch * plan.splits > kMaxGridYZ)
    return "too many heads or batch entries for one attention launch";

  int64_t rows = plan.rowsPerBlock, dk = d.headDim, dv = d.vHeadDim;
  plan.keyStride = dk % 4 == 0 ? dk + 4 : dk + 1;
  // Every region starts 16-byte aligned when Dk % 4 == 0 (the vector case).
  plan.queryOffset = 0;
  plan.keyOffset = plan.queryOffset + rows * dk;
  plan.valueOffset = plan.keyOffset + kAttentionKeyTile * plan.keyStride;
  plan.probOffset = plan.valueOffset + kAttentionKeyTile * dv;
  plan.gateOffset = plan.probOffset + rows * kAttentionKeyTile;
  int64_t floats = plan.gateOffset +
                   (d.gatePerPair ? kAttentionKeyTile * plan.keyStride : 0);
  plan.sharedBytes = size_t(floats) * sizeof(float);

  if (plan.splits > 1) {
    size_t partialRows = size_t(plan.splits * d.batch * d.heads * d.seq);
    plan.partialOutputOffset = 0;
    plan.partialMaxOffset = alignUp(partialRows * size_t(dv) * sizeof(float));
    plan.partialSumOffset =
        plan.partialMaxOffset + alignUp(partialRows * sizeof(float));
    plan.workspaceBytes =
        plan.partialSumOffset + alignUp(partialRows * sizeof(float));
  }
  return nullptr;
}

} // namespace deepc::rt::cuda
