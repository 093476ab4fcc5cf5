//===- OnnxWireTest.cpp - the importer's protobuf wire-format walker ------===//
//
// parseModel and forEachUnknownField (lib/Import/OnnxWire.h) on byte strings
// built by hand, field by field, and on models serialized by protobuf.
//
//===----------------------------------------------------------------------===//

#include "OnnxWire.h"

#include "mlir/Support/LLVM.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::deepc;

namespace {

//===--- Building wire format by hand ---------------------------------===//

enum WireType : unsigned { Varint = 0, Fixed64 = 1, Len = 2, Fixed32 = 5 };

std::string varint(uint64_t value) {
  std::string out;
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    out.push_back(char(value ? byte | 0x80 : byte));
  } while (value);
  return out;
}

std::string tag(uint32_t number, unsigned wireType) {
  return varint((uint64_t(number) << 3) | wireType);
}

std::string varintField(uint32_t number, uint64_t value) {
  return tag(number, Varint) + varint(value);
}

std::string lenField(uint32_t number, const std::string &payload) {
  return tag(number, Len) + varint(payload.size()) + payload;
}

// Field numbers from onnx.proto.
constexpr uint32_t kModelIrVersion = 1, kModelGraph = 7, kModelOpset = 8;
constexpr uint32_t kGraphNode = 1, kGraphName = 2, kGraphInitializer = 5;
constexpr uint32_t kTensorDims = 1, kTensorDataType = 2, kTensorName = 8,
                   kTensorRawData = 9;
constexpr uint32_t kNodeOpType = 4, kNodeAttribute = 5;
constexpr uint32_t kAttrName = 1, kAttrGraph = 6;

std::string tensor(const std::string &name, const std::string &raw) {
  return varintField(kTensorDims, raw.size()) +
         varintField(kTensorDataType, 2) + lenField(kTensorName, name) +
         lenField(kTensorRawData, raw);
}

std::string node(const std::string &opType) {
  return lenField(kNodeOpType, opType);
}

std::string model(const std::string &graph) {
  return varintField(kModelIrVersion, 8) + lenField(kModelGraph, graph) +
         lenField(kModelOpset, varintField(2, 17));
}

struct Parsed {
  ParsedModel out;
  std::string reason;
  bool ok = false;
};

/// Parses `bytes`, which must outlive the result's initializer spans.
std::unique_ptr<Parsed> parse(const std::string &bytes) {
  auto result = std::make_unique<Parsed>();
  result->ok = succeeded(parseModel(ArrayRef<char>(bytes.data(), bytes.size()),
                                    result->out, result->reason));
  return result;
}

/// The bytes `fn` saw, one string per call.
std::vector<std::string> unknownPayloads(const std::string &fields,
                                         uint32_t number, bool &ok) {
  std::vector<std::string> seen;
  ok = succeeded(
      forEachUnknownField(fields, number, [&](ArrayRef<char> payload) {
        seen.emplace_back(payload.begin(), payload.end());
        return success();
      }));
  return seen;
}

//===--- Varints ------------------------------------------------------===//

TEST(OnnxWire, TenByteVarintIsTheLongestAccepted) {
  std::string max = varint(~uint64_t(0));
  ASSERT_EQ(max.size(), 10u);
  bool ok;
  // As the value of an ordinary field, and as a field's tag-adjacent value
  // skipped by forEachUnknownField.
  EXPECT_TRUE(parse(varintField(kModelIrVersion, ~uint64_t(0)))->ok);
  unknownPayloads(varintField(3, ~uint64_t(0)) + lenField(3, "x"), 3, ok);
  EXPECT_TRUE(ok);

  // An 11th byte: a continuation bit on the 10th.
  std::string tooLong = tag(kModelIrVersion, Varint) +
                        std::string(10, char(0x80)) + std::string(1, 0x01);
  auto parsed = parse(tooLong);
  EXPECT_FALSE(parsed->ok);
  EXPECT_EQ(parsed->reason, "the protobuf is malformed or truncated");
  unknownPayloads(tooLong, 1, ok);
  EXPECT_FALSE(ok);
}

TEST(OnnxWire, VarintPast64BitsIsRejected) {
  // Nine continuation bytes, then a 10th byte with bits past the 64th: the
  // value 3 + 2^64 must not be read as a length of 3.
  std::string overflow = std::string(1, char(0x83)) +
                         std::string(8, char(0x80)) + std::string(1, 0x02);
  bool ok;
  unknownPayloads(tag(3, Len) + overflow + "abc", 3, ok);
  EXPECT_FALSE(ok);
  EXPECT_FALSE(parse(tag(kModelGraph, Len) + overflow + "abc")->ok);
  EXPECT_FALSE(parse(tag(kModelIrVersion, Varint) + overflow)->ok);
}

