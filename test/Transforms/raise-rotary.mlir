// RUN: deepc-opt %s -split-input-file -deepc-raise-rotary | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-raise-rotary=report -verify-diagnostics -o /dev/null

// Tests Llama's form: tables cos/sin(concat(f, f)) computed from positions,
// unsqueezed for the heads, and x · cos + concat(-x[8:], x[:8]) · sin. The
// tables become cos/sin(f) and the whole chain one deepc.rotary.
// CHECK-LABEL: func.func @llama_half
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x16xf32>, %[[F:.*]]: tensor<1x?x8xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.cos %[[F]] : tensor<1x?x8xf32>
// CHECK-DAG: %[[S:.*]] = deepc.sin %[[F]] : tensor<1x?x8xf32>
// CHECK-DAG: %[[C4:.*]] = deepc.reshape %[[C]] : tensor<1x?x8xf32> -> tensor<1x1x?x8xf32>
// CHECK-DAG: %[[S4:.*]] = deepc.reshape %[[S]] : tensor<1x?x8xf32> -> tensor<1x1x?x8xf32>
// CHECK: %[[Y:.*]] = deepc.rotary %[[X]], %[[C4]], %[[S4]] layout = <half> : tensor<?x4x?x16xf32>, tensor<1x1x?x8xf32>
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: deepc.neg
// CHECK-NOT: deepc.concat
func.func @llama_half(%x: tensor<?x4x?x16xf32>, %f: tensor<1x?x8xf32>) -> tensor<?x4x?x16xf32> {
  %emb = deepc.concat %f, %f axis = 2 : tensor<1x?x8xf32>, tensor<1x?x8xf32>
  %cos = deepc.cos %emb : tensor<1x?x16xf32>
  %sin = deepc.sin %emb : tensor<1x?x16xf32>
  %cos4 = deepc.reshape %cos : tensor<1x?x16xf32> -> tensor<1x1x?x16xf32>
  %sin4 = deepc.reshape %sin : tensor<1x?x16xf32> -> tensor<1x1x?x16xf32>
  %xc = deepc.mul %x, %cos4 : tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>
  %x1 = deepc.slice %x axes = [3] starts = [0] ends = [8] steps = [1] : tensor<?x4x?x16xf32>
  %x2 = deepc.slice %x axes = [3] starts = [8] ends = [9223372036854775807] steps = [1] : tensor<?x4x?x16xf32>
  %n = deepc.neg %x2 : tensor<?x4x?x8xf32>
  %rot = deepc.concat %n, %x1 axis = 3 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
  %rs = deepc.mul %rot, %sin4 : tensor<?x4x?x16xf32>, tensor<1x1x?x16xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.add %xc, %rs : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
  return %y : tensor<?x4x?x16xf32>
}

// -----

// Tests operands in the other order everywhere, -x2 written as x2 · -1,
// negative slice bounds, axis -1, and a scale applied to the tables
// (attention_scaling) as a scalar that broadcasts.
// CHECK-LABEL: func.func @swapped_operands_scaled
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x8xf32>, %[[F:.*]]: tensor<3x4xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.cos %[[F]] : tensor<3x4xf32>
// CHECK-DAG: %[[CS:.*]] = deepc.mul %[[C]], %{{.*}} : tensor<3x4xf32>, tensor<f32>
// CHECK-DAG: %[[S:.*]] = deepc.sin %[[F]] : tensor<3x4xf32>
// CHECK-DAG: %[[SS:.*]] = deepc.mul %[[S]], %{{.*}} : tensor<3x4xf32>, tensor<f32>
// CHECK: deepc.rotary %[[X]], %[[CS]], %[[SS]] layout = <half> : tensor<2x3x8xf32>, tensor<3x4xf32>
func.func @swapped_operands_scaled(%x: tensor<2x3x8xf32>, %f: tensor<3x4xf32>) -> tensor<2x3x8xf32> {
  %scale = deepc.constant dense<1.5> : tensor<f32>
  %minus = deepc.constant dense<-1.0> : tensor<1xf32>
  %emb = deepc.concat %f, %f axis = -1 : tensor<3x4xf32>, tensor<3x4xf32>
  %c = deepc.cos %emb : tensor<3x8xf32>
  %cos = deepc.mul %c, %scale : tensor<3x8xf32>, tensor<f32>
  %s = deepc.sin %emb : tensor<3x8xf32>
  %sin = deepc.mul %s, %scale : tensor<3x8xf32>, tensor<f32>
  %xc = deepc.mul %cos, %x : tensor<3x8xf32>, tensor<2x3x8xf32>
  %x1 = deepc.slice %x axes = [-1] starts = [0] ends = [-4] steps = [1] : tensor<2x3x8xf32>
  %x2 = deepc.slice %x axes = [2] starts = [-4] ends = [8] steps = [1] : tensor<2x3x8xf32>
  %n = deepc.mul %minus, %x2 : tensor<1xf32>, tensor<2x3x4xf32>
  %rot = deepc.concat %n, %x1 axis = -1 : tensor<2x3x4xf32>, tensor<2x3x4xf32>
  %rs = deepc.mul %sin, %rot : tensor<3x8xf32>, tensor<2x3x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.add %rs, %xc : tensor<2x3x8xf32>, tensor<2x3x8xf32>
  return %y : tensor<2x3x8xf32>
}

