//===- Session.h - loaded models and their execution ------------*- C++ -*-===//
//
// The C++ side of the C API: a Model is a loaded, validated artifact
// (immutable, shareable across threads); a Session holds the memory of one
// execution of it (the arena, dynamic buffers, bound inputs).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_SESSION_H
#define DEEPC_RT_SESSION_H

#include "deepc/rt/Artifact.h"
#include "deepc/rt/Kernel.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/RegionAbi.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/Tensor.h"
#include "deepc_runtime.h"

#include <memory>
#include <string>
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
  std::vector<const KernelDef *> kernels_;
  std::vector<deepc_region_fn> regionFns_;
  std::vector<deepc_tensor_info> inputInfo_, outputInfo_;
};

class Session {
public:
  static Status create(std::shared_ptr<const Model> model,
                       std::unique_ptr<Session> &out);
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  const Model &model() const { return *model_; }

  /// Checks `input` against compiled input `index` and remembers it.
  Status bindInput(size_t index, const TensorRef &input);
  Status run();
  /// Output `index` of the last run.
  Status output(size_t index, TensorRef &out) const;
  void setNumThreads(int n) { numThreads_ = n; }

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
  /// With DEEPC_PROFILE set: seconds spent in each step over `runs_` runs,
  /// printed to stderr by the destructor.
  bool profile_ = false;
  std::vector<double> stepSeconds_;
  int64_t runs_ = 0;
  void printProfile() const;
};

} // namespace deepc::rt

#endif // DEEPC_RT_SESSION_H
