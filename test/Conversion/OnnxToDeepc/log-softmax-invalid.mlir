// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Tests that before opset 13 an axis other than the last is refused: the
// input is coerced to 2-D there, which normalizes over several dims.
func.func @log_softmax_coerced_middle_axis(%x: tensor<2x3x8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{before opset 13 LogSoftmax normalizes over all dims from axis 1 on; deepc supports that only when axis is the last dim}}
  %0 = onnx.node "LogSoftmax" version 11 (%x) : (tensor<2x3x8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
