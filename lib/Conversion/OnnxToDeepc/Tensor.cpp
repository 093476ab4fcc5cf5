//===- Tensor.cpp - ONNX Cast, Constant, Softmax and friends to deepc -----===//

#include "Legalizer.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// The deepc element type for an ONNX TensorProto data type, or null.
Type elementTypeForOnnxDataType(MLIRContext *context, int64_t dataType) {
  Builder b(context);
  switch (dataType) {
  case 1: // FLOAT
    return b.getF32Type();
  case 3: // INT8
    return b.getI8Type();
  case 6: // INT32
    return b.getI32Type();
  case 7: // INT64
    return b.getI64Type();
  case 9: // BOOL
    return b.getI1Type();
  case 10: // FLOAT16
    return b.getF16Type();
  case 16: // BFLOAT16
    return b.getBF16Type();
  case 17: // FLOAT8E4M3FN
    return b.getType<Float8E4M3FNType>();
  case 22: // INT4
    return b.getIntegerType(4);
  default:
    return {};
  }
}

StringRef onnxDataTypeName(int64_t dataType) {
  static const char *names[] = {
      "UNDEFINED",      "FLOAT",      "UINT8",         "INT8",
      "UINT16",         "INT16",      "INT32",         "INT64",
      "STRING",         "BOOL",       "FLOAT16",       "DOUBLE",
      "UINT32",         "UINT64",     "COMPLEX64",     "COMPLEX128",
      "BFLOAT16",       "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",      "INT4",          "FLOAT4E2M1"};
  if (dataType >= 0 && dataType < int64_t(std::size(names)))
    return names[dataType];
  return "unknown";
}

/// Casts `input` to `element`, folding known integers (shape math often
/// casts shapes to i32 and back).
FailureOr<Value> castTo(NodeContext &ctx, Value input, Type element) {
  if (elementTypeOf(input) == element)
    return input;
  if (isa<IntegerType>(element) && isa<IntegerType>(elementTypeOf(input)) &&
      rankOf(input) <= 1 && cast<RankedTensorType>(input.getType()).hasStaticShape()) {
    if (std::optional<SmallVector<DimExpr>> values =
            ctx.getShapes().valuesOf(input)) {
      bool constants = llvm::all_of(
          *values, [](const DimExpr &e) { return e.isConstant(); });
      // Symbolic dims survive a cast to a wide integer, not to bool.
      if (constants || element.getIntOrFloatBitWidth() >= 32)
        return ctx.materializeInts(*values, shapeOf(input), element);
    }
  }
  FailureOr<Value> result = ctx.createTyped<CastOp>(
      RankedTensorType::get(shapeOf(input), element), input);
  if (succeeded(result))
    ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(input));
  return result;
}

