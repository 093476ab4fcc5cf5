//===- OnnxGraph.cpp - the flattened ONNX graph's structure ---------------===//
//
// Checks the flattened graph's structure: every value defined once, every
// use defined, no cycle; sorts the nodes topologically (step 3 of
// OnnxImporter.cpp).
//
//===----------------------------------------------------------------------===//

#include "ImporterImpl.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_import;

namespace mlir::deepc::onnx_import {

std::string describe(const FlatNode &node) {
  if (!node.name.empty())
    return "node '" + node.name + "'";
  std::string text = "unnamed " + node.opType + " node";
  for (const std::string &output : node.outputs)
    if (!output.empty())
      return text + " (output '" + output + "')";
  return text;
}

} // namespace mlir::deepc::onnx_import

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
