//===- Status.h - error results inside the runtime --------------*- C++ -*-===//
//
// The runtime is built without exceptions: every fallible call returns a
// Status (success, or a code and a message that names the culprit). The C API
// turns a failed Status into a deepc_status.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_STATUS_H
#define DEEPC_RT_STATUS_H

#include "deepc_runtime.h"

#include <string>
#include <utility>

namespace deepc::rt {

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(deepc_status_code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == DEEPC_OK; }
  explicit operator bool() const { return ok(); }
  deepc_status_code code() const { return code_; }
  const std::string &message() const { return message_; }

private:
  deepc_status_code code_ = DEEPC_OK;
  std::string message_;
};

inline Status okStatus() { return Status(); }
inline Status invalidArgument(std::string m) {
  return Status(DEEPC_INVALID_ARGUMENT, std::move(m));
}
inline Status notFound(std::string m) {
  return Status(DEEPC_NOT_FOUND, std::move(m));
}
inline Status corruptArtifact(std::string m) {
  return Status(DEEPC_CORRUPT_ARTIFACT, std::move(m));
}
inline Status outOfRange(std::string m) {
  return Status(DEEPC_OUT_OF_RANGE, std::move(m));
}
inline Status unsupported(std::string m) {
  return Status(DEEPC_UNSUPPORTED, std::move(m));
}
inline Status resourceExhausted(std::string m) {
  return Status(DEEPC_RESOURCE_EXHAUSTED, std::move(m));
}
inline Status internalError(std::string m) {
  return Status(DEEPC_INTERNAL, std::move(m));
}

} // namespace deepc::rt

/// Returns from the enclosing function when `expr` yields a failed Status.
#define DEEPC_RETURN_IF_ERROR(expr)                                            \
  do {                                                                         \
    ::deepc::rt::Status deepc_status_ = (expr);                                \
    if (!deepc_status_.ok())                                                   \
      return deepc_status_;                                                    \
  } while (false)

#endif // DEEPC_RT_STATUS_H
