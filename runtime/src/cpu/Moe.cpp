//===- Moe.cpp - deepc.moe on the CPU -------------------------------------===//
//
// A sparse MoE layer: route every token (router GEMM, softmax or sigmoid,
// group-limited top-k, capacity), then, per expert, gather the tokens routed
// to it into one dense block, run the expert's projections on that block
// with BLAS and keep each result row in the slot of its (token, choice).
// A final pass sums each token's weighted slots in choice order, so the
// result does not depend on how experts were scheduled.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <algorithm>
#include <cblas.h>
#include <limits>
#include <numeric>
#include <vector>

namespace deepc::rt::cpu {
namespace {

enum Operand {
  kHidden = 0,
  kRouter,
  kGate,
  kUp,
  kGateUp,
  kDown,
  kGateBias,
  kUpBias,
  kGateUpBias,
  kDownBias,
  kCorrectionBias,
  kSharedGate,
  kSharedUp,
  kSharedDown,
  kSharedExpertGate,
};

enum class Activation { Silu, Gelu, GeluTanh, Relu };

struct MoeShape {
  int64_t tokens = 0, hidden = 0, experts = 0, inter = 0, sharedInter = 0;
  int64_t topK = 1, groups = 1, topGroups = 1;
  bool sigmoidRouter = false, renormalize = false, gated = true, fused = false,
       groupTop2 = true;
  double scaling = 1, capacityFactor = 0;
  Activation act = Activation::Silu;
};

/// Checks operand `i` (when given) has shape `expected`.
Status expectShape(KernelContext &ctx, int i, const char *name,
                   const Shape &expected, const char *layout) {
  if (!ctx.hasInput(i))
    return okStatus();
  const TensorRef &t = ctx.input(i);
  if (!isFloat(t.dtype))
    return ctx.error(std::string(name) + " must be a float tensor, got " +
                     dtypeName(t.dtype));
  if (t.shape != expected)
    return ctx.error(std::string(name) + " must have shape " + layout + " = " +
                     expected.str() + ", got " + t.shape.str());
  return okStatus();
}

Status analyzeRouting(KernelContext &ctx, MoeShape &p) {
  const Attrs &a = ctx.attrs();
  p.topK = a.getInt("top_k", 0);
  p.groups = a.getInt("n_group", 1);
  p.topGroups = a.getInt("topk_group", 1);
  std::string router = a.getString("router", "softmax");
  std::string groupScore = a.getString("group_score", "top2_sum");
  std::string act = a.getString("activation", "silu");
  if (router != "softmax" && router != "sigmoid")
    return ctx.error("unknown router '" + router + "'");
  if (groupScore != "max" && groupScore != "top2_sum")
    return ctx.error("unknown group_score '" + groupScore + "'");
  if (act == "silu")
    p.act = Activation::Silu;
  else if (act == "gelu")
    p.act = Activation::Gelu;
  else if (act == "gelu_tanh")
    p.act = Activation::GeluTanh;
  else if (act == "relu")
    p.act = Activation::Relu;
  else
    return ctx.error("unknown activation '" + act + "'");
  p.sigmoidRouter = router == "sigmoid";
  p.groupTop2 = groupScore == "top2_sum";
  p.renormalize = a.getBool("renormalize");
  p.gated = a.getBool("gated", true);
  p.scaling = a.getFloat("routed_scaling_factor", 1.0);
  p.capacityFactor = a.getFloat("capacity_factor", 0.0);
  int64_t e = p.experts;
  if (p.topK < 1 || p.topK > e)
    return ctx.error("top_k (" + std::to_string(p.topK) +
                     ") must be between 1 and the number of experts (" +
                     std::to_string(e) + ")");
  if (p.groups < 1 || e % p.groups != 0)
    return ctx.error("n_group (" + std::to_string(p.groups) +
                     ") must be at least 1 and divide the number of experts (" +
                     std::to_string(e) + ")");
  if (p.topGroups < 1 || p.topGroups > p.groups)
    return ctx.error("topk_group (" + std::to_string(p.topGroups) +
                     ") must be between 1 and n_group (" +
                     std::to_string(p.groups) + ")");
  if (p.groups > 1 && p.groupTop2 && e / p.groups < 2)
    return ctx.error("group_score top2_sum needs at least 2 experts per group");
  if (p.topK > p.topGroups * (e / p.groups))
    return ctx.error("top_k (" + std::to_string(p.topK) +
                     ") exceeds the experts in the selected groups");
  if (!(p.scaling > 0) || std::isinf(p.scaling))
    return ctx.error("routed_scaling_factor must be finite and positive");
  if (!(p.capacityFactor >= 0) || std::isinf(p.capacityFactor))
    return ctx.error("capacity_factor must be finite and non-negative");
  return okStatus();
}

Status analyze(KernelContext &ctx, MoeShape &p) {
  const TensorRef &x = ctx.input(kHidden), &router = ctx.input(kRouter);
  if (x.shape.rank < 1 || !isFloat(x.dtype))
    return ctx.error("hidden states must be a float tensor of rank 1 or more, "
                     "got " +
                     x.shape.str());
  p.hidden = x.shape[x.shape.rank - 1];
  p.tokens = dimProduct(x.shape, 0, x.shape.rank - 1);
  if (router.shape.rank != 2 || router.shape[1] != p.hidden ||
      !isFloat(router.dtype))
    return ctx.error("router_weight must have shape [num_experts, hidden] "
                     "with hidden = " +
                     std::to_string(p.hidden) + ", got " + router.shape.str());
  p.experts = router.shape[0];
  DEEPC_RETURN_IF_ERROR(analyzeRouting(ctx, p));

  const TensorRef &down = ctx.input(kDown);
  if (!ctx.hasInput(kDown) || down.shape.rank != 3)
    return ctx.error("w_down must have shape [num_experts, hidden, "
                     "intermediate], got " +
                     down.shape.str());
  p.inter = down.shape[2];
  bool separate =
      ctx.hasInput(kGate) && ctx.hasInput(kUp) && !ctx.hasInput(kGateUp);
  p.fused = ctx.hasInput(kGateUp) && !ctx.hasInput(kGate) && !ctx.hasInput(kUp);
  if (p.gated && !separate && !p.fused)
    return ctx.error("a gated MoE needs w_gate and w_up, or one fused "
                     "w_gate_up (not both)");
  if (!p.gated &&
      (!ctx.hasInput(kUp) || ctx.hasInput(kGate) || ctx.hasInput(kGateUp)))
    return ctx.error("a non-gated MoE takes w_up and w_down only");
  int64_t e = p.experts, h = p.hidden, i = p.inter;
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kDown, "w_down", Shape{e, h, i},
                                    "[num_experts, hidden, intermediate]"));
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kGate, "w_gate", Shape{e, i, h},
                                    "[num_experts, intermediate, hidden]"));
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kUp, "w_up", Shape{e, i, h},
                                    "[num_experts, intermediate, hidden]"));
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kGateUp, "w_gate_up",
                                    Shape{e, 2 * i, h},
                                    "[num_experts, 2 * intermediate, hidden]"));
  struct Bias {
    int operand, weight;
    const char *name, *layout;
    Shape shape;
  };
  for (const Bias &b :
       {Bias{kGateBias, kGate, "gate_bias", "[num_experts, intermediate]",
             Shape{e, i}},
        Bias{kUpBias, kUp, "up_bias", "[num_experts, intermediate]",
             Shape{e, i}},
        Bias{kGateUpBias, kGateUp, "gate_up_bias",
             "[num_experts, 2 * intermediate]", Shape{e, 2 * i}},
        Bias{kDownBias, kDown, "down_bias", "[num_experts, hidden]",
             Shape{e, h}}}) {
    if (ctx.hasInput(b.operand) && !ctx.hasInput(b.weight))
      return ctx.error(std::string(b.name) +
                       " is given without the projection it is added to");
    DEEPC_RETURN_IF_ERROR(
        expectShape(ctx, b.operand, b.name, b.shape, b.layout));
  }
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kCorrectionBias, "correction_bias",
                                    Shape{e}, "[num_experts]"));

  bool anyShared = ctx.hasInput(kSharedGate) || ctx.hasInput(kSharedUp) ||
                   ctx.hasInput(kSharedDown);
  if (!anyShared) {
    if (ctx.hasInput(kSharedExpertGate))
      return ctx.error("shared_expert_gate needs shared expert weights");
    return okStatus();
  }
  if (!ctx.hasInput(kSharedUp) || !ctx.hasInput(kSharedDown))
    return ctx.error("shared_up and shared_down must be given together");
  if (p.gated != ctx.hasInput(kSharedGate))
    return ctx.error(p.gated ? "gated shared experts need shared_gate"
                             : "non-gated shared experts take no shared_gate");
  const TensorRef &sd = ctx.input(kSharedDown);
  if (sd.shape.rank != 2)
    return ctx.error("shared_down must have shape [hidden, "
                     "shared_intermediate], got " +
                     sd.shape.str());
  p.sharedInter = sd.shape[1];
  int64_t is = p.sharedInter;
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kSharedDown, "shared_down",
                                    Shape{h, is},
                                    "[hidden, shared_intermediate]"));
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kSharedUp, "shared_up", Shape{is, h},
                                    "[shared_intermediate, hidden]"));
  DEEPC_RETURN_IF_ERROR(expectShape(ctx, kSharedGate, "shared_gate",
                                    Shape{is, h},
                                    "[shared_intermediate, hidden]"));
  if (ctx.hasInput(kSharedExpertGate)) {
    const Shape &g = ctx.input(kSharedExpertGate).shape;
    if (g != Shape{h} && g != Shape{1, h})
      return ctx.error("shared_expert_gate must have shape [1, hidden] or "
                       "[hidden] with hidden = " +
                       std::to_string(h) + ", got " + g.str());
  }
  return okStatus();
}

