//===- MoeBench.cu - deepc.moe's CUDA kernels: checks and timings ---------===//
//
// Benchmarks (bf16, random data, H = 4096, I = 14336, 8 experts, top-2,
// balanced routing: token t picks experts 2t mod 8 and 2t + 1 mod 8):
//   moe_grouped_gemm_up/down  one grouped GEMM launch at prefill sizes,
//                             TFLOP/s against the dense BF16 peak;
//   moe_layer_prefill         all of launchMoe at prefill sizes, TFLOP/s;
//   moe_layer_decode          all of launchMoe for 1..8 tokens, replayed as
//                             a CUDA graph: the bytes of the experts'
//                             weights read per second against HBM peak.
// Checks compare each with a host reference in double on small sizes.
//
//===----------------------------------------------------------------------===//

#include "References.h"
#include "Suites.h"

#include "cuda/moe/MoeKernels.h"
#include "cuda/moe/MoeStages.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

namespace deepc::bench {
namespace {

using rt::DType;
namespace rc = rt::cuda;

constexpr int64_t kHidden = 4096, kInter = 14336, kExperts = 8, kTopK = 2;
constexpr double kGemmTolerance = 1e-3;  // f32 accumulation of bf16 products
constexpr double kLayerTolerance = 1e-2; // bf16 intermediates and output

/// The expert of slot (token t, choice j) under balanced routing: round
/// robin, so each expert gets tokens · topK / experts slots when that
/// divides evenly.
int32_t balancedExpert(int64_t t, int64_t j) {
  return int32_t((t * kTopK + j) % kExperts);
}

/// Router logits whose softmax top-2 is balancedExpert: 4 - j for choice
/// j, values in [-1, 0) for the experts not chosen.
std::vector<float> balancedLogits(int64_t tokens) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> rest(-1.0f, 0.0f);
  std::vector<float> logits(size_t(tokens * kExperts));
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t e = 0; e < kExperts; ++e)
      logits[t * kExperts + e] = rest(rng);
    for (int64_t j = 0; j < kTopK; ++j)
      logits[t * kExperts + balancedExpert(t, j)] = 4.0f - float(j);
  }
  return logits;
}

/// The row layout launchMoe's routing produces, computed on the host from
/// each slot's expert: rows grouped by expert in slot order.
struct HostRows {
  std::vector<int32_t> rowToken, rowExpert, rowOffsets, tileOffsets;
};

HostRows groupRows(const std::vector<int32_t> &slotExpert, int64_t topK,
                   int64_t experts) {
  HostRows h;
  int32_t tile = 0;
  for (int64_t e = 0; e < experts; ++e) {
    h.rowOffsets.push_back(int32_t(h.rowToken.size()));
    h.tileOffsets.push_back(tile);
    for (size_t s = 0; s < slotExpert.size(); ++s)
      if (slotExpert[s] == e) {
        h.rowToken.push_back(int32_t(s / topK));
        h.rowExpert.push_back(int32_t(e));
      }
    int32_t count = int32_t(h.rowToken.size()) - h.rowOffsets.back();
    tile += (count + rc::kMoeTileM - 1) / rc::kMoeTileM;
  }
  h.rowOffsets.push_back(int32_t(h.rowToken.size()));
  h.tileOffsets.push_back(tile);
  return h;
}

/// HostRows on the device.
struct DeviceRows {
  DeviceBuffer rowToken, rowOffsets, tileOffsets;
  bool upload(const HostRows &h) {
    return copyIn(rowToken, h.rowToken) && copyIn(rowOffsets, h.rowOffsets) &&
           copyIn(tileOffsets, h.tileOffsets);
  }

private:
  static bool copyIn(DeviceBuffer &d, const std::vector<int32_t> &v) {
    if (!d.allocate(v.size() * 4))
      return false;
    BENCH_CUDA(
        cudaMemcpy(d.get(), v.data(), v.size() * 4, cudaMemcpyHostToDevice));
    return true;
  }
};

