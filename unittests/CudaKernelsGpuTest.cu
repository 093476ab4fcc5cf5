//===- CudaKernelsGpuTest.cu - numerics of the CUDA attention and MoE -----===//
//
// Runs launchAttention and launchMoe on the GPU against plain host
// references written from the ops' definitions (DeepcNNOps.td) the way the
// CPU kernels compute them. Skips when no GPU is visible. Needs nvcc and
// cudart; link with the attention and MoE kernel sources.
//
//===----------------------------------------------------------------------===//

#include "CudaTestUtil.h"

#include "cuda/attention/AttentionKernels.h"
#include "cuda/moe/MoeKernels.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

using namespace deepc::rt;
using namespace deepc::rt::cuda;

namespace {

uint16_t toBf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1); // round to nearest even
  return uint16_t(u >> 16);
}
float fromBf16(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
float roundBf16(float f) { return fromBf16(toBf16(f)); }

/// A device copy of a host vector, freed at scope exit.
struct DeviceBuffer {
  void *ptr = nullptr;
  size_t bytes = 0;
  explicit DeviceBuffer(size_t n) : bytes(n) {
    EXPECT_EQ(cudaMalloc(&ptr, std::max<size_t>(n, 1)), cudaSuccess);
    cudaMemset(ptr, 0, std::max<size_t>(n, 1));
  }
  template <typename T>
  explicit DeviceBuffer(const std::vector<T> &host)
      : DeviceBuffer(host.size() * sizeof(T)) {
    cudaMemcpy(ptr, host.data(), bytes, cudaMemcpyHostToDevice);
  }
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { cudaFree(ptr); }
  template <typename T> std::vector<T> read(size_t n) const {
    std::vector<T> host(n);
    cudaMemcpy(host.data(), ptr, n * sizeof(T), cudaMemcpyDeviceToHost);
    return host;
  }
};

std::vector<float> randomVector(std::mt19937 &rng, size_t n, float scale) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

std::vector<uint16_t> asBf16(const std::vector<float> &v) {
  std::vector<uint16_t> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), toBf16);
  return out;
}

//===----------------------------------------------------------------------===//
// Attention
//===----------------------------------------------------------------------===//

struct AttentionCase {
  int64_t b = 1, hq = 1, hkv = 1, sq = 1, skv = 1, dk = 16, dv = 16;
  AttentionPositionRules rules;
  float softcap = 0;
  bool sinks = false, bf16 = false;
  AttentionMaskKind mask = AttentionMaskKind::None;
  bool maskPerBatchKeyOnly = false; ///< mask [B, 1, 1, Skv], else [Sq, Skv]
  int gate = 0;                     ///< 0 none, 1 per query, 2 per pair
};

