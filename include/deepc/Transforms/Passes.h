//===- Passes.h - deepc transformation passes -------------------*- C++ -*-===//

#ifndef DEEPC_TRANSFORMS_PASSES_H
#define DEEPC_TRANSFORMS_PASSES_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/Pass/Pass.h"

namespace mlir::deepc {

#define GEN_PASS_DECL
#include "deepc/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "deepc/Transforms/Passes.h.inc"

} // namespace mlir::deepc

#endif // DEEPC_TRANSFORMS_PASSES_H
