//===- Quant.cpp - quantize, dequantize and qmatmul on the CPU ------------===//
//
// ONNX QuantizeLinear / DequantizeLinear numerics: x / scale in f32, rounded
// half to even, plus the zero point, saturated to the storage type; FP8
// saturates to +-448 with no zero point. i4 values are one sign-extended
// value per byte.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <cstring>
#include <vector>

namespace deepc::rt::cpu {
namespace {

/// Reads a quantized storage element (i8, i4 or f8) as float.
inline float loadQuantized(const void *data, DType t, int64_t i) {
  if (t == DType::F8E4M3FN)
    return f8e4m3fnToFloat(static_cast<const uint8_t *>(data)[i]);
  return float(static_cast<const int8_t *>(data)[i]);
}

bool isQuantStorage(DType t) {
  return t == DType::I8 || t == DType::I4 || t == DType::F8E4M3FN;
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

/// Where the scale of each input element is: the input as
/// [outer, axisSize, inner] and the scale's granularity.
struct Granularity {
  enum Kind { PerTensor, PerAxis, Blocked } kind = PerTensor;
  int64_t outer = 1, axisSize = 1, inner = 1, blockSize = 0, blocks = 1;

  int64_t scaleIndex(int64_t i) const {
    if (kind == PerTensor)
      return 0;
    int64_t in = i % inner, a = (i / inner) % axisSize;
    if (kind == PerAxis)
      return a;
    int64_t o = i / (inner * axisSize);
    return (o * blocks + a / blockSize) * inner + in;
  }
};

Status granularity(KernelContext &ctx, Granularity &g) {
  const TensorRef &in = ctx.input(0), &scale = ctx.input(1);
  int64_t blockSize = ctx.attrs().getInt("block_size", 0);
  int64_t axisAttr = ctx.attrs().getInt("axis", -1);
  if (blockSize < 0)
    return ctx.error("block_size (" + std::to_string(blockSize) +
                     ") must be non-negative (0 = not blocked)");
  if (!isFloat(scale.dtype))
    return ctx.error(std::string("scale must be a float tensor, got ") +
                     dtypeName(scale.dtype));
  if (ctx.hasInput(2) && ctx.input(2).shape != scale.shape &&
      !(ctx.input(2).numel() == 1 && scale.numel() == 1))
    return ctx.error("zero_point shape " + ctx.input(2).shape.str() +
                     " differs from scale shape " + scale.shape.str());
  if (blockSize == 0 && scale.numel() == 1) {
    g.kind = Granularity::PerTensor;
    return okStatus();
  }
  int axis;
  if (!normalizeAxis(axisAttr, in.shape.rank, axis))
    return ctx.error("axis " + std::to_string(axisAttr) +
                     " is out of range for an input of rank " +
                     std::to_string(in.shape.rank));
  g.outer = dimProduct(in.shape, 0, axis);
  g.axisSize = in.shape[axis];
  g.inner = dimProduct(in.shape, axis + 1, in.shape.rank);
  if (blockSize > 0) {
    Shape expected = in.shape;
    expected[axis] = (in.shape[axis] + blockSize - 1) / blockSize;
    if (scale.shape != expected)
      return ctx.error("blocked scale must have shape " + expected.str() +
                       " (input " + in.shape.str() + " in blocks of " +
                       std::to_string(blockSize) + " along axis " +
                       std::to_string(axis) + "), got " + scale.shape.str());
    g.kind = Granularity::Blocked;
    g.blockSize = blockSize;
    g.blocks = expected[axis];
    return okStatus();
  }
  if (scale.shape.rank != 1 || scale.shape[0] != in.shape[axis])
    return ctx.error("scale of shape " + scale.shape.str() +
                     " is neither per-tensor (one element) nor per-axis (" +
                     std::to_string(in.shape[axis]) + " elements along axis " +
                     std::to_string(axis) + ")");
  g.kind = Granularity::PerAxis;
  return okStatus();
}

Status inferQuantize(KernelContext &ctx) {
  Granularity g;
  if (!isFloat(ctx.input(0).dtype))
    return ctx.error(std::string("input must be a float tensor, got ") +
                     dtypeName(ctx.input(0).dtype));
  if (!isQuantStorage(ctx.output(0).dtype))
    return ctx.error(std::string("result type must be i8, i4 or f8e4m3fn, "
                                 "got ") +
                     dtypeName(ctx.output(0).dtype));
  DEEPC_RETURN_IF_ERROR(granularity(ctx, g));
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

Status inferDequantize(KernelContext &ctx) {
  Granularity g;
  if (!isQuantStorage(ctx.input(0).dtype))
    return ctx.error(std::string("input must be i8, i4 or f8e4m3fn, got ") +
                     dtypeName(ctx.input(0).dtype));
  if (!isFloat(ctx.output(0).dtype))
    return ctx.error(std::string("result type must be a float type, got ") +
                     dtypeName(ctx.output(0).dtype));
  DEEPC_RETURN_IF_ERROR(granularity(ctx, g));
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
  Granularity g;
  DEEPC_RETURN_IF_ERROR(granularity(ctx, g));
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
  Granularity g;
  DEEPC_RETURN_IF_ERROR(granularity(ctx, g));
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

struct QMatmulShape {
  int64_t m = 0, n = 0, k = 0, bn = 1, bk = 1, nBlocks = 1, kBlocks = 1;
};

Status analyzeQMatmul(KernelContext &ctx, QMatmulShape &p) {
  const TensorRef &x = ctx.input(0), &w = ctx.input(1), &s = ctx.input(2);
  if (x.shape.rank < 1 || w.shape.rank != 2)
    return ctx.error("needs an input [..., K] and a weight [N, K], got " +
                     x.shape.str() + " and " + w.shape.str());
  if (!isFloat(x.dtype) || !isFloat(s.dtype))
    return ctx.error("input and scales must be float tensors");
  if (!isQuantStorage(w.dtype))
    return ctx.error(std::string("weight must be i8, i4 or f8e4m3fn, got ") +
                     dtypeName(w.dtype));
  p.n = w.shape[0];
  p.k = w.shape[1];
  if (x.shape[x.shape.rank - 1] != p.k)
    return ctx.error("input " + x.shape.str() +
                     " has K = " + std::to_string(x.shape[x.shape.rank - 1]) +
                     " but the weight " + w.shape.str() +
                     " has K = " + std::to_string(p.k));
  std::vector<int64_t> block = ctx.attrs().getInts("block");
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return ctx.error("block must be [block_n, block_k] with both at least 1");
  p.bn = block[0];
  p.bk = block[1];
  p.nBlocks = (p.n + p.bn - 1) / p.bn;
  p.kBlocks = (p.k + p.bk - 1) / p.bk;
  Shape expected{p.nBlocks, p.kBlocks};
  if (s.shape != expected)
    return ctx.error("scales must have shape [ceil(N / block_n), ceil(K / "
                     "block_k)] = " +
                     expected.str() + ", got " + s.shape.str());
  if (ctx.hasInput(3)) {
    const TensorRef &z = ctx.input(3);
    if (z.shape != expected)
      return ctx.error("zero_points must have shape " + expected.str() +
                       ", got " + z.shape.str());
    if (z.dtype != w.dtype || w.dtype == DType::F8E4M3FN)
      return ctx.error("zero_points must have the integer weight's type");
  }
  p.m = dimProduct(x.shape, 0, x.shape.rank - 1);
  return okStatus();
}

Status inferQMatmul(KernelContext &ctx) {
  QMatmulShape p;
  DEEPC_RETURN_IF_ERROR(analyzeQMatmul(ctx, p));
  Shape out = ctx.input(0).shape;
  out[out.rank - 1] = p.n;
  ctx.output(0).shape = out;
  return okStatus();
}

Status runQMatmul(KernelContext &ctx) {
  QMatmulShape p;
  DEEPC_RETURN_IF_ERROR(analyzeQMatmul(ctx, p));
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
