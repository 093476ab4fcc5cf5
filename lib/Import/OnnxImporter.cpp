//===- OnnxImporter.cpp - ONNX protobuf to the onnx dialect ---------------===//
//
// Reads an ONNX ModelProto and builds `func.func @main` out of generic
// `onnx.node` ops, in four steps:
//
//   1. map the file and parse it, leaving initializer bytes in the mapping
//      (OnnxWire.cpp); check the opset imports; index the local functions;
//   2. flatten the graph's nodes, inlining calls of local functions, into a
//      list of FlatNodes with resolved value names and attributes;
//   3. check the graph's structure: every value defined once, every use
//      defined, no cycle; sort the nodes topologically;
//   4. build the IR: graph inputs become arguments, initializers
//      `onnx.constant`s, nodes `onnx.node`s, graph outputs the results.
//
// Every failure is one error diagnostic naming the culprit. Nothing the file
// says is trusted before it is checked: dims, element counts, data sizes,
// offsets and inlining depth are all bounded, so a hostile file can neither
// crash the importer nor make it allocate more than the file's own size.
//
//===----------------------------------------------------------------------===//

#include "deepc/Import/OnnxImporter.h"

#include "OnnxWire.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include <deque>
#include <memory>
#include <queue>

using namespace mlir;
using namespace mlir::deepc;

// `onnx` alone would be ambiguous between the protobuf package and the
// dialect's namespace mlir::onnx.
namespace onnxpb = ::onnx;

namespace {

//===----------------------------------------------------------------------===//
// Limits and constants
//===----------------------------------------------------------------------===//

/// The largest dim (and element count) accepted: 2^40 is far beyond any
/// real model and keeps byte sizes well inside int64.
constexpr int64_t kMaxDim = int64_t(1) << 40;
constexpr int64_t kMaxElements = int64_t(1) << 40;
/// Real models stay below rank 8; anything past this is garbage.
constexpr int64_t kMaxRank = 64;
/// Local functions calling local functions, this deep at most.
constexpr unsigned kMaxInlineDepth = 64;
/// What inlining local functions may build, in estimated bytes of
/// flattened nodes and call scopes: OnnxImportOptions::inlineBudget, or this
/// many times the model's size when that is more. A depth limit alone does
/// not bound the work: a function that calls the next one twice, 40 deep,
/// makes 2^40 calls from a 3 KB file (a hang; with one node per leaf call,
/// gigabytes of nodes long before OnnxImportOptions::maxNodes). Real models
/// inline a few thousand nodes, a few MiB.
constexpr uint64_t kInlineBudgetPerModelByte = 16;
/// Protobuf cannot parse messages of 2 GiB or more; such models must keep
/// their weights in external data.
constexpr uint64_t kMaxModelBytes = (uint64_t(1) << 31) - 1;

/// ONNX data types newer than our copy of the schema (libonnx-dev 1.12).
/// TensorProto.data_type is an int32 field, so they parse; we use numbers.
enum : int32_t {
  kFloat8E4M3FN = 17,
  kFloat8E4M3FNUZ = 18,
  kFloat8E5M2 = 19,
  kFloat8E5M2FNUZ = 20,
  kUInt4 = 21,
  kInt4 = 22,
};

/// Field numbers of fields newer than our schema, read from the unknown
/// fields protobuf keeps.
constexpr uint32_t kNodeOverloadField = 8; // NodeProto.overload
constexpr uint32_t kFunctionAttributeProtoField =
    11;                                         // FunctionProto.attribute_proto
constexpr uint32_t kFunctionOverloadField = 13; // FunctionProto.overload

using SharedBuffer = std::shared_ptr<llvm::MemoryBuffer>;

/// Returns the name ONNX gives data type `t`, for messages.
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

/// Maps an ONNX data type to an MLIR element type, or null when deepc does
/// not support it (STRING, and the 2-, 4- and 6-bit floats and 2-bit ints,
/// which MLIR 19 lacks).
///
/// Integers keep their signedness (si8, ui8, ...) rather than becoming
/// signless. ONNX semantics depend on it and it is known at import only:
/// an initializer's zero point says whether QuantizeLinear is uint8 or
/// int8, and Div, Cast, comparisons, Min/Max and ArgMax all differ between
/// signed and unsigned. Dropping it here would force legalization to
/// recover it from nowhere; keeping it costs legalization one type
/// conversion to signless. Bool is i1, as ONNX bool has no signedness.
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

/// Bits one element takes in ONNX's packed data: a bool is a byte, int4 a
/// nibble, complex two floats.
uint64_t storageBits(Type elementType) {
  if (elementType.isInteger(1))
    return 8;
  if (auto complex = dyn_cast<ComplexType>(elementType))
    return 2 * complex.getElementType().getIntOrFloatBitWidth();
  return elementType.getIntOrFloatBitWidth();
}

/// Bytes that `numElements` elements take in ONNX's packed data.
uint64_t storageBytes(Type elementType, int64_t numElements) {
  return (uint64_t(numElements) * storageBits(elementType) + 7) / 8;
}

/// "" and "ai.onnx" both name the default domain; we spell it "".
std::string normalizeDomain(StringRef domain) {
  return domain == "ai.onnx" ? std::string() : domain.str();
}

/// Turns a tensor name into a resource key the MLIR parser reads back as a
/// bare identifier: [A-Za-z_][A-Za-z0-9_.]*.
std::string resourceKey(StringRef name) {
  std::string key;
  key.reserve(name.size() + 1);
  if (name.empty() || !(llvm::isAlpha(name.front()) || name.front() == '_'))
    key.push_back('_');
  for (char c : name)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  return key;
}

/// Reads string field `number` from a message's unknown fields; empty when
/// absent or malformed.
std::string readUnknownString(const std::string &unknownFields,
                              uint32_t number) {
  std::string value;
  (void)forEachUnknownField(unknownFields, number, [&](ArrayRef<char> payload) {
    value.assign(payload.begin(), payload.end());
    return success();
  });
  return value;
}

//===----------------------------------------------------------------------===//
// Flattened graph
//===----------------------------------------------------------------------===//

/// A local function (ModelProto.functions) ready for inlining.
struct LocalFunction {
  const onnxpb::FunctionProto *proto = nullptr;
  /// "domain.name" for messages.
  std::string displayName;
  /// Opsets the function body imports, by normalized domain.
  llvm::StringMap<int64_t> opsets;
  /// Default values of the function's attributes (FunctionProto
  /// .attribute_proto, newer than our schema).
  llvm::StringMap<const onnxpb::AttributeProto *> defaults;
};

/// A node attribute after resolving function attribute references: the
/// name the node uses and the proto holding the value.
struct FlatAttr {
  std::string name;
  const onnxpb::AttributeProto *value = nullptr;
};

/// A node of the graph after inlining local functions, with value names
/// renamed into the main graph's namespace.
struct FlatNode {
  /// The node's name, prefixed by the calls it was inlined through.
  std::string name;
  std::string domain;
  std::string opType;
  int64_t version = 0;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<FlatAttr> attrs;
};

/// One level of function inlining.
struct InlineScope {
  const LocalFunction *function = nullptr;
  /// Prefix that makes the function's internal value names unique.
  std::string prefix;
  /// The function's formal inputs and outputs -> the caller's value names.
  llvm::StringMap<std::string> values;
  /// Attribute values in force inside the body, by the function's names.
  llvm::StringMap<const onnxpb::AttributeProto *> attrs;
  const InlineScope *parent = nullptr;
};

/// Describes a node for messages: "node 'name'", or for an unnamed node its
/// op type and first output.
std::string describe(const FlatNode &node) {
  if (!node.name.empty())
    return "node '" + node.name + "'";
  std::string text = "unnamed " + node.opType + " node";
  for (const std::string &output : node.outputs)
    if (!output.empty())
      return text + " (output '" + output + "')";
  return text;
}

//===----------------------------------------------------------------------===//
// The importer
//===----------------------------------------------------------------------===//

class Importer {
public:
  /// Imports the file at `path`, or `buffer` when given, `path` then
  /// being its identifier.
  Importer(MLIRContext &context, StringRef path,
           const OnnxImportOptions &options, SharedBuffer buffer = nullptr)
      : ctx(&context), path(path.str()), options(options),
        fileLoc(FileLineColLoc::get(&context, path, 0, 0)), builder(ctx),
        modelBuffer(std::move(buffer)) {}

