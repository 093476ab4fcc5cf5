// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Tests that floor-mod of floats is refused: Mod before opset 28 requires
// fmod = 1 for floats, and deepc.mod has no floor-mod of floats.
func.func @mod_float_floor(%x: tensor<4xf32>, %y: tensor<4xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Mod node (opset 13): floating-point Mod is supported with fmod = 1 only, got fmod = 0 with 'tensor<4xf32>'}}
  %0 = onnx.node "Mod" version 13 (%x, %y) : (tensor<4xf32>, tensor<4xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that fmod must be 0 or 1.
func.func @mod_bad_fmod(%i: tensor<4xsi32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Mod node (opset 13): attribute 'fmod' must be 0 or 1, got 2}}
  %0 = onnx.node "Mod" version 13 (%i, %i) {fmod = 2 : i64} : (tensor<4xsi32>, tensor<4xsi32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
