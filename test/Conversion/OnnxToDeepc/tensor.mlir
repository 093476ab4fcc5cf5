// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that initializers become deepc constants with signless types, and
// that unused ones and onnx.none disappear.
// CHECK-LABEL: func.func @initializers
// CHECK-SAME: (%[[X:.*]]: tensor<2xi64>) -> tensor<2xi64>
// CHECK: %[[C:.*]] = deepc.constant dense<[1, -1]> : tensor<2xi64>
// CHECK: %[[A:.*]] = deepc.add %[[X]], %[[C]]
// CHECK-NOT: onnx.
func.func @initializers(%x: tensor<2xsi64>) -> !onnx.unknown {
  %none = onnx.none
  %c = onnx.constant dense<[1, -1]> : tensor<2xsi64>
  %unused = onnx.constant dense<1.0> : tensor<3xf64>
  %0 = onnx.node "Add" version 14 (%x, %c) : (tensor<2xsi64>, tensor<2xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests Cast to each deepc element type, and that Cast of a shape to i32
// and back folds.
// CHECK-LABEL: func.func @cast
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xf16>
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xbf16>
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xi1>
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xi8>
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xi64>
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xf8E4M3FN>
// CHECK: %[[S:.*]] = deepc.constant dense<[2, 3]> : tensor<2xi32>
// CHECK: return {{.*}}, %[[S]], %{{.*}} :
func.func @cast(%x: tensor<4xf32>, %y: tensor<2x3xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Cast" version 13 (%x) {to = 10 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %1 = onnx.node "Cast" version 13 (%x) {to = 16 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %2 = onnx.node "Cast" version 19 (%x) {to = 9 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %3 = onnx.node "Cast" version 21 (%x) {to = 3 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %4 = onnx.node "Cast" version 6 (%x) {to = 7 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %5 = onnx.node "Cast" version 19 (%x) {to = 17 : i64, saturate = 1 : i64} : (tensor<4xf32>) -> !onnx.unknown
  %s = onnx.node "Shape" version 13 (%y) : (tensor<2x3xf32>) -> !onnx.unknown
  %6 = onnx.node "Cast" version 13 (%s) {to = 6 : i64} : (!onnx.unknown) -> !onnx.unknown
  %7 = onnx.node "Cast" version 13 (%x) {to = 1 : i64} : (tensor<4xf32>) -> !onnx.unknown
  return %0, %1, %2, %3, %4, %5, %6, %7 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests CastLike, which takes the target type from its second input.
// CHECK-LABEL: func.func @cast_like
// CHECK: deepc.cast %{{.*}} : tensor<4xf32> to tensor<4xbf16>
func.func @cast_like(%x: tensor<4xf32>, %t: tensor<1xbf16>) -> !onnx.unknown {
  %0 = onnx.node "CastLike" version 15 (%x, %t) : (tensor<4xf32>, tensor<1xbf16>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests each form of the Constant node.
// CHECK-LABEL: func.func @constant_node
// CHECK-DAG: deepc.constant dense<[1, 2]> : tensor<2xi32>
// CHECK-DAG: deepc.constant dense<2.500000e+00> : tensor<f32>
// CHECK-DAG: deepc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: deepc.constant dense<7> : tensor<i64>
// CHECK-DAG: deepc.constant dense<[3, 4]> : tensor<2xi64>
func.func @constant_node() -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Constant" version 13 () {value = dense<[1, 2]> : tensor<2xsi32>} : () -> !onnx.unknown
  %1 = onnx.node "Constant" version 13 () {value_float = 2.5 : f32} : () -> !onnx.unknown
  %2 = onnx.node "Constant" version 13 () {value_floats = [1.0 : f32, 2.0 : f32]} : () -> !onnx.unknown
  %3 = onnx.node "Constant" version 19 () {value_int = 7 : i64} : () -> !onnx.unknown
  %4 = onnx.node "Constant" version 21 () {value_ints = [3, 4]} : () -> !onnx.unknown
  return %0, %1, %2, %3, %4 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests Softmax: opset 13 along any axis; before 13 only along the last dim,
// where the 2-D coercion is the same thing (the default axis 1 of a
// matrix).
// CHECK-LABEL: func.func @softmax
// CHECK: deepc.softmax %{{.*}} axis = 1 : tensor<2x4x8xf32>
// CHECK: deepc.softmax %{{.*}} axis = 2 : tensor<2x4x8xf32>
// CHECK: deepc.softmax %{{.*}} axis = 1 : tensor<4x8xf32>
func.func @softmax(%x: tensor<2x4x8xf32>, %y: tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Softmax" version 13 (%x) {axis = 1 : i64} : (tensor<2x4x8xf32>) -> !onnx.unknown
  %1 = onnx.node "Softmax" version 13 (%x) : (tensor<2x4x8xf32>) -> !onnx.unknown
  %2 = onnx.node "Softmax" version 11 (%y) : (tensor<4x8xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Dropout at inference is the identity.
// CHECK-LABEL: func.func @dropout
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @dropout(%x: tensor<4xf32>) -> !onnx.unknown {
  %0:2 = onnx.node "Dropout" version 13 (%x) : (tensor<4xf32>) -> (!onnx.unknown, none)
  return %0#0 : !onnx.unknown
}
