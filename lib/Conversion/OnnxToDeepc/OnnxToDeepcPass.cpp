//===- OnnxToDeepcPass.cpp - legalize imported ONNX to deepc --------------===//
//
// The driver of deepc-legalize-onnx. It first checks that every node has a
// handler and reports all that do not at once; then it walks each function
// in order, converting the signature, the initializers and each node with
// its handler. A node's inputs are legalized before it (ONNX graphs are
// topologically sorted, and so are the imported functions), so a handler
// always sees deepc values; a failing handler gets its ops erased and the
// walk goes on, so that one run reports every node that cannot be
// legalized.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "deepc/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/MapVector.h"

#include <map>

namespace mlir::deepc {
#define GEN_PASS_DEF_CONVERTONNXTODEEPCPASS
#include "deepc/Conversion/Passes.h.inc"
} // namespace mlir::deepc

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// Remembers the ops a handler creates, so that they can be erased when it
/// fails.
struct CreatedOps : OpBuilder::Listener {
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint) override {
    ops.push_back(op);
  }
  SmallVector<Operation *> ops;
};

/// The initializer as a deepc constant of the converted type: integer data
/// is reinterpreted as signless (same bits), resource blobs are shared.
FailureOr<ElementsAttr> convertConstantValue(ElementsAttr value,
                                             RankedTensorType type) {
  if (value.getType() == type)
    return value;
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return ElementsAttr(dense.bitcast(type.getElementType()));
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    return ElementsAttr(
        DenseResourceElementsAttr::get(type, resource.getRawHandle()));
  return failure();
}

struct ConvertOnnxToDeepcPass
    : mlir::deepc::impl::ConvertOnnxToDeepcPassBase<ConvertOnnxToDeepcPass> {
  LogicalResult initialize(MLIRContext *) override {
    auto handlers = std::make_shared<HandlerRegistry>();
    registerElementwiseHandlers(*handlers);
    registerMatMulHandlers(*handlers);
    registerReductionHandlers(*handlers);
    registerShapeHandlers(*handlers);
    registerTensorHandlers(*handlers);
    registerNormalizationHandlers(*handlers);
    registerIndexingHandlers(*handlers);
    registerQuantizationHandlers(*handlers);
    registerEinsumHandlers(*handlers);
    registerContribHandlers(*handlers);
    registerAttentionHandlers(*handlers);
    registry = std::move(handlers);
    return success();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(reportUnsupported(module)))
      return signalPassFailure();
    bool ok = true;
    for (auto func : module.getOps<func::FuncOp>())
      ok &= succeeded(legalizeFunction(func));
    if (!ok)
      return signalPassFailure();
    // Nodes outside a function body have nowhere to go.
    WalkResult leftover = module.walk([](Operation *op) {
      if (!isa<onnx::OnnxDialect>(op->getDialect()))
        return WalkResult::advance();
      op->emitError("cannot legalize '")
          << op->getName() << "' outside the body of a func.func";
      return WalkResult::interrupt();
    });
    if (leftover.wasInterrupted())
      signalPassFailure();
  }

private:
  Handler lookup(onnx::NodeOp node) const {
    if (isTooNew(node))
      return nullptr;
    int64_t version = node.getVersion();
    if (node.isDefaultDomain())
      version = handlerOpset(node.getOpType(), version);
    return registry->lookup(node.getDomain(), node.getOpType(), version);
  }

  /// A default-domain node whose operator changed after the newest opset
  /// the handlers know.
  static bool isTooNew(onnx::NodeOp node) {
    return node.isDefaultDomain() &&
           handlerOpset(node.getOpType(), node.getVersion()) >
               kMaxDefaultOpset;
  }

  LogicalResult reportUnsupported(ModuleOp module);
  LogicalResult legalizeFunction(func::FuncOp func);
  LogicalResult convertSignature(func::FuncOp func);
  LogicalResult convertInitializer(onnx::ConstantOp op, OpBuilder &builder,
                                   ShapeKnowledge &shapes);
  LogicalResult replaceNode(NodeContext &ctx);
  FailureOr<Value> refineToDeclared(NodeContext &ctx, Value value,
                                    Type declared);

  std::shared_ptr<const HandlerRegistry> registry;
};

} // namespace

//===----------------------------------------------------------------------===//
// Unsupported operators, all at once
//===----------------------------------------------------------------------===//

