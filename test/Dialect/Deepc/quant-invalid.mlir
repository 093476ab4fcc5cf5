// RUN: deepc-opt %s -split-input-file -verify-diagnostics

// Diagnostics of deepc.quantize, deepc.dequantize and deepc.qmatmul: one
// section per message of DeepcQuantOps.cpp, then the type constraints of
// DeepcQuantOps.td.

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

// Tests that a negative block_size is rejected.
func.func @negative_block_size(%x: tensor<4x64xf32>, %s: tensor<4x2xf32>) -> tensor<4x64xi8> {
  // expected-error @+1 {{'deepc.quantize' op block_size (-32) must be non-negative (0 = not blocked)}}
  %0 = deepc.quantize %x, %s {axis = 1 : i64, block_size = -32 : i64} : (tensor<4x64xf32>, tensor<4x2xf32>) -> tensor<4x64xi8>
  return %0 : tensor<4x64xi8>
}

// -----

// Tests that a per-axis axis past the input's rank is rejected.
func.func @per_axis_axis_out_of_range(%x: tensor<4x8xf32>, %s: tensor<4xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op axis 2 is out of range for an input of rank 2}}
  %0 = deepc.quantize %x, %s {axis = 2 : i64} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that a negative blocked axis below -rank is rejected.
func.func @blocked_axis_out_of_range(%w: tensor<4x64xi8>, %s: tensor<4x2xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.dequantize' op axis -3 is out of range for an input of rank 2}}
  %0 = deepc.dequantize %w, %s {axis = -3 : i64, block_size = 32 : i64} : (tensor<4x64xi8>, tensor<4x2xf32>) -> tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that a scalar input only takes a per-tensor scale: a dynamic 1-D
// scale might have more than one element, and a scalar has no axis.
func.func @scalar_input_dynamic_scale(%x: tensor<f32>, %s: tensor<?xf32>) -> tensor<i8> {
  // expected-error @+1 {{'deepc.quantize' op axis -1 is out of range for an input of rank 0}}
  %0 = deepc.quantize %x, %s : (tensor<f32>, tensor<?xf32>) -> tensor<i8>
  return %0 : tensor<i8>
}

// -----

// Tests that a blocked scale sized with floor(100 / 32) = 3 instead of
// ceil(100 / 32) = 4 blocks is rejected.
func.func @blocked_scale_floor(%x: tensor<4x100xf32>, %s: tensor<4x3xf32>) -> tensor<4x100xi4> {
  // expected-error @+1 {{'deepc.quantize' op blocked scale must have shape 4x4 (input 4x100 in blocks of 32 along axis 1), got 4x3}}
  %0 = deepc.quantize %x, %s {axis = 1 : i64, block_size = 32 : i64} : (tensor<4x100xf32>, tensor<4x3xf32>) -> tensor<4x100xi4>
  return %0 : tensor<4x100xi4>
}

// -----

// Tests that a blocked scale must have the input's rank, not be 1-D.
func.func @blocked_scale_rank(%w: tensor<4x64xi8>, %s: tensor<2xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.dequantize' op blocked scale must have shape 4x2 (input 4x64 in blocks of 32 along axis 1), got 2}}
  %0 = deepc.dequantize %w, %s {axis = 1 : i64, block_size = 32 : i64} : (tensor<4x64xi8>, tensor<2xf32>) -> tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that block_size > 0 with a one-element scale is not per-tensor:
// the scale must have the blocked shape.
func.func @blocked_scalar_scale(%x: tensor<4x64xf32>, %s: tensor<f32>) -> tensor<4x64xi8> {
  // expected-error @+1 {{'deepc.quantize' op blocked scale must have shape 4x2 (input 4x64 in blocks of 32 along axis 1), got scalar}}
  %0 = deepc.quantize %x, %s {block_size = 32 : i64} : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xi8>
  return %0 : tensor<4x64xi8>
}

// -----

// Tests that a 1-D scale sized for another axis than `axis` is rejected.
func.func @per_axis_wrong_axis(%x: tensor<4x8xf32>, %s: tensor<8xf32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op scale of shape 8 is neither per-tensor (one element) nor per-axis (4 elements along axis 0); set block_size for blocked scales}}
  %0 = deepc.quantize %x, %s {axis = 0 : i64} : (tensor<4x8xf32>, tensor<8xf32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that a 2-D scale without block_size is neither per-tensor nor
// per-axis.
func.func @blocked_scale_without_block_size(%w: tensor<4x64xi4>, %s: tensor<4x2xf16>) -> tensor<4x64xf16> {
  // expected-error @+1 {{'deepc.dequantize' op scale of shape 4x2 is neither per-tensor (one element) nor per-axis (64 elements along axis 1); set block_size for blocked scales}}
  %0 = deepc.dequantize %w, %s : (tensor<4x64xi4>, tensor<4x2xf16>) -> tensor<4x64xf16>
  return %0 : tensor<4x64xf16>
}

// -----

// Tests that FP8 quantization takes no zero point (its formula has none).
func.func @fp8_quantize_zero_point(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<f8E4M3FN>) -> tensor<4x8xf8E4M3FN> {
  // expected-error @+1 {{'deepc.quantize' op takes no zero_point for 'f8E4M3FN' storage, got one of type 'tensor<f8E4M3FN>'}}
  %0 = deepc.quantize %x, %s, %z : (tensor<4x8xf32>, tensor<f32>, tensor<f8E4M3FN>) -> tensor<4x8xf8E4M3FN>
  return %0 : tensor<4x8xf8E4M3FN>
}

// -----

// Tests that FP8 dequantization takes no zero point either.
func.func @fp8_dequantize_zero_point(%w: tensor<4x8xf8E4M3FN>, %s: tensor<4xf32>, %z: tensor<4xf8E4M3FN>) -> tensor<4x8xbf16> {
  // expected-error @+1 {{'deepc.dequantize' op takes no zero_point for 'f8E4M3FN' storage, got one of type 'tensor<4xf8E4M3FN>'}}
  %0 = deepc.dequantize %w, %s, %z {axis = 0 : i64} : (tensor<4x8xf8E4M3FN>, tensor<4xf32>, tensor<4xf8E4M3FN>) -> tensor<4x8xbf16>
  return %0 : tensor<4x8xbf16>
}

// -----

// Tests that the zero point must have the scale's shape.
func.func @zero_point_shape(%x: tensor<4x8xf32>, %s: tensor<4xf32>, %z: tensor<8xi8>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op zero_point shape 8 differs from scale shape 4}}
  %0 = deepc.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4xf32>, tensor<8xi8>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that a per-tensor zero point must match a rank-0 scale's shape
// exactly, not only its element count.
func.func @zero_point_shape_per_tensor(%w: tensor<4x8xi8>, %s: tensor<f32>, %z: tensor<1xi8>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'deepc.dequantize' op zero_point shape 1 differs from scale shape scalar}}
  %0 = deepc.dequantize %w, %s, %z : (tensor<4x8xi8>, tensor<f32>, tensor<1xi8>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that an i8 zero point is rejected for i4 quantization: it must have
// the storage type.
func.func @quantize_i4_zero_point_i8(%x: tensor<4x8xf32>, %s: tensor<4xf32>, %z: tensor<4xi8>) -> tensor<4x8xi4> {
  // expected-error @+1 {{'deepc.quantize' op zero_point element type 'i8' differs from the quantized type 'i4'}}
  %0 = deepc.quantize %x, %s, %z {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4xf32>, tensor<4xi8>) -> tensor<4x8xi4>
  return %0 : tensor<4x8xi4>
}

// -----

// Tests that dequantization checks the zero point against the input's
// storage type.
func.func @dequantize_i8_zero_point_i4(%w: tensor<4x8xi8>, %s: tensor<f32>, %z: tensor<i4>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'deepc.dequantize' op zero_point element type 'i4' differs from the quantized type 'i8'}}
  %0 = deepc.dequantize %w, %s, %z : (tensor<4x8xi8>, tensor<f32>, tensor<i4>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that quantize must produce a storage type, not a float.
func.func @quantize_to_f32(%x: tensor<4x8xf32>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'deepc.quantize' op result #0 must be ranked tensor of quantized storage type (i8, i4 or f8E4M3FN) values, but got 'tensor<4x8xf32>'}}
  %0 = deepc.quantize %x, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that quantize reads a float tensor, not an integer one.
func.func @quantize_from_i32(%x: tensor<4x8xi32>, %s: tensor<f32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4x8xi32>'}}
  %0 = deepc.quantize %x, %s : (tensor<4x8xi32>, tensor<f32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that i32 is not a quantized storage type (dequantize input).
func.func @dequantize_from_i32(%w: tensor<4x8xi32>, %s: tensor<f32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'deepc.dequantize' op operand #0 must be ranked tensor of quantized storage type (i8, i4 or f8E4M3FN) values, but got 'tensor<4x8xi32>'}}
  %0 = deepc.dequantize %w, %s : (tensor<4x8xi32>, tensor<f32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// -----

// Tests that dequantize must produce a float tensor.
func.func @dequantize_to_i8(%w: tensor<4x8xi8>, %s: tensor<f32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.dequantize' op result #0 must be ranked tensor of floating-point values, but got 'tensor<4x8xi8>'}}
  %0 = deepc.dequantize %w, %s : (tensor<4x8xi8>, tensor<f32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that the scale must be a float tensor.
func.func @integer_scale(%x: tensor<4x8xf32>, %s: tensor<i32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op operand #1 must be ranked tensor of floating-point values, but got 'tensor<i32>'}}
  %0 = deepc.quantize %x, %s : (tensor<4x8xf32>, tensor<i32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that a float zero point is rejected by the operand constraint.
func.func @float_zero_point(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<f32>) -> tensor<4x8xi8> {
  // expected-error @+1 {{'deepc.quantize' op operand #2 must be ranked tensor of quantized storage type (i8, i4 or f8E4M3FN) values, but got 'tensor<f32>'}}
  %0 = deepc.quantize %x, %s, %z : (tensor<4x8xf32>, tensor<f32>, tensor<f32>) -> tensor<4x8xi8>
  return %0 : tensor<4x8xi8>
}

// -----

// Tests that the result must have the input's shape.
func.func @result_shape(%x: tensor<4x8xf32>, %s: tensor<f32>) -> tensor<8x4xi8> {
  // expected-error @+1 {{'deepc.quantize' op failed to verify that all of {input, result} have same shape}}
  %0 = deepc.quantize %x, %s : (tensor<4x8xf32>, tensor<f32>) -> tensor<8x4xi8>
  return %0 : tensor<8x4xi8>
}

// -----

// Tests that an unranked input is rejected (deepc works on ranked tensors).
func.func @unranked_input(%w: tensor<*xi8>, %s: tensor<f32>) -> tensor<*xf32> {
  // expected-error @+1 {{'deepc.dequantize' op operand #0 must be ranked tensor of quantized storage type (i8, i4 or f8E4M3FN) values, but got 'tensor<*xi8>'}}
  %0 = deepc.dequantize %w, %s : (tensor<*xi8>, tensor<f32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

// -----

// Tests that a rank-0 input has no K dimension.
func.func @qmatmul_scalar_input(%x: tensor<f32>, %w: tensor<4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op needs an input [..., K] and a weight [N, K], got scalar and 4x8}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 8] : tensor<f32>, tensor<4x8xi8>, tensor<4x1xf32>
  return
}

// -----

// Tests that the weight must be 2-D [N, K], not stacked per expert.
func.func @qmatmul_3d_weight(%x: tensor<2x8xf32>, %w: tensor<2x4x8xi8>, %s: tensor<4x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op needs an input [..., K] and a weight [N, K], got 2x8 and 2x4x8}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 8] : tensor<2x8xf32>, tensor<2x4x8xi8>, tensor<4x1xf32>
  return
}

// -----

// Tests that the input's K must match the weight's K (a [K, N] weight, the
// transposed layout, is the usual cause).
func.func @qmatmul_k_mismatch(%x: tensor<2x256xf32>, %w: tensor<256x512xi8>, %s: tensor<256x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op input has K = 256 but the weight (N x K = 256x512) has K = 512}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 512] : tensor<2x256xf32>, tensor<256x512xi8>, tensor<256x1xf32>
  return
}

// -----

// Tests that block must have exactly two entries.
func.func @qmatmul_block_rank(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op block must be [block_n, block_k] with both at least 1, got [256]}}
  %0 = deepc.qmatmul %x, %w, %s block = [256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>
  return
}

// -----

// Tests that a zero block size is rejected (it would divide by zero).
func.func @qmatmul_block_zero(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op block must be [block_n, block_k] with both at least 1, got [1, 0]}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 0] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>
  return
}

// -----

// Tests that a negative block size is rejected.
func.func @qmatmul_block_negative(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op block must be [block_n, block_k] with both at least 1, got [-1, 256]}}
  %0 = deepc.qmatmul %x, %w, %s block = [-1, 256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>
  return
}

// -----

// Tests that scales sized with floor instead of ceil for a K (300) that 128
// does not divide are rejected.
func.func @qmatmul_scales_floor(%x: tensor<4x300xbf16>, %w: tensor<200x300xf8E4M3FN>, %s: tensor<1x2xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op scales must have shape [ceil(N / block_n), ceil(K / block_k)] = 2x3, got 1x2}}
  %0 = deepc.qmatmul %x, %w, %s block = [128, 128] : tensor<4x300xbf16>, tensor<200x300xf8E4M3FN>, tensor<1x2xf32>
  return
}

