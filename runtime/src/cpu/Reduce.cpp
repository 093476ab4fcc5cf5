//===- Reduce.cpp - reductions and argmax on the CPU ----------------------===//
//
// A reduction sees its input as alternating runs of kept and reduced dims;
// adjacent dims of the same kind are merged first, so the common last-axis
// reduction is a contiguous inner loop. Floats accumulate in double,
// integers in int64 (wrapping to the result type on store).
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <limits>
#include <vector>

namespace deepc::rt::cpu {
namespace {

enum class ReduceKind { Sum, Mean, Max, Min, Prod };

/// The input shape split into kept and reduced dims (each list merged and
/// with its input strides).
struct ReducePlan {
  Shape keptDims, reducedDims;
  int64_t keptStrides[kMaxRank] = {}, reducedStrides[kMaxRank] = {};
  int64_t keptCount() const { return keptDims.numel(); }
  int64_t reducedCount() const { return reducedDims.numel(); }
};

Status reducedAxes(KernelContext &ctx, bool reduced[kMaxRank]) {
  const Shape &in = ctx.input(0).shape;
  std::vector<int64_t> axes = ctx.attrs().getInts("axes");
  if (axes.empty())
    return ctx.error("needs at least one axis to reduce");
  for (int i = 0; i < kMaxRank; ++i)
    reduced[i] = false;
  for (int64_t a : axes) {
    int axis;
    if (!normalizeAxis(a, in.rank, axis))
      return ctx.error("axis " + std::to_string(a) +
                       " is out of range for an input of rank " +
                       std::to_string(in.rank));
    if (reduced[axis])
      return ctx.error("axis " + std::to_string(a) + " is listed twice");
    reduced[axis] = true;
  }
  return okStatus();
}

Status inferReduce(KernelContext &ctx) {
  bool reduced[kMaxRank];
  DEEPC_RETURN_IF_ERROR(reducedAxes(ctx, reduced));
  const Shape &in = ctx.input(0).shape;
  bool keep = ctx.attrs().getBool("keep_dims");
  Shape out;
  for (int d = 0; d < in.rank; ++d)
    if (!reduced[d])
      out.push(in[d]);
    else if (keep)
      out.push(1);
  ctx.output(0).shape = out;
  return okStatus();
}

ReducePlan planReduction(const Shape &in, const bool reduced[kMaxRank]) {
  int64_t strides[kMaxRank];
  contiguousStrides(in, strides);
  ReducePlan p;
  // Walk from the innermost dim out, merging a dim into the previous one of
  // the same kind when they are adjacent in memory.
  Shape *lastList = nullptr;
  for (int d = in.rank - 1; d >= 0; --d) {
    if (in[d] == 1)
      continue;
    Shape &list = reduced[d] ? p.reducedDims : p.keptDims;
    int64_t *st = reduced[d] ? p.reducedStrides : p.keptStrides;
    if (lastList == &list &&
        st[list.rank - 1] * list[list.rank - 1] == strides[d]) {
      list[list.rank - 1] *= in[d];
      continue;
    }
    st[list.rank] = strides[d];
    list.push(in[d]);
    lastList = &list;
  }
  // Lists were built innermost first; odometers want outermost first.
  auto reverse = [](Shape &s, int64_t *st) {
    for (int i = 0, j = s.rank - 1; i < j; ++i, --j) {
      std::swap(s.dims[i], s.dims[j]);
      std::swap(st[i], st[j]);
    }
  };
  reverse(p.keptDims, p.keptStrides);
  reverse(p.reducedDims, p.reducedStrides);
  return p;
}

int64_t offsetOf(int64_t index, const Shape &dims, const int64_t *strides) {
  int64_t off = 0;
  for (int d = dims.rank - 1; d >= 0; --d) {
    off += (index % dims.dims[d]) * strides[d];
    index /= dims.dims[d];
  }
  return off;
}

/// Calls f(offset) for each reduced element of the output at `base`.
template <typename F>
inline void forEachReduced(const ReducePlan &p, int64_t base, F &&f) {
  int64_t count = p.reducedCount();
  if (p.reducedDims.rank == 1) {
    int64_t st = p.reducedStrides[0];
    for (int64_t r = 0; r < count; ++r)
      f(base + r * st);
    return;
  }
  for (int64_t r = 0; r < count; ++r)
    f(base + offsetOf(r, p.reducedDims, p.reducedStrides));
}

template <typename T>
void reduceFloat(KernelContext &ctx, const ReducePlan &p, ReduceKind kind,
                 const T *in, float *out) {
  int64_t outer = p.keptCount(), count = p.reducedCount();
#pragma omp parallel for num_threads(threadCount(ctx)) if (outer * count >     \
                                                           32768)
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = offsetOf(o, p.keptDims, p.keptStrides);
    double acc = 0;
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      acc = 0;
      forEachReduced(p, base, [&](int64_t i) { acc += in[i]; });
      if (kind == ReduceKind::Mean)
        acc /= double(count);
      break;
    case ReduceKind::Prod:
      acc = 1;
      forEachReduced(p, base, [&](int64_t i) { acc *= in[i]; });
      break;
    case ReduceKind::Max:
      // NaN propagates, as in ONNX ReduceMax.
      acc = -std::numeric_limits<double>::infinity();
      forEachReduced(p, base, [&](int64_t i) {
        if (!(in[i] <= acc))
          acc = in[i];
      });
      break;
    case ReduceKind::Min:
      acc = std::numeric_limits<double>::infinity();
      forEachReduced(p, base, [&](int64_t i) {
        if (!(in[i] >= acc))
          acc = in[i];
      });
      break;
    }
    out[o] = float(acc);
  }
}

