// RUN: deepc-opt %s -split-input-file -verify-diagnostics

// Diagnostics of deepc.all_reduce, deepc.all_gather and deepc.all_to_all:
// one section per message of DeepcCollectiveOps.cpp (for each op that can
// emit it), then the type and attribute constraints of DeepcCollectiveOps.td.

// Tests that all_reduce rejects a group of no ranks.
func.func @all_reduce_group_size_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'deepc.all_reduce' op group_size (0) must be at least 1}}
  %0 = deepc.all_reduce %x group_size = 0 : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that all_gather rejects a negative group size.
func.func @all_gather_group_size_negative(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op group_size (-2) must be at least 1}}
  %0 = deepc.all_gather %x axis = 0 group_size = -2 : tensor<4xf32>
  return
}

// -----

// Tests that all_to_all rejects a group of no ranks (before dividing by it).
func.func @all_to_all_group_size_zero(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op group_size (0) must be at least 1}}
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = 0 group_size = 0 : tensor<4xf32>
  return
}

// -----

// Tests that all_gather rejects an axis equal to the rank.
func.func @all_gather_axis_too_large(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op axis 2 is out of range for rank 2}}
  %0 = deepc.all_gather %x axis = 2 group_size = 2 : tensor<4x8xf32>
  return
}

// -----

// Tests that all_gather rejects a negative axis below -rank.
func.func @all_gather_axis_too_small(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op axis -3 is out of range for rank 2}}
  %0 = deepc.all_gather %x axis = -3 group_size = 2 : tensor<4x8xf32>
  return
}

// -----

// Tests that a rank-0 tensor cannot be gathered: it has no axis.
func.func @all_gather_scalar(%x: tensor<f32>) {
  // expected-error @+1 {{'deepc.all_gather' op axis 0 is out of range for rank 0}}
  %0 = deepc.all_gather %x axis = 0 group_size = 2 : tensor<f32>
  return
}

// -----

// Tests that all_gather rejects a gathered dimension that overflows int64
// instead of wrapping it to a negative extent.
func.func @all_gather_overflow(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op dimension 1 of size 8 times group_size 4611686018427387904 overflows int64}}
  %0 = deepc.all_gather %x axis = 1 group_size = 4611686018427387904 : tensor<4x8xf32>
  return
}

// -----

// Tests that all_to_all names the out-of-range split_axis.
func.func @all_to_all_split_axis(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op split_axis 2 is out of range for rank 2}}
  %0 = deepc.all_to_all %x split_axis = 2 concat_axis = 0 group_size = 2 : tensor<8x16xf32>
  return
}

// -----

// Tests that all_to_all names the out-of-range concat_axis.
func.func @all_to_all_concat_axis(%x: tensor<8x16xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op concat_axis -3 is out of range for rank 2}}
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = -3 group_size = 2 : tensor<8x16xf32>
  return
}

// -----

// Tests that all_to_all rejects a static split dimension that group_size
// does not divide into equal chunks.
func.func @all_to_all_not_divisible(%x: tensor<6x16xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op split dimension 0 has size 6, which group_size 4 does not divide}}
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = 1 group_size = 4 : tensor<6x16xf32>
  return
}

// -----

// Tests that all_to_all rejects a concatenated dimension that overflows
// int64 instead of wrapping it.
func.func @all_to_all_overflow(%x: tensor<4611686018427387904x3xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op dimension 0 of size 4611686018427387904 times group_size 3 overflows int64}}
  %0 = deepc.all_to_all %x split_axis = 1 concat_axis = 0 group_size = 3 : tensor<4611686018427387904x3xf32>
  return
}

// -----

// Tests that an element type outside the dialect's list (f64) is rejected.
func.func @all_reduce_f64(%x: tensor<4xf64>) {
  // expected-error @+1 {{'deepc.all_reduce' op operand #0 must be ranked tensor of deepc element type values, but got 'tensor<4xf64>'}}
  %0 = deepc.all_reduce %x group_size = 2 : tensor<4xf64>
  return
}

// -----

