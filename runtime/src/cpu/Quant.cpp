//===- Quant.cpp - quantize, dequantize and qmatmul on the CPU ------------===//
//
// ONNX QuantizeLinear / DequantizeLinear numerics: x / scale in f32, rounded
// half to even, plus the zero point, saturated to the storage type; FP8
// saturates to +-448 with no zero point. i4 values are one sign-extended
// value per byte.
//
//===----------------------------------------------------------------------===//

#include "core/OpChecks.h"
#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

/// Reads a quantized storage element (i8, i4 or f8) as float.
inline float loadQuantized(const void *data, DType t, int64_t i) {
  if (t == DType::F8E4M3FN)
    return f8e4m3fnToFloat(static_cast<const uint8_t *>(data)[i]);
  return float(static_cast<const int8_t *>(data)[i]);
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

Status inferQuantize(KernelContext &ctx) {
  QuantGranularity g;
  if (!isFloat(ctx.input(0).dtype))
    return ctx.error(std::string("input must be a float tensor, got ") +
                     dtypeName(ctx.input(0).dtype));
  if (!isQuantStorageType(ctx.output(0).dtype))
    return ctx.error(std::string("result type must be i8, i4 or f8e4m3fn, "
                                 "got ") +
                     dtypeName(ctx.output(0).dtype));
  DEEPC_RETURN_IF_ERROR(checkQuantGranularity(ctx, g));
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

Status inferDequantize(KernelContext &ctx) {
  QuantGranularity g;
  if (!isQuantStorageType(ctx.input(0).dtype))
    return ctx.error(std::string("input must be i8, i4 or f8e4m3fn, got ") +
                     dtypeName(ctx.input(0).dtype));
  if (!isFloat(ctx.output(0).dtype))
    return ctx.error(std::string("result type must be a float type, got ") +
                     dtypeName(ctx.output(0).dtype));
  DEEPC_RETURN_IF_ERROR(checkQuantGranularity(ctx, g));
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

/// round-half-even(v) + zp, saturated to [lo, hi]; NaN quantizes to the
/// zero point.
inline int8_t saturateInt(float v, float zp, float lo, float hi) {
  float r = std::isnan(v) ? 0.0f : std::nearbyint(v);
  r += zp;
  return int8_t(std::min(hi, std::max(lo, r)));
}

Status runQuantize(KernelContext &ctx) {
  QuantGranularity g;
  DEEPC_RETURN_IF_ERROR(checkQuantGranularity(ctx, g));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  const float *x = f32Values(ctx, in);
  const float *s = f32Values(ctx, ctx.input(1));
  if (!x || !s)
    return outOfMemory(ctx);
  bool hasZp = ctx.hasInput(2);
  const void *zp = hasZp ? ctx.input(2).data : nullptr;
  DType zt = hasZp ? ctx.input(2).dtype : DType::Invalid;
  int64_t n = in.numel();
  if (out.dtype == DType::F8E4M3FN) {
    uint8_t *y = out.as<uint8_t>();
#pragma omp parallel for num_threads(threadCount(ctx)) if (n > 65536)
    for (int64_t i = 0; i < n; ++i)
      y[i] = floatToF8e4m3fn(x[i] / s[g.scaleIndex(i)]);
    return okStatus();
  }
  float lo = out.dtype == DType::I4 ? -8.0f : -128.0f;
  float hi = out.dtype == DType::I4 ? 7.0f : 127.0f;
  int8_t *y = out.as<int8_t>();
#pragma omp parallel for num_threads(threadCount(ctx)) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    int64_t si = g.scaleIndex(i);
    float z = hasZp ? loadQuantized(zp, zt, si) : 0.0f;
    y[i] = saturateInt(x[i] / s[si], z, lo, hi);
  }
  return okStatus();
}

Status runDequantize(KernelContext &ctx) {
  QuantGranularity g;
  DEEPC_RETURN_IF_ERROR(checkQuantGranularity(ctx, g));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  const float *s = f32Values(ctx, ctx.input(1));
  float *y = f32Results(ctx, out);
  if (!s || !y)
    return outOfMemory(ctx);
  bool hasZp = ctx.hasInput(2);
  const void *zp = hasZp ? ctx.input(2).data : nullptr;
  DType zt = hasZp ? ctx.input(2).dtype : DType::Invalid;
  int64_t n = in.numel();
#pragma omp parallel for num_threads(threadCount(ctx)) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    int64_t si = g.scaleIndex(i);
    float z = hasZp ? loadQuantized(zp, zt, si) : 0.0f;
    y[i] = (loadQuantized(in.data, in.dtype, i) - z) * s[si];
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// qmatmul
//===----------------------------------------------------------------------===//

Status inferQMatmul(KernelContext &ctx) {
  QMatmulShape p;
  DEEPC_RETURN_IF_ERROR(checkQMatmul(ctx, p));
  Shape out = ctx.input(0).shape;
  out[out.rank - 1] = p.n;
  ctx.output(0).shape = out;
  return okStatus();
}

Status runQMatmul(KernelContext &ctx) {
  QMatmulShape p;
  DEEPC_RETURN_IF_ERROR(checkQMatmul(ctx, p));
  TensorRef &w = ctx.input(1), &out = ctx.output(0);
  const float *x = f32Values(ctx, ctx.input(0));
  const float *s = f32Values(ctx, ctx.input(2));
  float *wf = static_cast<float *>(ctx.scratch(size_t(p.n * p.k) * 4));
  float *y = f32Results(ctx, out);
  if (!x || !s || !wf || !y)
    return outOfMemory(ctx);
  bool hasZp = ctx.hasInput(3);
  const void *zp = hasZp ? ctx.input(3).data : nullptr;
  // Dequantize the weight once, then one GEMM: x [M, K] · wᵀ.
#pragma omp parallel for num_threads(threadCount(ctx)) if (p.n * p.k > 65536)
  for (int64_t n = 0; n < p.n; ++n) {
    int64_t row = (n / p.bn) * p.kBlocks;
    for (int64_t k = 0; k < p.k; ++k) {
      int64_t b = row + k / p.bk;
      float z = hasZp ? loadQuantized(zp, w.dtype, b) : 0.0f;
      wf[n * p.k + k] =
          (loadQuantized(w.data, w.dtype, n * p.k + k) - z) * s[b];
    }
  }
  if (p.m > 0 && p.n > 0) {
    if (p.k == 0)
      std::memset(y, 0, size_t(p.m * p.n) * 4);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(p.m), int(p.n),
                  int(p.k), 1.0f, x, int(p.k), wf, int(p.k), 0.0f, y, int(p.n));
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerQuantKernels(KernelRegistry &registry) {
  KernelDef quantize;
  quantize.infer = inferQuantize;
  quantize.run = runQuantize;
  registry.add("deepc.quantize", quantize);
  KernelDef dequantize;
  dequantize.infer = inferDequantize;
  dequantize.run = runDequantize;
  registry.add("deepc.dequantize", dequantize);
  KernelDef qmatmul;
  qmatmul.infer = inferQMatmul;
  qmatmul.run = runQMatmul;
  registry.add("deepc.qmatmul", qmatmul);
}

} // namespace deepc::rt::cpu
