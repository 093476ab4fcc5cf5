//===- Legalizer.cpp - ONNX-to-deepc handler framework --------------------===//
//
// The pieces every handler uses: the registry, NodeContext's checked
// accessors and builders, and the symbolic shape knowledge that folds
// exporters' shape subgraphs.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

//===----------------------------------------------------------------------===//
// DimExpr
//===----------------------------------------------------------------------===//

std::optional<DimExpr> onnx_to_deepc::addDims(const DimExpr &a,
                                              const DimExpr &b) {
  if (a.isConstant() && b.isConstant()) {
    int64_t sum;
    if (__builtin_add_overflow(a.coeff, b.coeff, &sum))
      return std::nullopt;
    return DimExpr::constant(sum);
  }
  // symbolic + constant: the constant goes into the offset.
  if (a.isConstant() || b.isConstant()) {
    DimExpr r = a.isConstant() ? b : a;
    int64_t k = a.isConstant() ? a.coeff : b.coeff;
    if (__builtin_add_overflow(r.offset, k, &r.offset))
      return std::nullopt;
    return r;
  }
  // c1 * P + o1 + c2 * P + o2 = (c1 + c2) * P + (o1 + o2)
  if (a.symbols != b.symbols)
    return std::nullopt;
  DimExpr r = a;
  if (__builtin_add_overflow(a.coeff, b.coeff, &r.coeff) ||
      __builtin_add_overflow(a.offset, b.offset, &r.offset))
    return std::nullopt;
  if (r.coeff == 0)
    return DimExpr::constant(r.offset);
  return r;
}

std::optional<DimExpr> onnx_to_deepc::subDims(const DimExpr &a,
                                              const DimExpr &b) {
  std::optional<DimExpr> negated = mulDims(b, DimExpr::constant(-1));
  if (!negated)
    return std::nullopt;
  return addDims(a, *negated);
}

std::optional<DimExpr> onnx_to_deepc::mulDims(const DimExpr &a,
                                              const DimExpr &b) {
  // k * (c * P + o) = (k * c) * P + k * o
  if (a.isConstant() || b.isConstant()) {
    int64_t k = a.isConstant() ? a.coeff : b.coeff;
    DimExpr r = a.isConstant() ? b : a;
    if (k == 0)
      return DimExpr::constant(0);
    if (__builtin_mul_overflow(r.coeff, k, &r.coeff) ||
        __builtin_mul_overflow(r.offset, k, &r.offset))
      return std::nullopt;
    return r;
  }
  if (!a.isProduct() || !b.isProduct())
    return std::nullopt;
  DimExpr r;
  if (__builtin_mul_overflow(a.coeff, b.coeff, &r.coeff))
    return std::nullopt;
  if (r.coeff == 0)
    return DimExpr::constant(0);
  r.symbols.append(a.symbols.begin(), a.symbols.end());
  r.symbols.append(b.symbols.begin(), b.symbols.end());
  llvm::sort(r.symbols);
  return r;
}

std::optional<DimExpr> onnx_to_deepc::divDims(const DimExpr &a,
                                              const DimExpr &b) {
  if (b.coeff == 0)
    return std::nullopt;
  if (a.isConstant() && b.isConstant()) {
    if (a.coeff == INT64_MIN && b.coeff == -1)
      return std::nullopt;
    return DimExpr::constant(a.coeff / b.coeff);
  }
  // (c * P + o) / k when k divides both c and o.
  if (b.isConstant() && !a.isProduct()) {
    if (a.coeff % b.coeff != 0 || a.offset % b.coeff != 0)
      return std::nullopt;
    DimExpr r = a;
    r.coeff /= b.coeff;
    r.offset /= b.coeff;
    return r;
  }
  if (!a.isProduct() || !b.isProduct())
    return std::nullopt;
  // Symbolic: b's symbols must all appear in a, and the coefficients must
  // divide exactly, for the quotient to be another product of dims.
  if (a.coeff % b.coeff != 0)
    return std::nullopt;
  DimExpr r;
  r.coeff = a.coeff / b.coeff;
  SmallVector<unsigned, 2> rest(a.symbols.begin(), a.symbols.end());
  for (unsigned s : b.symbols) {
    auto it = llvm::find(rest, s);
    if (it == rest.end())
      return std::nullopt;
    rest.erase(it);
  }
  r.symbols = std::move(rest);
  return r;
}

