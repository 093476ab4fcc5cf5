// RUN: deepc-opt %s -split-input-file -deepc-raise-gated-mlp | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-raise-gated-mlp=report=true -verify-diagnostics -o /dev/null

// Tests Llama's export: x·W weights ([H, I]), silu as g · sigmoid(g), the
// activated gate on the left of the product. The weights are transposed to
// nn.Linear's layout (folded here, the constants being splats) and stacked
// gate first.
// CHECK-LABEL: func.func @llama_form
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x4xf32>)
// CHECK-DAG: %[[WD:.*]] = deepc.constant dense<3.000000e+00> : tensor<4x8xf32>
// CHECK-DAG: %[[WG:.*]] = deepc.constant dense<1.000000e+00> : tensor<8x4xf32>
// CHECK-DAG: %[[WU:.*]] = deepc.constant dense<2.000000e+00> : tensor<8x4xf32>
// CHECK: %[[GU:.*]] = deepc.concat %[[WG]], %[[WU]] axis = 0 : tensor<8x4xf32>, tensor<8x4xf32>
// CHECK: %[[Y:.*]] = deepc.gated_mlp %[[X]] : tensor<?x?x4xf32> gate_up(%[[GU]] : tensor<16x4xf32>) down(%[[WD]] : tensor<4x8xf32>){{$}}
// CHECK: return %[[Y]]
func.func @llama_form(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<?x?x4xf32>, tensor<4x8xf32>
  %s = deepc.sigmoid %g : tensor<?x?x8xf32>
  %a = deepc.mul %g, %s : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  %u = deepc.matmul %x, %wu : tensor<?x?x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p = deepc.mul %a, %u : tensor<?x?x8xf32>, tensor<?x?x8xf32>
  %y = deepc.matmul %p, %wd : tensor<?x?x8xf32>, tensor<8x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// Tests nn.Linear weights read with transpose_rhs (no transpose needed),
// deepc.silu, the up projection on the left of the product, and a non-splat
// weight, which must stay the gate rows of w_gate_up.
// CHECK-LABEL: func.func @linear_layout_up_first
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK-DAG: %[[WG:.*]] = deepc.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-DAG: %[[WU:.*]] = deepc.constant dense<5.000000e+00> : tensor<2x2xf32>
// CHECK-DAG: %[[WD:.*]] = deepc.constant dense<6.000000e+00> : tensor<2x2xf32>
// CHECK: %[[GU:.*]] = deepc.concat %[[WG]], %[[WU]] axis = 0
// CHECK: deepc.gated_mlp %[[X]] : tensor<3x2xf32> gate_up(%[[GU]] : tensor<4x2xf32>) down(%[[WD]] : tensor<2x2xf32>){{$}}
// CHECK-NOT: deepc.matmul
func.func @linear_layout_up_first(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %wg = deepc.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wu = deepc.constant dense<5.0> : tensor<2x2xf32>
  %wd = deepc.constant dense<6.0> : tensor<2x2xf32>
  %u = deepc.matmul %x, %wu transpose_rhs : tensor<3x2xf32>, tensor<2x2xf32>
  %g = deepc.matmul %x, %wg transpose_rhs : tensor<3x2xf32>, tensor<2x2xf32>
  %a = deepc.silu %g : tensor<3x2xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p = deepc.mul %u, %a : tensor<3x2xf32>, tensor<3x2xf32>
  %y = deepc.matmul %p, %wd transpose_rhs : tensor<3x2xf32>, tensor<2x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests GeGLU in both GELU forms, ReGLU, and silu as sigmoid(g) · g; the
// down projection may change the width (here 4 -> 6).
// CHECK-LABEL: func.func @activations
// CHECK: deepc.gated_mlp {{.*}} {activation = #deepc.activation<gelu>}
// CHECK: deepc.gated_mlp {{.*}} {activation = #deepc.activation<gelu_tanh>}
// CHECK: deepc.gated_mlp {{.*}} {activation = #deepc.activation<relu>}
// CHECK: deepc.gated_mlp %{{.*}} : tensor<2x4xf32> gate_up(%{{.*}} : tensor<16x4xf32>) down(%{{.*}} : tensor<6x8xf32>){{$}}
// CHECK-NOT: deepc.matmul
func.func @activations(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x6xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %wd6 = deepc.constant dense<3.0> : tensor<8x6xf32>

  %g0 = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u0 = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a0 = deepc.gelu %g0 : tensor<2x8xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p0 = deepc.mul %a0, %u0 : tensor<2x8xf32>, tensor<2x8xf32>
  %y0 = deepc.matmul %p0, %wd : tensor<2x8xf32>, tensor<8x4xf32>

  %g1 = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u1 = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a1 = deepc.gelu %g1 approximation = <tanh> : tensor<2x8xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p1 = deepc.mul %a1, %u1 : tensor<2x8xf32>, tensor<2x8xf32>
  %y1 = deepc.matmul %p1, %wd : tensor<2x8xf32>, tensor<8x4xf32>

  %g2 = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u2 = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a2 = deepc.relu %g2 : tensor<2x8xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p2 = deepc.mul %u2, %a2 : tensor<2x8xf32>, tensor<2x8xf32>
  %y2 = deepc.matmul %p2, %wd : tensor<2x8xf32>, tensor<8x4xf32>

  %g3 = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u3 = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %s3 = deepc.sigmoid %g3 : tensor<2x8xf32>
  %a3 = deepc.mul %s3, %g3 : tensor<2x8xf32>, tensor<2x8xf32>
  // expected-remark @+1 {{raised to deepc.gated_mlp}}
  %p3 = deepc.mul %u3, %a3 : tensor<2x8xf32>, tensor<2x8xf32>
  %y3 = deepc.matmul %p3, %wd6 : tensor<2x8xf32>, tensor<8x6xf32>
  return %y0, %y1, %y2, %y3 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x6xf32>
}

// -----

// Tests that gate and up of different inputs stay: that is not one MLP.
// CHECK-LABEL: func.func @different_inputs
// CHECK-NOT: deepc.gated_mlp
// CHECK-COUNT-3: deepc.matmul
// CHECK-NOT: deepc.gated_mlp
func.func @different_inputs(%x: tensor<2x4xf32>, %z: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u = deepc.matmul %z, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the gate and up projections read different inputs}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that weights known only at run time stay: the op's weight layout is
// built by folding constants.
// CHECK-LABEL: func.func @runtime_weight
// CHECK-NOT: deepc.gated_mlp
func.func @runtime_weight(%x: tensor<2x4xf32>, %wu: tensor<4x8xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the up weight is not a constant matrix}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that a down weight known only at run time stays too.
// CHECK-LABEL: func.func @runtime_down_weight
// CHECK-NOT: deepc.gated_mlp
func.func @runtime_down_weight(%x: tensor<2x4xf32>, %wd: tensor<8x4xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the down weight is not a constant matrix}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that an intermediate value with another use stays: the fused op
// would not produce it. One function per value: gate, sigmoid, activation,
// up and product.
// CHECK-LABEL: func.func @gate_used_twice
// CHECK-NOT: deepc.gated_mlp
func.func @gate_used_twice(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %s = deepc.sigmoid %g : tensor<2x8xf32>
  %a = deepc.mul %g, %s : tensor<2x8xf32>, tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the gate projection has another use}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y, %g : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @sigmoid_used_twice
// CHECK-NOT: deepc.gated_mlp
func.func @sigmoid_used_twice(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %s = deepc.sigmoid %g : tensor<2x8xf32>
  %a = deepc.mul %g, %s : tensor<2x8xf32>, tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the sigmoid of the gate has another use}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y, %s : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @activation_used_twice
// CHECK-NOT: deepc.gated_mlp
func.func @activation_used_twice(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.gelu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the activation has another use}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y, %a : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @up_used_twice
// CHECK-NOT: deepc.gated_mlp
func.func @up_used_twice(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.relu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the up projection has another use}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y, %u : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// CHECK-LABEL: func.func @product_used_twice
// CHECK-NOT: deepc.gated_mlp
func.func @product_used_twice(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the product has another use}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y, %p : tensor<2x4xf32>, tensor<2x8xf32>
}

// -----

// Tests that an activation on both sides (here also on the up projection)
// stays: gated_mlp activates the gate only.
// CHECK-LABEL: func.func @both_sides_activated
// CHECK-NOT: deepc.gated_mlp
func.func @both_sides_activated(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  %b = deepc.silu %u : tensor<2x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the factor beside the activation is not a matmul (the up projection)}}
  %p = deepc.mul %a, %b : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that a product that is not projected down stays (no down matmul),
