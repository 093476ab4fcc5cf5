//===- MoeAdapter.cpp - deepc.moe → router GEMM, shared experts, launchMoe ===//
//
// On the stream, in order: the router logits (a cuBLASLt GEMM, x ·
// router_weightᵀ in f32), the shared experts when the layer has them
// (GEMMs into f32, the activation back to the layer's type, the down GEMM
// straight into the output, the optional sigmoid output gate), then
// launchMoe, which adds the routed experts onto that output. With a
// capacity factor, a last tiny kernel adds the routed and dropped
// (token, expert) assignments to the session's device counters, the
// "moe.routed_tokens" and "moe.dropped_tokens" the CPU kernel reports.
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/Gemm.h"
#include "cuda/MoeShared.h"
#include "cuda/OpAdapters.h"

#include <cstdint>

namespace deepc::rt::cuda {
namespace {

const void *optionalData(KernelContext &ctx, int i) {
  return ctx.hasInput(i) ? ctx.input(i).data : nullptr;
}

size_t alignUp(size_t bytes) { return (bytes + 255) / 256 * 256; }

} // namespace

Status buildMoeParams(KernelContext &ctx, MoeParams &p,
                      MoeSharedExperts &shared) {
  const TensorRef &x = ctx.input(kMoeHidden), &router = ctx.input(kMoeRouter);
  if (x.shape.rank < 1 || router.shape.rank != 2 || !ctx.hasInput(kMoeDown) ||
      ctx.input(kMoeDown).shape.rank != 3)
    return ctx.error("hidden states " + x.shape.str() + ", router_weight " +
                     router.shape.str() +
                     " or w_down do not have deepc.moe's ranks");
  const Attrs &a = ctx.attrs();
  p = MoeParams();
  shared = MoeSharedExperts();
  p.dtype = x.dtype;
  p.hidden = x.shape[x.shape.rank - 1];
  p.tokens = 1;
  for (int d = 0; d + 1 < x.shape.rank; ++d)
    p.tokens *= x.shape[d];
  p.experts = router.shape[0];
  p.inter = ctx.input(kMoeDown).shape[2];
  p.topK = a.getInt("top_k", 0);
  p.hiddenStates = x.data;
  p.wGate = optionalData(ctx, kMoeGate);
  p.wUp = optionalData(ctx, kMoeUp);
  p.wGateUp = optionalData(ctx, kMoeGateUp);
  p.wDown = optionalData(ctx, kMoeDown);
  p.gateBias = optionalData(ctx, kMoeGateBias);
  p.upBias = optionalData(ctx, kMoeUpBias);
  p.gateUpBias = optionalData(ctx, kMoeGateUpBias);
  p.downBias = optionalData(ctx, kMoeDownBias);
  p.correctionBias = optionalData(ctx, kMoeCorrectionBias);
  // The kernels read every bias with one dtype; moeSupports saw to it.
  for (int i : {kMoeGateBias, kMoeUpBias, kMoeGateUpBias, kMoeDownBias,
                kMoeCorrectionBias})
    if (ctx.hasInput(i))
      p.biasDType = ctx.input(i).dtype;

  std::string routerKind = a.getString("router", "softmax");
  std::string groupScore = a.getString("group_score", "top2_sum");
  std::string act = a.getString("activation", "silu");
  if (routerKind != "softmax" && routerKind != "sigmoid")
    return ctx.error("unknown router '" + routerKind + "'");
  if (groupScore != "max" && groupScore != "top2_sum")
    return ctx.error("unknown group_score '" + groupScore + "'");
  if (act == "silu")
    p.activation = MoeActivation::Silu;
  else if (act == "gelu")
    p.activation = MoeActivation::Gelu;
  else if (act == "gelu_tanh")
    p.activation = MoeActivation::GeluTanh;
  else if (act == "relu")
    p.activation = MoeActivation::Relu;
  else
    return ctx.error("unknown activation '" + act + "'");
  p.sigmoidRouter = routerKind == "sigmoid";
  p.groupTop2Sum = groupScore == "top2_sum";
  p.renormalize = a.getBool("renormalize");
  p.groups = a.getInt("n_group", 1);
  p.topGroups = a.getInt("topk_group", 1);
  p.routedScaling = a.getFloat("routed_scaling_factor", 1.0);
  p.capacityFactor = a.getFloat("capacity_factor", 0.0);
  p.gated = a.getBool("gated", true);
  p.out = ctx.output(0).data;

  if (ctx.hasInput(kMoeSharedUp)) {
    shared.gate = optionalData(ctx, kMoeSharedGate);
    shared.up = ctx.input(kMoeSharedUp).data;
    shared.down = optionalData(ctx, kMoeSharedDown);
    shared.inter = ctx.input(kMoeSharedUp).shape[0];
    if (ctx.hasInput(kMoeSharedExpertGate)) {
      shared.expertGate = ctx.input(kMoeSharedExpertGate).data;
      shared.expertGateDType = ctx.input(kMoeSharedExpertGate).dtype;
    }
  }
  // The routed experts add onto the shared ones' output.
  p.accumulate = shared.present();
  return okStatus();
}

namespace {

/// The shared experts of every token, written to p.out.
Status runSharedExperts(CudaKernelContext &ctx, const MoeParams &p,
                        const MoeSharedExperts &shared, float *gateBuf,
                        float *upBuf, void *activated) {
  int64_t T = p.tokens, H = p.hidden, Is = shared.inter;
  if (Is == 0)
    return cudaStatus(cudaMemsetAsync(p.out, 0,
                                      size_t(T * H) * dtypeSize(p.dtype),
                                      ctx.stream()),
                      ctx.error("zero fill").message());
  GemmCall up;
  up.m = T;
  up.n = Is;
  up.k = H;
  up.transRhs = true;
  up.inType = p.dtype;
  up.outType = DType::F32;
  up.lhs = p.hiddenStates;
  up.rhs = shared.up;
  up.out = upBuf;
  DEEPC_RETURN_IF_ERROR(runGemm(ctx, up));
  if (p.gated) {
    GemmCall gate = up;
    gate.rhs = shared.gate;
    gate.out = gateBuf;
    DEEPC_RETURN_IF_ERROR(runGemm(ctx, gate));
  }
  DEEPC_RETURN_IF_ERROR(cudaStatus(
      launchSharedActivation(p.gated ? gateBuf : nullptr, upBuf, activated,
                             p.dtype, T, Is, p.activation, ctx.stream()),
      ctx.error("shared experts' activation").message()));
  GemmCall down;
  down.m = T;
  down.n = H;
  down.k = Is;
  down.transRhs = true;
  down.inType = p.dtype;
  down.outType = p.dtype;
  down.lhs = activated;
  down.rhs = shared.down;
  down.out = p.out;
  DEEPC_RETURN_IF_ERROR(runGemm(ctx, down));
  if (!shared.expertGate)
    return okStatus();
  return cudaStatus(launchSharedExpertGate(p.hiddenStates, p.dtype,
                                           shared.expertGate,
                                           shared.expertGateDType, p.out,
                                           p.dtype, T, H, ctx.stream()),
                    ctx.error("shared expert gate").message());
}

Status moeRun(CudaKernelContext &ctx) {
  MoeParams p;
  MoeSharedExperts shared;
  DEEPC_RETURN_IF_ERROR(buildMoeParams(ctx, p, shared));
  if (p.tokens == 0 || p.hidden == 0)
    return okStatus();
  int64_t T = p.tokens, E = p.experts;

  MoeWorkspaceLayout layout;
  if (const char *why = moeWorkspaceLayout(p, layout))
    return ctx.error(std::string("the CUDA MoE kernels cannot run this "
                                 "layer: ") +
                     why);
  // One scratch buffer: launchMoe's workspace, the router logits, and the
  // shared experts' f32 projections and activated rows.
  size_t moeBytes = alignUp(moeWorkspaceBytes(p));
  size_t logitsBytes = alignUp(size_t(T * E) * sizeof(float));
  size_t sharedF32 = alignUp(size_t(T * shared.inter) * sizeof(float));
  size_t sharedAct = alignUp(size_t(T * shared.inter) * dtypeSize(p.dtype));
  size_t total = moeBytes + logitsBytes +
                 (shared.present() ? 2 * sharedF32 + sharedAct : 0);
  auto *base =
      static_cast<unsigned char *>(ctx.libraries().deviceScratch(total));
  if (!base)
    return resourceExhausted(ctx.error("cannot allocate " +
                                       std::to_string(total) +
                                       " bytes of device workspace")
                                 .message());
  p.workspace = base;
  p.workspaceBytes = moeBytes;
  auto *logits = reinterpret_cast<float *>(base + moeBytes);
  p.routerLogits = logits;

  GemmCall router;
  router.m = T;
  router.n = E;
  router.k = p.hidden;
  router.transRhs = true;
  router.inType = p.dtype;
  router.outType = DType::F32;
  router.lhs = p.hiddenStates;
  router.rhs = ctx.input(kMoeRouter).data;
  router.out = logits;
  DEEPC_RETURN_IF_ERROR(runGemm(ctx, router));

  if (shared.present()) {
    unsigned char *sharedBase = base + moeBytes + logitsBytes;
    DEEPC_RETURN_IF_ERROR(
        runSharedExperts(ctx, p, shared, reinterpret_cast<float *>(sharedBase),
                         reinterpret_cast<float *>(sharedBase + sharedF32),
                         sharedBase + 2 * sharedF32));
  }

  cudaError_t err = launchMoe(p, ctx.stream());
  if (err == cudaErrorInvalidValue) {
    cudaGetLastError();
    return ctx.error("the CUDA MoE kernels refused the layer (" +
                     std::to_string(E) + " experts, dtype " +
                     dtypeName(p.dtype) + ")");
  }
  DEEPC_RETURN_IF_ERROR(cudaStatus(err, ctx.error("launch").message()));

  // As on the CPU, only layers with a capacity report.
  if (p.capacityFactor > 0) {
    const auto *dropped =
        reinterpret_cast<const int32_t *>(base + layout.expertDropped);
    DEEPC_RETURN_IF_ERROR(cudaStatus(
        launchMoeCounters(dropped, E, T * p.topK,
                          ctx.deviceCounter("moe.dropped_tokens"),
                          ctx.deviceCounter("moe.routed_tokens"), ctx.stream()),
        ctx.error("counters").message()));
  }
  return okStatus();
}

} // namespace

bool moeSupports(const PlanStep &step, const Plan &plan) {
  DType x = planInputDType(step, plan, kMoeHidden);
  if (!isDeviceFloat(x) || planOutputDType(step, plan, 0) != x)
    return false;
  // The GEMMs take one element type for data and weights.
  for (int i : {kMoeRouter, kMoeGate, kMoeUp, kMoeGateUp, kMoeDown,
                kMoeSharedGate, kMoeSharedUp, kMoeSharedDown}) {
    DType t = planInputDType(step, plan, size_t(i));
    if (t != DType::Invalid && t != x)
      return false;
  }
  // launchMoe reads every bias with one dtype.
  DType bias = DType::Invalid;
  for (int i : {kMoeGateBias, kMoeUpBias, kMoeGateUpBias, kMoeDownBias,
                kMoeCorrectionBias}) {
    DType t = planInputDType(step, plan, size_t(i));
    if (t == DType::Invalid)
      continue;
    if (!isDeviceFloat(t) || (bias != DType::Invalid && t != bias))
      return false;
    bias = t;
  }
  DType gate = planInputDType(step, plan, kMoeSharedExpertGate);
  if (gate != DType::Invalid && !isDeviceFloat(gate))
    return false;
  // Routing keeps a token's scores in shared memory.
  if (size_t(kMoeRouter) < step.inputs.size() && step.inputs[kMoeRouter] >= 0) {
    const std::vector<int64_t> &dims =
        plan.values[step.inputs[kMoeRouter]].dims;
    if (!dims.empty() && dims[0] > kMoeMaxExperts)
      return false;
  }
  return true;
}

void registerMoeKernel(CudaKernelRegistry &registry) {
  registry.add("deepc.moe", {moeRun, moeSupports});
}

} // namespace deepc::rt::cuda
