// RUN: not deepc-opt %s -split-input-file 2>&1 | FileCheck %s

// Tests that deepc-opt, outside -verify-diagnostics, reports malformed onnx
// input as an error at its location and exits non-zero (`not` fails the RUN
// line on a zero exit). With -split-input-file a location reads
// "within split at <file>:<S> offset :<L>:<column>", where S is the line of
// the split's separator (1 for the first split) and the file line is
// S + L - 1; each CHECK-SAME below computes L from its own line number.

// Tests that an unknown onnx op is reported: ONNX operators are all
// onnx.node, never onnx.<OpType>.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:8: error: custom op 'onnx.Relu' is unknown
func.func @op_type_as_op_name(%x: tensor<4xf32>) {
  %0 = onnx.Relu %x : tensor<4xf32>
  return
}

// -----

// Tests that an op of a dialect deepc-opt does not load is reported.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+3-S+1]]:8: error: Dialect `torch' not found for custom op 'torch.aten.relu'
// CHECK: note: Registered dialects: {{.*}}deepc{{.*}}onnx
func.func @unknown_dialect(%x: tensor<4xf32>) {
  %0 = torch.aten.relu %x : tensor<4xf32>
  return
}

// -----

// Tests that a node missing its version is reported at the missing keyword.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:25: error: custom op 'onnx.node' expected 'version'
func.func @missing_version(%x: tensor<4xf32>) {
  %0 = onnx.node "Relu" (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that a malformed result type in the signature is reported.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:{{[0-9]+}}: error: expected '>' in tensor type
func.func @malformed_result_type(%x: tensor<4xf32>) {
  %0 = onnx.node "Relu" version 14 (%x) : (tensor<4xf32>) -> tensor<4xf32
  return
}

// -----

// Tests that a verifier error also fails the run, not only a parse error.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:8: error: 'onnx.node' op opset version 0 is out of range; expected 1 to 1048576
func.func @version_zero(%x: tensor<4xf32>) {
  %0 = onnx.node "Relu" version 0 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}
