//===- CudaExtraKernelsPlanTest.cpp - host plans of the extra CUDA kernels ===//
//
// What the CUDA kernels of deepc.gated_mlp, quantize/dequantize, qmatmul,
// topk and argmax decide on the host (cuda/ExtraKernelPlans.h): sizes,
// workspace chunks, the scale of each quantized element, the qmatmul path,
// the lines of a selection; and that the launch plan now runs these ops on
// the device. No GPU needed.
//
//===----------------------------------------------------------------------===//

#include "cuda/ExtraKernelPlans.h"

#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/cuda/CudaBackend.h"
#include "deepc/rt/cuda/CudaKernel.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

using namespace deepc::rt;
using namespace deepc::rt::cuda;

namespace {

TensorRef shaped(DType t, Shape s) {
  TensorRef r;
  r.dtype = t;
  r.shape = s;
  return r;
}

json::Value intArray(std::vector<int64_t> v) {
  json::Value a = json::Value::array();
  for (int64_t x : v)
    a.push(json::Value(x));
  return a;
}

/// A step over shape-only operands (no data), as a plan builder reads it.
struct StepFixture {
  PlanStep step;
  std::vector<TensorRef> inputs, outputs;

  StepFixture(const char *op, std::vector<TensorRef> in, int numOutputs = 1)
      : inputs(std::move(in)), outputs(size_t(numOutputs)) {
    step.op = op;
    step.loc = "n0";
  }
  KernelContext context() {
    return KernelContext(step, inputs.data(), int(inputs.size()),
                         outputs.data(), int(outputs.size()));
  }
};

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

TEST(CudaGatedMlpPlan, ActivationsAreTheOpsFour) {
  GatedActivation a;
  ASSERT_TRUE(parseGatedActivation("silu", a));
  EXPECT_EQ(a, GatedActivation::Silu);
  ASSERT_TRUE(parseGatedActivation("gelu", a));
  EXPECT_EQ(a, GatedActivation::Gelu);
  ASSERT_TRUE(parseGatedActivation("gelu_tanh", a));
  EXPECT_EQ(a, GatedActivation::GeluTanh);
  ASSERT_TRUE(parseGatedActivation("relu", a));
  EXPECT_EQ(a, GatedActivation::Relu);
  EXPECT_FALSE(parseGatedActivation("swish", a));
}

TEST(CudaGatedMlpPlan, ChunksRowsToFitTheWorkspace) {
  StepFixture f("deepc.gated_mlp", {shaped(DType::BF16, Shape{2, 50, 64}),
                                    shaped(DType::BF16, Shape{256, 64}),
                                    shaped(DType::BF16, Shape{48, 128})});
  f.step.attrs["activation"] = json::Value("gelu");
  KernelContext ctx = f.context();
  GatedMlpPlan p;
  ASSERT_TRUE(planGatedMlp(ctx, size_t(1) << 30, p).ok());
  EXPECT_EQ(p.tokens, 100);
  EXPECT_EQ(p.hidden, 64);
  EXPECT_EQ(p.inter, 128);
  EXPECT_EQ(p.out, 48);
  EXPECT_EQ(p.act, GatedActivation::Gelu);
  EXPECT_EQ(p.chunkRows, 100); // everything fits: one chunk
  EXPECT_GE(p.actOffset, size_t(100 * 256 * 4));
  EXPECT_EQ(p.actOffset % 256, 0u);
  EXPECT_EQ(p.workspaceBytes, p.actOffset + size_t(100 * 128 * 2));

  // A row takes 128 · (8 + 2) = 1280 bytes: 10 rows fit 12800 + slack.
  ASSERT_TRUE(planGatedMlp(ctx, 12900, p).ok());
  EXPECT_EQ(p.chunkRows, 10);
  EXPECT_EQ(p.workspaceBytes, p.actOffset + size_t(10 * 128 * 2));
  // Below one row, one row anyway.
  ASSERT_TRUE(planGatedMlp(ctx, 100, p).ok());
  EXPECT_EQ(p.chunkRows, 1);
}

TEST(CudaGatedMlpPlan, BadOperandsAreErrorsThatNameThem) {
  StepFixture f("deepc.gated_mlp", {shaped(DType::F32, Shape{4, 64}),
                                    shaped(DType::F32, Shape{256, 64}),
                                    shaped(DType::F32, Shape{64, 100})});
  KernelContext ctx = f.context();
  GatedMlpPlan p;
  Status s = planGatedMlp(ctx, kGatedMlpMaxWorkspace, p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("w_down must have shape"), std::string::npos)
      << s.message();
  f.inputs[2] = shaped(DType::F32, Shape{64, 128});
  f.step.attrs["activation"] = json::Value("swish");
  KernelContext ctx2 = f.context();
  s = planGatedMlp(ctx2, kGatedMlpMaxWorkspace, p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("unknown activation 'swish'"), std::string::npos)
      << s.message();
  f.step.attrs["activation"] = json::Value("silu");
  f.inputs[1].dtype = DType::BF16;
  KernelContext ctx3 = f.context();
  EXPECT_FALSE(planGatedMlp(ctx3, kGatedMlpMaxWorkspace, p).ok());
}

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

/// The scale element of input element `i` from the definition: the input's
/// coordinates with the axis coordinate divided by the block size (kept
/// alone, per axis), read in the scale's row-major order.
int64_t referenceScaleIndex(const Shape &in, int axis, int64_t blockSize,
                            bool perAxis, int64_t i) {
  int64_t coords[kMaxRank];
  for (int d = in.rank - 1; d >= 0; --d) {
    coords[d] = i % in[d];
    i /= in[d];
  }
  if (perAxis)
    return coords[axis];
  int64_t index = 0;
  for (int d = 0; d < in.rank; ++d) {
    int64_t extent = d == axis ? (in[d] + blockSize - 1) / blockSize : in[d];
    int64_t c = d == axis ? coords[d] / blockSize : coords[d];
    index = index * extent + c;
  }
  return index;
}

TEST(CudaQuantPlan, ScaleIndicesFollowTheGranularity) {
  Shape in{3, 10, 4};
  // Blocked along the middle axis (blocks of 4: 3 blocks, the last short).
  StepFixture blocked("deepc.quantize", {shaped(DType::F32, in),
                                         shaped(DType::F32, Shape{3, 3, 4})});
  blocked.step.attrs["axis"] = json::Value(int64_t(1));
  blocked.step.attrs["block_size"] = json::Value(int64_t(4));
  KernelContext ctx = blocked.context();
  QuantGranularity g;
  ASSERT_TRUE(planQuantGranularity(ctx, g).ok());
  EXPECT_EQ(g.kind, QuantGranularity::Blocked);
  for (int64_t i = 0; i < in.numel(); ++i)
    ASSERT_EQ(g.scaleIndex(i), referenceScaleIndex(in, 1, 4, false, i))
        << "element " << i;

  // Per axis, negative axis.
  StepFixture perAxis("deepc.dequantize",
                      {shaped(DType::I8, in), shaped(DType::F32, Shape{4}),
                       shaped(DType::I8, Shape{4})});
  perAxis.step.attrs["axis"] = json::Value(int64_t(-1));
  KernelContext ctx2 = perAxis.context();
  ASSERT_TRUE(planQuantGranularity(ctx2, g).ok());
  EXPECT_EQ(g.kind, QuantGranularity::PerAxis);
  for (int64_t i = 0; i < in.numel(); ++i)
    ASSERT_EQ(g.scaleIndex(i), referenceScaleIndex(in, 2, 1, true, i));

  // One scale: per tensor whatever the axis says.
  StepFixture perTensor("deepc.quantize",
                        {shaped(DType::F32, in), shaped(DType::F32, Shape{})});
  perTensor.step.attrs["axis"] = json::Value(int64_t(7));
  KernelContext ctx3 = perTensor.context();
  ASSERT_TRUE(planQuantGranularity(ctx3, g).ok());
  EXPECT_EQ(g.kind, QuantGranularity::PerTensor);
  EXPECT_EQ(g.scaleIndex(77), 0);
}

TEST(CudaQuantPlan, BadScalesAreErrors) {
  Shape in{3, 10};
  StepFixture f("deepc.quantize",
                {shaped(DType::F32, in), shaped(DType::F32, Shape{4})});
  f.step.attrs["axis"] = json::Value(int64_t(1));
  KernelContext ctx = f.context();
  QuantGranularity g;
  Status s = planQuantGranularity(ctx, g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("neither per-tensor"), std::string::npos)
      << s.message();
  f.step.attrs["block_size"] = json::Value(int64_t(-2));
  KernelContext ctx2 = f.context();
  EXPECT_FALSE(planQuantGranularity(ctx2, g).ok());
  f.step.attrs["block_size"] = json::Value(int64_t(3)); // wants [3, 4]
  KernelContext ctx3 = f.context();
  s = planQuantGranularity(ctx3, g);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("[3, 4]"), std::string::npos) << s.message();
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

TEST(CudaQMatmulPlan, FewRowsTakeTheGemvAndManyTheGemm) {
  auto plan = [](Shape x, QMatmulPlan &p) {
    StepFixture f("deepc.qmatmul",
                  {shaped(DType::BF16, x), shaped(DType::I4, Shape{96, 256}),
                   shaped(DType::BF16, Shape{96, 8}),
                   shaped(DType::I4, Shape{96, 8})});
    f.step.attrs["block"] = intArray({1, 32});
    KernelContext ctx = f.context();
    return planQMatmul(ctx, p);
  };
  QMatmulPlan p;
  ASSERT_TRUE(plan(Shape{2, 4, 256}, p).ok());
  EXPECT_EQ(p.m, 8);
  EXPECT_EQ(p.n, 96);
  EXPECT_EQ(p.k, 256);
  EXPECT_EQ(p.kBlocks, 8);
  EXPECT_TRUE(p.gemv);
  EXPECT_EQ(p.workspaceBytes, 0u);
  ASSERT_TRUE(plan(Shape{9, 256}, p).ok());
  EXPECT_FALSE(p.gemv);
  EXPECT_EQ(p.workspaceBytes, size_t(96 * 256 * 2));
  Status s = plan(Shape{9, 255}, p);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("K = 255"), std::string::npos) << s.message();
}

