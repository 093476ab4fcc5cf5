//===- RuntimeCApiTest.cpp - the C API end to end on hand-made artifacts --===//
//
// Each test writes a small artifact (manifest.json, plan.json, weights.bin)
// into a temporary directory and drives it through deepc_runtime.h.
//
//===----------------------------------------------------------------------===//

#include "ArtifactDir.h"
#include "deepc/rt/Artifact.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc_runtime.h"
#include "deepc_runtime.hpp"

#include "gtest/gtest.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace deepc::rt;

using deepc::test::ArtifactDir;

namespace {

ManifestTensor tensor(const std::string &name, DType dtype,
                      std::vector<int64_t> dims,
                      std::vector<std::string> dimNames) {
  return {name, dtype, std::move(dims), std::move(dimNames)};
}

/// Writes `plan` with a manifest that matches it and `weights`.
void writeArtifact(const ArtifactDir &dir, const Plan &plan,
                   const std::string &weights) {
  Manifest m;
  m.deepcVersion = "test";
  m.weightsBytes = plan.weightsBytes;
  m.dimBounds = plan.dimBounds;
  m.codeLibrary = plan.codeLibrary;
  for (const PlanIO &io : plan.inputs)
    m.inputs.push_back(tensor(io.name, plan.values[io.value].dtype,
                              plan.values[io.value].dims, io.dimNames));
  for (const PlanIO &io : plan.outputs)
    m.outputs.push_back(tensor(io.name, plan.values[io.value].dtype,
                               plan.values[io.value].dims, io.dimNames));
  dir.writeFile("manifest.json", json::write(manifestToJson(m), true));
  dir.writeFile("plan.json", json::write(planToJson(plan), true));
  dir.writeFile("weights.bin", weights);
}

PlanValue value(DType dtype, std::vector<int64_t> dims, ValueKind kind) {
  PlanValue v;
  v.dtype = dtype;
  v.dims = std::move(dims);
  v.kind = kind;
  return v;
}

/// y[seq, 4] = (x[seq, 4] + w[4]) * x, with seq <= 8 and w = {1, 2, 3, 4}
/// in weights.bin; both steps are interpreted regions.
Plan regionPlan(std::string &weights) {
  Plan plan;
  plan.dimBounds["seq"] = 8;
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Input));
  plan.values.push_back(value(DType::F32, {4}, ValueKind::Constant));
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Temp));
  plan.values.push_back(value(DType::F32, {-1, 4}, ValueKind::Temp));
  plan.values[2].name = "sum";
  const char *ops[] = {"deepc.add", "deepc.mul"};
  for (int k = 0; k < 2; ++k) {
    PlanStep step;
    step.op = "region";
    step.inputs = {k == 0 ? 0 : 2, k == 0 ? 1 : 0};
    step.outputs = {2 + k};
    step.loc = k == 0 ? "Add_0" : "Mul_1";
    RegionInstr instr;
    instr.op = ops[k];
    instr.args = {0, 1};
    instr.dtype = DType::F32;
    step.body.push_back(instr);
    plan.steps.push_back(step);
  }
  plan.inputs.push_back({"x", 0, {"seq", ""}});
  plan.outputs.push_back({"y", 3, {"seq", ""}});
  float w[4] = {1, 2, 3, 4};
  weights.assign(reinterpret_cast<const char *>(w), sizeof(w));
  weights.resize(64, '\0'); // constants are padded to kBufferAlignment
  plan.weightsBytes = weights.size();
  plan.values[2].capacity = plan.values[3].capacity = 8 * 4 * 4;
  plan.values[3].arenaOffset = 128;
  plan.arenaBytes = 256;
  return plan;
}

/// Frees `s` and returns its code, so a failed expectation leaks nothing.
deepc_status_code codeOf(deepc_status s, std::string *message = nullptr) {
  deepc_status_code code = deepc_status_get_code(s);
  if (message)
    *message = deepc_status_message(s);
  deepc_status_free(s);
  return code;
}

deepc_tensor_view view(void *data, deepc_dtype dtype,
                       std::initializer_list<int64_t> dims) {
  deepc_tensor_view v{};
  v.data = data;
  v.dtype = dtype;
  v.rank = int32_t(dims.size());
  int d = 0;
  for (int64_t x : dims)
    v.dims[d++] = x;
  return v;
}

