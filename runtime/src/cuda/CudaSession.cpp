//===- CudaSession.cpp - running a plan on one GPU ------------------------===//
//
// Every value has a device copy (its arena slot, a buffer of its own when
// dynamic or a graph input, or the uploaded weights) and possibly a host
// copy; two flags say which copies hold the current bytes. Device steps
// read device copies, host steps host copies, and a copy is made only when
// a step needs it (lazily, in both directions), so a chain of host steps
// doing shape arithmetic never touches the GPU, and a device result that
// only a shape function reads crosses once.
//
// Host fallback by explicit copies rather than cudaMallocManaged: the arena
// stays ordinary device memory (no page faults inside kernels, no
// migration back and forth for each host step, graph capture as usual),
// and copies happen only for the values a host step actually reads.
//
// Epilogues: a matmul whose region cuBLASLt can compute in its epilogue
// (LaunchPlan::fusedEpilogue) only records its result's shape at its own
// step; the region's step then runs both as one cublasLtMatmul writing the
// region's output. If the shapes at run time or cuBLASLt refuse, the
// deferred matmul runs first, into its arena slot, and the region after it.
// Every other epilogue runs as two steps.
//
// CUDA graphs: the first run is eager (it also warms cuBLASLt's algorithm
// cache and loads the kernels, neither of which belongs in a capture); if
// the plan is eligible and that run needed no device-to-host copy, the
// second run is captured and every later one replays the graph, with only
// the inputs' uploads and the outputs' downloads around it.
//
//===----------------------------------------------------------------------===//

#include "core/Epilogue.h"
#include "cuda/EpilogueMatch.h"
#include "cuda/Gemm.h"
#include "deepc/rt/cuda/CudaBackend.h"
#include "deepc/rt/cuda/CudaKernel.h"
#include "deepc/rt/cuda/CudaLibraries.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

namespace deepc::rt::cuda {

Status noCudaDeviceStatus(const std::string &cudaError) {
  return Status(DEEPC_FAILED_PRECONDITION,
                "no CUDA device: " + cudaError +
                    "; run this artifact on a machine with an NVIDIA GPU, "
                    "or on the CPU (deepc-run --device=cpu), or compile "
                    "with --target=cpu");
}

Status probeCudaDevice(int device, std::string *name) {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    cudaGetLastError(); // the error is not sticky; leave no trace of it
    return noCudaDeviceStatus(cudaGetErrorString(err));
  }
  if (count == 0)
    return noCudaDeviceStatus("no CUDA-capable device is detected");
  if (device < 0 || device >= count)
    return invalidArgument("CUDA device " + std::to_string(device) +
                           " does not exist: this machine has " +
                           std::to_string(count));
  cudaDeviceProp prop;
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaGetDeviceProperties(&prop, device),
                 "cannot query CUDA device " + std::to_string(device)));
  std::string label = std::string(prop.name) + " (sm_" +
                      std::to_string(prop.major) + std::to_string(prop.minor) +
                      ")";
  if (prop.major < 8)
    return unsupported("CUDA device " + std::to_string(device) + ", " + label +
                       ", is older than sm_80, the oldest GPU this runtime "
                       "is compiled for");
  if (name)
    *name = label;
  return okStatus();
}

namespace {

/// Zero-byte tensors still get a non-null host pointer (kernels read a null
/// `data` as "values unknown").
alignas(kBufferAlignment) unsigned char gEmptyHost[kBufferAlignment];

/// Integer tensors up to this size may be shape operands: when a shape
/// function fails without their values, they are fetched from the device.
constexpr int64_t kMaxShapeTensorElements = 4096;

struct HostBuffer {
  void *data = nullptr;
  size_t capacity = 0;
};

struct DeviceBuffer {
  void *data = nullptr;
  size_t capacity = 0;
};

struct ValueState {
  TensorRef device;     ///< shape, dtype and the device pointer
  void *host = nullptr; ///< the host copy, when hostValid
  bool hostValid = false;
  bool deviceValid = false;
};

std::string stepName(const PlanStep &step) {
  std::string name = step.op;
  if (!step.loc.empty())
    name += " (node '" + step.loc + "')";
  return name;
}

std::string valueName(const Plan &plan, int id) {
  const std::string &name = plan.values[id].name;
  return name.empty() ? "value " + std::to_string(id)
                      : "'" + name + "' (value " + std::to_string(id) + ")";
}

} // namespace

struct CudaSession::Impl {
  std::shared_ptr<const Model> model;
  CudaOptions options;
  LaunchPlan launch;
  CudaRunStats stats;

