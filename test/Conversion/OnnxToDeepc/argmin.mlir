// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that float ArgMin is the argmax of -x.
// CHECK-LABEL: func.func @argmin_float
// CHECK: %[[NEG:.*]] = deepc.neg %arg0 : tensor<3x4xf32>
// CHECK: %[[I:.*]] = deepc.argmax %[[NEG]] axis = 1 : tensor<3x4xf32>
// CHECK: return %[[I]] : tensor<3xi64>
func.func @argmin_float(%x: tensor<3x4xf32>) -> !onnx.unknown {
  %0 = onnx.node "ArgMin" version 13 (%x) {axis = 1 : i64, keepdims = 0 : i64} : (tensor<3x4xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that integer ArgMin is the argmax of -1 - x, which cannot overflow,
// and that select_last_index reverses the axis and maps the index back:
// (n - 1) - i.
// CHECK-LABEL: func.func @argmin_int_last
// CHECK: %[[M1:.*]] = deepc.constant dense<-1> : tensor<i32>
// CHECK: %[[NOT:.*]] = deepc.sub %[[M1]], %arg0 : tensor<i32>, tensor<3x?xi32>
// CHECK: %[[REV:.*]] = deepc.slice %[[NOT]] axes = [1] starts = [-1] ends = [-9223372036854775808] steps = [-1] : tensor<3x?xi32>
// CHECK: %[[I:.*]] = deepc.argmax %[[REV]] axis = 1 keep_dims : tensor<3x?xi32>
// CHECK: %[[LAST:.*]] = deepc.reshape %{{.*}} : tensor<1xi64> -> tensor<i64>
// CHECK: %[[R:.*]] = deepc.sub %[[LAST]], %[[I]] : tensor<i64>, tensor<3x1xi64>
// CHECK: return %[[R]] : tensor<3x1xi64>
func.func @argmin_int_last(%x: tensor<3x?xi32>) -> !onnx.unknown {
  %0 = onnx.node "ArgMin" version 13 (%x) {axis = -1 : i64, select_last_index = 1 : i64} : (tensor<3x?xi32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

