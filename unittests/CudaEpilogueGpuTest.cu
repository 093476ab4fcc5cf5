//===- CudaEpilogueGpuTest.cu - cuBLASLt fused epilogues on the GPU -------===//
//
// A matmul and its epilogue region run as one cublasLtMatmul
// (runMatmulWithEpilogue) and are compared with the CPU: the CPU matmul
// kernel, then the region interpreter. Every form EpilogueMatch accepts is
// covered, in f32 (1e-4 of the output's scale) and bf16 (2e-2), on plain,
// row-folded and strided-batched GEMMs. Then a whole CudaSession runs a
// fused pair, is captured into a graph and replayed, and must agree with
// the CPU session. Skips without a GPU (after the CPU half).
//
//===----------------------------------------------------------------------===//

#include "cuda/EpilogueMatch.h"
#include "cuda/Gemm.h"

#include "deepc/rt/Artifact.h"
#include "deepc/rt/Executor.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Session.h"
#include "deepc/rt/cuda/CudaBackend.h"
#include "deepc/rt/cuda/CudaKernel.h"
#include "deepc/rt/cuda/CudaLibraries.h"

#include "ArtifactDir.h"
#include "CudaTestUtil.h"
#include "KernelTestUtil.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace deepc::rt;
using namespace deepc::rt::cuda;
using deepc::test::haveGpu;
using deepc::test::HostTensor;
using deepc::test::makeTensor;

namespace {

/// Normal(0, 1) values rounded to `t`.
HostTensor randomTensor(std::mt19937 &rng, DType t, Shape s) {
  std::normal_distribution<double> dist(0.0, 1.0);
  HostTensor h = makeTensor(t, s);
  for (int64_t i = 0; i < s.numel(); ++i)
    storeFromDouble(h.bytes.data(), t, i, dist(rng));
  return h;
}

RegionInstr instr(const char *op, std::vector<int> args, DType dtype) {
  RegionInstr i;
  i.op = op;
  i.args = std::move(args);
  i.dtype = dtype;
  return i;
}

/// One case: lhs · rhs, then a region over (result, others...).
struct EpilogueCase {
  std::string name;
  DType dtype;
  Shape lhs, rhs;
  std::vector<Shape> others; ///< the bias and/or residual, in region order
  std::vector<RegionInstr> body;
};

/// The plan of a case: values 0 lhs, 1 rhs, 2 result, 3.. others, then the
/// region's output.
Plan casePlan(const EpilogueCase &c, const Shape &result) {
  Plan plan;
  auto value = [&](const Shape &s) {
    PlanValue v;
    v.dtype = c.dtype;
    v.dims.assign(s.dims, s.dims + s.rank);
    plan.values.push_back(v);
    return int(plan.values.size()) - 1;
  };
  PlanStep matmul;
  matmul.op = "deepc.matmul";
  matmul.inputs = {value(c.lhs), value(c.rhs)};
  matmul.outputs = {value(result)};
  matmul.epilogue = true;
  PlanStep region;
  region.op = "region";
  region.inputs = {matmul.outputs[0]};
  for (const Shape &s : c.others)
    region.inputs.push_back(value(s));
  region.outputs = {value(result)};
  region.body = c.body;
  plan.steps = {matmul, region};
  return plan;
}

void *upload(const HostTensor &h, std::vector<void *> &owned) {
  void *p = nullptr;
  EXPECT_EQ(cudaMalloc(&p, std::max<size_t>(h.bytes.size(), 1)), cudaSuccess);
  cudaMemcpy(p, h.bytes.data(), h.bytes.size(), cudaMemcpyHostToDevice);
  owned.push_back(p);
  return p;
}

void expectClose(const HostTensor &cpu, const HostTensor &gpu, double tolerance,
                 const std::string &what) {
  double scale = 0;
  for (int64_t i = 0; i < cpu.shape.numel(); ++i)
    scale = std::max(scale, std::fabs(cpu.at(i)));
  int bad = 0;
  for (int64_t i = 0; i < cpu.shape.numel() && bad < 5; ++i)
    if (!(std::fabs(cpu.at(i) - gpu.at(i)) <= tolerance * scale)) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i << " is " << gpu.at(i)
                    << " on the GPU, " << cpu.at(i) << " on the CPU";
    }
}

