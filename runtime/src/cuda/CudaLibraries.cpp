//===- CudaLibraries.cpp - cuBLASLt handle, workspace and scratch ---------===//

#include "deepc/rt/cuda/CudaLibraries.h"

namespace deepc::rt::cuda {

Status cudaStatus(cudaError_t err, const std::string &what) {
  if (err == cudaSuccess)
    return okStatus();
  std::string message = what + ": " + cudaGetErrorName(err) + " (" +
                        cudaGetErrorString(err) + ")";
  if (err == cudaErrorMemoryAllocation)
    return resourceExhausted(message);
  return internalError(message);
}

Status CudaLibraries::create(std::unique_ptr<CudaLibraries> &out) {
  std::unique_ptr<CudaLibraries> libs(new CudaLibraries());
  if (cublasStatus_t s = cublasLtCreate(&libs->blasLt_);
      s != CUBLAS_STATUS_SUCCESS)
    return internalError(std::string("cannot create a cuBLASLt handle: ") +
                         cublasLtGetStatusString(s));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMalloc(&libs->blasWorkspace_, kBlasWorkspaceBytes),
                 "cannot allocate the cuBLASLt workspace"));
  int device = 0;
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaGetDevice(&device), "cannot query the CUDA device"));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaDeviceGetAttribute(&libs->smCount_,
                                        cudaDevAttrMultiProcessorCount, device),
                 "cannot query the multiprocessor count"));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMalloc(reinterpret_cast<void **>(&libs->counterSlots_),
                            kMaxDeviceCounters * sizeof(unsigned long long)),
                 "cannot allocate the device counters"));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMemset(libs->counterSlots_, 0,
                            kMaxDeviceCounters * sizeof(unsigned long long)),
                 "cannot clear the device counters"));
  out = std::move(libs);
  return okStatus();
}

CudaLibraries::~CudaLibraries() {
  if (blasLt_)
    cublasLtDestroy(blasLt_);
  cudaFree(blasWorkspace_);
  cudaFree(scratch_);
  cudaFree(counterSlots_);
}

unsigned long long *CudaLibraries::deviceCounter(const std::string &name) {
  for (size_t i = 0; i < counterNames_.size(); ++i)
    if (counterNames_[i] == name)
      return counterSlots_ + i;
  if (counterNames_.size() >= size_t(kMaxDeviceCounters))
    return nullptr;
  counterNames_.push_back(name);
  return counterSlots_ + (counterNames_.size() - 1);
}

void *CudaLibraries::deviceScratch(size_t bytes) {
  if (bytes <= scratchBytes_ && scratch_)
    return scratch_;
  cudaFree(scratch_);
  scratch_ = nullptr;
  scratchBytes_ = 0;
  size_t want = bytes ? bytes : 1;
  if (cudaMalloc(&scratch_, want) != cudaSuccess) {
    cudaGetLastError(); // clear the sticky-free error state
    scratch_ = nullptr;
    return nullptr;
  }
  scratchBytes_ = want;
  return scratch_;
}

} // namespace deepc::rt::cuda