template <typename T>
void reduceInt(KernelContext &ctx, const ReducePlan &p, ReduceKind kind,
               const T *in, TensorRef &out) {
  int64_t outer = p.keptCount(), count = p.reducedCount();
#pragma omp parallel for num_threads(threadCount(ctx)) if (outer * count >     \
                                                           32768)
  for (int64_t o = 0; o < outer; ++o) {
    int64_t base = offsetOf(o, p.keptDims, p.keptStrides);
    uint64_t acc = 0; // unsigned: overflow wraps
    switch (kind) {
    case ReduceKind::Sum:
    case ReduceKind::Mean:
      acc = 0;
      forEachReduced(p, base,
                     [&](int64_t i) { acc += uint64_t(int64_t(in[i])); });
      if (kind == ReduceKind::Mean && count > 0)
        acc = uint64_t(int64_t(acc) / count);
      break;
    case ReduceKind::Prod:
      acc = 1;
      forEachReduced(p, base,
                     [&](int64_t i) { acc *= uint64_t(int64_t(in[i])); });
      break;
    case ReduceKind::Max: {
      int64_t m = std::numeric_limits<int64_t>::min();
      forEachReduced(p, base,
                     [&](int64_t i) { m = std::max<int64_t>(m, in[i]); });
      acc = uint64_t(m);
      break;
    }
    case ReduceKind::Min: {
      int64_t m = std::numeric_limits<int64_t>::max();
      forEachReduced(p, base,
                     [&](int64_t i) { m = std::min<int64_t>(m, in[i]); });
      acc = uint64_t(m);
      break;
    }
    }
    storeFromInt64(out.data, out.dtype, o, int64_t(acc));
  }
}

