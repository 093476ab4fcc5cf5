// RUN: deepc-opt %s | FileCheck %s
// RUN: deepc-opt %s | deepc-opt | FileCheck %s
// RUN: deepc-opt %s -mlir-print-op-generic | deepc-opt | FileCheck %s

// Tests that constants keep their value and type, dense and splat.
// CHECK-LABEL: func.func @constants
func.func @constants() -> (tensor<2xf32>, tensor<2x2xbf16>, tensor<3xi64>, tensor<i1>) {
  // CHECK: deepc.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
  %0 = deepc.constant dense<[1.0, 2.0]> : tensor<2xf32>
  // CHECK: deepc.constant dense<5.000000e-01> : tensor<2x2xbf16>
  %1 = deepc.constant dense<0.5> : tensor<2x2xbf16>
  // CHECK: deepc.constant dense<[1, 2, 3]> : tensor<3xi64>
  %2 = deepc.constant dense<[1, 2, 3]> : tensor<3xi64>
  // CHECK: deepc.constant dense<true> : tensor<i1>
  %3 = deepc.constant dense<true> : tensor<i1>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2x2xbf16>, tensor<3xi64>, tensor<i1>
}

// Tests that every unary op prints with its single type.
// CHECK-LABEL: func.func @unary
func.func @unary(%x: tensor<?x64xf32>, %i: tensor<4xi32>, %b: tensor<4xi1>) {
  // CHECK: deepc.neg %{{.*}} : tensor<?x64xf32>
  %0 = deepc.neg %x : tensor<?x64xf32>
  // CHECK: deepc.neg %{{.*}} : tensor<4xi32>
  %1 = deepc.neg %i : tensor<4xi32>
  // CHECK: deepc.abs
  %2 = deepc.abs %x : tensor<?x64xf32>
  // CHECK: deepc.exp
  %3 = deepc.exp %x : tensor<?x64xf32>
  // CHECK: deepc.log
  %4 = deepc.log %x : tensor<?x64xf32>
  // CHECK: deepc.sqrt
  %5 = deepc.sqrt %x : tensor<?x64xf32>
  // CHECK: deepc.rsqrt
  %6 = deepc.rsqrt %x : tensor<?x64xf32>
  // CHECK: deepc.reciprocal
  %7 = deepc.reciprocal %x : tensor<?x64xf32>
  // CHECK: deepc.tanh
  %8 = deepc.tanh %x : tensor<?x64xf32>
  // CHECK: deepc.sigmoid
  %9 = deepc.sigmoid %x : tensor<?x64xf32>
  // CHECK: deepc.silu
  %10 = deepc.silu %x : tensor<?x64xf32>
  // CHECK: deepc.relu %{{.*}} : tensor<4xi32>
  %11 = deepc.relu %i : tensor<4xi32>
  // CHECK: deepc.erf
  %12 = deepc.erf %x : tensor<?x64xf32>
  // CHECK: deepc.sin
  %13 = deepc.sin %x : tensor<?x64xf32>
  // CHECK: deepc.cos
  %14 = deepc.cos %x : tensor<?x64xf32>
  // CHECK: deepc.floor
  %15 = deepc.floor %x : tensor<?x64xf32>
  // CHECK: deepc.ceil
  %16 = deepc.ceil %x : tensor<?x64xf32>
  // CHECK: deepc.not %{{.*}} : tensor<4xi1>
  %17 = deepc.not %b : tensor<4xi1>
  // CHECK: deepc.gelu %{{.*}} : tensor<?x64xf32>
  %18 = deepc.gelu %x : tensor<?x64xf32>
  // CHECK: deepc.gelu %{{.*}} approximation = <tanh> : tensor<?x64xf32>
  %19 = deepc.gelu %x approximation = <tanh> : tensor<?x64xf32>
  return
}

