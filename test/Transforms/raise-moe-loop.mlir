// RUN: deepc-opt %s -split-input-file -deepc-raise-moe-loop | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-raise-moe-loop=report=1 \
// RUN:   -verify-diagnostics -o /dev/null

// Tests that the loop over a [E, 2I, H] stack of fused gate/up weights
// (blocks in any order, each gathering its own row) becomes one deepc.moe
// on the stacks themselves, with the router read back by matchMoeRouting.
// CHECK-LABEL: func.func @stacked
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[ROUTER:.*]] = deepc.constant {{.*}} : tensor<2x8xf32>
// CHECK-DAG: %[[GU:.*]] = deepc.constant dense<1.250000e-01> : tensor<2x8x8xf32>
// CHECK-DAG: %[[D:.*]] = deepc.constant dense<2.500000e-01> : tensor<2x8x4xf32>
// CHECK-NOT: deepc.nonzero
// CHECK-NOT: deepc.scatter
// CHECK: %[[Y:.*]] = deepc.moe %[[X]], %[[ROUTER]] : tensor<?x8xf32>, tensor<2x8xf32> gate_up(%[[GU]] : tensor<2x8x8xf32>) down(%[[D]] : tensor<2x8x4xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]
func.func @stacked(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.moe}}
  %acc2 = deepc.scatter %acc1[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests per-expert x·W weights ([H, I]: transposed and stacked in expert
// order), silu spelled g * sigmoid(g), and a shared expert scaled by
// sigmoid(x · gᵀ) added to the routed sum: all of it one deepc.moe.
// CHECK-LABEL: func.func @separate_shared
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-DAG: %[[WG0:.*]] = deepc.constant dense<1.000000e-01> : tensor<8x4xf32>
// CHECK-DAG: %[[WG1:.*]] = deepc.constant dense<2.000000e-01> : tensor<8x4xf32>
// CHECK-DAG: %[[SEG:.*]] = deepc.constant dense<5.000000e-01> : tensor<1x8xf32>
// CHECK-DAG: %[[SG:.*]] = deepc.constant dense<6.250000e-02> : tensor<4x8xf32>
// CHECK-DAG: %[[SU:.*]] = deepc.constant dense<3.125000e-02> : tensor<4x8xf32>
// CHECK-DAG: %[[SD:.*]] = deepc.constant dense<1.562500e-02> : tensor<8x4xf32>
// CHECK-NOT: deepc.nonzero
// CHECK: %[[G0:.*]] = deepc.transpose %[[WG0]] [1, 0]
// CHECK: %[[R0:.*]] = deepc.reshape %[[G0]] : tensor<4x8xf32> -> tensor<1x4x8xf32>
// CHECK: %[[G1:.*]] = deepc.transpose %[[WG1]] [1, 0]
// CHECK: %[[R1:.*]] = deepc.reshape %[[G1]] : tensor<4x8xf32> -> tensor<1x4x8xf32>
// CHECK: %[[GATE:.*]] = deepc.concat %[[R0]], %[[R1]] axis = 0
// CHECK: %[[UP:.*]] = deepc.concat {{.*}} axis = 0 : tensor<1x4x8xf32>, tensor<1x4x8xf32>
// CHECK: %[[DOWN:.*]] = deepc.concat {{.*}} axis = 0 : tensor<1x8x4xf32>, tensor<1x8x4xf32>
// CHECK: %[[Y:.*]] = deepc.moe %[[X]], %{{.*}} : tensor<?x8xf32>, tensor<2x8xf32> gate(%[[GATE]] : tensor<2x4x8xf32>) up(%[[UP]] : tensor<2x4x8xf32>) down(%[[DOWN]] : tensor<2x8x4xf32>) shared_gate(%[[SG]] : tensor<4x8xf32>) shared_up(%[[SU]] : tensor<4x8xf32>) shared_down(%[[SD]] : tensor<8x4xf32>) shared_expert_gate(%[[SEG]] : tensor<1x8xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]
func.func @separate_shared(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wg0 = deepc.constant dense<0.1> : tensor<8x4xf32>
  %wu0 = deepc.constant dense<0.3> : tensor<8x4xf32>
  %wd0 = deepc.constant dense<0.5> : tensor<4x8xf32>
  %wg1 = deepc.constant dense<0.2> : tensor<8x4xf32>
  %wu1 = deepc.constant dense<0.4> : tensor<8x4xf32>
  %wd1 = deepc.constant dense<0.6> : tensor<4x8xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %g0 = deepc.matmul %x0, %wg0 : tensor<?x8xf32>, tensor<8x4xf32>
  %sg0 = deepc.sigmoid %g0 : tensor<?x4xf32>
  %a0 = deepc.mul %sg0, %g0 : tensor<?x4xf32>, tensor<?x4xf32>
  %u0 = deepc.matmul %x0, %wu0 : tensor<?x8xf32>, tensor<8x4xf32>
  %h0 = deepc.mul %u0, %a0 : tensor<?x4xf32>, tensor<?x4xf32>
  %y0 = deepc.matmul %h0, %wd0 : tensor<?x4xf32>, tensor<4x8xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %g1 = deepc.matmul %x1, %wg1 : tensor<?x8xf32>, tensor<8x4xf32>
  %sg1 = deepc.sigmoid %g1 : tensor<?x4xf32>
  %a1 = deepc.mul %sg1, %g1 : tensor<?x4xf32>, tensor<?x4xf32>
  %u1 = deepc.matmul %x1, %wu1 : tensor<?x8xf32>, tensor<8x4xf32>
  %h1 = deepc.mul %u1, %a1 : tensor<?x4xf32>, tensor<?x4xf32>
  %y1 = deepc.matmul %h1, %wd1 : tensor<?x4xf32>, tensor<4x8xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.moe}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %sgw = deepc.constant dense<0.5> : tensor<1x8xf32>
  %sg = deepc.constant dense<0.0625> : tensor<4x8xf32>
  %su = deepc.constant dense<0.03125> : tensor<4x8xf32>
  %sd = deepc.constant dense<0.015625> : tensor<8x4xf32>
  %shg = deepc.matmul %x, %sg transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %sha = deepc.silu %shg : tensor<?x4xf32>
  %shu = deepc.matmul %x, %su transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %shh = deepc.mul %sha, %shu : tensor<?x4xf32>, tensor<?x4xf32>
  %shy = deepc.matmul %shh, %sd transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %gl = deepc.matmul %x, %sgw transpose_rhs : tensor<?x8xf32>, tensor<1x8xf32>
  %gs = deepc.sigmoid %gl : tensor<?x1xf32>
  %shs = deepc.mul %gs, %shy : tensor<?x1xf32>, tensor<?x8xf32>
  %out = deepc.add %shs, %acc2 : tensor<?x8xf32>, tensor<?x8xf32>
  return %out : tensor<?x8xf32>
}

// -----

// Tests the columns of the pairs squeezed to [N] (rows taken with gather,
// weights[token, slot] gathered from the [T, k] weights) and unsqueezed
// back, as exporters spell torch.where's tuple and index_add_.
// CHECK-LABEL: func.func @squeezed
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK-NOT: deepc.nonzero
// CHECK: %[[Y:.*]] = deepc.moe %[[X]], %{{.*}} : tensor<?x8xf32>, tensor<2x8xf32> gate_up(%{{.*}} : tensor<2x8x8xf32>) down(%{{.*}} : tensor<2x8x4xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NEXT: return %[[Y]]
func.func @squeezed(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %tq0 = deepc.reshape %t0 : tensor<?x1xi64> -> tensor<?xi64>
  %sq0 = deepc.reshape %s0 : tensor<?x1xi64> -> tensor<?xi64>
  %x0 = deepc.gather %x[%tq0] axis = 0 : tensor<?x8xf32>, tensor<?xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %tu0 = deepc.reshape %tq0 : tensor<?xi64> -> tensor<?x1xi64>
  %su0 = deepc.reshape %sq0 : tensor<?xi64> -> tensor<?x1xi64>
  %i0 = deepc.concat %tu0, %su0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %rq0 = deepc.gather_nd %w[%i0] : tensor<?x2xf32>, tensor<?x2xi64>
  %r0 = deepc.reshape %rq0 : tensor<?xf32> -> tensor<?x1xf32>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%tu0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %tq1 = deepc.reshape %t1 : tensor<?x1xi64> -> tensor<?xi64>
  %sq1 = deepc.reshape %s1 : tensor<?x1xi64> -> tensor<?xi64>
  %x1 = deepc.gather %x[%tq1] axis = 0 : tensor<?x8xf32>, tensor<?xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %tu1 = deepc.reshape %tq1 : tensor<?xi64> -> tensor<?x1xi64>
  %su1 = deepc.reshape %sq1 : tensor<?xi64> -> tensor<?x1xi64>
  %i1 = deepc.concat %tu1, %su1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %rq1 = deepc.gather_nd %w[%i1] : tensor<?x2xf32>, tensor<?x2xi64>
  %r1 = deepc.reshape %rq1 : tensor<?xf32> -> tensor<?x1xf32>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.moe}}
  %acc2 = deepc.scatter %acc1[%tu1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that a shared expert with another activation than the routed ones
// stays beside the deepc.moe, added to its output.
// CHECK-LABEL: func.func @shared_gelu
// CHECK-SAME: (%[[X:.*]]: tensor<?x8xf32>)
// CHECK: %[[Y:.*]] = deepc.moe %[[X]], %{{.*}} : tensor<?x8xf32>, tensor<2x8xf32> gate_up(%{{.*}} : tensor<2x8x8xf32>) down(%{{.*}} : tensor<2x8x4xf32>) {renormalize, top_k = 2 : i64}
// CHECK: deepc.gelu
// CHECK: %[[SHARED:.*]] = deepc.mul %{{.*}}, %{{.*}} : tensor<?x1xf32>, tensor<?x8xf32>
// CHECK-NEXT: %[[OUT:.*]] = deepc.add %[[SHARED]], %[[Y]]
// CHECK-NEXT: return %[[OUT]]
func.func @shared_gelu(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{raised to deepc.moe (shared expert left apart: the shared expert's activation or gating differs from the routed experts')}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %sgw = deepc.constant dense<0.5> : tensor<1x8xf32>
  %sg = deepc.constant dense<0.0625> : tensor<4x8xf32>
  %su = deepc.constant dense<0.03125> : tensor<4x8xf32>
  %sd = deepc.constant dense<0.015625> : tensor<8x4xf32>
  %shg = deepc.matmul %x, %sg transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %sha = deepc.gelu %shg : tensor<?x4xf32>
  %shu = deepc.matmul %x, %su transpose_rhs : tensor<?x8xf32>, tensor<4x8xf32>
  %shh = deepc.mul %sha, %shu : tensor<?x4xf32>, tensor<?x4xf32>
  %shy = deepc.matmul %shh, %sd transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %gl = deepc.matmul %x, %sgw transpose_rhs : tensor<?x8xf32>, tensor<1x8xf32>
  %gs = deepc.sigmoid %gl : tensor<?x1xf32>
  %shs = deepc.mul %gs, %shy : tensor<?x1xf32>, tensor<?x8xf32>
  %out = deepc.add %shs, %acc2 : tensor<?x8xf32>, tensor<?x8xf32>
  return %out : tensor<?x8xf32>
}

// -----

// Tests that a block comparing with expert 1 but computing with expert 0's
// weights stays a loop.
// CHECK-LABEL: func.func @wrong_weights
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @wrong_weights(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: the block of expert 1 uses the weights of expert 0}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that a loop missing one of the router's experts stays a loop.
// CHECK-LABEL: func.func @missing_expert
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @missing_expert(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: expert 1 of 2 has no block}}
  %acc2 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that a loop running one expert twice (and another never) stays a
