//===- Legalizer.h - ONNX-to-deepc handler framework ------------*- C++ -*-===//
//
// Private to lib/Conversion/OnnxToDeepc. Every ONNX operator version is
// legalized by a handler registered for (domain, op_type, since_version),
// in the spirit of torch-mlir's OnnxCustomOpConversionPattern: the handler
// used for a node is the one with the largest since_version not above the
// node's opset version. Handlers see the node through a NodeContext, which
// reads attributes and inputs with diagnostics, builds deepc ops with
// checked type inference, and tracks what is known about shape values so
// that exporters' shape subgraphs fold.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_CONVERSION_ONNXTODEEPC_LEGALIZER_H
#define DEEPC_LIB_CONVERSION_ONNXTODEEPC_LEGALIZER_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>

namespace mlir::deepc::onnx_to_deepc {

inline constexpr int64_t kDynamic = ShapedType::kDynamic;

/// The newest default-domain opset whose operator versions the handlers
/// know; a newer node may use an operator version they have never seen.
inline constexpr int64_t kMaxDefaultOpset = 23;

/// The default-domain opset whose handlers serve `opType` at `opset`: above
/// kMaxDefaultOpset, kMaxDefaultOpset when ONNX has not changed the
/// operator's schema since, else `opset` (too new); at or below it, the
/// newest opset up to kMaxDefaultOpset with the same operator version.
int64_t handlerOpset(llvm::StringRef opType, int64_t opset);

/// Largest integer tensor whose values legalization reads and folds.
inline constexpr int64_t kMaxFoldElements = 64;

//===----------------------------------------------------------------------===//
// Symbolic integers
//===----------------------------------------------------------------------===//

/// An integer known at compile time up to dynamic tensor dims:
/// `coeff * s1 * s2 * ... + offset`, where each `s` stands for one dynamic
/// dim (a symbol). Constants have no symbols; their value is `coeff` and
/// their offset 0. Exporters compute reshape targets from Shape with
/// products and quotients of dims, and slice bounds and concatenated dims
/// with sums such as `seq + 1`, which this represents exactly.
struct DimExpr {
  int64_t coeff = 0;
  SmallVector<unsigned, 2> symbols; // sorted
  int64_t offset = 0;               // 0 when there are no symbols

  static DimExpr constant(int64_t v) { return DimExpr{v, {}, 0}; }
  static DimExpr symbol(unsigned s) { return DimExpr{1, {s}, 0}; }
  bool isConstant() const { return symbols.empty(); }
  /// True for `coeff * s1 * ...` and constants: no offset.
  bool isProduct() const { return offset == 0; }
  /// True when the value is never negative: dims are not, so neither is a
  /// product of them with a non-negative coefficient and offset.
  bool isNonNegative() const { return coeff >= 0 && offset >= 0; }
  bool operator==(const DimExpr &o) const {
    return coeff == o.coeff && symbols == o.symbols && offset == o.offset;
  }
  bool operator!=(const DimExpr &o) const { return !(*this == o); }
};

/// a + b when the sum is another DimExpr (constants, or the same product of
/// symbols); nullopt otherwise or on overflow.
std::optional<DimExpr> addDims(const DimExpr &a, const DimExpr &b);
/// a - b, likewise.
std::optional<DimExpr> subDims(const DimExpr &a, const DimExpr &b);
/// a * b, or nullopt on overflow or when a product with an offset has
/// symbols on both sides.
std::optional<DimExpr> mulDims(const DimExpr &a, const DimExpr &b);
/// a / b when it divides exactly (integer division of constants truncates
/// as ONNX Div does); nullopt otherwise.
std::optional<DimExpr> divDims(const DimExpr &a, const DimExpr &b);

//===----------------------------------------------------------------------===//
// Per-run state
//===----------------------------------------------------------------------===//

/// What the legalizer knows about values while it walks a function: the
/// symbolic dims of tensors and the contents of small integer tensors.
class ShapeKnowledge {
public:
  /// The dims of a ranked tensor; static dims are constants, dynamic ones
  /// the expression recorded for them or a fresh symbol.
  SmallVector<DimExpr> dimsOf(Value tensor);
  DimExpr dimOf(Value tensor, unsigned dim);
  /// Records what a dynamic dim of `tensor` equals.
  void setDim(Value tensor, unsigned dim, const DimExpr &expr);
  void setDims(Value tensor, ArrayRef<DimExpr> exprs);

