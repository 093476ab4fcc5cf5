//===- CApi.cpp - the C API of the deepc runtime --------------------------===//
//
// Thin wrappers over deepc::rt::Model and Session: check the handles and
// pointers the caller passes (NULL is an error, never a crash) and turn a
// failed Status into a heap-allocated deepc_status.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Session.h"
#include "deepc_runtime.h"

#ifdef DEEPC_HAVE_CUDA
#include "deepc/rt/cuda/CudaBackend.h"
#endif

#include <cstring>
#include <new>

// The library is built with hidden visibility: only the C API is exported.
#if defined(DEEPC_RUNTIME_BUILDING)
#define DEEPC_EXPORT __attribute__((visibility("default")))
#else
#define DEEPC_EXPORT
#endif

using deepc::rt::DType;
using deepc::rt::ExecutionSession;
using deepc::rt::Model;
using deepc::rt::Session;
using deepc::rt::Status;
using deepc::rt::TensorRef;

struct deepc_status_s {
  deepc_status_code code;
  std::string message;
};

struct deepc_model_s {
  std::shared_ptr<Model> model;
};

struct deepc_session_s {
  std::unique_ptr<ExecutionSession> session;
  std::string device;  ///< what deepc_session_device returns
  std::string summary; ///< what deepc_session_summary last returned
};

namespace {

/// A status that could not be allocated: returned when out of memory, and
/// never freed (deepc_status_free recognizes it).
deepc_status_s gOutOfMemory{DEEPC_RESOURCE_EXHAUSTED, std::string()};

deepc_status makeStatus(deepc_status_code code, const std::string &message) {
  if (code == DEEPC_OK)
    return nullptr;
  deepc_status s = new (std::nothrow) deepc_status_s{code, message};
  return s ? s : &gOutOfMemory;
}

deepc_status toC(const Status &status) {
  return status.ok() ? nullptr : makeStatus(status.code(), status.message());
}

deepc_status nullArgument(const char *function, const char *argument) {
  return makeStatus(DEEPC_INVALID_ARGUMENT,
                    std::string(function) + ": " + argument + " is NULL");
}

/// The session of `device` for `model`: the CPU Session or, in a runtime
/// built with CUDA, a CudaSession with the artifact's CUDA regions.
Status createSession(std::shared_ptr<const Model> model, deepc_device device,
                     int32_t index, std::unique_ptr<ExecutionSession> &out) {
  if (device == DEEPC_DEVICE_DEFAULT)
    device = model->manifest().target == "cuda" ? DEEPC_DEVICE_CUDA
                                                : DEEPC_DEVICE_CPU;
  if (device == DEEPC_DEVICE_CPU) {
    if (index != 0)
      return deepc::rt::invalidArgument("device index " +
                                        std::to_string(index) +
                                        " on the CPU: the CPU is device 0");
    std::unique_ptr<Session> session;
    DEEPC_RETURN_IF_ERROR(Session::create(std::move(model), session));
    out = std::move(session);
    return deepc::rt::okStatus();
  }
  if (device != DEEPC_DEVICE_CUDA)
    return deepc::rt::invalidArgument("unknown device " +
                                      std::to_string(int(device)) +
                                      "; expected DEEPC_DEVICE_DEFAULT, "
                                      "DEEPC_DEVICE_CPU or DEEPC_DEVICE_CUDA");
#ifdef DEEPC_HAVE_CUDA
  namespace cuda = deepc::rt::cuda;
  // The device first: without one, that is the message users need, not a
  // failure to load the artifact's CUDA library.
  DEEPC_RETURN_IF_ERROR(cuda::probeCudaDevice(index));
  cuda::CudaOptions options;
  options.device = index;
  DEEPC_RETURN_IF_ERROR(model->cudaRegionFunctions(options.regionFunctions));
  std::unique_ptr<cuda::CudaSession> session;
  DEEPC_RETURN_IF_ERROR(
      cuda::CudaSession::create(std::move(model), options, session));
  out = std::move(session);
  return deepc::rt::okStatus();
#else
  (void)index;
  return deepc::rt::unsupported(
      "this runtime was built without CUDA: run on the CPU (it runs CUDA "
      "artifacts too), or rebuild deepc with nvcc and DEEPC_ENABLE_CUDA=ON");
#endif
}

} // namespace

