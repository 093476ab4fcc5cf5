//===- CudaKernelPlanTest.cpp - host-side plans of the CUDA kernels -------===//
//
// The CUDA attention and MoE kernels take their tiling, key splits,
// workspace layouts and tile schedules from host code that compiles
// without CUDA; these tests check it, including the helpers the device code
// shares (positional rules, tile → rows lookups), by walking the blocks a
// launch would run and counting what each covers.
//
//===----------------------------------------------------------------------===//

#include "cuda/attention/AttentionPlan.h"
#include "cuda/moe/MoePlan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <vector>

using namespace deepc::rt::cuda;

namespace {

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

AttentionDims dims(int64_t b, int64_t hq, int64_t hkv, int64_t sq, int64_t skv,
                   int64_t dk, int64_t dv) {
  AttentionDims d;
  d.batch = b;
  d.heads = hq;
  d.kvHeads = hkv;
  d.seq = sq;
  d.kvSeq = skv;
  d.headDim = dk;
  d.vHeadDim = dv;
  d.smCount = 132;
  return d;
}

TEST(CudaAttentionPlan, PositionRulesFollowTheOp) {
  AttentionPositionRules causal;
  causal.causal = true;
  EXPECT_FALSE(attentionDropsPair(causal, 5, 5));
  EXPECT_TRUE(attentionDropsPair(causal, 5, 6));

  AttentionPositionRules window;
  window.windowLeft = 2;
  window.windowRight = 1;
  EXPECT_FALSE(attentionDropsPair(window, 10, 8));
  EXPECT_TRUE(attentionDropsPair(window, 10, 7));
  EXPECT_FALSE(attentionDropsPair(window, 10, 11));
  EXPECT_TRUE(attentionDropsPair(window, 10, 12));

  // Global tokens escape the window on either side, never the causal rule.
  AttentionPositionRules global = window;
  global.causal = true;
  global.globalTokens = 2;
  EXPECT_FALSE(attentionDropsPair(global, 10, 1));
  EXPECT_TRUE(attentionDropsPair(global, 10, 2));
  EXPECT_FALSE(attentionDropsPair(global, 1, 0));
  EXPECT_TRUE(attentionDropsPair(global, 1, 5));
}

// A skipped key tile must hold no kept pair; and the causal and window
// cases that matter for speed must be skipped.
TEST(CudaAttentionPlan, KeyTileSkippingIsSoundAndUseful) {
  std::mt19937 rng(7);
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  int skipped = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    AttentionPositionRules r;
    r.causal = pick(0, 1);
    r.windowLeft = pick(-1, 20);
    r.windowRight = pick(-1, 20);
    r.globalTokens = pick(0, 1) ? pick(0, 6) : 0;
    int64_t p0 = pick(0, 80), p1 = p0 + pick(0, 20);
    int64_t j0 = pick(0, 100), j1 = j0 + pick(0, 31);
    if (!attentionDropsKeyTile(r, p0, p1, j0, j1))
      continue;
    ++skipped;
    for (int64_t pos = p0; pos <= p1; ++pos)
      for (int64_t j = j0; j <= j1; ++j)
        ASSERT_TRUE(attentionDropsPair(r, pos, j))
            << "pos " << pos << " key " << j << " in a skipped tile";
  }
  EXPECT_GT(skipped, 100);

  AttentionPositionRules causal;
  causal.causal = true;
  EXPECT_TRUE(attentionDropsKeyTile(causal, 0, 63, 64, 95));
  EXPECT_FALSE(attentionDropsKeyTile(causal, 0, 64, 64, 95));
  AttentionPositionRules sliding;
  sliding.windowLeft = 16;
  EXPECT_TRUE(attentionDropsKeyTile(sliding, 100, 110, 0, 31));
  EXPECT_FALSE(attentionDropsKeyTile(sliding, 100, 110, 64, 95));
  sliding.globalTokens = 1; // key 0 is global: the tile may not be skipped
  EXPECT_FALSE(attentionDropsKeyTile(sliding, 100, 110, 0, 31));
}