//===----------------------------------------------------------------------===//
// ShapeKnowledge
//===----------------------------------------------------------------------===//

DimExpr ShapeKnowledge::dimOf(Value tensor, unsigned dim) {
  int64_t size = shapeOf(tensor)[dim];
  if (size != kDynamic)
    return DimExpr::constant(size);
  auto it = dims.find({tensor, dim});
  if (it != dims.end())
    return it->second;
  unsigned symbol = sources.size();
  sources.push_back({tensor, dim});
  DimExpr expr = DimExpr::symbol(symbol);
  dims[{tensor, dim}] = expr;
  return expr;
}

SmallVector<DimExpr> ShapeKnowledge::dimsOf(Value tensor) {
  SmallVector<DimExpr> result;
  for (unsigned i = 0, e = rankOf(tensor); i < e; ++i)
    result.push_back(dimOf(tensor, i));
  return result;
}

void ShapeKnowledge::setDim(Value tensor, unsigned dim, const DimExpr &expr) {
  // Static dims need no record, and a constant expression for a dynamic
  // dim would contradict the type; keep only symbolic facts.
  if (shapeOf(tensor)[dim] != kDynamic || expr.isConstant())
    return;
  dims[{tensor, dim}] = expr;
}

void ShapeKnowledge::setDims(Value tensor, ArrayRef<DimExpr> exprs) {
  for (auto [i, expr] : llvm::enumerate(exprs))
    if (i < shapeOf(tensor).size())
      setDim(tensor, i, expr);
}

std::optional<SmallVector<DimExpr>> ShapeKnowledge::valuesOf(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !isa<IntegerType>(type.getElementType()))
    return std::nullopt;
  DenseIntElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr))) {
    if (attr.getNumElements() > kMaxFoldElements)
      return std::nullopt;
    SmallVector<DimExpr> result;
    bool isBool = attr.getElementType().isInteger(1);
    for (const APInt &value : attr.getValues<APInt>())
      result.push_back(DimExpr::constant(isBool ? int64_t(!value.isZero())
                                                : value.getSExtValue()));
    return result;
  }
  auto it = values.find(v);
  if (it == values.end())
    return std::nullopt;
  return it->second;
}

void ShapeKnowledge::forget(Value v) {
  values.erase(v);
  if (auto type = dyn_cast<RankedTensorType>(v.getType()))
    for (unsigned i = 0, e = type.getRank(); i < e; ++i)
      dims.erase({v, i});
}

void ShapeKnowledge::setValues(Value v, ArrayRef<DimExpr> exprs) {
  values[v] = SmallVector<DimExpr>(exprs.begin(), exprs.end());
}

//===----------------------------------------------------------------------===//
// Names and types
//===----------------------------------------------------------------------===//

static std::string nameOfLoc(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string name = nameOfLoc(inner); !name.empty())
        return name;
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return nameOfLoc(callSite.getCallee());
  return "";
}

std::string onnx_to_deepc::nodeName(onnx::NodeOp node) {
  return nameOfLoc(node.getLoc());
}

std::string onnx_to_deepc::describeNode(onnx::NodeOp node) {
  std::string text = "ONNX ";
  if (!node.isDefaultDomain())
    text += node.getDomain().str() + ".";
  text += node.getOpType().str() + " node";
  if (std::string name = nodeName(node); !name.empty())
    text += " '" + name + "'";
  text += " (opset " + std::to_string(node.getVersion()) + ")";
  return text;
}

Type onnx_to_deepc::convertElementType(Type type) {
  if (type.isF32() || type.isF16() || type.isBF16() ||
      isa<Float8E4M3FNType>(type))
    return type;
  auto integer = dyn_cast<IntegerType>(type);
  if (!integer)
    return {};
  unsigned width = integer.getWidth();
  if (width == 1)
    return IntegerType::get(type.getContext(), 1);
  // deepc integers are signless and, like ONNX's defaults, read as signed;
  // unsigned types would change the meaning of Div, comparisons and Cast.
  if (integer.isUnsigned())
    return {};
  if (width == 4 || width == 8 || width == 32 || width == 64)
    return IntegerType::get(type.getContext(), width);
  return {};
}

