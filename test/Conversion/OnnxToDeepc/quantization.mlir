// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests an int8 QDQ pair per tensor: the zero point passes through.
// CHECK-LABEL: func.func @qdq_int8
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
// CHECK-DAG: %[[S:.*]] = deepc.constant dense<5.000000e-02> : tensor<f32>
// CHECK-DAG: %[[Z:.*]] = deepc.constant dense<3> : tensor<i8>
// CHECK: %[[Q:.*]] = deepc.quantize %[[X]], %[[S]], %[[Z]] {axis = 1 : i64} : (tensor<?x64xf32>, tensor<f32>, tensor<i8>) -> tensor<?x64xi8>
// CHECK: %[[D:.*]] = deepc.dequantize %[[Q]], %[[S]], %[[Z]] {axis = 1 : i64} : (tensor<?x64xi8>, tensor<f32>, tensor<i8>) -> tensor<?x64xf32>
// CHECK: return %[[D]]
// CHECK-NOT: onnx.
func.func @qdq_int8(%x: tensor<?x64xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.05> : tensor<f32>
  %z = onnx.constant dense<3> : tensor<si8>
  %q = onnx.node "QuantizeLinear" version 13 (%x, %s, %z) : (tensor<?x64xf32>, tensor<f32>, tensor<si8>) -> !onnx.unknown
  %d = onnx.node "DequantizeLinear" version 13 (%q, %s, %z) : (!onnx.unknown, tensor<f32>, tensor<si8>) -> !onnx.unknown
  return %d : !onnx.unknown
}

// -----