LogicalResult castOp(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  FailureOr<int64_t> to = ctx.requiredIntAttr("to");
  if (failed(to))
    return failure();
  Type element = elementTypeForOnnxDataType(ctx.getContext(), *to);
  if (!element)
    return ctx.fail("cannot cast to ", onnxDataTypeName(*to), " (data type ",
                    *to,
                    "); deepc supports FLOAT, FLOAT16, BFLOAT16, "
                    "FLOAT8E4M3FN, BOOL, INT4, INT8, INT32 and INT64");
  FailureOr<Value> result = castTo(ctx, *input, element);
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

LogicalResult castLike(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  FailureOr<Value> target = ctx.input(1, "target_type");
  if (failed(target))
    return failure();
  FailureOr<Value> result = castTo(ctx, *input, elementTypeOf(*target));
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Constant: exactly one of value, value_float(s), value_int(s).
LogicalResult constantOp(NodeContext &ctx) {
  if (failed(ctx.checkArity(0, 0)))
    return failure();
  onnx::NodeOp node = ctx.getNode();
  DictionaryAttr attrs = node.getAttrsAttr();
  if (!attrs || attrs.size() != 1)
    return ctx.fail("needs exactly one of the attributes value, "
                    "value_float, value_floats, value_int, value_ints");
  NamedAttribute attr = *attrs.begin();
  StringRef name = attr.getName().strref();
  Builder &b = ctx.getBuilder();
  ElementsAttr value;
  if (name == "value") {
    auto elements = dyn_cast<ElementsAttr>(attr.getValue());
    if (!elements)
      return ctx.fail("attribute 'value' must be a tensor, got ",
                      attr.getValue());
    // uint8/uint4 zero points: offset constants (see ShapeKnowledge).
    if (offsetUnsignedType(elements.getType())) {
      FailureOr<ElementsAttr> offset = offsetUnsignedConstant(elements);
      if (failed(offset))
        return ctx.fail("attribute 'value' has an unsupported encoding");
      Value result = ctx.constant(*offset);
      ctx.getShapes().setOffsetUnsigned(result);
      ctx.setResults(result);
      return success();
    }
    auto type = convertTensorType(elements.getType());
    if (!type)
      return ctx.fail("attribute 'value' has type ", elements.getType(),
                      ", which deepc does not support");
    if (auto dense = dyn_cast<DenseElementsAttr>(elements))
      value = dense.bitcast(type.getElementType());
    else if (auto resource = dyn_cast<DenseResourceElementsAttr>(elements))
      value = DenseResourceElementsAttr::get(type, resource.getRawHandle());
    else
      return ctx.fail("attribute 'value' has an unsupported encoding");
  } else if (name == "value_float") {
    FailureOr<float> f = ctx.floatAttr(name, 0);
    if (failed(f))
      return failure();
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   *f);
  } else if (name == "value_int") {
    FailureOr<int64_t> i = ctx.intAttr(name, 0);
    if (failed(i))
      return failure();
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   *i);
  } else if (name == "value_ints") {
    FailureOr<std::optional<SmallVector<int64_t>>> ints = ctx.intsAttr(name);
    if (failed(ints))
      return failure();
    value = DenseElementsAttr::get(
        RankedTensorType::get({int64_t((*ints)->size())}, b.getI64Type()),
        ArrayRef<int64_t>(**ints));
  } else if (name == "value_floats") {
    auto array = dyn_cast<ArrayAttr>(attr.getValue());
    SmallVector<float> floats;
    for (Attribute element : array ? array : ArrayAttr()) {
      auto f = dyn_cast<FloatAttr>(element);
      if (!f)
        return ctx.fail("attribute 'value_floats' must be a list of floats");
      floats.push_back(f.getValueAsDouble());
    }
    if (!array)
      return ctx.fail("attribute 'value_floats' must be a list of floats");
    value = DenseElementsAttr::get(
        RankedTensorType::get({int64_t(floats.size())}, b.getF32Type()),
        ArrayRef<float>(floats));
  } else {
    return ctx.fail("attribute '", name, "' is not supported");
  }
  ctx.setResults(ctx.constant(value));
  return success();
}

/// Softmax from opset 13: along one axis. Before 13 the input is coerced
/// to 2-D at `axis`, which is the same only when `axis` is the last dim.
template <bool coerced>
LogicalResult softmax(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", coerced ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(*input);
  FailureOr<int64_t> axis = normalizeAxisOrFail(ctx, *axisAttr, rank);
  if (failed(axis))
    return failure();
  if (coerced && *axis != rank - 1)
    return ctx.fail("before opset 13 Softmax normalizes over all dims from "
                    "axis ",
                    *axisAttr,
                    " on; deepc supports that only when axis is the last "
                    "dim");
  FailureOr<Value> result = ctx.create<SoftmaxOp>(*input, *axis);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*input));
  ctx.setResults(*result);
  return success();
}

/// Dropout at inference is the identity; its mask output is not supported.
LogicalResult dropout(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 3)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  if (ctx.hasInput(2)) {
    FailureOr<SmallVector<int64_t>> training =
        ctx.constantInts(2, "training_mode");
    if (failed(training))
      return failure();
    if (llvm::any_of(*training, [](int64_t t) { return t != 0; }))
      return ctx.fail("training_mode is true; deepc compiles inference");
  }
  ctx.setResults(*data);
  return success();
}

} // namespace

void onnx_to_deepc::registerTensorHandlers(HandlerRegistry &r) {
  r.add("", "Cast", {6, 9, 13, 19, 21, 23}, castOp);
  r.add("", "CastLike", {15, 19, 21, 23}, castLike);
  r.add("", "Constant", {1, 9, 11, 12, 13, 19, 21, 23}, constantOp);
  r.add("", "Softmax", {1, 11}, softmax</*coerced=*/true>);
  r.add("", "Softmax", 13, softmax</*coerced=*/false>);
  r.add("", "Dropout", {12, 13, 22}, dropout);
}