RankedTensorType onnx_to_deepc::offsetUnsignedType(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return {};
  auto integer = dyn_cast<IntegerType>(ranked.getElementType());
  if (!integer || !integer.isUnsigned() ||
      (integer.getWidth() != 8 && integer.getWidth() != 4))
    return {};
  return RankedTensorType::get(
      ranked.getShape(),
      IntegerType::get(type.getContext(), integer.getWidth()));
}

FailureOr<ElementsAttr>
onnx_to_deepc::offsetUnsignedConstant(ElementsAttr value) {
  RankedTensorType type = offsetUnsignedType(value.getType());
  if (!type)
    return failure();
  unsigned width = type.getElementTypeBitWidth();
  if (auto dense = dyn_cast<DenseIntElementsAttr>(value)) {
    APInt half = APInt::getOneBitSet(width, width - 1);
    return ElementsAttr(dense.mapValues(
        type.getElementType(),
        [&](const APInt &u) { return APInt(u) ^ half; }));
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    ArrayRef<char> data = blob->getData();
    // A byte holds one uint8 or two uint4 (low nibble first); flipping the
    // top bit of each element is the same xor for both layouts' bytes.
    uint8_t mask = width == 8 ? 0x80 : 0x88;
    SmallVector<char> shifted(data.begin(), data.end());
    for (char &byte : shifted)
      byte = static_cast<char>(static_cast<uint8_t>(byte) ^ mask);
    return ElementsAttr(DenseResourceElementsAttr::get(
        type, resource.getRawHandle().getKey(),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(shifted,
                                                      blob->getDataAlignment())));
  }
  return failure();
}

std::optional<SmallVector<uint8_t>>
onnx_to_deepc::constantBytes(ElementsAttr value) {
  auto type = cast<ShapedType>(value.getType());
  if (!type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() < 8 || !type.hasStaticShape())
    return std::nullopt;
  size_t bytes =
      type.getNumElements() * (type.getElementTypeBitWidth() / 8);
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    data = dense.getRawData();
    if (dense.isSplat()) {
      SmallVector<uint8_t> result;
      for (size_t i = 0; i < bytes; ++i)
        result.push_back(static_cast<uint8_t>(data[i % data.size()]));
      return result;
    }
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    data = blob->getData();
  } else {
    return std::nullopt;
  }
  if (data.size() != bytes)
    return std::nullopt;
  return SmallVector<uint8_t>(data.begin(), data.end());
}

ElementsAttr onnx_to_deepc::makeIntConstant(RankedTensorType type,
                                            ArrayRef<int8_t> values,
                                            StringRef blobName) {
  unsigned width = type.getElementTypeBitWidth();
  assert((width == 4 || width == 8) && "4- or 8-bit constants only");
  // Below this many bytes the values stay readable in the IR, as the
  // importer's inline limit does for initializers.
  constexpr size_t kInlineBytes = 1024;
  size_t bytes = width == 8 ? values.size() : (values.size() + 1) / 2;
  if (bytes <= kInlineBytes) {
    SmallVector<APInt> elements;
    for (int8_t v : values)
      elements.push_back(APInt(width, v, /*isSigned=*/true));
    return DenseElementsAttr::get(type, elements);
  }
  SmallVector<char> data(bytes, 0);
  for (auto [i, v] : llvm::enumerate(values)) {
    if (width == 8) {
      data[i] = static_cast<char>(v);
      continue;
    }
    uint8_t nibble = static_cast<uint8_t>(v) & 0xf;
    data[i / 2] = static_cast<char>(static_cast<uint8_t>(data[i / 2]) |
                                    (nibble << (4 * (i % 2))));
  }
  // Resource keys print bare in the IR: keep them identifiers.
  std::string key;
  if (blobName.empty() || !(llvm::isAlpha(blobName.front()) ||
                            blobName.front() == '_'))
    key.push_back('_');
  for (char c : blobName)
    key.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  return DenseResourceElementsAttr::get(
      type, key,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(data, /*align=*/1));
}