  /// The elements (row-major) of an integer tensor of at most
  /// kMaxFoldElements elements when each is known: from a constant, or
  /// recorded by a handler (Shape, and ops on shape values).
  std::optional<SmallVector<DimExpr>> valuesOf(Value v);
  void setValues(Value v, ArrayRef<DimExpr> exprs);

  /// Drops what is known about `v`, which is about to be erased.
  void forget(Value v);

  /// ONNX unsigned tensors (uint8, uint4) have no deepc type. Legalization
  /// holds them as the signed integers of the same width offset by half the
  /// range, `u - 128` (uint8 -> i8) or `u - 8` (uint4 -> i4), and records
  /// such values here. Only handlers that know the offset read them
  /// (QuantizeLinear, DequantizeLinear, MatMulNBits); for everyone else
  /// NodeContext::input refuses them.
  void setOffsetUnsigned(Value v) { offsetUnsigned.insert(v); }
  bool isOffsetUnsigned(Value v) const { return offsetUnsigned.contains(v); }

  /// Where symbol `s` comes from: dim `second` of tensor `first`.
  std::pair<Value, unsigned> symbolSource(unsigned s) const {
    return sources[s];
  }

private:
  DenseMap<std::pair<Value, unsigned>, DimExpr> dims;
  DenseMap<Value, SmallVector<DimExpr>> values;
  SmallVector<std::pair<Value, unsigned>> sources;
  llvm::DenseSet<Value> offsetUnsigned;
};

/// Formats "ONNX Add node 'name' (opset 14)" for diagnostics.
std::string describeNode(onnx::NodeOp node);
/// The node's name from its location (NameLoc), or "" when it has none.
std::string nodeName(onnx::NodeOp node);

/// Converts an ONNX element type (signed/unsigned integers, floats) to the
/// deepc one, or returns null when deepc has no such type.
Type convertElementType(Type type);
/// Converts a ranked tensor type; null when unranked or unsupported.
RankedTensorType convertTensorType(Type type);

/// For a uint8 or uint4 tensor type, the i8 or i4 type that holds it offset
/// (see ShapeKnowledge::setOffsetUnsigned); null for any other type.
RankedTensorType offsetUnsignedType(Type type);
/// The value of a uint8 or uint4 constant as the offset i8 or i4 constant:
/// each element `u` becomes `u - 128` (`u - 8`), which in two's complement
/// flips the top bit, so the conversion is exact and bytewise. Resource
/// blobs are copied (their packing is kept); failure for other encodings.
FailureOr<ElementsAttr> offsetUnsignedConstant(ElementsAttr value);

/// The bytes of an integer constant of at least 8 bits per element, row
/// major (a splat is expanded); nullopt for encodings without raw bytes.
std::optional<SmallVector<uint8_t>> constantBytes(ElementsAttr value);
/// An integer constant of `type` from one value per element, as a dense
/// attribute when small and otherwise as a resource blob (4-bit elements
/// packed two per byte, low nibble first, as the importer stores them).
ElementsAttr makeIntConstant(RankedTensorType type, ArrayRef<int8_t> values,
                             StringRef blobName);

//===----------------------------------------------------------------------===//
// NodeContext: what a handler sees
//===----------------------------------------------------------------------===//

class NodeContext {
public:
  NodeContext(onnx::NodeOp node, OpBuilder &builder, ShapeKnowledge &shapes)
      : node(node), builder(builder), shapes(shapes) {}

  onnx::NodeOp getNode() { return node; }
  Location getLoc() { return node.getLoc(); }
  OpBuilder &getBuilder() { return builder; }
  MLIRContext *getContext() { return builder.getContext(); }
  ShapeKnowledge &getShapes() { return shapes; }
  int64_t getVersion() { return node.getVersion(); }
  StringRef getOpType() { return node.getOpType(); }

  /// Emits an error naming the node: "cannot legalize ONNX X node 'n'
  /// (opset v): <message>". Returns failure so handlers can `return
  /// ctx.fail(...)`.
  InFlightDiagnostic emitError();
  template <typename... Args>
  LogicalResult fail(Args &&...args) {
    InFlightDiagnostic diag = emitError();
    (diag << ... << std::forward<Args>(args));
    return failure();
  }