template <typename T> bool upload(DeviceBuffer &d, const std::vector<T> &v) {
  if (!d.allocate(v.size() * sizeof(T)))
    return false;
  BENCH_CUDA(cudaMemcpy(d.get(), v.data(), v.size() * sizeof(T),
                        cudaMemcpyHostToDevice));
  return true;
}

/// The gate|up GEMM (up = true: gathered token rows times the gate and up
/// weights, [E, I, H] each) or the down GEMM (rows in order times [E, H, I])
/// over `rows`.
rc::GroupedGemm expertGemm(bool up, const void *a, const void *wFirst,
                           const void *wSecond, int64_t hidden, int64_t inter,
                           float *c, const DeviceRows &rows, int64_t slots,
                           int64_t experts) {
  rc::GroupedGemm g;
  g.a = a;
  g.lda = up ? hidden : inter;
  g.aRows = up ? rows.rowToken.as<int32_t>() : nullptr;
  g.first = wFirst;
  g.second = up ? wSecond : nullptr;
  g.splitN = up ? inter : hidden;
  g.firstExpertStride = inter * hidden;
  g.secondExpertStride = up ? inter * hidden : 0;
  g.n = up ? 2 * inter : hidden;
  g.k = up ? hidden : inter;
  g.c = c;
  g.ldc = g.n;
  g.rowOffsets = rows.rowOffsets.as<int32_t>();
  g.tileOffsets = rows.tileOffsets.as<int32_t>();
  g.experts = experts;
  g.maxRowTiles = rc::moeMaxRowTiles(slots, experts);
  return g;
}

void reportCheck(Context &ctx, const std::string &name, double err,
                 double tolerance, int &failures) {
  bool ok = err <= tolerance;
  if (!ok)
    ++failures;
  ctx.reporter->add(Record("check", name)
                        .text("result", ok ? "ok" : "FAIL")
                        .num("rel_err", err, 6)
                        .num("tolerance", tolerance, 6));
}

/// One grouped GEMM on uneven routing (an expert without rows, one with
/// two row tiles, K and N not multiples of the tile) against the host.
bool checkGroupedGemm(Context &ctx, bool up, int &failures) {
  const std::string name = up ? "moe_grouped_gemm_up" : "moe_grouped_gemm_down";
  if (!ctx.wants(name))
    return true;
  const int64_t tokens = 75, experts = 4, hidden = 136, inter = 72;
  const int64_t slots = tokens * kTopK;
  std::mt19937 rng(11);
  std::discrete_distribution<int> pick({0.3, 0.0, 0.55, 0.15});
  std::vector<int32_t> slotExpert(slots);
  for (int32_t &e : slotExpert)
    e = pick(rng);
  HostRows rows = groupRows(slotExpert, kTopK, experts);

  const int64_t aRows = up ? tokens : slots, k = up ? hidden : inter;
  const int64_t n = up ? 2 * inter : hidden;
  std::vector<uint16_t> aBits, w1Bits, w2Bits;
  std::vector<float> a, w1, w2;
  randomBf16(size_t(aRows * k), -1, 1, 21, aBits, a);
  randomBf16(size_t(experts * inter * hidden), -0.2f, 0.2f, 22, w1Bits, w1);
  randomBf16(size_t(experts * inter * hidden), -0.2f, 0.2f, 23, w2Bits, w2);

  DeviceBuffer dA, dW1, dW2, dC;
  DeviceRows dRows;
  if (!upload(dA, aBits) || !upload(dW1, w1Bits) || !upload(dW2, w2Bits) ||
      !dRows.upload(rows) || !dC.allocate(size_t(slots * n) * 4))
    return false;
  BENCH_CUDA(cudaMemset(dC.get(), 0xff, dC.bytes())); // NaN: unwritten shows
  rc::GroupedGemm g = expertGemm(up, dA.get(), dW1.get(), dW2.get(), hidden,
                                 inter, dC.as<float>(), dRows, slots, experts);
  BENCH_CUDA(rc::launchGroupedGemm(DType::BF16, g, ctx.stream));
  BENCH_CUDA(cudaStreamSynchronize(ctx.stream));
  std::vector<float> c(size_t(slots * n));
  BENCH_CUDA(
      cudaMemcpy(c.data(), dC.get(), c.size() * 4, cudaMemcpyDeviceToHost));

  std::vector<double> ref = referenceGroupedGemm(
      a, up ? rows.rowToken : std::vector<int32_t>(), rows.rowExpert, w1,
      up ? w2 : std::vector<float>(), g.splitN, n, k);
  reportCheck(ctx, name, relativeError(c, ref), kGemmTolerance, failures);
  return true;
}

