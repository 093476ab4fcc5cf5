//===- DataKernels.cu - data movement, gather, rotary and cast on the GPU -===//
//
// transpose, slice, concat and expand are one strided copy each: a dense
// walk over the copied shape reading the source and writing the destination
// at their own strides (the CPU's StridedCopy.h with a strided destination,
// which concat needs). Dims that are contiguous in both are merged on the
// host first, so a plain copy is one flat loop. gather and rotary follow
// src/cpu/Gather.cpp and src/cpu/Rotary.cpp; cast follows DType.cpp.
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/DeviceMath.cuh"
#include "cuda/Geometry.h"

#include <algorithm>
#include <vector>

namespace deepc::rt::cuda {
namespace {

//===----------------------------------------------------------------------===//
// Strided copy
//===----------------------------------------------------------------------===//

template <typename T>
__global__ void stridedCopyKernel(const T *src, T *dst, CopyGeometry g,
                                  int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t rest = i, s = 0, d = 0;
    for (int k = g.rank - 1; k >= 0; --k) {
      int64_t c = rest % g.dims[k];
      rest /= g.dims[k];
      s += c * g.srcStrides[k];
      d += c * g.dstStrides[k];
    }
    dst[d] = src[s];
  }
}

/// Copies the elements of `shape` from `src` (at `srcStrides`) to `dst`
/// (at `dstStrides`), strides in elements of `elementSize` bytes.
Status stridedCopy(CudaKernelContext &ctx, const void *src,
                   const int64_t *srcStrides, const Shape &shape,
                   size_t elementSize, void *dst, const int64_t *dstStrides) {
  int64_t n = shape.numel();
  if (n == 0)
    return okStatus();
  CopyGeometry g = mergeCopyDims(shape, srcStrides, dstStrides);
  unsigned grid = gridFor(n);
  cudaStream_t stream = ctx.stream();
  if (g.rank == 1 && g.srcStrides[0] == 1 && g.dstStrides[0] == 1)
    return cudaStatus(cudaMemcpyAsync(dst, src, size_t(n) * elementSize,
                                      cudaMemcpyDeviceToDevice, stream),
                      ctx.error("device copy").message());
  switch (elementSize) {
  case 1:
    stridedCopyKernel<<<grid, kThreadsPerBlock, 0, stream>>>(
        static_cast<const uint8_t *>(src), static_cast<uint8_t *>(dst), g, n);
    break;
  case 2:
    stridedCopyKernel<<<grid, kThreadsPerBlock, 0, stream>>>(
        static_cast<const uint16_t *>(src), static_cast<uint16_t *>(dst), g, n);
    break;
  case 4:
    stridedCopyKernel<<<grid, kThreadsPerBlock, 0, stream>>>(
        static_cast<const uint32_t *>(src), static_cast<uint32_t *>(dst), g, n);
    break;
  case 8:
    stridedCopyKernel<<<grid, kThreadsPerBlock, 0, stream>>>(
        static_cast<const uint64_t *>(src), static_cast<uint64_t *>(dst), g, n);
    break;
  default:
    return ctx.error("no device copy for elements of " +
                     std::to_string(elementSize) + " bytes");
  }
  return ctx.checkLaunch();
}

/// Resolves a possibly negative axis; infer() has already range-checked it.
int normalized(int64_t axis, int rank) {
  return int(axis < 0 ? axis + rank : axis);
}

Status transposeRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  std::vector<int64_t> perm = ctx.attrs().getInts("permutation");
  int64_t inStrides[kMaxRank], src[kMaxRank], dst[kMaxRank];
  contiguousStrides(in.shape, inStrides);
  contiguousStrides(out.shape, dst);
  for (int d = 0; d < out.shape.rank; ++d)
    src[d] = inStrides[perm[d]];
  return stridedCopy(ctx, in.data, src, out.shape, dtypeSize(in.dtype),
                     out.data, dst);
}

Status expandRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  int64_t src[kMaxRank], dst[kMaxRank];
  broadcastStrides(in.shape, out.shape, src);
  contiguousStrides(out.shape, dst);
  return stridedCopy(ctx, in.data, src, out.shape, dtypeSize(in.dtype),
                     out.data, dst);
}

Status concatRun(CudaKernelContext &ctx) {
  TensorRef &out = ctx.output(0);
  int axis = normalized(ctx.attrs().getInt("axis", 0), out.shape.rank);
  size_t esize = dtypeSize(out.dtype);
  int64_t dst[kMaxRank], offset = 0;
  contiguousStrides(out.shape, dst);
  // Each input lands in the output's window [offset, offset + its dim)
  // along the axis, read densely and written at the output's strides.
  for (int i = 0; i < ctx.numInputs(); ++i) {
    const TensorRef &in = ctx.input(i);
    int64_t src[kMaxRank];
    contiguousStrides(in.shape, src);
    char *base =
        static_cast<char *>(out.data) + offset * dst[axis] * int64_t(esize);
    DEEPC_RETURN_IF_ERROR(
        stridedCopy(ctx, in.data, src, in.shape, esize, base, dst));
    offset += in.shape.dims[axis];
  }
  return okStatus();
}

