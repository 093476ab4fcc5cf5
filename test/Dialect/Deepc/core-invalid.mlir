// RUN: deepc-opt %s -split-input-file -verify-diagnostics

// Tests that binary operands must broadcast.
func.func @add_shapes_do_not_broadcast(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'deepc.add' op operand shapes 2x3 and 4x3 do not broadcast: dimensions must be equal or 1}}
  %0 = deepc.add %a, %b : tensor<2x3xf32>, tensor<4x3xf32>
  return
}

// -----

// Tests that binary operands share one element type.
func.func @add_mixed_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'deepc.add' op requires the same element type for all operands}}
  %0 = "deepc.add"(%a, %b) : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

// Tests that floor-mod (fmod = false, the default) is refused on floats.
func.func @mod_float_needs_fmod(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.mod' op with 'f32' operands needs fmod = true (C fmod, the dividend's sign); fmod = false (the divisor's sign) is for integers only}}
  %0 = deepc.mod %a, %b : tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that mod refuses bools.
func.func @mod_bool(%a: tensor<4xi1>, %b: tensor<4xi1>) {
  // expected-error @+1 {{'deepc.mod' op expects integer or float operands, got 'i1'}}
  %0 = deepc.mod %a, %b fmod = true : tensor<4xi1>, tensor<4xi1>
  return
}

// -----

// Tests that a declared result type must agree with the inferred broadcast.
func.func @add_wrong_result(%a: tensor<4x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{'deepc.add' op inferred type(s) 'tensor<4x3xf32>' are incompatible with return type(s) of operation 'tensor<4x5xf32>'}}
  // expected-error @+1 {{'deepc.add' op failed to infer returned types}}
  %0 = "deepc.add"(%a, %b) : (tensor<4x3xf32>, tensor<3xf32>) -> tensor<4x5xf32>
  return
}

// -----

// Tests that transcendental ops take floats only.
func.func @exp_of_integers(%a: tensor<4xi32>) {
  // expected-error @+1 {{'deepc.exp' op operand #0 must be ranked tensor of floating-point values}}
  %0 = "deepc.exp"(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return
}

// -----

// Tests that f64 is not a deepc element type.
func.func @f64_rejected(%a: tensor<4xf64>) {
  // expected-error @+1 {{'deepc.neg' op operand #0 must be ranked tensor of deepc element type values}}
  %0 = "deepc.neg"(%a) : (tensor<4xf64>) -> tensor<4xf64>
  return
}

// -----

// Tests that comparisons broadcast too.
func.func @less_shapes(%a: tensor<3xi64>, %b: tensor<4xi64>) {
  // expected-error @+1 {{'deepc.less' op operand shapes 3 and 4 do not broadcast}}
  %0 = deepc.less %a, %b : tensor<3xi64>, tensor<4xi64>
  return
}

// -----

// Tests that select needs an i1 condition.
func.func @select_non_bool(%c: tensor<4xf32>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.select' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = "deepc.select"(%c, %a, %a) : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that all three select operands broadcast together.
func.func @select_shapes(%c: tensor<5xi1>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.select' op operand shapes 5 and 4 do not broadcast}}
  %0 = deepc.select %c, %a, %a : tensor<5xi1>, tensor<4xf32>, tensor<4xf32>
  return
}

// -----

// Tests that matmul wants matrices.
func.func @matmul_vector(%a: tensor<64xf32>, %b: tensor<64x8xf32>) {
  // expected-error @+1 {{'deepc.matmul' op operands must have rank 2 or more (reshape vectors first), got 64 and 64x8}}
  %0 = deepc.matmul %a, %b : tensor<64xf32>, tensor<64x8xf32>
  return
}

// -----

// Tests that contraction dimensions must agree.
func.func @matmul_k_mismatch(%a: tensor<4x64xf32>, %b: tensor<32x8xf32>) {
  // expected-error @+1 {{'deepc.matmul' op contraction dimensions differ: lhs has K = 64 but rhs has K = 32}}
  %0 = deepc.matmul %a, %b : tensor<4x64xf32>, tensor<32x8xf32>
  return
}

// -----

// Tests that transpose_rhs changes which dimension is K.
func.func @matmul_k_mismatch_transposed(%a: tensor<4x64xf32>, %b: tensor<64x8xf32>) {
  // expected-error @+1 {{'deepc.matmul' op contraction dimensions differ: lhs has K = 64 but rhs has K = 8}}
  %0 = deepc.matmul %a, %b transpose_rhs : tensor<4x64xf32>, tensor<64x8xf32>
  return
}

// -----

// Tests that batch dimensions must broadcast.
func.func @matmul_batch(%a: tensor<2x4x8xf32>, %b: tensor<3x8x4xf32>) {
  // expected-error @+1 {{'deepc.matmul' op batch dimensions 2 and 3 do not broadcast}}
  %0 = deepc.matmul %a, %b : tensor<2x4x8xf32>, tensor<3x8x4xf32>
  return
}

// -----

// Tests that matmul operands share an element type.
func.func @matmul_mixed(%a: tensor<4x8xf32>, %b: tensor<8x4xbf16>) {
  // expected-error @+1 {{'deepc.matmul' op requires the same element type for all operands}}
  %0 = "deepc.matmul"(%a, %b) : (tensor<4x8xf32>, tensor<8x4xbf16>) -> tensor<4x4xf32>
  return
}

// -----

// Tests that a reduction names at least one axis.
func.func @reduce_no_axes(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.reduce_sum' op needs at least one axis to reduce}}
  %0 = deepc.reduce_sum %x axes = [] : tensor<4x8xf32>
  return
}

// -----

// Tests that reduction axes are in range.
func.func @reduce_axis_range(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.reduce_max' op axis 2 is out of range for rank 2}}
  %0 = deepc.reduce_max %x axes = [2] : tensor<4x8xf32>
  return
}

// -----

// Tests that a reduction axis is listed once, counting negative spellings.
func.func @reduce_axis_twice(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.reduce_mean' op axis -1 is listed more than once}}
  %0 = deepc.reduce_mean %x axes = [1, -1] : tensor<4x8xf32>
  return
}

// -----

// Tests that argmax checks its axis.
func.func @argmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.argmax' op axis -3 is out of range for rank 2}}
  %0 = deepc.argmax %x axis = -3 : tensor<4x8xf32>
  return
}

// -----

// Tests that softmax checks its axis.
func.func @softmax_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.softmax' op axis 2 is out of range for rank 2}}
  %0 = deepc.softmax %x axis = 2 : tensor<4x8xf32>
  return
}

