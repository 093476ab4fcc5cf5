//===- EpilogueFusionTest.cpp - a producer and its epilogue as one step
//----===//
//
// Runs y = sigmoid(x·w + bias) * r once as a matmul with an epilogue and
// once as two plain steps, on hand-made artifacts, and compares both with
// a reference computed here. The shapes pick the path: row blocks (several
// per thread, the last one partial), or the unblocked fallback when the
// region reads an input per batch rather than per row, or when there are
// too few rows. Then the row-wise producers: a rotary and an RMSNorm whose
// epilogue quantizes (ONNX QuantizeLinear in a region), checked the same
// way, and the region's quantize at its edge cases.
//
//===----------------------------------------------------------------------===//

#include "ArtifactDir.h"
#include "deepc/rt/Artifact.h"
#include "deepc/rt/Executor.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Session.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

using namespace deepc::rt;

using deepc::test::ArtifactDir;

namespace {

PlanValue value(std::vector<int64_t> dims, ValueKind kind, std::string name) {
  PlanValue v;
  v.dtype = DType::F32;
  v.dims = std::move(dims);
  v.kind = kind;
  v.name = std::move(name);
  return v;
}

/// The problem: x [batch, seq, k], w [k, n], r [batch, seq, n] and a bias
/// of shape `biasDims` ([n] for every row, [batch, 1, n] per batch).
struct Problem {
  int64_t batch, seq, k, n;
  std::vector<int64_t> biasDims;
};

/// Values: 0 x, 1 w, 2 r, 3 bias, 4 x·w, 5 y. Steps: the matmul, then the
/// region sigmoid(t + bias) * r, with `epilogue` on the matmul or not.
Plan makePlan(const Problem &p, bool epilogue) {
  Plan plan;
  plan.values.push_back(value({p.batch, p.seq, p.k}, ValueKind::Input, "x"));
  plan.values.push_back(value({p.k, p.n}, ValueKind::Input, "w"));
  plan.values.push_back(value({p.batch, p.seq, p.n}, ValueKind::Input, "r"));
  plan.values.push_back(value(p.biasDims, ValueKind::Input, "bias"));
  plan.values.push_back(value({p.batch, p.seq, p.n}, ValueKind::Temp, "t"));
  plan.values.push_back(value({p.batch, p.seq, p.n}, ValueKind::Temp, "y"));

  PlanStep matmul;
  matmul.op = "deepc.matmul";
  matmul.inputs = {0, 1};
  matmul.outputs = {4};
  matmul.loc = "mm";
  matmul.epilogue = epilogue;
  plan.steps.push_back(matmul);

  // Locals: 0 r, 1 t, 2 bias; 3 = t + bias; 4 = sigmoid(3); 5 = 4 * r.
  PlanStep region;
  region.op = "region";
  region.inputs = {2, 4, 3};
  region.outputs = {5};
  region.loc = "epilogue";
  auto instr = [](const char *op, std::vector<int> args) {
    RegionInstr i;
    i.op = op;
    i.args = std::move(args);
    i.dtype = DType::F32;
    return i;
  };
  region.body = {instr("deepc.add", {1, 2}), instr("deepc.sigmoid", {3}),
                 instr("deepc.mul", {4, 0})};
  plan.steps.push_back(region);

  const char *names[] = {"x", "w", "r", "bias"};
  for (int i = 0; i < 4; ++i)
    plan.inputs.push_back(
        {names[i], i,
         std::vector<std::string>(plan.values[i].dims.size(), "")});
  plan.outputs.push_back({"y", 5, {"", "", ""}});
  EXPECT_TRUE(computeCapacities(plan, {}).ok());
  assignArenaOffsets(plan);
  return plan;
}

void writeArtifact(const ArtifactDir &dir, const Plan &plan) {
  Manifest m;
  m.deepcVersion = "test";
  for (const PlanIO &io : plan.inputs)
    m.inputs.push_back({io.name, plan.values[io.value].dtype,
                        plan.values[io.value].dims, io.dimNames});
  for (const PlanIO &io : plan.outputs)
    m.outputs.push_back({io.name, plan.values[io.value].dtype,
                         plan.values[io.value].dims, io.dimNames});
  dir.writeFile("manifest.json", json::write(manifestToJson(m), true));
  dir.writeFile("plan.json", json::write(planToJson(plan), true));
  dir.writeFile("weights.bin", "");
}

TensorRef tensorOf(std::vector<float> &data, const std::vector<int64_t> &dims) {
  TensorRef t;
  t.dtype = DType::F32;
  for (int64_t d : dims)
    t.shape.push(d);
  t.data = data.data();
  return t;
}

struct RunResult {
  std::vector<float> y;
  int64_t blockedSteps = 0;
};

/// Compiles nothing: the region is interpreted, as at compile time.
RunResult run(const Plan &plan, std::vector<std::vector<float>> &inputs,
              int threads) {
  RunResult result;
  ArtifactDir dir("epilogue");
  writeArtifact(dir, plan);
  std::shared_ptr<Model> model;
  Status loaded = Model::load(dir.path(), cpuKernels(), model);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  if (!loaded.ok())
    return result;
  std::unique_ptr<Session> session;
  EXPECT_TRUE(Session::create(model, session).ok());
  session->setNumThreads(threads);
  // Inputs of other dtypes than f32 travel as their bytes in a float
  // vector.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const PlanValue &v = plan.values[plan.inputs[i].value];
    TensorRef t = tensorOf(inputs[i], v.dims);
    t.dtype = v.dtype;
    Status bound = session->bindInput(i, t);
    EXPECT_TRUE(bound.ok()) << bound.message();
  }
  Status ran = session->run();
  EXPECT_TRUE(ran.ok()) << ran.message();
  TensorRef y;
  EXPECT_TRUE(session->output(0, y).ok());
  // Every output the tests read is f32 or i8 (a quantized one).
  if (y.data && y.dtype == DType::I8)
    result.y.assign(y.as<int8_t>(), y.as<int8_t>() + y.numel());
  else if (y.data)
    result.y.assign(y.as<float>(), y.as<float>() + y.numel());
  if (!session->counter("epilogue.blocked_steps", result.blockedSteps).ok())
    result.blockedSteps = 0;
  return result;
}