TEST(CudaAttentionPlan, VariantsByHeadSize) {
  AttentionPlan plan;
  ASSERT_EQ(planAttention(dims(1, 8, 8, 128, 128, 64, 64), plan), nullptr);
  EXPECT_EQ(plan.variant, AttentionVariant::Head64);
  ASSERT_EQ(planAttention(dims(1, 8, 8, 128, 128, 128, 128), plan), nullptr);
  EXPECT_EQ(plan.variant, AttentionVariant::Head128);
  // MLA (192-wide keys, 128-wide values) and the tiny corpus (16/24).
  ASSERT_EQ(planAttention(dims(1, 8, 8, 128, 128, 192, 128), plan), nullptr);
  EXPECT_EQ(plan.variant, AttentionVariant::Generic);
  ASSERT_EQ(planAttention(dims(2, 4, 2, 7, 9, 16, 24), plan), nullptr);
  EXPECT_EQ(plan.variant, AttentionVariant::Generic);

  EXPECT_NE(planAttention(dims(1, 8, 8, 4, 4, 320, 64), plan), nullptr);
  EXPECT_NE(planAttention(dims(1, 8, 3, 4, 4, 64, 64), plan), nullptr);
  EXPECT_NE(planAttention(dims(1, 0, 1, 4, 4, 64, 64), plan), nullptr);
}

TEST(CudaAttentionPlan, GroupedQueryDecodePacksHeadsAndSplitsKeys) {
  AttentionPlan plan;
  // Llama-style decode: 32 query heads over 8 kv heads, one query, 4096 keys.
  ASSERT_EQ(planAttention(dims(1, 32, 8, 1, 4096, 128, 128), plan), nullptr);
  EXPECT_EQ(plan.packedHeads, 4);
  EXPECT_EQ(plan.headGroups, 8);
  EXPECT_EQ(plan.rowsPerGroup, 4);
  EXPECT_EQ(plan.rowsPerWarp, 4);
  EXPECT_EQ(plan.rowTiles, 1);
  EXPECT_GT(plan.splits, 1);
  EXPECT_GE(plan.keyTilesPerSplit, 4);
  EXPECT_GT(plan.workspaceBytes, 0u);
  size_t rows = size_t(plan.splits * 32);
  EXPECT_GE(plan.partialMaxOffset, rows * 128 * sizeof(float));
  EXPECT_GE(plan.partialSumOffset - plan.partialMaxOffset,
            rows * sizeof(float));
  EXPECT_GE(plan.workspaceBytes - plan.partialSumOffset, rows * sizeof(float));
  EXPECT_EQ(plan.partialMaxOffset % 256, 0u);
  EXPECT_EQ(plan.partialSumOffset % 256, 0u);

  // A per-pair gate needs each head's own gate tile: no packing.
  AttentionDims gated = dims(1, 32, 8, 1, 4096, 128, 128);
  gated.gatePerPair = true;
  ASSERT_EQ(planAttention(gated, plan), nullptr);
  EXPECT_EQ(plan.packedHeads, 1);
  EXPECT_EQ(plan.headGroups, 32);
  EXPECT_GT(plan.gateOffset, plan.probOffset);
}

TEST(CudaAttentionPlan, PrefillNeedsNoWorkspace) {
  AttentionPlan plan;
  ASSERT_EQ(planAttention(dims(1, 32, 8, 4096, 4096, 128, 128), plan), nullptr);
  EXPECT_EQ(plan.rowsPerWarp, 16);
  EXPECT_EQ(plan.splits, 1);
  EXPECT_EQ(plan.workspaceBytes, 0u);
  // Short sequences never split, however idle the device.
  ASSERT_EQ(planAttention(dims(1, 1, 1, 1, 100, 64, 64), plan), nullptr);
  EXPECT_EQ(plan.splits, 1);
}

// Every configuration fits an A100's 163 KiB of shared memory (H100: 227).
TEST(CudaAttentionPlan, SharedMemoryFitsSm80) {
  AttentionPlan plan;
  for (int64_t dk : {16, 18, 64, 128, 192, 256})
    for (int64_t dv : {24, 64, 128, 256})
      for (int64_t sq : {1, 4096})
        for (bool gatePerPair : {false, true}) {
          AttentionDims d = dims(1, 8, 8, sq, 4096, dk, dv);
          d.gatePerPair = gatePerPair;
          ASSERT_EQ(planAttention(d, plan), nullptr);
          EXPECT_LE(plan.sharedBytes, 163u * 1024) << dk << "/" << dv;
          int64_t rows = plan.rowsPerBlock;
          EXPECT_EQ(plan.keyOffset, rows * dk);
          EXPECT_EQ(plan.keyStride, dk % 4 == 0 ? dk + 4 : dk + 1);
          EXPECT_EQ(plan.valueOffset - plan.keyOffset,
                    kAttentionKeyTile * plan.keyStride);
          if (dk % 4 == 0) { // 16-byte reads of queries, keys and gates
            for (int64_t offset : {plan.keyOffset, plan.valueOffset,
                                   plan.probOffset, plan.gateOffset})
              EXPECT_EQ(offset % 4, 0);
          }
          EXPECT_EQ(plan.probOffset - plan.valueOffset, kAttentionKeyTile * dv);
          EXPECT_EQ(plan.gateOffset - plan.probOffset,
                    rows * kAttentionKeyTile);
        }
}