TEST(RuntimeCApi, RunsInterpretedRegions) {
  ArtifactDir dir("capi");
  std::string weights;
  writeArtifact(dir, regionPlan(weights), weights);

  deepc_model model = nullptr;
  std::string msg;
  ASSERT_EQ(codeOf(deepc_model_load(dir.path().c_str(), &model), &msg),
            DEEPC_OK)
      << msg;
  ASSERT_EQ(deepc_model_num_inputs(model), 1u);
  ASSERT_EQ(deepc_model_num_outputs(model), 1u);
  deepc_tensor_info info;
  ASSERT_EQ(codeOf(deepc_model_input_info(model, 0, &info)), DEEPC_OK);
  EXPECT_STREQ(info.name, "x");
  EXPECT_EQ(info.dtype, DEEPC_DTYPE_F32);
  EXPECT_EQ(info.rank, 2);
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_STREQ(info.dim_names[0], "seq");
  EXPECT_EQ(info.dim_bounds[0], 8);
  EXPECT_EQ(info.dims[1], 4);
  EXPECT_STREQ(info.dim_names[1], "");
  size_t index = 99;
  EXPECT_EQ(codeOf(deepc_model_find_output(model, "y", &index)), DEEPC_OK);
  EXPECT_EQ(index, 0u);
  EXPECT_EQ(codeOf(deepc_model_find_input(model, "nope", &index)),
            DEEPC_NOT_FOUND);

  deepc_session session = nullptr;
  ASSERT_EQ(codeOf(deepc_session_create(model, &session)), DEEPC_OK);
  // The session keeps the model alive.
  deepc_model_release(model);
  EXPECT_EQ(codeOf(deepc_session_set_num_threads(session, 1)), DEEPC_OK);

  for (int64_t seq : {3, 8, 1}) {
    std::vector<float> x(size_t(seq) * 4);
    for (size_t i = 0; i < x.size(); ++i)
      x[i] = float(i) - 2;
    deepc_tensor_view in = view(x.data(), DEEPC_DTYPE_F32, {seq, 4});
    ASSERT_EQ(codeOf(deepc_session_bind_input(session, 0, &in), &msg), DEEPC_OK)
        << msg;
    ASSERT_EQ(codeOf(deepc_session_run(session), &msg), DEEPC_OK) << msg;
    deepc_tensor_view out;
    ASSERT_EQ(codeOf(deepc_session_get_output(session, 0, &out)), DEEPC_OK);
    ASSERT_EQ(out.dtype, DEEPC_DTYPE_F32);
    ASSERT_EQ(out.rank, 2);
    EXPECT_EQ(out.dims[0], seq);
    EXPECT_EQ(out.dims[1], 4);
    const float *y = static_cast<const float *>(out.data);
    for (size_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(y[i], (x[i] + float(i % 4 + 1)) * x[i]) << i;
  }
  deepc_session_release(session);
}

TEST(RuntimeCApi, CppWrapper) {
  ArtifactDir dir("capi");
  std::string weights;
  writeArtifact(dir, regionPlan(weights), weights);
  deepc::Model model;
  deepc::Error e = deepc::Model::load(dir.path().c_str(), model);
  ASSERT_TRUE(e.ok()) << e.message();
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());
  float x[8] = {1, 1, 1, 1, 2, 2, 2, 2};
  ASSERT_TRUE(session.bindInput(0, x, DEEPC_DTYPE_F32, {2, 4}).ok());
  ASSERT_TRUE(session.run().ok());
  deepc_tensor_view out;
  ASSERT_TRUE(session.output(0, out).ok());
  EXPECT_EQ(static_cast<float *>(out.data)[7], (2.0f + 4.0f) * 2.0f);
  deepc::Error bad = session.bindInput(0, x, DEEPC_DTYPE_I32, {2, 4});
  EXPECT_EQ(bad.code(), DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(bad.message().find("dtype"), std::string::npos);
  EXPECT_STREQ(deepc::runtimeVersion(), "0.1.0");
}

/// reshape through an alias: y[8] views x[2, 4]'s buffer; no copy is made.
TEST(RuntimeCApi, AliasStepsShareTheBuffer) {
  if (!cpuKernels().lookup("deepc.reshape"))
    GTEST_SKIP() << "the CPU reshape kernel has not landed yet";
  Plan plan;
  plan.values.push_back(value(DType::F32, {2, 4}, ValueKind::Input));
  plan.values.push_back(value(DType::I64, {1}, ValueKind::Constant));
  plan.values.push_back(value(DType::F32, {8}, ValueKind::Temp));
  plan.values[2].aliasOf = 0;
  PlanStep step;
  step.op = "deepc.reshape";
  step.inputs = {0, 1};
  step.outputs = {2};
  plan.steps.push_back(step);
  plan.inputs.push_back({"x", 0, {"", ""}});
  plan.outputs.push_back({"y", 2, {""}});
  int64_t shape[1] = {8};
  std::string weights(reinterpret_cast<const char *>(shape), sizeof(shape));
  weights.resize(64, '\0');
  plan.weightsBytes = weights.size();
  ArtifactDir dir("capi");
  writeArtifact(dir, plan, weights);

  deepc::Model model;
  deepc::Error e = deepc::Model::load(dir.path().c_str(), model);
  ASSERT_TRUE(e.ok()) << e.message();
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());
  float x[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  ASSERT_TRUE(session.bindInput(0, x, DEEPC_DTYPE_F32, {2, 4}).ok());
  e = session.run();
  ASSERT_TRUE(e.ok()) << e.message();
  deepc_tensor_view out;
  ASSERT_TRUE(session.output(0, out).ok());
  EXPECT_EQ(out.rank, 1);
  EXPECT_EQ(out.dims[0], 8);
  EXPECT_EQ(out.data, static_cast<void *>(x));
}

/// y = expand(w, shape) with `shape` an input: y's size is known only at
/// run time, so it lives in a dynamic buffer that grows across runs.
TEST(RuntimeCApi, DynamicOutputsGrow) {
  if (!cpuKernels().lookup("deepc.expand"))
    GTEST_SKIP() << "the CPU expand kernel has not landed yet";
  Plan plan;
  plan.values.push_back(value(DType::I64, {2}, ValueKind::Input));
  plan.values.push_back(value(DType::F32, {4}, ValueKind::Constant));
  plan.values.push_back(value(DType::F32, {-1, -1}, ValueKind::Temp));
  plan.values[2].dynamic = true;
  PlanStep step;
  step.op = "deepc.expand";
  step.inputs = {1, 0};
  step.outputs = {2};
  plan.steps.push_back(step);
  plan.inputs.push_back({"shape", 0, {""}});
  plan.outputs.push_back({"y", 2, {"", ""}});
  float w[4] = {1, 2, 3, 4};
  std::string weights(reinterpret_cast<const char *>(w), sizeof(w));
  weights.resize(64, '\0');
  plan.weightsBytes = weights.size();
  ArtifactDir dir("capi");
  writeArtifact(dir, plan, weights);

  deepc::Model model;
  deepc::Error e = deepc::Model::load(dir.path().c_str(), model);
  ASSERT_TRUE(e.ok()) << e.message();
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());
  deepc_tensor_info info;
  ASSERT_TRUE(model.outputInfo(0, info).ok());
  EXPECT_EQ(info.dims[0], -1);
  EXPECT_EQ(info.dim_bounds[0], -1); // no input determines it
  for (int64_t rows : {2, 50, 3}) {
    int64_t shape[2] = {rows, 4};
    ASSERT_TRUE(session.bindInput(0, shape, DEEPC_DTYPE_I64, {2}).ok());
    e = session.run();
    ASSERT_TRUE(e.ok()) << e.message();
    deepc_tensor_view out;
    ASSERT_TRUE(session.output(0, out).ok());
    ASSERT_EQ(out.dims[0], rows);
    ASSERT_EQ(out.dims[1], 4);
    const float *y = static_cast<const float *>(out.data);
    EXPECT_EQ(y[rows * 4 - 1], 4.0f);
    EXPECT_EQ(y[rows * 4 - 4], 1.0f);
  }
}