  FailureOr<OwningOpRef<ModuleOp>> run();

private:
  // Step 1: file, opsets, functions.
  LogicalResult readModel();
  LogicalResult readOpsets();
  LogicalResult readFunctions();

  // Step 2: flattening and inlining.
  LogicalResult flattenNode(const onnxpb::NodeProto &node,
                            const InlineScope *scope, unsigned depth);

  // Step 3: structure.
  LogicalResult checkDefinitions();
  LogicalResult sortNodes(std::vector<unsigned> &order);

  // Step 4: IR.
  FailureOr<OwningOpRef<ModuleOp>> buildModule(ArrayRef<unsigned> order);
  FailureOr<Type> importType(const onnxpb::TypeProto &type, StringRef value,
                             bool required, Location loc,
                             SmallVectorImpl<Attribute> *dimParams);
  Type typeOfValue(StringRef value, Location loc, bool &failedOut);
  FailureOr<ElementsAttr> importTensor(const onnxpb::TensorProto &tensor,
                                       const Twine &what, Location loc,
                                       StringRef resourceName);
  FailureOr<std::pair<ArrayRef<char>, SharedBuffer>>
  loadExternalData(const onnxpb::TensorProto &tensor, const std::string &what,
                   uint64_t expectedBytes, Location loc);
  FailureOr<Attribute> importAttribute(const FlatNode &node,
                                       const FlatAttr &attr, Location loc);
  ElementsAttr makeElements(RankedTensorType type, ArrayRef<char> data,
                            SharedBuffer owner, StringRef resourceName);

  Location nameLoc(StringRef name) {
    return NameLoc::get(StringAttr::get(ctx, name), fileLoc);
  }
  Location nodeLoc(const FlatNode &node) {
    if (!node.name.empty())
      return nameLoc(node.name);
    for (const std::string &output : node.outputs)
      if (!output.empty())
        return nameLoc(output);
    return nameLoc(node.opType);
  }

  MLIRContext *ctx;
  std::string path;
  const OnnxImportOptions &options;
  Location fileLoc;
  OpBuilder builder;