// -----

// Tests that gather needs something to index.
func.func @gather_scalar(%x: tensor<f32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{'deepc.gather' op cannot gather from a scalar}}
  %0 = deepc.gather %x[%i] axis = 0 : tensor<f32>, tensor<2xi64>
  return
}

// -----

// Tests that gather checks its axis.
func.func @gather_axis(%x: tensor<256x64xf32>, %i: tensor<2xi64>) {
  // expected-error @+1 {{'deepc.gather' op axis 2 is out of range for data of rank 2}}
  %0 = deepc.gather %x[%i] axis = 2 : tensor<256x64xf32>, tensor<2xi64>
  return
}

// -----

// Tests that gather indices are integers.
func.func @gather_float_indices(%x: tensor<256x64xf32>, %i: tensor<2xf32>) {
  // expected-error @+1 {{'deepc.gather' op operand #1 must be ranked tensor of 32- or 64-bit index integer values}}
  %0 = "deepc.gather"(%x, %i) {axis = 0 : i64} : (tensor<256x64xf32>, tensor<2xf32>) -> tensor<2x64xf32>
  return
}

// -----

// Tests that scatter indices hold index tuples in their last dimension.
func.func @scatter_scalar_indices(%d: tensor<16x64xf32>, %i: tensor<i64>, %u: tensor<64xf32>) {
  // expected-error @+1 {{'deepc.scatter' op indices must have rank 1 or more, the last dimension holding index tuples}}
  %0 = deepc.scatter %d[%i], %u : tensor<16x64xf32>, tensor<i64>, tensor<64xf32>
  return
}

// -----

// Tests that the index tuple length is static.
func.func @scatter_dynamic_tuple(%d: tensor<16x64xf32>, %i: tensor<4x?xi64>, %u: tensor<4x64xf32>) {
  // expected-error @+1 {{'deepc.scatter' op the index tuple length (last dimension of indices) must be static}}
  %0 = deepc.scatter %d[%i], %u : tensor<16x64xf32>, tensor<4x?xi64>, tensor<4x64xf32>
  return
}

// -----

// Tests that index tuples cannot be longer than data's rank.
func.func @scatter_tuple_too_long(%d: tensor<16x64xf32>, %i: tensor<4x3xi64>, %u: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.scatter' op index tuples of length 3 exceed the rank of data (2)}}
  %0 = deepc.scatter %d[%i], %u : tensor<16x64xf32>, tensor<4x3xi64>, tensor<4xf32>
  return
}

