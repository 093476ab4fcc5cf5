//===- GatedMlpKernelTest.cpp - deepc.gated_mlp's CPU kernel --------------===//
//
// The fused kernel against a naive reference written from the op's
// definition: y = (act(x·W_gᵀ) ⊙ (x·W_uᵀ)) · W_dᵀ, W_g and W_u the two
// halves of w_gate_up. Covers every activation, the single-token (GEMV)
// path, an output width other than the hidden size, f16 and the errors
// infer() reports.
//
//===----------------------------------------------------------------------===//

#include "KernelTestUtil.h"

#include "deepc/rt/Kernel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace deepc::rt;
using namespace deepc::test;

namespace {

json::Value activationAttrs(const std::string &activation) {
  json::Value attrs = json::Value::object();
  if (!activation.empty())
    attrs["activation"] = json::Value(activation);
  return attrs;
}

/// Runs deepc.gated_mlp through its KernelDef: infer, allocate, run.
Status runGatedMlp(const json::Value &attrs, const HostTensor &x,
                   const HostTensor &gateUp, const HostTensor &down,
                   HostTensor &out) {
  std::vector<HostTensor> inputs = {x, gateUp, down}, outputs = {out};
  Status s = runCpuKernel(makeStep("deepc.gated_mlp", attrs), inputs, outputs);
  out = outputs[0];
  return s;
}

double activate(const std::string &act, double g) {
  if (act == "gelu")
    return 0.5 * g * (1 + std::erf(g / std::sqrt(2.0)));
  if (act == "gelu_tanh")
    return 0.5 * g *
           (1 + std::tanh(std::sqrt(2 / M_PI) * (g + 0.044715 * g * g * g)));
  if (act == "relu")
    return g > 0 ? g : 0;
  return g / (1 + std::exp(-g)); // silu, the default
}

/// The op's definition, in double, one token at a time.
std::vector<double> reference(const std::string &act, const HostTensor &x,
                              const HostTensor &gateUp,
                              const HostTensor &down) {
  int64_t hidden = x.shape[x.shape.rank - 1];
  int64_t tokens = x.shape.numel() / hidden;
  int64_t inter = gateUp.shape[0] / 2, out = down.shape[0];
  std::vector<double> y;
  for (int64_t t = 0; t < tokens; ++t) {
    std::vector<double> h(size_t(inter), 0.0);
    for (int64_t i = 0; i < inter; ++i) {
      double g = 0, u = 0;
      for (int64_t k = 0; k < hidden; ++k) {
        g += x.at(t * hidden + k) * gateUp.at(i * hidden + k);
        u += x.at(t * hidden + k) * gateUp.at((inter + i) * hidden + k);
      }
      h[size_t(i)] = activate(act, g) * u;
    }
    for (int64_t o = 0; o < out; ++o) {
      double s = 0;
      for (int64_t i = 0; i < inter; ++i)
        s += h[size_t(i)] * down.at(o * inter + i);
      y.push_back(s);
    }
  }
  return y;
}

void expectMatchesReference(const std::string &act, Shape xShape, int64_t inter,
                            int64_t out, unsigned seed,
                            DType dtype = DType::F32, double tol = 1e-4) {
  int64_t hidden = xShape.dims[xShape.rank - 1];
  HostTensor x = randomTensor(xShape, seed, dtype);
  HostTensor gateUp = randomTensor({2 * inter, hidden}, seed + 1, dtype);
  HostTensor down = randomTensor({out, inter}, seed + 2, dtype);
  HostTensor y = makeTensor(dtype, {});
  Status s = runGatedMlp(activationAttrs(act), x, gateUp, down, y);
  ASSERT_TRUE(s.ok()) << s.message();
  Shape expectedShape = xShape;
  expectedShape.dims[xShape.rank - 1] = out;
  ASSERT_EQ(y.shape, expectedShape);
  std::vector<double> want = reference(act, x, gateUp, down);
  ASSERT_EQ(int64_t(want.size()), y.shape.numel());
  double scale = 1;
  for (double w : want)
    scale = std::max(scale, std::fabs(w));
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_NEAR(y.at(int64_t(i)), want[i], tol * scale)
        << act << " at element " << i;
}

TEST(GatedMlpKernel, EveryActivationMatchesTheDefinition) {
  // Batch and sequence dims flatten to tokens; "" is the default (silu).
  unsigned seed = 10;
  for (const char *act : {"", "silu", "gelu", "gelu_tanh", "relu"})
    expectMatchesReference(act, {2, 5, 12}, 24, 12, seed += 3);
}

TEST(GatedMlpKernel, SingleTokenTakesTheVectorPath) {
  // One token (decode): both projections are GEMVs.
  expectMatchesReference("silu", {1, 1, 16}, 40, 16, 40);
  expectMatchesReference("gelu", {16}, 8, 16, 43);
}

TEST(GatedMlpKernel, OutputWidthOtherThanHidden) {
  expectMatchesReference("relu", {7, 6}, 5, 9, 50);
}

TEST(GatedMlpKernel, LargeEnoughToThread) {
  // Enough rows × intermediate for the fused pass to run in parallel.
  expectMatchesReference("silu", {300, 32}, 128, 32, 60);
}

TEST(GatedMlpKernel, HalfPrecisionWidensToF32) {
  expectMatchesReference("silu", {3, 16}, 16, 16, 70, DType::F16, 2e-2);
}

TEST(GatedMlpKernel, RejectsBadShapesAndActivations) {
  HostTensor x = randomTensor({4, 8}, 1);
  HostTensor odd = randomTensor({7, 8}, 2);
  HostTensor gateUp = randomTensor({16, 8}, 3);
  HostTensor down = randomTensor({8, 8}, 4);
  HostTensor badDown = randomTensor({8, 5}, 5);
  HostTensor y = makeTensor(DType::F32, {});

  Status s = runGatedMlp(activationAttrs(""), x, odd, down, y);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("w_gate_up must have shape [2 * intermediate, "
                             "hidden] with hidden = 8, got [7, 8]"),
            std::string::npos)
      << s.message();

  s = runGatedMlp(activationAttrs(""), x, gateUp, badDown, y);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("w_down must have shape [out, intermediate] "
                             "with intermediate = 8, got [8, 5]"),
            std::string::npos)
      << s.message();

  s = runGatedMlp(activationAttrs("swish"), x, gateUp, down, y);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown activation 'swish'"), std::string::npos)
      << s.message();

  HostTensor half = randomTensor({16, 8}, 6, DType::F16);
  s = runGatedMlp(activationAttrs(""), x, half, down, y);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("one float element type"), std::string::npos)
      << s.message();
}

} // namespace