Status inferMoe(KernelContext &ctx) {
  MoeShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  ctx.output(0).shape = ctx.input(kHidden).shape;
  return okStatus();
}

inline float activate(Activation act, float x) {
  switch (act) {
  case Activation::Silu:
    return x * sigmoid(x);
  case Activation::Gelu:
    return 0.5f * x * (1.0f + std::erf(x * float(M_SQRT1_2)));
  case Activation::GeluTanh: {
    const float c = 0.7978845608028654f; // sqrt(2 / pi)
    return 0.5f * x * (1.0f + std::tanh(c * (x + 0.044715f * x * x * x)));
  }
  case Activation::Relu:
    return x > 0 ? x : 0.0f;
  }
  return x;
}

/// y[rows, n] = x[rows, k] · w[n, k]ᵀ with row strides ldx, ldy.
inline void linear(int64_t rows, int64_t n, int64_t k, const float *x,
                   int64_t ldx, const float *w, float *y, int64_t ldy) {
  if (rows == 0 || n == 0)
    return;
  if (k == 0) {
    for (int64_t r = 0; r < rows; ++r)
      std::fill(y + r * ldy, y + r * ldy + n, 0.0f);
    return;
  }
  // One token (decode): a matrix-vector product streams w once, where
  // sgemm with one row runs its packing path for nothing (2x slower here).
  if (rows == 1) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, int(n), int(k), 1.0f, w, int(k), x,
                1, 0.0f, y, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(rows), int(n),
              int(k), 1.0f, x, int(ldx), w, int(k), 0.0f, y, int(ldy));
}

