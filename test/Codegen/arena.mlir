// RUN: deepc %s --emit=plan | FileCheck %s
// Tests that temporaries whose lifetimes do not overlap share arena memory:
// each softmax result (1 KiB) dies once the next softmax has read it, so
// two slots serve all four, and the returned value lives to the end.

// CHECK-LABEL: "arenaBytes": 2048,
// CHECK-LABEL: "values": [
// CHECK:           "arenaOffset": [[A:[0-9]+]],
// CHECK-NEXT:      "capacity": 1024,
// CHECK:           "name": "s0"
// CHECK:           "arenaOffset": [[B:[0-9]+]],
// CHECK-NEXT:      "capacity": 1024,
// CHECK:           "name": "s1"
// CHECK:           "arenaOffset": [[A]],
// CHECK-NEXT:      "capacity": 1024,
// CHECK:           "name": "s2"
// CHECK:           "arenaOffset": [[B]],
// CHECK-NEXT:      "capacity": 1024,
// CHECK:           "name": "s3"
func.func @main(%x: tensor<1x256xf32> {onnx.name = "x"}) -> tensor<1x256xf32> {
  %0 = deepc.softmax %x axis = -1 : tensor<1x256xf32> loc("s0")
  %1 = deepc.softmax %0 axis = -1 : tensor<1x256xf32> loc("s1")
  %2 = deepc.softmax %1 axis = -1 : tensor<1x256xf32> loc("s2")
  %3 = deepc.softmax %2 axis = -1 : tensor<1x256xf32> loc("s3")
  return %3 : tensor<1x256xf32>
}