  cudaStream_t stream = nullptr;
  std::unique_ptr<CudaLibraries> libs;
  unsigned char *arena = nullptr;   // device
  unsigned char *weights = nullptr; // device
  int *faults = nullptr; // device: one word per step, nonzero on a fault

  std::vector<ValueState> values;
  std::vector<HostBuffer> hostBuffers;     // per value id
  std::vector<DeviceBuffer> deviceBuffers; // per value id: dynamic, inputs
  std::vector<TensorRef> bound;
  std::vector<bool> isBound;
  bool hasRun = false;
  int numThreads = 0;
  CounterTable counters;
  std::string deviceLabel; ///< "NVIDIA H100 80GB HBM3 (sm_90)"

  cudaGraphExec_t graphExec = nullptr;
  bool graphDisabled = false;
  bool capturing = false;
  bool captureBroken = false;
  /// Whether the first run needed no device-to-host copy inside the steps.
  bool firstRunClean = false;
  int64_t copiesThisRun = 0;

  /// Per step: the cuBLASLt epilogue of a matmul with launch.fusedEpilogue.
  std::vector<GemmEpilogue> epilogues;
  /// The matmul step whose launch waits for its region's step, or -1.
  int deferredMatmul = -1;

  ~Impl();
  Status init();
  Status checkInputDims() const;
  Status runOnce(bool capture);
  Status replay();
  Status finishRun();
  Status runStep(size_t s);
  Status placeDevice(size_t s, int id, TensorRef &out);
  Status growDevice(int id, size_t bytes, void *&out);
  Status hostBuffer(int id, size_t bytes, void *&out);
  Status fetchToHost(int id, bool isOutput = false);
  Status ensureDevice(int id);
  Status sync(const char *what);
  Status runHostRegion(size_t s, KernelContext &ctx);
  Status resetDeviceCounters();
  Status collectDeviceCounters();
  Status launchRegion(size_t s, std::vector<TensorRef> &ins, TensorRef &out);
  /// `step`'s operands on the device (copied there first where needed);
  /// absent optional ones stay empty.
  Status deviceOperands(const PlanStep &step, std::vector<TensorRef> &ins);
  Status runFusedEpilogue(size_t matmul, TensorRef &out, bool &fused);
  Status runDeferredMatmul(size_t matmul);
  size_t faultBytes() const {
    return (model->plan().steps.size() + 1) * sizeof(int);
  }
};

CudaSession::Impl::~Impl() {
  if (stream)
    cudaStreamSynchronize(stream);
  if (graphExec)
    cudaGraphExecDestroy(graphExec);
  libs.reset();
  cudaFree(arena);
  cudaFree(weights);
  cudaFree(faults);
  for (DeviceBuffer &b : deviceBuffers)
    cudaFree(b.data);
  for (HostBuffer &b : hostBuffers)
    std::free(b.data);
  if (stream)
    cudaStreamDestroy(stream);
}

Status CudaSession::Impl::init() {
  const Plan &plan = model->plan();
  DEEPC_RETURN_IF_ERROR(probeCudaDevice(options.device, &deviceLabel));
  DEEPC_RETURN_IF_ERROR(cudaStatus(cudaSetDevice(options.device),
                                   "cannot select the CUDA device"));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
                 "cannot create a CUDA stream"));
  DEEPC_RETURN_IF_ERROR(CudaLibraries::create(libs));
  size_t arenaBytes = std::max<uint64_t>(plan.arenaBytes, kBufferAlignment);
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMalloc(reinterpret_cast<void **>(&arena), arenaBytes),
                 "cannot allocate the " + std::to_string(plan.arenaBytes) +
                     "-byte device arena of the model"));
  size_t weightBytes = std::max<uint64_t>(plan.weightsBytes, kBufferAlignment);
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMalloc(reinterpret_cast<void **>(&weights), weightBytes),
                 "cannot allocate " + std::to_string(plan.weightsBytes) +
                     " bytes of device memory for the weights"));
  if (plan.weightsBytes && model->weights())
    DEEPC_RETURN_IF_ERROR(
        cudaStatus(cudaMemcpy(weights, model->weights(), plan.weightsBytes,
                              cudaMemcpyHostToDevice),
                   "cannot upload the weights"));
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMalloc(reinterpret_cast<void **>(&faults), faultBytes()),
                 "cannot allocate the fault flags"));

  launch = buildLaunchPlan(plan, cpuKernels(), cudaKernels(),
                           options.regionFunctions);
  if (!options.graphCapture)
    stats.graphBlocker = "graph capture is turned off";
  else if (!launch.graphEligible())
    stats.graphBlocker = launch.graphBlocker;
  else
    stats.graphBlocker = "the first run is eager; the second is captured";

  epilogues.resize(plan.steps.size());
  for (size_t s = 0; s < plan.steps.size(); ++s)
    if (launch.fusedEpilogue[s])
      matchGemmEpilogue(plan, s, epilogues[s]);

  values.resize(plan.values.size());
  hostBuffers.resize(plan.values.size());
  deviceBuffers.resize(plan.values.size());
  bound.resize(plan.inputs.size());
  isBound.assign(plan.inputs.size(), false);
  // Constants: both copies valid for good.
  for (size_t id = 0; id < plan.values.size(); ++id) {
    const PlanValue &v = plan.values[id];
    if (v.kind != ValueKind::Constant)
      continue;
    ValueState &state = values[id];
    state.device.dtype = v.dtype;
    for (int64_t d : v.dims)
      state.device.shape.push(d);
    bool empty = state.device.bytes() == 0 || !model->weights();
    state.device.data = weights + (empty ? 0 : v.weightsOffset);
    state.host =
        empty ? static_cast<void *>(gEmptyHost)
              : const_cast<unsigned char *>(model->weights()) + v.weightsOffset;
    state.hostValid = state.deviceValid = true;
  }
  return okStatus();
}