RankedTensorType onnx_to_deepc::convertTensorType(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return {};
  Type element = convertElementType(ranked.getElementType());
  if (!element)
    return {};
  return RankedTensorType::get(ranked.getShape(), element);
}

//===----------------------------------------------------------------------===//
// NodeContext: diagnostics and inputs
//===----------------------------------------------------------------------===//

InFlightDiagnostic NodeContext::emitError() {
  return mlir::emitError(getLoc())
         << "cannot legalize " << describeNode(node) << ": ";
}

Value NodeContext::rawInput(unsigned i) {
  if (i >= getNumInputs())
    return {};
  Value v = node.getInputs()[i];
  if (isa<NoneType>(v.getType()))
    return {};
  return v;
}

LogicalResult NodeContext::checkArity(unsigned min, unsigned max) {
  unsigned n = getNumInputs();
  if (n >= min && n <= max)
    return success();
  if (min == max)
    return fail("expects ", min, " input", min == 1 ? "" : "s", ", got ", n);
  return fail("expects ", min, " to ", max, " inputs, got ", n);
}

bool NodeContext::hasInput(unsigned i) { return bool(rawInput(i)); }

FailureOr<Value> NodeContext::optionalInput(unsigned i, StringRef what) {
  bool offset = false;
  FailureOr<Value> v = optionalQuantInput(i, what, offset);
  if (failed(v) || !offset)
    return v;
  return fail("input ", i, " (", what,
              ") is an ONNX unsigned integer tensor, which deepc reads only "
              "as the quantized values or zero points of QuantizeLinear, "
              "DequantizeLinear and MatMulNBits");
}

FailureOr<Value> NodeContext::optionalQuantInput(unsigned i, StringRef what,
                                                 bool &offset) {
  offset = false;
  Value v = rawInput(i);
  if (!v)
    return Value();
  offset = shapes.isOffsetUnsigned(v);
  // A producer that failed to legalize has reported already; do not pile
  // a second error on every consumer.
  if (v.getDefiningOp<onnx::NodeOp>() || v.getDefiningOp<onnx::ConstantOp>())
    return failure();
  // Likewise a graph input whose type could not be converted.
  if (isa<BlockArgument>(v) && v.getType() != convertTensorType(v.getType()))
    return failure();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type)
    return fail("input ", i, " (", what, ") has type ", v.getType(),
                "; deepc needs a ranked tensor");
  if (!convertElementType(type.getElementType()) ||
      convertElementType(type.getElementType()) != type.getElementType())
    return fail("input ", i, " (", what, ") has element type ",
                type.getElementType(),
                ", which deepc does not support (f32, f16, bf16, f8E4M3FN, "
                "i1, i4, i8, i32, i64)");
  return v;
}

FailureOr<Value> NodeContext::input(unsigned i, StringRef what) {
  FailureOr<Value> v = optionalInput(i, what);
  if (failed(v))
    return failure();
  if (!*v)
    return fail("missing required input ", i, " (", what, ")");
  return v;
}

FailureOr<SmallVector<Value>> NodeContext::variadicInputs(unsigned first,
                                                          StringRef what) {
  SmallVector<Value> result;
  if (getNumInputs() <= first)
    return fail("needs at least one ", what, " input");
  for (unsigned i = first, e = getNumInputs(); i < e; ++i) {
    FailureOr<Value> v = input(i, what);
    if (failed(v))
      return failure();
    result.push_back(*v);
  }
  return result;
}

FailureOr<SmallVector<DimExpr>> NodeContext::knownInts(unsigned i,
                                                       StringRef what) {
  FailureOr<Value> v = input(i, what);
  if (failed(v))
    return failure();
  if (!isa<IntegerType>(elementTypeOf(*v)))
    return fail("input ", i, " (", what, ") must hold integers, got ",
                v->getType());
  std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(*v);
  if (!values)
    return fail("input ", i, " (", what,
                ") must be known at compile time (a constant or computed "
                "from tensor shapes), but it is computed at run time");
  return *values;
}

