//===- OnnxWire.cpp - zero-copy parsing of ONNX protobufs -----------------===//
//
// The protobuf wire format is a sequence of (tag, payload) fields, and
// parsing a concatenation of fields equals merging them one run at a time.
// So the walker below cuts a message into runs of ordinary fields, which
// protobuf merges, and the few fields we handle ourselves: the graph, its
// initializers, and their raw_data, which stays in the caller's buffer.
//
//===----------------------------------------------------------------------===//

#include "OnnxWire.h"

#include <google/protobuf/io/coded_stream.h>

using namespace mlir;
using namespace mlir::deepc;

namespace {

/// Field numbers from onnx.proto.
constexpr uint32_t kModelGraphField = 7;       // ModelProto.graph
constexpr uint32_t kGraphInitializerField = 5; // GraphProto.initializer
constexpr uint32_t kTensorRawDataField = 9;    // TensorProto.raw_data

constexpr unsigned kWireVarint = 0, kWireFixed64 = 1, kWireLen = 2,
                   kWireFixed32 = 5;

/// Nesting allowed inside one protobuf parse (protobuf's default is 100;
/// ONNX nests a few levels unless subgraphs nest).
constexpr int kRecursionLimit = 100;

/// One field of a message in wire format.
struct Field {
  uint32_t number = 0;
  unsigned wireType = 0;
  const uint8_t *begin = nullptr; // the tag
  const uint8_t *end = nullptr;   // one past the payload
  llvm::ArrayRef<char> payload;   // length-delimited fields only
};

/// Reads a base-128 varint of at most 10 bytes whose value fits in 64 bits.
/// (Protobuf drops the bits of a 10th byte past the 64th; such an encoding
/// is never written, and taking it for a small length would be wrong.)
bool readVarint(const uint8_t *&p, const uint8_t *end, uint64_t &value) {
  value = 0;
  for (unsigned shift = 0; shift < 70; shift += 7) {
    if (p == end)
      return false;
    uint8_t byte = *p++;
    if (shift == 63 && byte > 1)
      return false;
    value |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80))
      return true;
  }
  return false;
}

/// Reads the field at `p` and advances past it. Groups (wire types 3 and
/// 4) are deprecated and never used by ONNX, so they count as malformed.
bool readField(const uint8_t *&p, const uint8_t *end, Field &field) {
  field.begin = p;
  uint64_t tag;
  if (!readVarint(p, end, tag))
    return false;
  uint64_t number = tag >> 3;
  if (number == 0 || number > (uint64_t(1) << 29) - 1)
    return false;
  field.number = static_cast<uint32_t>(number);
  field.wireType = tag & 7;
  field.payload = {};
  switch (field.wireType) {
  case kWireVarint: {
    uint64_t ignored;
    if (!readVarint(p, end, ignored))
      return false;
    break;
  }
  case kWireFixed64:
    if (end - p < 8)
      return false;
    p += 8;
    break;
  case kWireFixed32:
    if (end - p < 4)
      return false;
    p += 4;
    break;
  case kWireLen: {
    uint64_t size;
    if (!readVarint(p, end, size) || size > uint64_t(end - p))
      return false;
    field.payload = {reinterpret_cast<const char *>(p), size_t(size)};
    p += size;
    break;
  }
  default:
    return false;
  }
  field.end = p;
  return true;
}

/// Merges the complete fields in [begin, end) into `message`.
bool mergeRun(google::protobuf::MessageLite &message, const uint8_t *begin,
              const uint8_t *end) {
  if (begin == end)
    return true;
  google::protobuf::io::CodedInputStream input(begin, int(end - begin));
  input.SetRecursionLimit(kRecursionLimit);
  return message.MergePartialFromCodedStream(&input) &&
         input.ConsumedEntireMessage();
}

/// Walks the fields of one message: runs of ordinary fields are merged
/// into `message` by protobuf; `special` gets the length-delimited fields
/// it claims (returning true) and handles them itself.
template <typename SpecialFn>
bool walkMessage(llvm::ArrayRef<char> bytes,
                 google::protobuf::MessageLite &message, SpecialFn special) {
  auto *p = reinterpret_cast<const uint8_t *>(bytes.data());
  const uint8_t *end = p + bytes.size();
  const uint8_t *runBegin = p;
  while (p != end) {
    Field field;
    if (!readField(p, end, field))
      return false;
    if (field.wireType != kWireLen)
      continue;
    bool ok = true;
    auto claim = [&]() {
      if (!mergeRun(message, runBegin, field.begin))
        ok = false;
      runBegin = field.end;
    };
    if (!special(field, claim))
      continue;
    if (!ok)
      return false;
  }
  return mergeRun(message, runBegin, end);
}

/// Parses an initializer, leaving raw_data in the buffer.
bool parseInitializer(llvm::ArrayRef<char> bytes, ::onnx::TensorProto &tensor,
                      ParsedModel &out) {
  return walkMessage(bytes, tensor, [&](const Field &field, auto claim) {
    if (field.number != kTensorRawDataField)
      return false;
    claim();
    // As protobuf would, the last occurrence wins.
    out.initializerData[&tensor] = field.payload;
    return true;
  });
}

bool parseGraph(llvm::ArrayRef<char> bytes, ::onnx::GraphProto &graph,
                ParsedModel &out) {
  bool ok = true;
  bool walked = walkMessage(bytes, graph, [&](const Field &field, auto claim) {
    if (field.number != kGraphInitializerField)
      return false;
    claim();
    if (!parseInitializer(field.payload, *graph.add_initializer(), out))
      ok = false;
    return true;
  });
  return walked && ok;
}

} // namespace

LogicalResult mlir::deepc::parseModel(llvm::ArrayRef<char> bytes,
                                      ParsedModel &out, std::string &reason) {
  bool ok = true;
  bool walked =
      walkMessage(bytes, out.model, [&](const Field &field, auto claim) {
        if (field.number != kModelGraphField)
          return false;
        claim();
        if (!parseGraph(field.payload, *out.model.mutable_graph(), out))
          ok = false;
        return true;
      });
  if (!walked || !ok) {
    reason = "the protobuf is malformed or truncated";
    return failure();
  }
  return success();
}

LogicalResult mlir::deepc::forEachUnknownField(
    const std::string &unknownFields, uint32_t number,
    llvm::function_ref<LogicalResult(llvm::ArrayRef<char>)> fn) {
  auto *p = reinterpret_cast<const uint8_t *>(unknownFields.data());
  const uint8_t *end = p + unknownFields.size();
  while (p != end) {
    Field field;
    if (!readField(p, end, field))
      return failure();
    if (field.number == number && field.wireType == kWireLen &&
        failed(fn(field.payload)))
      return failure();
  }
  return success();
}
