//===- OnnxSchemaVersions.cpp - operator versions newer opsets keep -------===//
//
// A model importing opset 28 may use Add exactly as opset 23 defined it: an
// opset bumps only the operators whose schema changed. ONNX's own history of
// schema versions (OnnxSchemaVersions.inc, generated from the pinned onnx
// package) tells which did, so legalization accepts a node from a newer opset
// when its operator has not changed since the newest opset it knows, and
// a node from an older opset when its operator is still the one the
// handlers know (Relu of opset 7 is Relu of opset 23).
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>

#include <vector>

using namespace mlir::deepc;

namespace {

struct SchemaHistory {
  int64_t maxOpset = 0;
  llvm::StringMap<std::vector<int64_t>> sinceVersions;
};

const SchemaHistory &schemaHistory() {
  static const SchemaHistory history = [] {
    SchemaHistory h;
#define DEEPC_ONNX_MAX_OPSET(v) h.maxOpset = v;
#define DEEPC_ONNX_SCHEMA(name, ...)                                           \
  h.sinceVersions[name] = std::vector<int64_t> __VA_ARGS__;
#include "OnnxSchemaVersions.inc"
#undef DEEPC_ONNX_SCHEMA
#undef DEEPC_ONNX_MAX_OPSET
    return h;
  }();
  return history;
}

/// The version of `versions` in force at `opset`: the largest <= opset.
int64_t versionInForce(llvm::ArrayRef<int64_t> versions, int64_t opset) {
  int64_t inForce = 0;
  for (int64_t v : versions)
    if (v <= opset)
      inForce = v;
  return inForce;
}

} // namespace

int64_t onnx_to_deepc::handlerOpset(llvm::StringRef opType, int64_t opset) {
  const SchemaHistory &history = schemaHistory();
  auto it = history.sinceVersions.find(opType);
  if (opset > history.maxOpset || it == history.sinceVersions.end())
    return opset;
  const std::vector<int64_t> &versions = it->second;
  int64_t inForce = versionInForce(versions, opset);
  if (opset > kMaxDefaultOpset)
    return inForce == versionInForce(versions, kMaxDefaultOpset)
               ? kMaxDefaultOpset
               : opset;
  // An older opset: the newest known opset in which the same version is
  // still in force, so that handlers written for it serve older nodes too.
  int64_t next = kMaxDefaultOpset + 1;
  for (int64_t v : versions)
    if (v > inForce) {
      next = v;
      break;
    }
  return std::min(kMaxDefaultOpset, next - 1);
}
