//===- CudaKernel.h - the CUDA backend's kernel contract --------*- C++ -*-===//
//
// A CUDA kernel of a deepc op launches its work on the backend's stream and
// returns without waiting for it. Shapes are not its business: the backend
// runs the op's CPU shape function (KernelDef::infer) first, so a launcher
// finds its outputs shaped and placed in device memory, and its attributes
// already validated. Ops without a CUDA kernel, or whose operand types a
// kernel does not cover (`supports`), run their CPU kernel on host copies.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CUDA_CUDAKERNEL_H
#define DEEPC_RT_CUDA_CUDAKERNEL_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/cuda/CudaLibraries.h"

#include <cuda_runtime_api.h>

#include <map>
#include <string>

namespace deepc::rt::cuda {

class CudaLibraries;

/// What a launcher sees: the step, its attributes, device TensorRefs (every
/// `data` is a device pointer) and the stream to launch on.
class CudaKernelContext : public KernelContext {
public:
  CudaKernelContext(const PlanStep &step, TensorRef *inputs, int numInputs,
                    TensorRef *outputs, int numOutputs, cudaStream_t stream,
                    CudaLibraries &libraries, int *faultFlag)
      : KernelContext(step, inputs, numInputs, outputs, numOutputs),
        stream_(stream), libraries_(libraries), faultFlag_(faultFlag) {}

  cudaStream_t stream() const { return stream_; }
  /// The backend's library handles (cuBLASLt) and device scratch
  /// (deviceScratch(); the inherited scratch() is host memory).
  CudaLibraries &libraries() { return libraries_; }

  /// This step's device word, which a kernel sets to faultCode() when an
  /// element is bad (an index out of range): a kernel cannot return a
  /// Status, so the backend reads the words after the run and reports the
  /// step. Compiled regions get the same word (CudaRegionAbi.h).
  int *faultFlag() const { return faultFlag_; }
  static constexpr int faultCode() { return 1; }

  /// The device slot of run statistic `name` (CudaLibraries::
  /// deviceCounter): kernels add to it on the stream, and the session's
  /// counter `name` gets the sum after the run. Null when the session has
  /// no slot left; the statistic is then not reported.
  unsigned long long *deviceCounter(const char *name) {
    return libraries_.deviceCounter(name);
  }

  /// A failed Status naming the op when the last launch failed (bad launch
  /// configuration, too many resources); ok otherwise.
  Status checkLaunch() const;

private:
  cudaStream_t stream_;
  CudaLibraries &libraries_;
  int *faultFlag_;
};

struct CudaKernelDef {
  /// Enqueues the computation on ctx.stream(). Inputs and outputs are
  /// device memory and never overlap.
  Status (*run)(CudaKernelContext &ctx) = nullptr;
  /// Whether this kernel covers the step's operand and result types (read
  /// from the plan's values); null means it covers every type the op
  /// allows. A step it does not cover runs on the host instead.
  bool (*supports)(const PlanStep &step, const Plan &plan) = nullptr;
};

/// Op name → CUDA kernel.
class CudaKernelRegistry {
public:
  void add(const std::string &op, CudaKernelDef def) { kernels_[op] = def; }
  const CudaKernelDef *lookup(const std::string &op) const {
    auto it = kernels_.find(op);
    return it == kernels_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, CudaKernelDef> &all() const { return kernels_; }

private:
  std::map<std::string, CudaKernelDef> kernels_;
};

/// The CUDA kernels of this runtime (src/cuda/CudaKernels.cpp).
const CudaKernelRegistry &cudaKernels();

/// The dtype of operand `i` / result `i` of `step` as the plan declares it
/// (Invalid for an absent optional operand): what `supports` functions read.
DType planInputDType(const PlanStep &step, const Plan &plan, size_t i);
DType planOutputDType(const PlanStep &step, const Plan &plan, size_t i);

} // namespace deepc::rt::cuda

#endif // DEEPC_RT_CUDA_CUDAKERNEL_H
