//===- RuntimeCounterTest.cpp - run statistics that kernels report --------===//
//
// Issue 6: a MoE layer with a capacity factor drops token-expert
// assignments beyond each expert's capacity, and the runtime counts them.
// The routings below are chosen so that the counts follow by hand from the
// op's definition: capacity = ceil(factor * tokens * top_k / experts), each
// expert keeping its first `capacity` assignments in token order.
//
//===----------------------------------------------------------------------===//

#include "ArtifactDir.h"
#include "deepc/rt/Artifact.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc_runtime.h"
#include "deepc_runtime.hpp"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace deepc::rt;

using deepc::test::ArtifactDir;

namespace {

TEST(RuntimeCounter, KernelContextAddsOnlyWithATable) {
  PlanStep step;
  step.op = "deepc.test";
  KernelContext ctx(step, nullptr, 0, nullptr, 0);
  ctx.addCounter("ignored", 5); // no table: nothing to crash on
  CounterTable table;
  ctx.setCounters(&table);
  ctx.addCounter("a", 2);
  ctx.addCounter("a", 3);
  ctx.addCounter("b", 0);
  ASSERT_EQ(table.size(), 2u);
  EXPECT_EQ(table["a"], 5);
  EXPECT_EQ(table["b"], 0);
  EXPECT_EQ(table.count("ignored"), 0u);
}

/// The MoE layers below: H = 2, E = 2 experts, I = 1, not gated, relu, with
/// the identity as router (logits = x), w_up = ones and w_down[e] = e + 1,
/// so a kept token t of expert e adds weight * (x[t,0] + x[t,1]) * (e + 1)
/// to both of its outputs.
const float kRouter[4] = {1, 0, 0, 1};
const float kUp[4] = {1, 1, 1, 1};
const float kDown[4] = {1, 1, 2, 2};

/// Runs deepc.moe's kernel on tokens `x` ([T, 2]) with a counter table.
Status runMoeKernel(std::vector<float> &x, int64_t topK, double factor,
                    CounterTable &counters, std::vector<float> &y) {
  const KernelDef *def = cpuKernels().lookup("deepc.moe");
  if (!def)
    return notFound("no deepc.moe kernel");
  PlanStep step;
  step.op = "deepc.moe";
  step.loc = "test";
  step.attrs["top_k"] = json::Value(topK);
  step.attrs["gated"] = json::Value(false);
  step.attrs["activation"] = json::Value("relu");
  step.attrs["capacity_factor"] = json::Value(factor);
  auto ref = [](const float *data, Shape shape) {
    TensorRef t;
    t.data = const_cast<float *>(data);
    t.dtype = DType::F32;
    t.shape = shape;
    return t;
  };
  int64_t tokens = int64_t(x.size() / 2);
  std::vector<TensorRef> ins(15); // absent operands: dtype Invalid
  ins[0] = ref(x.data(), {tokens, 2});
  ins[1] = ref(kRouter, {2, 2});
  ins[3] = ref(kUp, {2, 1, 2});
  ins[5] = ref(kDown, {2, 2, 1});
  TensorRef out;
  out.dtype = DType::F32;
  KernelContext ctx(step, ins.data(), int(ins.size()), &out, 1);
  ctx.setCounters(&counters);
  DEEPC_RETURN_IF_ERROR(def->infer(ctx));
  y.assign(size_t(out.shape.numel()), -1.0f);
  out.data = y.data();
  return def->run(ctx);
}

TEST(RuntimeCounter, MoeKernelCountsDroppedAssignments) {
  // top_k 2 of 2 experts: every token goes to both. 4 tokens, factor 0.5:
  // capacity ceil(0.5 * 4 * 2 / 2) = 2, so each expert keeps tokens 0 and
  // 1 and drops 2 and 3: 4 of the 8 assignments.
  std::vector<float> x = {1, 0, 0, 1, 1, 0, 0, 1}, y;
  CounterTable counters;
  Status s = runMoeKernel(x, /*topK=*/2, /*factor=*/0.5, counters, y);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(counters["moe.routed_tokens"], 8);
  EXPECT_EQ(counters["moe.dropped_tokens"], 4);
  // Tokens 2 and 3 lost both experts: nothing is added to them.
  for (int i = 4; i < 8; ++i)
    EXPECT_EQ(y[i], 0.0f) << "at element " << i;
  // Token 0: softmax([1, 0]) weighs expert 0 by e / (e + 1), expert 1 by
  // 1 / (e + 1); relu(1 + 0) = 1 before w_down.
  double e = std::exp(1.0);
  double want = e / (e + 1) * 1 + 1 / (e + 1) * 2;
  EXPECT_NEAR(y[0], want, 1e-5);
  EXPECT_NEAR(y[1], want, 1e-5);

  // The counters add up over layers (and calls) until the session resets.
  ASSERT_TRUE(runMoeKernel(x, 2, 0.5, counters, y).ok());
  EXPECT_EQ(counters["moe.routed_tokens"], 16);
  EXPECT_EQ(counters["moe.dropped_tokens"], 8);

  // A factor large enough for every token drops nothing.
  CounterTable roomy;
  ASSERT_TRUE(runMoeKernel(x, 2, 2.0, roomy, y).ok());
  EXPECT_EQ(roomy["moe.routed_tokens"], 8);
  EXPECT_EQ(roomy["moe.dropped_tokens"], 0);
}

TEST(RuntimeCounter, MoeKernelWithoutCapacityReportsNothing) {
  std::vector<float> x = {1, 0, 1, 0, 1, 0}, y;
  CounterTable counters;
  ASSERT_TRUE(runMoeKernel(x, 1, 0.0, counters, y).ok());
  EXPECT_TRUE(counters.empty());
}

//===----------------------------------------------------------------------===//
// Through the C API, on a hand-made artifact
//===----------------------------------------------------------------------===//

PlanValue value(std::vector<int64_t> dims, ValueKind kind) {
  PlanValue v;
  v.dtype = DType::F32;
  v.dims = std::move(dims);
  v.kind = kind;
  return v;
}

/// y[seq, 2] = the MoE layer above with top_k 1 and capacity factor
/// `factor`, seq <= 8, written to `dir`.
void writeMoeArtifact(const ArtifactDir &dir, double factor) {
  Plan plan;
  plan.dimBounds["seq"] = 8;
  plan.values.push_back(value({-1, 2}, ValueKind::Input));
  std::string weights;
  for (const float *w : {kRouter, kUp, kDown}) {
    PlanValue v = value({}, ValueKind::Constant);
    v.weightsOffset = weights.size();
    plan.values.push_back(v);
    weights.append(reinterpret_cast<const char *>(w), 4 * sizeof(float));
    weights.resize(weights.size() + kBufferAlignment - 4 * sizeof(float), '\0');
  }
  plan.values[1].dims = {2, 2};
  plan.values[2].dims = {2, 1, 2};
  plan.values[3].dims = {2, 2, 1};
  plan.values.push_back(value({-1, 2}, ValueKind::Temp));
  plan.values[4].capacity = 8 * 2 * sizeof(float);
  plan.arenaBytes = plan.values[4].capacity;
  plan.weightsBytes = weights.size();

  PlanStep step;
  step.op = "deepc.moe";
  step.loc = "moe_0";
  step.inputs.assign(15, -1);
  step.inputs[0] = 0;
  step.inputs[1] = 1;
  step.inputs[3] = 2;
  step.inputs[5] = 3;
  step.outputs = {4};
  step.attrs["top_k"] = json::Value(int64_t(1));
  step.attrs["gated"] = json::Value(false);
  step.attrs["activation"] = json::Value("relu");
  step.attrs["capacity_factor"] = json::Value(factor);
  plan.steps.push_back(step);
  plan.inputs.push_back({"x", 0, {"seq", ""}});
  plan.outputs.push_back({"y", 4, {"seq", ""}});

  Manifest m;
  m.deepcVersion = "test";
  m.weightsBytes = plan.weightsBytes;
  m.dimBounds = plan.dimBounds;
  m.inputs.push_back({"x", DType::F32, {-1, 2}, {"seq", ""}});
  m.outputs.push_back({"y", DType::F32, {-1, 2}, {"seq", ""}});
  dir.writeFile("manifest.json", json::write(manifestToJson(m), true));
  dir.writeFile("plan.json", json::write(planToJson(plan), true));
  dir.writeFile("weights.bin", weights);
}

/// Frees `s` and returns its code.
deepc_status_code codeOf(deepc_status s) {
  deepc_status_code code = deepc_status_get_code(s);
  deepc_status_free(s);
  return code;
}

TEST(RuntimeCounter, SessionReportsDropsOfTheLastRun) {
  ArtifactDir dir("counter");
  writeMoeArtifact(dir, /*factor=*/0.5);
  deepc::Model model;
  deepc::Error e = deepc::Model::load(dir.path().c_str(), model);
  ASSERT_TRUE(e.ok()) << e.message();
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());

