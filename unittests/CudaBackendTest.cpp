//===- CudaBackendTest.cpp - the CUDA backend -----------------------------===//
//
// Without a GPU (CI): the backend refuses to start with a clear message,
// and the launch plan (which steps run on the device, which fall back to
// the host, whether runs can be CUDA graphs) is checked as pure host logic.
// With a GPU: small plans run on both runtimes and must agree, and a plan
// of fixed shapes is captured and replayed.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/cuda/CudaBackend.h"
#include "ArtifactDir.h"
#include "deepc/rt/Artifact.h"
#include "deepc/rt/Executor.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Session.h"
#include "deepc/rt/cuda/CudaKernel.h"

#include "cuda/Geometry.h"
#include "cuda/OpAdapters.h"
#include "deepc_runtime.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

using namespace deepc::rt;
using namespace deepc::rt::cuda;

using deepc::test::ArtifactDir;

namespace {

//===----------------------------------------------------------------------===//
// Building plans and artifacts
//===----------------------------------------------------------------------===//

/// A plan under construction: values, steps and weights in one place.
struct PlanBuilder {
  Plan plan;
  std::string weights;

  int value(DType dtype, std::vector<int64_t> dims,
            ValueKind kind = ValueKind::Temp) {
    PlanValue v;
    v.dtype = dtype;
    v.dims = std::move(dims);
    v.kind = kind;
    v.name = "v" + std::to_string(plan.values.size());
    plan.values.push_back(v);
    return int(plan.values.size()) - 1;
  }
  int input(const std::string &name, DType dtype, std::vector<int64_t> dims,
            std::vector<std::string> dimNames = {}) {
    if (dimNames.empty())
      dimNames.assign(dims.size(), "");
    int id = value(dtype, dims, ValueKind::Input);
    plan.inputs.push_back({name, id, dimNames});
    return id;
  }
  int constant(DType dtype, std::vector<int64_t> dims, const void *bytes,
               size_t size) {
    int id = value(dtype, std::move(dims), ValueKind::Constant);
    plan.values[id].weightsOffset = weights.size();
    weights.append(static_cast<const char *>(bytes), size);
    weights.resize((weights.size() + kBufferAlignment - 1) / kBufferAlignment *
                   kBufferAlignment);
    plan.weightsBytes = weights.size();
    return id;
  }
  PlanStep &step(const std::string &op, std::vector<int> inputs,
                 std::vector<int> outputs) {
    PlanStep s;
    s.op = op;
    s.inputs = std::move(inputs);
    s.outputs = std::move(outputs);
    s.loc =
        op.substr(op.find('.') + 1) + "_" + std::to_string(plan.steps.size());
    plan.steps.push_back(s);
    return plan.steps.back();
  }
  /// A region of one instruction applied to its inputs.
  PlanStep &region(const std::string &op, std::vector<int> inputs, int output) {
    PlanStep &s = step("region", inputs, {output});
    RegionInstr instr;
    instr.op = op;
    for (size_t i = 0; i < inputs.size(); ++i)
      instr.args.push_back(int(i));
    instr.dtype = plan.values[output].dtype;
    s.body.push_back(instr);
    return s;
  }
  void output(const std::string &name, int id) {
    plan.outputs.push_back(
        {name, id, std::vector<std::string>(plan.values[id].dims.size(), "")});
  }

  /// Sizes and places the temporaries as the compiler does.
  void finish() {
    std::vector<const void *> constants(plan.values.size(), nullptr);
    for (size_t id = 0; id < plan.values.size(); ++id)
      if (plan.values[id].kind == ValueKind::Constant)
        constants[id] = weights.data() + plan.values[id].weightsOffset;
    ASSERT_TRUE(computeCapacities(plan, constants).ok());
    assignArenaOffsets(plan);
  }