// and that one scaled by the down weight from the left stays too.
// CHECK-LABEL: func.func @no_down_projection
// CHECK-NOT: deepc.gated_mlp
func.func @no_down_projection(%x: tensor<2x4xf32>) -> (tensor<2x8xf32>, tensor<8x8xf32>) {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x8xf32>
  %wl = deepc.constant dense<3.0> : tensor<8x2xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the product does not feed a matmul as its left operand (the down projection)}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x8xf32>
  %g2 = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a2 = deepc.silu %g2 : tensor<2x8xf32>
  %u2 = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x8xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the product does not feed a matmul as its left operand (the down projection)}}
  %p2 = deepc.mul %a2, %u2 : tensor<2x8xf32>, tensor<2x8xf32>
  %y2 = deepc.matmul %wl, %p2 : tensor<8x2xf32>, tensor<2x8xf32>
  return %p, %y2 : tensor<2x8xf32>, tensor<8x8xf32>
}

// -----

// Tests that a product that broadcasts (a per-token up value) stays: the
// fused op multiplies element by element.
// CHECK-LABEL: func.func @broadcast_product
// CHECK-NOT: deepc.gated_mlp
func.func @broadcast_product(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wu = deepc.constant dense<2.0> : tensor<4x1xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  %u = deepc.matmul %x, %wu : tensor<2x4xf32>, tensor<4x1xf32>
  // expected-remark @+1 {{not raised to deepc.gated_mlp: the gate and up projections have different shapes}}
  %p = deepc.mul %a, %u : tensor<2x8xf32>, tensor<2x1xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// Tests that a plain silu(x·W) · V with V not a matmul (e.g. a gating
// vector) is not reported or raised: it does not look like a gated MLP.
// CHECK-LABEL: func.func @not_gated
// CHECK-NOT: deepc.gated_mlp
func.func @not_gated(%x: tensor<2x4xf32>, %v: tensor<2x8xf32>) -> tensor<2x4xf32> {
  %wg = deepc.constant dense<1.0> : tensor<4x8xf32>
  %wd = deepc.constant dense<3.0> : tensor<8x4xf32>
  %g = deepc.matmul %x, %wg : tensor<2x4xf32>, tensor<4x8xf32>
  %a = deepc.silu %g : tensor<2x8xf32>
  %p = deepc.mul %a, %v : tensor<2x8xf32>, tensor<2x8xf32>
  %y = deepc.matmul %p, %wd : tensor<2x8xf32>, tensor<8x4xf32>
  return %y : tensor<2x4xf32>
}
