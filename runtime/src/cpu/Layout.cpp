//===- Layout.cpp - transpose, concat, slice and trilu --------------------===//
//
// These run on activations in every layer, so they move bytes in the
// largest contiguous runs the layout allows (stridedCopy merges dims and
// memcpys runs) and split large copies over OpenMP threads.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"
#include "cpu/StridedCopy.h"

#include <algorithm>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

constexpr int64_t kParallelBytes = 1 << 16;

//===----------------------------------------------------------------------===//
// transpose: result.shape[i] = input.shape[permutation[i]]
//===----------------------------------------------------------------------===//

Status readPermutation(KernelContext &ctx, std::vector<int64_t> &perm) {
  const Shape &input = ctx.input(0).shape;
  perm = ctx.attrs().getInts("permutation");
  bool valid = int(perm.size()) == input.rank;
  bool seen[kMaxRank] = {};
  for (int64_t p : perm) {
    if (!valid || p < 0 || p >= input.rank || seen[p]) {
      valid = false;
      break;
    }
    seen[p] = true;
  }
  if (valid)
    return okStatus();
  std::string text;
  for (int64_t p : perm)
    text += (text.empty() ? "" : ", ") + std::to_string(p);
  return ctx.error("permutation [" + text + "] does not permute the dims of " +
                   input.str());
}

Status transposeInfer(KernelContext &ctx) {
  std::vector<int64_t> perm;
  DEEPC_RETURN_IF_ERROR(readPermutation(ctx, perm));
  const Shape &input = ctx.input(0).shape;
  Shape out;
  for (int64_t p : perm)
    out.push(input.dims[p]);
  ctx.output(0).shape = out;
  return okStatus();
}

Status transposeRun(KernelContext &ctx) {
  std::vector<int64_t> perm;
  DEEPC_RETURN_IF_ERROR(readPermutation(ctx, perm));
  const TensorRef &input = ctx.input(0);
  TensorRef &out = ctx.output(0);
  int64_t inStrides[kMaxRank], strides[kMaxRank];
  contiguousStrides(input.shape, inStrides);
  for (int d = 0; d < out.shape.rank; ++d)
    strides[d] = inStrides[perm[d]];
  stridedCopy(input.data, strides, out.shape, dtypeSize(input.dtype), out.data);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// concat
//===----------------------------------------------------------------------===//

Status concatInfer(KernelContext &ctx) {
  if (ctx.numInputs() == 0)
    return ctx.error("needs at least one input");
  Shape out = ctx.input(0).shape;
  int64_t axis = ctx.attrs().getInt("axis", 0);
  if (!normalizeAxis(axis, out.rank))
    return ctx.error("axis " + std::to_string(ctx.attrs().getInt("axis")) +
                     " is out of range for input 0 of shape " + out.str());
  for (int i = 1; i < ctx.numInputs(); ++i) {
    const Shape &shape = ctx.input(i).shape;
    bool same = shape.rank == out.rank;
    for (int d = 0; same && d < out.rank; ++d)
      same = d == axis || shape.dims[d] == out.dims[d];
    if (!same)
      return ctx.error("input " + std::to_string(i) + " has shape " +
                       shape.str() + " which differs from input 0 (" +
                       ctx.input(0).shape.str() + ") outside axis " +
                       std::to_string(axis));
    if (ctx.input(i).dtype != ctx.input(0).dtype)
      return ctx.error("input " + std::to_string(i) + " is " +
                       dtypeName(ctx.input(i).dtype) + " but input 0 is " +
                       dtypeName(ctx.input(0).dtype));
    out.dims[axis] += shape.dims[axis];
  }
  ctx.output(0).shape = out;
  return okStatus();
}

Status concatRun(KernelContext &ctx) {
  TensorRef &out = ctx.output(0);
  int64_t axis = ctx.attrs().getInt("axis", 0);
  normalizeAxis(axis, out.shape.rank); // infer() checked the range
  size_t esize = dtypeSize(out.dtype);
  // Each input contributes one block of dims[axis:] per outer index.
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d)
    outer *= out.shape.dims[d];
  int numInputs = ctx.numInputs();
  std::vector<int64_t> blockBytes(numInputs), dstOffset(numInputs);
  int64_t rowBytes = 0;
  for (int i = 0; i < numInputs; ++i) {
    int64_t inner = 1;
    for (int d = int(axis); d < out.shape.rank; ++d)
      inner *= ctx.input(i).shape.dims[d];
    blockBytes[i] = inner * int64_t(esize);
    dstOffset[i] = rowBytes;
    rowBytes += blockBytes[i];
  }
  char *dst = static_cast<char *>(out.data);
  bool parallel = rowBytes * outer >= kParallelBytes;
  // With one outer row (axis 0) parallelize over the inputs instead.
  if (outer == 1) {
#pragma omp parallel for if (parallel) schedule(dynamic)
    for (int i = 0; i < numInputs; ++i)
      std::memcpy(dst + dstOffset[i], ctx.input(i).data, size_t(blockBytes[i]));
    return okStatus();
  }
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t o = 0; o < outer; ++o)
    for (int i = 0; i < numInputs; ++i)
      std::memcpy(dst + o * rowBytes + dstOffset[i],
                  static_cast<const char *>(ctx.input(i).data) +
                      o * blockBytes[i],
                  size_t(blockBytes[i]));
  return okStatus();
}

//===----------------------------------------------------------------------===//
// slice (ONNX Slice with constant bounds)
//===----------------------------------------------------------------------===//

/// Per dim: the first index taken, the step, and the count.
struct SliceDims {
  int64_t start[kMaxRank], step[kMaxRank];
  Shape out;
};