LogicalResult ConvertOnnxToDeepcPass::reportUnsupported(ModuleOp module) {
  struct Entry {
    Location loc;
    SmallVector<std::string> names;
    unsigned unnamed = 0;
    bool tooNew = false;
  };
  llvm::MapVector<std::string, Entry, std::map<std::string, unsigned>>
      entries;
  module.walk([&](onnx::NodeOp node) {
    if (lookup(node))
      return;
    std::string label =
        (node.isDefaultDomain() ? "ai.onnx" : node.getDomain().str()) + " " +
        node.getOpType().str() + " (opset " +
        std::to_string(node.getVersion()) + ")";
    auto [it, inserted] = entries.insert({label, Entry{node.getLoc(), {}}});
    Entry &entry = it->second;
    entry.tooNew = isTooNew(node);
    if (std::string name = nodeName(node); !name.empty())
      entry.names.push_back(name);
    else
      ++entry.unnamed;
  });
  if (entries.empty())
    return success();

  InFlightDiagnostic diag = emitError(module.getLoc())
                            << "the model uses " << entries.size()
                            << " ONNX operator"
                            << (entries.size() == 1 ? "" : "s")
                            << " that deepc cannot legalize";
  constexpr size_t kMaxNames = 8;
  for (auto &[label, entry] : entries) {
    Diagnostic &note = diag.attachNote(entry.loc);
    note << label;
    if (entry.tooNew)
      note << " [newer than opset " << kMaxDefaultOpset
           << ", the newest deepc knows]";
    note << ": ";
    // "nodes 'a', 'b' and 3 more, plus 2 unnamed"
    size_t named = entry.names.size();
    if (named)
      note << (named == 1 ? "node " : "nodes ");
    for (size_t i = 0; i < named && i < kMaxNames; ++i)
      note << (i == 0 ? "" : ", ") << "'" << entry.names[i] << "'";
    if (named > kMaxNames)
      note << " and " << named - kMaxNames << " more";
    if (entry.unnamed)
      note << (named ? ", plus " : "") << entry.unnamed << " unnamed node"
           << (entry.unnamed == 1 ? "" : "s");
  }
  return failure();
}

//===----------------------------------------------------------------------===//
// Functions
//===----------------------------------------------------------------------===//

LogicalResult ConvertOnnxToDeepcPass::convertSignature(func::FuncOp func) {
  bool ok = true;
  for (BlockArgument arg : func.getArguments()) {
    Type type = arg.getType();
    if (!isa<TensorType>(type))
      continue;
    if (RankedTensorType converted = convertTensorType(type)) {
      arg.setType(converted);
      continue;
    }
    auto name = func.getArgAttrOfType<StringAttr>(arg.getArgNumber(),
                                                  "onnx.name");
    InFlightDiagnostic diag = emitError(arg.getLoc())
                              << "cannot legalize graph input "
                              << arg.getArgNumber();
    if (name)
      diag << " '" << name.getValue() << "'";
    diag << " of type " << type;
    if (!isa<RankedTensorType>(type))
      diag << ": deepc needs its rank";
    else
      diag << ": deepc has no element type "
           << cast<RankedTensorType>(type).getElementType()
           << " (f32, f16, bf16, f8E4M3FN, i1, i4, i8, i32, i64)";
    ok = false;
  }
  return success(ok);
}

LogicalResult ConvertOnnxToDeepcPass::convertInitializer(onnx::ConstantOp op,
                                                         OpBuilder &builder,
                                                         ShapeKnowledge &shapes) {
  if (op->use_empty()) {
    op.erase();
    return success();
  }
  // uint8 and uint4 (quantized weights and zero points) become offset i8
  // and i4 constants that only the quantization handlers read.
  if (RankedTensorType offsetType = offsetUnsignedType(op.getType())) {
    FailureOr<ElementsAttr> value = offsetUnsignedConstant(op.getValue());
    if (failed(value))
      return op.emitError("cannot legalize initializer of type ")
             << op.getType() << ": its encoding cannot be converted";
    builder.setInsertionPoint(op);
    auto constant = builder.create<ConstantOp>(op.getLoc(), offsetType, *value);
    shapes.setOffsetUnsigned(constant.getResult());
    op.replaceAllUsesWith(constant.getResult());
    op.erase();
    return success();
  }
  auto type = convertTensorType(op.getType());
  FailureOr<ElementsAttr> value = failure();
  if (type)
    value = convertConstantValue(op.getValue(), type);
  if (failed(value))
    return op.emitError("cannot legalize initializer of type ")
           << op.getType()
           << ": deepc has no such element type (f32, f16, bf16, f8E4M3FN, "
              "i1, i4, i8, i32, i64)";
  builder.setInsertionPoint(op);
  auto constant = builder.create<ConstantOp>(op.getLoc(), type, *value);
  op.replaceAllUsesWith(constant.getResult());
  op.erase();
  return success();
}

