//===- Artifact.h - the files of a compiled model ---------------*- C++ -*-===//
//
// model.deepc/ is a directory:
//   manifest.json  what the model takes and returns, its bounds, its target,
//                  the files below, and who made it (Manifest)
//   plan.json      the execution plan (Plan.h)
//   weights.bin    every constant, each at a kBufferAlignment-aligned offset
//                  (with dummyWeights only those before dummyWeightsOffset)
//   model.so       the compiled regions, when the plan has any (model.cpp,
//                  its source, is kept beside it for inspection)
//   model_cuda.so  with target cuda: the regions as CUDA kernels, a host
//                  library whose embedded fatbin holds their device code
//                  for cudaArchitectures (model.cu is its source)
// docs/Artifact.md describes the format for users.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_ARTIFACT_H
#define DEEPC_RT_ARTIFACT_H

#include "deepc/rt/DType.h"
#include "deepc/rt/Json.h"
#include "deepc/rt/Status.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deepc::rt {

constexpr const char *kManifestFormat = "deepc-artifact";
constexpr int kManifestFormatVersion = 1;
constexpr const char *kManifestFile = "manifest.json";
constexpr const char *kPlanFile = "plan.json";
constexpr const char *kWeightsFile = "weights.bin";

struct ManifestTensor {
  std::string name;
  DType dtype = DType::Invalid;
  std::vector<int64_t> dims;          ///< -1 for symbolic dims
  std::vector<std::string> dimNames;  ///< "" for static dims
};

struct Manifest {
  std::string deepcVersion;
  std::string target = "cpu";
  std::string source;   ///< the ONNX file it was compiled from (base name)
  std::string pipeline; ///< the pass pipeline that produced the plan
  std::vector<ManifestTensor> inputs;
  std::vector<ManifestTensor> outputs;
  std::map<std::string, int64_t> dimBounds;
  std::string planFile = kPlanFile;
  std::string weightsFile = kWeightsFile;
  uint64_t weightsBytes = 0;
  std::string codeLibrary; ///< "model.so", or "" when the plan has no regions
  /// Target cuda: "model_cuda.so" ("" without regions), and the GPU
  /// architectures its device code was built for ("80", "90a").
  std::string cudaLibrary;
  std::vector<std::string> cudaArchitectures;
  /// Compiled with `deepc --dummy-weights`: the constants from
  /// dummyWeightsOffset to weightsBytes were never read, and weights.bin
  /// holds only the bytes before it (the constants shapes depend on). The
  /// runtime fills the rest with deterministic random values.
  bool dummyWeights = false;
  uint64_t dummyWeightsOffset = 0;
};

json::Value manifestToJson(const Manifest &manifest);
/// Validates the format name and version, dtypes and dims; errors say which
/// field of manifest.json is wrong.
Status manifestFromJson(const json::Value &json, Manifest &manifest);

} // namespace deepc::rt

#endif // DEEPC_RT_ARTIFACT_H
