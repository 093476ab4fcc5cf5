//===- RowKernels.cu - norms, softmax and reductions on the GPU -----------===//
//
// Each of these reduces lines of its input: a norm the last dim of each
// row, softmax one axis, reduce_* any set of axes. A line that is
// contiguous (the common last-axis case) gets one block, whose threads
// stride over it and combine with warp shuffles; softmax over an inner axis
// gives each thread one line instead, so that neighbouring threads read
// neighbouring elements. Semantics follow src/cpu/Norm.cpp, Softmax.cpp and
// Reduce.cpp; statistics accumulate in f32 (the CPU uses double for norms
// and reductions, so results differ in the last bits).
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/DeviceMath.cuh"
#include "cuda/Geometry.h"

#include <vector>

namespace deepc::rt::cuda {
namespace {

//===----------------------------------------------------------------------===//
// rms_norm / layer_norm
//===----------------------------------------------------------------------===//

struct NormArgs {
  const void *x, *weight, *bias; // weight and bias may be null
  DType xType, weightType, biasType, yType;
  void *y;
  int64_t d;
  float epsilon;
  bool centered;
};

__global__ void normKernel(NormArgs a, int64_t rows) {
  __shared__ float shared[32];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    int64_t base = r * a.d;
    float mean = 0;
    if (a.centered) {
      float sum = 0;
      for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x)
        sum += loadFloat(a.x, a.xType, base + i);
      mean = blockReduce(sum, SumOp(), 0.0f, shared) / float(a.d);
    }
    float sq = 0;
    for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) {
      float c = loadFloat(a.x, a.xType, base + i) - mean;
      sq += c * c;
    }
    sq = blockReduce(sq, SumOp(), 0.0f, shared);
    float inv = rsqrtf(sq / float(a.d) + a.epsilon);
    for (int64_t i = threadIdx.x; i < a.d; i += blockDim.x) {
      float v = (loadFloat(a.x, a.xType, base + i) - mean) * inv;
      if (a.weight)
        v *= loadFloat(a.weight, a.weightType, i);
      if (a.bias)
        v += loadFloat(a.bias, a.biasType, i);
      storeFloat(a.y, a.yType, base + i, v);
    }
  }
}

/// Threads per block for lines of `n` elements: enough to cover short
/// lines without idle warps, 256 for long ones.
int lineThreads(int64_t n) {
  int threads = 32;
  while (threads < kThreadsPerBlock && threads < n)
    threads *= 2;
  return threads;
}

template <bool Centered> Status normRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  NormArgs a;
  a.x = in.data;
  a.xType = in.dtype;
  a.weight = ctx.hasInput(1) ? ctx.input(1).data : nullptr;
  a.weightType = ctx.hasInput(1) ? ctx.input(1).dtype : DType::Invalid;
  a.bias = Centered && ctx.hasInput(2) ? ctx.input(2).data : nullptr;
  a.biasType = a.bias ? ctx.input(2).dtype : DType::Invalid;
  a.y = out.data;
  a.yType = out.dtype;
  a.d = in.shape.dims[in.shape.rank - 1];
  // The attribute is an f32 in the IR, as the CPU kernel reads it.
  a.epsilon = float(ctx.attrs().getFloat("epsilon", Centered ? 1e-5 : 1e-6));
  a.centered = Centered;
  int64_t rows = a.d == 0 ? 0 : in.numel() / a.d;
  if (rows == 0)
    return okStatus();
  normKernel<<<unsigned(rows < kMaxBlocks ? rows : kMaxBlocks),
               lineThreads(a.d), 0, ctx.stream()>>>(a, rows);
  return ctx.checkLaunch();
}

bool normSupports(const PlanStep &step, const Plan &plan) {
  for (size_t i = 1; i < step.inputs.size(); ++i) {
    DType t = planInputDType(step, plan, i);
    if (t != DType::Invalid && !isDeviceFloat(t))
      return false;
  }
  return isDeviceFloat(planInputDType(step, plan, 0)) &&
         isDeviceFloat(planOutputDType(step, plan, 0));
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

/// One block per contiguous line (softmax over the last axis).
__global__ void softmaxRowKernel(const void *x, DType xType, void *y,
                                 DType yType, int64_t n, int64_t lines) {
  __shared__ float shared[32];
  for (int64_t l = blockIdx.x; l < lines; l += gridDim.x) {
    int64_t base = l * n;
    float m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
      m = fmaxf(m, loadFloat(x, xType, base + i));
    m = blockReduce(
        m, [](float a, float b) { return fmaxf(a, b); }, -INFINITY, shared);
    // A fully masked line (all -inf) gives 0/0 = NaN, as the CPU kernel
    // and onnxruntime do; only the shift is made finite.
    if (isinf(m) && m < 0)
      m = 0;
    float sum = 0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
      sum += expf(loadFloat(x, xType, base + i) - m);
    sum = blockReduce(sum, SumOp(), 0.0f, shared);
    float inv = 1.0f / sum;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x)
      storeFloat(y, yType, base + i,
                 expf(loadFloat(x, xType, base + i) - m) * inv);
  }
}

/// One thread per line [outer, n, inner] (softmax over an inner axis).
__global__ void softmaxStridedKernel(const void *x, DType xType, void *y,
                                     DType yType, int64_t n, int64_t inner,
                                     int64_t lines) {
  for (int64_t l = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; l < lines;
       l += int64_t(gridDim.x) * blockDim.x) {
    int64_t base = (l / inner) * n * inner + l % inner;
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i)
      m = fmaxf(m, loadFloat(x, xType, base + i * inner));
    if (isinf(m) && m < 0)
      m = 0;
    float sum = 0;
    for (int64_t i = 0; i < n; ++i)
      sum += expf(loadFloat(x, xType, base + i * inner) - m);
    float inv = 1.0f / sum;
    for (int64_t i = 0; i < n; ++i)
      storeFloat(y, yType, base + i * inner,
                 expf(loadFloat(x, xType, base + i * inner) - m) * inv);
  }
}

