// RUN: deepc %s --emit=plan | FileCheck %s
// Tests which quantize / dequantize steps join regions: those with one
// scale per element once broadcast (per tensor, or per channel of the last
// axis) do; a per-axis scale on another axis keeps its kernel, since numpy
// broadcasting cannot line a [4] scale up with axis 0 of a [4, 8] tensor.

// The per-tensor pair fuses into one region, with the scale and zero point
// as body constants.
// CHECK-LABEL: "steps": [
// CHECK:             "op": "deepc.quantize"
// CHECK:             "op": "deepc.dequantize"
// CHECK:           "loc": "dq_tensor",
// CHECK-NEXT:      "op": "region",
// The per-channel scale of the last axis is a region input, broadcast.
// CHECK:             "op": "deepc.quantize"
// CHECK:           "inputs": [{{[0-9]+}}, 1, 2],
// CHECK-NEXT:      "loc": "q_last_axis",
// CHECK-NEXT:      "op": "region",
// Axis 0 keeps the kernel.
// CHECK:           "loc": "q_axis0",
// CHECK-NEXT:      "op": "deepc.quantize",
// CHECK-NOT:       "op": "region",
// CHECK:         "values": [
func.func @main(%x: tensor<4x8xf32> {onnx.name = "x"},
                %s8: tensor<8xf32> {onnx.name = "s8"},
                %z8: tensor<8xi8> {onnx.name = "z8"},
                %s4: tensor<4xf32> {onnx.name = "s4"})
    -> (tensor<4x8xf32> {onnx.name = "a"}, tensor<4x8xi8> {onnx.name = "b"},
        tensor<4x8xi8> {onnx.name = "c"}) {
  %s = deepc.constant dense<0.5> : tensor<f32> loc("s")
  %z = deepc.constant dense<3> : tensor<i8> loc("z")
  %q = deepc.quantize %x, %s, %z : (tensor<4x8xf32>, tensor<f32>, tensor<i8>) -> tensor<4x8xi8> loc("q_tensor")
  %dq = deepc.dequantize %q, %s, %z : (tensor<4x8xi8>, tensor<f32>, tensor<i8>) -> tensor<4x8xf32> loc("dq_tensor")
  %e = deepc.exp %x : tensor<4x8xf32> loc("exp")
  %q8 = deepc.quantize %e, %s8, %z8 {axis = 1 : i64} : (tensor<4x8xf32>, tensor<8xf32>, tensor<8xi8>) -> tensor<4x8xi8> loc("q_last_axis")
  %q4 = deepc.quantize %x, %s4 {axis = 0 : i64} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xi8> loc("q_axis0")
  return %dq, %q8, %q4 : tensor<4x8xf32>, tensor<4x8xi8>, tensor<4x8xi8>
}
