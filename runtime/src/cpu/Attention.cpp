//===- Attention.cpp - deepc.attention on the CPU -------------------------===//
//
// Work is split into (batch, query head, tile of queries) tasks, one per
// OpenMP thread at a time. Each task computes its scores with one GEMM
// (Q·Kᵀ), applies gate, softcap, mask and the positional rules in the order
// the op defines, takes a numerically stable f32 softmax (with the sink in
// the denominator) and multiplies by V with a second GEMM. A row whose
// every key is dropped yields zeros.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <limits>

namespace deepc::rt::cpu {
namespace {

constexpr int64_t kQueryTile = 64;

enum Operand { kQ = 0, kK, kV, kMask, kGate, kSinks };

struct AttentionShape {
  int64_t batch = 0, heads = 0, kvHeads = 0, seq = 0, kvSeq = 0, headDim = 0,
          vHeadDim = 0;
  float scale = 1, softcap = 0;
  bool causal = false, gatePerPair = false;
  int64_t windowLeft = -1, windowRight = -1, globalTokens = 0;
};

Status analyze(KernelContext &ctx, AttentionShape &p) {
  const TensorRef &q = ctx.input(kQ), &k = ctx.input(kK), &v = ctx.input(kV);
  const char *names[] = {"q", "k", "v"};
  for (int i = 0; i < 3; ++i) {
    if (ctx.input(i).shape.rank != 4)
      return ctx.error(std::string(names[i]) +
                       " must have rank 4 [batch, heads, seq, head_dim], got " +
                       ctx.input(i).shape.str());
    if (!isFloat(ctx.input(i).dtype) || ctx.input(i).dtype != q.dtype)
      return ctx.error("q, k and v must have the same float element type");
  }
  const Attrs &a = ctx.attrs();
  p.heads = a.getInt("num_heads", 0);
  p.kvHeads = a.getInt("num_kv_heads", 0);
  if (p.heads < 1 || p.kvHeads < 1 || p.heads % p.kvHeads != 0)
    return ctx.error("num_heads (" + std::to_string(p.heads) +
                     ") must be a positive multiple of num_kv_heads (" +
                     std::to_string(p.kvHeads) + ")");
  if (q.shape[1] != p.heads)
    return ctx.error("q " + q.shape.str() + " has " +
                     std::to_string(q.shape[1]) + " heads but num_heads is " +
                     std::to_string(p.heads));
  if (k.shape[1] != p.kvHeads || v.shape[1] != p.kvHeads)
    return ctx.error("k " + k.shape.str() + " and v " + v.shape.str() +
                     " must have num_kv_heads = " + std::to_string(p.kvHeads) +
                     " heads");
  if (k.shape[0] != q.shape[0] || v.shape[0] != q.shape[0])
    return ctx.error("q " + q.shape.str() + ", k " + k.shape.str() + " and v " +
                     v.shape.str() + " have different batch sizes");
  if (k.shape[2] != v.shape[2])
    return ctx.error("k " + k.shape.str() + " and v " + v.shape.str() +
                     " have different sequence lengths");
  if (q.shape[3] != k.shape[3])
    return ctx.error("q " + q.shape.str() + " and k " + k.shape.str() +
                     " have different head dimensions");
  p.batch = q.shape[0];
  p.seq = q.shape[2];
  p.kvSeq = k.shape[2];
  p.headDim = q.shape[3];
  p.vHeadDim = v.shape[3];
  if (a.has("scale")) {
    p.scale = float(a.getFloat("scale"));
    if (!(p.scale > 0) || std::isinf(p.scale))
      return ctx.error("scale must be finite and positive");
  } else {
    p.scale = p.headDim > 0 ? 1.0f / std::sqrt(float(p.headDim)) : 1.0f;
  }
  p.softcap = float(a.getFloat("softcap", 0));
  if (!(p.softcap >= 0) || std::isinf(p.softcap))
    return ctx.error("softcap must be finite and non-negative (0 = off)");
  p.causal = a.getBool("causal");
  p.windowLeft = a.getInt("window_left", -1);
  p.windowRight = a.getInt("window_right", -1);
  p.globalTokens = a.getInt("num_global_tokens", 0);
  if (p.windowLeft < -1 || p.windowRight < -1 || p.globalTokens < 0)
    return ctx.error("window bounds must be -1 or non-negative and "
                     "num_global_tokens non-negative");

  if (ctx.hasInput(kGate)) {
    const TensorRef &g = ctx.input(kGate);
    bool ok = g.shape.rank == 3 && g.shape[0] == p.heads &&
              g.shape[1] == p.headDim &&
              (g.shape[2] == 1 || g.shape[2] == p.kvSeq) && isFloat(g.dtype);
    if (!ok)
      return ctx.error("gate must have shape [num_heads, head_dim, 1] or "
                       "[num_heads, head_dim, kv_seq] = [" +
                       std::to_string(p.heads) + ", " +
                       std::to_string(p.headDim) + ", 1 or " +
                       std::to_string(p.kvSeq) + "], got " + g.shape.str());
    p.gatePerPair = g.shape[2] != 1 || p.kvSeq == 1;
  }
  if (ctx.hasInput(kSinks)) {
    const TensorRef &s = ctx.input(kSinks);
    if (s.shape != Shape{p.heads} || !isFloat(s.dtype))
      return ctx.error("sinks must have shape [num_heads] = [" +
                       std::to_string(p.heads) + "], got " + s.shape.str());
  }
  if (ctx.hasInput(kMask)) {
    const TensorRef &m = ctx.input(kMask);
    if (m.dtype != DType::Bool && m.dtype != q.dtype)
      return ctx.error(std::string("mask element type ") + dtypeName(m.dtype) +
                       " must be bool or the query's " + dtypeName(q.dtype));
    Shape scores{p.batch, p.heads, p.seq, p.kvSeq}, both;
    if (m.shape.rank > 4 || !broadcastShapes(m.shape, scores, both) ||
        both != scores)
      return ctx.error("mask of shape " + m.shape.str() +
                       " does not broadcast to the scores [batch, num_heads, "
                       "seq, kv_seq] = " +
                       scores.str());
  }
  return okStatus();
}

Status inferAttention(KernelContext &ctx) {
  AttentionShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  ctx.output(0).shape = Shape{p.batch, p.heads, p.seq, p.vHeadDim};
  return okStatus();
}

/// Whether the positional rules (causal, window, global tokens) drop the
/// pair of the query at absolute position `pos` and key `j`.
inline bool droppedByPosition(const AttentionShape &p, int64_t pos, int64_t j) {
  if (p.causal && j > pos)
    return true;
  if (j < p.globalTokens || pos < p.globalTokens)
    return false;
  if (p.windowLeft >= 0 && pos - j > p.windowLeft)
    return true;
  if (p.windowRight >= 0 && j - pos > p.windowRight)
    return true;
  return false;
}

Status runAttention(KernelContext &ctx) {
  AttentionShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  TensorRef &out = ctx.output(0);
  const float *q = f32Values(ctx, ctx.input(kQ));
  const float *k = f32Values(ctx, ctx.input(kK));
  const float *v = f32Values(ctx, ctx.input(kV));
  float *y = f32Results(ctx, out);
  if (!q || !k || !v || !y)
    return outOfMemory(ctx);

  const float *gate = nullptr, *sinks = nullptr, *floatMask = nullptr;
  const uint8_t *boolMask = nullptr;
  int64_t maskStrides[4] = {0, 0, 0, 0};
  if (ctx.hasInput(kGate) && !(gate = f32Values(ctx, ctx.input(kGate))))
    return outOfMemory(ctx);
  if (ctx.hasInput(kSinks) && !(sinks = f32Values(ctx, ctx.input(kSinks))))
    return outOfMemory(ctx);
  if (ctx.hasInput(kMask)) {
    const TensorRef &m = ctx.input(kMask);
    if (m.dtype == DType::Bool)
      boolMask = m.as<const uint8_t>();
    else if (!(floatMask = f32Values(ctx, m)))
      return outOfMemory(ctx);
    broadcastStrides(m.shape, Shape{p.batch, p.heads, p.seq, p.kvSeq},
                     maskStrides);
  }

  int64_t tiles = (p.seq + kQueryTile - 1) / kQueryTile;
  int64_t tasks = p.batch * p.heads * tiles;
  int threads = threadCount(ctx);
  int64_t perThread = kQueryTile * p.kvSeq * (gate && p.gatePerPair ? 2 : 1);
  float *buffers = static_cast<float *>(
      ctx.scratch(size_t(threads) * size_t(std::max<int64_t>(perThread, 1)) *
                  sizeof(float)));
  if (!buffers)
    return outOfMemory(ctx);
  int64_t group = p.heads / p.kvHeads;
  int64_t offset = p.kvSeq - p.seq; // absolute position of query 0
  const float inf = std::numeric_limits<float>::infinity();

#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (int64_t task = 0; task < tasks; ++task) {
    int64_t b = task / (p.heads * tiles);
    int64_t h = (task / tiles) % p.heads;
    int64_t i0 = (task % tiles) * kQueryTile;
    int64_t rows = std::min(kQueryTile, p.seq - i0);
    int64_t hk = h / group;
    float *scores = buffers + int64_t(omp_get_thread_num()) * perThread;
    float *gates = scores + kQueryTile * p.kvSeq;
    const float *qt = q + ((b * p.heads + h) * p.seq + i0) * p.headDim;
    const float *kh = k + (b * p.kvHeads + hk) * p.kvSeq * p.headDim;
    const float *vh = v + (b * p.kvHeads + hk) * p.kvSeq * p.vHeadDim;
    float *yt = y + ((b * p.heads + h) * p.seq + i0) * p.vHeadDim;
    if (p.kvSeq == 0 || p.vHeadDim == 0) {
      std::fill(yt, yt + rows * p.vHeadDim, 0.0f);
      continue;
    }

    // 1. s = scale · q·kᵀ
    if (p.headDim > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows),
                  int(p.kvSeq), int(p.headDim), p.scale, qt, int(p.headDim), kh,
                  int(p.headDim), 0.0f, scores, int(p.kvSeq));
    else
      std::fill(scores, scores + rows * p.kvSeq, 0.0f);
    // 2. the sigmoid gate: one per query/key pair (a GEMM) or per query.
    if (gate && p.gatePerPair && p.headDim > 0)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows),
                  int(p.kvSeq), int(p.headDim), 1.0f, qt, int(p.headDim),
                  gate + h * p.headDim * p.kvSeq, int(p.kvSeq), 0.0f, gates,
                  int(p.kvSeq));
    else if (gate && p.gatePerPair)
      std::fill(gates, gates + rows * p.kvSeq, 0.0f);

    for (int64_t r = 0; r < rows; ++r) {
      int64_t i = i0 + r, pos = i + offset;
      float *s = scores + r * p.kvSeq;
      float queryGate = 1;
      if (gate && !p.gatePerPair) {
        float dot = 0;
        const float *g = gate + h * p.headDim;
        for (int64_t d = 0; d < p.headDim; ++d)
          dot += qt[r * p.headDim + d] * g[d];
        queryGate = sigmoid(dot);
      }
      int64_t maskRow =
          b * maskStrides[0] + h * maskStrides[1] + i * maskStrides[2];
      float maxScore = -inf;
      for (int64_t j = 0; j < p.kvSeq; ++j) {
        float x = s[j];
        if (gate)
          x *= p.gatePerPair ? sigmoid(gates[r * p.kvSeq + j]) : queryGate;
        if (p.softcap > 0)
          x = p.softcap * std::tanh(x / p.softcap);
        int64_t mi = maskRow + j * maskStrides[3];
        if (floatMask)
          x += floatMask[mi];
        if ((boolMask && !boolMask[mi]) || droppedByPosition(p, pos, j))
          x = -inf;
        s[j] = x;
        maxScore = std::max(maxScore, x);
      }
      float sink = sinks ? sinks[h] : -inf;
      float m = std::max(maxScore, sink);
      if (maxScore == -inf) {
        // Every key is dropped: the row attends to nothing.
        std::fill(s, s + p.kvSeq, 0.0f);
        continue;
      }
      float sum = sinks ? std::exp(sink - m) : 0.0f;
      for (int64_t j = 0; j < p.kvSeq; ++j) {
        float e = std::exp(s[j] - m);
        s[j] = e;
        sum += e;
      }
      float inv = 1.0f / sum;
      for (int64_t j = 0; j < p.kvSeq; ++j)
        s[j] *= inv;
    }
    // 7. the probability-weighted sum of v.
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(rows),
                int(p.vHeadDim), int(p.kvSeq), 1.0f, scores, int(p.kvSeq), vh,
                int(p.vHeadDim), 0.0f, yt, int(p.vHeadDim));
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerAttentionKernels(KernelRegistry &registry) {
  KernelDef def;
  def.infer = inferAttention;
  def.run = runAttention;
  registry.add("deepc.attention", def);
}

} // namespace deepc::rt::cpu
