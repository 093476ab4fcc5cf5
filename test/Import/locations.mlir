// RUN: deepc %S/Inputs/unsorted.onnx --emit=onnx --mlir-print-debuginfo | FileCheck %s

// Tests that ONNX names become locations: graph inputs after their value,
// nodes after their node, each inside the model file; and that nodes given
// out of topological order are sorted (ONNX requires sorted graphs, but
// deepc does not rely on it).

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<2xf32> {onnx.name = "x"} loc("x"("{{.*}}unsorted.onnx":0:0))
// CHECK: %[[A:.*]] = onnx.node "Abs" version 17 (%arg0) : (tensor<2xf32>) -> !onnx.unknown loc("first"("{{.*}}unsorted.onnx":0:0))
// CHECK: %[[B:.*]] = onnx.node "Neg" version 17 (%[[A]]) : (!onnx.unknown) -> !onnx.unknown loc("second"(
// CHECK: %[[C:.*]] = onnx.node "Relu" version 17 (%[[B]]) : (!onnx.unknown) -> tensor<2xf32> loc("third"(
// CHECK: return %[[C]] : tensor<2xf32>