template <ReduceKind Kind> Status runReduce(KernelContext &ctx) {
  bool reduced[kMaxRank];
  DEEPC_RETURN_IF_ERROR(reducedAxes(ctx, reduced));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  if (in.dtype != out.dtype)
    return ctx.error(std::string("result type ") + dtypeName(out.dtype) +
                     " differs from the input's " + dtypeName(in.dtype));
  ReducePlan p = planReduction(in.shape, reduced);
  switch (in.dtype) {
  case DType::I4:
  case DType::I8:
    reduceInt(ctx, p, Kind, in.as<const int8_t>(), out);
    return okStatus();
  case DType::Bool:
    reduceInt(ctx, p, Kind, in.as<const uint8_t>(), out);
    return okStatus();
  case DType::I32:
    reduceInt(ctx, p, Kind, in.as<const int32_t>(), out);
    return okStatus();
  case DType::I64:
    reduceInt(ctx, p, Kind, in.as<const int64_t>(), out);
    return okStatus();
  default:
    break;
  }
  if (!isFloat(in.dtype))
    return ctx.error(std::string("unsupported element type ") +
                     dtypeName(in.dtype));
  const float *x = f32Values(ctx, in);
  float *y = f32Results(ctx, out);
  if (!x || !y)
    return outOfMemory(ctx);
  reduceFloat(ctx, p, Kind, x, y);
  storeF32Results(ctx, y, out);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// argmax
//===----------------------------------------------------------------------===//

Status inferArgMax(KernelContext &ctx) {
  const Shape &in = ctx.input(0).shape;
  int64_t a = ctx.attrs().getInt("axis", 0);
  int axis = 0;
  if (!normalizeAxis(a, in.rank, axis))
    return ctx.error("axis " + std::to_string(a) +
                     " is out of range for an input of rank " +
                     std::to_string(in.rank));
  int64_t positions =
      dimProduct(in, 0, axis) * dimProduct(in, axis + 1, in.rank);
  if (in[axis] == 0 && positions > 0)
    return ctx.error("cannot take the argmax over the empty axis " +
                     std::to_string(axis) + " of " + in.str());
  Shape out;
  for (int d = 0; d < in.rank; ++d)
    if (d != axis)
      out.push(in[d]);
    else if (ctx.attrs().getBool("keep_dims"))
      out.push(1);
  ctx.output(0).shape = out;
  return okStatus();
}

Status runArgMax(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(inferArgMax(ctx));
  TensorRef &in = ctx.input(0);
  int axis = 0;
  normalizeAxis(ctx.attrs().getInt("axis", 0), in.shape.rank, axis);
  int64_t outer = dimProduct(in.shape, 0, axis), n = in.shape[axis],
          inner = dimProduct(in.shape, axis + 1, in.shape.rank);
  int64_t *out = ctx.output(0).as<int64_t>();
  bool isInt = isInteger(in.dtype);
  const float *x = nullptr;
  if (!isInt && !(x = f32Values(ctx, in)))
    return outOfMemory(ctx);
#pragma omp parallel for num_threads(threadCount(ctx)) if (outer * n * inner > \
                                                           32768)
  for (int64_t o = 0; o < outer * inner; ++o) {
    int64_t base = (o / inner) * n * inner + o % inner;
    int64_t best = 0;
    if (isInt) {
      int64_t bv = loadAsInt64(in.data, in.dtype, base);
      for (int64_t i = 1; i < n; ++i) {
        int64_t v = loadAsInt64(in.data, in.dtype, base + i * inner);
        if (v > bv) {
          bv = v;
          best = i;
        }
      }
    } else {
      // The first maximum wins; a NaN counts as the maximum (as in numpy).
      float bv = x[base];
      for (int64_t i = 1; i < n && !std::isnan(bv); ++i) {
        float v = x[base + i * inner];
        if (v > bv || std::isnan(v)) {
          bv = v;
          best = i;
        }
      }
    }
    out[o] = best;
  }
  return okStatus();
}

template <ReduceKind Kind> KernelDef reduceDef() {
  KernelDef def;
  def.infer = inferReduce;
  def.run = runReduce<Kind>;
  return def;
}

} // namespace

void registerReduceKernels(KernelRegistry &registry) {
  registry.add("deepc.reduce_sum", reduceDef<ReduceKind::Sum>());
  registry.add("deepc.reduce_mean", reduceDef<ReduceKind::Mean>());
  registry.add("deepc.reduce_max", reduceDef<ReduceKind::Max>());
  registry.add("deepc.reduce_min", reduceDef<ReduceKind::Min>());
  registry.add("deepc.reduce_prod", reduceDef<ReduceKind::Prod>());
  KernelDef argmax;
  argmax.infer = inferArgMax;
  argmax.run = runArgMax;
  registry.add("deepc.argmax", argmax);
}

} // namespace deepc::rt::cpu
