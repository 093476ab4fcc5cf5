//===- OnnxDialect.cpp - the imported-ONNX dialect ------------------------===//

#include "deepc/Dialect/Onnx/IR/Onnx.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::onnx;

#include "deepc/Dialect/Onnx/IR/OnnxDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "deepc/Dialect/Onnx/IR/OnnxTypes.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Onnx/IR/OnnxOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "deepc/Dialect/Onnx/IR/OnnxTypes.cpp.inc"
      >();
}

Operation *OnnxDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, elements);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

LogicalResult NodeOp::verify() {
  if (getOpType().empty())
    return emitOpError("has an empty op_type; every ONNX node names its "
                       "operator");
  // Opset versions start at 1; 0 or less means the importer lost it. The
  // upper bound only catches garbage: real opsets are in the tens. getVersion
  // reads back unsigned, so compare (and print) it signed.
  constexpr int64_t kMaxVersion = 1 << 20;
  int64_t version = static_cast<int64_t>(getVersion());
  if (version < 1 || version > kMaxVersion)
    return emitOpError("opset version ")
           << version << " is out of range; expected 1 to " << kMaxVersion;
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Onnx/IR/OnnxOps.cpp.inc"
