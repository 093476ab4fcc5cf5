// RUN: deepc-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// deepc.rms_norm and deepc.layer_norm
//===----------------------------------------------------------------------===//

// Tests that a norm rejects a rank-0 input: there is no last dimension to
// normalize.
func.func @rms_norm_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'deepc.rms_norm' op input must have rank 1 or more: the last dimension is normalized}}
  %0 = deepc.rms_norm %x epsilon = 1.0e-05 : tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Tests that a negative epsilon is rejected.
func.func @rms_norm_negative_epsilon(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.rms_norm' op epsilon (-1e-05) must be finite and non-negative}}
  %0 = deepc.rms_norm %x epsilon = -1.0e-05 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that a NaN epsilon (written as its f32 bit pattern) is rejected.
func.func @rms_norm_nan_epsilon(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.rms_norm' op epsilon (nan) must be finite and non-negative}}
  %0 = deepc.rms_norm %x epsilon = 0x7FC00000 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that an infinite epsilon is rejected, for layer_norm too.
func.func @layer_norm_inf_epsilon(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.layer_norm' op epsilon (inf) must be finite and non-negative}}
  %0 = deepc.layer_norm %x epsilon = 0x7F800000 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that the rms_norm weight must have one entry per channel.
func.func @rms_norm_weight_length(%x: tensor<2x64xf32>, %w: tensor<32xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.rms_norm' op weight must be a vector of the 64 channels of the normalized (last) dimension, got shape 32}}
  %0 = deepc.rms_norm %x, %w epsilon = 1.0e-05 : tensor<2x64xf32>, tensor<32xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that a layer_norm weight must be a vector, even one that holds the
// right number of elements.
func.func @layer_norm_weight_rank(%x: tensor<2x64xf32>, %w: tensor<1x64xf32>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.layer_norm' op weight must be a vector of the 64 channels of the normalized (last) dimension, got shape 1x64}}
  %0 = deepc.layer_norm %x weight %w : tensor<1x64xf32> epsilon = 1.0e-05 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that the layer_norm bias is checked like the weight, by name.
func.func @layer_norm_bias_length(%x: tensor<2x?x64xf32>, %w: tensor<64xf32>, %b: tensor<128xf32>) -> tensor<2x?x64xf32> {
  // expected-error @+1 {{'deepc.layer_norm' op bias must be a vector of the 64 channels of the normalized (last) dimension, got shape 128}}
  %0 = deepc.layer_norm %x weight %w : tensor<64xf32> bias %b : tensor<128xf32> epsilon = 1.0e-05 : tensor<2x?x64xf32>
  return %0 : tensor<2x?x64xf32>
}

// -----

// Tests that the weight must have the input's element type.
func.func @rms_norm_weight_element_type(%x: tensor<2x64xf32>, %w: tensor<64xf16>) -> tensor<2x64xf32> {
  // expected-error @+1 {{'deepc.rms_norm' op weight element type 'f16' differs from the input's 'f32'}}
  %0 = deepc.rms_norm %x, %w epsilon = 1.0e-05 : tensor<2x64xf32>, tensor<64xf16>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that the bias must have the input's element type.
func.func @layer_norm_bias_element_type(%x: tensor<2x64xbf16>, %b: tensor<64xf32>) -> tensor<2x64xbf16> {
  // expected-error @+1 {{'deepc.layer_norm' op bias element type 'f32' differs from the input's 'bf16'}}
  %0 = deepc.layer_norm %x bias %b : tensor<64xf32> epsilon = 1.0e-05 : tensor<2x64xbf16>
  return %0 : tensor<2x64xbf16>
}

// -----

// Tests that norms take floating-point tensors only (ODS type constraint).
func.func @rms_norm_integer(%x: tensor<2x64xi32>) -> tensor<2x64xi32> {
  // expected-error @+1 {{'deepc.rms_norm' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<2x64xi32>'}}
  %0 = deepc.rms_norm %x epsilon = 1.0e-05 : tensor<2x64xi32>
  return %0 : tensor<2x64xi32>
}

// -----

// Tests that the result of a norm has the input's type (AllTypesMatch), which
// only the generic form can get wrong.
func.func @layer_norm_result_type(%x: tensor<2x64xf32>) -> tensor<2x64xf16> {
  // expected-error @+1 {{'deepc.layer_norm' op failed to verify that all of {input, result} have same type}}
  %0 = "deepc.layer_norm"(%x) <{epsilon = 1.0e-05 : f32, operandSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<2x64xf32>) -> tensor<2x64xf16>
  return %0 : tensor<2x64xf16>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.rotary
//===----------------------------------------------------------------------===//

// Tests that rotary rejects a rank-0 input.
func.func @rotary_scalar(%x: tensor<f32>, %cos: tensor<1xf32>) -> tensor<f32> {
  // expected-error @+1 {{'deepc.rotary' op input must have rank 1 or more: the last dimension holds the rotated channels}}
  %0 = deepc.rotary %x, %cos, %cos layout = <half> : tensor<f32>, tensor<1xf32>
  return %0 : tensor<f32>
}

// -----

// Tests that a negative rotary_dim is rejected.
func.func @rotary_negative_dim(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x32xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op rotary_dim (-2) must be non-negative (0 means all channels)}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> rotary_dim = -2 : tensor<1x4x16x64xf32>, tensor<16x32xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that an odd rotary_dim is rejected: channels rotate in pairs.
func.func @rotary_odd_dim(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x16xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op rotary_dim (33) must be even: channels rotate in pairs}}
  %0 = deepc.rotary %q, %cos, %cos layout = <interleaved> rotary_dim = 33 : tensor<1x4x16x64xf32>, tensor<16x16xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that rotating all channels (rotary_dim = 0) of an odd head dimension
// is rejected, naming the head dimension rather than a rotary_dim the user
// did not write.
func.func @rotary_odd_head_dim(%q: tensor<1x4x16x63xf32>, %cos: tensor<16x31xf32>) -> tensor<1x4x16x63xf32> {
  // expected-error @+1 {{'deepc.rotary' op the head dimension (63) must be even to rotate all channels (rotary_dim = 0): channels rotate in pairs}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> : tensor<1x4x16x63xf32>, tensor<16x31xf32>
  return %0 : tensor<1x4x16x63xf32>
}

// -----

// Tests that rotary_dim may not exceed the head dimension.
func.func @rotary_dim_too_large(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x64xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op rotary_dim (128) exceeds the head dimension (64)}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> rotary_dim = 128 : tensor<1x4x16x64xf32>, tensor<16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that rank-0 cos and sin are rejected: they hold one angle per pair.
func.func @rotary_scalar_tables(%q: tensor<1x4x16x64xf32>, %cos: tensor<f32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op cos and sin must have rank 1 or more, the last dimension holding one angle per rotated pair}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> : tensor<1x4x16x64xf32>, tensor<f32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that the tables need rotary_dim / 2 angles for a partial rotary.
func.func @rotary_table_width_partial(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x32xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op cos and sin have 32 angles per position but rotary_dim 32 needs 16 (one per rotated pair)}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> rotary_dim = 32 : tensor<1x4x16x64xf32>, tensor<16x32xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that the tables need head_dim / 2 angles when all channels rotate, and
// that the message says so instead of quoting a rotary_dim of 64.
func.func @rotary_table_width_full(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x16xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op cos and sin have 16 angles per position but rotating all 64 channels (rotary_dim = 0) needs 32 (one per rotated pair)}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> : tensor<1x4x16x64xf32>, tensor<16x16xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that the tables' leading dimensions must broadcast against the
// input's: 8 positions do not cover a sequence of 16.
func.func @rotary_table_positions(%q: tensor<1x4x16x64xf32>, %cos: tensor<8x32xf32>) -> tensor<1x4x16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op cos and sin of shape 8x32 do not broadcast against the input's leading dimensions 1x4x16}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> : tensor<1x4x16x64xf32>, tensor<8x32xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that tables of higher rank than the input do not broadcast.
func.func @rotary_table_rank(%q: tensor<16x64xf32>, %cos: tensor<1x1x16x32xf32>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op cos and sin of shape 1x1x16x32 do not broadcast against the input's leading dimensions 16}}
  %0 = deepc.rotary %q, %cos, %cos layout = <half> : tensor<16x64xf32>, tensor<1x1x16x32xf32>
  return %0 : tensor<16x64xf32>
}

// -----

// Tests that cos and sin must have the same type (AllTypesMatch); only the
// generic form can state two types.
func.func @rotary_cos_sin_types(%q: tensor<16x64xf32>, %cos: tensor<16x32xf32>, %sin: tensor<16x32xf16>) -> tensor<16x64xf32> {
  // expected-error @+1 {{'deepc.rotary' op failed to verify that all of {cos, sin} have same type}}
  %0 = "deepc.rotary"(%q, %cos, %sin) <{layout = #deepc.rotary_layout<half>, rotary_dim = 0 : i64}> : (tensor<16x64xf32>, tensor<16x32xf32>, tensor<16x32xf16>) -> tensor<16x64xf32>
  return %0 : tensor<16x64xf32>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.attention
//===----------------------------------------------------------------------===//

// Tests that the custom form infers the result type at parse time and
// reports q of the wrong rank from there.
func.func @attention_infer_rank(%q: tensor<8x16x64xf32>, %k: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op q, k and v must have rank 4 [batch, heads, seq, head_dim], got q 8x16x64 and v 1x8x16x64}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that a result type other than the inferred [B, Hq, Sq, Dv] is
// rejected.
func.func @attention_result_type(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x32xf32>) {
  // expected-error @+2 {{'deepc.attention' op inferred type(s) 'tensor<1x8x16x32xf32>' are incompatible with return type(s) of operation 'tensor<1x8x16x64xf32>'}}
  // expected-error @+1 {{'deepc.attention' op failed to infer returned types}}
  %0 = "deepc.attention"(%q, %k, %v) <{num_heads = 8 : i64, num_kv_heads = 8 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x32xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that the verifier checks q's rank itself: the generic form skips
// the parse-time inference, and the inferred-type check runs after verify().
func.func @attention_q_rank(%q: tensor<1x8x64xf32>, %k: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op q must have rank 4 [batch, num_heads, seq, head_dim], got 1x8x64}}
  %0 = "deepc.attention"(%q, %k, %k) <{num_heads = 8 : i64, num_kv_heads = 8 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<1x8x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that k must have rank 4.
func.func @attention_k_rank(%q: tensor<1x8x16x64xf32>, %k: tensor<8x16x64xf32>, %v: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op k must have rank 4 [batch, kv_heads, kv_seq, head_dim], got 8x16x64}}
  %0 = deepc.attention %q, %k, %v {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that v must have rank 4, also in the generic form.
func.func @attention_v_rank(%q: tensor<1x8x16x64xf32>, %v: tensor<1x8x16x64x1xf32>) {
  // expected-error @+1 {{'deepc.attention' op v must have rank 4 [batch, kv_heads, kv_seq, v_head_dim], got 1x8x16x64x1}}
  %0 = "deepc.attention"(%q, %q, %v) <{num_heads = 8 : i64, num_kv_heads = 8 : i64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64x1xf32>) -> tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that num_heads must be at least 1.
func.func @attention_zero_heads(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op num_heads (0) and num_kv_heads (1) must be at least 1}}
  %0 = deepc.attention %q, %q, %q {num_heads = 0 : i64, num_kv_heads = 1 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that num_kv_heads must be at least 1 (and is not divided by).
func.func @attention_zero_kv_heads(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op num_heads (8) and num_kv_heads (0) must be at least 1}}
  %0 = deepc.attention %q, %q, %q {num_heads = 8 : i64, num_kv_heads = 0 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that num_heads must be a multiple of num_kv_heads.
func.func @attention_heads_not_multiple(%q: tensor<1x8x16x64xf32>, %k: tensor<1x3x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op num_heads (8) is not a multiple of num_kv_heads (3): each key/value head serves a whole group of query heads}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 3 : i64} : tensor<1x8x16x64xf32>, tensor<1x3x16x64xf32>, tensor<1x3x16x64xf32>
  return
}

// -----

// Tests that q's head dimension must match num_heads.
func.func @attention_q_heads(%q: tensor<1x4x16x64xf32>, %k: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op q has 4 heads (dimension 1) but num_heads is 8}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 2 : i64} : tensor<1x4x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

// Tests that k's head count must match num_kv_heads.
func.func @attention_k_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x2x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op k has 8 heads (dimension 1) but num_kv_heads is 2}}
  %0 = deepc.attention %q, %k, %v {num_heads = 8 : i64, num_kv_heads = 2 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

// Tests that v's head count must match num_kv_heads.
func.func @attention_v_heads(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x4x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op v has 4 heads (dimension 1) but num_kv_heads is 2}}
  %0 = deepc.attention %q, %k, %v {num_heads = 8 : i64, num_kv_heads = 2 : i64} : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x4x16x64xf32>
  return
}

// -----

// Tests that q and k must have the same batch size.
func.func @attention_batch_q_k(%q: tensor<2x8x16x64xf32>, %k: tensor<3x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op q, k and v have different batch sizes (2, 3 and 3)}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<2x8x16x64xf32>, tensor<3x8x16x64xf32>, tensor<3x8x16x64xf32>
  return
}

// -----

// Tests that k and v must have the same batch size even when q's is dynamic.
func.func @attention_batch_k_v(%q: tensor<?x8x16x64xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<4x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op q, k and v have different batch sizes (?, 2 and 4)}}
  %0 = deepc.attention %q, %k, %v {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<?x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<4x8x16x64xf32>
  return
}

// -----

// Tests that k and v must have the same sequence length.
func.func @attention_kv_seq(%q: tensor<1x8x1x64xf32>, %k: tensor<1x8x16x64xf32>, %v: tensor<1x8x15x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op k and v have different sequence lengths (16 and 15)}}
  %0 = deepc.attention %q, %k, %v {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x1x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x15x64xf32>
  return
}

// -----

// Tests that q and k must have the same head dimension (v's may differ).
func.func @attention_head_dim(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x128xf32>) {
  // expected-error @+1 {{'deepc.attention' op q and k head dimensions differ (64 and 128): scores are dot products of query and key heads}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x128xf32>, tensor<1x8x16x128xf32>
  return
}

// -----

// Tests that a zero scale is rejected.
func.func @attention_zero_scale(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op scale (0) must be finite and positive}}
  %0 = deepc.attention %q, %q, %q {scale = 0.0 : f32, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that an infinite scale is rejected.
func.func @attention_inf_scale(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op scale (inf) must be finite and positive}}
  %0 = deepc.attention %q, %q, %q {scale = 0x7F800000 : f32, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that the default scale 1/sqrt(head_dim) needs a static head
// dimension: without it there is nothing to compute the scale from.
func.func @attention_dynamic_head_dim_default_scale(%q: tensor<1x8x16x?xf32>) {
  // expected-error @+1 {{'deepc.attention' op needs a static head dimension (q or k dimension 3) or an explicit scale: the default scale is 1/sqrt(head_dim)}}
  %0 = deepc.attention %q, %q, %q {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x?xf32>, tensor<1x8x16x?xf32>, tensor<1x8x16x?xf32>
  return
}

// -----

// Tests that a negative softcap is rejected.
func.func @attention_negative_softcap(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op softcap (-30) must be finite and non-negative (0 = off)}}
  %0 = deepc.attention %q, %q, %q {softcap = -30.0 : f32, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that window_left below -1 is rejected.
func.func @attention_window_left(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op window_left (-2) must be -1 (unbounded) or a non-negative distance}}
  %0 = deepc.attention %q, %q, %q {causal, window_left = -2 : i64, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that window_right below -1 is rejected.
func.func @attention_window_right(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op window_right (-5) must be -1 (unbounded) or a non-negative distance}}
  %0 = deepc.attention %q, %q, %q {window_right = -5 : i64, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that a negative num_global_tokens is rejected.
func.func @attention_global_tokens(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op num_global_tokens (-1) must be non-negative}}
  %0 = deepc.attention %q, %q, %q {num_global_tokens = -1 : i64, window_left = 4 : i64, num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that the gate must have rank 3.
func.func @attention_gate_rank(%q: tensor<1x4x16x64xf32>, %g: tensor<4x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op gate must have shape [num_heads, head_dim, 1] (one gate per query) or [num_heads, head_dim, kv_seq] (one per query/key pair) = 4x64x(1 or 16), got 4x64}}
  %0 = deepc.attention %q, %q, %q gate %g : tensor<4x64xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
  return
}

// -----

// Tests that the gate's last dimension must be 1 or kv_seq, taking kv_seq
// from v when k leaves it dynamic.
func.func @attention_gate_kv_seq(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x?x64xf32>, %v: tensor<1x4x32x64xf32>, %g: tensor<4x64x16xf32>) {
  // expected-error @+1 {{'deepc.attention' op gate must have shape [num_heads, head_dim, 1] (one gate per query) or [num_heads, head_dim, kv_seq] (one per query/key pair) = 4x64x(1 or 32), got 4x64x16}}
  %0 = deepc.attention %q, %k, %v gate %g : tensor<4x64x16xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x16x64xf32>, tensor<1x4x?x64xf32>, tensor<1x4x32x64xf32>
  return
}

// -----

// Tests that the gate's middle dimension is the query/key head dimension,
// taken from k when q leaves it dynamic.
func.func @attention_gate_head_dim(%q: tensor<1x4x16x?xf32>, %k: tensor<1x4x16x64xf32>, %g: tensor<4x128x1xf32>) {
  // expected-error @+1 {{'deepc.attention' op gate must have shape [num_heads, head_dim, 1] (one gate per query) or [num_heads, head_dim, kv_seq] (one per query/key pair) = 4x64x(1 or 16), got 4x128x1}}
  %0 = deepc.attention %q, %k, %k gate %g : tensor<4x128x1xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<1x4x16x?xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
  return
}

// -----

// Tests that sinks hold one logit per query head.
func.func @attention_sinks_shape(%q: tensor<1x8x16x64xf32>, %k: tensor<1x2x16x64xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{'deepc.attention' op sinks must have shape [num_heads] = 8, got 2}}
  %0 = deepc.attention %q, %k, %k sinks %s : tensor<2xf32> {num_heads = 8 : i64, num_kv_heads = 2 : i64} : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
  return
}

