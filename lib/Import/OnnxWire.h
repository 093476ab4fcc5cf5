//===- OnnxWire.h - zero-copy parsing of ONNX protobufs ---------*- C++ -*-===//
//
// Private to lib/Import. Protobuf copies every `bytes` field into a
// std::string; for initializers that would copy the whole model. So the
// importer walks the wire format of ModelProto -> GraphProto -> TensorProto
// itself, lets protobuf parse everything except the initializers' raw_data,
// and keeps those as spans of the memory-mapped file.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_IMPORT_ONNXWIRE_H
#define DEEPC_LIB_IMPORT_ONNXWIRE_H

#include "onnx.pb.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>

namespace mlir::deepc {

/// A ModelProto parsed from a buffer. The raw_data of the main graph's
/// initializers is not in the protos: `initializerData` maps each such
/// initializer to its bytes inside the buffer, which must outlive it.
struct ParsedModel {
  ::onnx::ModelProto model;
  llvm::DenseMap<const ::onnx::TensorProto *, llvm::ArrayRef<char>>
      initializerData;
};

/// Parses `bytes` as an ONNX ModelProto into `out`. On malformed input sets
/// `reason` to a short lowercase phrase and returns failure.
LogicalResult parseModel(llvm::ArrayRef<char> bytes, ParsedModel &out,
                         std::string &reason);

/// Calls `fn` with the payload of every length-delimited field numbered
/// `number` in `unknownFields` (the unknown-field bytes protobuf kept for a
/// message: fields newer than our copy of the schema). Stops and returns
/// failure when `fn` fails or the bytes are malformed.
LogicalResult
forEachUnknownField(const std::string &unknownFields, uint32_t number,
                    llvm::function_ref<LogicalResult(llvm::ArrayRef<char>)> fn);

} // namespace mlir::deepc

#endif // DEEPC_LIB_IMPORT_ONNXWIRE_H