extern "C" {

DEEPC_EXPORT deepc_status_code deepc_status_get_code(deepc_status status) {
  return status ? status->code : DEEPC_OK;
}

DEEPC_EXPORT const char *deepc_status_message(deepc_status status) {
  if (!status)
    return "";
  if (status == &gOutOfMemory)
    return "out of memory";
  return status->message.c_str();
}

DEEPC_EXPORT void deepc_status_free(deepc_status status) {
  if (status != &gOutOfMemory)
    delete status;
}

DEEPC_EXPORT const char *deepc_dtype_name(deepc_dtype dtype) {
  return deepc::rt::dtypeName(DType(dtype));
}

DEEPC_EXPORT size_t deepc_dtype_size(deepc_dtype dtype) {
  return deepc::rt::dtypeSize(DType(dtype));
}

DEEPC_EXPORT deepc_status deepc_model_load(const char *path,
                                           deepc_model *out_model) {
  if (!out_model)
    return nullArgument("deepc_model_load", "out_model");
  *out_model = nullptr;
  if (!path)
    return nullArgument("deepc_model_load", "path");
  std::shared_ptr<Model> model;
  if (Status s = Model::load(path, deepc::rt::cpuKernels(), model); !s.ok())
    return toC(s);
  deepc_model handle = new (std::nothrow) deepc_model_s{std::move(model)};
  if (!handle)
    return &gOutOfMemory;
  *out_model = handle;
  return nullptr;
}

DEEPC_EXPORT void deepc_model_release(deepc_model model) { delete model; }

DEEPC_EXPORT const char *deepc_model_target(deepc_model model) {
  return model ? model->model->manifest().target.c_str() : "";
}

DEEPC_EXPORT size_t deepc_model_num_inputs(deepc_model model) {
  return model ? model->model->numInputs() : 0;
}

DEEPC_EXPORT size_t deepc_model_num_outputs(deepc_model model) {
  return model ? model->model->numOutputs() : 0;
}

DEEPC_EXPORT deepc_status deepc_model_input_info(deepc_model model,
                                                 size_t index,
                                                 deepc_tensor_info *out_info) {
  if (!model)
    return nullArgument("deepc_model_input_info", "model");
  if (!out_info)
    return nullArgument("deepc_model_input_info", "out_info");
  if (index >= model->model->numInputs())
    return makeStatus(DEEPC_INVALID_ARGUMENT,
                      "input index " + std::to_string(index) +
                          " out of range: the model has " +
                          std::to_string(model->model->numInputs()) +
                          " inputs");
  *out_info = model->model->inputInfo(index);
  return nullptr;
}

DEEPC_EXPORT deepc_status deepc_model_output_info(deepc_model model,
                                                  size_t index,
                                                  deepc_tensor_info *out_info) {
  if (!model)
    return nullArgument("deepc_model_output_info", "model");
  if (!out_info)
    return nullArgument("deepc_model_output_info", "out_info");
  if (index >= model->model->numOutputs())
    return makeStatus(DEEPC_INVALID_ARGUMENT,
                      "output index " + std::to_string(index) +
                          " out of range: the model has " +
                          std::to_string(model->model->numOutputs()) +
                          " outputs");
  *out_info = model->model->outputInfo(index);
  return nullptr;
}

static deepc_status findByName(const char *function, deepc_model model,
                               const char *name, size_t *out_index,
                               bool inputs) {
  if (!model)
    return nullArgument(function, "model");
  if (!name)
    return nullArgument(function, "name");
  if (!out_index)
    return nullArgument(function, "out_index");
  const Model &m = *model->model;
  size_t n = inputs ? m.numInputs() : m.numOutputs();
  for (size_t i = 0; i < n; ++i) {
    const deepc_tensor_info &info = inputs ? m.inputInfo(i) : m.outputInfo(i);
    if (std::strcmp(info.name, name) == 0) {
      *out_index = i;
      return nullptr;
    }
  }
  return makeStatus(DEEPC_NOT_FOUND, std::string("the model has no ") +
                                         (inputs ? "input" : "output") +
                                         " named '" + name + "'");
}

DEEPC_EXPORT deepc_status deepc_model_find_input(deepc_model model,
                                                 const char *name,
                                                 size_t *out_index) {
  return findByName("deepc_model_find_input", model, name, out_index, true);
}

DEEPC_EXPORT deepc_status deepc_model_find_output(deepc_model model,
                                                  const char *name,
                                                  size_t *out_index) {
  return findByName("deepc_model_find_output", model, name, out_index, false);
}

DEEPC_EXPORT deepc_status deepc_session_create(deepc_model model,
                                               deepc_session *out_session) {
  if (!out_session)
    return nullArgument("deepc_session_create", "out_session");
  *out_session = nullptr;
  if (!model)
    return nullArgument("deepc_session_create", "model");
  return deepc_session_create_on(model, DEEPC_DEVICE_DEFAULT, 0, out_session);
}

DEEPC_EXPORT deepc_status deepc_session_create_on(deepc_model model,
                                                  deepc_device device,
                                                  int32_t device_index,
                                                  deepc_session *out_session) {
  if (!out_session)
    return nullArgument("deepc_session_create_on", "out_session");
  *out_session = nullptr;
  if (!model)
    return nullArgument("deepc_session_create_on", "model");
  std::unique_ptr<ExecutionSession> session;
  if (Status s = createSession(model->model, device, device_index, session);
      !s.ok())
    return toC(s);
  std::string name = session->device();
  deepc_session handle = new (std::nothrow)
      deepc_session_s{std::move(session), std::move(name), std::string()};
  if (!handle)
    return &gOutOfMemory;
  *out_session = handle;
  return nullptr;
}

DEEPC_EXPORT const char *deepc_session_device(deepc_session session) {
  return session ? session->device.c_str() : "";
}

DEEPC_EXPORT const char *deepc_session_summary(deepc_session session) {
  if (!session)
    return "";
  session->summary = session->session->summary();
  return session->summary.c_str();
}

DEEPC_EXPORT void deepc_session_release(deepc_session session) {
  delete session;
}

DEEPC_EXPORT deepc_status deepc_session_bind_input(
    deepc_session session, size_t index, const deepc_tensor_view *view) {
  if (!session)
    return nullArgument("deepc_session_bind_input", "session");
  if (!view)
    return nullArgument("deepc_session_bind_input", "view");
  if (view->rank < 0 || view->rank > DEEPC_MAX_RANK)
    return makeStatus(DEEPC_INVALID_ARGUMENT,
                      "deepc_session_bind_input: rank " +
                          std::to_string(view->rank) + " is not in [0, " +
                          std::to_string(DEEPC_MAX_RANK) + "]");
  TensorRef t;
  t.data = view->data;
  t.dtype = DType(view->dtype);
  t.shape.rank = view->rank;
  for (int d = 0; d < view->rank; ++d)
    t.shape.dims[d] = view->dims[d];
  return toC(session->session->bindInput(index, t));
}

DEEPC_EXPORT deepc_status deepc_session_run(deepc_session session) {
  if (!session)
    return nullArgument("deepc_session_run", "session");
  return toC(session->session->run());
}

DEEPC_EXPORT deepc_status deepc_session_get_output(
    deepc_session session, size_t index, deepc_tensor_view *out_view) {
  if (!session)
    return nullArgument("deepc_session_get_output", "session");
  if (!out_view)
    return nullArgument("deepc_session_get_output", "out_view");
  TensorRef t;
  if (Status s = session->session->output(index, t); !s.ok())
    return toC(s);
  std::memset(out_view, 0, sizeof(*out_view));
  out_view->data = t.data;
  out_view->dtype = deepc_dtype(t.dtype);
  out_view->rank = t.shape.rank;
  for (int d = 0; d < t.shape.rank; ++d)
    out_view->dims[d] = t.shape.dims[d];
  return nullptr;
}

DEEPC_EXPORT deepc_status deepc_session_set_num_threads(deepc_session session,
                                                        int32_t num_threads) {
  if (!session)
    return nullArgument("deepc_session_set_num_threads", "session");
  if (num_threads < 0)
    return makeStatus(
        DEEPC_INVALID_ARGUMENT,
        "deepc_session_set_num_threads: " + std::to_string(num_threads) +
            " threads; expected 0 (the default) or more");
  session->session->setNumThreads(num_threads);
  return nullptr;
}

DEEPC_EXPORT deepc_status deepc_session_get_counter(deepc_session session,
                                                    const char *name,
                                                    int64_t *out_value) {
  if (!session)
    return nullArgument("deepc_session_get_counter", "session");
  if (!name)
    return nullArgument("deepc_session_get_counter", "name");
  if (!out_value)
    return nullArgument("deepc_session_get_counter", "out_value");
  return toC(session->session->counter(name, *out_value));
}

DEEPC_EXPORT const char *deepc_runtime_version(void) { return "0.1.0"; }

DEEPC_EXPORT int deepc_runtime_has_cuda(void) {
#ifdef DEEPC_HAVE_CUDA
  return 1;
#else
  return 0;
#endif
}

} // extern "C"