// -----

// Tests constant cos/sin caches gathered by position ids: their halves are
// checked equal and sliced at compile time.
// CHECK-LABEL: func.func @gathered_constant_tables
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x?x4xf32>, %[[IDS:.*]]: tensor<?x?xi64>, %[[SH:.*]]: tensor<4xi64>)
// CHECK-DAG: %[[LEAD:.*]] = deepc.slice %[[SH]] axes = [0] starts = [0] ends = [3] steps = [1] : tensor<4xi64>
// CHECK-DAG: %[[TWO:.*]] = deepc.constant dense<2> : tensor<1xi64>
// CHECK-DAG: %[[NSH:.*]] = deepc.concat %[[LEAD]], %[[TWO]] axis = 0
// CHECK-DAG: %[[CT:.*]] = deepc.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00], [5.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[ST:.*]] = deepc.constant dense<{{\[}}[0.000000e+00, 1.000000e+00], [2.000000e+00, 3.000000e+00], [4.000000e+00, 5.000000e+00]]> : tensor<3x2xf32>
// CHECK-DAG: %[[CG:.*]] = deepc.gather %[[CT]][%[[IDS]]] axis = 0 : tensor<3x2xf32>, tensor<?x?xi64>
// CHECK-DAG: %[[SG:.*]] = deepc.gather %[[ST]][%[[IDS]]] axis = 0 : tensor<3x2xf32>, tensor<?x?xi64>
// CHECK-DAG: %[[C:.*]] = deepc.reshape %[[CG]] shape %[[NSH]] : tensor<?x?x2xf32>, tensor<4xi64> -> tensor<?x1x?x2xf32>
// CHECK-DAG: %[[S:.*]] = deepc.reshape %[[SG]] shape %[[NSH]] : tensor<?x?x2xf32>, tensor<4xi64> -> tensor<?x1x?x2xf32>
// CHECK: deepc.rotary %[[X]], %[[C]], %[[S]] layout = <half> : tensor<?x2x?x4xf32>, tensor<?x1x?x2xf32>
func.func @gathered_constant_tables(%x: tensor<?x2x?x4xf32>, %ids: tensor<?x?xi64>, %shape: tensor<4xi64>) -> tensor<?x2x?x4xf32> {
  %cos_cache = deepc.constant dense<[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0], [5.0, 6.0, 5.0, 6.0]]> : tensor<3x4xf32>
  %sin_cache = deepc.constant dense<[[0.0, 1.0, 0.0, 1.0], [2.0, 3.0, 2.0, 3.0], [4.0, 5.0, 4.0, 5.0]]> : tensor<3x4xf32>
  %cg = deepc.gather %cos_cache[%ids] axis = 0 : tensor<3x4xf32>, tensor<?x?xi64>
  %sg = deepc.gather %sin_cache[%ids] axis = 0 : tensor<3x4xf32>, tensor<?x?xi64>
  %cos = deepc.reshape %cg shape %shape : tensor<?x?x4xf32>, tensor<4xi64> -> tensor<?x1x?x4xf32>
  %sin = deepc.reshape %sg shape %shape : tensor<?x?x4xf32>, tensor<4xi64> -> tensor<?x1x?x4xf32>
  %xc = deepc.mul %x, %cos : tensor<?x2x?x4xf32>, tensor<?x1x?x4xf32>
  %x1 = deepc.slice %x axes = [3] starts = [0] ends = [2] steps = [1] : tensor<?x2x?x4xf32>
  %x2 = deepc.slice %x axes = [3] starts = [2] ends = [4] steps = [1] : tensor<?x2x?x4xf32>
  %n = deepc.neg %x2 : tensor<?x2x?x2xf32>
  %rot = deepc.concat %n, %x1 axis = 3 : tensor<?x2x?x2xf32>, tensor<?x2x?x2xf32>
  %rs = deepc.mul %rot, %sin : tensor<?x2x?x4xf32>, tensor<?x1x?x4xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.add %xc, %rs : tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
  return %y : tensor<?x2x?x4xf32>
}

