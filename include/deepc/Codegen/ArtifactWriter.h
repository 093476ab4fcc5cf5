//===- ArtifactWriter.h - a model.deepc directory ---------------*- C++ -*-===//

#ifndef DEEPC_CODEGEN_ARTIFACTWRITER_H
#define DEEPC_CODEGEN_ARTIFACTWRITER_H

#include "deepc/Codegen/CpuEmitter.h"
#include "deepc/Codegen/CudaEmitter.h"
#include "deepc/Codegen/ModelPlan.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>

namespace mlir::deepc {

struct ArtifactOptions {
  std::string source;   ///< the model file (its base name goes in the manifest)
  std::string pipeline; ///< the pass pipeline, for the manifest
  CpuCompileOptions cpu;
  /// Set for --target=cuda: the regions are also emitted as CUDA kernels
  /// (model.cu) and compiled with nvcc (model_cuda.so).
  std::optional<CudaCompileOptions> cuda;
};

/// Lays out the weights (plan.weightsBytes, each constant's weightsOffset),
/// generates and compiles the regions, and writes the artifact directory
/// `outDir` (manifest.json, plan.json, weights.bin, model.cpp, model.so;
/// with options.cuda also model.cu and model_cuda.so).
/// Everything is written to `<outDir>.tmp.<pid>` first and renamed into
/// place at the end, replacing an existing artifact; on any failure the
/// temporary directory is removed, so there is never a partial artifact.
llvm::Error writeArtifact(ModelPlan &model, llvm::StringRef outDir,
                          const ArtifactOptions &options);

/// Assigns every constant a kBufferAlignment-aligned offset in weights.bin
/// and sets plan.weightsBytes.
void layoutWeights(ModelPlan &model);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_ARTIFACTWRITER_H