TEST(CudaQMatmulPlan, BadBlocksAndZeroPointsAreErrors) {
  StepFixture f("deepc.qmatmul", {shaped(DType::F32, Shape{2, 200}),
                                  shaped(DType::F8E4M3FN, Shape{130, 200}),
                                  shaped(DType::F32, Shape{2, 2})});
  f.step.attrs["block"] = intArray({128, 128});
  KernelContext ctx = f.context();
  QMatmulPlan p;
  ASSERT_TRUE(planQMatmul(ctx, p).ok());
  f.inputs.push_back(shaped(DType::F8E4M3FN, Shape{2, 2}));
  KernelContext ctx2 = f.context();
  EXPECT_FALSE(planQMatmul(ctx2, p).ok()) << "FP8 takes no zero points";
  f.inputs.pop_back();
  f.step.attrs["block"] = intArray({128});
  KernelContext ctx3 = f.context();
  EXPECT_FALSE(planQMatmul(ctx3, p).ok());
}

//===----------------------------------------------------------------------===//
// deepc.topk / deepc.argmax
//===----------------------------------------------------------------------===//

TEST(CudaSelectionPlan, LinesWalkTheAxis) {
  StepFixture f("deepc.topk", {shaped(DType::F32, Shape{2, 5, 3})}, 2);
  f.step.attrs["k"] = json::Value(int64_t(2));
  f.step.attrs["axis"] = json::Value(int64_t(1));
  KernelContext ctx = f.context();
  AxisLines lines;
  int64_t k = 0;
  ASSERT_TRUE(planTopK(ctx, lines, k).ok());
  EXPECT_EQ(k, 2);
  EXPECT_EQ(lines.lines, 6);
  EXPECT_EQ(lines.n, 5);
  EXPECT_EQ(lines.inner, 3);
  // Every element lies on exactly one line.
  std::vector<int> hits(30, 0);
  for (int64_t l = 0; l < lines.lines; ++l)
    for (int64_t i = 0; i < lines.n; ++i)
      ++hits[size_t(lines.base(l) + i * lines.inner)];
  for (int h : hits)
    EXPECT_EQ(h, 1);

  f.step.attrs["k"] = json::Value(int64_t(6));
  KernelContext ctx2 = f.context();
  Status s = planTopK(ctx2, lines, k);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("k (6) exceeds"), std::string::npos)
      << s.message();

  StepFixture a("deepc.argmax", {shaped(DType::F32, Shape{4, 0})});
  a.step.attrs["axis"] = json::Value(int64_t(-1));
  KernelContext ctx3 = a.context();
  s = planArgMax(ctx3, lines);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("empty axis"), std::string::npos) << s.message();
  // argmax's default axis is 0.
  StepFixture d("deepc.argmax", {shaped(DType::F32, Shape{4, 7})});
  KernelContext ctx4 = d.context();
  ASSERT_TRUE(planArgMax(ctx4, lines).ok());
  EXPECT_EQ(lines.n, 4);
  EXPECT_EQ(lines.inner, 7);
}

