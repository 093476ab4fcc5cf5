//===- CpuMathKernelsTest.cpp - the CPU math kernels against references ---===//
//
// Each kernel runs through its KernelDef (infer, then run) on small random
// inputs and is compared with a naive reference written here from the op's
// definition. Float results must agree within 1e-4 relative to the
// magnitude unless a test says otherwise.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtil.h"

#include "deepc/rt/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using namespace deepc::rt;
using namespace deepc::test;

namespace {

/// Runs `op` through its CPU kernel.
Status runOp(const std::string &op, const json::Value &attrs,
             std::vector<HostTensor> &inputs,
             std::vector<HostTensor> &outputs) {
  return runCpuKernel(makeStep(op, attrs), inputs, outputs);
}

json::Value
attrs(std::initializer_list<std::pair<const char *, json::Value>> kv) {
  json::Value o = json::Value::object();
  for (auto &[k, v] : kv)
    o[k] = v;
  return o;
}

void expectNear(const HostTensor &got, const std::vector<double> &want,
                double tol = 1e-4) {
  ASSERT_EQ(got.shape.numel(), int64_t(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(got.f(int64_t(i)), want[i], tol * (1 + std::fabs(want[i])))
        << "at element " << i;
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

TEST(CpuMathMatmul, BroadcastBatchAndTransposes) {
  // lhs [2, 1, K, M] read transposed, rhs [3, N, K] read transposed.
  int64_t M = 3, K = 5, N = 4;
  HostTensor lhs = randomTensor({2, 1, K, M}, 1),
             rhs = randomTensor({3, N, K}, 2);
  std::vector<HostTensor> in = {lhs, rhs}, out = {makeTensor(DType::F32, {})};
  ASSERT_TRUE(runOp("deepc.matmul",
                    attrs({{"transpose_lhs", true}, {"transpose_rhs", true}}),
                    in, out)
                  .ok());
  EXPECT_EQ(out[0].shape, (Shape{2, 3, M, N}));
  std::vector<double> want;
  for (int64_t b0 = 0; b0 < 2; ++b0)
    for (int64_t b1 = 0; b1 < 3; ++b1)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t n = 0; n < N; ++n) {
          double s = 0;
          for (int64_t k = 0; k < K; ++k)
            s += double(lhs.f(b0 * K * M + k * M + m)) *
                 rhs.f(b1 * N * K + n * K + k);
          want.push_back(s);
        }
  expectNear(out[0], want);
}

TEST(CpuMathMatmul, SharedWeightF16AndLinear) {
  // [2, 3, K] x [K, N] takes the folded single-GEMM path; f16 converts.
  for (DType t : {DType::F32, DType::F16, DType::BF16}) {
    HostTensor lhs = randomTensor({2, 3, 8}, 3, t),
               rhs = randomTensor({8, 5}, 4, t);
    std::vector<HostTensor> in = {lhs, rhs}, out = {makeTensor(t, {})};
    ASSERT_TRUE(runOp("deepc.matmul", attrs({}), in, out).ok());
    std::vector<double> want;
    for (int64_t r = 0; r < 6; ++r)
      for (int64_t n = 0; n < 5; ++n) {
        double s = 0;
        for (int64_t k = 0; k < 8; ++k)
          s += double(lhs.f(r * 8 + k)) * rhs.f(k * 5 + n);
        want.push_back(s);
      }
    expectNear(out[0], want, t == DType::F32 ? 1e-5 : 2e-2);
  }
}

TEST(CpuMathMatmul, SingleRowTakesTheVectorPath) {
  // [1, K] x [K, N] and x [N, K]^T: one row, as in a decode step.
  int64_t K = 7, N = 9;
  HostTensor lhs = randomTensor({1, K}, 5);
  for (bool transposeRhs : {false, true}) {
    HostTensor rhs = randomTensor(transposeRhs ? Shape{N, K} : Shape{K, N}, 6);
    std::vector<HostTensor> in = {lhs, rhs}, out = {makeTensor(DType::F32, {})};
    ASSERT_TRUE(
        runOp("deepc.matmul", attrs({{"transpose_rhs", transposeRhs}}), in, out)
            .ok());
    EXPECT_EQ(out[0].shape, (Shape{1, N}));
    std::vector<double> want;
    for (int64_t n = 0; n < N; ++n) {
      double s = 0;
      for (int64_t k = 0; k < K; ++k)
        s += double(lhs.f(k)) * rhs.f(transposeRhs ? n * K + k : k * N + n);
      want.push_back(s);
    }
    expectNear(out[0], want);
  }
}

TEST(CpuMathMatmul, IntegerWrapsToResultType) {
  HostTensor lhs = fromInts(DType::I8, {1, 2}, {100, 100});
  HostTensor rhs = fromInts(DType::I8, {2, 1}, {2, 1});
  std::vector<HostTensor> in = {lhs, rhs}, out = {makeTensor(DType::I8, {})};
  ASSERT_TRUE(runOp("deepc.matmul", attrs({}), in, out).ok());
  // 300 wraps to 44 in int8.
  EXPECT_EQ(out[0].i64(0), 44);
  HostTensor a = fromInts(DType::I64, {2, 2}, {1, 2, 3, 4});
  HostTensor b = fromInts(DType::I64, {2, 2}, {5, 6, 7, 8});
  std::vector<HostTensor> in2 = {a, b}, out2 = {makeTensor(DType::I64, {})};
  ASSERT_TRUE(
      runOp("deepc.matmul", attrs({{"transpose_rhs", true}}), in2, out2).ok());
  EXPECT_EQ(out2[0].i64(0), 17);
  EXPECT_EQ(out2[0].i64(3), 53);
}

TEST(CpuMathMatmul, BadShapesAreErrors) {
  std::vector<HostTensor> in = {randomTensor({2, 3}, 1),
                                randomTensor({4, 5}, 2)},
                          out = {makeTensor(DType::F32, {})};
  Status s = runOp("deepc.matmul", attrs({}), in, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("contraction"), std::string::npos) << s.message();
  std::vector<HostTensor> in2 = {randomTensor({3}, 1), randomTensor({3, 5}, 2)};
  EXPECT_FALSE(runOp("deepc.matmul", attrs({}), in2, out).ok());
  std::vector<HostTensor> in3 = {randomTensor({2, 1, 3}, 1),
                                 randomTensor({3, 3, 5}, 2)};
  EXPECT_FALSE(runOp("deepc.matmul", attrs({}), in3, out).ok()); // batch 2 vs 3
}

//===----------------------------------------------------------------------===//
// reductions and argmax
//===----------------------------------------------------------------------===//

TEST(CpuMathReduce, AxesAndKeepDims) {
  HostTensor x = randomTensor({3, 4, 5}, 7);
  const char *ops[] = {"deepc.reduce_sum", "deepc.reduce_mean",
                       "deepc.reduce_max", "deepc.reduce_min",
                       "deepc.reduce_prod"};
  for (int o = 0; o < 5; ++o)
    for (bool keep : {false, true}) {
      std::vector<HostTensor> in = {x}, out = {makeTensor(DType::F32, {})};
      ASSERT_TRUE(
          runOp(ops[o],
                attrs({{"axes", intArray({0, -1})}, {"keep_dims", keep}}), in,
                out)
              .ok());
      EXPECT_EQ(out[0].shape, keep ? (Shape{1, 4, 1}) : (Shape{4}));
      std::vector<double> want;
      for (int j = 0; j < 4; ++j) {
        double acc = o == 4 ? 1 : (o == 2 ? -1e9 : (o == 3 ? 1e9 : 0));
        for (int i = 0; i < 3; ++i)
          for (int k = 0; k < 5; ++k) {
            double v = x.f(i * 20 + j * 5 + k);
            if (o <= 1)
              acc += v;
            else if (o == 2)
              acc = std::max(acc, v);
            else if (o == 3)
              acc = std::min(acc, v);
            else
              acc *= v;
          }
        want.push_back(o == 1 ? acc / 15 : acc);
      }
      expectNear(out[0], want, 1e-5);
    }
}

TEST(CpuMathReduce, IntegersAndErrors) {
  HostTensor x = fromInts(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 7});
  std::vector<HostTensor> in = {x}, out = {makeTensor(DType::I32, {})};
  ASSERT_TRUE(
      runOp("deepc.reduce_mean", attrs({{"axes", intArray({1})}}), in, out)
          .ok());
  EXPECT_EQ(out[0].i64(0), 2);
  EXPECT_EQ(out[0].i64(1), 5); // 16 / 3 truncates
  ASSERT_TRUE(
      runOp("deepc.reduce_max", attrs({{"axes", intArray({0})}}), in, out)
          .ok());
  EXPECT_EQ(out[0].i64(2), 7);
  EXPECT_FALSE(
      runOp("deepc.reduce_sum", attrs({{"axes", intArray({2})}}), in, out)
          .ok());
  EXPECT_FALSE(
      runOp("deepc.reduce_sum", attrs({{"axes", intArray({1, -1})}}), in, out)
          .ok());
  EXPECT_FALSE(runOp("deepc.reduce_sum", attrs({}), in, out).ok());
}

TEST(CpuMathArgMax, FirstMaximumWins) {
  HostTensor x = fromFloats(DType::F32, {2, 4}, {1, 3, 3, 0, 5, 2, 5, 5});
  std::vector<HostTensor> in = {x}, out = {makeTensor(DType::I64, {})};
  ASSERT_TRUE(runOp("deepc.argmax", attrs({{"axis", -1}}), in, out).ok());
  EXPECT_EQ(out[0].shape, (Shape{2}));
  EXPECT_EQ(out[0].i64(0), 1);
  EXPECT_EQ(out[0].i64(1), 0);
  ASSERT_TRUE(
      runOp("deepc.argmax", attrs({{"axis", 0}, {"keep_dims", true}}), in, out)
          .ok());
  EXPECT_EQ(out[0].shape, (Shape{1, 4}));
  EXPECT_EQ(out[0].i64(0), 1);
  EXPECT_EQ(out[0].i64(1), 0);
  EXPECT_FALSE(runOp("deepc.argmax", attrs({{"axis", 2}}), in, out).ok());
}

//===----------------------------------------------------------------------===//
// softmax, topk, cumsum
//===----------------------------------------------------------------------===//

TEST(CpuMathSoftmax, MiddleAxis) {
  HostTensor x = randomTensor({2, 3, 4}, 11);
  for (DType t : {DType::F32, DType::F16}) {
    HostTensor xt = fromFloats(t, x.shape, randomFloats(24, 11));
    std::vector<HostTensor> in = {xt}, out = {makeTensor(t, {})};
    ASSERT_TRUE(runOp("deepc.softmax", attrs({{"axis", 1}}), in, out).ok());
    std::vector<double> want(24);
    for (int a = 0; a < 2; ++a)
      for (int c = 0; c < 4; ++c) {
        double m = -1e9, s = 0;
        for (int b = 0; b < 3; ++b)
          m = std::max(m, double(xt.f(a * 12 + b * 4 + c)));
        for (int b = 0; b < 3; ++b)
          s += std::exp(xt.f(a * 12 + b * 4 + c) - m);
        for (int b = 0; b < 3; ++b)
          want[a * 12 + b * 4 + c] = std::exp(xt.f(a * 12 + b * 4 + c) - m) / s;
      }
    expectNear(out[0], want, t == DType::F32 ? 1e-5 : 2e-3);
  }
  std::vector<HostTensor> in = {x}, out = {makeTensor(DType::F32, {})};
  EXPECT_FALSE(runOp("deepc.softmax", attrs({{"axis", 3}}), in, out).ok());
}

TEST(CpuMathTopK, TiesLowerIndexFirst) {
  HostTensor x = fromFloats(DType::F32, {2, 5}, {1, 3, 2, 3, 0, 4, 4, 1, 4, 0});
  std::vector<HostTensor> in = {x}, out = {makeTensor(DType::F32, {}),
                                           makeTensor(DType::I64, {})};
  ASSERT_TRUE(runOp("deepc.topk", attrs({{"k", 3}}), in, out).ok());
  EXPECT_EQ(out[0].shape, (Shape{2, 3}));
  std::vector<int64_t> idx = {1, 3, 2, 0, 1, 3};
  std::vector<float> val = {3, 3, 2, 4, 4, 4};
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(out[1].i64(i), idx[i]) << i;
    EXPECT_EQ(out[0].f(i), val[i]) << i;
  }
  ASSERT_TRUE(runOp("deepc.topk",
                    attrs({{"k", 2}, {"axis", 0}, {"largest", false}}), in, out)
                  .ok());
  EXPECT_EQ(out[0].shape, (Shape{2, 5}));
  EXPECT_EQ(out[1].i64(0), 0); // column 0: 1 < 4
  EXPECT_EQ(out[1].i64(5), 1);
  EXPECT_EQ(out[1].i64(1), 0); // column 1: 3 < 4
  EXPECT_EQ(out[1].i64(6), 1);
  EXPECT_FALSE(runOp("deepc.topk", attrs({{"k", 6}}), in, out).ok());
  EXPECT_FALSE(runOp("deepc.topk", attrs({{"k", 0}}), in, out).ok());
}

TEST(CpuMathCumSum, ExclusiveReverse) {
  HostTensor x = fromInts(DType::I64, {2, 3}, {1, 2, 3, 4, 5, 6});
  std::vector<HostTensor> in = {x}, out = {makeTensor(DType::I64, {})};
  ASSERT_TRUE(runOp("deepc.cumsum", attrs({{"axis", 1}}), in, out).ok());
  std::vector<int64_t> plain = {1, 3, 6, 4, 9, 15};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[0].i64(i), plain[i]);
  ASSERT_TRUE(
      runOp("deepc.cumsum",
            attrs({{"axis", 1}, {"exclusive", true}, {"reverse", true}}), in,
            out)
          .ok());
  std::vector<int64_t> exRev = {5, 3, 0, 11, 6, 0};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[0].i64(i), exRev[i]);
  HostTensor f = fromFloats(DType::F32, {3, 1}, {0.5f, 1.5f, 2});
  std::vector<HostTensor> inf = {f}, outf = {makeTensor(DType::F32, {})};
  ASSERT_TRUE(runOp("deepc.cumsum", attrs({{"axis", 0}, {"exclusive", true}}),
                    inf, outf)
                  .ok());
  expectNear(outf[0], {0, 0.5, 2});
  EXPECT_FALSE(runOp("deepc.cumsum", attrs({{"axis", -3}}), in, out).ok());
}

