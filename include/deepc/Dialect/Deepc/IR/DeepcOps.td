//===- DeepcOps.td - every deepc op, for documentation -------*- tablegen -*-===//
//
// Each family is generated separately (see CMakeLists.txt) so that changing
// one family does not recompile the others; this file gathers them for the
// dialect reference in docs/.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCOPS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCOPS_TD

include "deepc/Dialect/Deepc/IR/DeepcCoreOps.td"
include "deepc/Dialect/Deepc/IR/DeepcNNOps.td"
include "deepc/Dialect/Deepc/IR/DeepcQuantOps.td"
include "deepc/Dialect/Deepc/IR/DeepcCollectiveOps.td"

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCOPS_TD
