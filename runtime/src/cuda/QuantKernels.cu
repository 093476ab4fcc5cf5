//===- QuantKernels.cu - quantize, dequantize and qmatmul on the GPU ------===//
//
// src/cpu/Quant.cpp's numerics: quantize divides in f32, rounds half to
// even, adds the zero point and saturates (NaN quantizes to the zero
// point; FP8 saturates to ±448 with no zero point); dequantize computes
// (q - zero point) · scale in f32 and rounds to the result type. i4 values
// are one sign-extended value per byte, as everywhere in the runtime.
//
// qmatmul takes one of two paths (planQMatmul): for a few rows (decode) a
// warp per weight row dequantizes it on the fly and dots it with every
// input row, so the weight is read once and nothing is written; for more
// rows the weight is dequantized into the workspace in the input's type
// and cuBLASLt multiplies. In bf16/f16 the GEMM path rounds the
// dequantized weight to that type (the CPU keeps it f32).
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/DeviceMath.cuh"
#include "cuda/ExtraKernelPlans.h"
#include "cuda/Gemm.h"

namespace deepc::rt::cuda {
namespace {

/// A quantized storage element (i8, i4 or f8e4m3fn) as f32; loadFloat
/// reads all three exactly.
__device__ inline float loadQuantized(const void *p, DType t, int64_t i) {
  return loadFloat(p, t, i);
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

struct QuantArgs {
  const void *x, *scale, *zeroPoint; // zeroPoint may be null
  void *y;
  DType xType, scaleType, zeroPointType, yType;
  QuantGranularity g;
  int64_t n;
};

__global__ void quantizeKernel(QuantArgs a) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < a.n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t si = a.g.scaleIndex(i);
    float v = loadFloat(a.x, a.xType, i) / loadFloat(a.scale, a.scaleType, si);
    if (a.yType == DType::F8E4M3FN) {
      static_cast<uint8_t *>(a.y)[i] = floatToF8e4m3fnDevice(v);
      continue;
    }
    float lo = a.yType == DType::I4 ? -8.0f : -128.0f;
    float hi = a.yType == DType::I4 ? 7.0f : 127.0f;
    float r = isnan(v) ? 0.0f : rintf(v); // rintf rounds half to even
    if (a.zeroPoint)
      r += loadQuantized(a.zeroPoint, a.zeroPointType, si);
    static_cast<int8_t *>(a.y)[i] = int8_t(fminf(hi, fmaxf(lo, r)));
  }
}

__global__ void dequantizeKernel(QuantArgs a) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < a.n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t si = a.g.scaleIndex(i);
    float z =
        a.zeroPoint ? loadQuantized(a.zeroPoint, a.zeroPointType, si) : 0.0f;
    float v = (loadQuantized(a.x, a.xType, i) - z) *
              loadFloat(a.scale, a.scaleType, si);
    storeFloat(a.y, a.yType, i, v);
  }
}

template <bool Quantize> Status quantRun(CudaKernelContext &ctx) {
  QuantArgs a;
  DEEPC_RETURN_IF_ERROR(checkQuantGranularity(ctx, a.g));
  const TensorRef &in = ctx.input(0), &out = ctx.output(0);
  if (Quantize ? !isQuantStorageType(out.dtype) || !isDeviceFloat(in.dtype)
               : !isQuantStorageType(in.dtype) || !isDeviceFloat(out.dtype))
    return ctx.error(std::string("cannot convert ") + dtypeName(in.dtype) +
                     " to " + dtypeName(out.dtype));
  a.x = in.data;
  a.xType = in.dtype;
  a.scale = ctx.input(1).data;
  a.scaleType = ctx.input(1).dtype;
  a.zeroPoint = ctx.hasInput(2) ? ctx.input(2).data : nullptr;
  a.zeroPointType = ctx.hasInput(2) ? ctx.input(2).dtype : DType::Invalid;
  a.y = out.data;
  a.yType = out.dtype;
  a.n = in.numel();
  if (a.n == 0)
    return okStatus();
  if (Quantize)
    quantizeKernel<<<gridFor(a.n), kThreadsPerBlock, 0, ctx.stream()>>>(a);
  else
    dequantizeKernel<<<gridFor(a.n), kThreadsPerBlock, 0, ctx.stream()>>>(a);
  return ctx.checkLaunch();
}

/// Float operands of the types the kernels read; storage i8, i4 or f8; a
/// zero point of a storage type or absent.
bool quantSupports(const PlanStep &step, const Plan &plan, DType floatSide,
                   DType storageSide) {
  DType scale = planInputDType(step, plan, 1),
        zeroPoint = planInputDType(step, plan, 2);
  return isDeviceFloat(floatSide) && isQuantStorageType(storageSide) &&
         isDeviceFloat(scale) &&
         (zeroPoint == DType::Invalid || isQuantStorageType(zeroPoint));
}

bool quantizeSupports(const PlanStep &step, const Plan &plan) {
  return quantSupports(step, plan, planInputDType(step, plan, 0),
                       planOutputDType(step, plan, 0));
}

bool dequantizeSupports(const PlanStep &step, const Plan &plan) {
  return quantSupports(step, plan, planOutputDType(step, plan, 0),
                       planInputDType(step, plan, 0));
}

//===----------------------------------------------------------------------===//
// qmatmul
//===----------------------------------------------------------------------===//

struct QMatmulArgs {
  const void *x, *w, *scales, *zeroPoints; // zeroPoints may be null
  DType xType, wType, scaleType, yType;
  void *y; // the result [M, N], or the dequantized weight [N, K]
  QMatmulPlan p;
};