/// deepc.attention from its definition: contiguous f32 [B, H, S, D].
std::vector<float> referenceAttention(
    const AttentionCase &c, const std::vector<float> &q,
    const std::vector<float> &k, const std::vector<float> &v,
    const std::vector<float> &mask, const std::vector<uint8_t> &boolMask,
    const std::vector<float> &gate, const std::vector<float> &sinks) {
  std::vector<float> out(size_t(c.b * c.hq * c.sq * c.dv), 0.0f);
  float scale = 1.0f / std::sqrt(float(c.dk));
  int64_t group = c.hq / c.hkv, offset = c.skv - c.sq;
  auto sigmoid = [](float x) { return 1.0f / (1.0f + std::exp(-x)); };
  for (int64_t b = 0; b < c.b; ++b)
    for (int64_t h = 0; h < c.hq; ++h)
      for (int64_t i = 0; i < c.sq; ++i) {
        const float *qi = &q[((b * c.hq + h) * c.sq + i) * c.dk];
        int64_t hk = h / group;
        std::vector<float> s(static_cast<size_t>(c.skv));
        float m = -INFINITY;
        for (int64_t j = 0; j < c.skv; ++j) {
          const float *kj = &k[((b * c.hkv + hk) * c.skv + j) * c.dk];
          float dot = 0, gdot = 0;
          for (int64_t d = 0; d < c.dk; ++d) {
            dot += qi[d] * kj[d];
            if (c.gate == 1)
              gdot += qi[d] * gate[h * c.dk + d];
            if (c.gate == 2)
              gdot += qi[d] * gate[(h * c.dk + d) * c.skv + j];
          }
          float x = dot * scale;
          if (c.gate)
            x *= sigmoid(gdot);
          if (c.softcap > 0)
            x = c.softcap * std::tanh(x / c.softcap);
          int64_t mi = c.maskPerBatchKeyOnly ? b * c.skv + j : i * c.skv + j;
          if (c.mask == AttentionMaskKind::Additive)
            x += mask[mi];
          bool drop = c.mask == AttentionMaskKind::Bool && !boolMask[mi];
          drop |= attentionDropsPair(c.rules, i + offset, j);
          s[j] = drop ? -INFINITY : x;
          m = std::max(m, s[j]);
        }
        float *o = &out[((b * c.hq + h) * c.sq + i) * c.dv];
        if (m == -INFINITY)
          continue;
        float sink = c.sinks ? sinks[h] : -INFINITY;
        float top = std::max(m, sink), sum = c.sinks ? std::exp(sink - top) : 0;
        for (float &x : s)
          sum += x = std::exp(x - top);
        for (int64_t j = 0; j < c.skv; ++j)
          for (int64_t d = 0; d < c.dv; ++d)
            o[d] += s[j] / sum * v[((b * c.hkv + hk) * c.skv + j) * c.dv + d];
      }
  return out;
}

void checkAttention(const AttentionCase &c) {
  std::mt19937 rng(42);
  auto q = randomVector(rng, size_t(c.b * c.hq * c.sq * c.dk), 1.0f);
  auto k = randomVector(rng, size_t(c.b * c.hkv * c.skv * c.dk), 1.0f);
  auto v = randomVector(rng, size_t(c.b * c.hkv * c.skv * c.dv), 1.0f);
  if (c.bf16)
    for (auto *t : {&q, &k, &v})
      std::transform(t->begin(), t->end(), t->begin(), roundBf16);
  size_t maskSize = size_t(c.maskPerBatchKeyOnly ? c.b * c.skv : c.sq * c.skv);
  auto mask = randomVector(rng, maskSize, 2.0f);
  if (c.bf16)
    std::transform(mask.begin(), mask.end(), mask.begin(), roundBf16);
  std::vector<uint8_t> boolMask(maskSize);
  for (size_t i = 0; i < maskSize; ++i)
    boolMask[i] = rng() % 3 != 0;
  if (c.maskPerBatchKeyOnly) // batch 0 attends to nothing: zeros
    std::fill(boolMask.begin(), boolMask.begin() + c.skv, 0);
  auto gate =
      randomVector(rng, size_t(c.hq * c.dk * (c.gate == 2 ? c.skv : 1)), 0.5f);
  auto sinks = randomVector(rng, size_t(c.hq), 1.0f);
  auto expected = referenceAttention(c, q, k, v, mask, boolMask, gate, sinks);

  DeviceBuffer dq = c.bf16 ? DeviceBuffer(asBf16(q)) : DeviceBuffer(q);
  DeviceBuffer dk = c.bf16 ? DeviceBuffer(asBf16(k)) : DeviceBuffer(k);
  DeviceBuffer dv = c.bf16 ? DeviceBuffer(asBf16(v)) : DeviceBuffer(v);
  DeviceBuffer dmask = c.mask == AttentionMaskKind::Bool
                           ? DeviceBuffer(boolMask)
                       : c.bf16 ? DeviceBuffer(asBf16(mask))
                                : DeviceBuffer(mask);
  DeviceBuffer dgate(gate), dsinks(sinks);
  size_t elem = c.bf16 ? 2 : 4;
  DeviceBuffer dout(expected.size() * elem);

  AttentionParams p;
  p.dtype = c.bf16 ? DType::BF16 : DType::F32;
  p.q = dq.ptr;
  p.k = dk.ptr;
  p.v = dv.ptr;
  p.out = dout.ptr;
  p.batch = c.b;
  p.heads = c.hq;
  p.kvHeads = c.hkv;
  p.seq = c.sq;
  p.kvSeq = c.skv;
  p.headDim = c.dk;
  p.vHeadDim = c.dv;
  setContiguousAttentionStrides(p);
  p.scale = 1.0f / std::sqrt(float(c.dk));
  p.softcap = c.softcap;
  p.rules = c.rules;
  p.maskKind = c.mask;
  if (c.mask != AttentionMaskKind::None) {
    p.mask = dmask.ptr;
    if (c.maskPerBatchKeyOnly) {
      p.maskStrides[0] = c.skv;
      p.maskStrides[3] = 1;
    } else {
      p.maskStrides[2] = c.skv;
      p.maskStrides[3] = 1;
    }
  }
  if (c.gate) {
    p.gate = dgate.ptr;
    p.gatePerPair = c.gate == 2;
  }
  if (c.sinks)
    p.sinks = dsinks.ptr;
  size_t wsBytes = attentionWorkspaceBytes(p);
  ASSERT_NE(wsBytes, SIZE_MAX);
  DeviceBuffer ws(wsBytes);
  p.workspace = ws.ptr;
  p.workspaceBytes = wsBytes;
  ASSERT_EQ(launchAttention(p, nullptr), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  std::vector<float> got(expected.size());
  if (c.bf16) {
    auto raw = dout.read<uint16_t>(expected.size());
    std::transform(raw.begin(), raw.end(), got.begin(), fromBf16);
  } else {
    got = dout.read<float>(expected.size());
  }
  float tol = c.bf16 ? 2e-2f : 1e-4f;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], tol * (1 + std::fabs(expected[i])))
        << "element " << i;
}

