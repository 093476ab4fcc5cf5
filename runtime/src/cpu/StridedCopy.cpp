//===- StridedCopy.cpp - copy a strided view into a dense tensor ----------===//

#include "cpu/StridedCopy.h"

#include <cstring>
#include <omp.h>

namespace deepc::rt::cpu {
namespace {

/// Below this many bytes the copy stays on one thread.
constexpr int64_t kParallelBytes = 1 << 16;

template <typename T>
void copyRunTyped(const T *src, int64_t stride, int64_t n, T *dst) {
  if (stride == 0) {
    T v = *src;
    for (int64_t i = 0; i < n; ++i)
      dst[i] = v;
    return;
  }
  for (int64_t i = 0; i < n; ++i)
    dst[i] = src[i * stride];
}

/// Copies `n` elements read `stride` elements apart into dense `dst`.
void copyRun(const char *src, int64_t stride, int64_t n, size_t size,
             char *dst) {
  if (stride == 1) {
    std::memcpy(dst, src, size_t(n) * size);
    return;
  }
  switch (size) {
  case 1:
    return copyRunTyped(reinterpret_cast<const uint8_t *>(src), stride, n,
                        reinterpret_cast<uint8_t *>(dst));
  case 2:
    return copyRunTyped(reinterpret_cast<const uint16_t *>(src), stride, n,
                        reinterpret_cast<uint16_t *>(dst));
  case 4:
    return copyRunTyped(reinterpret_cast<const uint32_t *>(src), stride, n,
                        reinterpret_cast<uint32_t *>(dst));
  case 8:
    return copyRunTyped(reinterpret_cast<const uint64_t *>(src), stride, n,
                        reinterpret_cast<uint64_t *>(dst));
  default:
    for (int64_t i = 0; i < n; ++i)
      std::memcpy(dst + i * size, src + i * stride * int64_t(size), size);
  }
}

/// out[m][r][c] = src[base(m) + r + c * colStride]: a batch of 2-D
/// transposes, copied in square tiles so that both the reads and the writes
/// stay within a few cache lines.
template <typename T>
void transposeTiles(const T *src, const int64_t *dims, const int64_t *strides,
                    int outerRank, T *dst, bool parallel) {
  constexpr int64_t kTile = 32;
  int64_t rows = dims[outerRank], cols = dims[outerRank + 1];
  int64_t colStride = strides[outerRank + 1];
  int64_t numMats = 1;
  for (int d = 0; d < outerRank; ++d)
    numMats *= dims[d];
  int64_t rowTiles = (rows + kTile - 1) / kTile;
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t w = 0; w < numMats * rowTiles; ++w) {
    int64_t m = w / rowTiles, r0 = (w % rowTiles) * kTile;
    int64_t r1 = r0 + kTile < rows ? r0 + kTile : rows;
    int64_t base = 0;
    for (int64_t rest = m, d = outerRank - 1; d >= 0; --d) {
      base += (rest % dims[d]) * strides[d];
      rest /= dims[d];
    }
    T *out = dst + m * rows * cols;
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      int64_t c1 = c0 + kTile < cols ? c0 + kTile : cols;
      for (int64_t r = r0; r < r1; ++r)
        for (int64_t c = c0; c < c1; ++c)
          out[r * cols + c] = src[base + r + c * colStride];
    }
  }
}

template <typename T>
void transposeTilesAs(const void *src, const int64_t *dims,
                      const int64_t *strides, int outerRank, void *dst,
                      bool parallel) {
  transposeTiles(static_cast<const T *>(src), dims, strides, outerRank,
                 static_cast<T *>(dst), parallel);
}

} // namespace

void stridedCopy(const void *src, const int64_t *srcStrides, const Shape &shape,
                 size_t elementSize, void *dst) {
  // Drop unit dims and merge a dim into the previous one when stepping over
  // the whole inner dim is the same as one step of the outer one.
  int64_t dims[kMaxRank], strides[kMaxRank];
  int rank = 0;
  for (int d = 0; d < shape.rank; ++d) {
    if (shape.dims[d] == 0)
      return;
    if (shape.dims[d] == 1)
      continue;
    if (rank > 0 && strides[rank - 1] == srcStrides[d] * shape.dims[d]) {
      dims[rank - 1] *= shape.dims[d];
      strides[rank - 1] = srcStrides[d];
      continue;
    }
    dims[rank] = shape.dims[d];
    strides[rank] = srcStrides[d];
    ++rank;
  }
  const char *in = static_cast<const char *>(src);
  char *out = static_cast<char *>(dst);
  if (rank == 0) {
    std::memcpy(out, in, elementSize);
    return;
  }
  int64_t runLength = dims[rank - 1], runStride = strides[rank - 1];
  int outerRank = rank - 1;
  int64_t numRuns = 1;
  for (int d = 0; d < outerRank; ++d)
    numRuns *= dims[d];
  int64_t runBytes = runLength * int64_t(elementSize);
  bool parallel = runBytes * numRuns >= kParallelBytes && numRuns > 1;

  // The next-to-last dim is the contiguous one: a (batched) 2-D transpose.
  if (rank >= 2 && strides[rank - 2] == 1 && runStride != 0 && runStride != 1) {
    switch (elementSize) {
    case 1:
      return transposeTilesAs<uint8_t>(src, dims, strides, rank - 2, dst,
                                       parallel);
    case 2:
      return transposeTilesAs<uint16_t>(src, dims, strides, rank - 2, dst,
                                        parallel);
    case 4:
      return transposeTilesAs<uint32_t>(src, dims, strides, rank - 2, dst,
                                        parallel);
    case 8:
      return transposeTilesAs<uint64_t>(src, dims, strides, rank - 2, dst,
                                        parallel);
    default:
      break;
    }
  }

#pragma omp parallel if (parallel)
  {
    // Each thread takes a contiguous range of runs and walks it with an
    // odometer, so only its first run's coordinates need divisions.
    int numThreads = omp_get_num_threads(), thread = omp_get_thread_num();
    int64_t begin = numRuns * thread / numThreads;
    int64_t end = numRuns * (thread + 1) / numThreads;
    int64_t coord[kMaxRank] = {};
    int64_t offset = 0;
    for (int64_t rest = begin, d = outerRank - 1; d >= 0; --d) {
      coord[d] = rest % dims[d];
      rest /= dims[d];
      offset += coord[d] * strides[d];
    }
    for (int64_t r = begin; r < end; ++r) {
      copyRun(in + offset * int64_t(elementSize), runStride, runLength,
              elementSize, out + r * runBytes);
      for (int d = outerRank - 1; d >= 0; --d) {
        if (++coord[d] < dims[d]) {
          offset += strides[d];
          break;
        }
        offset -= strides[d] * (dims[d] - 1);
        coord[d] = 0;
      }
    }
  }
}

} // namespace deepc::rt::cpu