Status CudaSession::Impl::sync(const char *what) {
  return cudaStatus(cudaStreamSynchronize(stream), what);
}

Status CudaSession::Impl::hostBuffer(int id, size_t bytes, void *&out) {
  if (bytes == 0) {
    out = gEmptyHost;
    return okStatus();
  }
  HostBuffer &b = hostBuffers[id];
  if (bytes > b.capacity) {
    void *p = nullptr;
    if (::posix_memalign(&p, kBufferAlignment, bytes) != 0)
      return resourceExhausted("cannot allocate " + std::to_string(bytes) +
                               " bytes of host memory for " +
                               valueName(model->plan(), id));
    std::free(b.data);
    b.data = p;
    b.capacity = bytes;
  }
  out = b.data;
  return okStatus();
}

Status CudaSession::Impl::growDevice(int id, size_t bytes, void *&out) {
  DeviceBuffer &b = deviceBuffers[id];
  if (bytes > b.capacity || !b.data) {
    if (capturing) {
      captureBroken = true;
      return internalError("a device buffer would grow during graph capture");
    }
    cudaFree(b.data); // waits for kernels still using the old buffer
    b.data = nullptr;
    b.capacity = 0;
    size_t want = bytes ? bytes : 1;
    DEEPC_RETURN_IF_ERROR(cudaStatus(
        cudaMalloc(&b.data, want), "cannot allocate " + std::to_string(bytes) +
                                       " bytes of device memory for " +
                                       valueName(model->plan(), id)));
    b.capacity = want;
  }
  out = b.data;
  return okStatus();
}

/// Enqueues the copy of value `id` to the host; the caller syncs. Copies
/// of the graph outputs at the end of a run are not counted in the stats.
Status CudaSession::Impl::fetchToHost(int id, bool isOutput) {
  ValueState &v = values[id];
  if (v.hostValid)
    return okStatus();
  if (capturing) {
    captureBroken = true;
    return internalError("a step needs host values during graph capture");
  }
  size_t bytes = v.device.bytes();
  DEEPC_RETURN_IF_ERROR(hostBuffer(id, bytes, v.host));
  if (bytes)
    DEEPC_RETURN_IF_ERROR(cudaStatus(
        cudaMemcpyAsync(v.host, v.device.data, bytes, cudaMemcpyDeviceToHost,
                        stream),
        "cannot copy " + valueName(model->plan(), id) + " to the host"));
  v.hostValid = true;
  if (!isOutput) {
    ++stats.deviceToHostCopies;
    ++copiesThisRun;
  }
  return okStatus();
}

Status CudaSession::Impl::ensureDevice(int id) {
  ValueState &v = values[id];
  if (v.deviceValid)
    return okStatus();
  if (capturing) {
    // Uploads from pageable host memory cannot be captured.
    captureBroken = true;
    return internalError("a step needs an upload during graph capture");
  }
  size_t bytes = v.device.bytes();
  if (bytes)
    DEEPC_RETURN_IF_ERROR(cudaStatus(
        cudaMemcpyAsync(v.device.data, v.host, bytes, cudaMemcpyHostToDevice,
                        stream),
        "cannot copy " + valueName(model->plan(), id) + " to the device"));
  v.deviceValid = true;
  return okStatus();
}

