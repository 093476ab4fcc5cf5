// RUN: deepc %S/Inputs/functions.onnx --emit=onnx --mlir-print-debuginfo | FileCheck %s

// Tests that calls of local functions are inlined: body nodes take the
// function's own opset (18, while the model imports 17), attribute
// references take the caller's value or the function's default (alpha: 2.0
// by default, 3.0 and 0.5 where given), nested calls inline too, internal
// values and nodes are renamed under the call's name, and the function's
// domain leaves no trace but its opset import.

// CHECK: onnx.opset_imports = {ai.onnx = 17 : i64, custom = 1 : i64}
// CHECK-LABEL: func.func @main(
// CHECK: %[[A1:.*]] = onnx.node "Constant" version 18 () {value_float = 2.000000e+00 : f32} : () -> !onnx.unknown loc("call/first/alpha_const"(
// CHECK: %[[T:.*]] = onnx.node "Mul" version 18 (%arg0, %[[A1]]) : (tensor<4xf32>, !onnx.unknown) -> !onnx.unknown loc("call/first/mul"(
// CHECK: %[[A2:.*]] = onnx.node "Constant" version 18 () {value_float = 3.000000e+00 : f32} : () -> !onnx.unknown loc("call/second/alpha_const"(
// CHECK: %[[Y:.*]] = onnx.node "Mul" version 18 (%[[T]], %[[A2]])
// The unused second output of Twice stays an internal value.
// CHECK: onnx.node "Identity" version 18 (%[[T]]) : (!onnx.unknown) -> !onnx.unknown loc("call/copy"(
// CHECK: %[[A3:.*]] = onnx.node "Constant" version 18 () {value_float = 5.000000e-01 : f32}
// CHECK: %[[Z:.*]] = onnx.node "Mul" version 18 (%[[Y]], %[[A3]]) : (!onnx.unknown, !onnx.unknown) -> tensor<4xf32>
// CHECK: return %[[Z]] : tensor<4xf32>

// Tests that recursion between local functions is an error, not a hang.
// RUN: not deepc %S/Inputs/function_recursive.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=RECURSIVE --implicit-check-not=error:
// RECURSIVE: function_recursive.onnx: error: local function 'custom.Ping' calls itself (through node 'start/to_pong/to_ping'); recursion cannot be inlined

// Tests that inlining stops at a budget instead of hanging or running out
// of memory: F0 calls F1 twice, ..., F31 calls F32 twice (2^32 nodes).
// RUN: not deepc %S/Inputs/function_bomb.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=BOMB --implicit-check-not=error:
// BOMB: function_bomb.onnx: error: inlining local functions builds more than 256 MiB of nodes (at node 'call/{{[ab/]+}}id'); the model is too large or its functions call each other too many times
