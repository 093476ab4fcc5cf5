// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that Size of a static shape is a scalar constant.
// CHECK-LABEL: func.func @size_static
// CHECK: %[[N:.*]] = deepc.constant dense<60> : tensor<i64>
// CHECK: return %[[N]] : tensor<i64>
func.func @size_static(%x: tensor<3x4x5xf32>) -> !onnx.unknown {
  %0 = onnx.node "Size" version 1 (%x) : (tensor<3x4x5xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that Size of a dynamic shape multiplies the dynamic dims from
// shape_of by the static ones (opset 21 uses the same handler).
// CHECK-LABEL: func.func @size_dynamic
// CHECK: %[[S:.*]] = deepc.shape_of %arg0 : tensor<?x4x?xf32>
// CHECK-DAG: %[[D0:.*]] = deepc.slice %[[S]] axes = [0] starts = [0] ends = [1] steps = [1]
// CHECK-DAG: %[[D2:.*]] = deepc.slice %[[S]] axes = [0] starts = [2] ends = [3] steps = [1]
// CHECK: %[[P:.*]] = deepc.mul %[[D0]], %[[D2]]
// CHECK: %[[P4:.*]] = deepc.mul %[[P]], %{{.*}}
// CHECK: %[[N:.*]] = deepc.reshape %[[P4]] : tensor<1xi64> -> tensor<i64>
// CHECK: return %[[N]] : tensor<i64>
func.func @size_dynamic(%x: tensor<?x4x?xf32>) -> !onnx.unknown {
  %0 = onnx.node "Size" version 21 (%x) : (tensor<?x4x?xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