/// Session::placeOutput's rules, for device memory.
Status CudaSession::Impl::placeDevice(size_t s, int id, TensorRef &out) {
  const Plan &plan = model->plan();
  const PlanValue &v = plan.values[id];
  size_t bytes = out.bytes();
  if (v.aliasOf >= 0) {
    const TensorRef &source = values[v.aliasOf].device;
    if (source.bytes() != bytes)
      return internalError(valueName(plan, id) + " of " +
                           stepName(plan.steps[s]) + " is a view of " +
                           valueName(plan, v.aliasOf) + " but has " +
                           std::to_string(bytes) + " bytes, not " +
                           std::to_string(source.bytes()));
    out.data = source.data;
    return okStatus();
  }
  if (v.dynamic)
    return growDevice(id, bytes, out.data);
  if (bytes > v.capacity)
    return outOfRange(valueName(plan, id) + " of " + stepName(plan.steps[s]) +
                      " needs " + std::to_string(bytes) + " bytes (shape " +
                      out.shape.str() + ") but the memory plan reserved " +
                      std::to_string(v.capacity) +
                      "; recompile with larger --max-dims");
  out.data = arena + (bytes ? v.arenaOffset : 0);
  return okStatus();
}

/// A region on the host: its compiled CPU function when the artifact has
/// one, else the interpreter (the CPU session's own path).
Status CudaSession::Impl::runHostRegion(size_t s, KernelContext &ctx) {
  return runRegionFunction(model->regionFunction(s), ctx, /*threads=*/0);
}

/// A region compiled for CUDA (CudaRegionAbi.h): device data, host dims
/// and strides, launched on the session's stream.
Status CudaSession::Impl::launchRegion(size_t s, std::vector<TensorRef> &ins,
                                       TensorRef &out) {
  const PlanStep &step = model->plan().steps[s];
  if (out.numel() == 0)
    return okStatus();
  size_t n = ins.size();
  std::vector<const void *> inputs(n);
  std::vector<int64_t> strides(n * DEEPC_REGION_MAX_RANK, 0);
  for (size_t i = 0; i < n; ++i) {
    inputs[i] = ins[i].data;
    broadcastStrides(ins[i].shape, out.shape,
                     &strides[i * DEEPC_REGION_MAX_RANK]);
  }
  deepc_region_args args;
  args.num_inputs = int32_t(n);
  args.inputs = inputs.data();
  args.input_strides = strides.data();
  args.output = out.data;
  args.rank = out.shape.rank;
  args.dims = out.shape.dims;
  args.num_threads = 0;
  int rc = launch.regionFns[s](&args, stream, faults + s);
  if (rc == DEEPC_REGION_LAUNCH_FAILED) {
    cudaError_t err = cudaGetLastError();
    return internalError("compiled CUDA region '" + step.symbol + "' of " +
                         stepName(step) +
                         " failed to launch: " + cudaGetErrorName(err));
  }
  if (rc != 0)
    return internalError("compiled CUDA region '" + step.symbol + "' of " +
                         stepName(step) + " refused its arguments (code " +
                         std::to_string(rc) + ")");
  return okStatus();
}

/// The deferred matmul `matmul` and its region (the next step) as one
/// cuBLASLt call writing `out`, the region's output. Leaves `fused` false,
/// having launched nothing, when the shapes or cuBLASLt rule it out.
Status CudaSession::Impl::deviceOperands(const PlanStep &step,
                                         std::vector<TensorRef> &ins) {
  ins.assign(step.inputs.size(), TensorRef());
  for (size_t i = 0; i < ins.size(); ++i) {
    int id = step.inputs[i];
    if (id < 0)
      continue;
    DEEPC_RETURN_IF_ERROR(ensureDevice(id));
    ins[i] = values[id].device;
  }
  return okStatus();
}

Status CudaSession::Impl::runFusedEpilogue(size_t matmul, TensorRef &out,
                                           bool &fused) {
  const Plan &plan = model->plan();
  const PlanStep &step = plan.steps[matmul];
  const PlanStep &region = plan.steps[matmul + 1];
  const GemmEpilogue &epilogue = epilogues[matmul];
  fused = false;
  TensorRef bias, residual;
  auto operand = [&](int input, TensorRef &ref) -> Status {
    if (input < 0)
      return okStatus();
    int id = region.inputs[input];
    DEEPC_RETURN_IF_ERROR(ensureDevice(id));
    ref = values[id].device;
    return okStatus();
  };
  DEEPC_RETURN_IF_ERROR(operand(epilogue.biasInput, bias));
  DEEPC_RETURN_IF_ERROR(operand(epilogue.residualInput, residual));
  const TensorRef &result = values[step.outputs[0]].device;
  if (!epilogueShapesFit(epilogue, result.shape, out.shape, bias.shape,
                         residual.shape))
    return okStatus();
  std::vector<TensorRef> ins;
  DEEPC_RETURN_IF_ERROR(deviceOperands(step, ins));
  CudaKernelContext ctx(step, ins.data(), int(ins.size()), &out, 1, stream,
                        *libs, faults + matmul);
  return runMatmulWithEpilogue(ctx, epilogue.activation, bias, residual, fused);
}