// -----

// Tests that an additive mask must have the query's float type.
func.func @attention_mask_element_type(%q: tensor<1x8x16x64xbf16>, %m: tensor<16x16xf32>) {
  // expected-error @+1 {{'deepc.attention' op mask element type 'f32' must be i1 (keep/drop) or the query's 'bf16' (added to the scores)}}
  %0 = deepc.attention %q, %q, %q mask %m : tensor<16x16xf32> {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>
  return
}

// -----

// Tests that the mask must broadcast to the scores [B, Hq, Sq, Skv].
func.func @attention_mask_shape(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x32x64xf32>, %m: tensor<16x16xi1>) {
  // expected-error @+1 {{'deepc.attention' op mask of shape 16x16 does not broadcast to the scores [batch, num_heads, seq, kv_seq] = 1x8x16x32}}
  %0 = deepc.attention %q, %k, %k mask %m : tensor<16x16xi1> {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x32x64xf32>, tensor<1x8x32x64xf32>
  return
}

// -----

// Tests that the mask's batch is checked against k's when q's is dynamic.
func.func @attention_mask_batch(%q: tensor<?x8x16x64xf32>, %k: tensor<2x8x16x64xf32>, %m: tensor<3x1x16x16xi1>) {
  // expected-error @+1 {{'deepc.attention' op mask of shape 3x1x16x16 does not broadcast to the scores [batch, num_heads, seq, kv_seq] = 2x8x16x16}}
  %0 = deepc.attention %q, %k, %k mask %m : tensor<3x1x16x16xi1> {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<?x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return
}

// -----

// Tests that a mask is float or i1 (ODS type constraint).
func.func @attention_mask_integer(%q: tensor<1x8x16x64xf32>, %m: tensor<16x16xi8>) {
  // expected-error @+1 {{'deepc.attention' op operand #3 must be ranked tensor of floating-point or 1-bit signless integer values, but got 'tensor<16x16xi8>'}}
  %0 = deepc.attention %q, %q, %q mask %m : tensor<16x16xi8> {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

// Tests that q, k and v share their element type (AllElementTypesMatch).
func.func @attention_element_types(%q: tensor<1x8x16x64xf32>, %k: tensor<1x8x16x64xf16>) {
  // expected-error @+1 {{'deepc.attention' op failed to verify that all of {q, k, v} have same element type}}
  %0 = deepc.attention %q, %k, %k {num_heads = 8 : i64, num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf16>, tensor<1x8x16x64xf16>
  return
}

// -----

// Tests that num_heads is required.
func.func @attention_missing_num_heads(%q: tensor<1x8x16x64xf32>) {
  // expected-error @+1 {{'deepc.attention' op requires attribute 'num_heads'}}
  %0 = deepc.attention %q, %q, %q {num_kv_heads = 8 : i64} : tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>, tensor<1x8x16x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// deepc.moe
//===----------------------------------------------------------------------===//

// Tests that rank-0 hidden states are rejected.
func.func @moe_scalar_hidden(%x: tensor<f32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op hidden states must have rank 1 or more, the last dimension being the hidden size}}
  %0 = deepc.moe %x, %r : tensor<f32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that the router weight must be a matrix [E, H].
func.func @moe_router_rank(%x: tensor<4x64xf32>, %r: tensor<8x64x1xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op router_weight must have shape [num_experts, hidden], got 8x64x1}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64x1xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that the number of experts must be static.
func.func @moe_dynamic_experts(%x: tensor<4x64xf32>, %r: tensor<?x64xf32>, %wg: tensor<?x128x64xf32>, %wd: tensor<?x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op the number of experts (router_weight dimension 0) must be static}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<?x64xf32> gate(%wg : tensor<?x128x64xf32>) up(%wg : tensor<?x128x64xf32>) down(%wd : tensor<?x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that the router's hidden size must match the hidden states'.
func.func @moe_router_hidden(%x: tensor<4x64xf32>, %r: tensor<8x32xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op router_weight has hidden size 32 but the hidden states have 64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x32xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that top_k must be at least 1.
func.func @moe_zero_top_k(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op top_k (0) must be at least 1}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 0 : i64}
  return
}

// -----

// Tests that top_k may not exceed the number of experts.
func.func @moe_top_k_experts(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op top_k (9) exceeds the number of experts (8)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 9 : i64}
  return
}

// -----

// Tests that n_group must be at least 1.
func.func @moe_zero_groups(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op n_group (0) must be at least 1 and divide the number of experts (8)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, n_group = 0 : i64}
  return
}

// -----

// Tests that n_group must divide the number of experts.
func.func @moe_groups_divide(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op n_group (3) must be at least 1 and divide the number of experts (8)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, n_group = 3 : i64}
  return
}

// -----

// Tests that topk_group must be at least 1.
func.func @moe_zero_topk_group(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op topk_group (0) must be between 1 and n_group (4)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, n_group = 4 : i64, topk_group = 0 : i64}
  return
}

// -----

// Tests that topk_group may not exceed n_group.
func.func @moe_topk_group_too_large(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op topk_group (2) must be between 1 and n_group (1)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, topk_group = 2 : i64}
  return
}

// -----

// Tests that top2_sum group scoring (the default) needs two experts per group.
func.func @moe_top2_sum_single_expert_groups(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op group_score top2_sum needs at least 2 experts per group, but n_group (8) splits the 8 experts into groups of 1; use group_score = max}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, n_group = 8 : i64, topk_group = 4 : i64}
  return
}