  //===--- inputs ---===//

  unsigned getNumInputs() { return node.getInputs().size(); }
  /// Fails unless the node has between `min` and `max` inputs (omitted
  /// optional ones included).
  LogicalResult checkArity(unsigned min, unsigned max);
  /// True when input `i` is given (not omitted, not `onnx.none`).
  bool hasInput(unsigned i);
  /// Input `i` as a ranked tensor with a deepc element type; an error when
  /// it is missing, unranked or of an unsupported type. `what` names the
  /// input in messages ("data", "shape").
  FailureOr<Value> input(unsigned i, StringRef what);
  /// Like input() but null (and no error) when the input is omitted.
  FailureOr<Value> optionalInput(unsigned i, StringRef what);
  /// Like optionalInput() but also accepts an offset unsigned value
  /// (ShapeKnowledge::setOffsetUnsigned); `offset` says whether it is one.
  FailureOr<Value> optionalQuantInput(unsigned i, StringRef what,
                                      bool &offset);
  /// Every input from `first` on, each required.
  FailureOr<SmallVector<Value>> variadicInputs(unsigned first, StringRef what);

  /// The values of integer input `i` when they are known at compile time
  /// (each one a constant); an error saying the input must be constant
  /// otherwise.
  FailureOr<SmallVector<int64_t>> constantInts(unsigned i, StringRef what);
  /// The values of integer input `i` as symbolic integers; an error when
  /// not known at compile time.
  FailureOr<SmallVector<DimExpr>> knownInts(unsigned i, StringRef what);
  /// The value of a scalar or one-element float constant input.
  FailureOr<double> constantFloat(unsigned i, StringRef what);

  //===--- attributes ---===//

  /// Integer attribute `name`, or `def` when absent; an error when it has
  /// another kind.
  FailureOr<int64_t> intAttr(StringRef name, int64_t def);
  FailureOr<int64_t> requiredIntAttr(StringRef name);
  FailureOr<float> floatAttr(StringRef name, float def);
  FailureOr<std::string> stringAttr(StringRef name, StringRef def);
  /// List-of-ints attribute; nullopt when absent.
  FailureOr<std::optional<SmallVector<int64_t>>> intsAttr(StringRef name);
  bool hasAttr(StringRef name) { return bool(node.getOnnxAttr(name)); }
  /// Fails when the node has an attribute this handler does not implement
  /// with a value other than its default.
  LogicalResult rejectAttr(StringRef name, StringRef reason);

  //===--- building ---===//

  /// Creates a deepc op whose result type is inferred, checking the
  /// inference first: a shape that does not infer is an error at the
  /// node, never an abort. The op is verified too.
  template <typename OpTy, typename... Args>
  FailureOr<Value> create(Args &&...args) {
    // Build with a placeholder result type, then infer the real one: the
    // inferring builders abort when inference fails.
    auto op = builder.create<OpTy>(getLoc(), builder.getNoneType(),
                                   std::forward<Args>(args)...);
    return finishInferred(op.getOperation());
  }

  /// Like create() for an op with `numResults` inferred results.
  template <typename OpTy, typename... Args>
  FailureOr<OpTy> createMulti(unsigned numResults, Args &&...args) {
    SmallVector<Type> placeholders(numResults, builder.getNoneType());
    auto op = builder.create<OpTy>(getLoc(), TypeRange(placeholders),
                                   std::forward<Args>(args)...);
    if (failed(finishInferred(op.getOperation())))
      return failure();
    return op;
  }

  /// Creates a deepc op with an explicit result type (reshape, expand,
  /// cast), verified.
  template <typename OpTy, typename... Args>
  FailureOr<Value> createTyped(Type resultType, Args &&...args) {
    auto op = builder.create<OpTy>(getLoc(), resultType,
                                   std::forward<Args>(args)...);
    return finishTyped(op.getOperation());
  }

  /// A deepc.constant.
  Value constant(ElementsAttr value);
  /// An i64 tensor constant of the given shape.
  Value constantI64(ArrayRef<int64_t> values, ArrayRef<int64_t> shape);
  /// A scalar-shaped (`tensor<1...>` of rank `rank`) float constant of
  /// element type `elementType`.
  Value splatConstant(Type elementType, double value, int64_t rank = 0);