//===----------------------------------------------------------------------===//
// norms
//===----------------------------------------------------------------------===//

TEST(CpuMathNorm, RmsAndLayerNorm) {
  int64_t D = 16;
  HostTensor x = randomTensor({3, D}, 21), w = randomTensor({D}, 22),
             b = randomTensor({D}, 23);
  std::vector<HostTensor> in = {x, w}, out = {makeTensor(DType::F32, {})};
  ASSERT_TRUE(
      runOp("deepc.rms_norm", attrs({{"epsilon", 1e-5}}), in, out).ok());
  std::vector<double> want;
  for (int r = 0; r < 3; ++r) {
    double sq = 0;
    for (int i = 0; i < D; ++i)
      sq += double(x.f(r * D + i)) * x.f(r * D + i);
    double inv = 1 / std::sqrt(sq / D + 1e-5);
    for (int i = 0; i < D; ++i)
      want.push_back(x.f(r * D + i) * inv * w.f(i));
  }
  expectNear(out[0], want);

  std::vector<HostTensor> in2 = {x, w, b};
  ASSERT_TRUE(runOp("deepc.layer_norm", attrs({}), in2, out).ok());
  want.clear();
  for (int r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int i = 0; i < D; ++i)
      mean += x.f(r * D + i);
    mean /= D;
    for (int i = 0; i < D; ++i)
      var += (x.f(r * D + i) - mean) * (x.f(r * D + i) - mean);
    double inv = 1 / std::sqrt(var / D + 1e-5); // the default epsilon
    for (int i = 0; i < D; ++i)
      want.push_back((x.f(r * D + i) - mean) * inv * w.f(i) + b.f(i));
  }
  expectNear(out[0], want);
  // Bias only (weight absent).
  std::vector<HostTensor> in3 = {x, absent(), b};
  ASSERT_TRUE(runOp("deepc.layer_norm", attrs({}), in3, out).ok());

  std::vector<HostTensor> bad = {x, randomTensor({D + 1}, 1)};
  Status s = runOp("deepc.rms_norm", attrs({}), bad, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("weight"), std::string::npos) << s.message();
}

