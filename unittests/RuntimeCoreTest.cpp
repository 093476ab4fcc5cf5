//===- RuntimeCoreTest.cpp - the runtime core: JSON, dtypes, plans --------===//

#include "deepc/rt/Executor.h"
#include "deepc/rt/Json.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"

#include "gtest/gtest.h"

#include <cmath>
#include <string>

using namespace deepc::rt;

namespace {

//===----------------------------------------------------------------------===//
// JSON
//===----------------------------------------------------------------------===//

TEST(RuntimeJson, RoundTripsEveryKind) {
  json::Value root = json::Value::object();
  root["int"] = int64_t(-9007199254740993);
  root["double"] = 0.1;
  root["whole double"] = 2.0;
  root["string"] = "tab\t quote\" backslash\\ \xc3\xa9";
  root["bool"] = true;
  root["null"] = nullptr;
  json::Value nested = json::Value::array();
  nested.push(1);
  nested.push(json::Value::object());
  root["array"] = nested;

  for (bool pretty : {false, true}) {
    std::string text = json::write(root, pretty);
    json::Value back;
    ASSERT_TRUE(json::parse(text, "t.json", back).ok()) << text;
    EXPECT_EQ(json::write(back, pretty), text);
    EXPECT_EQ(back.get("int")->asInt(), int64_t(-9007199254740993));
    EXPECT_TRUE(back.get("double")->kind() == json::Value::Kind::Double);
    EXPECT_EQ(back.get("double")->asDouble(), 0.1);
    // A whole double stays a double, not an integer.
    EXPECT_TRUE(back.get("whole double")->kind() == json::Value::Kind::Double);
    EXPECT_EQ(back.get("string")->asString(), root["string"].asString());
    EXPECT_TRUE(back.get("null")->isNull());
  }
}

TEST(RuntimeJson, WritesKeysSortedAndNonFiniteAsStrings) {
  json::Value root = json::Value::object();
  root["b"] = std::nan("");
  root["a"] = -INFINITY;
  EXPECT_EQ(json::write(root), "{\"a\":\"-inf\",\"b\":\"nan\"}");
}

TEST(RuntimeJson, DecodesEscapes) {
  json::Value v;
  ASSERT_TRUE(json::parse("\"\\u00e9\\ud83d\\ude00\\n\"", "t", v).ok());
  EXPECT_EQ(v.asString(), "\xc3\xa9\xf0\x9f\x98\x80\n");
}

TEST(RuntimeJson, RejectsMalformedInputWithPosition) {
  struct Case {
    const char *text;
    const char *expected;
  } cases[] = {
      {"{\"a\": 1,}", "t.json:1:9"},
      {"[1, 2", "t.json:1:6"},
      {"{\n  \"a\" 1}", "t.json:2:7: expected ':'"},
      {"\"abc", "unterminated string"},
      {"\"\\q\"", "bad escape"},
      {"[1] x", "trailing"},
      {"01", "trailing"},
      {"-", "expected digits"},
      {"tru", "unexpected character"},
      {"\"\\ud800\"", "surrogate"},
      {"", "unexpected end"},
  };
  for (const Case &c : cases) {
    json::Value v;
    Status s = json::parse(c.text, "t.json", v);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.code(), DEEPC_CORRUPT_ARTIFACT);
    EXPECT_NE(s.message().find(c.expected), std::string::npos)
        << c.text << " gave: " << s.message();
  }
}

TEST(RuntimeJson, RefusesHostileNesting) {
  // Deep enough to overflow the stack of a naive recursive parser.
  std::string text(200000, '[');
  json::Value v;
  Status s = json::parse(text, "t.json", v);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("nesting"), std::string::npos) << s.message();
}

//===----------------------------------------------------------------------===//
// DType and Tensor
//===----------------------------------------------------------------------===//

TEST(RuntimeDType, HalfConversions) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
  EXPECT_EQ(floatToHalf(-2.0f), 0xC000);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7C00); // ties to even overflow to inf
  EXPECT_EQ(floatToHalf(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3C00); // tie: even
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02);
  EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(NAN))));
  for (uint32_t h = 0; h < 0x7C00; ++h)
    ASSERT_EQ(floatToHalf(halfToFloat(uint16_t(h))), h) << h;
}