/// The dequantized weight element [n, k]; `blockRow` is n's first scale,
/// (n / bn) * kBlocks, which callers walking a row compute once.
__device__ inline float dequantWeight(const QMatmulArgs &a, int64_t n,
                                      int64_t k, int64_t blockRow) {
  int64_t b = blockRow + k / a.p.bk;
  float z = a.zeroPoints ? loadQuantized(a.zeroPoints, a.wType, b) : 0.0f;
  return (loadQuantized(a.w, a.wType, n * a.p.k + k) - z) *
         loadFloat(a.scales, a.scaleType, b);
}

constexpr int kGemvWarps = 8;

/// One warp per weight row n: y[r, n] = Σ_k x[r, k] · dequant(w)[n, k] for
/// every r < m (m ≤ kQMatmulGemvMaxRows), f32 accumulation.
__global__ void qmatmulGemvKernel(QMatmulArgs a) {
  int lane = threadIdx.x & 31;
  int64_t warps = int64_t(gridDim.x) * kGemvWarps;
  for (int64_t n = blockIdx.x * int64_t(kGemvWarps) + (threadIdx.x >> 5);
       n < a.p.n; n += warps) {
    float acc[kQMatmulGemvMaxRows];
#pragma unroll
    for (int r = 0; r < kQMatmulGemvMaxRows; ++r)
      acc[r] = 0.0f;
    int64_t blockRow = (n / a.p.bn) * a.p.kBlocks;
    for (int64_t k = lane; k < a.p.k; k += 32) {
      float w = dequantWeight(a, n, k, blockRow);
#pragma unroll
      for (int r = 0; r < kQMatmulGemvMaxRows; ++r)
        if (r < a.p.m)
          acc[r] += loadFloat(a.x, a.xType, r * a.p.k + k) * w;
    }
#pragma unroll
    for (int r = 0; r < kQMatmulGemvMaxRows; ++r) {
      if (r >= a.p.m)
        break;
      float sum = warpReduce(acc[r], SumOp());
      if (lane == 0)
        storeFloat(a.y, a.yType, r * a.p.n + n, sum);
    }
  }
}

/// y[n, k] = dequant(w)[n, k] in yType.
__global__ void dequantizeWeightKernel(QMatmulArgs a) {
  int64_t total = a.p.n * a.p.k;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t n = i / a.p.k;
    storeFloat(a.y, a.yType, i,
               dequantWeight(a, n, i % a.p.k, (n / a.p.bn) * a.p.kBlocks));
  }
}

Status qmatmulRun(CudaKernelContext &ctx) {
  QMatmulArgs a;
  DEEPC_RETURN_IF_ERROR(planQMatmul(ctx, a.p));
  const TensorRef &x = ctx.input(0);
  TensorRef &out = ctx.output(0);
  if (!isDeviceFloat(x.dtype) || out.dtype != x.dtype)
    return ctx.error(std::string("the result must have the input's type ") +
                     dtypeName(x.dtype) + ", got " + dtypeName(out.dtype));
  if (out.numel() == 0)
    return okStatus();
  a.x = x.data;
  a.xType = x.dtype;
  a.w = ctx.input(1).data;
  a.wType = ctx.input(1).dtype;
  a.scales = ctx.input(2).data;
  a.scaleType = ctx.input(2).dtype;
  a.zeroPoints = ctx.hasInput(3) ? ctx.input(3).data : nullptr;
  if (a.p.k == 0) // an empty contraction is all zeros
    return cudaStatus(cudaMemsetAsync(out.data, 0, out.bytes(), ctx.stream()),
                      ctx.error("zero fill").message());
  if (a.p.gemv) {
    a.y = out.data;
    a.yType = out.dtype;
    int64_t blocks = (a.p.n + kGemvWarps - 1) / kGemvWarps;
    qmatmulGemvKernel<<<unsigned(blocks < kMaxBlocks ? blocks : kMaxBlocks),
                        32 * kGemvWarps, 0, ctx.stream()>>>(a);
    return ctx.checkLaunch();
  }
  void *weight = ctx.libraries().deviceScratch(a.p.workspaceBytes);
  if (!weight)
    return resourceExhausted(ctx.error("cannot allocate " +
                                       std::to_string(a.p.workspaceBytes) +
                                       " bytes of device workspace")
                                 .message());
  a.y = weight;
  a.yType = x.dtype;
  dequantizeWeightKernel<<<gridFor(a.p.n * a.p.k), kThreadsPerBlock, 0,
                           ctx.stream()>>>(a);
  DEEPC_RETURN_IF_ERROR(ctx.checkLaunch());
  GemmCall gemm;
  gemm.m = a.p.m;
  gemm.n = a.p.n;
  gemm.k = a.p.k;
  gemm.transRhs = true;
  gemm.inType = x.dtype;
  gemm.outType = out.dtype;
  gemm.lhs = x.data;
  gemm.rhs = weight;
  gemm.out = out.data;
  return runGemm(ctx, gemm);
}

/// A device float input, scales and result; a storage-type weight and
/// zero points of the weight's type.
bool qmatmulSupports(const PlanStep &step, const Plan &plan) {
  DType x = planInputDType(step, plan, 0), w = planInputDType(step, plan, 1);
  DType zeroPoints = planInputDType(step, plan, 3);
  return isDeviceFloat(x) && isQuantStorageType(w) &&
         isDeviceFloat(planInputDType(step, plan, 2)) &&
         planOutputDType(step, plan, 0) == x &&
         (zeroPoints == DType::Invalid || zeroPoints == w);
}

} // namespace

void registerQuantKernels(CudaKernelRegistry &registry) {
  registry.add("deepc.quantize", {quantRun<true>, quantizeSupports});
  registry.add("deepc.dequantize", {quantRun<false>, dequantizeSupports});
  registry.add("deepc.qmatmul", {qmatmulRun, qmatmulSupports});
}

} // namespace deepc::rt::cuda