FailureOr<SmallVector<int64_t>> NodeContext::constantInts(unsigned i,
                                                          StringRef what) {
  FailureOr<SmallVector<DimExpr>> values = knownInts(i, what);
  if (failed(values))
    return failure();
  SmallVector<int64_t> result;
  for (const DimExpr &e : *values) {
    if (!e.isConstant())
      return fail("input ", i, " (", what,
                  ") must be a constant, but it depends on a dynamic dim");
    result.push_back(e.coeff);
  }
  return result;
}

FailureOr<double> NodeContext::constantFloat(unsigned i, StringRef what) {
  FailureOr<Value> v = input(i, what);
  if (failed(v))
    return failure();
  DenseElementsAttr attr;
  if (!matchPattern(*v, m_Constant(&attr)) || attr.getNumElements() != 1)
    return fail("input ", i, " (", what, ") must be a one-element constant");
  if (isa<FloatType>(attr.getElementType()))
    return (*attr.getValues<APFloat>().begin()).convertToDouble();
  return double((*attr.getValues<APInt>().begin()).getSExtValue());
}

//===----------------------------------------------------------------------===//
// NodeContext: attributes
//===----------------------------------------------------------------------===//

FailureOr<int64_t> NodeContext::intAttr(StringRef name, int64_t def) {
  Attribute attr = node.getOnnxAttr(name);
  if (!attr)
    return def;
  auto integer = dyn_cast<IntegerAttr>(attr);
  if (!integer || !isa<IntegerType>(integer.getType()))
    return fail("attribute '", name, "' must be an integer, got ", attr);
  return integer.getValue().getSExtValue();
}

FailureOr<int64_t> NodeContext::requiredIntAttr(StringRef name) {
  if (!node.getOnnxAttr(name))
    return fail("missing required attribute '", name, "'");
  return intAttr(name, 0);
}

FailureOr<float> NodeContext::floatAttr(StringRef name, float def) {
  Attribute attr = node.getOnnxAttr(name);
  if (!attr)
    return def;
  auto value = dyn_cast<FloatAttr>(attr);
  if (!value)
    return fail("attribute '", name, "' must be a float, got ", attr);
  return static_cast<float>(value.getValueAsDouble());
}

FailureOr<std::string> NodeContext::stringAttr(StringRef name,
                                               StringRef def) {
  Attribute attr = node.getOnnxAttr(name);
  if (!attr)
    return def.str();
  auto value = dyn_cast<StringAttr>(attr);
  if (!value)
    return fail("attribute '", name, "' must be a string, got ", attr);
  return value.str();
}

FailureOr<std::optional<SmallVector<int64_t>>>
NodeContext::intsAttr(StringRef name) {
  Attribute attr = node.getOnnxAttr(name);
  if (!attr)
    return std::optional<SmallVector<int64_t>>();
  auto array = dyn_cast<ArrayAttr>(attr);
  if (!array)
    return fail("attribute '", name, "' must be a list of integers, got ",
                attr);
  SmallVector<int64_t> result;
  for (Attribute element : array) {
    auto integer = dyn_cast<IntegerAttr>(element);
    if (!integer || !isa<IntegerType>(integer.getType()))
      return fail("attribute '", name, "' must be a list of integers, got ",
                  attr);
    result.push_back(integer.getValue().getSExtValue());
  }
  return std::optional<SmallVector<int64_t>>(std::move(result));
}

LogicalResult NodeContext::rejectAttr(StringRef name, StringRef reason) {
  if (!node.getOnnxAttr(name))
    return success();
  return fail("attribute '", name, "' is not supported: ", reason);
}

FailureOr<int64_t> onnx_to_deepc::normalizeAxisOrFail(NodeContext &ctx,
                                                      int64_t axis,
                                                      int64_t rank,
                                                      StringRef what) {
  std::optional<int64_t> n = normalizeAxis(axis, rank);
  if (!n)
    return ctx.fail(what, " ", axis, " is out of range for rank ", rank,
                    " (expected ", -rank, " to ", rank - 1, ")");
  return *n;
}

