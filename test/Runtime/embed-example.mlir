// The embedding example (examples/embed/embed.c, which uses nothing but the
// C API) loads a compiled MoE model and a dense one, runs them, and its
// checksums match onnxruntime on the same inputs.
// RUN: rm -rf %t.moe.deepc %t.llama.deepc
// RUN: deepc %deepc_src_root/test/models/ort_moe_swiglu/model.onnx -o %t.moe.deepc
// RUN: deepc-embed-example %t.moe.deepc | %python %S/Inputs/check_embed.py %deepc_src_root/test/models/ort_moe_swiglu/model.onnx | FileCheck %s
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx -o %t.llama.deepc
// RUN: deepc-embed-example %t.llama.deepc batch=2 seq=4 | %python %S/Inputs/check_embed.py %deepc_src_root/test/models/llama/model.onnx batch=2 seq=4 | FileCheck %s
// CHECK: embed example matches onnxruntime on 1 output(s)

// A missing artifact is one error line and exit code 1.
// RUN: not deepc-embed-example %t.missing 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: loading the model: no artifact directory at