Status sliceRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  if (out.numel() == 0)
    return okStatus();
  int64_t start[kMaxRank], step[kMaxRank], inStrides[kMaxRank];
  int64_t src[kMaxRank], dst[kMaxRank];
  sliceStarts(ctx.attrs(), in.shape, start, step);
  contiguousStrides(in.shape, inStrides);
  contiguousStrides(out.shape, dst);
  int64_t base = 0;
  for (int d = 0; d < in.shape.rank; ++d) {
    base += start[d] * inStrides[d];
    src[d] = step[d] * inStrides[d];
  }
  size_t esize = dtypeSize(in.dtype);
  return stridedCopy(ctx,
                     static_cast<const char *>(in.data) + base * int64_t(esize),
                     src, out.shape, esize, out.data, dst);
}

//===----------------------------------------------------------------------===//
// gather: result = data[:axis] + indices + data[axis+1:]
//===----------------------------------------------------------------------===//

template <typename T>
__global__ void gatherKernel(const T *data, const void *indices,
                             bool indicesI64, int64_t numIndices,
                             int64_t axisDim, int64_t slice, T *out, int64_t n,
                             int *fault, int faultCode) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t r = i % slice, j = (i / slice) % numIndices,
            o = i / (slice * numIndices);
    int64_t index = indicesI64 ? static_cast<const int64_t *>(indices)[j]
                               : static_cast<const int32_t *>(indices)[j];
    if (index < 0)
      index += axisDim;
    if (index < 0 || index >= axisDim) {
      // The CPU kernel refuses the whole gather; report it after the run.
      atomicCAS(fault, 0, faultCode);
      out[i] = T();
      continue;
    }
    out[i] = data[(o * axisDim + index) * slice + r];
  }
}

Status gatherRun(CudaKernelContext &ctx) {
  const TensorRef &data = ctx.input(0), &indices = ctx.input(1);
  TensorRef &out = ctx.output(0);
  int axis = normalized(ctx.attrs().getInt("axis", 0), data.shape.rank);
  int64_t n = out.numel();
  if (n == 0)
    return okStatus();
  int64_t axisDim = data.shape.dims[axis];
  int64_t slice = 1;
  for (int d = axis + 1; d < data.shape.rank; ++d)
    slice *= data.shape.dims[d];
  bool i64 = indices.dtype == DType::I64;
  unsigned grid = gridFor(n);
  cudaStream_t s = ctx.stream();
  int64_t numIndices = indices.numel();
  int *fault = ctx.faultFlag();
  int code = ctx.faultCode();
  switch (dtypeSize(data.dtype)) {
  case 1:
    gatherKernel<<<grid, kThreadsPerBlock, 0, s>>>(
        data.as<const uint8_t>(), indices.data, i64, numIndices, axisDim, slice,
        out.as<uint8_t>(), n, fault, code);
    break;
  case 2:
    gatherKernel<<<grid, kThreadsPerBlock, 0, s>>>(
        data.as<const uint16_t>(), indices.data, i64, numIndices, axisDim,
        slice, out.as<uint16_t>(), n, fault, code);
    break;
  case 4:
    gatherKernel<<<grid, kThreadsPerBlock, 0, s>>>(
        data.as<const uint32_t>(), indices.data, i64, numIndices, axisDim,
        slice, out.as<uint32_t>(), n, fault, code);
    break;
  case 8:
    gatherKernel<<<grid, kThreadsPerBlock, 0, s>>>(
        data.as<const uint64_t>(), indices.data, i64, numIndices, axisDim,
        slice, out.as<uint64_t>(), n, fault, code);
    break;
  default:
    return ctx.error("no device gather for this element size");
  }
  return ctx.checkLaunch();
}

//===----------------------------------------------------------------------===//
// rotary: pairs of the first rotary_dim channels of each row rotate by the
// angle whose cos/sin sit in the table row that broadcasts to it
//===----------------------------------------------------------------------===//

struct RotaryGeometry {
  DeviceGeometry lead; ///< the input's leading dims, with table strides
  int64_t d = 0, half = 0;
  bool interleaved = false;
};

