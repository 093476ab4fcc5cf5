// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests ORT's MoE with interleaved fused SwiGLU (swiglu_fusion = 1): the
// router logits MatMul of the flattened input gives deepc.moe's router
// weight (transposed), the interleaved fc1 rows are regrouped gate-first,
// and the router matmul disappears.
// CHECK-LABEL: func.func @moe_swiglu
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[R:.*]]: tensor<64x8xf32>, %[[W1:.*]]: tensor<8x64x64xf32>, %[[W2:.*]]: tensor<8x64x32xf32>)
// CHECK: %[[S:.*]] = deepc.reshape %[[W1]] : tensor<8x64x64xf32> -> tensor<8x32x2x64xf32>
// CHECK: %[[T:.*]] = deepc.transpose %[[S]] [0, 2, 1, 3] : tensor<8x32x2x64xf32>
// CHECK: %[[GU:.*]] = deepc.reshape %[[T]] : tensor<8x2x32x64xf32> -> tensor<8x64x64xf32>
// CHECK: %[[RW:.*]] = deepc.transpose %[[R]] [1, 0] : tensor<64x8xf32>
// CHECK: %[[M:.*]] = deepc.moe %[[X]], %[[RW]] : tensor<?x?x64xf32>, tensor<8x64xf32> gate_up(%[[GU]] : tensor<8x64x64xf32>) down(%[[W2]] : tensor<8x64x32xf32>) {renormalize, top_k = 2 : i64}
// CHECK-NOT: deepc.matmul
// CHECK: return %[[M]]
// CHECK-NOT: onnx.
func.func @moe_swiglu(%x: tensor<?x?x64xf32>, %r: tensor<64x8xf32>, %w1: tensor<8x64x64xf32>, %w2: tensor<8x64x32xf32>) -> !onnx.unknown {
  %none = onnx.none
  %flat = onnx.constant dense<[-1, 64]> : tensor<2xsi64>
  %x2 = onnx.node "Reshape" version 14 (%x, %flat) : (tensor<?x?x64xf32>, tensor<2xsi64>) -> !onnx.unknown
  %logits = onnx.node "MatMul" version 13 (%x2, %r) : (!onnx.unknown, tensor<64x8xf32>) -> !onnx.unknown
  %y = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) {k = 2 : i64, activation_type = "swiglu", swiglu_fusion = 1 : i64, normalize_routing_weights = 1 : i64} : (tensor<?x?x64xf32>, !onnx.unknown, tensor<8x64x64xf32>, none, tensor<8x64x32xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests unfused SwiGLU (fc1 gate, fc3 up), relu and gelu (ORT's tanh form)
// experts, each from 2-D token input.
// CHECK-LABEL: func.func @moe_forms
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> gate(%{{.*}} : tensor<4x32x64xf32>) up(%{{.*}} : tensor<4x32x64xf32>) down(%{{.*}} : tensor<4x64x32xf32>) {top_k = 1 : i64}
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> up(%{{.*}} : tensor<4x32x64xf32>) down(%{{.*}} : tensor<4x64x32xf32>) {activation = #deepc.activation<relu>, gated = false, top_k = 2 : i64}
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> up(%{{.*}} : tensor<4x32x64xf32>) down(%{{.*}} : tensor<4x64x32xf32>) {activation = #deepc.activation<gelu_tanh>, gated = false, top_k = 2 : i64}
func.func @moe_forms(%x: tensor<?x64xf32>, %r: tensor<64x4xf32>, %w1: tensor<4x32x64xf32>, %w2: tensor<4x64x32xf32>, %w3: tensor<4x32x64xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %none = onnx.none
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x4xf32>) -> !onnx.unknown
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2, %none, %w3) {activation_type = "swiglu"} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>, none, tensor<4x32x64xf32>) -> !onnx.unknown
  %1 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) {k = 2 : i64} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>) -> !onnx.unknown
  %2 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) {k = 2 : i64, activation_type = "gelu"} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that expert biases follow their weights: relu's fc1 bias is the up
// projection's, unfused swiglu's fc1 and fc3 biases are the gate's and the
// up's, and fc2's is always the down projection's.
// CHECK-LABEL: func.func @moe_biases
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[R:.*]]: tensor<64x4xf32>, %[[W1:.*]]: tensor<4x32x64xf32>, %[[B1:.*]]: tensor<4x32xf32>, %[[W2:.*]]: tensor<4x64x32xf32>, %[[B2:.*]]: tensor<4x64xf32>, %[[W3:.*]]: tensor<4x32x64xf32>, %[[B3:.*]]: tensor<4x32xf32>)
// CHECK: deepc.moe %[[X]], %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> up(%[[W1]] : tensor<4x32x64xf32>) down(%[[W2]] : tensor<4x64x32xf32>) up_bias(%[[B1]] : tensor<4x32xf32>) down_bias(%[[B2]] : tensor<4x64xf32>) {activation = #deepc.activation<relu>, gated = false, top_k = 2 : i64}
// CHECK: deepc.moe %[[X]], %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> gate(%[[W1]] : tensor<4x32x64xf32>) up(%[[W3]] : tensor<4x32x64xf32>) down(%[[W2]] : tensor<4x64x32xf32>) gate_bias(%[[B1]] : tensor<4x32xf32>) up_bias(%[[B3]] : tensor<4x32xf32>) down_bias(%[[B2]] : tensor<4x64xf32>) {top_k = 1 : i64}
func.func @moe_biases(%x: tensor<?x64xf32>, %r: tensor<64x4xf32>, %w1: tensor<4x32x64xf32>, %b1: tensor<4x32xf32>, %w2: tensor<4x64x32xf32>, %b2: tensor<4x64xf32>, %w3: tensor<4x32x64xf32>, %b3: tensor<4x32xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x4xf32>) -> !onnx.unknown
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %b1, %w2, %b2) {k = 2 : i64} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x64xf32>) -> !onnx.unknown
  %1 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %b1, %w2, %b2, %w3, %b3) {activation_type = "swiglu"} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, tensor<4x32xf32>, tensor<4x64x32xf32>, tensor<4x64xf32>, tensor<4x32x64xf32>, tensor<4x32xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that an interleaved fused-swiglu bias (g0, u0, g1, u1, ...) is
// regrouped gate-first like its weight.
// CHECK-LABEL: func.func @moe_interleaved_bias
// CHECK-SAME: %[[B1:[a-z0-9]+]]: tensor<8x64xf32>
// CHECK: %[[S:.*]] = deepc.reshape %[[B1]] : tensor<8x64xf32> -> tensor<8x32x2xf32>
// CHECK: %[[T:.*]] = deepc.transpose %[[S]] [0, 2, 1] : tensor<8x32x2xf32>
// CHECK: %[[GUB:.*]] = deepc.reshape %[[T]] : tensor<8x2x32xf32> -> tensor<8x64xf32>
// CHECK: deepc.moe {{.*}} gate_up_bias(%[[GUB]] : tensor<8x64xf32>)
func.func @moe_interleaved_bias(%x: tensor<?x64xf32>, %r: tensor<64x8xf32>, %w1: tensor<8x64x64xf32>, %b1: tensor<8x64xf32>, %w2: tensor<8x64x32xf32>) -> !onnx.unknown {
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x8xf32>) -> !onnx.unknown
  %y = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %b1, %w2) {k = 2 : i64, activation_type = "swiglu", swiglu_fusion = 1 : i64} : (tensor<?x64xf32>, !onnx.unknown, tensor<8x64x64xf32>, tensor<8x64xf32>, tensor<8x64x32xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}
