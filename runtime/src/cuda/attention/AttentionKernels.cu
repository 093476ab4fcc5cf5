//===- AttentionKernels.cu - deepc.attention on CUDA ----------------------===//
//
// One kernel template serves prefill and decode. A block owns a tile of
// query rows of one (batch, head group) and a range of key tiles; it keeps
// the running max, sum and output of each row in registers (online softmax)
// and either normalizes them (one key split) or writes them for the combine
// kernel (several splits, flash-decoding). All arithmetic is f32.
//
//===----------------------------------------------------------------------===//

#include "AttentionKernels.h"
#include "ElementAccess.cuh"

#include <cmath>
#include <cstdint>

namespace deepc::rt::cuda {
namespace {

constexpr float kNegInf = -INFINITY;

/// What a row's final output is multiplied by, given its running max `m` and
/// sum `l` over the kept keys and its head's sink logit (-inf without one):
/// the sink joins the denominator only, and a row with no kept key gets 0.
__device__ __forceinline__ float normalizer(float m, float l, float sink) {
  if (m == kNegInf)
    return 0.0f;
  // Scale by max(m, sink), as the CPU kernel's softmax does, so that a
  // large sink cannot overflow exp.
  float top = fmaxf(m, sink);
  float keep = expf(m - top);
  float denom = l * keep + (sink == kNegInf ? 0.0f : expf(sink - top));
  return keep / denom;
}

__device__ __forceinline__ float sinkLogit(const AttentionParams &p,
                                           int64_t h) {
  return p.sinks ? loadAsF32(p.sinks, p.sinksDType, h) : kNegInf;
}

/// out[r] += rows[r] · column over d < dk for the RW rows of a warp, with
/// `rows` [RW][dk] and `column` one key's (or gate's) padded row, both in
/// shared memory: 16-byte reads when dk % 4 == 0 (the plan then pads and
/// aligns for them), else single words.
template <int RW>
__device__ __forceinline__ void rowDots(const float *rows, const float *column,
                                        int dk, float (&out)[RW]) {
  if (dk % 4 == 0) {
#pragma unroll 2
    for (int d = 0; d < dk; d += 4) {
      float4 c = *reinterpret_cast<const float4 *>(column + d);
#pragma unroll
      for (int r = 0; r < RW; ++r) {
        float4 q = *reinterpret_cast<const float4 *>(rows + r * dk + d);
        out[r] += q.x * c.x + q.y * c.y + q.z * c.z + q.w * c.w;
      }
    }
    return;
  }
  for (int d = 0; d < dk; ++d) {
    float c = column[d];
#pragma unroll
    for (int r = 0; r < RW; ++r)
      out[r] += rows[r * dk + d] * c;
  }
}

/// The flash-attention tile kernel.
///
/// Tiling: the block's 4 warps own RW consecutive query rows each (rows of
/// the packed [head-in-group, query] space, see AttentionPlan). Per key tile
/// of 32 keys, lane j of a warp scores key j against the warp's RW rows
/// (reading its key column from the padded key tile and the rows' query
/// values as shared-memory broadcasts), the warp updates each row's running
/// max and sum with shuffles, stores the tile's probabilities in its own
/// slice of `probs`, and accumulates P·V with lane c owning output columns
/// c, c + 32, ... (DVL of them).
///
/// Sync invariants: `__syncthreads` before a key tile is loaded (every warp
/// finished reading the previous one) and after (the tile is complete). A
/// warp only writes and reads its own rows of `probs`, so `__syncwarp`
/// orders those. Skipped key tiles are skipped by the whole block (the test
/// depends only on the block's rows and the tile), so the barriers stay
/// uniform.
///
/// DK > 0 compiles the head size in (and Dv = 32 * DVL); DK = 0 reads both
/// at run time, up to 32 * DVL value columns.
template <typename T, int RW, int DK, int DVL>
__global__ void __launch_bounds__(kAttentionWarps * 32)
    attentionTileKernel(AttentionParams p, AttentionPlan plan) {
  extern __shared__ __align__(16) float smem[];
  constexpr int kRows = RW * kAttentionWarps;
  constexpr int kKeys = kAttentionKeyTile;
  const int dk = DK > 0 ? DK : int(p.headDim);
  const int dv = DK > 0 ? 32 * DVL : int(p.vHeadDim);
  const int kStride = int(plan.keyStride);
  float *queries = smem + plan.queryOffset; // [kRows][dk]
  float *keys = smem + plan.keyOffset;      // [kKeys][kStride]
  float *values = smem + plan.valueOffset;  // [kKeys][dv]
  float *probs = smem + plan.probOffset;    // [kRows][kKeys]
  float *gates = smem + plan.gateOffset;    // [kKeys][kStride], per pair
  const T *q = static_cast<const T *>(p.q);
  const T *k = static_cast<const T *>(p.k);
  const T *v = static_cast<const T *>(p.v);

  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int64_t b = blockIdx.z / plan.splits, split = blockIdx.z % plan.splits;
  const int64_t headBase = int64_t(blockIdx.y) * plan.packedHeads;
  const int64_t kvHead = headBase / (p.heads / p.kvHeads);
  const int64_t row0 = int64_t(blockIdx.x) * kRows;
  const int64_t offset = p.kvSeq - p.seq; // absolute position of query 0

  // The query tile, zero past the last row.
  for (int e = threadIdx.x; e < kRows * dk; e += blockDim.x) {
    int64_t row = row0 + e / dk;
    float x = 0.0f;
    if (row < plan.rowsPerGroup) {
      int64_t h = headBase + row / p.seq, i = row % p.seq;
      x = toF32(q[b * p.qStrides[0] + h * p.qStrides[1] + i * p.qStrides[2] +
                  e % dk]);
    }
    queries[e] = x;
  }

  // This warp's rows: validity, head, query index and absolute position.
  // 32-bit head and query indices (sizes are far below 2^31) keep the
  // tallest tiles within 255 registers.
  bool valid[RW];
  int head[RW], query[RW];
  float gateOfQuery[RW], runMax[RW], runSum[RW], acc[RW][DVL];
#pragma unroll
  for (int r = 0; r < RW; ++r) {
    int64_t row = row0 + warp * RW + r;
    valid[r] = row < plan.rowsPerGroup;
    head[r] = int(valid[r] ? headBase + row / p.seq : headBase);
    query[r] = int(valid[r] ? row % p.seq : 0);
    gateOfQuery[r] = 1.0f;
    runMax[r] = kNegInf;
    runSum[r] = 0.0f;
#pragma unroll
    for (int c = 0; c < DVL; ++c)
      acc[r][c] = 0.0f;
  }
  __syncthreads();

  // One gate per query: sigmoid(q · G[h][:, 0]).
  if (p.gate && !p.gatePerPair) {
#pragma unroll
    for (int r = 0; r < RW; ++r) {
      float dot = 0.0f;
      for (int d = lane; d < dk; d += 32)
        dot += queries[(warp * RW + r) * dk + d] *
               loadAsF32(p.gate, p.gateDType, int64_t(head[r]) * dk + d);
      gateOfQuery[r] = sigmoidF32(warpSum(dot));
    }
  }

  // The absolute positions the block's rows span, for skipping key tiles.
  int64_t firstQuery, lastQuery, tileBegin, tileEnd;
  attentionTileQueries(plan, p.seq, blockIdx.x, firstQuery, lastQuery);
  int64_t posFirst = firstQuery + offset, posLast = lastQuery + offset;
  attentionSplitTiles(plan, split, tileBegin, tileEnd);
  for (int64_t tile = tileBegin; tile < tileEnd; ++tile) {
    int64_t j0 = tile * kKeys;
    int64_t jLast = min(j0 + kKeys, p.kvSeq) - 1;
    if (attentionDropsKeyTile(p.rules, posFirst, posLast, j0, jLast))
      continue;

    __syncthreads(); // every warp is done with the previous tile
    const T *kTile = k + b * p.kStrides[0] + kvHead * p.kStrides[1];
    const T *vTile = v + b * p.vStrides[0] + kvHead * p.vStrides[1];
    for (int e = threadIdx.x; e < kKeys * dk; e += blockDim.x) {
      int key = e / dk, d = e % dk;
      int64_t j = j0 + key;
      keys[key * kStride + d] =
          j < p.kvSeq ? toF32(kTile[j * p.kStrides[2] + d]) : 0.0f;
      if (p.gate && p.gatePerPair)
        gates[key * kStride + d] =
            j < p.kvSeq ? loadAsF32(p.gate, p.gateDType,
                                    (headBase * dk + d) * p.kvSeq + j)
                        : 0.0f;
    }
    for (int e = threadIdx.x; e < kKeys * dv; e += blockDim.x) {
      int64_t j = j0 + e / dv;
      values[e] = j < p.kvSeq ? toF32(vTile[j * p.vStrides[2] + e % dv]) : 0.0f;
    }
    __syncthreads(); // the tile is complete

    // Scores of key j = j0 + lane against this warp's rows.
    float score[RW], gateDot[RW];
#pragma unroll
    for (int r = 0; r < RW; ++r)
      score[r] = gateDot[r] = 0.0f;
    const float *myRows = queries + warp * RW * dk;
    rowDots<RW>(myRows, keys + lane * kStride, dk, score);
    if (p.gate && p.gatePerPair)
      rowDots<RW>(myRows, gates + lane * kStride, dk, gateDot);

    int64_t j = j0 + lane;
    float *myProbs = probs + warp * RW * kKeys;
#pragma unroll
    for (int r = 0; r < RW; ++r) {
      // Steps 1-5 of the op, in its order.
      float x = score[r] * p.scale;
      if (p.gate)
        x *= p.gatePerPair ? sigmoidF32(gateDot[r]) : gateOfQuery[r];
      if (p.softcap > 0.0f)
        x = p.softcap * tanhf(x / p.softcap);
      bool dropped = !valid[r] || j >= p.kvSeq ||
                     attentionDropsPair(p.rules, int64_t(query[r]) + offset, j);
      if (!dropped && p.maskKind != AttentionMaskKind::None) {
        int64_t mi = b * p.maskStrides[0] + head[r] * p.maskStrides[1] +
                     query[r] * p.maskStrides[2] + j * p.maskStrides[3];
        if (p.maskKind == AttentionMaskKind::Bool)
          dropped = static_cast<const uint8_t *>(p.mask)[mi] == 0;
        else
          x += toF32(static_cast<const T *>(p.mask)[mi]);
      }
      if (dropped)
        x = kNegInf;

      // Online softmax: rescale what the row has so far to the new max.
      float newMax = fmaxf(runMax[r], warpMax(x));
      float prob = x == kNegInf ? 0.0f : expf(x - newMax);
      float rescale = runMax[r] == kNegInf ? 0.0f : expf(runMax[r] - newMax);
      runSum[r] = runSum[r] * rescale + warpSum(prob);
      runMax[r] = newMax;
#pragma unroll
      for (int c = 0; c < DVL; ++c)
        acc[r][c] *= rescale;
      myProbs[r * kKeys + lane] = prob;
    }
    __syncwarp();

    // P·V: lane owns columns lane + 32c.
    for (int key = 0; key < kKeys; ++key) {
      float val[DVL];
#pragma unroll
      for (int c = 0; c < DVL; ++c) {
        int col = lane + 32 * c;
        val[c] = (DK > 0 || col < dv) ? values[key * dv + col] : 0.0f;
      }
#pragma unroll
      for (int r = 0; r < RW; ++r) {
        float pr = myProbs[r * kKeys + key];
#pragma unroll
        for (int c = 0; c < DVL; ++c)
          acc[r][c] += pr * val[c];
      }
    }
    __syncwarp();
  }

#pragma unroll
  for (int r = 0; r < RW; ++r) {
    if (!valid[r])
      continue;
    if (plan.splits == 1) {
      float norm = normalizer(runMax[r], runSum[r], sinkLogit(p, head[r]));
      T *out = static_cast<T *>(p.out) + b * p.outStrides[0] +
               head[r] * p.outStrides[1] + query[r] * p.outStrides[2];
#pragma unroll
      for (int c = 0; c < DVL; ++c) {
        int col = lane + 32 * c;
        if (col < dv)
          out[col] = fromF32<T>(acc[r][c] * norm);
      }
      continue;
    }
    // Partial results of this split, normalized by the combine kernel.
    int64_t slot =
        ((split * p.batch + b) * p.heads + head[r]) * p.seq + query[r];
    char *ws = static_cast<char *>(p.workspace);
    float *partialOut =
        reinterpret_cast<float *>(ws + plan.partialOutputOffset) + slot * dv;
#pragma unroll
    for (int c = 0; c < DVL; ++c) {
      int col = lane + 32 * c;
      if (col < dv)
        partialOut[col] = acc[r][c];
    }
    if (lane == 0) {
      reinterpret_cast<float *>(ws + plan.partialMaxOffset)[slot] = runMax[r];
      reinterpret_cast<float *>(ws + plan.partialSumOffset)[slot] = runSum[r];
    }
  }
}

/// Merges the key splits' partial softmaxes: one warp per (batch, head,
/// query) row, lanes over the value columns. No shared memory, no barrier.
template <typename T>
__global__ void __launch_bounds__(128)
    attentionCombineKernel(AttentionParams p, AttentionPlan plan) {
  int64_t row = int64_t(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
  int lane = threadIdx.x % 32;
  int64_t rows = p.batch * p.heads * p.seq;
  if (row >= rows)
    return;
  int64_t i = row % p.seq, h = (row / p.seq) % p.heads,
          b = row / (p.seq * p.heads);
  const char *ws = static_cast<const char *>(p.workspace);
  const float *partialOut =
      reinterpret_cast<const float *>(ws + plan.partialOutputOffset);
  const float *partialMax =
      reinterpret_cast<const float *>(ws + plan.partialMaxOffset);
  const float *partialSum =
      reinterpret_cast<const float *>(ws + plan.partialSumOffset);
  int64_t dv = p.vHeadDim;

  float m = kNegInf;
  for (int64_t s = 0; s < plan.splits; ++s)
    m = fmaxf(m, partialMax[s * rows + row]);
  float l = 0.0f;
  for (int64_t s = 0; s < plan.splits; ++s) {
    float ms = partialMax[s * rows + row];
    if (ms != kNegInf)
      l += partialSum[s * rows + row] * expf(ms - m);
  }
  float norm = normalizer(m, l, sinkLogit(p, h));
  T *out = static_cast<T *>(p.out) + b * p.outStrides[0] + h * p.outStrides[1] +
           i * p.outStrides[2];
  for (int64_t c = lane; c < dv; c += 32) {
    float o = 0.0f;
    for (int64_t s = 0; s < plan.splits; ++s) {
      float ms = partialMax[s * rows + row];
      if (ms != kNegInf)
        o += partialOut[(s * rows + row) * dv + c] * expf(ms - m);
    }
    out[c] = fromF32<T>(o * norm);
  }
}

template <typename T, int RW, int DK, int DVL>
cudaError_t launchTile(const AttentionParams &p, const AttentionPlan &plan,
                       cudaStream_t stream) {
  // The kernel's row tile is compiled in; the plan's must be the same.
  if (plan.rowsPerWarp != RW)
    return cudaErrorInvalidValue;
  auto kernel = attentionTileKernel<T, RW, DK, DVL>;
  // Tiles past 48 KiB of shared memory need the opt-in.
  cudaError_t err =
      cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                           int(plan.sharedBytes));
  if (err != cudaSuccess)
    return err;
  dim3 grid(unsigned(plan.rowTiles), unsigned(plan.headGroups),
            unsigned(p.batch * plan.splits));
  kernel<<<grid, kAttentionWarps * 32, plan.sharedBytes, stream>>>(p, plan);
  return cudaGetLastError();
}

template <typename T>
cudaError_t launchTyped(const AttentionParams &p, const AttentionPlan &plan,
                        cudaStream_t stream) {
  bool tall = plan.rowsPerWarp > 4;
  cudaError_t err;
  switch (plan.variant) {
  case AttentionVariant::Head64:
    err = tall ? launchTile<T, 16, 64, 2>(p, plan, stream)
               : launchTile<T, 4, 64, 2>(p, plan, stream);
    break;
  case AttentionVariant::Head128:
    err = tall ? launchTile<T, 16, 128, 4>(p, plan, stream)
               : launchTile<T, 4, 128, 4>(p, plan, stream);
    break;
  default:
    err = tall ? launchTile<T, 8, 0, 8>(p, plan, stream)
               : launchTile<T, 4, 0, 8>(p, plan, stream);
    break;
  }
  if (err != cudaSuccess || plan.splits == 1)
    return err;
  int64_t rows = p.batch * p.heads * p.seq;
  unsigned blocks = unsigned((rows + 3) / 4);
  attentionCombineKernel<T><<<blocks, 128, 0, stream>>>(p, plan);
  return cudaGetLastError();
}

} // namespace

void setContiguousAttentionStrides(AttentionParams &p) {
  auto set = [](int64_t *s, int64_t heads, int64_t seq, int64_t dim) {
    s[2] = dim;
    s[1] = seq * dim;
    s[0] = heads * seq * dim;
  };
  set(p.qStrides, p.heads, p.seq, p.headDim);
  set(p.kStrides, p.kvHeads, p.kvSeq, p.headDim);
  set(p.vStrides, p.kvHeads, p.kvSeq, p.vHeadDim);
  set(p.outStrides, p.heads, p.seq, p.vHeadDim);
}

AttentionDims attentionDims(const AttentionParams &p) {
  AttentionDims d;
  d.batch = p.batch;
  d.heads = p.heads;
  d.kvHeads = p.kvHeads;
  d.seq = p.seq;
  d.kvSeq = p.kvSeq;
  d.headDim = p.headDim;
  d.vHeadDim = p.vHeadDim;
  d.gatePerPair = p.gate && p.gatePerPair;
  d.smCount = p.smCount;
  return d;
}

size_t attentionWorkspaceBytes(const AttentionParams &p) {
  AttentionPlan plan;
  if (planAttention(attentionDims(p), plan))
    return SIZE_MAX;
  return plan.workspaceBytes;
}

cudaError_t launchAttention(const AttentionParams &p, cudaStream_t stream) {
  AttentionPlan plan;
  if (planAttention(attentionDims(p), plan))
    return cudaErrorInvalidValue;
  if (p.maskKind != AttentionMaskKind::None && !p.mask)
    return cudaErrorInvalidValue;
  if (plan.workspaceBytes > 0 &&
      (!p.workspace || p.workspaceBytes < plan.workspaceBytes))
    return cudaErrorInvalidValue;
  if (p.batch == 0 || p.seq == 0)
    return cudaSuccess;
  switch (p.dtype) {
  case DType::F32:
    return launchTyped<float>(p, plan, stream);
  case DType::BF16:
    return launchTyped<__nv_bfloat16>(p, plan, stream);
  case DType::F16:
    return launchTyped<__half>(p, plan, stream);
  default:
    return cudaErrorInvalidValue;
  }
}

} // namespace deepc::rt::cuda