TEST(RuntimeDType, Bf16AndF8Conversions) {
  EXPECT_EQ(floatToBf16(1.0f), 0x3F80);
  EXPECT_EQ(bf16ToFloat(0x3F80), 1.0f);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
  EXPECT_EQ(floatToF8e4m3fn(1.0f), 0x38);
  EXPECT_EQ(floatToF8e4m3fn(448.0f), 0x7E);
  EXPECT_EQ(floatToF8e4m3fn(1000.0f), 0x7E); // saturates: no infinity
  EXPECT_EQ(floatToF8e4m3fn(-INFINITY), 0xFE);
  EXPECT_EQ(floatToF8e4m3fn(NAN) & 0x7F, 0x7F);
  EXPECT_EQ(f8e4m3fnToFloat(0x01), std::ldexp(1.0f, -9));
  for (uint32_t v = 0; v < 0x7F; ++v)
    ASSERT_EQ(floatToF8e4m3fn(f8e4m3fnToFloat(uint8_t(v))), v) << v;
}

TEST(RuntimeDType, CastSemantics) {
  int8_t i8[1];
  storeFromDouble(i8, DType::I8, 0, 300.0); // saturates (deepc.cast)
  EXPECT_EQ(i8[0], 127);
  storeFromDouble(i8, DType::I8, 0, -1e9);
  EXPECT_EQ(i8[0], -128);
  storeFromDouble(i8, DType::I4, 0, 20.0);
  EXPECT_EQ(i8[0], 7);
  storeFromDouble(i8, DType::I8, 0, NAN);
  EXPECT_EQ(i8[0], 0);
  storeFromDouble(i8, DType::I8, 0, -2.7); // truncates toward zero
  EXPECT_EQ(i8[0], -2);
  storeFromInt64(i8, DType::I4, 0, 9); // four bits, sign-extended
  EXPECT_EQ(i8[0], -7);
  uint8_t b[1];
  storeFromDouble(b, DType::Bool, 0, NAN);
  EXPECT_EQ(b[0], 1);
  storeFromDouble(b, DType::Bool, 0, 0.0);
  EXPECT_EQ(b[0], 0);
  uint16_t h[1];
  storeFromInt64(h, DType::F16, 0, 3);
  EXPECT_EQ(loadAsDouble(h, DType::F16, 0), 3.0);
  EXPECT_EQ(loadAsInt64(h, DType::F16, 0), 3);
  int32_t i32[1] = {-5};
  EXPECT_EQ(loadAsDouble(i32, DType::I32, 0), -5.0);
}

TEST(RuntimeTensor, BroadcastShapesAndStrides) {
  Shape out;
  ASSERT_TRUE(broadcastShapes(Shape{3, 1, 5}, Shape{4, 1}, out));
  EXPECT_EQ(out, (Shape{3, 4, 5}));
  EXPECT_EQ(out.str(), "[3, 4, 5]");
  EXPECT_FALSE(broadcastShapes(Shape{3}, Shape{4}, out));
  int64_t strides[3];
  broadcastStrides(Shape{4, 1}, Shape{3, 4, 5}, strides);
  EXPECT_EQ(strides[0], 0);
  EXPECT_EQ(strides[1], 1);
  EXPECT_EQ(strides[2], 0);
  contiguousStrides(Shape{3, 4, 5}, strides);
  EXPECT_EQ(strides[0], 20);
  EXPECT_EQ(strides[1], 5);
  EXPECT_EQ(strides[2], 1);
}

