// RUN: deepc-opt %s -split-input-file -canonicalize | FileCheck %s

// Tests that adding, subtracting a zero splat, and multiplying or dividing
// by a one splat, forward the other operand.
// CHECK-LABEL: func.func @identities
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
// CHECK-NOT: deepc.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @identities(%x: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) {
  %zero = deepc.constant dense<0.0> : tensor<f32>
  %one = deepc.constant dense<1.0> : tensor<1x64xf32>
  %0 = deepc.add %x, %zero : tensor<?x64xf32>, tensor<f32>
  %1 = deepc.sub %x, %zero : tensor<?x64xf32>, tensor<f32>
  %2 = deepc.mul %x, %one : tensor<?x64xf32>, tensor<1x64xf32>
  %3 = deepc.div %x, %one : tensor<?x64xf32>, tensor<1x64xf32>
  %4 = deepc.pow %x, %one : tensor<?x64xf32>, tensor<1x64xf32>
  return %0, %1, %2, %3, %4 : tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
}

// -----

// Tests that a commutative op with the constant on the left still folds.
// CHECK-LABEL: func.func @zero_on_the_left
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @zero_on_the_left(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = deepc.constant dense<0.0> : tensor<4xf32>
  %0 = deepc.add %zero, %x : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests that an identity that would change the result type is kept:
// x + 0 with a broadcast to a bigger shape is not x.
// CHECK-LABEL: func.func @identity_that_broadcasts
// CHECK: %[[R:.*]] = deepc.add
// CHECK: return %[[R]]
func.func @identity_that_broadcasts(%x: tensor<64xf32>) -> tensor<4x64xf32> {
  %zero = deepc.constant dense<0.0> : tensor<4x64xf32>
  %0 = deepc.add %x, %zero : tensor<64xf32>, tensor<4x64xf32>
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that x * 0 is not folded for floats (NaN * 0 is NaN).
// CHECK-LABEL: func.func @no_mul_by_zero
// CHECK: deepc.mul
func.func @no_mul_by_zero(%x: tensor<4xf32>) -> tensor<4xf32> {
  %zero = deepc.constant dense<0.0> : tensor<4xf32>
  %0 = deepc.mul %x, %zero : tensor<4xf32>, tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Tests constant folding of arithmetic on splats and dense constants.
// CHECK-LABEL: func.func @constant_arith
// CHECK-DAG: %[[A:.*]] = deepc.constant dense<5.000000e+00> : tensor<2x2xf32>
// CHECK-DAG: %[[B:.*]] = deepc.constant dense<[4, 10, 18]> : tensor<3xi64>
// CHECK-DAG: %[[C:.*]] = deepc.constant dense<-3> : tensor<3xi64>
// CHECK-DAG: %[[D:.*]] = deepc.constant dense<2.500000e+00> : tensor<2xf32>
// CHECK-DAG: %[[E:.*]] = deepc.constant dense<[4, 5, 6]> : tensor<3xi64>
// CHECK-DAG: %[[F:.*]] = deepc.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-NOT: deepc.add
// CHECK-NOT: deepc.mul
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]], %[[E]], %[[F]]
func.func @constant_arith() -> (tensor<2x2xf32>, tensor<3xi64>, tensor<3xi64>, tensor<2xf32>, tensor<3xi64>, tensor<3xi64>) {
  %a = deepc.constant dense<2.0> : tensor<2x2xf32>
  %b = deepc.constant dense<3.0> : tensor<2x2xf32>
  %0 = deepc.add %a, %b : tensor<2x2xf32>, tensor<2x2xf32>
  %i = deepc.constant dense<[1, 2, 3]> : tensor<3xi64>
  %j = deepc.constant dense<[4, 5, 6]> : tensor<3xi64>
  %1 = deepc.mul %i, %j : tensor<3xi64>, tensor<3xi64>
  %2 = deepc.sub %i, %j : tensor<3xi64>, tensor<3xi64>
  %p = deepc.constant dense<5.0> : tensor<2xf32>
  %q = deepc.constant dense<2.0> : tensor<2xf32>
  %3 = deepc.div %p, %q : tensor<2xf32>, tensor<2xf32>
  %4 = deepc.max %i, %j : tensor<3xi64>, tensor<3xi64>
  %5 = deepc.min %i, %j : tensor<3xi64>, tensor<3xi64>
  return %0, %1, %2, %3, %4, %5 : tensor<2x2xf32>, tensor<3xi64>, tensor<3xi64>, tensor<2xf32>, tensor<3xi64>, tensor<3xi64>
}

// -----

// Tests that integer division by zero is left for run time, not folded.
// CHECK-LABEL: func.func @no_fold_int_div_by_zero
// CHECK: deepc.div
func.func @no_fold_int_div_by_zero() -> tensor<2xi32> {
  %a = deepc.constant dense<[7, 8]> : tensor<2xi32>
  %b = deepc.constant dense<[1, 0]> : tensor<2xi32>
  %0 = deepc.div %a, %b : tensor<2xi32>, tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

// Tests that mod folds constants with both sign conventions: floor-mod
// takes the divisor's sign, fmod the dividend's, MIN mod -1 is 0, and an
// integer modulo by zero is left for run time.
// CHECK-LABEL: func.func @fold_mod
// CHECK-DAG: deepc.constant dense<[2, -2, -1, 1, 0]> : tensor<5xi32>
// CHECK-DAG: deepc.constant dense<[-1, 1, -1, 1, 0]> : tensor<5xi32>
// CHECK-DAG: deepc.constant dense<[-1.500000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK: %[[ZERO:.*]] = deepc.mod
// CHECK: return {{.*}}, %[[ZERO]]
func.func @fold_mod() -> (tensor<5xi32>, tensor<5xi32>, tensor<2xf32>, tensor<2xi32>) {
  %a = deepc.constant dense<[-7, 7, -7, 7, -2147483648]> : tensor<5xi32>
  %b = deepc.constant dense<[3, -3, -3, 3, -1]> : tensor<5xi32>
  %0 = deepc.mod %a, %b : tensor<5xi32>, tensor<5xi32>
  %1 = deepc.mod %a, %b fmod = true : tensor<5xi32>, tensor<5xi32>
  %x = deepc.constant dense<[-5.5, 5.5]> : tensor<2xf32>
  %y = deepc.constant dense<[2.0, -2.0]> : tensor<2xf32>
  %2 = deepc.mod %x, %y fmod = true : tensor<2xf32>, tensor<2xf32>
  %p = deepc.constant dense<[7, 8]> : tensor<2xi32>
  %q = deepc.constant dense<[2, 0]> : tensor<2xi32>
  %3 = deepc.mod %p, %q : tensor<2xi32>, tensor<2xi32>
  return %0, %1, %2, %3 : tensor<5xi32>, tensor<5xi32>, tensor<2xf32>, tensor<2xi32>
}

// -----

// Tests involutions and idempotent unary ops.
// CHECK-LABEL: func.func @unary_folds
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xi1>)
// CHECK: %[[ABS:.*]] = deepc.abs %[[X]]
// CHECK: %[[RELU:.*]] = deepc.relu %[[X]]
// CHECK-NOT: deepc.
// CHECK: return %[[X]], %[[B]], %[[ABS]], %[[RELU]]
func.func @unary_folds(%x: tensor<4xf32>, %b: tensor<4xi1>) -> (tensor<4xf32>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>) {
  %0 = deepc.neg %x : tensor<4xf32>
  %1 = deepc.neg %0 : tensor<4xf32>
  %2 = deepc.not %b : tensor<4xi1>
  %3 = deepc.not %2 : tensor<4xi1>
  %4 = deepc.abs %x : tensor<4xf32>
  %5 = deepc.abs %4 : tensor<4xf32>
  %6 = deepc.relu %x : tensor<4xf32>
  %7 = deepc.relu %6 : tensor<4xf32>
  return %1, %3, %5, %7 : tensor<4xf32>, tensor<4xi1>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that negating a splat constant folds.
// CHECK-LABEL: func.func @neg_constant
// CHECK: %[[C:.*]] = deepc.constant dense<-2.000000e+00> : tensor<3xf32>
// CHECK: return %[[C]]
func.func @neg_constant() -> tensor<3xf32> {
  %c = deepc.constant dense<2.0> : tensor<3xf32>
  %0 = deepc.neg %c : tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Tests that select with a constant condition or equal branches picks a
// branch.
// CHECK-LABEL: func.func @select_folds
// CHECK-SAME: (%[[C:.*]]: tensor<4xi1>, %[[A:.*]]: tensor<4xf32>, %[[B:.*]]: tensor<4xf32>)
// CHECK-NOT: deepc.select
// CHECK: return %[[A]], %[[B]], %[[A]]
func.func @select_folds(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %t = deepc.constant dense<true> : tensor<i1>
  %f = deepc.constant dense<false> : tensor<4xi1>
  %0 = deepc.select %t, %a, %b : tensor<i1>, tensor<4xf32>, tensor<4xf32>
  %1 = deepc.select %f, %a, %b : tensor<4xi1>, tensor<4xf32>, tensor<4xf32>
  %2 = deepc.select %c, %a, %a : tensor<4xi1>, tensor<4xf32>, tensor<4xf32>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a matmul absorbs a transpose of the last two dimensions of
// either operand into its transpose flags.
// CHECK-LABEL: func.func @matmul_absorbs_transpose
// CHECK-SAME: (%[[X:.*]]: tensor<2x8x16xf32>, %[[W:.*]]: tensor<2x32x16xf32>, %[[A:.*]]: tensor<2x16x8xf32>)
// CHECK-NOT: deepc.transpose
// CHECK: %[[R0:.*]] = deepc.matmul %[[X]], %[[W]] transpose_rhs : tensor<2x8x16xf32>, tensor<2x32x16xf32>
// CHECK: %[[R1:.*]] = deepc.matmul %[[A]], %[[W]] transpose_lhs transpose_rhs : tensor<2x16x8xf32>, tensor<2x32x16xf32>
// CHECK: return %[[R0]], %[[R1]]
func.func @matmul_absorbs_transpose(%x: tensor<2x8x16xf32>, %w: tensor<2x32x16xf32>, %a: tensor<2x16x8xf32>)
    -> (tensor<2x8x32xf32>, tensor<2x8x32xf32>) {
  %wt = deepc.transpose %w [0, 2, 1] : tensor<2x32x16xf32>
  %0 = deepc.matmul %x, %wt : tensor<2x8x16xf32>, tensor<2x16x32xf32>
  %at = deepc.transpose %a [0, 2, 1] : tensor<2x16x8xf32>
  %1 = deepc.matmul %at, %wt : tensor<2x8x16xf32>, tensor<2x16x32xf32>
  return %0, %1 : tensor<2x8x32xf32>, tensor<2x8x32xf32>
}

// -----

// Tests that a transpose that also moves batch dimensions stays a transpose.
// CHECK-LABEL: func.func @matmul_keeps_batch_transpose
// CHECK: deepc.transpose
// CHECK: deepc.matmul
func.func @matmul_keeps_batch_transpose(%x: tensor<8x2x16xf32>, %w: tensor<2x16x4xf32>) -> tensor<2x8x4xf32> {
  %xt = deepc.transpose %x [1, 0, 2] : tensor<8x2x16xf32>
  %0 = deepc.matmul %xt, %w : tensor<2x8x16xf32>, tensor<2x16x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

// Tests transpose folds: identity, composition and splats.
// CHECK-LABEL: func.func @transpose_folds
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>)
// CHECK: %[[C:.*]] = deepc.constant dense<1.000000e+00> : tensor<4x2xf32>
// CHECK: %[[T:.*]] = deepc.transpose %[[X]] [2, 0, 1] : tensor<2x3x4xf32>
// CHECK: return %[[X]], %[[X]], %[[T]], %[[C]]
func.func @transpose_folds(%x: tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<4x2xf32>) {
  %0 = deepc.transpose %x [0, 1, 2] : tensor<2x3x4xf32>
  %1 = deepc.transpose %x [1, 0, 2] : tensor<2x3x4xf32>
  %2 = deepc.transpose %1 [1, 0, 2] : tensor<3x2x4xf32>
  // x[2,0,1] via [1,0,2] then [2,1,0]: result[i] = x[[1,0,2][[2,1,0][i]]].
  %3 = deepc.transpose %1 [2, 1, 0] : tensor<3x2x4xf32>
  %c = deepc.constant dense<1.0> : tensor<2x4xf32>
  %4 = deepc.transpose %c [1, 0] : tensor<2x4xf32>
  return %0, %2, %3, %4 : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<4x2x3xf32>, tensor<4x2xf32>
}

// -----

// Tests reshape folds: same type, chains, and constants.
// CHECK-LABEL: func.func @reshape_folds
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.constant dense<{{\[}}[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi64>
// CHECK-DAG: %[[R:.*]] = deepc.reshape %[[X]] : tensor<?x64xf32> -> tensor<?x4x16xf32>
// CHECK: return %[[X]], %[[R]], %[[C]]
func.func @reshape_folds(%x: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x4x16xf32>, tensor<2x3xi64>) {
  %0 = deepc.reshape %x : tensor<?x64xf32> -> tensor<?x64xf32>
  %1 = deepc.reshape %x : tensor<?x64xf32> -> tensor<?x8x8xf32>
  %2 = deepc.reshape %1 : tensor<?x8x8xf32> -> tensor<?x4x16xf32>
  %c = deepc.constant dense<[1, 2, 3, 4, 5, 6]> : tensor<6xi64>
  %3 = deepc.reshape %c : tensor<6xi64> -> tensor<2x3xi64>
  return %0, %2, %3 : tensor<?x64xf32>, tensor<?x4x16xf32>, tensor<2x3xi64>
}

// -----

// Tests that trivial reductions, concats, slices and expands fold away.
// CHECK-LABEL: func.func @trivial_data_ops
// CHECK-SAME: (%[[X:.*]]: tensor<4x1x8xf32>)
// CHECK-DAG: %[[S:.*]] = deepc.constant dense<3.000000e+00> : tensor<2x4xf32>
// CHECK-NOT: deepc.reduce
// CHECK-NOT: deepc.concat
// CHECK-NOT: deepc.slice
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[S]]
func.func @trivial_data_ops(%x: tensor<4x1x8xf32>) -> (tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<2x4xf32>) {
  %0 = deepc.reduce_sum %x axes = [1] keep_dims : tensor<4x1x8xf32>
  %1 = deepc.concat %x axis = 0 : tensor<4x1x8xf32>
  %2 = deepc.slice %x axes = [0, 2] starts = [0, 0] ends = [4, 9223372036854775807] steps = [1, 1] : tensor<4x1x8xf32>
  %3 = deepc.expand %x : tensor<4x1x8xf32> -> tensor<4x1x8xf32>
  %c = deepc.constant dense<3.0> : tensor<1x4xf32>
  %4 = deepc.expand %c : tensor<1x4xf32> -> tensor<2x4xf32>
  return %0, %1, %2, %3, %4 : tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<4x1x8xf32>, tensor<2x4xf32>
}

// -----

// Tests that an expand with a shape operand stays even when its types
// match: a dynamic input dim may be 1 and broadcast to the shape's extent.
// CHECK-LABEL: func.func @expand_dynamic_broadcast
// CHECK: %[[E:.*]] = deepc.expand %{{.*}} shape %{{.*}}
// CHECK: return %[[E]]
func.func @expand_dynamic_broadcast(%x: tensor<?x?xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = deepc.expand %x shape %s : tensor<?x?xf32>, tensor<2xi64> -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that a slice which drops elements stays.
// CHECK-LABEL: func.func @real_slice
// CHECK: deepc.slice
func.func @real_slice(%x: tensor<4x8xf32>) -> tensor<4x7xf32> {
  %0 = deepc.slice %x axes = [1] starts = [1] ends = [8] steps = [1] : tensor<4x8xf32>
  return %0 : tensor<4x7xf32>
}

// -----

// Tests that softmax over a dimension of one is one.
// CHECK-LABEL: func.func @softmax_of_one
// CHECK: %[[C:.*]] = deepc.constant dense<1.000000e+00> : tensor<4x1xf32>
// CHECK: return %[[C]]
func.func @softmax_of_one(%x: tensor<4x1xf32>) -> tensor<4x1xf32> {
  %0 = deepc.softmax %x axis = -1 : tensor<4x1xf32>
  return %0 : tensor<4x1xf32>
}

// -----

// Tests casts: to the same type folds, a lossless round trip folds, a lossy
// one stays, and splat constants convert.
// CHECK-LABEL: func.func @cast_folds
// CHECK-SAME: (%[[H:.*]]: tensor<4xbf16>, %[[F:.*]]: tensor<4xf32>)
// CHECK-DAG: %[[C:.*]] = deepc.constant dense<1.500000e+00> : tensor<4xf16>
// CHECK-DAG: %[[DOWN:.*]] = deepc.cast %[[F]] : tensor<4xf32> to tensor<4xbf16>
// CHECK-DAG: %[[UP:.*]] = deepc.cast %[[DOWN]] : tensor<4xbf16> to tensor<4xf32>
// CHECK: return %[[H]], %[[H]], %[[UP]], %[[C]]
func.func @cast_folds(%h: tensor<4xbf16>, %f: tensor<4xf32>) -> (tensor<4xbf16>, tensor<4xbf16>, tensor<4xf32>, tensor<4xf16>) {
  %0 = deepc.cast %h : tensor<4xbf16> to tensor<4xbf16>
  %1 = deepc.cast %h : tensor<4xbf16> to tensor<4xf32>
  %2 = deepc.cast %1 : tensor<4xf32> to tensor<4xbf16>
  %3 = deepc.cast %f : tensor<4xf32> to tensor<4xbf16>
  %4 = deepc.cast %3 : tensor<4xbf16> to tensor<4xf32>
  %c = deepc.constant dense<1.5> : tensor<4xf32>
  %5 = deepc.cast %c : tensor<4xf32> to tensor<4xf16>
  return %0, %2, %4, %5 : tensor<4xbf16>, tensor<4xbf16>, tensor<4xf32>, tensor<4xf16>
}

// -----

// Tests that an integer round trip through a narrower type is kept.
// CHECK-LABEL: func.func @cast_narrowing_round_trip
// CHECK: deepc.cast
// CHECK: deepc.cast
func.func @cast_narrowing_round_trip(%x: tensor<4xi32>) -> tensor<4xi32> {
  %0 = deepc.cast %x : tensor<4xi32> to tensor<4xi8>
  %1 = deepc.cast %0 : tensor<4xi8> to tensor<4xi32>
  return %1 : tensor<4xi32>
}

// -----

// Tests that unused pure ops are erased but collectives, which all ranks
// must reach, stay.
// CHECK-LABEL: func.func @dead_code
// CHECK-NOT: deepc.exp
// CHECK: deepc.all_reduce
func.func @dead_code(%x: tensor<4xf32>) {
  %0 = deepc.exp %x : tensor<4xf32>
  %1 = deepc.all_reduce %x group_size = 2 : tensor<4xf32>
  return
}

// -----

// Tests that shape_of of a static shape folds to a constant and of a
// dynamic one stays.
// CHECK-LABEL: func.func @shape_of
// CHECK-DAG: %[[C:.*]] = deepc.constant dense<[2, 3]> : tensor<2xi64>
// CHECK-DAG: %[[S:.*]] = deepc.shape_of %{{.*}} : tensor<?x3xf32>
// CHECK: return %[[C]], %[[S]]
func.func @shape_of(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> (tensor<2xi64>, tensor<2xi64>) {
  %0 = deepc.shape_of %x : tensor<2x3xf32>
  %1 = deepc.shape_of %y : tensor<?x3xf32>
  return %0, %1 : tensor<2xi64>, tensor<2xi64>
}

// -----

// Tests that topk along an axis of size 1 is the input with zero indices.
// CHECK-LABEL: func.func @topk_single
// CHECK-SAME: (%[[X:.*]]: tensor<4x1xf32>)
// CHECK: %[[Z:.*]] = deepc.constant dense<0> : tensor<4x1xi64>
// CHECK-NEXT: return %[[X]], %[[Z]]
func.func @topk_single(%x: tensor<4x1xf32>) -> (tensor<4x1xf32>, tensor<4x1xi64>) {
  %v, %i = deepc.topk %x k = 1 axis = 1 : tensor<4x1xf32>
  return %v, %i : tensor<4x1xf32>, tensor<4x1xi64>
}

// -----

// Tests that cumsum along an axis of size 1 is the input, or zeros when
// exclusive.
// CHECK-LABEL: func.func @cumsum_single
// CHECK-SAME: (%[[X:.*]]: tensor<4x1xi64>)
// CHECK: %[[Z:.*]] = deepc.constant dense<0> : tensor<4x1xi64>
// CHECK-NEXT: return %[[X]], %[[Z]]
func.func @cumsum_single(%x: tensor<4x1xi64>) -> (tensor<4x1xi64>, tensor<4x1xi64>) {
  %0 = deepc.cumsum %x axis = 1 : tensor<4x1xi64>
  %1 = deepc.cumsum %x axis = -1 exclusive : tensor<4x1xi64>
  return %0, %1 : tensor<4x1xi64>, tensor<4x1xi64>
}

// -----

// Tests that trilu keeping every element, or of zeros, folds away, and that
// one that zeroes some elements stays.
// CHECK-LABEL: func.func @trilu_whole
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK: %[[T:.*]] = deepc.trilu %[[X]] : tensor<4x8xf32>
// CHECK: return %[[X]], %[[X]], %[[T]], %{{.*}}
func.func @trilu_whole(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = deepc.constant dense<0.0> : tensor<4x8xf32>
  %0 = deepc.trilu %x k = -3 : tensor<4x8xf32>
  %1 = deepc.trilu %x lower k = 7 : tensor<4x8xf32>
  %2 = deepc.trilu %x : tensor<4x8xf32>
  %3 = deepc.trilu %zero : tensor<4x8xf32>
  return %0, %1, %2, %3 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Tests that a range with constant bounds and a static length folds.
// CHECK-LABEL: func.func @range_constant
// CHECK: %[[R:.*]] = deepc.constant dense<[1, 3, 5]> : tensor<3xi64>
// CHECK: %[[F:.*]] = deepc.constant dense<[2.000000e+00, 1.500000e+00]> : tensor<2xf32>
// CHECK-NOT: deepc.range
// CHECK: return %[[R]], %[[F]]
func.func @range_constant() -> (tensor<3xi64>, tensor<2xf32>) {
  %a = deepc.constant dense<1> : tensor<i64>
  %b = deepc.constant dense<6> : tensor<i64>
  %c = deepc.constant dense<2> : tensor<i64>
  %0 = deepc.range %a, %b, %c : tensor<i64> -> tensor<3xi64>
  %fa = deepc.constant dense<2.0> : tensor<f32>
  %fb = deepc.constant dense<1.0> : tensor<f32>
  %fc = deepc.constant dense<-0.5> : tensor<f32>
  %1 = deepc.range %fa, %fb, %fc : tensor<f32> -> tensor<2xf32>
  return %0, %1 : tensor<3xi64>, tensor<2xf32>
}
