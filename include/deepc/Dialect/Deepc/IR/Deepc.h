//===- Deepc.h - the deepc dialect ------------------------------*- C++ -*-===//
//
// Everything a user of the deepc dialect needs: the dialect, its enum
// attributes and every op family.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPC_H
#define DEEPC_DIALECT_DEEPC_IR_DEEPC_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "deepc/Support/ShapeUtils.h"

#include "deepc/Dialect/Deepc/IR/DeepcDialect.h.inc"
#include "deepc/Dialect/Deepc/IR/DeepcEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcAttrs.h.inc"

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCoreOps.h.inc"
#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcNNOps.h.inc"
#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcQuantOps.h.inc"
#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCollectiveOps.h.inc"

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPC_H
