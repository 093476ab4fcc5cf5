// RUN: deepc-opt %s | deepc-opt | FileCheck %s

// Round trip of deepc.all_reduce, deepc.all_gather and deepc.all_to_all.
// Only the input type is printed; each function returns its results with
// their types spelled out, so the `return` checks the result types too.

// Tests that the default reduction (sum) is not printed, whether it is
// left out or written out.
// CHECK-LABEL: func.func @all_reduce_default
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
// CHECK: %[[A:.*]] = deepc.all_reduce %[[X]] group_size = 2 : tensor<?x64xf32>
// CHECK: %[[B:.*]] = deepc.all_reduce %[[A]] group_size = 8 : tensor<?x64xf32>
// CHECK: return %[[B]] : tensor<?x64xf32>
func.func @all_reduce_default(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %0 = deepc.all_reduce %x group_size = 2 : tensor<?x64xf32>
  %1 = deepc.all_reduce %0 reduction = <sum> group_size = 8 : tensor<?x64xf32>
  return %1 : tensor<?x64xf32>
}

// Tests that every non-default reduction kind is printed, on float and
// integer element types.
// CHECK-LABEL: func.func @all_reduce_kinds
// CHECK: deepc.all_reduce %{{.*}} reduction = <prod> group_size = 4 : tensor<8xbf16>
// CHECK: deepc.all_reduce %{{.*}} reduction = <max> group_size = 4 : tensor<2x3xi32>
// CHECK: deepc.all_reduce %{{.*}} reduction = <min> group_size = 4 : tensor<f16>
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<8xbf16>, tensor<2x3xi32>, tensor<f16>
func.func @all_reduce_kinds(%a: tensor<8xbf16>, %b: tensor<2x3xi32>, %c: tensor<f16>) -> (tensor<8xbf16>, tensor<2x3xi32>, tensor<f16>) {
  %0 = deepc.all_reduce %a reduction = <prod> group_size = 4 : tensor<8xbf16>
  %1 = deepc.all_reduce %b reduction = <max> group_size = 4 : tensor<2x3xi32>
  %2 = deepc.all_reduce %c reduction = <min> group_size = 4 : tensor<f16>
  return %0, %1, %2 : tensor<8xbf16>, tensor<2x3xi32>, tensor<f16>
}

