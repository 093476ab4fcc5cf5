//===- MathUtil.h - helpers shared by the CPU kernels ----------*- C++ -*-===//
//
// The math kernels compute in f32 (or int64 for integers): inputs of the
// narrower float formats are widened once into scratch memory and results
// are narrowed once at the end, so each kernel has a single f32 code path.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CPU_MATHUTIL_H
#define DEEPC_RUNTIME_CPU_MATHUTIL_H

#include "core/ShapeMath.h"
#include "deepc/rt/Kernel.h"

#include <cmath>
#include <cstring>
#include <omp.h>
#include <string>

namespace deepc::rt::cpu {

/// The OpenMP team size a kernel may use.
inline int threadCount(const KernelContext &ctx) {
  return ctx.numThreads > 0 ? ctx.numThreads : omp_get_max_threads();
}

// normalizeAxis(axis, rank, out) and dimProduct, shared with the CUDA host
// code; the in-place overload below would hide them otherwise.
using ::deepc::rt::dimProduct;
using ::deepc::rt::normalizeAxis;

/// normalizeAxis in place: `axis` becomes non-negative.
inline bool normalizeAxis(int64_t &axis, int rank) {
  int out;
  if (!normalizeAxis(axis, rank, out))
    return false;
  axis = out;
  return true;
}

/// Converts `n` elements of float dtype `t` to f32.
inline void widenToF32(const void *src, DType t, int64_t n, float *dst,
                       int threads) {
  switch (t) {
  case DType::F32:
    std::memcpy(dst, src, size_t(n) * 4);
    return;
  case DType::F16: {
    const uint16_t *s = static_cast<const uint16_t *>(src);
#pragma omp parallel for num_threads(threads) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      dst[i] = halfToFloat(s[i]);
    return;
  }
  case DType::BF16: {
    const uint16_t *s = static_cast<const uint16_t *>(src);
#pragma omp parallel for num_threads(threads) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      dst[i] = bf16ToFloat(s[i]);
    return;
  }
  case DType::F8E4M3FN: {
    const uint8_t *s = static_cast<const uint8_t *>(src);
#pragma omp parallel for num_threads(threads) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      dst[i] = f8e4m3fnToFloat(s[i]);
    return;
  }
  default:
    for (int64_t i = 0; i < n; ++i)
      dst[i] = float(loadAsDouble(src, t, i));
    return;
  }
}

/// Converts `n` f32 values to float dtype `t` (round to nearest even).
inline void narrowFromF32(const float *src, DType t, int64_t n, void *dst,
                          int threads) {
  switch (t) {
  case DType::F32:
    std::memcpy(dst, src, size_t(n) * 4);
    return;
  case DType::F16: {
    uint16_t *d = static_cast<uint16_t *>(dst);
#pragma omp parallel for num_threads(threads) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      d[i] = floatToHalf(src[i]);
    return;
  }
  case DType::BF16: {
    uint16_t *d = static_cast<uint16_t *>(dst);
#pragma omp parallel for num_threads(threads) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      d[i] = floatToBf16(src[i]);
    return;
  }
  default:
    for (int64_t i = 0; i < n; ++i)
      storeFromDouble(dst, t, i, src[i]);
    return;
  }
}

/// The f32 values of tensor `t`: its own data when it is f32, else a
/// widened copy in scratch memory. Null when out of memory.
inline const float *f32Values(KernelContext &ctx, const TensorRef &t) {
  if (t.dtype == DType::F32)
    return t.as<const float>();
  float *copy = static_cast<float *>(ctx.scratch(size_t(t.numel()) * 4));
  if (copy)
    widenToF32(t.data, t.dtype, t.numel(), copy, threadCount(ctx));
  return copy;
}

/// Where a kernel writes the f32 results for `out`: its buffer when it is
/// f32, else scratch to be narrowed by storeF32Results. Null when out of
/// memory.
inline float *f32Results(KernelContext &ctx, const TensorRef &out) {
  if (out.dtype == DType::F32)
    return out.as<float>();
  return static_cast<float *>(ctx.scratch(size_t(out.numel()) * 4));
}

/// Narrows results written where f32Results said into `out`.
inline void storeF32Results(KernelContext &ctx, const float *values,
                            TensorRef &out) {
  if (out.dtype != DType::F32)
    narrowFromF32(values, out.dtype, out.numel(), out.data, threadCount(ctx));
}

inline Status outOfMemory(const KernelContext &ctx) {
  Status s = ctx.error("out of scratch memory");
  return resourceExhausted(s.message());
}

/// "input 0 (q)" style names in messages.
inline std::string shapeText(const TensorRef &t) { return t.shape.str(); }

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

} // namespace deepc::rt::cpu

#endif // DEEPC_RUNTIME_CPU_MATHUTIL_H