// -----

// Tests GPT-J's interleaved form: tables repeat_interleave'd with an
// unsqueeze, expand and reshape, and the pairs (-x[2i+1], x[2i]) stacked
// and flattened.
// CHECK-LABEL: func.func @interleaved
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x8xf32>, %[[F:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.cos %[[F]] : tensor<?x4xf32>
// CHECK-DAG: %[[S:.*]] = deepc.sin %[[F]] : tensor<?x4xf32>
// CHECK: deepc.rotary %[[X]], %[[C]], %[[S]] layout = <interleaved> : tensor<2x?x8xf32>, tensor<?x4xf32>
// CHECK-NOT: deepc.neg
func.func @interleaved(%x: tensor<2x?x8xf32>, %f: tensor<?x4xf32>) -> tensor<2x?x8xf32> {
  %f3 = deepc.reshape %f : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %f2 = deepc.expand %f3 : tensor<?x4x1xf32> -> tensor<?x4x2xf32>
  %emb = deepc.reshape %f2 : tensor<?x4x2xf32> -> tensor<?x8xf32>
  %cos = deepc.cos %emb : tensor<?x8xf32>
  %sin = deepc.sin %emb : tensor<?x8xf32>
  %xc = deepc.mul %x, %cos : tensor<2x?x8xf32>, tensor<?x8xf32>
  %even = deepc.slice %x axes = [2] starts = [0] ends = [9223372036854775807] steps = [2] : tensor<2x?x8xf32>
  %odd = deepc.slice %x axes = [2] starts = [1] ends = [9223372036854775807] steps = [2] : tensor<2x?x8xf32>
  %n = deepc.neg %odd : tensor<2x?x4xf32>
  %n1 = deepc.reshape %n : tensor<2x?x4xf32> -> tensor<2x?x4x1xf32>
  %e1 = deepc.reshape %even : tensor<2x?x4xf32> -> tensor<2x?x4x1xf32>
  %st = deepc.concat %n1, %e1 axis = 3 : tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>
  %rot = deepc.reshape %st : tensor<2x?x4x2xf32> -> tensor<2x?x8xf32>
  %rs = deepc.mul %rot, %sin : tensor<2x?x8xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.add %xc, %rs : tensor<2x?x8xf32>, tensor<2x?x8xf32>
  return %y : tensor<2x?x8xf32>
}

// -----

// Tests partial rotary (GPT-NeoX): the first 8 of 12 channels rotated and
// concatenated back with the rest becomes rotary_dim = 8 on the whole x.
// CHECK-LABEL: func.func @partial
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x12xf32>, %[[F:.*]]: tensor<?x4xf32>)
// CHECK: %[[Y:.*]] = deepc.rotary %[[X]], %{{.*}}, %{{.*}} layout = <half> rotary_dim = 8 : tensor<2x?x12xf32>, tensor<?x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @partial(%x: tensor<2x?x12xf32>, %f: tensor<?x4xf32>) -> tensor<2x?x12xf32> {
  %emb = deepc.concat %f, %f axis = 1 : tensor<?x4xf32>, tensor<?x4xf32>
  %cos = deepc.cos %emb : tensor<?x8xf32>
  %sin = deepc.sin %emb : tensor<?x8xf32>
  %xr = deepc.slice %x axes = [2] starts = [0] ends = [8] steps = [1] : tensor<2x?x12xf32>
  %xp = deepc.slice %x axes = [2] starts = [8] ends = [9223372036854775807] steps = [1] : tensor<2x?x12xf32>
  %xc = deepc.mul %xr, %cos : tensor<2x?x8xf32>, tensor<?x8xf32>
  %x1 = deepc.slice %xr axes = [2] starts = [0] ends = [4] steps = [1] : tensor<2x?x8xf32>
  %x2 = deepc.slice %xr axes = [2] starts = [4] ends = [8] steps = [1] : tensor<2x?x8xf32>
  %n = deepc.neg %x2 : tensor<2x?x4xf32>
  %rot = deepc.concat %n, %x1 axis = 2 : tensor<2x?x4xf32>, tensor<2x?x4xf32>
  %rs = deepc.mul %rot, %sin : tensor<2x?x8xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %r = deepc.add %xc, %rs : tensor<2x?x8xf32>, tensor<2x?x8xf32>
  %y = deepc.concat %r, %xp axis = 2 : tensor<2x?x8xf32>, tensor<2x?x4xf32>
  return %y : tensor<2x?x12xf32>
}