  /// Writes the artifact; `target` is the manifest's ("cuda" artifacts
  /// without regions need no model_cuda.so).
  void write(const ArtifactDir &dir, const std::string &target = "cpu") const {
    Manifest m;
    m.deepcVersion = "test";
    m.target = target;
    m.weightsBytes = plan.weightsBytes;
    m.dimBounds = plan.dimBounds;
    auto tensor = [&](const PlanIO &io) {
      const PlanValue &v = plan.values[io.value];
      return ManifestTensor{io.name, v.dtype, v.dims, io.dimNames};
    };
    for (const PlanIO &io : plan.inputs)
      m.inputs.push_back(tensor(io));
    for (const PlanIO &io : plan.outputs)
      m.outputs.push_back(tensor(io));
    dir.writeFile("manifest.json", json::write(manifestToJson(m), true));
    dir.writeFile("plan.json", json::write(planToJson(plan), true));
    dir.writeFile("weights.bin", weights);
  }
};

json::Value ints(std::initializer_list<int64_t> values) {
  json::Value a = json::Value::array();
  for (int64_t v : values)
    a.push(json::Value(v));
  return a;
}

bool haveGpu() { return probeCudaDevice(0).ok(); }

//===----------------------------------------------------------------------===//
// Without a GPU
//===----------------------------------------------------------------------===//

TEST(CudaBackend, NoDeviceMessageSaysWhatToDo) {
  Status s = noCudaDeviceStatus("CUDA driver version is insufficient");
  EXPECT_EQ(s.code(), DEEPC_FAILED_PRECONDITION);
  EXPECT_EQ(s.message(),
            "no CUDA device: CUDA driver version is insufficient; run this "
            "artifact on a machine with an NVIDIA GPU, or on the CPU "
            "(deepc-run --device=cpu), or compile with --target=cpu");
}

TEST(CudaBackend, RefusesToStartWithoutAGpu) {
  PlanBuilder b;
  int x = b.input("x", DType::F32, {2, 4});
  int y = b.value(DType::F32, {2, 4});
  b.step("deepc.softmax", {x}, {y}).attrs["axis"] = json::Value(int64_t(-1));
  b.output("y", y);
  b.finish();
  ArtifactDir dir("cuda");
  b.write(dir);
  std::shared_ptr<Model> model;
  Status loaded = Model::load(dir.path(), cpuKernels(), model);
  ASSERT_TRUE(loaded.ok()) << loaded.message();

  if (haveGpu())
    GTEST_SKIP() << "this machine has a GPU";
  std::unique_ptr<CudaSession> session;
  Status s = CudaSession::create(model, CudaOptions(), session);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(s.message().rfind("no CUDA device: ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find("compile with --target=cpu"), std::string::npos)
      << s.message();
  // A bad ordinal fails the same way when there is no device at all.
  CudaOptions other;
  other.device = 3;
  EXPECT_FALSE(CudaSession::create(model, other, session).ok());
}

//===----------------------------------------------------------------------===//
// The launch plan
//===----------------------------------------------------------------------===//

TEST(CudaLaunchPlan, PlacesStepsByKernelAndType) {
  PlanBuilder b;
  int x = b.input("x", DType::F32, {2, 3, 8});
  float w[64] = {};
  int wf = b.constant(DType::F32, {8, 8}, w, sizeof(w));
  int64_t wi[64] = {};
  int xi = b.input("xi", DType::I64, {3, 8});
  int wiId = b.constant(DType::I64, {8, 8}, wi, sizeof(wi));
  int mm = b.value(DType::F32, {2, 3, 8});
  b.step("deepc.matmul", {x, wf}, {mm}); // 0: device (f32)
  int mmi = b.value(DType::I64, {3, 8});
  b.step("deepc.matmul", {xi, wiId}, {mmi}); // 1: host (integer GEMM)
  int flat = b.value(DType::F32, {6, 8});
  b.plan.values[flat].aliasOf = mm;
  b.step("deepc.reshape", {mm}, {flat}); // 2: view
  int half = b.value(DType::F16, {6, 8});
  b.region("deepc.cast", {flat}, half); // 3: device (lone cast)
  int sum = b.value(DType::F32, {6, 8});
  b.region("deepc.add", {flat, flat}, sum); // 4: host (region)
  int running = b.value(DType::F32, {6, 8});
  b.step("deepc.cumsum", {sum}, {running}).attrs["axis"] =
      json::Value(int64_t(1)); // 5: host (no CUDA kernel)
  int red = b.value(DType::I64, {3});
  b.step("deepc.reduce_sum", {mmi}, {red}).attrs["axes"] = ints({1});
  // 6: host (integer reduction)
  b.output("half", half);

  LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
  using P = StepPlacement;
  std::vector<P> expected = {P::Device, P::Host, P::View, P::Device,
                             P::Host,   P::Host, P::Host};
  ASSERT_EQ(launch.placement.size(), expected.size());
  for (size_t s = 0; s < expected.size(); ++s)
    EXPECT_EQ(launch.placement[s], expected[s])
        << "step " << s << " (" << b.plan.steps[s].op << ") is "
        << placementName(launch.placement[s]);
  EXPECT_NE(launch.kernels[0], nullptr);
  EXPECT_EQ(launch.kernels[1], nullptr);
  EXPECT_EQ(launch.numDevice, 2);
  EXPECT_EQ(launch.numView, 1);
  EXPECT_EQ(launch.numHost, 4);
  EXPECT_EQ(launch.hostOps["deepc.matmul"], 1);
  EXPECT_EQ(launch.hostOps["region"], 1);
  EXPECT_EQ(launch.summary(),
            "2 device, 1 view, 4 host steps (host: deepc.cumsum x1 "
            "deepc.matmul x1 deepc.reduce_sum x1 region x1)");
  EXPECT_EQ(launch.graphBlocker,
            "4 step(s) run on the host (deepc.cumsum, deepc.matmul, "
            "deepc.reduce_sum, region)");
}

TEST(CudaLaunchPlan, CoreOpsRunOnTheDeviceForFloatTypes) {
  struct Case {
    const char *op;
    DType in, out;
    bool device;
  };
  const Case cases[] = {
      {"deepc.softmax", DType::BF16, DType::BF16, true},
      {"deepc.softmax", DType::F8E4M3FN, DType::F8E4M3FN, false},
      {"deepc.rms_norm", DType::F16, DType::F16, true},
      {"deepc.layer_norm", DType::F32, DType::F32, true},
      {"deepc.reduce_max", DType::F32, DType::F32, true},
      {"deepc.reduce_max", DType::I32, DType::I32, false},
      {"deepc.transpose", DType::I64, DType::I64, true},
      {"deepc.transpose", DType::Bool, DType::Bool, true},
  };
  for (const Case &c : cases) {
    PlanBuilder b;
    int x = b.input("x", c.in, {4, 4});
    int y = b.value(c.out, {4, 4});
    b.step(c.op, {x}, {y});
    LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
    EXPECT_EQ(launch.placement[0] == StepPlacement::Device, c.device)
        << c.op << " on " << dtypeName(c.in);
  }
  // bf16 GEMMs may write f32; mixed operand types stay on the host.
  PlanBuilder b;
  int l = b.input("l", DType::BF16, {4, 8}),
      r = b.input("r", DType::BF16, {8, 2});
  int lf = b.input("lf", DType::F32, {4, 8});
  int y = b.value(DType::F32, {4, 2}), z = b.value(DType::F32, {4, 2});
  b.step("deepc.matmul", {l, r}, {y});
  b.step("deepc.matmul", {lf, r}, {z});
  LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
  EXPECT_EQ(launch.placement[0], StepPlacement::Device);
  EXPECT_EQ(launch.placement[1], StepPlacement::Host);
}

int compiledRegionStub(const deepc_region_args *, void *, int *) { return 0; }

TEST(CudaLaunchPlan, CompiledRegionsRunOnTheDevice) {
  PlanBuilder b;
  int x = b.input("x", DType::F32, {4});
  int y = b.value(DType::F32, {4}), z = b.value(DType::F32, {4});
  b.region("deepc.exp", {x}, y);
  b.region("deepc.add", {y, x}, z);
  // Only the second region has compiled code.
  std::vector<deepc_cuda_region_fn> fns = {nullptr, compiledRegionStub};
  LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels(), fns);
  EXPECT_EQ(launch.placement[0], StepPlacement::Host);
  EXPECT_EQ(launch.placement[1], StepPlacement::Device);
  EXPECT_EQ(launch.regionFns[1], &compiledRegionStub);
  EXPECT_EQ(launch.kernels[1], nullptr);
  fns[0] = compiledRegionStub;
  launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels(), fns);
  EXPECT_EQ(launch.numDevice, 2);
  EXPECT_TRUE(launch.graphEligible()) << launch.graphBlocker;
}

TEST(CudaLaunchPlan, GraphCaptureNeedsFixedShapesAndNoHostStep) {
  {
    PlanBuilder b;
    int x = b.input("x", DType::F32, {2, 4});
    int y = b.value(DType::F32, {2, 4});
    b.step("deepc.softmax", {x}, {y});
    b.output("y", y);
    LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
    EXPECT_TRUE(launch.graphEligible()) << launch.graphBlocker;
  }
  {
    PlanBuilder b;
    b.plan.dimBounds["seq"] = 16;
    int x = b.input("ids", DType::F32, {-1, 4}, {"seq", ""});
    int y = b.value(DType::F32, {-1, 4});
    b.step("deepc.softmax", {x}, {y});
    LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
    EXPECT_EQ(launch.graphBlocker, "input 'ids' has symbolic dims");
  }
  {
    PlanBuilder b;
    int x = b.input("x", DType::F32, {8});
    int nz = b.value(DType::I64, {1, -1});
    b.plan.values[nz].dynamic = true;
    b.plan.values[nz].name = "positions";
    b.step("deepc.nonzero", {x}, {nz});
    LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
    EXPECT_EQ(launch.placement[0], StepPlacement::Host);
    EXPECT_EQ(launch.graphBlocker, "'positions' has a data-dependent size");
  }
}

//===----------------------------------------------------------------------===//
// The kernels' host-side index math, walked on the host as the kernels
// walk it on the device
//===----------------------------------------------------------------------===//

/// The offset under `strides` of row-major element `index` of `dims` (the
/// device's offsetOf).
int64_t offsetOf(int64_t index, int rank, const int64_t *dims,
                 const int64_t *strides) {
  int64_t off = 0;
  for (int d = rank - 1; d >= 0; --d) {
    off += (index % dims[d]) * strides[d];
    index /= dims[d];
  }
  return off;
}

/// Copies as stridedCopyKernel does with the merged geometry, and as the
/// definition says with the original strides; both must agree.
void expectMergedCopyMatches(const Shape &shape, const int64_t *src,
                             const int64_t *dst, int expectedRank) {
  CopyGeometry g = mergeCopyDims(shape, src, dst);
  EXPECT_EQ(g.rank, expectedRank) << shape.str();
  int64_t n = shape.numel();
  std::vector<int64_t> viaMerged(size_t(4 * n), -1), viaDefinition = viaMerged;
  for (int64_t i = 0; i < n; ++i) {
    int64_t s = 0, d = 0, rest = i;
    for (int k = g.rank - 1; k >= 0; --k) {
      int64_t c = rest % g.dims[k];
      rest /= g.dims[k];
      s += c * g.srcStrides[k];
      d += c * g.dstStrides[k];
    }
    ASSERT_GE(d, 0);
    ASSERT_LT(d, int64_t(viaMerged.size()));
    viaMerged[d] = s;
    viaDefinition[offsetOf(i, shape.rank, shape.dims, dst)] =
        offsetOf(i, shape.rank, shape.dims, src);
  }
  EXPECT_EQ(viaMerged, viaDefinition) << shape.str();
}

TEST(CudaGeometry, MergedCopiesVisitTheSameElements) {
  int64_t dense[4] = {60, 20, 5, 1};
  // A dense copy is one run.
  expectMergedCopyMatches(Shape{3, 4, 5}, dense + 1, dense + 1, 1);
  // transpose [2, 3, 4, 5] by (0, 2, 1, 3): the innermost dim stays a run.
  int64_t permuted[4] = {60, 5, 20, 1}, out[4] = {60, 15, 5, 1};
  expectMergedCopyMatches(Shape{2, 4, 3, 5}, permuted, out, 4);
  // transpose by (0, 1, 3, 2) with a unit dim that is dropped.
  int64_t swapped[4] = {20, 20, 1, 5}, out2[4] = {20, 20, 4, 1};
  expectMergedCopyMatches(Shape{3, 1, 5, 4}, swapped, out2, 3);
  // concat's second input [2, 3, 4] written into a [2, 3, 7] output.
  int64_t in[3] = {12, 4, 1}, cat[3] = {21, 7, 1};
  expectMergedCopyMatches(Shape{2, 3, 4}, in, cat, 2);
  // expand [1, 5] -> [3, 5] (stride 0) and a sliced read with step -2.
  int64_t bcast[2] = {0, 1}, rows[2] = {5, 1};
  expectMergedCopyMatches(Shape{3, 5}, bcast, rows, 2);
  int64_t back[2] = {10, -2};
  expectMergedCopyMatches(Shape{3, 5}, back, rows, 2);
}

TEST(CudaGeometry, ReductionSplitSumsTheRightElements) {
  struct Case {
    Shape shape;
    std::vector<int> axes;
    int keptRank, reducedRank;
  };
  const Case cases[] = {
      {Shape{4, 6}, {1}, 1, 1},          // the last axis
      {Shape{4, 6}, {0}, 1, 1},          // the first axis
      {Shape{2, 3, 4, 5}, {1, 2}, 2, 1}, // adjacent axes merge
      {Shape{2, 3, 4, 5}, {0, 2}, 2, 2}, // interleaved
      {Shape{2, 1, 4}, {1}, 1, 0},       // a unit axis reduces nothing
      {Shape{3, 4}, {0, 1}, 0, 1},       // everything
  };
  for (const Case &c : cases) {
    bool reduced[kMaxRank] = {};
    for (int a : c.axes)
      reduced[a] = true;
    DeviceGeometry kept, red;
    splitReduction(c.shape, reduced, kept, red);
    EXPECT_EQ(kept.rank, c.keptRank) << c.shape.str();
    EXPECT_EQ(red.rank, c.reducedRank) << c.shape.str();
    int64_t outputs = 1, count = 1;
    for (int d = 0; d < kept.rank; ++d)
      outputs *= kept.dims[d];
    for (int d = 0; d < red.rank; ++d)
      count *= red.dims[d];
    ASSERT_EQ(outputs * count, c.shape.numel()) << c.shape.str();
    // Distinct-looking values, so that a wrong element shows up.
    std::vector<int64_t> values(size_t(c.shape.numel()));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = (i * 7919 + 13) % 1009;
    // The reference: output o sums the inputs whose kept coordinates,
    // in row-major order, number o.
    std::vector<int64_t> want(size_t(outputs), 0), got(size_t(outputs), 0);
    for (int64_t i = 0; i < c.shape.numel(); ++i) {
      int64_t rest = i, o = 0, scale = 1;
      for (int d = c.shape.rank - 1; d >= 0; --d) {
        int64_t coord = rest % c.shape.dims[d];
        rest /= c.shape.dims[d];
        if (!reduced[d]) {
          o += coord * scale;
          scale *= c.shape.dims[d];
        }
      }
      want[o] += values[i];
    }
    for (int64_t o = 0; o < outputs; ++o) {
      int64_t base = offsetOf(o, kept.rank, kept.dims, kept.strides);
      for (int64_t r = 0; r < count; ++r)
        got[o] += values[base + offsetOf(r, red.rank, red.dims, red.strides)];
    }
    EXPECT_EQ(got, want) << c.shape.str();
  }
}

TEST(CudaGeometry, SliceStartsReadWhatTheCpuSliceReads) {
  struct Case {
    std::vector<int64_t> starts, ends, steps;
  };
  const Case cases[] = {
      {{1, 0}, {3, 5}, {1, 2}},      {{-1, 4}, {-100, 0}, {-1, -2}},
      {{0, -3}, {100, 100}, {2, 1}}, {{5, 7}, {0, -100}, {-2, -3}},
      {{-100, 2}, {2, 3}, {1, 1}},
  };
  int64_t in[24];
  for (int i = 0; i < 24; ++i)
    in[i] = i;
  for (const Case &c : cases) {
    PlanStep step;
    step.op = "deepc.slice";
    step.attrs["axes"] = ints({0, 1});
    auto list = [](const std::vector<int64_t> &v) {
      json::Value a = json::Value::array();
      for (int64_t x : v)
        a.push(json::Value(x));
      return a;
    };
    step.attrs["starts"] = list(c.starts);
    step.attrs["ends"] = list(c.ends);
    step.attrs["steps"] = list(c.steps);
    TensorRef input{in, DType::I64, Shape{4, 6}};
    TensorRef output;
    output.dtype = DType::I64;
    KernelContext ctx(step, &input, 1, &output, 1);
    const KernelDef *cpu = cpuKernels().lookup("deepc.slice");
    ASSERT_TRUE(cpu->infer(ctx).ok());
    std::vector<int64_t> want(size_t(output.numel()));
    output.data = want.data();
    ASSERT_TRUE(cpu->run(ctx).ok());

    int64_t start[kMaxRank], stride[kMaxRank];
    sliceStarts(Attrs(step.attrs), input.shape, start, stride);
    std::vector<int64_t> got;
    for (int64_t i = 0; i < output.shape[0]; ++i)
      for (int64_t j = 0; j < output.shape[1]; ++j)
        got.push_back(
            in[(start[0] + i * stride[0]) * 6 + start[1] + j * stride[1]]);
    EXPECT_EQ(got, want) << "starts " << c.starts[0] << "," << c.starts[1];
  }
}

//===----------------------------------------------------------------------===//
// On a GPU: the same plan on both runtimes
//===----------------------------------------------------------------------===//

/// x[2, 3, 8] through matmul, rms_norm, softmax (both axis kinds),
/// transpose, reduce_sum, a cast region, concat, slice, gather and rotary;
/// with `hostStep`, a cumsum that has no CUDA kernel.
PlanBuilder corePlan(bool hostStep) {
  PlanBuilder b;
  int x = b.input("x", DType::F32, {2, 3, 8});
  float w[64], g[8], cosT[12], sinT[12];
  for (int i = 0; i < 64; ++i)
    w[i] = std::sin(0.37f * float(i)) * 0.5f;
  for (int i = 0; i < 8; ++i)
    g[i] = 1.0f + 0.1f * float(i);
  for (int i = 0; i < 12; ++i) {
    cosT[i] = std::cos(0.2f * float(i));
    sinT[i] = std::sin(0.2f * float(i));
  }
  int64_t picks[2] = {2, -3};
  int wId = b.constant(DType::F32, {8, 8}, w, sizeof(w));
  int gId = b.constant(DType::F32, {8}, g, sizeof(g));
  int cosId = b.constant(DType::F32, {3, 4}, cosT, sizeof(cosT));
  int sinId = b.constant(DType::F32, {3, 4}, sinT, sizeof(sinT));
  int pickId = b.constant(DType::I64, {2}, picks, sizeof(picks));

  int mm = b.value(DType::F32, {2, 3, 8});
  b.step("deepc.matmul", {x, wId}, {mm});
  int normed = b.value(DType::F32, {2, 3, 8});
  b.step("deepc.rms_norm", {mm, gId}, {normed}).attrs["epsilon"] =
      json::Value(1e-5);
  int probs = b.value(DType::F32, {2, 3, 8});
  b.step("deepc.softmax", {normed}, {probs}).attrs["axis"] =
      json::Value(int64_t(-1));
  int t = b.value(DType::F32, {2, 8, 3});
  b.step("deepc.transpose", {probs}, {t}).attrs["permutation"] =
      ints({0, 2, 1});
  int colProbs = b.value(DType::F32, {2, 8, 3});
  b.step("deepc.softmax", {t}, {colProbs}).attrs["axis"] =
      json::Value(int64_t(1));
  int sums = b.value(DType::F32, {2, 8});
  b.step("deepc.reduce_sum", {colProbs}, {sums}).attrs["axes"] = ints({2});
  int half = b.value(DType::F16, {2, 8});
  b.region("deepc.cast", {sums}, half);
  int cat = b.value(DType::F32, {2, 3, 16});
  b.step("deepc.concat", {normed, probs}, {cat}).attrs["axis"] =
      json::Value(int64_t(2));
  int sliced = b.value(DType::F32, {2, 3, 7});
  PlanStep &slice = b.step("deepc.slice", {cat}, {sliced});
  slice.attrs["axes"] = ints({2});
  slice.attrs["starts"] = ints({1});
  slice.attrs["ends"] = ints({15});
  slice.attrs["steps"] = ints({2});
  int gathered = b.value(DType::F32, {2, 2, 7});
  b.step("deepc.gather", {sliced, pickId}, {gathered}).attrs["axis"] =
      json::Value(int64_t(1));
  int rotated = b.value(DType::F32, {2, 3, 8});
  b.step("deepc.rotary", {mm, cosId, sinId}, {rotated}).attrs["layout"] =
      json::Value("interleaved");
  b.output("half", half);
  b.output("gathered", gathered);
  b.output("rotated", rotated);
  if (hostStep) {
    int running = b.value(DType::F32, {2, 3, 8});
    b.step("deepc.cumsum", {rotated}, {running}).attrs["axis"] =
        json::Value(int64_t(2));
    b.output("running", running);
  }
  b.finish();
  return b;
}

/// Runs both runtimes on `x` and compares every output.
void expectSameOutputs(Session &cpu, CudaSession &gpu, std::vector<float> &x) {
  TensorRef in;
  in.data = x.data();
  in.dtype = DType::F32;
  in.shape = Shape{2, 3, 8};
  ASSERT_TRUE(cpu.bindInput(0, in).ok());
  ASSERT_TRUE(gpu.bindInput(0, in).ok());
  Status ran = cpu.run();
  ASSERT_TRUE(ran.ok()) << ran.message();
  ran = gpu.run();
  ASSERT_TRUE(ran.ok()) << ran.message();
  for (size_t o = 0; o < cpu.model().numOutputs(); ++o) {
    TensorRef want, got;
    ASSERT_TRUE(cpu.output(o, want).ok());
    ASSERT_TRUE(gpu.output(o, got).ok());
    ASSERT_EQ(want.shape, got.shape) << "output " << o;
    ASSERT_EQ(want.dtype, got.dtype) << "output " << o;
    for (int64_t i = 0; i < want.numel(); ++i) {
      double a = loadAsDouble(want.data, want.dtype, i);
      double b = loadAsDouble(got.data, got.dtype, i);
      EXPECT_NEAR(a, b, 1e-4 + 2e-3 * std::fabs(a))
          << "output " << cpu.model().outputInfo(o).name << " element " << i;
    }
  }
}

void runBoth(bool hostStep, int runs, CudaRunStats &stats) {
  PlanBuilder b = corePlan(hostStep);
  ArtifactDir dir("cuda");
  b.write(dir);
  std::shared_ptr<Model> model;
  Status loaded = Model::load(dir.path(), cpuKernels(), model);
  ASSERT_TRUE(loaded.ok()) << loaded.message();
  std::unique_ptr<Session> cpu;
  ASSERT_TRUE(Session::create(model, cpu).ok());
  // The CPU reference runs everywhere, so the plan itself is tested in CI.
  std::vector<float> x(48);
  for (int i = 0; i < 48; ++i)
    x[i] = std::cos(0.3f * float(i));
  TensorRef in{x.data(), DType::F32, Shape{2, 3, 8}};
  ASSERT_TRUE(cpu->bindInput(0, in).ok());
  Status ran = cpu->run();
  ASSERT_TRUE(ran.ok()) << ran.message();

  if (!haveGpu())
    GTEST_SKIP() << "no GPU on this machine";
  std::unique_ptr<CudaSession> gpu;
  Status created = CudaSession::create(model, CudaOptions(), gpu);
  ASSERT_TRUE(created.ok()) << created.message();
  for (int r = 0; r < runs; ++r) {
    for (int i = 0; i < 48; ++i) // new values each run: replays must see them
      x[i] = std::cos(0.3f * float(i) + float(r));
    expectSameOutputs(*cpu, *gpu, x);
  }
  stats = gpu->stats();
}

TEST(CudaBackendOnGpu, CoreKernelsMatchTheCpuWithAHostFallback) {
  CudaRunStats stats;
  runBoth(/*hostStep=*/true, 2, stats);
  if (HasFatalFailure() || IsSkipped())
    return;
  EXPECT_EQ(stats.hostSteps, 2); // the cumsum, once a run
  EXPECT_FALSE(stats.graphCaptured);
  EXPECT_NE(stats.graphBlocker.find("run on the host"), std::string::npos)
      << stats.graphBlocker;
}

TEST(CudaBackendOnGpu, FixedShapesAreCapturedAndReplayed) {
  CudaRunStats stats;
  runBoth(/*hostStep=*/false, 4, stats);
  if (HasFatalFailure() || IsSkipped())
    return;
  EXPECT_TRUE(stats.graphCaptured) << stats.graphBlocker;
  EXPECT_EQ(stats.graphReplays, 2); // runs 3 and 4
  EXPECT_EQ(stats.hostSteps, 0);
}

//===----------------------------------------------------------------------===//
// The C API's choice of device (the CPU side runs everywhere)
//===----------------------------------------------------------------------===//

/// A loaded one-softmax artifact whose manifest names `target`.
struct SoftmaxArtifact {
  ArtifactDir dir{"cuda"};
  deepc_model model = nullptr;
  explicit SoftmaxArtifact(const std::string &target) {
    PlanBuilder b;
    int x = b.input("x", DType::F32, {2, 4});
    int y = b.value(DType::F32, {2, 4});
    b.step("deepc.softmax", {x}, {y}).attrs["axis"] = json::Value(int64_t(-1));
    b.output("y", y);
    b.finish();
    b.write(dir, target);
    deepc_status s = deepc_model_load(dir.path().c_str(), &model);
    EXPECT_EQ(s, nullptr) << deepc_status_message(s);
    deepc_status_free(s);
  }
  ~SoftmaxArtifact() { deepc_model_release(model); }
};

/// The status's code, freeing it.
deepc_status_code codeOf(deepc_status s, std::string *message = nullptr) {
  deepc_status_code code = deepc_status_get_code(s);
  if (message)
    *message = deepc_status_message(s);
  deepc_status_free(s);
  return code;
}

TEST(CudaDispatch, TheCpuRunsArtifactsOfEitherTarget) {
  for (const char *target : {"cpu", "cuda"}) {
    SoftmaxArtifact a(target);
    ASSERT_NE(a.model, nullptr);
    EXPECT_STREQ(deepc_model_target(a.model), target);
    deepc_session session = nullptr;
    ASSERT_EQ(
        codeOf(deepc_session_create_on(a.model, DEEPC_DEVICE_CPU, 0, &session)),
        DEEPC_OK);
    EXPECT_STREQ(deepc_session_device(session), "cpu");
    EXPECT_EQ(std::string(deepc_session_summary(session)).rfind("cpu: 1 steps"),
              0u);
    float x[8] = {0, 1, 2, 3, 4, 4, 4, 4};
    deepc_tensor_view in = {x, DEEPC_DTYPE_F32, 2, {2, 4}};
    ASSERT_EQ(codeOf(deepc_session_bind_input(session, 0, &in)), DEEPC_OK);
    ASSERT_EQ(codeOf(deepc_session_run(session)), DEEPC_OK);
    deepc_tensor_view out;
    ASSERT_EQ(codeOf(deepc_session_get_output(session, 0, &out)), DEEPC_OK);
    const float *y = static_cast<const float *>(out.data);
    EXPECT_NEAR(y[4], 0.25f, 1e-6); // the second row is uniform
    EXPECT_NEAR(y[0] + y[1] + y[2] + y[3], 1.0f, 1e-6);
    EXPECT_GT(y[3], y[2]);
    deepc_session_release(session);
  }
}

TEST(CudaDispatch, TheDefaultIsTheArtifactsTarget) {
  SoftmaxArtifact cpu("cpu");
  deepc_session session = nullptr;
  ASSERT_EQ(codeOf(deepc_session_create(cpu.model, &session)), DEEPC_OK);
  EXPECT_STREQ(deepc_session_device(session), "cpu");
  deepc_session_release(session);

  SoftmaxArtifact cuda("cuda");
  session = nullptr;
  std::string message;
  deepc_status_code code =
      codeOf(deepc_session_create(cuda.model, &session), &message);
  if (haveGpu()) {
    ASSERT_EQ(code, DEEPC_OK) << message;
    EXPECT_STREQ(deepc_session_device(session), "cuda:0");
    EXPECT_NE(std::string(deepc_session_summary(session)).find("1 device"),
              std::string::npos)
        << deepc_session_summary(session);
    deepc_session_release(session);
    return;
  }
  EXPECT_EQ(code, DEEPC_FAILED_PRECONDITION);
  EXPECT_EQ(message.rfind("no CUDA device: ", 0), 0u) << message;
  EXPECT_EQ(session, nullptr);
}

TEST(CudaDispatch, BadChoicesAreArgumentErrors) {
  SoftmaxArtifact a("cuda");
  deepc_session session = nullptr;
  std::string message;
  EXPECT_EQ(
      codeOf(deepc_session_create_on(a.model, DEEPC_DEVICE_CPU, 1, &session),
             &message),
      DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(message.find("device index 1 on the CPU"), std::string::npos)
      << message;
  EXPECT_EQ(
      codeOf(deepc_session_create_on(a.model, deepc_device(7), 0, &session),
             &message),
      DEEPC_INVALID_ARGUMENT);
  EXPECT_NE(message.find("unknown device 7"), std::string::npos) << message;
  EXPECT_NE(
      codeOf(deepc_session_create_on(a.model, DEEPC_DEVICE_CUDA, 99, &session)),
      DEEPC_OK);
  EXPECT_EQ(session, nullptr);
  EXPECT_EQ(deepc_runtime_has_cuda(), 1);
  EXPECT_STREQ(deepc_session_device(nullptr), "");
  EXPECT_STREQ(deepc_model_target(nullptr), "");
}

//===----------------------------------------------------------------------===//
// deepc.attention and deepc.moe: attributes and operands → params
//===----------------------------------------------------------------------===//

/// A distinct fake device address per operand: the builders copy pointers
/// and never read through them.
void *fakePointer(int i) {
  return reinterpret_cast<void *>(uintptr_t(0x1000) * uintptr_t(i + 1));
}

TEST(CudaAdapters, AttentionParamsFollowTheAttributes) {
  PlanStep step;
  step.op = "deepc.attention";
  step.attrs["num_heads"] = json::Value(int64_t(4));
  step.attrs["num_kv_heads"] = json::Value(int64_t(2));
  step.attrs["scale"] = json::Value(0.5);
  step.attrs["softcap"] = json::Value(30.0);
  step.attrs["causal"] = json::Value(true);
  step.attrs["window_left"] = json::Value(int64_t(8));
  step.attrs["num_global_tokens"] = json::Value(int64_t(2));
  TensorRef ins[6] = {
      {fakePointer(0), DType::BF16, Shape{2, 4, 3, 16}},
      {fakePointer(1), DType::BF16, Shape{2, 2, 5, 16}},
      {fakePointer(2), DType::BF16, Shape{2, 2, 5, 8}},
      {fakePointer(3), DType::Bool, Shape{1, 3, 5}},
      {fakePointer(4), DType::F32, Shape{4, 16, 1}},
      {fakePointer(5), DType::F16, Shape{4}},
  };
  TensorRef out{fakePointer(6), DType::BF16, Shape{2, 4, 3, 8}};
  KernelContext ctx(step, ins, 6, &out, 1);
  AttentionParams p;
  Status s = buildAttentionParams(ctx, p);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(p.dtype, DType::BF16);
  EXPECT_EQ(p.q, fakePointer(0));
  EXPECT_EQ(p.v, fakePointer(2));
  EXPECT_EQ(p.out, fakePointer(6));
  EXPECT_EQ(p.batch, 2);
  EXPECT_EQ(p.heads, 4);
  EXPECT_EQ(p.kvHeads, 2);
  EXPECT_EQ(p.seq, 3);
  EXPECT_EQ(p.kvSeq, 5);
  EXPECT_EQ(p.headDim, 16);
  EXPECT_EQ(p.vHeadDim, 8);
  EXPECT_EQ(p.qStrides[0], 4 * 3 * 16);
  EXPECT_EQ(p.kStrides[1], 5 * 16);
  EXPECT_EQ(p.outStrides[2], 8);
  EXPECT_FLOAT_EQ(p.scale, 0.5f);
  EXPECT_FLOAT_EQ(p.softcap, 30.0f);
  EXPECT_TRUE(p.rules.causal);
  EXPECT_EQ(p.rules.windowLeft, 8);
  EXPECT_EQ(p.rules.windowRight, -1);
  EXPECT_EQ(p.rules.globalTokens, 2);
  // The [1, 3, 5] mask broadcasts over batch and heads.
  EXPECT_EQ(p.maskKind, AttentionMaskKind::Bool);
  EXPECT_EQ(p.maskStrides[0], 0);
  EXPECT_EQ(p.maskStrides[1], 0);
  EXPECT_EQ(p.maskStrides[2], 5);
  EXPECT_EQ(p.maskStrides[3], 1);
  // [H, Dk, 1] with several keys: one gate per query.
  EXPECT_EQ(p.gate, fakePointer(4));
  EXPECT_FALSE(p.gatePerPair);
  EXPECT_EQ(p.sinks, fakePointer(5));
  EXPECT_EQ(p.sinksDType, DType::F16);
}

TEST(CudaAdapters, AttentionDefaultsMatchTheCpuKernel) {
  PlanStep step;
  step.op = "deepc.attention";
  step.attrs["num_heads"] = json::Value(int64_t(2));
  step.attrs["num_kv_heads"] = json::Value(int64_t(2));
  TensorRef ins[6] = {
      {fakePointer(0), DType::F32, Shape{1, 2, 1, 64}},
      {fakePointer(1), DType::F32, Shape{1, 2, 1, 64}},
      {fakePointer(2), DType::F32, Shape{1, 2, 1, 64}},
      TensorRef(),
      {fakePointer(4), DType::F32, Shape{2, 64, 1}},
      TensorRef(),
  };
  TensorRef out{fakePointer(6), DType::F32, Shape{1, 2, 1, 64}};
  KernelContext ctx(step, ins, 6, &out, 1);
  AttentionParams p;
  ASSERT_TRUE(buildAttentionParams(ctx, p).ok());
  EXPECT_FLOAT_EQ(p.scale, 0.125f); // 1 / sqrt(64)
  EXPECT_EQ(p.softcap, 0.0f);
  EXPECT_FALSE(p.rules.causal);
  EXPECT_EQ(p.maskKind, AttentionMaskKind::None);
  EXPECT_EQ(p.sinks, nullptr);
  // A single key: the CPU kernel reads [H, Dk, 1] as per pair.
  EXPECT_TRUE(p.gatePerPair);
}

TEST(CudaAdapters, MoeParamsFollowTheAttributes) {
  PlanStep step;
  step.op = "deepc.moe";
  step.attrs["top_k"] = json::Value(int64_t(2));
  step.attrs["n_group"] = json::Value(int64_t(2));
  step.attrs["topk_group"] = json::Value(int64_t(1));
  step.attrs["router"] = json::Value(std::string("sigmoid"));
  step.attrs["group_score"] = json::Value(std::string("max"));
  step.attrs["activation"] = json::Value(std::string("gelu_tanh"));
  step.attrs["renormalize"] = json::Value(true);
  step.attrs["routed_scaling_factor"] = json::Value(2.5);
  step.attrs["capacity_factor"] = json::Value(1.5);
  TensorRef ins[15];
  auto set = [&](int i, DType t, Shape shape) {
    ins[i] = TensorRef{fakePointer(i), t, shape};
  };
  set(kMoeHidden, DType::F16, Shape{2, 3, 8});
  set(kMoeRouter, DType::F16, Shape{4, 8});
  set(kMoeGateUp, DType::F16, Shape{4, 12, 8});
  set(kMoeDown, DType::F16, Shape{4, 8, 6});
  set(kMoeGateUpBias, DType::F32, Shape{4, 12});
  set(kMoeCorrectionBias, DType::F32, Shape{4});
  set(kMoeSharedGate, DType::F16, Shape{5, 8});
  set(kMoeSharedUp, DType::F16, Shape{5, 8});
  set(kMoeSharedDown, DType::F16, Shape{8, 5});
  set(kMoeSharedExpertGate, DType::BF16, Shape{1, 8});
  TensorRef out{fakePointer(20), DType::F16, Shape{2, 3, 8}};
  KernelContext ctx(step, ins, 15, &out, 1);
  MoeParams p;
  MoeSharedExperts shared;
  Status s = buildMoeParams(ctx, p, shared);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(p.dtype, DType::F16);
  EXPECT_EQ(p.tokens, 6);
  EXPECT_EQ(p.hidden, 8);
  EXPECT_EQ(p.experts, 4);
  EXPECT_EQ(p.inter, 6);
  EXPECT_EQ(p.topK, 2);
  EXPECT_EQ(p.wGateUp, fakePointer(kMoeGateUp));
  EXPECT_EQ(p.wGate, nullptr);
  EXPECT_EQ(p.wUp, nullptr);
  EXPECT_EQ(p.wDown, fakePointer(kMoeDown));
  EXPECT_EQ(p.gateUpBias, fakePointer(kMoeGateUpBias));
  EXPECT_EQ(p.correctionBias, fakePointer(kMoeCorrectionBias));
  EXPECT_EQ(p.biasDType, DType::F32);
  EXPECT_TRUE(p.sigmoidRouter);
  EXPECT_FALSE(p.groupTop2Sum);
  EXPECT_TRUE(p.renormalize);
  EXPECT_EQ(p.groups, 2);
  EXPECT_EQ(p.topGroups, 1);
  EXPECT_DOUBLE_EQ(p.routedScaling, 2.5);
  EXPECT_DOUBLE_EQ(p.capacityFactor, 1.5);
  EXPECT_TRUE(p.gated);
  EXPECT_EQ(p.activation, MoeActivation::GeluTanh);
  EXPECT_EQ(p.out, fakePointer(20));
  // The routed experts add onto the shared experts' output.
  EXPECT_TRUE(p.accumulate);
  EXPECT_TRUE(shared.present());
  EXPECT_EQ(shared.inter, 5);
  EXPECT_EQ(shared.gate, fakePointer(kMoeSharedGate));
  EXPECT_EQ(shared.down, fakePointer(kMoeSharedDown));
  EXPECT_EQ(shared.expertGate, fakePointer(kMoeSharedExpertGate));
  EXPECT_EQ(shared.expertGateDType, DType::BF16);

  // The CPU kernel's defaults, and its names in errors.
  PlanStep plain;
  plain.op = "deepc.moe";
  plain.attrs["top_k"] = json::Value(int64_t(1));
  for (int i = kMoeSharedGate; i <= kMoeSharedExpertGate; ++i)
    ins[i] = TensorRef();
  KernelContext plainCtx(plain, ins, 15, &out, 1);
  ASSERT_TRUE(buildMoeParams(plainCtx, p, shared).ok());
  EXPECT_FALSE(p.sigmoidRouter);
  EXPECT_TRUE(p.groupTop2Sum);
  EXPECT_EQ(p.activation, MoeActivation::Silu);
  EXPECT_DOUBLE_EQ(p.routedScaling, 1.0);
  EXPECT_DOUBLE_EQ(p.capacityFactor, 0.0);
  EXPECT_FALSE(p.accumulate);
  EXPECT_FALSE(shared.present());
  plain.attrs["activation"] = json::Value(std::string("swish"));
  KernelContext badCtx(plain, ins, 15, &out, 1);
  Status bad = buildMoeParams(badCtx, p, shared);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("unknown activation 'swish'"), std::string::npos)
      << bad.message();
}

TEST(CudaAdapters, TypesTheKernelsDoNotReadRunOnTheHost) {
  ASSERT_NE(cudaKernels().lookup("deepc.attention"), nullptr);
  ASSERT_NE(cudaKernels().lookup("deepc.moe"), nullptr);

  PlanBuilder b;
  int q = b.input("q", DType::F32, {1, 2, 4, 64});
  int wide = b.input("wide", DType::F32, {1, 2, 4, 512});
  int imask = b.input("imask", DType::I64, {1, 1, 4, 4});
  int bmask = b.input("bmask", DType::Bool, {1, 1, 4, 4});
  int y = b.value(DType::F32, {1, 2, 4, 64});
  int yWide = b.value(DType::F32, {1, 2, 4, 512});
  PlanStep plain = b.step("deepc.attention", {q, q, q, bmask}, {y});
  PlanStep intMask = b.step("deepc.attention", {q, q, q, imask}, {y});
  PlanStep wideHeads = b.step("deepc.attention", {wide, wide, wide}, {yWide});
  EXPECT_TRUE(attentionSupports(plain, b.plan));
  EXPECT_FALSE(attentionSupports(intMask, b.plan));
  EXPECT_FALSE(attentionSupports(wideHeads, b.plan));

  int x = b.input("x", DType::BF16, {6, 8});
  int routerF32 = b.input("router", DType::F32, {4, 8});
  int routerBf16 = b.input("router16", DType::BF16, {4, 8});
  int w = b.input("w", DType::BF16, {4, 6, 8});
  int down = b.input("down", DType::BF16, {4, 8, 6});
  int out = b.value(DType::BF16, {6, 8});
  PlanStep same = b.step("deepc.moe", {x, routerBf16, w, w, -1, down}, {out});
  PlanStep mixed = b.step("deepc.moe", {x, routerF32, w, w, -1, down}, {out});
  EXPECT_TRUE(moeSupports(same, b.plan));
  EXPECT_FALSE(moeSupports(mixed, b.plan));
}

} // namespace