TEST(CudaAttention, CausalPrefillHead64) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.b = 2, c.hq = 4, c.hkv = 4, c.sq = 70, c.skv = 70, c.dk = c.dv = 64;
  c.rules.causal = true;
  checkAttention(c);
}

TEST(CudaAttention, GroupedQueryDecodeSplitsKeys) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.hq = 8, c.hkv = 2, c.sq = 1, c.skv = 1000, c.dk = c.dv = 128;
  c.rules.causal = true;
  c.sinks = true;
  checkAttention(c);
}

TEST(CudaAttention, MlaHeadsWindowGlobalSoftcapMask) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.hq = 2, c.hkv = 1, c.sq = 5, c.skv = 40, c.dk = 192, c.dv = 128;
  c.rules.causal = true;
  c.rules.windowLeft = 7;
  c.rules.globalTokens = 2;
  c.softcap = 5.0f;
  c.mask = AttentionMaskKind::Additive;
  checkAttention(c);
}

TEST(CudaAttention, TinyHeadsBoolMaskPairGateEmptyRows) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.b = 2, c.hq = 3, c.hkv = 1, c.sq = 9, c.skv = 33, c.dk = 16, c.dv = 24;
  c.mask = AttentionMaskKind::Bool;
  c.maskPerBatchKeyOnly = true;
  c.gate = 2;
  c.sinks = true;
  checkAttention(c);
}

TEST(CudaAttention, QueryGateWindowRight) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.hq = 4, c.hkv = 2, c.sq = 20, c.skv = 20, c.dk = c.dv = 64;
  c.rules.windowLeft = 3;
  c.rules.windowRight = 2;
  c.gate = 1;
  checkAttention(c);
}

TEST(CudaAttention, Bf16PrefillHead128) {
  SKIP_WITHOUT_GPU();
  AttentionCase c;
  c.hq = 4, c.hkv = 2, c.sq = 100, c.skv = 130, c.dk = c.dv = 128;
  c.rules.causal = true;
  c.bf16 = true;
  checkAttention(c);
}

