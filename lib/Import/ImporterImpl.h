//===- ImporterImpl.h - the ONNX importer's shared internals ----*- C++ -*-===//
//
// Private to lib/Import. The Importer class and the helpers its parts share;
// the parts live in one file per concern:
//
//   OnnxImporter.cpp    the driver: file, opsets, the module, entry points
//   OnnxInline.cpp      local functions: indexing, flattening and inlining
//   OnnxGraph.cpp       the graph's structure: definitions, topological sort
//   OnnxTypes.cpp       ONNX data types and TypeProtos to MLIR types
//   OnnxTensors.cpp     TensorProtos, external data, resource blobs
//   OnnxAttributes.cpp  node attributes to MLIR attributes
//   OnnxDummyWeights.cpp  --dummy-weights: initializers left unread
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_IMPORT_IMPORTERIMPL_H
#define DEEPC_LIB_IMPORT_IMPORTERIMPL_H

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
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"

#include <deque>
#include <memory>
#include <queue>

// `onnx` alone would be ambiguous between the protobuf package and the
// dialect's namespace mlir::onnx.
namespace onnxpb = ::onnx;

namespace mlir::deepc::onnx_import {

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
StringRef dataTypeName(int32_t t);

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
Type convertDataType(MLIRContext *ctx, int32_t t);

/// Bits one element takes in ONNX's packed data: a bool is a byte, int4 a
/// nibble, complex two floats.
uint64_t storageBits(Type elementType);

/// Bytes that `numElements` elements take in ONNX's packed data.
uint64_t storageBytes(Type elementType, int64_t numElements);

/// "" and "ai.onnx" both name the default domain; we spell it "".
std::string normalizeDomain(StringRef domain);

/// Turns a tensor name into a resource key the MLIR parser reads back as a
/// bare identifier: [A-Za-z_][A-Za-z0-9_.]*.
std::string resourceKey(StringRef name);

/// Reads string field `number` from a message's unknown fields; empty when
/// absent or malformed.
std::string readUnknownString(const std::string &unknownFields,
                              uint32_t number);

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
std::string describe(const FlatNode &node);

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
  /// Imports `tensor`; with `mayBeDummy` and OnnxImportOptions::dummyWeights
  /// a large one becomes a dummy weight whose data is never read.
  FailureOr<ElementsAttr> importTensor(const onnxpb::TensorProto &tensor,
                                       const Twine &what, Location loc,
                                       StringRef resourceName,
                                       bool mayBeDummy = false);
  /// The initializers some node reads as a shape, axes or count (Reshape's
  /// shape, Slice's starts, ...): they stay real under dummyWeights.
  llvm::StringSet<> shapeOperandNames() const;
  /// False when `tensor` is stored as external data in a file that does
  /// not exist (true for inline data, and for a bad location, which
  /// loadExternalData then reports).
  bool externalDataAvailable(const onnxpb::TensorProto &tensor) const;
  /// A resource blob of `type` whose bytes are dummy (DummyWeights.h).
  FailureOr<ElementsAttr> makeDummyElements(RankedTensorType type,
                                            uint64_t bytes, const Twine &what,
                                            Location loc,
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

} // namespace mlir::deepc::onnx_import

#endif // DEEPC_LIB_IMPORT_IMPORTERIMPL_H
