// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Nodes that have a handler but cannot be legalized: each gets one error
// naming the node and the reason, and the pass fails without crashing.

// Tests that a Reshape target computed at run time is refused: deepc's
// reshape needs to know which entries are 0 or -1.
func.func @reshape_runtime_target(%x: tensor<?x64xf32>, %s: tensor<2xsi64>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Reshape node (opset 14): input 1 (shape) must be known at compile time (a constant or computed from tensor shapes), but it is computed at run time}}
  %0 = onnx.node "Reshape" version 14 (%x, %s) : (tensor<?x64xf32>, tensor<2xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a missing required input (passed as onnx.none) is reported.
func.func @missing_input(%x: tensor<4xf32>) -> !onnx.unknown {
  %none = onnx.none
  // expected-error @+1 {{cannot legalize ONNX Reshape node (opset 14): missing required input 1 (shape)}}
  %0 = onnx.node "Reshape" version 14 (%x, %none) : (tensor<4xf32>, none) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a wrong number of inputs is reported.
func.func @arity(%x: tensor<4xf32>) -> (!onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX Add node (opset 14): expects 2 inputs, got 3}}
  %0 = onnx.node "Add" version 14 (%x, %x, %x) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX Gather node (opset 13): expects 2 inputs, got 1}}
  %1 = onnx.node "Gather" version 13 (%x) : (tensor<4xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that an axis out of range is reported with the valid range.
func.func @softmax_axis(%x: tensor<4x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Softmax node (opset 13): axis 5 is out of range for rank 2 (expected -2 to 1)}}
  %0 = onnx.node "Softmax" version 13 (%x) {axis = 5 : i64} : (tensor<4x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that Softmax before opset 13 along a non-last axis is refused: it
// normalizes over the flattened trailing dims, which deepc.softmax cannot.
func.func @softmax_coerced(%x: tensor<2x4x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Softmax node (opset 11): before opset 13 Softmax normalizes over all dims from axis 1 on; deepc supports that only when axis is the last dim}}
  %0 = onnx.node "Softmax" version 11 (%x) : (tensor<2x4x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a Cast to a type deepc lacks names the type.
func.func @cast_double(%x: tensor<4xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Cast node (opset 13): cannot cast to DOUBLE (data type 11); deepc supports FLOAT, FLOAT16, BFLOAT16, FLOAT8E4M3FN, BOOL, INT4, INT8, INT32 and INT64}}
  %0 = onnx.node "Cast" version 13 (%x) {to = 11 : i64} : (tensor<4xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that a graph input of unknown rank is reported once, not again at
// each node that reads it.
// expected-error @+1 {{cannot legalize graph input 0 of type 'tensor<*xf32>': deepc needs its rank}}
func.func @unranked_input(%x: tensor<*xf32>) -> !onnx.unknown {
  %0 = onnx.node "Relu" version 14 (%x) : (tensor<*xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that an unsupported element type of a graph input is reported.
// expected-error @+1 {{cannot legalize graph input 0 of type 'tensor<4xf64>': deepc has no element type 'f64' (f32, f16, bf16, f8E4M3FN, i1, i4, i8, i32, i64)}}
func.func @f64_input(%x: tensor<4xf64>) -> tensor<4xf64> {
  return %x : tensor<4xf64>
}

// -----

// Tests that deepc's own checks (here: exp of integers, and shapes that do
// not broadcast) become errors at the node, and that every failing node
// of a function is reported, while a consumer of a failed node is not.
func.func @deepc_checks(%i: tensor<4xsi64>, %a: tensor<4xf32>, %b: tensor<3xf32>) -> (!onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX Exp node (opset 13): 'deepc.exp' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi64>'}}
  %0 = onnx.node "Exp" version 13 (%i) : (tensor<4xsi64>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX Add node (opset 14): 'deepc.add' op operand shapes 4 and 3 do not broadcast: dimensions must be equal or 1}}
  %1 = onnx.node "Add" version 14 (%a, %b) : (tensor<4xf32>, tensor<3xf32>) -> !onnx.unknown
  %2 = onnx.node "Relu" version 14 (%1) : (!onnx.unknown) -> !onnx.unknown
  return %0, %2 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that a declared output type that contradicts the computed one is
// reported rather than silently replaced.
func.func @declared_type_mismatch(%x: tensor<4xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{cannot legalize ONNX Relu node (opset 14): output 0 is declared 'tensor<8xf32>' but computes 'tensor<4xf32>'}}
  %0 = onnx.node "Relu" version 14 (%x) : (tensor<4xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Tests attribute checks: wrong kind, not a permutation, unsupported value.
func.func @bad_attributes(%x: tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX Transpose node (opset 13): attribute 'perm' must be a list of integers, got "abc"}}
  %0 = onnx.node "Transpose" version 13 (%x) {perm = "abc"} : (tensor<4x8xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX Transpose node (opset 13): attribute 'perm' is not a permutation of 0..1}}
  %1 = onnx.node "Transpose" version 13 (%x) {perm = [0, 0]} : (tensor<4x8xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX ArgMax node (opset 13): select_last_index = 1 is not supported; deepc.argmax returns the first maximum}}
  %2 = onnx.node "ArgMax" version 13 (%x) {select_last_index = 1 : i64} : (tensor<4x8xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX Gelu node (opset 20): attribute 'approximate' must be "none" or "tanh", got "fast"}}
  %3 = onnx.node "Gelu" version 20 (%x) {approximate = "fast"} : (tensor<4x8xf32>) -> !onnx.unknown
  return %0, %1, %2, %3 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Slice bounds computed at run time are refused.