// -----

// Tests that per-channel scales must be 2-D [N, 1], not 1-D [N].
func.func @qmatmul_scales_rank(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op scales must have shape [ceil(N / block_n), ceil(K / block_k)] = 512x1, got 512}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512xf32>
  return
}

// -----

// Tests that an FP8 weight takes no zero points.
func.func @qmatmul_fp8_zero_points(%x: tensor<4x256xbf16>, %w: tensor<256x256xf8E4M3FN>, %s: tensor<2x2xf32>, %z: tensor<2x2xi8>) {
  // expected-error @+1 {{'deepc.qmatmul' op takes no zero_points for an 'f8E4M3FN' weight, got one of type 'tensor<2x2xi8>'}}
  %0 = deepc.qmatmul %x, %w, %s, %z block = [128, 128] : tensor<4x256xbf16>, tensor<256x256xf8E4M3FN>, tensor<2x2xf32>, tensor<2x2xi8>
  return
}

// -----

// Tests that zero points must have the weight's storage type (i8 zero points
// for an i4 weight are a common packing mistake).
func.func @qmatmul_zero_points_type(%x: tensor<2x256xf16>, %w: tensor<512x256xi4>, %s: tensor<512x8xf16>, %z: tensor<512x8xi8>) {
  // expected-error @+1 {{'deepc.qmatmul' op zero_points element type 'i8' differs from the weight's 'i4'}}
  %0 = deepc.qmatmul %x, %w, %s, %z block = [1, 32] : tensor<2x256xf16>, tensor<512x256xi4>, tensor<512x8xf16>, tensor<512x8xi8>
  return
}