// -----

// Tests DeepSeek-V3's form: the pairs (x[2i], x[2i+1]) rotated half by half,
// concat(x1 · c - x2 · s, x2 · c + x1 · s), with tables sliced from
// cos/sin(concat(f, f)). The result keeps the half layout of the output, so
// the input is the de-interleaved concat(x[0::2], x[1::2]); the sliced
// tables become cos/sin(f).
// CHECK-LABEL: func.func @deepseek_split
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x8xf32>, %[[F:.*]]: tensor<1x?x4xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.cos %[[F]] : tensor<1x?x4xf32>
// CHECK-DAG: %[[S:.*]] = deepc.sin %[[F]] : tensor<1x?x4xf32>
// CHECK-DAG: %[[C4:.*]] = deepc.reshape %[[C]] : tensor<1x?x4xf32> -> tensor<1x1x?x4xf32>
// CHECK-DAG: %[[S4:.*]] = deepc.reshape %[[S]] : tensor<1x?x4xf32> -> tensor<1x1x?x4xf32>
// CHECK-DAG: %[[EVEN:.*]] = deepc.slice %[[X]] axes = [3] starts = [0] ends = [9223372036854775807] steps = [2]
// CHECK-DAG: %[[ODD:.*]] = deepc.slice %[[X]] axes = [3] starts = [1] ends = [9223372036854775807] steps = [2]
// CHECK: %[[IN:.*]] = deepc.concat %[[EVEN]], %[[ODD]] axis = -1
// CHECK: %[[Y:.*]] = deepc.rotary %[[IN]], %[[C4]], %[[S4]] layout = <half> : tensor<?x4x?x8xf32>, tensor<1x1x?x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @deepseek_split(%x: tensor<?x4x?x8xf32>, %f: tensor<1x?x4xf32>) -> tensor<?x4x?x8xf32> {
  %emb = deepc.concat %f, %f axis = 2 : tensor<1x?x4xf32>, tensor<1x?x4xf32>
  %cos = deepc.cos %emb : tensor<1x?x8xf32>
  %sin = deepc.sin %emb : tensor<1x?x8xf32>
  %ch = deepc.slice %cos axes = [2] starts = [0] ends = [4] steps = [1] : tensor<1x?x8xf32>
  %c = deepc.reshape %ch : tensor<1x?x4xf32> -> tensor<1x1x?x4xf32>
  %sh = deepc.slice %sin axes = [2] starts = [0] ends = [4] steps = [1] : tensor<1x?x8xf32>
  %s = deepc.reshape %sh : tensor<1x?x4xf32> -> tensor<1x1x?x4xf32>
  %x1 = deepc.slice %x axes = [3] starts = [0] ends = [9223372036854775807] steps = [2] : tensor<?x4x?x8xf32>
  %x2 = deepc.slice %x axes = [3] starts = [1] ends = [9223372036854775807] steps = [2] : tensor<?x4x?x8xf32>
  %a = deepc.mul %x1, %c : tensor<?x4x?x4xf32>, tensor<1x1x?x4xf32>
  %b = deepc.mul %x2, %s : tensor<?x4x?x4xf32>, tensor<1x1x?x4xf32>
  %lo = deepc.sub %a, %b : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>
  %d = deepc.mul %x2, %c : tensor<?x4x?x4xf32>, tensor<1x1x?x4xf32>
  %e = deepc.mul %x1, %s : tensor<?x4x?x4xf32>, tensor<1x1x?x4xf32>
  %hi = deepc.add %d, %e : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.concat %lo, %hi axis = 3 : tensor<?x4x?x4xf32>, tensor<?x4x?x4xf32>
  return %y : tensor<?x4x?x8xf32>
}