/// Runs `p` fused and unfused on `threads` threads and checks both against
/// the reference; returns how many blocked epilogue steps the fused run ran.
int64_t checkBothWays(const Problem &p, int threads) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> uniform(-1, 1);
  auto randomOf = [&](int64_t count) {
    std::vector<float> v(static_cast<size_t>(count));
    for (float &f : v)
      f = uniform(rng);
    return v;
  };
  int64_t rows = p.batch * p.seq;
  int64_t biasCount = 1;
  for (int64_t d : p.biasDims)
    biasCount *= d;
  std::vector<std::vector<float>> inputs = {
      randomOf(rows * p.k), randomOf(p.k * p.n), randomOf(rows * p.n),
      randomOf(biasCount)};

  std::vector<double> expected(static_cast<size_t>(rows * p.n));
  bool perBatch = p.biasDims.size() == 3;
  for (int64_t row = 0; row < rows; ++row)
    for (int64_t j = 0; j < p.n; ++j) {
      double t = 0;
      for (int64_t kk = 0; kk < p.k; ++kk)
        t += double(inputs[0][row * p.k + kk]) * inputs[1][kk * p.n + j];
      double bias = inputs[3][(perBatch ? row / p.seq * p.n : 0) + j];
      double s = 1 / (1 + std::exp(-(t + bias)));
      expected[row * p.n + j] = s * inputs[2][row * p.n + j];
    }

  RunResult fused = run(makePlan(p, /*epilogue=*/true), inputs, threads);
  RunResult plain = run(makePlan(p, /*epilogue=*/false), inputs, threads);
  EXPECT_EQ(plain.blockedSteps, 0);
  EXPECT_EQ(fused.y.size(), expected.size());
  EXPECT_EQ(plain.y.size(), expected.size());
  if (fused.y.size() != expected.size() || plain.y.size() != expected.size())
    return -1;
  // The first mismatch only: one message, not thousands.
  for (size_t i = 0; i < expected.size(); ++i) {
    bool close = std::abs(fused.y[i] - expected[i]) <= 1e-5 &&
                 std::abs(fused.y[i] - plain.y[i]) <= 1e-5;
    EXPECT_TRUE(close) << "element " << i << ": fused " << fused.y[i]
                       << ", unfused " << plain.y[i] << ", expected "
                       << expected[i];
    if (!close)
      break;
  }
  return fused.blockedSteps;
}

