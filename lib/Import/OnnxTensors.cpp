//===- OnnxTensors.cpp - ONNX tensors to MLIR elements --------------------===//
//
// Imports a TensorProto as an ElementsAttr: typed or raw data, inline or
// loaded from external data, small ones as dense elements and large ones as
// resource blobs that point into the mapped file (step 4 of
// OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace mlir::deepc::onnx_import {

std::string resourceKey(StringRef name) {
  std::string key;
  key.reserve(name.size() + 1);
  if (name.empty() || !(llvm::isAlpha(name.front()) || name.front() == '_'))
    key.push_back('_');
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  return key;
}

} // namespace mlir::deepc::onnx_import

//===----------------------------------------------------------------------===//
// Step 4: tensors
//===----------------------------------------------------------------------===//

ElementsAttr Importer::makeElements(RankedTensorType type, ArrayRef<char> data,
                                    SharedBuffer owner,
                                    StringRef resourceName) {
  Type elementType = type.getElementType();
  int64_t numElements = type.getNumElements();
  if (numElements == 0)
    return DenseElementsAttr::get(type, ArrayRef<Attribute>());

  if (data.size() <= options.inlineElementsLimit) {
    // ONNX bools are bytes, MLIR's dense bools are bits.
    if (elementType.isInteger(1)) {
      SmallVector<bool> values(
          llvm::map_range(data, [](char byte) { return byte != 0; }));
      return DenseElementsAttr::get(type, values);
    }
    // ONNX packs two 4-bit elements per byte, low nibble first; MLIR keeps
    // each in a byte of its own.
    if (storageBits(elementType) == 4) {
      SmallVector<char> unpacked(numElements);
      for (int64_t i = 0; i < numElements; ++i)
        unpacked[i] = (data[i / 2] >> (4 * (i % 2))) & 0xf;
      return DenseElementsAttr::getFromRawBuffer(type, unpacked);
    }
    return DenseElementsAttr::getFromRawBuffer(type, data);
  }

  // A resource blob, in ONNX's layout. Blobs that point into a mapping
  // claim only the alignment the data actually has.
  uint64_t elementBytes = std::max<uint64_t>(1, storageBits(elementType) / 8);
  size_t align = std::min<uint64_t>(llvm::bit_floor(elementBytes), 8);
  AsmResourceBlob blob;
  if (owner) {
    while (align > 1 && reinterpret_cast<uintptr_t>(data.data()) % align != 0)
      align /= 2;
    blob = AsmResourceBlob(
        data, align, [owner](void *, size_t, size_t) {},
        /*dataIsMutable=*/false);
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(data, align);
  }
  return DenseResourceElementsAttr::get(type, resourceKey(resourceName),
                                        std::move(blob));
}

