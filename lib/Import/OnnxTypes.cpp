//===- OnnxTypes.cpp - ONNX data types and types to MLIR ------------------===//
//
// Maps ONNX data types to MLIR element types and a TypeProto to a ranked
// tensor type (step 4 of OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace mlir::deepc::onnx_import {

StringRef dataTypeName(int32_t t) {
  static const char *const names[] = {
      "UNDEFINED",      "FLOAT",        "UINT8",          "INT8",
      "UINT16",         "INT16",        "INT32",          "INT64",
      "STRING",         "BOOL",         "FLOAT16",        "DOUBLE",
      "UINT32",         "UINT64",       "COMPLEX64",      "COMPLEX128",
      "BFLOAT16",       "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ", "FLOAT8E5M2",
      "FLOAT8E5M2FNUZ", "UINT4",        "INT4",           "FLOAT4E2M1",
      "FLOAT8E8M0",     "UINT2",        "INT2",           "FLOAT6E2M3",
      "FLOAT6E3M2"};
  if (t >= 0 && size_t(t) < std::size(names))
    return names[t];
  return "unknown";
}

Type convertDataType(MLIRContext *ctx, int32_t t) {
  auto sint = [&](unsigned width) {
    return IntegerType::get(ctx, width, IntegerType::Signed);
  };
  auto uint = [&](unsigned width) {
    return IntegerType::get(ctx, width, IntegerType::Unsigned);
  };
  switch (t) {
  case onnxpb::TensorProto::FLOAT:
    return Float32Type::get(ctx);
  case onnxpb::TensorProto::UINT8:
    return uint(8);
  case onnxpb::TensorProto::INT8:
    return sint(8);
  case onnxpb::TensorProto::UINT16:
    return uint(16);
  case onnxpb::TensorProto::INT16:
    return sint(16);
  case onnxpb::TensorProto::INT32:
    return sint(32);
  case onnxpb::TensorProto::INT64:
    return sint(64);
  case onnxpb::TensorProto::BOOL:
    return IntegerType::get(ctx, 1);
  case onnxpb::TensorProto::FLOAT16:
    return Float16Type::get(ctx);
  case onnxpb::TensorProto::DOUBLE:
    return Float64Type::get(ctx);
  case onnxpb::TensorProto::UINT32:
    return uint(32);
  case onnxpb::TensorProto::UINT64:
    return uint(64);
  case onnxpb::TensorProto::COMPLEX64:
    return ComplexType::get(Float32Type::get(ctx));
  case onnxpb::TensorProto::COMPLEX128:
    return ComplexType::get(Float64Type::get(ctx));
  case onnxpb::TensorProto::BFLOAT16:
    return BFloat16Type::get(ctx);
  case kFloat8E4M3FN:
    return Float8E4M3FNType::get(ctx);
  case kFloat8E4M3FNUZ:
    return Float8E4M3FNUZType::get(ctx);
  case kFloat8E5M2:
    return Float8E5M2Type::get(ctx);
  case kFloat8E5M2FNUZ:
    return Float8E5M2FNUZType::get(ctx);
  case kUInt4:
    return uint(4);
  case kInt4:
    return sint(4);
  default:
    return Type();
  }
}

uint64_t storageBits(Type elementType) {
  if (elementType.isInteger(1))
    return 8;
  if (auto complex = dyn_cast<ComplexType>(elementType))
    return 2 * complex.getElementType().getIntOrFloatBitWidth();
  return elementType.getIntOrFloatBitWidth();
}

uint64_t storageBytes(Type elementType, int64_t numElements) {
  return (uint64_t(numElements) * storageBits(elementType) + 7) / 8;
}

} // namespace mlir::deepc::onnx_import

//===----------------------------------------------------------------------===//
// Step 4: types
//===----------------------------------------------------------------------===//

FailureOr<Type> Importer::importType(const onnxpb::TypeProto &type,
                                     StringRef value, bool required,
                                     Location loc,
                                     SmallVectorImpl<Attribute> *dimParams) {
  if (!type.has_tensor_type()) {
    if (type.value_case() == onnxpb::TypeProto::VALUE_NOT_SET) {
      if (!required)
        return Type(mlir::onnx::UnknownType::get(ctx));
      return emitError(loc) << "value '" << value << "' has no type";
    }
    StringRef kind = "non-tensor";
    if (type.has_sequence_type())
      kind = "sequence";
    else if (type.has_map_type())
      kind = "map";
    else if (type.has_optional_type())
      kind = "optional";
    else if (type.has_sparse_tensor_type())
      kind = "sparse tensor";
    return emitError(loc) << "value '" << value << "' has a " << kind
                          << " type; deepc imports only tensors";
  }
  const onnxpb::TypeProto::Tensor &tensor = type.tensor_type();
  if (!tensor.has_elem_type() || tensor.elem_type() == 0) {
    if (!required)
      return Type(mlir::onnx::UnknownType::get(ctx));
    return emitError(loc) << "value '" << value << "' has no element type";
  }
  Type elementType = convertDataType(ctx, tensor.elem_type());
  if (!elementType)
    return emitError(loc) << "value '" << value << "' has data type "
                          << tensor.elem_type() << " ("
                          << dataTypeName(tensor.elem_type())
                          << "), which deepc does not support";
  if (!tensor.has_shape())
    return Type(UnrankedTensorType::get(elementType));

  const onnxpb::TensorShapeProto &shape = tensor.shape();
  if (shape.dim_size() > kMaxRank)
    return emitError(loc) << "value '" << value << "' has rank "
                          << shape.dim_size() << ", more than " << kMaxRank;
  SmallVector<int64_t> dims;
  bool anyParam = false;
  SmallVector<Attribute> params;
  for (auto [i, dim] : llvm::enumerate(shape.dim())) {
    if (dim.has_dim_value()) {
      int64_t size = dim.dim_value();
      if (size < 0)
        return emitError(loc) << "value '" << value << "' has negative dim "
                              << size << " at position " << i;
      if (size > kMaxDim)
        return emitError(loc) << "value '" << value << "' has dim " << size
                              << " at position " << i << ", larger than 2^40";
      dims.push_back(size);
      params.push_back(StringAttr::get(ctx, ""));
      continue;
    }
    // A named (symbolic) dim or an unknown one.
    dims.push_back(ShapedType::kDynamic);
    params.push_back(StringAttr::get(ctx, dim.dim_param()));
    anyParam |= !dim.dim_param().empty();
  }
  if (dimParams && anyParam)
    dimParams->assign(params.begin(), params.end());
  return Type(RankedTensorType::get(dims, elementType));
}

Type Importer::typeOfValue(StringRef value, Location loc, bool &failedOut) {
  auto it = declaredTypes.find(value);
  if (it == declaredTypes.end())
    return mlir::onnx::UnknownType::get(ctx);
  FailureOr<Type> type =
      importType(*it->second, value, /*required=*/false, loc, nullptr);
  if (failed(type)) {
    failedOut = true;
    return Type();
  }
  return *type;
}
