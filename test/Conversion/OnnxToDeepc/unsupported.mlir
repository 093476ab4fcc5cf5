// RUN: not deepc-opt %s -deepc-legalize-onnx 2>&1 | FileCheck %s

// Tests that every unsupported (domain, op_type, opset) is reported in one
// error before anything is rewritten, one note each with the node names,
// and that the run fails. Supported nodes (the Relu) are not listed, Slice
// before opset 10 (attributes instead of inputs) has no handler, and
// a node from an opset newer than the newest known one is flagged as such
// when ONNX changed its operator since (Range gained stash_type at opset 27); an unchanged
// operator (Relu) from the same opset is legalized.

// CHECK: error: the model uses 4 ONNX operators that deepc cannot legalize
// CHECK-NEXT: note: loc("nz1"): ai.onnx Unique (opset 11): nodes 'nz1', 'nz2'
// CHECK-NEXT: note: loc("moe"): com.microsoft QAttention (opset 1): node 'moe'
// CHECK-NEXT: note: loc("slice9"): ai.onnx Slice (opset 9): node 'slice9'
// CHECK: note: ai.onnx Range (opset 27) [newer than opset 23, the newest deepc knows]: 1 unnamed node
// CHECK-NOT: note:
// CHECK-NOT: Relu
func.func @main(%x: tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %a = onnx.node "Unique" version 11 (%x) : (tensor<4x8xf32>) -> !onnx.unknown loc("nz1")
  %b = onnx.node "Unique" version 11 (%x) : (tensor<4x8xf32>) -> !onnx.unknown loc("nz2")
  %c = onnx.node "QAttention" domain "com.microsoft" version 1 (%x) : (tensor<4x8xf32>) -> !onnx.unknown loc("moe")
  %d = onnx.node "Slice" version 9 (%x) {starts = [0], ends = [1]} : (tensor<4x8xf32>) -> !onnx.unknown loc("slice9")
  %e = onnx.node "Range" version 27 (%x, %x, %x) : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> !onnx.unknown
  %f = onnx.node "Relu" version 28 (%x) : (tensor<4x8xf32>) -> !onnx.unknown loc("ok")
  return %a, %b, %c, %d, %e, %f : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}