// 200 rows on 2 threads: blocks of 64 rows (a 32 KiB row keeps a block
// near 2 MiB), so each thread runs two, and the last block has 8 rows.
TEST(EpilogueFusion, RowBlocksMatchTheUnfusedSteps) {
  EXPECT_EQ(checkBothWays({2, 100, 24, 8192, {8192}}, 2), 1);
}

// One row block per thread when the rows are short.
TEST(EpilogueFusion, OneBlockPerThread) {
  EXPECT_EQ(checkBothWays({1, 128, 32, 40, {40}}, 2), 1);
}

// A bias per batch is not the same for every row nor laid out row by row:
// the pair runs unblocked, with the same numbers.
TEST(EpilogueFusion, PerBatchInputRunsUnblocked) {
  EXPECT_EQ(checkBothWays({2, 100, 24, 40, {2, 1, 40}}, 2), 0);
}

// A decode step (one row) is one GEMV, then the region.
TEST(EpilogueFusion, FewRowsRunUnblocked) {
  EXPECT_EQ(checkBothWays({1, 1, 24, 40, {40}}, 2), 0);
  EXPECT_EQ(checkBothWays({1, 40, 24, 40, {40}}, 2), 0);
}

// The fused result has no arena slot, so nothing else may read it.
TEST(EpilogueFusion, ValidationRefusesAResultReadElsewhere) {
  Plan plan = makePlan({1, 4, 8, 8, {8}}, /*epilogue=*/true);
  EXPECT_TRUE(plan.values[4].dynamic);
  EXPECT_EQ(plan.values[4].capacity, 0u);
  Plan parsed;
  EXPECT_TRUE(planFromJson(planToJson(plan), parsed).ok());
  EXPECT_TRUE(parsed.steps[0].epilogue);

  Plan returned = plan;
  returned.outputs.push_back({"t", 4, {"", "", ""}});
  Status status = planFromJson(planToJson(returned), parsed);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("model output"), std::string::npos)
      << status.message();

  Plan alone = plan;
  alone.steps.pop_back();
  alone.outputs = {{"t", 4, {"", "", ""}}};
  status = planFromJson(planToJson(alone), parsed);
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("step right after"), std::string::npos)
      << status.message();
}

