//===- Softmax.cpp - softmax, topk and cumsum on the CPU ------------------===//
//
// All three work along one axis: the input is seen as [outer, n, inner] and
// each (outer, inner) pair is one independent line of n elements.
//
//===----------------------------------------------------------------------===//

#include "core/SelectionOrder.h"
#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <algorithm>
#include <numeric>
#include <vector>

namespace deepc::rt::cpu {
namespace {

/// [outer, n, inner] around an axis.
struct AxisView {
  int axis = 0;
  int64_t outer = 1, n = 1, inner = 1;
  int64_t lines() const { return outer * inner; }
  /// Offset of element 0 of line `l`.
  int64_t base(int64_t l) const { return (l / inner) * n * inner + l % inner; }
};

Status axisView(KernelContext &ctx, int64_t axisAttr, AxisView &v) {
  const Shape &in = ctx.input(0).shape;
  if (!normalizeAxis(axisAttr, in.rank, v.axis))
    return ctx.error("axis " + std::to_string(axisAttr) +
                     " is out of range for an input of rank " +
                     std::to_string(in.rank));
  v.outer = dimProduct(in, 0, v.axis);
  v.n = in[v.axis];
  v.inner = dimProduct(in, v.axis + 1, in.rank);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// softmax
//===----------------------------------------------------------------------===//

Status inferSoftmax(KernelContext &ctx) {
  AxisView v;
  DEEPC_RETURN_IF_ERROR(axisView(ctx, ctx.attrs().getInt("axis", -1), v));
  if (!isFloat(ctx.input(0).dtype))
    return ctx.error(std::string("input must be a float tensor, got ") +
                     dtypeName(ctx.input(0).dtype));
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

Status runSoftmax(KernelContext &ctx) {
  AxisView v;
  DEEPC_RETURN_IF_ERROR(axisView(ctx, ctx.attrs().getInt("axis", -1), v));
  TensorRef &out = ctx.output(0);
  const float *x = f32Values(ctx, ctx.input(0));
  float *y = f32Results(ctx, out);
  if (!x || !y)
    return outOfMemory(ctx);
  int64_t n = v.n, inner = v.inner;
#pragma omp parallel for num_threads(threadCount(ctx)) if (v.lines() * n >     \
                                                           16384)
  for (int64_t l = 0; l < v.lines(); ++l) {
    const float *xl = x + v.base(l);
    float *yl = y + v.base(l);
    float m = -INFINITY;
    for (int64_t i = 0; i < n; ++i)
      m = std::max(m, xl[i * inner]);
    // A line of -inf (fully masked) would give 0/0; ONNX Runtime gives NaN
    // there too, so keep the formula as is, except for the max shift.
    if (std::isinf(m) && m < 0)
      m = 0;
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      float e = std::exp(xl[i * inner] - m);
      yl[i * inner] = e;
      sum += e;
    }
    float inv = 1.0f / sum;
    for (int64_t i = 0; i < n; ++i)
      yl[i * inner] *= inv;
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// topk
//===----------------------------------------------------------------------===//

Status topkAxis(KernelContext &ctx, AxisView &v, int64_t &k) {
  const Shape &in = ctx.input(0).shape;
  if (in.rank == 0)
    return ctx.error("cannot select from a scalar");
  DEEPC_RETURN_IF_ERROR(axisView(ctx, ctx.attrs().getInt("axis", -1), v));
  k = ctx.attrs().getInt("k", -1);
  if (k < 1)
    return ctx.error("k (" + std::to_string(k) + ") must be at least 1");
  if (k > v.n)
    return ctx.error("k (" + std::to_string(k) + ") exceeds the size of axis " +
                     std::to_string(v.axis) + " (" + std::to_string(v.n) +
                     ") of " + in.str());
  return okStatus();
}

Status inferTopK(KernelContext &ctx) {
  AxisView v;
  int64_t k;
  DEEPC_RETURN_IF_ERROR(topkAxis(ctx, v, k));
  if (ctx.numOutputs() != 2)
    return ctx.error("expects 2 results (values, indices), got " +
                     std::to_string(ctx.numOutputs()));
  Shape out = ctx.input(0).shape;
  out[v.axis] = k;
  ctx.output(0).shape = out;
  ctx.output(1).shape = out;
  return okStatus();
}

/// Selects the k best of each line by key; ties keep the lower index first.
template <typename Key>
void selectTopK(KernelContext &ctx, const AxisView &v, int64_t k, bool largest,
                const Key *keys, const TensorRef &in, TensorRef &values,
                TensorRef &indices) {
  size_t elem = dtypeSize(in.dtype);
  const unsigned char *src = in.as<const unsigned char>();
  unsigned char *dst = values.as<unsigned char>();
  int64_t *idx = indices.as<int64_t>();
  int64_t n = v.n, inner = v.inner;
#pragma omp parallel num_threads(threadCount(ctx)) if (v.lines() * n > 16384)
  {
    std::vector<int64_t> order(static_cast<size_t>(n));
#pragma omp for
    for (int64_t l = 0; l < v.lines(); ++l) {
      int64_t base = v.base(l);
      std::iota(order.begin(), order.end(), 0);
      // The order the CUDA kernels select in too (NaN largest, ties to the
      // lower index).
      auto better = [&](int64_t a, int64_t b) {
        return selectedBefore(keys[base + a * inner], a, keys[base + b * inner],
                              b, largest);
      };
      std::partial_sort(order.begin(), order.begin() + k, order.end(), better);
      int64_t outBase = (l / inner) * k * inner + l % inner;
      for (int64_t j = 0; j < k; ++j) {
        int64_t o = outBase + j * inner;
        idx[o] = order[j];
        std::memcpy(dst + o * elem, src + (base + order[j] * inner) * elem,
                    elem);
      }
    }
  }
}

Status runTopK(KernelContext &ctx) {
  AxisView v;
  int64_t k;
  DEEPC_RETURN_IF_ERROR(topkAxis(ctx, v, k));
  TensorRef &in = ctx.input(0);
  bool largest = ctx.attrs().getBool("largest", true);
  // Sorted output is one valid order for `sorted = false` as well.
  if (isFloat(in.dtype)) {
    const float *keys = f32Values(ctx, in);
    if (!keys)
      return outOfMemory(ctx);
    selectTopK(ctx, v, k, largest, keys, in, ctx.output(0), ctx.output(1));
    return okStatus();
  }
  int64_t *keys = static_cast<int64_t *>(ctx.scratch(size_t(in.numel()) * 8));
  if (!keys)
    return outOfMemory(ctx);
  for (int64_t i = 0; i < in.numel(); ++i)
    keys[i] = loadAsInt64(in.data, in.dtype, i);
  selectTopK(ctx, v, k, largest, keys, in, ctx.output(0), ctx.output(1));
  return okStatus();
}

//===----------------------------------------------------------------------===//
// cumsum
//===----------------------------------------------------------------------===//

Status inferCumSum(KernelContext &ctx) {
  AxisView v;
  DEEPC_RETURN_IF_ERROR(axisView(ctx, ctx.attrs().getInt("axis", 0), v));
  if (ctx.input(0).dtype == DType::Bool)
    return ctx.error("cannot sum bool elements; cast them to an integer type "
                     "first");
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

/// One line's running sum; `Acc` is double for floats, uint64_t (wrapping)
/// for integers.
template <typename Acc, typename Load, typename Store>
void scanLines(KernelContext &ctx, const AxisView &v, bool exclusive,
               bool reverse, Load load, Store store) {
  int64_t n = v.n, inner = v.inner;
#pragma omp parallel for num_threads(threadCount(ctx)) if (v.lines() * n >     \
                                                           16384)
  for (int64_t l = 0; l < v.lines(); ++l) {
    int64_t base = v.base(l);
    Acc acc = 0;
    for (int64_t s = 0; s < n; ++s) {
      int64_t i = base + (reverse ? n - 1 - s : s) * inner;
      Acc x = load(i);
      if (exclusive) {
        store(i, acc);
        acc += x;
      } else {
        acc += x;
        store(i, acc);
      }
    }
  }
}

Status runCumSum(KernelContext &ctx) {
  AxisView v;
  DEEPC_RETURN_IF_ERROR(axisView(ctx, ctx.attrs().getInt("axis", 0), v));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  bool exclusive = ctx.attrs().getBool("exclusive");
  bool reverse = ctx.attrs().getBool("reverse");
  if (isFloat(in.dtype)) {
    const float *x = f32Values(ctx, in);
    float *y = f32Results(ctx, out);
    if (!x || !y)
      return outOfMemory(ctx);
    scanLines<double>(
        ctx, v, exclusive, reverse, [&](int64_t i) { return double(x[i]); },
        [&](int64_t i, double s) { y[i] = float(s); });
    storeF32Results(ctx, y, out);
    return okStatus();
  }
  if (in.dtype == DType::I64) {
    const int64_t *x = in.as<const int64_t>();
    int64_t *y = out.as<int64_t>();
    scanLines<uint64_t>(
        ctx, v, exclusive, reverse, [&](int64_t i) { return uint64_t(x[i]); },
        [&](int64_t i, uint64_t s) { y[i] = int64_t(s); });
    return okStatus();
  }
  void *data = in.data;
  DType t = in.dtype;
  scanLines<uint64_t>(
      ctx, v, exclusive, reverse,
      [&](int64_t i) { return uint64_t(loadAsInt64(data, t, i)); },
      [&](int64_t i, uint64_t s) {
        storeFromInt64(out.data, out.dtype, i, int64_t(s));
      });
  return okStatus();
}

} // namespace

void registerSoftmaxKernels(KernelRegistry &registry) {
  KernelDef softmax;
  softmax.infer = inferSoftmax;
  softmax.run = runSoftmax;
  registry.add("deepc.softmax", softmax);
  KernelDef topk;
  topk.infer = inferTopK;
  topk.run = runTopK;
  registry.add("deepc.topk", topk);
  KernelDef cumsum;
  cumsum.infer = inferCumSum;
  cumsum.run = runCumSum;
  registry.add("deepc.cumsum", cumsum);
}

} // namespace deepc::rt::cpu
