// RUN: deepc %s --emit=plan --max-dims=tokens=8 | FileCheck %s
// Tests that the plan builder turns a deepc function into plan.json: inputs
// and their dim names, steps in order with their attributes, absent optional
// operands as -1, multi-result ops and reshape aliases.

// An unnamed symbolic dim gets a name of its own and the default bound.
// CHECK-LABEL: "dimBounds": {
// CHECK-NEXT:    "tokens": 8,
// CHECK-NEXT:    "w_dim0": 512
// CHECK-LABEL: "inputs": [
// CHECK-NEXT:    {
// CHECK-NEXT:      "dimNames": ["tokens", ""],
// CHECK-NEXT:      "name": "x",
// CHECK-NEXT:      "value": 0
// CHECK:           "dimNames": ["w_dim0", ""],
// CHECK-NEXT:      "name": "w",
// CHECK-NEXT:      "value": 1
// CHECK-LABEL: "outputs": [
// CHECK-NEXT:    {
// CHECK-NEXT:      "dimNames": ["tokens", ""],
// CHECK-NEXT:      "name": "y",
// CHECK-NEXT:      "value": 0
// CHECK:           "name": "v",
// CHECK-NEXT:      "value": 6
// CHECK:           "name": "idx",
// CHECK-NEXT:      "value": 4

// CHECK-LABEL: "steps": [
// CHECK:         "attrs": {
// CHECK-NEXT:      "transpose_rhs": true
// CHECK-NEXT:    },
// CHECK-NEXT:    "inputs": [0, 1],
// CHECK-NEXT:    "loc": "mm",
// CHECK-NEXT:    "op": "deepc.matmul",
// CHECK-NEXT:    "outputs": [2]
// Default-valued attributes left out of the IR are filled in.
// CHECK:         "attrs": {
// CHECK-NEXT:      "axis": -1,
// CHECK-NEXT:      "k": 2,
// CHECK-NEXT:      "largest": true,
// CHECK-NEXT:      "sorted": true
// CHECK-NEXT:    },
// CHECK-NEXT:    "inputs": [2],
// CHECK-NEXT:    "loc": "top",
// CHECK-NEXT:    "op": "deepc.topk",
// CHECK-NEXT:    "outputs": [3, 4]
// CHECK:         "attrs": {
// CHECK-NEXT:      "epsilon": 9.99999997{{[0-9]+}}e-07
// CHECK-NEXT:    },
// CHECK-NEXT:    "inputs": [2, -1, -1],
// CHECK-NEXT:    "loc": "ln",
// CHECK-NEXT:    "op": "deepc.layer_norm",
// CHECK:         "inputs": [2],
// CHECK-NEXT:    "loc": "view",
// CHECK-NEXT:    "op": "deepc.reshape",
// CHECK-NEXT:    "outputs": [6]

// CHECK-LABEL: "values": [
// CHECK:           "name": "top:1"
// A reshape is a view of its input: no slot of its own.
// CHECK:           "aliasOf": 2,
// CHECK-NEXT:      "dims": [-1, 8, 8],
// CHECK-NEXT:      "dtype": "f32",
// CHECK-NEXT:      "kind": "temp",
// CHECK-NEXT:      "name": "view"
func.func @main(%x: tensor<?x64xf32> {onnx.name = "x", onnx.dim_params = ["tokens", ""]},
                %w: tensor<?x64xf32> {onnx.name = "w"})
    -> (tensor<?x64xf32> {onnx.name = "y", onnx.dim_params = ["tokens", ""]},
        tensor<?x8x8xf32> {onnx.name = "v"},
        tensor<?x2xi64> {onnx.name = "idx"}) {
  %0 = deepc.matmul %x, %w transpose_rhs : tensor<?x64xf32>, tensor<?x64xf32> loc("mm")
  %v, %i = deepc.topk %0 k = 2 axis = -1 : tensor<?x?xf32> loc("top")
  %1 = deepc.layer_norm %0 epsilon = 1.0e-6 : tensor<?x?xf32> loc("ln")
  %2 = deepc.reshape %0 : tensor<?x?xf32> -> tensor<?x8x8xf32> loc("view")
  return %x, %2, %i : tensor<?x64xf32>, tensor<?x8x8xf32>, tensor<?x2xi64>
}