/// The deferred matmul `matmul` on its own, into its result's buffer.
Status CudaSession::Impl::runDeferredMatmul(size_t matmul) {
  const PlanStep &step = model->plan().steps[matmul];
  std::vector<TensorRef> ins;
  DEEPC_RETURN_IF_ERROR(deviceOperands(step, ins));
  ValueState &result = values[step.outputs[0]];
  CudaKernelContext ctx(step, ins.data(), int(ins.size()), &result.device, 1,
                        stream, *libs, faults + matmul);
  DEEPC_RETURN_IF_ERROR(launch.kernels[matmul]->run(ctx));
  result.deviceValid = true;
  result.hostValid = false;
  return okStatus();
}

Status CudaSession::Impl::runStep(size_t s) {
  const Plan &plan = model->plan();
  const PlanStep &step = plan.steps[s];
  StepPlacement placement = launch.placement[s];
  bool isRegion = step.op == "region";
  const KernelDef *cpuKernel = model->kernel(s);
  size_t numIn = step.inputs.size(), numOut = step.outputs.size();

  // Host steps read host copies: fetch them all, then wait once.
  if (placement == StepPlacement::Host) {
    bool fetched = false;
    for (int id : step.inputs)
      if (id >= 0 && !values[id].hostValid) {
        DEEPC_RETURN_IF_ERROR(fetchToHost(id));
        fetched = true;
      }
    if (fetched)
      DEEPC_RETURN_IF_ERROR(sync("waiting for a host step's inputs"));
  }

  // The shape function sees host copies where they exist, null elsewhere.
  std::vector<TensorRef> hostIns(numIn), outs(numOut);
  auto viewInputs = [&] {
    for (size_t i = 0; i < numIn; ++i) {
      int id = step.inputs[i];
      hostIns[i] = id < 0 ? TensorRef() : values[id].device;
      hostIns[i].data =
          id >= 0 && values[id].hostValid ? values[id].host : nullptr;
    }
    for (size_t i = 0; i < numOut; ++i) {
      const PlanValue &v = plan.values[step.outputs[i]];
      outs[i] = TensorRef();
      outs[i].dtype = v.dtype;
      for (int64_t d : v.dims)
        outs[i].shape.push(d);
    }
  };
  auto infer = [&](KernelContext &ctx) {
    return isRegion ? inferRegion(ctx) : cpuKernel->infer(ctx);
  };
  viewInputs();
  KernelContext shapes(step, hostIns.data(), int(numIn), outs.data(),
                       int(numOut));
  Status inferred = infer(shapes);
  if (!inferred.ok() && placement != StepPlacement::Host) {
    // Perhaps it needs the values of a small integer operand that lives on
    // the device only (a shape computed by a device step): fetch and retry.
    bool fetched = false;
    for (int id : step.inputs) {
      if (id < 0 || values[id].hostValid)
        continue;
      const TensorRef &t = values[id].device;
      if (isInteger(t.dtype) && t.numel() <= kMaxShapeTensorElements) {
        DEEPC_RETURN_IF_ERROR(fetchToHost(id));
        fetched = true;
      }
    }
    if (fetched) {
      DEEPC_RETURN_IF_ERROR(sync("waiting for a shape operand"));
      viewInputs();
      inferred = infer(shapes);
    }
  }
  DEEPC_RETURN_IF_ERROR(inferred);

  std::vector<TensorRef> deviceOuts = outs;
  for (size_t i = 0; i < numOut; ++i)
    DEEPC_RETURN_IF_ERROR(placeDevice(s, step.outputs[i], deviceOuts[i]));

  // An alias output shares its source's copies and their validity.
  auto shareAlias = [&](size_t i) {
    int id = step.outputs[i];
    const ValueState &source = values[plan.values[id].aliasOf];
    ValueState &v = values[id];
    v.device = deviceOuts[i];
    v.host = source.host;
    v.hostValid = source.hostValid;
    v.deviceValid = source.deviceValid;
  };

  if (placement == StepPlacement::View) {
    for (size_t i = 0; i < numOut; ++i)
      shareAlias(i);
    return okStatus();
  }

  if (placement == StepPlacement::Device && launch.fusedEpilogue[s]) {
    // Only the result's shape and buffer for now: the region's step
    // launches the matmul (see runFusedEpilogue).
    ValueState &v = values[step.outputs[0]];
    v.device = deviceOuts[0];
    v.deviceValid = v.hostValid = false;
    deferredMatmul = int(s);
    return okStatus();
  }
  if (deferredMatmul >= 0) {
    // Its region, the one reader of its result.
    size_t matmul = size_t(deferredMatmul);
    deferredMatmul = -1;
    bool fused = false;
    if (matmul + 1 == s && placement == StepPlacement::Device)
      DEEPC_RETURN_IF_ERROR(runFusedEpilogue(matmul, deviceOuts[0], fused));
    if (fused) {
      ValueState &v = values[step.outputs[0]];
      v.device = deviceOuts[0];
      v.deviceValid = true;
      v.hostValid = false;
      return okStatus();
    }
    DEEPC_RETURN_IF_ERROR(runDeferredMatmul(matmul));
  }

  if (placement == StepPlacement::Device) {
    std::vector<TensorRef> deviceIns(numIn);
    for (size_t i = 0; i < numIn; ++i) {
      int id = step.inputs[i];
      if (id < 0)
        continue;
      DEEPC_RETURN_IF_ERROR(ensureDevice(id));
      deviceIns[i] = values[id].device;
    }
    if (launch.regionFns[s]) {
      DEEPC_RETURN_IF_ERROR(launchRegion(s, deviceIns, deviceOuts[0]));
    } else {
      CudaKernelContext ctx(step, deviceIns.data(), int(numIn),
                            deviceOuts.data(), int(numOut), stream, *libs,
                            faults + s);
      DEEPC_RETURN_IF_ERROR(launch.kernels[s]->run(ctx));
    }
    for (size_t i = 0; i < numOut; ++i) {
      ValueState &v = values[step.outputs[i]];
      v.device = deviceOuts[i];
      v.deviceValid = true;
      v.hostValid = false;
    }
    return okStatus();
  }

  // Host fallback: the CPU kernel writes host buffers; the device copies
  // are refreshed only when a device step reads them.
  if (capturing) {
    captureBroken = true;
    return internalError("a host step during graph capture");
  }
  std::vector<TensorRef> hostOuts = outs;
  for (size_t i = 0; i < numOut; ++i) {
    int id = step.outputs[i];
    int source = plan.values[id].aliasOf;
    if (source >= 0) {
      if (!values[source].hostValid) {
        DEEPC_RETURN_IF_ERROR(fetchToHost(source));
        DEEPC_RETURN_IF_ERROR(sync("waiting for a view's source"));
      }
      hostOuts[i].data = values[source].host;
      continue;
    }
    DEEPC_RETURN_IF_ERROR(
        hostBuffer(id, hostOuts[i].bytes(), hostOuts[i].data));
  }
  KernelContext ctx(step, hostIns.data(), int(numIn), hostOuts.data(),
                    int(numOut));
  ctx.numThreads = numThreads;
  ctx.setCounters(&counters);
  DEEPC_RETURN_IF_ERROR(isRegion ? runHostRegion(s, ctx) : cpuKernel->run(ctx));
  ++stats.hostSteps;
  for (size_t i = 0; i < numOut; ++i) {
    int id = step.outputs[i];
    if (plan.values[id].aliasOf >= 0) {
      shareAlias(i);
      continue;
    }
    ValueState &v = values[id];
    v.device = deviceOuts[i];
    // A data-dependent kernel may have shrunk the result.
    v.device.shape = hostOuts[i].shape;
    v.host = hostOuts[i].data;
    v.hostValid = true;
    v.deviceValid = false;
  }
  return okStatus();
}

