// RUN: not deepc %s --emit=plan 2>&1 | FileCheck %s
// Tests that an element type the runtime lacks is an error naming the value
// (an f64 input is valid MLIR, but the runtime has no f64 tensors).

// CHECK: unsupported-type.mlir:[[@LINE+1]]:{{[0-9]+}}: error: value 'x' has element type 'f64', which the runtime does not support (it supports f32, f16, bf16, f8E4M3FN, i1, i4, i8, i32 and i64)
func.func @main(%x: tensor<4xf64> {onnx.name = "x"}) -> tensor<4xf64> {
  return %x : tensor<4xf64>
}
