//===- deepc_runtime.hpp - C++ RAII wrapper of the C API --------*- C++ -*-===//
//
// Header-only and exception-free: every fallible call returns a deepc::Error,
// which is success when ok(). Handles are move-only and released by their
// destructors.
//
//   deepc::Model model;
//   if (deepc::Error e = deepc::Model::load("model.deepc", model); !e.ok())
//     return fail(e.message());
//   deepc::Session session;
//   deepc::Error e = deepc::Session::create(model, session);
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_HPP
#define DEEPC_RUNTIME_HPP

#include "deepc_runtime.h"

#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

namespace deepc {

/// A failed call's code and message, or success (code DEEPC_OK).
class Error {
public:
  Error() = default;
  /// Takes ownership of `status` (frees it).
  explicit Error(deepc_status status)
      : code_(deepc_status_get_code(status)),
        message_(deepc_status_message(status)) {
    deepc_status_free(status);
  }
  bool ok() const { return code_ == DEEPC_OK; }
  deepc_status_code code() const { return code_; }
  const std::string &message() const { return message_; }

private:
  deepc_status_code code_ = DEEPC_OK;
  std::string message_;
};

/// A loaded artifact. Immutable; may be shared by threads and sessions.
class Model {
public:
  Model() = default;
  ~Model() { deepc_model_release(model_); }
  Model(Model &&o) noexcept : model_(std::exchange(o.model_, nullptr)) {}
  Model &operator=(Model &&o) noexcept {
    std::swap(model_, o.model_);
    return *this;
  }
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;

  static Error load(const char *path, Model &out) {
    deepc_model m = nullptr;
    Error e(deepc_model_load(path, &m));
    if (e.ok())
      out = Model(m);
    return e;
  }

  /// "cpu" or "cuda".
  const char *target() const { return deepc_model_target(model_); }
  size_t numInputs() const { return deepc_model_num_inputs(model_); }
  size_t numOutputs() const { return deepc_model_num_outputs(model_); }
  Error inputInfo(size_t i, deepc_tensor_info &info) const {
    return Error(deepc_model_input_info(model_, i, &info));
  }
  Error outputInfo(size_t i, deepc_tensor_info &info) const {
    return Error(deepc_model_output_info(model_, i, &info));
  }
  Error findInput(const char *name, size_t &index) const {
    return Error(deepc_model_find_input(model_, name, &index));
  }
  Error findOutput(const char *name, size_t &index) const {
    return Error(deepc_model_find_output(model_, name, &index));
  }
  deepc_model get() const { return model_; }

private:
  explicit Model(deepc_model m) : model_(m) {}
  deepc_model model_ = nullptr;
};

/// One execution context of a model; use from one thread at a time.
class Session {
public:
  Session() = default;
  ~Session() { deepc_session_release(session_); }
  Session(Session &&o) noexcept
      : session_(std::exchange(o.session_, nullptr)) {}
  Session &operator=(Session &&o) noexcept {
    std::swap(session_, o.session_);
    return *this;
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  static Error create(const Model &model, Session &out) {
    deepc_session s = nullptr;
    Error e(deepc_session_create(model.get(), &s));
    if (e.ok())
      out = Session(s);
    return e;
  }
  /// On `device` (deepc_session_create_on): a GPU by its index.
  static Error create(const Model &model, deepc_device device,
                      int32_t deviceIndex, Session &out) {
    deepc_session s = nullptr;
    Error e(deepc_session_create_on(model.get(), device, deviceIndex, &s));
    if (e.ok())
      out = Session(s);
    return e;
  }
  /// "cpu" or "cuda:<index>".
  const char *device() const { return deepc_session_device(session_); }
  /// Where the steps run (deepc_session_summary).
  const char *summary() const { return deepc_session_summary(session_); }

  Error bindInput(size_t index, const deepc_tensor_view &view) {
    return Error(deepc_session_bind_input(session_, index, &view));
  }
  /// Binds caller memory of `dtype` and `dims` (at most DEEPC_MAX_RANK).
  Error bindInput(size_t index, void *data, deepc_dtype dtype,
                  std::initializer_list<int64_t> dims) {
    deepc_tensor_view view;
    std::memset(&view, 0, sizeof(view));
    view.data = data;
    view.dtype = dtype;
    view.rank = int32_t(dims.size());
    int d = 0;
    for (int64_t dim : dims)
      if (d < DEEPC_MAX_RANK)
        view.dims[d++] = dim;
    return bindInput(index, view);
  }
  Error run() { return Error(deepc_session_run(session_)); }
  Error output(size_t index, deepc_tensor_view &view) const {
    return Error(deepc_session_get_output(session_, index, &view));
  }
  Error setNumThreads(int32_t n) {
    return Error(deepc_session_set_num_threads(session_, n));
  }
  /// Run statistic `name` of the last run (see deepc_session_get_counter);
  /// code DEEPC_NOT_FOUND when no kernel has reported it.
  Error counter(const char *name, int64_t &value) const {
    return Error(deepc_session_get_counter(session_, name, &value));
  }
  deepc_session get() const { return session_; }

private:
  explicit Session(deepc_session s) : session_(s) {}
  deepc_session session_ = nullptr;
};

inline const char *runtimeVersion() { return deepc_runtime_version(); }

} // namespace deepc

#endif // DEEPC_RUNTIME_HPP