Status CudaSession::Impl::checkInputDims() const {
  return checkSharedInputDims(*model, bound);
}

Status CudaSession::Impl::runOnce(bool capture) {
  const Plan &plan = model->plan();
  copiesThisRun = 0;
  captureBroken = false;
  for (size_t id = 0; id < plan.values.size(); ++id)
    if (plan.values[id].kind != ValueKind::Constant)
      values[id] = ValueState();
  for (size_t i = 0; i < bound.size(); ++i) {
    int id = plan.inputs[i].value;
    ValueState &v = values[id];
    v.device = bound[i];
    v.host = bound[i].data ? bound[i].data : gEmptyHost;
    v.hostValid = true;
    DEEPC_RETURN_IF_ERROR(growDevice(id, bound[i].bytes(), v.device.data));
  }
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMemsetAsync(faults, 0, faultBytes(), stream),
                 "cannot reset the fault flags"));
  DEEPC_RETURN_IF_ERROR(resetDeviceCounters());
  if (capture) {
    // The graph starts after the uploads: they are redone before each
    // replay, from wherever the caller's inputs are then.
    for (const PlanIO &io : plan.inputs)
      DEEPC_RETURN_IF_ERROR(ensureDevice(io.value));
    DEEPC_RETURN_IF_ERROR(cudaStatus(
        cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal),
        "cannot start a CUDA graph capture"));
    capturing = true;
  }
  Status status;
  deferredMatmul = -1;
  for (size_t s = 0; s < plan.steps.size() && status.ok(); ++s)
    status = runStep(s);
  if (capture) {
    capturing = false;
    cudaGraph_t graph = nullptr;
    cudaError_t ended = cudaStreamEndCapture(stream, &graph);
    cudaGraphExec_t exec = nullptr;
    if (status.ok() && ended == cudaSuccess)
      ended = cudaGraphInstantiate(&exec, graph, 0);
    if (graph)
      cudaGraphDestroy(graph);
    if (!status.ok() || ended != cudaSuccess) {
      cudaGetLastError();
      if (status.ok())
        status = cudaStatus(ended, "CUDA graph capture failed");
      // Not worth failing the run for: run eagerly from now on.
      graphDisabled = true;
      stats.graphBlocker = "capture failed: " + status.message();
      return runOnce(false);
    }
    graphExec = exec;
    stats.graphCaptured = true;
    stats.graphBlocker.clear();
    DEEPC_RETURN_IF_ERROR(cudaStatus(cudaGraphLaunch(graphExec, stream),
                                     "cannot launch the CUDA graph"));
  }
  if (!status.ok()) {
    cudaStreamSynchronize(stream);
    return status;
  }
  bool clean = copiesThisRun == 0;
  DEEPC_RETURN_IF_ERROR(finishRun());
  if (stats.runs == 1)
    firstRunClean = clean;
  if (!clean && !stats.graphCaptured && options.graphCapture &&
      launch.graphEligible())
    stats.graphBlocker = "a step reads values computed on the device "
                         "(a device-to-host copy inside the run)";
  return okStatus();
}

