// RUN: deepc %s --emit=plan | FileCheck %s
// Tests that constants become weights: each at a 64-byte aligned offset,
// splats expanded to their full size, i1 and i4 one byte per element, and
// resource blobs read as they are.

// 3 f32 (12 bytes) at 0; the 2x40 splat (320 bytes) at 64; 5 bools at 384;
// 4 i4 at 448; the blob (2 x i64, 16 bytes) at 512: 528 bytes in all.
// CHECK-LABEL: "values": [
// CHECK:           "dims": [3],
// CHECK-NEXT:      "dtype": "f32",
// CHECK-NEXT:      "kind": "constant",
// CHECK-NEXT:      "name": "vec",
// CHECK-NEXT:      "weightsOffset": 0
// CHECK:           "dims": [2, 40],
// CHECK-NEXT:      "dtype": "f32",
// CHECK-NEXT:      "kind": "constant",
// CHECK-NEXT:      "name": "splat",
// CHECK-NEXT:      "weightsOffset": 64
// CHECK:           "dims": [5],
// CHECK-NEXT:      "dtype": "bool",
// CHECK-NEXT:      "kind": "constant",
// CHECK-NEXT:      "name": "mask",
// CHECK-NEXT:      "weightsOffset": 384
// CHECK:           "dims": [4],
// CHECK-NEXT:      "dtype": "i4",
// CHECK-NEXT:      "kind": "constant",
// CHECK-NEXT:      "name": "nibbles",
// CHECK-NEXT:      "weightsOffset": 448
// CHECK:           "dims": [2],
// CHECK-NEXT:      "dtype": "i64",
// CHECK-NEXT:      "kind": "constant",
// CHECK-NEXT:      "name": "blob",
// CHECK-NEXT:      "weightsOffset": 512
// CHECK:         "weightsBytes": 528
func.func @main() -> (tensor<3xf32>, tensor<2x40xf32>, tensor<5xi1>, tensor<4xi4>, tensor<2xi64>) {
  %0 = deepc.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32> loc("vec")
  %1 = deepc.constant dense<7.0> : tensor<2x40xf32> loc("splat")
  %2 = deepc.constant dense<[true, false, true, true, false]> : tensor<5xi1> loc("mask")
  %3 = deepc.constant dense<[-8, -1, 0, 7]> : tensor<4xi4> loc("nibbles")
  %4 = deepc.constant dense_resource<blob> : tensor<2xi64> loc("blob")
  return %0, %1, %2, %3, %4 : tensor<3xf32>, tensor<2x40xf32>, tensor<5xi1>, tensor<4xi4>, tensor<2xi64>
}

{-#
  dialect_resources: {
    builtin: {
      blob: "0x080000000100000000000000FFFFFFFFFFFFFFFF"
    }
  }
#-}
