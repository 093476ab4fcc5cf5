//===- AttentionBench.cu - deepc.attention's CUDA kernels: checks, timings ===//
//
// Benchmarks (bf16, random data, grouped-query attention with 32 query
// heads, 8 kv heads, head size 128, batch 1, causal):
//   attention_prefill  4096 queries over 4096 keys: TFLOP/s (causal: half
//                      of 4 · H · S² · D) against the dense BF16 peak;
//   attention_decode   one query over 4096..32768 keys, replayed as a CUDA
//                      graph: bytes of K and V read per second against HBM
//                      peak.
// Checks compare both paths (one key split, and split keys with the
// combine kernel) with a host reference in double.
//
//===----------------------------------------------------------------------===//

#include "References.h"
#include "Suites.h"

#include "cuda/attention/AttentionKernels.h"

#include <algorithm>
#include <cmath>

namespace deepc::bench {
namespace {

using rt::DType;
namespace rc = rt::cuda;

constexpr int64_t kHeads = 32, kKvHeads = 8, kHeadDim = 128;
constexpr double kTolerance = 1e-2; // bf16 inputs and output

/// One call's contiguous bf16 q, k, v and out ([B, H, S, D]) and the
/// workspace its plan asks for.
struct AttentionCall {
  DeviceBuffer q, k, v, out, work;
  rc::AttentionParams params;
};

bool prepare(AttentionCall &call, int64_t batch, int64_t heads, int64_t kvHeads,
             int64_t seq, int64_t kvSeq, int smCount) {
  rc::AttentionParams &p = call.params;
  p.dtype = DType::BF16;
  p.batch = batch;
  p.heads = heads;
  p.kvHeads = kvHeads;
  p.seq = seq;
  p.kvSeq = kvSeq;
  p.headDim = p.vHeadDim = kHeadDim;
  p.scale = 1.0f / std::sqrt(float(kHeadDim));
  p.rules.causal = true;
  p.smCount = smCount;
  rc::setContiguousAttentionStrides(p);
  size_t work = rc::attentionWorkspaceBytes(p);
  if (work == SIZE_MAX) {
    std::fprintf(stderr,
                 "error: launchAttention rejects B=%lld Hq=%lld "
                 "Hkv=%lld Sq=%lld Skv=%lld\n",
                 (long long)batch, (long long)heads, (long long)kvHeads,
                 (long long)seq, (long long)kvSeq);
    return false;
  }
  size_t qElems = size_t(batch * heads * seq * kHeadDim);
  size_t kvElems = size_t(batch * kvHeads * kvSeq * kHeadDim);
  if (!call.q.allocate(qElems * 2) || !call.k.allocate(kvElems * 2) ||
      !call.v.allocate(kvElems * 2) || !call.out.allocate(qElems * 2) ||
      !call.work.allocate(work))
    return false;
  p.q = call.q.get();
  p.k = call.k.get();
  p.v = call.v.get();
  p.out = call.out.get();
  p.workspace = work ? call.work.get() : nullptr;
  p.workspaceBytes = work;
  return true;
}

/// One causal attention call of random data against the host in double.
bool checkCall(Context &ctx, const std::string &name, int64_t heads,
               int64_t kvHeads, int64_t seq, int64_t kvSeq, int &failures) {
  if (!ctx.wants(name))
    return true;
  AttentionCall call;
  if (!prepare(call, 1, heads, kvHeads, seq, kvSeq, ctx.device.smCount))
    return false;
  const rc::AttentionParams &p = call.params;
  std::vector<uint16_t> qBits, kBits, vBits;
  std::vector<float> q, k, v;
  randomBf16(call.q.bytes() / 2, -1, 1, 51, qBits, q);
  randomBf16(call.k.bytes() / 2, -1, 1, 52, kBits, k);
  randomBf16(call.v.bytes() / 2, -1, 1, 53, vBits, v);
  BENCH_CUDA(cudaMemcpy(call.q.get(), qBits.data(), call.q.bytes(),
                        cudaMemcpyHostToDevice));
  BENCH_CUDA(cudaMemcpy(call.k.get(), kBits.data(), call.k.bytes(),
                        cudaMemcpyHostToDevice));
  BENCH_CUDA(cudaMemcpy(call.v.get(), vBits.data(), call.v.bytes(),
                        cudaMemcpyHostToDevice));
  BENCH_CUDA(cudaMemset(call.out.get(), 0xff, call.out.bytes())); // NaN
  BENCH_CUDA(rc::launchAttention(p, ctx.stream));
  BENCH_CUDA(cudaStreamSynchronize(ctx.stream));
  std::vector<uint16_t> outBits(call.out.bytes() / 2);
  BENCH_CUDA(cudaMemcpy(outBits.data(), call.out.get(), call.out.bytes(),
                        cudaMemcpyDeviceToHost));
  std::vector<float> out(outBits.size());
  std::transform(outBits.begin(), outBits.end(), out.begin(), bf16BitsToFloat);

  std::vector<double> ref = referenceCausalAttention(
      q, k, v, heads, kvHeads, seq, kvSeq, kHeadDim, p.scale);
  double err = relativeError(out, ref);
  bool ok = err <= kTolerance;
  if (!ok)
    ++failures;
  ctx.reporter->add(Record("check", name)
                        .text("result", ok ? "ok" : "FAIL")
                        .num("rel_err", err, 6)
                        .num("tolerance", kTolerance, 6)
                        .num("seq", double(seq), 0)
                        .num("kv_seq", double(kvSeq), 0));
  return true;
}

bool fillInputs(Context &ctx, AttentionCall &call) {
  return fillUniformBf16(call.q.get(), call.q.bytes() / 2, -1, 1, 201,
                         ctx.stream) &&
         fillUniformBf16(call.k.get(), call.k.bytes() / 2, -1, 1, 202,
                         ctx.stream) &&
         fillUniformBf16(call.v.get(), call.v.bytes() / 2, -1, 1, 203,
                         ctx.stream);
}

bool benchPrefill(Context &ctx, int64_t seq) {
  AttentionCall call;
  if (!prepare(call, 1, kHeads, kKvHeads, seq, seq, ctx.device.smCount) ||
      !fillInputs(ctx, call))
    return false;
  double ms = 0;
  if (!ctx.timer->median(
          [&] { return rc::launchAttention(call.params, ctx.stream); },
          /*flushL2=*/true, ms))
    return false;
  // QKᵀ and PV, 2 · S² · D each per head, halved by the causal mask.
  double flops = 4.0 * kHeads * double(seq) * double(seq) * kHeadDim * 0.5;
  double rate = flops / (ms * 1e-3) / 1e12;
  ctx.reporter->add(
      Record("bench", "attention_prefill")
          .num("batch", 1, 0)
          .num("heads", double(kHeads), 0)
          .num("kv_heads", double(kKvHeads), 0)
          .num("seq", double(seq), 0)
          .num("head_dim", double(kHeadDim), 0)
          .num("ms", ms, 4)
          .num("tflops", rate, 1)
          .num("peak%", 100 * rate / ctx.device.bf16PeakTflops, 1));
  return true;
}

bool benchDecode(Context &ctx, int64_t kvSeq) {
  AttentionCall call;
  if (!prepare(call, 1, kHeads, kKvHeads, 1, kvSeq, ctx.device.smCount) ||
      !fillInputs(ctx, call))
    return false;
  double bytes = 2.0 * kKvHeads * double(kvSeq) * kHeadDim * 2; // K and V
  cudaGraphExec_t graph = nullptr;
  bool graphed = captureGraph(
      ctx.stream, [&] { return rc::launchAttention(call.params, ctx.stream); },
      graph);
  if (!graphed) {
    (void)cudaGetLastError();
    std::fprintf(stderr, "note: attention_decode timed without a graph\n");
  }
  double ms = 0;
  bool timed = ctx.timer->median(
      [&] {
        return graphed ? cudaGraphLaunch(graph, ctx.stream)
                       : rc::launchAttention(call.params, ctx.stream);
      },
      /*flushL2=*/true, ms);
  if (graph)
    cudaGraphExecDestroy(graph);
  if (!timed)
    return false;
  double gbps = bytes / (ms * 1e-3) / 1e9;
  ctx.reporter->add(Record("bench", "attention_decode")
                        .num("batch", 1, 0)
                        .num("heads", double(kHeads), 0)
                        .num("kv_heads", double(kKvHeads), 0)
                        .num("kv_seq", double(kvSeq), 0)
                        .num("head_dim", double(kHeadDim), 0)
                        .num("kv_mb", bytes / 1e6, 1)
                        .num("graph", graphed ? 1 : 0, 0)
                        .num("ms", ms, 4)
                        .num("gbps", gbps, 1)
                        .num("peak%", 100 * gbps / ctx.device.hbmPeakGBps, 1));
  return true;
}

} // namespace

bool checkAttention(Context &ctx, int &failures) {
  // Prefill: tall row tiles over heads packed two to a kv head, keys not a
  // multiple of the key tile. Decode: few blocks, so the keys are split
  // and the combine kernel runs.
  return checkCall(ctx, "attention_prefill", 4, 2, 77, 77, failures) &&
         checkCall(ctx, "attention_decode", 4, 2, 1, 1000, failures);
}

bool benchAttention(Context &ctx) {
  if (ctx.wants("attention_prefill") && !benchPrefill(ctx, 4096))
    return false;
  if (ctx.wants("attention_decode")) {
    std::vector<int64_t> lengths = {4096, 8192, 16384, 32768};
    if (ctx.quick)
      lengths = {4096, 32768};
    for (int64_t s : lengths)
      if (!benchDecode(ctx, s))
        return false;
  }
  return true;
}

} // namespace deepc::bench