/// Downloads the outputs, waits for the stream and checks the fault flag.
Status CudaSession::Impl::finishRun() {
  const Plan &plan = model->plan();
  for (const PlanIO &io : plan.outputs)
    DEEPC_RETURN_IF_ERROR(fetchToHost(io.value, /*isOutput=*/true));
  DEEPC_RETURN_IF_ERROR(sync("running the model on the GPU"));
  std::vector<int> faulted(plan.steps.size() + 1, 0);
  DEEPC_RETURN_IF_ERROR(cudaStatus(
      cudaMemcpy(faulted.data(), faults, faultBytes(), cudaMemcpyDeviceToHost),
      "cannot read the fault flags"));
  for (size_t s = 0; s < plan.steps.size(); ++s)
    if (faulted[s])
      return invalidArgument(stepName(plan.steps[s]) +
                             (plan.steps[s].op == "region"
                                  ? ": integer division or modulo by zero"
                                  : ": an index is out of range"));
  DEEPC_RETURN_IF_ERROR(collectDeviceCounters());
  ++stats.runs;
  hasRun = true;
  return okStatus();
}

/// Outside any capture: the slots' addresses are baked into the graph, and
/// each run (eager or replayed) starts them at zero.
Status CudaSession::Impl::resetDeviceCounters() {
  return cudaStatus(cudaMemsetAsync(libs->deviceCounterSlots(), 0,
                                    CudaLibraries::kMaxDeviceCounters *
                                        sizeof(unsigned long long),
                                    stream),
                    "cannot reset the device counters");
}

/// After the run's synchronization: the device counts join the host
/// steps' in the session's table.
Status CudaSession::Impl::collectDeviceCounters() {
  const std::vector<std::string> &names = libs->deviceCounterNames();
  if (names.empty())
    return okStatus();
  std::vector<unsigned long long> slots(names.size());
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMemcpy(slots.data(), libs->deviceCounterSlots(),
                            slots.size() * sizeof(unsigned long long),
                            cudaMemcpyDeviceToHost),
                 "cannot read the device counters"));
  for (size_t i = 0; i < names.size(); ++i)
    counters[names[i]] += int64_t(slots[i]);
  return okStatus();
}