// Tests that binary ops infer numpy-broadcast result types, including
// dynamic dimensions and the i1 results of comparisons.
// CHECK-LABEL: func.func @binary
func.func @binary(%a: tensor<?x1x64xf32>, %b: tensor<4x64xf32>, %s: tensor<f32>,
                  %i: tensor<3xi64>, %p: tensor<3xi1>, %q: tensor<1xi1>)
    -> (tensor<?x4x64xf32>, tensor<4x64xf32>, tensor<?x4x64xi1>, tensor<3xi1>) {
  // CHECK: %[[ADD:.*]] = deepc.add %{{.*}}, %{{.*}} : tensor<?x1x64xf32>, tensor<4x64xf32>
  %0 = deepc.add %a, %b : tensor<?x1x64xf32>, tensor<4x64xf32>
  // CHECK: deepc.sub %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<f32>
  %1 = deepc.sub %b, %s : tensor<4x64xf32>, tensor<f32>
  // CHECK: deepc.mul
  %2 = deepc.mul %b, %s : tensor<4x64xf32>, tensor<f32>
  // CHECK: deepc.div
  %3 = deepc.div %b, %s : tensor<4x64xf32>, tensor<f32>
  // CHECK: deepc.pow
  %4 = deepc.pow %b, %s : tensor<4x64xf32>, tensor<f32>
  // CHECK: deepc.max
  %5 = deepc.max %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.min
  %6 = deepc.min %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.equal
  %7 = deepc.equal %a, %b : tensor<?x1x64xf32>, tensor<4x64xf32>
  // CHECK: deepc.less
  %8 = deepc.less %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.less_equal
  %9 = deepc.less_equal %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.greater
  %10 = deepc.greater %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.greater_equal
  %11 = deepc.greater_equal %i, %i : tensor<3xi64>, tensor<3xi64>
  // CHECK: deepc.and
  %12 = deepc.and %p, %q : tensor<3xi1>, tensor<1xi1>
  // CHECK: deepc.or
  %13 = deepc.or %p, %q : tensor<3xi1>, tensor<1xi1>
  // CHECK: deepc.xor
  %14 = deepc.xor %p, %q : tensor<3xi1>, tensor<1xi1>
  // CHECK: return %[[ADD]]
  return %0, %1, %7, %14 : tensor<?x4x64xf32>, tensor<4x64xf32>, tensor<?x4x64xi1>, tensor<3xi1>
}

// Tests that mod prints fmod only when it is set, and broadcasts.
// CHECK-LABEL: func.func @mod
func.func @mod(%i: tensor<2x3xi32>, %j: tensor<3xi32>, %x: tensor<?x4xf16>, %y: tensor<f16>)
    -> (tensor<2x3xi32>, tensor<2x3xi32>, tensor<?x4xf16>) {
  // CHECK: deepc.mod %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<3xi32>
  %0 = deepc.mod %i, %j : tensor<2x3xi32>, tensor<3xi32>
  // CHECK: deepc.mod %{{.*}}, %{{.*}} fmod = true : tensor<2x3xi32>, tensor<3xi32>
  %1 = deepc.mod %i, %j fmod = true : tensor<2x3xi32>, tensor<3xi32>
  // CHECK: deepc.mod %{{.*}}, %{{.*}} fmod = true : tensor<?x4xf16>, tensor<f16>
  %2 = deepc.mod %x, %y fmod = true : tensor<?x4xf16>, tensor<f16>
  return %0, %1, %2 : tensor<2x3xi32>, tensor<2x3xi32>, tensor<?x4xf16>
}

// Tests that select broadcasts all three operands.
// CHECK-LABEL: func.func @select
func.func @select(%c: tensor<1x1x8x8xi1>, %a: tensor<2x4x8x8xf32>, %b: tensor<f32>) -> tensor<2x4x8x8xf32> {
  // CHECK: deepc.select %{{.*}}, %{{.*}}, %{{.*}} : tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>
  %0 = deepc.select %c, %a, %b : tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>
  return %0 : tensor<2x4x8x8xf32>
}

