//===- TensorFiles.cpp - ONNX TensorProto files ---------------------------===//

#include "TensorFiles.h"

#include "onnx.pb.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace deepc::run {

// TensorProto.DataType numbers. Our onnx.proto (libonnx-dev 1.12) stops at
// BFLOAT16, so the float8 and 4-bit types are only known by number.
namespace onnx_type {
enum : int32_t {
  Float = 1,
  Int8 = 3,
  Int32 = 6,
  Int64 = 7,
  Bool = 9,
  Float16 = 10,
  BFloat16 = 16,
  Float8E4M3FN = 17,
  Int4 = 22,
};
} // namespace onnx_type

std::string onnxDTypeName(int32_t dataType) {
  static const char *const names[] = {
      "undefined",      "float",        "uint8",          "int8",
      "uint16",         "int16",        "int32",          "int64",
      "string",         "bool",         "float16",        "double",
      "uint32",         "uint64",       "complex64",      "complex128",
      "bfloat16",       "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
      "float8e5m2fnuz", "uint4",        "int4",           "float4e2m1",
      "float8e8m0",     "uint2",        "int2",           "float6e2m3",
      "float6e3m2"};
  if (dataType >= 0 && size_t(dataType) < std::size(names))
    return names[dataType];
  return "data type " + std::to_string(dataType);
}

deepc_dtype dtypeFromOnnx(int32_t dataType) {
  switch (dataType) {
  case onnx_type::Float:
    return DEEPC_DTYPE_F32;
  case onnx_type::Float16:
    return DEEPC_DTYPE_F16;
  case onnx_type::BFloat16:
    return DEEPC_DTYPE_BF16;
  case onnx_type::Float8E4M3FN:
    return DEEPC_DTYPE_F8E4M3FN;
  case onnx_type::Bool:
    return DEEPC_DTYPE_BOOL;
  case onnx_type::Int8:
    return DEEPC_DTYPE_I8;
  case onnx_type::Int32:
    return DEEPC_DTYPE_I32;
  case onnx_type::Int64:
    return DEEPC_DTYPE_I64;
  case onnx_type::Int4:
    return DEEPC_DTYPE_I4;
  default:
    return DEEPC_DTYPE_INVALID;
  }
}

int32_t onnxFromDType(deepc_dtype dtype) {
  switch (dtype) {
  case DEEPC_DTYPE_F32:
    return onnx_type::Float;
  case DEEPC_DTYPE_F16:
    return onnx_type::Float16;
  case DEEPC_DTYPE_BF16:
    return onnx_type::BFloat16;
  case DEEPC_DTYPE_F8E4M3FN:
    return onnx_type::Float8E4M3FN;
  case DEEPC_DTYPE_BOOL:
    return onnx_type::Bool;
  // A runtime i4 tensor holds one sign-extended value per byte: written
  // as int8 it keeps its values and stays readable everywhere.
  case DEEPC_DTYPE_I4:
  case DEEPC_DTYPE_I8:
    return onnx_type::Int8;
  case DEEPC_DTYPE_I32:
    return onnx_type::Int32;
  case DEEPC_DTYPE_I64:
    return onnx_type::Int64;
  case DEEPC_DTYPE_INVALID:
    break;
  }
  return 0;
}

static llvm::Error fileError(llvm::StringRef fileName,
                             const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 fileName + ": " + message);
}

/// Fills `tensor` from a repeated typed field, one value per element.
template <typename Field, typename Store>
static llvm::Error copyTypedField(const Field &field, const char *fieldName,
                                  HostTensor &tensor, llvm::StringRef fileName,
                                  Store store) {
  if (int64_t(field.size()) != tensor.numElements())
    return fileError(fileName, llvm::Twine("tensor '") + tensor.name() + "' " +
                                   formatDims(tensor.dims()) + " has " +
                                   llvm::Twine(int64_t(field.size())) +
                                   " values in " + fieldName + ", expected " +
                                   llvm::Twine(tensor.numElements()));
  for (int64_t i = 0, e = tensor.numElements(); i < e; ++i)
    store(tensor.data(), i, field.Get(int(i)));
  return llvm::Error::success();
}