TEST(RuntimeKernel, AttrsAndErrors) {
  PlanStep step;
  step.op = "deepc.softmax";
  step.loc = "Softmax_1";
  step.attrs["axis"] = -1;
  step.attrs["eps"] = 1e-5;
  step.attrs["ninf"] = "-inf";
  json::Value perm = json::Value::array();
  perm.push(1);
  perm.push(0);
  step.attrs["perm"] = perm;
  KernelContext ctx(step, nullptr, 0, nullptr, 0);
  EXPECT_EQ(ctx.attrs().getInt("axis"), -1);
  EXPECT_EQ(ctx.attrs().getInt("missing", 7), 7);
  EXPECT_DOUBLE_EQ(ctx.attrs().getFloat("eps"), 1e-5);
  EXPECT_EQ(ctx.attrs().getFloat("ninf"), -INFINITY);
  EXPECT_EQ(ctx.attrs().getInts("perm"), (std::vector<int64_t>{1, 0}));
  Status s = ctx.error("bad axis");
  EXPECT_EQ(s.message(), "deepc.softmax (node 'Softmax_1'): bad axis");
  EXPECT_NE(ctx.scratch(1024), nullptr);
}

//===----------------------------------------------------------------------===//
// Plans
//===----------------------------------------------------------------------===//

PlanValue value(DType dtype, std::vector<int64_t> dims, ValueKind kind) {
  PlanValue v;
  v.dtype = dtype;
  v.dims = std::move(dims);
  v.kind = kind;
  return v;
}

/// x: f32[seq, 4] input; w: f32[4] constant; t = region(x + w); u = t * t.
Plan smallPlan() {
  Plan plan;
  plan.dimBounds["seq"] = 8;
  plan.weightsBytes = 64;
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Input));
  plan.values.push_back(value(DType::F32, {4}, ValueKind::Constant));
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Temp));
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Temp));
  plan.values[2].name = "t";
  for (int out : {2, 3}) {
    PlanStep step;
    step.op = "region";
    step.inputs = out == 2 ? std::vector<int>{0, 1} : std::vector<int>{2, 2};
    step.outputs = {out};
    step.loc = out == 2 ? "Add_0" : "Mul_1";
    RegionInstr instr;
    instr.op = out == 2 ? "deepc.add" : "deepc.mul";
    instr.args = {0, 1};
    instr.dtype = DType::F32;
    step.body.push_back(instr);
    plan.steps.push_back(step);
  }
  plan.inputs.push_back({"x", 0, {"seq", ""}});
  plan.outputs.push_back({"y", 3, {"seq", ""}});
  return plan;
}

Status roundTrip(const Plan &plan, Plan &back) {
  json::Value parsed;
  DEEPC_RETURN_IF_ERROR(
      json::parse(json::write(planToJson(plan), true), "plan.json", parsed));
  return planFromJson(parsed, back);
}

TEST(RuntimePlan, RoundTrips) {
  Plan plan = smallPlan();
  plan.values[2].capacity = plan.values[3].capacity = 128;
  plan.values[3].arenaOffset = 128;
  plan.arenaBytes = 256;
  plan.steps[0].attrs["note"] = "kept";
  Plan back;
  Status s = roundTrip(plan, back);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(json::write(planToJson(back)), json::write(planToJson(plan)));
  EXPECT_EQ(back.values[3].arenaOffset, 128u);
  EXPECT_EQ(back.steps[1].body[0].op, "deepc.mul");
  EXPECT_EQ(back.inputs[0].dimNames[0], "seq");
}

/// Breaks a valid plan with `mutate` and expects planFromJson to refuse it
/// with a message containing `expected`.
void expectInvalid(void (*mutate)(Plan &), const char *expected) {
  Plan plan = smallPlan();
  mutate(plan);
  Plan back;
  Status s = roundTrip(plan, back);
  ASSERT_FALSE(s.ok()) << "expected: " << expected;
  EXPECT_EQ(s.code(), DEEPC_CORRUPT_ARTIFACT);
  EXPECT_NE(s.message().find(expected), std::string::npos) << s.message();
}