/// Checks that the case matches, runs it both ways and compares.
void runCase(const EpilogueCase &c) {
  SCOPED_TRACE(c.name);
  std::mt19937 rng(11);
  HostTensor lhs = randomTensor(rng, c.dtype, c.lhs);
  HostTensor rhs = randomTensor(rng, c.dtype, c.rhs);
  std::vector<HostTensor> others;
  for (const Shape &s : c.others)
    others.push_back(randomTensor(rng, c.dtype, s));

  // CPU: the matmul, then the region interpreted.
  const KernelDef *matmulDef = cpuKernels().lookup("deepc.matmul");
  ASSERT_NE(matmulDef, nullptr);
  Plan shapesOnly = casePlan(c, Shape());
  TensorRef mmIns[2] = {lhs.ref(), rhs.ref()};
  HostTensor result;
  TensorRef mmOut;
  mmOut.dtype = c.dtype;
  KernelContext mm(shapesOnly.steps[0], mmIns, 2, &mmOut, 1);
  ASSERT_TRUE(matmulDef->infer(mm).ok());
  result.dtype = c.dtype;
  result.shape = mmOut.shape;
  result.bytes.resize(mmOut.bytes() + 1);
  mmOut.data = result.bytes.data();
  ASSERT_TRUE(matmulDef->run(mm).ok());

  Plan plan = casePlan(c, result.shape);
  GemmEpilogue epilogue;
  std::string why;
  ASSERT_TRUE(matchGemmEpilogue(plan, 0, epilogue, &why)) << why;

  std::vector<TensorRef> regionIns = {result.ref()};
  for (HostTensor &o : others)
    regionIns.push_back(o.ref());
  HostTensor want = result;
  TensorRef regionOut = want.ref();
  KernelContext region(plan.steps[1], regionIns.data(), int(regionIns.size()),
                       &regionOut, 1);
  Status interpreted = interpretRegion(region);
  ASSERT_TRUE(interpreted.ok()) << interpreted.message();
  if (!haveGpu())
    GTEST_SKIP() << "no CUDA device";

  // GPU: one cuBLASLt call into the region's output.
  std::vector<void *> owned;
  TensorRef dIns[2] = {lhs.ref(), rhs.ref()};
  dIns[0].data = upload(lhs, owned);
  dIns[1].data = upload(rhs, owned);
  TensorRef bias, residual;
  if (epilogue.biasInput >= 0) {
    bias = others[epilogue.biasInput - 1].ref();
    bias.data = upload(others[epilogue.biasInput - 1], owned);
  }
  if (epilogue.residualInput >= 0) {
    residual = others[epilogue.residualInput - 1].ref();
    residual.data = upload(others[epilogue.residualInput - 1], owned);
  }
  HostTensor got = want;
  TensorRef dOut = got.ref();
  ASSERT_EQ(cudaMalloc(&dOut.data, got.bytes.size()), cudaSuccess);
  owned.push_back(dOut.data);
  cudaMemset(dOut.data, 0xff, got.bytes.size());

  std::unique_ptr<CudaLibraries> libs;
  ASSERT_TRUE(CudaLibraries::create(libs).ok());
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  CudaKernelContext ctx(plan.steps[0], dIns, 2, &dOut, 1, stream, *libs,
                        nullptr);
  bool ran = false;
  Status status =
      runMatmulWithEpilogue(ctx, epilogue.activation, bias, residual, ran);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(ran) << "cuBLASLt declined the " << epilogue.describe()
                   << " epilogue";
  EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  cudaMemcpy(got.bytes.data(), dOut.data, got.bytes.size(),
             cudaMemcpyDeviceToHost);
  cudaStreamDestroy(stream);
  for (void *p : owned)
    cudaFree(p);
  if (ran)
    expectClose(want, got, c.dtype == DType::F32 ? 1e-4 : 2e-2,
                c.name + " (" + epilogue.describe() + ")");
}

