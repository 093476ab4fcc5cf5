//===- Gather.cpp - gather, gather_elements and gather_nd -----------------===//
//
// The three ONNX gathers. Elements are moved as opaque bytes (every dtype
// has a whole number of bytes per element), whole trailing slices with one
// memcpy. Indices are validated in a first pass so that a bad index is an
// error Status before any output is written, and the copy loops need no
// error path (which OpenMP loops cannot leave early).
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cstring>

namespace deepc::rt::cpu {
namespace {

/// Below this many bytes a loop is not worth the OpenMP fork.
constexpr int64_t kParallelBytes = 1 << 16;

/// Element `i` of an i32 or i64 index tensor.
int64_t loadIndex(const TensorRef &t, int64_t i) {
  return t.dtype == DType::I32 ? int64_t(t.as<const int32_t>()[i])
                               : t.as<const int64_t>()[i];
}

Status checkIndexDType(KernelContext &ctx, int operand) {
  DType t = ctx.input(operand).dtype;
  if (t != DType::I32 && t != DType::I64)
    return ctx.error(std::string("indices must be i32 or i64, got ") +
                     dtypeName(t));
  return okStatus();
}

/// Wraps a negative index and checks it against `dim`.
bool wrapIndex(int64_t &index, int64_t dim) {
  if (index < 0)
    index += dim;
  return index >= 0 && index < dim;
}

int64_t product(const Shape &s, int from, int to) {
  int64_t n = 1;
  for (int i = from; i < to; ++i)
    n *= s.dims[i];
  return n;
}

//===----------------------------------------------------------------------===//
// gather: result = data[:axis] + indices + data[axis+1:]
//===----------------------------------------------------------------------===//

Status gatherInfer(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(checkIndexDType(ctx, 1));
  const Shape &data = ctx.input(0).shape;
  const Shape &indices = ctx.input(1).shape;
  int64_t axis = ctx.attrs().getInt("axis", 0);
  if (data.rank == 0)
    return ctx.error("cannot gather from a scalar");
  if (!normalizeAxis(axis, data.rank))
    return ctx.error("axis " + std::to_string(ctx.attrs().getInt("axis")) +
                     " is out of range for data of shape " + data.str());
  Shape out;
  bool fits = true;
  for (int i = 0; i < axis; ++i)
    fits &= out.push(data.dims[i]);
  for (int i = 0; i < indices.rank; ++i)
    fits &= out.push(indices.dims[i]);
  for (int i = int(axis) + 1; i < data.rank; ++i)
    fits &= out.push(data.dims[i]);
  if (!fits)
    return ctx.error("the result of gathering " + indices.str() + " from " +
                     data.str() + " exceeds the maximum rank");
  ctx.output(0).shape = out;
  return okStatus();
}

Status gatherRun(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  const TensorRef &indices = ctx.input(1);
  TensorRef &out = ctx.output(0);
  int64_t axis = ctx.attrs().getInt("axis", 0);
  normalizeAxis(axis, data.shape.rank);
  int64_t axisDim = data.shape.dims[axis];
  int64_t numIndices = indices.numel();
  for (int64_t j = 0; j < numIndices; ++j) {
    int64_t index = loadIndex(indices, j);
    if (!wrapIndex(index, axisDim))
      return ctx.error("index " + std::to_string(loadIndex(indices, j)) +
                       " is out of range for axis " + std::to_string(axis) +
                       " of size " + std::to_string(axisDim));
  }
  int64_t outer = product(data.shape, 0, int(axis));
  size_t slice = size_t(product(data.shape, int(axis) + 1, data.shape.rank)) *
                 dtypeSize(data.dtype);
  const char *src = static_cast<const char *>(data.data);
  char *dst = static_cast<char *>(out.data);
  int64_t count = outer * numIndices;
  bool parallel = int64_t(slice) * count >= kParallelBytes;
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t n = 0; n < count; ++n) {
    int64_t o = n / numIndices, j = n % numIndices;
    int64_t index = loadIndex(indices, j);
    if (index < 0)
      index += axisDim;
    std::memcpy(dst + n * slice, src + (o * axisDim + index) * slice, slice);
  }
  return okStatus();
}

//===----------------------------------------------------------------------===//
// gather_elements: result[i] = data[i with i[axis] = indices[i]]
//===----------------------------------------------------------------------===//

Status gatherElementsInfer(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(checkIndexDType(ctx, 1));
  const Shape &data = ctx.input(0).shape;
  const Shape &indices = ctx.input(1).shape;
  int64_t axis = ctx.attrs().getInt("axis", 0);
  if (data.rank == 0)
    return ctx.error("cannot gather from a scalar");
  if (indices.rank != data.rank)
    return ctx.error("indices " + indices.str() + " and data " + data.str() +
                     " must have the same rank");
  if (!normalizeAxis(axis, data.rank))
    return ctx.error("axis " + std::to_string(ctx.attrs().getInt("axis")) +
                     " is out of range for data of shape " + data.str());
  for (int d = 0; d < data.rank; ++d)
    if (d != axis && indices.dims[d] > data.dims[d])
      return ctx.error("indices " + indices.str() + " are larger than data " +
                       data.str() + " in dimension " + std::to_string(d) +
                       ", which is not the gather axis");
  ctx.output(0).shape = indices;
  return okStatus();
}

/// Calls `body(i, offset)` for every element i of `shape` in row-major
/// order, where `offset` is the element's offset under `strides` with the
/// coordinate along `skipAxis` left out.
template <typename Fn>
void forEachWithOffset(const Shape &shape, const int64_t *strides, int skipAxis,
                       Fn body) {
  int64_t n = shape.numel();
  int64_t coord[kMaxRank] = {};
  int64_t offset = 0;
  for (int64_t i = 0; i < n; ++i) {
    body(i, offset, coord);
    for (int d = shape.rank - 1; d >= 0; --d) {
      int64_t step = d == skipAxis ? 0 : strides[d];
      if (++coord[d] < shape.dims[d]) {
        offset += step;
        break;
      }
      offset -= step * (shape.dims[d] - 1);
      coord[d] = 0;
    }
  }
}

template <typename T>
void gatherElementsTyped(const TensorRef &data, const TensorRef &indices,
                         int axis, T *dst) {
  int64_t strides[kMaxRank];
  contiguousStrides(data.shape, strides);
  const T *src = data.as<const T>();
  int64_t axisDim = data.shape.dims[axis], axisStride = strides[axis];
  forEachWithOffset(indices.shape, strides, axis,
                    [&](int64_t i, int64_t offset, const int64_t *) {
                      int64_t index = loadIndex(indices, i);
                      if (index < 0)
                        index += axisDim;
                      dst[i] = src[offset + index * axisStride];
                    });
}

Status gatherElementsRun(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  const TensorRef &indices = ctx.input(1);
  int64_t axis = ctx.attrs().getInt("axis", 0);
  normalizeAxis(axis, data.shape.rank);
  int64_t axisDim = data.shape.dims[axis];
  for (int64_t i = 0, n = indices.numel(); i < n; ++i) {
    int64_t index = loadIndex(indices, i);
    if (!wrapIndex(index, axisDim))
      return ctx.error("index " + std::to_string(loadIndex(indices, i)) +
                       " is out of range for axis " + std::to_string(axis) +
                       " of size " + std::to_string(axisDim));
  }
  void *dst = ctx.output(0).data;
  switch (dtypeSize(data.dtype)) {
  case 1:
    gatherElementsTyped(data, indices, int(axis), static_cast<uint8_t *>(dst));
    break;
  case 2:
    gatherElementsTyped(data, indices, int(axis), static_cast<uint16_t *>(dst));
    break;
  case 4:
    gatherElementsTyped(data, indices, int(axis), static_cast<uint32_t *>(dst));
    break;
  case 8:
    gatherElementsTyped(data, indices, int(axis), static_cast<uint64_t *>(dst));
    break;
  default:
    return ctx.error(std::string("unsupported dtype ") + dtypeName(data.dtype));
  }
  return okStatus();
}

//===----------------------------------------------------------------------===//
// gather_nd: result = indices[:-1] + data[batch_dims + k:]
//===----------------------------------------------------------------------===//

Status gatherNdInfer(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(checkIndexDType(ctx, 1));
  const Shape &data = ctx.input(0).shape;
  const Shape &indices = ctx.input(1).shape;
  int64_t batchDims = ctx.attrs().getInt("batch_dims", 0);
  if (indices.rank == 0)
    return ctx.error("indices must have rank 1 or more, the last dimension "
                     "holding index tuples");
  if (batchDims < 0 || batchDims >= indices.rank || batchDims >= data.rank)
    return ctx.error("batch_dims (" + std::to_string(batchDims) +
                     ") must be non-negative and less than the rank of data " +
                     data.str() + " and of indices " + indices.str());
  int64_t k = indices.dims[indices.rank - 1];
  if (k < 1 || batchDims + k > data.rank)
    return ctx.error("index tuples of length " + std::to_string(k) + " after " +
                     std::to_string(batchDims) +
                     " batch dimension(s) do not fit data of shape " +
                     data.str());
  for (int d = 0; d < batchDims; ++d)
    if (data.dims[d] != indices.dims[d])
      return ctx.error("batch dimension " + std::to_string(d) + " differs: " +
                       "data " + data.str() + ", indices " + indices.str());
  Shape out;
  bool fits = true;
  for (int i = 0; i + 1 < indices.rank; ++i)
    fits &= out.push(indices.dims[i]);
  for (int i = int(batchDims + k); i < data.rank; ++i)
    fits &= out.push(data.dims[i]);
  if (!fits)
    return ctx.error("the result exceeds the maximum rank");
  ctx.output(0).shape = out;
  return okStatus();
}

Status gatherNdRun(KernelContext &ctx) {
  const TensorRef &data = ctx.input(0);
  const TensorRef &indices = ctx.input(1);
  int batchDims = int(ctx.attrs().getInt("batch_dims", 0));
  int k = int(indices.shape.dims[indices.shape.rank - 1]);
  int64_t strides[kMaxRank];
  contiguousStrides(data.shape, strides);
  // Index tuples per batch, and the data elements each batch spans.
  int64_t numBatches = product(indices.shape, 0, batchDims);
  int64_t tuplesPerBatch =
      product(indices.shape, batchDims, indices.shape.rank - 1);
  int64_t batchStride = product(data.shape, batchDims, data.shape.rank);
  int64_t numTuples = numBatches * tuplesPerBatch;
  size_t esize = dtypeSize(data.dtype);
  size_t slice =
      size_t(product(data.shape, batchDims + k, data.shape.rank)) * esize;

  // First pass: validate and resolve every tuple to an element offset.
  auto *offsets =
      static_cast<int64_t *>(ctx.scratch(sizeof(int64_t) * size_t(numTuples)));
  if (!offsets && numTuples)
    return resourceExhausted("deepc.gather_nd: out of memory");
  for (int64_t t = 0; t < numTuples; ++t) {
    int64_t offset = (t / tuplesPerBatch) * batchStride;
    for (int j = 0; j < k; ++j) {
      int64_t raw = loadIndex(indices, t * k + j);
      int64_t index = raw;
      int64_t dim = data.shape.dims[batchDims + j];
      if (!wrapIndex(index, dim))
        return ctx.error(
            "index " + std::to_string(raw) + " is out of range for dimension " +
            std::to_string(batchDims + j) + " of size " + std::to_string(dim));
      offset += index * strides[batchDims + j];
    }
    offsets[t] = offset;
  }
  const char *src = static_cast<const char *>(data.data);
  char *dst = static_cast<char *>(ctx.output(0).data);
  bool parallel = int64_t(slice) * numTuples >= kParallelBytes;
#pragma omp parallel for if (parallel) schedule(static)
  for (int64_t t = 0; t < numTuples; ++t)
    std::memcpy(dst + t * slice, src + offsets[t] * int64_t(esize), slice);
  return okStatus();
}

} // namespace

void registerGatherKernels(KernelRegistry &registry) {
  registry.add("deepc.gather", {gatherInfer, gatherRun});
  registry.add("deepc.gather_elements",
               {gatherElementsInfer, gatherElementsRun});
  registry.add("deepc.gather_nd", {gatherNdInfer, gatherNdRun});
}

} // namespace deepc::rt::cpu