// -----

// Tests that updates have the shape the indices select.
func.func @scatter_updates_shape(%d: tensor<16x64xf32>, %i: tensor<4x1xi64>, %u: tensor<4x32xf32>) {
  // expected-error @+1 {{'deepc.scatter' op updates have shape 4x32 but indices 4x1 into data 16x64 need 4x64}}
  %0 = deepc.scatter %d[%i], %u : tensor<16x64xf32>, tensor<4x1xi64>, tensor<4x32xf32>
  return
}

// -----

// Tests that scatter_elements cannot scatter into a scalar.
func.func @scatter_elements_scalar(%d: tensor<f32>, %i: tensor<i64>, %u: tensor<f32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op cannot scatter into a scalar}}
  %0 = deepc.scatter_elements %d[%i], %u axis = 0 : tensor<f32>, tensor<i64>, tensor<f32>
  return
}

// -----

// Tests that scatter_elements needs indices of the data's rank.
func.func @scatter_elements_rank(%d: tensor<4x8xf32>, %i: tensor<4xi64>, %u: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op indices have rank 1 but data has rank 2; they must be equal}}
  %0 = deepc.scatter_elements %d[%i], %u axis = 1 : tensor<4x8xf32>, tensor<4xi64>, tensor<4xf32>
  return
}

// -----

// Tests that scatter_elements needs one update per index.
func.func @scatter_elements_updates(%d: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x3xf32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op updates have shape 4x3 but indices have shape 4x2; they must be equal}}
  %0 = deepc.scatter_elements %d[%i], %u axis = 1 : tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x3xf32>
  return
}

// -----

// Tests that scatter_elements checks its axis.
func.func @scatter_elements_axis(%d: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x2xf32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op axis -3 is out of range for data of rank 2}}
  %0 = deepc.scatter_elements %d[%i], %u axis = -3 : tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>
  return
}

// -----

// Tests that scatter_elements indices may not outgrow data off the axis.
func.func @scatter_elements_larger(%d: tensor<4x8xf32>, %i: tensor<5x2xi64>, %u: tensor<5x2xf32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op indices 5x2 are larger than data 4x8 in dimension 0, which is not the scatter axis}}
  %0 = deepc.scatter_elements %d[%i], %u axis = 1 : tensor<4x8xf32>, tensor<5x2xi64>, tensor<5x2xf32>
  return
}

// -----

// Tests that the result has the data's type.
func.func @scatter_elements_result(%d: tensor<4x8xf32>, %i: tensor<4x2xi64>, %u: tensor<4x2xf32>) {
  // expected-error @+1 {{'deepc.scatter_elements' op failed to verify that all of {data, result} have same type}}
  %0 = "deepc.scatter_elements"(%d, %i, %u) {axis = 1 : i64} : (tensor<4x8xf32>, tensor<4x2xi64>, tensor<4x2xf32>) -> tensor<4x8xf16>
  return
}

// -----

// Tests that reshape keeps the element count.
func.func @reshape_count(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'deepc.reshape' op cannot reshape 24 elements (2x3x4) into 20 (4x5)}}
  %0 = deepc.reshape %x : tensor<2x3x4xf32> -> tensor<4x5xf32>
  return
}

// -----

// Tests that two dynamic result dimensions need a shape operand.
func.func @reshape_ambiguous(%x: tensor<?xf32>) {
  // expected-error @+1 {{'deepc.reshape' op result has 2 dynamic dimensions; give a shape operand to resolve them}}
  %0 = deepc.reshape %x : tensor<?xf32> -> tensor<?x?x16xf32>
  return
}

// -----

// Tests that the shape operand is 1-D.
func.func @reshape_shape_rank(%x: tensor<?xf32>, %s: tensor<1x3xi64>) {
  // expected-error @+1 {{'deepc.reshape' op shape operand must be 1-D, got 1x3}}
  %0 = deepc.reshape %x shape %s : tensor<?xf32>, tensor<1x3xi64> -> tensor<?x?x16xf32>
  return
}

// -----

// Tests that the shape operand has one entry per result dimension.
func.func @reshape_shape_length(%x: tensor<?xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{'deepc.reshape' op shape operand has 2 entries but the result has rank 3}}
  %0 = deepc.reshape %x shape %s : tensor<?xf32>, tensor<2xi64> -> tensor<?x?x16xf32>
  return
}

// -----

