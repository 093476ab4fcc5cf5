//===- MoeGroupedGemm.cu - one GEMM launch over every expert's rows -------===//
//
// The experts' rows are contiguous blocks (rowOffsets); each block row tile
// of 64 rows belongs to one expert, found from the row-tile prefix sums
// (tileOffsets) with moeTileExpert. The grid is an upper bound of row tiles
// × column tiles, so the host needs no device count; surplus blocks exit.
//
//===----------------------------------------------------------------------===//

#include "MoeStages.h"

#include "../attention/ElementAccess.cuh"

#include <mma.h>

namespace deepc::rt::cuda {
namespace {

// The tile loops stage A and B rows with one index.
static_assert(kMoeTileM == kMoeTileN, "A and B tiles share their row loops");

/// The rows and columns block (blockIdx.x, blockIdx.y) computes.
struct TileSpan {
  int64_t expert = -1, rowBegin = 0, rowEnd = 0, col0 = 0;
};

__device__ TileSpan tileSpan(const GroupedGemm &g) {
  TileSpan t;
  if (moeTileRows(g.rowOffsets, g.tileOffsets, g.experts, blockIdx.x, t.expert,
                  t.rowBegin, t.rowEnd))
    t.col0 = int64_t(blockIdx.y) * kMoeTileN;
  else
    t.expert = -1;
  return t;
}

/// Each tile row's A row and B (weight) row, null past the edges: computed
/// once per block into shared memory by the first 2 · 64 threads.
template <typename T>
__device__ void tileRowPointers(const GroupedGemm &g, const TileSpan &t,
                                const T **aPtr, const T **bPtr) {
  int i = threadIdx.x;
  if (i < kMoeTileM) {
    int64_t row = t.rowBegin + i;
    const T *a = static_cast<const T *>(g.a);
    aPtr[i] =
        row < t.rowEnd ? a + (g.aRows ? g.aRows[row] : row) * g.lda : nullptr;
  } else if (i < kMoeTileM + kMoeTileN) {
    int64_t n = t.col0 + (i - kMoeTileM);
    const T *b = nullptr;
    if (n < g.n)
      b = n < g.splitN
              ? static_cast<const T *>(g.first) +
                    t.expert * g.firstExpertStride + n * g.k
              : static_cast<const T *>(g.second) +
                    t.expert * g.secondExpertStride + (n - g.splitN) * g.k;
    bPtr[i - kMoeTileM] = b;
  }
}

constexpr int kPadK = kMoeTileK + 8; // 16 bytes of padding per 16-bit row
constexpr int kPadN = kMoeTileN + 4;

/// Copies 8 consecutive k of a row into shared memory, zeros past k = K or
/// for a null row; 16-byte loads when `vec` (K and every row 8-aligned).
template <typename T>
__device__ __forceinline__ void copyChunk(T *dst, const T *row, int64_t k0,
                                          int64_t kTotal, bool vec) {
  if (vec) {
    uint4 v = make_uint4(0, 0, 0, 0);
    if (row && k0 < kTotal)
      v = *reinterpret_cast<const uint4 *>(row + k0);
    *reinterpret_cast<uint4 *>(dst) = v;
    return;
  }
#pragma unroll
  for (int i = 0; i < 8; ++i)
    dst[i] = row && k0 + i < kTotal ? row[k0 + i] : fromF32<T>(0.0f);
}

/// The tensor-core grouped GEMM for 16-bit inputs.
///
/// Tiling: a 64 × 64 output tile per block of 4 warps; warp w computes the
/// 32 × 32 quadrant (w / 2, w % 2) as 2 × 2 WMMA 16 × 16 × 16 fragments with
/// f32 accumulators. Each k step stages A [64][32] and B [64][32] (B is the
/// weight's [out, in] rows, i.e. a column-major K × N operand) in shared
/// memory, rows padded by 16 bytes against bank conflicts. The result goes
/// through shared memory so that the edge tiles' stores can be masked.
///
/// Sync invariants: `__syncthreads` after the row pointers, after each
/// stage is loaded, after it is consumed (before the next load overwrites
/// it) and after the accumulators are stored to `cTile`. Blocks past the
/// last row tile return before the first barrier, as a whole.
template <typename T>
__global__ void __launch_bounds__(128)
    groupedGemmWmmaKernel(GroupedGemm g, bool vec) {
  using namespace nvcuda;
  TileSpan t = tileSpan(g);
  if (t.expert < 0)
    return;
  __shared__ const T *aPtr[kMoeTileM];
  __shared__ const T *bPtr[kMoeTileN];
  __shared__ __align__(32) T aTile[kMoeTileM * kPadK];
  __shared__ __align__(32) T bTile[kMoeTileN * kPadK];
  __shared__ __align__(32) float cTile[kMoeTileM * kPadN];
  tileRowPointers(g, t, aPtr, bPtr);
  __syncthreads();

  const int warp = threadIdx.x / 32;
  const int wm = warp / 2, wn = warp % 2;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j)
      wmma::fill_fragment(acc[i][j], 0.0f);