FailureOr<std::pair<ArrayRef<char>, SharedBuffer>>
Importer::loadExternalData(const onnxpb::TensorProto &tensor,
                           const std::string &what, uint64_t expectedBytes,
                           Location loc) {
  std::string location;
  std::optional<uint64_t> offset, length;
  for (const onnxpb::StringStringEntryProto &entry : tensor.external_data()) {
    if (entry.key() == "location") {
      location = entry.value();
      continue;
    }
    if (entry.key() != "offset" && entry.key() != "length")
      continue; // "checksum" and future keys
    uint64_t number;
    if (StringRef(entry.value()).getAsInteger(10, number))
      return emitError(loc)
             << what << " has external-data " << entry.key() << " '"
             << entry.value() << "', which is not a number";
    (entry.key() == "offset" ? offset : length) = number;
  }
  if (location.empty())
    return emitError(loc) << what
                          << " is stored as external data but names no file";

  // Only files inside the model's directory: no absolute paths, no `..`.
  namespace path = llvm::sys::path;
  if (location.find('\0') != std::string::npos)
    return emitError(loc) << what
                          << " names an external-data file with a "
                             "NUL character";
  if (path::is_absolute(location) ||
      path::is_absolute(location, path::Style::windows) ||
      path::has_root_name(location, path::Style::windows))
    return emitError(loc) << what << " is stored in '" << location
                          << "', an absolute path; external data must be "
                             "a relative path inside the model's directory";
  for (StringRef component : llvm::make_range(
           path::begin(location, path::Style::windows), path::end(location)))
    if (component == "..")
      return emitError(loc) << what << " is stored in '" << location
                            << "', which leaves the model's directory";

  SmallString<256> fullPath(path::parent_path(this->path));
  path::append(fullPath, location);
  SharedBuffer &file = externalFiles[fullPath];
  if (!file) {
    llvm::sys::fs::file_status status;
    if (std::error_code ec = llvm::sys::fs::status(fullPath, status)) {
      if (ec == std::errc::no_such_file_or_directory)
        return emitError(loc) << what << " is stored in '" << location
                              << "', which does not exist";
      return emitError(loc) << what << " is stored in '" << location
                            << "', which cannot be opened: " << ec.message();
    }
    if (status.type() != llvm::sys::fs::file_type::regular_file)
      return emitError(loc) << what << " is stored in '" << location
                            << "', which is not a regular file";
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(fullPath, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false,
                                    /*IsVolatile=*/false);
    if (!buffer)
      return emitError(loc)
             << what << " is stored in '" << location
             << "', which cannot be read: " << buffer.getError().message();
    file = SharedBuffer(std::move(*buffer));
  }

  uint64_t fileSize = file->getBufferSize();
  uint64_t start = offset.value_or(0);
  if (start > fileSize)
    return emitError(loc) << what << " starts at offset " << start
                          << ", past the end of '" << location << "' ("
                          << fileSize << " bytes)";
  uint64_t size = length.value_or(fileSize - start);
  if (size > fileSize - start)
    return emitError(loc) << what << " spans bytes " << start << " to "
                          << start + size << ", past the end of '" << location
                          << "' (" << fileSize << " bytes)";
  if (size != expectedBytes)
    return emitError(loc) << what << " has " << size
                          << " bytes of external data, but its shape needs "
                          << expectedBytes;
  return std::make_pair(ArrayRef<char>(file->getBufferStart() + start, size),
                        file);
}