func.func @slice_runtime_starts(%x: tensor<8xf32>, %s: tensor<1xsi64>) -> !onnx.unknown {
  %e = onnx.constant dense<[4]> : tensor<1xsi64>
  // expected-error @+1 {{cannot legalize ONNX Slice node (opset 13): input 1 (starts) must be known at compile time (a constant or computed from tensor shapes), but it is computed at run time}}
  %0 = onnx.node "Slice" version 13 (%x, %s, %e) : (tensor<8xf32>, tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests shape errors the handlers catch: squeezing a dim that is not 1,
// two -1s, an out-of-range constant index, and a LayerNormalization over
// several dims.
func.func @shape_errors(%x: tensor<4x8xf32>, %w: tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %a = onnx.constant dense<[0]> : tensor<1xsi64>
  // expected-error @+1 {{cannot legalize ONNX Squeeze node (opset 13): cannot squeeze axis 0 of size 4}}
  %0 = onnx.node "Squeeze" version 13 (%x, %a) : (tensor<4x8xf32>, tensor<1xsi64>) -> !onnx.unknown
  %t = onnx.constant dense<[-1, -1]> : tensor<2xsi64>
  // expected-error @+1 {{cannot legalize ONNX Reshape node (opset 14): the target shape has more than one -1}}
  %1 = onnx.node "Reshape" version 14 (%x, %t) : (tensor<4x8xf32>, tensor<2xsi64>) -> !onnx.unknown
  %i = onnx.constant dense<9> : tensor<si64>
  // expected-error @+1 {{cannot legalize ONNX Gather node (opset 13): index 9 is out of range for axis 1 of size 8}}
  %2 = onnx.node "Gather" version 13 (%x, %i) {axis = 1 : i64} : (tensor<4x8xf32>, tensor<si64>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX LayerNormalization node (opset 17): axis 0 normalizes over several dims; deepc normalizes over the last dim only}}
  %3 = onnx.node "LayerNormalization" version 17 (%x, %w) {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>) -> !onnx.unknown
  return %0, %1, %2, %3 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that a Range of a non-scalar is refused, and a Constant node
// without a value.
func.func @range_vector(%x: tensor<?xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %z = onnx.constant dense<0> : tensor<si64>
  %v = onnx.constant dense<[4]> : tensor<1xsi64>
  %one = onnx.constant dense<1> : tensor<si64>
  // expected-error @+1 {{cannot legalize ONNX Range node (opset 11): input 1 (limit) must be a scalar, got 'tensor<1xi64>'}}
  %0 = onnx.node "Range" version 11 (%z, %v, %one) : (tensor<si64>, tensor<1xsi64>, tensor<si64>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX Constant node (opset 13): needs exactly one of the attributes value, value_float, value_floats, value_int, value_ints}}
  %1 = onnx.node "Constant" version 13 () : () -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that an initializer of a type deepc lacks is reported when used.
func.func @f64_initializer() -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize initializer of type 'tensor<2xf64>': deepc has no such element type (f32, f16, bf16, f8E4M3FN, i1, i4, i8, i32, i64)}}
  %c = onnx.constant dense<[1.0, 2.0]> : tensor<2xf64>
  %0 = onnx.node "Relu" version 14 (%c) : (tensor<2xf64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that IsNaN of integers is refused: ONNX defines it for floats only.
func.func @is_nan_int(%x: tensor<4xsi64>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX IsNaN node (opset 13): input 0 (X) must hold floats, got 'tensor<4xi64>'}}
  %0 = onnx.node "IsNaN" version 13 (%x) : (tensor<4xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that Split sizes computed at run time are refused: each output is
// a deepc.slice with constant bounds.
func.func @split_runtime_sizes(%x: tensor<?x8xf32>, %s: tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX Split node (opset 13): input 1 (split) must be known at compile time (a constant or computed from tensor shapes), but it is computed at run time}}
  %0:2 = onnx.node "Split" version 13 (%x, %s) {axis = 1 : i64} : (tensor<?x8xf32>, tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Split sizes that depend on a dynamic dim are refused.
func.func @split_symbolic_sizes(%x: tensor<?x?xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %s = onnx.node "Shape" version 15 (%x) : (tensor<?x?xf32>) -> tensor<2xsi64>
  // expected-error @+1 {{cannot legalize ONNX Split node (opset 13): input 1 (split) must hold constant sizes, but they depend on a dynamic dim}}
  %0:2 = onnx.node "Split" version 13 (%x, %s) {axis = 1 : i64} : (tensor<?x?xf32>, tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that an equal Split of a dynamic dim is refused: the part sizes
// would only be known at run time.
func.func @split_dynamic_equal(%x: tensor<4x?xf32>) -> (!onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX Split node (opset 18): cannot split dynamic dim 1 of 'tensor<4x?xf32>' into 2 equal parts: deepc needs the sizes at compile time}}
  %0:2 = onnx.node "Split" version 18 (%x) {axis = 1 : i64, num_outputs = 2 : i64} : (tensor<4x?xf32>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that Split sizes must cover the dim, and that opset 18 needs
// sizes or num_outputs.
func.func @split_bad_sizes(%x: tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %s = onnx.constant dense<[3, 4]> : tensor<2xsi64>
  // expected-error @+1 {{cannot legalize ONNX Split node (opset 13): split sizes add up to 7 but dim 1 of the input is 8}}
  %0:2 = onnx.node "Split" version 13 (%x, %s) {axis = 1 : i64} : (tensor<4x8xf32>, tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown)
  // expected-error @+1 {{cannot legalize ONNX Split node (opset 18): needs input 1 (split) or attribute 'num_outputs'}}
  %1:2 = onnx.node "Split" version 18 (%x) {axis = 1 : i64} : (tensor<4x8xf32>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1, %1#0, %1#1 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that a Slice bound that depends on dims and may be negative is
// refused: ONNX would count it from the end, which only a run-time bound
// could express.
func.func @slice_symbolic_negative(%x: tensor<?x?xf32>, %t: tensor<1x256xf32>) -> !onnx.unknown {
  %one = onnx.constant dense<1> : tensor<1xsi64>
  %ax = onnx.constant dense<1> : tensor<1xsi64>
  %s = onnx.node "Shape" version 15 (%x) {start = 1 : i64} : (tensor<?x?xf32>) -> tensor<1xsi64>
  %e = onnx.node "Sub" version 14 (%s, %one) : (tensor<1xsi64>, tensor<1xsi64>) -> tensor<1xsi64>
  %z = onnx.constant dense<0> : tensor<1xsi64>
  // expected-error @+1 {{cannot legalize ONNX Slice node (opset 13): input 2 (ends) depends on a dynamic dim and may be negative; deepc needs a constant, the sliced dim plus a constant, or a non-negative product of dims}}
  %0 = onnx.node "Slice" version 13 (%t, %z, %e, %ax) : (tensor<1x256xf32>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
