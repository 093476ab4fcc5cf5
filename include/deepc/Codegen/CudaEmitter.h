//===- CudaEmitter.h - region steps to CUDA C++ -----------------*- C++ -*-===//

#ifndef DEEPC_CODEGEN_CUDAEMITTER_H
#define DEEPC_CODEGEN_CUDAEMITTER_H

#include "deepc/Codegen/ModelPlan.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace mlir::deepc {

/// Writes one CUDA C++ file that defines, for every region step of `plan`,
/// a kernel and an `extern "C"` launcher following CudaRegionAbi.h, and
/// records each launcher's name in PlanStep::symbol. Fails on a region
/// instruction it cannot translate.
llvm::Expected<std::string> emitCudaSource(rt::Plan &plan);

struct CudaCompileOptions {
  /// nvcc; empty: $DEEPC_NVCC, else `nvcc` on PATH, else
  /// /usr/local/cuda/bin/nvcc.
  std::string nvcc;
  /// The GPU architectures to build device code for, as nvcc's sm names
  /// without the prefix ("80", "90a").
  std::vector<std::string> architectures = {"90a"};
  bool verbose = false;
};

/// Parses `--target=cuda[:sm_XX[,sm_YY...]]`'s architecture list
/// ("sm_80,sm_90a") into nvcc architecture names ("80", "90a").
llvm::Expected<std::vector<std::string>>
parseCudaArchitectures(llvm::StringRef list);

/// Compiles `sourcePath` with nvcc into the shared library `libraryPath`,
/// whose embedded fatbin holds SASS for every architecture in `options`
/// (and PTX for the newest, so that later GPUs can JIT it). A failing
/// nvcc is an error quoting the first lines of its output.
llvm::Error compileCudaLibrary(llvm::StringRef sourcePath,
                               llvm::StringRef libraryPath,
                               const CudaCompileOptions &options);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_CUDAEMITTER_H