TEST(RuntimePlan, ValidationNamesTheCulprit) {
  expectInvalid([](Plan &p) { p.steps[1].inputs[0] = 42; },
                "step 1 (region 'Mul_1'): input value id 42 out of range");
  expectInvalid([](Plan &p) { p.steps[0].inputs[0] = 3; },
                "reads value 3 before it is defined");
  expectInvalid(
      [](Plan &p) {
        p.values[2].capacity = 128;
        p.values[2].arenaOffset = 64;
        p.arenaBytes = 128;
      },
      "value 2 ('t'): arena slot [64, +128) lies outside the arena");
  expectInvalid([](Plan &p) { p.values[1].weightsOffset = 56; },
                "lie outside weights.bin (64 bytes)");
  expectInvalid(
      [](Plan &p) {
        p.steps[0].body[0].args = {0, 2};
      },
      "reads local value 2 before it is defined");
  expectInvalid([](Plan &p) { p.steps[0].body.clear(); }, "empty body");
  expectInvalid([](Plan &p) { p.steps[1].outputs = {2}; }, "defined twice");
  expectInvalid(
      [](Plan &p) {
        p.inputs[0].dimNames = {"", ""};
      },
      "dynamic dim 0 has no name");
  expectInvalid([](Plan &p) { p.dimBounds.clear(); }, "has no bound");
  expectInvalid([](Plan &p) { p.outputs[0].value = 9; }, "out of range");
  expectInvalid([](Plan &p) { p.values[2].aliasOf = 2; }, "aliasOf");
}

TEST(RuntimePlan, RejectsUnknownDType) {
  json::Value j = planToJson(smallPlan());
  j["values"].elements()[0]["dtype"] = "f128";
  Plan back;
  Status s = planFromJson(j, back);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("value 0: unknown dtype \"f128\""),
            std::string::npos)
      << s.message();
}

//===----------------------------------------------------------------------===//
// Memory planning
//===----------------------------------------------------------------------===//

TEST(RuntimeMemoryPlan, ComputeCapacitiesAtTheBounds) {
  Plan plan = smallPlan();
  // A step without a CPU kernel: its size is unknown at compile time, and
  // so is everything computed from it.
  plan.values.push_back(value(DType::F32, {-1}, ValueKind::Temp));
  plan.values.push_back(value(DType::F32, {-1}, ValueKind::Temp));
  PlanStep opaque;
  opaque.op = "deepc.no_such_op";
  opaque.inputs = {3};
  opaque.outputs = {4};
  plan.steps.push_back(opaque);
  PlanStep after = plan.steps[1];
  after.inputs = {4, 4};
  after.outputs = {5};
  plan.steps.push_back(after);

  float w[4] = {1, 2, 3, 4};
  Status s =
      computeCapacities(plan, {nullptr, w, nullptr, nullptr, nullptr, nullptr});
  ASSERT_TRUE(s.ok()) << s.message();
  // seq is at most 8: 8 x 4 floats.
  EXPECT_EQ(plan.values[2].capacity, 128u);
  EXPECT_FALSE(plan.values[2].dynamic);
  EXPECT_EQ(plan.values[3].capacity, 128u);
  EXPECT_TRUE(plan.values[4].dynamic);
  EXPECT_TRUE(plan.values[5].dynamic);

  assignArenaOffsets(plan);
  EXPECT_EQ(plan.arenaBytes, 256u); // t and y are live together
  EXPECT_NE(plan.values[2].arenaOffset, plan.values[3].arenaOffset);
  Plan back;
  EXPECT_TRUE(roundTrip(plan, back).ok());
}

