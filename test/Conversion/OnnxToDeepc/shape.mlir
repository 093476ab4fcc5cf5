// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that the Shape→Gather→Unsqueeze→Concat→Reshape chain exporters emit
// for a head split folds to a static target with the dynamic dims read
// from the input: two dynamic dims need the reshape's shape operand.
// CHECK-LABEL: func.func @head_split
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64x64xf32>) -> tensor<?x?x4x16xf32>
// CHECK: %[[MM:.*]] = deepc.matmul %[[X]], %[[W]]
// CHECK: %[[S:.*]] = deepc.shape_of %[[X]] : tensor<?x?x64xf32>
// CHECK: %[[BS:.*]] = deepc.slice %[[S]] axes = [0] starts = [0] ends = [2] steps = [1] : tensor<3xi64>
// CHECK: %[[C:.*]] = deepc.constant dense<[4, 16]> : tensor<2xi64>
// CHECK: %[[T:.*]] = deepc.concat %[[BS]], %[[C]] axis = 0
// CHECK: %[[R:.*]] = deepc.reshape %[[MM]] shape %[[T]] : tensor<?x?x64xf32>, tensor<4xi64> -> tensor<?x?x4x16xf32>
// CHECK: return %[[R]]
// CHECK-NOT: onnx.
func.func @head_split(%x: tensor<?x?x64xf32>, %w: tensor<64x64xf32>) -> tensor<?x?x4x16xf32> {
  %s = onnx.node "Shape" version 15 (%x) : (tensor<?x?x64xf32>) -> tensor<3xsi64>
  %i0 = onnx.constant dense<0> : tensor<si64>
  %i1 = onnx.constant dense<1> : tensor<si64>
  %b = onnx.node "Gather" version 13 (%s, %i0) {axis = 0 : i64} : (tensor<3xsi64>, tensor<si64>) -> tensor<si64>
  %q = onnx.node "Gather" version 13 (%s, %i1) {axis = 0 : i64} : (tensor<3xsi64>, tensor<si64>) -> tensor<si64>
  %ax = onnx.constant dense<[0]> : tensor<1xsi64>
  %bu = onnx.node "Unsqueeze" version 13 (%b, %ax) : (tensor<si64>, tensor<1xsi64>) -> !onnx.unknown
  %qu = onnx.node "Unsqueeze" version 13 (%q, %ax) : (tensor<si64>, tensor<1xsi64>) -> !onnx.unknown
  %c = onnx.constant dense<[4, 16]> : tensor<2xsi64>
  %shape = onnx.node "Concat" version 13 (%bu, %qu, %c) {axis = 0 : i64} : (!onnx.unknown, !onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %m = onnx.node "MatMul" version 13 (%x, %w) : (tensor<?x?x64xf32>, tensor<64x64xf32>) -> !onnx.unknown
  %r = onnx.node "Reshape" version 14 (%m, %shape) : (!onnx.unknown, !onnx.unknown) -> tensor<?x?x4x16xf32>
  return %r : tensor<?x?x4x16xf32>
}

// -----

// Tests that a shape of static dims folds to a constant, with start/end
// (opset 15), and that the Gather of it folds too.
// CHECK-LABEL: func.func @static_shape
// CHECK-DAG: %[[S:.*]] = deepc.constant dense<[3, 4]> : tensor<2xi64>
// CHECK-DAG: %[[G:.*]] = deepc.constant dense<4> : tensor<i64>
// CHECK-NOT: deepc.shape_of
// CHECK: return %[[S]], %[[G]]
func.func @static_shape(%x: tensor<2x3x4xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %s = onnx.node "Shape" version 15 (%x) {start = 1 : i64} : (tensor<2x3x4xf32>) -> !onnx.unknown
  %i = onnx.constant dense<-1> : tensor<si64>
  %g = onnx.node "Gather" version 13 (%s, %i) {axis = 0 : i64} : (!onnx.unknown, tensor<si64>) -> !onnx.unknown
  return %s, %g : !onnx.unknown, !onnx.unknown
}

// -----

// Tests Reshape's 0 (copy the input dim) and -1 (inferred from the
// symbolic element count: ? x 64 / (? x 4) = 16), with no shape operand
// when one dim is dynamic.
// CHECK-LABEL: func.func @reshape_zero_minus_one
// CHECK: %[[R:.*]] = deepc.reshape %{{.*}} : tensor<?x64xf32> -> tensor<?x4x16xf32>
// CHECK-NOT: shape_of
// CHECK: return %[[R]]
func.func @reshape_zero_minus_one(%x: tensor<?x64xf32>) -> !onnx.unknown {
  %t = onnx.constant dense<[0, 4, -1]> : tensor<3xsi64>
  %r = onnx.node "Reshape" version 14 (%x, %t) : (tensor<?x64xf32>, tensor<3xsi64>) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests that -1 cancels symbolic dims: merging batch and sequence of a
// [?, ?, 64] tensor and splitting them back restores both dims.
// CHECK-LABEL: func.func @reshape_symbolic_roundtrip
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>)
// CHECK: %[[F:.*]] = deepc.reshape %[[X]] : tensor<?x?x64xf32> -> tensor<?x64xf32>
// CHECK: %[[S:.*]] = deepc.shape_of %[[X]]
// CHECK: %[[D:.*]] = deepc.slice %[[S]] axes = [0] starts = [0] ends = [2]
// CHECK: %[[C:.*]] = deepc.constant dense<64> : tensor<1xi64>
// CHECK: %[[T:.*]] = deepc.concat %[[D]], %[[C]]
// CHECK: deepc.reshape %[[F]] shape %[[T]] : tensor<?x64xf32>, tensor<3xi64> -> tensor<?x?x64xf32>
func.func @reshape_symbolic_roundtrip(%x: tensor<?x?x64xf32>) -> !onnx.unknown {
  %t = onnx.constant dense<[-1, 64]> : tensor<2xsi64>
  %f = onnx.node "Reshape" version 14 (%x, %t) : (tensor<?x?x64xf32>, tensor<2xsi64>) -> !onnx.unknown
  %s = onnx.node "Shape" version 13 (%x) : (tensor<?x?x64xf32>) -> !onnx.unknown
  %r = onnx.node "Reshape" version 14 (%f, %s) : (!onnx.unknown, !onnx.unknown) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests that allowzero = 1 keeps a 0 as an empty dim.
// CHECK-LABEL: func.func @reshape_allowzero
// CHECK: deepc.reshape %{{.*}} : tensor<0x4xf32> -> tensor<4x0xf32>
func.func @reshape_allowzero(%x: tensor<0x4xf32>) -> !onnx.unknown {
  %t = onnx.constant dense<[4, 0]> : tensor<2xsi64>
  %r = onnx.node "Reshape" version 14 (%x, %t) {allowzero = 1 : i64} : (tensor<0x4xf32>, tensor<2xsi64>) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests Transpose with a permutation and with the default (reversed) one.
// CHECK-LABEL: func.func @transpose
// CHECK: %[[T:.*]] = deepc.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x?x4x16xf32>
// CHECK: deepc.transpose %[[T]] [3, 2, 1, 0] : tensor<1x4x?x16xf32>
func.func @transpose(%x: tensor<1x?x4x16xf32>) -> !onnx.unknown {
  %0 = onnx.node "Transpose" version 13 (%x) {perm = [0, 2, 1, 3]} : (tensor<1x?x4x16xf32>) -> !onnx.unknown
  %1 = onnx.node "Transpose" version 21 (%0) : (!onnx.unknown) -> !onnx.unknown
  return %1 : !onnx.unknown
}

// -----

// Tests Concat of tensors along a negative axis.
// CHECK-LABEL: func.func @concat
// CHECK: deepc.concat %{{.*}}, %{{.*}} axis = 1 : tensor<?x32xf32>, tensor<?x16xf32>
func.func @concat(%a: tensor<?x32xf32>, %b: tensor<?x16xf32>) -> tensor<?x48xf32> {
  %0 = onnx.node "Concat" version 13 (%a, %b) {axis = -1 : i64} : (tensor<?x32xf32>, tensor<?x16xf32>) -> tensor<?x48xf32>
  return %0 : tensor<?x48xf32>
}

// -----

// Tests Slice with constant starts/ends/axes/steps, omitted steps, and a
// negative step; and that a slice of a shape folds.
// CHECK-LABEL: func.func @slice
// CHECK: %[[A:.*]] = deepc.slice %{{.*}} axes = [1] starts = [0] ends = [32] steps = [1] : tensor<?x64xf32>
// CHECK: %[[B:.*]] = deepc.slice %[[A]] axes = [1] starts = [-1] ends = [-9223372036854775807] steps = [-2] : tensor<?x32xf32>
// CHECK: %[[C:.*]] = deepc.constant dense<64> : tensor<1xi64>
// CHECK: return %[[B]], %[[C]]
func.func @slice(%x: tensor<?x64xf32>) -> (tensor<?x16xf32>, !onnx.unknown) {
  %none = onnx.none
  %s0 = onnx.constant dense<[0]> : tensor<1xsi64>
  %e0 = onnx.constant dense<[32]> : tensor<1xsi64>
  %a1 = onnx.constant dense<[1]> : tensor<1xsi64>
  %0 = onnx.node "Slice" version 13 (%x, %s0, %e0, %a1, %none) : (tensor<?x64xf32>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, none) -> !onnx.unknown
  %s1 = onnx.constant dense<[-1]> : tensor<1xsi64>
  %e1 = onnx.constant dense<[-9223372036854775807]> : tensor<1xsi64>
  %st = onnx.constant dense<[-2]> : tensor<1xsi64>
  %1 = onnx.node "Slice" version 13 (%0, %s1, %e1, %a1, %st) : (!onnx.unknown, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<?x16xf32>
  %sh = onnx.node "Shape" version 13 (%x) : (tensor<?x64xf32>) -> !onnx.unknown
  %big = onnx.constant dense<[9223372036854775807]> : tensor<1xsi64>
  %2 = onnx.node "Slice" version 13 (%sh, %s1, %big) : (!onnx.unknown, tensor<1xsi64>, tensor<1xsi64>) -> !onnx.unknown
  return %1, %2 : tensor<?x16xf32>, !onnx.unknown
}

// -----

// Tests Gather of embedding rows with run-time indices.
// CHECK-LABEL: func.func @gather
// CHECK: %[[G:.*]] = deepc.gather %{{.*}}[%{{.*}}] axis = 0 : tensor<256x64xf32>, tensor<?x?xi64>
// CHECK: return %[[G]] : tensor<?x?x64xf32>
func.func @gather(%e: tensor<256x64xf32>, %ids: tensor<?x?xsi64>) -> !onnx.unknown {
  %0 = onnx.node "Gather" version 13 (%e, %ids) : (tensor<256x64xf32>, tensor<?x?xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests Unsqueeze and Squeeze with axes as an input (opset 13) and as an
// attribute (opset 11), and Squeeze without axes.
// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK: %[[U:.*]] = deepc.reshape %{{.*}} : tensor<?x8xf32> -> tensor<1x?x1x8xf32>
// CHECK: %[[S:.*]] = deepc.reshape %[[U]] : tensor<1x?x1x8xf32> -> tensor<?x1x8xf32>
// CHECK: %[[U2:.*]] = deepc.reshape %[[S]] : tensor<?x1x8xf32> -> tensor<?x1x8x1xf32>
// CHECK: deepc.reshape %{{.*}} : tensor<1x8x1xf32> -> tensor<8xf32>
func.func @squeeze_unsqueeze(%x: tensor<?x8xf32>, %y: tensor<1x8x1xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %a = onnx.constant dense<[0, -2]> : tensor<2xsi64>
  %0 = onnx.node "Unsqueeze" version 13 (%x, %a) : (tensor<?x8xf32>, tensor<2xsi64>) -> !onnx.unknown
  %a0 = onnx.constant dense<[0]> : tensor<1xsi64>
  %1 = onnx.node "Squeeze" version 21 (%0, %a0) : (!onnx.unknown, tensor<1xsi64>) -> !onnx.unknown
  %2 = onnx.node "Unsqueeze" version 11 (%1) {axes = [3]} : (!onnx.unknown) -> !onnx.unknown
  %3 = onnx.node "Squeeze" version 13 (%y) : (tensor<1x8x1xf32>) -> !onnx.unknown
  return %2, %3 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests Flatten at a middle axis and at 0.
// CHECK-LABEL: func.func @flatten
// CHECK: deepc.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<6x4xf32>
// CHECK: deepc.reshape %{{.*}} : tensor<2x3x4xf32> -> tensor<1x24xf32>
func.func @flatten(%x: tensor<2x3x4xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Flatten" version 13 (%x) {axis = 2 : i64} : (tensor<2x3x4xf32>) -> !onnx.unknown
  %1 = onnx.node "Flatten" version 21 (%x) {axis = 0 : i64} : (tensor<2x3x4xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests Expand to a constant shape and to a shape built from a dynamic dim
// (which needs the shape operand), and Identity.
// CHECK-LABEL: func.func @expand
// CHECK-SAME: (%[[X:.*]]: tensor<1x1x8xf32>, %[[Y:.*]]: tensor<?x8xf32>)
// CHECK: %[[E:.*]] = deepc.expand %[[X]] : tensor<1x1x8xf32> -> tensor<2x4x8xf32>
// CHECK: %[[S:.*]] = deepc.shape_of %[[Y]]
// CHECK: %[[D:.*]] = deepc.slice %[[S]] axes = [0] starts = [0] ends = [1]
// CHECK: %[[T:.*]] = deepc.concat %{{.*}}, %[[D]], %{{.*}} axis = 0
// CHECK: %[[F:.*]] = deepc.expand %[[X]] shape %[[T]] : tensor<1x1x8xf32>, tensor<3xi64> -> tensor<1x?x8xf32>
// CHECK: return %[[E]], %[[F]]
func.func @expand(%x: tensor<1x1x8xf32>, %y: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %s = onnx.constant dense<[2, 4, 1]> : tensor<3xsi64>
  %0 = onnx.node "Expand" version 13 (%x, %s) : (tensor<1x1x8xf32>, tensor<3xsi64>) -> !onnx.unknown
  %sy = onnx.node "Shape" version 13 (%y) : (tensor<?x8xf32>) -> !onnx.unknown
  %one = onnx.constant dense<[1]> : tensor<1xsi64>
  %t = onnx.node "Concat" version 13 (%one, %sy) {axis = 0 : i64} : (tensor<1xsi64>, !onnx.unknown) -> !onnx.unknown
  %1 = onnx.node "Expand" version 13 (%x, %t) : (tensor<1x1x8xf32>, !onnx.unknown) -> !onnx.unknown
  %2 = onnx.node "Identity" version 19 (%1) : (!onnx.unknown) -> !onnx.unknown
  return %0, %2 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests torch's Expand pattern: Where(Equal(shape, -1), 1, shape) folds,
// since a dim is never -1.
// CHECK-LABEL: func.func @torch_expand_pattern
// CHECK-NOT: deepc.equal
// CHECK-NOT: deepc.select
// CHECK: deepc.expand %{{.*}} shape %{{.*}} : tensor<1x8xf32>, tensor<2xi64> -> tensor<?x8xf32>
func.func @torch_expand_pattern(%x: tensor<1x8xf32>, %y: tensor<?x8xf32>) -> !onnx.unknown {
  %s = onnx.node "Shape" version 13 (%y) : (tensor<?x8xf32>) -> !onnx.unknown
  %m1 = onnx.constant dense<-1> : tensor<2xsi64>
  %ones = onnx.constant dense<1> : tensor<2xsi64>
  %eq = onnx.node "Equal" version 13 (%s, %m1) : (!onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %t = onnx.node "Where" version 16 (%eq, %ones, %s) : (!onnx.unknown, tensor<2xsi64>, !onnx.unknown) -> !onnx.unknown
  %0 = onnx.node "Expand" version 13 (%x, %t) : (tensor<1x8xf32>, !onnx.unknown) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests Range of constants (integer and float) and ConstantOfShape with a
// static shape, a default value, and a dynamic shape.
// CHECK-LABEL: func.func @range_constant_of_shape
// CHECK-DAG: deepc.constant dense<[0, 2, 4]> : tensor<3xi64>
// CHECK-DAG: deepc.constant dense<[1.000000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK-DAG: deepc.constant dense<7> : tensor<2x3xi64>
// CHECK-DAG: deepc.constant dense<0.000000e+00> : tensor<4xf32>
// CHECK-DAG: %[[ONE:.*]] = deepc.constant dense<1.000000e+00> : tensor<1x1xf32>
// CHECK: deepc.expand %[[ONE]] shape %{{.*}} : tensor<1x1xf32>, tensor<2xi64> -> tensor<?x8xf32>
func.func @range_constant_of_shape(%y: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %s = onnx.constant dense<0> : tensor<si64>
  %l = onnx.constant dense<5> : tensor<si64>
  %d = onnx.constant dense<2> : tensor<si64>
  %0 = onnx.node "Range" version 11 (%s, %l, %d) : (tensor<si64>, tensor<si64>, tensor<si64>) -> !onnx.unknown
  %fs = onnx.constant dense<1.0> : tensor<f32>
  %fl = onnx.constant dense<2.0> : tensor<f32>
  %fd = onnx.constant dense<0.5> : tensor<f32>
  %1 = onnx.node "Range" version 11 (%fs, %fl, %fd) : (tensor<f32>, tensor<f32>, tensor<f32>) -> !onnx.unknown
  %shape = onnx.constant dense<[2, 3]> : tensor<2xsi64>
  %2 = onnx.node "ConstantOfShape" version 20 (%shape) {value = dense<7> : tensor<1xsi64>} : (tensor<2xsi64>) -> !onnx.unknown
  %shape4 = onnx.constant dense<[4]> : tensor<1xsi64>
  %3 = onnx.node "ConstantOfShape" version 9 (%shape4) : (tensor<1xsi64>) -> !onnx.unknown
  %sy = onnx.node "Shape" version 13 (%y) : (tensor<?x8xf32>) -> !onnx.unknown
  %4 = onnx.node "ConstantOfShape" version 21 (%sy) {value = dense<1.0> : tensor<1xf32>} : (!onnx.unknown) -> !onnx.unknown
  return %0, %1, %2, %3, %4 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests that a -1 that no product of dims explains is computed at run time:
// numel(x) / (y.dim0 * 2), joined into the shape operand.
// CHECK-LABEL: func.func @reshape_runtime_minus_one
// CHECK-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[Y:.*]]: tensor<?x3xf32>)
// CHECK: %[[SX:.*]] = deepc.shape_of %[[X]]
// CHECK: %[[N:.*]] = deepc.reduce_prod %[[SX]] axes = [0] keep_dims
// CHECK: %[[P:.*]] = deepc.reduce_prod %{{.*}} axes = [0] keep_dims
// CHECK: %[[Q:.*]] = deepc.div %[[N]], %[[P]] : tensor<1xi64>, tensor<1xi64>
// CHECK: %[[T:.*]] = deepc.concat %{{.*}}, %[[Q]], %{{.*}} axis = 0
// CHECK: deepc.reshape %[[X]] shape %[[T]] : tensor<?x?xf32>, tensor<3xi64> -> tensor<?x?x2xf32>
func.func @reshape_runtime_minus_one(%x: tensor<?x?xf32>, %y: tensor<?x3xf32>) -> !onnx.unknown {
  %s = onnx.node "Shape" version 15 (%y) {end = 1 : i64} : (tensor<?x3xf32>) -> !onnx.unknown
  %m = onnx.constant dense<[-1, 2]> : tensor<2xsi64>
  %t = onnx.node "Concat" version 13 (%s, %m) {axis = 0 : i64} : (!onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %r = onnx.node "Reshape" version 14 (%x, %t) : (tensor<?x?xf32>, !onnx.unknown) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests Split into slices: sizes as a constant input (opset 13), as an
// attribute (opset 11), and num_outputs (opset 18), whose last chunk is
// smaller when the dim does not divide.
// CHECK-LABEL: func.func @split
// CHECK-SAME: -> (tensor<?x4xf32>, tensor<?x6xf32>, tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x2xf32>, tensor<?x3xf32>, tensor<?x7xf32>)
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [0] ends = [4] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [4] ends = [10] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [0] ends = [4] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [4] ends = [8] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [8] ends = [10] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [0] ends = [3] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [3] ends = [10] steps = [1]
// CHECK-NOT: onnx.
func.func @split(%x: tensor<?x10xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %sizes = onnx.constant dense<[4, 6]> : tensor<2xsi64>
  %0:2 = onnx.node "Split" version 13 (%x, %sizes) {axis = -1 : i64} : (tensor<?x10xf32>, tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown)
  %1:3 = onnx.node "Split" version 18 (%x) {axis = 1 : i64, num_outputs = 3 : i64} : (tensor<?x10xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown)
  %2:2 = onnx.node "Split" version 11 (%x) {axis = 1 : i64, split = [3, 7]} : (tensor<?x10xf32>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1, %1#0, %1#1, %1#2, %2#0, %2#1 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests Split without sizes before opset 18: equal parts, one per output.
// CHECK-LABEL: func.func @split_equal
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [0] ends = [4] steps = [1]
// CHECK: deepc.slice %{{.*}} axes = [1] starts = [4] ends = [8] steps = [1]
// CHECK: return {{.*}} : tensor<?x4xf32>, tensor<?x4xf32>
func.func @split_equal(%x: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %0:2 = onnx.node "Split" version 13 (%x) {axis = 1 : i64} : (tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown)
  return %0#0, %0#1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that a Split of a shape vector folds: the batch and sequence dims
// it yields still make a static reshape target.
// CHECK-LABEL: func.func @split_shape
// CHECK: %[[S:.*]] = deepc.shape_of
// CHECK: %[[BS:.*]] = deepc.slice %[[S]] axes = [0] starts = [0] ends = [2] steps = [1] : tensor<3xi64>
// CHECK: %[[T:.*]] = deepc.concat %[[BS]], %{{.*}} axis = 0
// CHECK: deepc.reshape %{{.*}} shape %[[T]] : tensor<?x?x64xf32>, tensor<4xi64> -> tensor<?x?x4x16xf32>
func.func @split_shape(%x: tensor<?x?x64xf32>) -> !onnx.unknown {
  %s = onnx.node "Shape" version 15 (%x) : (tensor<?x?x64xf32>) -> tensor<3xsi64>
  %sizes = onnx.constant dense<[2, 1]> : tensor<2xsi64>
  %p:2 = onnx.node "Split" version 13 (%s, %sizes) : (tensor<3xsi64>, tensor<2xsi64>) -> (!onnx.unknown, !onnx.unknown)
  %c = onnx.constant dense<[4, 16]> : tensor<2xsi64>
  %t = onnx.node "Concat" version 13 (%p#0, %c) {axis = 0 : i64} : (!onnx.unknown, tensor<2xsi64>) -> !onnx.unknown
  %r = onnx.node "Reshape" version 14 (%x, %t) : (tensor<?x?x64xf32>, !onnx.unknown) -> !onnx.unknown
  return %r : !onnx.unknown
}

// -----

// Tests that sums of dims are tracked: torch's packed-sequence check
// concatenates a column before the positions (a dim `seq + 1`) and slices
// it back with ends `seq` and `seq + 1`, which become constant bounds
// counted from the end, so both slices have the same dim.
// CHECK-LABEL: func.func @slice_dim_plus_constant
// CHECK: %[[CAT:.*]] = deepc.concat
// CHECK: %[[A:.*]] = deepc.slice %[[CAT]] axes = [1] starts = [0] ends = [-1] steps = [1] : tensor<1x?xi64>
// CHECK: %[[B:.*]] = deepc.slice %[[CAT]] axes = [1] starts = [1] ends = [9223372036854775807] steps = [1] : tensor<1x?xi64>
// CHECK: deepc.sub %[[B]], %[[A]] : tensor<1x?xi64>, tensor<1x?xi64>
// CHECK-NOT: onnx.
func.func @slice_dim_plus_constant(%ids: tensor<?x?xsi64>) -> tensor<?x?xsi64> {
  %zero = onnx.constant dense<0> : tensor<si64>
  %one = onnx.constant dense<1> : tensor<si64>
  %ax0 = onnx.constant dense<0> : tensor<1xsi64>
  %ax1 = onnx.constant dense<1> : tensor<1xsi64>
  %last = onnx.constant dense<-1> : tensor<1xsi64>
  %seq1 = onnx.node "Shape" version 18 (%ids) {end = 2 : i64, start = 1 : i64} : (tensor<?x?xsi64>) -> tensor<1xsi64>
  %seq = onnx.node "Squeeze" version 18 (%seq1) : (tensor<1xsi64>) -> tensor<si64>
  %pos = onnx.node "Range" version 18 (%zero, %seq, %one) : (tensor<si64>, tensor<si64>, tensor<si64>) -> tensor<?xsi64>
  %pos2 = onnx.node "Unsqueeze" version 18 (%pos, %ax0) : (tensor<?xsi64>, tensor<1xsi64>) -> tensor<1x?xsi64>
  %first = onnx.node "Slice" version 18 (%pos2, %ax0, %ax1, %ax1, %ax1) : (tensor<1x?xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<1x1xsi64>
  %cat = onnx.node "Concat" version 18 (%first, %pos2) {axis = -1 : i64} : (tensor<1x1xsi64>, tensor<1x?xsi64>) -> tensor<1x?xsi64>
  %seqp1 = onnx.node "Add" version 18 (%one, %seq) : (tensor<si64>, tensor<si64>) -> tensor<si64>
  %end = onnx.node "Reshape" version 18 (%seqp1, %last) : (tensor<si64>, tensor<1xsi64>) -> tensor<1xsi64>
  %a = onnx.node "Slice" version 18 (%cat, %ax0, %seq1, %last, %ax1) : (tensor<1x?xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<1x?xsi64>
  %b = onnx.node "Slice" version 18 (%cat, %ax1, %end, %last, %ax1) : (tensor<1x?xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<1x?xsi64>
  %d = onnx.node "Sub" version 18 (%b, %a) : (tensor<1x?xsi64>, tensor<1x?xsi64>) -> tensor<1x?xsi64>
  %e = onnx.node "Add" version 18 (%d, %ids) : (tensor<1x?xsi64>, tensor<?x?xsi64>) -> tensor<?x?xsi64>
  return %e : tensor<?x?xsi64>
}

// -----

// Tests that a static dim the model declares where deepc infers a dynamic
// one (x[:, :1] of a dynamic dim is min(1, dim)) refines the type.
// CHECK-LABEL: func.func @refine_to_declared
// CHECK: %[[S:.*]] = deepc.slice %{{.*}} axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x?xf32>
// CHECK: %[[R:.*]] = deepc.reshape %[[S]] : tensor<?x?xf32> -> tensor<?x1xf32>
// CHECK: return %[[R]]
func.func @refine_to_declared(%x: tensor<?x?xf32>) -> tensor<?x1xf32> {
  %ax0 = onnx.constant dense<0> : tensor<1xsi64>
  %ax1 = onnx.constant dense<1> : tensor<1xsi64>
  %0 = onnx.node "Slice" version 13 (%x, %ax0, %ax1, %ax1) : (tensor<?x?xf32>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// -----

// Tests a Slice whose end is a dim of another tensor (BERT's
// token_type_ids[:, :seq] of a static table): a gather of
// range(0, min(seq, 256)); and an Expand where both the input dim and the
// target are dynamic, whose extents are chosen at run time.
// CHECK-LABEL: func.func @slice_to_dynamic_end
// CHECK-SAME: (%[[T:.*]]: tensor<1x256xi64>, %[[IDS:.*]]: tensor<?x?xi64>)
// CHECK: %[[SEQ:.*]] = deepc.reshape %{{.*}} : tensor<1xi64> -> tensor<i64>
// CHECK: %[[END:.*]] = deepc.min %[[SEQ]], %{{.*}} : tensor<i64>, tensor<i64>
// CHECK: %[[R:.*]] = deepc.range %{{.*}}, %[[END]], %{{.*}} : tensor<i64> -> tensor<?xi64>
// CHECK: %[[G:.*]] = deepc.gather %[[T]][%[[R]]] axis = 1 : tensor<1x256xi64>, tensor<?xi64>
// CHECK: %[[ONE:.*]] = deepc.equal %[[TARGET:.*]], %{{.*}} : tensor<2xi64>, tensor<1xi64>
// CHECK: %[[SHAPE:.*]] = deepc.select %[[ONE]], %{{.*}}, %[[TARGET]]
// CHECK: deepc.expand %[[G]] shape %[[SHAPE]] : tensor<1x?xi64>, tensor<2xi64> -> tensor<?x?xi64>
func.func @slice_to_dynamic_end(%table: tensor<1x256xsi64>, %ids: tensor<?x?xsi64>) -> !onnx.unknown {
  %ax0 = onnx.constant dense<0> : tensor<1xsi64>
  %ax1 = onnx.constant dense<1> : tensor<1xsi64>
  %seq = onnx.node "Shape" version 18 (%ids) {end = 2 : i64, start = 1 : i64} : (tensor<?x?xsi64>) -> tensor<1xsi64>
  %0 = onnx.node "Slice" version 18 (%table, %ax0, %seq, %ax1, %ax1) : (tensor<1x256xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>, tensor<1xsi64>) -> tensor<1x?xsi64>
  %shape = onnx.node "Shape" version 18 (%ids) : (tensor<?x?xsi64>) -> tensor<2xsi64>
  %1 = onnx.node "Expand" version 18 (%0, %shape) : (tensor<1x?xsi64>, tensor<2xsi64>) -> !onnx.unknown
  return %1 : !onnx.unknown
}
