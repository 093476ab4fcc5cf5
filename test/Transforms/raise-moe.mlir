// RUN: deepc-opt %s -split-input-file -deepc-raise-moe | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-raise-moe=report=true -verify-diagnostics -o /dev/null

// Tests Mixtral's batched form: softmax, top-2, renormalized, a fused
// [E, 2I, H] gate_up projection gathered by the flattened indices.
// CHECK-LABEL: func.func @softmax_renormalized_fused
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[R:.*]]: tensor<4x8xf32>, %[[GU:.*]]: tensor<4x8x8xf32>, %[[D:.*]]: tensor<4x8x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.moe %[[X]], %[[R]] : tensor<?x8xf32>, tensor<4x8xf32> gate_up(%[[GU]] : tensor<4x8x8xf32>) down(%[[D]] : tensor<4x8x4xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]

func.func @softmax_renormalized_fused(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{raised to deepc.moe}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests Qwen2-MoE: softmax top-2 weights used as they are, separate gate
// and up projections, the weight on the left of the product, and a shared
// expert scaled by sigmoid(x · gᵀ) added on the left of the routed sum.
// CHECK-LABEL: func.func @softmax_shared_expert
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[R:.*]]: tensor<4x8xf32>, %[[G:.*]]: tensor<4x4x8xf32>, %[[U:.*]]: tensor<4x4x8xf32>, %[[D:.*]]: tensor<4x8x4xf32>, %[[SG:.*]]: tensor<6x8xf32>, %[[SU:.*]]: tensor<6x8xf32>, %[[SD:.*]]: tensor<8x6xf32>, %[[SEG:.*]]: tensor<1x8xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.moe %[[X]], %[[R]] : tensor<?x8xf32>, tensor<4x8xf32> gate(%[[G]] : tensor<4x4x8xf32>) up(%[[U]] : tensor<4x4x8xf32>) down(%[[D]] : tensor<4x8x4xf32>) shared_gate(%[[SG]] : tensor<6x8xf32>) shared_up(%[[SU]] : tensor<6x8xf32>) shared_down(%[[SD]] : tensor<8x6xf32>) shared_expert_gate(%[[SEG]] : tensor<1x8xf32>) {top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]

func.func @softmax_shared_expert(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wg: tensor<4x4x8xf32>, %wu: tensor<4x4x8xf32>, %wd: tensor<4x8x4xf32>, %sgate: tensor<6x8xf32>, %sup: tensor<6x8xf32>, %sdown: tensor<8x6xf32>, %segate: tensor<1x8xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{raised to deepc.moe}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %gg = deepc.gather_nd %wg[%fi] : tensor<4x4x8xf32>, tensor<?x1xi64>
  %gate3 = deepc.matmul %gg, %xc : tensor<?x4x8xf32>, tensor<?x8x1xf32>
  %gate = deepc.reshape %gate3 : tensor<?x4x1xf32> -> tensor<?x4xf32>
  %gu_ = deepc.gather_nd %wu[%fi] : tensor<4x4x8xf32>, tensor<?x1xi64>
  %up3 = deepc.matmul %gu_, %xc : tensor<?x4x8xf32>, tensor<?x8x1xf32>
  %up = deepc.reshape %up3 : tensor<?x4x1xf32> -> tensor<?x4xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %values : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %wf, %y : tensor<?x1xf32>, tensor<?x8xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  %sg1 = deepc.matmul %x, %sgate transpose_rhs : tensor<?x8xf32>, tensor<6x8xf32>
  %ssg = deepc.silu %sg1 : tensor<?x6xf32>
  %su = deepc.matmul %x, %sup transpose_rhs : tensor<?x8xf32>, tensor<6x8xf32>
  %sh = deepc.mul %ssg, %su : tensor<?x6xf32>, tensor<?x6xf32>
  %sy = deepc.matmul %sh, %sdown transpose_rhs : tensor<?x6xf32>, tensor<8x6xf32>
  %gl = deepc.matmul %x, %segate transpose_rhs : tensor<?x8xf32>, tensor<1x8xf32>
  %gs = deepc.sigmoid %gl : tensor<?x1xf32>
  %sgated = deepc.mul %gs, %sy : tensor<?x1xf32>, tensor<?x8xf32>
  %out = deepc.add %sgated, %routed : tensor<?x8xf32>, tensor<?x8xf32>
  return %out : tensor<?x8xf32>
}

