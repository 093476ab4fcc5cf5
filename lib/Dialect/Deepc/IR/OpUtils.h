//===- OpUtils.h - helpers shared by the deepc op families ------*- C++ -*-===//
//
// Private to lib/Dialect/Deepc/IR: small accessors and shape checks used by
// the verifiers of more than one op family.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_DIALECT_DEEPC_IR_OPUTILS_H
#define DEEPC_LIB_DIALECT_DEEPC_IR_OPUTILS_H

#include "deepc/Support/ShapeUtils.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Operation.h"

namespace mlir::deepc {

inline constexpr int64_t kDynamic = ShapedType::kDynamic;

/// The shape of a ranked tensor value.
inline ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}

/// The element type of a ranked tensor value.
inline Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

/// Type inference also runs on unverified IR: the parser infers result types
/// before the verifier has checked the operand types. Each inferReturnTypes
/// therefore starts with this check instead of asserting in shapeOf.
inline LogicalResult checkRankedOperands(std::optional<Location> loc,
                                         StringRef opName,
                                         ValueRange operands) {
  for (Value operand : operands)
    if (operand && !isa<RankedTensorType>(operand.getType()))
      return emitOptionalError(loc, "'", opName,
                               "' op expects ranked tensor operands, got ",
                               operand.getType());
  return success();
}

/// Checks that `value` (when present) has the shape `expected`, naming the
/// layout the user should have used, for example "[num_experts, hidden]".
inline LogicalResult expectShape(Operation *op, Value value, StringRef name,
                                 ArrayRef<int64_t> expected, StringRef layout) {
  if (!value || shapesCompatible(shapeOf(value), expected))
    return success();
  return op->emitOpError() << name << " must have shape " << layout << " = "
                           << formatShape(expected) << ", got "
                           << formatShape(shapeOf(value));
}

/// If `attr` is a splat constant, its value as a double (ints widened).
inline std::optional<double> getSplatNumber(Attribute attr) {
  auto splat = dyn_cast_or_null<SplatElementsAttr>(attr);
  if (!splat)
    return std::nullopt;
  Type elementType = splat.getElementType();
  if (isa<FloatType>(elementType))
    return splat.getSplatValue<APFloat>().convertToDouble();
  if (elementType.isInteger(1))
    return splat.getSplatValue<bool>() ? 1.0 : 0.0;
  if (isa<IntegerType>(elementType))
    return static_cast<double>(splat.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

/// True when `attr` is a splat constant equal to `value`.
inline bool isSplatOf(Attribute attr, double value) {
  std::optional<double> number = getSplatNumber(attr);
  return number && *number == value;
}

/// Returns `v` as a fold result when it already has the op's result type; a
/// fold must never change a value's type.
inline OpFoldResult forwardIfSameType(Value v, Type resultType) {
  return v.getType() == resultType ? OpFoldResult(v) : OpFoldResult();
}

} // namespace mlir::deepc

#endif // DEEPC_LIB_DIALECT_DEEPC_IR_OPUTILS_H
