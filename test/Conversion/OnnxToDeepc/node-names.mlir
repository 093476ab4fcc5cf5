// RUN: not deepc-opt %s -deepc-legalize-onnx 2>&1 | FileCheck %s

// Tests that an error names the node as the importer records it (its
// location is the ONNX node name) with its opset; "ai.onnx" is the default
// domain and is not repeated.

// CHECK: error: loc("/attn/Reshape_1"): cannot legalize ONNX Reshape node '/attn/Reshape_1' (opset 14): input 1 (shape) must be known at compile time
// CHECK: error: loc("custom_relu"): cannot legalize ONNX Relu node 'custom_relu' (opset 14): output 0 is declared 'tensor<3xsi64>' but computes 'tensor<2xi64>'
func.func @main(%x: tensor<?x64xf32>, %s: tensor<2xsi64>) -> (!onnx.unknown, tensor<3xsi64>) {
  %0 = onnx.node "Reshape" version 14 (%x, %s) : (tensor<?x64xf32>, tensor<2xsi64>) -> !onnx.unknown loc("/attn/Reshape_1")
  %1 = onnx.node "Relu" domain "ai.onnx" version 14 (%s) : (tensor<2xsi64>) -> tensor<3xsi64> loc("custom_relu")
  return %0, %1 : !onnx.unknown, tensor<3xsi64>
}