// -----

// Tests DeepSeek-V3: sigmoid scores, a correction bias for the choice only,
// 2 groups scored by their top-2 sum of which 1 is kept, the dropped ones
// filled with 0 (never chosen: every group has 2 experts with a positive
// bias), renormalized, scaled by 2.5, and a shared expert with [in, out]
// weights, which are transposed.
// CHECK-LABEL: func.func @sigmoid_grouped_shared_expert
// CHECK-SAME: (%[[X:[^:]*]]: tensor<?x8xf32>, %[[R:[^:]*]]: tensor<4x8xf32>, %[[GU:[^:]*]]: tensor<4x8x8xf32>, %[[D:[^:]*]]: tensor<4x8x4xf32>, %{{[^:]*}}: tensor<2xi64>, %{{[^:]*}}: tensor<2xi64>, %[[SG:[^:]*]]: tensor<8x6xf32>, %[[SU:[^:]*]]: tensor<8x6xf32>, %[[SD:[^:]*]]: tensor<6x8xf32>)
// CHECK-DAG: %[[B:.*]] = deepc.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01]> : tensor<4xf32>
// CHECK-DAG: %[[SGT:.*]] = deepc.transpose %[[SG]] [1, 0]
// CHECK-DAG: %[[SUT:.*]] = deepc.transpose %[[SU]] [1, 0]
// CHECK-DAG: %[[SDT:.*]] = deepc.transpose %[[SD]] [1, 0]
// CHECK: %[[Y:.*]] = deepc.moe %[[X]], %[[R]] : tensor<?x8xf32>, tensor<4x8xf32> gate_up(%[[GU]] : tensor<4x8x8xf32>) down(%[[D]] : tensor<4x8x4xf32>) correction_bias(%[[B]] : tensor<4xf32>) shared_gate(%[[SGT]] : tensor<6x8xf32>) shared_up(%[[SUT]] : tensor<6x8xf32>) shared_down(%[[SDT]] : tensor<8x6xf32>) {n_group = 2 : i64, renormalize, routed_scaling_factor = 2.500000e+00 : f32, router = #deepc.router<sigmoid>, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]
// CHECK-NOT: deepc.gather_nd