// Tests matmul forms: plain, batched with a broadcast weight, and both
// transpose flags.
// CHECK-LABEL: func.func @matmul
func.func @matmul(%x: tensor<?x64xf32>, %w: tensor<64x256xf32>, %wt: tensor<256x64xf32>,
                  %b: tensor<2x?x8x16xbf16>, %c: tensor<16x8xbf16>)
    -> (tensor<?x256xf32>, tensor<?x256xf32>, tensor<2x?x8x8xbf16>, tensor<2x?x16x16xbf16>) {
  // CHECK: deepc.matmul %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<64x256xf32>
  %0 = deepc.matmul %x, %w : tensor<?x64xf32>, tensor<64x256xf32>
  // CHECK: deepc.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<?x64xf32>, tensor<256x64xf32>
  %1 = deepc.matmul %x, %wt transpose_rhs : tensor<?x64xf32>, tensor<256x64xf32>
  // CHECK: deepc.matmul %{{.*}}, %{{.*}} : tensor<2x?x8x16xbf16>, tensor<16x8xbf16>
  %2 = deepc.matmul %b, %c : tensor<2x?x8x16xbf16>, tensor<16x8xbf16>
  // CHECK: deepc.matmul %{{.*}}, %{{.*}} transpose_lhs transpose_rhs : tensor<2x?x8x16xbf16>, tensor<16x8xbf16>
  %3 = deepc.matmul %b, %c transpose_lhs transpose_rhs : tensor<2x?x8x16xbf16>, tensor<16x8xbf16>
  return %0, %1, %2, %3 : tensor<?x256xf32>, tensor<?x256xf32>, tensor<2x?x8x8xbf16>, tensor<2x?x16x16xbf16>
}

// Tests reductions with and without keep_dims, argmax and softmax.
// CHECK-LABEL: func.func @reductions
func.func @reductions(%x: tensor<2x?x64xf32>) -> (tensor<2x?x1xf32>, tensor<?xf32>, tensor<2x?xi64>) {
  // CHECK: deepc.reduce_sum %{{.*}} axes = [-1] keep_dims : tensor<2x?x64xf32>
  %0 = deepc.reduce_sum %x axes = [-1] keep_dims : tensor<2x?x64xf32>
  // CHECK: deepc.reduce_mean %{{.*}} axes = [0, 2] : tensor<2x?x64xf32>
  %1 = deepc.reduce_mean %x axes = [0, 2] : tensor<2x?x64xf32>
  // CHECK: deepc.reduce_max
  %2 = deepc.reduce_max %x axes = [1] : tensor<2x?x64xf32>
  // CHECK: deepc.reduce_min
  %3 = deepc.reduce_min %x axes = [1] : tensor<2x?x64xf32>
  // CHECK: deepc.reduce_prod
  %4 = deepc.reduce_prod %x axes = [1] : tensor<2x?x64xf32>
  // CHECK: deepc.argmax %{{.*}} axis = -1 : tensor<2x?x64xf32>
  %5 = deepc.argmax %x axis = -1 : tensor<2x?x64xf32>
  // CHECK: deepc.argmax %{{.*}} axis = 0 keep_dims : tensor<2x?x64xf32>
  %6 = deepc.argmax %x axis = 0 keep_dims : tensor<2x?x64xf32>
  // CHECK: deepc.softmax %{{.*}} axis = -1 : tensor<2x?x64xf32>
  %7 = deepc.softmax %x axis = -1 : tensor<2x?x64xf32>
  return %0, %1, %5 : tensor<2x?x1xf32>, tensor<?xf32>, tensor<2x?xi64>
}

// Tests gather (embedding lookup) and scatter with each reduction.
// CHECK-LABEL: func.func @gather_scatter
func.func @gather_scatter(%embed: tensor<256x64xf32>, %ids: tensor<?x?xi64>,
                          %out: tensor<16x64xf32>, %idx: tensor<?x1xi64>, %upd: tensor<?x64xf32>)
    -> (tensor<?x?x64xf32>, tensor<16x64xf32>) {
  // CHECK: deepc.gather %{{.*}}[%{{.*}}] axis = 0 : tensor<256x64xf32>, tensor<?x?xi64>
  %0 = deepc.gather %embed[%ids] axis = 0 : tensor<256x64xf32>, tensor<?x?xi64>
  // CHECK: deepc.scatter %{{.*}}[%{{.*}}], %{{.*}} : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  %1 = deepc.scatter %out[%idx], %upd : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  // CHECK: deepc.scatter %{{.*}}[%{{.*}}], %{{.*}} reduction = <add>
  %2 = deepc.scatter %out[%idx], %upd reduction = <add> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  // CHECK: reduction = <mul>
  %3 = deepc.scatter %out[%idx], %upd reduction = <mul> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  // CHECK: reduction = <max>
  %4 = deepc.scatter %out[%idx], %upd reduction = <max> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  // CHECK: reduction = <min>
  %5 = deepc.scatter %out[%idx], %upd reduction = <min> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
  return %0, %2 : tensor<?x?x64xf32>, tensor<16x64xf32>
}