//===----------------------------------------------------------------------===//
// quantization
//===----------------------------------------------------------------------===//

TEST(CpuMathQuant, QuantizeRoundsHalfToEvenAndSaturates) {
  HostTensor x =
      fromFloats(DType::F32, {6}, {2.5f, 3.5f, -2.5f, 1000, -1000, 0.4f});
  HostTensor s = fromFloats(DType::F32, {}, {1});
  HostTensor z = fromInts(DType::I8, {}, {1});
  std::vector<HostTensor> in = {x, s, z}, out = {makeTensor(DType::I8, {})};
  ASSERT_TRUE(runOp("deepc.quantize", attrs({}), in, out).ok());
  std::vector<int64_t> want = {3, 5, -1, 127, -128, 1};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out[0].i64(i), want[i]) << i;
  std::vector<HostTensor> in4 = {x, s}, out4 = {makeTensor(DType::I4, {})};
  ASSERT_TRUE(runOp("deepc.quantize", attrs({}), in4, out4).ok());
  std::vector<int64_t> want4 = {2, 4, -2, 7, -8, 0};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(out4[0].i64(i), want4[i]) << i;
}

TEST(CpuMathQuant, DequantizePerAxisAndBlocked) {
  HostTensor q = fromInts(DType::I8, {2, 4}, {1, 2, 3, 4, -1, -2, -3, -4});
  HostTensor s = fromFloats(DType::F32, {2}, {0.5f, 2});
  HostTensor z = fromInts(DType::I8, {2}, {1, -1});
  std::vector<HostTensor> in = {q, s, z}, out = {makeTensor(DType::F32, {})};
  ASSERT_TRUE(runOp("deepc.dequantize", attrs({{"axis", 0}}), in, out).ok());
  expectNear(out[0], {0, 0.5, 1, 1.5, 0, -2, -4, -6});
  // Blocks of 3 along axis 1: scale [2, 2].
  HostTensor sb = fromFloats(DType::F32, {2, 2}, {1, 10, 2, 20});
  std::vector<HostTensor> inb = {q, sb};
  ASSERT_TRUE(runOp("deepc.dequantize", attrs({{"axis", 1}, {"block_size", 3}}),
                    inb, out)
                  .ok());
  expectNear(out[0], {1, 2, 3, 40, -2, -4, -6, -80});
  std::vector<HostTensor> bad = {q, fromFloats(DType::F32, {3}, {1, 1, 1})};
  Status st = runOp("deepc.dequantize", attrs({{"axis", 0}}), bad, out);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("per-axis"), std::string::npos) << st.message();
}