TEST(OnnxWire, VarintCutShortIsRejected) {
  EXPECT_FALSE(parse(tag(kModelIrVersion, Varint) + "\x80")->ok);
  EXPECT_FALSE(parse(tag(kModelIrVersion, Varint))->ok);
  EXPECT_FALSE(parse("\x80")->ok); // a tag cut short
}

TEST(OnnxWire, HugeLengthIsRejected) {
  for (uint64_t size :
       {uint64_t(4), uint64_t(1) << 31, uint64_t(1) << 63, ~uint64_t(0)}) {
    std::string bytes = tag(kModelGraph, Len) + varint(size) + "abc";
    EXPECT_FALSE(parse(bytes)->ok) << "length " << size;
    bool ok;
    unknownPayloads(tag(3, Len) + varint(size) + "abc", 3, ok);
    EXPECT_FALSE(ok) << "length " << size;
  }
}

//===--- Fields -------------------------------------------------------===//

TEST(OnnxWire, EmptyInputIsAnEmptyModel) {
  auto parsed = parse("");
  ASSERT_TRUE(parsed->ok);
  EXPECT_FALSE(parsed->out.model.has_graph());
  EXPECT_TRUE(parsed->out.initializerData.empty());
}

TEST(OnnxWire, BadTagsAreRejected) {
  // Field number 0, and numbers past 2^29 - 1.
  EXPECT_FALSE(parse(tag(0, Varint) + varint(1))->ok);
  EXPECT_FALSE(parse(varint((uint64_t(1) << 32) | Varint) + varint(1))->ok);
  // Groups (3, 4) and the undefined wire types 6 and 7, at the top level,
  // in the graph and in an initializer.
  for (unsigned wireType : {3u, 4u, 6u, 7u}) {
    std::string bad = tag(kModelIrVersion, wireType) + varint(1);
    EXPECT_FALSE(parse(bad)->ok) << "wire type " << wireType;
    EXPECT_FALSE(parse(model(bad))->ok) << "wire type " << wireType;
    EXPECT_FALSE(parse(model(lenField(kGraphInitializer, bad)))->ok)
        << "wire type " << wireType;
    bool ok;
    unknownPayloads(bad, 1, ok);
    EXPECT_FALSE(ok) << "wire type " << wireType;
  }
}

TEST(OnnxWire, FixedWidthFieldsAreSkippedWhole) {
  std::string fields = tag(20, Fixed64) + std::string(8, 'x') +
                       tag(21, Fixed32) + std::string(4, 'y') +
                       lenField(22, "z");
  bool ok;
  EXPECT_EQ(unknownPayloads(fields, 22, ok), std::vector<std::string>{"z"});
  EXPECT_TRUE(ok);
  // Cut inside either fixed-width payload.
  EXPECT_FALSE(parse(tag(20, Fixed64) + std::string(7, 'x'))->ok);
  EXPECT_FALSE(parse(tag(21, Fixed32) + std::string(3, 'y'))->ok);
}

TEST(OnnxWire, TruncatedModelsAreRejected) {
  std::string bytes = model(lenField(kGraphName, "g") +
                            lenField(kGraphInitializer, tensor("w", "abcd")));
  ASSERT_TRUE(parse(bytes)->ok);
  // Every cut that ends inside a field is malformed; cuts between fields
  // are complete (smaller) models.
  size_t graphEnd =
      bytes.size() - lenField(kModelOpset, varintField(2, 17)).size();
  for (size_t size = 1; size < bytes.size(); ++size) {
    std::string prefix = bytes.substr(0, size);
    bool between =
        size == varintField(kModelIrVersion, 8).size() || size == graphEnd;
    EXPECT_EQ(parse(prefix)->ok, between) << "cut at " << size;
  }
}

TEST(OnnxWire, NestedLengthPastItsMessageIsRejected) {
  // The initializer claims 2 more bytes than its graph holds; the model has
  // those bytes after the graph, but a nested field must end inside its
  // enclosing message.
  std::string init = tensor("w", "abcd");
  std::string graph =
      tag(kGraphInitializer, Len) + varint(init.size() + 2) + init;
  std::string bytes =
      lenField(kModelGraph, graph) + varintField(kModelIrVersion, 8);
  auto parsed = parse(bytes);
  EXPECT_FALSE(parsed->ok);
  EXPECT_EQ(parsed->reason, "the protobuf is malformed or truncated");
  // The same with raw_data running past its tensor.
  std::string tensorBytes = lenField(kTensorName, "w") +
                            tag(kTensorRawData, Len) + varint(6) + "abcd";
  EXPECT_FALSE(
      parse(model(lenField(kGraphInitializer, tensorBytes) + "xx"))->ok);
}

