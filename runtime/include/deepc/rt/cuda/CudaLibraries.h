//===- CudaLibraries.h - per-session CUDA library state ---------*- C++ -*-===//
//
// What kernels share within one CUDA session: the cuBLASLt handle and its
// workspace, the matmul algorithms already chosen, and a device scratch
// buffer. Created once per session, so nothing on the launch path
// allocates (which would also break CUDA graph capture).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CUDA_CUDALIBRARIES_H
#define DEEPC_RT_CUDA_CUDALIBRARIES_H

#include "deepc/rt/Status.h"

#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deepc::rt::cuda {

/// "<what>: <CUDA's error name and string>", e.g. for a failed cudaMalloc.
Status cudaStatus(cudaError_t err, const std::string &what);

class CudaLibraries {
public:
  /// cuBLASLt's workspace: enough for its split-K and stream-K algorithms.
  static constexpr size_t kBlasWorkspaceBytes = size_t(32) << 20;

  static Status create(std::unique_ptr<CudaLibraries> &out);
  ~CudaLibraries();
  CudaLibraries(const CudaLibraries &) = delete;
  CudaLibraries &operator=(const CudaLibraries &) = delete;

  cublasLtHandle_t blasLt() const { return blasLt_; }
  /// Multiprocessors of the current device (sizes split-K style grids).
  int smCount() const { return smCount_; }
  void *blasWorkspace() const { return blasWorkspace_; }

  /// Device scratch of at least `bytes`, valid until the next call. Growing
  /// it frees the old buffer with cudaFree, which waits for the device, so
  /// kernels still reading it are safe; after the first run of a static
  /// plan it no longer grows. Null when the device is out of memory.
  void *deviceScratch(size_t bytes);

  /// Matmul algorithms by problem (Matmul.cpp's key): the heuristic query
  /// is slow next to a decode-step GEMM, so it runs once per shape.
  using MatmulKey = std::array<int64_t, 10>;
  std::map<MatmulKey, cublasLtMatmulAlgo_t> matmulAlgos;

  /// Run statistics counted on the device (the device twin of
  /// KernelContext::addCounter): one 64-bit slot per name, at an address
  /// fixed for the session so that a captured CUDA graph keeps adding to
  /// it on replay. The session zeroes the slots before each run and adds
  /// them to its counters after it. Null once kMaxDeviceCounters names are
  /// taken.
  static constexpr int kMaxDeviceCounters = 16;
  unsigned long long *deviceCounter(const std::string &name);
  /// The names given out so far; slot i of deviceCounterSlots() is name i.
  const std::vector<std::string> &deviceCounterNames() const {
    return counterNames_;
  }
  unsigned long long *deviceCounterSlots() const { return counterSlots_; }

private:
  CudaLibraries() = default;
  cublasLtHandle_t blasLt_ = nullptr;
  void *blasWorkspace_ = nullptr;
  void *scratch_ = nullptr;
  size_t scratchBytes_ = 0;
  int smCount_ = 0;
  unsigned long long *counterSlots_ = nullptr;
  std::vector<std::string> counterNames_;
};

} // namespace deepc::rt::cuda

#endif // DEEPC_RT_CUDA_CUDALIBRARIES_H