//===----------------------------------------------------------------------===//
// MoE
//===----------------------------------------------------------------------===//

struct MoeCase {
  int64_t t = 8, h = 16, e = 4, i = 8, k = 2, groups = 1, topGroups = 1;
  bool bf16 = false, fused = false, gated = true, sigmoid = false,
       renormalize = false, correction = false, biases = false,
       accumulate = false, top2 = true;
  double scaling = 1.0, capacity = 0.0;
  MoeActivation act = MoeActivation::Silu;
};

float activate(MoeActivation a, float x) {
  switch (a) {
  case MoeActivation::Silu:
    return x / (1.0f + std::exp(-x));
  case MoeActivation::Gelu:
    return 0.5f * x * (1.0f + std::erf(x * float(M_SQRT1_2)));
  case MoeActivation::GeluTanh:
    return 0.5f * x *
           (1.0f + std::tanh(0.7978845608f * (x + 0.044715f * x * x * x)));
  case MoeActivation::Relu:
    return x > 0 ? x : 0.0f;
  }
  return x;
}

struct MoeTensors {
  std::vector<float> logits, x, wGate, wUp, wGateUp, wDown, gateBias, upBias,
      gateUpBias, downBias, correction, out0;
};

/// deepc.moe's routed experts as the CPU kernel computes them; returns the
/// output and the dropped slot count.
std::vector<float> referenceMoe(const MoeCase &c, const MoeTensors &w,
                                int64_t &dropped) {
  int64_t T = c.t, H = c.h, E = c.e, I = c.i, K = c.k, gs = E / c.groups;
  std::vector<int> expert(size_t(T * K));
  std::vector<float> weight(size_t(T * K));
  for (int64_t t = 0; t < T; ++t) {
    const float *l = &w.logits[t * E];
    std::vector<float> s(static_cast<size_t>(E)), sel(s);
    float m = *std::max_element(l, l + E), sum = 0;
    for (int64_t e = 0; e < E; ++e) {
      if (c.sigmoid) {
        s[e] = 1.0f / (1.0f + std::exp(-l[e]));
      } else {
        s[e] = std::exp(l[e] - m);
        sum += s[e];
      }
    }
    if (!c.sigmoid)
      for (float &v : s)
        v /= sum;
    for (int64_t e = 0; e < E; ++e)
      sel[e] = s[e] + (c.correction ? w.correction[e] : 0.0f);
    auto by = [](const std::vector<float> &v) {
      return [&v](int64_t a, int64_t b) {
        return v[a] > v[b] || (v[a] == v[b] && a < b);
      };
    };
    if (c.groups > 1) {
      std::vector<float> g(static_cast<size_t>(c.groups));
      for (int64_t gi = 0; gi < c.groups; ++gi) {
        std::vector<float> part(sel.begin() + gi * gs,
                                sel.begin() + (gi + 1) * gs);
        std::sort(part.rbegin(), part.rend());
        g[gi] = c.top2 ? part[0] + part[1] : part[0];
      }
      std::vector<int64_t> order(static_cast<size_t>(c.groups));
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), by(g));
      for (int64_t gi = c.topGroups; gi < c.groups; ++gi)
        for (int64_t e = order[gi] * gs; e < (order[gi] + 1) * gs; ++e)
          sel[e] = -INFINITY;
    }
    std::vector<int64_t> order(static_cast<size_t>(E));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), by(sel));
    float total = 0;
    for (int64_t j = 0; j < K; ++j)
      total += s[order[j]];
    for (int64_t j = 0; j < K; ++j) {
      float v = s[order[j]];
      if (c.renormalize && total > 0)
        v /= total;
      expert[t * K + j] = int(order[j]);
      weight[t * K + j] = float(v * c.scaling);
    }
  }
  dropped = 0;
  int64_t cap = moeCapacity(c.capacity, T, K, E);
  std::vector<int64_t> taken(static_cast<size_t>(E), 0);
  for (int64_t s = 0; s < T * K; ++s)
    if (taken[expert[s]]++ >= cap) {
      expert[s] = -1;
      ++dropped;
    }
  auto r = [&](float v) { return c.bf16 ? roundBf16(v) : v; };
  std::vector<float> y = c.accumulate ? w.out0 : std::vector<float>(T * H, 0);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t j = 0; j < K; ++j) {
      int64_t e = expert[t * K + j];
      if (e < 0)
        continue;
      const float *x = &w.x[t * H];
      std::vector<float> a(static_cast<size_t>(I));
      for (int64_t n = 0; n < I; ++n) {
        float g = 0, u = 0;
        for (int64_t d = 0; d < H; ++d) {
          if (c.fused) {
            g += x[d] * w.wGateUp[(e * 2 * I + n) * H + d];
            u += x[d] * w.wGateUp[(e * 2 * I + I + n) * H + d];
          } else {
            if (c.gated)
              g += x[d] * w.wGate[(e * I + n) * H + d];
            u += x[d] * w.wUp[(e * I + n) * H + d];
          }
        }
        if (c.biases && c.fused) {
          g += w.gateUpBias[e * 2 * I + n];
          u += w.gateUpBias[e * 2 * I + I + n];
        } else if (c.biases) {
          if (c.gated)
            g += w.gateBias[e * I + n];
          u += w.upBias[e * I + n];
        }
        a[n] = r(c.gated ? activate(c.act, g) * u : activate(c.act, u));
      }
      for (int64_t d = 0; d < H; ++d) {
        float o = c.biases ? w.downBias[e * H + d] : 0.0f;
        for (int64_t n = 0; n < I; ++n)
          o += a[n] * w.wDown[(e * H + d) * I + n];
        y[t * H + d] += weight[t * K + j] * o;
      }
    }
  return y;
}