  /// The mapped model file (or the buffer given); resource blobs that point
  /// into it share it.
  SharedBuffer modelBuffer;
  ParsedModel parsed;
  /// Opset versions the model imports, by normalized domain.
  llvm::StringMap<int64_t> opsets;
  /// Local functions by "domain\0name\0overload".
  llvm::StringMap<LocalFunction> functions;
  /// Owns attribute defaults parsed from unknown fields.
  std::deque<onnxpb::AttributeProto> ownedAttrs;
  llvm::StringSet<> usedPrefixes;
  /// The last "#N" suffix given to each inlining prefix base.
  llvm::StringMap<unsigned> prefixSuffixes;
  /// Bytes inlining has built so far, and the most it may build.
  uint64_t inlinedBytes = 0;
  uint64_t inlineBudget = 0;
  std::vector<FlatNode> nodes;

  /// What defines each value, for messages ("graph input", "node 'x'").
  llvm::StringMap<std::string> definedBy;
  /// Which node produces each value.
  llvm::StringMap<unsigned> producer;
  /// Declared types from value_info and the graph outputs.
  llvm::StringMap<const onnxpb::TypeProto *> declaredTypes;
  /// External-data files mapped so far, by path.
  llvm::StringMap<SharedBuffer> externalFiles;
};

} // namespace

//===----------------------------------------------------------------------===//
// Step 1: file, opsets, functions
//===----------------------------------------------------------------------===//

LogicalResult Importer::readModel() {
  // A model given in memory already has its buffer; a file is checked
  // before it is mapped.
  uint64_t size;
  if (modelBuffer) {
    size = modelBuffer->getBufferSize();
  } else {
    llvm::sys::fs::file_status status;
    if (std::error_code ec = llvm::sys::fs::status(path, status))
      return emitError(fileLoc) << "cannot open the file: " << ec.message();
    if (status.type() != llvm::sys::fs::file_type::regular_file)
      return emitError(fileLoc) << "not a regular file";
    size = status.getSize();
  }
  if (size == 0)
    return emitError(fileLoc) << "the file is empty, not an ONNX model";
  if (size > kMaxModelBytes)
    return emitError(fileLoc)
           << "the file is " << size
           << " bytes; protobuf reads at most 2 GiB, so larger models must "
              "keep their weights in external data";
  inlineBudget =
      std::max(options.inlineBudget, kInlineBudgetPerModelByte * size);

  if (!modelBuffer) {
    // Mapped, not read: initializers point into this buffer. No null
    // terminator, or a file whose size is a multiple of the page size would
    // be read into heap memory instead.
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false,
                                    /*IsVolatile=*/false);
    if (!buffer)
      return emitError(fileLoc)
             << "cannot read the file: " << buffer.getError().message();
    modelBuffer = SharedBuffer(std::move(*buffer));
  }

  std::string reason;
  ArrayRef<char> bytes(modelBuffer->getBufferStart(),
                       modelBuffer->getBufferSize());
  if (failed(parseModel(bytes, parsed, reason)))
    return emitError(fileLoc)
           << "the file is not a valid ONNX model: " << reason;
  if (!parsed.model.has_graph())
    return emitError(fileLoc)
           << "the file is not a valid ONNX model: it has no graph";
  return success();
}

LogicalResult Importer::readOpsets() {
  for (const onnxpb::OperatorSetIdProto &opset : parsed.model.opset_import()) {
    std::string domain = normalizeDomain(opset.domain());
    StringRef shown = domain.empty() ? "ai.onnx" : StringRef(domain);
    int64_t version = opset.version();
    if (!opset.has_version() || version < 1)
      return emitError(fileLoc) << "the model imports domain '" << shown
                                << "' with invalid opset version " << version;
    auto [it, inserted] = opsets.try_emplace(domain, version);
    if (!inserted && it->second != version)
      return emitError(fileLoc)
             << "the model imports domain '" << shown << "' twice, as opset "
             << it->second << " and " << version;
  }
  auto it = opsets.find("");
  if (it == opsets.end())
    return emitError(fileLoc) << "the model imports no default-domain "
                                 "(ai.onnx) opset; deepc supports "
                                 "ai.onnx opsets "
                              << kMinOnnxOpset << " to " << kMaxOnnxOpset;
  if (it->second < kMinOnnxOpset || it->second > kMaxOnnxOpset)
    return emitError(fileLoc)
           << "the model imports ai.onnx opset " << it->second
           << "; deepc supports ai.onnx opsets " << kMinOnnxOpset << " to "
           << kMaxOnnxOpset;
  // Other domains (com.microsoft, ai.onnx.ml, custom ones) are recorded as
  // they are: whether their ops are supported is legalization's call.
  return success();
}

/// The lookup key of a local function.
static std::string functionKey(StringRef domain, StringRef name,
                               StringRef overload) {
  return (domain + Twine('\0') + name + Twine('\0') + overload).str();
}