TEST(CpuMathQuant, QMatmulMatchesDequantizedGemm) {
  int64_t M = 3, N = 5, K = 8, bn = 2, bk = 4;
  std::mt19937 gen(5);
  std::uniform_int_distribution<int> val(-8, 7);
  std::vector<int64_t> wv(N * K), zv(3 * 2);
  for (auto &v : wv)
    v = val(gen);
  for (auto &v : zv)
    v = val(gen);
  HostTensor x = randomTensor({M, K}, 31), w = fromInts(DType::I4, {N, K}, wv),
             s = fromFloats(DType::F32, {3, 2}, randomFloats(6, 32, 0.1f, 1)),
             z = fromInts(DType::I4, {3, 2}, zv);
  std::vector<HostTensor> in = {x, w, s, z}, out = {makeTensor(DType::F32, {})};
  ASSERT_TRUE(
      runOp("deepc.qmatmul", attrs({{"block", intArray({bn, bk})}}), in, out)
          .ok());
  EXPECT_EQ(out[0].shape, (Shape{M, N}));
  std::vector<double> want;
  for (int64_t m = 0; m < M; ++m)
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) {
        int64_t b = (n / bn) * 2 + k / bk;
        acc += x.f(m * K + k) * (wv[n * K + k] - zv[b]) * double(s.f(b));
      }
      want.push_back(acc);
    }
  expectNear(out[0], want);
  std::vector<HostTensor> bad = {
      x, w, fromFloats(DType::F32, {5, 2}, randomFloats(10, 1))};
  EXPECT_FALSE(
      runOp("deepc.qmatmul", attrs({{"block", intArray({bn, bk})}}), bad, out)
          .ok());
}

