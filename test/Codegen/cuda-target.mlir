// REQUIRES: nvcc
// --target=cuda: the regions of a corpus model become CUDA kernels in
// model.cu, compiled by nvcc into model_cuda.so with device code for every
// architecture asked for, and the manifest says so. Compile and link only:
// no GPU is needed (scripts/gpu-check.sh runs them on one).

// RUN: rm -rf %t.deepc
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_80,sm_90a -o %t.deepc
// RUN: FileCheck %s --check-prefix=MANIFEST < %t.deepc/manifest.json
// RUN: FileCheck %s --check-prefix=SOURCE < %t.deepc/model.cu
// RUN: readelf -S %t.deepc/model_cuda.so | FileCheck %s --check-prefix=FATBIN
// RUN: strings -a %t.deepc/model_cuda.so | grep -o 'sm_[0-9]*a*' | sort -u | FileCheck %s --check-prefix=ARCHS
// RUN: test -f %t.deepc/model.so
// Matmul epilogues are marked for CUDA too (cuBLASLt fuses those it can),
// but each result keeps its arena slot, so the pair can also run as two
// steps and graph capture sees fixed buffers: nothing is dynamic.
// RUN: grep -q '"epilogue": true' %t.deepc/plan.json
// RUN: not grep -q '"dynamic"' %t.deepc/plan.json

// MANIFEST: "codeLibrary": "model.so"
// MANIFEST: "cudaArchitectures": ["80", "90a"]
// MANIFEST: "cudaLibrary": "model_cuda.so"
// MANIFEST: "pipeline": "{{.*}},emit-cpu,emit-cuda"
// MANIFEST: "target": "cuda"

// Every region has a flat and a strided kernel and a launcher with the
// CudaRegionAbi.h signature, named like its model.so function.
// SOURCE: #define DEEPC_FN __device__ inline
// SOURCE: __device__ inline float deepc_region_0_body(
// SOURCE: __global__ void __launch_bounds__(kBlockThreads) deepc_region_0_flat(
// SOURCE: __global__ void __launch_bounds__(kBlockThreads) deepc_region_0_strided(
// SOURCE: extern "C" int deepc_region_0(const deepc_region_args *args, void *stream, int *fault) {
// SOURCE: deepc_region_0_flat<<<blocksFor(n), kBlockThreads, 0, s>>>(

// The device code of both architectures is embedded in the library.
// FATBIN: .nv_fatbin
// ARCHS: sm_80
// ARCHS-NEXT: sm_90a

// Architectures are checked before anything is compiled.
// RUN: not deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_8x -o %t.bad 2>&1 | FileCheck %s --check-prefix=BADARCH
// BADARCH: deepc: error: --target=cuda:sm_8x: invalid CUDA architecture 'sm_8x': expected sm_<number>[a], as in sm_80 or sm_90a
// RUN: not deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_60 -o %t.bad 2>&1 | FileCheck %s --check-prefix=OLDARCH
// OLDARCH: deepc: error: --target=cuda:sm_60: CUDA architecture 'sm_60' is too old: deepc's kernels need sm_70 or newer
// RUN: not deepc %deepc_src_root/test/models/llama/model.onnx --target=tpu -o %t.bad 2>&1 | FileCheck %s --check-prefix=BADTARGET
// BADTARGET: deepc: error: unknown target 'tpu': expected cpu or cuda:sm_XX[,sm_YY...]
// RUN: test ! -e %t.bad