/// The whole routed-expert layer (softmax top-2, renormalized, SiLU-gated)
/// on random logits against the host.
bool checkMoeLayer(Context &ctx, const std::string &name, int64_t tokens,
                   uint64_t seed, int &failures) {
  if (!ctx.wants(name))
    return true;
  const int64_t hidden = 136, inter = 72, E = kExperts, K = kTopK;
  std::vector<uint16_t> xBits, gBits, uBits, dBits;
  std::vector<float> x, wg, wu, wd;
  randomBf16(size_t(tokens * hidden), -1, 1, seed, xBits, x);
  randomBf16(size_t(E * inter * hidden), -0.15f, 0.15f, seed + 1, gBits, wg);
  randomBf16(size_t(E * inter * hidden), -0.15f, 0.15f, seed + 2, uBits, wu);
  randomBf16(size_t(E * hidden * inter), -0.2f, 0.2f, seed + 3, dBits, wd);
  std::vector<float> logits(size_t(tokens * E));
  std::mt19937 rng(unsigned(seed + 4));
  std::uniform_real_distribution<float> dist(-2.0f, 2.0f);
  for (float &l : logits)
    l = dist(rng);

  DeviceBuffer dX, dG, dU, dD, dLogits, dOut, dWork;
  if (!upload(dX, xBits) || !upload(dG, gBits) || !upload(dU, uBits) ||
      !upload(dD, dBits) || !upload(dLogits, logits) ||
      !dOut.allocate(size_t(tokens * hidden) * 2))
    return false;
  rc::MoeParams p;
  p.dtype = DType::BF16;
  p.tokens = tokens;
  p.hidden = hidden;
  p.experts = E;
  p.inter = inter;
  p.topK = K;
  p.routerLogits = dLogits.as<float>();
  p.hiddenStates = dX.get();
  p.wGate = dG.get();
  p.wUp = dU.get();
  p.wDown = dD.get();
  p.renormalize = true;
  p.out = dOut.get();
  p.workspaceBytes = rc::moeWorkspaceBytes(p);
  if (p.workspaceBytes == SIZE_MAX || !dWork.allocate(p.workspaceBytes)) {
    std::fprintf(stderr, "error: %s: no workspace\n", name.c_str());
    return false;
  }
  p.workspace = dWork.get();
  BENCH_CUDA(cudaMemset(dOut.get(), 0xff, dOut.bytes()));
  BENCH_CUDA(rc::launchMoe(p, ctx.stream));
  BENCH_CUDA(cudaStreamSynchronize(ctx.stream));
  std::vector<uint16_t> outBits(size_t(tokens * hidden));
  BENCH_CUDA(cudaMemcpy(outBits.data(), dOut.get(), outBits.size() * 2,
                        cudaMemcpyDeviceToHost));
  std::vector<float> out(outBits.size());
  std::transform(outBits.begin(), outBits.end(), out.begin(), bf16BitsToFloat);

  std::vector<double> ref =
      referenceMoeLayer(x, logits, wg, wu, wd, tokens, hidden, inter, E, K);
  reportCheck(ctx, name, relativeError(out, ref), kLayerTolerance, failures);
  return true;
}

double tflops(double flops, double ms) { return flops / (ms * 1e-3) / 1e12; }

/// The benchmarks' tensors, sized for the most tokens any of them runs.
struct MoeTensors {
  DeviceBuffer gate, up, down, hidden, logits, out, work;
  rc::MoeParams params(int64_t tokens) const {
    rc::MoeParams p;
    p.dtype = DType::BF16;
    p.tokens = tokens;
    p.hidden = kHidden;
    p.experts = kExperts;
    p.inter = kInter;
    p.topK = kTopK;
    p.routerLogits = logits.as<float>();
    p.hiddenStates = hidden.get();
    p.wGate = gate.get();
    p.wUp = up.get();
    p.wDown = down.get();
    p.renormalize = true;
    p.out = out.get();
    p.workspace = work.get();
    p.workspaceBytes = work.bytes();
    return p;
  }
};