FailureOr<ElementsAttr>
Importer::importTensor(const onnxpb::TensorProto &tensor, const Twine &whatTw,
                       Location loc, StringRef resourceName, bool mayBeDummy) {
  std::string what = whatTw.str();
  int32_t dataType = tensor.data_type();
  Type elementType = convertDataType(ctx, dataType);
  if (!elementType)
    return emitError(loc) << what << " has data type " << dataType << " ("
                          << dataTypeName(dataType)
                          << "), which deepc does not support";
  if (tensor.has_segment())
    return emitError(loc) << what
                          << " is segmented, which deepc does not support";
  if (tensor.dims_size() > kMaxRank)
    return emitError(loc) << what << " has rank " << tensor.dims_size()
                          << ", more than " << kMaxRank;
  SmallVector<int64_t> shape;
  int64_t numElements = 1;
  for (auto [i, dim] : llvm::enumerate(tensor.dims())) {
    if (dim < 0)
      return emitError(loc)
             << what << " has negative dim " << dim << " at position " << i;
    if (dim > kMaxDim)
      return emitError(loc) << what << " has dim " << dim << " at position "
                            << i << ", larger than 2^40";
    shape.push_back(dim);
    if (dim != 0 && numElements > kMaxElements / dim)
      numElements = kMaxElements + 1;
    else
      numElements *= dim;
  }
  if (numElements > kMaxElements)
    return emitError(loc) << what << " has more than 2^40 elements";
  auto type = RankedTensorType::get(shape, elementType);
  uint64_t expectedBytes = storageBytes(elementType, numElements);
  // Dummy weights: large tensors are never read, nor small ones whose
  // external-data file is absent. Small ones are read where they can be:
  // scalars such as a norm's epsilon decide what the raising passes see.
  if (mayBeDummy && options.dummyWeights && expectedBytes > 0 &&
      (expectedBytes > options.inlineElementsLimit ||
       !externalDataAvailable(tensor)))
    return makeDummyElements(type, expectedBytes, what, loc, resourceName);

  // Raw bytes: external, in the mapped model, or in the proto.
  std::optional<ArrayRef<char>> raw;
  SharedBuffer owner;
  if (tensor.data_location() == onnxpb::TensorProto::EXTERNAL) {
    auto external = loadExternalData(tensor, what, expectedBytes, loc);
    if (failed(external))
      return failure();
    std::tie(raw, owner) = *external;
  } else if (auto it = parsed.initializerData.find(&tensor);
             it != parsed.initializerData.end()) {
    raw = it->second;
    owner = modelBuffer;
  } else if (tensor.has_raw_data()) {
    raw = ArrayRef<char>(tensor.raw_data().data(), tensor.raw_data().size());
  }
  if (raw) {
    if (raw->size() != expectedBytes)
      return emitError(loc)
             << what << " has " << raw->size()
             << " bytes of raw data, but its shape needs " << expectedBytes;
    return makeElements(type, *raw, owner, resourceName);
  }

  // Typed fields: packed little-endian into ONNX's raw layout first. Every
  // count is checked against the shape before anything is allocated.
  std::vector<char> bytes;
  auto check = [&](int64_t count, int64_t expected,
                   StringRef field) -> LogicalResult {
    if (count == expected)
      return success();
    if (count == 0)
      return emitError(loc) << what << " has no data";
    return emitError(loc) << what << " has " << count << " values in " << field
                          << ", but its shape needs " << expected;
  };
  auto append = [&](const auto &values, unsigned bytesEach) {
    bytes.reserve(values.size() * bytesEach);
    for (auto value : values) {
      uint64_t bits;
      if constexpr (std::is_same_v<std::decay_t<decltype(value)>, float>)
        bits = llvm::bit_cast<uint32_t>(value);
      else if constexpr (std::is_same_v<std::decay_t<decltype(value)>, double>)
        bits = llvm::bit_cast<uint64_t>(value);
      else
        bits = static_cast<uint64_t>(value);
      for (unsigned b = 0; b < bytesEach; ++b)
        bytes.push_back(static_cast<char>((bits >> (8 * b)) & 0xff));
    }
  };
  int64_t complexFactor = isa<ComplexType>(elementType) ? 2 : 1;
  switch (dataType) {
  case onnxpb::TensorProto::FLOAT:
  case onnxpb::TensorProto::COMPLEX64:
    if (failed(check(tensor.float_data_size(), numElements * complexFactor,
                     "float_data")))
      return failure();
    append(tensor.float_data(), 4);
    break;
  case onnxpb::TensorProto::DOUBLE:
  case onnxpb::TensorProto::COMPLEX128:
    if (failed(check(tensor.double_data_size(), numElements * complexFactor,
                     "double_data")))
      return failure();
    append(tensor.double_data(), 8);
    break;
  case onnxpb::TensorProto::INT64:
    if (failed(check(tensor.int64_data_size(), numElements, "int64_data")))
      return failure();
    append(tensor.int64_data(), 8);
    break;
  case onnxpb::TensorProto::UINT32:
  case onnxpb::TensorProto::UINT64:
    if (failed(check(tensor.uint64_data_size(), numElements, "uint64_data")))
      return failure();
    append(tensor.uint64_data(), storageBits(elementType) / 8);
    break;
  case kUInt4:
  case kInt4:
    // Two elements per int32_data entry, already packed into its low byte.
    if (failed(check(tensor.int32_data_size(), (numElements + 1) / 2,
                     "int32_data")))
      return failure();
    append(tensor.int32_data(), 1);
    break;
  default:
    // Everything else narrower than 64 bits, floats as their bit patterns.
    if (failed(check(tensor.int32_data_size(), numElements, "int32_data")))
      return failure();
    append(tensor.int32_data(), storageBits(elementType) / 8);
    break;
  }
  assert(bytes.size() == expectedBytes && "typed data packed to wrong size");
  return makeElements(type, bytes, nullptr, resourceName);
}
