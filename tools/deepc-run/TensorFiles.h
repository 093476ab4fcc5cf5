//===- TensorFiles.h - ONNX TensorProto files -------------------*- C++ -*-===//
//
// The ONNX test-data layout: a directory with input_<i>.pb and
// output_<i>.pb, each a serialized onnx.TensorProto named after the graph
// input or output it belongs to.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_TOOLS_DEEPC_RUN_TENSORFILES_H
#define DEEPC_TOOLS_DEEPC_RUN_TENSORFILES_H

#include "Elements.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace deepc::run {

/// ONNX's name for a TensorProto.DataType number ("float16", "double");
/// "data type N" for numbers it does not know.
std::string onnxDTypeName(int32_t dataType);
/// The deepc dtype of an ONNX data type, or DEEPC_DTYPE_INVALID for those
/// deepc-run does not read (double, uint8, string, ...).
deepc_dtype dtypeFromOnnx(int32_t dataType);
/// The ONNX data type of a deepc dtype.
int32_t onnxFromDType(deepc_dtype dtype);

/// Parses a serialized TensorProto; errors name `fileName`. Reads raw_data
/// or the typed fields (float_data; int32_data for f16, bf16, f8e4m3fn,
/// bool, i8 and i32; int64_data).
llvm::Expected<HostTensor> parseTensorProto(llvm::StringRef bytes,
                                            llvm::StringRef fileName);
/// Reads and parses the TensorProto file at `path`.
llvm::Expected<HostTensor> readTensorFile(llvm::StringRef path);

/// Serializes `tensor` as a TensorProto called `name`, with raw_data.
std::string serializeTensorProto(llvm::StringRef name, TensorRef tensor);
/// Writes serializeTensorProto(name, tensor) to `path`.
llvm::Error writeTensorFile(llvm::StringRef path, llvm::StringRef name,
                            TensorRef tensor);

/// The paths of `dir`/<prefix><N>.pb, sorted by N (so input_10.pb comes
/// after input_9.pb). Other files are ignored.
llvm::Expected<std::vector<std::string>>
listTensorFiles(llvm::StringRef dir, llvm::StringRef prefix);

} // namespace deepc::run

#endif // DEEPC_TOOLS_DEEPC_RUN_TENSORFILES_H
