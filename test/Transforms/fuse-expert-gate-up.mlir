// RUN: deepc-opt %s -split-input-file -deepc-fuse-expert-gate-up | FileCheck %s

// Tests that separate gate and up weights are stacked, gate first, into one
// w_gate_up and every other operand and attribute is kept.
// CHECK-LABEL: func.func @fuse
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[R:.*]]: tensor<8x64xf32>, %[[G:.*]]: tensor<8x128x64xf32>, %[[U:.*]]: tensor<8x128x64xf32>, %[[D:.*]]: tensor<8x64x128xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK: %[[GU:.*]] = deepc.concat %[[G]], %[[U]] axis = 1 : tensor<8x128x64xf32>, tensor<8x128x64xf32>
// CHECK: deepc.moe %[[X]], %[[R]] : tensor<?x64xf32>, tensor<8x64xf32>
// CHECK-NOT: gate(
// CHECK-NOT: up(
// CHECK-SAME: gate_up(%[[GU]] : tensor<8x256x64xf32>) down(%[[D]] : tensor<8x64x128xf32>) correction_bias(%[[B]] : tensor<8xf32>)
// CHECK-SAME: renormalize
// CHECK-SAME: top_k = 2
func.func @fuse(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %g: tensor<8x128x64xf32>,
                %u: tensor<8x128x64xf32>, %d: tensor<8x64x128xf32>, %b: tensor<8xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%g : tensor<8x128x64xf32>) up(%u : tensor<8x128x64xf32>)
      down(%d : tensor<8x64x128xf32>) correction_bias(%b : tensor<8xf32>)
      {top_k = 2 : i64, renormalize}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that an already fused layer is unchanged.
// CHECK-LABEL: func.func @already_fused
// CHECK-NOT: deepc.concat
// CHECK: gate_up(%{{.*}} : tensor<8x256x64xf32>)
func.func @already_fused(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %gu: tensor<8x256x64xf32>,
                         %d: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate_up(%gu : tensor<8x256x64xf32>) down(%d : tensor<8x64x128xf32>) {top_k = 2 : i64}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a non-gated layer, which has no gate to fuse, is unchanged.
// CHECK-LABEL: func.func @not_gated
// CHECK-NOT: deepc.concat
// CHECK: up(%{{.*}} : tensor<8x128x64xf32>) down
func.func @not_gated(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %u: tensor<8x128x64xf32>,
                     %d: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      up(%u : tensor<8x128x64xf32>) down(%d : tensor<8x64x128xf32>)
      {top_k = 2 : i64, gated = false, activation = #deepc.activation<relu>}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that gate and up biases are stacked like their weights.
// CHECK-LABEL: func.func @fuse_biases
// CHECK-SAME: %[[BG:[a-z0-9]+]]: tensor<8x128xf32>, %[[BU:[a-z0-9]+]]: tensor<8x128xf32>
// CHECK-DAG: %[[GU:.*]] = deepc.concat %{{.*}}, %{{.*}} axis = 1 : tensor<8x128x64xf32>, tensor<8x128x64xf32>
// CHECK-DAG: %[[GUB:.*]] = deepc.concat %[[BG]], %[[BU]] axis = 1 : tensor<8x128xf32>, tensor<8x128xf32>
// CHECK: deepc.moe {{.*}} gate_up(%[[GU]] : tensor<8x256x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>) gate_up_bias(%[[GUB]] : tensor<8x256xf32>) {top_k = 2 : i64}
func.func @fuse_biases(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %g: tensor<8x128x64xf32>, %u: tensor<8x128x64xf32>,
                       %d: tensor<8x64x128xf32>, %bg: tensor<8x128xf32>, %bu: tensor<8x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%g : tensor<8x128x64xf32>) up(%u : tensor<8x128x64xf32>) down(%d : tensor<8x64x128xf32>)
      gate_bias(%bg : tensor<8x128xf32>) up_bias(%bu : tensor<8x128xf32>) {top_k = 2 : i64}
  return %0 : tensor<?x64xf32>
}

// -----

// Tests that a layer with a bias on only one of gate and up stays unfused:
// the fused bias would need zeros for the other half.
// CHECK-LABEL: func.func @one_bias
// CHECK-NOT: deepc.concat
// CHECK: gate(%{{.*}}) up(%{{.*}}) down(%{{.*}}) gate_bias(
func.func @one_bias(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %g: tensor<8x128x64xf32>, %u: tensor<8x128x64xf32>,
                    %d: tensor<8x64x128xf32>, %bg: tensor<8x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%g : tensor<8x128x64xf32>) up(%u : tensor<8x128x64xf32>) down(%d : tensor<8x64x128xf32>)
      gate_bias(%bg : tensor<8x128xf32>) {top_k = 2 : i64}
  return %0 : tensor<?x64xf32>
}