// -----

// Tests that top_k may not exceed the experts left in the selected groups.
func.func @moe_top_k_eligible(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op top_k (4) exceeds the 2 experts in the 1 selected group(s) of 2}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 4 : i64, n_group = 4 : i64, topk_group = 1 : i64}
  return
}

// -----

// Tests that routed_scaling_factor must be positive.
func.func @moe_scaling_factor(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op routed_scaling_factor (0) must be finite and positive}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, routed_scaling_factor = 0.0 : f32}
  return
}

// -----

// Tests that capacity_factor must be non-negative.
func.func @moe_capacity_factor(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op capacity_factor (-1.25) must be finite and non-negative (0 = no token is dropped)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, capacity_factor = -1.25 : f32}
  return
}

// -----

// Tests that correction_bias holds one bias per expert.
func.func @moe_correction_bias(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{'deepc.moe' op correction_bias must have shape [num_experts] = 8, got 16}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) correction_bias(%b : tensor<16xf32>) {top_k = 2 : i64, router = #deepc.router<sigmoid>}
  return
}

// -----

// Tests that a gated MoE needs an up projection besides the gate.
func.func @moe_gated_missing_up(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op a gated MoE needs w_gate and w_up, or one fused w_gate_up (not both)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that separate and fused projections may not both be given.
func.func @moe_gated_both_forms(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op a gated MoE needs w_gate and w_up, or one fused w_gate_up (not both)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a non-gated MoE takes no gate projection.
func.func @moe_not_gated_with_gate(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op a non-gated MoE takes w_up and w_down only (no w_gate or w_gate_up)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, gated = false}
  return
}

// -----

// Tests that a non-gated MoE does not take a fused gate_up in place of up.
func.func @moe_not_gated_fused(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op a non-gated MoE takes w_up and w_down only (no w_gate or w_gate_up)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, gated = false}
  return
}

