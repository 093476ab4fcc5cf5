// RUN: deepc %S/Inputs/initializers.onnx --emit=onnx | FileCheck %s
// RUN: deepc %S/Inputs/initializers.onnx --emit=onnx --elide-weights-if-larger=2048 | FileCheck %s --check-prefix=ELIDED
// RUN: deepc %S/Inputs/initializers.onnx --emit=onnx --inline-weights-up-to=0 | FileCheck %s --check-prefix=NOINLINE
// RUN: deepc %S/Inputs/initializers.onnx --emit=onnx | deepc-opt | FileCheck %s --check-prefix=REPARSED

// Tests that initializers become `onnx.constant`s: up to 1 KiB as dense
// elements attributes, from raw_data or the typed fields (float_data,
// int32_data for f16, u8 and packed int4), larger ones as resource blobs
// (the 4 KiB raw weight pointing into the mapped model, the 1200-byte f16
// tensor copied out of int32_data); that an initializer also listed as a
// graph input stays an initializer; and that the printed blobs read back.

// CHECK-LABEL: func.func @main(
// CHECK-SAME: %arg0: tensor<?x32xf32> {onnx.dim_params = ["n", ""], onnx.name = "x"})
// CHECK-NOT: onnx.name = "small_f32"}
// CHECK-DAG: onnx.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]> : tensor<4xf32>
// CHECK-DAG: onnx.constant dense<[0, -1]> : tensor<2xsi64>
// CHECK-DAG: onnx.constant dense<[true, false, true]> : tensor<3xi1>
// CHECK-DAG: %[[W:.*]] = onnx.constant dense_resource<big.weight> : tensor<32x32xf32>
// CHECK-DAG: onnx.constant dense<[5.000000e-01, 1.500000e+00, 2.500000e+00]> : tensor<3xf32>
// CHECK-DAG: onnx.constant dense<[7, 255]> : tensor<2xui8>
// CHECK-DAG: onnx.constant dense<[1.000000e+00, -2.000000e+00]> : tensor<2xf16>
// CHECK-DAG: onnx.constant dense<[-1, 2, 7]> : tensor<3xsi4>
// CHECK-DAG: onnx.constant dense_resource<typed_big_f16> : tensor<600xf16>
// CHECK-DAG: onnx.constant dense<> : tensor<0x4xf32>
// CHECK-DAG: onnx.constant dense<[1, 2, 3]> : tensor<3xui4>
// CHECK: onnx.node "MatMul" version 17 (%arg0, %[[W]]) : (tensor<?x32xf32>, tensor<32x32xf32>) -> tensor<?x32xf32>
// CHECK: dialect_resources
// CHECK-NEXT: builtin
// Each blob is its alignment as a little-endian uint32, then the data. A
// blob that points into the mapped file claims only the alignment its
// offset has (1, 2 or 4 for f32), a copied one its element's.
// The weight's first float is 0.1257302 = 0x3E00BF6C.
// CHECK-NEXT: big.weight: "0x0{{[124]}}0000006CBF003E
// The f16 tensor 0, 1, 2, ...: 0x0000, 0x3C00, 0x4000.
// CHECK-NEXT: typed_big_f16: "0x020000000000003C0040

// ELIDED: onnx.constant dense_resource<big.weight> : tensor<32x32xf32>
// ELIDED: dialect_resources
// ELIDED-NOT: big.weight:
// ELIDED: typed_big_f16: "0x02000000
// ELIDED: // 1 weight(s), 4096 bytes in all, not printed: each is larger than 2048 bytes (--elide-weights-if-larger)

// NOINLINE: onnx.constant dense_resource<small_f32> : tensor<4xf32>
// NOINLINE: onnx.constant dense_resource<mask_bool> : tensor<3xi1>
// NOINLINE: onnx.constant dense_resource<typed_i4> : tensor<3xsi4>
// NOINLINE: onnx.constant dense<> : tensor<0x4xf32>
// NOINLINE: small_f32: "0x0{{[124]}}0000000000803F000000400000404000008040"
// Bools one byte each, int4 packed two per byte (-1, 2 | 7).
// NOINLINE: mask_bool: "0x01000000010001"
// NOINLINE: typed_i4: "0x010000002F07"

// REPARSED: onnx.constant dense_resource<big.weight> : tensor<32x32xf32>
// REPARSED: big.weight: "0x0{{[124]}}0000006CBF003E
