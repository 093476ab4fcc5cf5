// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that MatMul of matrices and batches maps to deepc.matmul with
// broadcast batch dims.
// CHECK-LABEL: func.func @matmul
// CHECK: %[[M:.*]] = deepc.matmul %{{.*}}, %{{.*}} : tensor<?x?x64xf32>, tensor<64x32xf32>
// CHECK: %[[B:.*]] = deepc.matmul %{{.*}}, %{{.*}} : tensor<2x1x4x8xf32>, tensor<3x8x5xf32>
// CHECK: return %[[M]], %[[B]] : tensor<?x?x32xf32>, tensor<2x3x4x5xf32>
func.func @matmul(%x: tensor<?x?x64xf32>, %w: tensor<64x32xf32>, %a: tensor<2x1x4x8xf32>, %b: tensor<3x8x5xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "MatMul" version 13 (%x, %w) : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> !onnx.unknown
  %1 = onnx.node "MatMul" version 9 (%a, %b) : (tensor<2x1x4x8xf32>, tensor<3x8x5xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests numpy's 1-D rules: a 1-D lhs is a row and a 1-D rhs a column,
// whose extra dim is dropped again.
// CHECK-LABEL: func.func @matmul_vectors
// CHECK-SAME: (%[[V:.*]]: tensor<8xf32>, %[[M:.*]]: tensor<8x4xf32>, %[[N:.*]]: tensor<3x8xf32>)
// CHECK: %[[R:.*]] = deepc.reshape %[[V]] : tensor<8xf32> -> tensor<1x8xf32>
// CHECK: %[[P:.*]] = deepc.matmul %[[R]], %[[M]] : tensor<1x8xf32>, tensor<8x4xf32>
// CHECK: %[[A:.*]] = deepc.reshape %[[P]] : tensor<1x4xf32> -> tensor<4xf32>
// CHECK: %[[C:.*]] = deepc.reshape %[[V]] : tensor<8xf32> -> tensor<8x1xf32>
// CHECK: %[[Q:.*]] = deepc.matmul %[[N]], %[[C]] : tensor<3x8xf32>, tensor<8x1xf32>
// CHECK: %[[B:.*]] = deepc.reshape %[[Q]] : tensor<3x1xf32> -> tensor<3xf32>
// CHECK: %[[D:.*]] = deepc.matmul %{{.*}}, %{{.*}} : tensor<1x8xf32>, tensor<8x1xf32>
// CHECK: %[[E:.*]] = deepc.reshape %[[D]] : tensor<1x1xf32> -> tensor<f32>
// CHECK: return %[[A]], %[[B]], %[[E]] : tensor<4xf32>, tensor<3xf32>, tensor<f32>
func.func @matmul_vectors(%v: tensor<8xf32>, %m: tensor<8x4xf32>, %n: tensor<3x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "MatMul" version 13 (%v, %m) : (tensor<8xf32>, tensor<8x4xf32>) -> !onnx.unknown
  %1 = onnx.node "MatMul" version 13 (%n, %v) : (tensor<3x8xf32>, tensor<8xf32>) -> !onnx.unknown
  %2 = onnx.node "MatMul" version 13 (%v, %v) : (tensor<8xf32>, tensor<8xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests Gemm with transposed operands, alpha, beta and a broadcast C.
// CHECK-LABEL: func.func @gemm
// CHECK-SAME: (%[[A:.*]]: tensor<8x4xf32>, %[[B:.*]]: tensor<16x8xf32>, %[[C:.*]]: tensor<16xf32>)
// CHECK: %[[P:.*]] = deepc.matmul %[[A]], %[[B]] transpose_lhs transpose_rhs : tensor<8x4xf32>, tensor<16x8xf32>
// CHECK: %[[AL:.*]] = deepc.constant dense<5.000000e-01> : tensor<f32>
// CHECK: %[[S:.*]] = deepc.mul %[[P]], %[[AL]]
// CHECK: %[[BE:.*]] = deepc.constant dense<2.000000e+00> : tensor<f32>
// CHECK: %[[SC:.*]] = deepc.mul %[[C]], %[[BE]]
// CHECK: %[[R:.*]] = deepc.add %[[S]], %[[SC]] : tensor<4x16xf32>, tensor<16xf32>
// CHECK: return %[[R]] : tensor<4x16xf32>
func.func @gemm(%a: tensor<8x4xf32>, %b: tensor<16x8xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = onnx.node "Gemm" version 13 (%a, %b, %c) {alpha = 0.5 : f32, beta = 2.0 : f32, transA = 1 : i64, transB = 1 : i64} : (tensor<8x4xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Tests Gemm without C and with the default alpha: a plain matmul.
// CHECK-LABEL: func.func @gemm_no_c
// CHECK: %[[P:.*]] = deepc.matmul %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<8x16xf32>
// CHECK-NOT: deepc.mul
// CHECK-NOT: deepc.add
// CHECK: return %[[P]]
func.func @gemm_no_c(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>) -> !onnx.unknown {
  %0 = onnx.node "Gemm" version 11 (%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
