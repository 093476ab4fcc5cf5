// RUN: deepc %S/Inputs/com_microsoft.onnx --emit=onnx | FileCheck %s

// Tests that ONNX Runtime's com.microsoft contrib ops import like any other
// node, with the domain's opset version, their attributes and an omitted
// optional input; and that value_info gives intermediate values their type.

// CHECK: onnx.opset_imports = {ai.onnx = 17 : i64, com.microsoft = 1 : i64}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<?x8xf32> {onnx.dim_params = ["tokens", ""], onnx.name = "x"}
// CHECK-DAG: %[[NONE:.*]] = onnx.none
// CHECK-DAG: %[[ROUTER:.*]] = onnx.constant dense<{{.*}}> : tensor<8x4xf32>
// CHECK-DAG: %[[FC1:.*]] = onnx.constant dense_resource<fc1> : tensor<4x8x16xf32>
// CHECK-DAG: %[[FC2:.*]] = onnx.constant dense_resource<fc2> : tensor<4x16x8xf32>
// CHECK: %[[LOGITS:.*]] = onnx.node "MatMul" version 17 (%arg0, %[[ROUTER]]) : (tensor<?x8xf32>, tensor<8x4xf32>) -> tensor<?x4xf32>
// CHECK: %[[Y:.*]] = onnx.node "MoE" domain "com.microsoft" version 1 (%arg0, %[[LOGITS]], %[[FC1]], %[[NONE]], %[[FC2]]) {activation_type = "relu", k = 2 : i64, normalize_routing_weights = 1 : i64} : (tensor<?x8xf32>, tensor<?x4xf32>, tensor<4x8x16xf32>, none, tensor<4x16x8xf32>) -> tensor<?x8xf32>
// CHECK: return %[[Y]] : tensor<?x8xf32>
