// RUN: deepc %s --emit=plan | FileCheck %s
// RUN: deepc %s --emit=plan --no-fuse | FileCheck %s --check-prefix=NOFUSE
// Tests that elementwise chains become region steps: a region grows back
// from a root over producers only it reads, one-element constants become
// body constants, and a value read by a non-elementwise op (or returned)
// ends a region.

// %0..%2 (an RMSNorm-like chain) fuse into the region rooted at %2, which
// the matmul reads; the 0.5 splat is inlined, the [64] weight %w stays an
// input.
// CHECK-LABEL: "steps": [
// CHECK-NEXT:    {
// CHECK-NEXT:      "body": [
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [],
// CHECK-NEXT:          "attrs": {
// CHECK-NEXT:            "value": 0.5
// CHECK-NEXT:          },
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.constant"
// CHECK-NEXT:        },
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [0, 2],
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.mul"
// CHECK-NEXT:        },
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [3],
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.exp"
// CHECK-NEXT:        },
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [4, 1],
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.mul"
// CHECK-NEXT:        }
// CHECK-NEXT:      ],
// CHECK-NEXT:      "inputs": [0, 1],
// CHECK-NEXT:      "loc": "scaled",
// CHECK-NEXT:      "op": "region",
// CHECK-NEXT:      "outputs": [3],
// CHECK-NEXT:      "symbol": "deepc_region_0"
// CHECK:           "op": "deepc.matmul",
// %4 is read twice, but both readers are in the region rooted at %6: it
// joins them and is computed once per element. The region's dtypes change
// along the way (a comparison, then a select).
// CHECK:           "body": [
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [0],
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.tanh"
// CHECK-NEXT:        },
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [1, 0],
// CHECK-NEXT:          "dtype": "bool",
// CHECK-NEXT:          "op": "deepc.greater"
// CHECK-NEXT:        },
// CHECK-NEXT:        {
// CHECK-NEXT:          "args": [2, 1, 0],
// CHECK-NEXT:          "dtype": "f32",
// CHECK-NEXT:          "op": "deepc.select"
// CHECK-NEXT:        }
// CHECK-NEXT:      ],
// CHECK-NEXT:      "inputs": [4],
// CHECK-NEXT:      "loc": "pick",
// CHECK-NEXT:      "op": "region",
// The folded constant and the fused temporaries are gone from the values.
// CHECK-LABEL: "values": [
// CHECK-NOT:     "kind": "constant"
// CHECK-NOT:     "name": "exp"

// NOFUSE-LABEL: "steps": [
// NOFUSE-COUNT-6: "op": "region",
// NOFUSE-NOT:     "op": "region",
// NOFUSE:       "values": [
// NOFUSE:           "kind": "constant",
func.func @main(%x: tensor<4x64xf32> {onnx.name = "x"},
                %w: tensor<64xf32> {onnx.name = "w"},
                %m: tensor<64x64xf32> {onnx.name = "m"})
    -> (tensor<4x64xf32> {onnx.name = "y"}) {
  %half = deepc.constant dense<0.5> : tensor<1x1xf32> loc("half")
  %0 = deepc.mul %x, %half : tensor<4x64xf32>, tensor<1x1xf32> loc("half_x")
  %1 = deepc.exp %0 : tensor<4x64xf32> loc("exp")
  %2 = deepc.mul %1, %w : tensor<4x64xf32>, tensor<64xf32> loc("scaled")
  %3 = deepc.matmul %2, %m : tensor<4x64xf32>, tensor<64x64xf32> loc("mm")
  %4 = deepc.tanh %3 : tensor<4x64xf32> loc("twice")
  %5 = deepc.greater %4, %3 : tensor<4x64xf32>, tensor<4x64xf32> loc("gt")
  %6 = deepc.select %5, %4, %3 : tensor<4x64xi1>, tensor<4x64xf32>, tensor<4x64xf32> loc("pick")
  return %6 : tensor<4x64xf32>
}

