// RUN: deepc-opt %s -split-input-file | FileCheck %s
// Round trip through the custom form: the printed ops parse back to the same text.
// RUN: deepc-opt %s | deepc-opt | FileCheck %s
// And through the generic form, which spells out every attribute.
// RUN: deepc-opt %s -mlir-print-op-generic | deepc-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// deepc.rms_norm
//===----------------------------------------------------------------------===//

// Tests that rms_norm prints its weight and epsilon.
// CHECK-LABEL: func.func @rms_norm_weight(
// CHECK-SAME: %[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: deepc.rms_norm %[[X]], %[[W]] epsilon = 9.99999974E-6 : tensor<?x?x64xf32>, tensor<64xf32>
func.func @rms_norm_weight(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %0 = deepc.rms_norm %x, %w epsilon = 1.0e-05 : tensor<?x?x64xf32>, tensor<64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// Tests that rms_norm without a weight keeps the default epsilon.
// CHECK-LABEL: func.func @rms_norm_no_weight(
// CHECK-SAME: %[[X:.*]]: tensor<8xbf16>)
// CHECK: deepc.rms_norm %[[X]] epsilon = 9.99999997E-7 : tensor<8xbf16>
func.func @rms_norm_no_weight(%x: tensor<8xbf16>) -> tensor<8xbf16> {
  %0 = deepc.rms_norm %x epsilon = 1.0e-06 : tensor<8xbf16>
  return %0 : tensor<8xbf16>
}

// -----

// Tests that rms_norm accepts a dynamic channel count against a static weight.
// CHECK-LABEL: func.func @rms_norm_dynamic_channels(
// CHECK-SAME: %[[X:.*]]: tensor<4x?xf16>, %[[W:.*]]: tensor<64xf16>)
// CHECK: deepc.rms_norm %[[X]], %[[W]] epsilon = 0.000000e+00 : tensor<4x?xf16>, tensor<64xf16>
func.func @rms_norm_dynamic_channels(%x: tensor<4x?xf16>, %w: tensor<64xf16>) -> tensor<4x?xf16> {
  %0 = deepc.rms_norm %x, %w epsilon = 0.0 : tensor<4x?xf16>, tensor<64xf16>
  return %0 : tensor<4x?xf16>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.layer_norm
//===----------------------------------------------------------------------===//

// Tests that layer_norm with weight and bias prints both, each with its type.
// CHECK-LABEL: func.func @layer_norm_weight_bias(
// CHECK-SAME: %[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK: deepc.layer_norm %[[X]] weight %[[W]] : tensor<64xf32> bias %[[B]] : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<?x?x64xf32>
func.func @layer_norm_weight_bias(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %0 = deepc.layer_norm %x weight %w : tensor<64xf32> bias %b : tensor<64xf32> epsilon = 1.0e-05 : tensor<?x?x64xf32>
  return %0 : tensor<?x?x64xf32>
}

// -----

// Tests that layer_norm with a weight only round-trips.
// CHECK-LABEL: func.func @layer_norm_weight(
// CHECK-SAME: %[[X:.*]]: tensor<2x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK: deepc.layer_norm %[[X]] weight %[[W]] : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<2x64xf32>
func.func @layer_norm_weight(%x: tensor<2x64xf32>, %w: tensor<64xf32>) -> tensor<2x64xf32> {
  %0 = deepc.layer_norm %x weight %w : tensor<64xf32> epsilon = 1.0e-05 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that layer_norm with a bias only round-trips: the bias is not read
// back as a weight.
// CHECK-LABEL: func.func @layer_norm_bias(
// CHECK-SAME: %[[X:.*]]: tensor<2x64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK: deepc.layer_norm %[[X]] bias %[[B]] : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<2x64xf32>
func.func @layer_norm_bias(%x: tensor<2x64xf32>, %b: tensor<64xf32>) -> tensor<2x64xf32> {
  %0 = deepc.layer_norm %x bias %b : tensor<64xf32> epsilon = 1.0e-05 : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// -----

// Tests that layer_norm without weight or bias round-trips.
// CHECK-LABEL: func.func @layer_norm_plain(
// CHECK-SAME: %[[X:.*]]: tensor<2x64xbf16>)
// CHECK: deepc.layer_norm %[[X]] epsilon = 9.99999974E-6 : tensor<2x64xbf16>
func.func @layer_norm_plain(%x: tensor<2x64xbf16>) -> tensor<2x64xbf16> {
  %0 = deepc.layer_norm %x epsilon = 1.0e-05 : tensor<2x64xbf16>
  return %0 : tensor<2x64xbf16>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.rotary
//===----------------------------------------------------------------------===//

// Tests that rotary with the half layout over all channels omits rotary_dim.
// CHECK-LABEL: func.func @rotary_half(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x16x64xf32>, %[[COS:.*]]: tensor<16x32xf32>, %[[SIN:.*]]: tensor<16x32xf32>)
// CHECK: deepc.rotary %[[Q]], %[[COS]], %[[SIN]] layout = <half> : tensor<1x4x16x64xf32>, tensor<16x32xf32>
func.func @rotary_half(%q: tensor<1x4x16x64xf32>, %cos: tensor<16x32xf32>, %sin: tensor<16x32xf32>) -> tensor<1x4x16x64xf32> {
  %0 = deepc.rotary %q, %cos, %sin layout = <half> : tensor<1x4x16x64xf32>, tensor<16x32xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that rotary prints the interleaved layout and a partial rotary_dim.
// CHECK-LABEL: func.func @rotary_interleaved_partial(
// CHECK-SAME: %[[Q:.*]]: tensor<2x8x?x128xbf16>, %[[COS:.*]]: tensor<?x32xbf16>, %[[SIN:.*]]: tensor<?x32xbf16>)
// CHECK: deepc.rotary %[[Q]], %[[COS]], %[[SIN]] layout = <interleaved> rotary_dim = 64 : tensor<2x8x?x128xbf16>, tensor<?x32xbf16>
func.func @rotary_interleaved_partial(%q: tensor<2x8x?x128xbf16>, %cos: tensor<?x32xbf16>, %sin: tensor<?x32xbf16>) -> tensor<2x8x?x128xbf16> {
  %0 = deepc.rotary %q, %cos, %sin layout = <interleaved> rotary_dim = 64 : tensor<2x8x?x128xbf16>, tensor<?x32xbf16>
  return %0 : tensor<2x8x?x128xbf16>
}

// -----

// Tests that rotary accepts a dynamic head dimension with any table width.
// CHECK-LABEL: func.func @rotary_dynamic(
// CHECK-SAME: %[[Q:.*]]: tensor<?x?x?x?xf32>, %[[COS:.*]]: tensor<?x?xf32>, %[[SIN:.*]]: tensor<?x?xf32>)
// CHECK: deepc.rotary %[[Q]], %[[COS]], %[[SIN]] layout = <half> : tensor<?x?x?x?xf32>, tensor<?x?xf32>
func.func @rotary_dynamic(%q: tensor<?x?x?x?xf32>, %cos: tensor<?x?xf32>, %sin: tensor<?x?xf32>) -> tensor<?x?x?x?xf32> {
  %0 = deepc.rotary %q, %cos, %sin layout = <half> : tensor<?x?x?x?xf32>, tensor<?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// Tests that rotary takes tables gathered per batch and position,
// broadcasting over the heads ([B, 1, S, r/2] against [B, H, S, D]).
// CHECK-LABEL: func.func @rotary_broadcast_tables(
// CHECK-SAME: %[[Q:.*]]: tensor<2x4x16x64xf16>, %[[COS:.*]]: tensor<2x1x16x32xf16>, %[[SIN:.*]]: tensor<2x1x16x32xf16>)
// CHECK: deepc.rotary %[[Q]], %[[COS]], %[[SIN]] layout = <half> : tensor<2x4x16x64xf16>, tensor<2x1x16x32xf16>
func.func @rotary_broadcast_tables(%q: tensor<2x4x16x64xf16>, %cos: tensor<2x1x16x32xf16>, %sin: tensor<2x1x16x32xf16>) -> tensor<2x4x16x64xf16> {
  %0 = deepc.rotary %q, %cos, %sin layout = <half> : tensor<2x4x16x64xf16>, tensor<2x1x16x32xf16>
  return %0 : tensor<2x4x16x64xf16>
}

// -----

// Tests that rotary takes a single position's angles ([r/2]) for every token.
// CHECK-LABEL: func.func @rotary_rank1_tables(
// CHECK-SAME: %[[K:.*]]: tensor<1x192xf32>, %[[COS:.*]]: tensor<32xf32>, %[[SIN:.*]]: tensor<32xf32>)
// CHECK: deepc.rotary %[[K]], %[[COS]], %[[SIN]] layout = <interleaved> rotary_dim = 64 : tensor<1x192xf32>, tensor<32xf32>
func.func @rotary_rank1_tables(%k: tensor<1x192xf32>, %cos: tensor<32xf32>, %sin: tensor<32xf32>) -> tensor<1x192xf32> {
  %0 = deepc.rotary %k, %cos, %sin layout = <interleaved> rotary_dim = 64 : tensor<1x192xf32>, tensor<32xf32>
  return %0 : tensor<1x192xf32>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.attention
//===----------------------------------------------------------------------===//

// Tests that multi-head attention (num_heads = num_kv_heads) prints only the
// head counts when every other attribute is at its default.
// CHECK-LABEL: func.func @attention_mha(
// CHECK-SAME: %[[Q:.*]]: tensor<2x8x16x64xf32>, %[[K:.*]]: tensor<2x8x16x64xf32>, %[[V:.*]]: tensor<2x8x16x64xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {num_heads = 8 : i64, num_kv_heads = 8 : i64}
// CHECK-SAME: : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
func.func @attention_mha(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x16x64xf32>, %v: tensor<2x8x16x64xf32>) -> tensor<2x8x16x64xf32> {
  %0 = deepc.attention %q, %k, %v
      {num_heads = 8 : i64, num_kv_heads = 8 : i64}
      : tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>, tensor<2x8x16x64xf32>
  return %0 : tensor<2x8x16x64xf32>
}

// -----

// Tests that grouped-query attention keeps causal and both window bounds,
// with dynamic batch and sequence lengths.
// CHECK-LABEL: func.func @attention_gqa_window(
// CHECK-SAME: %[[Q:.*]]: tensor<?x8x?x64xf32>, %[[K:.*]]: tensor<?x2x?x64xf32>, %[[V:.*]]: tensor<?x2x?x64xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {causal, num_heads = 8 : i64, num_kv_heads = 2 : i64, window_left = 4096 : i64, window_right = 0 : i64}
// CHECK-SAME: : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
func.func @attention_gqa_window(%q: tensor<?x8x?x64xf32>, %k: tensor<?x2x?x64xf32>, %v: tensor<?x2x?x64xf32>) -> tensor<?x8x?x64xf32> {
  %0 = deepc.attention %q, %k, %v
      {causal, window_left = 4096 : i64, window_right = 0 : i64, num_heads = 8 : i64, num_kv_heads = 2 : i64}
      : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
  return %0 : tensor<?x8x?x64xf32>
}

// -----

// Tests that multi-query attention (num_kv_heads = 1) decodes one query
// against a key/value cache of dynamic length, in f16.
// CHECK-LABEL: func.func @attention_mqa_decode(
// CHECK-SAME: %[[Q:.*]]: tensor<?x16x1x128xf16>, %[[K:.*]]: tensor<?x1x?x128xf16>, %[[V:.*]]: tensor<?x1x?x128xf16>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {causal, num_heads = 16 : i64, num_kv_heads = 1 : i64}
// CHECK-SAME: : tensor<?x16x1x128xf16>, tensor<?x1x?x128xf16>, tensor<?x1x?x128xf16>
func.func @attention_mqa_decode(%q: tensor<?x16x1x128xf16>, %k: tensor<?x1x?x128xf16>, %v: tensor<?x1x?x128xf16>) -> tensor<?x16x1x128xf16> {
  %0 = deepc.attention %q, %k, %v
      {causal, num_heads = 16 : i64, num_kv_heads = 1 : i64}
      : tensor<?x16x1x128xf16>, tensor<?x1x?x128xf16>, tensor<?x1x?x128xf16>
  return %0 : tensor<?x16x1x128xf16>
}

// -----

// Tests that num_global_tokens round-trips with a two-sided window
// (Longformer style), in bf16.
// CHECK-LABEL: func.func @attention_global_tokens(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x?x64xbf16>, %[[K:.*]]: tensor<1x4x?x64xbf16>, %[[V:.*]]: tensor<1x4x?x64xbf16>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {num_global_tokens = 4 : i64, num_heads = 4 : i64, num_kv_heads = 4 : i64, window_left = 256 : i64, window_right = 256 : i64}
// CHECK-SAME: : tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>
func.func @attention_global_tokens(%q: tensor<1x4x?x64xbf16>, %k: tensor<1x4x?x64xbf16>, %v: tensor<1x4x?x64xbf16>) -> tensor<1x4x?x64xbf16> {
  %0 = deepc.attention %q, %k, %v
      {window_left = 256 : i64, window_right = 256 : i64, num_global_tokens = 4 : i64, num_heads = 4 : i64, num_kv_heads = 4 : i64}
      : tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>, tensor<1x4x?x64xbf16>
  return %0 : tensor<1x4x?x64xbf16>
}

// -----

// Tests that softcap and an explicit scale round-trip (Gemma 2 style).
// CHECK-LABEL: func.func @attention_softcap_scale(
// CHECK-SAME: %[[Q:.*]]: tensor<1x8x16x256xf32>, %[[K:.*]]: tensor<1x4x16x256xf32>, %[[V:.*]]: tensor<1x4x16x256xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {causal, num_heads = 8 : i64, num_kv_heads = 4 : i64, scale = 6.250000e-02 : f32, softcap = 5.000000e+01 : f32}
// CHECK-SAME: : tensor<1x8x16x256xf32>, tensor<1x4x16x256xf32>, tensor<1x4x16x256xf32>
func.func @attention_softcap_scale(%q: tensor<1x8x16x256xf32>, %k: tensor<1x4x16x256xf32>, %v: tensor<1x4x16x256xf32>) -> tensor<1x8x16x256xf32> {
  %0 = deepc.attention %q, %k, %v
      {causal, scale = 6.250000e-02 : f32, softcap = 5.000000e+01 : f32, num_heads = 8 : i64, num_kv_heads = 4 : i64}
      : tensor<1x8x16x256xf32>, tensor<1x4x16x256xf32>, tensor<1x4x16x256xf32>
  return %0 : tensor<1x8x16x256xf32>
}

// -----

// Tests that an additive float mask of shape [Sq, Skv] broadcasts over batch
// and heads, with Sq != Skv.
// CHECK-LABEL: func.func @attention_float_mask(
// CHECK-SAME: %[[Q:.*]]: tensor<2x8x16x64xf32>, %[[K:.*]]: tensor<2x8x32x64xf32>, %[[V:.*]]: tensor<2x8x32x64xf32>, %[[M:.*]]: tensor<16x32xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: mask %[[M]] : tensor<16x32xf32>
// CHECK-SAME: {num_heads = 8 : i64, num_kv_heads = 8 : i64}
// CHECK-SAME: : tensor<2x8x16x64xf32>, tensor<2x8x32x64xf32>, tensor<2x8x32x64xf32>
func.func @attention_float_mask(%q: tensor<2x8x16x64xf32>, %k: tensor<2x8x32x64xf32>, %v: tensor<2x8x32x64xf32>, %m: tensor<16x32xf32>) -> tensor<2x8x16x64xf32> {
  %0 = deepc.attention %q, %k, %v
      mask %m : tensor<16x32xf32>
      {num_heads = 8 : i64, num_kv_heads = 8 : i64}
      : tensor<2x8x16x64xf32>, tensor<2x8x32x64xf32>, tensor<2x8x32x64xf32>
  return %0 : tensor<2x8x16x64xf32>
}

// -----

// Tests that a boolean padding mask per batch and key ([B, 1, 1, Skv])
// round-trips with dynamic batch and sequence lengths.
// CHECK-LABEL: func.func @attention_bool_mask(
// CHECK-SAME: %[[Q:.*]]: tensor<?x8x?x64xf16>, %[[K:.*]]: tensor<?x8x?x64xf16>, %[[V:.*]]: tensor<?x8x?x64xf16>, %[[M:.*]]: tensor<?x1x1x?xi1>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: mask %[[M]] : tensor<?x1x1x?xi1>
// CHECK-SAME: {num_heads = 8 : i64, num_kv_heads = 8 : i64}
// CHECK-SAME: : tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>
func.func @attention_bool_mask(%q: tensor<?x8x?x64xf16>, %k: tensor<?x8x?x64xf16>, %v: tensor<?x8x?x64xf16>, %m: tensor<?x1x1x?xi1>) -> tensor<?x8x?x64xf16> {
  %0 = deepc.attention %q, %k, %v
      mask %m : tensor<?x1x1x?xi1>
      {num_heads = 8 : i64, num_kv_heads = 8 : i64}
      : tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>
  return %0 : tensor<?x8x?x64xf16>
}

// -----

// Tests that the dynamic sigmoid gate takes one gate per query ([H, D, 1]).
// CHECK-LABEL: func.func @attention_gate_per_query(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x16x64xf32>, %[[K:.*]]: tensor<1x4x16x64xf32>, %[[V:.*]]: tensor<1x4x16x64xf32>, %[[G:.*]]: tensor<4x64x1xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: gate %[[G]] : tensor<4x64x1xf32>
// CHECK-SAME: {num_heads = 4 : i64, num_kv_heads = 4 : i64}
// CHECK-SAME: : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
func.func @attention_gate_per_query(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x16x64xf32>, %v: tensor<1x4x16x64xf32>, %g: tensor<4x64x1xf32>) -> tensor<1x4x16x64xf32> {
  %0 = deepc.attention %q, %k, %v
      gate %g : tensor<4x64x1xf32>
      {num_heads = 4 : i64, num_kv_heads = 4 : i64}
      : tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that the dynamic sigmoid gate takes one gate per query/key pair
// ([H, D, Skv]).
// CHECK-LABEL: func.func @attention_gate_per_pair(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x16x64xf32>, %[[K:.*]]: tensor<1x4x32x64xf32>, %[[V:.*]]: tensor<1x4x32x64xf32>, %[[G:.*]]: tensor<4x64x32xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: gate %[[G]] : tensor<4x64x32xf32>
// CHECK-SAME: {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
// CHECK-SAME: : tensor<1x4x16x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>
func.func @attention_gate_per_pair(%q: tensor<1x4x16x64xf32>, %k: tensor<1x4x32x64xf32>, %v: tensor<1x4x32x64xf32>, %g: tensor<4x64x32xf32>) -> tensor<1x4x16x64xf32> {
  %0 = deepc.attention %q, %k, %v
      gate %g : tensor<4x64x32xf32>
      {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64}
      : tensor<1x4x16x64xf32>, tensor<1x4x32x64xf32>, tensor<1x4x32x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that attention sinks ([Hq], gpt-oss style) round-trip with a sliding
// window and 8 query heads per key/value head.
// CHECK-LABEL: func.func @attention_sinks(
// CHECK-SAME: %[[Q:.*]]: tensor<?x64x?x64xbf16>, %[[K:.*]]: tensor<?x8x?x64xbf16>, %[[V:.*]]: tensor<?x8x?x64xbf16>, %[[S:.*]]: tensor<64xbf16>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: sinks %[[S]] : tensor<64xbf16>
// CHECK-SAME: {causal, num_heads = 64 : i64, num_kv_heads = 8 : i64, window_left = 127 : i64}
// CHECK-SAME: : tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>
func.func @attention_sinks(%q: tensor<?x64x?x64xbf16>, %k: tensor<?x8x?x64xbf16>, %v: tensor<?x8x?x64xbf16>, %s: tensor<64xbf16>) -> tensor<?x64x?x64xbf16> {
  %0 = deepc.attention %q, %k, %v
      sinks %s : tensor<64xbf16>
      {causal, window_left = 127 : i64, num_heads = 64 : i64, num_kv_heads = 8 : i64}
      : tensor<?x64x?x64xbf16>, tensor<?x8x?x64xbf16>, tensor<?x8x?x64xbf16>
  return %0 : tensor<?x64x?x64xbf16>
}

// -----

// Tests that mask, gate and sinks given together keep their order.
// CHECK-LABEL: func.func @attention_all_operands(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x16x64xf32>, %[[K:.*]]: tensor<1x2x16x64xf32>, %[[V:.*]]: tensor<1x2x16x64xf32>, %[[M:.*]]: tensor<1x1x16x16xf32>, %[[G:.*]]: tensor<4x64x1xf32>, %[[S:.*]]: tensor<4xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: mask %[[M]] : tensor<1x1x16x16xf32>
// CHECK-SAME: gate %[[G]] : tensor<4x64x1xf32>
// CHECK-SAME: sinks %[[S]] : tensor<4xf32>
// CHECK-SAME: {num_heads = 4 : i64, num_kv_heads = 2 : i64}
// CHECK-SAME: : tensor<1x4x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
func.func @attention_all_operands(%q: tensor<1x4x16x64xf32>, %k: tensor<1x2x16x64xf32>, %v: tensor<1x2x16x64xf32>, %m: tensor<1x1x16x16xf32>, %g: tensor<4x64x1xf32>, %s: tensor<4xf32>) -> tensor<1x4x16x64xf32> {
  %0 = deepc.attention %q, %k, %v
      mask %m : tensor<1x1x16x16xf32>
      gate %g : tensor<4x64x1xf32>
      sinks %s : tensor<4xf32>
      {num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<1x4x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that MLA-style heads (192-wide queries and keys, 128-wide values)
// give a result with the value head size.
// CHECK-LABEL: func.func @attention_mla(
// CHECK-SAME: %[[Q:.*]]: tensor<?x16x?x192xbf16>, %[[K:.*]]: tensor<?x16x?x192xbf16>, %[[V:.*]]: tensor<?x16x?x128xbf16>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {causal, num_heads = 16 : i64, num_kv_heads = 16 : i64, scale = 0.0721687824 : f32}
// CHECK-SAME: : tensor<?x16x?x192xbf16>, tensor<?x16x?x192xbf16>, tensor<?x16x?x128xbf16>
func.func @attention_mla(%q: tensor<?x16x?x192xbf16>, %k: tensor<?x16x?x192xbf16>, %v: tensor<?x16x?x128xbf16>) -> tensor<?x16x?x128xbf16> {
  %0 = deepc.attention %q, %k, %v
      {causal, scale = 0.0721687824 : f32, num_heads = 16 : i64, num_kv_heads = 16 : i64}
      : tensor<?x16x?x192xbf16>, tensor<?x16x?x192xbf16>, tensor<?x16x?x128xbf16>
  return %0 : tensor<?x16x?x128xbf16>
}

// -----

// Tests that a dynamic head dimension is accepted with an explicit scale.
// CHECK-LABEL: func.func @attention_dynamic_head_dim(
// CHECK-SAME: %[[Q:.*]]: tensor<?x?x?x?xf32>, %[[K:.*]]: tensor<?x?x?x?xf32>, %[[V:.*]]: tensor<?x?x?x?xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[V]]
// CHECK-SAME: {num_heads = 8 : i64, num_kv_heads = 2 : i64, scale = 1.250000e-01 : f32}
// CHECK-SAME: : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
func.func @attention_dynamic_head_dim(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>, %v: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %0 = deepc.attention %q, %k, %v
      {scale = 1.250000e-01 : f32, num_heads = 8 : i64, num_kv_heads = 2 : i64}
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

//===----------------------------------------------------------------------===//
// deepc.moe
//===----------------------------------------------------------------------===//

// Tests that a softmax-routed MoE with separate gate and up projections
// (Mixtral) round-trips with renormalize.
// CHECK-LABEL: func.func @moe_separate(
// CHECK-SAME: %[[X:.*]]: tensor<?x64xf32>, %[[R:.*]]: tensor<8x64xf32>, %[[WG:.*]]: tensor<8x128x64xf32>, %[[WU:.*]]: tensor<8x128x64xf32>, %[[WD:.*]]: tensor<8x64x128xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x64xf32>, tensor<8x64xf32>
// CHECK-SAME: gate(%[[WG]] : tensor<8x128x64xf32>)
// CHECK-SAME: up(%[[WU]] : tensor<8x128x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<8x64x128xf32>)
// CHECK-SAME: {renormalize, top_k = 2 : i64}
func.func @moe_separate(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x128x64xf32>, %wd: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%wg : tensor<8x128x64xf32>)
      up(%wu : tensor<8x128x64xf32>)
      down(%wd : tensor<8x64x128xf32>)
      {top_k = 2 : i64, renormalize}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a fused gate_up projection ([E, 2I, H]) works over
// [batch, seq, hidden] states.
// CHECK-LABEL: func.func @moe_fused_3d(
// CHECK-SAME: %[[X:.*]]: tensor<?x?x64xbf16>, %[[R:.*]]: tensor<16x64xbf16>, %[[WGU:.*]]: tensor<16x256x64xbf16>, %[[WD:.*]]: tensor<16x64x128xbf16>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x?x64xbf16>, tensor<16x64xbf16>
// CHECK-SAME: gate_up(%[[WGU]] : tensor<16x256x64xbf16>)
// CHECK-SAME: down(%[[WD]] : tensor<16x64x128xbf16>)
// CHECK-SAME: {activation = #deepc.activation<gelu_tanh>, top_k = 4 : i64}
func.func @moe_fused_3d(%x: tensor<?x?x64xbf16>, %r: tensor<16x64xbf16>, %wgu: tensor<16x256x64xbf16>, %wd: tensor<16x64x128xbf16>) -> tensor<?x?x64xbf16> {
  %0 = deepc.moe %x, %r : tensor<?x?x64xbf16>, tensor<16x64xbf16>
      gate_up(%wgu : tensor<16x256x64xbf16>)
      down(%wd : tensor<16x64x128xbf16>)
      {top_k = 4 : i64, activation = #deepc.activation<gelu_tanh>}
  return %0 : tensor<?x?x64xbf16>
}

// -----

// Tests that a non-gated MoE takes only up and down, with a relu activation.
// CHECK-LABEL: func.func @moe_not_gated_relu(
// CHECK-SAME: %[[X:.*]]: tensor<4x64xf32>, %[[R:.*]]: tensor<4x64xf32>, %[[WU:.*]]: tensor<4x256x64xf32>, %[[WD:.*]]: tensor<4x64x256xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<4x64xf32>, tensor<4x64xf32>
// CHECK-SAME: up(%[[WU]] : tensor<4x256x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<4x64x256xf32>)
// CHECK-SAME: {activation = #deepc.activation<relu>, gated = false, top_k = 1 : i64}
func.func @moe_not_gated_relu(%x: tensor<4x64xf32>, %r: tensor<4x64xf32>, %wu: tensor<4x256x64xf32>, %wd: tensor<4x64x256xf32>) -> tensor<4x64xf32> {
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<4x64xf32>
      up(%wu : tensor<4x256x64xf32>)
      down(%wd : tensor<4x64x256xf32>)
      {top_k = 1 : i64, gated = false, activation = #deepc.activation<relu>}
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that a non-gated MoE with gelu takes non-gated shared experts (no
// shared_gate).
// CHECK-LABEL: func.func @moe_not_gated_gelu_shared(
// CHECK-SAME: %[[X:.*]]: tensor<4x64xf32>, %[[R:.*]]: tensor<4x64xf32>, %[[WU:.*]]: tensor<4x256x64xf32>, %[[WD:.*]]: tensor<4x64x256xf32>, %[[SU:.*]]: tensor<512x64xf32>, %[[SD:.*]]: tensor<64x512xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<4x64xf32>, tensor<4x64xf32>
// CHECK-SAME: up(%[[WU]] : tensor<4x256x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<4x64x256xf32>)
// CHECK-SAME: shared_up(%[[SU]] : tensor<512x64xf32>)
// CHECK-SAME: shared_down(%[[SD]] : tensor<64x512xf32>)
// CHECK-SAME: {activation = #deepc.activation<gelu>, gated = false, top_k = 2 : i64}
func.func @moe_not_gated_gelu_shared(%x: tensor<4x64xf32>, %r: tensor<4x64xf32>, %wu: tensor<4x256x64xf32>, %wd: tensor<4x64x256xf32>, %su: tensor<512x64xf32>, %sd: tensor<64x512xf32>) -> tensor<4x64xf32> {
  %0 = deepc.moe %x, %r : tensor<4x64xf32>, tensor<4x64xf32>
      up(%wu : tensor<4x256x64xf32>)
      down(%wd : tensor<4x64x256xf32>)
      shared_up(%su : tensor<512x64xf32>)
      shared_down(%sd : tensor<64x512xf32>)
      {top_k = 2 : i64, gated = false, activation = #deepc.activation<gelu>}
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that DeepSeek-V3 routing round-trips: sigmoid scores, an f32
// load-balancing correction bias, 8 groups of which the best 4 (by top-2 sum)
// stay eligible, top-8 experts scaled by 2.5, and one gated shared expert.
// group_score = top2_sum is the default, so it is not printed back.
// CHECK-LABEL: func.func @moe_deepseek_v3(
// CHECK-SAME: %[[X:.*]]: tensor<?x64xbf16>, %[[R:.*]]: tensor<64x64xbf16>, %[[BIAS:.*]]: tensor<64xf32>, %[[WG:.*]]: tensor<64x32x64xbf16>, %[[WU:.*]]: tensor<64x32x64xbf16>, %[[WD:.*]]: tensor<64x64x32xbf16>, %[[SG:.*]]: tensor<32x64xbf16>, %[[SU:.*]]: tensor<32x64xbf16>, %[[SD:.*]]: tensor<64x32xbf16>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x64xbf16>, tensor<64x64xbf16>
// CHECK-SAME: gate(%[[WG]] : tensor<64x32x64xbf16>)
// CHECK-SAME: up(%[[WU]] : tensor<64x32x64xbf16>)
// CHECK-SAME: down(%[[WD]] : tensor<64x64x32xbf16>)
// CHECK-SAME: correction_bias(%[[BIAS]] : tensor<64xf32>)
// CHECK-SAME: shared_gate(%[[SG]] : tensor<32x64xbf16>)
// CHECK-SAME: shared_up(%[[SU]] : tensor<32x64xbf16>)
// CHECK-SAME: shared_down(%[[SD]] : tensor<64x32xbf16>)
// CHECK-SAME: {n_group = 8 : i64, renormalize, routed_scaling_factor = 2.500000e+00 : f32, router = #deepc.router<sigmoid>, top_k = 8 : i64, topk_group = 4 : i64}
func.func @moe_deepseek_v3(%x: tensor<?x64xbf16>, %r: tensor<64x64xbf16>, %bias: tensor<64xf32>, %wg: tensor<64x32x64xbf16>, %wu: tensor<64x32x64xbf16>, %wd: tensor<64x64x32xbf16>, %sg: tensor<32x64xbf16>, %su: tensor<32x64xbf16>, %sd: tensor<64x32xbf16>) -> tensor<?x64xbf16> {
  %0 = deepc.moe %x, %r : tensor<?x64xbf16>, tensor<64x64xbf16>
      gate(%wg : tensor<64x32x64xbf16>)
      up(%wu : tensor<64x32x64xbf16>)
      down(%wd : tensor<64x64x32xbf16>)
      correction_bias(%bias : tensor<64xf32>)
      shared_gate(%sg : tensor<32x64xbf16>)
      shared_up(%su : tensor<32x64xbf16>)
      shared_down(%sd : tensor<64x32xbf16>)
      {top_k = 8 : i64, router = #deepc.router<sigmoid>, renormalize, n_group = 8 : i64, topk_group = 4 : i64, group_score = #deepc.group_score<top2_sum>, routed_scaling_factor = 2.500000e+00 : f32}
  return %0 : tensor<?x64xbf16>
}

// -----

// Tests that group-limited routing may score each group by its best expert
// (group_score = max), even with one expert per group.
// CHECK-LABEL: func.func @moe_group_max(
// CHECK-SAME: %[[X:.*]]: tensor<?x64xf32>, %[[R:.*]]: tensor<8x64xf32>, %[[WGU:.*]]: tensor<8x64x64xf32>, %[[WD:.*]]: tensor<8x64x32xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x64xf32>, tensor<8x64xf32>
// CHECK-SAME: gate_up(%[[WGU]] : tensor<8x64x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<8x64x32xf32>)
// CHECK-SAME: {group_score = #deepc.group_score<max>, n_group = 8 : i64, top_k = 2 : i64, topk_group = 2 : i64}
func.func @moe_group_max(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x64x64xf32>, %wd: tensor<8x64x32xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate_up(%wgu : tensor<8x64x64xf32>)
      down(%wd : tensor<8x64x32xf32>)
      {top_k = 2 : i64, n_group = 8 : i64, topk_group = 2 : i64, group_score = #deepc.group_score<max>}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that Qwen2-MoE shared experts take a [1, H] shared_expert_gate.
// CHECK-LABEL: func.func @moe_qwen2_shared_gate_2d(
// CHECK-SAME: %[[X:.*]]: tensor<?x?x64xf16>, %[[R:.*]]: tensor<60x64xf16>, %[[WG:.*]]: tensor<60x32x64xf16>, %[[WU:.*]]: tensor<60x32x64xf16>, %[[WD:.*]]: tensor<60x64x32xf16>, %[[SG:.*]]: tensor<128x64xf16>, %[[SU:.*]]: tensor<128x64xf16>, %[[SD:.*]]: tensor<64x128xf16>, %[[SEG:.*]]: tensor<1x64xf16>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x?x64xf16>, tensor<60x64xf16>
// CHECK-SAME: gate(%[[WG]] : tensor<60x32x64xf16>)
// CHECK-SAME: up(%[[WU]] : tensor<60x32x64xf16>)
// CHECK-SAME: down(%[[WD]] : tensor<60x64x32xf16>)
// CHECK-SAME: shared_gate(%[[SG]] : tensor<128x64xf16>)
// CHECK-SAME: shared_up(%[[SU]] : tensor<128x64xf16>)
// CHECK-SAME: shared_down(%[[SD]] : tensor<64x128xf16>)
// CHECK-SAME: shared_expert_gate(%[[SEG]] : tensor<1x64xf16>)
// CHECK-SAME: {top_k = 4 : i64}
func.func @moe_qwen2_shared_gate_2d(%x: tensor<?x?x64xf16>, %r: tensor<60x64xf16>, %wg: tensor<60x32x64xf16>, %wu: tensor<60x32x64xf16>, %wd: tensor<60x64x32xf16>, %sg: tensor<128x64xf16>, %su: tensor<128x64xf16>, %sd: tensor<64x128xf16>, %seg: tensor<1x64xf16>) -> tensor<?x?x64xf16> {
  %0 = deepc.moe %x, %r : tensor<?x?x64xf16>, tensor<60x64xf16>
      gate(%wg : tensor<60x32x64xf16>)
      up(%wu : tensor<60x32x64xf16>)
      down(%wd : tensor<60x64x32xf16>)
      shared_gate(%sg : tensor<128x64xf16>)
      shared_up(%su : tensor<128x64xf16>)
      shared_down(%sd : tensor<64x128xf16>)
      shared_expert_gate(%seg : tensor<1x64xf16>)
      {top_k = 4 : i64}
  return %0 : tensor<?x?x64xf16>
}

// -----

// Tests that shared_expert_gate may also be a vector [H].
// CHECK-LABEL: func.func @moe_shared_gate_1d(
// CHECK-SAME: %[[X:.*]]: tensor<?x64xf32>, %[[R:.*]]: tensor<4x64xf32>, %[[WG:.*]]: tensor<4x32x64xf32>, %[[WU:.*]]: tensor<4x32x64xf32>, %[[WD:.*]]: tensor<4x64x32xf32>, %[[SG:.*]]: tensor<128x64xf32>, %[[SU:.*]]: tensor<128x64xf32>, %[[SD:.*]]: tensor<64x128xf32>, %[[SEG:.*]]: tensor<64xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x64xf32>, tensor<4x64xf32>
// CHECK-SAME: gate(%[[WG]] : tensor<4x32x64xf32>)
// CHECK-SAME: up(%[[WU]] : tensor<4x32x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<4x64x32xf32>)
// CHECK-SAME: shared_gate(%[[SG]] : tensor<128x64xf32>)
// CHECK-SAME: shared_up(%[[SU]] : tensor<128x64xf32>)
// CHECK-SAME: shared_down(%[[SD]] : tensor<64x128xf32>)
// CHECK-SAME: shared_expert_gate(%[[SEG]] : tensor<64xf32>)
// CHECK-SAME: {top_k = 2 : i64}
func.func @moe_shared_gate_1d(%x: tensor<?x64xf32>, %r: tensor<4x64xf32>, %wg: tensor<4x32x64xf32>, %wu: tensor<4x32x64xf32>, %wd: tensor<4x64x32xf32>, %sg: tensor<128x64xf32>, %su: tensor<128x64xf32>, %sd: tensor<64x128xf32>, %seg: tensor<64xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<4x64xf32>
      gate(%wg : tensor<4x32x64xf32>)
      up(%wu : tensor<4x32x64xf32>)
      down(%wd : tensor<4x64x32xf32>)
      shared_gate(%sg : tensor<128x64xf32>)
      shared_up(%su : tensor<128x64xf32>)
      shared_down(%sd : tensor<64x128xf32>)
      shared_expert_gate(%seg : tensor<64xf32>)
      {top_k = 2 : i64}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that capacity_factor round-trips (Switch Transformer style top-1
// routing).
// CHECK-LABEL: func.func @moe_capacity(
// CHECK-SAME: %[[X:.*]]: tensor<32x64xf32>, %[[R:.*]]: tensor<8x64xf32>, %[[WU:.*]]: tensor<8x256x64xf32>, %[[WD:.*]]: tensor<8x64x256xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<32x64xf32>, tensor<8x64xf32>
// CHECK-SAME: up(%[[WU]] : tensor<8x256x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<8x64x256xf32>)
// CHECK-SAME: {activation = #deepc.activation<relu>, capacity_factor = 1.250000e+00 : f32, gated = false, top_k = 1 : i64}
func.func @moe_capacity(%x: tensor<32x64xf32>, %r: tensor<8x64xf32>, %wu: tensor<8x256x64xf32>, %wd: tensor<8x64x256xf32>) -> tensor<32x64xf32> {
  %0 = deepc.moe %x, %r : tensor<32x64xf32>, tensor<8x64xf32>
      up(%wu : tensor<8x256x64xf32>)
      down(%wd : tensor<8x64x256xf32>)
      {top_k = 1 : i64, gated = false, activation = #deepc.activation<relu>, capacity_factor = 1.250000e+00 : f32}
  return %0 : tensor<32x64xf32>
}

// -----

// Tests that expert weights may leave the intermediate and hidden sizes
// dynamic.
// CHECK-LABEL: func.func @moe_dynamic_weights(
// CHECK-SAME: %[[X:.*]]: tensor<?x?xf32>, %[[R:.*]]: tensor<8x?xf32>, %[[WG:.*]]: tensor<8x?x?xf32>, %[[WU:.*]]: tensor<8x?x?xf32>, %[[WD:.*]]: tensor<8x?x?xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x?xf32>, tensor<8x?xf32>
// CHECK-SAME: gate(%[[WG]] : tensor<8x?x?xf32>)
// CHECK-SAME: up(%[[WU]] : tensor<8x?x?xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<8x?x?xf32>)
// CHECK-SAME: {top_k = 2 : i64}
func.func @moe_dynamic_weights(%x: tensor<?x?xf32>, %r: tensor<8x?xf32>, %wg: tensor<8x?x?xf32>, %wu: tensor<8x?x?xf32>, %wd: tensor<8x?x?xf32>) -> tensor<?x?xf32> {
  %0 = deepc.moe %x, %r : tensor<?x?xf32>, tensor<8x?xf32>
      gate(%wg : tensor<8x?x?xf32>)
      up(%wu : tensor<8x?x?xf32>)
      down(%wd : tensor<8x?x?xf32>)
      {top_k = 2 : i64}
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that the default scale only needs one of q's and k's head
// dimensions to be static.
// CHECK-LABEL: func.func @attention_default_scale_from_k(
// CHECK-SAME: %[[Q:.*]]: tensor<1x4x16x?xf32>, %[[K:.*]]: tensor<1x4x16x64xf32>)
// CHECK: deepc.attention %[[Q]], %[[K]], %[[K]]
// CHECK-SAME: {num_heads = 4 : i64, num_kv_heads = 4 : i64}
// CHECK-SAME: : tensor<1x4x16x?xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
func.func @attention_default_scale_from_k(%q: tensor<1x4x16x?xf32>, %k: tensor<1x4x16x64xf32>) -> tensor<1x4x16x64xf32> {
  %0 = deepc.attention %q, %k, %k
      {num_heads = 4 : i64, num_kv_heads = 4 : i64}
      : tensor<1x4x16x?xf32>, tensor<1x4x16x64xf32>, tensor<1x4x16x64xf32>
  return %0 : tensor<1x4x16x64xf32>
}

// -----

// Tests that hidden states with a dynamic hidden size take expert weights
// whose hidden size matches the router's.
// CHECK-LABEL: func.func @moe_dynamic_hidden(
// CHECK-SAME: %[[X:.*]]: tensor<?x?xf32>, %[[R:.*]]: tensor<8x64xf32>, %[[WGU:.*]]: tensor<8x256x64xf32>, %[[WD:.*]]: tensor<8x64x?xf32>)
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x?xf32>, tensor<8x64xf32>
// CHECK-SAME: gate_up(%[[WGU]] : tensor<8x256x64xf32>)
// CHECK-SAME: down(%[[WD]] : tensor<8x64x?xf32>)
// CHECK-SAME: {top_k = 2 : i64}
func.func @moe_dynamic_hidden(%x: tensor<?x?xf32>, %r: tensor<8x64xf32>, %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x?xf32>) -> tensor<?x?xf32> {
  %0 = deepc.moe %x, %r : tensor<?x?xf32>, tensor<8x64xf32>
      gate_up(%wgu : tensor<8x256x64xf32>)
      down(%wd : tensor<8x64x?xf32>)
      {top_k = 2 : i64}
  return %0 : tensor<?x?xf32>
}

// -----

// Tests expert biases on every projection: separate gate and up, a fused
// gate_up, and a non-gated expert (ONNX Runtime's MoE, gpt-oss).
// CHECK-LABEL: func.func @moe_biases(
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32> gate(%{{.*}} : tensor<8x128x64xf32>) up(%{{.*}} : tensor<8x128x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) gate_bias(%{{.*}} : tensor<8x128xf32>) up_bias(%{{.*}} : tensor<8x128xf32>) down_bias(%{{.*}} : tensor<8x64xf32>) {top_k = 2 : i64}
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%{{.*}} : tensor<8x256x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) gate_up_bias(%{{.*}} : tensor<8x256xf32>) {top_k = 2 : i64}
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32> up(%{{.*}} : tensor<8x128x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) up_bias(%{{.*}} : tensor<8x128xf32>) down_bias(%{{.*}} : tensor<8x64xf32>) {activation = #deepc.activation<relu>, gated = false, top_k = 1 : i64}
func.func @moe_biases(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %wg: tensor<8x128x64xf32>, %wu: tensor<8x128x64xf32>,
                      %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>, %bi: tensor<8x128xf32>,
                      %bgu: tensor<8x256xf32>, %bd: tensor<8x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>)
      gate_bias(%bi : tensor<8x128xf32>) up_bias(%bi : tensor<8x128xf32>) down_bias(%bd : tensor<8x64xf32>)
      {top_k = 2 : i64}
  %1 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) gate_up_bias(%bgu : tensor<8x256xf32>)
      {top_k = 2 : i64}
  %2 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>)
      up_bias(%bi : tensor<8x128xf32>) down_bias(%bd : tensor<8x64xf32>)
      {top_k = 1 : i64, gated = false, activation = #deepc.activation<relu>}
  return %0, %1, %2 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}