/// The routing decision: for each (token, choice) the expert (-1 when
/// dropped by capacity) and its weight.
struct Routing {
  std::vector<int32_t> expert;
  std::vector<float> weight;
  /// The (token, choice) assignments capacity dropped.
  int64_t dropped = 0;
};

void route(KernelContext &ctx, const MoeShape &p, const float *logits,
           const float *correction, Routing &r) {
  int64_t e = p.experts, k = p.topK, groupSize = e / p.groups;
  r.expert.assign(size_t(p.tokens * k), -1);
  r.weight.assign(size_t(p.tokens * k), 0.0f);
  const float ninf = -std::numeric_limits<float>::infinity();
#pragma omp parallel num_threads(threadCount(ctx)) if (p.tokens * e > 4096)
  {
    std::vector<float> scores(static_cast<size_t>(e)),
        select(static_cast<size_t>(e)),
        groupScore(static_cast<size_t>(p.groups));
    std::vector<int64_t> order(static_cast<size_t>(std::max(e, p.groups)));
#pragma omp for
    for (int64_t t = 0; t < p.tokens; ++t) {
      const float *l = logits + t * e;
      if (p.sigmoidRouter) {
        for (int64_t i = 0; i < e; ++i)
          scores[i] = sigmoid(l[i]);
      } else {
        float m = *std::max_element(l, l + e), sum = 0;
        for (int64_t i = 0; i < e; ++i)
          sum += scores[i] = std::exp(l[i] - m);
        for (int64_t i = 0; i < e; ++i)
          scores[i] /= sum;
      }
      for (int64_t i = 0; i < e; ++i)
        select[i] = scores[i] + (correction ? correction[i] : 0.0f);
      // Ties go to the lower index, as in TopK.
      auto byScore = [](const std::vector<float> &s) {
        return [&s](int64_t a, int64_t b) {
          return s[a] > s[b] || (s[a] == s[b] && a < b);
        };
      };
      if (p.groups > 1) {
        for (int64_t g = 0; g < p.groups; ++g) {
          const float *s = select.data() + g * groupSize;
          float best = ninf, second = ninf;
          for (int64_t i = 0; i < groupSize; ++i) {
            if (s[i] > best) {
              second = best;
              best = s[i];
            } else if (s[i] > second) {
              second = s[i];
            }
          }
          groupScore[g] = p.groupTop2 ? best + second : best;
        }
        std::iota(order.begin(), order.begin() + p.groups, 0);
        std::partial_sort(order.begin(), order.begin() + p.topGroups,
                          order.begin() + p.groups, byScore(groupScore));
        std::vector<bool> keep(size_t(p.groups), false);
        for (int64_t g = 0; g < p.topGroups; ++g)
          keep[order[g]] = true;
        for (int64_t i = 0; i < e; ++i)
          if (!keep[i / groupSize])
            select[i] = ninf;
      }
      std::iota(order.begin(), order.begin() + e, 0);
      std::partial_sort(order.begin(), order.begin() + k, order.begin() + e,
                        byScore(select));
      float sum = 0;
      for (int64_t j = 0; j < k; ++j)
        sum += scores[order[j]];
      for (int64_t j = 0; j < k; ++j) {
        float w = scores[order[j]];
        if (p.renormalize && sum > 0)
          w /= sum;
        r.expert[t * k + j] = int32_t(order[j]);
        r.weight[t * k + j] = float(w * p.scaling);
      }
    }
  }
  // Capacity: each expert keeps its first `capacity` tokens in token order.
  if (p.capacityFactor > 0) {
    int64_t capacity = int64_t(
        std::ceil(p.capacityFactor * double(p.tokens) * double(k) / double(e)));
    std::vector<int64_t> taken(size_t(e), 0);
    for (int64_t s = 0; s < p.tokens * k; ++s) {
      int32_t ex = r.expert[s];
      if (taken[ex]++ >= capacity) {
        r.expert[s] = -1;
        ++r.dropped;
      }
    }
  }
}

