// RUN: deepc-opt %s -split-input-file -deepc-raise-attention | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-raise-attention=report=true 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=REPORT

// Tests plain multi-head attention: kᵀ by a transpose, the scale on the
// scores.
// CHECK-LABEL: func.func @mha
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x8x16xf32>, %[[V:.*]]: tensor<2x4x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = deepc.attention %[[Q]], %[[K]], %[[V]] {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 2.500000e-01 : f32}
// CHECK-NEXT: return %[[O]]
// REPORT: remark: raised to deepc.attention
func.func @mha(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<0.25> : tensor<f32>
  %kt = deepc.transpose %k [0, 1, 3, 2] : tensor<2x4x8x16xf32>
  %s = deepc.matmul %q, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>
  %s2 = deepc.mul %s, %c : tensor<2x4x8x8xf32>, tensor<f32>
  %p = deepc.softmax %s2 axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests grouped-query attention with k and v repeated by reshape, expand,
// reshape (repeat_kv), kᵀ as transpose_rhs and the scale on q as a div.
// CHECK-LABEL: func.func @gqa_repeat_kv
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>)
// CHECK-NEXT: %[[O:.*]] = deepc.attention %[[Q]], %[[K]], %[[V]] {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32}
// CHECK-NEXT: return %[[O]]
func.func @gqa_repeat_kv(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<4.0> : tensor<1xf32>
  %k5 = deepc.reshape %k : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
  %ke = deepc.expand %k5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %kr = deepc.reshape %ke : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %v5 = deepc.reshape %v : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
  %ve = deepc.expand %v5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %vr = deepc.reshape %ve : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %qs = deepc.div %q, %c : tensor<2x4x8x16xf32>, tensor<1xf32>
  %s = deepc.matmul %qs, %kr transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %p = deepc.softmax %s axis = -1 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %vr : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests the torch dynamo export with dynamic batch and sequence: repeat_kv
// and kᵀ through shape operands built from shape_of, the scale split as
// sqrt on q and kᵀ, an additive select(m, 0, -FLT_MAX) mask (kept as the i1
// mask) and the NaN guard after the softmax.
// CHECK-LABEL: func.func @llama_dynamic
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x2x?x16xf32>, %[[V:.*]]: tensor<?x2x?x16xf32>, %[[M:.*]]: tensor<?x1x?x?xi1>)
// CHECK: %[[O:.*]] = deepc.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] : tensor<?x1x?x?xi1> {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32}
// CHECK-NOT: deepc.softmax
// CHECK-NOT: deepc.matmul
// CHECK: return %[[O]]
func.func @llama_dynamic(%q: tensor<?x4x?x16xf32>, %k: tensor<?x2x?x16xf32>, %v: tensor<?x2x?x16xf32>, %m: tensor<?x1x?x?xi1>) -> tensor<?x4x?x16xf32> {
  %half = deepc.constant dense<0.5> : tensor<f32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %lowest = deepc.constant dense<-3.40282347E+38> : tensor<f32>
  %c21 = deepc.constant dense<[2, 1]> : tensor<2xi64>
  %c4 = deepc.constant dense<4> : tensor<1xi64>
  %c16 = deepc.constant dense<16> : tensor<1xi64>
  %c416 = deepc.constant dense<[4, 16]> : tensor<2xi64>
  %shape = deepc.shape_of %k : tensor<?x2x?x16xf32>
  %b = deepc.slice %shape axes = [0] starts = [0] ends = [1] steps = [1] : tensor<4xi64>
  %s = deepc.slice %shape axes = [0] starts = [2] ends = [3] steps = [1] : tensor<4xi64>
  %sh5 = deepc.concat %b, %c21, %s, %c16 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
  %k5 = deepc.reshape %k shape %sh5 : tensor<?x2x?x16xf32>, tensor<5xi64> -> tensor<?x2x1x?x16xf32>
  %ke = deepc.expand %k5 : tensor<?x2x1x?x16xf32> -> tensor<?x2x2x?x16xf32>
  %vshape = deepc.shape_of %v : tensor<?x2x?x16xf32>
  %vb = deepc.slice %vshape axes = [0] starts = [0] ends = [1] steps = [1] : tensor<4xi64>
  %vs = deepc.slice %vshape axes = [0] starts = [-2] ends = [-1] steps = [1] : tensor<4xi64>
  %vsh5 = deepc.concat %vb, %c21, %vs, %c16 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
  %v5 = deepc.reshape %v shape %vsh5 : tensor<?x2x?x16xf32>, tensor<5xi64> -> tensor<?x2x1x?x16xf32>
  %ve = deepc.expand %v5 : tensor<?x2x1x?x16xf32> -> tensor<?x2x2x?x16xf32>
  %vsh4 = deepc.concat %vb, %c4, %vs, %c16 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
  %vr = deepc.reshape %ve shape %vsh4 : tensor<?x2x2x?x16xf32>, tensor<4xi64> -> tensor<?x4x?x16xf32>
  %bh = deepc.mul %b, %c4 : tensor<1xi64>, tensor<1xi64>
  %sh3 = deepc.concat %bh, %s, %c16 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
  %k3 = deepc.reshape %ke shape %sh3 : tensor<?x2x2x?x16xf32>, tensor<3xi64> -> tensor<?x?x16xf32>
  %kt3 = deepc.transpose %k3 [0, 2, 1] : tensor<?x?x16xf32>
  %sht = deepc.concat %b, %c416, %s axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>
  %kt = deepc.reshape %kt3 shape %sht : tensor<?x16x?xf32>, tensor<4xi64> -> tensor<?x4x16x?xf32>
  %qs = deepc.mul %q, %half : tensor<?x4x?x16xf32>, tensor<f32>
  %kts = deepc.mul %kt, %half : tensor<?x4x16x?xf32>, tensor<f32>
  %add = deepc.select %m, %zero, %lowest : tensor<?x1x?x?xi1>, tensor<f32>, tensor<f32>
  %sc = deepc.matmul %qs, %kts : tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>
  %sm = deepc.add %sc, %add : tensor<?x4x?x?xf32>, tensor<?x1x?x?xf32>
  %p = deepc.softmax %sm axis = 3 : tensor<?x4x?x?xf32>
  %eq = deepc.equal %p, %p : tensor<?x4x?x?xf32>, tensor<?x4x?x?xf32>
  %nan = deepc.not %eq : tensor<?x4x?x?xi1>
  %pg = deepc.select %nan, %zero, %p : tensor<?x4x?x?xi1>, tensor<f32>, tensor<?x4x?x?xf32>
  %o = deepc.matmul %pg, %vr : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests multi-query attention: one key/value head broadcast to all four
// query heads by a single expand.
// CHECK-LABEL: func.func @mqa_expand
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x?x16xf32>, %[[K:.*]]: tensor<?x1x?x16xf32>, %[[V:.*]]: tensor<?x1x?x16xf32>)
// CHECK-NEXT: deepc.attention %[[Q]], %[[K]], %[[V]] {num_heads = 4 : i64, num_kv_heads = 1 : i64, scale = 2.500000e-01 : f32}
func.func @mqa_expand(%q: tensor<?x4x?x16xf32>, %k: tensor<?x1x?x16xf32>, %v: tensor<?x1x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c = deepc.constant dense<0.25> : tensor<f32>
  %ke = deepc.expand %k : tensor<?x1x?x16xf32> -> tensor<?x4x?x16xf32>
  %ve = deepc.expand %v : tensor<?x1x?x16xf32> -> tensor<?x4x?x16xf32>
  %s = deepc.matmul %q, %ke transpose_rhs : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  %ss = deepc.mul %s, %c : tensor<?x4x?x?xf32>, tensor<f32>
  %p = deepc.softmax %ss axis = 3 : tensor<?x4x?x?xf32>
  %o = deepc.matmul %p, %ve : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}

