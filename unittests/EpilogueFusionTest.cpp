//===- EpilogueFusionTest.cpp - a matmul and its epilogue as one step -----===//
//
// Runs y = sigmoid(x·w + bias) * r once as a matmul with an epilogue and
// once as two plain steps, on hand-made artifacts, and compares both with
// a reference computed here. The shapes pick the path: row blocks (several
// per thread, the last one partial), or the unblocked fallback when the
// region reads an input per batch rather than per row, or when there are
// too few rows.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Artifact.h"
#include "deepc/rt/Executor.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Session.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>

using namespace deepc::rt;

namespace {

/// A temporary artifact directory, removed with its files at the end.
class ArtifactDir {
public:
  ArtifactDir() {
    char tmpl[] = "/tmp/deepc-epilogue-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~ArtifactDir() {
    for (const char *f : {"manifest.json", "plan.json", "weights.bin"})
      std::remove((path_ + "/" + f).c_str());
    rmdir(path_.c_str());
  }
  const std::string &path() const { return path_; }
  void writeFile(const std::string &name, const std::string &bytes) const {
    std::ofstream(path_ + "/" + name, std::ios::binary) << bytes;
  }

private:
  std::string path_;
};

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
    m.inputs.push_back(
        {io.name, DType::F32, plan.values[io.value].dims, io.dimNames});
  for (const PlanIO &io : plan.outputs)
    m.outputs.push_back(
        {io.name, DType::F32, plan.values[io.value].dims, io.dimNames});
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
  ArtifactDir dir;
  writeArtifact(dir, plan);
  std::shared_ptr<Model> model;
  Status loaded = Model::load(dir.path(), cpuKernels(), model);
  EXPECT_TRUE(loaded.ok()) << loaded.message();
  if (!loaded.ok())
    return result;
  std::unique_ptr<Session> session;
  EXPECT_TRUE(Session::create(model, session).ok());
  session->setNumThreads(threads);
  for (size_t i = 0; i < inputs.size(); ++i)
    EXPECT_TRUE(
        session
            ->bindInput(
                i, tensorOf(inputs[i], plan.values[plan.inputs[i].value].dims))
            .ok());
  Status ran = session->run();
  EXPECT_TRUE(ran.ok()) << ran.message();
  TensorRef y;
  EXPECT_TRUE(session->output(0, y).ok());
  if (y.data)
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
  EXPECT_NE(status.message().find("region step right after"), std::string::npos)
      << status.message();
}

} // namespace
