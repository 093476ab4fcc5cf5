//===- Geometry.h - host-side index math of the CUDA kernels ----*- C++ -*-===//
//
// What the CUDA kernels compute on the host before a launch: merged copy
// dims, the kept/reduced split of a reduction, a slice's starts. Plain C++
// (no CUDA headers) so that the unit tests check it without a GPU; the
// structs are passed to kernels by value.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_GEOMETRY_H
#define DEEPC_RUNTIME_CUDA_GEOMETRY_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/Tensor.h"

#include <cstdint>

namespace deepc::rt::cuda {

/// Dims and one set of element strides.
struct DeviceGeometry {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t strides[kMaxRank] = {};
};

/// Dims read at one set of strides and written at another.
struct CopyGeometry {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t srcStrides[kMaxRank] = {};
  int64_t dstStrides[kMaxRank] = {};
};

/// The copy of `shape`'s elements from `srcStrides` to `dstStrides` with
/// unit dims dropped and a dim merged into the previous one wherever both
/// strides step over it contiguously (a dense copy becomes one dim).
CopyGeometry mergeCopyDims(const Shape &shape, const int64_t *srcStrides,
                           const int64_t *dstStrides);

/// Splits the dims of a dense `input` into the kept ones and the reduced
/// ones (`reduced[d]`), each outermost first, with their input strides;
/// adjacent dims of the same kind that are contiguous are merged.
void splitReduction(const Shape &input, const bool *reduced,
                    DeviceGeometry &kept, DeviceGeometry &reducedDims);

/// Per dim of the input: the first index and the step of a deepc.slice
/// (ONNX Slice bounds, clamped as src/cpu/Layout.cpp does). Assumes
/// attributes that the CPU shape function has validated.
void sliceStarts(const Attrs &attrs, const Shape &input, int64_t *start,
                 int64_t *step);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_GEOMETRY_H