Status runMoe(KernelContext &ctx) {
  MoeShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  TensorRef &out = ctx.output(0);
  int64_t T = p.tokens, H = p.hidden, E = p.experts, I = p.inter, K = p.topK;
  const float *x = f32Values(ctx, ctx.input(kHidden));
  const float *router = f32Values(ctx, ctx.input(kRouter));
  float *y = f32Results(ctx, out);
  float *logits = static_cast<float *>(ctx.scratch(size_t(T * E) * 4));
  if (!x || !router || !y || !logits)
    return outOfMemory(ctx);
  auto optional = [&](int i, const float *&v) {
    v = nullptr;
    return !ctx.hasInput(i) || (v = f32Values(ctx, ctx.input(i)));
  };
  const float *wGate, *wUp, *wGateUp, *wDown, *bGate, *bUp, *bGateUp, *bDown,
      *correction, *sGate, *sUp, *sDown, *sOutGate;
  if (!optional(kGate, wGate) || !optional(kUp, wUp) ||
      !optional(kGateUp, wGateUp) || !optional(kDown, wDown) ||
      !optional(kGateBias, bGate) || !optional(kUpBias, bUp) ||
      !optional(kGateUpBias, bGateUp) || !optional(kDownBias, bDown) ||
      !optional(kCorrectionBias, correction) || !optional(kSharedGate, sGate) ||
      !optional(kSharedUp, sUp) || !optional(kSharedDown, sDown) ||
      !optional(kSharedExpertGate, sOutGate))
    return outOfMemory(ctx);

  // 1. Routing.
  linear(T, E, H, x, H, router, logits, E);
  Routing r;
  route(ctx, p, logits, correction, r);
  // Only layers with a capacity report, so that a model without one has
  // no MoE counters at all and deepc-run stays quiet about it.
  if (p.capacityFactor > 0) {
    ctx.addCounter("moe.routed_tokens", T * K);
    ctx.addCounter("moe.dropped_tokens", r.dropped);
  }

  // 2. Group the kept (token, choice) slots by expert, in token order.
  std::vector<int64_t> count(size_t(E), 0), start(size_t(E + 1), 0);
  for (int32_t ex : r.expert)
    if (ex >= 0)
      ++count[ex];
  for (int64_t e = 0; e < E; ++e)
    start[e + 1] = start[e] + count[e];
  int64_t rows = start[E];
  std::vector<int64_t> rowSlot(static_cast<size_t>(rows));
  std::vector<int64_t> slotRow(static_cast<size_t>(T * K), -1);
  {
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t s = 0; s < T * K; ++s)
      if (r.expert[s] >= 0) {
        int64_t row = fill[r.expert[s]]++;
        rowSlot[row] = s;
        slotRow[s] = row;
      }
  }

  // 3. The experts: gathered input, gate|up activations, output rows.
  int64_t width = p.gated ? 2 * I : I;
  float *xs = static_cast<float *>(ctx.scratch(size_t(rows * H) * 4));
  float *act = static_cast<float *>(ctx.scratch(size_t(rows * width) * 4));
  float *ys = static_cast<float *>(ctx.scratch(size_t(rows * H) * 4));
  if (!xs || !act || !ys)
    return outOfMemory(ctx);
  auto runExpert = [&](int64_t e) {
    int64_t n = count[e], row0 = start[e];
    if (n == 0)
      return;
    float *xe = xs + row0 * H, *ae = act + row0 * width, *ye = ys + row0 * H;
    for (int64_t i = 0; i < n; ++i) {
      const float *src = x + (rowSlot[row0 + i] / K) * H;
      std::copy(src, src + H, xe + i * H);
    }
    // Gate in columns [0, I), up in [I, 2I) (or up alone when not gated).
    if (p.fused) {
      linear(n, 2 * I, H, xe, H, wGateUp + e * 2 * I * H, ae, width);
    } else if (p.gated) {
      linear(n, I, H, xe, H, wGate + e * I * H, ae, width);
      linear(n, I, H, xe, H, wUp + e * I * H, ae + I, width);
    } else {
      linear(n, I, H, xe, H, wUp + e * I * H, ae, width);
    }
    for (int64_t i = 0; i < n; ++i) {
      float *a = ae + i * width;
      for (int64_t c = 0; c < I; ++c) {
        if (!p.gated) {
          a[c] = activate(p.act, a[c] + (bUp ? bUp[e * I + c] : 0.0f));
          continue;
        }
        float g = a[c], u = a[I + c];
        if (bGateUp) {
          g += bGateUp[e * 2 * I + c];
          u += bGateUp[e * 2 * I + I + c];
        }
        if (bGate)
          g += bGate[e * I + c];
        if (bUp)
          u += bUp[e * I + c];
        a[c] = activate(p.act, g) * u;
      }
    }
    linear(n, H, I, ae, width, wDown + e * H * I, ye, H);
    if (bDown)
      for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < H; ++c)
          ye[i * H + c] += bDown[e * H + c];
  };
  int64_t active = 0;
  for (int64_t e = 0; e < E; ++e)
    active += count[e] > 0;
  // Many tokens per expert (prefill): each GEMM is big enough for threaded
  // BLAS. Few (decode): run the experts side by side instead.
  if (active > 0 && rows / active >= 64) {
    for (int64_t e = 0; e < E; ++e)
      runExpert(e);
  } else {
#pragma omp parallel for num_threads(threadCount(ctx)) schedule(dynamic)
    for (int64_t e = 0; e < E; ++e)
      runExpert(e);
  }

  // 4. Shared experts on every token, straight into y.
  if (sUp) {
    int64_t is = p.sharedInter, sw = p.gated ? 2 * is : is;
    float *sa = static_cast<float *>(ctx.scratch(size_t(T * sw) * 4));
    if (!sa)
      return outOfMemory(ctx);
    if (p.gated) {
      linear(T, is, H, x, H, sGate, sa, sw);
      linear(T, is, H, x, H, sUp, sa + is, sw);
    } else {
      linear(T, is, H, x, H, sUp, sa, sw);
    }
#pragma omp parallel for num_threads(threadCount(ctx)) if (T * is > 16384)
    for (int64_t t = 0; t < T; ++t) {
      float *a = sa + t * sw;
      for (int64_t c = 0; c < is; ++c)
        a[c] =
            p.gated ? activate(p.act, a[c]) * a[is + c] : activate(p.act, a[c]);
    }
    linear(T, H, is, sa, sw, sDown, y, H);
    if (sOutGate) {
#pragma omp parallel for num_threads(threadCount(ctx)) if (T * H > 16384)
      for (int64_t t = 0; t < T; ++t) {
        float dot = 0;
        for (int64_t c = 0; c < H; ++c)
          dot += x[t * H + c] * sOutGate[c];
        float g = sigmoid(dot);
        for (int64_t c = 0; c < H; ++c)
          y[t * H + c] *= g;
      }
    }
  } else {
    std::fill(y, y + T * H, 0.0f);
  }

  // 5. Each token's weighted expert outputs, in choice order.
#pragma omp parallel for num_threads(threadCount(ctx)) if (T * K * H > 16384)
  for (int64_t t = 0; t < T; ++t) {
    float *yt = y + t * H;
    for (int64_t j = 0; j < K; ++j) {
      int64_t row = slotRow[t * K + j];
      if (row < 0)
        continue;
      float w = r.weight[t * K + j];
      const float *src = ys + row * H;
      for (int64_t c = 0; c < H; ++c)
        yt[c] += w * src[c];
    }
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerMoeKernels(KernelRegistry &registry) {
  KernelDef def;
  def.infer = inferMoe;
  def.run = runMoe;
  registry.add("deepc.moe", def);
}

} // namespace deepc::rt::cpu
