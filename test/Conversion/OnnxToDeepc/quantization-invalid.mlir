// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Quantization nodes deepc refuses, each with the reason.

// Tests that a uint8 QuantizeLinear output read by anything but
// DequantizeLinear is refused: deepc holds it offset by -128.
func.func @uint8_to_cast(%x: tensor<4xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.1> : tensor<f32>
  // expected-error @+1 {{cannot legalize ONNX QuantizeLinear node (opset 13): its unsigned output is used by ONNX Cast node (opset 13); deepc supports unsigned quantized values only as the input of DequantizeLinear}}
  %q = onnx.node "QuantizeLinear" version 13 (%x, %s) : (tensor<4xf32>, tensor<f32>) -> !onnx.unknown
  %c = onnx.node "Cast" version 13 (%q) {to = 1 : i64} : (!onnx.unknown) -> !onnx.unknown
  return %c : !onnx.unknown
}

// -----

// Tests that a uint8 initializer read by an ordinary op is refused.
func.func @uint8_to_add(%x: tensor<3xsi8>) -> !onnx.unknown {
  %w = onnx.constant dense<[1, 2, 3]> : tensor<3xui8>
  // expected-error @+1 {{cannot legalize ONNX Add node (opset 14): input 1 (B) is an ONNX unsigned integer tensor, which deepc reads only as the quantized values or zero points of QuantizeLinear, DequantizeLinear and MatMulNBits}}
  %0 = onnx.node "Add" version 14 (%x, %w) : (tensor<3xsi8>, tensor<3xui8>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a float8 zero point other than 0 is refused.
func.func @float8_zero_point(%x: tensor<4xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.5> : tensor<f32>
  %z = onnx.constant dense<1.0> : tensor<f8E4M3FN>
  // expected-error @+1 {{cannot legalize ONNX QuantizeLinear node (opset 19): a float8 zero point must be a constant 0; deepc quantizes float8 without one}}
  %q = onnx.node "QuantizeLinear" version 19 (%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<f8E4M3FN>) -> !onnx.unknown
  return %q : !onnx.unknown
}

// -----

// Tests that float8 without saturation is refused.
func.func @float8_no_saturate(%x: tensor<4xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.5> : tensor<f32>
  // expected-error @+1 {{cannot legalize ONNX QuantizeLinear node (opset 21): saturate = 0 is not supported: deepc.quantize saturates float8}}
  %q = onnx.node "QuantizeLinear" version 21 (%x, %s) {output_dtype = 17 : i64, saturate = 0 : i64} : (tensor<4xf32>, tensor<f32>) -> !onnx.unknown
  return %q : !onnx.unknown
}

// -----

// Tests that a blocked scale of the wrong shape gets deepc's message.
func.func @blocked_scale_shape(%w: tensor<8x64xsi8>, %s: tensor<8x3xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX DequantizeLinear node (opset 21): 'deepc.dequantize' op blocked scale must have shape 8x2 (input 8x64 in blocks of 32 along axis 1), got 8x3}}
  %d = onnx.node "DequantizeLinear" version 21 (%w, %s) {axis = 1 : i64, block_size = 32 : i64} : (tensor<8x64xsi8>, tensor<8x3xf32>) -> !onnx.unknown
  return %d : !onnx.unknown
}

// -----

// Tests that MatMulNBits weights computed at run time are refused (deepc
// repacks them at compile time), at the uint8 QuantizeLinear that makes
// them.
func.func @nbits_runtime_weight(%a: tensor<2x16xf32>, %b: tensor<2x1x8xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<1.0> : tensor<2x1xf32>
  %s0 = onnx.constant dense<1.0> : tensor<f32>
  // expected-error @+1 {{cannot legalize ONNX QuantizeLinear node (opset 13): its unsigned output is used by ONNX com.microsoft.MatMulNBits node (opset 1); deepc supports unsigned quantized values only as the input of DequantizeLinear}}
  %q = onnx.node "QuantizeLinear" version 13 (%b, %s0) : (tensor<2x1x8xf32>, tensor<f32>) -> !onnx.unknown
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %q, %s) {K = 16 : i64, N = 2 : i64, block_size = 16 : i64} : (tensor<2x16xf32>, !onnx.unknown, tensor<2x1xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that MatMulNBits with 2-bit weights is refused.
func.func @nbits_two_bits(%a: tensor<2x16xf32>) -> !onnx.unknown {
  %b = onnx.constant dense<0> : tensor<2x1x4xui8>
  %s = onnx.constant dense<1.0> : tensor<2x1xf32>
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MatMulNBits node (opset 1): bits = 2 is not supported; deepc has 4- and 8-bit weights}}
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s) {K = 16 : i64, N = 2 : i64, bits = 2 : i64, block_size = 16 : i64} : (tensor<2x16xf32>, tensor<2x1x4xui8>, tensor<2x1xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that float zero points are refused: deepc's are integers.
func.func @nbits_float_zero_points(%a: tensor<2x16xf32>) -> !onnx.unknown {
  %b = onnx.constant dense<0> : tensor<2x1x8xui8>
  %s = onnx.constant dense<1.0> : tensor<2x1xf32>
  %z = onnx.constant dense<7.5> : tensor<2x1xf32>
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MatMulNBits node (opset 1): input 3 (zero_points) must be packed uint8; float zero points are not supported, since deepc's are integers}}
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s, %z) {K = 16 : i64, N = 2 : i64, block_size = 16 : i64} : (tensor<2x16xf32>, tensor<2x1x8xui8>, tensor<2x1xf32>, tensor<2x1xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that a B of the wrong packed shape names the expected one.
func.func @nbits_b_shape(%a: tensor<2x32xf32>) -> !onnx.unknown {
  %b = onnx.constant dense<0> : tensor<2x1x8xui8>
  %s = onnx.constant dense<1.0> : tensor<2x2xf32>
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MatMulNBits node (opset 1): input 1 (B) must be uint8 of shape [N, ceil(K / block_size), block_size * bits / 8] = 2x2x8, got 'tensor<2x1x8xi8>'}}
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s) {K = 32 : i64, N = 2 : i64, block_size = 16 : i64} : (tensor<2x32xf32>, tensor<2x1x8xui8>, tensor<2x2xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}
