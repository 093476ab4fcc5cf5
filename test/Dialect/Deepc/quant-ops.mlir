// RUN: deepc-opt %s | deepc-opt | FileCheck %s

// Round trip of deepc.quantize, deepc.dequantize and deepc.qmatmul. Each
// function returns its results with their types spelled out, so the
// `return` also checks the inferred type of deepc.qmatmul, whose result
// type is not printed.

// Tests that a rank-0 scale quantizes per tensor, and that the default
// axis (-1) and block_size (0) are not printed.
// CHECK-LABEL: func.func @quantize_per_tensor_scalar
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[S:.*]]: tensor<f32>)
// CHECK: %[[Q:.*]] = deepc.quantize %[[X]], %[[S]] : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi8>
// CHECK: return %[[Q]] : tensor<4x8xi8>
func.func @quantize_per_tensor_scalar(%x: tensor<4x8xf32>, %s: tensor<f32>) -> tensor<4x8xi8> {
  %0 = deepc.quantize %x, %s {axis = -1 : i64, block_size = 0 : i64}
      : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// Tests that a one-element 1-D scale with a matching zero point quantizes
// per tensor whatever the axis dimension is.
// CHECK-LABEL: func.func @quantize_per_tensor_one_element
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf16>, %[[S:.*]]: tensor<1xf16>, %[[Z:.*]]: tensor<1xi8>)
// CHECK: deepc.quantize %[[X]], %[[S]], %[[Z]] : (tensor<4x8xf16>, tensor<1xf16>, tensor<1xi8>) -> tensor<4x8xi8>
func.func @quantize_per_tensor_one_element(%x: tensor<4x8xf16>, %s: tensor<1xf16>, %z: tensor<1xi8>) -> tensor<4x8xi8> {
  %0 = deepc.quantize %x, %s, %z : (tensor<4x8xf16>, tensor<1xf16>, tensor<1xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// Tests that a 1-D scale of input.shape[0] elements with axis = 0 quantizes
// per row (the example of the op description).
// CHECK-LABEL: func.func @quantize_per_axis_0
// CHECK: deepc.quantize %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xi8>
func.func @quantize_per_axis_0(%x: tensor<64x256xf32>, %s: tensor<64xf32>) -> tensor<64x256xi8> {
  %0 = deepc.quantize %x, %s {axis = 0 : i64} : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xi8>
  return %0 : tensor<64x256xi8>
}

// Tests that per-axis quantization runs along the last axis by default
// (axis = -1), here from bf16 to i4 with an i4 zero point and a dynamic
// leading dimension.
// CHECK-LABEL: func.func @quantize_per_axis_last_i4
// CHECK: deepc.quantize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x256xbf16>, tensor<256xbf16>, tensor<256xi4>) -> tensor<?x256xi4>
func.func @quantize_per_axis_last_i4(%x: tensor<?x256xbf16>, %s: tensor<256xbf16>, %z: tensor<256xi4>) -> tensor<?x256xi4> {
  %0 = deepc.quantize %x, %s, %z : (tensor<?x256xbf16>, tensor<256xbf16>, tensor<256xi4>) -> tensor<?x256xi4>
  return %0 : tensor<?x256xi4>
}

// Tests that a dynamic per-axis scale is accepted against a static axis
// dimension, and a static one against a dynamic axis dimension.
// CHECK-LABEL: func.func @quantize_per_axis_dynamic
// CHECK: deepc.quantize %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<64x8xf32>, tensor<?xf32>) -> tensor<64x8xi8>
// CHECK: deepc.quantize %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<?x8xf32>, tensor<64xf32>) -> tensor<?x8xi8>
func.func @quantize_per_axis_dynamic(%x: tensor<64x8xf32>, %s: tensor<?xf32>, %y: tensor<?x8xf32>, %t: tensor<64xf32>) -> (tensor<64x8xi8>, tensor<?x8xi8>) {
  %0 = deepc.quantize %x, %s {axis = 0 : i64} : (tensor<64x8xf32>, tensor<?xf32>) -> tensor<64x8xi8>
  %1 = deepc.quantize %y, %t {axis = 0 : i64} : (tensor<?x8xf32>, tensor<64xf32>) -> tensor<?x8xi8>
  return %0, %1 : tensor<64x8xi8>, tensor<?x8xi8>
}

// Tests that blocked quantization along axis 1 takes ceil(100 / 32) = 4
// scale columns when the block size does not divide the dimension.
// CHECK-LABEL: func.func @quantize_blocked_ceil
// CHECK: deepc.quantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 32 : i64} : (tensor<4x100xf32>, tensor<4x4xf32>, tensor<4x4xi4>) -> tensor<4x100xi4>
func.func @quantize_blocked_ceil(%x: tensor<4x100xf32>, %s: tensor<4x4xf32>, %z: tensor<4x4xi4>) -> tensor<4x100xi4> {
  %0 = deepc.quantize %x, %s, %z {axis = 1 : i64, block_size = 32 : i64}
      : (tensor<4x100xf32>, tensor<4x4xf32>, tensor<4x4xi4>) -> tensor<4x100xi4>
  return %0 : tensor<4x100xi4>
}

// Tests that blocked quantization to FP8 (no zero point) along the default
// last axis of a 3-D input takes ceil(300 / 128) = 3 blocks, with a dynamic
// dimension elsewhere matched by a dynamic scale dimension.
// CHECK-LABEL: func.func @quantize_blocked_fp8
// CHECK: deepc.quantize %{{.*}}, %{{.*}} {block_size = 128 : i64} : (tensor<2x?x300xbf16>, tensor<2x?x3xf32>) -> tensor<2x?x300xf8E4M3FN>
func.func @quantize_blocked_fp8(%x: tensor<2x?x300xbf16>, %s: tensor<2x?x3xf32>) -> tensor<2x?x300xf8E4M3FN> {
  %0 = deepc.quantize %x, %s {block_size = 128 : i64} : (tensor<2x?x300xbf16>, tensor<2x?x3xf32>) -> tensor<2x?x300xf8E4M3FN>
  return %0 : tensor<2x?x300xf8E4M3FN>
}

// Tests that FP8 quantization from f16 takes a per-tensor f32 scale.
// CHECK-LABEL: func.func @quantize_fp8_per_tensor
// CHECK: deepc.quantize %{{.*}}, %{{.*}} : (tensor<16x16xf16>, tensor<f32>) -> tensor<16x16xf8E4M3FN>
func.func @quantize_fp8_per_tensor(%x: tensor<16x16xf16>, %s: tensor<f32>) -> tensor<16x16xf8E4M3FN> {
  %0 = deepc.quantize %x, %s : (tensor<16x16xf16>, tensor<f32>) -> tensor<16x16xf8E4M3FN>
  return %0 : tensor<16x16xf8E4M3FN>
}

// Tests that per-tensor int8 dequantization to f32 takes a rank-0 zero
// point alongside a rank-0 scale.
// CHECK-LABEL: func.func @dequantize_per_tensor
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<4x8xi8>, tensor<f32>, tensor<i8>) -> tensor<4x8xf32>
func.func @dequantize_per_tensor(%w: tensor<4x8xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4x8xf32> {
  %0 = deepc.dequantize %w, %s, %z : (tensor<4x8xi8>, tensor<f32>, tensor<i8>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// Tests that FP8 dequantization to bf16 takes a one-element scale as per
// tensor on a rank-1 input.
// CHECK-LABEL: func.func @dequantize_per_tensor_fp8
// CHECK: deepc.dequantize %{{.*}}, %{{.*}} : (tensor<32xf8E4M3FN>, tensor<1xf32>) -> tensor<32xbf16>
func.func @dequantize_per_tensor_fp8(%w: tensor<32xf8E4M3FN>, %s: tensor<1xf32>) -> tensor<32xbf16> {
  %0 = deepc.dequantize %w, %s : (tensor<32xf8E4M3FN>, tensor<1xf32>) -> tensor<32xbf16>
  return %0 : tensor<32xbf16>
}

// Tests that per-axis dequantization works along axis 0 and along axis -1
// written out (the default, so it is not printed).
// CHECK-LABEL: func.func @dequantize_per_axis
// CHECK: deepc.dequantize %{{.*}}, %{{.*}} {axis = 0 : i64} : (tensor<64x256xi8>, tensor<64xf16>) -> tensor<64x256xf16>
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} : (tensor<64x256xi4>, tensor<256xf16>, tensor<256xi4>) -> tensor<64x256xf16>
func.func @dequantize_per_axis(%w: tensor<64x256xi8>, %s: tensor<64xf16>, %v: tensor<64x256xi4>, %t: tensor<256xf16>, %z: tensor<256xi4>) -> (tensor<64x256xf16>, tensor<64x256xf16>) {
  %0 = deepc.dequantize %w, %s {axis = 0 : i64} : (tensor<64x256xi8>, tensor<64xf16>) -> tensor<64x256xf16>
  %1 = deepc.dequantize %v, %t, %z {axis = -1 : i64} : (tensor<64x256xi4>, tensor<256xf16>, tensor<256xi4>) -> tensor<64x256xf16>
  return %0, %1 : tensor<64x256xf16>, tensor<64x256xf16>
}

// Tests that blocked int4 dequantization along axis 1 takes i4 zero points
// (the example of the op description).
// CHECK-LABEL: func.func @dequantize_blocked_i4
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 32 : i64} : (tensor<64x256xi4>, tensor<64x8xf16>, tensor<64x8xi4>) -> tensor<64x256xf16>
func.func @dequantize_blocked_i4(%w: tensor<64x256xi4>, %s: tensor<64x8xf16>, %z: tensor<64x8xi4>) -> tensor<64x256xf16> {
  %0 = deepc.dequantize %w, %s, %z {axis = 1 : i64, block_size = 32 : i64}
      : (tensor<64x256xi4>, tensor<64x8xf16>, tensor<64x8xi4>) -> tensor<64x256xf16>
  return %0 : tensor<64x256xf16>
}

// Tests that blocked dequantization along axis 0 takes ceil(200 / 128) = 2
// scale rows, and that along a dynamic axis the block count is dynamic too.
// CHECK-LABEL: func.func @dequantize_blocked_ceil_dynamic
// CHECK: deepc.dequantize %{{.*}}, %{{.*}} {axis = 0 : i64, block_size = 128 : i64} : (tensor<200x300xf8E4M3FN>, tensor<2x300xf32>) -> tensor<200x300xbf16>
// CHECK: deepc.dequantize %{{.*}}, %{{.*}}, %{{.*}} {axis = 1 : i64, block_size = 16 : i64} : (tensor<8x?xi8>, tensor<8x?xf32>, tensor<8x?xi8>) -> tensor<8x?xf32>
func.func @dequantize_blocked_ceil_dynamic(%w: tensor<200x300xf8E4M3FN>, %s: tensor<2x300xf32>, %v: tensor<8x?xi8>, %t: tensor<8x?xf32>, %z: tensor<8x?xi8>) -> (tensor<200x300xbf16>, tensor<8x?xf32>) {
  %0 = deepc.dequantize %w, %s {axis = 0 : i64, block_size = 128 : i64}
      : (tensor<200x300xf8E4M3FN>, tensor<2x300xf32>) -> tensor<200x300xbf16>
  %1 = deepc.dequantize %v, %t, %z {axis = 1 : i64, block_size = 16 : i64}
      : (tensor<8x?xi8>, tensor<8x?xf32>, tensor<8x?xi8>) -> tensor<8x?xf32>
  return %0, %1 : tensor<200x300xbf16>, tensor<8x?xf32>
}

// Tests that int8 per-output-channel qmatmul (block = [1, K]) takes one
// scale per row of the [N, K] weight and gives an [M, N] result.
// CHECK-LABEL: func.func @qmatmul_int8_per_channel
// CHECK-SAME: (%[[X:.*]]: tensor<2x256xf32>, %[[W:.*]]: tensor<512x256xi8>, %[[S:.*]]: tensor<512x1xf32>) -> tensor<2x512xf32>
// CHECK: %[[R:.*]] = deepc.qmatmul %[[X]], %[[W]], %[[S]] block = [1, 256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>
// CHECK: return %[[R]] : tensor<2x512xf32>
func.func @qmatmul_int8_per_channel(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) -> tensor<2x512xf32> {
  %0 = deepc.qmatmul %x, %w, %s block = [1, 256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>
  return %0 : tensor<2x512xf32>
}

// Tests that int4 group-wise qmatmul (MatMulNBits, GPTQ, AWQ) with
// block = [1, 32] over K = 256 takes 8 scales and i4 zero points per row,
// with f16 activations and a dynamic row count.
// CHECK-LABEL: func.func @qmatmul_int4_groupwise
// CHECK-SAME: -> tensor<?x512xf16>
// CHECK: %[[R:.*]] = deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} block = [1, 32] : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x8xf16>, tensor<512x8xi4>
// CHECK: return %[[R]] : tensor<?x512xf16>
func.func @qmatmul_int4_groupwise(%x: tensor<?x256xf16>, %w: tensor<512x256xi4>, %s: tensor<512x8xf16>, %z: tensor<512x8xi4>) -> tensor<?x512xf16> {
  %0 = deepc.qmatmul %x, %w, %s, %z block = [1, 32] : tensor<?x256xf16>, tensor<512x256xi4>, tensor<512x8xf16>, tensor<512x8xi4>
  return %0 : tensor<?x512xf16>
}

// Tests that FP8 block-scaled qmatmul with [128, 128] blocks takes [2, 3]
// scales when neither N (200) nor K (300) is a multiple of 128.
// CHECK-LABEL: func.func @qmatmul_fp8_block
// CHECK-SAME: -> tensor<4x200xbf16>
// CHECK: %[[R:.*]] = deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}} block = [128, 128] : tensor<4x300xbf16>, tensor<200x300xf8E4M3FN>, tensor<2x3xf32>
// CHECK: return %[[R]] : tensor<4x200xbf16>
func.func @qmatmul_fp8_block(%x: tensor<4x300xbf16>, %w: tensor<200x300xf8E4M3FN>, %s: tensor<2x3xf32>) -> tensor<4x200xbf16> {
  %0 = deepc.qmatmul %x, %w, %s block = [128, 128] : tensor<4x300xbf16>, tensor<200x300xf8E4M3FN>, tensor<2x3xf32>
  return %0 : tensor<4x200xbf16>
}

// Tests that qmatmul on a 3-D [batch, seq, K] input with dynamic batch and
// seq passes the leading dimensions through and replaces K by N.
// CHECK-LABEL: func.func @qmatmul_3d_dynamic
// CHECK-SAME: -> tensor<?x?x1024xf32>
// CHECK: %[[R:.*]] = deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}} block = [1, 64] : tensor<?x?x256xf32>, tensor<1024x256xi8>, tensor<1024x4xf32>
// CHECK: return %[[R]] : tensor<?x?x1024xf32>
func.func @qmatmul_3d_dynamic(%x: tensor<?x?x256xf32>, %w: tensor<1024x256xi8>, %s: tensor<1024x4xf32>) -> tensor<?x?x1024xf32> {
  %0 = deepc.qmatmul %x, %w, %s block = [1, 64] : tensor<?x?x256xf32>, tensor<1024x256xi8>, tensor<1024x4xf32>
  return %0 : tensor<?x?x1024xf32>
}

// Tests that qmatmul accepts a dynamic K on the input against the weight's
// static K, gives a dynamic result dimension for a dynamic N, and maps a
// 1-D input [K] to [N].
// CHECK-LABEL: func.func @qmatmul_dynamic_nk
// CHECK: deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}} block = [1, 32] : tensor<3x?xf32>, tensor<?x64xi8>, tensor<?x2xf32>
// CHECK: deepc.qmatmul %{{.*}}, %{{.*}}, %{{.*}} block = [1, 32] : tensor<64xf32>, tensor<?x64xi8>, tensor<?x2xf32>
// CHECK: return %{{.*}}, %{{.*}} : tensor<3x?xf32>, tensor<?xf32>
func.func @qmatmul_dynamic_nk(%x: tensor<3x?xf32>, %v: tensor<64xf32>, %w: tensor<?x64xi8>, %s: tensor<?x2xf32>) -> (tensor<3x?xf32>, tensor<?xf32>) {
  %0 = deepc.qmatmul %x, %w, %s block = [1, 32] : tensor<3x?xf32>, tensor<?x64xi8>, tensor<?x2xf32>
  %1 = deepc.qmatmul %v, %w, %s block = [1, 32] : tensor<64xf32>, tensor<?x64xi8>, tensor<?x2xf32>
  return %0, %1 : tensor<3x?xf32>, tensor<?xf32>
}
