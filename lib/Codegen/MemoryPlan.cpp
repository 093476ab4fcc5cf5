//===- MemoryPlan.cpp - dim bounds and the arena --------------------------===//
//
// The arena is sized at compile time: every symbolic input dim gets an
// upper bound, and the runtime's own shape functions (the same infer() the
// executor runs) give every temporary its largest size at those bounds.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/MemoryPlan.h"

#include "deepc/rt/Executor.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <set>

using namespace mlir;
using namespace mlir::deepc;

llvm::Error
mlir::deepc::parseDimBounds(llvm::StringRef text,
                            std::map<std::string, int64_t> &bounds) {
  llvm::SmallVector<llvm::StringRef> entries;
  text.split(entries, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (llvm::StringRef entry : entries) {
    auto [name, number] = entry.split('=');
    name = name.trim();
    int64_t bound = 0;
    if (name.empty() || number.trim().getAsInteger(10, bound) || bound < 1)
      return llvm::createStringError(
          "--max-dims entry '" + entry.str() +
          "' is not NAME=N with N a positive integer");
    bounds[name.str()] = bound;
  }
  return llvm::Error::success();
}

llvm::Error
mlir::deepc::planMemory(ModelPlan &model,
                        const std::map<std::string, int64_t> &bounds,
                        int64_t defaultBound) {
  if (defaultBound < 1)
    return llvm::createStringError("--default-max-dim must be at least 1, "
                                   "not " +
                                   std::to_string(defaultBound));
  rt::Plan &plan = model.plan;
  std::set<std::string> dimNames;
  for (const rt::PlanIO &input : plan.inputs)
    for (const std::string &name : input.dimNames)
      if (!name.empty())
        dimNames.insert(name);
  for (const auto &[name, bound] : bounds)
    if (!dimNames.count(name))
      return llvm::createStringError(
          "--max-dims names '" + name +
          "', which is not a symbolic dim of "
          "the model's inputs; they are: " +
          (dimNames.empty() ? std::string("(none: every input dim is static)")
                            : llvm::join(dimNames, ", ")));
  plan.dimBounds.clear();
  for (const std::string &name : dimNames) {
    auto it = bounds.find(name);
    plan.dimBounds[name] = it == bounds.end() ? defaultBound : it->second;
  }

  rt::Status status = rt::computeCapacities(plan, model.constantPointers());
  if (!status.ok())
    return llvm::createStringError(
        "cannot plan memory at the maximum dims (" +
        llvm::join(llvm::map_range(plan.dimBounds,
                                   [](const auto &entry) {
                                     return entry.first + "=" +
                                            std::to_string(entry.second);
                                   }),
                   ", ") +
        "): " + status.message());
  rt::assignArenaOffsets(plan);
  return llvm::Error::success();
}