std::vector<RegionInstr> biasThen(const char *activation, DType t) {
  std::vector<RegionInstr> body = {instr("deepc.add", {1, 0}, t)};
  if (activation) {
    body.push_back(instr(activation, {2}, t));
    if (std::string(activation) == "deepc.gelu")
      body.back().attrs["approximation"] = json::Value("tanh");
  }
  return body;
}

TEST(CudaEpilogueOnGpu, BiasAndActivations) {
  for (DType t : {DType::F32, DType::BF16}) {
    Shape x{24, 40}, w{40, 32}, bias{32};
    runCase({"bias", t, x, w, {bias}, biasThen(nullptr, t)});
    runCase({"bias+relu", t, x, w, {bias}, biasThen("deepc.relu", t)});
    runCase({"bias+gelu_tanh", t, x, w, {bias}, biasThen("deepc.gelu", t)});
    if (HasFatalFailure() || IsSkipped())
      return;
  }
  RegionInstr gelu = instr("deepc.gelu", {0}, DType::F32);
  gelu.attrs["approximation"] = json::Value("tanh");
  runCase({"gelu_tanh", DType::F32, Shape{8, 16}, Shape{16, 24}, {}, {gelu}});
  runCase({"relu",
           DType::F32,
           Shape{8, 16},
           Shape{16, 24},
           {},
           {instr("deepc.relu", {0}, DType::F32)}});
}

TEST(CudaEpilogueOnGpu, ResidualIsAddedAsC) {
  DType f = DType::F32;
  Shape x{24, 40}, w{40, 32}, out{24, 32}, bias{32};
  runCase({"residual", f, x, w, {out}, {instr("deepc.add", {0, 1}, f)}});
  runCase({"bias+residual",
           f,
           x,
           w,
           {bias, out},
           {instr("deepc.add", {0, 1}, f), instr("deepc.add", {2, 3}, f)}});
  runCase({"bias+relu+residual",
           f,
           x,
           w,
           {out, bias},
           {instr("deepc.add", {1, 0}, f), instr("deepc.add", {3, 2}, f),
            instr("deepc.relu", {4}, f)}});
}

TEST(CudaEpilogueOnGpu, BatchedGemms) {
  DType f = DType::F32;
  // nn.Linear on [B, S, K]: the batch folds into the rows.
  runCase({"folded rows",
           f,
           Shape{2, 12, 40},
           Shape{40, 32},
           {Shape{32}},
           biasThen("deepc.relu", f)});
  // A batch of weights: one strided-batched call, the bias the same for
  // every matrix, the residual strided like the output.
  runCase({"strided batch",
           f,
           Shape{3, 12, 40},
           Shape{3, 40, 32},
           {Shape{32}, Shape{3, 12, 32}},
           {instr("deepc.add", {0, 1}, f), instr("deepc.add", {3, 2}, f)}});
}

//===----------------------------------------------------------------------===//
// A whole session: the fused pair, captured and replayed
//===----------------------------------------------------------------------===//

/// Fails the run if the region ever launches: the epilogue must have run
/// inside the GEMM.
int regionMustNotRun(const deepc_region_args *, void *, int *) { return 99; }

