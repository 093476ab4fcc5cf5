// Issue 7: a CUDA artifact (deepc --target=cuda) runs on a GPU by default
// and on the CPU with --device=cpu (it carries the CPU plan and model.so
// beside model_cuda.so). nvcc compiles the regions whether or not this
// machine has a GPU; running on one needs a GPU, so the CUDA runs accept
// either a passed check or the runtime's clear refusal.
// REQUIRES: nvcc

// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_80 -o %t/llama.deepc
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/llama.deepc/manifest.json
// MANIFEST: "cudaArchitectures": ["80"],
// MANIFEST: "cudaLibrary": "model_cuda.so",
// MANIFEST: "target": "cuda"

// On the CPU, onnxruntime's outputs; -v says where the steps ran.
// RUN: deepc-run %t/llama.deepc --device=cpu -v --inputs %deepc_src_root/test/models/llama/test_data_set_0 --check | FileCheck %s --check-prefix=CPU
// CPU: device: cpu: {{[0-9]+}} steps
// CPU: check passed

// On the GPU, explicitly and by default (the artifact's target). Without
// a GPU: "no CUDA device: ..." and exit 1 (`|| true` keeps the run going
// so that FileCheck decides); a runtime built without CUDA says so.
// RUN: deepc-run %t/llama.deepc --device=cuda -v --inputs %deepc_src_root/test/models/llama/test_data_set_0 --check > %t/cuda.out 2>&1 || true
// RUN: FileCheck %s --check-prefix=CUDA < %t/cuda.out
// RUN: deepc-run %t/llama.deepc --inputs %deepc_src_root/test/models/llama/test_data_set_1 --check > %t/default.out 2>&1 || true
// RUN: FileCheck %s --check-prefix=CUDA < %t/default.out
// CUDA: {{check passed|deepc-run: error: no CUDA device: .*--device=cpu|deepc-run: error: this runtime was built without CUDA}}

// An MoE artifact with a capacity: the counters come from whichever device
// ran the layer, here the CPU.
// RUN: deepc %deepc_src_root/test/models/ort_moe_swiglu/model.onnx --target=cuda:sm_80 --moe-capacity-factor=4 -o %t/moe.deepc
// RUN: deepc-run %t/moe.deepc --device=cpu --inputs %deepc_src_root/test/models/ort_moe_swiglu/test_data_set_0 --check | FileCheck %s --check-prefix=MOE
// MOE: check passed
// MOE-NEXT: moe: 0 of 20 token-expert assignments dropped by capacity (0.0%)

// --device-index picks a GPU, so it needs --device=cuda.
// RUN: not deepc-run %t/llama.deepc --device-index 1 --random-inputs 2>&1 | FileCheck %s --check-prefix=INDEX
// INDEX: error: --device-index needs --device=cuda