bool allocateTensors(Context &ctx, int64_t maxTokens, MoeTensors &m) {
  const size_t weights = size_t(kExperts * kInter * kHidden);
  // Weights scaled by 1/sqrt(fan-in), as initializers do, so that every
  // intermediate stays in a realistic range.
  const float wIn = 1.0f / std::sqrt(float(kHidden));
  const float wOut = 1.0f / std::sqrt(float(kInter));
  if (!m.gate.allocate(weights * 2) || !m.up.allocate(weights * 2) ||
      !m.down.allocate(weights * 2) ||
      !m.hidden.allocate(size_t(maxTokens * kHidden) * 2) ||
      !m.out.allocate(size_t(maxTokens * kHidden) * 2) ||
      !fillUniformBf16(m.gate.get(), weights, -wIn, wIn, 101, ctx.stream) ||
      !fillUniformBf16(m.up.get(), weights, -wIn, wIn, 102, ctx.stream) ||
      !fillUniformBf16(m.down.get(), weights, -wOut, wOut, 103, ctx.stream) ||
      !fillUniformBf16(m.hidden.get(), size_t(maxTokens * kHidden), -1, 1, 104,
                       ctx.stream) ||
      !upload(m.logits, balancedLogits(maxTokens)))
    return false;
  size_t work = rc::moeWorkspaceBytes(m.params(maxTokens));
  if (work == SIZE_MAX) {
    std::fprintf(stderr, "error: launchMoe rejects the benchmark's sizes\n");
    return false;
  }
  if (!m.work.allocate(work))
    return false;
  BENCH_CUDA(cudaStreamSynchronize(ctx.stream));
  return true;
}

bool benchGroupedGemms(Context &ctx, const MoeTensors &m, int64_t tokens) {
  const int64_t slots = tokens * kTopK;
  std::vector<int32_t> slotExpert(static_cast<size_t>(slots));
  for (int64_t s = 0; s < slots; ++s)
    slotExpert[s] = balancedExpert(s / kTopK, s % kTopK);
  DeviceRows rows;
  DeviceBuffer activated, projected, expertOut;
  if (!rows.upload(groupRows(slotExpert, kTopK, kExperts)) ||
      !activated.allocate(size_t(slots * kInter) * 2) ||
      !projected.allocate(size_t(slots * 2 * kInter) * 4) ||
      !expertOut.allocate(size_t(slots * kHidden) * 4) ||
      !fillUniformBf16(activated.get(), size_t(slots * kInter), -1, 1, 105,
                       ctx.stream))
    return false;
  for (bool up : {true, false}) {
    rc::GroupedGemm g =
        up ? expertGemm(true, m.hidden.get(), m.gate.get(), m.up.get(), kHidden,
                        kInter, projected.as<float>(), rows, slots, kExperts)
           : expertGemm(false, activated.get(), m.down.get(), nullptr, kHidden,
                        kInter, expertOut.as<float>(), rows, slots, kExperts);
    double ms = 0;
    if (!ctx.timer->median(
            [&] { return rc::launchGroupedGemm(DType::BF16, g, ctx.stream); },
            /*flushL2=*/true, ms))
      return false;
    double rate = tflops(2.0 * double(slots) * double(g.n) * double(g.k), ms);
    ctx.reporter->add(
        Record("bench", up ? "moe_grouped_gemm_up" : "moe_grouped_gemm_down")
            .num("tokens", double(tokens), 0)
            .num("m", double(slots), 0)
            .num("n", double(g.n), 0)
            .num("k", double(g.k), 0)
            .num("experts", double(kExperts), 0)
            .num("ms", ms, 4)
            .num("tflops", rate, 1)
            .num("peak%", 100 * rate / ctx.device.bf16PeakTflops, 1));
  }
  return true;
}