TEST(CudaEpilogueOnGpu, SessionRunsThePairAsOneGemm) {
  constexpr int64_t M = 6, K = 16, N = 8;
  std::mt19937 rng(5);
  HostTensor w = randomTensor(rng, DType::F32, Shape{K, N});
  HostTensor b = randomTensor(rng, DType::F32, Shape{N});
  // w, then b at the next aligned offset.
  constexpr uint64_t kBiasOffset = K * N * sizeof(float);
  std::string weights(w.bytes.begin(), w.bytes.end() - 1);
  weights.append(b.bytes.begin(), b.bytes.end() - 1);

  Plan plan;
  auto value = [&](std::vector<int64_t> dims, ValueKind kind,
                   uint64_t offset = 0) {
    PlanValue v;
    v.dtype = DType::F32;
    v.dims = std::move(dims);
    v.kind = kind;
    v.weightsOffset = offset;
    plan.values.push_back(v);
    return int(plan.values.size()) - 1;
  };
  int x = value({M, K}, ValueKind::Input);
  int wId = value({K, N}, ValueKind::Constant, 0);
  int bId = value({N}, ValueKind::Constant, kBiasOffset);
  int mm = value({M, N}, ValueKind::Temp);
  int y = value({M, N}, ValueKind::Temp);
  plan.weightsBytes = weights.size();
  PlanStep matmul;
  matmul.op = "deepc.matmul";
  matmul.inputs = {x, wId};
  matmul.outputs = {mm};
  PlanStep region;
  region.op = "region";
  region.inputs = {mm, bId};
  region.outputs = {y};
  region.body = biasThen("deepc.gelu", DType::F32);
  plan.steps = {matmul, region};
  plan.inputs.push_back({"x", x, {"", ""}});
  plan.outputs.push_back({"y", y, {"", ""}});
  std::vector<const void *> constants(plan.values.size(), nullptr);
  constants[wId] = weights.data();
  constants[bId] = weights.data() + kBiasOffset;
  ASSERT_TRUE(computeCapacities(plan, constants).ok());
  assignArenaOffsets(plan);
  // Marked after sizing, as deepc does for CUDA: the result keeps a slot.
  plan.steps[0].epilogue = true;

  deepc::test::ArtifactDir dir("cuda-epilogue");
  Manifest m;
  m.deepcVersion = "test";
  m.target = "cuda";
  m.weightsBytes = plan.weightsBytes;
  m.inputs.push_back({"x", DType::F32, {M, K}, {"", ""}});
  m.outputs.push_back({"y", DType::F32, {M, N}, {"", ""}});
  dir.writeFile("manifest.json", json::write(manifestToJson(m), true));
  dir.writeFile("plan.json", json::write(planToJson(plan), true));
  dir.writeFile("weights.bin", weights);
  std::shared_ptr<Model> model;
  Status loaded = Model::load(dir.path(), cpuKernels(), model);
  ASSERT_TRUE(loaded.ok()) << loaded.message();

  std::unique_ptr<Session> cpu;
  ASSERT_TRUE(Session::create(model, cpu).ok());
  HostTensor input = randomTensor(rng, DType::F32, Shape{M, K});
  ASSERT_TRUE(cpu->bindInput(0, input.ref()).ok());
  Status ranCpu = cpu->run();
  ASSERT_TRUE(ranCpu.ok()) << ranCpu.message();
  if (!haveGpu())
    GTEST_SKIP() << "no CUDA device";

  CudaOptions options;
  options.regionFunctions = {nullptr, regionMustNotRun};
  std::unique_ptr<CudaSession> gpu;
  Status created = CudaSession::create(model, options, gpu);
  ASSERT_TRUE(created.ok()) << created.message();
  EXPECT_NE(gpu->summary().find("1 epilogue fused, 0 epilogues unfused"),
            std::string::npos)
      << gpu->summary();
  for (int run = 0; run < 3; ++run) {
    for (int64_t i = 0; i < M * K; ++i)
      storeFromDouble(input.bytes.data(), DType::F32, i,
                      std::sin(0.1 * double(i) + run));
    ASSERT_TRUE(cpu->bindInput(0, input.ref()).ok());
    ASSERT_TRUE(gpu->bindInput(0, input.ref()).ok());
    ASSERT_TRUE(cpu->run().ok());
    Status ran = gpu->run();
    ASSERT_TRUE(ran.ok()) << ran.message();
    TensorRef want, got;
    ASSERT_TRUE(cpu->output(0, want).ok());
    ASSERT_TRUE(gpu->output(0, got).ok());
    for (int64_t i = 0; i < M * N; ++i)
      EXPECT_NEAR(loadAsDouble(got.data, DType::F32, i),
                  loadAsDouble(want.data, DType::F32, i), 1e-4)
          << "run " << run << " element " << i;
  }
  EXPECT_TRUE(gpu->stats().graphCaptured) << gpu->stats().graphBlocker;
  EXPECT_EQ(gpu->stats().graphReplays, 1);
}

} // namespace