// Tests that a group of one rank is accepted (a no-op collective).
// CHECK-LABEL: func.func @group_size_one
// CHECK: deepc.all_reduce %{{.*}} group_size = 1 : tensor<4xf32>
// CHECK: deepc.all_gather %{{.*}} axis = 0 group_size = 1 : tensor<4xf32>
// CHECK: deepc.all_to_all %{{.*}} split_axis = 0 concat_axis = 0 group_size = 1 : tensor<4xf32>
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
func.func @group_size_one(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = deepc.all_reduce %x group_size = 1 : tensor<4xf32>
  %1 = deepc.all_gather %x axis = 0 group_size = 1 : tensor<4xf32>
  %2 = deepc.all_to_all %x split_axis = 0 concat_axis = 0 group_size = 1 : tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// Tests that all_gather on axis 0 multiplies that dimension by group_size.
// CHECK-LABEL: func.func @all_gather_axis0
// CHECK-SAME: -> tensor<64x64xf32>
// CHECK: %[[G:.*]] = deepc.all_gather %{{.*}} axis = 0 group_size = 4 : tensor<16x64xf32>
// CHECK: return %[[G]] : tensor<64x64xf32>
func.func @all_gather_axis0(%x: tensor<16x64xf32>) -> tensor<64x64xf32> {
  %0 = deepc.all_gather %x axis = 0 group_size = 4 : tensor<16x64xf32>
  return %0 : tensor<64x64xf32>
}

// Tests that all_gather on axis -1 grows the last dimension and keeps the
// dynamic ones dynamic, and that gathering along a dynamic axis stays
// dynamic.
// CHECK-LABEL: func.func @all_gather_last_dynamic
// CHECK: deepc.all_gather %{{.*}} axis = -1 group_size = 4 : tensor<?x?x8xbf16>
// CHECK: deepc.all_gather %{{.*}} axis = 0 group_size = 2 : tensor<?x?x8xbf16>
// CHECK: return %{{.*}}, %{{.*}} : tensor<?x?x32xbf16>, tensor<?x?x8xbf16>
func.func @all_gather_last_dynamic(%x: tensor<?x?x8xbf16>) -> (tensor<?x?x32xbf16>, tensor<?x?x8xbf16>) {
  %0 = deepc.all_gather %x axis = -1 group_size = 4 : tensor<?x?x8xbf16>
  %1 = deepc.all_gather %x axis = 0 group_size = 2 : tensor<?x?x8xbf16>
  return %0, %1 : tensor<?x?x32xbf16>, tensor<?x?x8xbf16>
}

// Tests that all_to_all with split_axis == concat_axis keeps the shape
// (the op description's expert-parallel dispatch example), also with
// negative axes.
// CHECK-LABEL: func.func @all_to_all_same_axis
// CHECK: deepc.all_to_all %{{.*}} split_axis = 0 concat_axis = 0 group_size = 2 : tensor<8x16x64xf32>
// CHECK: deepc.all_to_all %{{.*}} split_axis = -2 concat_axis = 1 group_size = 4 : tensor<8x16x64xf32>
// CHECK: return %{{.*}}, %{{.*}} : tensor<8x16x64xf32>, tensor<8x16x64xf32>
func.func @all_to_all_same_axis(%x: tensor<8x16x64xf32>) -> (tensor<8x16x64xf32>, tensor<8x16x64xf32>) {
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = 0 group_size = 2 : tensor<8x16x64xf32>
  %1 = deepc.all_to_all %x split_axis = -2 concat_axis = 1 group_size = 4 : tensor<8x16x64xf32>
  return %0, %1 : tensor<8x16x64xf32>, tensor<8x16x64xf32>
}

// Tests that all_to_all with split_axis != concat_axis divides the split
// dimension and multiplies the concat dimension by group_size.
// CHECK-LABEL: func.func @all_to_all_split_concat
// CHECK: deepc.all_to_all %{{.*}} split_axis = 0 concat_axis = 1 group_size = 2 : tensor<8x16x64xi8>
// CHECK: deepc.all_to_all %{{.*}} split_axis = -1 concat_axis = 0 group_size = 4 : tensor<8x16x64xi8>
// CHECK: return %{{.*}}, %{{.*}} : tensor<4x32x64xi8>, tensor<32x16x16xi8>
func.func @all_to_all_split_concat(%x: tensor<8x16x64xi8>) -> (tensor<4x32x64xi8>, tensor<32x16x16xi8>) {
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = 1 group_size = 2 : tensor<8x16x64xi8>
  %1 = deepc.all_to_all %x split_axis = -1 concat_axis = 0 group_size = 4 : tensor<8x16x64xi8>
  return %0, %1 : tensor<4x32x64xi8>, tensor<32x16x16xi8>
}

// Tests that all_to_all accepts a dynamic split dimension (divisibility is
// a runtime matter) and keeps dynamic dimensions dynamic on both axes.
// CHECK-LABEL: func.func @all_to_all_dynamic
// CHECK: deepc.all_to_all %{{.*}} split_axis = 0 concat_axis = 1 group_size = 4 : tensor<?x16xf16>
// CHECK: deepc.all_to_all %{{.*}} split_axis = 1 concat_axis = 0 group_size = 4 : tensor<?x16xf16>
// CHECK: deepc.all_to_all %{{.*}} split_axis = 0 concat_axis = 0 group_size = 4 : tensor<?x16xf16>
// CHECK: return %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x64xf16>, tensor<?x4xf16>, tensor<?x16xf16>
func.func @all_to_all_dynamic(%x: tensor<?x16xf16>) -> (tensor<?x64xf16>, tensor<?x4xf16>, tensor<?x16xf16>) {
  %0 = deepc.all_to_all %x split_axis = 0 concat_axis = 1 group_size = 4 : tensor<?x16xf16>
  %1 = deepc.all_to_all %x split_axis = 1 concat_axis = 0 group_size = 4 : tensor<?x16xf16>
  %2 = deepc.all_to_all %x split_axis = 0 concat_axis = 0 group_size = 4 : tensor<?x16xf16>
  return %0, %1, %2 : tensor<?x64xf16>, tensor<?x4xf16>, tensor<?x16xf16>
}
