// RUN: deepc-opt %s -split-input-file -verify-diagnostics

// Diagnostics of onnx.node: the messages of NodeOp::verify, the attribute
// constraints of OnnxOps.td, and parse errors of its custom syntax.

// Tests that an empty op_type is rejected: every ONNX node names its
// operator.
func.func @empty_op_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op has an empty op_type; every ONNX node names its operator}}
  %0 = onnx.node "" version 14 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that opset version 0 is rejected (opsets start at 1; 0 means the
// importer lost the version).
func.func @version_zero(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op opset version 0 is out of range; expected 1 to 1048576}}
  %0 = onnx.node "Relu" version 0 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that a negative opset version is rejected and printed signed (the
// attribute reads back unsigned).
func.func @version_negative(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op opset version -1 is out of range; expected 1 to 1048576}}
  %0 = onnx.node "Relu" version -1 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that an implausibly large opset version is rejected.
func.func @version_too_large(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op opset version 1048577 is out of range; expected 1 to 1048576}}
  %0 = onnx.node "Relu" version 1048577 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that a version beyond int64 is rejected while parsing.
func.func @version_overflow(%x: tensor<4xf32>) {
  // expected-error @+1 {{integer constant out of range for attribute}}
  %0 = onnx.node "Relu" version 99999999999999999999 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the version is required in the custom syntax.
func.func @missing_version(%x: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'onnx.node' expected 'version'}}
  %0 = onnx.node "Relu" (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the version is required in the generic syntax too.
func.func @missing_version_generic(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op requires attribute 'version'}}
  %0 = "onnx.node"(%x) <{op_type = "Relu"}> : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the op_type is required in the generic syntax.
func.func @missing_op_type_generic(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op requires attribute 'op_type'}}
  %0 = "onnx.node"(%x) <{version = 14 : i64}> : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that a quoted version is rejected: it is an integer.
func.func @version_string(%x: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'onnx.node' invalid kind of attribute specified}}
  %0 = onnx.node "Relu" version "14" (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that an i32 version is rejected (generic syntax): it is an i64.
func.func @version_i32(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op attribute 'version' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = "onnx.node"(%x) <{op_type = "Relu", version = 14 : i32}> : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that an unquoted op_type is rejected.
func.func @op_type_unquoted(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected attribute value}}
  %0 = onnx.node Relu version 14 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that an unquoted domain is rejected.
func.func @domain_unquoted(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected attribute value}}
  %0 = onnx.node "MoE" domain com.microsoft version 1 (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the inputs must be parenthesized.
func.func @inputs_without_parens(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected '('}}
  %0 = onnx.node "Relu" version 14 %x : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the input types must match the inputs in number.
func.func @input_type_count(%x: tensor<4xf32>) {
  // expected-error @+1 {{custom op 'onnx.node' 1 operands present, but expected 2}}
  %0 = onnx.node "Add" version 14 (%x) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the attrs must be a dictionary (an array in its place).
func.func @attrs_not_dictionary(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.node' op attribute 'attrs' failed to satisfy constraint: dictionary of named attribute values}}
  %0 = onnx.node "Relu" version 14 (%x) [1] : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that the type signature is required.
func.func @missing_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{expected ':'}}
  %0 = onnx.node "Relu" version 14 (%x)
  return
}

// -----

// Tests that an initializer's type is its value's type.
func.func @constant_type_mismatch() {
  // expected-error @+1 {{'onnx.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "onnx.constant"() {value = dense<[1, 2]> : tensor<2xsi64>} : () -> tensor<2xi64>
  return
}

// -----

// Tests that an initializer is a tensor.
func.func @constant_not_elements() {
  // expected-error @+1 {{'onnx.constant' op attribute 'value' failed to satisfy constraint: constant vector/tensor attribute}}
  %0 = "onnx.constant"() {value = 1 : i64} : () -> tensor<i64>
  return
}

// -----

// Tests that the absent value has type none.
func.func @none_wrong_type() {
  // expected-error @+1 {{'onnx.none' op result #0 must be none type, but got 'tensor<f32>'}}
  %0 = "onnx.none"() : () -> tensor<f32>
  return
}

// -----

// Tests that the dialect has no type but `!onnx.unknown`.
// expected-error @+1 {{unknown  type `tensor` in dialect `onnx`}}
func.func @bad_type(%x: !onnx.tensor) {
  return
}
