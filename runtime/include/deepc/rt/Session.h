//===- Session.h - loaded models and their execution ------------*- C++ -*-===//
//
// The C++ side of the C API: a Model is a loaded, validated artifact
// (immutable, shareable across threads); a Session holds the memory of one
// execution of it (the arena, dynamic buffers, bound inputs) on the CPU.
// ExecutionSession is what every device's session offers the C API, which
// picks one with the artifact's target or the caller's choice.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_SESSION_H
#define DEEPC_RT_SESSION_H

#include "deepc/rt/Artifact.h"
#include "deepc/rt/CudaRegionAbi.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/RegionAbi.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/Tensor.h"
#include "deepc_runtime.h"

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace deepc::rt {

class Model {
public:
  /// Loads and validates the artifact directory `dir`, whose non-region
  /// steps run with `kernels` (the target's registry, e.g. cpuKernels()).
  static Status load(const std::string &dir, const KernelRegistry &kernels,
                     std::shared_ptr<Model> &out);
  ~Model();
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  const Manifest &manifest() const { return manifest_; }
  const Plan &plan() const { return plan_; }
  /// weights.bin, memory-mapped (null when it is empty).
  const unsigned char *weights() const { return weights_; }

  size_t numInputs() const { return inputInfo_.size(); }
  size_t numOutputs() const { return outputInfo_.size(); }
  /// Strings point into the plan and live as long as the model.
  const deepc_tensor_info &inputInfo(size_t i) const { return inputInfo_[i]; }
  const deepc_tensor_info &outputInfo(size_t i) const { return outputInfo_[i]; }

  /// The kernel of step `s` (null for regions).
  const KernelDef *kernel(size_t s) const { return kernels_[s]; }
  /// The compiled function of region step `s`; null when it is interpreted.
  deepc_region_fn regionFunction(size_t s) const { return regionFns_[s]; }

  /// Per step, the launcher of the region in the artifact's CUDA library
  /// (manifest cudaLibrary, CudaRegionAbi.h), null for other steps; empty
  /// when the artifact has no such library. The library is opened on the
  /// first call, not at load time, so that a CUDA artifact loads and runs
  /// on the CPU where the CUDA libraries are missing; it stays open as long
  /// as the model. Thread-safe.
  Status cudaRegionFunctions(std::vector<deepc_cuda_region_fn> &out) const;

private:
  Model() = default;
  Status loadFiles(const std::string &dir);
  Status checkConsistency() const;
  Status mapWeights(const std::string &dir);
  Status bindKernels(const KernelRegistry &registry);
  Status openCodeLibrary(const std::string &dir);
  void buildInfos();

  Manifest manifest_;
  Plan plan_;
  unsigned char *weights_ = nullptr;
  size_t weightsMapped_ = 0;
  void *codeLibrary_ = nullptr;
  std::string dir_;
  mutable std::mutex cudaLibraryMutex_;
  mutable void *cudaLibrary_ = nullptr;
  mutable std::vector<deepc_cuda_region_fn> cudaRegionFns_;
  std::vector<const KernelDef *> kernels_;
  std::vector<deepc_region_fn> regionFns_;
  std::vector<deepc_tensor_info> inputInfo_, outputInfo_;
};

/// What a session offers its user, whatever device runs it: the CPU
/// Session below or cuda::CudaSession (deepc/rt/cuda/CudaBackend.h). The C
/// API holds one of these, so the two share its checks and conversions.
class ExecutionSession {
public:
  virtual ~ExecutionSession();

  virtual const Model &model() const = 0;
  /// Checks `input` (host memory) against compiled input `index` and
  /// remembers it; it is read during run().
  virtual Status bindInput(size_t index, const TensorRef &input) = 0;
  /// Runs the plan; returns once the outputs are ready.
  virtual Status run() = 0;
  /// Output `index` of the last run, in host memory the session owns
  /// (valid until the next run).
  virtual Status output(size_t index, TensorRef &out) const = 0;
  /// Threads the CPU kernels may use (0: the default); on a GPU, the ones
  /// of the host fallback steps.
  virtual void setNumThreads(int n) = 0;
  /// Run statistic `name` of the last run (e.g. "moe.dropped_tokens", see
  /// the kernels that add them); notFound when no kernel has added to it
  /// in any run of this session. Every run starts the known ones at 0.
  virtual Status counter(std::string_view name, int64_t &out) const = 0;
  /// "cpu", or "cuda:0".
  virtual std::string device() const = 0;
  /// Where the steps run, for users: "cpu: 42 steps", or the CUDA launch
  /// plan ("cuda:0 (NVIDIA H100, sm_90): 40 device, 2 host steps ...").
  virtual std::string summary() const = 0;
};

/// Whether `input` fits compiled input `index` (dtype, rank, static dims,
/// symbolic dims within their compiled bounds, data present); both sessions
/// check this when an input is bound.
Status checkBoundInput(const Model &model, size_t index,
                       const TensorRef &input);

/// Whether the bound inputs agree on every symbolic dim they share (both
/// sessions check this before a run); the error names the dim and inputs.
Status checkSharedInputDims(const Model &model,
                            const std::vector<TensorRef> &bound);

class Session final : public ExecutionSession {
public:
  static Status create(std::shared_ptr<const Model> model,
                       std::unique_ptr<Session> &out);
  ~Session() override;
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  const Model &model() const override { return *model_; }

  Status bindInput(size_t index, const TensorRef &input) override;
  Status run() override;
  Status output(size_t index, TensorRef &out) const override;
  void setNumThreads(int n) override { numThreads_ = n; }
  Status counter(std::string_view name, int64_t &out) const override;
  const CounterTable &counters() const { return counters_; }
  std::string device() const override { return "cpu"; }
  std::string summary() const override;

private:
  /// Memory from posix_memalign that grows and is reused across runs.
  struct DynamicBuffer {
    void *data = nullptr;
    size_t capacity = 0;
  };

  explicit Session(std::shared_ptr<const Model> model)
      : model_(std::move(model)) {}
  Status checkInputDims() const;
  Status runStep(size_t s);
  /// Steps head..last as one (a head with an epilogue and the steps it
  /// hands its result to; core/Epilogue.h).
  Status runChain(size_t head, size_t last);
  Status placeOutput(size_t s, int id, TensorRef &out);
  Status runRegion(size_t s, KernelContext &ctx);

  std::shared_ptr<const Model> model_;
  unsigned char *arena_ = nullptr;
  size_t arenaMapped_ = 0;
  std::vector<DynamicBuffer> dynamic_; ///< per value id
  std::vector<TensorRef> bound_;       ///< per graph input
  std::vector<bool> isBound_;
  std::vector<TensorRef> values_; ///< per value id, during a run
  bool hasRun_ = false;
  int numThreads_ = 0;
  CounterTable counters_;
  /// With DEEPC_PROFILE set: seconds spent in each step over `runs_` runs,
  /// printed to stderr by the destructor.
  bool profile_ = false;
  std::vector<double> stepSeconds_;
  int64_t runs_ = 0;
  void printProfile() const;
};

} // namespace deepc::rt

#endif // DEEPC_RT_SESSION_H
