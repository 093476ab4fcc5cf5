//===- CudaEpilogueMatchTest.cpp - which epilogues cuBLASLt fuses ---------===//
//
// matchGemmEpilogue on hand-built plans: a matmul x[4, 16] · w[16, 8]
// marked `epilogue`, then its region. The forms cuBLASLt computes in one
// call match (bias, relu, tanh gelu, residual, in any operand order); near
// misses that would change the numerics or that cuBLASLt cannot express
// do not. Then the run-time shape check, and the launch plan's counts.
//
//===----------------------------------------------------------------------===//

#include "cuda/EpilogueMatch.h"

#include "deepc/rt/Kernel.h"
#include "deepc/rt/cuda/CudaBackend.h"
#include "deepc/rt/cuda/CudaKernel.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace deepc::rt;
using namespace deepc::rt::cuda;

namespace {

constexpr int64_t kRows = 4, kCols = 8, kDepth = 16;

struct Operand {
  DType dtype;
  std::vector<int64_t> dims;
};

RegionInstr instr(const char *op, std::vector<int> args,
                  DType dtype = DType::F32) {
  RegionInstr i;
  i.op = op;
  i.args = std::move(args);
  i.dtype = dtype;
  return i;
}

RegionInstr gelu(int arg, const char *approximation) {
  RegionInstr i = instr("deepc.gelu", {arg});
  if (approximation)
    i.attrs["approximation"] = json::Value(approximation);
  return i;
}

RegionInstr constant(double value) {
  RegionInstr i = instr("deepc.constant", {});
  i.attrs["value"] = json::Value(value);
  return i;
}

/// Values: 0 x, 1 w, 2 the matmul's result, 3.. `others`, then the
/// region's output (of `outType`). Region-local 0 is the result, 1.. the
/// others, so that `body` reads them by those numbers.
Plan makePlan(const std::vector<Operand> &others, std::vector<RegionInstr> body,
              DType outType = DType::F32,
              const char *producer = "deepc.matmul") {
  Plan plan;
  auto value = [&](DType t, std::vector<int64_t> dims, ValueKind kind) {
    PlanValue v;
    v.dtype = t;
    v.dims = std::move(dims);
    v.kind = kind;
    plan.values.push_back(v);
    return int(plan.values.size()) - 1;
  };
  int x = value(DType::F32, {kRows, kDepth}, ValueKind::Input);
  int w = value(DType::F32, {kDepth, kCols}, ValueKind::Constant);
  int result = value(DType::F32, {kRows, kCols}, ValueKind::Temp);
  PlanStep matmul;
  matmul.op = producer;
  matmul.inputs = {x, w};
  matmul.outputs = {result};
  matmul.epilogue = true;
  plan.steps.push_back(matmul);

  PlanStep region;
  region.op = "region";
  region.inputs = {result};
  for (const Operand &o : others)
    region.inputs.push_back(value(o.dtype, o.dims, ValueKind::Input));
  region.outputs = {value(outType, {kRows, kCols}, ValueKind::Temp)};
  region.body = std::move(body);
  plan.steps.push_back(region);
  return plan;
}

const Operand kBias{DType::F32, {kCols}};
const Operand kResidual{DType::F32, {kRows, kCols}};

/// The epilogue's description, or "no match: <why>".
std::string match(const Plan &plan) {
  GemmEpilogue e;
  std::string why;
  if (!matchGemmEpilogue(plan, 0, e, &why))
    return "no match: " + why;
  return e.describe();
}

/// That `plan` does not match, for a reason mentioning `reason`.
testing::AssertionResult rejectedFor(const Plan &plan,
                                     const std::string &reason) {
  std::string got = match(plan);
  if (got.rfind("no match: ", 0) == 0 && got.find(reason) != std::string::npos)
    return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << "got '" << got << "', wanted a rejection for '" << reason << "'";
}

TEST(CudaEpilogueMatch, BiasAddInEitherOperandOrder) {
  EXPECT_EQ(match(makePlan({kBias}, {instr("deepc.add", {0, 1})})), "bias");
  EXPECT_EQ(match(makePlan({kBias}, {instr("deepc.add", {1, 0})})), "bias");
  // [1, N] is the same bias, broadcast over the rows.
  EXPECT_EQ(
      match(makePlan({{DType::F32, {1, kCols}}}, {instr("deepc.add", {1, 0})})),
      "bias");

  GemmEpilogue e;
  ASSERT_TRUE(
      matchGemmEpilogue(makePlan({kBias}, {instr("deepc.add", {1, 0})}), 0, e));
  EXPECT_EQ(e.resultInput, 0);
  EXPECT_EQ(e.biasInput, 1);
  EXPECT_EQ(e.residualInput, -1);
  EXPECT_EQ(e.activation, EpilogueActivation::None);
}

TEST(CudaEpilogueMatch, ActivationsAfterTheBias) {
  EXPECT_EQ(match(makePlan({kBias}, {instr("deepc.add", {0, 1}),
                                     instr("deepc.relu", {2})})),
            "bias+relu");
  EXPECT_EQ(
      match(makePlan({kBias}, {instr("deepc.add", {1, 0}), gelu(2, "tanh")})),
      "bias+gelu_tanh");
  EXPECT_EQ(match(makePlan({}, {instr("deepc.relu", {0})})), "relu");
  EXPECT_EQ(match(makePlan({}, {gelu(0, "tanh")})), "gelu_tanh");
  // relu as max(x, 0), the constant on either side.
  EXPECT_EQ(match(makePlan({kBias}, {constant(0), instr("deepc.add", {0, 1}),
                                     instr("deepc.max", {2, 3})})),
            "bias+relu");
  EXPECT_EQ(match(makePlan({}, {constant(0), instr("deepc.max", {1, 0})})),
            "relu");
}

TEST(CudaEpilogueMatch, ResidualIsTheCMatrix) {
  EXPECT_EQ(match(makePlan({kResidual}, {instr("deepc.add", {1, 0})})),
            "residual");
  // Bias and residual, nested either way, in either order.
  EXPECT_EQ(match(makePlan({kBias, kResidual}, {instr("deepc.add", {0, 1}),
                                                instr("deepc.add", {3, 2})})),
            "bias+residual");
  EXPECT_EQ(match(makePlan({kResidual, kBias}, {instr("deepc.add", {2, 0}),
                                                instr("deepc.add", {1, 3})})),
            "bias+residual");
  // cuBLASLt applies the activation to the whole sum, C included.
  EXPECT_EQ(match(makePlan({kBias, kResidual}, {instr("deepc.add", {0, 1}),
                                                instr("deepc.add", {3, 2}),
                                                instr("deepc.relu", {4})})),
            "bias+relu+residual");

  GemmEpilogue e;
  ASSERT_TRUE(matchGemmEpilogue(
      makePlan({kResidual, kBias},
               {instr("deepc.add", {2, 0}), instr("deepc.add", {1, 3})}),
      0, e));
  EXPECT_EQ(e.residualInput, 1);
  EXPECT_EQ(e.biasInput, 2);
}

TEST(CudaEpilogueMatch, ExactGeluIsNotTheTanhForm) {
  EXPECT_EQ(
      match(makePlan({kBias}, {instr("deepc.add", {0, 1}), gelu(2, nullptr)})),
      "no match: exact (erf) gelu: cuBLASLt's GELU is the tanh form");
  EXPECT_NE(
      match(makePlan({kBias}, {instr("deepc.add", {0, 1}), gelu(2, "none")}))
          .rfind("no match", 0),
      std::string::npos);
}

TEST(CudaEpilogueMatch, BiasesOfOtherShapesAreNotBiases) {
  const char *notBias = "is broadcast other than as a bias";
  // Wrong length.
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::F32, {kCols - 1}}}, {instr("deepc.add", {0, 1})}),
      notBias));
  // One value per row: broadcast along the rows, not the columns.
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::F32, {kRows, 1}}}, {instr("deepc.add", {0, 1})}),
      notBias));
  // More dims than the result: the output would be bigger.
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::F32, {1, 1, kCols}}}, {instr("deepc.add", {0, 1})}),
      notBias));
  // A scalar is a broadcast cuBLASLt's bias does not do.
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::F32, {1}}}, {instr("deepc.add", {0, 1})}), notBias));
}

