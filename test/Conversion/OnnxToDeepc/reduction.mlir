// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests ReduceSum with axes as an input (opset 13) and as an attribute
// (opset 11), with and without keepdims.
// CHECK-LABEL: func.func @reduce_sum
// CHECK: %[[A:.*]] = deepc.reduce_sum %{{.*}} axes = [2] keep_dims : tensor<2x3x4xf32>
// CHECK: %[[B:.*]] = deepc.reduce_sum %{{.*}} axes = [0, 1] : tensor<2x3x4xf32>
// CHECK: return %[[A]], %[[B]] : tensor<2x3x1xf32>, tensor<4xf32>
func.func @reduce_sum(%x: tensor<2x3x4xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %axes = onnx.constant dense<[-1]> : tensor<1xsi64>
  %0 = onnx.node "ReduceSum" version 13 (%x, %axes) : (tensor<2x3x4xf32>, tensor<1xsi64>) -> !onnx.unknown
  %1 = onnx.node "ReduceSum" version 11 (%x) {axes = [0, 1], keepdims = 0 : i64} : (tensor<2x3x4xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that without axes a reduction covers every dim, unless
// noop_with_empty_axes passes the input through.
// CHECK-LABEL: func.func @reduce_empty_axes
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>)
// CHECK: %[[A:.*]] = deepc.reduce_sum %[[X]] axes = [0, 1] keep_dims : tensor<2x3xf32>
// CHECK: return %[[A]], %[[X]]
func.func @reduce_empty_axes(%x: tensor<2x3xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %none = onnx.none
  %0 = onnx.node "ReduceSum" version 13 (%x) : (tensor<2x3xf32>) -> !onnx.unknown
  %1 = onnx.node "ReduceSum" version 13 (%x, %none) {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, none) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests ReduceMean/Max/Min/Prod with attribute axes before opset 18 and
// input axes from 18.
// CHECK-LABEL: func.func @reduce_versions
// CHECK: deepc.reduce_mean %{{.*}} axes = [1] keep_dims : tensor<?x8xf32>
// CHECK: deepc.reduce_mean %{{.*}} axes = [1] keep_dims : tensor<?x8xf32>
// CHECK: deepc.reduce_max %{{.*}} axes = [1] : tensor<?x8xf32>
// CHECK: deepc.reduce_min %{{.*}} axes = [1] keep_dims : tensor<?x8xf32>
// CHECK: deepc.reduce_prod %{{.*}} axes = [1] keep_dims : tensor<?x8xf32>
// CHECK-NOT: onnx.
func.func @reduce_versions(%x: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %axes = onnx.constant dense<[1]> : tensor<1xsi64>
  %0 = onnx.node "ReduceMean" version 13 (%x) {axes = [1]} : (tensor<?x8xf32>) -> !onnx.unknown
  %1 = onnx.node "ReduceMean" version 18 (%x, %axes) : (tensor<?x8xf32>, tensor<1xsi64>) -> !onnx.unknown
  %2 = onnx.node "ReduceMax" version 20 (%x, %axes) {keepdims = 0 : i64} : (tensor<?x8xf32>, tensor<1xsi64>) -> !onnx.unknown
  %3 = onnx.node "ReduceMin" version 18 (%x, %axes) : (tensor<?x8xf32>, tensor<1xsi64>) -> !onnx.unknown
  %4 = onnx.node "ReduceProd" version 18 (%x, %axes) : (tensor<?x8xf32>, tensor<1xsi64>) -> !onnx.unknown
  return %0, %1, %2, %3, %4 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that ReduceProd of a shape folds to a symbolic element count that
// a Reshape target can use.
// CHECK-LABEL: func.func @reduce_prod_of_shape
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x16xf32>)
// CHECK-NOT: deepc.reduce_prod
// CHECK: deepc.reshape %[[X]] : tensor<?x4x16xf32> -> tensor<?xf32>
func.func @reduce_prod_of_shape(%x: tensor<?x4x16xf32>) -> !onnx.unknown {
  %s = onnx.node "Shape" version 13 (%x) : (tensor<?x4x16xf32>) -> !onnx.unknown
  %n = onnx.node "ReduceProd" version 13 (%s) {keepdims = 1 : i64} : (!onnx.unknown) -> !onnx.unknown
  %r = onnx.node "Reshape" version 14 (%x, %n) : (tensor<?x4x16xf32>, !onnx.unknown) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests ArgMax with keepdims and a negative axis.
// CHECK-LABEL: func.func @argmax
// CHECK: %[[A:.*]] = deepc.argmax %{{.*}} axis = 1 keep_dims : tensor<4x256xf32>
// CHECK: %[[B:.*]] = deepc.argmax %{{.*}} axis = 1 : tensor<4x256xf32>
// CHECK: return %[[A]], %[[B]] : tensor<4x1xi64>, tensor<4xi64>
func.func @argmax(%x: tensor<4x256xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "ArgMax" version 13 (%x) {axis = -1 : i64} : (tensor<4x256xf32>) -> !onnx.unknown
  %1 = onnx.node "ArgMax" version 13 (%x) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<4x256xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}