// Tests that an unknown reduction kind is rejected with the valid ones.
func.func @all_reduce_bogus_reduction(%x: tensor<4xf32>) {
  // expected-error @+2 {{expected ::mlir::deepc::CollectiveReduction to be one of: sum, prod, max, min}}
  // expected-error @+1 {{failed to parse Deepc_CollectiveReductionAttr parameter 'value'}}
  %0 = deepc.all_reduce %x reduction = <avg> group_size = 2 : tensor<4xf32>
  return
}

// -----

// Tests that all_reduce's result must have the input's type (generic form).
func.func @all_reduce_result_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.all_reduce' op failed to verify that all of {input, result} have same type}}
  %0 = "deepc.all_reduce"(%x) <{group_size = 2 : i64}> : (tensor<4xf32>) -> tensor<8xf32>
  return
}

// -----

// Tests that the generic form needs group_size.
func.func @all_reduce_missing_group_size(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.all_reduce' op requires attribute 'group_size'}}
  %0 = "deepc.all_reduce"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

// Tests that all_gather's result type (generic form) must be the inferred
// one, with the gathered axis grown by group_size.
func.func @all_gather_result_type(%x: tensor<16x64xf32>) {
  // expected-error @+2 {{'deepc.all_gather' op inferred type(s) 'tensor<64x64xf32>' are incompatible with return type(s) of operation 'tensor<16x64xf32>'}}
  // expected-error @+1 {{'deepc.all_gather' op failed to infer returned types}}
  %0 = "deepc.all_gather"(%x) <{axis = 0 : i64, group_size = 4 : i64}> : (tensor<16x64xf32>) -> tensor<16x64xf32>
  return
}

// -----

// Tests that all_gather keeps the element type (generic form).
func.func @all_gather_element_type(%x: tensor<16x64xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op requires the same element type for all operands and results}}
  %0 = "deepc.all_gather"(%x) <{axis = 0 : i64, group_size = 4 : i64}> : (tensor<16x64xf32>) -> tensor<64x64xf16>
  return
}

// -----

// Tests that all_to_all's result type (generic form) must be the inferred
// one: split dimension divided, concat dimension multiplied.
func.func @all_to_all_result_type(%x: tensor<8x16xf32>) {
  // expected-error @+2 {{'deepc.all_to_all' op inferred type(s) 'tensor<4x32xf32>' are incompatible with return type(s) of operation 'tensor<8x16xf32>'}}
  // expected-error @+1 {{'deepc.all_to_all' op failed to infer returned types}}
  %0 = "deepc.all_to_all"(%x) <{split_axis = 0 : i64, concat_axis = 1 : i64, group_size = 2 : i64}> : (tensor<8x16xf32>) -> tensor<8x16xf32>
  return
}

// -----

// Tests that an unranked tensor is rejected while parsing (the custom form
// needs a ranked tensor type to infer the result).
func.func @all_gather_unranked(%x: tensor<*xf32>) {
  // expected-error @+1 {{custom op 'deepc.all_gather' invalid kind of type specified}}
  %0 = deepc.all_gather %x axis = 0 group_size = 2 : tensor<*xf32>
  return
}

// -----

// Tests that an unranked tensor is rejected in the generic form too, by the
// operand constraint.
func.func @all_to_all_unranked_generic(%x: tensor<*xf32>) {
  // expected-error @+1 {{'deepc.all_to_all' op operand #0 must be ranked tensor of deepc element type values, but got 'tensor<*xf32>'}}
  %0 = "deepc.all_to_all"(%x) <{split_axis = 0 : i64, concat_axis = 0 : i64, group_size = 2 : i64}> : (tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----

// Tests that a non-i64 axis attribute is rejected (generic form).
func.func @all_gather_axis_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'deepc.all_gather' op attribute 'axis' failed to satisfy constraint: 64-bit signless integer attribute}}
  %0 = "deepc.all_gather"(%x) <{axis = 0 : i32, group_size = 2 : i64}> : (tensor<4xf32>) -> tensor<8xf32>
  return
}