  int64_t value = 42;
  // Nothing has run yet: no kernel has reported anything.
  EXPECT_EQ(session.counter("moe.dropped_tokens", value).code(),
            DEEPC_NOT_FOUND);
  EXPECT_EQ(value, 42);

  // 4 tokens, all routed to expert 0; capacity ceil(0.5 * 4 * 1 / 2) = 1:
  // token 0 is kept, tokens 1 to 3 are dropped.
  float sameExpert[8] = {1, 0, 1, 0, 1, 0, 1, 0};
  ASSERT_TRUE(session.bindInput(0, sameExpert, DEEPC_DTYPE_F32, {4, 2}).ok());
  e = session.run();
  ASSERT_TRUE(e.ok()) << e.message();
  ASSERT_TRUE(session.counter("moe.routed_tokens", value).ok());
  EXPECT_EQ(value, 4);
  ASSERT_TRUE(session.counter("moe.dropped_tokens", value).ok());
  EXPECT_EQ(value, 3);
  deepc_tensor_view out;
  ASSERT_TRUE(session.output(0, out).ok());
  const float *y = static_cast<const float *>(out.data);
  EXPECT_GT(y[0], 0.0f);
  for (int i = 2; i < 8; ++i)
    EXPECT_EQ(y[i], 0.0f) << "dropped token, element " << i;