//===----------------------------------------------------------------------===//
// NodeContext: building
//===----------------------------------------------------------------------===//

/// Runs `fn` and returns what it reported, joined by "; ", instead of
/// letting it reach the user: deepc's own messages become the reason of
/// one error that names the ONNX node.
template <typename Fn>
static std::string captureDiagnostics(MLIRContext *context, Fn &&fn) {
  std::string messages;
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return success();
    if (!messages.empty())
      messages += "; ";
    messages += diag.str();
    return success();
  });
  fn();
  return messages;
}

FailureOr<Value> NodeContext::finishInferred(Operation *op) {
  auto infer = dyn_cast<InferTypeOpInterface>(op);
  assert(infer && "create<> is for ops that infer their result type");
  SmallVector<Type> types;
  LogicalResult inferred = failure();
  std::string reason = captureDiagnostics(getContext(), [&] {
    inferred = infer.inferReturnTypes(
        getContext(), op->getLoc(), op->getOperands(),
        op->getRawDictionaryAttrs(), op->getPropertiesStorage(),
        op->getRegions(), types);
  });
  // The driver erases every op of a handler that fails.
  if (failed(inferred) || types.size() != op->getNumResults())
    return fail(reason.empty() ? "result type inference failed" : reason);
  for (auto [result, type] : llvm::zip(op->getResults(), types))
    result.setType(type);
  return finishTyped(op);
}

FailureOr<Value> NodeContext::finishTyped(Operation *op) {
  LogicalResult verified = failure();
  std::string reason = captureDiagnostics(getContext(), [&] {
    verified = mlir::verify(op, /*verifyRecursively=*/false);
  });
  if (failed(verified))
    return fail(reason);
  return op->getResult(0);
}

Value NodeContext::constant(ElementsAttr value) {
  return builder.create<ConstantOp>(getLoc(), value.getType(), value);
}

Value NodeContext::constantI64(ArrayRef<int64_t> values,
                               ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(shape, builder.getI64Type());
  return constant(DenseIntElementsAttr::get(type, values));
}

Value NodeContext::splatConstant(Type elementType, double value,
                                 int64_t rank) {
  auto type =
      RankedTensorType::get(SmallVector<int64_t>(rank, 1), elementType);
  if (isa<FloatType>(elementType))
    return constant(DenseElementsAttr::get(
        type, FloatAttr::get(elementType, value).getValue()));
  return constant(DenseElementsAttr::get(
      type, IntegerAttr::get(elementType, static_cast<int64_t>(value))
                .getValue()));
}