llvm::Expected<HostTensor> parseTensorProto(llvm::StringRef bytes,
                                            llvm::StringRef fileName) {
  onnx::TensorProto proto;
  if (bytes.size() > size_t(INT32_MAX) ||
      !proto.ParseFromArray(bytes.data(), int(bytes.size())))
    return fileError(fileName, "not a valid ONNX TensorProto: the protobuf "
                               "is malformed or truncated");

  std::string name = proto.name();
  std::string what = "tensor '" + name + "'";
  deepc_dtype dtype = dtypeFromOnnx(proto.data_type());
  if (dtype == DEEPC_DTYPE_INVALID)
    return fileError(fileName,
                     what + " has dtype " + onnxDTypeName(proto.data_type()) +
                         ", which deepc does not support (it reads float, "
                         "float16, bfloat16, float8e4m3fn, bool, int4, int8, "
                         "int32 and int64)");
  if (proto.data_location() == onnx::TensorProto_DataLocation_EXTERNAL)
    return fileError(fileName, what + " keeps its data in an external file, "
                                      "which deepc-run does not read");
  if (proto.has_segment())
    return fileError(fileName, what + " is a segment of a larger tensor, which "
                                      "deepc-run does not read");

  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  int64_t count = 1;
  for (int64_t dim : dims) {
    if (dim < 0)
      return fileError(fileName,
                       what + " has a negative dim: " + formatDims(dims));
    // Bounded so that the byte size (up to 8 bytes an element) fits too.
    if (__builtin_mul_overflow(count, dim, &count) || count > INT64_MAX / 8)
      return fileError(fileName, what + " " + formatDims(dims) +
                                     " has too many elements");
  }

  // ONNX packs int4 two to a byte, the first element in the low nibble, in
  // raw_data and in int32_data (one packed byte per entry) alike; deepc keeps
  // one sign-extended element per byte.
  if (dtype == DEEPC_DTYPE_I4) {
    size_t packedBytes = size_t((count + 1) / 2);
    std::string packed;
    if (proto.has_raw_data()) {
      packed = proto.raw_data();
    } else {
      for (int32_t v : proto.int32_data())
        packed.push_back(char(uint8_t(v)));
    }
    if (packed.size() != packedBytes)
      return fileError(fileName, what + " " + formatDims(dims) + " int4 has " +
                                     llvm::Twine(uint64_t(packed.size())) +
                                     " packed bytes, expected " +
                                     llvm::Twine(uint64_t(packedBytes)));
    HostTensor tensor(name, dtype, std::move(dims));
    auto *out = static_cast<int8_t *>(tensor.data());
    for (int64_t i = 0; i < count; ++i) {
      int nibble = (uint8_t(packed[size_t(i / 2)]) >> (4 * (i % 2))) & 0xF;
      out[i] = int8_t(nibble >= 8 ? nibble - 16 : nibble);
    }
    return std::move(tensor);
  }

  // Sizes are checked against the file before anything is allocated, so a
  // bogus shape cannot make us allocate more than the file holds.
  size_t expectedBytes = size_t(count) * dtypeSize(dtype);
  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() != expectedBytes)
      return fileError(fileName, what + " " + formatDims(dims) + " " +
                                     dtypeName(dtype) + " has " +
                                     llvm::Twine(uint64_t(raw.size())) +
                                     " bytes of raw_data, expected " +
                                     llvm::Twine(uint64_t(expectedBytes)));
    HostTensor tensor(name, dtype, std::move(dims));
    if (!raw.empty())
      std::memcpy(tensor.data(), raw.data(), raw.size());
    // ONNX stores bools as bytes that should be 0 or 1; normalize others.
    if (dtype == DEEPC_DTYPE_BOOL)
      for (int64_t i = 0; i < count; ++i)
        storeInt(tensor.data(), dtype, i, loadInt(tensor.data(), dtype, i));
    return std::move(tensor);
  }

  HostTensor tensor(name, dtype, dims);
  llvm::Error error = llvm::Error::success();
  switch (dtype) {
  case DEEPC_DTYPE_F32:
    error = copyTypedField(proto.float_data(), "float_data", tensor, fileName,
                           [](void *data, int64_t i, float value) {
                             static_cast<float *>(data)[i] = value;
                           });
    break;
  case DEEPC_DTYPE_I64:
    error = copyTypedField(proto.int64_data(), "int64_data", tensor, fileName,
                           [](void *data, int64_t i, int64_t value) {
                             static_cast<int64_t *>(data)[i] = value;
                           });
    break;
  case DEEPC_DTYPE_F16:
  case DEEPC_DTYPE_BF16:
    // int32_data holds the 16-bit patterns.
    error = copyTypedField(proto.int32_data(), "int32_data", tensor, fileName,
                           [](void *data, int64_t i, int32_t value) {
                             static_cast<uint16_t *>(data)[i] = uint16_t(value);
                           });
    break;
  case DEEPC_DTYPE_F8E4M3FN:
    error = copyTypedField(proto.int32_data(), "int32_data", tensor, fileName,
                           [](void *data, int64_t i, int32_t value) {
                             static_cast<uint8_t *>(data)[i] = uint8_t(value);
                           });
    break;
  default: // bool, i8, i32: the values themselves
    error = copyTypedField(proto.int32_data(), "int32_data", tensor, fileName,
                           [dtype](void *data, int64_t i, int32_t value) {
                             storeInt(data, dtype, i, value);
                           });
    break;
  }
  if (error)
    return std::move(error);
  return std::move(tensor);
}