// loop.
// CHECK-LABEL: func.func @duplicate_expert
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @duplicate_expert(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: expert 0 has two blocks}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that a scatter that overwrites rows instead of adding to them
// stays a loop.
// CHECK-LABEL: func.func @reduction_none
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @reduction_none(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: a scatter combines with reduction none, not add}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that routing weights from another router than the one that chose
// the experts keep the loop.
// CHECK-LABEL: func.func @other_router
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @other_router(%x: tensor<?x8xf32>, %router2: tensor<2x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %logits2 = deepc.matmul %x, %router2 transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores2 = deepc.softmax %logits2 axis = 1 : tensor<?x2xf32>
  %values2, %indices2 = deepc.topk %scores2 k = 2 axis = 1 : tensor<?x2xf32>
  %w3b = deepc.reshape %values2 : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3b[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3b[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: the router does not match: the routing weights are not the router scores of the chosen experts}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}

// -----

// Tests that an accumulation starting from ones, not zeros, stays a loop.
// CHECK-LABEL: func.func @nonzero_start
// CHECK-NOT: deepc.moe
// CHECK: deepc.scatter
// CHECK-NOT: deepc.moe
// CHECK: return
func.func @nonzero_start(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %e0 = deepc.constant dense<0> : tensor<i64>
  %e1 = deepc.constant dense<1> : tensor<i64>
  %router = deepc.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.25], [-0.5, 0.25, 0.5, -1.0, 1.0, 0.0, 0.5, -0.75]]> : tensor<2x8xf32>
  %wgu = deepc.constant dense<0.125> : tensor<2x8x8xf32>
  %wd = deepc.constant dense<0.25> : tensor<2x8x4xf32>
  %zero = deepc.constant dense<1.0> : tensor<f32>
  %shape = deepc.shape_of %x : tensor<?x8xf32>
  %acc = deepc.expand %zero shape %shape : tensor<f32>, tensor<2xi64> -> tensor<?x8xf32>
  %logits = deepc.matmul %x, %router transpose_rhs : tensor<?x8xf32>, tensor<2x8xf32>
  %scores = deepc.softmax %logits axis = 1 : tensor<?x2xf32>
  %values, %indices = deepc.topk %scores k = 2 axis = 1 : tensor<?x2xf32>
  %sum = deepc.reduce_sum %values axes = [1] keep_dims : tensor<?x2xf32>
  %w = deepc.div %values, %sum : tensor<?x2xf32>, tensor<?x1xf32>
  %w3 = deepc.reshape %w : tensor<?x2xf32> -> tensor<?x2x1xf32>
  %m0 = deepc.equal %indices, %e0 : tensor<?x2xi64>, tensor<i64>
  %nz0 = deepc.nonzero %m0 : tensor<?x2xi1>
  %p0 = deepc.transpose %nz0 [1, 0] : tensor<2x?xi64>
  %t0 = deepc.slice %p0 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s0 = deepc.slice %p0 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x0 = deepc.gather_nd %x[%t0] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw0 = deepc.gather %wgu[%e0] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu0 = deepc.matmul %x0, %guw0 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g0 = deepc.slice %gu0 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u0 = deepc.slice %gu0 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a0 = deepc.silu %g0 : tensor<?x4xf32>
  %h0 = deepc.mul %a0, %u0 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw0 = deepc.gather %wd[%e0] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y0 = deepc.matmul %h0, %dw0 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i0 = deepc.concat %t0, %s0 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r0 = deepc.gather_nd %w3[%i0] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v0 = deepc.mul %r0, %y0 : tensor<?x1xf32>, tensor<?x8xf32>
  %acc1 = deepc.scatter %acc[%t0], %v0 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  %m1 = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
  %nz1 = deepc.nonzero %m1 : tensor<?x2xi1>
  %p1 = deepc.transpose %nz1 [1, 0] : tensor<2x?xi64>
  %t1 = deepc.slice %p1 axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
  %s1 = deepc.slice %p1 axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
  %x1 = deepc.gather_nd %x[%t1] : tensor<?x8xf32>, tensor<?x1xi64>
  %guw1 = deepc.gather %wgu[%e1] axis = 0 : tensor<2x8x8xf32>, tensor<i64>
  %gu1 = deepc.matmul %x1, %guw1 transpose_rhs : tensor<?x8xf32>, tensor<8x8xf32>
  %g1 = deepc.slice %gu1 axes = [1] starts = [0] ends = [4] steps = [1] : tensor<?x8xf32>
  %u1 = deepc.slice %gu1 axes = [1] starts = [4] ends = [8] steps = [1] : tensor<?x8xf32>
  %a1 = deepc.silu %g1 : tensor<?x4xf32>
  %h1 = deepc.mul %a1, %u1 : tensor<?x4xf32>, tensor<?x4xf32>
  %dw1 = deepc.gather %wd[%e1] axis = 0 : tensor<2x8x4xf32>, tensor<i64>
  %y1 = deepc.matmul %h1, %dw1 transpose_rhs : tensor<?x4xf32>, tensor<8x4xf32>
  %i1 = deepc.concat %t1, %s1 axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
  %r1 = deepc.gather_nd %w3[%i1] : tensor<?x2x1xf32>, tensor<?x2xi64>
  %v1 = deepc.mul %r1, %y1 : tensor<?x1xf32>, tensor<?x8xf32>
  // expected-remark @+1 {{not raised to deepc.moe: the accumulation does not start from zeros}}
  %acc2 = deepc.scatter %acc1[%t1], %v1 reduction = <add> : tensor<?x8xf32>, tensor<?x1xi64>, tensor<?x8xf32>
  return %acc2 : tensor<?x8xf32>
}
