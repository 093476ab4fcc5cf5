//===- References.cpp - host references of the benchmarked kernels --------===//

#include "References.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

namespace deepc::bench {

uint16_t floatToBf16Bits(float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, 4);
  if (std::isnan(v))
    return uint16_t((bits >> 16) | 0x40); // stays a (quiet) NaN
  bits += 0x7fff + ((bits >> 16) & 1);    // round to nearest, ties to even
  return uint16_t(bits >> 16);
}

float bf16BitsToFloat(uint16_t b) {
  uint32_t bits = uint32_t(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

float roundBf16(float v) { return bf16BitsToFloat(floatToBf16Bits(v)); }

std::vector<double> referenceGroupedGemm(const std::vector<float> &a,
                                         const std::vector<int32_t> &rowToken,
                                         const std::vector<int32_t> &rowExpert,
                                         const std::vector<float> &first,
                                         const std::vector<float> &second,
                                         int64_t splitN, int64_t n, int64_t k) {
  const int64_t rows = int64_t(rowExpert.size());
  std::vector<double> c(size_t(rows * n));
  for (int64_t r = 0; r < rows; ++r) {
    int64_t e = rowExpert[r];
    const float *x = a.data() + (rowToken.empty() ? r : rowToken[r]) * k;
    for (int64_t col = 0; col < n; ++col) {
      const float *w =
          col < splitN ? first.data() + (e * splitN + col) * k
                       : second.data() + (e * (n - splitN) + col - splitN) * k;
      double sum = 0;
      for (int64_t i = 0; i < k; ++i)
        sum += double(x[i]) * w[i];
      c[r * n + col] = sum;
    }
  }
  return c;
}

std::vector<double>
referenceMoeLayer(const std::vector<float> &x, const std::vector<float> &logits,
                  const std::vector<float> &gate, const std::vector<float> &up,
                  const std::vector<float> &down, int64_t tokens,
                  int64_t hidden, int64_t inter, int64_t experts,
                  int64_t topK) {
  std::vector<double> out(size_t(tokens * hidden), 0.0);
  std::vector<double> prob(static_cast<size_t>(experts));
  std::vector<double> act(static_cast<size_t>(inter));
  std::vector<int> order(static_cast<size_t>(experts));
  for (int64_t t = 0; t < tokens; ++t) {
    const float *l = logits.data() + t * experts;
    double top = *std::max_element(l, l + experts), sum = 0;
    for (int64_t e = 0; e < experts; ++e)
      sum += prob[e] = std::exp(double(l[e]) - top);
    for (double &p : prob)
      p /= sum;
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return prob[a] > prob[b]; });
    double chosen = 0;
    for (int64_t j = 0; j < topK; ++j)
      chosen += prob[order[j]];
    const float *xt = x.data() + t * hidden;
    for (int64_t j = 0; j < topK; ++j) {
      int64_t e = order[j];
      for (int64_t i = 0; i < inter; ++i) {
        const float *gr = gate.data() + (e * inter + i) * hidden;
        const float *ur = up.data() + (e * inter + i) * hidden;
        double g = 0, u = 0;
        for (int64_t h = 0; h < hidden; ++h) {
          g += double(xt[h]) * gr[h];
          u += double(xt[h]) * ur[h];
        }
        // The kernel stores the activation in bf16 for the down GEMM.
        act[i] = roundBf16(float(g / (1 + std::exp(-g)) * u));
      }
      double weight = prob[e] / chosen;
      for (int64_t h = 0; h < hidden; ++h) {
        const float *dr = down.data() + (e * hidden + h) * inter;
        double y = 0;
        for (int64_t i = 0; i < inter; ++i)
          y += act[i] * dr[i];
        out[t * hidden + h] += weight * y;
      }
    }
  }
  return out;
}

std::vector<double> referenceCausalAttention(const std::vector<float> &q,
                                             const std::vector<float> &k,
                                             const std::vector<float> &v,
                                             int64_t heads, int64_t kvHeads,
                                             int64_t seq, int64_t kvSeq,
                                             int64_t headDim, double scale) {
  const int64_t D = headDim, group = heads / kvHeads;
  std::vector<double> out(size_t(heads * seq * D));
  std::vector<double> p(static_cast<size_t>(kvSeq));
  for (int64_t h = 0; h < heads; ++h) {
    const float *kh = k.data() + (h / group) * kvSeq * D;
    const float *vh = v.data() + (h / group) * kvSeq * D;
    for (int64_t i = 0; i < seq; ++i) {
      const float *qi = q.data() + (h * seq + i) * D;
      const int64_t last = i + kvSeq - seq; // the query's position
      double top = -INFINITY, sum = 0;
      for (int64_t j = 0; j <= last; ++j) {
        double s = 0;
        for (int64_t d = 0; d < D; ++d)
          s += double(qi[d]) * kh[j * D + d];
        p[j] = s * scale;
        top = std::max(top, p[j]);
      }
      for (int64_t j = 0; j <= last; ++j)
        sum += p[j] = std::exp(p[j] - top);
      for (int64_t d = 0; d < D; ++d) {
        double o = 0;
        for (int64_t j = 0; j <= last; ++j)
          o += p[j] * vh[j * D + d];
        out[(h * seq + i) * D + d] = o / sum;
      }
    }
  }
  return out;
}

} // namespace deepc::bench
