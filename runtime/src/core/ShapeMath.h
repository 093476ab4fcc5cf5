//===- ShapeMath.h - axes and dim products of runtime shapes ----*- C++ -*-===//
//
// The two shape computations every kernel's operand checks make, for the
// CPU kernels, the CUDA host plans and core/OpChecks.h alike.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CORE_SHAPEMATH_H
#define DEEPC_RUNTIME_CORE_SHAPEMATH_H

#include "deepc/rt/Tensor.h"

#include <cstdint>

namespace deepc::rt {

/// Resolves a possibly negative axis against `rank`; false when out of range.
inline bool normalizeAxis(int64_t axis, int rank, int &out) {
  if (axis < -rank || axis >= rank)
    return false;
  out = int(axis < 0 ? axis + rank : axis);
  return true;
}

/// Product of the dims [begin, end) of `s`.
inline int64_t dimProduct(const Shape &s, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i)
    n *= s.dims[i];
  return n;
}

} // namespace deepc::rt

#endif // DEEPC_RUNTIME_CORE_SHAPEMATH_H
