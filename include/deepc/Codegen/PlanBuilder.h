//===- PlanBuilder.h - the deepc dialect to an execution plan ---*- C++ -*-===//

#ifndef DEEPC_CODEGEN_PLANBUILDER_H
#define DEEPC_CODEGEN_PLANBUILDER_H

#include "deepc/Codegen/ModelPlan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LogicalResult.h"

namespace mlir::deepc {

/// Builds the plan of the module's entry function (@main, or its only
/// function): arguments become inputs, deepc.constant ops constants, every
/// other deepc op one step, the returned values the outputs. Reports every
/// op that is not a deepc op, and every element type the runtime lacks, as
/// an error at its location. Elementwise ops stay single steps here; see
/// fuseElementwise().
FailureOr<ModelPlan> buildPlan(ModuleOp module);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_PLANBUILDER_H