// Tests the data-movement ops, including reshape and expand with a shape
// operand for dynamic dimensions.
// CHECK-LABEL: func.func @data_movement
func.func @data_movement(%x: tensor<?x64xf32>, %y: tensor<?xf32>, %s: tensor<3xi64>,
                         %kv: tensor<1x2x1x8x16xf32>, %h: tensor<1x8x4x16xf32>)
    -> (tensor<?x4x16xf32>, tensor<?x?x16xf32>, tensor<1x4x8x16xf32>, tensor<?x128xf32>,
        tensor<?x32xf32>, tensor<1x2x4x8x16xf32>, tensor<?x64xbf16>) {
  // CHECK: deepc.reshape %{{.*}} : tensor<?x64xf32> -> tensor<?x4x16xf32>
  %0 = deepc.reshape %x : tensor<?x64xf32> -> tensor<?x4x16xf32>
  // CHECK: deepc.reshape %{{.*}} shape %{{.*}} : tensor<?xf32>, tensor<3xi64> -> tensor<?x?x16xf32>
  %1 = deepc.reshape %y shape %s : tensor<?xf32>, tensor<3xi64> -> tensor<?x?x16xf32>
  // CHECK: deepc.transpose %{{.*}} [0, 2, 1, 3] : tensor<1x8x4x16xf32>
  %2 = deepc.transpose %h [0, 2, 1, 3] : tensor<1x8x4x16xf32>
  // CHECK: deepc.concat %{{.*}}, %{{.*}} axis = -1 : tensor<?x64xf32>, tensor<?x64xf32>
  %3 = deepc.concat %x, %x axis = -1 : tensor<?x64xf32>, tensor<?x64xf32>
  // CHECK: deepc.slice %{{.*}} axes = [1] starts = [0] ends = [32] steps = [1] : tensor<?x64xf32>
  %4 = deepc.slice %x axes = [1] starts = [0] ends = [32] steps = [1] : tensor<?x64xf32>
  // CHECK: deepc.expand %{{.*}} : tensor<1x2x1x8x16xf32> -> tensor<1x2x4x8x16xf32>
  %5 = deepc.expand %kv : tensor<1x2x1x8x16xf32> -> tensor<1x2x4x8x16xf32>
  // CHECK: deepc.cast %{{.*}} : tensor<?x64xf32> to tensor<?x64xbf16>
  %6 = deepc.cast %x : tensor<?x64xf32> to tensor<?x64xbf16>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<?x4x16xf32>, tensor<?x?x16xf32>, tensor<1x4x8x16xf32>,
      tensor<?x128xf32>, tensor<?x32xf32>, tensor<1x2x4x8x16xf32>, tensor<?x64xbf16>
}

// Tests ONNX slice semantics: negative bounds, clamping past the end and a
// negative step.
// CHECK-LABEL: func.func @slice_semantics
func.func @slice_semantics(%x: tensor<10x8xf32>) -> (tensor<3x8xf32>, tensor<10x4xf32>, tensor<5x8xf32>) {
  // Rows -4..-1 are 6, 7, 8.
  // CHECK: deepc.slice %{{.*}} axes = [0] starts = [-4] ends = [-1] steps = [1]
  %0 = deepc.slice %x axes = [0] starts = [-4] ends = [-1] steps = [1] : tensor<10x8xf32>
  // Columns 4 to "the end".
  // CHECK: deepc.slice %{{.*}} axes = [-1] starts = [4] ends = [9223372036854775807] steps = [1]
  %1 = deepc.slice %x axes = [-1] starts = [4] ends = [9223372036854775807] steps = [1] : tensor<10x8xf32>
  // Every other row backwards from the last: 9, 7, 5, 3, 1.
  // CHECK: deepc.slice %{{.*}} axes = [0] starts = [-1] ends = [-100] steps = [-2]
  %2 = deepc.slice %x axes = [0] starts = [-1] ends = [-100] steps = [-2] : tensor<10x8xf32>
  return %0, %1, %2 : tensor<3x8xf32>, tensor<10x4xf32>, tensor<5x8xf32>
}

