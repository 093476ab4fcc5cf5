//===- Fusion.h - elementwise ops into region steps -------------*- C++ -*-===//

#ifndef DEEPC_CODEGEN_FUSION_H
#define DEEPC_CODEGEN_FUSION_H

#include "deepc/Codegen/ModelPlan.h"

#include "llvm/ADT/StringRef.h"

namespace mlir::deepc {

/// Whether `op` ("deepc.add") is an elementwise op that regions compute.
bool isElementwiseOp(llvm::StringRef op);

/// Turns every elementwise step into a "region" step (PlanStep::body).
/// With `fuse`, a region grows backward from its root (an elementwise step
/// whose result is returned, read by a non-elementwise step or read more
/// than once) over elementwise producers whose result it alone reads; one-
/// element constants that do not widen the result become body constants.
/// Without `fuse` every elementwise step is a region of its own (for tests
/// and debugging). Values nothing refers to any more are dropped.
void fuseElementwise(ModelPlan &model, bool fuse);

/// Makes regions the epilogues of the steps they read (PlanStep::epilogue)
/// when those are epilogue producers (rt::isEpilogueProducer: matmuls,
/// norms, rotaries): where a region is the only reader of such a result,
/// reads it once, and its output has the result's shape (so it reads the
/// result at the output's own index), the producer moves down to just
/// before the region and is marked. Returns how many steps got an
/// epilogue. Run it after fuseElementwise, so that an epilogue is a whole
/// region: a norm's quantize, a GEMM's bias, residual add or SwiGLU.
unsigned fuseEpilogues(ModelPlan &model);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_FUSION_H
