// RUN: deepc-opt %s | deepc-opt | FileCheck %s

// Round trip of the generic onnx.node op.

// Tests that a default-domain node prints no domain, whether the domain is
// left out or written as "", and that "ai.onnx" is kept as written (the
// dialect records the model faithfully; isDefaultDomain treats both alike).
// CHECK-LABEL: func.func @default_domain
// CHECK-SAME: (%[[A:.*]]: tensor<?x64xf32>, %[[B:.*]]: tensor<64x64xf32>)
// CHECK: %[[Y:.*]] = onnx.node "MatMul" version 13 (%[[A]], %[[B]]) : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
// CHECK: %[[Z:.*]] = onnx.node "MatMul" version 13 (%[[Y]], %[[B]]) : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
// CHECK: %[[W:.*]] = onnx.node "Relu" domain "ai.onnx" version 14 (%[[Z]]) : (tensor<?x64xf32>) -> tensor<?x64xf32>
// CHECK: return %[[W]]
func.func @default_domain(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %0 = onnx.node "MatMul" version 13 (%a, %b) : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %1 = onnx.node "MatMul" domain "" version 13 (%0, %b) : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
  %2 = onnx.node "Relu" domain "ai.onnx" version 14 (%1) : (tensor<?x64xf32>) -> tensor<?x64xf32>
  return %2 : tensor<?x64xf32>
}