// Tests every element type the dialect accepts.
// CHECK-LABEL: func.func @element_types
func.func @element_types(%a: tensor<4xf16>, %b: tensor<4xbf16>, %c: tensor<4xf8E4M3FN>,
                         %d: tensor<4xi8>, %e: tensor<4xi4>, %f: tensor<4xi32>) {
  // CHECK: deepc.cast %{{.*}} : tensor<4xf16> to tensor<4xf8E4M3FN>
  %0 = deepc.cast %a : tensor<4xf16> to tensor<4xf8E4M3FN>
  // CHECK: deepc.cast %{{.*}} : tensor<4xbf16> to tensor<4xi1>
  %1 = deepc.cast %b : tensor<4xbf16> to tensor<4xi1>
  // CHECK: deepc.cast %{{.*}} : tensor<4xf8E4M3FN> to tensor<4xf32>
  %2 = deepc.cast %c : tensor<4xf8E4M3FN> to tensor<4xf32>
  // CHECK: deepc.cast %{{.*}} : tensor<4xi8> to tensor<4xi4>
  %3 = deepc.cast %d : tensor<4xi8> to tensor<4xi4>
  // CHECK: deepc.cast %{{.*}} : tensor<4xi4> to tensor<4xi64>
  %4 = deepc.cast %e : tensor<4xi4> to tensor<4xi64>
  // CHECK: deepc.add %{{.*}}, %{{.*}} : tensor<4xi32>, tensor<4xi32>
  %5 = deepc.add %f, %f : tensor<4xi32>, tensor<4xi32>
  return
}

// Tests that shape_of round-trips and infers one i64 per input dim.
// CHECK-LABEL: func.func @shape_of
// CHECK: %[[S:.*]] = deepc.shape_of %{{.*}} : tensor<?x?x64xf32>
// CHECK: %[[Z:.*]] = deepc.shape_of %{{.*}} : tensor<f32>
// CHECK: return %[[S]], %[[Z]] : tensor<3xi64>, tensor<0xi64>
func.func @shape_of(%x: tensor<?x?x64xf32>, %s: tensor<f32>) -> (tensor<3xi64>, tensor<0xi64>) {
  %0 = deepc.shape_of %x : tensor<?x?x64xf32>
  %1 = deepc.shape_of %s : tensor<f32>
  return %0, %1 : tensor<3xi64>, tensor<0xi64>
}

// Tests gather_elements and gather_nd with and without batch dims, and the
// result shapes they infer.
// CHECK-LABEL: func.func @gathers
// CHECK: %[[E:.*]] = deepc.gather_elements %{{.*}}[%{{.*}}] axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>
// CHECK: %[[N:.*]] = deepc.gather_nd %{{.*}}[%{{.*}}] : tensor<8x128x64xf32>, tensor<?x2x1xi64>
// CHECK: %[[B:.*]] = deepc.gather_nd %{{.*}}[%{{.*}}] batch_dims = 1 : tensor<2x16x64xf32>, tensor<2x4x1xi32>
// CHECK: return %[[E]], %[[N]], %[[B]] : tensor<?x2xf32>, tensor<?x2x128x64xf32>, tensor<2x4x64xf32>
func.func @gathers(%s: tensor<?x8xf32>, %i: tensor<?x2xi64>, %w: tensor<8x128x64xf32>,
                   %ids: tensor<?x2x1xi64>, %x: tensor<2x16x64xf32>, %pos: tensor<2x4x1xi32>)
    -> (tensor<?x2xf32>, tensor<?x2x128x64xf32>, tensor<2x4x64xf32>) {
  %0 = deepc.gather_elements %s[%i] axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>
  %1 = deepc.gather_nd %w[%ids] : tensor<8x128x64xf32>, tensor<?x2x1xi64>
  %2 = deepc.gather_nd %x[%pos] batch_dims = 1 : tensor<2x16x64xf32>, tensor<2x4x1xi32>
  return %0, %1, %2 : tensor<?x2xf32>, tensor<?x2x128x64xf32>, tensor<2x4x64xf32>
}

