//===- RefineTypes.cpp - make deepc result types as static as possible ----===//

#include "deepc/Transforms/Passes.h"

#include "mlir/Interfaces/InferTypeOpInterface.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCREFINETYPESPASS
#include "deepc/Transforms/Passes.h.inc"
} // namespace mlir::deepc

namespace mlir::deepc {
namespace {

/// True when `refined` keeps the element type and rank of `current` and is
/// static in at least one dimension where `current` is dynamic, without
/// contradicting it anywhere.
bool isStrictRefinement(Type current, Type refined) {
  auto cur = dyn_cast<RankedTensorType>(current);
  auto ref = dyn_cast<RankedTensorType>(refined);
  if (!cur || !ref || cur == ref || !areCompatibleResultTypes(ref, cur))
    return false;
  return ref.getNumDynamicDims() < cur.getNumDynamicDims();
}

/// A user may see a refined operand type only when its verifier checks
/// compatibility through type inference rather than exact equality.
bool acceptsRefinedOperands(Operation *user) {
  return isa<DeepcDialect>(user->getDialect()) &&
         isa<InferTypeOpInterface>(user);
}

struct RefineTypesPass
    : impl::DeepcRefineTypesPassBase<RefineTypesPass> {
  void runOnOperation() override {
    getOperation()->walk([](InferTypeOpInterface op) {
      if (!isa<DeepcDialect>(op->getDialect()))
        return;
      SmallVector<Type> inferred;
      if (failed(op.inferReturnTypes(
              op->getContext(), op->getLoc(), op->getOperands(),
              op->getAttrDictionary(), op->getPropertiesStorage(),
              op->getRegions(), inferred)))
        return;
      for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
        if (!isStrictRefinement(result.getType(), type) ||
            !llvm::all_of(result.getUsers(), acceptsRefinedOperands))
          continue;
        result.setType(type);
      }
    });
  }
};

} // namespace
} // namespace mlir::deepc