TEST(CudaEpilogueMatch, OtherRegionsStayTwoLaunches) {
  // A third summed tensor.
  EXPECT_TRUE(rejectedFor(
      makePlan({kBias, kResidual, kResidual},
               {instr("deepc.add", {0, 1}), instr("deepc.add", {4, 2}),
                instr("deepc.add", {5, 3})}),
      "more than a bias and a residual"));
  // Two residuals (x + r1 + r2).
  EXPECT_TRUE(rejectedFor(
      makePlan({kResidual, kResidual},
               {instr("deepc.add", {0, 1}), instr("deepc.add", {3, 2})}),
      "two residuals"));
  // A multiply (a scale, SwiGLU's gate) is no epilogue of cuBLASLt's.
  EXPECT_TRUE(rejectedFor(makePlan({kResidual}, {instr("deepc.mul", {0, 1})}),
                          "deepc.mul is not an epilogue"));
  // The activation before the residual add: cuBLASLt's comes after it.
  EXPECT_TRUE(
      rejectedFor(makePlan({kBias, kResidual}, {instr("deepc.add", {0, 1}),
                                                instr("deepc.relu", {3}),
                                                instr("deepc.add", {4, 2})}),
                  "deepc.relu is not an epilogue"));
  // The result read twice (x + relu(x), SiLU's x * sigmoid(x)).
  EXPECT_TRUE(rejectedFor(
      makePlan({}, {instr("deepc.relu", {0}), instr("deepc.add", {0, 1})}),
      "region value 0 is read 2 times"));
  EXPECT_TRUE(rejectedFor(
      makePlan({}, {instr("deepc.sigmoid", {0}), instr("deepc.mul", {0, 1})}),
      "region value 0 is read 2 times"));
  // max with a constant other than 0 is a clamp, not a relu.
  EXPECT_TRUE(rejectedFor(
      makePlan({}, {constant(1), instr("deepc.max", {0, 1})}), "no relu"));
  // Adding a constant (a folded scalar) is not a bias.
  EXPECT_TRUE(
      rejectedFor(makePlan({}, {constant(1), instr("deepc.add", {0, 1})}),
                  "deepc.constant is not an epilogue"));
}