void checkMoe(const MoeCase &c) {
  std::mt19937 rng(5);
  int64_t T = c.t, H = c.h, E = c.e, I = c.i;
  MoeTensors w;
  auto rnd = [&](size_t n, float s) {
    auto v = randomVector(rng, n, s);
    if (c.bf16)
      std::transform(v.begin(), v.end(), v.begin(), roundBf16);
    return v;
  };
  w.logits = randomVector(rng, size_t(T * E), 1.0f);
  w.x = rnd(size_t(T * H), 1.0f);
  float wScale = 1.0f / std::sqrt(float(H));
  w.wGate = rnd(size_t(E * I * H), wScale);
  w.wUp = rnd(size_t(E * I * H), wScale);
  w.wGateUp = rnd(size_t(E * 2 * I * H), wScale);
  w.wDown = rnd(size_t(E * H * I), 1.0f / std::sqrt(float(I)));
  w.gateBias = randomVector(rng, size_t(E * I), 0.1f);
  w.upBias = randomVector(rng, size_t(E * I), 0.1f);
  w.gateUpBias = randomVector(rng, size_t(E * 2 * I), 0.1f);
  w.downBias = randomVector(rng, size_t(E * H), 0.1f);
  w.correction = randomVector(rng, size_t(E), 0.05f);
  w.out0 = rnd(size_t(T * H), 1.0f);
  int64_t droppedExpected = 0;
  auto expected = referenceMoe(c, w, droppedExpected);

  auto dev = [&](const std::vector<float> &v) {
    return c.bf16 ? DeviceBuffer(asBf16(v)) : DeviceBuffer(v);
  };
  DeviceBuffer logits(w.logits), x = dev(w.x), gate = dev(w.wGate),
                                 up = dev(w.wUp), gateUp = dev(w.wGateUp),
                                 down = dev(w.wDown), out = dev(w.out0);
  DeviceBuffer gateBias(w.gateBias), upBias(w.upBias), gateUpBias(w.gateUpBias),
      downBias(w.downBias), correction(w.correction);

  MoeParams p;
  p.dtype = c.bf16 ? DType::BF16 : DType::F32;
  p.tokens = T, p.hidden = H, p.experts = E, p.inter = I, p.topK = c.k;
  p.routerLogits = static_cast<const float *>(logits.ptr);
  p.hiddenStates = x.ptr;
  if (c.fused) {
    p.wGateUp = gateUp.ptr;
  } else {
    p.wUp = up.ptr;
    if (c.gated)
      p.wGate = gate.ptr;
  }
  p.wDown = down.ptr;
  if (c.biases) {
    if (c.fused) {
      p.gateUpBias = gateUpBias.ptr;
    } else {
      p.upBias = upBias.ptr;
      if (c.gated)
        p.gateBias = gateBias.ptr;
    }
    p.downBias = downBias.ptr;
  }
  if (c.correction)
    p.correctionBias = correction.ptr;
  p.sigmoidRouter = c.sigmoid;
  p.renormalize = c.renormalize;
  p.groups = c.groups;
  p.topGroups = c.topGroups;
  p.groupTop2Sum = c.top2;
  p.routedScaling = c.scaling;
  p.capacityFactor = c.capacity;
  p.gated = c.gated;
  p.activation = c.act;
  p.out = out.ptr;
  p.accumulate = c.accumulate;
  MoeWorkspaceLayout layout;
  ASSERT_EQ(moeWorkspaceLayout(p, layout), nullptr);
  DeviceBuffer ws(layout.totalBytes);
  p.workspace = ws.ptr;
  p.workspaceBytes = layout.totalBytes;
  ASSERT_EQ(launchMoe(p, nullptr), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  std::vector<int32_t> droppedPerExpert(static_cast<size_t>(E));
  cudaMemcpy(droppedPerExpert.data(),
             static_cast<char *>(ws.ptr) + layout.expertDropped, E * 4,
             cudaMemcpyDeviceToHost);
  EXPECT_EQ(std::accumulate(droppedPerExpert.begin(), droppedPerExpert.end(),
                            int64_t(0)),
            droppedExpected);
  std::vector<float> got(expected.size());
  if (c.bf16) {
    auto raw = out.read<uint16_t>(expected.size());
    std::transform(raw.begin(), raw.end(), got.begin(), fromBf16);
  } else {
    got = out.read<float>(expected.size());
  }
  float tol = c.bf16 ? 3e-2f : 1e-4f;
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], expected[i], tol * (1 + std::fabs(expected[i])))
        << "element " << i;
}

