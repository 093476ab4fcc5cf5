//===- OnnxImporterTest.cpp - importing an ONNX model from memory ---------===//
//
// The MemoryBuffer overload of importOnnxModel (the file overload is covered
// by the lit tests in test/Import): the buffer's identifier names the model,
// and large initializers point into the buffer, which they keep alive.
//
//===----------------------------------------------------------------------===//

#include "deepc/Import/OnnxImporter.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx.pb.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace mlir::deepc;

namespace {

/// A model whose graph outputs two float initializers: `small` (2 floats,
/// a dense attribute) and `large` (512 floats, a resource blob).
std::string serializedModel() {
  ::onnx::ModelProto model;
  model.set_ir_version(8);
  model.add_opset_import()->set_version(17);
  ::onnx::GraphProto *graph = model.mutable_graph();
  graph->set_name("g");
  for (auto [name, count] : {std::pair<const char *, int>{"small", 2},
                             std::pair<const char *, int>{"large", 512}}) {
    ::onnx::TensorProto *tensor = graph->add_initializer();
    tensor->set_name(name);
    tensor->set_data_type(::onnx::TensorProto::FLOAT);
    tensor->add_dims(count);
    std::string raw(4 * count, '\0');
    for (size_t i = 0; i < raw.size(); ++i)
      raw[i] = char(i);
    tensor->set_raw_data(raw);
    ::onnx::ValueInfoProto *output = graph->add_output();
    output->set_name(name);
  }
  return model.SerializeAsString();
}

TEST(OnnxImporter, ImportsFromABufferItKeepsAlive) {
  MLIRContext context;
  std::string bytes = serializedModel();
  // An owning copy: the importer must keep it alive after the call.
  std::unique_ptr<llvm::MemoryBuffer> buffer =
      llvm::MemoryBuffer::getMemBufferCopy(bytes, "in-memory.onnx");
  const char *start = buffer->getBufferStart();
  FailureOr<OwningOpRef<ModuleOp>> module =
      importOnnxModel(std::move(buffer), context);
  ASSERT_TRUE(succeeded(module));

  auto main = (*module)->lookupSymbol<func::FuncOp>("main");
  ASSERT_TRUE(main);
  SmallVector<mlir::onnx::ConstantOp> constants(
      main.getOps<mlir::onnx::ConstantOp>());
  ASSERT_EQ(constants.size(), 2u);
  EXPECT_TRUE(isa<DenseElementsAttr>(constants[0].getValue()));

  auto large = dyn_cast<DenseResourceElementsAttr>(constants[1].getValue());
  ASSERT_TRUE(large);
  AsmResourceBlob *blob = large.getRawHandle().getBlob();
  ASSERT_TRUE(blob);
  ArrayRef<char> data = blob->getData();
  ASSERT_EQ(data.size(), 2048u);
  // Not a copy: the blob is the raw_data inside the buffer.
  size_t offset = bytes.find(std::string(data.begin(), data.end()));
  ASSERT_NE(offset, std::string::npos);
  EXPECT_EQ(data.data(), start + offset);
  EXPECT_EQ(data[5], char(5));

  // Locations name the buffer.
  auto loc = dyn_cast<FileLineColLoc>((*module)->getLoc());
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc.getFilename().strref(), "in-memory.onnx");
}

TEST(OnnxImporter, BufferErrorsNameTheBuffer) {
  MLIRContext context;
  std::string message, file;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    if (auto loc = dyn_cast<FileLineColLoc>(diag.getLocation()))
      file = loc.getFilename().str();
    return success();
  });

  EXPECT_TRUE(failed(importOnnxModel(
      llvm::MemoryBuffer::getMemBuffer("", "empty.onnx", false), context)));
  EXPECT_EQ(file, "empty.onnx");
  EXPECT_EQ(message, "the file is empty, not an ONNX model");

  std::string truncated = serializedModel();
  truncated.resize(truncated.size() - 100);
  EXPECT_TRUE(failed(importOnnxModel(
      llvm::MemoryBuffer::getMemBufferCopy(truncated, "cut.onnx"), context)));
  EXPECT_EQ(file, "cut.onnx");
  EXPECT_EQ(message, "the file is not a valid ONNX model: the protobuf is "
                     "malformed or truncated");
}

TEST(OnnxImporter, UnnamedCallsGetNumberedPrefixes) {
  // Three unnamed calls of F(x) = Identity(Identity(x)): F's internal value
  // `t` becomes F/t, F#1/t and F#2/t, named in the inner nodes' locations.
  ::onnx::ModelProto model;
  model.set_ir_version(9);
  model.add_opset_import()->set_version(17);
  ::onnx::OperatorSetIdProto *local = model.add_opset_import();
  local->set_domain("local");
  local->set_version(1);
  ::onnx::FunctionProto *f = model.add_functions();
  f->set_domain("local");
  f->set_name("F");
  f->add_input("x");
  f->add_output("y");
  f->add_opset_import()->set_version(17);
  for (auto [in, out] : {std::pair<const char *, const char *>{"x", "t"},
                         std::pair<const char *, const char *>{"t", "y"}}) {
    ::onnx::NodeProto *node = f->add_node();
    node->set_op_type("Identity");
    node->add_input(in);
    node->add_output(out);
  }
  ::onnx::GraphProto *graph = model.mutable_graph();
  graph->add_input()->set_name("v0");
  graph->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      ::onnx::TensorProto::FLOAT);
  for (int i = 0; i < 3; ++i) {
    ::onnx::NodeProto *call = graph->add_node();
    call->set_domain("local");
    call->set_op_type("F");
    call->add_input("v" + std::to_string(i));
    call->add_output("v" + std::to_string(i + 1));
  }
  graph->add_output()->set_name("v3");

  MLIRContext context;
  FailureOr<OwningOpRef<ModuleOp>> module = importOnnxModel(
      llvm::MemoryBuffer::getMemBufferCopy(model.SerializeAsString(), "f.onnx"),
      context);
  ASSERT_TRUE(succeeded(module));
  std::vector<std::string> names;
  (*module)->walk([&](mlir::onnx::NodeOp op) {
    names.push_back(cast<NameLoc>(op.getLoc()).getName().str());
  });
  EXPECT_EQ(names, (std::vector<std::string>{"F/t", "v1", "F#1/t", "v2",
                                             "F#2/t", "v3"}));
}

} // namespace