// Walks the blocks of a launch as the kernel does (row tiles, key splits,
// skipped tiles) and checks that each (query row, key) pair the positional
// rules keep is scored by exactly one block.
TEST(CudaAttentionPlan, BlocksCoverEveryKeptPairOnce) {
  std::mt19937 rng(11);
  auto pick = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  for (int iter = 0; iter < 300; ++iter) {
    int64_t kvHeads = pick(1, 3), group = pick(1, 4);
    int64_t skv = pick(0, 700), sq = pick(1, std::max<int>(1, int(skv)));
    if (pick(0, 2) == 0)
      sq = 1; // decode
    AttentionDims d = dims(1, kvHeads * group, kvHeads, sq, skv, 64, 64);
    d.smCount = pick(1, 132);
    AttentionPositionRules r;
    r.causal = pick(0, 1);
    r.windowLeft = pick(0, 1) ? pick(0, 100) : -1;
    r.windowRight = pick(0, 1) ? pick(0, 100) : -1;
    r.globalTokens = pick(0, 1) ? pick(0, 5) : 0;

    AttentionPlan plan;
    ASSERT_EQ(planAttention(d, plan), nullptr);
    ASSERT_GE(plan.rowTiles * plan.rowsPerBlock, plan.rowsPerGroup);
    // Rows of the packed space x keys.
    std::vector<int> seen(size_t(plan.rowsPerGroup * skv), 0);
    int64_t offset = skv - sq;
    for (int64_t tile = 0; tile < plan.rowTiles; ++tile) {
      int64_t firstQuery, lastQuery;
      attentionTileQueries(plan, sq, tile, firstQuery, lastQuery);
      for (int64_t split = 0; split < plan.splits; ++split) {
        int64_t begin, end;
        attentionSplitTiles(plan, split, begin, end);
        ASSERT_LT(begin, std::max<int64_t>(end, 1)) << "empty split";
        for (int64_t kt = begin; kt < end; ++kt) {
          int64_t j0 = kt * kAttentionKeyTile;
          int64_t j1 = std::min<int64_t>(j0 + kAttentionKeyTile, skv) - 1;
          if (attentionDropsKeyTile(r, firstQuery + offset, lastQuery + offset,
                                    j0, j1))
            continue;
          for (int64_t row = tile * plan.rowsPerBlock;
               row < std::min<int64_t>((tile + 1) * plan.rowsPerBlock,
                                       plan.rowsPerGroup);
               ++row)
            for (int64_t j = j0; j <= j1; ++j)
              ++seen[size_t(row * skv + j)];
        }
      }
    }
    for (int64_t row = 0; row < plan.rowsPerGroup; ++row)
      for (int64_t j = 0; j < skv; ++j) {
        int64_t pos = row % sq + offset;
        int count = seen[size_t(row * skv + j)];
        if (attentionDropsPair(r, pos, j))
          ASSERT_LE(count, 1);
        else
          ASSERT_EQ(count, 1) << "row " << row << " key " << j;
      }
  }
}

//===----------------------------------------------------------------------===//
// MoE
//===----------------------------------------------------------------------===//

