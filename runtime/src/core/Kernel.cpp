//===- Kernel.cpp - attribute access and the kernel context ---------------===//

#include "deepc/rt/Kernel.h"

#include <cmath>
#include <limits>
#include <new>
#include <string_view>

namespace deepc::rt {

int64_t Attrs::getInt(const char *name, int64_t dflt) const {
  const json::Value *v = object_.get(name);
  if (!v)
    return dflt;
  if (v->isNumber() || v->isBool())
    return v->asInt();
  return dflt;
}

/// Non-finite doubles are written as the strings "nan", "inf" and "-inf".
static bool nonFiniteFromString(const json::Value &v, double &out) {
  if (!v.isString())
    return false;
  const std::string &s = v.asString();
  if (s == "nan")
    out = std::numeric_limits<double>::quiet_NaN();
  else if (s == "inf")
    out = std::numeric_limits<double>::infinity();
  else if (s == "-inf")
    out = -std::numeric_limits<double>::infinity();
  else
    return false;
  return true;
}

double Attrs::getFloat(const char *name, double dflt) const {
  const json::Value *v = object_.get(name);
  if (!v)
    return dflt;
  if (v->isNumber())
    return v->asDouble();
  double d;
  if (nonFiniteFromString(*v, d))
    return d;
  return dflt;
}

bool Attrs::getBool(const char *name, bool dflt) const {
  const json::Value *v = object_.get(name);
  if (!v)
    return dflt;
  if (v->isBool() || v->isInt())
    return v->asInt() != 0;
  return dflt;
}

std::string Attrs::getString(const char *name, const std::string &dflt) const {
  const json::Value *v = object_.get(name);
  return v && v->isString() ? v->asString() : dflt;
}

std::vector<int64_t> Attrs::getInts(const char *name) const {
  std::vector<int64_t> out;
  const json::Value *v = object_.get(name);
  if (!v)
    return out;
  if (v->isNumber()) // a scalar reads as a one-element list
    return {v->asInt()};
  for (const json::Value &e : v->elements())
    out.push_back(e.asInt());
  return out;
}

std::vector<double> Attrs::getFloats(const char *name) const {
  std::vector<double> out;
  const json::Value *v = object_.get(name);
  if (!v)
    return out;
  if (v->isNumber())
    return {v->asDouble()};
  for (const json::Value &e : v->elements()) {
    double d = e.asDouble();
    nonFiniteFromString(e, d);
    out.push_back(d);
  }
  return out;
}

Status KernelContext::valuesUnknown(int i) const {
  return error("the values of operand " + std::to_string(i) +
               " are needed to compute the output shape but are not known");
}

Status KernelContext::error(const std::string &message) const {
  std::string where = step_.op;
  if (!step_.loc.empty())
    where += " (node '" + step_.loc + "')";
  return invalidArgument(where + ": " + message);
}

void *KernelContext::scratch(size_t bytes) {
  // The vector's allocation aborts without exceptions, so allocate with
  // nothrow new and hand ownership to the vector only on success.
  unsigned char *probe = new (std::nothrow) unsigned char[bytes ? bytes : 1];
  if (!probe)
    return nullptr;
  delete[] probe;
  scratch_.emplace_back(bytes ? bytes : 1);
  return scratch_.back().data();
}

void KernelContext::addCounter(const char *name, int64_t n) {
  if (!counters_)
    return;
  auto it = counters_->find(std::string_view(name));
  if (it == counters_->end())
    it = counters_->emplace(name, 0).first;
  it->second += n;
}

} // namespace deepc::rt