llvm::Expected<HostTensor> readTensorFile(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return fileError(path,
                     "cannot read the file: " + buffer.getError().message());
  return parseTensorProto((*buffer)->getBuffer(), path);
}

std::string serializeTensorProto(llvm::StringRef name, TensorRef tensor) {
  onnx::TensorProto proto;
  proto.set_name(name.str());
  proto.set_data_type(onnxFromDType(tensor.dtype));
  for (int64_t dim : tensor.dims)
    proto.add_dims(dim);
  size_t bytes = numElements(tensor.dims) * dtypeSize(tensor.dtype);
  proto.set_raw_data(static_cast<const char *>(tensor.data), bytes);
  return proto.SerializeAsString();
}

llvm::Error writeTensorFile(llvm::StringRef path, llvm::StringRef name,
                            TensorRef tensor) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return fileError(path, "cannot open the file: " + ec.message());
  os << serializeTensorProto(name, tensor);
  os.close();
  if (os.has_error()) {
    std::error_code writeError = os.error();
    os.clear_error();
    return fileError(path, "cannot write the file: " + writeError.message());
  }
  return llvm::Error::success();
}

/// The N of <prefix><N>.pb, or -1 when `fileName` is not such a name.
static int64_t tensorFileNumber(llvm::StringRef fileName,
                                llvm::StringRef prefix) {
  if (!fileName.consume_front(prefix) || !fileName.consume_back(".pb") ||
      fileName.empty() || !llvm::all_of(fileName, llvm::isDigit))
    return -1;
  int64_t number;
  if (fileName.getAsInteger(10, number))
    return -1;
  return number;
}

llvm::Expected<std::vector<std::string>>
listTensorFiles(llvm::StringRef dir, llvm::StringRef prefix) {
  if (!llvm::sys::fs::is_directory(dir))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::Twine("'") + dir + "' is not a directory" +
            (llvm::sys::fs::exists(dir) ? "" : ": no such file or directory"));
  std::vector<std::pair<int64_t, std::string>> files;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
       it.increment(ec)) {
    int64_t number =
        tensorFileNumber(llvm::sys::path::filename(it->path()), prefix);
    if (number >= 0)
      files.emplace_back(number, it->path());
  }
  if (ec)
    return llvm::createStringError(ec, llvm::Twine("cannot read directory '") +
                                           dir + "': " + ec.message());
  llvm::sort(files);
  std::vector<std::string> paths;
  for (auto &[number, path] : files)
    paths.push_back(std::move(path));
  return paths;
}

} // namespace deepc::run
