//===- CudaBackend.h - running a plan on one NVIDIA GPU ---------*- C++ -*-===//
//
// A CudaSession runs a loaded Model on one GPU: one device arena of the
// plan's size, the weights uploaded once, one stream. Each step runs one of
// three ways (the launch plan, decided once per model):
//   - Device: the op's CUDA kernel (cudaKernels()), or a region's compiled
//     CUDA function, launches on the stream;
//   - View: every output is an alias (a reshape), nothing runs;
//   - Host: no CUDA kernel covers the op (or its types), so its CPU kernel
//     runs on host copies of the inputs, and the outputs go back to the
//     device only when a device step reads them. Every plan runs; the
//     launch plan and stats() say how many steps fell back, and which ops.
// Shapes always come from the CPU kernels' shape functions (KernelDef::
// infer), run on the host. With fixed shapes and no host step, the second
// run is captured into a CUDA graph and later runs replay it.
//
// This header needs no CUDA headers: applications and the C API include it.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CUDA_CUDABACKEND_H
#define DEEPC_RT_CUDA_CUDABACKEND_H

#include "deepc/rt/CudaRegionAbi.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Session.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/Tensor.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deepc::rt::cuda {

class CudaKernelRegistry;
struct CudaKernelDef;

struct CudaOptions {
  /// The CUDA device ordinal.
  int device = 0;
  /// Capture the launches of a run into a CUDA graph and replay it when the
  /// plan allows it (see LaunchPlan::graphBlocker).
  bool graphCapture = true;
  /// Per step: the region's function in the artifact's CUDA code library
  /// (CudaRegionAbi.h), null where there is none; empty when the artifact
  /// has no such library. Regions without one run on the host (or, a lone
  /// cast, with the built-in cast kernel). The caller keeps the library
  /// loaded for the session's life.
  std::vector<deepc_cuda_region_fn> regionFunctions;
};

enum class StepPlacement : uint8_t { Device, View, Host };

const char *placementName(StepPlacement p);

/// How each step of a plan runs on the CUDA backend.
struct LaunchPlan {
  std::vector<StepPlacement> placement;
  /// Device steps: their kernel, or for a compiled region its function
  /// (null for the others).
  std::vector<const CudaKernelDef *> kernels;
  std::vector<deepc_cuda_region_fn> regionFns;
  int numDevice = 0, numView = 0, numHost = 0;
  /// Host steps by op ("region" for fused regions).
  std::map<std::string, int> hostOps;
  /// Per step: a matmul whose epilogue region (the next step) runs inside
  /// its cuBLASLt call (src/cuda/EpilogueMatch.h), unless the shapes at
  /// run time rule it out. Other steps marked `epilogue` (a region cuBLASLt
  /// cannot express, a norm, a rotary) run as two steps, the result in
  /// its arena slot.
  std::vector<bool> fusedEpilogue;
  int numEpilogueFused = 0, numEpilogueUnfused = 0;
  /// Empty when every run may be a replay of a captured CUDA graph; else
  /// why not, for users ("input 'ids' has symbolic dims").
  std::string graphBlocker;
  bool graphEligible() const { return graphBlocker.empty(); }
  /// "12 device, 3 view, 2 host steps (host: deepc.topk x2)", then, when
  /// the plan has epilogues, "; 2 epilogues fused, 1 epilogue unfused".
  std::string summary() const;
};

/// Decides where each step of `plan` runs. A step runs on the device when
/// `cuda` has a kernel for its op whose `supports` accepts the step's
/// types; a region when `regionFns` has its compiled function, or when it
/// is one deepc.cast. Pure host logic: usable and tested without a GPU.
LaunchPlan
buildLaunchPlan(const Plan &plan, const KernelRegistry &cpu,
                const CudaKernelRegistry &cuda,
                const std::vector<deepc_cuda_region_fn> &regionFns = {});

/// The message of a missing GPU, with what to do about it.
Status noCudaDeviceStatus(const std::string &cudaError);

/// Checks that device `device` exists and can be used; on success sets
/// `name` (when non-null) to its name and compute capability.
Status probeCudaDevice(int device, std::string *name = nullptr);

struct CudaRunStats {
  int64_t runs = 0;
  /// Of all runs: graph replays, and host steps executed.
  int64_t graphReplays = 0;
  int64_t hostSteps = 0;
  /// Device-to-host copies made so that a shape function or a host step
  /// could read values produced on the device (each waits for the stream).
  int64_t deviceToHostCopies = 0;
  bool graphCaptured = false;
  /// Why runs are not replayed from a graph (empty once one is captured).
  std::string graphBlocker;
};

class CudaSession final : public ExecutionSession {
public:
  /// Fails with noCudaDeviceStatus when there is no usable GPU; allocates
  /// the arena and uploads the weights.
  static Status create(std::shared_ptr<const Model> model,
                       const CudaOptions &options,
                       std::unique_ptr<CudaSession> &out);
  ~CudaSession() override;
  CudaSession(const CudaSession &) = delete;
  CudaSession &operator=(const CudaSession &) = delete;

  const Model &model() const override;
  const LaunchPlan &launchPlan() const;
  const CudaRunStats &stats() const;

  /// `input` is host memory; it is read during run(), not here.
  Status bindInput(size_t index, const TensorRef &input) override;
  /// Runs the plan and waits for it; outputs are then in host memory.
  Status run() override;
  /// Output `index` of the last run, in host memory owned by the session
  /// (valid until the next run).
  Status output(size_t index, TensorRef &out) const override;
  /// Threads of the host fallback steps' CPU kernels.
  void setNumThreads(int n) override;
  /// Counted by host steps (KernelContext::addCounter) and device kernels
  /// (CudaKernelContext::deviceCounter) alike.
  Status counter(std::string_view name, int64_t &out) const override;
  std::string device() const override;
  /// The device's name, then the launch plan's summary.
  std::string summary() const override;

  struct Impl;

private:
  explicit CudaSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace deepc::rt::cuda

#endif // DEEPC_RT_CUDA_CUDABACKEND_H
