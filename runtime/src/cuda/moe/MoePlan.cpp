//===- MoePlan.cpp - host-side plan of the CUDA MoE kernels ---------------===//

#include "MoePlan.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace deepc::rt::cuda {
namespace {

constexpr size_t alignUp(size_t n) { return (n + 255) / 256 * 256; }

} // namespace

int64_t moeCapacity(double capacityFactor, int64_t tokens, int64_t topK,
                    int64_t experts) {
  if (!(capacityFactor > 0) || experts < 1)
    return std::numeric_limits<int64_t>::max();
  return int64_t(std::ceil(capacityFactor * double(tokens) * double(topK) /
                           double(experts)));
}

int64_t moeMaxRowTiles(int64_t slots, int64_t experts) {
  if (slots <= 0)
    return 0;
  return (slots + kMoeTileM - 1) / kMoeTileM + std::min(experts, slots);
}

const char *planMoe(const MoeDims &d, MoeWorkspaceLayout &w) {
  w = MoeWorkspaceLayout();
  if (d.tokens < 0 || d.hidden < 0 || d.inter < 0)
    return "MoE dimensions must be non-negative";
  if (d.experts < 1 || d.experts > kMoeMaxExperts)
    return "the CUDA MoE kernels take 1 to 1024 experts";
  if (d.topK < 1 || d.topK > d.experts)
    return "top_k must be between 1 and the number of experts";
  if (d.groups < 1 || d.experts % d.groups != 0)
    return "n_group must divide the number of experts";
  if (d.elementBytes != 4 && d.elementBytes != 2)
    return "the CUDA MoE kernels take f32, bf16 or f16";
  // Rows and slots are int32 on the device.
  if (d.tokens > std::numeric_limits<int32_t>::max() / d.topK)
    return "too many (token, expert) slots for one MoE launch";
  w.slots = d.tokens * d.topK;
  w.width = d.gated ? 2 * d.inter : d.inter;
  w.maxRowTiles = moeMaxRowTiles(w.slots, d.experts);
  if (w.maxRowTiles > std::numeric_limits<int32_t>::max() ||
      (w.width + kMoeTileN - 1) / kMoeTileN > 65535 ||
      (d.hidden + kMoeTileN - 1) / kMoeTileN > 65535)
    return "MoE too large for one grouped GEMM launch";

  size_t slots = size_t(w.slots), e = size_t(d.experts), at = 0;
  auto take = [&at](size_t bytes) {
    size_t offset = at;
    at += alignUp(bytes);
    return offset;
  };
  w.slotExpert = take(slots * 4);
  w.slotWeight = take(slots * 4);
  w.slotRank = take(slots * 4);
  w.slotRow = take(slots * 4);
  w.rowToken = take(slots * 4);
  w.rowExpert = take(slots * 4);
  w.expertCount = take(e * 4);
  w.expertDropped = take(e * 4);
  w.rowOffsets = take((e + 1) * 4);
  w.tileOffsets = take((e + 1) * 4);
  w.projected = take(slots * size_t(w.width) * 4);
  w.activated = take(slots * size_t(d.inter) * size_t(d.elementBytes));
  w.expertOut = take(slots * size_t(d.hidden) * 4);
  w.totalBytes = at;
  return nullptr;
}

} // namespace deepc::rt::cuda
