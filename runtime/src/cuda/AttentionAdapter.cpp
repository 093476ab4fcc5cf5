//===- AttentionAdapter.cpp - deepc.attention → launchAttention -----------===//

#include "cuda/CudaKernels.h"
#include "cuda/OpAdapters.h"

#include <cmath>
#include <cstdint>

namespace deepc::rt::cuda {

Status buildAttentionParams(KernelContext &ctx, AttentionParams &p) {
  const TensorRef &q = ctx.input(kAttnQ), &k = ctx.input(kAttnK),
                  &v = ctx.input(kAttnV);
  TensorRef &out = ctx.output(0);
  if (q.shape.rank != 4 || k.shape.rank != 4 || v.shape.rank != 4)
    return ctx.error("q, k and v must have rank 4, got " + q.shape.str() +
                     ", " + k.shape.str() + " and " + v.shape.str());
  const Attrs &a = ctx.attrs();
  p = AttentionParams();
  p.dtype = q.dtype;
  p.q = q.data;
  p.k = k.data;
  p.v = v.data;
  p.out = out.data;
  p.batch = q.shape[0];
  p.heads = a.getInt("num_heads", q.shape[1]);
  p.kvHeads = a.getInt("num_kv_heads", k.shape[1]);
  p.seq = q.shape[2];
  p.kvSeq = k.shape[2];
  p.headDim = q.shape[3];
  p.vHeadDim = v.shape[3];
  setContiguousAttentionStrides(p);

  // The scale and softcap are f32 in the IR; read as the CPU reads them.
  p.scale = a.has("scale")
                ? float(a.getFloat("scale"))
                : (p.headDim > 0 ? 1.0f / std::sqrt(float(p.headDim)) : 1.0f);
  p.softcap = float(a.getFloat("softcap", 0));
  p.rules.causal = a.getBool("causal");
  p.rules.windowLeft = a.getInt("window_left", -1);
  p.rules.windowRight = a.getInt("window_right", -1);
  p.rules.globalTokens = a.getInt("num_global_tokens", 0);

  if (ctx.hasInput(kAttnMask)) {
    const TensorRef &m = ctx.input(kAttnMask);
    p.maskKind = m.dtype == DType::Bool ? AttentionMaskKind::Bool
                                        : AttentionMaskKind::Additive;
    p.mask = m.data;
    broadcastStrides(m.shape, Shape{p.batch, p.heads, p.seq, p.kvSeq},
                     p.maskStrides);
  }
  if (ctx.hasInput(kAttnGate)) {
    const TensorRef &g = ctx.input(kAttnGate);
    p.gate = g.data;
    p.gateDType = g.dtype;
    // As the CPU kernel decides it: a [H, Dk, 1] gate is per query, unless
    // there is a single key, where the two readings coincide.
    p.gatePerPair = g.shape.rank == 3 && (g.shape[2] != 1 || p.kvSeq == 1);
  }
  if (ctx.hasInput(kAttnSinks)) {
    const TensorRef &s = ctx.input(kAttnSinks);
    p.sinks = s.data;
    p.sinksDType = s.dtype;
  }
  return okStatus();
}

namespace {

Status attentionRun(CudaKernelContext &ctx) {
  AttentionParams p;
  DEEPC_RETURN_IF_ERROR(buildAttentionParams(ctx, p));
  if (ctx.output(0).numel() == 0)
    return okStatus();
  p.smCount = ctx.libraries().smCount();
  AttentionPlan plan;
  if (const char *why = planAttention(attentionDims(p), plan))
    return ctx.error(std::string("the CUDA attention kernels cannot run "
                                 "this call: ") +
                     why);
  p.workspaceBytes = attentionWorkspaceBytes(p);
  if (p.workspaceBytes == SIZE_MAX)
    return ctx.error("the CUDA attention kernels cannot run this call "
                     "(dtype " +
                     std::string(dtypeName(p.dtype)) + ")");
  if (p.workspaceBytes) {
    p.workspace = ctx.libraries().deviceScratch(p.workspaceBytes);
    if (!p.workspace)
      return resourceExhausted(ctx.error("cannot allocate " +
                                         std::to_string(p.workspaceBytes) +
                                         " bytes of device workspace")
                                   .message());
  }
  cudaError_t err = launchAttention(p, ctx.stream());
  if (err == cudaErrorInvalidValue) {
    cudaGetLastError();
    return ctx.error("the CUDA attention kernels refused the call (head "
                     "dims " +
                     std::to_string(p.headDim) + "/" +
                     std::to_string(p.vHeadDim) + ", dtype " +
                     dtypeName(p.dtype) + ")");
  }
  return cudaStatus(err, ctx.error("launch").message());
}

/// A float the kernels read (F32, F16, BF16), or an absent operand.
bool absentOrDeviceFloat(DType t) {
  return t == DType::Invalid || isDeviceFloat(t);
}

/// A static dim of the plan beyond `limit` (a symbolic one, -1, passes).
bool dimBeyond(const Plan &plan, const PlanStep &step, size_t operand, int dim,
               int64_t limit) {
  if (operand >= step.inputs.size() || step.inputs[operand] < 0)
    return false;
  const std::vector<int64_t> &dims = plan.values[step.inputs[operand]].dims;
  return dim < int(dims.size()) && dims[dim] > limit;
}

} // namespace

bool attentionSupports(const PlanStep &step, const Plan &plan) {
  DType q = planInputDType(step, plan, kAttnQ);
  if (!isDeviceFloat(q) || planInputDType(step, plan, kAttnK) != q ||
      planInputDType(step, plan, kAttnV) != q ||
      planOutputDType(step, plan, 0) != q)
    return false;
  DType mask = planInputDType(step, plan, kAttnMask);
  if (mask != DType::Invalid && mask != DType::Bool && mask != q)
    return false;
  if (!absentOrDeviceFloat(planInputDType(step, plan, kAttnGate)) ||
      !absentOrDeviceFloat(planInputDType(step, plan, kAttnSinks)))
    return false;
  // Head dims the kernels do not compile for run on the host.
  return !dimBeyond(plan, step, kAttnQ, 3, kAttentionMaxHeadDim) &&
         !dimBeyond(plan, step, kAttnV, 3, kAttentionMaxHeadDim);
}

void registerAttentionKernel(CudaKernelRegistry &registry) {
  registry.add("deepc.attention", {attentionRun, attentionSupports});
}

} // namespace deepc::rt::cuda