// The blocks of a chain run interleaved: while one thread writes its
// rows of the chain's output, another may still read its rows of the
// head's operands. So the memory plan must keep them apart even though the
// operand's last reader (the head) comes before the output's writer.
TEST(EpilogueFusion, ChainOperandsAndOutputDoNotShareMemory) {
  Plan plan;
  plan.values.push_back(value({128, 64}, ValueKind::Input, "x"));
  plan.values.push_back(value({64, 64}, ValueKind::Input, "w"));
  plan.values.push_back(value({128, 64}, ValueKind::Temp, "lhs"));
  plan.values.push_back(value({128, 64}, ValueKind::Temp, "t"));
  plan.values.push_back(value({128, 64}, ValueKind::Temp, "y"));
  RegionInstr exp;
  exp.op = "deepc.exp";
  exp.args = {0};
  exp.dtype = DType::F32;
  PlanStep makeLhs;
  makeLhs.op = "region";
  makeLhs.inputs = {0};
  makeLhs.outputs = {2};
  makeLhs.body = {exp};
  PlanStep matmul;
  matmul.op = "deepc.matmul";
  matmul.inputs = {2, 1};
  matmul.outputs = {3};
  matmul.epilogue = true;
  PlanStep epilogue = makeLhs;
  epilogue.inputs = {3};
  epilogue.outputs = {4};
  plan.steps = {makeLhs, matmul, epilogue};
  plan.inputs = {{"x", 0, {"", ""}}, {"w", 1, {"", ""}}};
  plan.outputs = {{"y", 4, {"", ""}}};
  ASSERT_TRUE(computeCapacities(plan, {}).ok());
  assignArenaOffsets(plan);
  const PlanValue &lhs = plan.values[2], &y = plan.values[4];
  ASSERT_GT(lhs.capacity, 0u);
  ASSERT_GT(y.capacity, 0u);
  bool apart = lhs.arenaOffset + lhs.capacity <= y.arenaOffset ||
               y.arenaOffset + y.capacity <= lhs.arenaOffset;
  EXPECT_TRUE(apart) << "lhs at " << lhs.arenaOffset << " and y at "
                     << y.arenaOffset << " overlap";
}

//===----------------------------------------------------------------------===//
// Row-wise producers: rotary and RMSNorm with a quantizing epilogue
//===----------------------------------------------------------------------===//

RegionInstr regionInstr(const char *op, std::vector<int> args, DType dtype,
                        double constant = 0) {
  RegionInstr i;
  i.op = op;
  i.args = std::move(args);
  i.dtype = dtype;
  if (std::string(op) == "deepc.constant")
    i.attrs["value"] = constant;
  return i;
}

/// Adds the plan's inputs (values 0..count-1) and its one output `out`.
void addInputsAndOutput(Plan &plan, int count, int out) {
  for (int i = 0; i < count; ++i)
    plan.inputs.push_back(
        {plan.values[i].name, i,
         std::vector<std::string>(plan.values[i].dims.size(), "")});
  plan.outputs.push_back(
      {"y", out, std::vector<std::string>(plan.values[out].dims.size(), "")});
  EXPECT_TRUE(computeCapacities(plan, {}).ok());
  assignArenaOffsets(plan);
}

/// x [b, h, s, d] rotated (half layout) with tables cos/sin [s, d/2], then
/// fake-quantized per tensor: y = dequantize(quantize(rot, 0.05, 3)). With
/// `normFirst`, x is RMS-normalized (weight w [d]) before the rotary: the
/// chain norm -> rotary -> quantize of a per-head q/k norm.
/// Values: 0 x, 1 cos, 2 sin, 3 w, 4 rot, 5 y, 6 normed.
Plan rotaryPlan(const std::vector<int64_t> &dims, bool epilogue,
                bool normFirst) {
  int64_t s = dims[2], half = dims[3] / 2;
  Plan plan;
  plan.values.push_back(value(dims, ValueKind::Input, "x"));
  plan.values.push_back(value({s, half}, ValueKind::Input, "cos"));
  plan.values.push_back(value({s, half}, ValueKind::Input, "sin"));
  plan.values.push_back(value({dims[3]}, ValueKind::Input, "w"));
  plan.values.push_back(value(dims, ValueKind::Temp, "rot"));
  plan.values.push_back(value(dims, ValueKind::Temp, "y"));
  plan.values.push_back(value(dims, ValueKind::Temp, "normed"));
  if (normFirst) {
    PlanStep norm;
    norm.op = "deepc.rms_norm";
    norm.inputs = {0, 3};
    norm.outputs = {6};
    norm.loc = "q_norm";
    norm.attrs["epsilon"] = 1e-6;
    norm.epilogue = epilogue;
    plan.steps.push_back(norm);
  }
  PlanStep rotary;
  rotary.op = "deepc.rotary";
  rotary.inputs = {normFirst ? 6 : 0, 1, 2};
  rotary.outputs = {4};
  rotary.loc = "rope";
  rotary.attrs["layout"] = "half";
  rotary.epilogue = epilogue;
  plan.steps.push_back(rotary);
  // Locals: 0 rot; 1 scale, 2 zero point; 3 q (i8); 4 dequantized.
  PlanStep region;
  region.op = "region";
  region.inputs = {4};
  region.outputs = {5};
  region.loc = "fake_quant";
  region.body = {regionInstr("deepc.constant", {}, DType::F32, 0.05),
                 regionInstr("deepc.constant", {}, DType::I8, 3),
                 regionInstr("deepc.quantize", {0, 1, 2}, DType::I8),
                 regionInstr("deepc.dequantize", {3, 1, 2}, DType::F32)};
  plan.steps.push_back(region);
  addInputsAndOutput(plan, 4, 5);
  return plan;
}

