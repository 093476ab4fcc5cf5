//===- Scatter.cpp - scatter (ScatterND) and scatter_elements -------------===//
//
// Both copy `data` to the result and then write (or, with a reduction,
// combine) each update in order, so with reduction = none and duplicate
// indices the last update wins. The update loop is serial: updates may
// collide, and scatters here are routing-sized, not activation-sized.
// Indices are validated before anything is written.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cmath>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

enum class Reduction { None, Add, Mul, Max, Min };

bool parseReduction(const std::string &name, Reduction &out) {
  static const struct {
    const char *name;
    Reduction value;
  } kCases[] = {{"none", Reduction::None},
                {"add", Reduction::Add},
                {"mul", Reduction::Mul},
                {"max", Reduction::Max},
                {"min", Reduction::Min}};
  for (const auto &c : kCases)
    if (name == c.name) {
      out = c.value;
      return true;
    }
  return false;
}

Status readReduction(KernelContext &ctx, Reduction &out) {
  std::string name = ctx.attrs().getString("reduction", "none");
  if (!parseReduction(name, out))
    return ctx.error("unknown reduction '" + name + "'");
  return okStatus();
}

int64_t loadIndex(const TensorRef &t, int64_t i) {
  return t.dtype == DType::I32 ? int64_t(t.as<const int32_t>()[i])
                               : t.as<const int64_t>()[i];
}

bool wrapIndex(int64_t &index, int64_t dim) {
  if (index < 0)
    index += dim;
  return index >= 0 && index < dim;
}

/// Combines update element `si` into result element `di`. Floats combine in
/// double and round once; integers in int64 and wrap (bool add is `or`, mul
/// is `and`, as the stored value is `!= 0`).
void combine(void *dst, int64_t di, const void *src, int64_t si, DType t,
             Reduction r) {
  if (r == Reduction::None) {
    size_t size = dtypeSize(t);
    std::memcpy(static_cast<char *>(dst) + di * size,
                static_cast<const char *>(src) + si * size, size);
    return;
  }
  if (isFloat(t)) {
    double a = loadAsDouble(dst, t, di), b = loadAsDouble(src, t, si), v = a;
    switch (r) {
    case Reduction::Add:
      v = a + b;
      break;
    case Reduction::Mul:
      v = a * b;
      break;
    // NaN propagates, as in numpy's maximum and minimum.
    case Reduction::Max:
      v = std::isnan(b) || b > a ? b : a;
      break;
    case Reduction::Min:
      v = std::isnan(b) || b < a ? b : a;
      break;
    case Reduction::None:
      break;
    }
    storeFromDouble(dst, t, di, v);
    return;
  }
  int64_t a = loadAsInt64(dst, t, di), b = loadAsInt64(src, t, si), v = a;
  switch (r) {
  case Reduction::Add:
    v = int64_t(uint64_t(a) + uint64_t(b));
    break;
  case Reduction::Mul:
    v = int64_t(uint64_t(a) * uint64_t(b));
    break;
  case Reduction::Max:
    v = b > a ? b : a;
    break;
  case Reduction::Min:
    v = b < a ? b : a;
    break;
  case Reduction::None:
    break;
  }
  storeFromInt64(dst, t, di, v);
}

Status checkIndexDType(KernelContext &ctx) {
  DType t = ctx.input(1).dtype;
  if (t != DType::I32 && t != DType::I64)
    return ctx.error(std::string("indices must be i32 or i64, got ") +
                     dtypeName(t));
  if (ctx.input(2).dtype != ctx.input(0).dtype)
    return ctx.error(std::string("updates are ") +
                     dtypeName(ctx.input(2).dtype) + " but data is " +
                     dtypeName(ctx.input(0).dtype));
  return okStatus();
}

void copyData(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  if (ctx.output(0).data != data.data)
    std::memcpy(ctx.output(0).data, data.data, data.bytes());
}

//===----------------------------------------------------------------------===//
// scatter (ONNX ScatterND)
//===----------------------------------------------------------------------===//

Status scatterInfer(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(checkIndexDType(ctx));
  Reduction r;
  DEEPC_RETURN_IF_ERROR(readReduction(ctx, r));
  const Shape &data = ctx.input(0).shape;
  const Shape &indices = ctx.input(1).shape;
  const Shape &updates = ctx.input(2).shape;
  if (indices.rank == 0)
    return ctx.error("indices must have rank 1 or more, the last dimension "
                     "holding index tuples");
  int64_t k = indices.dims[indices.rank - 1];
  if (k > data.rank)
    return ctx.error("index tuples of length " + std::to_string(k) +
                     " exceed the rank of data " + data.str());
  Shape expected;
  bool fits = true;
  for (int i = 0; i + 1 < indices.rank; ++i)
    fits &= expected.push(indices.dims[i]);
  for (int i = int(k); i < data.rank; ++i)
    fits &= expected.push(data.dims[i]);
  if (!fits || expected != updates)
    return ctx.error("updates have shape " + updates.str() + " but indices " +
                     indices.str() + " into data " + data.str() + " need " +
                     (fits ? expected.str() : "a rank beyond the maximum"));
  ctx.output(0).shape = data;
  return okStatus();
}

