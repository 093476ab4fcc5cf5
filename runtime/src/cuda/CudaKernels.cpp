//===- CudaKernels.cpp - the CUDA kernel registry -------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/OpAdapters.h"

namespace deepc::rt::cuda {

const CudaKernelRegistry &cudaKernels() {
  static const CudaKernelRegistry registry = [] {
    CudaKernelRegistry r;
    registerMatmulKernels(r);
    registerRowKernels(r);
    registerDataKernels(r);
    registerAttentionKernel(r);
    registerMoeKernel(r);
    registerGatedMlpKernel(r);
    registerQuantKernels(r);
    registerSelectionKernels(r);
    return r;
  }();
  return registry;
}

Status CudaKernelContext::checkLaunch() const {
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess)
    return okStatus();
  return error(std::string("CUDA launch failed: ") + cudaGetErrorName(err) +
               " (" + cudaGetErrorString(err) + ")");
}

DType planInputDType(const PlanStep &step, const Plan &plan, size_t i) {
  if (i >= step.inputs.size() || step.inputs[i] < 0 ||
      size_t(step.inputs[i]) >= plan.values.size())
    return DType::Invalid;
  return plan.values[step.inputs[i]].dtype;
}

DType planOutputDType(const PlanStep &step, const Plan &plan, size_t i) {
  if (i >= step.outputs.size() || step.outputs[i] < 0 ||
      size_t(step.outputs[i]) >= plan.values.size())
    return DType::Invalid;
  return plan.values[step.outputs[i]].dtype;
}

} // namespace deepc::rt::cuda