func.func @sigmoid_grouped_shared_expert(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %gshape: tensor<2xi64>, %oshape: tensor<2xi64>, %sgate: tensor<8x6xf32>, %sup: tensor<8x6xf32>, %sdown: tensor<6x8xf32>) -> tensor<?x8xf32> {
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %scores = deepc.sigmoid %logits : tensor<?x4xf32>
  %bias = deepc.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %biased = deepc.add %scores, %bias : tensor<?x4xf32>, tensor<4xf32>
  %grouped = deepc.reshape %biased : tensor<?x4xf32> -> tensor<?x2x2xf32>
  %top2, %top2i = deepc.topk %grouped k = 2 axis = 2 : tensor<?x2x2xf32>
  %gscore = deepc.reduce_sum %top2 axes = [2] : tensor<?x2x2xf32>
  %gv, %gi = deepc.topk %gscore k = 1 axis = 1 {sorted = false} : tensor<?x2xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %one = deepc.constant dense<1.0> : tensor<1x1xf32>
  %zeros = deepc.expand %zero shape %gshape : tensor<f32>, tensor<2xi64> -> tensor<?x2xf32>
  %ones = deepc.expand %one shape %oshape : tensor<1x1xf32>, tensor<2xi64> -> tensor<?x1xf32>
  %gmask = deepc.scatter_elements %zeros[%gi], %ones axis = 1 : tensor<?x2xf32>, tensor<?x1xi64>, tensor<?x1xf32>
  %gm3 = deepc.reshape %gmask : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %em3 = deepc.expand %gm3 : tensor<?x2x1xf32> -> tensor<?x2x2xf32>
  %emask = deepc.reshape %em3 : tensor<?x2x2xf32> -> tensor<?x4xf32>
  %keep = deepc.cast %emask : tensor<?x4xf32> to tensor<?x4xi1>
  %drop = deepc.not %keep : tensor<?x4xi1>
  %fill = deepc.constant dense<0.0> : tensor<f32>
  %masked = deepc.select %drop, %fill, %biased : tensor<?x4xi1>, tensor<f32>, tensor<?x4xf32>
  // expected-remark @+1 {{raised to deepc.moe}}
  %values, %indices = deepc.topk %masked k = 2 axis = 1 {sorted = false} : tensor<?x4xf32>
  %chosen = deepc.gather_elements %scores[%indices] axis = 1 : tensor<?x4xf32>, tensor<?x2xi64>
  %csum = deepc.reduce_sum %chosen axes = [1] keep_dims : tensor<?x2xf32>
  %normed = deepc.div %chosen, %csum : tensor<?x2xf32>, tensor<?x1xf32>
  %scale = deepc.constant dense<2.5> : tensor<f32>
  %w = deepc.mul %normed, %scale : tensor<?x2xf32>, tensor<f32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  %sg1 = deepc.matmul %x, %sgate : tensor<?x8xf32>, tensor<8x6xf32>
  %ssg = deepc.silu %sg1 : tensor<?x6xf32>
  %su = deepc.matmul %x, %sup : tensor<?x8xf32>, tensor<8x6xf32>
  %sh = deepc.mul %su, %ssg : tensor<?x6xf32>, tensor<?x6xf32>
  %sy = deepc.matmul %sh, %sdown : tensor<?x6xf32>, tensor<6x8xf32>
  %out = deepc.add %routed, %sy : tensor<?x8xf32>, tensor<?x8xf32>
  return %out : tensor<?x8xf32>
}

// -----

