// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// ONNX Attention forms deepc.attention cannot express, each with the reason.

// Tests that a used qk_matmul_output is refused: deepc.attention keeps its
// scores internal.
func.func @qk_matmul_output_used(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Attention node (opset 23): output 3 (qk_matmul_output, qk_matmul_output_mode = 2) is not supported: deepc.attention does not expose its attention scores}}
  %0:4 = onnx.node "Attention" version 23 (%q, %k, %v) {qk_matmul_output_mode = 2 : i64} : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown)
  return %0#3 : !onnx.unknown
}

// -----

// Tests that bfloat16 attention is refused: ONNX rounds every step to
// bfloat16, deepc.attention does not.
func.func @bf16(%q: tensor<1x1x2x8xbf16>, %k: tensor<1x1x2x8xbf16>, %v: tensor<1x1x2x8xbf16>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Attention node (opset 23): bfloat16 Q, K and V are not supported: deepc.attention computes in float32 where ONNX rounds each step to bfloat16}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) : (tensor<1x1x2x8xbf16>, tensor<1x1x2x8xbf16>, tensor<1x1x2x8xbf16>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a softmax in double precision is refused.
func.func @softmax_precision_double(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{softmax_precision = 11 is not supported: deepc.attention computes the softmax in float32}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {softmax_precision = 11 : i64} : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that 3-D inputs without head counts are refused.
func.func @missing_heads_3d(%q: tensor<1x2x16xf32>, %k: tensor<1x2x16xf32>, %v: tensor<1x2x16xf32>) -> !onnx.unknown {
  // expected-error @+1 {{3-D inputs need positive q_num_heads and kv_num_heads attributes, got 2 and 0}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {q_num_heads = 2 : i64} : (tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a hidden size that does not split into the heads is refused.
func.func @uneven_heads_3d(%q: tensor<1x2x16xf32>, %k: tensor<1x2x16xf32>, %v: tensor<1x2x16xf32>) -> !onnx.unknown {
  // expected-error @+1 {{the hidden size of Q (16) is not a known multiple of q_num_heads (3)}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {q_num_heads = 3 : i64, kv_num_heads = 1 : i64} : (tensor<1x2x16xf32>, tensor<1x2x16xf32>, tensor<1x2x16xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that past_key without past_value is refused.
func.func @past_key_alone(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %pk: tensor<1x1x3x8xf32>) -> !onnx.unknown {
  %none = onnx.none
  // expected-error @+1 {{past_key and past_value must be given together}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v, %none, %pk) : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, none, tensor<1x1x3x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that ONNX's causal rule with query and key lengths that may differ
// is refused unless the lengths are static (it becomes a constant mask).
func.func @causal_dynamic_lengths(%q: tensor<1x1x?x8xf32>, %k: tensor<1x1x?x8xf32>, %v: tensor<1x1x?x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{is_causal with ? queries and ? new keys is supported only for static lengths: ONNX aligns the queries with the first new key, deepc.attention with the last}}
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {is_causal = 1 : i64} : (tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>, tensor<1x1x?x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