/// ONNX QuantizeLinear to i8: round half to even, add the zero point,
/// saturate; NaN gives the zero point.
float quantizeI8(float x, float scale, float zeroPoint) {
  float v = x / scale;
  float r = (std::isnan(v) ? 0.0f : std::nearbyint(v)) + zeroPoint;
  return std::min(127.0f, std::max(-128.0f, r));
}

/// Checks `got` element by element against `expected` within `tolerance`;
/// one message for the first mismatch.
void expectClose(const std::vector<float> &got,
                 const std::vector<float> &expected, float tolerance,
                 const char *what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i)
    if (!(std::abs(got[i] - expected[i]) <= tolerance)) {
      ADD_FAILURE() << what << ": element " << i << " is " << got[i]
                    << ", expected " << expected[i];
      return;
    }
}

/// Runs the (norm +) rotary + fake-quant chain fused and unfused; returns
/// how many blocked epilogue chains the fused run ran.
int64_t checkRotaryEpilogue(const std::vector<int64_t> &dims, int threads,
                            bool normFirst = false) {
  int64_t b = dims[0], h = dims[1], s = dims[2], d = dims[3], half = d / 2;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> uniform(-3, 3);
  std::vector<float> x(static_cast<size_t>(b * h * s * d)),
      cos(static_cast<size_t>(s * half)), sin(cos.size()), w(d);
  for (float &f : x)
    f = uniform(rng);
  for (float &f : w)
    f = uniform(rng);
  std::vector<float> rows = x; // what the rotary reads
  for (int64_t row = 0; normFirst && row < b * h * s; ++row) {
    double sq = 0;
    for (int64_t i = 0; i < d; ++i)
      sq += double(x[row * d + i]) * x[row * d + i];
    float inv = float(1 / std::sqrt(sq / double(d) + 1e-6));
    for (int64_t i = 0; i < d; ++i)
      rows[row * d + i] = x[row * d + i] * inv * w[i];
  }
  for (int64_t p = 0; p < s; ++p)
    for (int64_t i = 0; i < half; ++i) {
      float angle = float(p) * std::pow(100.0f, -float(i) / float(half));
      cos[p * half + i] = std::cos(angle);
      sin[p * half + i] = std::sin(angle);
    }
  // Every row's angle comes from its own position: a block of rows that
  // read the wrong table row would show.
  std::vector<float> expected(x.size());
  for (int64_t row = 0; row < b * h * s; ++row) {
    int64_t p = row % s;
    for (int64_t i = 0; i < half; ++i) {
      float a = rows[row * d + i], c = rows[row * d + i + half];
      float ca = cos[p * half + i], sa = sin[p * half + i];
      float rot[2] = {a * ca - c * sa, c * ca + a * sa};
      for (int k = 0; k < 2; ++k)
        expected[row * d + i + k * half] =
            (quantizeI8(rot[k], 0.05f, 3) - 3) * 0.05f;
    }
  }
  std::vector<std::vector<float>> inputs = {x, cos, sin, w};
  RunResult fused = run(rotaryPlan(dims, true, normFirst), inputs, threads);
  RunResult plain = run(rotaryPlan(dims, false, normFirst), inputs, threads);
  EXPECT_EQ(plain.blockedSteps, 0);
  // One quantization step apart at most: a rotated value within float
  // rounding of a tie may round either way.
  expectClose(fused.y, expected, 0.05f + 1e-6f, "fused rotary");
  expectClose(plain.y, fused.y, 0.0f, "unfused rotary");
  return fused.blockedSteps;
}