  constexpr int kChunksPerRow = kMoeTileK / 8;
  for (int64_t k0 = 0; k0 < g.k; k0 += kMoeTileK) {
    for (int c = threadIdx.x; c < kMoeTileM * kChunksPerRow; c += blockDim.x) {
      int r = c / kChunksPerRow, kk = (c % kChunksPerRow) * 8;
      copyChunk(aTile + r * kPadK + kk, aPtr[r], k0 + kk, g.k, vec);
      copyChunk(bTile + r * kPadK + kk, bPtr[r], k0 + kk, g.k, vec);
    }
    __syncthreads();
#pragma unroll
    for (int kk = 0; kk < kMoeTileK; kk += 16) {
      wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> a[2];
      wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::col_major> b[2];
#pragma unroll
      for (int i = 0; i < 2; ++i)
        wmma::load_matrix_sync(a[i], aTile + (wm * 32 + i * 16) * kPadK + kk,
                               kPadK);
#pragma unroll
      for (int j = 0; j < 2; ++j)
        wmma::load_matrix_sync(b[j], bTile + (wn * 32 + j * 16) * kPadK + kk,
                               kPadK);
#pragma unroll
      for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
          wmma::mma_sync(acc[i][j], a[i], b[j], acc[i][j]);
    }
    __syncthreads();
  }

#pragma unroll
  for (int i = 0; i < 2; ++i)
#pragma unroll
    for (int j = 0; j < 2; ++j)
      wmma::store_matrix_sync(cTile + (wm * 32 + i * 16) * kPadN + wn * 32 +
                                  j * 16,
                              acc[i][j], kPadN, wmma::mem_row_major);
  __syncthreads();
  for (int e = threadIdx.x; e < kMoeTileM * kMoeTileN; e += blockDim.x) {
    int r = e / kMoeTileN, col = e % kMoeTileN;
    int64_t row = t.rowBegin + r, n = t.col0 + col;
    if (row < t.rowEnd && n < g.n)
      g.c[row * g.ldc + n] = cTile[r * kPadN + col];
  }
}

/// The f32 grouped GEMM on CUDA cores (exact f32 products, as the CPU).
///
/// Tiling: a 64 × 64 output tile per block of 128 threads; thread (ty, tx)
/// = (tid / 16, tid % 16) owns rows ty · 8 .. ty · 8 + 7 and columns tx,
/// tx + 16, tx + 32, tx + 48 (strided, so a warp reads 16 consecutive
/// words of `bTile`). A and B stages are stored k-major ([32][64 + 1]) so
/// the inner loop reads a column of each.
///
/// Sync invariants: as the WMMA kernel's, without the output staging.
__global__ void __launch_bounds__(128) groupedGemmF32Kernel(GroupedGemm g) {
  TileSpan t = tileSpan(g);
  if (t.expert < 0)
    return;
  __shared__ const float *aPtr[kMoeTileM];
  __shared__ const float *bPtr[kMoeTileN];
  __shared__ float aTile[kMoeTileK][kMoeTileM + 1];
  __shared__ float bTile[kMoeTileK][kMoeTileN + 1];
  tileRowPointers(g, t, aPtr, bPtr);
  __syncthreads();

  const int ty = threadIdx.x / 16, tx = threadIdx.x % 16;
  float acc[8][4] = {};
  for (int64_t k0 = 0; k0 < g.k; k0 += kMoeTileK) {
    for (int e = threadIdx.x; e < kMoeTileM * kMoeTileK; e += blockDim.x) {
      int r = e / kMoeTileK, kk = e % kMoeTileK;
      bool inK = k0 + kk < g.k;
      aTile[kk][r] = aPtr[r] && inK ? aPtr[r][k0 + kk] : 0.0f;
      bTile[kk][r] = bPtr[r] && inK ? bPtr[r][k0 + kk] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int kk = 0; kk < kMoeTileK; ++kk) {
      float a[8], b[4];
#pragma unroll
      for (int i = 0; i < 8; ++i)
        a[i] = aTile[kk][ty * 8 + i];
#pragma unroll
      for (int j = 0; j < 4; ++j)
        b[j] = bTile[kk][tx + 16 * j];
#pragma unroll
      for (int i = 0; i < 8; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j)
          acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    int64_t row = t.rowBegin + ty * 8 + i;
    if (row >= t.rowEnd)
      continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      int64_t n = t.col0 + tx + 16 * j;
      if (n < g.n)
        g.c[row * g.ldc + n] = acc[i][j];
    }
  }
}

bool aligned16(const void *p) {
  return reinterpret_cast<uintptr_t>(p) % 16 == 0;
}

} // namespace

cudaError_t launchGroupedGemm(DType dtype, const GroupedGemm &g,
                              cudaStream_t stream) {
  if (g.maxRowTiles == 0 || g.n == 0)
    return cudaSuccess;
  dim3 grid(unsigned(g.maxRowTiles),
            unsigned((g.n + kMoeTileN - 1) / kMoeTileN));
  // 16-byte loads need every row start 16-byte aligned: 8-element rows and
  // strides on aligned bases.
  bool vec = g.k % 8 == 0 && g.lda % 8 == 0 && aligned16(g.a) &&
             aligned16(g.first) && (!g.second || aligned16(g.second)) &&
             g.firstExpertStride % 8 == 0 && g.secondExpertStride % 8 == 0;
  switch (dtype) {
  case DType::F32:
    groupedGemmF32Kernel<<<grid, 128, 0, stream>>>(g);
    break;
  case DType::BF16:
    groupedGemmWmmaKernel<__nv_bfloat16><<<grid, 128, 0, stream>>>(g, vec);
    break;
  case DType::F16:
    groupedGemmWmmaKernel<__half><<<grid, 128, 0, stream>>>(g, vec);
    break;
  default:
    return cudaErrorInvalidValue;
  }
  return cudaGetLastError();
}

} // namespace deepc::rt::cuda