FailureOr<Value> NodeContext::materializeInts(ArrayRef<DimExpr> exprs,
                                              ArrayRef<int64_t> shape,
                                              Type elementType) {
  Type i64 = builder.getI64Type();
  if (!elementType)
    elementType = i64;
  if (llvm::all_of(exprs, [](const DimExpr &e) { return e.isConstant(); })) {
    auto type = RankedTensorType::get(shape, elementType);
    unsigned width = elementType.getIntOrFloatBitWidth();
    SmallVector<APInt> values;
    for (const DimExpr &e : exprs)
      values.push_back(width == 1 ? APInt(1, e.coeff != 0)
                                  : APInt(64, e.coeff, /*isSigned=*/true)
                                        .trunc(width));
    return constant(DenseElementsAttr::get(type, values));
  }
  if (elementType != i64) {
    FailureOr<Value> wide = materializeInts(exprs, shape, i64);
    if (failed(wide))
      return failure();
    FailureOr<Value> narrow = createTyped<CastOp>(
        RankedTensorType::get(shape, elementType), *wide);
    if (succeeded(narrow))
      shapes.setValues(*narrow, exprs);
    return narrow;
  }

  // One 1-D piece per run of constants, per run of consecutive dims of one
  // tensor, and per product of dims (plus its offset).
  DenseMap<Value, Value> shapeOfCache;
  auto shapeOfValue = [&](Value tensor) -> FailureOr<Value> {
    if (Value cached = shapeOfCache.lookup(tensor))
      return cached;
    FailureOr<Value> s = create<ShapeOfOp>(tensor);
    if (succeeded(s))
      shapeOfCache[tensor] = *s;
    return s;
  };
  auto dimSlice = [&](Value tensor, int64_t begin,
                      int64_t end) -> FailureOr<Value> {
    FailureOr<Value> s = shapeOfValue(tensor);
    if (failed(s))
      return failure();
    return create<SliceOp>(*s, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{begin},
                           ArrayRef<int64_t>{end}, ArrayRef<int64_t>{1});
  };

  SmallVector<Value> pieces;
  SmallVector<int64_t> constants;
  auto flushConstants = [&] {
    if (constants.empty())
      return;
    pieces.push_back(
        constantI64(constants, {static_cast<int64_t>(constants.size())}));
    constants.clear();
  };
  for (size_t i = 0; i < exprs.size();) {
    const DimExpr &e = exprs[i];
    if (e.isConstant()) {
      constants.push_back(e.coeff);
      ++i;
      continue;
    }
    flushConstants();
    if (e.coeff == 1 && e.symbols.size() == 1 && e.isProduct()) {
      // Extend over following dims d+1, d+2, ... of the same tensor.
      auto [tensor, dim] = shapes.symbolSource(e.symbols.front());
      size_t j = i + 1;
      while (j < exprs.size() && exprs[j].coeff == 1 &&
             exprs[j].symbols.size() == 1 && exprs[j].isProduct()) {
        auto [t, d] = shapes.symbolSource(exprs[j].symbols.front());
        if (t != tensor || d != dim + (j - i))
          break;
        ++j;
      }
      FailureOr<Value> piece = dimSlice(tensor, dim, dim + (j - i));
      if (failed(piece))
        return failure();
      pieces.push_back(*piece);
      i = j;
      continue;
    }
    Value product;
    for (unsigned symbol : e.symbols) {
      auto [tensor, dim] = shapes.symbolSource(symbol);
      FailureOr<Value> piece = dimSlice(tensor, dim, dim + 1);
      if (failed(piece))
        return failure();
      if (!product) {
        product = *piece;
        continue;
      }
      FailureOr<Value> mul = create<MulOp>(product, *piece);
      if (failed(mul))
        return failure();
      product = *mul;
    }
    if (e.coeff != 1) {
      FailureOr<Value> mul = create<MulOp>(product, constantI64({e.coeff}, {1}));
      if (failed(mul))
        return failure();
      product = *mul;
    }
    if (e.offset != 0) {
      FailureOr<Value> add =
          create<AddOp>(product, constantI64({e.offset}, {1}));
      if (failed(add))
        return failure();
      product = *add;
    }
    pieces.push_back(product);
    ++i;
  }
  flushConstants();

  Value result = pieces.front();
  if (pieces.size() > 1) {
    FailureOr<Value> joined = create<ConcatOp>(pieces, /*axis=*/int64_t(0));
    if (failed(joined))
      return failure();
    result = *joined;
  }
  if (shapeOf(result) != shape) {
    FailureOr<Value> reshaped = createTyped<ReshapeOp>(
        RankedTensorType::get(shape, builder.getI64Type()), result, Value());
    if (failed(reshaped))
      return failure();
    result = *reshaped;
  }
  shapes.setValues(result, exprs);
  return result;
}

FailureOr<Value> NodeContext::reshape(Value input, ArrayRef<DimExpr> target) {
  SmallVector<int64_t> dims;
  for (const DimExpr &e : target) {
    if (e.isConstant() && e.coeff < 0)
      return fail("target dim ", e.coeff, " is negative");
    dims.push_back(e.isConstant() ? e.coeff : kDynamic);
  }
  auto type = RankedTensorType::get(dims, elementTypeOf(input));
  if (type == input.getType())
    return input;
  Value shapeOperand;
  if (type.getNumDynamicDims() > 1) {
    FailureOr<Value> s =
        materializeInts(target, {static_cast<int64_t>(target.size())});
    if (failed(s))
      return failure();
    shapeOperand = *s;
  }
  FailureOr<Value> result =
      createTyped<ReshapeOp>(type, input, shapeOperand);
  if (succeeded(result))
    shapes.setDims(*result, target);
  return result;
}