Status scatterRun(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  const TensorRef &indices = ctx.input(1);
  const TensorRef &updates = ctx.input(2);
  Reduction r;
  DEEPC_RETURN_IF_ERROR(readReduction(ctx, r));
  int k = int(indices.shape.dims[indices.shape.rank - 1]);
  // A tuple of length 0 addresses the whole of data.
  int64_t numTuples = 1;
  for (int i = 0; i + 1 < indices.shape.rank; ++i)
    numTuples *= indices.shape.dims[i];
  int64_t strides[kMaxRank];
  contiguousStrides(data.shape, strides);
  int64_t slice = 1;
  for (int i = k; i < data.shape.rank; ++i)
    slice *= data.shape.dims[i];

  auto *offsets =
      static_cast<int64_t *>(ctx.scratch(sizeof(int64_t) * size_t(numTuples)));
  if (!offsets && numTuples)
    return resourceExhausted("deepc.scatter: out of memory");
  for (int64_t t = 0; t < numTuples; ++t) {
    int64_t offset = 0;
    for (int j = 0; j < k; ++j) {
      int64_t raw = loadIndex(indices, t * k + j), index = raw;
      if (!wrapIndex(index, data.shape.dims[j]))
        return ctx.error("index " + std::to_string(raw) +
                         " is out of range for dimension " + std::to_string(j) +
                         " of size " + std::to_string(data.shape.dims[j]));
      offset += index * strides[j];
    }
    offsets[t] = offset;
  }

  copyData(ctx);
  void *dst = ctx.output(0).data;
  size_t esize = dtypeSize(data.dtype);
  for (int64_t t = 0; t < numTuples; ++t) {
    if (r == Reduction::None) {
      std::memcpy(static_cast<char *>(dst) + offsets[t] * int64_t(esize),
                  static_cast<const char *>(updates.data) +
                      t * slice * int64_t(esize),
                  size_t(slice) * esize);
      continue;
    }
    for (int64_t e = 0; e < slice; ++e)
      combine(dst, offsets[t] + e, updates.data, t * slice + e, data.dtype, r);
  }
  return okStatus();
}

//===----------------------------------------------------------------------===//
// scatter_elements (ONNX ScatterElements)
//===----------------------------------------------------------------------===//

Status scatterElementsInfer(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(checkIndexDType(ctx));
  Reduction r;
  DEEPC_RETURN_IF_ERROR(readReduction(ctx, r));
  const Shape &data = ctx.input(0).shape;
  const Shape &indices = ctx.input(1).shape;
  const Shape &updates = ctx.input(2).shape;
  int64_t axis = ctx.attrs().getInt("axis", 0);
  if (data.rank == 0)
    return ctx.error("cannot scatter into a scalar");
  if (indices.rank != data.rank)
    return ctx.error("indices " + indices.str() + " and data " + data.str() +
                     " must have the same rank");
  if (updates != indices)
    return ctx.error("updates have shape " + updates.str() +
                     " but indices have shape " + indices.str());
  if (!normalizeAxis(axis, data.rank))
    return ctx.error("axis " + std::to_string(ctx.attrs().getInt("axis")) +
                     " is out of range for data of shape " + data.str());
  for (int d = 0; d < data.rank; ++d)
    if (d != axis && indices.dims[d] > data.dims[d])
      return ctx.error("indices " + indices.str() + " are larger than data " +
                       data.str() + " in dimension " + std::to_string(d) +
                       ", which is not the scatter axis");
  ctx.output(0).shape = data;
  return okStatus();
}

Status scatterElementsRun(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  const TensorRef &indices = ctx.input(1);
  const TensorRef &updates = ctx.input(2);
  Reduction r;
  DEEPC_RETURN_IF_ERROR(readReduction(ctx, r));
  int64_t axis = ctx.attrs().getInt("axis", 0);
  normalizeAxis(axis, data.shape.rank); // infer() checked the range
  int64_t axisDim = data.shape.dims[axis];
  int64_t n = indices.numel();
  for (int64_t i = 0; i < n; ++i) {
    int64_t index = loadIndex(indices, i);
    if (!wrapIndex(index, axisDim))
      return ctx.error("index " + std::to_string(loadIndex(indices, i)) +
                       " is out of range for axis " + std::to_string(axis) +
                       " of size " + std::to_string(axisDim));
  }
  copyData(ctx);
  int64_t strides[kMaxRank];
  contiguousStrides(data.shape, strides);
  const Shape &shape = indices.shape;
  int64_t coord[kMaxRank] = {};
  // The target's offset without its coordinate along the axis.
  int64_t base = 0;
  void *dst = ctx.output(0).data;
  for (int64_t i = 0; i < n; ++i) {
    int64_t index = loadIndex(indices, i);
    if (index < 0)
      index += axisDim;
    combine(dst, base + index * strides[axis], updates.data, i, data.dtype, r);
    for (int d = shape.rank - 1; d >= 0; --d) {
      int64_t step = d == axis ? 0 : strides[d];
      if (++coord[d] < shape.dims[d]) {
        base += step;
        break;
      }
      base -= step * (shape.dims[d] - 1);
      coord[d] = 0;
    }
  }
  return okStatus();
}

} // namespace

void registerScatterKernels(KernelRegistry &registry) {
  registry.add("deepc.scatter", {scatterInfer, scatterRun});
  registry.add("deepc.scatter_elements",
               {scatterElementsInfer, scatterElementsRun});
}

} // namespace deepc::rt::cpu