Status resolveSlice(KernelContext &ctx, SliceDims &s) {
  const Shape &input = ctx.input(0).shape;
  std::vector<int64_t> axes = ctx.attrs().getInts("axes");
  std::vector<int64_t> starts = ctx.attrs().getInts("starts");
  std::vector<int64_t> ends = ctx.attrs().getInts("ends");
  std::vector<int64_t> steps = ctx.attrs().getInts("steps");
  if (starts.size() != axes.size() || ends.size() != axes.size() ||
      steps.size() != axes.size())
    return ctx.error("axes, starts, ends and steps must have the same length");
  s.out = input;
  bool sliced[kMaxRank] = {};
  for (int d = 0; d < input.rank; ++d) {
    s.start[d] = 0;
    s.step[d] = 1;
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = axes[i] < 0 ? axes[i] + input.rank : axes[i];
    if (axis < 0 || axis >= input.rank || sliced[axis])
      return ctx.error("axis " + std::to_string(axes[i]) +
                       " is out of range or repeated for input " + input.str());
    sliced[axis] = true;
    int64_t dim = input.dims[axis], step = steps[i];
    if (step == 0)
      return ctx.error("step for axis " + std::to_string(axes[i]) + " is 0");
    auto clampIndex = [&](int64_t index, int64_t lo, int64_t hi) {
      if (index < 0)
        index += dim;
      return std::clamp(index, lo, hi);
    };
    // Positive steps clamp to [0, dim]; negative steps to [-1, dim - 1].
    int64_t start, count;
    if (step > 0) {
      start = clampIndex(starts[i], 0, dim);
      int64_t end = clampIndex(ends[i], 0, dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = clampIndex(starts[i], -1, dim - 1);
      int64_t end = clampIndex(ends[i], -1, dim - 1);
      count = start > end ? (start - end - step - 1) / -step : 0;
    }
    s.start[axis] = start;
    s.step[axis] = step;
    s.out.dims[axis] = count;
  }
  return okStatus();
}

Status sliceInfer(KernelContext &ctx) {
  SliceDims s;
  DEEPC_RETURN_IF_ERROR(resolveSlice(ctx, s));
  ctx.output(0).shape = s.out;
  return okStatus();
}

Status sliceRun(KernelContext &ctx) {
  SliceDims s;
  DEEPC_RETURN_IF_ERROR(resolveSlice(ctx, s));
  const TensorRef &input = ctx.input(0);
  TensorRef &out = ctx.output(0);
  if (out.numel() == 0)
    return okStatus();
  int64_t inStrides[kMaxRank], strides[kMaxRank];
  contiguousStrides(input.shape, inStrides);
  int64_t base = 0;
  for (int d = 0; d < input.shape.rank; ++d) {
    base += s.start[d] * inStrides[d];
    strides[d] = s.step[d] * inStrides[d];
  }
  size_t esize = dtypeSize(input.dtype);
  stridedCopy(static_cast<const char *>(input.data) + base * int64_t(esize),
              strides, s.out, esize, out.data);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// trilu: keep j - i >= k (upper) or j - i <= k (lower) in the last two dims
//===----------------------------------------------------------------------===//

Status triluInfer(KernelContext &ctx) {
  const Shape &input = ctx.input(0).shape;
  if (input.rank < 2)
    return ctx.error("needs an input of rank 2 or more ([..., M, N]), got " +
                     input.str());
  ctx.output(0).shape = input;
  return okStatus();
}

Status triluRun(KernelContext &ctx) {
  const TensorRef &input = ctx.input(0);
  TensorRef &out = ctx.output(0);
  bool lower = ctx.attrs().getBool("lower", false);
  int64_t k = ctx.attrs().getInt("k", 0);
  int rank = input.shape.rank;
  int64_t rows = input.shape.dims[rank - 2], cols = input.shape.dims[rank - 1];
  int64_t numRows = rows ? input.numel() / cols : 0;
  if (cols == 0)
    return okStatus();
  size_t esize = dtypeSize(input.dtype);
  size_t rowBytes = size_t(cols) * esize;
  const char *src = static_cast<const char *>(input.data);
  char *dst = static_cast<char *>(out.data);
  bool parallel = int64_t(rowBytes) * numRows >= kParallelBytes;
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t r = 0; r < numRows; ++r) {
    int64_t i = r % rows;
    // Kept columns form one range [begin, end); the rest become 0, whose
    // bit pattern is all zeros in every dtype.
    int64_t begin = lower ? 0 : std::clamp(i + k, int64_t(0), cols);
    int64_t end = lower ? std::clamp(i + k + 1, int64_t(0), cols) : cols;
    char *row = dst + r * int64_t(rowBytes);
    const char *in = src + r * int64_t(rowBytes);
    std::memset(row, 0, size_t(begin) * esize);
    if (end > begin)
      std::memcpy(row + begin * int64_t(esize), in + begin * int64_t(esize),
                  size_t(end - begin) * esize);
    std::memset(row + std::max(begin, end) * int64_t(esize), 0,
                size_t(cols - std::max(begin, end)) * esize);
  }
  return okStatus();
}

} // namespace

void registerLayoutKernels(KernelRegistry &registry) {
  registry.add("deepc.transpose", {transposeInfer, transposeRun});
  registry.add("deepc.concat", {concatInfer, concatRun});
  registry.add("deepc.slice", {sliceInfer, sliceRun});
  registry.add("deepc.trilu", {triluInfer, triluRun});
}

} // namespace deepc::rt::cpu
