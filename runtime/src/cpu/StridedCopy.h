//===- StridedCopy.h - copy a strided view into a dense tensor --*- C++ -*-===//
//
// expand, transpose and slice are all "read a strided view of the input
// into a dense output": they differ only in the strides (0 for a broadcast
// dimension, permuted for a transpose, scaled by the step for a slice).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CPU_STRIDEDCOPY_H
#define DEEPC_RUNTIME_CPU_STRIDEDCOPY_H

#include "deepc/rt/Tensor.h"

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cpu {

/// Writes the dense row-major tensor `dst` of shape `shape` whose element at
/// coordinates c is the element of `src` at offset sum(c[d] * srcStrides[d])
/// (in elements of `elementSize` bytes; strides may be 0 or negative).
/// Merges dimensions that are contiguous in both, then copies runs with
/// memcpy, fills broadcast runs, and splits the work over OpenMP threads
/// when it is large.
void stridedCopy(const void *src, const int64_t *srcStrides, const Shape &shape,
                 size_t elementSize, void *dst);

} // namespace deepc::rt::cpu

#endif // DEEPC_RUNTIME_CPU_STRIDEDCOPY_H
