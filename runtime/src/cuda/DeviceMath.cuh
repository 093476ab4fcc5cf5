//===- DeviceMath.cuh - element access and reductions on the GPU *- C++ -*-===//
//
// The device side of DType.h: reading any element as f32/double/int64 and
// storing with deepc.cast's semantics, so that every CUDA kernel rounds and
// saturates exactly as the CPU kernels and the region interpreter do. The
// dtype is a run-time argument (one switch per element): it keeps each
// kernel to one instantiation, which keeps nvcc's compile time low; the
// memory-bound kernels here hardly notice the branch.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_DEVICEMATH_CUH
#define DEEPC_RUNTIME_CUDA_DEVICEMATH_CUH

#include "cuda/Geometry.h"
#include "deepc/rt/DType.h"
#include "deepc/rt/Tensor.h"

#include <cstdint>
#include <cuda_bf16.h>
#include <cuda_fp16.h>

namespace deepc::rt::cuda {

constexpr int kThreadsPerBlock = 256;
/// Grid-stride loops cap their grid here; more blocks only add scheduling.
constexpr int64_t kMaxBlocks = 65535;

inline unsigned gridFor(int64_t n, int threads = kThreadsPerBlock) {
  int64_t blocks = (n + threads - 1) / threads;
  if (blocks < 1)
    blocks = 1;
  return unsigned(blocks < kMaxBlocks ? blocks : kMaxBlocks);
}

/// The offset under `strides` of row-major element `index` of `dims`.
__device__ inline int64_t offsetOf(int64_t index, int rank, const int64_t *dims,
                                   const int64_t *strides) {
  int64_t off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    off += (index % dims[d]) * strides[d];
    index /= dims[d];
  }
  return off;
}

__device__ inline float f8e4m3fnToFloatDevice(uint8_t v) {
  float sign = (v & 0x80) ? -1.0f : 1.0f;
  if ((v & 0x7F) == 0x7F)
    return __int_as_float(0x7fc00000);
  int exp = (v >> 3) & 0xF, mant = v & 0x7;
  if (exp == 0)
    return sign * ldexpf(float(mant), -9);
  return sign * ldexpf(float(8 + mant), exp - 10);
}

/// Saturates to ±448 (ONNX Cast's default), as floatToF8e4m3fn does.
__device__ inline uint8_t floatToF8e4m3fnDevice(float f) {
  uint8_t sign = signbit(f) ? 0x80 : 0;
  if (isnan(f))
    return sign | 0x7F;
  double a = fabs(double(f));
  if (a >= 448.0)
    return sign | 0x7E;
  if (a < ldexp(1.0, -6))
    return sign | uint8_t(nearbyint(ldexp(a, 9)));
  int e;
  double fr = frexp(a, &e);
  int exp = e - 1;
  double m = nearbyint(fr * 16.0);
  if (m >= 16.0) {
    m = 8.0;
    ++exp;
  }
  int code = ((exp + 7) << 3) | (int(m) - 8);
  return sign | uint8_t(code > 0x7E ? 0x7E : code);
}

__device__ inline float loadFloat(const void *p, DType t, int64_t i) {
  switch (t) {
  case DType::F32:
    return static_cast<const float *>(p)[i];
  case DType::F16:
    return __half2float(static_cast<const __half *>(p)[i]);
  case DType::BF16:
    return __bfloat162float(static_cast<const __nv_bfloat16 *>(p)[i]);
  case DType::F8E4M3FN:
    return f8e4m3fnToFloatDevice(static_cast<const uint8_t *>(p)[i]);
  case DType::Bool:
    return static_cast<const uint8_t *>(p)[i] != 0 ? 1.0f : 0.0f;
  case DType::I4:
  case DType::I8:
    return static_cast<const int8_t *>(p)[i];
  case DType::I32:
    return float(static_cast<const int32_t *>(p)[i]);
  case DType::I64:
    return float(static_cast<const int64_t *>(p)[i]);
  default:
    return 0.0f;
  }
}

/// Float results only (f32, f16, bf16, f8e4m3fn), rounding to nearest even.
__device__ inline void storeFloat(void *p, DType t, int64_t i, float v) {
  switch (t) {
  case DType::F32:
    static_cast<float *>(p)[i] = v;
    return;
  case DType::F16:
    static_cast<__half *>(p)[i] = __float2half_rn(v);
    return;
  case DType::BF16:
    static_cast<__nv_bfloat16 *>(p)[i] = __float2bfloat16_rn(v);
    return;
  case DType::F8E4M3FN:
    static_cast<uint8_t *>(p)[i] = floatToF8e4m3fnDevice(v);
    return;
  default:
    return;
  }
}

