//===- CpuEmitter.h - region steps to C++ for the CPU -----------*- C++ -*-===//

#ifndef DEEPC_CODEGEN_CPUEMITTER_H
#define DEEPC_CODEGEN_CPUEMITTER_H

#include "deepc/Codegen/ModelPlan.h"

#include "llvm/Support/Error.h"

#include <string>

namespace mlir::deepc {

/// Writes one self-contained C++ file (standard headers only) that defines
/// every region step of `plan` as an `extern "C"` function following
/// RegionAbi.h, and records each function's name in PlanStep::symbol.
/// Fails on a region instruction it cannot translate.
llvm::Expected<std::string> emitCpuSource(rt::Plan &plan);

struct CpuCompileOptions {
  /// The C++ compiler; empty: $CXX, else `c++`.
  std::string cxx;
  /// "native" adds -march=native; "generic" builds for the baseline ISA.
  std::string cpu = "native";
  bool verbose = false;
};

/// Compiles `sourcePath`, which defines `numFunctions` region functions,
/// into the shared library `libraryPath` (through ccache when it is on
/// PATH). Many functions are compiled in shards, one per core ($DEEPC_JOBS
/// overrides the count), at once. A failing compiler is an error quoting
/// the first lines of its output.
llvm::Error compileCpuLibrary(llvm::StringRef sourcePath,
                              llvm::StringRef libraryPath,
                              const CpuCompileOptions &options,
                              unsigned numFunctions);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_CPUEMITTER_H