// -----

// Tests that w_down must have rank 3.
func.func @moe_down_rank(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_down must have shape [num_experts, hidden, intermediate], got 64x128}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that w_down must have one matrix per expert.
func.func @moe_down_experts(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<4x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_down must have shape [num_experts, hidden, intermediate] = 8x64x128, got 4x64x128}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<4x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that w_down's hidden size is checked against the router's when the
// hidden states leave it dynamic.
func.func @moe_down_hidden_from_router(%x: tensor<4x?xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x32xf32>, %wd: tensor<8x32x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_down must have shape [num_experts, hidden, intermediate] = 8x64x128, got 8x32x128}}
  %0 = deepc.moe %x, %r : tensor<4x?xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x32xf32>) up(%wg : tensor<8x128x32xf32>) down(%wd : tensor<8x32x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that w_gate must be [E, I, H] with w_down's intermediate size.
func.func @moe_gate_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x64x128xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_gate must have shape [num_experts, intermediate, hidden] = 8x128x64, got 8x64x128}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x64x128xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that w_gate and w_up must agree on the intermediate size even when
// w_down leaves it dynamic.
func.func @moe_up_shape_dynamic_down(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x256x64xf32>, %wd: tensor<8x64x?xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_up must have shape [num_experts, intermediate, hidden] = 8x128x64, got 8x256x64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x?xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a fused w_gate_up holds twice w_down's intermediate size.
func.func @moe_gate_up_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_gate_up must have shape [num_experts, 2 * intermediate, hidden] = 8x256x64, got 8x128x64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate_up(%wgu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a fused w_gate_up with an odd row count is rejected even when
// w_down leaves the intermediate size dynamic.
func.func @moe_gate_up_odd(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x255x64xf32>, %wd: tensor<8x64x?xf32>) {
  // expected-error @+1 {{'deepc.moe' op w_gate_up has 255 rows (dimension 1) but needs an even number: the gate's intermediate rows, then the up projection's}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate_up(%wgu : tensor<8x255x64xf32>) down(%wd : tensor<8x64x?xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_expert_gate needs shared experts to gate.
func.func @moe_shared_expert_gate_alone(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %seg: tensor<1x64xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_expert_gate needs shared expert weights (shared_up, shared_down)}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_expert_gate(%seg : tensor<1x64xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_up needs shared_down.
func.func @moe_shared_up_alone(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_up and shared_down must be given together}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that gated shared experts need shared_gate.
func.func @moe_shared_missing_gate(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<64x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op gated shared experts need shared_gate}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<64x256xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that non-gated shared experts take no shared_gate.
func.func @moe_shared_extra_gate(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<64x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op non-gated shared experts take no shared_gate}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<64x256xf32>) {top_k = 2 : i64, gated = false}
  return
}

// -----

// Tests that shared_down must be a matrix.
func.func @moe_shared_down_rank(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<1x64x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_down must have shape [hidden, shared_intermediate], got 1x64x256}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<1x64x256xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_down's rows are the hidden size.
func.func @moe_shared_down_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<32x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_down must have shape [hidden, shared_intermediate] = 64x256, got 32x256}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<32x256xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_up must be [Is, H] with shared_down's Is.
func.func @moe_shared_up_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %sg: tensor<256x64xf32>, %su: tensor<512x64xf32>, %sd: tensor<64x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_up must have shape [shared_intermediate, hidden] = 256x64, got 512x64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%sg : tensor<256x64xf32>) shared_up(%su : tensor<512x64xf32>) shared_down(%sd : tensor<64x256xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_gate and shared_up must agree on the shared intermediate
// size even when shared_down leaves it dynamic.
func.func @moe_shared_gate_shape_dynamic_down(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %sg: tensor<512x64xf32>, %su: tensor<256x64xf32>, %sd: tensor<64x?xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_gate must have shape [shared_intermediate, hidden] = 256x64, got 512x64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%sg : tensor<512x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<64x?xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that shared_expert_gate must be [1, H] or [H], not [Is, H].
func.func @moe_shared_expert_gate_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<64x256xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_expert_gate must have shape [1, hidden] or [hidden] with hidden = 64, got 256x64}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<64x256xf32>) shared_expert_gate(%su : tensor<256x64xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a vector shared_expert_gate must have the hidden size.
func.func @moe_shared_expert_gate_length(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %su: tensor<256x64xf32>, %sd: tensor<64x256xf32>, %seg: tensor<32xf32>) {
  // expected-error @+1 {{'deepc.moe' op shared_expert_gate must have shape [1, hidden] or [hidden] with hidden = 64, got 32}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) shared_gate(%su : tensor<256x64xf32>) shared_up(%su : tensor<256x64xf32>) shared_down(%sd : tensor<64x256xf32>) shared_expert_gate(%seg : tensor<32xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that top_k is required.
func.func @moe_missing_top_k(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op requires attribute 'top_k'}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>)
  return
}

