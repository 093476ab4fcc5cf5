// RUN: deepc-opt %s | FileCheck %s
// RUN: deepc-opt %s | deepc-opt | FileCheck %s
// RUN: deepc-opt %s -mlir-print-op-generic | deepc-opt | FileCheck %s

// Tests that one module holding one of each deepc op and the onnx.node op
// parses, verifies, prints and re-parses to the same text. Per-op forms are
// covered in core-ops.mlir, nn-ops.mlir, quant-ops.mlir, collective-ops.mlir
// and ../Onnx/ops.mlir.

// CHECK-LABEL: func.func @every_op
func.func @every_op(%x: tensor<2x8x64xf32>, %i: tensor<2x8xi64>, %b: tensor<2x8x64xi1>,
                   %w: tensor<64x64xf32>, %s: tensor<3xi64>, %embed: tensor<256x64xf32>,
                   %table: tensor<8x8xf32>, %router: tensor<8x64xf32>,
                   %wgu: tensor<8x256x64xf32>, %wd: tensor<8x64x128xf32>,
                   %scale: tensor<64xf32>, %q4: tensor<64x64xi4>, %qs: tensor<64x2xf32>,
                   %ix3: tensor<2x8x2xi64>, %r0: tensor<i64>, %r1: tensor<i64>) {
  // CHECK: onnx.node "Identity" version 13 (%{{.*}})
  %n = onnx.node "Identity" version 13 (%x) : (tensor<2x8x64xf32>) -> tensor<2x8x64xf32>
  // CHECK: deepc.constant
  %c = deepc.constant dense<1.0> : tensor<64xf32>
  // CHECK: deepc.neg
  %0 = deepc.neg %x : tensor<2x8x64xf32>
  // CHECK: deepc.abs
  %1 = deepc.abs %x : tensor<2x8x64xf32>
  // CHECK: deepc.exp
  %2 = deepc.exp %x : tensor<2x8x64xf32>
  // CHECK: deepc.log
  %3 = deepc.log %x : tensor<2x8x64xf32>
  // CHECK: deepc.sqrt
  %4 = deepc.sqrt %x : tensor<2x8x64xf32>
  // CHECK: deepc.rsqrt
  %5 = deepc.rsqrt %x : tensor<2x8x64xf32>
  // CHECK: deepc.reciprocal
  %6 = deepc.reciprocal %x : tensor<2x8x64xf32>
  // CHECK: deepc.tanh
  %7 = deepc.tanh %x : tensor<2x8x64xf32>
  // CHECK: deepc.sigmoid
  %8 = deepc.sigmoid %x : tensor<2x8x64xf32>
  // CHECK: deepc.silu
  %9 = deepc.silu %x : tensor<2x8x64xf32>
  // CHECK: deepc.relu
  %10 = deepc.relu %x : tensor<2x8x64xf32>
  // CHECK: deepc.erf
  %11 = deepc.erf %x : tensor<2x8x64xf32>
  // CHECK: deepc.sin
  %12 = deepc.sin %x : tensor<2x8x64xf32>
  // CHECK: deepc.cos
  %13 = deepc.cos %x : tensor<2x8x64xf32>
  // CHECK: deepc.floor
  %14 = deepc.floor %x : tensor<2x8x64xf32>
  // CHECK: deepc.ceil
  %15 = deepc.ceil %x : tensor<2x8x64xf32>
  // CHECK: deepc.not
  %16 = deepc.not %b : tensor<2x8x64xi1>
  // CHECK: deepc.gelu
  %17 = deepc.gelu %x : tensor<2x8x64xf32>
  // CHECK: deepc.add
  %18 = deepc.add %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.sub
  %19 = deepc.sub %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.mul
  %20 = deepc.mul %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.div
  %21 = deepc.div %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.mod
  %mod = deepc.mod %x, %c fmod = true : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.pow
  %22 = deepc.pow %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.max
  %23 = deepc.max %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.min
  %24 = deepc.min %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.equal
  %25 = deepc.equal %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.less
  %26 = deepc.less %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.less_equal
  %27 = deepc.less_equal %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.greater
  %28 = deepc.greater %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.greater_equal
  %29 = deepc.greater_equal %x, %c : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.and
  %30 = deepc.and %b, %25 : tensor<2x8x64xi1>, tensor<2x8x64xi1>
  // CHECK: deepc.or
  %31 = deepc.or %b, %25 : tensor<2x8x64xi1>, tensor<2x8x64xi1>
  // CHECK: deepc.xor
  %32 = deepc.xor %b, %25 : tensor<2x8x64xi1>, tensor<2x8x64xi1>
  // CHECK: deepc.select
  %33 = deepc.select %b, %x, %c : tensor<2x8x64xi1>, tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.matmul
  %34 = deepc.matmul %x, %w transpose_rhs : tensor<2x8x64xf32>, tensor<64x64xf32>
  // CHECK: deepc.reduce_sum
  %35 = deepc.reduce_sum %x axes = [-1] keep_dims : tensor<2x8x64xf32>
  // CHECK: deepc.reduce_mean
  %36 = deepc.reduce_mean %x axes = [-1] : tensor<2x8x64xf32>
  // CHECK: deepc.reduce_max
  %37 = deepc.reduce_max %x axes = [-1] : tensor<2x8x64xf32>
  // CHECK: deepc.reduce_min
  %38 = deepc.reduce_min %x axes = [-1] : tensor<2x8x64xf32>
  // CHECK: deepc.reduce_prod
  %39 = deepc.reduce_prod %x axes = [-1] : tensor<2x8x64xf32>
  // CHECK: deepc.argmax
  %40 = deepc.argmax %x axis = -1 : tensor<2x8x64xf32>
  // CHECK: deepc.softmax
  %41 = deepc.softmax %x axis = -1 : tensor<2x8x64xf32>
  // CHECK: deepc.gather
  %42 = deepc.gather %embed[%i] axis = 0 : tensor<256x64xf32>, tensor<2x8xi64>
  // CHECK: deepc.scatter
  %idx = deepc.reshape %i : tensor<2x8xi64> -> tensor<16x1xi64>
  %upd = deepc.reshape %x : tensor<2x8x64xf32> -> tensor<16x64xf32>
  %43 = deepc.scatter %embed[%idx], %upd reduction = <add> : tensor<256x64xf32>, tensor<16x1xi64>, tensor<16x64xf32>
  // CHECK: deepc.gather_elements
  %ge = deepc.gather_elements %x[%ix3] axis = 2 : tensor<2x8x64xf32>, tensor<2x8x2xi64>
  // CHECK: deepc.scatter_elements
  %se = deepc.scatter_elements %x[%ix3], %ge axis = 2 reduction = <max> : tensor<2x8x64xf32>, tensor<2x8x2xi64>, tensor<2x8x2xf32>
  // CHECK: deepc.gather_nd
  %gnd = deepc.gather_nd %x[%ix3] batch_dims = 1 : tensor<2x8x64xf32>, tensor<2x8x2xi64>
  // CHECK: deepc.topk
  %topv, %topi = deepc.topk %x k = 2 axis = -1 : tensor<2x8x64xf32>
  // CHECK: deepc.cumsum
  %cs = deepc.cumsum %i axis = 1 exclusive : tensor<2x8xi64>
  // CHECK: deepc.trilu
  %tri = deepc.trilu %table k = 1 : tensor<8x8xf32>
  // CHECK: deepc.nonzero
  %nz = deepc.nonzero %b : tensor<2x8x64xi1>
  // CHECK: deepc.range
  %rg = deepc.range %r0, %r1, %r1 : tensor<i64> -> tensor<?xi64>
  // CHECK: deepc.reshape
  %44 = deepc.reshape %x : tensor<2x8x64xf32> -> tensor<2x8x4x16xf32>
  // CHECK: deepc.transpose
  %45 = deepc.transpose %44 [0, 2, 1, 3] : tensor<2x8x4x16xf32>
  // CHECK: deepc.concat
  %46 = deepc.concat %x, %x axis = 1 : tensor<2x8x64xf32>, tensor<2x8x64xf32>
  // CHECK: deepc.slice
  %47 = deepc.slice %x axes = [2] starts = [0] ends = [32] steps = [1] : tensor<2x8x64xf32>
  // CHECK: deepc.expand
  %48 = deepc.expand %c : tensor<64xf32> -> tensor<2x8x64xf32>
  // CHECK: deepc.cast
  %49 = deepc.cast %x : tensor<2x8x64xf32> to tensor<2x8x64xbf16>
  // CHECK: deepc.shape_of
  %shape_of = deepc.shape_of %x : tensor<2x8x64xf32>
  // CHECK: deepc.rms_norm
  %50 = deepc.rms_norm %x, %scale epsilon = 1.000000e-05 : tensor<2x8x64xf32>, tensor<64xf32>
  // CHECK: deepc.layer_norm
  %51 = deepc.layer_norm %x weight %scale : tensor<64xf32> bias %scale : tensor<64xf32> epsilon = 1.000000e-05 : tensor<2x8x64xf32>
  // CHECK: deepc.rotary
  %52 = deepc.rotary %45, %table, %table layout = <half> : tensor<2x4x8x16xf32>, tensor<8x8xf32>
  // CHECK: deepc.attention
  %53 = deepc.attention %52, %52, %45 {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64} : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
  // CHECK: deepc.moe
  %54 = deepc.moe %x, %router : tensor<2x8x64xf32>, tensor<8x64xf32>
      gate_up(%wgu : tensor<8x256x64xf32>) down(%wd : tensor<8x64x128xf32>) {top_k = 2 : i64, renormalize}
  // CHECK: deepc.quantize
  %55 = deepc.quantize %w, %scale {axis = 0 : i64} : (tensor<64x64xf32>, tensor<64xf32>) -> tensor<64x64xi8>
  // CHECK: deepc.dequantize
  %56 = deepc.dequantize %55, %scale {axis = 0 : i64} : (tensor<64x64xi8>, tensor<64xf32>) -> tensor<64x64xf32>
  // CHECK: deepc.qmatmul
  %57 = deepc.qmatmul %x, %q4, %qs block = [1, 32] : tensor<2x8x64xf32>, tensor<64x64xi4>, tensor<64x2xf32>
  // CHECK: deepc.all_reduce
  %58 = deepc.all_reduce %x group_size = 2 : tensor<2x8x64xf32>
  // CHECK: deepc.all_gather
  %59 = deepc.all_gather %x axis = 0 group_size = 2 : tensor<2x8x64xf32>
  // CHECK: deepc.all_to_all
  %60 = deepc.all_to_all %x split_axis = 1 concat_axis = 0 group_size = 2 : tensor<2x8x64xf32>
  return
}