__device__ inline double loadDouble(const void *p, DType t, int64_t i) {
  if (t == DType::I64)
    return double(static_cast<const int64_t *>(p)[i]);
  return double(loadFloat(p, t, i));
}

__device__ inline int64_t loadInt64(const void *p, DType t, int64_t i) {
  switch (t) {
  case DType::Bool:
    return static_cast<const uint8_t *>(p)[i] != 0;
  case DType::I4:
  case DType::I8:
    return static_cast<const int8_t *>(p)[i];
  case DType::I32:
    return static_cast<const int32_t *>(p)[i];
  case DType::I64:
    return static_cast<const int64_t *>(p)[i];
  default:
    return 0; // callers use loadDouble for floats
  }
}

/// storeFromInt64 of DType.cpp: integers wrap to the target's width.
__device__ inline void storeInt64(void *p, DType t, int64_t i, int64_t v) {
  switch (t) {
  case DType::F32:
  case DType::F16:
  case DType::BF16:
  case DType::F8E4M3FN:
    storeFloat(p, t, i, float(double(v)));
    return;
  case DType::Bool:
    static_cast<uint8_t *>(p)[i] = v != 0;
    return;
  case DType::I4: {
    int64_t low = v & 0xF;
    static_cast<int8_t *>(p)[i] = int8_t(low >= 8 ? low - 16 : low);
    return;
  }
  case DType::I8:
    static_cast<int8_t *>(p)[i] = int8_t(uint8_t(uint64_t(v)));
    return;
  case DType::I32:
    static_cast<int32_t *>(p)[i] = int32_t(uint32_t(uint64_t(v)));
    return;
  case DType::I64:
    static_cast<int64_t *>(p)[i] = v;
    return;
  default:
    return;
  }
}

/// storeFromDouble of DType.cpp: float to integer truncates toward zero and
/// saturates at the target's range, NaN gives 0; to bool is `!= 0`.
__device__ inline void storeDouble(void *p, DType t, int64_t i, double v) {
  switch (t) {
  case DType::F32:
  case DType::F16:
  case DType::BF16:
  case DType::F8E4M3FN:
    storeFloat(p, t, i, float(v));
    return;
  case DType::Bool:
    static_cast<uint8_t *>(p)[i] = v != 0;
    return;
  default:
    break;
  }
  double lo = -9.2233720368547758e18, hi = 9.2233720368547758e18;
  if (t == DType::I4) {
    lo = -8;
    hi = 7;
  } else if (t == DType::I8) {
    lo = -128;
    hi = 127;
  } else if (t == DType::I32) {
    lo = -2147483648.0;
    hi = 2147483647.0;
  }
  int64_t x;
  if (isnan(v))
    x = 0;
  else if (v >= hi)
    x = t == DType::I64 ? INT64_MAX : int64_t(hi);
  else if (v <= lo)
    x = t == DType::I64 ? INT64_MIN : int64_t(lo);
  else
    x = int64_t(v);
  storeInt64(p, t, i, x);
}

//===----------------------------------------------------------------------===//
// Block-wide reductions (blockDim.x a multiple of 32, at most 1024)
//===----------------------------------------------------------------------===//

template <typename T, typename Op> __device__ T warpReduce(T v, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1)
    v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}

/// Every thread gets the reduction of all threads' `v`. `shared` holds 32
/// elements; the call synchronizes the block, so it may be reused after.
template <typename T, typename Op>
__device__ T blockReduce(T v, Op op, T identity, T *shared) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  v = warpReduce(v, op);
  __syncthreads(); // `shared` may still be read by a previous call
  if (lane == 0)
    shared[warp] = v;
  __syncthreads();
  int numWarps = (blockDim.x + 31) >> 5;
  v = lane < numWarps ? shared[lane] : identity;
  return warpReduce(v, op);
}

struct SumOp {
  template <typename T> __device__ T operator()(T a, T b) const {
    return a + b;
  }
};
struct ProdOp {
  template <typename T> __device__ T operator()(T a, T b) const {
    return a * b;
  }
};
/// max/min that propagate NaN (ONNX ReduceMax/ReduceMin).
struct MaxOp {
  template <typename T> __device__ T operator()(T a, T b) const {
    return (a != a || b != b) ? (a != a ? a : b) : (a > b ? a : b);
  }
};
struct MinOp {
  template <typename T> __device__ T operator()(T a, T b) const {
    return (a != a || b != b) ? (a != a ? a : b) : (a < b ? a : b);
  }
};

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_DEVICEMATH_CUH