LogicalResult ConvertOnnxToDeepcPass::replaceNode(NodeContext &ctx) {
  onnx::NodeOp node = ctx.getNode();
  ArrayRef<Value> results = ctx.getResults();
  for (auto [i, old] : llvm::enumerate(node.getResults())) {
    Value replacement = i < results.size() ? results[i] : Value();
    if (!replacement) {
      if (old.use_empty())
        continue;
      return ctx.fail("output ", i, " is used but not supported");
    }
    // The importer records the types that the model declares; one that
    // contradicts what legalization computes means a bad model or a bad
    // handler, and either deserves an error rather than wrong code.
    if (auto declared = dyn_cast<RankedTensorType>(old.getType())) {
      auto actual = cast<RankedTensorType>(replacement.getType());
      Type declaredElement = convertElementType(declared.getElementType());
      if (!shapesCompatible(declared.getShape(), actual.getShape()) ||
          (declaredElement && declaredElement != actual.getElementType()))
        return ctx.fail("output ", i, " is declared ", old.getType(),
                        " but computes ", replacement.getType());
    }
  }
  for (auto [i, old] : llvm::enumerate(node.getResults())) {
    if (i >= results.size() || !results[i])
      continue;
    FailureOr<Value> refined = refineToDeclared(ctx, results[i], old.getType());
    if (failed(refined))
      return failure();
    old.replaceAllUsesWith(*refined);
  }
  node.erase();
  return success();
}

FailureOr<Value> ConvertOnnxToDeepcPass::refineToDeclared(NodeContext &ctx,
                                                          Value value,
                                                          Type declared) {
  // The exporter knows facts about dims that the graph alone does not show:
  // torch specializes `x[:, :1]` of a dim it knows is at least 1 to a
  // static 1, where deepc.slice must infer min(1, dim). A static dim the
  // model declares where deepc computes a dynamic one is taken as such a
  // fact; the reshape makes it part of the type (and checks it at run
  // time), so that later shape math stays static.
  auto declaredType = dyn_cast<RankedTensorType>(declared);
  auto actual = cast<RankedTensorType>(value.getType());
  if (!declaredType || declaredType.getRank() != actual.getRank())
    return value;
  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<int64_t> shape(actual.getShape());
  SmallVector<DimExpr> dims = shapes.dimsOf(value);
  bool refines = false;
  for (auto [d, size] : llvm::enumerate(declaredType.getShape())) {
    if (shape[d] != kDynamic || size == kDynamic)
      continue;
    shape[d] = size;
    dims[d] = DimExpr::constant(size);
    refines = true;
  }
  if (!refines)
    return value;
  auto type = RankedTensorType::get(shape, actual.getElementType());
  Value shapeOperand;
  if (type.getNumDynamicDims() > 1) {
    FailureOr<Value> s =
        ctx.materializeInts(dims, {static_cast<int64_t>(dims.size())});
    if (failed(s))
      return failure();
    shapeOperand = *s;
  }
  FailureOr<Value> result =
      ctx.createTyped<ReshapeOp>(type, value, shapeOperand);
  if (failed(result))
    return failure();
  shapes.setDims(*result, dims);
  if (shapes.isOffsetUnsigned(value))
    shapes.setOffsetUnsigned(*result);
  if (std::optional<SmallVector<DimExpr>> values = shapes.valuesOf(value))
    shapes.setValues(*result, *values);
  return result;
}

LogicalResult ConvertOnnxToDeepcPass::legalizeFunction(func::FuncOp func) {
  if (func.isExternal())
    return success();
  bool ok = succeeded(convertSignature(func));

  MLIRContext *context = &getContext();
  OpBuilder builder(context);
  CreatedOps created;
  builder.setListener(&created);
  ShapeKnowledge shapes;

  Block &body = func.getBody().front();
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (auto initializer = dyn_cast<onnx::ConstantOp>(op)) {
      ok &= succeeded(convertInitializer(initializer, builder, shapes));
      continue;
    }
    auto node = dyn_cast<onnx::NodeOp>(op);
    if (!node)
      continue;
    Handler handler = lookup(node);
    assert(handler && "unsupported nodes are reported before rewriting");
    created.ops.clear();
    builder.setInsertionPoint(node);
    NodeContext ctx(node, builder, shapes);
    if (succeeded(handler(ctx)) && succeeded(replaceNode(ctx)))
      continue;
    ok = false;
    for (Operation *createdOp : llvm::reverse(created.ops)) {
      for (Value result : createdOp->getResults())
        shapes.forget(result);
      createdOp->dropAllUses();
      createdOp->erase();
    }
  }
  if (!ok)
    return failure();

  // The results now have deepc types.
  Operation *terminator = body.getTerminator();
  for (auto [i, result] : llvm::enumerate(terminator->getOperands()))
    if (shapes.isOffsetUnsigned(result)) {
      emitError(result.getLoc())
          << "cannot legalize graph output " << i << ": it is an ONNX "
          << "unsigned integer tensor, which deepc has no type for";
      ok = false;
    }
  if (!ok)
    return failure();
  func.setType(FunctionType::get(context, body.getArgumentTypes(),
                                 terminator->getOperandTypes()));

  // Shape pieces a handler built but no longer needs, and unused absent
  // inputs.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(body)))
    if ((isa<onnx::NoneOp>(op) || isa<DeepcDialect>(op.getDialect())) &&
        isOpTriviallyDead(&op))
      op.erase();
  return success();
}