// Tests that reshape keeps the element type.
func.func @reshape_element_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.reshape' op failed to verify that all of {input, result} have same element type}}
  %0 = deepc.reshape %x : tensor<4xf32> -> tensor<2x2xf16>
  return
}

// -----

// Tests that a transpose permutation is a permutation.
func.func @transpose_repeat(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'deepc.transpose' op permutation [0, 0, 1] is not a permutation of 0..2 for an input of rank 3}}
  %0 = deepc.transpose %x [0, 0, 1] : tensor<2x3x4xf32>
  return
}

// -----

// Tests that a transpose permutation covers every dimension.
func.func @transpose_short(%x: tensor<2x3x4xf32>) {
  // expected-error @+1 {{'deepc.transpose' op permutation [1, 0] is not a permutation of 0..2 for an input of rank 3}}
  %0 = deepc.transpose %x [1, 0] : tensor<2x3x4xf32>
  return
}

// -----

// Tests that concat needs an input.
func.func @concat_empty() {
  // expected-error @+1 {{'deepc.concat' op expected 1 or more operands, but found 0}}
  %0 = "deepc.concat"() {axis = 0 : i64} : () -> tensor<4xf32>
  return
}

// -----

// Tests that concat checks its axis.
func.func @concat_axis(%a: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.concat' op axis 2 is out of range for rank 2}}
  %0 = deepc.concat %a, %a axis = 2 : tensor<4x8xf32>, tensor<4x8xf32>
  return
}

// -----

// Tests that concat inputs share a rank.
func.func @concat_rank(%a: tensor<4x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'deepc.concat' op input 1 has rank 1 but input 0 has rank 2}}
  %0 = deepc.concat %a, %b axis = 0 : tensor<4x8xf32>, tensor<8xf32>
  return
}

// -----

// Tests that concat inputs agree off the axis.
func.func @concat_shape(%a: tensor<4x8xf32>, %b: tensor<4x6xf32>) {
  // expected-error @+1 {{'deepc.concat' op input 1 has shape 4x6 which differs from input 0 (4x8) outside the concatenation axis 0}}
  %0 = deepc.concat %a, %b axis = 0 : tensor<4x8xf32>, tensor<4x6xf32>
  return
}

// -----

// Tests that slice lists line up.
func.func @slice_lengths(%x: tensor<10x8xf32>) {
  // expected-error @+1 {{'deepc.slice' op axes, starts, ends and steps must have the same length, got 1, 2, 1 and 1}}
  %0 = deepc.slice %x axes = [0] starts = [0, 1] ends = [4] steps = [1] : tensor<10x8xf32>
  return
}

// -----

// Tests that slice axes are in range.
func.func @slice_axis(%x: tensor<10x8xf32>) {
  // expected-error @+1 {{'deepc.slice' op axis 2 is out of range for rank 2}}
  %0 = deepc.slice %x axes = [2] starts = [0] ends = [4] steps = [1] : tensor<10x8xf32>
  return
}

// -----

// Tests that an axis is sliced once.
func.func @slice_axis_twice(%x: tensor<10x8xf32>) {
  // expected-error @+1 {{'deepc.slice' op axis -2 is sliced more than once}}
  %0 = deepc.slice %x axes = [0, -2] starts = [0, 0] ends = [4, 4] steps = [1, 1] : tensor<10x8xf32>
  return
}

// -----

// Tests that a slice step is not zero.
func.func @slice_step_zero(%x: tensor<10x8xf32>) {
  // expected-error @+1 {{'deepc.slice' op step for axis 0 is 0}}
  %0 = deepc.slice %x axes = [0] starts = [0] ends = [4] steps = [0] : tensor<10x8xf32>
  return
}

// -----

// Tests that expand follows numpy broadcasting.
func.func @expand_shapes(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'deepc.expand' op input of shape 3x4 does not broadcast to 2x5x4}}
  %0 = deepc.expand %x : tensor<3x4xf32> -> tensor<2x5x4xf32>
  return
}

// -----

// Tests that expand checks its shape operand.
func.func @expand_shape_operand(%x: tensor<1x4xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{'deepc.expand' op shape operand has 3 entries but the result has rank 2}}
  %0 = deepc.expand %x shape %s : tensor<1x4xf32>, tensor<3xi64> -> tensor<?x4xf32>
  return
}

// -----

// Tests that cast keeps the shape.
func.func @cast_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.cast' op requires the same shape for all operands and results}}
  %0 = deepc.cast %x : tensor<4xf32> to tensor<5xf16>
  return
}

