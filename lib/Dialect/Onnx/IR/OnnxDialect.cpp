//===- OnnxDialect.cpp - the imported-ONNX dialect ------------------------===//

#include "deepc/Dialect/Onnx/IR/Onnx.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::onnx;

#include "deepc/Dialect/Onnx/IR/OnnxDialect.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Onnx/IR/OnnxOps.cpp.inc"
      >();
}

LogicalResult NodeOp::verify() {
  if (getOpType().empty())
    return emitOpError("has an empty op_type; every ONNX node names its "
                       "operator");
  // Opset versions start at 1; 0 or less means the importer lost it.
  if (getVersion() < 1 || getVersion() > (1 << 20))
    return emitOpError("opset version ")
           << static_cast<int64_t>(getVersion())
           << " is out of range; expected a positive opset number";
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Onnx/IR/OnnxOps.cpp.inc"
