// RUN: not deepc %s --emit=plan 2>&1 | FileCheck %s
// Tests that ops outside the deepc dialect are reported all at once, each
// with its location, instead of stopping at the first.

// CHECK: error: 2 op(s) are not deepc ops and cannot be compiled:
// CHECK-NEXT: func.call at loc("first")
// CHECK-NEXT: func.call at loc("second")
func.func private @helper(tensor<4xf32>) -> tensor<4xf32>
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32> loc("first")
  %1 = deepc.exp %0 : tensor<4xf32>
  %2 = func.call @helper(%1) : (tensor<4xf32>) -> tensor<4xf32> loc("second")
  return %2 : tensor<4xf32>
}
