//===- OnnxInline.cpp - ONNX local functions and inlining -----------------===//
//
// Indexes the model's local functions (step 1 of OnnxImporter.cpp) and
// flattens the graph's nodes into FlatNodes, inlining calls of local
// functions within the depth and size budgets (step 2).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace mlir::deepc::onnx_import {

std::string readUnknownString(const std::string &unknownFields,
                              uint32_t number) {
  std::string value;
  (void)forEachUnknownField(unknownFields, number, [&](ArrayRef<char> payload) {
    value.assign(payload.begin(), payload.end());
    return success();
  });
  return value;
}

} // namespace mlir::deepc::onnx_import

//===----------------------------------------------------------------------===//
// Step 1: local functions
//===----------------------------------------------------------------------===//

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