// -----

// Tests that zero points must have the scales' block shape.
func.func @qmatmul_zero_points_shape(%x: tensor<2x256xf16>, %w: tensor<512x256xi4>, %s: tensor<512x8xf16>, %z: tensor<512x4xi4>) {
  // expected-error @+1 {{'deepc.qmatmul' op zero_points must have shape [ceil(N / block_n), ceil(K / block_k)] = 512x8, got 512x4}}
  %0 = deepc.qmatmul %x, %w, %s, %z block = [1, 32] : tensor<2x256xf16>, tensor<512x256xi4>, tensor<512x8xf16>, tensor<512x4xi4>
  return
}

// -----

// Tests that a float weight is rejected: qmatmul consumes quantized storage.
func.func @qmatmul_f32_weight(%x: tensor<2x256xf32>, %w: tensor<512x256xf32>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op operand #1 must be ranked tensor of quantized storage type (i8, i4 or f8E4M3FN) values, but got 'tensor<512x256xf32>'}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 256] : tensor<2x256xf32>, tensor<512x256xf32>, tensor<512x1xf32>
  return
}

// -----

// Tests that an integer activation is rejected: the input (and result) is
// a float tensor.
func.func @qmatmul_i8_input(%x: tensor<2x256xi8>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<2x256xi8>'}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 256] : tensor<2x256xi8>, tensor<512x256xi8>, tensor<512x1xf32>
  return
}

