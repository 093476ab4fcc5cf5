// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %s -o %t/model.deepc
// RUN: ls %t/model.deepc | FileCheck %s --check-prefix=FILES
// RUN: FileCheck %s --input-file=%t/model.deepc/manifest.json
// Tests that a plan without regions gets no code library at all.

// FILES: manifest.json
// FILES-NEXT: plan.json
// FILES-NEXT: weights.bin
// FILES-NOT: model

// CHECK: "codeLibrary": "",
func.func @main(%x: tensor<2x8xf32> {onnx.name = "x"}) -> tensor<2x8xf32> {
  %0 = deepc.softmax %x axis = -1 : tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