// Tests the top-k taken on the logits and a softmax over the k chosen
// ones, which is the renormalized softmax router.
// CHECK-LABEL: func.func @softmax_of_topk_logits
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x8xf32>, tensor<4x8xf32> gate_up(%{{.*}} : tensor<4x8x8xf32>) down(%{{.*}} : tensor<4x8x4xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NOT: deepc.topk

func.func @softmax_of_topk_logits(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{raised to deepc.moe}}
  %values, %indices = deepc.topk %logits k = 2 axis = 1 : tensor<?x4xf32>
  %w = deepc.softmax %values axis = 1 : tensor<?x2xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests a shared expert on [B, 2, H] tokens added to the routed sum reshaped
// back to them: one dynamic dimension, so the two views provably match.
// CHECK-LABEL: func.func @shared_expert_after_reshape
// CHECK: %[[Y:.*]] = deepc.moe {{.*}} shared_gate({{.*}}) shared_up({{.*}}) shared_down({{.*}}) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: %[[B:.*]] = deepc.reshape %[[Y]] : tensor<?x8xf32> -> tensor<?x2x8xf32>
// CHECK-NEXT: return %[[B]]

func.func @shared_expert_after_reshape(%tok: tensor<?x2x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %sgate: tensor<6x8xf32>, %sup: tensor<6x8xf32>, %sdown: tensor<8x6xf32>) -> tensor<?x2x8xf32> {
  %x = deepc.reshape %tok : tensor<?x2x8xf32> -> tensor<?x8xf32>
  // expected-remark @+3 {{raised to deepc.moe}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  %back = deepc.reshape %routed : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %sg1 = deepc.matmul %tok, %sgate transpose_rhs : tensor<?x2x8xf32>, tensor<6x8xf32>
  %ssg = deepc.silu %sg1 : tensor<?x2x6xf32>
  %su = deepc.matmul %tok, %sup transpose_rhs : tensor<?x2x8xf32>, tensor<6x8xf32>
  %sh = deepc.mul %ssg, %su : tensor<?x2x6xf32>, tensor<?x2x6xf32>
  %sy = deepc.matmul %sh, %sdown transpose_rhs : tensor<?x2x6xf32>, tensor<8x6xf32>
  %out = deepc.add %back, %sy : tensor<?x2x8xf32>, tensor<?x2x8xf32>
  return %out : tensor<?x2x8xf32>
}

// -----

// Tests that a shared expert on [B, S, H] tokens added to the routed sum
// reshaped by a shape from elsewhere joins the deepc.moe, the reshape moving
// after it: the two [?, ?, H] views are taken to split the same tokens the
// same way (dynamic dims are assumed equal, as in the other raising passes).
// CHECK-LABEL: func.func @shared_expert_after_unproven_reshape
// CHECK: %[[Y:.*]] = deepc.moe {{.*}} down(%{{.*}} : tensor<4x8x4xf32>) shared_gate(%{{.*}} : tensor<6x8xf32>) shared_up(%{{.*}} : tensor<6x8xf32>) shared_down(%{{.*}} : tensor<8x6xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: %[[B:.*]] = deepc.reshape %[[Y]] shape %{{.*}} : tensor<?x8xf32>, tensor<3xi64> -> tensor<?x?x8xf32>
// CHECK-NEXT: return %[[B]]

func.func @shared_expert_after_unproven_reshape(%tok: tensor<?x?x8xf32>, %s: tensor<3xi64>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %sgate: tensor<6x8xf32>, %sup: tensor<6x8xf32>, %sdown: tensor<8x6xf32>) -> tensor<?x?x8xf32> {
  %x = deepc.reshape %tok : tensor<?x?x8xf32> -> tensor<?x8xf32>
  // expected-remark @+3 {{raised to deepc.moe}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  %back = deepc.reshape %routed shape %s : tensor<?x8xf32>, tensor<3xi64> -> tensor<?x?x8xf32>
  %sg1 = deepc.matmul %tok, %sgate transpose_rhs : tensor<?x?x8xf32>, tensor<6x8xf32>
  %ssg = deepc.silu %sg1 : tensor<?x?x6xf32>
  %su = deepc.matmul %tok, %sup transpose_rhs : tensor<?x?x8xf32>, tensor<6x8xf32>
  %sh = deepc.mul %ssg, %su : tensor<?x?x6xf32>, tensor<?x?x6xf32>
  %sy = deepc.matmul %sh, %sdown transpose_rhs : tensor<?x?x6xf32>, tensor<8x6xf32>
  %out = deepc.add %back, %sy : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  return %out : tensor<?x?x8xf32>
}

// -----

// Tests experts that are not gated (relu(x · w_up[e]ᵀ)), with the down
// projection written as rows times the gathered weights transposed.
// CHECK-LABEL: func.func @relu_not_gated_row_times_weight
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>, %[[R:.*]]: tensor<4x8xf32>, %[[U:.*]]: tensor<4x4x8xf32>, %[[D:.*]]: tensor<4x8x4xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.moe %[[X]], %[[R]] : tensor<?x8xf32>, tensor<4x8xf32> up(%[[U]] : tensor<4x4x8xf32>) down(%[[D]] : tensor<4x8x4xf32>) {activation = #deepc.activation<relu>, gated = false, renormalize, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]

func.func @relu_not_gated_row_times_weight(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wu: tensor<4x4x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{raised to deepc.moe}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %gu_ = deepc.gather_nd %wu[%fi] : tensor<4x4x8xf32>, tensor<?x1xi64>
  %up3 = deepc.matmul %gu_, %xc : tensor<?x4x8xf32>, tensor<?x8x1xf32>
  %up = deepc.reshape %up3 : tensor<?x4x1xf32> -> tensor<?x4xf32>
  %h = deepc.relu %up : tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hr = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x1x4xf32>
  %y3 = deepc.matmul %hr, %d transpose_rhs : tensor<?x1x4xf32>, tensor<?x8x4xf32>
  %y = deepc.reshape %y3 : tensor<?x1x8xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [-2] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that a sum over a [T, 1, H] view when the router chose k = 2 is not raised.
// CHECK-LABEL: func.func @near_miss_sum_over_other_k
// CHECK-NOT: deepc.moe

func.func @near_miss_sum_over_other_k(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the sum is not over k of a [T, k, H] tensor}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x1x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that a sum over the token axis instead of k is not raised.
// CHECK-LABEL: func.func @near_miss_sum_over_tokens
// CHECK-NOT: deepc.moe

func.func @near_miss_sum_over_tokens(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<2x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the sum is not over k of a [T, k, H] tensor}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [0] : tensor<?x2x8xf32>
  return %routed : tensor<2x8xf32>
}

// -----

// Tests that a down projection gathered by other indices than the router's is not raised.
// CHECK-LABEL: func.func @near_miss_down_gathered_by_other_indices
// CHECK-NOT: deepc.moe

func.func @near_miss_down_gathered_by_other_indices(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %other: tensor<?x1xi64>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the down projection is not a matmul by expert weights gathered by the top-k indices}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%other] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that an MoE whose experts read other tokens than its router is not raised.
// CHECK-LABEL: func.func @near_miss_other_tokens
// CHECK-NOT: deepc.moe

func.func @near_miss_other_tokens(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %x2: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the experts read other tokens than the router}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<?x1xf32>
  %x3 = deepc.reshape %x2 : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that routing weights divided by their sum over the tokens is not raised.
// CHECK-LABEL: func.func @near_miss_renormalized_over_tokens
// CHECK-NOT: deepc.moe

func.func @near_miss_renormalized_over_tokens(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the routing weights are not the router scores of the chosen experts}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %wsum = deepc.reduce_sum %values axes = [0] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %wsum : tensor<?x2xf32>, tensor<1x2xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that an MoE weighting by the bias-corrected scores is not raised.
// CHECK-LABEL: func.func @near_miss_biased_weights
// CHECK-NOT: deepc.moe

func.func @near_miss_biased_weights(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %bias: tensor<4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+4 {{not raised to deepc.moe: the routing weights are not the router scores of the chosen experts}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.sigmoid %logits : tensor<?x4xf32>
  %biased = deepc.add %probs, %bias : tensor<?x4xf32>, tensor<4xf32>
  %values, %indices = deepc.topk %biased k = 2 axis = 1 : tensor<?x4xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %values : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that a group limit whose fill value 0 could outrank eligible experts with a negative bias is not raised.
// CHECK-LABEL: func.func @near_miss_fill_may_be_chosen
// CHECK-NOT: deepc.moe

func.func @near_miss_fill_may_be_chosen(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>, %gshape: tensor<2xi64>, %oshape: tensor<2xi64>) -> tensor<?x8xf32> {
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %scores = deepc.sigmoid %logits : tensor<?x4xf32>
  %bias = deepc.constant dense<[0.1, -0.2, 0.3, 0.4]> : tensor<4xf32>
  %biased = deepc.add %scores, %bias : tensor<?x4xf32>, tensor<4xf32>
  %grouped = deepc.reshape %biased : tensor<?x4xf32> -> tensor<?x2x2xf32>
  %top2, %top2i = deepc.topk %grouped k = 2 axis = 2 : tensor<?x2x2xf32>
  %gscore = deepc.reduce_sum %top2 axes = [2] : tensor<?x2x2xf32>
  %gv, %gi = deepc.topk %gscore k = 1 axis = 1 {sorted = false} : tensor<?x2xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %one = deepc.constant dense<1.0> : tensor<1x1xf32>
  %zeros = deepc.expand %zero shape %gshape : tensor<f32>, tensor<2xi64> -> tensor<?x2xf32>
  %ones = deepc.expand %one shape %oshape : tensor<1x1xf32>, tensor<2xi64> -> tensor<?x1xf32>
  %gmask = deepc.scatter_elements %zeros[%gi], %ones axis = 1 : tensor<?x2xf32>, tensor<?x1xi64>, tensor<?x1xf32>
  %gm3 = deepc.reshape %gmask : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %em3 = deepc.expand %gm3 : tensor<?x2x1xf32> -> tensor<?x2x2xf32>
  %emask = deepc.reshape %em3 : tensor<?x2x2xf32> -> tensor<?x4xf32>
  %keep = deepc.cast %emask : tensor<?x4xf32> to tensor<?x4xi1>
  %drop = deepc.not %keep : tensor<?x4xi1>
  %fill = deepc.constant dense<0.0> : tensor<f32>
  %masked = deepc.select %drop, %fill, %biased : tensor<?x4xi1>, tensor<f32>, tensor<?x4xf32>
  // expected-remark @+1 {{not raised to deepc.moe: an expert of a dropped group could be chosen: its fill value does not stay below top_k eligible experts}}
  %values, %indices = deepc.topk %masked k = 2 axis = 1 {sorted = false} : tensor<?x4xf32>
  %chosen = deepc.gather_elements %scores[%indices] axis = 1 : tensor<?x4xf32>, tensor<?x2xi64>
  %csum = deepc.reduce_sum %chosen axes = [1] keep_dims : tensor<?x2xf32>
  %normed = deepc.div %chosen, %csum : tensor<?x2xf32>, tensor<?x1xf32>
  %scale = deepc.constant dense<2.5> : tensor<f32>
  %w = deepc.mul %normed, %scale : tensor<?x2xf32>, tensor<f32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}

// -----

// Tests that routing weights from a top-3 router combined with the indices of a top-2 one is not raised.
// CHECK-LABEL: func.func @near_miss_router_with_other_k
// CHECK-NOT: deepc.moe

func.func @near_miss_router_with_other_k(%x: tensor<?x8xf32>, %router: tensor<4x8xf32>, %wgu: tensor<4x8x8xf32>, %wd: tensor<4x8x4xf32>) -> tensor<?x8xf32> {
  // expected-remark @+3 {{not raised to deepc.moe: the routing weights are not the router scores of the chosen experts}}
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %probs = deepc.softmax %logits axis = 1 : tensor<?x4xf32>
  %values, %indices = deepc.topk %probs k = 2 axis = 1 : tensor<?x4xf32>
  %v3, %i3 = deepc.topk %probs k = 3 axis = 1 : tensor<?x4xf32>
  %w = deepc.slice %v3 axes = [1] starts = [1] ends = [3] steps = [1] : tensor<?x3xf32>
  %x3 = deepc.reshape %x : tensor<?x8xf32> -> tensor<?x1x8xf32>
  %xk = deepc.expand %x3 : tensor<?x1x8xf32> -> tensor<?x2x8xf32>
  %fi = deepc.reshape %indices : tensor<?x2xi64> -> tensor<?x1xi64>
  %xc = deepc.reshape %xk : tensor<?x2x8xf32> -> tensor<?x8x1xf32>
  %g = deepc.gather_nd %wgu[%fi] : tensor<4x8x8xf32>, tensor<?x1xi64>
  %gu3 = deepc.matmul %g, %xc : tensor<?x8x8xf32>, tensor<?x8x1xf32>
  %gu = deepc.reshape %gu3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %gate = deepc.slice %gu axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %up = deepc.slice %gu axes = [1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<?x8xf32>
  %sg = deepc.sigmoid %gate : tensor<?x4xf32>
  %act = deepc.mul %gate, %sg : tensor<?x4xf32>, tensor<?x4xf32>
  %h = deepc.mul %act, %up : tensor<?x4xf32>, tensor<?x4xf32>
  %d = deepc.gather_nd %wd[%fi] : tensor<4x8x4xf32>, tensor<?x1xi64>
  %hc = deepc.reshape %h : tensor<?x4xf32> -> tensor<?x4x1xf32>
  %y3 = deepc.matmul %d, %hc : tensor<?x8x4xf32>, tensor<?x4x1xf32>
  %y = deepc.reshape %y3 : tensor<?x8x1xf32> -> tensor<?x8xf32>
  %wf = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x1xf32>
  %yw = deepc.mul %y, %wf : tensor<?x8xf32>, tensor<?x1xf32>
  %yk = deepc.reshape %yw : tensor<?x8xf32> -> tensor<?x2x8xf32>
  %routed = deepc.reduce_sum %yk axes = [1] : tensor<?x2x8xf32>
  return %routed : tensor<?x8xf32>
}