/// Shapes computed from shapes: shape_of runs at compile time (it reads
/// shapes only), a region doubles its result, and expand's size follows from
/// those values. An expand to a shape read from an input stays dynamic.
TEST(RuntimeMemoryPlan, ShapeComputationsRunAtCompileTime) {
  if (!cpuKernels().lookup("deepc.shape_of") ||
      !cpuKernels().lookup("deepc.expand"))
    GTEST_SKIP() << "the CPU shape kernels have not landed yet";
  Plan plan;
  plan.dimBounds["seq"] = 8;
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Input)); // 0
  plan.values.push_back(value(DType::I64, {2}, ValueKind::Input));     // 1
  plan.values.push_back(value(DType::F32, {1}, ValueKind::Constant));  // 2
  plan.values.push_back(value(DType::I64, {2}, ValueKind::Temp));      // 3
  plan.values.push_back(value(DType::I64, {2}, ValueKind::Temp));      // 4
  plan.values.push_back(value(DType::F32, {-1, -1}, ValueKind::Temp)); // 5
  plan.values.push_back(value(DType::F32, {-1, -1}, ValueKind::Temp)); // 6
  plan.weightsBytes = 64;
  auto addStep = [&](const char *op, std::vector<int> ins, int out) {
    PlanStep step;
    step.op = op;
    step.inputs = std::move(ins);
    step.outputs = {out};
    plan.steps.push_back(step);
    return &plan.steps.back();
  };
  addStep("deepc.shape_of", {0}, 3);
  PlanStep *twice = addStep("region", {3, 3}, 4);
  RegionInstr add;
  add.op = "deepc.add";
  add.args = {0, 1};
  add.dtype = DType::I64;
  twice->body.push_back(add);
  addStep("deepc.expand", {2, 4}, 5);
  addStep("deepc.expand", {2, 1}, 6);
  plan.inputs.push_back({"x", 0, {"seq", ""}});
  plan.inputs.push_back({"shape", 1, {""}});
  plan.outputs.push_back({"a", 5, {"", ""}});
  plan.outputs.push_back({"b", 6, {"", ""}});

  float one = 1;
  Status s = computeCapacities(plan, {nullptr, nullptr, &one});
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(plan.values[3].capacity, 16u);
  EXPECT_EQ(plan.values[4].capacity, 16u);
  // expand to [2 * 8, 2 * 4] floats.
  EXPECT_FALSE(plan.values[5].dynamic);
  EXPECT_EQ(plan.values[5].capacity, 16u * 8u * 4u);
  EXPECT_TRUE(plan.values[6].dynamic);
}

/// A chain v0 -> v1 -> ... where step k reads v_k and v_{k-1}: only
/// neighbours live together, so the arena reuses memory.
TEST(RuntimeMemoryPlan, LiveSlotsNeverOverlapAndDeadOnesAreReused) {
  Plan plan;
  const int n = 12;
  plan.values.push_back(value(DType::F32, {4}, ValueKind::Input));
  plan.inputs.push_back({"in", 0, {""}});
  for (int k = 1; k <= n; ++k) {
    PlanValue v = value(DType::F32, {k * 10}, ValueKind::Temp);
    v.capacity = uint64_t(k * 40);
    plan.values.push_back(v);
    PlanStep step;
    step.op = "deepc.anything";
    step.inputs = k >= 2 ? std::vector<int>{k - 1, k - 2} : std::vector<int>{0};
    step.outputs = {k};
    plan.steps.push_back(step);
  }
  plan.outputs.push_back({"out", n, {""}});
  plan.outputs.push_back({"early", 1, {""}}); // lives to the end

  assignArenaOffsets(plan);

  // Liveness as the planner defines it.
  auto lastUse = [&](int id) {
    for (const PlanIO &io : plan.outputs)
      if (io.value == id)
        return n;
    int last = id - 1;
    for (int s = 0; s < n; ++s)
      for (int in : plan.steps[s].inputs)
        if (in == id)
          last = s;
    return last;
  };
  uint64_t total = 0;
  for (int a = 1; a <= n; ++a) {
    const PlanValue &va = plan.values[a];
    EXPECT_EQ(va.arenaOffset % kBufferAlignment, 0u);
    EXPECT_LE(va.arenaOffset + va.capacity, plan.arenaBytes);
    total += va.capacity;
    for (int b = a + 1; b <= n; ++b) {
      const PlanValue &vb = plan.values[b];
      bool liveTogether = a - 1 <= lastUse(b) && b - 1 <= lastUse(a);
      bool overlapInMemory = va.arenaOffset < vb.arenaOffset + vb.capacity &&
                             vb.arenaOffset < va.arenaOffset + va.capacity;
      EXPECT_FALSE(liveTogether && overlapInMemory) << a << " and " << b;
    }
  }
  EXPECT_LT(plan.arenaBytes, total) << "no memory was reused";
}

} // namespace
