//===- CudaTestUtil.h - GPU presence for the CUDA tests ---------*- C++ -*-===//
//
// The GPU tests build and run everywhere the CUDA backend builds, GPU or
// not: each checks what it can on the host, then skips when no device is
// visible.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_UNITTESTS_CUDATESTUTIL_H
#define DEEPC_UNITTESTS_CUDATESTUTIL_H

#include <cuda_runtime.h>
#include <gtest/gtest.h>

namespace deepc::test {

/// Whether a CUDA device is visible.
inline bool haveGpu() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

} // namespace deepc::test

/// Skips the current test when no CUDA device is visible.
#define SKIP_WITHOUT_GPU()                                                     \
  if (!deepc::test::haveGpu())                                                 \
  GTEST_SKIP() << "no CUDA device"

#endif // DEEPC_UNITTESTS_CUDATESTUTIL_H
