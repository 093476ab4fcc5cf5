//===- OnnxAttributes.cpp - ONNX attributes to MLIR attributes ------------===//
//
// Imports a node's attributes, checking each declared type against the
// value the proto holds (step 4 of OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

//===----------------------------------------------------------------------===//
// Step 4: attributes
//===----------------------------------------------------------------------===//

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