  /// Builds an i64 tensor of `shape` from symbolic values: a constant when
  /// all are known, otherwise slices of deepc.shape_of joined by concat
  /// and multiplied by their coefficients. Records the values.
  /// `elementType` (i64 when null) may be any deepc integer type; i1
  /// holds comparison results.
  FailureOr<Value> materializeInts(ArrayRef<DimExpr> exprs,
                                   ArrayRef<int64_t> shape,
                                   Type elementType = {});

  /// Evaluates an elementwise op (numpy broadcasting) at compile time when
  /// every input is a small integer tensor whose values are known: `fn`
  /// maps one value per input to the result, or to nullopt to give up.
  /// Returns the materialized result, null when it does not fold, and
  /// failure after an error.
  FailureOr<Value> foldElementwise(
      ArrayRef<Value> inputs, Type resultElementType,
      function_ref<std::optional<DimExpr>(ArrayRef<DimExpr>)> fn);

  /// Records the dims of an elementwise result: each dynamic dim equals the
  /// operands' dim when all operands that do not broadcast there agree.
  void propagateBroadcast(Value result, ArrayRef<Value> operands);

  /// Reshapes `input` to `target`, whose entries are symbolic: the result
  /// type has a static dim for each constant entry; dynamic ones come from
  /// a materialized `shape` operand when there are two or more.
  FailureOr<Value> reshape(Value input, ArrayRef<DimExpr> target);

  /// Records the results of the node, in order (null for an omitted or
  /// unused optional output a handler does not produce).
  void setResults(ArrayRef<Value> values) {
    results.assign(values.begin(), values.end());
  }
  ArrayRef<Value> getResults() { return results; }

private:
  FailureOr<Value> finishInferred(Operation *op);
  FailureOr<Value> finishTyped(Operation *op);
  /// The converted value of an operand: tensors of ONNX types were
  /// converted already when their producer was legalized.
  Value rawInput(unsigned i);

  onnx::NodeOp node;
  OpBuilder &builder;
  ShapeKnowledge &shapes;
  SmallVector<Value> results;
};

//===----------------------------------------------------------------------===//
// Registry
//===----------------------------------------------------------------------===//

/// Legalizes one node: reads it through the context and calls setResults.
/// Returns failure after emitting an error.
using Handler = LogicalResult (*)(NodeContext &ctx);

class HandlerRegistry {
public:
  /// Registers `handler` for operator versions from `sinceVersion` until
  /// the next registered since-version of the same (domain, opType).
  /// `domain` "" is the default domain (also spelled "ai.onnx").
  void add(StringRef domain, StringRef opType, int64_t sinceVersion,
           Handler handler);
  /// The same handler for several since-versions, where the operator's
  /// changes do not matter to deepc (new element types, say).
  void add(StringRef domain, StringRef opType,
           std::initializer_list<int64_t> sinceVersions, Handler handler);

  /// The handler for a node, or null when no registered version applies.
  Handler lookup(StringRef domain, StringRef opType, int64_t version) const;

private:
  static std::string key(StringRef domain, StringRef opType);
  llvm::StringMap<SmallVector<std::pair<int64_t, Handler>, 2>> table;
};

void registerElementwiseHandlers(HandlerRegistry &registry);
void registerMatMulHandlers(HandlerRegistry &registry);
void registerReductionHandlers(HandlerRegistry &registry);
void registerShapeHandlers(HandlerRegistry &registry);
void registerTensorHandlers(HandlerRegistry &registry);
void registerNormalizationHandlers(HandlerRegistry &registry);
void registerIndexingHandlers(HandlerRegistry &registry);
void registerQuantizationHandlers(HandlerRegistry &registry);
void registerEinsumHandlers(HandlerRegistry &registry);
void registerContribHandlers(HandlerRegistry &registry);
void registerAttentionHandlers(HandlerRegistry &registry);

/// Shared by handlers: the normalized axis or an error.
FailureOr<int64_t> normalizeAxisOrFail(NodeContext &ctx, int64_t axis,
                                       int64_t rank, StringRef what = "axis");

/// The shape of a ranked tensor value.
inline ArrayRef<int64_t> shapeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getShape();
}
inline int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}
inline Type elementTypeOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getElementType();
}

} // namespace mlir::deepc::onnx_to_deepc

#endif // DEEPC_LIB_CONVERSION_ONNXTODEEPC_LEGALIZER_H