TEST(CudaMoe, SoftmaxTop2SeparateWeightsWithBiases) {
  SKIP_WITHOUT_GPU();
  MoeCase c;
  c.t = 50, c.h = 40, c.e = 8, c.i = 24, c.k = 2;
  c.renormalize = true;
  c.biases = true;
  checkMoe(c);
}

TEST(CudaMoe, Bf16FusedGroupedSigmoidWithCapacity) {
  SKIP_WITHOUT_GPU();
  MoeCase c;
  c.t = 300, c.h = 64, c.e = 16, c.i = 48, c.k = 4;
  c.bf16 = true;
  c.fused = true;
  c.sigmoid = true;
  c.correction = true;
  c.groups = 4, c.topGroups = 2;
  c.renormalize = true;
  c.scaling = 2.5;
  c.capacity = 0.5;
  checkMoe(c);
}

TEST(CudaMoe, NonGatedReluAccumulatesIntoSharedOutput) {
  SKIP_WITHOUT_GPU();
  MoeCase c;
  c.t = 70, c.h = 33, c.e = 5, c.i = 17, c.k = 1;
  c.gated = false;
  c.act = MoeActivation::Relu;
  c.accumulate = true;
  c.biases = true;
  c.groups = 1;
  checkMoe(c);
}

TEST(CudaMoe, GeluMaxGroupScore) {
  SKIP_WITHOUT_GPU();
  MoeCase c;
  c.t = 130, c.h = 96, c.e = 12, c.i = 64, c.k = 3;
  c.groups = 3, c.topGroups = 2;
  c.top2 = false;
  c.act = MoeActivation::Gelu;
  checkMoe(c);
}

} // namespace