// -----

// Tests that float zero points are rejected by the operand constraint.
func.func @qmatmul_float_zero_points(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>, %z: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op operand #3 must be ranked tensor of signless integer values, but got 'tensor<512x1xf32>'}}
  %0 = deepc.qmatmul %x, %w, %s, %z block = [1, 256] : tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>, tensor<512x1xf32>
  return
}

// -----

// Tests that an unranked input is rejected while parsing (the custom form
// needs a ranked tensor type to infer the result).
func.func @qmatmul_unranked_input(%x: tensor<*xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{custom op 'deepc.qmatmul' invalid kind of type specified}}
  %0 = deepc.qmatmul %x, %w, %s block = [1, 256] : tensor<*xf32>, tensor<512x256xi8>, tensor<512x1xf32>
  return
}

// -----

// Tests that a result type given in the generic form must be the inferred
// [..., N].
func.func @qmatmul_result_type(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+2 {{'deepc.qmatmul' op inferred type(s) 'tensor<2x512xf32>' are incompatible with return type(s) of operation 'tensor<2x256xf32>'}}
  // expected-error @+1 {{'deepc.qmatmul' op failed to infer returned types}}
  %0 = "deepc.qmatmul"(%x, %w, %s) <{block = array<i64: 1, 256>}> : (tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>) -> tensor<2x256xf32>
  return
}

// -----

// Tests that the generic form needs the block attribute.
func.func @qmatmul_missing_block(%x: tensor<2x256xf32>, %w: tensor<512x256xi8>, %s: tensor<512x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op requires attribute 'block'}}
  %0 = "deepc.qmatmul"(%x, %w, %s) : (tensor<2x256xf32>, tensor<512x256xi8>, tensor<512x1xf32>) -> tensor<2x512xf32>
  return
}

// -----

// Tests that the verifier itself rejects a weight that is not [N, K]: it
// runs before the inferred result type is checked (this used to assert).
func.func @qmatmul_generic_vector_weight(%x: tensor<4x64xf32>, %w: tensor<64xi8>, %s: tensor<64x1xf32>) {
  // expected-error @+1 {{'deepc.qmatmul' op weight must have shape [N, K], got 64}}
  %0 = "deepc.qmatmul"(%x, %w, %s) {block = array<i64: 1, 64>} : (tensor<4x64xf32>, tensor<64xi8>, tensor<64x1xf32>) -> tensor<4x64xf32>
  return
}
