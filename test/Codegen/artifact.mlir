// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %s -o %t/model.deepc --cpu=generic
// RUN: ls %t/model.deepc | FileCheck %s --check-prefix=FILES
// RUN: FileCheck %s --input-file=%t/model.deepc/manifest.json --check-prefix=MANIFEST
// RUN: od -A d -t x1 -v %t/model.deepc/weights.bin | FileCheck %s --check-prefix=WEIGHTS
// RUN: FileCheck %s --input-file=%t/model.deepc/model.cpp --check-prefix=SOURCE
// Compiling again replaces the artifact; nothing temporary is left beside it.
// RUN: deepc %s -o %t/model.deepc --cpu=generic --default-max-dim=4
// RUN: FileCheck %s --input-file=%t/model.deepc/manifest.json --check-prefix=AGAIN
// RUN: ls %t | FileCheck %s --check-prefix=CLEAN
// Tests that a model compiles to a complete artifact directory.

// FILES: manifest.json
// FILES-NEXT: model.cpp
// FILES-NEXT: model.so
// FILES-NEXT: plan.json
// FILES-NEXT: weights.bin

// MANIFEST: "codeLibrary": "model.so",
// MANIFEST: "dimBounds": {
// MANIFEST-NEXT: "n": 512
// MANIFEST: "format": "deepc-artifact",
// MANIFEST: "inputs": [
// MANIFEST-NEXT: {
// MANIFEST-NEXT: "dimNames": ["n"],
// MANIFEST-NEXT: "dims": [-1],
// MANIFEST-NEXT: "dtype": "f32",
// MANIFEST-NEXT: "name": "x"
// MANIFEST: "source": "artifact.mlir",
// MANIFEST: "target": "cpu",
// MANIFEST: "weightsBytes": 68

// Four f32 (1, 2, 3, 4), padding to 64 bytes, then the i4 values
// [-8, 7, -1, 0] one byte each, sign-extended.
// WEIGHTS:      0000000 00 00 80 3f 00 00 00 40 00 00 40 40 00 00 80 40
// WEIGHTS-NEXT: 0000016 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
// WEIGHTS:      0000064 f8 07 ff 00
// WEIGHTS-NEXT: 0000068

// SOURCE: extern "C" {
// SOURCE: int deepc_region_abi_version() { return DEEPC_REGION_ABI_VERSION; }
// SOURCE: extern "C" int deepc_region_0(const deepc_region_args *args) {
// SOURCE: #pragma omp parallel for simd if(n > kParallelElements) num_threads(threads)

// AGAIN: "n": 4
// CLEAN-NOT: tmp
// CLEAN: model.deepc
// CLEAN-NOT: tmp
func.func @main(%x: tensor<?xf32> {onnx.name = "x", onnx.dim_params = ["n"]})
    -> (tensor<?x4xf32> {onnx.name = "y"}, tensor<4xi4> {onnx.name = "q"}) {
  %w = deepc.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %q = deepc.constant dense<[-8, 7, -1, 0]> : tensor<4xi4>
  %0 = deepc.reshape %x : tensor<?xf32> -> tensor<?x1xf32>
  %1 = deepc.mul %0, %w : tensor<?x1xf32>, tensor<4xf32>
  %2 = deepc.sigmoid %1 : tensor<?x4xf32>
  return %2, %q : tensor<?x4xf32>, tensor<4xi4>
}