TEST(OnnxWire, OrdinaryFieldsMalformedInsideAreRejectedByProtobuf) {
  // opset_import holding a varint with a missing value: the walker sees a
  // well-formed length-delimited field, protobuf the broken message inside.
  EXPECT_FALSE(parse(lenField(kModelOpset, tag(2, Varint)))->ok);
  // The same in the graph: a node with a truncated op_type inside.
  EXPECT_FALSE(
      parse(model(lenField(kGraphNode, tag(kNodeOpType, Len) + varint(9))))
          ->ok);
}

TEST(OnnxWire, DeepNestingIsRejected) {
  // node -> attribute -> graph -> node ... 200 levels deep: past protobuf's
  // recursion limit, so it fails instead of exhausting the stack.
  std::string graph = node("Identity");
  for (int i = 0; i < 200; ++i) {
    std::string attr =
        lenField(kAttrName, "body") + lenField(kAttrGraph, graph);
    graph = lenField(kGraphNode, node("If") + lenField(kNodeAttribute, attr));
  }
  EXPECT_FALSE(parse(model(graph))->ok);
}

//===--- Initializer raw_data -----------------------------------------===//

TEST(OnnxWire, RawDataStaysInTheBuffer) {
  std::string graph = lenField(kGraphNode, node("Add")) +
                      lenField(kGraphInitializer, tensor("w0", "abcd")) +
                      lenField(kGraphName, "g") +
                      lenField(kGraphInitializer, tensor("w1", "efghij")) +
                      lenField(kGraphNode, node("Mul"));
  std::string bytes = model(graph);
  auto parsed = parse(bytes);
  ASSERT_TRUE(parsed->ok) << parsed->reason;
  const ::onnx::ModelProto &m = parsed->out.model;
  EXPECT_EQ(m.ir_version(), 8);
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).version(), 17);

  // Runs of ordinary graph fields on either side of the initializers all
  // arrive, in order.
  const ::onnx::GraphProto &g = m.graph();
  EXPECT_EQ(g.name(), "g");
  ASSERT_EQ(g.node_size(), 2);
  EXPECT_EQ(g.node(0).op_type(), "Add");
  EXPECT_EQ(g.node(1).op_type(), "Mul");

  ASSERT_EQ(g.initializer_size(), 2);
  ASSERT_EQ(parsed->out.initializerData.size(), 2u);
  const char *expected[] = {"abcd", "efghij"};
  for (int i = 0; i < 2; ++i) {
    const ::onnx::TensorProto &t = g.initializer(i);
    EXPECT_EQ(t.name(), "w" + std::to_string(i));
    EXPECT_EQ(t.data_type(), 2);
    ASSERT_EQ(t.dims_size(), 1);
    EXPECT_FALSE(t.has_raw_data()) << "raw_data was copied into the proto";
    auto it = parsed->out.initializerData.find(&t);
    ASSERT_NE(it, parsed->out.initializerData.end());
    ArrayRef<char> data = it->second;
    // A span of the input at the payload's offset, not a copy.
    EXPECT_EQ(data.data(), bytes.data() + bytes.find(expected[i]));
    EXPECT_EQ(std::string(data.begin(), data.end()), expected[i]);
  }
}

TEST(OnnxWire, LastRawDataWins) {
  std::string t = lenField(kTensorName, "w") + lenField(kTensorRawData, "old") +
                  varintField(kTensorDataType, 2) +
                  lenField(kTensorRawData, "new!");
  std::string bytes = model(lenField(kGraphInitializer, t));
  auto parsed = parse(bytes);
  ASSERT_TRUE(parsed->ok);
  const ::onnx::TensorProto &tensorProto =
      parsed->out.model.graph().initializer(0);
  EXPECT_EQ(tensorProto.data_type(), 2);
  ArrayRef<char> data = parsed->out.initializerData.lookup(&tensorProto);
  EXPECT_EQ(std::string(data.begin(), data.end()), "new!");
}

TEST(OnnxWire, RepeatedGraphFieldsMerge) {
  // As protobuf merges a singular message field that appears twice.
  std::string bytes =
      lenField(kModelGraph, lenField(kGraphInitializer, tensor("a", "1"))) +
      lenField(kModelGraph, lenField(kGraphName, "g") +
                                lenField(kGraphInitializer, tensor("b", "22")));
  auto parsed = parse(bytes);
  ASSERT_TRUE(parsed->ok);
  const ::onnx::GraphProto &g = parsed->out.model.graph();
  EXPECT_EQ(g.name(), "g");
  ASSERT_EQ(g.initializer_size(), 2);
  EXPECT_EQ(parsed->out.initializerData.lookup(&g.initializer(1)).size(), 2u);
}