// -----

// Tests that a constant's value must be a tensor of a deepc element type.
func.func @constant_f64() {
  // expected-error @+1 {{'deepc.constant' op result #0 must be ranked tensor of deepc element type values}}
  %0 = deepc.constant dense<1.0> : tensor<2xf64>
  return
}

// -----

// Tests that shape_of's result has one i64 per input dim: its type is
// inferred and must match.
func.func @shape_of_wrong_length(%x: tensor<?x3xf32>) {
  // expected-error @+2 {{'deepc.shape_of' op inferred type(s) 'tensor<2xi64>' are incompatible with return type(s) of operation 'tensor<3xi64>'}}
  // expected-error @+1 {{'deepc.shape_of' op failed to infer returned types}}
  %0 = "deepc.shape_of"(%x) : (tensor<?x3xf32>) -> tensor<3xi64>
  return
}

// -----

// Tests that shape_of reads a ranked tensor.
func.func @shape_of_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{'deepc.shape_of' op operand #0 must be ranked tensor of deepc element type values, but got 'tensor<*xf32>'}}
  %0 = "deepc.shape_of"(%x) : (tensor<*xf32>) -> tensor<1xi64>
  return
}

// -----

// Tests that gather_elements cannot gather from a scalar.
func.func @gather_elements_scalar(%x: tensor<f32>, %i: tensor<i64>) {
  // expected-error @+1 {{'deepc.gather_elements' op cannot gather from a scalar}}
  %0 = deepc.gather_elements %x[%i] axis = 0 : tensor<f32>, tensor<i64>
  return
}

// -----

// Tests that gather_elements needs indices of the data's rank.
func.func @gather_elements_rank(%x: tensor<4x8xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{'deepc.gather_elements' op indices have rank 1 but data has rank 2; they must be equal}}
  %0 = deepc.gather_elements %x[%i] axis = 1 : tensor<4x8xf32>, tensor<4xi64>
  return
}

// -----

// Tests that gather_elements checks its axis.
func.func @gather_elements_axis(%x: tensor<4x8xf32>, %i: tensor<4x2xi64>) {
  // expected-error @+1 {{'deepc.gather_elements' op axis 2 is out of range for data of rank 2}}
  %0 = deepc.gather_elements %x[%i] axis = 2 : tensor<4x8xf32>, tensor<4x2xi64>
  return
}

// -----

// Tests that gather_elements indices may not outgrow data off the axis.
func.func @gather_elements_larger(%x: tensor<4x8xf32>, %i: tensor<5x2xi64>) {
  // expected-error @+1 {{'deepc.gather_elements' op indices 5x2 are larger than data 4x8 in dimension 0, which is not the gather axis}}
  %0 = deepc.gather_elements %x[%i] axis = 1 : tensor<4x8xf32>, tensor<5x2xi64>
  return
}

// -----

// Tests that gather_nd needs index tuples.
func.func @gather_nd_scalar_indices(%x: tensor<4x8xf32>, %i: tensor<i64>) {
  // expected-error @+1 {{'deepc.gather_nd' op indices must have rank 1 or more, the last dimension holding index tuples}}
  %0 = deepc.gather_nd %x[%i] : tensor<4x8xf32>, tensor<i64>
  return
}

// -----

// Tests that gather_nd checks batch_dims against both ranks.
func.func @gather_nd_batch_dims(%x: tensor<4x8xf32>, %i: tensor<4x1xi64>) {
  // expected-error @+1 {{'deepc.gather_nd' op batch_dims (2) must be non-negative and less than the rank of data (2) and of indices (2)}}
  %0 = deepc.gather_nd %x[%i] batch_dims = 2 : tensor<4x8xf32>, tensor<4x1xi64>
  return
}

// -----

// Tests that gather_nd needs a static index tuple length.
func.func @gather_nd_dynamic_tuple(%x: tensor<4x8xf32>, %i: tensor<4x?xi64>) {
  // expected-error @+1 {{'deepc.gather_nd' op the index tuple length (last dimension of indices) must be static}}
  %0 = deepc.gather_nd %x[%i] : tensor<4x8xf32>, tensor<4x?xi64>
  return
}

// -----

// Tests that gather_nd index tuples must fit the data's rank.
func.func @gather_nd_long_tuple(%x: tensor<4x8xf32>, %i: tensor<4x2xi64>) {
  // expected-error @+1 {{'deepc.gather_nd' op index tuples of length 2 after 1 batch dimension(s) do not fit data of rank 2}}
  %0 = deepc.gather_nd %x[%i] batch_dims = 1 : tensor<4x8xf32>, tensor<4x2xi64>
  return
}