/// A slot smaller than a run needs (a plan sized for smaller bounds than it
/// claims) is reported, not overrun.
TEST(RuntimeCApi, SlotTooSmallIsOutOfRange) {
  std::string weights;
  Plan plan = regionPlan(weights);
  plan.values[2].capacity = 64; // room for seq <= 4 only
  ArtifactDir dir("capi");
  writeArtifact(dir, plan, weights);
  deepc::Model model;
  ASSERT_TRUE(deepc::Model::load(dir.path().c_str(), model).ok());
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());
  std::vector<float> x(32);
  ASSERT_TRUE(session.bindInput(0, x.data(), DEEPC_DTYPE_F32, {4, 4}).ok());
  EXPECT_TRUE(session.run().ok());
  ASSERT_TRUE(session.bindInput(0, x.data(), DEEPC_DTYPE_F32, {8, 4}).ok());
  deepc::Error e = session.run();
  EXPECT_EQ(e.code(), DEEPC_OUT_OF_RANGE);
  EXPECT_NE(e.message().find("'sum' (value 2) of region (node 'Add_0') needs "
                             "128 bytes"),
            std::string::npos)
      << e.message();
  EXPECT_NE(e.message().find("--max-dims"), std::string::npos);
}

TEST(RuntimeCApi, NullArgumentsAreErrorsNotCrashes) {
  deepc_model model = reinterpret_cast<deepc_model>(1);
  EXPECT_EQ(codeOf(deepc_model_load(nullptr, &model)), DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(model, nullptr);
  EXPECT_EQ(codeOf(deepc_model_load("/tmp", nullptr)), DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(deepc_model_num_inputs(nullptr), 0u);
  deepc_tensor_info info;
  EXPECT_EQ(codeOf(deepc_model_input_info(nullptr, 0, &info)),
            DEEPC_INVALID_ARGUMENT);
  size_t index;
  EXPECT_EQ(codeOf(deepc_model_find_input(nullptr, "x", &index)),
            DEEPC_INVALID_ARGUMENT);
  deepc_session session;
  EXPECT_EQ(codeOf(deepc_session_create(nullptr, &session)),
            DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(codeOf(deepc_session_run(nullptr)), DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(codeOf(deepc_session_bind_input(nullptr, 0, nullptr)),
            DEEPC_INVALID_ARGUMENT);
  deepc_tensor_view out;
  EXPECT_EQ(codeOf(deepc_session_get_output(nullptr, 0, &out)),
            DEEPC_INVALID_ARGUMENT);
  EXPECT_EQ(codeOf(deepc_session_set_num_threads(nullptr, 1)),
            DEEPC_INVALID_ARGUMENT);
  EXPECT_STREQ(deepc_status_message(nullptr), "");
  EXPECT_EQ(deepc_status_get_code(nullptr), DEEPC_OK);
  deepc_status_free(nullptr);
  deepc_model_release(nullptr);
  deepc_session_release(nullptr);
  EXPECT_STREQ(deepc_dtype_name(DEEPC_DTYPE_BF16), "bf16");
  EXPECT_EQ(deepc_dtype_size(DEEPC_DTYPE_I64), 8u);
  EXPECT_EQ(deepc_dtype_size(DEEPC_DTYPE_INVALID), 0u);
}

TEST(RuntimeCApi, LoadErrorsNameTheFile) {
  deepc_model model = nullptr;
  std::string msg;
  EXPECT_EQ(codeOf(deepc_model_load("/nonexistent/model.deepc", &model), &msg),
            DEEPC_NOT_FOUND);
  EXPECT_NE(msg.find("/nonexistent/model.deepc"), std::string::npos) << msg;

  std::string weights;
  Plan plan = regionPlan(weights);
  {
    ArtifactDir dir("capi");
    writeArtifact(dir, plan, weights);
    dir.writeFile("manifest.json", "{\"format\": \"deepc-artifact\",\n  oops}");
    EXPECT_EQ(codeOf(deepc_model_load(dir.path().c_str(), &model), &msg),
              DEEPC_CORRUPT_ARTIFACT);
    EXPECT_NE(msg.find("manifest.json:2:3"), std::string::npos) << msg;
  }
  {
    ArtifactDir dir("capi");
    writeArtifact(dir, plan, weights.substr(0, 60));
    EXPECT_EQ(codeOf(deepc_model_load(dir.path().c_str(), &model), &msg),
              DEEPC_CORRUPT_ARTIFACT);
    EXPECT_NE(msg.find("weights.bin is 60 bytes"), std::string::npos) << msg;
  }
  {
    ArtifactDir dir("capi");
    Plan bad = plan;
    PlanStep step = bad.steps[0];
    step.op = "deepc.frobnicate";
    step.body.clear();
    step.loc = "Frob_7";
    step.outputs = {3};
    bad.steps[1] = step;
    writeArtifact(dir, bad, weights);
    EXPECT_EQ(codeOf(deepc_model_load(dir.path().c_str(), &model), &msg),
              DEEPC_UNSUPPORTED);
    EXPECT_NE(msg.find("'deepc.frobnicate' (node 'Frob_7')"), std::string::npos)
        << msg;
  }
  {
    ArtifactDir dir("capi");
    Plan bad = plan;
    bad.codeLibrary = "model.so";
    writeArtifact(dir, bad, weights);
    EXPECT_EQ(codeOf(deepc_model_load(dir.path().c_str(), &model), &msg),
              DEEPC_NOT_FOUND);
    EXPECT_NE(msg.find("model.so"), std::string::npos) << msg;
  }
  EXPECT_EQ(model, nullptr);
}

TEST(RuntimeCApi, BindAndRunErrors) {
  ArtifactDir dir("capi");
  std::string weights;
  writeArtifact(dir, regionPlan(weights), weights);
  deepc::Model model;
  ASSERT_TRUE(deepc::Model::load(dir.path().c_str(), model).ok());
  deepc::Session session;
  ASSERT_TRUE(deepc::Session::create(model, session).ok());

  deepc::Error e = session.run();
  EXPECT_EQ(e.code(), DEEPC_FAILED_PRECONDITION);
  EXPECT_NE(e.message().find("input 'x' is not bound"), std::string::npos)
      << e.message();
  deepc_tensor_view out;
  EXPECT_EQ(session.output(0, out).code(), DEEPC_FAILED_PRECONDITION);

  std::vector<float> x(64);
  e = session.bindInput(0, x.data(), DEEPC_DTYPE_F16, {2, 4});
  EXPECT_EQ(e.code(), DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("expects dtype f32, got f16"), std::string::npos)
      << e.message();
  e = session.bindInput(0, x.data(), DEEPC_DTYPE_F32, {8});
  EXPECT_EQ(e.code(), DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("expects rank 2, got rank 1"), std::string::npos)
      << e.message();
  e = session.bindInput(0, x.data(), DEEPC_DTYPE_F32, {2, 5});
  EXPECT_EQ(e.code(), DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(e.message().find("dim 1 to be 4, got 5"), std::string::npos)
      << e.message();
  e = session.bindInput(0, x.data(), DEEPC_DTYPE_F32, {9, 4});
  EXPECT_EQ(e.code(), DEEPC_OUT_OF_RANGE);
  EXPECT_NE(e.message().find("input 'x': dim 0 ('seq') is 9, beyond its "
                             "compiled bound 8"),
            std::string::npos)
      << e.message();
  e = session.bindInput(0, nullptr, DEEPC_DTYPE_F32, {2, 4});
  EXPECT_EQ(e.code(), DEEPC_INVALID_ARGUMENT);
  e = session.bindInput(3, x.data(), DEEPC_DTYPE_F32, {2, 4});
  EXPECT_EQ(e.code(), DEEPC_INVALID_ARGUMENT);
  deepc_tensor_view tooDeep{};
  tooDeep.rank = 9;
  EXPECT_EQ(codeOf(deepc_session_bind_input(session.get(), 0, &tooDeep)),
            DEEPC_INVALID_ARGUMENT);
  // Failed binds leave the input unbound.
  EXPECT_EQ(session.run().code(), DEEPC_FAILED_PRECONDITION);
}

} // namespace