/// Replays the captured graph: shapes are fixed, so only the bytes of the
/// inputs change.
Status CudaSession::Impl::replay() {
  const Plan &plan = model->plan();
  DEEPC_RETURN_IF_ERROR(
      cudaStatus(cudaMemsetAsync(faults, 0, faultBytes(), stream),
                 "cannot reset the fault flags"));
  DEEPC_RETURN_IF_ERROR(resetDeviceCounters());
  for (size_t i = 0; i < bound.size(); ++i) {
    ValueState &v = values[plan.inputs[i].value];
    if (bound[i].bytes())
      DEEPC_RETURN_IF_ERROR(cudaStatus(
          cudaMemcpyAsync(v.device.data, bound[i].data, bound[i].bytes(),
                          cudaMemcpyHostToDevice, stream),
          "cannot upload input '" + plan.inputs[i].name + "'"));
  }
  DEEPC_RETURN_IF_ERROR(cudaStatus(cudaGraphLaunch(graphExec, stream),
                                   "cannot launch the CUDA graph"));
  // Outputs always come back into the session's own host buffers (an
  // output may be a view of an input, whose host copy was the caller's).
  for (const PlanIO &io : plan.outputs)
    values[io.value].hostValid = false;
  ++stats.graphReplays;
  return finishRun();
}

CudaSession::CudaSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CudaSession::~CudaSession() = default;

Status CudaSession::create(std::shared_ptr<const Model> model,
                           const CudaOptions &options,
                           std::unique_ptr<CudaSession> &out) {
  std::unique_ptr<Impl> impl(new Impl());
  impl->model = std::move(model);
  impl->options = options;
  DEEPC_RETURN_IF_ERROR(impl->init());
  out.reset(new CudaSession(std::move(impl)));
  return okStatus();
}

const Model &CudaSession::model() const { return *impl_->model; }
const LaunchPlan &CudaSession::launchPlan() const { return impl_->launch; }
const CudaRunStats &CudaSession::stats() const { return impl_->stats; }

Status CudaSession::bindInput(size_t index, const TensorRef &input) {
  DEEPC_RETURN_IF_ERROR(checkBoundInput(*impl_->model, index, input));
  impl_->bound[index] = input;
  impl_->isBound[index] = true;
  return okStatus();
}

Status CudaSession::run() {
  Impl &s = *impl_;
  s.hasRun = false;
  // Counters describe one run, as on the CPU.
  for (auto &entry : s.counters)
    entry.second = 0;
  for (size_t i = 0; i < s.bound.size(); ++i)
    if (!s.isBound[i])
      return Status(DEEPC_FAILED_PRECONDITION, std::string("input '") +
                                                   s.model->inputInfo(i).name +
                                                   "' is not bound");
  DEEPC_RETURN_IF_ERROR(s.checkInputDims());
  DEEPC_RETURN_IF_ERROR(cudaStatus(cudaSetDevice(s.options.device),
                                   "cannot select the CUDA device"));
  if (s.graphExec)
    return s.replay();
  bool capture = s.options.graphCapture && !s.graphDisabled &&
                 s.launch.graphEligible() && s.stats.runs == 1 &&
                 s.firstRunClean;
  return s.runOnce(capture);
}

Status CudaSession::output(size_t index, TensorRef &out) const {
  const Impl &s = *impl_;
  if (index >= s.model->numOutputs())
    return invalidArgument("output index " + std::to_string(index) +
                           " out of range: the model has " +
                           std::to_string(s.model->numOutputs()) + " outputs");
  if (!s.hasRun)
    return Status(DEEPC_FAILED_PRECONDITION,
                  "no outputs: the session has not run successfully");
  const ValueState &v = s.values[s.model->plan().outputs[index].value];
  out = v.device;
  out.data = v.host;
  return okStatus();
}

void CudaSession::setNumThreads(int n) { impl_->numThreads = n; }

Status CudaSession::counter(std::string_view name, int64_t &out) const {
  auto it = impl_->counters.find(name);
  if (it == impl_->counters.end())
    return notFound("no counter named '" + std::string(name) +
                    "': no kernel of this model has reported it");
  out = it->second;
  return okStatus();
}

std::string CudaSession::device() const {
  return "cuda:" + std::to_string(impl_->options.device);
}

std::string CudaSession::summary() const {
  const CudaRunStats &stats = impl_->stats;
  std::string graph = stats.graphCaptured
                          ? "later runs replay a CUDA graph"
                          : "no CUDA graph: " + stats.graphBlocker;
  return device() + " (" + impl_->deviceLabel +
         "): " + impl_->launch.summary() + "; " + graph;
}

} // namespace deepc::rt::cuda