// Tests scatter_elements with and without a reduction, with i32 indices
// and indices larger than data along the axis.
// CHECK-LABEL: func.func @scatter_elements
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 0 reduction = <add> : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
// CHECK: reduction = <mul>
// CHECK: reduction = <max>
// CHECK: reduction = <min>
func.func @scatter_elements(%m: tensor<?x8xf32>, %i: tensor<?x2xi64>, %u: tensor<?x2xf32>,
                            %acc: tensor<16x4xf32>, %j: tensor<32x4xi32>, %v: tensor<32x4xf32>)
    -> (tensor<?x8xf32>, tensor<16x4xf32>) {
  %0 = deepc.scatter_elements %m[%i], %u axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
  %1 = deepc.scatter_elements %acc[%j], %v axis = 0 reduction = <add> : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
  %2 = deepc.scatter_elements %acc[%j], %v axis = 0 reduction = <mul> : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
  %3 = deepc.scatter_elements %acc[%j], %v axis = -2 reduction = <max> : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
  %4 = deepc.scatter_elements %acc[%j], %v axis = 0 reduction = <min> : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<16x4xf32>
}

// Tests topk's two results, and that largest and sorted print only when
// false.
// CHECK-LABEL: func.func @topk
// CHECK: %[[V:.*]], %[[I:.*]] = deepc.topk %{{.*}} k = 2 axis = -1 : tensor<?x8xf32>
// CHECK: deepc.topk %{{.*}} k = 3 axis = 0 {largest = false, sorted = false} : tensor<?x8xf32>
// CHECK: return %[[V]], %[[I]] : tensor<?x2xf32>, tensor<?x2xi64>
func.func @topk(%x: tensor<?x8xf32>) -> (tensor<?x2xf32>, tensor<?x2xi64>) {
  %v, %i = deepc.topk %x k = 2 axis = -1 : tensor<?x8xf32>
  %v2, %i2 = deepc.topk %x k = 3 axis = 0 {largest = false, sorted = false} : tensor<?x8xf32>
  return %v, %i : tensor<?x2xf32>, tensor<?x2xi64>
}

// Tests cumsum, trilu, nonzero and range in their forms.
// CHECK-LABEL: func.func @scans_and_masks
// CHECK: deepc.cumsum %{{.*}} axis = 1 : tensor<?x?xi64>
// CHECK: deepc.cumsum %{{.*}} axis = -1 exclusive reverse : tensor<?x?xi64>
// CHECK: deepc.trilu %{{.*}} : tensor<8x8xf32>
// CHECK: deepc.trilu %{{.*}} lower k = -1 : tensor<2x?x?xi1>
// CHECK: %[[NZ:.*]] = deepc.nonzero %{{.*}} : tensor<2x?x?xi1>
// CHECK: %[[R:.*]] = deepc.range %{{.*}}, %{{.*}}, %{{.*}} : tensor<i64> -> tensor<?xi64>
// CHECK: deepc.range %{{.*}}, %{{.*}}, %{{.*}} : tensor<f32> -> tensor<?xf32>
// CHECK: return %[[NZ]], %[[R]] : tensor<3x?xi64>, tensor<?xi64>
func.func @scans_and_masks(%m: tensor<?x?xi64>, %t: tensor<8x8xf32>, %b: tensor<2x?x?xi1>,
                           %n: tensor<i64>, %f: tensor<f32>) -> (tensor<3x?xi64>, tensor<?xi64>) {
  %0 = deepc.cumsum %m axis = 1 : tensor<?x?xi64>
  %1 = deepc.cumsum %m axis = -1 exclusive reverse : tensor<?x?xi64>
  %2 = deepc.trilu %t : tensor<8x8xf32>
  %3 = deepc.trilu %b lower k = -1 : tensor<2x?x?xi1>
  %4 = deepc.nonzero %b : tensor<2x?x?xi1>
  %zero = deepc.constant dense<0> : tensor<i64>
  %one = deepc.constant dense<1> : tensor<i64>
  %5 = deepc.range %zero, %n, %one : tensor<i64> -> tensor<?xi64>
  %6 = deepc.range %f, %f, %f : tensor<f32> -> tensor<?xf32>
  return %4, %5 : tensor<3x?xi64>, tensor<?xi64>
}
