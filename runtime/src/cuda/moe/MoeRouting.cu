//===- MoeRouting.cu - routing, capacity and permutation ------------------===//
//
// Turns the router logits into each (token, choice) slot's expert and
// weight, then ranks each expert's slots in token order, keeps the first
// `capacity`, and lays the kept slots out as rows grouped by expert (a
// stable counting sort), with each expert's first row and first GEMM tile.
//
//===----------------------------------------------------------------------===//

#include "MoeStages.h"

#include "../attention/ElementAccess.cuh"

#include <climits>
#include <cmath>

namespace deepc::rt::cuda {
namespace {

constexpr float kNegInf = -INFINITY;

/// Whether (va, ia) ranks before (vb, ib): larger value, ties to the lower
/// index, as the CPU kernel's partial_sort (and ONNX TopK) orders.
__device__ __forceinline__ bool ranksBefore(float va, int ia, float vb,
                                            int ib) {
  return va > vb || (va == vb && ia < ib);
}

/// The best untaken entry of `values[0..n)` over the warp; every lane gets
/// it. `taken` marks entries already chosen. Returns n when none is left.
__device__ int warpArgBest(const float *values, const uint8_t *taken, int n) {
  float best = kNegInf;
  int index = INT_MAX; // ranks after any real entry, -inf ones included
  for (int i = threadIdx.x % 32; i < n; i += 32)
    if (!taken[i] && ranksBefore(values[i], i, best, index)) {
      best = values[i];
      index = i;
    }
  for (int o = 16; o > 0; o /= 2) {
    float vb = __shfl_xor_sync(0xffffffffu, best, o);
    int ib = __shfl_xor_sync(0xffffffffu, index, o);
    if (ranksBefore(vb, ib, best, index)) {
      best = vb;
      index = ib;
    }
  }
  return index == INT_MAX ? n : index;
}

/// Per-warp shared memory of the routing kernel, in bytes.
__host__ __device__ constexpr int64_t routingWarpBytes(int64_t experts,
                                                       int64_t groups) {
  return ((2 * experts + groups) * 4 + experts + groups + 15) / 16 * 16;
}

/// Routes one token per warp (deepc.moe's routing steps 1-4).
///
/// Tiling: warp w of the block routes token blockIdx.x · 4 + w with its own
/// slice of shared memory: scores [E], selection scores [E], group scores
/// [G], then byte flags `taken` [E] and `keep` [G]. Lanes stride over
/// experts (and groups); each choice (of the top groups, then the top
/// experts) is a warp-wide arg-max that every lane agrees on.
///
/// Sync invariants: only `__syncwarp` (a warp touches only its own slice);
/// lane 0 writes the flags and the outputs of a choice, and a `__syncwarp`
/// follows before any lane reads them. No block barrier, so warps past the
/// last token just return.
__global__ void __launch_bounds__(kMoeRoutingWarps * 32)
    routeKernel(MoeParams p, MoeBuffers buf) {
  extern __shared__ __align__(16) unsigned char routingSmem[];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t token = int64_t(blockIdx.x) * kMoeRoutingWarps + warp;
  if (token >= p.tokens)
    return;
  const int E = int(p.experts), G = int(p.groups), K = int(p.topK);
  const int groupSize = E / G;
  unsigned char *mine = routingSmem + warp * routingWarpBytes(E, G);
  float *scores = reinterpret_cast<float *>(mine);
  float *select = scores + E;
  float *groupScore = select + E;
  uint8_t *taken = reinterpret_cast<uint8_t *>(groupScore + G);
  uint8_t *keep = taken + E;
  const float *logits = p.routerLogits + token * E;

  // 1. scores = softmax(logits) or sigmoid(logits).
  if (p.sigmoidRouter) {
    for (int i = lane; i < E; i += 32)
      scores[i] = sigmoidF32(logits[i]);
  } else {
    float m = kNegInf;
    for (int i = lane; i < E; i += 32)
      m = fmaxf(m, logits[i]);
    m = warpMax(m);
    float sum = 0.0f;
    for (int i = lane; i < E; i += 32)
      sum += scores[i] = expf(logits[i] - m);
    sum = warpSum(sum);
    for (int i = lane; i < E; i += 32)
      scores[i] /= sum;
  }
  // 2. Selection scores: with the correction bias, NaN ranked last.
  for (int i = lane; i < E; i += 32) {
    float s = scores[i];
    if (p.correctionBias)
      s += loadAsF32(p.correctionBias, p.biasDType, i);
    select[i] = s == s ? s : kNegInf;
    taken[i] = 0;
  }
  __syncwarp();

  // 3. Group-limited selection: only the topk_group best groups stay.
  if (G > 1) {
    for (int g = lane; g < G; g += 32) {
      const float *s = select + g * groupSize;
      float best = kNegInf, second = kNegInf;
      for (int i = 0; i < groupSize; ++i) {
        if (s[i] > best) {
          second = best;
          best = s[i];
        } else if (s[i] > second) {
          second = s[i];
        }
      }
      groupScore[g] = p.groupTop2Sum ? best + second : best;
      keep[g] = 0;
    }
    __syncwarp();
    for (int64_t n = 0; n < p.topGroups; ++n) {
      int g = warpArgBest(groupScore, keep, G);
      if (lane == 0 && g < G)
        keep[g] = 1;
      __syncwarp();
    }
    for (int i = lane; i < E; i += 32)
      if (!keep[i / groupSize])
        select[i] = kNegInf;
    __syncwarp();
  }

  // 4. The top_k experts; weights from the scores, in choice order.
  int32_t *experts = buf.slotExpert + token * K;
  float *weights = buf.slotWeight + token * K;
  float sum = 0.0f;
  for (int c = 0; c < K; ++c) {
    int e = warpArgBest(select, taken, E);
    // top_k <= E (checked on the host), so some expert is left.
    sum += scores[e];
    if (lane == 0) {
      taken[e] = 1;
      experts[c] = e;
      weights[c] = scores[e];
    }
    __syncwarp();
  }
  for (int c = lane; c < K; c += 32) {
    float w = weights[c];
    if (p.renormalize && sum > 0.0f)
      w /= sum;
    // The CPU kernel scales in double.
    weights[c] = float(double(w) * p.routedScaling);
  }
}

/// Ranks the slots of expert blockIdx.x in token (slot) order and counts the
/// ones capacity keeps.
///
/// Tiling: the block walks all slots in chunks of blockDim; each thread
/// flags its slot, a ballot and popcount give its rank within the warp and
/// the per-warp totals in shared memory its rank within the chunk.
///
/// Sync invariants: one `__syncthreads` after the warp totals are written
/// and one after every thread read them, so the next chunk may overwrite
/// them. The loop bound is uniform, so every thread reaches both.
__global__ void __launch_bounds__(256)
    rankKernel(int64_t slots, int64_t capacity, MoeBuffers buf) {
  __shared__ int warpTotals[8];
  const int e = blockIdx.x, warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  int64_t running = 0;
  for (int64_t base = 0; base < slots; base += blockDim.x) {
    int64_t s = base + threadIdx.x;
    bool mine = s < slots && buf.slotExpert[s] == e;
    unsigned ballot = __ballot_sync(0xffffffffu, mine);
    if (lane == 0)
      warpTotals[warp] = __popc(ballot);
    __syncthreads();
    int before = 0, total = 0;
    for (int w = 0; w < int(blockDim.x / 32); ++w) {
      before += w < warp ? warpTotals[w] : 0;
      total += warpTotals[w];
    }
    if (mine)
      buf.slotRank[s] =
          int32_t(running + before + __popc(ballot & ((1u << lane) - 1u)));
    running += total;
    __syncthreads();
  }
  if (threadIdx.x == 0) {
    int64_t kept = running < capacity ? running : capacity;
    buf.expertCount[e] = int32_t(kept);
    buf.expertDropped[e] = int32_t(running - kept);
  }
}

/// Each expert's first row and first row tile: a serial scan, since E is at
/// most 1024. One thread.
__global__ void offsetsKernel(int64_t experts, MoeBuffers buf) {
  int32_t row = 0, tile = 0;
  for (int64_t e = 0; e < experts; ++e) {
    buf.rowOffsets[e] = row;
    buf.tileOffsets[e] = tile;
    row += buf.expertCount[e];
    tile += (buf.expertCount[e] + kMoeTileM - 1) / kMoeTileM;
  }
  buf.rowOffsets[experts] = row;
  buf.tileOffsets[experts] = tile;
}

/// Places every kept slot at its row (expert's first row + rank); dropped
/// slots get row -1. One thread per slot, no shared memory.
__global__ void scatterKernel(int64_t slots, int64_t topK, MoeBuffers buf) {
  int64_t s = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (s >= slots)
    return;
  int32_t e = buf.slotExpert[s], rank = buf.slotRank[s];
  if (rank >= buf.expertCount[e]) {
    buf.slotRow[s] = -1;
    return;
  }
  int32_t row = buf.rowOffsets[e] + rank;
  buf.slotRow[s] = row;
  buf.rowToken[row] = int32_t(s / topK);
  buf.rowExpert[row] = e;
}

} // namespace

cudaError_t launchMoeRouting(const MoeParams &p, const MoeBuffers &buf,
                             cudaStream_t stream) {
  int64_t slots = p.tokens * p.topK;
  if (p.tokens > 0) {
    size_t smem =
        size_t(kMoeRoutingWarps * routingWarpBytes(p.experts, p.groups));
    unsigned blocks =
        unsigned((p.tokens + kMoeRoutingWarps - 1) / kMoeRoutingWarps);
    // Many groups of many experts pass 48 KiB (at most 4 · 14 KiB).
    cudaError_t err = cudaFuncSetAttribute(
        routeKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(smem));
    if (err != cudaSuccess)
      return err;
    routeKernel<<<blocks, kMoeRoutingWarps * 32, smem, stream>>>(p, buf);
  }
  rankKernel<<<unsigned(p.experts), 256, 0, stream>>>(slots, moeCapacity(p),
                                                      buf);
  offsetsKernel<<<1, 1, 0, stream>>>(p.experts, buf);
  if (slots > 0)
    scatterKernel<<<unsigned((slots + 255) / 256), 256, 0, stream>>>(
        slots, p.topK, buf);
  return cudaGetLastError();
}

} // namespace deepc::rt::cuda
