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
// This file is the driver, with steps 1 and 4; OnnxInline.cpp flattens
// and inlines (step 2), OnnxGraph.cpp checks and sorts (step 3), and
// OnnxTypes.cpp, OnnxTensors.cpp and OnnxAttributes.cpp convert what step 4
// builds from. ImporterImpl.h declares what they share.
//
// Every failure is one error diagnostic naming the culprit. Nothing the file
// says is trusted before it is checked: dims, element counts, data sizes,
// offsets and inlining depth are all bounded, so a hostile file can neither
// crash the importer nor make it allocate more than the file's own size.
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace mlir::deepc::onnx_import {

std::string normalizeDomain(StringRef domain) {
  return domain == "ai.onnx" ? std::string() : domain.str();
}

} // namespace mlir::deepc::onnx_import

//===----------------------------------------------------------------------===//
// Step 1: file, opsets (local functions: OnnxInline.cpp)
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

  llvm::StringSet<> shapeOperands;
  if (options.dummyWeights)
    shapeOperands = shapeOperandNames();
  for (const onnxpb::TensorProto &tensor : graph.initializer()) {
    Location loc = nameLoc(tensor.name());
    FailureOr<ElementsAttr> value = importTensor(
        tensor, "initializer '" + tensor.name() + "'", loc, tensor.name(),
        /*mayBeDummy=*/!shapeOperands.contains(tensor.name()));
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
