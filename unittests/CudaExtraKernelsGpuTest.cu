//===- CudaExtraKernelsGpuTest.cu - gated_mlp, quant, topk on the GPU -----===//
//
// Runs the CUDA kernels of deepc.gated_mlp, quantize, dequantize, qmatmul,
// topk and argmax through their registry entries, exactly as the backend
// does, on the same step and operands as the CPU kernels, and compares.
// Tolerances are relative to the output's scale (its largest magnitude):
// 1e-4 for f32 GEMMs, 2e-2 where a bf16 intermediate is rounded; the
// quantizers and the selections must match exactly. Skips without a GPU.
//
//===----------------------------------------------------------------------===//

#include "CudaTestUtil.h"
#include "KernelTestUtil.h"

#include "cuda/CudaKernels.h"

#include "deepc/rt/Kernel.h"
#include "deepc/rt/cuda/CudaKernel.h"
#include "deepc/rt/cuda/CudaLibraries.h"

#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

using namespace deepc::rt;
using namespace deepc::rt::cuda;
using namespace deepc::test;

namespace {

HostTensor randomFloats(std::mt19937 &rng, DType t, Shape s, double scale) {
  std::normal_distribution<double> dist(0.0, scale);
  std::vector<double> v(size_t(s.numel()));
  for (double &x : v)
    x = dist(rng);
  return fromDoubles(t, s, v);
}

HostTensor randomInts(std::mt19937 &rng, DType t, Shape s, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<int64_t> v(size_t(s.numel()));
  for (int64_t &x : v)
    x = dist(rng);
  return fromInts(t, s, v);
}

/// The step's results from the CPU kernel and from the CUDA kernel.
struct BothResults {
  std::vector<HostTensor> cpu, gpu;
};

/// Runs `step` on the CPU (infer, then run) and through the CUDA registry
/// on device copies of the same operands, with the CPU's result shapes.
/// Without a GPU it skips the test after the CPU half, so that CI still
/// checks that every case is a valid step.
void runBoth(const PlanStep &step, std::vector<HostTensor> inputs,
             const std::vector<DType> &outTypes, BothResults &r) {
  const KernelDef *cpuDef = cpuKernels().lookup(step.op);
  const CudaKernelDef *gpuDef = cudaKernels().lookup(step.op);
  ASSERT_NE(cpuDef, nullptr) << step.op;
  ASSERT_NE(gpuDef, nullptr) << step.op << " has no CUDA kernel";

  r.cpu.assign(outTypes.size(), HostTensor());
  for (size_t o = 0; o < outTypes.size(); ++o)
    r.cpu[o].dtype = outTypes[o];
  Status ranOnCpu = runCpuKernel(step, inputs, r.cpu);
  ASSERT_TRUE(ranOnCpu.ok()) << ranOnCpu.message();
  if (!haveGpu())
    GTEST_SKIP() << "no CUDA device";

  std::vector<void *> buffers;
  auto deviceCopy = [&](const TensorRef &host, bool upload) {
    TensorRef d = host;
    if (host.dtype == DType::Invalid)
      return d;
    size_t bytes = std::max<size_t>(host.bytes(), 1);
    EXPECT_EQ(cudaMalloc(&d.data, bytes), cudaSuccess);
    buffers.push_back(d.data);
    if (upload)
      cudaMemcpy(d.data, host.data, host.bytes(), cudaMemcpyHostToDevice);
    else
      cudaMemset(d.data, 0xff, bytes); // garbage the kernel must overwrite
    return d;
  };
  std::vector<TensorRef> din, dout;
  for (HostTensor &h : inputs)
    din.push_back(deviceCopy(h.ref(), true));
  for (HostTensor &h : r.cpu)
    dout.push_back(deviceCopy(h.ref(), false));
  std::unique_ptr<CudaLibraries> libs;
  Status created = CudaLibraries::create(libs);
  ASSERT_TRUE(created.ok()) << created.message();
  cudaStream_t stream;
  ASSERT_EQ(cudaStreamCreate(&stream), cudaSuccess);
  CudaKernelContext gpu(step, din.data(), int(din.size()), dout.data(),
                        int(dout.size()), stream, *libs, nullptr);
  Status ranOnGpu = gpuDef->run(gpu);
  EXPECT_TRUE(ranOnGpu.ok()) << ranOnGpu.message();
  EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  r.gpu = r.cpu;
  for (size_t o = 0; o < dout.size(); ++o)
    cudaMemcpy(r.gpu[o].bytes.data(), dout[o].data, dout[o].bytes(),
               cudaMemcpyDeviceToHost);
  cudaStreamDestroy(stream);
  for (void *p : buffers)
    cudaFree(p);
}

/// |cpu - gpu| <= tolerance · max|cpu| for every element (0 = exact).
void expectClose(const HostTensor &cpu, const HostTensor &gpu, double tolerance,
                 const std::string &what) {
  ASSERT_EQ(cpu.shape, gpu.shape) << what;
  double scale = 0;
  for (int64_t i = 0; i < cpu.shape.numel(); ++i)
    if (std::isfinite(cpu.at(i)))
      scale = std::max(scale, std::fabs(cpu.at(i)));
  int bad = 0;
  for (int64_t i = 0; i < cpu.shape.numel() && bad < 5; ++i) {
    double a = cpu.at(i), b = gpu.at(i);
    bool same = (std::isnan(a) && std::isnan(b)) || a == b ||
                std::fabs(a - b) <= tolerance * scale;
    if (!same) {
      ++bad;
      ADD_FAILURE() << what << ": element " << i << " is " << b
                    << " on the GPU, " << a << " on the CPU (scale " << scale
                    << ")";
    }
  }
}

/// Whether the last runBoth produced both results.
bool ranBoth() {
  return !testing::Test::HasFatalFailure() && !testing::Test::IsSkipped();
}

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

void checkGatedMlp(DType t, Shape x, int64_t inter, int64_t out,
                   const char *activation, double tolerance) {
  std::mt19937 rng(11);
  int64_t hidden = x[x.rank - 1];
  PlanStep step = makeStep("deepc.gated_mlp");
  step.attrs["activation"] = json::Value(activation);
  BothResults r;
  runBoth(step,
          {randomFloats(rng, t, x, 1.0),
           randomFloats(rng, t, Shape{2 * inter, hidden}, 0.2),
           randomFloats(rng, t, Shape{out, inter}, 0.2)},
          {t}, r);
  if (ranBoth())
    expectClose(r.cpu[0], r.gpu[0], tolerance,
                std::string(activation) + " " + dtypeName(t));
}

TEST(CudaGatedMlpOnGpu, F32MatchesTheCpuForEachActivation) {
  for (const char *act : {"silu", "gelu", "gelu_tanh", "relu"})
    checkGatedMlp(DType::F32, Shape{1, 5, 64}, 96, 48, act, 1e-4);
}

TEST(CudaGatedMlpOnGpu, DecodeAndPrefillInHalfTypes) {
  checkGatedMlp(DType::BF16, Shape{1, 128}, 256, 128, "silu", 2e-2);
  checkGatedMlp(DType::BF16, Shape{3, 33, 128}, 256, 128, "gelu_tanh", 2e-2);
  checkGatedMlp(DType::F16, Shape{17, 64}, 160, 64, "silu", 2e-2);
}

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

/// Values that hit the rounding and saturation cases: halves (which round
/// to even), the range ends, beyond them, and NaN.
std::vector<double> quantizeProbe(int64_t n, std::mt19937 &rng) {
  std::normal_distribution<double> dist(0.0, 40.0);
  std::vector<double> v(static_cast<size_t>(n));
  const double special[] = {0.5,    1.5, 2.5,  -0.5, -1.5, -2.5, 126.5, 127.5,
                            -128.5, 300, -300, NAN,  7.5,  -8.5, 1e30,  -1e30};
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = i < 16 ? special[i] : dist(rng);
  return v;
}

struct QuantCase {
  DType floatType, storage;
  Shape shape;
  int64_t axis, blockSize;
  Shape scaleShape; // {} rank 0: per-tensor scalar
  bool zeroPoint;
};

void checkQuantize(const QuantCase &c) {
  std::mt19937 rng(5);
  PlanStep step = makeStep("deepc.quantize");
  step.attrs["axis"] = json::Value(c.axis);
  if (c.blockSize)
    step.attrs["block_size"] = json::Value(c.blockSize);
  // Scales that are powers of two keep x / scale exact, so halves stay
  // halves; one non-power scale exercises the division's rounding.
  std::vector<double> scales(size_t(c.scaleShape.numel()));
  for (size_t i = 0; i < scales.size(); ++i)
    scales[i] = i % 3 == 2 ? 0.37 : std::ldexp(1.0, int(i % 3));
  HostTensor zp = absent();
  if (c.zeroPoint)
    zp = c.storage == DType::I4
             ? randomInts(rng, DType::I4, c.scaleShape, -3, 3)
             : randomInts(rng, c.storage, c.scaleShape, -20, 20);
  BothResults r;
  runBoth(
      step,
      {fromDoubles(c.floatType, c.shape, quantizeProbe(c.shape.numel(), rng)),
       fromDoubles(DType::F32, c.scaleShape, scales), zp},
      {c.storage}, r);
  if (testing::Test::HasFatalFailure())
    return;
  if (ranBoth())
    expectClose(r.cpu[0], r.gpu[0], 0,
                std::string("quantize to ") + dtypeName(c.storage));

  // And back.
  PlanStep back = makeStep("deepc.dequantize");
  back.attrs = step.attrs;
  BothResults b;
  runBoth(back,
          {r.cpu[0], fromDoubles(DType::F32, c.scaleShape, scales),
           c.zeroPoint ? zp : absent()},
          {c.floatType}, b);
  if (ranBoth())
    expectClose(b.cpu[0], b.gpu[0], 0,
                std::string("dequantize from ") + dtypeName(c.storage));
}

TEST(CudaQuantOnGpu, QuantizeAndDequantizeMatchTheCpuExactly) {
  // Per tensor with a zero point, per axis, blocked; i8, i4 and FP8.
  checkQuantize({DType::F32, DType::I8, Shape{4, 40}, -1, 0, Shape{1}, true});
  checkQuantize({DType::BF16, DType::I4, Shape{6, 32}, 0, 0, Shape{6}, true});
  checkQuantize(
      {DType::F32, DType::I8, Shape{3, 64}, 1, 16, Shape{3, 4}, true});
  checkQuantize(
      {DType::F16, DType::I4, Shape{2, 5, 24}, 2, 8, Shape{2, 5, 3}, false});
  checkQuantize(
      {DType::F32, DType::F8E4M3FN, Shape{8, 20}, 0, 0, Shape{8}, false});
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

void checkQMatmul(DType t, DType storage, Shape x, int64_t n,
                  std::vector<int64_t> block, bool zeroPoints,
                  double tolerance) {
  std::mt19937 rng(3);
  int64_t k = x[x.rank - 1];
  Shape scales{(n + block[0] - 1) / block[0], (k + block[1] - 1) / block[1]};
  HostTensor w =
      storage == DType::F8E4M3FN ? randomFloats(rng, storage, Shape{n, k}, 3.0)
      : storage == DType::I4     ? randomInts(rng, storage, Shape{n, k}, -8, 7)
                             : randomInts(rng, storage, Shape{n, k}, -128, 127);
  std::uniform_real_distribution<double> sd(0.005, 0.05);
  std::vector<double> s(size_t(scales.numel()));
  for (double &v : s)
    v = sd(rng);
  PlanStep step = makeStep("deepc.qmatmul");
  step.attrs["block"] = intArray(block);
  BothResults r;
  runBoth(step,
          {randomFloats(rng, t, x, 1.0), w, fromDoubles(t, scales, s),
           zeroPoints ? randomInts(rng, storage, scales, -4, 4) : absent()},
          {t}, r);
  if (ranBoth())
    expectClose(r.cpu[0], r.gpu[0], tolerance,
                std::string("qmatmul ") + dtypeName(t) + " x " +
                    dtypeName(storage) + " rows " +
                    std::to_string(x.numel() / k));
}

TEST(CudaQMatmulOnGpu, DecodeGemvMatchesTheCpu) {
  checkQMatmul(DType::F32, DType::I4, Shape{3, 256}, 96, {1, 32}, true, 1e-4);
  checkQMatmul(DType::F32, DType::I8, Shape{1, 1, 200}, 70, {1, 200}, false,
               1e-4);
  checkQMatmul(DType::BF16, DType::F8E4M3FN, Shape{8, 200}, 130, {128, 128},
               false, 2e-2);
}

TEST(CudaQMatmulOnGpu, PrefillGemmMatchesTheCpu) {
  checkQMatmul(DType::F32, DType::I4, Shape{2, 20, 256}, 96, {1, 32}, true,
               1e-4);
  checkQMatmul(DType::BF16, DType::I8, Shape{33, 192}, 64, {1, 64}, true, 2e-2);
  checkQMatmul(DType::F16, DType::F8E4M3FN, Shape{40, 200}, 130, {128, 128},
               false, 2e-2);
}

//===----------------------------------------------------------------------===//
// deepc.topk / deepc.argmax
//===----------------------------------------------------------------------===//

/// Integers in a small range (many ties) with a few NaNs when float.
HostTensor selectionInput(std::mt19937 &rng, DType t, Shape s) {
  std::uniform_int_distribution<int> dist(-50, 50);
  std::vector<double> v(size_t(s.numel()));
  for (size_t i = 0; i < v.size(); ++i)
    v[i] = isFloat(t) && i % 97 == 13 ? NAN : dist(rng) * 0.25;
  if (!isFloat(t))
    for (double &x : v)
      x = std::round(x * 4);
  return fromDoubles(t, s, v);
}

void checkTopK(DType t, Shape s, int64_t k, int64_t axis, bool largest) {
  std::mt19937 rng(9);
  PlanStep step = makeStep("deepc.topk");
  step.attrs["k"] = json::Value(k);
  step.attrs["axis"] = json::Value(axis);
  step.attrs["largest"] = json::Value(largest);
  BothResults r;
  runBoth(step, {selectionInput(rng, t, s)}, {t, DType::I64}, r);
  if (!ranBoth())
    return;
  std::string what = std::string("topk ") + dtypeName(t) + " " + s.str() +
                     " k " + std::to_string(k);
  expectClose(r.cpu[0], r.gpu[0], 0, what + " values");
  expectClose(r.cpu[1], r.gpu[1], 0, what + " indices");
}

TEST(CudaTopKOnGpu, SelectionsMatchTheCpuWithTiesAndNaN) {
  checkTopK(DType::F32, Shape{7, 1000}, 5, -1, true);
  checkTopK(DType::F32, Shape{7, 1000}, 5, -1, false);
  checkTopK(DType::BF16, Shape{3, 64}, 64, -1, true);  // a full sort
  checkTopK(DType::F16, Shape{2, 300, 4}, 8, 1, true); // an inner axis
  checkTopK(DType::I64, Shape{50, 3}, 3, 0, false);
  checkTopK(DType::F32, Shape{4, 4096}, 2, -1, true); // MoE-router-sized k
}

void checkArgMax(DType t, Shape s, int64_t axis, bool keepDims) {
  std::mt19937 rng(4);
  PlanStep step = makeStep("deepc.argmax");
  step.attrs["axis"] = json::Value(axis);
  step.attrs["keep_dims"] = json::Value(keepDims);
  BothResults r;
  runBoth(step, {selectionInput(rng, t, s)}, {DType::I64}, r);
  if (ranBoth())
    expectClose(r.cpu[0], r.gpu[0], 0,
                std::string("argmax ") + dtypeName(t) + " " + s.str());
}

TEST(CudaArgMaxOnGpu, FirstMaximumAsOnTheCpu) {
  checkArgMax(DType::F32, Shape{4, 3000}, -1, false);
  checkArgMax(DType::BF16, Shape{9, 5}, 0, true);
  checkArgMax(DType::I32, Shape{6, 33}, 1, false);
}

} // namespace
