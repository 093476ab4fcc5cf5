// The generated code's exp and tanh (vexp and vtanh, which vectorize) and the
// sigmoid and silu built on them match numpy within 2e-6 relative over a
// sweep from -110 to 95, and keep inf, 0 and NaN where they belong.
// RUN: rm -rf %t.deepc %t.in %t.out
// RUN: %python %S/Inputs/check_transcendentals.py write %t.in
// RUN: deepc %s -o %t.deepc --no-fuse
// RUN: deepc-run %t.deepc --inputs %t.in --dump-outputs %t.out
// RUN: %python %S/Inputs/check_transcendentals.py check %t.in %t.out | FileCheck %s
// CHECK: transcendentals ok
func.func @main(%x: tensor<24029xf32> {onnx.name = "x"}) -> (tensor<24029xf32> {onnx.name = "exp"}, tensor<24029xf32> {onnx.name = "tanh"}, tensor<24029xf32> {onnx.name = "sigmoid"}, tensor<24029xf32> {onnx.name = "silu"}) {
  %e = deepc.exp %x : tensor<24029xf32>
  %t = deepc.tanh %x : tensor<24029xf32>
  %s = deepc.sigmoid %x : tensor<24029xf32>
  %u = deepc.silu %x : tensor<24029xf32>
  return %e, %t, %s, %u : tensor<24029xf32>, tensor<24029xf32>, tensor<24029xf32>, tensor<24029xf32>
}
