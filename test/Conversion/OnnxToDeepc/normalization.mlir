// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests LayerNormalization over the last dim, with and without a bias,
// and with the unused Mean/InvStdDev outputs declared.
// CHECK-LABEL: func.func @layer_norm
// CHECK: %[[A:.*]] = deepc.layer_norm %{{.*}} weight %{{.*}} : tensor<64xf32> bias %{{.*}} : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<?x?x64xf32>
// CHECK: %[[B:.*]] = deepc.layer_norm %[[A]] weight %{{.*}} : tensor<64xf32> epsilon = 1.000000e-03 : tensor<?x?x64xf32>
// CHECK: return %[[B]]
func.func @layer_norm(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> !onnx.unknown {
  %0:3 = onnx.node "LayerNormalization" version 17 (%x, %w, %b) {axis = -1 : i64} : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown)
  %1 = onnx.node "LayerNormalization" version 17 (%0#0, %w) {axis = 2 : i64, epsilon = 1.0e-3 : f32} : (!onnx.unknown, tensor<64xf32>) -> !onnx.unknown
  return %1 : !onnx.unknown
}

// -----

// Tests that a [1, D] scale is brought to [D].
// CHECK-LABEL: func.func @layer_norm_2d_scale
// CHECK: %[[W:.*]] = deepc.reshape %{{.*}} : tensor<1x64xf32> -> tensor<64xf32>
// CHECK: deepc.layer_norm %{{.*}} weight %[[W]] : tensor<64xf32>
func.func @layer_norm_2d_scale(%x: tensor<4x64xf32>, %w: tensor<1x64xf32>) -> !onnx.unknown {
  %0 = onnx.node "LayerNormalization" version 17 (%x, %w) : (tensor<4x64xf32>, tensor<1x64xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests RMSNormalization (opset 23).
// CHECK-LABEL: func.func @rms_norm
// CHECK: deepc.rms_norm %{{.*}}, %{{.*}} epsilon = 9.99999997E-7 : tensor<?x64xf32>, tensor<64xf32>
func.func @rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>) -> !onnx.unknown {
  %0 = onnx.node "RMSNormalization" version 23 (%x, %w) {epsilon = 1.0e-6 : f32} : (tensor<?x64xf32>, tensor<64xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
