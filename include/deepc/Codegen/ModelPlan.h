//===- ModelPlan.h - a plan and the bytes of its constants ------*- C++ -*-===//
//
// What lib/Codegen works on: the target-neutral rt::Plan built from the
// deepc dialect, plus the bytes of every constant value. The bytes mostly
// point into the MLIR module's attribute storage (resource blobs are not
// copied), so a ModelPlan must not outlive the module it was built from.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_CODEGEN_MODELPLAN_H
#define DEEPC_CODEGEN_MODELPLAN_H

#include "deepc/rt/Plan.h"

#include "llvm/ADT/ArrayRef.h"

#include <memory>
#include <vector>

namespace mlir::deepc {

/// The runtime's plan types, as lib/Codegen spells them.
namespace rt = ::deepc::rt;

struct ModelPlan {
  rt::Plan plan;
  /// constantBytes[id]: the bytes of constant value `id` in the runtime's
  /// layout (DType.h); empty for the other values.
  std::vector<llvm::ArrayRef<char>> constantBytes;
  /// Bytes that had to be converted (splats, bools, i4) live here; a
  /// unique_ptr per buffer keeps the ArrayRefs above valid as it grows.
  std::vector<std::unique_ptr<std::vector<char>>> ownedBytes;

  /// Keeps `bytes` alive with the plan and returns a view of them.
  llvm::ArrayRef<char> own(std::vector<char> bytes) {
    ownedBytes.push_back(std::make_unique<std::vector<char>>(std::move(bytes)));
    return *ownedBytes.back();
  }
  /// The pointers rt::computeCapacities takes (null for non-constants).
  std::vector<const void *> constantPointers() const {
    std::vector<const void *> pointers;
    for (llvm::ArrayRef<char> bytes : constantBytes)
      pointers.push_back(bytes.empty() ? nullptr : bytes.data());
    return pointers;
  }
};

/// Drops the values nothing refers to any more (constants folded into
/// region bodies or into other constants, the temporaries inside regions)
/// and renumbers the rest. Inputs stay, read or not: the caller binds them
/// all.
void dropUnusedValues(ModelPlan &model);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_MODELPLAN_H
