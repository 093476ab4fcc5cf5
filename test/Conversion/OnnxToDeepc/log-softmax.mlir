// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests LogSoftmax (opset 13) along one axis in the stable form
// (x - max) - log(sum(exp(x - max))).
// CHECK-LABEL: func.func @log_softmax
// CHECK: %[[MAX:.*]] = deepc.reduce_max %arg0 axes = [1] keep_dims : tensor<?x4x8xf32>
// CHECK: %[[SHIFTED:.*]] = deepc.sub %arg0, %[[MAX]] : tensor<?x4x8xf32>, tensor<?x1x8xf32>
// CHECK: %[[EXP:.*]] = deepc.exp %[[SHIFTED]] : tensor<?x4x8xf32>
// CHECK: %[[SUM:.*]] = deepc.reduce_sum %[[EXP]] axes = [1] keep_dims : tensor<?x4x8xf32>
// CHECK: %[[LOG:.*]] = deepc.log %[[SUM]] : tensor<?x1x8xf32>
// CHECK: %[[Y:.*]] = deepc.sub %[[SHIFTED]], %[[LOG]] : tensor<?x4x8xf32>, tensor<?x1x8xf32>
// CHECK: return %[[Y]] : tensor<?x4x8xf32>
func.func @log_softmax(%x: tensor<?x4x8xf32>) -> !onnx.unknown {
  %0 = onnx.node "LogSoftmax" version 13 (%x) {axis = 1 : i64} : (tensor<?x4x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that before opset 13 the default axis 1 of a 2-D input (the last
// dim) is one axis.
// CHECK-LABEL: func.func @log_softmax_coerced
// CHECK: deepc.reduce_max %arg0 axes = [1] keep_dims : tensor<2x8xf32>
func.func @log_softmax_coerced(%x: tensor<2x8xf32>) -> !onnx.unknown {
  %0 = onnx.node "LogSoftmax" version 11 (%x) : (tensor<2x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
