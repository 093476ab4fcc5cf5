// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that 4-D grouped-query attention maps onto deepc.attention with the
// head counts of Q and K, and with scale and softcap.
// CHECK-LABEL: func.func @gqa_4d
// CHECK: %[[Y:.*]] = deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {num_heads = 9 : i64, num_kv_heads = 3 : i64, scale = 5.000000e-01 : f32, softcap = 2.000000e+00 : f32} : tensor<2x9x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x10xf32>
// CHECK: return %[[Y]] : tensor<2x9x4x10xf32>
func.func @gqa_4d(%q: tensor<2x9x4x8xf32>, %k: tensor<2x3x6x8xf32>, %v: tensor<2x3x6x10xf32>) -> !onnx.unknown {
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {scale = 0.5 : f32, softcap = 2.0 : f32} : (tensor<2x9x4x8xf32>, tensor<2x3x6x8xf32>, tensor<2x3x6x10xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that 3-D inputs are split into heads ([B, S, H * D] -> [B, H, S, D])
// around the op and merged back.
// CHECK-LABEL: func.func @split_heads_3d
// CHECK: %[[Q:.*]] = deepc.reshape %arg0 shape %{{.*}} -> tensor<?x?x3x8xf32>
// CHECK: %[[QT:.*]] = deepc.transpose %[[Q]] [0, 2, 1, 3] : tensor<?x?x3x8xf32>
// CHECK: %[[K:.*]] = deepc.reshape %arg1 shape %{{.*}} -> tensor<?x?x1x8xf32>
// CHECK: %[[KT:.*]] = deepc.transpose %[[K]] [0, 2, 1, 3]
// CHECK: %[[V:.*]] = deepc.reshape %arg2 shape %{{.*}} -> tensor<?x?x1x4xf32>
// CHECK: %[[VT:.*]] = deepc.transpose %[[V]] [0, 2, 1, 3]
// CHECK: %[[A:.*]] = deepc.attention %[[QT]], %[[KT]], %[[VT]] {num_heads = 3 : i64, num_kv_heads = 1 : i64} : tensor<?x3x?x8xf32>, tensor<?x1x?x8xf32>, tensor<?x1x?x4xf32>
// CHECK: %[[AT:.*]] = deepc.transpose %[[A]] [0, 2, 1, 3] : tensor<?x3x?x4xf32>
// CHECK: %[[Y:.*]] = deepc.reshape %[[AT]] shape %{{.*}} -> tensor<?x?x12xf32>
// CHECK: return %[[Y]]
func.func @split_heads_3d(%q: tensor<?x?x24xf32>, %k: tensor<?x?x8xf32>, %v: tensor<?x?x4xf32>) -> !onnx.unknown {
  %0 = onnx.node "Attention" version 23 (%q, %k, %v) {q_num_heads = 3 : i64, kv_num_heads = 1 : i64} : (tensor<?x?x24xf32>, tensor<?x?x8xf32>, tensor<?x?x4xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that the KV cache is concatenated in front of the new keys and
// values, that the concatenations are present_key and present_value, and
// that a causal decode step (as many new keys as queries) keeps deepc's
// causal rule, which then agrees with ONNX's.
// CHECK-LABEL: func.func @decode_with_cache
// CHECK: %[[K:.*]] = deepc.concat %arg3, %arg1 axis = 2 : tensor<1x2x?x8xf32>, tensor<1x2x1x8xf32>
// CHECK: %[[V:.*]] = deepc.concat %arg4, %arg2 axis = 2 : tensor<1x2x?x8xf32>, tensor<1x2x1x8xf32>
// CHECK: %[[Y:.*]] = deepc.attention %arg0, %[[K]], %[[V]] {causal, num_heads = 2 : i64, num_kv_heads = 2 : i64}
// CHECK: return %[[Y]], %[[K]], %[[V]]
func.func @decode_with_cache(%q: tensor<1x2x1x8xf32>, %k: tensor<1x2x1x8xf32>, %v: tensor<1x2x1x8xf32>, %pk: tensor<1x2x?x8xf32>, %pv: tensor<1x2x?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %none = onnx.none
  %0:3 = onnx.node "Attention" version 23 (%q, %k, %v, %none, %pk, %pv) {is_causal = 1 : i64} : (tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, tensor<1x2x1x8xf32>, none, tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown)
  return %0#0, %0#1, %0#2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that is_causal with fewer queries than keys and no cache (ONNX
// aligns query i with key i, deepc.attention with the last keys) becomes a
// constant mask, added to an additive attn_mask as the reference does.
// CHECK-LABEL: func.func @causal_top_left
// CHECK-DAG: %[[ALLOWED:.*]] = deepc.constant dense<{{\[}}[true, false, false], [true, true, false]]> : tensor<2x3xi1>
// CHECK-DAG: %[[ZERO:.*]] = deepc.constant dense<0.000000e+00> : tensor<f32>
// CHECK-DAG: %[[NEGINF:.*]] = deepc.constant dense<0xFF800000> : tensor<f32>
// CHECK: %[[BIAS:.*]] = deepc.select %[[ALLOWED]], %[[ZERO]], %[[NEGINF]]
// CHECK: %[[MASK:.*]] = deepc.add %arg3, %[[BIAS]]
// CHECK: deepc.attention %arg0, %arg1, %arg2 mask %[[MASK]] : tensor<2x3xf32> {num_heads = 1 : i64, num_kv_heads = 1 : i64}
// CHECK-NOT: causal
func.func @causal_top_left(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x3x8xf32>, %v: tensor<1x1x3x8xf32>, %m: tensor<2x3xf32>) -> !onnx.unknown {
  %0 = onnx.node "Attention" version 23 (%q, %k, %v, %m) {is_causal = 1 : i64} : (tensor<1x1x2x8xf32>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>, tensor<2x3xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a boolean causal mask for ONNX's rule is joined to a boolean
// attn_mask with `and`.
// CHECK-LABEL: func.func @causal_bool_mask
// CHECK: %[[ALLOWED:.*]] = deepc.constant dense<{{\[}}[true, false, false], [true, true, false]]> : tensor<2x3xi1>
// CHECK: %[[MASK:.*]] = deepc.and %arg3, %[[ALLOWED]]
// CHECK: deepc.attention %arg0, %arg1, %arg2 mask %[[MASK]] : tensor<1x2x3xi1>
func.func @causal_bool_mask(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x3x8xf32>, %v: tensor<1x1x3x8xf32>, %m: tensor<1x2x3xi1>) -> !onnx.unknown {
  %0 = onnx.node "Attention" version 23 (%q, %k, %v, %m) {is_causal = 1 : i64} : (tensor<1x1x2x8xf32>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>, tensor<1x2x3xi1>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a mask covering only the new keys is padded with "masked" up
// to past + new keys, as the reference pads it.
// CHECK-LABEL: func.func @pad_short_mask
// CHECK: %[[PAD:.*]] = deepc.constant dense<false> : tensor<2x3xi1>
// CHECK: %[[MASK:.*]] = deepc.concat %arg3, %[[PAD]] axis = 1 : tensor<2x2xi1>, tensor<2x3xi1>
// CHECK: deepc.attention %arg0, %{{.*}}, %{{.*}} mask %[[MASK]] : tensor<2x5xi1>
func.func @pad_short_mask(%q: tensor<1x1x2x8xf32>, %k: tensor<1x1x2x8xf32>, %v: tensor<1x1x2x8xf32>, %m: tensor<2x2xi1>, %pk: tensor<1x1x3x8xf32>, %pv: tensor<1x1x3x8xf32>) -> !onnx.unknown {
  %0 = onnx.node "Attention" version 23 (%q, %k, %v, %m, %pk, %pv) : (tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<1x1x2x8xf32>, tensor<2x2xi1>, tensor<1x1x3x8xf32>, tensor<1x1x3x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
