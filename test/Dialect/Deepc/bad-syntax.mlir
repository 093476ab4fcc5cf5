// RUN: not deepc-opt %s -split-input-file 2>&1 | FileCheck %s

// Tests that deepc-opt, outside -verify-diagnostics, reports malformed deepc
// input as an error at its location and exits non-zero (`not` fails the RUN
// line on a zero exit). With -split-input-file a location reads
// "within split at <file>:<S> offset :<L>:<column>", where S is the line of
// the split's separator (1 for the first split) and the file line is
// S + L - 1; each CHECK-SAME below computes L from its own line number.

// Tests that an unknown deepc op is reported at the op.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+3-S+1]]:8: error: custom op 'deepc.nope' is unknown
// CHECK-NOT: error
func.func @unknown_op(%x: tensor<4xf32>) {
  %0 = deepc.nope %x : tensor<4xf32>
  return
}

// -----

// Tests that an unknown enum case is reported at the case, with the valid
// cases listed.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+3-S+1]]:67: error: expected ::mlir::deepc::RouterFunction to be one of: softmax, sigmoid
// CHECK: bad-syntax.mlir:[[#S]] offset
// CHECK-SAME: :[[#@LINE+1-S+1]]:72: error: failed to parse Deepc_RouterFunctionAttr parameter 'value'
func.func @unknown_enum_case() attributes {router = #deepc.router<bogus>} {
  return
}

// -----

// Tests that an unknown deepc attribute mnemonic is reported at it.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+1-S+1]]:50: error: unknown attribute `nope` in dialect `deepc`
func.func @unknown_attr() attributes {a = #deepc.nope<1>} {
  return
}

// -----

// Tests that a tensor type with an unknown element type is reported at the
// element type.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+1-S+1]]:44: error: expected non-function type
func.func @bad_element_type(%x: tensor<4x?xq>) {
  return
}

// -----

// Tests that a tensor type missing its closing `>` is reported where the
// `>` should be.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+1-S+1]]:44: error: expected '>' in tensor type
func.func @unclosed_tensor(%x: tensor<4xf32) {
  return
}

// -----

// Tests that a deepc op given a non-tensor type is reported at the type.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:45: error: custom op 'deepc.all_reduce' invalid kind of type specified
func.func @scalar_type(%x: f32) {
  %0 = deepc.all_reduce %x group_size = 2 : f32
  return
}

// -----

// Tests that a verifier error also fails the run, not only a parse error.
// CHECK: bad-syntax.mlir:[[#S:]] offset
// CHECK-SAME: :[[#@LINE+2-S+1]]:8: error: 'deepc.all_reduce' op group_size (0) must be at least 1
func.func @verifier_error(%x: tensor<4xf32>) {
  %0 = deepc.all_reduce %x group_size = 0 : tensor<4xf32>
  return
}