// 5 x 37 rows of 16 on 2 threads: blocks of 93 rows, the second starting
// mid-head (93 = 2 x 37 + 19): its rows must read the tables at their
// positions in the whole tensor, not in the block.
TEST(RowEpilogue, RotaryThenQuantizeInRowBlocks) {
  EXPECT_EQ(checkRotaryEpilogue({1, 5, 37, 16}, 2), 1);
  // One row (a decode step of one head) is one block.
  EXPECT_EQ(checkRotaryEpilogue({1, 1, 1, 8}, 2), 1);
}

// A per-head norm, the rotary, then the quantize: three steps, one chain,
// each block normalized, rotated and quantized while in cache.
TEST(RowEpilogue, NormRotaryQuantizeChain) {
  EXPECT_EQ(checkRotaryEpilogue({1, 5, 37, 16}, 2, /*normFirst=*/true), 1);
  EXPECT_EQ(checkRotaryEpilogue({2, 2, 3, 8}, 2, /*normFirst=*/true), 1);
}

/// rms_norm(x) * w over the last dim of x [rows, d], then quantized per
/// channel of the last axis to i8: the output is the i8 tensor.
/// Values: 0 x, 1 w, 2 scale [d], 3 zero point [d] (i8), 4 normed, 5 q.
Plan normQuantizePlan(int64_t rows, int64_t d, bool epilogue) {
  Plan plan;
  plan.values.push_back(value({rows, d}, ValueKind::Input, "x"));
  plan.values.push_back(value({d}, ValueKind::Input, "w"));
  plan.values.push_back(value({d}, ValueKind::Input, "scale"));
  plan.values.push_back(value({d}, ValueKind::Input, "zero_point"));
  plan.values[3].dtype = DType::I8;
  plan.values.push_back(value({rows, d}, ValueKind::Temp, "normed"));
  plan.values.push_back(value({rows, d}, ValueKind::Temp, "q"));
  plan.values[5].dtype = DType::I8;
  PlanStep norm;
  norm.op = "deepc.rms_norm";
  norm.inputs = {0, 1};
  norm.outputs = {4};
  norm.loc = "norm";
  norm.attrs["epsilon"] = 1e-6;
  norm.epilogue = epilogue;
  plan.steps.push_back(norm);
  PlanStep region;
  region.op = "region";
  region.inputs = {4, 2, 3};
  region.outputs = {5};
  region.loc = "quantize";
  region.body = {regionInstr("deepc.quantize", {0, 1, 2}, DType::I8)};
  plan.steps.push_back(region);
  addInputsAndOutput(plan, 4, 5);
  return plan;
}

