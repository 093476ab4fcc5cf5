// One Mixtral-style decoder layer in the deepc dialect, at toy size:
// hidden 64, 4 query heads and 2 key/value heads of width 16 (grouped-query
// attention), a 4096-token sliding window, and a Mixture-of-Experts
// feed-forward block with 8 experts, top-2 routing and SiLU-gated experts of
// intermediate size 128.
//
// Batch and sequence length are dynamic. The weights come in as function
// arguments in the nn.Linear layout [out, in]; cos/sin are the rotary tables
// already gathered for the positions being processed ([seq, head_dim / 2]).
//
// The IR is written the way legalization of an exported model leaves it, so
// that `deepc-opt --canonicalize --cse` has something to clean up (see
// scripts/demo.sh):
//   (a) every reshape computes its own runtime shape from tensor.dim, so the
//       dims are read more than once (CSE merges the copies);
//   (b) K is transposed for q·Kᵀ and straight back again (the pair folds
//       away);
//   (c) the o projection reads its weight through an explicit transpose
//       (absorbed into the matmul as transpose_rhs);
//   (d) the exporter added an all-zero o_proj bias (add(x, 0) -> x).
//
//   ./build/bin/deepc-opt examples/mixtral_layer.mlir --canonicalize --cse

func.func @mixtral_layer(
    %x: tensor<?x?x64xf32>,              // hidden states [batch, seq, 64]
    %cos: tensor<?x8xf32>,               // rotary cos [seq, 8]
    %sin: tensor<?x8xf32>,               // rotary sin [seq, 8]
    %attn_norm_w: tensor<64xf32>,        // input_layernorm
    %wq: tensor<64x64xf32>,              // q_proj [4 heads * 16, 64]
    %wk: tensor<32x64xf32>,              // k_proj [2 heads * 16, 64]
    %wv: tensor<32x64xf32>,              // v_proj [2 heads * 16, 64]
    %wo_in_out: tensor<64x64xf32>,       // o_proj, stored [in, out]
    %ffn_norm_w: tensor<64xf32>,         // post_attention_layernorm
    %router: tensor<8x64xf32>,           // block_sparse_moe.gate [8 experts, 64]
    %w_gate: tensor<8x128x64xf32>,       // experts.*.w1
    %w_up: tensor<8x128x64xf32>,         // experts.*.w3
    %w_down: tensor<8x64x128xf32>        // experts.*.w2
  ) -> tensor<?x?x64xf32> {

  //===--- self-attention ---------------------------------------------===//
  %h = deepc.rms_norm %x, %attn_norm_w epsilon = 1.0e-05
      : tensor<?x?x64xf32>, tensor<64xf32>

  %q = deepc.matmul %h, %wq transpose_rhs
      : tensor<?x?x64xf32>, tensor<64x64xf32>
  %k = deepc.matmul %h, %wk transpose_rhs
      : tensor<?x?x64xf32>, tensor<32x64xf32>
  %v = deepc.matmul %h, %wv transpose_rhs
      : tensor<?x?x64xf32>, tensor<32x64xf32>

  // (a) Runtime shapes [batch, seq, heads, 16] for the head split.
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2_i64 = arith.constant 2 : i64
  %c4_i64 = arith.constant 4 : i64
  %c16_i64 = arith.constant 16 : i64
  %c64_i64 = arith.constant 64 : i64
  %batch_q = tensor.dim %x, %c0 : tensor<?x?x64xf32>
  %seq_q = tensor.dim %x, %c1 : tensor<?x?x64xf32>
  %batch_q_i64 = arith.index_cast %batch_q : index to i64
  %seq_q_i64 = arith.index_cast %seq_q : index to i64
  %q_shape = tensor.from_elements %batch_q_i64, %seq_q_i64, %c4_i64, %c16_i64
      : tensor<4xi64>
  %batch_kv = tensor.dim %x, %c0 : tensor<?x?x64xf32>
  %seq_kv = tensor.dim %x, %c1 : tensor<?x?x64xf32>
  %batch_kv_i64 = arith.index_cast %batch_kv : index to i64
  %seq_kv_i64 = arith.index_cast %seq_kv : index to i64
  %kv_shape = tensor.from_elements %batch_kv_i64, %seq_kv_i64, %c2_i64, %c16_i64
      : tensor<4xi64>

  // [batch, seq, heads * 16] -> [batch, seq, heads, 16] -> [batch, heads, seq, 16]
  %q4 = deepc.reshape %q shape %q_shape
      : tensor<?x?x64xf32>, tensor<4xi64> -> tensor<?x?x4x16xf32>
  %qh = deepc.transpose %q4 [0, 2, 1, 3] : tensor<?x?x4x16xf32>
  %k4 = deepc.reshape %k shape %kv_shape
      : tensor<?x?x32xf32>, tensor<4xi64> -> tensor<?x?x2x16xf32>
  %kh = deepc.transpose %k4 [0, 2, 1, 3] : tensor<?x?x2x16xf32>
  %v4 = deepc.reshape %v shape %kv_shape
      : tensor<?x?x32xf32>, tensor<4xi64> -> tensor<?x?x2x16xf32>
  %vh = deepc.transpose %v4 [0, 2, 1, 3] : tensor<?x?x2x16xf32>

  // Rotary embedding on queries and keys (Llama/Mistral "half" pairing).
  %q_rot = deepc.rotary %qh, %cos, %sin layout = <half>
      : tensor<?x4x?x16xf32>, tensor<?x8xf32>
  %k_rot = deepc.rotary %kh, %cos, %sin layout = <half>
      : tensor<?x2x?x16xf32>, tensor<?x8xf32>

  // (b) Kᵀ as the exporter wrote it for q·Kᵀ, then back to [b, h, seq, 16].
  %k_t = deepc.transpose %k_rot [0, 1, 3, 2] : tensor<?x2x?x16xf32>
  %k_att = deepc.transpose %k_t [0, 1, 3, 2] : tensor<?x2x16x?xf32>

  // Causal grouped-query attention over a 4096-token window: each query
  // sees itself and the 4095 keys before it. Query head h reads KV head h / 2.
  %attn = deepc.attention %q_rot, %k_att, %vh
      {causal, window_left = 4095 : i64,
       num_heads = 4 : i64, num_kv_heads = 2 : i64}
      : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

  // [batch, 4, seq, 16] -> [batch, seq, 4, 16] -> [batch, seq, 64]
  %attn_bshd = deepc.transpose %attn [0, 2, 1, 3] : tensor<?x4x?x16xf32>
  %batch_o = tensor.dim %x, %c0 : tensor<?x?x64xf32>
  %seq_o = tensor.dim %x, %c1 : tensor<?x?x64xf32>
  %batch_o_i64 = arith.index_cast %batch_o : index to i64
  %seq_o_i64 = arith.index_cast %seq_o : index to i64
  %o_shape = tensor.from_elements %batch_o_i64, %seq_o_i64, %c64_i64
      : tensor<3xi64>
  %attn_flat = deepc.reshape %attn_bshd shape %o_shape
      : tensor<?x?x4x16xf32>, tensor<3xi64> -> tensor<?x?x64xf32>

  // (c) o_proj through an explicit transpose of its [in, out] weight.
  %wo = deepc.transpose %wo_in_out [1, 0] : tensor<64x64xf32>
  %o = deepc.matmul %attn_flat, %wo transpose_rhs
      : tensor<?x?x64xf32>, tensor<64x64xf32>

  // (d) A bias of zeros.
  %o_bias = deepc.constant dense<0.0> : tensor<64xf32>
  %o_biased = deepc.add %o, %o_bias : tensor<?x?x64xf32>, tensor<64xf32>

  %h1 = deepc.add %x, %o_biased : tensor<?x?x64xf32>, tensor<?x?x64xf32>

  //===--- Mixture-of-Experts feed-forward ---------------------------===//
  %h1_norm = deepc.rms_norm %h1, %ffn_norm_w epsilon = 1.0e-05
      : tensor<?x?x64xf32>, tensor<64xf32>
  // softmax router, top-2 of 8 experts, weights renormalized over the two;
  // each expert is silu(x·w_gateᵀ) ⊙ (x·w_upᵀ) · w_downᵀ.
  %ffn = deepc.moe %h1_norm, %router : tensor<?x?x64xf32>, tensor<8x64xf32>
      gate(%w_gate : tensor<8x128x64xf32>)
      up(%w_up : tensor<8x128x64xf32>)
      down(%w_down : tensor<8x64x128xf32>)
      {top_k = 2 : i64, renormalize, activation = #deepc.activation<silu>}

  %out = deepc.add %h1, %ffn : tensor<?x?x64xf32>, tensor<?x?x64xf32>
  return %out : tensor<?x?x64xf32>
}
