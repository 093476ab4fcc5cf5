//===- MemoryPlan.h - dim bounds and the arena ------------------*- C++ -*-===//

#ifndef DEEPC_CODEGEN_MEMORYPLAN_H
#define DEEPC_CODEGEN_MEMORYPLAN_H

#include "deepc/Codegen/ModelPlan.h"

#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>

namespace mlir::deepc {

/// Parses `--max-dims` text ("batch=8,seq=2048") into `bounds`.
llvm::Error parseDimBounds(llvm::StringRef text,
                           std::map<std::string, int64_t> &bounds);

/// Sets plan.dimBounds (every symbolic input dim: its entry in `bounds`,
/// else `defaultBound`; names in `bounds` that no input has are an error
/// listing the model's dim names), then sizes every temporary at those
/// bounds and assigns arena offsets with the runtime's own planner.
llvm::Error planMemory(ModelPlan &model,
                       const std::map<std::string, int64_t> &bounds,
                       int64_t defaultBound);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_MEMORYPLAN_H
