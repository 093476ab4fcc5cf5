//===- GatedMlp.cpp - deepc.gated_mlp on the CPU --------------------------===//
//
// y = (act(x·W_gᵀ) ⊙ (x·W_uᵀ)) · W_dᵀ in three steps: one GEMM of width 2I
// for gate and up together (w_gate_up stacks them), act(g)·u in one pass
// over that buffer, written over the gate half so that the down GEMM reads
// it in place with a row stride of 2I, then the down GEMM. A single token
// (decode) takes GEMV, which streams each weight once instead of packing it.
//
//===----------------------------------------------------------------------===//

#include "core/OpChecks.h"
#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <cmath>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

enum Operand { kInput = 0, kGateUp = 1, kDown = 2 };

Status inferGatedMlp(KernelContext &ctx) {
  GatedMlpShape p;
  DEEPC_RETURN_IF_ERROR(checkGatedMlp(ctx, p));
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
template <GatedActivation act>
void gateRows(float *gateUp, int64_t rows, int64_t inter, int threads) {
  const float kSqrtHalf = 0.70710678118654752f;
  const float kSqrt2OverPi = 0.7978845608028654f;
#pragma omp parallel for num_threads(threads) if (rows * inter > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    float *g = gateUp + r * 2 * inter;
    const float *u = g + inter;
    for (int64_t i = 0; i < inter; ++i) {
      float x = g[i], a;
      if constexpr (act == GatedActivation::Silu)
        a = x / (1.0f + std::exp(-x));
      else if constexpr (act == GatedActivation::Gelu)
        a = 0.5f * x * (1.0f + std::erf(x * kSqrtHalf));
      else if constexpr (act == GatedActivation::GeluTanh)
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
  DEEPC_RETURN_IF_ERROR(checkGatedMlp(ctx, p));
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
  case GatedActivation::Silu:
    gateRows<GatedActivation::Silu>(gateUp, p.tokens, p.inter, threads);
    break;
  case GatedActivation::Gelu:
    gateRows<GatedActivation::Gelu>(gateUp, p.tokens, p.inter, threads);
    break;
  case GatedActivation::GeluTanh:
    gateRows<GatedActivation::GeluTanh>(gateUp, p.tokens, p.inter, threads);
    break;
  case GatedActivation::Relu:
    gateRows<GatedActivation::Relu>(gateUp, p.tokens, p.inter, threads);
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