// -----

// Tests that MoE weights must be float tensors (ODS type constraint).
func.func @moe_integer_router(%x: tensor<4x64xf32>, %r: tensor<8x64xi32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op operand #1 must be ranked tensor of floating-point values, but got 'tensor<8x64xi32>'}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xi32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a bias needs the projection it is added to.
func.func @moe_gate_bias_without_gate(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>, %b: tensor<8x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op gate_bias is given without w_gate, the projection it is added to}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) gate_bias(%b : tensor<8x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that a fused bias covers both halves of w_gate_up.
func.func @moe_gate_up_bias_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>, %b: tensor<8x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op gate_up_bias must have shape [num_experts, 2 * intermediate] = 8x256, got 8x128}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) gate_up_bias(%b : tensor<8x128xf32>) {top_k = 2 : i64}
  return
}

// -----

// Tests that the down bias is one hidden-sized row per expert.
func.func @moe_down_bias_shape(%x: tensor<4x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>, %b: tensor<8x128xf32>) {
  // expected-error @+1 {{'deepc.moe' op down_bias must have shape [num_experts, hidden] = 8x64, got 8x128}}
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<8x64xf32> gate(%wg : tensor<8x128x64xf32>) up(%wg : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>) down_bias(%b : tensor<8x128xf32>) {top_k = 2 : i64}
  return
}