//===----------------------------------------------------------------------===//
// rotary
//===----------------------------------------------------------------------===//

TEST(CpuMathRotary, HalfAndInterleavedPartial) {
  // input [B=2, H=2, S=3, D=8], rotary_dim 4, table [S, 2].
  int64_t D = 8, R = 4, S = 3;
  HostTensor x = randomTensor({2, 2, S, D}, 41),
             c = randomTensor({S, R / 2}, 42),
             sn = randomTensor({S, R / 2}, 43);
  for (const char *layout : {"half", "interleaved"}) {
    std::vector<HostTensor> in = {x, c, sn}, out = {makeTensor(DType::F32, {})};
    ASSERT_TRUE(runOp("deepc.rotary",
                      attrs({{"layout", layout}, {"rotary_dim", R}}), in, out)
                    .ok());
    bool inter = std::string(layout) == "interleaved";
    std::vector<double> want(size_t(x.shape.numel()));
    for (int64_t row = 0; row < 12; ++row) {
      int64_t pos = row % S;
      for (int64_t i = 0; i < D; ++i)
        want[row * D + i] = x.f(row * D + i);
      for (int64_t i = 0; i < R / 2; ++i) {
        int64_t ia = inter ? 2 * i : i, ib = inter ? 2 * i + 1 : i + R / 2;
        double a = x.f(row * D + ia), b = x.f(row * D + ib);
        double cs = c.f(pos * 2 + i), sv = sn.f(pos * 2 + i);
        want[row * D + ia] = a * cs - b * sv;
        want[row * D + ib] = b * cs + a * sv;
      }
    }
    expectNear(out[0], want);
  }
  std::vector<HostTensor> bad = {x, randomTensor({S, 3}, 1),
                                 randomTensor({S, 3}, 2)};
  std::vector<HostTensor> out = {makeTensor(DType::F32, {})};
  EXPECT_FALSE(
      runOp("deepc.rotary", attrs({{"rotary_dim", R}}), bad, out).ok());
  std::vector<HostTensor> bad2 = {x, randomTensor({4, 4}, 1),
                                  randomTensor({4, 4}, 2)};
  EXPECT_FALSE(runOp("deepc.rotary", attrs({}), bad2, out).ok()); // 4 vs S=3
}

//===----------------------------------------------------------------------===//
// attention
//===----------------------------------------------------------------------===//

struct AttnCase {
  int64_t B = 1, Hq = 4, Hkv = 2, Sq = 5, Skv = 7, Dk = 8, Dv = 6;
  bool causal = false;
  int64_t wl = -1, wr = -1, global = 0;
  float softcap = 0, scale = 0;
  bool boolMask = false, floatMask = false, sinks = false;
  int gate = 0; // 0 none, 1 per query, 2 per pair
};

/// The op's definition, step by step, in double.
std::vector<double> attentionReference(const AttnCase &c, const HostTensor &q,
                                       const HostTensor &k, const HostTensor &v,
                                       const HostTensor *mask,
                                       const HostTensor *gate,
                                       const HostTensor *sinks) {
  std::vector<double> out;
  double scale = c.scale > 0 ? c.scale : 1 / std::sqrt(double(c.Dk));
  for (int64_t b = 0; b < c.B; ++b)
    for (int64_t h = 0; h < c.Hq; ++h) {
      int64_t hk = h / (c.Hq / c.Hkv);
      for (int64_t i = 0; i < c.Sq; ++i) {
        int64_t p = i + c.Skv - c.Sq;
        std::vector<double> s(static_cast<size_t>(c.Skv));
        std::vector<bool> keep(static_cast<size_t>(c.Skv), true);
        for (int64_t j = 0; j < c.Skv; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < c.Dk; ++d)
            dot += double(q.f(((b * c.Hq + h) * c.Sq + i) * c.Dk + d)) *
                   k.f(((b * c.Hkv + hk) * c.Skv + j) * c.Dk + d);
          double x = scale * dot;
          if (gate) {
            int64_t gw = gate->shape[2], col = gw == 1 ? 0 : j;
            double gd = 0;
            for (int64_t d = 0; d < c.Dk; ++d)
              gd += double(q.f(((b * c.Hq + h) * c.Sq + i) * c.Dk + d)) *
                    gate->f((h * c.Dk + d) * gw + col);
            x *= 1 / (1 + std::exp(-gd));
          }
          if (c.softcap > 0)
            x = c.softcap * std::tanh(x / c.softcap);
          if (mask) {
            // mask [1, Hq, Sq, Skv] broadcast over batch
            int64_t mi = (h * c.Sq + i) * c.Skv + j;
            if (mask->dtype == DType::Bool)
              keep[j] = keep[j] && mask->i64(mi) != 0;
            else
              x += mask->f(mi);
          }
          bool global = j < c.global || p < c.global;
          if (c.causal && j > p)
            keep[j] = false;
          if (!global && c.wl >= 0 && p - j > c.wl)
            keep[j] = false;
          if (!global && c.wr >= 0 && j - p > c.wr)
            keep[j] = false;
          s[j] = x;
        }
        double m = -1e300, sum = 0;
        bool any = false;
        for (int64_t j = 0; j < c.Skv; ++j)
          if (keep[j]) {
            m = std::max(m, s[j]);
            any = true;
          }
        if (sinks)
          m = std::max(m, double(sinks->f(h)));
        for (int64_t j = 0; j < c.Skv; ++j)
          sum += keep[j] ? std::exp(s[j] - m) : 0;
        if (sinks)
          sum += std::exp(sinks->f(h) - m);
        for (int64_t d = 0; d < c.Dv; ++d) {
          double acc = 0;
          for (int64_t j = 0; j < c.Skv && any; ++j)
            if (keep[j])
              acc += std::exp(s[j] - m) / sum *
                     v.f(((b * c.Hkv + hk) * c.Skv + j) * c.Dv + d);
          out.push_back(acc);
        }
      }
    }
  return out;
}

