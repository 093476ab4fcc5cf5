//===- Json.h - the small JSON reader and writer of the runtime -*- C++ -*-===//
//
// manifest.json and plan.json are read by the runtime, which links nothing
// but libc, libm, OpenMP and a BLAS; so it carries its own JSON (RFC 8259,
// UTF-8 passed through, numbers as int64 when integral else double).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_JSON_H
#define DEEPC_RT_JSON_H

#include "deepc/rt/Status.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace deepc::rt::json {

class Value {
public:
  enum class Kind { Null, Bool, Int, Double, String, Array, Object };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : kind_(Kind::Bool), int_(b) {}
  Value(int v) : kind_(Kind::Int), int_(v) {}
  Value(int64_t v) : kind_(Kind::Int), int_(v) {}
  Value(double v) : kind_(Kind::Double), double_(v) {}
  Value(const char *s) : kind_(Kind::String), string_(s) {}
  Value(std::string s) : kind_(Kind::String), string_(std::move(s)) {}
  static Value array() { Value v; v.kind_ = Kind::Array; return v; }
  static Value object() { Value v; v.kind_ = Kind::Object; return v; }

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::Null; }
  bool isBool() const { return kind_ == Kind::Bool; }
  bool isInt() const { return kind_ == Kind::Int; }
  bool isNumber() const { return kind_ == Kind::Int || kind_ == Kind::Double; }
  bool isString() const { return kind_ == Kind::String; }
  bool isArray() const { return kind_ == Kind::Array; }
  bool isObject() const { return kind_ == Kind::Object; }

  bool asBool() const { return int_ != 0; }
  int64_t asInt() const { return kind_ == Kind::Double ? int64_t(double_) : int_; }
  double asDouble() const { return kind_ == Kind::Int ? double(int_) : double_; }
  const std::string &asString() const { return string_; }

  // Arrays.
  const std::vector<Value> &elements() const { return array_; }
  std::vector<Value> &elements() { return array_; }
  void push(Value v) { array_.push_back(std::move(v)); }
  size_t size() const { return kind_ == Kind::Object ? object_.size() : array_.size(); }
  const Value &operator[](size_t i) const { return array_[i]; }

  // Objects (keys kept sorted, so output is deterministic).
  const std::map<std::string, Value> &members() const { return object_; }
  /// Null when absent or when this is not an object.
  const Value *get(const std::string &key) const;
  Value &operator[](const std::string &key) { return object_[key]; }

private:
  Kind kind_ = Kind::Null;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<Value> array_;
  std::map<std::string, Value> object_;
};

/// Parses `text`; on malformed input returns a Status whose message says
/// where (line:column) and what, prefixed with `what` (e.g. "plan.json").
Status parse(const std::string &text, const std::string &what, Value &out);

/// Serializes with two-space indentation when `pretty`. Doubles are written
/// with enough digits to round-trip (%.17g); non-finite doubles as strings
/// "nan", "inf", "-inf".
std::string write(const Value &value, bool pretty = false);

} // namespace deepc::rt::json

#endif // DEEPC_RT_JSON_H