// -----

// Tests the split form on the two halves of one x, with the muls' and the
// add's operands swapped: the rotary reads x itself.
// CHECK-LABEL: func.func @split_halves
// CHECK-SAME: (%[[X:.*]]: tensor<3x8xf32>, %[[C:.*]]: tensor<3x4xf32>, %[[S:.*]]: tensor<3x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.rotary %[[X]], %[[C]], %[[S]] layout = <half> : tensor<3x8xf32>, tensor<3x4xf32>
// CHECK-NEXT: return %[[Y]]
func.func @split_halves(%x: tensor<3x8xf32>, %c: tensor<3x4xf32>, %s: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [4] steps = [1] : tensor<3x8xf32>
  %x2 = deepc.slice %x axes = [1] starts = [4] ends = [8] steps = [1] : tensor<3x8xf32>
  %a = deepc.mul %c, %x1 : tensor<3x4xf32>, tensor<3x4xf32>
  %b = deepc.mul %s, %x2 : tensor<3x4xf32>, tensor<3x4xf32>
  %lo = deepc.sub %a, %b : tensor<3x4xf32>, tensor<3x4xf32>
  %d = deepc.mul %c, %x2 : tensor<3x4xf32>, tensor<3x4xf32>
  %e = deepc.mul %x1, %s : tensor<3x4xf32>, tensor<3x4xf32>
  %hi = deepc.add %e, %d : tensor<3x4xf32>, tensor<3x4xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.concat %lo, %hi axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that q and k rotated with the same tables share one narrowed table.
// CHECK-LABEL: func.func @shared_tables
// CHECK-COUNT-1: deepc.cos
// CHECK-COUNT-2: deepc.rotary
func.func @shared_tables(%q: tensor<4x8xf32>, %k: tensor<4x8xf32>, %f: tensor<4x4xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %emb = deepc.concat %f, %f axis = 1 : tensor<4x4xf32>, tensor<4x4xf32>
  %cos = deepc.cos %emb : tensor<4x8xf32>
  %sin = deepc.sin %emb : tensor<4x8xf32>
  %qc = deepc.mul %q, %cos : tensor<4x8xf32>, tensor<4x8xf32>
  %q1 = deepc.slice %q axes = [1] starts = [0] ends = [4] steps = [1] : tensor<4x8xf32>
  %q2 = deepc.slice %q axes = [1] starts = [4] ends = [8] steps = [1] : tensor<4x8xf32>
  %qn = deepc.neg %q2 : tensor<4x4xf32>
  %qr = deepc.concat %qn, %q1 axis = 1 : tensor<4x4xf32>, tensor<4x4xf32>
  %qs = deepc.mul %qr, %sin : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %qy = deepc.add %qc, %qs : tensor<4x8xf32>, tensor<4x8xf32>
  %kc = deepc.mul %k, %cos : tensor<4x8xf32>, tensor<4x8xf32>
  %k1 = deepc.slice %k axes = [1] starts = [0] ends = [4] steps = [1] : tensor<4x8xf32>
  %k2 = deepc.slice %k axes = [1] starts = [4] ends = [8] steps = [1] : tensor<4x8xf32>
  %kn = deepc.neg %k2 : tensor<4x4xf32>
  %kr = deepc.concat %kn, %k1 axis = 1 : tensor<4x4xf32>, tensor<4x4xf32>
  %ks = deepc.mul %kr, %sin : tensor<4x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %ky = deepc.add %kc, %ks : tensor<4x8xf32>, tensor<4x8xf32>
  return %qy, %ky : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Near misses: each looks like a rotary but is not one, and stays as it is.

// Tests that a constant table whose halves differ is not raised: the op
// would read the wrong angle for the second channel of each pair.
// CHECK-LABEL: func.func @constant_halves_differ
// CHECK-NOT: deepc.rotary
func.func @constant_halves_differ(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %cos = deepc.constant dense<[[1.0, 2.0, 1.0, 2.0], [3.0, 4.0, 3.0, 4.0], [5.0, 6.0, 5.0, 6.5]]> : tensor<3x4xf32>
  %sin = deepc.constant dense<[[0.0, 1.0, 0.0, 1.0], [2.0, 3.0, 2.0, 3.0], [4.0, 5.0, 4.0, 5.0]]> : tensor<3x4xf32>
  %xc = deepc.mul %x, %cos : tensor<3x4xf32>, tensor<3x4xf32>
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [2] steps = [1] : tensor<3x4xf32>
  %x2 = deepc.slice %x axes = [1] starts = [2] ends = [4] steps = [1] : tensor<3x4xf32>
  %n = deepc.neg %x2 : tensor<3x2xf32>
  %rot = deepc.concat %n, %x1 axis = 1 : tensor<3x2xf32>, tensor<3x2xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x4xf32>, tensor<3x4xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: cannot prove that the cos and sin tables repeat each angle for both channels of a pair: the constant table's two halves differ}}
  %y = deepc.add %xc, %rs : tensor<3x4xf32>, tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Tests that cos(concat(f, g)) of two different halves is not raised.
// CHECK-LABEL: func.func @table_of_two_halves
// CHECK-NOT: deepc.rotary
func.func @table_of_two_halves(%x: tensor<3x8xf32>, %f: tensor<3x4xf32>, %g: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %emb = deepc.concat %f, %g axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %cos = deepc.cos %emb : tensor<3x8xf32>
  %sin = deepc.sin %emb : tensor<3x8xf32>
  %xc = deepc.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [4] steps = [1] : tensor<3x8xf32>
  %x2 = deepc.slice %x axes = [1] starts = [4] ends = [8] steps = [1] : tensor<3x8xf32>
  %n = deepc.neg %x2 : tensor<3x4xf32>
  %rot = deepc.concat %n, %x1 axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: cannot prove that the cos and sin tables repeat each angle for both channels of a pair: the table is a concat of two different halves}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that tables passed in as arguments are not raised: nothing says
// their halves are equal.
// CHECK-LABEL: func.func @table_arguments
// CHECK-NOT: deepc.rotary
func.func @table_arguments(%x: tensor<3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<3x8xf32> {
  %xc = deepc.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [4] steps = [1] : tensor<3x8xf32>
  %x2 = deepc.slice %x axes = [1] starts = [4] ends = [8] steps = [1] : tensor<3x8xf32>
  %n = deepc.neg %x2 : tensor<3x4xf32>
  %rot = deepc.concat %n, %x1 axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: cannot prove that the cos and sin tables repeat each angle for both channels of a pair: the table is a block argument whose entries are unknown}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that concat(-x[:4], x[4:]) (the rotation by -θ, not rotate_half)
// is not raised.
// CHECK-LABEL: func.func @wrong_halves
// CHECK-NOT: deepc.rotary
func.func @wrong_halves(%x: tensor<3x8xf32>, %f: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %emb = deepc.concat %f, %f axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %cos = deepc.cos %emb : tensor<3x8xf32>
  %sin = deepc.sin %emb : tensor<3x8xf32>
  %xc = deepc.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [4] steps = [1] : tensor<3x8xf32>
  %x2 = deepc.slice %x axes = [1] starts = [4] ends = [8] steps = [1] : tensor<3x8xf32>
  %n = deepc.neg %x1 : tensor<3x4xf32>
  %rot = deepc.concat %n, %x2 axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: the rotated value is not concat(-x[r/2:], x[:r/2]) of one x of width r}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that cos multiplying another tensor than the rotated one is not
// raised.
// CHECK-LABEL: func.func @cos_scales_other
// CHECK-NOT: deepc.rotary
func.func @cos_scales_other(%x: tensor<3x8xf32>, %other: tensor<3x8xf32>, %f: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %emb = deepc.concat %f, %f axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %cos = deepc.cos %emb : tensor<3x8xf32>
  %sin = deepc.sin %emb : tensor<3x8xf32>
  %xc = deepc.mul %other, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %x1 = deepc.slice %x axes = [1] starts = [0] ends = [4] steps = [1] : tensor<3x8xf32>
  %x2 = deepc.slice %x axes = [1] starts = [4] ends = [8] steps = [1] : tensor<3x8xf32>
  %n = deepc.neg %x2 : tensor<3x4xf32>
  %rot = deepc.concat %n, %x1 axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: the other addend does not multiply the x that is rotated}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that the interleaved rotation with half-layout tables (angles
// concatenated, not repeated pairwise) is not raised.
// CHECK-LABEL: func.func @interleaved_with_half_tables
// CHECK-NOT: deepc.rotary
func.func @interleaved_with_half_tables(%x: tensor<3x8xf32>, %f: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %emb = deepc.concat %f, %f axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  %cos = deepc.cos %emb : tensor<3x8xf32>
  %sin = deepc.sin %emb : tensor<3x8xf32>
  %xc = deepc.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %even = deepc.slice %x axes = [1] starts = [0] ends = [8] steps = [2] : tensor<3x8xf32>
  %odd = deepc.slice %x axes = [1] starts = [1] ends = [8] steps = [2] : tensor<3x8xf32>
  %n = deepc.neg %odd : tensor<3x4xf32>
  %n1 = deepc.reshape %n : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %e1 = deepc.reshape %even : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %st = deepc.concat %n1, %e1 axis = 2 : tensor<3x4x1xf32>, tensor<3x4x1xf32>
  %rot = deepc.reshape %st : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: cannot prove that the cos and sin tables repeat each angle for both channels of a pair: a concat along the last axis repeats the angles in the half layout, not the interleaved one}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests that concat(x1 · c - x2 · s, x2 · c + x2 · s), whose second half
// is not x2 · c + x1 · s, is not raised.
// CHECK-LABEL: func.func @split_wrong_sign
// CHECK-NOT: deepc.rotary
func.func @split_wrong_sign(%x1: tensor<3x4xf32>, %x2: tensor<3x4xf32>, %c: tensor<3x4xf32>, %s: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %a = deepc.mul %x1, %c : tensor<3x4xf32>, tensor<3x4xf32>
  %b = deepc.mul %x2, %s : tensor<3x4xf32>, tensor<3x4xf32>
  %lo = deepc.sub %a, %b : tensor<3x4xf32>, tensor<3x4xf32>
  %d = deepc.mul %x2, %c : tensor<3x4xf32>, tensor<3x4xf32>
  %e = deepc.mul %x2, %s : tensor<3x4xf32>, tensor<3x4xf32>
  %hi = deepc.add %d, %e : tensor<3x4xf32>, tensor<3x4xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: the halves are not x1 · c - x2 · s and x2 · c + x1 · s}}
  %y = deepc.concat %lo, %hi axis = 1 : tensor<3x4xf32>, tensor<3x4xf32>
  return %y : tensor<3x8xf32>
}

// -----

// Tests tables repeated pairwise by a gather of channels with constant
// indices (repeat_interleave exported as index_select): the indices are
// narrowed to one per pair.
// CHECK-LABEL: func.func @interleaved_by_gather
// CHECK-SAME: (%[[X:.*]]: tensor<2x?x8xf32>, %[[F:.*]]: tensor<?x4xf32>)
// CHECK-DAG: %[[IDX:.*]] = deepc.constant dense<[0, 1, 2, 3]> : tensor<4xi64>
// CHECK-DAG: %[[G:.*]] = deepc.gather %[[F]][%[[IDX]]] axis = 1 : tensor<?x4xf32>, tensor<4xi64>
// CHECK-DAG: %[[C:.*]] = deepc.cos %[[G]] : tensor<?x4xf32>
// CHECK-DAG: %[[S:.*]] = deepc.sin %[[G]] : tensor<?x4xf32>
// CHECK: deepc.rotary %[[X]], %[[C]], %[[S]] layout = <interleaved> : tensor<2x?x8xf32>, tensor<?x4xf32>
func.func @interleaved_by_gather(%x: tensor<2x?x8xf32>, %f: tensor<?x4xf32>) -> tensor<2x?x8xf32> {
  %idx = deepc.constant dense<[0, 0, 1, 1, 2, 2, 3, 3]> : tensor<8xi64>
  %emb = deepc.gather %f[%idx] axis = 1 : tensor<?x4xf32>, tensor<8xi64>
  %cos = deepc.cos %emb : tensor<?x8xf32>
  %sin = deepc.sin %emb : tensor<?x8xf32>
  %xc = deepc.mul %x, %cos : tensor<2x?x8xf32>, tensor<?x8xf32>
  %even = deepc.slice %x axes = [2] starts = [0] ends = [8] steps = [2] : tensor<2x?x8xf32>
  %odd = deepc.slice %x axes = [2] starts = [1] ends = [8] steps = [2] : tensor<2x?x8xf32>
  %o1 = deepc.reshape %odd : tensor<2x?x4xf32> -> tensor<2x?x4x1xf32>
  %n1 = deepc.neg %o1 : tensor<2x?x4x1xf32>
  %e1 = deepc.reshape %even : tensor<2x?x4xf32> -> tensor<2x?x4x1xf32>
  %st = deepc.concat %n1, %e1 axis = -1 : tensor<2x?x4x1xf32>, tensor<2x?x4x1xf32>
  %rot = deepc.reshape %st : tensor<2x?x4x2xf32> -> tensor<2x?x8xf32>
  %rs = deepc.mul %sin, %rot : tensor<?x8xf32>, tensor<2x?x8xf32>
  // expected-remark @+1 {{raised to deepc.rotary}}
  %y = deepc.add %rs, %xc : tensor<2x?x8xf32>, tensor<2x?x8xf32>
  return %y : tensor<2x?x8xf32>
}

// -----

// Tests that the interleaved rotation with tables gathered in the half
// layout's order ([0, 1, 2, 3, 0, 1, 2, 3]) is not raised.
// CHECK-LABEL: func.func @interleaved_gather_half_order
// CHECK-NOT: deepc.rotary
func.func @interleaved_gather_half_order(%x: tensor<3x8xf32>, %f: tensor<3x4xf32>) -> tensor<3x8xf32> {
  %idx = deepc.constant dense<[0, 1, 2, 3, 0, 1, 2, 3]> : tensor<8xi64>
  %emb = deepc.gather %f[%idx] axis = 1 : tensor<3x4xf32>, tensor<8xi64>
  %cos = deepc.cos %emb : tensor<3x8xf32>
  %sin = deepc.sin %emb : tensor<3x8xf32>
  %xc = deepc.mul %x, %cos : tensor<3x8xf32>, tensor<3x8xf32>
  %even = deepc.slice %x axes = [1] starts = [0] ends = [8] steps = [2] : tensor<3x8xf32>
  %odd = deepc.slice %x axes = [1] starts = [1] ends = [8] steps = [2] : tensor<3x8xf32>
  %n = deepc.neg %odd : tensor<3x4xf32>
  %n1 = deepc.reshape %n : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %e1 = deepc.reshape %even : tensor<3x4xf32> -> tensor<3x4x1xf32>
  %st = deepc.concat %n1, %e1 axis = 2 : tensor<3x4x1xf32>, tensor<3x4x1xf32>
  %rot = deepc.reshape %st : tensor<3x4x2xf32> -> tensor<3x8xf32>
  %rs = deepc.mul %rot, %sin : tensor<3x8xf32>, tensor<3x8xf32>
  // expected-remark @+1 {{not raised to deepc.rotary: cannot prove that the cos and sin tables repeat each angle for both channels of a pair: the table gathers different channels for the two entries of a pair}}
  %y = deepc.add %xc, %rs : tensor<3x8xf32>, tensor<3x8xf32>
  return %y : tensor<3x8xf32>
}
