//===- Norm.cpp - rms_norm and layer_norm on the CPU ----------------------===//
//
// Both normalize each row of the last dimension. Statistics accumulate in
// double; epsilon is added to the mean square (RMS) or the variance
// (layer norm) inside the square root, as ONNX's
// (Simplified)LayerNormalization and RMSNormalization do.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

namespace deepc::rt::cpu {
namespace {

/// Checks an optional per-channel vector operand `i` named `name`.
Status checkChannelVector(KernelContext &ctx, int i, const char *name) {
  if (!ctx.hasInput(i))
    return okStatus();
  const TensorRef &in = ctx.input(0), &v = ctx.input(i);
  int64_t channels = in.shape[in.shape.rank - 1];
  if (v.shape.rank != 1 || v.shape[0] != channels)
    return ctx.error(std::string(name) + " must be a vector of the " +
                     std::to_string(channels) +
                     " channels of the normalized (last) dimension, got " +
                     v.shape.str());
  if (!isFloat(v.dtype))
    return ctx.error(std::string(name) + " must be a float tensor, got " +
                     dtypeName(v.dtype));
  return okStatus();
}

Status inferNorm(KernelContext &ctx, int numVectors) {
  const TensorRef &in = ctx.input(0);
  if (in.shape.rank < 1)
    return ctx.error("input must have rank 1 or more: the last dimension is "
                     "normalized");
  if (!isFloat(in.dtype))
    return ctx.error(std::string("input must be a float tensor, got ") +
                     dtypeName(in.dtype));
  DEEPC_RETURN_IF_ERROR(checkChannelVector(ctx, 1, "weight"));
  if (numVectors > 1)
    DEEPC_RETURN_IF_ERROR(checkChannelVector(ctx, 2, "bias"));
  ctx.output(0).shape = in.shape;
  return okStatus();
}

Status inferRmsNorm(KernelContext &ctx) { return inferNorm(ctx, 1); }
Status inferLayerNorm(KernelContext &ctx) { return inferNorm(ctx, 2); }

template <bool Centered> Status runNorm(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(inferNorm(ctx, Centered ? 2 : 1));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  double eps = ctx.attrs().getFloat("epsilon", Centered ? 1e-5 : 1e-6);
  // The attribute is an f32 in the IR; compute with that value.
  float epsilon = float(eps);
  const float *x = f32Values(ctx, in);
  const float *w = ctx.hasInput(1) ? f32Values(ctx, ctx.input(1)) : nullptr;
  const float *b =
      Centered && ctx.hasInput(2) ? f32Values(ctx, ctx.input(2)) : nullptr;
  float *y = f32Results(ctx, out);
  if (!x || !y || (ctx.hasInput(1) && !w) ||
      (Centered && ctx.hasInput(2) && !b))
    return outOfMemory(ctx);
  int64_t d = in.shape[in.shape.rank - 1];
  int64_t rows = d == 0 ? 0 : in.numel() / d;
#pragma omp parallel for num_threads(threadCount(ctx)) if (rows * d > 16384)
  for (int64_t r = 0; r < rows; ++r) {
    const float *xr = x + r * d;
    float *yr = y + r * d;
    double mean = 0;
    if (Centered) {
      for (int64_t i = 0; i < d; ++i)
        mean += xr[i];
      mean /= double(d);
    }
    double sq = 0;
    for (int64_t i = 0; i < d; ++i) {
      double c = xr[i] - mean;
      sq += c * c;
    }
    float inv = float(1.0 / std::sqrt(sq / double(d) + double(epsilon)));
    float m = float(mean);
    for (int64_t i = 0; i < d; ++i) {
      float v = (xr[i] - m) * inv;
      if (w)
        v *= w[i];
      if (b)
        v += b[i];
      yr[i] = v;
    }
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerNormKernels(KernelRegistry &registry) {
  KernelDef rms;
  rms.infer = inferRmsNorm;
  rms.run = runNorm<false>;
  rms.rowWise = true; // each row reads only itself, weight and bias
  registry.add("deepc.rms_norm", rms);
  KernelDef layer;
  layer.infer = inferLayerNorm;
  layer.run = runNorm<true>;
  layer.rowWise = true;
  registry.add("deepc.layer_norm", layer);
}

} // namespace deepc::rt::cpu