bool benchLayerPrefill(Context &ctx, const MoeTensors &m, int64_t tokens) {
  rc::MoeParams p = m.params(tokens);
  double ms = 0;
  if (!ctx.timer->median([&] { return rc::launchMoe(p, ctx.stream); },
                         /*flushL2=*/true, ms))
    return false;
  double flops = 2.0 * double(tokens * kTopK) * 3.0 * kInter * kHidden;
  double rate = tflops(flops, ms);
  ctx.reporter->add(
      Record("bench", "moe_layer_prefill")
          .num("tokens", double(tokens), 0)
          .num("hidden", double(kHidden), 0)
          .num("inter", double(kInter), 0)
          .num("experts", double(kExperts), 0)
          .num("top_k", double(kTopK), 0)
          .num("ms", ms, 4)
          .num("tflops", rate, 1)
          .num("peak%", 100 * rate / ctx.device.bf16PeakTflops, 1));
  return true;
}

bool benchLayerDecode(Context &ctx, const MoeTensors &m, int64_t tokens) {
  rc::MoeParams p = m.params(tokens);
  std::set<int32_t> used;
  for (int64_t t = 0; t < tokens; ++t)
    for (int64_t j = 0; j < kTopK; ++j)
      used.insert(balancedExpert(t, j));
  // Each expert routed to is read whole once: gate, up and down.
  double bytes = double(used.size()) * 3.0 * kInter * kHidden * 2;
  cudaGraphExec_t graph = nullptr;
  bool graphed = captureGraph(
      ctx.stream, [&] { return rc::launchMoe(p, ctx.stream); }, graph);
  if (!graphed) {
    (void)cudaGetLastError();
    std::fprintf(stderr, "note: moe_layer_decode timed without a graph\n");
  }
  double ms = 0;
  bool timed = ctx.timer->median(
      [&] {
        return graphed ? cudaGraphLaunch(graph, ctx.stream)
                       : rc::launchMoe(p, ctx.stream);
      },
      /*flushL2=*/true, ms);
  if (graph)
    cudaGraphExecDestroy(graph);
  if (!timed)
    return false;
  double gbps = bytes / (ms * 1e-3) / 1e9;
  ctx.reporter->add(Record("bench", "moe_layer_decode")
                        .num("tokens", double(tokens), 0)
                        .num("experts_read", double(used.size()), 0)
                        .num("weight_mb", bytes / 1e6, 1)
                        .num("graph", graphed ? 1 : 0, 0)
                        .num("ms", ms, 4)
                        .num("gbps", gbps, 1)
                        .num("peak%", 100 * gbps / ctx.device.hbmPeakGBps, 1));
  return true;
}

} // namespace

bool checkMoe(Context &ctx, int &failures) {
  return checkGroupedGemm(ctx, /*up=*/true, failures) &&
         checkGroupedGemm(ctx, /*up=*/false, failures) &&
         checkMoeLayer(ctx, "moe_layer_prefill", 150, 31, failures) &&
         checkMoeLayer(ctx, "moe_layer_decode", 3, 41, failures);
}

bool benchMoe(Context &ctx) {
  bool gemm = ctx.wants("moe_grouped_gemm"),
       prefill = ctx.wants("moe_layer_prefill"),
       decode = ctx.wants("moe_layer_decode");
  if (!gemm && !prefill && !decode)
    return true;
  std::vector<int64_t> prefillTokens = {512, 1024, 2048, 4096, 8192};
  if (ctx.quick)
    prefillTokens = {512, 4096};
  std::vector<int64_t> decodeTokens = {1, 2, 4, 8};
  int64_t maxTokens = gemm || prefill ? prefillTokens.back() : 8;
  MoeTensors m;
  if (!allocateTensors(ctx, maxTokens, m))
    return false;
  if (gemm)
    for (int64_t t : prefillTokens)
      if (!benchGroupedGemms(ctx, m, t))
        return false;
  if (prefill)
    for (int64_t t : prefillTokens)
      if (!benchLayerPrefill(ctx, m, t))
        return false;
  if (decode)
    for (int64_t t : decodeTokens)
      if (!benchLayerDecode(ctx, m, t))
        return false;
  return true;
}

} // namespace deepc::bench