  // Alternating experts: capacity 1 each keeps tokens 0 and 1, drops 2 and
  // 3. The counts are this run's, not added to the last one's.
  float alternating[8] = {1, 0, 0, 1, 1, 0, 0, 1};
  ASSERT_TRUE(session.bindInput(0, alternating, DEEPC_DTYPE_F32, {4, 2}).ok());
  ASSERT_TRUE(session.run().ok());
  ASSERT_TRUE(session.counter("moe.routed_tokens", value).ok());
  EXPECT_EQ(value, 4);
  ASSERT_TRUE(session.counter("moe.dropped_tokens", value).ok());
  EXPECT_EQ(value, 2);

  // An unknown name, and NULL arguments, are errors, never crashes.
  EXPECT_EQ(session.counter("moe.no_such_counter", value).code(),
            DEEPC_NOT_FOUND);
  EXPECT_EQ(
      codeOf(deepc_session_get_counter(nullptr, "moe.routed_tokens", &value)),
      DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(codeOf(deepc_session_get_counter(session.get(), nullptr, &value)),
            DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(codeOf(deepc_session_get_counter(session.get(), "moe.routed_tokens",
                                             nullptr)),
            DEEPC_INVALID_ARGUMENT);
}

TEST(RuntimeCounter, NoCapacityNoCounters) {
  ArtifactDir dir("counter");
  writeMoeArtifact(dir, /*factor=*/0.0);
  deepc::Model model;
  deepc::Error e = deepc::Model::load(dir.path().c_str(), model);
  ASSERT_TRUE(e.ok()) << e.message();
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());
  float x[8] = {1, 0, 1, 0, 1, 0, 1, 0};
  ASSERT_TRUE(session.bindInput(0, x, DEEPC_DTYPE_F32, {4, 2}).ok());
  ASSERT_TRUE(session.run().ok());
  int64_t value = 0;
  EXPECT_EQ(session.counter("moe.routed_tokens", value).code(),
            DEEPC_NOT_FOUND);
  EXPECT_EQ(session.counter("moe.dropped_tokens", value).code(),
            DEEPC_NOT_FOUND);
}

} // namespace
