// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Einsum equations deepc does not decompose are refused, naming the
// equation.

// Tests that ellipses are refused.
func.func @ellipsis(%a: tensor<2x4x8xf32>, %b: tensor<2x8x5xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Einsum node (opset 12): equation '...ij,...jk->...ik' is not supported: deepc does not decompose ellipses}}
  %0 = onnx.node "Einsum" version 12 (%a, %b) {equation = "...ij,...jk->...ik"} : (tensor<2x4x8xf32>, tensor<2x8x5xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a diagonal is refused.
func.func @diagonal(%a: tensor<3x3xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Einsum node (opset 12): equation 'ii->i' is not supported: deepc takes no diagonals (a letter repeated in one operand), except the trace 'ii->'}}
  %0 = onnx.node "Einsum" version 12 (%a) {equation = "ii->i"} : (tensor<3x3xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that three operands are refused.
func.func @three(%a: tensor<3xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Einsum node (opset 12): equation 'i,i,i->' is not supported: deepc decomposes one- and two-operand equations}}
  %0 = onnx.node "Einsum" version 12 (%a, %a, %a) {equation = "i,i,i->"} : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a rank that disagrees with the equation is reported.
func.func @rank(%a: tensor<3x4xf32>, %b: tensor<4xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Einsum node (opset 12): equation 'ijk,k->ij' names 3 dims of input 0 but it has rank 2}}
  %0 = onnx.node "Einsum" version 12 (%a, %b) {equation = "ijk,k->ij"} : (tensor<3x4xf32>, tensor<4xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
