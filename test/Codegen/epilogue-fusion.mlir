// RUN: deepc %s --emit=plan | FileCheck %s
// RUN: deepc %s --emit=plan --no-fuse-epilogue | FileCheck %s --check-prefix=OFF
// RUN: deepc %s --emit=plan --no-fuse | FileCheck %s --check-prefix=OFF
// Tests that a region reading a matmul's result elementwise, at the
// result's own shape, becomes the matmul's epilogue: the matmul step is
// marked, sits right before the region, and its result gets no arena slot
// (dynamic). A result read twice, read broadcast or read through a
// transpose stays a plain matmul.

// mm_fused + residual: the residual add `r + x·w1` is the epilogue.
// CHECK-LABEL: "steps": [
// CHECK-NEXT:    {
// CHECK-NEXT:      "epilogue": true,
// CHECK-NEXT:      "inputs": [0, 3],
// CHECK-NEXT:      "loc": "mm_fused",
// CHECK-NEXT:      "op": "deepc.matmul",
// CHECK-NEXT:      "outputs": [[[FUSED:[0-9]+]]]
// CHECK-NEXT:    },
// CHECK-NEXT:    {
// CHECK:           "inputs": [1, [[FUSED]]],
// CHECK-NEXT:      "loc": "residual",
// CHECK-NEXT:      "op": "region",

// SwiGLU: silu(gate) * up reads two matmuls; the later one (up) takes it
// as its epilogue and moves down past nothing; gate stays plain.
// CHECK:           "loc": "gate",
// CHECK-NEXT:      "op": "deepc.matmul",
// CHECK-NOT:       "epilogue"
// CHECK:           "epilogue": true,
// CHECK-NEXT:      "inputs": [0, 5],
// CHECK-NEXT:      "loc": "up",
// CHECK-NEXT:      "op": "deepc.matmul",
// CHECK:           "loc": "swiglu",
// CHECK-NEXT:      "op": "region",

// Near misses: no other matmul has an epilogue.
// CHECK-NOT:       "epilogue"
// CHECK:           "loc": "mm_twice",
// CHECK-NOT:       "epilogue"
// CHECK:           "loc": "mm_broadcast",
// CHECK-NOT:       "epilogue"
// CHECK:           "loc": "mm_transposed",
// CHECK-NOT:       "epilogue"
// CHECK:         "values": [

// The fused result has no slot; the unfused ones keep theirs.
// CHECK:             "dynamic": true,
// CHECK-NEXT:        "kind": "temp",
// CHECK-NEXT:        "name": "mm_fused"
// CHECK-NOT:         "dynamic"
// CHECK:             "name": "gate"
// CHECK-NEXT:      },
// CHECK-NEXT:      {
// CHECK-NEXT:        "dims": [4, 64],
// CHECK-NEXT:        "dtype": "f32",
// CHECK-NEXT:        "dynamic": true,
// CHECK-NEXT:        "kind": "temp",
// CHECK-NEXT:        "name": "up"
// CHECK-NOT:         "dynamic"
// CHECK:             "name": "mm_twice"
// CHECK-NOT:         "dynamic"

// OFF-LABEL: "steps": [
// OFF-NOT: "epilogue"
// OFF-NOT: "dynamic"

func.func @main(%x: tensor<4x64xf32> {onnx.name = "x"},
                %r: tensor<4x64xf32> {onnx.name = "r"},
                %row: tensor<1x64xf32> {onnx.name = "row"},
                %w1: tensor<64x64xf32> {onnx.name = "w1"},
                %wg: tensor<64x64xf32> {onnx.name = "wg"},
                %wu: tensor<64x64xf32> {onnx.name = "wu"},
                %w2: tensor<64x64xf32> {onnx.name = "w2"},
                %w3: tensor<64x64xf32> {onnx.name = "w3"},
                %w4: tensor<64x64xf32> {onnx.name = "w4"})
    -> (tensor<4x64xf32> {onnx.name = "fused"},
        tensor<4x64xf32> {onnx.name = "swiglu"},
        tensor<4x64xf32> {onnx.name = "twice"},
        tensor<4x64xf32> {onnx.name = "twice_raw"},
        tensor<4x64xf32> {onnx.name = "broadcast"},
        tensor<64x4xf32> {onnx.name = "transposed"}) {
  %h1 = deepc.matmul %x, %w1 : tensor<4x64xf32>, tensor<64x64xf32> loc("mm_fused")
  %y1 = deepc.add %r, %h1 : tensor<4x64xf32>, tensor<4x64xf32> loc("residual")

  %g = deepc.matmul %x, %wg : tensor<4x64xf32>, tensor<64x64xf32> loc("gate")
  %u = deepc.matmul %x, %wu : tensor<4x64xf32>, tensor<64x64xf32> loc("up")
  %sg = deepc.silu %g : tensor<4x64xf32> loc("silu")
  %ys = deepc.mul %sg, %u : tensor<4x64xf32>, tensor<4x64xf32> loc("swiglu")

  // Returned as well: a second reader.
  %h2 = deepc.matmul %x, %w2 : tensor<4x64xf32>, tensor<64x64xf32> loc("mm_twice")
  %y2 = deepc.add %r, %h2 : tensor<4x64xf32>, tensor<4x64xf32> loc("add_twice")

  // [1, 64] broadcast to the region's [4, 64]: read at another index.
  %h3 = deepc.matmul %row, %w3 : tensor<1x64xf32>, tensor<64x64xf32> loc("mm_broadcast")
  %y3 = deepc.add %r, %h3 : tensor<4x64xf32>, tensor<1x64xf32> loc("add_broadcast")

  // Read transposed: the transpose, not a region, reads the result.
  %h4 = deepc.matmul %x, %w4 : tensor<4x64xf32>, tensor<64x64xf32> loc("mm_transposed")
  %t4 = deepc.transpose %h4 [1, 0] : tensor<4x64xf32> loc("transpose")
  %y4 = deepc.sigmoid %t4 : tensor<64x4xf32> loc("sigmoid")
  return %y1, %ys, %y2, %h2, %y3, %y4 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<64x4xf32>
}
