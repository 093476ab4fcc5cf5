//===- ElementAccess.cuh - f32 views of device tensor elements --*- CUDA
//-*-===//
//
// The CUDA kernels compute in f32 whatever the storage type: these convert
// on load and round on store. Shared by the attention and MoE kernels.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_ATTENTION_ELEMENTACCESS_CUH
#define DEEPC_RUNTIME_CUDA_ATTENTION_ELEMENTACCESS_CUH

#include "deepc/rt/DType.h"

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

namespace deepc::rt::cuda {

__device__ __forceinline__ float toF32(float v) { return v; }
__device__ __forceinline__ float toF32(__half v) { return __half2float(v); }
__device__ __forceinline__ float toF32(__nv_bfloat16 v) {
  return __bfloat162float(v);
}

template <typename T> __device__ __forceinline__ T fromF32(float v);
template <> __device__ __forceinline__ float fromF32<float>(float v) {
  return v;
}
template <> __device__ __forceinline__ __half fromF32<__half>(float v) {
  return __float2half_rn(v);
}
template <>
__device__ __forceinline__ __nv_bfloat16 fromF32<__nv_bfloat16>(float v) {
  return __float2bfloat16_rn(v);
}

/// Element `i` of a float tensor whose type is only known at run time (for
/// small side operands: gates, sinks, biases).
__device__ __forceinline__ float loadAsF32(const void *p, DType t, int64_t i) {
  switch (t) {
  case DType::F16:
    return toF32(static_cast<const __half *>(p)[i]);
  case DType::BF16:
    return toF32(static_cast<const __nv_bfloat16 *>(p)[i]);
  default:
    return static_cast<const float *>(p)[i];
  }
}

__device__ __forceinline__ float sigmoidF32(float x) {
  return 1.0f / (1.0f + expf(-x));
}

__device__ __forceinline__ float warpMax(float v) {
  for (int o = 16; o > 0; o /= 2)
    v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

__device__ __forceinline__ float warpSum(float v) {
  for (int o = 16; o > 0; o /= 2)
    v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_ATTENTION_ELEMENTACCESS_CUH
