// RUN: deepc %s --emit=plan | FileCheck %s
// RUN: deepc %s --emit=plan --no-fold-constants | FileCheck %s --check-prefix=NOFOLD
// The folded values are the ones the kernels compute at run time.
// RUN: rm -rf %t.deepc %t.out
// RUN: deepc %s -o %t.deepc
// RUN: deepc-run %t.deepc --random-inputs --dump-outputs %t.out
// RUN: %python -c "import numpy as np, onnx; from onnx import numpy_helper as h; t = lambda i: h.to_array(onnx.load_tensor('%t.out/output_%%d.pb' %% i)); np.testing.assert_array_equal(t(1), [[13, 15, 17], [14, 16, 18]]); np.testing.assert_array_equal(t(2), np.full((64, 64), 1.5, np.float32)); print('folded values ok')" | FileCheck %s --check-prefix=VALUES
// VALUES: folded values ok
// Tests that steps reading only constants run at compile time: an
// exporter's gather of one expert's weights and the transpose of a weight
// become constants, and the stacked weights they came from leave the plan.
// A broadcast of a constant, whose result is larger than what it reads,
// stays a step. --no-fold-constants keeps every step.

// CHECK-LABEL: "steps": [
// CHECK-NOT:     "op": "deepc.gather"
// CHECK-NOT:     "op": "deepc.transpose"
// CHECK:         "op": "deepc.matmul"
// CHECK:         "op": "deepc.expand"
// CHECK-NOT:     "op": "deepc.gather"
// CHECK-LABEL: "values": [
// The folded expert weight [3, 2], then the transposed one [2, 3]; the
// stacked [4, 3, 2] weights are gone.
// CHECK-NOT:     "dims": [4, 3, 2]
// CHECK:         "dims": [3, 2],
// CHECK-NEXT:    "dtype": "f32",
// CHECK-NEXT:    "kind": "constant",
// CHECK-NOT:     "dims": [4, 3, 2]

// NOFOLD-LABEL: "steps": [
// NOFOLD:         "op": "deepc.gather"
// NOFOLD:         "op": "deepc.matmul"
// NOFOLD:         "op": "deepc.transpose"
func.func @main(%x: tensor<5x3xf32> {onnx.name = "x"}) -> (tensor<5x2xf32> {onnx.name = "y"}, tensor<2x3xf32> {onnx.name = "wt"}, tensor<64x64xf32> {onnx.name = "big"}) {
  %stacked = deepc.constant dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[7.0, 8.0], [9.0, 10.0], [11.0, 12.0]], [[13.0, 14.0], [15.0, 16.0], [17.0, 18.0]], [[19.0, 20.0], [21.0, 22.0], [23.0, 24.0]]]> : tensor<4x3x2xf32>
  %i = deepc.constant dense<2> : tensor<i64>
  %expert = deepc.gather %stacked[%i] axis = 0 : tensor<4x3x2xf32>, tensor<i64>
  %y = deepc.matmul %x, %expert : tensor<5x3xf32>, tensor<3x2xf32>
  %wt = deepc.transpose %expert [1, 0] : tensor<3x2xf32>
  %one = deepc.constant dense<1.5> : tensor<1x1xf32>
  %shape = deepc.constant dense<[64, 64]> : tensor<2xi64>
  %big = deepc.expand %one shape %shape : tensor<1x1xf32>, tensor<2xi64> -> tensor<64x64xf32>
  return %y, %wt, %big : tensor<5x2xf32>, tensor<2x3xf32>, tensor<64x64xf32>
}