//===----------------------------------------------------------------------===//
// HandlerRegistry
//===----------------------------------------------------------------------===//

std::string HandlerRegistry::key(StringRef domain, StringRef opType) {
  if (domain == "ai.onnx")
    domain = "";
  return (domain + Twine('\0') + opType).str();
}

void HandlerRegistry::add(StringRef domain, StringRef opType,
                          int64_t sinceVersion, Handler handler) {
  auto &versions = table[key(domain, opType)];
  versions.push_back({sinceVersion, handler});
  llvm::sort(versions, [](const auto &a, const auto &b) {
    return a.first < b.first;
  });
}

void HandlerRegistry::add(StringRef domain, StringRef opType,
                          std::initializer_list<int64_t> sinceVersions,
                          Handler handler) {
  for (int64_t since : sinceVersions)
    add(domain, opType, since, handler);
}

Handler HandlerRegistry::lookup(StringRef domain, StringRef opType,
                                int64_t version) const {
  auto it = table.find(key(domain, opType));
  if (it == table.end())
    return nullptr;
  Handler best = nullptr;
  for (const auto &[since, handler] : it->second)
    if (since <= version)
      best = handler;
  return best;
}

//===----------------------------------------------------------------------===//
// NodeContext: elementwise folding and dims
//===----------------------------------------------------------------------===//

FailureOr<Value> NodeContext::foldElementwise(
    ArrayRef<Value> inputs, Type resultElementType,
    function_ref<std::optional<DimExpr>(ArrayRef<DimExpr>)> fn) {
  if (!isa<IntegerType>(resultElementType))
    return Value();
  SmallVector<SmallVector<DimExpr>> values;
  SmallVector<int64_t> shape;
  for (Value input : inputs) {
    auto type = cast<RankedTensorType>(input.getType());
    std::optional<SmallVector<DimExpr>> known = shapes.valuesOf(input);
    if (!known || !type.hasStaticShape())
      return Value();
    std::optional<SmallVector<int64_t>> joined =
        broadcastShapes(shape, type.getShape());
    if (!joined)
      return Value(); // not foldable; the op reports the mismatch
    shape = std::move(*joined);
    values.push_back(std::move(*known));
  }
  std::optional<int64_t> count = staticElementCount(shape);
  if (!count || *count > kMaxFoldElements)
    return Value();

  SmallVector<DimExpr> result;
  SmallVector<DimExpr> args(inputs.size());
  for (int64_t linear = 0; linear < *count; ++linear) {
    for (auto [k, input] : llvm::enumerate(inputs)) {
      // The element of input k that broadcasts to `linear`.
      ArrayRef<int64_t> inShape = shapeOf(input);
      int64_t rest = linear, index = 0, stride = 1;
      for (int64_t d = shape.size() - 1, id = inShape.size() - 1; d >= 0;
           --d, --id) {
        int64_t coordinate = rest % shape[d];
        rest /= shape[d];
        if (id < 0)
          continue;
        if (inShape[id] != 1)
          index += coordinate * stride;
        stride *= inShape[id];
      }
      args[k] = values[k][index];
    }
    std::optional<DimExpr> r = fn(args);
    if (!r)
      return Value();
    result.push_back(std::move(*r));
  }
  return materializeInts(result, shape, resultElementType);
}

void NodeContext::propagateBroadcast(Value result, ArrayRef<Value> operands) {
  ArrayRef<int64_t> resultShape = shapeOf(result);
  int64_t rank = resultShape.size();
  for (int64_t d = 0; d < rank; ++d) {
    if (resultShape[d] != kDynamic)
      continue;
    std::optional<DimExpr> agreed;
    bool conflict = false;
    for (Value operand : operands) {
      int64_t od = d - (rank - rankOf(operand));
      if (od < 0 || shapeOf(operand)[od] == 1)
        continue;
      DimExpr e = shapes.dimOf(operand, od);
      if (agreed && *agreed != e)
        conflict = true;
      agreed = e;
    }
    if (agreed && !conflict)
      shapes.setDim(result, d, *agreed);
  }
}