TEST(RowEpilogue, NormThenPerChannelQuantize) {
  const int64_t rows = 90, d = 48;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(-2, 2);
  std::vector<float> x(static_cast<size_t>(rows * d)), w(d), scale(d), zero(d);
  for (float &f : x)
    f = uniform(rng);
  for (int64_t i = 0; i < d; ++i) {
    w[i] = uniform(rng);
    scale[i] = 0.01f + 0.002f * float(i);
    zero[i] = float(i % 7) - 3;
  }
  std::vector<float> expected(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double sq = 0;
    for (int64_t i = 0; i < d; ++i)
      sq += double(x[r * d + i]) * x[r * d + i];
    float inv = float(1 / std::sqrt(sq / double(d) + 1e-6));
    for (int64_t i = 0; i < d; ++i)
      expected[r * d + i] =
          quantizeI8(x[r * d + i] * inv * w[i], scale[i], zero[i]);
  }
  // The zero point travels as i8.
  std::vector<int8_t> zeroBytes(zero.begin(), zero.end());
  std::vector<float> zeroCarrier((zeroBytes.size() + 3) / 4);
  std::memcpy(zeroCarrier.data(), zeroBytes.data(), zeroBytes.size());
  std::vector<std::vector<float>> inputs = {x, w, scale, zeroCarrier};
  RunResult fused = run(normQuantizePlan(rows, d, true), inputs, 2);
  RunResult plain = run(normQuantizePlan(rows, d, false), inputs, 2);
  EXPECT_EQ(fused.blockedSteps, 1);
  EXPECT_EQ(plain.blockedSteps, 0);
  // A normalized value within float rounding of a tie may round either
  // way: one step apart at most, and fused and unfused agree exactly.
  expectClose(fused.y, expected, 1.0f, "fused norm + quantize");
  expectClose(plain.y, fused.y, 0.0f, "unfused norm + quantize");
}

/// A region quantizing x to `type` with scale 1 and zero point `zero`
/// (the interpreter's semantics; the generated code is checked against
/// onnxruntime end to end, test/e2e/fusion-qdq.mlir).
std::vector<float> quantizeRegion(std::vector<float> x, DType type,
                                  double zero) {
  Plan plan;
  plan.values.push_back(value({int64_t(x.size())}, ValueKind::Input, "x"));
  plan.values.push_back(value({int64_t(x.size())}, ValueKind::Temp, "q"));
  plan.values[1].dtype = type;
  PlanStep region;
  region.op = "region";
  region.inputs = {0};
  region.outputs = {1};
  region.loc = "q";
  region.body = {regionInstr("deepc.constant", {}, DType::F32, 1.0),
                 regionInstr("deepc.constant", {}, DType::I8, zero),
                 regionInstr("deepc.quantize", {0, 1, 2}, type)};
  if (type != DType::I8) // read back as f32 through a dequantize
    region.body.push_back(
        regionInstr("deepc.dequantize", {3, 1, 2}, DType::F32));
  plan.values.push_back(value({int64_t(x.size())}, ValueKind::Temp, "y"));
  if (type != DType::I8)
    region.outputs = {2};
  plan.steps.push_back(region);
  addInputsAndOutput(plan, 1, region.outputs[0]);
  std::vector<std::vector<float>> inputs = {std::move(x)};
  return run(plan, inputs, 1).y;
}

TEST(RowEpilogue, RegionQuantizeFollowsOnnx) {
  float nan = std::nanf("");
  // Ties to even, the zero point after rounding, saturation, NaN.
  EXPECT_EQ(quantizeRegion({0.5f, 1.5f, 2.5f, -0.5f, -2.5f, 300, -300, nan},
                           DType::I8, 0),
            (std::vector<float>{0, 2, 2, 0, -2, 127, -128, 0}));
  EXPECT_EQ(quantizeRegion({0.5f, 126.5f, nan}, DType::I8, 1),
            (std::vector<float>{1, 127, 1}));
  // i4 saturates at [-8, 7].
  EXPECT_EQ(quantizeRegion({6.5f, 7.5f, -9, 2.5f}, DType::I4, 0),
            (std::vector<float>{6, 7, -8, 2}));
  // f8e4m3fn: no zero point, saturating at 448, 3 mantissa bits.
  EXPECT_EQ(quantizeRegion({1000, -1000, 1.0625f, 0.3f}, DType::F8E4M3FN, 0),
            (std::vector<float>{448, -448, 1, 0.3125f}));
}

} // namespace
