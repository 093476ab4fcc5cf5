// RUN: deepc %S/Inputs/attributes.onnx --emit=onnx | FileCheck %s

// Tests that attributes of every kind convert (ints to i64, floats to f32,
// strings, tensors to elements attributes, lists to arrays, an empty list
// to an empty array, an int that a proto3 writer left out to 0); that an
// omitted optional input is `onnx.none` and an omitted output has type
// `none`; that other domains keep their imported version; and that a
// result's type is what the file records: ranked, unranked with a known
// element type, or `!onnx.unknown`.

// CHECK: onnx.opset_imports = {ai.onnx = 17 : i64, test.custom = 3 : i64}
// CHECK-LABEL: func.func @main(
// CHECK: %[[NONE:.*]] = onnx.none
// CHECK: %[[E:.*]]:3 = onnx.node "Everything" domain "test.custom" version 3 (%arg0, %[[NONE]], %arg0)
// CHECK-SAME: f = 2.500000e-01 : f32
// CHECK-SAME: floats = [1.000000e+00 : f32, 2.500000e+00 : f32]
// CHECK-SAME: i = -7 : i64
// CHECK-SAME: ints = [3, -4, 5]
// CHECK-SAME: s = "hello"
// CHECK-SAME: strings = ["p", "q"]
// CHECK-SAME: t = dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>
// CHECK-SAME: tensors = [dense<[1.500000e+00, -2.000000e+00]> : tensor<2xf32>, dense<{{\[\[}}1, 2], [3, 4]]> : tensor<2x2xsi64>]
// CHECK-SAME: : (tensor<2xf32>, none, tensor<2xf32>) -> (tensor<2xf32>, none, tensor<*xf32>)
// CHECK: %[[K:.*]] = onnx.node "Constant" version 17 () {value = dense<[7, 8, 9]> : tensor<3xsi32>} : () -> !onnx.unknown
// CHECK: %[[CLIP:.*]] = onnx.node "Clip" version 17 (%arg0, %[[NONE]], %[[K]]) : (tensor<2xf32>, none, !onnx.unknown) -> tensor<2xf32>
// CHECK: %[[EMPTY:.*]] = onnx.node "Everything" domain "test.custom" version 3 (%arg0) {axes = [], zero = 0 : i64} : (tensor<2xf32>) -> tensor<*xf32>
// CHECK: return %[[E]]#0, %[[CLIP]], %[[EMPTY]]