// -----

// Tests that gather_nd batch dimensions must agree.
func.func @gather_nd_batch_mismatch(%x: tensor<4x8xf32>, %i: tensor<3x1xi64>) {
  // expected-error @+1 {{'deepc.gather_nd' op batch dimension 0 is 4 in data but 3 in indices}}
  %0 = deepc.gather_nd %x[%i] batch_dims = 1 : tensor<4x8xf32>, tensor<3x1xi64>
  return
}

// -----

// Tests that topk cannot select from a scalar.
func.func @topk_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'deepc.topk' op cannot select from a scalar}}
  %v, %i = deepc.topk %x k = 1 axis = 0 : tensor<f32>
  return
}

// -----

// Tests that topk checks its axis.
func.func @topk_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.topk' op axis -3 is out of range for rank 2}}
  %v, %i = deepc.topk %x k = 1 axis = -3 : tensor<4x8xf32>
  return
}

// -----

// Tests that topk needs k of at least 1.
func.func @topk_zero(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.topk' op k (0) must be at least 1}}
  %v, %i = deepc.topk %x k = 0 axis = -1 : tensor<4x8xf32>
  return
}

// -----

// Tests that topk cannot take more elements than the axis has.
func.func @topk_too_many(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.topk' op k (9) exceeds the size of axis 1 (8)}}
  %v, %i = deepc.topk %x k = 9 axis = -1 : tensor<4x8xf32>
  return
}

// -----

// Tests that cumsum refuses booleans.
func.func @cumsum_bool(%x: tensor<4xi1>) {
  // expected-error @+1 {{'deepc.cumsum' op cannot sum i1 elements; cast them to an integer type first}}
  %0 = deepc.cumsum %x axis = 0 : tensor<4xi1>
  return
}

// -----

// Tests that cumsum checks its axis.
func.func @cumsum_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.cumsum' op axis 2 is out of range for rank 2}}
  %0 = deepc.cumsum %x axis = 2 : tensor<4x8xf32>
  return
}

// -----

// Tests that trilu needs a matrix.
func.func @trilu_vector(%x: tensor<8xf32>) {
  // expected-error @+1 {{'deepc.trilu' op needs an input of rank 2 or more ([..., M, N]), got 'tensor<8xf32>'}}
  %0 = deepc.trilu %x : tensor<8xf32>
  return
}

// -----

// Tests that range refuses element types ONNX Range does not have.
func.func @range_bool(%x: tensor<i1>) {
  // expected-error @+1 {{'deepc.range' op needs i32, i64, f32, f16 or bf16 bounds, got 'i1'}}
  %0 = deepc.range %x, %x, %x : tensor<i1> -> tensor<?xi1>
  return
}

// -----

// Tests that range bounds are scalars.
func.func @range_vector_bounds(%x: tensor<1xi64>) {
  // expected-error @+1 {{'deepc.range' op start, limit and delta must be rank-0 tensors, got 'tensor<1xi64>'}}
  %0 = deepc.range %x, %x, %x : tensor<1xi64> -> tensor<?xi64>
  return
}

// -----

// Tests that range produces a 1-D tensor.
func.func @range_result_rank(%x: tensor<i64>) {
  // expected-error @+1 {{'deepc.range' op result must be 1-D, got 'tensor<?x?xi64>'}}
  %0 = deepc.range %x, %x, %x : tensor<i64> -> tensor<?x?xi64>
  return
}

// -----

// Tests that a constant zero delta is refused.
func.func @range_zero_delta() {
  %a = deepc.constant dense<0> : tensor<i64>
  %b = deepc.constant dense<4> : tensor<i64>
  // expected-error @+1 {{'deepc.range' op delta is 0}}
  %0 = deepc.range %a, %b, %a : tensor<i64> -> tensor<?xi64>
  return
}

// -----

// Tests that a static length must match constant bounds.
func.func @range_wrong_length() {
  %a = deepc.constant dense<0> : tensor<i64>
  %b = deepc.constant dense<4> : tensor<i64>
  %c = deepc.constant dense<3> : tensor<i64>
  // expected-error @+1 {{'deepc.range' op result has 3 elements but the constant bounds give 2}}
  %0 = deepc.range %a, %b, %c : tensor<i64> -> tensor<3xi64>
  return
}
