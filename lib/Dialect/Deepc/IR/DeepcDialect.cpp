//===- DeepcDialect.cpp - the deepc dialect -------------------------------===//

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::deepc;

#include "deepc/Dialect/Deepc/IR/DeepcDialect.cpp.inc"
#include "deepc/Dialect/Deepc/IR/DeepcEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcAttrs.cpp.inc"

void DeepcDialect::initialize() {
  registerAttributes();
  registerCoreOps();
  registerNNOps();
  registerQuantOps();
  registerCollectiveOps();
}

void DeepcDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "deepc/Dialect/Deepc/IR/DeepcAttrs.cpp.inc"
      >();
}

Operation *DeepcDialect::materializeConstant(OpBuilder &builder,
                                             Attribute value, Type type,
                                             Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return builder.create<ConstantOp>(loc, type, elements);
}
