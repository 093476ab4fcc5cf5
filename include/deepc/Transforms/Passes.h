//===- Passes.h - deepc transformation passes -------------------*- C++ -*-===//

#ifndef DEEPC_TRANSFORMS_PASSES_H
#define DEEPC_TRANSFORMS_PASSES_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace deepc {

#define GEN_PASS_DECL
#include "deepc/Transforms/Passes.h.inc"

/// Adds the pattern that rewrites a deepc.moe with separate w_gate and w_up
/// into one with a fused w_gate_up.
void populateFuseExpertGateUpPatterns(RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "deepc/Transforms/Passes.h.inc"

} // namespace deepc
} // namespace mlir

#endif // DEEPC_TRANSFORMS_PASSES_H
