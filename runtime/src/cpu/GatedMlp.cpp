//===- GatedMlp.cpp - deepc.gated_mlp on the CPU --------------------------===//
//
// y = (act(x·W_gᵀ) ⊙ (x·W_uᵀ)) · W_dᵀ in three steps: one GEMM of width 2I
// for gate and up together (w_gate_up stacks them), act(g)·u in one pass
// over that buffer, written over the gate half so that the down GEMM reads
// it in place with a row stride of 2I, then the down GEMM. A single token
// (decode) takes GEMV, which streams each weight once instead of packing it.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <cmath>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

enum Operand { kInput = 0, kGateUp = 1, kDown = 2 };

enum class Activation { Silu, Gelu, GeluTanh, Relu };

/// The sizes of one gated MLP: T tokens of H channels, I intermediate
/// channels, Ho outputs per token.
struct GatedMlpShape {
  int64_t tokens = 0, hidden = 0, inter = 0, out = 0;
  Activation act = Activation::Silu;
};

Status analyze(KernelContext &ctx, GatedMlpShape &p) {
  const TensorRef &x = ctx.input(kInput), &gateUp = ctx.input(kGateUp),
                  &down = ctx.input(kDown);
  if (!ctx.hasInput(kInput) || !ctx.hasInput(kGateUp) || !ctx.hasInput(kDown))
    return ctx.error("needs input, w_gate_up and w_down");
  if (x.shape.rank < 1)
    return ctx.error("input must have rank 1 or more, got " + x.shape.str());
  for (const TensorRef *t : {&x, &gateUp, &down})
    if (!isFloat(t->dtype) || t->dtype != x.dtype)
      return ctx.error(std::string("input, w_gate_up and w_down must share "
                                   "one float element type, got ") +
                       dtypeName(x.dtype) + ", " + dtypeName(gateUp.dtype) +
                       " and " + dtypeName(down.dtype));
  p.hidden = x.shape[x.shape.rank - 1];
  if (gateUp.shape.rank != 2 || gateUp.shape[0] % 2 != 0 ||
      gateUp.shape[1] != p.hidden)
    return ctx.error("w_gate_up must have shape [2 * intermediate, hidden] "
                     "with hidden = " +
                     std::to_string(p.hidden) + ", got " + gateUp.shape.str());
  p.inter = gateUp.shape[0] / 2;
  if (down.shape.rank != 2 || down.shape[1] != p.inter)
    return ctx.error("w_down must have shape [out, intermediate] with "
                     "intermediate = " +
                     std::to_string(p.inter) + ", got " + down.shape.str());
  p.out = down.shape[0];
  p.tokens = dimProduct(x.shape, 0, x.shape.rank - 1);

  std::string act = ctx.attrs().getString("activation", "silu");
  if (act == "silu")
    p.act = Activation::Silu;
  else if (act == "gelu")
    p.act = Activation::Gelu;
  else if (act == "gelu_tanh")
    p.act = Activation::GeluTanh;
  else if (act == "relu")
    p.act = Activation::Relu;
  else
    return ctx.error("unknown activation '" + act +
                     "' (expected silu, gelu, gelu_tanh or relu)");
  return okStatus();
}

Status inferGatedMlp(KernelContext &ctx) {
  GatedMlpShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  Shape out = ctx.input(kInput).shape;
  out.dims[out.rank - 1] = p.out;
  ctx.output(0).shape = out;
  return okStatus();
}

/// y[rows, n] = a[rows, k] (row stride lda) · w[n, k]ᵀ.
void linear(int64_t rows, int64_t n, int64_t k, const float *a, int64_t lda,
            const float *w, float *y) {
  if (rows == 0 || n == 0)
    return;
  if (k == 0) {
    std::memset(y, 0, size_t(rows * n) * sizeof(float));
    return;
  }
  if (rows == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, int(n), int(k), 1.0f, w, int(k), a,
                1, 0.0f, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(n),
              int(k), 1.0f, a, int(lda), w, int(k), 0.0f, y, int(n));
}

/// Replaces each row's gate half g with act(g) · u, u its up half. The
/// formulas are the primitive ops' (silu as x / (1 + e^-x)), in f32.
template <Activation act>
void gateRows(float *gateUp, int64_t rows, int64_t inter, int threads) {
  const float kSqrtHalf = 0.70710678118654752f;
  const float kSqrt2OverPi = 0.7978845608028654f;
#pragma omp parallel for num_threads(threads) if (rows * inter > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    float *g = gateUp + r * 2 * inter;
    const float *u = g + inter;
    for (int64_t i = 0; i < inter; ++i) {
      float x = g[i], a;
      if constexpr (act == Activation::Silu)
        a = x / (1.0f + std::exp(-x));
      else if constexpr (act == Activation::Gelu)
        a = 0.5f * x * (1.0f + std::erf(x * kSqrtHalf));
      else if constexpr (act == Activation::GeluTanh)
        a = 0.5f * x *
            (1.0f + std::tanh(kSqrt2OverPi * (x + 0.044715f * x * x * x)));
      else
        a = x > 0 ? x : 0.0f;
      g[i] = a * u[i];
    }
  }
}

Status runGatedMlp(KernelContext &ctx) {
  GatedMlpShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  TensorRef &out = ctx.output(0);
  const float *x = f32Values(ctx, ctx.input(kInput));
  const float *gateUpWeight = f32Values(ctx, ctx.input(kGateUp));
  const float *downWeight = f32Values(ctx, ctx.input(kDown));
  float *y = f32Results(ctx, out);
  auto *gateUp = static_cast<float *>(
      ctx.scratch(size_t(p.tokens * 2 * p.inter) * sizeof(float) + 1));
  if (!x || !gateUpWeight || !downWeight || !y || !gateUp)
    return outOfMemory(ctx);

  linear(p.tokens, 2 * p.inter, p.hidden, x, p.hidden, gateUpWeight, gateUp);
  int threads = threadCount(ctx);
  switch (p.act) {
  case Activation::Silu:
    gateRows<Activation::Silu>(gateUp, p.tokens, p.inter, threads);
    break;
  case Activation::Gelu:
    gateRows<Activation::Gelu>(gateUp, p.tokens, p.inter, threads);
    break;
  case Activation::GeluTanh:
    gateRows<Activation::GeluTanh>(gateUp, p.tokens, p.inter, threads);
    break;
  case Activation::Relu:
    gateRows<Activation::Relu>(gateUp, p.tokens, p.inter, threads);
    break;
  }
  linear(p.tokens, p.out, p.inter, gateUp, 2 * p.inter, downWeight, y);
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerGatedMlpKernels(KernelRegistry &registry) {
  KernelDef def;
  def.infer = inferGatedMlp;
  def.run = runGatedMlp;
  registry.add("deepc.gated_mlp", def);
}

} // namespace deepc::rt::cpu