__global__ void rotaryKernel(const void *x, DType xType, const void *cosT,
                             const void *sinT, DType tableType, void *y,
                             DType yType, RotaryGeometry g, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t row = i / g.d, c = i % g.d, base = row * g.d;
    if (c >= 2 * g.half) {
      storeFloat(y, yType, i, loadFloat(x, xType, i));
      continue;
    }
    // Channel c is either the first (a) or second (b) member of pair p.
    int64_t p, ia, ib;
    if (g.interleaved) {
      p = c / 2;
      ia = 2 * p;
      ib = 2 * p + 1;
    } else {
      p = c < g.half ? c : c - g.half;
      ia = p;
      ib = p + g.half;
    }
    int64_t t = offsetOf(row, g.lead.rank, g.lead.dims, g.lead.strides);
    float cs = loadFloat(cosT, tableType, t * g.half + p);
    float sn = loadFloat(sinT, tableType, t * g.half + p);
    float a = loadFloat(x, xType, base + ia),
          b = loadFloat(x, xType, base + ib);
    float v = c == ia ? a * cs - b * sn : b * cs + a * sn;
    storeFloat(y, yType, i, v);
  }
}

Status rotaryRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0), &cosT = ctx.input(1),
                  &sinT = ctx.input(2);
  TensorRef &out = ctx.output(0);
  int64_t n = out.numel();
  if (n == 0)
    return okStatus();
  RotaryGeometry g;
  g.d = in.shape.dims[in.shape.rank - 1];
  int64_t rotary = ctx.attrs().getInt("rotary_dim", 0);
  g.half = (rotary == 0 ? g.d : rotary) / 2;
  g.interleaved = ctx.attrs().getString("layout", "half") == "interleaved";
  Shape lead, table;
  for (int i = 0; i + 1 < in.shape.rank; ++i)
    lead.push(in.shape.dims[i]);
  for (int i = 0; i + 1 < cosT.shape.rank; ++i)
    table.push(cosT.shape.dims[i]);
  g.lead.rank = lead.rank;
  for (int i = 0; i < lead.rank; ++i)
    g.lead.dims[i] = lead.dims[i];
  broadcastStrides(table, lead, g.lead.strides);
  rotaryKernel<<<gridFor(n), kThreadsPerBlock, 0, ctx.stream()>>>(
      in.data, in.dtype, cosT.data, sinT.data, cosT.dtype, out.data, out.dtype,
      g, n);
  return ctx.checkLaunch();
}

bool rotarySupports(const PlanStep &step, const Plan &plan) {
  // The table dtypes must agree: one dtype argument reads both.
  return isDeviceFloat(planInputDType(step, plan, 0)) &&
         isDeviceFloat(planInputDType(step, plan, 1)) &&
         planInputDType(step, plan, 1) == planInputDType(step, plan, 2) &&
         isDeviceFloat(planOutputDType(step, plan, 0));
}

//===----------------------------------------------------------------------===//
// cast (a region whose body is one deepc.cast)
//===----------------------------------------------------------------------===//

__global__ void castKernel(const void *x, DType from, void *y, DType to,
                           DeviceGeometry g, int64_t n) {
  bool fromFloat = from == DType::F32 || from == DType::F16 ||
                   from == DType::BF16 || from == DType::F8E4M3FN;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    int64_t src = offsetOf(i, g.rank, g.dims, g.strides);
    // As the region interpreter: a float source converts through double
    // (saturating into integers), an integer one through int64 (wrapping).
    if (fromFloat)
      storeDouble(y, to, i, loadDouble(x, from, src));
    else
      storeInt64(y, to, i, loadInt64(x, from, src));
  }
}

/// The region's output is the input broadcast to inferRegion's shape.
Status castRun(CudaKernelContext &ctx) {
  const TensorRef &in = ctx.input(0);
  TensorRef &out = ctx.output(0);
  int64_t n = out.numel();
  if (n == 0)
    return okStatus();
  DeviceGeometry g;
  g.rank = out.shape.rank;
  for (int d = 0; d < g.rank; ++d)
    g.dims[d] = out.shape.dims[d];
  broadcastStrides(in.shape, out.shape, g.strides);
  castKernel<<<gridFor(n), kThreadsPerBlock, 0, ctx.stream()>>>(
      in.data, in.dtype, out.data, out.dtype, g, n);
  return ctx.checkLaunch();
}

bool castRegionSupports(const PlanStep &step, const Plan &) {
  return step.inputs.size() == 1 && step.outputs.size() == 1 &&
         step.inputs[0] >= 0;
}

bool anyDType(const PlanStep &, const Plan &) { return true; }

} // namespace

const CudaKernelDef &castRegionKernel() {
  static const CudaKernelDef def{castRun, castRegionSupports};
  return def;
}

void registerDataKernels(CudaKernelRegistry &registry) {
  registry.add("deepc.transpose", {transposeRun, anyDType});
  registry.add("deepc.concat", {concatRun, anyDType});
  registry.add("deepc.slice", {sliceRun, anyDType});
  registry.add("deepc.expand", {expandRun, anyDType});
  registry.add("deepc.gather", {gatherRun, anyDType});
  registry.add("deepc.rotary", {rotaryRun, rotarySupports});
}

} // namespace deepc::rt::cuda