void checkAttention(const AttnCase &c, unsigned seed) {
  HostTensor q = randomTensor({c.B, c.Hq, c.Sq, c.Dk}, seed),
             k = randomTensor({c.B, c.Hkv, c.Skv, c.Dk}, seed + 1),
             v = randomTensor({c.B, c.Hkv, c.Skv, c.Dv}, seed + 2);
  HostTensor mask, gate, sinks;
  if (c.boolMask) {
    std::vector<int64_t> bits;
    std::mt19937 gen(seed + 3);
    for (int64_t i = 0; i < c.Hq * c.Sq * c.Skv; ++i)
      bits.push_back(gen() % 4 != 0);
    mask = fromInts(DType::Bool, {1, c.Hq, c.Sq, c.Skv}, bits);
  } else if (c.floatMask) {
    mask = randomTensor({1, c.Hq, c.Sq, c.Skv}, seed + 3);
  }
  if (c.gate)
    gate = randomTensor({c.Hq, c.Dk, c.gate == 1 ? 1 : c.Skv}, seed + 4);
  if (c.sinks)
    sinks = randomTensor({c.Hq}, seed + 5);
  json::Value a = attrs({{"num_heads", c.Hq}, {"num_kv_heads", c.Hkv}});
  if (c.causal)
    a["causal"] = true;
  a["window_left"] = c.wl;
  a["window_right"] = c.wr;
  if (c.global)
    a["num_global_tokens"] = c.global;
  if (c.softcap > 0)
    a["softcap"] = double(c.softcap);
  if (c.scale > 0)
    a["scale"] = double(c.scale);
  std::vector<HostTensor> in = {q, k, v, mask, gate, sinks},
                          out = {makeTensor(DType::F32, {})};
  Status s = runOp("deepc.attention", a, in, out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out[0].shape, (Shape{c.B, c.Hq, c.Sq, c.Dv}));
  expectNear(out[0], attentionReference(
                         c, q, k, v, mask.bytes.empty() ? nullptr : &mask,
                         gate.bytes.empty() ? nullptr : &gate,
                         sinks.bytes.empty() ? nullptr : &sinks));
}

TEST(CpuMathAttention, PlainGqaCausal) {
  AttnCase c;
  c.B = 2;
  checkAttention(c, 100);
  c.causal = true;
  checkAttention(c, 110);
}

TEST(CpuMathAttention, WindowGlobalTokensSoftcapSinks) {
  AttnCase c;
  c.Sq = 7;
  c.Skv = 7;
  c.causal = true;
  c.wl = 2;
  c.global = 1;
  c.softcap = 0.5f;
  c.sinks = true;
  c.scale = 0.7f;
  checkAttention(c, 120);
  c.causal = false;
  c.wr = 1;
  checkAttention(c, 130);
}

TEST(CpuMathAttention, MasksAndGates) {
  AttnCase c;
  c.floatMask = true;
  c.gate = 1;
  checkAttention(c, 140);
  c.floatMask = false;
  c.boolMask = true;
  c.gate = 2;
  checkAttention(c, 150);
  // Long sequence: several query tiles.
  AttnCase l;
  l.Sq = 130;
  l.Skv = 140;
  l.Hq = 2;
  l.Hkv = 1;
  l.causal = true;
  checkAttention(l, 160);
}

TEST(CpuMathAttention, BadShapesAreErrors) {
  AttnCase c;
  std::vector<HostTensor> in = {randomTensor({1, 4, 5, 8}, 1),
                                randomTensor({1, 2, 7, 6}, 2),
                                randomTensor({1, 2, 7, 6}, 3)},
                          out = {makeTensor(DType::F32, {})};
  json::Value a = attrs({{"num_heads", 4}, {"num_kv_heads", 2}});
  Status s = runOp("deepc.attention", a, in, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("head dimensions"), std::string::npos)
      << s.message();
  std::vector<HostTensor> in2 = {
      randomTensor({1, 4, 5, 8}, 1), randomTensor({1, 2, 7, 8}, 2),
      randomTensor({1, 2, 7, 6}, 3), randomTensor({2, 1, 5, 7}, 4)};
  EXPECT_FALSE(runOp("deepc.attention", a, in2, out).ok()); // mask batch 2
  json::Value a3 = attrs({{"num_heads", 4}, {"num_kv_heads", 3}});
  in2.pop_back();
  EXPECT_FALSE(runOp("deepc.attention", a3, in2, out).ok());
}