Status softmaxRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  const Shape &s = in.shape;
  int64_t axis = ctx.attrs().getInt("axis", -1);
  int a = int(axis < 0 ? axis + s.rank : axis);
  int64_t outer = 1, inner = 1, n = s.dims[a];
  for (int d = 0; d < a; ++d)
    outer *= s.dims[d];
  for (int d = a + 1; d < s.rank; ++d)
    inner *= s.dims[d];
  int64_t lines = outer * inner;
  if (lines == 0 || n == 0)
    return okStatus();
  if (inner == 1)
    softmaxRowKernel<<<unsigned(lines < kMaxBlocks ? lines : kMaxBlocks),
                       lineThreads(n), 0, ctx.stream()>>>(
        in.data, in.dtype, out.data, out.dtype, n, lines);
  else
    softmaxStridedKernel<<<gridFor(lines), kThreadsPerBlock, 0, ctx.stream()>>>(
        in.data, in.dtype, out.data, out.dtype, n, inner, lines);
  return ctx.checkLaunch();
}

bool floatInOut(const PlanStep &step, const Plan &plan) {
  return isDeviceFloat(planInputDType(step, plan, 0)) &&
         isDeviceFloat(planOutputDType(step, plan, 0));
}

//===----------------------------------------------------------------------===//
// reduce_sum / mean / max / min / prod (float types)
//===----------------------------------------------------------------------===//

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

struct ReduceArgs {
  const void *x;
  void *y;
  DType xType, yType;
  DeviceGeometry kept, reduced; // merged dims with their input strides
  ReduceKind kind;
};

template <typename Op>
__device__ float reduceLine(const ReduceArgs &a, int64_t base, int64_t count,
                            Op op, float identity, float *shared) {
  float acc = identity;
  for (int64_t r = threadIdx.x; r < count; r += blockDim.x)
    acc = op(acc, loadFloat(a.x, a.xType,
                            base + offsetOf(r, a.reduced.rank, a.reduced.dims,
                                            a.reduced.strides)));
  return blockReduce(acc, op, identity, shared);
}

/// One block per output element.
__global__ void reduceKernel(ReduceArgs a, int64_t outputs, int64_t count) {
  __shared__ float shared[32];
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {
    int64_t base = offsetOf(o, a.kept.rank, a.kept.dims, a.kept.strides);
    float v = 0;
    switch (a.kind) {
    case ReduceKind::Sum:
      v = reduceLine(a, base, count, SumOp(), 0.0f, shared);
      break;
    case ReduceKind::Mean:
      v = reduceLine(a, base, count, SumOp(), 0.0f, shared) / float(count);
      break;
    case ReduceKind::Prod:
      v = reduceLine(a, base, count, ProdOp(), 1.0f, shared);
      break;
    case ReduceKind::Max:
      v = reduceLine(a, base, count, MaxOp(), -INFINITY, shared);
      break;
    case ReduceKind::Min:
      v = reduceLine(a, base, count, MinOp(), INFINITY, shared);
      break;
    }
    if (threadIdx.x == 0)
      storeFloat(a.y, a.yType, o, v);
  }
}

template <ReduceKind Kind> Status reduceRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  bool reduced[kMaxRank] = {};
  for (int64_t axis : ctx.attrs().getInts("axes"))
    reduced[axis < 0 ? axis + in.shape.rank : axis] = true;
  ReduceArgs a;
  a.x = in.data;
  a.y = out.data;
  a.xType = in.dtype;
  a.yType = out.dtype;
  a.kind = Kind;
  splitReduction(in.shape, reduced, a.kept, a.reduced);
  int64_t outputs = out.numel(), count = 1;
  for (int d = 0; d < a.reduced.rank; ++d)
    count *= a.reduced.dims[d];
  if (outputs == 0)
    return okStatus();
  if (in.numel() == 0) // an empty reduction: sum 0, prod 1, max -inf, ...
    count = 0;
  reduceKernel<<<unsigned(outputs < kMaxBlocks ? outputs : kMaxBlocks),
                 lineThreads(count), 0, ctx.stream()>>>(a, outputs, count);
  return ctx.checkLaunch();
}

/// The CPU kernel requires the result type to be the input's.
bool reduceSupports(const PlanStep &step, const Plan &plan) {
  DType t = planInputDType(step, plan, 0);
  return isDeviceFloat(t) && planOutputDType(step, plan, 0) == t;
}

} // namespace

void registerRowKernels(CudaKernelRegistry &registry) {
  registry.add("deepc.rms_norm", {normRun<false>, normSupports});
  registry.add("deepc.layer_norm", {normRun<true>, normSupports});
  registry.add("deepc.softmax", {softmaxRun, floatInOut});
  registry.add("deepc.reduce_sum",
               {reduceRun<ReduceKind::Sum>, reduceSupports});
  registry.add("deepc.reduce_mean",
               {reduceRun<ReduceKind::Mean>, reduceSupports});
  registry.add("deepc.reduce_max",
               {reduceRun<ReduceKind::Max>, reduceSupports});
  registry.add("deepc.reduce_min",
               {reduceRun<ReduceKind::Min>, reduceSupports});
  registry.add("deepc.reduce_prod",
               {reduceRun<ReduceKind::Prod>, reduceSupports});
}

} // namespace deepc::rt::cuda