// Tests that uint8 values and zero points become i8 offset by -128: the
// zero point 128 becomes 0, a constant weight 0, 200, 255 becomes -128, 72,
// 127, and so (q - z) is unchanged.
// CHECK-LABEL: func.func @qdq_uint8
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[Z:.*]] = deepc.constant dense<0> : tensor<i8>
// CHECK-DAG: %[[W:.*]] = deepc.constant dense<[-128, 72, 127]> : tensor<3xi8>
// CHECK: %[[Q:.*]] = deepc.quantize %[[X]], %{{.*}}, %[[Z]] {axis = 1 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
// CHECK: deepc.dequantize %[[Q]], %{{.*}}, %[[Z]] {axis = 1 : i64} : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
// CHECK: deepc.dequantize %[[W]], %{{.*}}, %[[Z]] {axis = 1 : i64} : (tensor<3xi8>, tensor<f32>, tensor<i8>) -> tensor<3xf32>
// CHECK-NOT: onnx.
func.func @qdq_uint8(%x: tensor<4xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %s = onnx.constant dense<0.1> : tensor<f32>
  %z = onnx.constant dense<128> : tensor<ui8>
  %w = onnx.constant dense<[0, 200, 255]> : tensor<3xui8>
  %q = onnx.node "QuantizeLinear" version 19 (%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<ui8>) -> !onnx.unknown
  %d = onnx.node "DequantizeLinear" version 19 (%q, %s, %z) : (!onnx.unknown, tensor<f32>, tensor<ui8>) -> !onnx.unknown
  %dw = onnx.node "DequantizeLinear" version 19 (%w, %s, %z) : (tensor<3xui8>, tensor<f32>, tensor<ui8>) -> !onnx.unknown
  return %d, %dw : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that QuantizeLinear without a zero point quantizes to uint8 with
// zero point 0, which is -128 offset, and DequantizeLinear follows.
// CHECK-LABEL: func.func @q_default_uint8
// CHECK: %[[Z:.*]] = deepc.constant dense<-128> : tensor<i8>
// CHECK: %[[Q:.*]] = deepc.quantize %{{.*}}, %{{.*}}, %[[Z]] {axis = 1 : i64} : (tensor<4xf32>, tensor<f32>, tensor<i8>) -> tensor<4xi8>
// CHECK: %[[Z2:.*]] = deepc.constant dense<-128> : tensor<i8>
// CHECK: deepc.dequantize %[[Q]], %{{.*}}, %[[Z2]]
func.func @q_default_uint8(%x: tensor<4xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.1> : tensor<f32>
  %q = onnx.node "QuantizeLinear" version 13 (%x, %s) : (tensor<4xf32>, tensor<f32>) -> !onnx.unknown
  %d = onnx.node "DequantizeLinear" version 13 (%q, %s) : (!onnx.unknown, tensor<f32>) -> !onnx.unknown
  return %d : !onnx.unknown
}

// -----

// Tests per-axis and blocked (opset 21) int4 quantization, and uint4
// zero points offset by -8 (9 -> 1).
// CHECK-LABEL: func.func @per_axis_and_blocked
// CHECK: deepc.quantize %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<8x64xf32>, tensor<8xf32>) -> tensor<8x64xi8>
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 32 : i64} : (tensor<8x64xi4>, tensor<8x2xf16>, tensor<8x2xi4>) -> tensor<8x64xf16>
// CHECK: deepc.constant dense<1> : tensor<8x2xi4>
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 32 : i64} : (tensor<8x64xi4>, tensor<8x2xf16>, tensor<8x2xi4>) -> tensor<8x64xf16>
func.func @per_axis_and_blocked(%x: tensor<8x64xf32>, %w: tensor<8x64xsi4>, %s4: tensor<8x2xf16>, %z4: tensor<8x2xsi4>, %u: tensor<8x64xsi4>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %s = onnx.constant dense<0.1> : tensor<8xf32>
  %q = onnx.node "QuantizeLinear" version 21 (%x, %s) {axis = 0 : i64, output_dtype = 3 : i64} : (tensor<8x64xf32>, tensor<8xf32>) -> !onnx.unknown
  %d = onnx.node "DequantizeLinear" version 21 (%w, %s4, %z4) {axis = 1 : i64, block_size = 32 : i64} : (tensor<8x64xsi4>, tensor<8x2xf16>, tensor<8x2xsi4>) -> !onnx.unknown
  %wu = onnx.constant dense<3> : tensor<8x64xui4>
  %zu = onnx.constant dense<9> : tensor<8x2xui4>
  %du = onnx.node "DequantizeLinear" version 21 (%wu, %s4, %zu) {axis = 1 : i64, block_size = 32 : i64} : (tensor<8x64xui4>, tensor<8x2xf16>, tensor<8x2xui4>) -> !onnx.unknown
  return %q, %d, %du : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests float8 e4m3fn: a zero zero point is dropped.
// CHECK-LABEL: func.func @float8
// CHECK: %[[Q:.*]] = deepc.quantize %{{.*}}, %{{.*}} {axis = 1 : i64} : (tensor<4xf32>, tensor<f32>) -> tensor<4xf8E4M3FN>
// CHECK: deepc.dequantize %[[Q]], %{{.*}} {axis = 1 : i64} : (tensor<4xf8E4M3FN>, tensor<f32>) -> tensor<4xf32>
func.func @float8(%x: tensor<4xf32>) -> !onnx.unknown {
  %s = onnx.constant dense<0.5> : tensor<f32>
  %z = onnx.constant dense<0.0> : tensor<f8E4M3FN>
  %q = onnx.node "QuantizeLinear" version 19 (%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<f8E4M3FN>) -> !onnx.unknown
  %d = onnx.node "DequantizeLinear" version 19 (%q, %s, %z) : (!onnx.unknown, tensor<f32>, tensor<f8E4M3FN>) -> !onnx.unknown
  return %d : !onnx.unknown
}

// -----

// Tests MatMulNBits: 4-bit weights, N = 2, K = 16, block 16, no zero
// points (default 8). Bytes 0x98 hold 8 (low) then 9 (high): signed 0 and
// 1. The weight is [N, K] i4 with block [1, 16], and the bias is added.
// CHECK-LABEL: func.func @matmul_nbits
// CHECK-SAME: (%[[A:.*]]: tensor<?x16xf32>)
// CHECK: %[[W:.*]] = deepc.constant dense<{{\[}}[0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], [-8, 7, -8, 7, -8, 7, -8, 7, -8, 7, -8, 7, -8, 7, -8, 7]]> : tensor<2x16xi4>
// CHECK: %[[M:.*]] = deepc.qmatmul %[[A]], %[[W]], %{{.*}} block = [1, 16] : tensor<?x16xf32>, tensor<2x16xi4>, tensor<2x1xf32>
// CHECK: deepc.add %[[M]], %{{.*}} : tensor<?x2xf32>, tensor<2xf32>
// CHECK-NOT: onnx.
func.func @matmul_nbits(%a: tensor<?x16xf32>) -> !onnx.unknown {
  %none = onnx.none
  %b = onnx.constant dense<[[[152, 152, 152, 152, 152, 152, 152, 152]], [[240, 240, 240, 240, 240, 240, 240, 240]]]> : tensor<2x1x8xui8>
  %s = onnx.constant dense<[[0.5], [0.25]]> : tensor<2x1xf32>
  %bias = onnx.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s, %none, %none, %bias) {K = 16 : i64, N = 2 : i64, bits = 4 : i64, block_size = 16 : i64} : (tensor<?x16xf32>, tensor<2x1x8xui8>, tensor<2x1xf32>, none, none, tensor<2xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests MatMulNBits with packed uint4 zero points (two blocks per byte,
// low nibble first): 0x3A is 10 for block 0 and 3 for block 1, signed 2 and
// -5; with flat scales [N * k_blocks].
// CHECK-LABEL: func.func @matmul_nbits_zero_points
// CHECK: %[[Z:.*]] = deepc.constant dense<{{\[}}[2, -5]]> : tensor<1x2xi4>
// CHECK: deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}}, %[[Z]] block = [1, 16] : tensor<3x32xf16>, tensor<1x32xi4>, tensor<1x2xf16>, tensor<1x2xi4>
func.func @matmul_nbits_zero_points(%a: tensor<3x32xf16>) -> !onnx.unknown {
  %b = onnx.constant dense<0> : tensor<1x2x8xui8>
  %s = onnx.constant dense<[0.5, 0.25]> : tensor<2xf16>
  %z = onnx.constant dense<[[58]]> : tensor<1x1xui8>
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s, %z) {K = 32 : i64, N = 1 : i64, block_size = 16 : i64} : (tensor<3x32xf16>, tensor<1x2x8xui8>, tensor<2xf16>, tensor<1x1xui8>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that large repacked weights become a resource blob, not inline
// text.
// CHECK-LABEL: func.func @matmul_nbits_large
// CHECK: deepc.constant dense_resource<big_weight> : tensor<64x64xi4>
// CHECK: deepc.qmatmul
func.func @matmul_nbits_large(%a: tensor<1x64xf32>) -> !onnx.unknown {
  %b = onnx.constant dense<136> : tensor<64x2x16xui8>
  %s = onnx.constant dense<1.0> : tensor<64x2xf32>
  %y = onnx.node "MatMulNBits" domain "com.microsoft" version 1 (%a, %b, %s) {K = 64 : i64, N = 64 : i64, block_size = 32 : i64} : (tensor<1x64xf32>, tensor<64x2x16xui8>, tensor<64x2xf32>) -> !onnx.unknown loc("big")
  return %y : !onnx.unknown
}