LogicalResult Importer::readFunctions() {
  for (const onnxpb::FunctionProto &proto : parsed.model.functions()) {
    std::string domain = normalizeDomain(proto.domain());
    std::string overload =
        readUnknownString(proto.unknown_fields(), kFunctionOverloadField);
    std::string display = (domain.empty() ? "" : domain + ".") + proto.name();
    if (!overload.empty())
      display += ":" + overload;
    if (proto.name().empty())
      return emitError(fileLoc)
             << "the model has a local function with no name";
    LocalFunction function;
    function.proto = &proto;
    function.displayName = display;
    for (const onnxpb::OperatorSetIdProto &opset : proto.opset_import())
      function.opsets[normalizeDomain(opset.domain())] = opset.version();
    // Attribute defaults are FunctionProto.attribute_proto (IR 9), which our
    // schema predates.
    if (failed(forEachUnknownField(
            proto.unknown_fields(), kFunctionAttributeProtoField,
            [&](ArrayRef<char> payload) -> LogicalResult {
              onnxpb::AttributeProto &attr = ownedAttrs.emplace_back();
              if (!attr.ParseFromArray(payload.data(), int(payload.size())))
                return failure();
              function.defaults[attr.name()] = &attr;
              return success();
            })))
      return emitError(fileLoc) << "local function '" << display
                                << "' has malformed attribute defaults";
    if (!functions
             .try_emplace(functionKey(domain, proto.name(), overload),
                          std::move(function))
             .second)
      return emitError(fileLoc)
             << "the model defines local function '" << display << "' twice";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Step 2: flattening and inlining
//===----------------------------------------------------------------------===//

LogicalResult Importer::flattenNode(const onnxpb::NodeProto &node,
                                    const InlineScope *scope, unsigned depth) {
  auto rename = [&](const std::string &name) -> std::string {
    if (name.empty() || !scope)
      return name;
    auto it = scope->values.find(name);
    return it != scope->values.end() ? it->second : scope->prefix + name;
  };

  FlatNode flat;
  flat.name =
      scope && !node.name().empty() ? scope->prefix + node.name() : node.name();
  flat.domain = normalizeDomain(node.domain());
  flat.opType = node.op_type();
  for (const std::string &input : node.input())
    flat.inputs.push_back(rename(input));
  for (const std::string &output : node.output())
    flat.outputs.push_back(rename(output));
  Location loc = nodeLoc(flat);
  if (flat.opType.empty())
    return emitError(loc) << describe(flat) << " has no op_type";
  // Charges what inlining builds against its budget (see
  // kInlineBudgetPerModelByte).
  auto charge = [&](uint64_t bytes) -> LogicalResult {
    inlinedBytes += bytes;
    if (inlinedBytes <= inlineBudget)
      return success();
    return emitError(loc) << "inlining local functions builds more than "
                          << (inlineBudget >> 20) << " MiB of nodes (at "
                          << describe(flat)
                          << "); the model is too large or its functions "
                             "call each other too many times";
  };

  // Attributes; inside a function, `ref_attr_name` takes the value of the
  // caller's attribute (or the function's default), and an attribute
  // referring to one that is not given is omitted, as ONNX specifies.
  for (const onnxpb::AttributeProto &attr : node.attribute()) {
    if (attr.name().empty())
      return emitError(loc) << describe(flat) << " has an unnamed attribute";
    if (attr.ref_attr_name().empty()) {
      flat.attrs.push_back({attr.name(), &attr});
      continue;
    }
    if (!scope)
      return emitError(loc)
             << describe(flat) << " attribute '" << attr.name()
             << "' refers to function attribute '" << attr.ref_attr_name()
             << "' outside of a function";
    auto it = scope->attrs.find(attr.ref_attr_name());
    if (it != scope->attrs.end())
      flat.attrs.push_back({attr.name(), it->second});
  }

  // A call of a local function: inline its body.
  std::string overload =
      readUnknownString(node.unknown_fields(), kNodeOverloadField);
  auto fnIt = functions.find(functionKey(flat.domain, flat.opType, overload));
  if (fnIt != functions.end()) {
    const LocalFunction &function = fnIt->second;
    const onnxpb::FunctionProto &proto = *function.proto;
    for (const InlineScope *s = scope; s; s = s->parent)
      if (s->function == &function)
        return emitError(loc) << "local function '" << function.displayName
                              << "' calls itself (through " << describe(flat)
                              << "); recursion cannot be inlined";
    if (depth >= kMaxInlineDepth)
      return emitError(loc) << "local functions nest more than "
                            << kMaxInlineDepth << " deep at " << describe(flat);
    if (node.input_size() > proto.input_size() ||
        node.output_size() > proto.output_size())
      return emitError(loc)
             << describe(flat) << " passes " << node.input_size()
             << " inputs and " << node.output_size()
             << " outputs to local function '" << function.displayName
             << "', which takes " << proto.input_size() << " and "
             << proto.output_size();

    InlineScope inner;
    inner.function = &function;
    inner.parent = scope;
    std::string base = (scope ? scope->prefix : std::string()) +
                       (node.name().empty() ? proto.name() : node.name());
    inner.prefix = base + "/";
    // Calls sharing a base (unnamed calls of one function) take base#1/,
    // base#2/, ...; resuming from the last suffix given keeps k such calls
    // linear rather than quadratic.
    unsigned &suffix = prefixSuffixes[base];
    while (!usedPrefixes.insert(inner.prefix).second)
      inner.prefix = base + "#" + std::to_string(++suffix) + "/";
    // The scope and its prefix; a call of an empty function builds no node
    // but costs time all the same.
    uint64_t callBytes = sizeof(InlineScope) + 2 * inner.prefix.size();
    for (const std::string &value : flat.inputs)
      callBytes += sizeof(std::string) + value.size();
    for (const std::string &value : flat.outputs)
      callBytes += sizeof(std::string) + value.size();
    if (failed(charge(callBytes)))
      return failure();
    for (int i = 0, e = proto.input_size(); i < e; ++i)
      inner.values[proto.input(i)] =
          i < node.input_size() ? flat.inputs[i] : std::string();
    // An output the caller omits stays an internal value of the body.
    for (int i = 0, e = node.output_size(); i < e; ++i)
      if (!flat.outputs[i].empty())
        inner.values[proto.output(i)] = flat.outputs[i];
    for (const FlatAttr &attr : flat.attrs)
      inner.attrs[attr.name] = attr.value;
    for (const auto &entry : function.defaults)
      inner.attrs.try_emplace(entry.getKey(), entry.getValue());
    for (const onnxpb::NodeProto &bodyNode : proto.node())
      if (failed(flattenNode(bodyNode, &inner, depth + 1)))
        return failure();
    return success();
  }

  // An ordinary node: the opset in force is the enclosing function's, if it
  // imports the domain, else the model's.
  std::optional<int64_t> version;
  for (const InlineScope *s = scope; s && !version; s = s->parent) {
    auto it = s->function->opsets.find(flat.domain);
    if (it != s->function->opsets.end())
      version = it->second;
  }
  if (!version) {
    auto it = opsets.find(flat.domain);
    if (it == opsets.end())
      return emitError(loc)
             << describe(flat) << " (" << flat.opType << ") is in domain '"
             << flat.domain << "', which the model does not import";
    version = it->second;
  }
  flat.version = *version;
  if (scope) {
    // An inlined node: its strings, and the attribute values it may copy
    // (a large tensor attribute becomes a resource blob per node).
    uint64_t nodeBytes = sizeof(FlatNode) + flat.name.size() +
                         flat.domain.size() + flat.opType.size();
    for (const std::string &value : flat.inputs)
      nodeBytes += sizeof(std::string) + value.size();
    for (const std::string &value : flat.outputs)
      nodeBytes += sizeof(std::string) + value.size();
    for (const FlatAttr &attr : flat.attrs)
      nodeBytes +=
          sizeof(FlatAttr) + attr.name.size() + attr.value->ByteSizeLong();
    if (failed(charge(nodeBytes)))
      return failure();
  }
  if (nodes.size() >= options.maxNodes)
    return emitError(loc) << "the model has more than " << options.maxNodes
                          << " nodes after inlining local functions";
  nodes.push_back(std::move(flat));
  return success();
}

//===----------------------------------------------------------------------===//
// Step 3: structure
//===----------------------------------------------------------------------===//

LogicalResult Importer::checkDefinitions() {
  const onnxpb::GraphProto &graph = parsed.model.graph();
  auto define = [&](const std::string &name, std::string what,
                    Location loc) -> LogicalResult {
    auto [it, inserted] = definedBy.try_emplace(name, what);
    if (!inserted)
      return emitError(loc) << "value '" << name << "' is defined twice: by "
                            << it->second << " and by " << what;
    return success();
  };

  if (graph.sparse_initializer_size())
    return emitError(fileLoc)
           << "the model has sparse initializers, which deepc does not "
              "support";
  for (const onnxpb::TensorProto &tensor : graph.initializer()) {
    if (tensor.name().empty())
      return emitError(fileLoc) << "the model has an initializer with no name";
    if (failed(define(tensor.name(), "an initializer", nameLoc(tensor.name()))))
      return failure();
  }
  // A graph input that is also an initializer (IR < 4 lists all
  // initializers as inputs) is the initializer.
  llvm::StringSet<> inputs;
  for (const onnxpb::ValueInfoProto &input : graph.input()) {
    if (input.name().empty())
      return emitError(fileLoc) << "the model has a graph input with no name";
    if (!inputs.insert(input.name()).second)
      return emitError(nameLoc(input.name()))
             << "value '" << input.name()
             << "' is defined twice: by graph input and by graph input";
    if (definedBy.count(input.name()) &&
        definedBy.lookup(input.name()) == "an initializer")
      continue;
    if (failed(define(input.name(), "graph input", nameLoc(input.name()))))
      return failure();
  }
  for (auto [index, node] : llvm::enumerate(nodes))
    for (const std::string &output : node.outputs) {
      if (output.empty())
        continue;
      if (failed(define(output, describe(node), nodeLoc(node))))
        return failure();
      producer[output] = index;
    }

  for (const FlatNode &node : nodes)
    for (const std::string &input : node.inputs)
      if (!input.empty() && !definedBy.count(input))
        return emitError(nodeLoc(node))
               << describe(node) << " reads value '" << input
               << "', which no node, graph input or initializer defines";
  llvm::StringSet<> outputs;
  for (const onnxpb::ValueInfoProto &output : graph.output()) {
    if (output.name().empty())
      return emitError(fileLoc) << "the model has a graph output with no name";
    if (!definedBy.count(output.name()))
      return emitError(nameLoc(output.name()))
             << "graph output '" << output.name()
             << "' is not defined by any node, graph input or initializer";
    if (!outputs.insert(output.name()).second)
      return emitError(nameLoc(output.name()))
             << "graph output '" << output.name() << "' is listed twice";
  }
  return success();
}

LogicalResult Importer::sortNodes(std::vector<unsigned> &order) {
  unsigned n = nodes.size();
  std::vector<std::vector<unsigned>> preds(n);
  bool sorted = true;
  for (unsigned i = 0; i < n; ++i)
    for (const std::string &input : nodes[i].inputs) {
      auto it = producer.find(input);
      if (input.empty() || it == producer.end())
        continue;
      preds[i].push_back(it->second);
      sorted &= it->second < i;
    }
  order.clear();
  if (sorted) {
    // ONNX requires sorted graphs, and nearly all are.
    for (unsigned i = 0; i < n; ++i)
      order.push_back(i);
    return success();
  }

  // Kahn's algorithm, taking the lowest index first to keep file order.
  std::vector<unsigned> pending(n);
  std::vector<std::vector<unsigned>> succs(n);
  for (unsigned i = 0; i < n; ++i)
    for (unsigned p : preds[i]) {
      ++pending[i];
      succs[p].push_back(i);
    }
  std::priority_queue<unsigned, std::vector<unsigned>, std::greater<unsigned>>
      ready;
  for (unsigned i = 0; i < n; ++i)
    if (!pending[i])
      ready.push(i);
  while (!ready.empty()) {
    unsigned i = ready.top();
    ready.pop();
    order.push_back(i);
    for (unsigned s : succs[i])
      if (--pending[s] == 0)
        ready.push(s);
  }
  if (order.size() == n)
    return success();

  // Every node left has a predecessor left; walking back through them must
  // come round, and the first node seen twice lies on a cycle.
  unsigned node = 0;
  while (!pending[node])
    ++node;
  std::vector<bool> seen(n);
  while (!seen[node]) {
    seen[node] = true;
    for (unsigned p : preds[node])
      if (pending[p]) {
        node = p;
        break;
      }
  }
  return emitError(nodeLoc(nodes[node]))
         << "the graph has a cycle through " << describe(nodes[node]);
}

//===----------------------------------------------------------------------===//
// Step 4: types, tensors, attributes
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
                       Location loc, StringRef resourceName) {
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

FailureOr<Attribute> Importer::importAttribute(const FlatNode &node,
                                               const FlatAttr &attr,
                                               Location loc) {
  const onnxpb::AttributeProto &proto = *attr.value;
  std::string what = describe(node) + " attribute '" + attr.name + "'";

  // Which value fields the proto holds, to catch a declared type that does
  // not match the value.
  struct Held {
    onnxpb::AttributeProto::AttributeType type;
    bool set;
  };
  const Held held[] = {
      {onnxpb::AttributeProto::FLOAT, proto.has_f()},
      {onnxpb::AttributeProto::INT, proto.has_i()},
      {onnxpb::AttributeProto::STRING, proto.has_s()},
      {onnxpb::AttributeProto::TENSOR, proto.has_t()},
      {onnxpb::AttributeProto::GRAPH, proto.has_g()},
      {onnxpb::AttributeProto::SPARSE_TENSOR, proto.has_sparse_tensor()},
      {onnxpb::AttributeProto::TYPE_PROTO, proto.has_tp()},
      {onnxpb::AttributeProto::FLOATS, proto.floats_size() > 0},
      {onnxpb::AttributeProto::INTS, proto.ints_size() > 0},
      {onnxpb::AttributeProto::STRINGS, proto.strings_size() > 0},
      {onnxpb::AttributeProto::TENSORS, proto.tensors_size() > 0},
      {onnxpb::AttributeProto::GRAPHS, proto.graphs_size() > 0},
      {onnxpb::AttributeProto::SPARSE_TENSORS, proto.sparse_tensors_size() > 0},
      {onnxpb::AttributeProto::TYPE_PROTOS, proto.type_protos_size() > 0},
  };
  auto typeName = [](onnxpb::AttributeProto::AttributeType type) {
    return onnxpb::AttributeProto::AttributeType_Name(type);
  };
  if (proto.type() == onnxpb::AttributeProto::UNDEFINED)
    return emitError(loc) << what
                          << " has an undefined or unknown attribute type";
  // A list may be empty, and an int, float or string may be absent: writers
  // that use ONNX's proto3 schema leave out zero, 0.0 and "", which then
  // read as such. A tensor, graph or type must be there.
  bool mayBeAbsent = proto.type() == onnxpb::AttributeProto::INT ||
                     proto.type() == onnxpb::AttributeProto::FLOAT ||
                     proto.type() == onnxpb::AttributeProto::STRING ||
                     (proto.type() >= onnxpb::AttributeProto::FLOATS &&
                      proto.type() != onnxpb::AttributeProto::SPARSE_TENSOR &&
                      proto.type() != onnxpb::AttributeProto::TYPE_PROTO);
  for (const Held &h : held) {
    if (h.type == proto.type()) {
      if (!h.set && !mayBeAbsent)
        return emitError(loc) << what << " is declared "
                              << typeName(proto.type()) << " but holds no "
                              << "value of that type";
      continue;
    }
    if (h.set)
      return emitError(loc) << what << " is declared " << typeName(proto.type())
                            << " but holds a " << typeName(h.type) << " value";
  }

  std::string resourceName = node.name.empty() ? node.opType : node.name;
  resourceName += "." + attr.name;
  switch (proto.type()) {
  case onnxpb::AttributeProto::FLOAT:
    return Attribute(builder.getF32FloatAttr(proto.f()));
  case onnxpb::AttributeProto::INT:
    return Attribute(builder.getI64IntegerAttr(proto.i()));
  case onnxpb::AttributeProto::STRING:
    return Attribute(builder.getStringAttr(proto.s()));
  case onnxpb::AttributeProto::TENSOR: {
    FailureOr<ElementsAttr> tensor =
        importTensor(proto.t(), what, loc, resourceName);
    if (failed(tensor))
      return failure();
    return Attribute(*tensor);
  }
  case onnxpb::AttributeProto::FLOATS:
    return Attribute(builder.getArrayAttr(llvm::to_vector(
        llvm::map_range(proto.floats(), [&](float value) -> Attribute {
          return builder.getF32FloatAttr(value);
        }))));
  case onnxpb::AttributeProto::INTS:
    return Attribute(builder.getArrayAttr(llvm::to_vector(
        llvm::map_range(proto.ints(), [&](int64_t value) -> Attribute {
          return builder.getI64IntegerAttr(value);
        }))));
  case onnxpb::AttributeProto::STRINGS:
    return Attribute(builder.getArrayAttr(llvm::to_vector(llvm::map_range(
        proto.strings(), [&](const std::string &value) -> Attribute {
          return builder.getStringAttr(value);
        }))));
  case onnxpb::AttributeProto::TENSORS: {
    SmallVector<Attribute> tensors;
    for (auto [i, tensor] : llvm::enumerate(proto.tensors())) {
      FailureOr<ElementsAttr> attr =
          importTensor(tensor, what + " tensor " + Twine(i), loc,
                       resourceName + "." + std::to_string(i));
      if (failed(attr))
        return failure();
      tensors.push_back(*attr);
    }
    return Attribute(builder.getArrayAttr(tensors));
  }
  case onnxpb::AttributeProto::GRAPH:
  case onnxpb::AttributeProto::GRAPHS:
    return emitError(loc) << what << " is a subgraph ("
                          << typeName(proto.type())
                          << "); subgraphs (If, Loop, Scan) are not "
                             "supported yet";
  case onnxpb::AttributeProto::SPARSE_TENSOR:
  case onnxpb::AttributeProto::SPARSE_TENSORS:
    return emitError(loc) << what
                          << " is a sparse tensor, which deepc "
                             "does not support";
  case onnxpb::AttributeProto::TYPE_PROTO:
  case onnxpb::AttributeProto::TYPE_PROTOS:
    return emitError(loc) << what << " is a type (" << typeName(proto.type())
                          << "), which deepc does not support";
  default:
    return emitError(loc) << what
                          << " has an undefined or unknown attribute type";
  }
}

//===----------------------------------------------------------------------===//
// Step 4: the module
//===----------------------------------------------------------------------===//

FailureOr<OwningOpRef<ModuleOp>>
Importer::buildModule(ArrayRef<unsigned> order) {
  const onnxpb::ModelProto &model = parsed.model;
  const onnxpb::GraphProto &graph = model.graph();
  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);

  // What the model imports, for legalization and for messages. The default
  // domain is spelled "ai.onnx": a dictionary key cannot be empty.
  NamedAttrList opsetAttrs;
  for (const auto &entry : opsets)
    opsetAttrs.append(entry.getKey().empty() ? "ai.onnx" : entry.getKey(),
                      builder.getI64IntegerAttr(entry.getValue()));
  (*module)->setAttr("onnx.opset_imports", opsetAttrs.getDictionary(ctx));
  if (model.has_ir_version())
    (*module)->setAttr("onnx.ir_version",
                       builder.getI64IntegerAttr(model.ir_version()));
  std::string producer = model.producer_name();
  if (!model.producer_version().empty())
    producer += (producer.empty() ? "" : " ") + model.producer_version();
  if (!producer.empty())
    (*module)->setAttr("onnx.producer", builder.getStringAttr(producer));
  if (!graph.name().empty())
    (*module)->setAttr("onnx.graph_name", builder.getStringAttr(graph.name()));

  // Declared types: value_info, overridden by the graph outputs.
  for (const onnxpb::ValueInfoProto &info : graph.value_info())
    declaredTypes[info.name()] = &info.type();
  for (const onnxpb::ValueInfoProto &info : graph.output())
    declaredTypes[info.name()] = &info.type();

  // Arguments: the graph inputs that are not initializers. Their names and
  // symbolic dims become argument attributes, since later stages (and the
  // artifact's manifest) need them and locations are easily lost.
  llvm::StringMap<Value> values;
  SmallVector<Type> argTypes;
  SmallVector<Location> argLocs;
  SmallVector<NamedAttrList> argAttrs;
  for (const onnxpb::ValueInfoProto &input : graph.input()) {
    if (definedBy.lookup(input.name()) != "graph input")
      continue;
    Location loc = nameLoc(input.name());
    SmallVector<Attribute> params;
    FailureOr<Type> type = importType(input.type(), input.name(),
                                      /*required=*/true, loc, &params);
    if (failed(type))
      return failure();
    argTypes.push_back(*type);
    argLocs.push_back(loc);
    NamedAttrList attrs;
    attrs.append("onnx.name", builder.getStringAttr(input.name()));
    if (!params.empty())
      attrs.append("onnx.dim_params", builder.getArrayAttr(params));
    argAttrs.push_back(attrs);
  }

  builder.setInsertionPointToEnd(module->getBody());
  auto func = builder.create<func::FuncOp>(
      fileLoc, "main", builder.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (auto [i, arg] : llvm::enumerate(entry->getArguments())) {
    arg.setLoc(argLocs[i]);
    func.setArgAttrs(i, argAttrs[i].getDictionary(ctx));
  }
  unsigned argIndex = 0;
  for (const onnxpb::ValueInfoProto &input : graph.input())
    if (definedBy.lookup(input.name()) == "graph input")
      values[input.name()] = entry->getArgument(argIndex++);
  builder.setInsertionPointToStart(entry);

  for (const onnxpb::TensorProto &tensor : graph.initializer()) {
    Location loc = nameLoc(tensor.name());
    FailureOr<ElementsAttr> value = importTensor(
        tensor, "initializer '" + tensor.name() + "'", loc, tensor.name());
    if (failed(value))
      return failure();
    values[tensor.name()] = builder.create<mlir::onnx::ConstantOp>(loc, *value);
  }

  Value none;
  for (unsigned index : order) {
    const FlatNode &node = nodes[index];
    Location loc = nodeLoc(node);
    SmallVector<Value> operands;
    for (const std::string &input : node.inputs) {
      if (!input.empty()) {
        operands.push_back(values.lookup(input));
        continue;
      }
      if (!none) {
        OpBuilder::InsertionGuard guard(builder);
        builder.setInsertionPointToStart(entry);
        none =
            builder.create<mlir::onnx::NoneOp>(fileLoc, builder.getNoneType());
      }
      operands.push_back(none);
    }
    SmallVector<Type> resultTypes;
    for (const std::string &output : node.outputs) {
      if (output.empty()) {
        resultTypes.push_back(builder.getNoneType());
        continue;
      }
      bool typeFailed = false;
      resultTypes.push_back(typeOfValue(output, loc, typeFailed));
      if (typeFailed)
        return failure();
    }
    NamedAttrList attrs;
    for (const FlatAttr &attr : node.attrs) {
      if (attrs.get(attr.name))
        return emitError(loc) << describe(node) << " has attribute '"
                              << attr.name << "' twice";
      FailureOr<Attribute> value = importAttribute(node, attr, loc);
      if (failed(value))
        return failure();
      attrs.append(attr.name, *value);
    }
    auto op = builder.create<mlir::onnx::NodeOp>(
        loc, resultTypes, builder.getStringAttr(node.opType),
        builder.getStringAttr(node.domain),
        builder.getI64IntegerAttr(node.version),
        attrs.empty() ? DictionaryAttr() : attrs.getDictionary(ctx), operands);
    for (auto [output, result] : llvm::zip(node.outputs, op.getResults()))
      if (!output.empty())
        values[output] = result;
  }

  // Results: the graph outputs, named like the arguments.
  SmallVector<Value> results;
  SmallVector<DictionaryAttr> resultAttrs;
  for (const onnxpb::ValueInfoProto &output : graph.output()) {
    results.push_back(values.lookup(output.name()));
    SmallVector<Attribute> params;
    if (output.has_type() &&
        failed(importType(output.type(), output.name(), /*required=*/false,
                          nameLoc(output.name()), &params)))
      return failure();
    NamedAttrList attrs;
    attrs.append("onnx.name", builder.getStringAttr(output.name()));
    if (!params.empty())
      attrs.append("onnx.dim_params", builder.getArrayAttr(params));
    resultAttrs.push_back(attrs.getDictionary(ctx));
  }
  builder.create<func::ReturnOp>(fileLoc, results);
  func.setFunctionType(
      builder.getFunctionType(argTypes, ValueRange(results).getTypes()));
  for (auto [i, attrs] : llvm::enumerate(resultAttrs))
    func.setResultAttrs(i, attrs);

  if (failed(verify(*module)))
    return failure();
  return module;
}

FailureOr<OwningOpRef<ModuleOp>> Importer::run() {
  // ONNX data is little-endian and blobs point straight into the file.
  if (!llvm::sys::IsLittleEndianHost)
    return emitError(fileLoc)
           << "deepc imports ONNX models only on little-endian hosts";
  if (failed(readModel()) || failed(readOpsets()) || failed(readFunctions()))
    return failure();
  for (const onnxpb::NodeProto &node : parsed.model.graph().node())
    if (failed(flattenNode(node, /*scope=*/nullptr, /*depth=*/0)))
      return failure();
  std::vector<unsigned> order;
  if (failed(checkDefinitions()) || failed(sortNodes(order)))
    return failure();
  return buildModule(order);
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::deepc::importOnnxModel(StringRef path, MLIRContext &context,
                             const OnnxImportOptions &options) {
  context.loadDialect<mlir::onnx::OnnxDialect, func::FuncDialect>();
  Importer importer(context, path, options);
  return importer.run();
}

FailureOr<OwningOpRef<ModuleOp>>
mlir::deepc::importOnnxModel(std::unique_ptr<llvm::MemoryBuffer> buffer,
                             MLIRContext &context,
                             const OnnxImportOptions &options) {
  assert(buffer && "no buffer to import");
  context.loadDialect<mlir::onnx::OnnxDialect, func::FuncDialect>();
  std::string path = buffer->getBufferIdentifier().str();
  Importer importer(context, path, options, SharedBuffer(std::move(buffer)));
  return importer.run();
}