//===----------------------------------------------------------------------===//
// moe
//===----------------------------------------------------------------------===//

struct MoeCase {
  int64_t T = 6, H = 8, E = 4, I = 5, K = 2, Is = 0;
  std::string router = "softmax", act = "silu", groupScore = "top2_sum";
  bool renormalize = false, gated = true, fused = false, biases = false,
       correction = false, sharedGate = false;
  int64_t groups = 1, topGroups = 1;
  double scaling = 1, capacity = 0;
};

double activateRef(const std::string &act, double x) {
  if (act == "silu")
    return x / (1 + std::exp(-x));
  if (act == "gelu")
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  if (act == "gelu_tanh")
    return 0.5 * x *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
  return x > 0 ? x : 0;
}

void checkMoe(const MoeCase &c, unsigned seed) {
  int64_t T = c.T, H = c.H, E = c.E, I = c.I;
  HostTensor x = randomTensor({T, H}, seed), r = randomTensor({E, H}, seed + 1);
  HostTensor wg, wu, wgu, bg, bu, bgu, bd, corr, sg, su, sd, seg;
  HostTensor wd = randomTensor({E, H, I}, seed + 2);
  if (c.fused)
    wgu = randomTensor({E, 2 * I, H}, seed + 3);
  else {
    wu = randomTensor({E, I, H}, seed + 4);
    if (c.gated)
      wg = randomTensor({E, I, H}, seed + 5);
  }
  if (c.biases) {
    if (c.fused)
      bgu = randomTensor({E, 2 * I}, seed + 6);
    else {
      bu = randomTensor({E, I}, seed + 7);
      if (c.gated)
        bg = randomTensor({E, I}, seed + 8);
    }
    bd = randomTensor({E, H}, seed + 9);
  }
  if (c.correction)
    corr = randomTensor({E}, seed + 10);
  if (c.Is) {
    su = randomTensor({c.Is, H}, seed + 11);
    sd = randomTensor({H, c.Is}, seed + 12);
    if (c.gated)
      sg = randomTensor({c.Is, H}, seed + 13);
    if (c.sharedGate)
      seg = randomTensor({1, H}, seed + 14);
  }
  json::Value a = attrs({{"top_k", c.K},
                         {"router", c.router},
                         {"activation", c.act},
                         {"group_score", c.groupScore},
                         {"n_group", c.groups},
                         {"topk_group", c.topGroups},
                         {"routed_scaling_factor", c.scaling},
                         {"capacity_factor", c.capacity},
                         {"gated", c.gated}});
  if (c.renormalize)
    a["renormalize"] = true;
  std::vector<HostTensor> in = {x,   r,  wg,   wu, wgu, wd, bg, bu,
                                bgu, bd, corr, sg, su,  sd, seg},
                          out = {makeTensor(DType::F32, {})};
  Status s = runOp("deepc.moe", a, in, out);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(out[0].shape, (Shape{T, H}));

  // Dense reference: every token through its chosen experts.
  auto has = [](const HostTensor &t) { return !t.bytes.empty(); };
  auto expertFfn = [&](int64_t t, int64_t e) {
    std::vector<double> a(static_cast<size_t>(I));
    for (int64_t i = 0; i < I; ++i) {
      double g = 0, u = 0;
      for (int64_t h = 0; h < H; ++h) {
        double xv = x.f(t * H + h);
        if (c.fused) {
          g += xv * wgu.f((e * 2 * I + i) * H + h);
          u += xv * wgu.f((e * 2 * I + I + i) * H + h);
        } else {
          u += xv * wu.f((e * I + i) * H + h);
          if (c.gated)
            g += xv * wg.f((e * I + i) * H + h);
        }
      }
      if (has(bgu)) {
        g += bgu.f(e * 2 * I + i);
        u += bgu.f(e * 2 * I + I + i);
      }
      if (has(bg))
        g += bg.f(e * I + i);
      if (has(bu))
        u += bu.f(e * I + i);
      a[i] = c.gated ? activateRef(c.act, g) * u : activateRef(c.act, u);
    }
    std::vector<double> y(static_cast<size_t>(H));
    for (int64_t h = 0; h < H; ++h) {
      for (int64_t i = 0; i < I; ++i)
        y[h] += a[i] * wd.f((e * H + h) * I + i);
      if (has(bd))
        y[h] += bd.f(e * H + h);
    }
    return y;
  };
  int64_t capacity = c.capacity > 0
                         ? int64_t(std::ceil(c.capacity * T * c.K / double(E)))
                         : T * c.K;
  std::vector<int64_t> taken(static_cast<size_t>(E), 0);
  std::vector<double> want;
  for (int64_t t = 0; t < T; ++t) {
    std::vector<double> logit(static_cast<size_t>(E)),
        score(static_cast<size_t>(E)), sel(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e)
      for (int64_t h = 0; h < H; ++h)
        logit[e] += double(x.f(t * H + h)) * r.f(e * H + h);
    double m = *std::max_element(logit.begin(), logit.end()), z = 0;
    for (int64_t e = 0; e < E; ++e)
      z += std::exp(logit[e] - m);
    for (int64_t e = 0; e < E; ++e) {
      score[e] = c.router == "sigmoid" ? 1 / (1 + std::exp(-logit[e]))
                                       : std::exp(logit[e] - m) / z;
      sel[e] = score[e] + (has(corr) ? corr.f(e) : 0);
    }
    if (c.groups > 1) {
      int64_t gs = E / c.groups;
      std::vector<std::pair<double, int64_t>> gscore;
      for (int64_t g = 0; g < c.groups; ++g) {
        std::vector<double> v(sel.begin() + g * gs, sel.begin() + (g + 1) * gs);
        std::sort(v.rbegin(), v.rend());
        gscore.push_back({c.groupScore == "max" ? v[0] : v[0] + v[1], g});
      }
      std::stable_sort(gscore.begin(), gscore.end(),
                       [](auto &l, auto &r) { return l.first > r.first; });
      for (int64_t g = c.topGroups; g < c.groups; ++g)
        for (int64_t e = 0; e < gs; ++e)
          sel[gscore[g].second * gs + e] = -1e300;
    }
    std::vector<int64_t> order(static_cast<size_t>(E));
    for (int64_t e = 0; e < E; ++e)
      order[e] = e;
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t l, int64_t r) { return sel[l] > sel[r]; });
    double sum = 0;
    for (int64_t j = 0; j < c.K; ++j)
      sum += score[order[j]];
    std::vector<double> y(static_cast<size_t>(H));
    for (int64_t j = 0; j < c.K; ++j) {
      int64_t e = order[j];
      if (taken[e]++ >= capacity)
        continue;
      double w = score[e] / (c.renormalize ? sum : 1) * c.scaling;
      std::vector<double> ye = expertFfn(t, e);
      for (int64_t h = 0; h < H; ++h)
        y[h] += w * ye[h];
    }
    if (c.Is) {
      std::vector<double> a(static_cast<size_t>(c.Is));
      for (int64_t i = 0; i < c.Is; ++i) {
        double g = 0, u = 0;
        for (int64_t h = 0; h < H; ++h) {
          u += double(x.f(t * H + h)) * su.f(i * H + h);
          if (c.gated)
            g += double(x.f(t * H + h)) * sg.f(i * H + h);
        }
        a[i] = c.gated ? activateRef(c.act, g) * u : activateRef(c.act, u);
      }
      double gate = 1;
      if (has(seg)) {
        double d = 0;
        for (int64_t h = 0; h < H; ++h)
          d += double(x.f(t * H + h)) * seg.f(h);
        gate = 1 / (1 + std::exp(-d));
      }
      for (int64_t h = 0; h < H; ++h) {
        double s = 0;
        for (int64_t i = 0; i < c.Is; ++i)
          s += a[i] * sd.f(h * c.Is + i);
        y[h] += gate * s;
      }
    }
    want.insert(want.end(), y.begin(), y.end());
  }
  expectNear(out[0], want);
}