TEST(CudaMoePlan, CapacityMatchesTheCpuKernel) {
  EXPECT_EQ(moeCapacity(0.0, 10, 2, 4), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(moeCapacity(1.0, 10, 2, 4), 5); // 10 · 2 / 4
  EXPECT_EQ(moeCapacity(1.25, 3, 1, 2), 2); // ceil(1.875)
  EXPECT_EQ(moeCapacity(0.01, 3, 1, 8), 1); // never below one slot
  EXPECT_EQ(moeCapacity(2.0, 0, 2, 8), 0);
}

TEST(CudaMoePlan, TileLookupMatchesALinearScan) {
  std::mt19937 rng(3);
  for (int iter = 0; iter < 500; ++iter) {
    int64_t experts = std::uniform_int_distribution<int>(1, 40)(rng);
    std::vector<int32_t> rows(size_t(experts + 1), 0),
        tiles(size_t(experts + 1), 0);
    for (int64_t e = 0; e < experts; ++e) {
      // Many experts without rows, as decode has.
      int32_t count = rng() % 3 == 0 ? 0 : int32_t(rng() % 200);
      rows[e + 1] = rows[e] + count;
      tiles[e + 1] = tiles[e] + (count + kMoeTileM - 1) / kMoeTileM;
    }
    int64_t slots = rows[experts];
    ASSERT_GE(moeMaxRowTiles(slots, experts), tiles[experts]);
    std::vector<int> covered(size_t(slots), 0);
    for (int64_t t = 0; t < moeMaxRowTiles(slots, experts) + 2; ++t) {
      int64_t expected = -1;
      for (int64_t e = 0; e < experts; ++e)
        if (tiles[e] <= t && t < tiles[e + 1])
          expected = e;
      ASSERT_EQ(moeTileExpert(tiles.data(), experts, t), expected);
      int64_t e, begin, end;
      if (!moeTileRows(rows.data(), tiles.data(), experts, t, e, begin, end))
        continue;
      ASSERT_GE(begin, rows[e]);
      ASSERT_LE(end, rows[e + 1]);
      ASSERT_LT(begin, end);
      for (int64_t r = begin; r < end; ++r)
        ++covered[size_t(r)];
    }
    for (int c : covered)
      ASSERT_EQ(c, 1);
  }
}

TEST(CudaMoePlan, MaxRowTilesBoundsTheWorstSplit) {
  // One row per expert but the first, which takes the rest.
  int64_t slots = 1000, experts = 64;
  int64_t tiles =
      (slots - (experts - 1) + kMoeTileM - 1) / kMoeTileM + (experts - 1);
  EXPECT_GE(moeMaxRowTiles(slots, experts), tiles);
  EXPECT_EQ(moeMaxRowTiles(0, experts), 0);
  EXPECT_EQ(moeMaxRowTiles(3, 64), 1 + 3);
}

TEST(CudaMoePlan, WorkspaceRegionsAreAlignedAndDisjoint) {
  MoeDims d;
  d.tokens = 37;
  d.hidden = 48;
  d.experts = 8;
  d.inter = 40;
  d.topK = 2;
  d.elementBytes = 2;
  MoeWorkspaceLayout w;
  ASSERT_EQ(planMoe(d, w), nullptr);
  EXPECT_EQ(w.slots, 74);
  EXPECT_EQ(w.width, 80);
  struct Region {
    size_t offset, bytes;
  };
  size_t slots = 74, e = 8;
  std::vector<Region> regions = {
      {w.slotExpert, slots * 4},     {w.slotWeight, slots * 4},
      {w.slotRank, slots * 4},       {w.slotRow, slots * 4},
      {w.rowToken, slots * 4},       {w.rowExpert, slots * 4},
      {w.expertCount, e * 4},        {w.expertDropped, e * 4},
      {w.rowOffsets, (e + 1) * 4},   {w.tileOffsets, (e + 1) * 4},
      {w.projected, slots * 80 * 4}, {w.activated, slots * 40 * 2},
      {w.expertOut, slots * 48 * 4}};
  std::sort(
      regions.begin(), regions.end(),
      [](const Region &a, const Region &b) { return a.offset < b.offset; });
  for (size_t i = 0; i < regions.size(); ++i) {
    EXPECT_EQ(regions[i].offset % 256, 0u);
    size_t end = regions[i].offset + regions[i].bytes;
    size_t next = i + 1 < regions.size() ? regions[i + 1].offset : w.totalBytes;
    EXPECT_LE(end, next) << "region " << i << " overlaps the next";
  }

  d.gated = false;
  ASSERT_EQ(planMoe(d, w), nullptr);
  EXPECT_EQ(w.width, 40);
}

TEST(CudaMoePlan, RejectsWhatTheKernelsDoNotTake) {
  MoeDims d;
  d.tokens = 4;
  d.hidden = 8;
  d.experts = 8;
  d.inter = 8;
  d.topK = 2;
  MoeWorkspaceLayout w;
  ASSERT_EQ(planMoe(d, w), nullptr);
  MoeDims bad = d;
  bad.experts = 2048;
  EXPECT_NE(planMoe(bad, w), nullptr);
  bad = d;
  bad.topK = 9;
  EXPECT_NE(planMoe(bad, w), nullptr);
  bad = d;
  bad.groups = 3;
  EXPECT_NE(planMoe(bad, w), nullptr);
  bad = d;
  bad.elementBytes = 1;
  EXPECT_NE(planMoe(bad, w), nullptr);
  bad = d;
  bad.tokens = int64_t(1) << 31;
  EXPECT_NE(planMoe(bad, w), nullptr);
}

} // namespace