TEST(CudaEpilogueMatch, DTypesMustBeTheOutputs) {
  // A cast in the region: the output is no longer the GEMM's type.
  EXPECT_TRUE(rejectedFor(makePlan({},
                                   {instr("deepc.relu", {0}),
                                    instr("deepc.cast", {1}, DType::BF16)},
                                   DType::BF16),
                          "turns the f32 result into bf16"));
  // A bias or a residual of another type than D.
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::BF16, {kCols}}}, {instr("deepc.add", {0, 1})}),
      "is bf16, not f32"));
  EXPECT_TRUE(rejectedFor(
      makePlan({{DType::F16, {kRows, kCols}}}, {instr("deepc.add", {0, 1})}),
      "is f16, not f32"));
}

TEST(CudaEpilogueMatch, OnlyMarkedMatmuls) {
  GemmEpilogue e;
  Plan norm = makePlan({kBias}, {instr("deepc.add", {0, 1})}, DType::F32,
                       "deepc.rms_norm");
  EXPECT_FALSE(matchGemmEpilogue(norm, 0, e));
  Plan unmarked = makePlan({kBias}, {instr("deepc.add", {0, 1})});
  unmarked.steps[0].epilogue = false;
  EXPECT_FALSE(matchGemmEpilogue(unmarked, 0, e));
  // The region step itself is no producer.
  EXPECT_FALSE(matchGemmEpilogue(unmarked, 1, e));
}

TEST(CudaEpilogueMatch, ShapesAreCheckedAgainAtRunTime) {
  GemmEpilogue both;
  both.resultInput = 0;
  both.biasInput = 1;
  both.residualInput = 2;
  Shape result{2, 3, kCols};
  EXPECT_TRUE(epilogueShapesFit(both, result, result, Shape{kCols}, result));
  EXPECT_TRUE(
      epilogueShapesFit(both, result, result, Shape{1, 1, kCols}, result));
  EXPECT_FALSE(
      epilogueShapesFit(both, result, result, Shape{kCols - 1}, result));
  EXPECT_FALSE(
      epilogueShapesFit(both, result, result, Shape{3, kCols}, result));
  EXPECT_FALSE(epilogueShapesFit(both, result, result, Shape{kCols},
                                 Shape{1, 3, kCols}));
  EXPECT_FALSE(epilogueShapesFit(both, result, Shape{4, 3, kCols}, Shape{kCols},
                                 result));
  GemmEpilogue relu;
  relu.resultInput = 0;
  relu.activation = EpilogueActivation::Relu;
  EXPECT_TRUE(epilogueShapesFit(relu, result, result, Shape(), Shape()));
}

int compiledRegionStub(const deepc_region_args *, void *, int *) { return 0; }

TEST(CudaEpilogueMatch, LaunchPlanCountsFusedAndUnfused) {
  // A fusable matmul + bias, then a matmul whose region multiplies.
  Plan plan = makePlan({kBias}, {instr("deepc.add", {0, 1})});
  Plan other = makePlan({kResidual}, {instr("deepc.mul", {0, 1})});
  int offset = int(plan.values.size());
  for (PlanValue &v : other.values)
    plan.values.push_back(v);
  for (PlanStep step : other.steps) {
    for (int &id : step.inputs)
      id += offset;
    for (int &id : step.outputs)
      id += offset;
    plan.steps.push_back(step);
  }
  std::vector<deepc_cuda_region_fn> fns(plan.steps.size(), nullptr);
  fns[1] = fns[3] = compiledRegionStub;
  LaunchPlan launch = buildLaunchPlan(plan, cpuKernels(), cudaKernels(), fns);
  ASSERT_EQ(launch.fusedEpilogue.size(), plan.steps.size());
  EXPECT_TRUE(launch.fusedEpilogue[0]);
  EXPECT_FALSE(launch.fusedEpilogue[2]);
  EXPECT_EQ(launch.numEpilogueFused, 1);
  EXPECT_EQ(launch.numEpilogueUnfused, 1);
  EXPECT_EQ(launch.summary(),
            "4 device, 0 view, 0 host steps; 1 epilogue fused, 1 epilogue "
            "unfused");

  // Without the region's CUDA function the region runs on the host, and
  // the GEMM on its own.
  fns[1] = nullptr;
  launch = buildLaunchPlan(plan, cpuKernels(), cudaKernels(), fns);
  EXPECT_FALSE(launch.fusedEpilogue[0]);
  EXPECT_EQ(launch.numEpilogueUnfused, 2);
}

} // namespace