// Tests that a contrib-domain node keeps its domain and attributes (the
// example of the op description: ONNX Runtime's com.microsoft MoE).
// CHECK-LABEL: func.func @com_microsoft
// CHECK: onnx.node "MoE" domain "com.microsoft" version 1 (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) {activation_type = "silu", k = 2 : si64} : (tensor<?x64xf32>, tensor<?x8xf32>, tensor<8x64x128xf32>, tensor<8x128x64xf32>) -> tensor<?x64xf32>
func.func @com_microsoft(%x: tensor<?x64xf32>, %r: tensor<?x8xf32>, %w1: tensor<8x64x128xf32>, %w2: tensor<8x128x64xf32>) -> tensor<?x64xf32> {
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %r, %w1, %w2)
      {activation_type = "silu", k = 2 : si64}
      : (tensor<?x64xf32>, tensor<?x8xf32>, tensor<8x64x128xf32>,
         tensor<8x128x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// Tests that a node without inputs (Constant) prints an empty operand list
// and `()` as its input types, and that a node without results prints `()`.
// CHECK-LABEL: func.func @no_inputs_no_results
// CHECK: %[[C:.*]] = onnx.node "Constant" version 13 () {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
// CHECK: onnx.node "Print" domain "com.example" version 1 (%[[C]]) : (tensor<2xi64>) -> ()
func.func @no_inputs_no_results() -> tensor<2xi64> {
  %0 = onnx.node "Constant" version 13 () {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  onnx.node "Print" domain "com.example" version 1 (%0) : (tensor<2xi64>) -> ()
  return %0 : tensor<2xi64>
}

// Tests that a node with several results of different types round-trips
// (TopK: values and indices).
// CHECK-LABEL: func.func @multiple_results
// CHECK: %[[T:.*]]:2 = onnx.node "TopK" version 11 (%{{.*}}, %{{.*}}) {axis = -1 : si64, largest = 1 : si64} : (tensor<?x8xf32>, tensor<1xi64>) -> (tensor<?x2xf32>, tensor<?x2xi64>)
// CHECK: return %[[T]]#0, %[[T]]#1 : tensor<?x2xf32>, tensor<?x2xi64>
func.func @multiple_results(%x: tensor<?x8xf32>, %k: tensor<1xi64>) -> (tensor<?x2xf32>, tensor<?x2xi64>) {
  %0:2 = onnx.node "TopK" version 11 (%x, %k) {axis = -1 : si64, largest = 1 : si64}
      : (tensor<?x8xf32>, tensor<1xi64>) -> (tensor<?x2xf32>, tensor<?x2xi64>)
  return %0#0, %0#1 : tensor<?x2xf32>, tensor<?x2xi64>
}

// Tests that every kind of converted ONNX attribute round-trips in the
// attrs dictionary (printed sorted by name): ints (si64), floats (f32),
// strings, lists of each, and dense tensors, including splats.
// CHECK-LABEL: func.func @attribute_kinds
// CHECK: onnx.node "Custom" domain "com.example" version 3 (%{{[a-z0-9]+}})
// CHECK-SAME: {alpha = 5.000000e-01 : f32, dims = [1 : si64, -2 : si64], empty = [], i = 7 : si64, mode = "nearest", names = ["a", "b"], ones = dense<1.000000e+00> : tensor<2x2xf32>, scales = [1.000000e+00 : f32, 2.500000e-01 : f32], weights = dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2xi8>}
// CHECK-SAME: : (tensor<4xf32>) -> tensor<4xf32>
func.func @attribute_kinds(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.node "Custom" domain "com.example" version 3 (%x) {
      i = 7 : si64, alpha = 0.5 : f32, mode = "nearest",
      dims = [1 : si64, -2 : si64], scales = [1.0 : f32, 0.25 : f32],
      names = ["a", "b"], empty = [],
      weights = dense<[[1, 2], [3, 4]]> : tensor<2x2xi8>,
      ones = dense<1.0> : tensor<2x2xf32>}
      : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Tests that an empty attrs dictionary is kept apart from an absent one.
// CHECK-LABEL: func.func @empty_attrs
// CHECK: onnx.node "Identity" version 19 (%{{.*}}) {} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: onnx.node "Identity" version 19 (%{{.*}}) : (tensor<4xf32>) -> tensor<4xf32>
func.func @empty_attrs(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.node "Identity" version 19 (%x) {} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.node "Identity" version 19 (%0) : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Tests that a discardable attribute that is not an ONNX attribute prints
// after the `attributes` keyword, so that it does not read back as the
// ONNX attrs dictionary, with and without ONNX attributes.
// CHECK-LABEL: func.func @discardable_attributes
// CHECK: onnx.node "Relu" version 14 (%{{.*}}) attributes {deepc.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
// CHECK: onnx.node "LeakyRelu" version 16 (%{{.*}}) {alpha = 1.000000e-01 : f32} attributes {deepc.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
func.func @discardable_attributes(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.node "Relu" version 14 (%x) attributes {deepc.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
  %1 = "onnx.node"(%0) <{op_type = "LeakyRelu", version = 16 : i64, attrs = {alpha = 0.1 : f32}}> {deepc.note = "kept"} : (tensor<4xf32>) -> tensor<4xf32>
  return %1 : tensor<4xf32>
}

// Tests that inputs of different types, including non-tensor and unranked
// ones and a `none` standing for an optional input left empty, are all accepted
// (the op is opaque until legalized).
// CHECK-LABEL: func.func @variadic_mixed_types
// CHECK: onnx.node "Mixed" version 1 (%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x3xbf16>, tensor<*xf32>, tensor<i1>, i64, none) -> (tensor<?xf16>, tensor<*xi32>, f32)
func.func @variadic_mixed_types(%a: tensor<2x3xbf16>, %b: tensor<*xf32>, %c: tensor<i1>, %d: i64, %none: none) {
  %0:3 = onnx.node "Mixed" version 1 (%a, %b, %c, %d, %none)
      : (tensor<2x3xbf16>, tensor<*xf32>, tensor<i1>, i64, none) -> (tensor<?xf16>, tensor<*xi32>, f32)
  return
}

// Tests that the absent value and the unknown type round-trip: `onnx.none`
// for an omitted optional input, `none` results for omitted outputs, and
// `!onnx.unknown` for a value the file gives no type.
// CHECK-LABEL: func.func @none_and_unknown
// CHECK: %[[NONE:.*]] = onnx.none
// CHECK: %[[R:.*]]:2 = onnx.node "Clip" version 13 (%{{.*}}, %[[NONE]], %[[NONE]]) : (tensor<4xf32>, none, none) -> (!onnx.unknown, none)
// CHECK: return %[[R]]#0 : !onnx.unknown
func.func @none_and_unknown(%x: tensor<4xf32>) -> !onnx.unknown {
  %none = onnx.none
  %0:2 = onnx.node "Clip" version 13 (%x, %none, %none) : (tensor<4xf32>, none, none) -> (!onnx.unknown, none)
  return %0#0 : !onnx.unknown
}

// Tests that initializers keep dense and resource values, with signed,
// unsigned and sub-byte element types.
// CHECK-LABEL: func.func @constants
// CHECK: onnx.constant dense<[1, -1]> : tensor<2xsi64>
// CHECK: onnx.constant dense_resource<w0> : tensor<2xf32>
// CHECK: onnx.constant dense<[1, 2, 3]> : tensor<3xui4>
func.func @constants() -> (tensor<2xsi64>, tensor<2xf32>, tensor<3xui4>) {
  %0 = onnx.constant dense<[1, -1]> : tensor<2xsi64>
  %1 = onnx.constant dense_resource<w0> : tensor<2xf32>
  %2 = onnx.constant dense<[1, 2, 3]> : tensor<3xui4>
  return %0, %1, %2 : tensor<2xsi64>, tensor<2xf32>, tensor<3xui4>
}

// CHECK: dialect_resources
// CHECK: w0: "0x040000000000803F00000040"
{-#
  dialect_resources: {
    builtin: {
      w0: "0x040000000000803F00000040"
    }
  }
#-}