// -----

// Tests that an additive float mask stays a float mask operand, added on
// the left.
// CHECK-LABEL: func.func @float_mask
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x4x8x16xf32>, %[[V:.*]]: tensor<2x4x8x16xf32>, %[[M:.*]]: tensor<1x1x8x8xf32>)
// CHECK-NEXT: deepc.attention %[[Q]], %[[K]], %[[V]] mask %[[M]] : tensor<1x1x8x8xf32> {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 1.000000e+00 : f32}
func.func @float_mask(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %m: tensor<1x1x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %sm = deepc.add %m, %s : tensor<1x1x8x8xf32>, tensor<2x4x8x8xf32>
  %p = deepc.softmax %sm axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests masked_fill(~m, -inf), select(not(m), -inf, s): the i1 mask is m.
// CHECK-LABEL: func.func @masked_fill
// CHECK-SAME: %[[M:[^:]*]]: tensor<8x8xi1>)
// CHECK-NEXT: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} mask %[[M]] : tensor<8x8xi1>
func.func @masked_fill(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<2x4x8x16xf32> {
  %inf = deepc.constant dense<0xFF800000> : tensor<f32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %nm = deepc.not %m : tensor<8x8xi1>
  %sm = deepc.select %nm, %inf, %s : tensor<8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>
  %p = deepc.softmax %sm axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests select(m, s, -inf): keep where m.
// CHECK-LABEL: func.func @select_keep
// CHECK-SAME: %[[M:[^:]*]]: tensor<8x8xi1>)
// CHECK-NEXT: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} mask %[[M]] : tensor<8x8xi1>
func.func @select_keep(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<2x4x8x16xf32> {
  %inf = deepc.constant dense<0xFF800000> : tensor<f32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %sm = deepc.select %m, %s, %inf : tensor<8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>
  %p = deepc.softmax %sm axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests an additive select(m, -inf, 0) mask: the graph drops where m, so
// the i1 mask is not(m).
// CHECK-LABEL: func.func @additive_drop_mask
// CHECK-SAME: %[[M:[^:]*]]: tensor<8x8xi1>)
// CHECK-NEXT: %[[KEEP:.*]] = deepc.not %[[M]]
// CHECK-NEXT: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} mask %[[KEEP]] : tensor<8x8xi1>
func.func @additive_drop_mask(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %m: tensor<8x8xi1>) -> tensor<2x4x8x16xf32> {
  %inf = deepc.constant dense<0xFF800000> : tensor<f32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %add = deepc.select %m, %inf, %zero : tensor<8x8xi1>, tensor<f32>, tensor<f32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %sm = deepc.add %s, %add : tensor<2x4x8x8xf32>, tensor<8x8xf32>
  %p = deepc.softmax %sm axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests the dynamic sigmoid gate: (q·kᵀ · 0.25) · sigmoid(q·G).
// CHECK-LABEL: func.func @gate
// CHECK-SAME: (%[[Q:.*]]: tensor<2x4x8x16xf32>, %[[K:.*]]: tensor<2x2x8x16xf32>, %[[V:.*]]: tensor<2x2x8x16xf32>, %[[G:.*]]: tensor<4x16x1xf32>)
// CHECK-NEXT: deepc.attention %[[Q]], %[[K]], %[[V]] gate %[[G]] : tensor<4x16x1xf32> {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32}
func.func @gate(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>, %g: tensor<4x16x1xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<0.25> : tensor<f32>
  %k5 = deepc.reshape %k : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
  %ke = deepc.expand %k5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %kr = deepc.reshape %ke : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %v5 = deepc.reshape %v : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
  %ve = deepc.expand %v5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %vr = deepc.reshape %ve : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %s = deepc.matmul %q, %kr transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %ss = deepc.mul %s, %c : tensor<2x4x8x8xf32>, tensor<f32>
  %qg = deepc.matmul %q, %g : tensor<2x4x8x16xf32>, tensor<4x16x1xf32>
  %sg = deepc.sigmoid %qg : tensor<2x4x8x1xf32>
  %gated = deepc.mul %ss, %sg : tensor<2x4x8x8xf32>, tensor<2x4x8x1xf32>
  %p = deepc.softmax %gated axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %vr : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests the softcap 30 · tanh(s / 30) after the scale.
// CHECK-LABEL: func.func @softcap
// CHECK-NEXT: deepc.attention
// CHECK-SAME: scale = 2.500000e-01 : f32, softcap = 3.000000e+01 : f32
func.func @softcap(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<0.25> : tensor<f32>
  %cap = deepc.constant dense<30.0> : tensor<f32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %ss = deepc.mul %c, %s : tensor<f32>, tensor<2x4x8x8xf32>
  %d = deepc.div %ss, %cap : tensor<2x4x8x8xf32>, tensor<f32>
  %t = deepc.tanh %d : tensor<2x4x8x8xf32>
  %capped = deepc.mul %t, %cap : tensor<2x4x8x8xf32>, tensor<f32>
  %p = deepc.softmax %capped axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests attention sinks: a [num_heads] sink logit column concatenated to the
// scores before the softmax and sliced off after it.
// CHECK-LABEL: func.func @sinks
// CHECK-SAME: %[[SINKS:[^:]*]]: tensor<4xf32>)
// CHECK-NEXT: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} sinks %[[SINKS]] : tensor<4xf32>
func.func @sinks(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %sinks: tensor<4xf32>) -> tensor<2x4x8x16xf32> {
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %s4 = deepc.reshape %sinks : tensor<4xf32> -> tensor<1x4x1x1xf32>
  %col = deepc.expand %s4 : tensor<1x4x1x1xf32> -> tensor<2x4x8x1xf32>
  %all = deepc.concat %s, %col axis = -1 : tensor<2x4x8x8xf32>, tensor<2x4x8x1xf32>
  %p = deepc.softmax %all axis = 3 : tensor<2x4x8x9xf32>
  %pk = deepc.slice %p axes = [3] starts = [0] ends = [-1] steps = [1] : tensor<2x4x8x9xf32>
  %o = deepc.matmul %pk, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: the softmax normalizes over the queries (axis 2), not the keys.
// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the softmax is over axis 2, not the key axis (3)
func.func @softmax_over_queries(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %p = deepc.softmax %s axis = 2 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: a per-head scale is not one scalar.
// CHECK-LABEL: func.func @per_head_scale
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the scores are multiplied by something other than a scalar constant or sigmoid(q·G)
func.func @per_head_scale(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<[[[[0.25]], [[0.5]], [[0.25]], [[0.5]]]]> : tensor<1x4x1x1xf32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %ss = deepc.mul %s, %c : tensor<2x4x8x8xf32>, tensor<1x4x1x1xf32>
  %p = deepc.softmax %ss axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: the transpose swaps batch and heads as well as kᵀ's axes.
// CHECK-LABEL: func.func @transpose_not_kt
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the score matmul's right side is not kᵀ
func.func @transpose_not_kt(%q: tensor<2x4x8x16xf32>, %k: tensor<4x2x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %kt = deepc.transpose %k [1, 0, 3, 2] : tensor<4x2x8x16xf32>
  %s = deepc.matmul %q, %kt : tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>
  %p = deepc.softmax %s axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: v is repeated head-major (query head h reads v head h % 2)
// while k is repeated in groups (h / 2).
// CHECK-LABEL: func.func @v_repeat_interleaved
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: k and v have different numbers of heads
func.func @v_repeat_interleaved(%q: tensor<2x4x8x16xf32>, %k: tensor<2x2x8x16xf32>, %v: tensor<2x2x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %k5 = deepc.reshape %k : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
  %ke = deepc.expand %k5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %kr = deepc.reshape %ke : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %v5 = deepc.reshape %v : tensor<2x2x8x16xf32> -> tensor<2x1x2x8x16xf32>
  %ve = deepc.expand %v5 : tensor<2x1x2x8x16xf32> -> tensor<2x2x2x8x16xf32>
  %vr = deepc.reshape %ve : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
  %s = deepc.matmul %q, %kr transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %p = deepc.softmax %s axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %vr : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: the mask [2, 1, 8, 8] stretches scores of one query to eight.
// CHECK-LABEL: func.func @mask_enlarges_scores
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the mask broadcasts the scores to a larger shape
func.func @mask_enlarges_scores(%q: tensor<2x4x1x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %m: tensor<2x1x8x8xf32>) -> tensor<2x4x8x16xf32> {
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x1x16xf32>, tensor<2x4x8x16xf32>
  %sm = deepc.add %s, %m : tensor<2x4x1x8xf32>, tensor<2x1x8x8xf32>
  %p = deepc.softmax %sm axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: the probabilities are also returned, so the softmax stays.
// CHECK-LABEL: func.func @probabilities_used
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the probabilities have other uses
func.func @probabilities_used(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> (tensor<2x4x8x16xf32>, tensor<2x4x8x8xf32>) {
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %p = deepc.softmax %s axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o, %p : tensor<2x4x8x16xf32>, tensor<2x4x8x8xf32>
}

// -----

// Near miss: the gate multiplies the scaled q, so it is not sigmoid(q·G) of
// the attention's q.
// CHECK-LABEL: func.func @gate_of_scaled_q
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: the sigmoid gate is not sigmoid(q·G) of the unscaled q
func.func @gate_of_scaled_q(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>, %g: tensor<4x16x1xf32>) -> tensor<2x4x8x16xf32> {
  %c = deepc.constant dense<0.25> : tensor<f32>
  %qs = deepc.mul %q, %c : tensor<2x4x8x16xf32>, tensor<f32>
  %s = deepc.matmul %qs, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %qg = deepc.matmul %qs, %g : tensor<2x4x8x16xf32>, tensor<4x16x1xf32>
  %sg = deepc.sigmoid %qg : tensor<2x4x8x1xf32>
  %gated = deepc.mul %s, %sg : tensor<2x4x8x8xf32>, tensor<2x4x8x1xf32>
  %p = deepc.softmax %gated axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Near miss: tanh(s / 20) · 30 is not a softcap.
// CHECK-LABEL: func.func @softcap_mismatch
// CHECK-NOT: deepc.attention
// REPORT: remark: not raised to deepc.attention: tanh(s · a) · c is a softcap only when a = 1/c > 0
func.func @softcap_mismatch(%q: tensor<2x4x8x16xf32>, %k: tensor<2x4x8x16xf32>, %v: tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32> {
  %c20 = deepc.constant dense<20.0> : tensor<f32>
  %c30 = deepc.constant dense<30.0> : tensor<f32>
  %s = deepc.matmul %q, %k transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  %d = deepc.div %s, %c20 : tensor<2x4x8x8xf32>, tensor<f32>
  %t = deepc.tanh %d : tensor<2x4x8x8xf32>
  %capped = deepc.mul %t, %c30 : tensor<2x4x8x8xf32>, tensor<f32>
  %p = deepc.softmax %capped axis = 3 : tensor<2x4x8x8xf32>
  %o = deepc.matmul %p, %v : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
  return %o : tensor<2x4x8x16xf32>
}

// -----

// Tests that v reshaped with k's extents is not looked through: nothing
// proves that v's batch and sequence are k's (only their products must
// agree), so the reshaped tensor itself is v.
// CHECK-LABEL: func.func @v_reshaped_by_k_shape
// CHECK: %[[VR:.*]] = deepc.reshape %{{.*}} shape %{{.*}} : tensor<?x2x2x?x16xf32>, tensor<4xi64> -> tensor<?x4x?x16xf32>
// CHECK-NEXT: deepc.attention %{{.*}}, %{{.*}}, %[[VR]] {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 1.000000e+00 : f32}
func.func @v_reshaped_by_k_shape(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x2x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %c21 = deepc.constant dense<[2, 1]> : tensor<2xi64>
  %c4 = deepc.constant dense<4> : tensor<1xi64>
  %c16 = deepc.constant dense<16> : tensor<1xi64>
  %shape = deepc.shape_of %k : tensor<?x4x?x16xf32>
  %b = deepc.slice %shape axes = [0] starts = [0] ends = [1] steps = [1] : tensor<4xi64>
  %s = deepc.slice %shape axes = [0] starts = [2] ends = [3] steps = [1] : tensor<4xi64>
  %sh5 = deepc.concat %b, %c21, %s, %c16 axis = 0 : tensor<1xi64>, tensor<2xi64>, tensor<1xi64>, tensor<1xi64>
  %v5 = deepc.reshape %v shape %sh5 : tensor<?x2x?x16xf32>, tensor<5xi64> -> tensor<?x2x1x?x16xf32>
  %ve = deepc.expand %v5 : tensor<?x2x1x?x16xf32> -> tensor<?x2x2x?x16xf32>
  %sh4 = deepc.concat %b, %c4, %s, %c16 axis = 0 : tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>
  %vr = deepc.reshape %ve shape %sh4 : tensor<?x2x2x?x16xf32>, tensor<4xi64> -> tensor<?x4x?x16xf32>
  %sc = deepc.matmul %q, %k transpose_rhs : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  %p = deepc.softmax %sc axis = 3 : tensor<?x4x?x?xf32>
  %o = deepc.matmul %p, %vr : tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}