TEST(CudaSelectionPlan, ThreadsCoverShortLinesWithoutIdleWarps) {
  EXPECT_EQ(selectionThreads(1), 32);
  EXPECT_EQ(selectionThreads(33), 64);
  EXPECT_EQ(selectionThreads(128), 128);
  EXPECT_EQ(selectionThreads(100000), 256);
}

//===----------------------------------------------------------------------===//
// The launch plan
//===----------------------------------------------------------------------===//

struct MiniPlan {
  Plan plan;
  int value(DType t, std::vector<int64_t> dims) {
    PlanValue v;
    v.dtype = t;
    v.dims = std::move(dims);
    v.kind = ValueKind::Input;
    plan.values.push_back(v);
    return int(plan.values.size()) - 1;
  }
  PlanStep &step(const char *op, std::vector<int> in, std::vector<int> out) {
    PlanStep s;
    s.op = op;
    s.inputs = std::move(in);
    s.outputs = std::move(out);
    plan.steps.push_back(s);
    return plan.steps.back();
  }
};

TEST(CudaExtraLaunchPlan, TheNewOpsRunOnTheDevice) {
  MiniPlan b;
  int x = b.value(DType::BF16, {4, 64});
  int wgu = b.value(DType::BF16, {256, 64}),
      wd = b.value(DType::BF16, {64, 128});
  b.step("deepc.gated_mlp", {x, wgu, wd}, {b.value(DType::BF16, {4, 64})});
  int xf = b.value(DType::F32, {4, 64}), s = b.value(DType::F32, {1});
  int q = b.value(DType::I8, {4, 64});
  b.step("deepc.quantize", {xf, s, -1}, {q});
  b.step("deepc.dequantize", {q, s, -1}, {b.value(DType::BF16, {4, 64})});
  int w4 = b.value(DType::I4, {32, 64}), ws = b.value(DType::F32, {32, 2});
  b.step("deepc.qmatmul", {xf, w4, ws, -1}, {b.value(DType::F32, {4, 32})})
      .attrs["block"] = intArray({1, 32});
  b.step("deepc.topk", {xf},
         {b.value(DType::F32, {4, 2}), b.value(DType::I64, {4, 2})})
      .attrs["k"] = json::Value(int64_t(2));
  b.step("deepc.argmax", {xf}, {b.value(DType::I64, {64})});
  // Host: a result type the kernel does not write, bool keys, an i32
  // zero point.
  b.step("deepc.qmatmul", {xf, w4, ws, -1}, {b.value(DType::BF16, {4, 32})})
      .attrs["block"] = intArray({1, 32});
  int flags = b.value(DType::Bool, {4, 64});
  b.step("deepc.argmax", {flags}, {b.value(DType::I64, {64})});
  int zp = b.value(DType::I32, {1});
  b.step("deepc.dequantize", {q, s, zp}, {b.value(DType::F32, {4, 64})});

  LaunchPlan launch = buildLaunchPlan(b.plan, cpuKernels(), cudaKernels());
  ASSERT_EQ(launch.placement.size(), 9u);
  for (size_t i = 0; i < 6; ++i)
    EXPECT_EQ(launch.placement[i], StepPlacement::Device)
        << "step " << i << " (" << b.plan.steps[i].op << ")";
  for (size_t i = 6; i < 9; ++i)
    EXPECT_EQ(launch.placement[i], StepPlacement::Host)
        << "step " << i << " (" << b.plan.steps[i].op << ")";
  EXPECT_EQ(launch.summary(), "6 device, 0 view, 3 host steps (host: "
                              "deepc.argmax x1 deepc.dequantize x1 "
                              "deepc.qmatmul x1)");
}

} // namespace