TEST(OnnxWire, RawDataOutsideInitializersIsLeftToProtobuf) {
  // A tensor attribute of a node is an ordinary field: protobuf copies it.
  std::string attr = lenField(kAttrName, "value") + varintField(20, 4) +
                     lenField(5, tensor("c", "xyz"));
  std::string bytes = model(
      lenField(kGraphNode, node("Constant") + lenField(kNodeAttribute, attr)));
  auto parsed = parse(bytes);
  ASSERT_TRUE(parsed->ok);
  EXPECT_TRUE(parsed->out.initializerData.empty());
  const ::onnx::AttributeProto &a =
      parsed->out.model.graph().node(0).attribute(0);
  EXPECT_EQ(a.t().raw_data(), "xyz");
}

TEST(OnnxWire, MatchesProtobufOnASerializedModel) {
  ::onnx::ModelProto source;
  source.set_ir_version(9);
  source.set_producer_name("test");
  source.add_opset_import()->set_version(21);
  ::onnx::GraphProto *g = source.mutable_graph();
  g->set_name("main");
  ::onnx::NodeProto *n = g->add_node();
  n->set_op_type("MatMul");
  n->add_input("x");
  n->add_input("w");
  n->add_output("y");
  std::string weights(1000, '\0');
  for (size_t i = 0; i < weights.size(); ++i)
    weights[i] = char(i * 7);
  ::onnx::TensorProto *w = g->add_initializer();
  w->set_name("w");
  w->set_data_type(::onnx::TensorProto::FLOAT);
  w->add_dims(250);
  w->set_raw_data(weights);
  std::string bytes = source.SerializeAsString();

  auto parsed = parse(bytes);
  ASSERT_TRUE(parsed->ok);
  ASSERT_EQ(parsed->out.model.graph().initializer_size(), 1);
  const ::onnx::TensorProto &t = parsed->out.model.graph().initializer(0);
  ArrayRef<char> data = parsed->out.initializerData.lookup(&t);
  EXPECT_EQ(std::string(data.begin(), data.end()), weights);
  EXPECT_GE(data.data(), bytes.data());
  EXPECT_LE(data.end(), bytes.data() + bytes.size());

  // Everything else is what protobuf itself reads.
  source.mutable_graph()->mutable_initializer(0)->clear_raw_data();
  EXPECT_EQ(parsed->out.model.SerializeAsString(), source.SerializeAsString());
}

//===--- Unknown fields -----------------------------------------------===//

TEST(OnnxWire, ForEachUnknownFieldVisitsMatchingLengthDelimitedFields) {
  std::string fields = lenField(8, "first") + varintField(8, 5) +
                       lenField(9, "other") + lenField(8, "") +
                       tag(8, Fixed32) + "abcd" + lenField(8, "last");
  bool ok;
  EXPECT_EQ(unknownPayloads(fields, 8, ok),
            (std::vector<std::string>{"first", "", "last"}));
  EXPECT_TRUE(ok);
  EXPECT_TRUE(unknownPayloads(fields, 10, ok).empty());
  EXPECT_TRUE(ok);
  EXPECT_TRUE(unknownPayloads("", 8, ok).empty());
  EXPECT_TRUE(ok);
}

TEST(OnnxWire, ForEachUnknownFieldStopsWhenTheCallbackFails) {
  std::string fields = lenField(8, "a") + lenField(8, "b") + lenField(8, "c");
  int calls = 0;
  LogicalResult result =
      forEachUnknownField(fields, 8, [&](ArrayRef<char> payload) {
        ++calls;
        return failure(payload.front() == 'b');
      });
  EXPECT_TRUE(failed(result));
  EXPECT_EQ(calls, 2);
}

TEST(OnnxWire, ForEachUnknownFieldRejectsMalformedBytes) {
  bool ok;
  // A match first, then a length past the end: the first is seen, the
  // walk fails.
  EXPECT_EQ(
      unknownPayloads(lenField(8, "a") + tag(8, Len) + varint(5) + "ab", 8, ok),
      std::vector<std::string>{"a"});
  EXPECT_FALSE(ok);
  unknownPayloads(tag(9, Varint), 8, ok);
  EXPECT_FALSE(ok);
}

TEST(OnnxWire, UnknownFieldsReachForEachUnknownField) {
  // A field our schema lacks (NodeProto.overload = 8, IR 10) lands in the
  // node's unknown fields, where the importer reads it back.
  std::string n = node("F") + lenField(8, "v2") + lenField(99, "later");
  auto parsed = parse(model(lenField(kGraphNode, n)));
  ASSERT_TRUE(parsed->ok);
  const std::string &unknown =
      parsed->out.model.graph().node(0).unknown_fields();
  bool ok;
  EXPECT_EQ(unknownPayloads(unknown, 8, ok), std::vector<std::string>{"v2"});
  EXPECT_TRUE(ok);
  EXPECT_EQ(unknownPayloads(unknown, 99, ok),
            std::vector<std::string>{"later"});
}

} // namespace