TEST(CpuMathMoe, SoftmaxTopKRenormalized) {
  MoeCase c;
  c.renormalize = true;
  checkMoe(c, 200);
  c.act = "gelu";
  c.fused = true;
  c.biases = true;
  checkMoe(c, 210);
}

TEST(CpuMathMoe, SigmoidGroupLimitedWithBiasAndShared) {
  MoeCase c;
  c.E = 8;
  c.K = 3;
  c.router = "sigmoid";
  c.groups = 4;
  c.topGroups = 2;
  c.correction = true;
  c.renormalize = true;
  c.scaling = 2.5;
  c.Is = 6;
  c.sharedGate = true;
  checkMoe(c, 220);
  c.groupScore = "max";
  c.act = "gelu_tanh";
  checkMoe(c, 230);
}

TEST(CpuMathMoe, UngatedReluCapacityAndManyTokens) {
  MoeCase c;
  c.gated = false;
  c.act = "relu";
  c.biases = true;
  c.capacity = 0.5;
  c.Is = 4;
  checkMoe(c, 240);
  MoeCase big; // enough tokens per expert for the sequential-expert path
  big.T = 300;
  big.E = 2;
  big.K = 1;
  checkMoe(big, 250);
}

TEST(CpuMathMoe, BadShapesAreErrors) {
  std::vector<HostTensor> in(15);
  in[0] = randomTensor({4, 8}, 1);
  in[1] = randomTensor({4, 8}, 2);
  in[2] = randomTensor({4, 5, 8}, 3);
  in[3] = randomTensor({4, 5, 8}, 4);
  in[5] = randomTensor({4, 8, 6}, 5); // intermediate 6 vs 5
  std::vector<HostTensor> out = {makeTensor(DType::F32, {})};
  Status s = runOp("deepc.moe", attrs({{"top_k", 2}}), in, out);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("w_gate"), std::string::npos) << s.message();
  in[5] = randomTensor({4, 8, 5}, 5);
  EXPECT_TRUE(runOp("deepc.moe", attrs({{"top_k", 2}}), in, out).ok());
  EXPECT_FALSE(runOp("deepc.moe", attrs({{"top_k", 5}}), in, out).ok());
  EXPECT_FALSE(
      runOp("deepc.moe", attrs({{"top_k", 2}, {"n_group", 3}}), in, out).ok());
}

} // namespace
