//===- GatedMlp.cu - deepc.gated_mlp on the GPU ---------------------------===//
//
// The CPU kernel's three steps (src/cpu/GatedMlp.cpp) on the device: one
// cuBLASLt GEMM x · w_gate_upᵀ into an f32 workspace [T, 2I] (gate half,
// then up half of each row), one kernel act(gate) · up → [T, I] in the
// op's type, one GEMM with w_downᵀ into the result. The activation is
// computed in f32 with the CPU's formulas; in bf16/f16 the activated rows
// are rounded to that type before the down GEMM (the CPU keeps them f32),
// which is the only numerical difference beside summation order. Prefill
// runs in row chunks that keep the workspace under kGatedMlpMaxWorkspace.
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/DeviceMath.cuh"
#include "cuda/ExtraKernelPlans.h"
#include "cuda/Gemm.h"

namespace deepc::rt::cuda {
namespace {

__device__ float gatedActivate(GatedActivation act, float x) {
  switch (act) {
  case GatedActivation::Silu:
    return x / (1.0f + expf(-x));
  case GatedActivation::Gelu:
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
  case GatedActivation::GeluTanh: {
    const float c = 0.7978845608028654f; // sqrt(2 / pi)
    return 0.5f * x * (1.0f + tanhf(c * (x + 0.044715f * x * x * x)));
  }
  case GatedActivation::Relu:
    return x > 0.0f ? x : 0.0f;
  }
  return x;
}

/// out[r, i] = act(gateUp[r, i]) · gateUp[r, I + i] for `rows` rows.
__global__ void gateUpKernel(const float *gateUp, void *out, DType outType,
                             int64_t rows, int64_t inter, GatedActivation act) {
  int64_t n = rows * inter;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i / inter, c = i % inter;
    const float *row = gateUp + r * 2 * inter;
    storeFloat(out, outType, i, gatedActivate(act, row[c]) * row[inter + c]);
  }
}

Status gatedMlpRun(CudaKernelContext &ctx) {
  GatedMlpPlan p;
  DEEPC_RETURN_IF_ERROR(planGatedMlp(ctx, kGatedMlpMaxWorkspace, p));
  TensorRef &out = ctx.output(0);
  if (out.numel() == 0)
    return okStatus();
  if (p.inter == 0) // an empty contraction in the down GEMM: all zeros
    return cudaStatus(cudaMemsetAsync(out.data, 0, out.bytes(), ctx.stream()),
                      ctx.error("zero fill").message());
  auto *workspace = static_cast<unsigned char *>(
      ctx.libraries().deviceScratch(p.workspaceBytes));
  if (!workspace)
    return resourceExhausted(ctx.error("cannot allocate " +
                                       std::to_string(p.workspaceBytes) +
                                       " bytes of device workspace")
                                 .message());
  auto *gateUp = reinterpret_cast<float *>(workspace);
  void *activated = workspace + p.actOffset;
  size_t elem = dtypeSize(p.dtype);
  const auto *x = static_cast<const unsigned char *>(ctx.input(0).data);
  auto *y = static_cast<unsigned char *>(out.data);
  for (int64_t row = 0; row < p.tokens; row += p.chunkRows) {
    int64_t rows = p.tokens - row < p.chunkRows ? p.tokens - row : p.chunkRows;
    GemmCall up;
    up.m = rows;
    up.n = 2 * p.inter;
    up.k = p.hidden;
    up.transRhs = true;
    up.inType = p.dtype;
    up.outType = DType::F32;
    up.lhs = x + size_t(row * p.hidden) * elem;
    up.rhs = ctx.input(1).data;
    up.out = gateUp;
    if (p.hidden == 0) // x · w is all zeros, and cuBLASLt refuses k = 0
      DEEPC_RETURN_IF_ERROR(
          cudaStatus(cudaMemsetAsync(gateUp, 0, size_t(rows * 2 * p.inter) * 4,
                                     ctx.stream()),
                     ctx.error("zero fill").message()));
    else
      DEEPC_RETURN_IF_ERROR(runGemm(ctx, up));

    gateUpKernel<<<gridFor(rows * p.inter), kThreadsPerBlock, 0,
                   ctx.stream()>>>(gateUp, activated, p.dtype, rows, p.inter,
                                   p.act);
    DEEPC_RETURN_IF_ERROR(ctx.checkLaunch());

    GemmCall down;
    down.m = rows;
    down.n = p.out;
    down.k = p.inter;
    down.transRhs = true;
    down.inType = p.dtype;
    down.outType = out.dtype;
    down.lhs = activated;
    down.rhs = ctx.input(2).data;
    down.out = y + size_t(row * p.out) * dtypeSize(out.dtype);
    DEEPC_RETURN_IF_ERROR(runGemm(ctx, down));
  }
  return okStatus();
}

/// One device float type for the input, both weights and the result.
bool gatedMlpSupports(const PlanStep &step, const Plan &plan) {
  DType t = planInputDType(step, plan, 0);
  return isDeviceFloat(t) && planInputDType(step, plan, 1) == t &&
         planInputDType(step, plan, 2) == t &&
         planOutputDType(step, plan, 0) == t;
}

} // namespace

void registerGatedMlpKernel(CudaKernelRegistry &registry) {
  registry.add("deepc.gated_mlp", {gatedMlpRun, gatedMlpSupports});
}

} // namespace deepc::rt::cuda
