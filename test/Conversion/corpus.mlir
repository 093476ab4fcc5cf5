// Tests that every model of the corpus (test/models, see its README.md)
// legalizes completely: `deepc --emit=deepc` leaves no onnx.node, the result
// verifies (the driver verifies after each pass), main keeps the dynamic
// batch and sequence dims, and each model's defining ops come out as the
// deepc ops they should. Only legalization and RMSNorm raising run (the
// other raising passes have corpus tests of their own in test/Transforms).
// The two ORT MoE models with expert biases are
// refused with a clear message: deepc.moe has no expert biases yet.

// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=BERT --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=DSV3BMM --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=DSV3PE --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/gated_attention/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=GATED --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=GPT2 --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=LLAMA --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=LLAMAEXT --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=INT4 --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/local_global_attention/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=LOCALGLOBAL --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=MISTRAL --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=MIXTRALBMM --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=MIXTRALPE --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/ort_moe_swiglu/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=ORTMOE --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/qdq_ffn/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=QDQ --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=QWENBMM --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefix=QWENPE --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/ort_moe_relu/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefixes=BIASED,BIASEDRELU --implicit-check-not=onnx.node
// RUN: deepc %deepc_src_root/test/models/ort_moe_silu_top1/model.onnx --emit=deepc --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,canonicalize)' | FileCheck %s --check-prefixes=BIASED,BIASEDSILU --implicit-check-not=onnx.node

// bert
// BERT-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}, %arg1: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// BERT-DAG: deepc.gather_elements %
// BERT-DAG: deepc.layer_norm %
// BERT-DAG: deepc.erf %
// BERT-DAG: deepc.softmax %
// BERT-DAG: deepc.matmul %

// deepseek_v3_batched_mm
// DSV3BMM-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// DSV3BMM-DAG: deepc.topk %
// DSV3BMM-DAG: deepc.scatter_elements %
// DSV3BMM-DAG: deepc.gather_nd %
// DSV3BMM-DAG: deepc.sigmoid %
// DSV3BMM-DAG: deepc.softmax %
// DSV3BMM-DAG: deepc.matmul %

// deepseek_v3_per_expert
// DSV3PE-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// DSV3PE-DAG: deepc.topk %
// DSV3PE-DAG: deepc.scatter_elements %
// DSV3PE-DAG: deepc.nonzero %
// DSV3PE-DAG: deepc.scatter %
// DSV3PE-DAG: deepc.softmax %
// DSV3PE-DAG: deepc.matmul %

// gated_attention
// GATED-LABEL: func.func @main(%arg0: tensor<?x?x64xf32> {{.*}}) -> (tensor<?x?x64xf32> {{.*}})
// GATED-DAG: deepc.sigmoid %
// GATED-DAG: deepc.softmax %
// GATED-DAG: deepc.matmul %

// gpt2
// GPT2-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// GPT2-DAG: deepc.layer_norm %
// GPT2-DAG: deepc.tanh %
// GPT2-DAG: deepc.softmax %
// GPT2-DAG: deepc.matmul %

// llama
// LLAMA-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// LLAMA-DAG: deepc.rms_norm %
// LLAMA-DAG: deepc.cos %
// LLAMA-DAG: deepc.sin %
// LLAMA-DAG: deepc.softmax %
// LLAMA-DAG: deepc.matmul %

// llama_external_data
// LLAMAEXT-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// LLAMAEXT-DAG: deepc.softmax %
// LLAMAEXT-DAG: deepc.matmul %

// llama_int4_matmulnbits
// INT4-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// INT4-DAG: deepc.qmatmul %
// INT4-DAG: deepc.softmax %

// local_global_attention
// LOCALGLOBAL-LABEL: func.func @main(%arg0: tensor<?x?x64xf32> {{.*}}) -> (tensor<?x?x64xf32> {{.*}})
// LOCALGLOBAL-DAG: deepc.or %
// LOCALGLOBAL-DAG: deepc.softmax %
// LOCALGLOBAL-DAG: deepc.matmul %

// mistral_sliding_window
// MISTRAL-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// MISTRAL-DAG: deepc.greater %
// MISTRAL-DAG: deepc.softmax %
// MISTRAL-DAG: deepc.matmul %

// mixtral_batched_mm
// MIXTRALBMM-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// MIXTRALBMM-DAG: deepc.topk %
// MIXTRALBMM-DAG: deepc.gather_nd %
// MIXTRALBMM-DAG: deepc.reduce_sum %
// MIXTRALBMM-DAG: deepc.softmax %
// MIXTRALBMM-DAG: deepc.matmul %

// mixtral_per_expert
// MIXTRALPE-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// MIXTRALPE-DAG: deepc.topk %
// MIXTRALPE-DAG: deepc.nonzero %
// MIXTRALPE-DAG: deepc.scatter %
// MIXTRALPE-DAG: deepc.softmax %
// MIXTRALPE-DAG: deepc.matmul %

// ort_moe_swiglu
// ORTMOE-LABEL: func.func @main(%arg0: tensor<?x?x64xf32> {{.*}}) -> (tensor<?x?x64xf32> {{.*}})
// ORTMOE-DAG: deepc.moe %

// qdq_ffn
// QDQ-LABEL: func.func @main(%arg0: tensor<?x?x64xf32> {{.*}}) -> (tensor<?x?x64xf32> {{.*}})
// QDQ-DAG: deepc.quantize %
// QDQ-DAG: deepc.dequantize %
// QDQ-DAG: deepc.matmul %

// qwen2_moe_batched_mm
// QWENBMM-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// QWENBMM-DAG: deepc.topk %
// QWENBMM-DAG: deepc.gather_nd %
// QWENBMM-DAG: deepc.sigmoid %
// QWENBMM-DAG: deepc.softmax %
// QWENBMM-DAG: deepc.matmul %

// qwen2_moe_per_expert
// QWENPE-LABEL: func.func @main(%arg0: tensor<?x?xi64> {{.*}}) -> (tensor<?x?x256xf32> {{.*}})
// QWENPE-DAG: deepc.topk %
// QWENPE-DAG: deepc.nonzero %
// QWENPE-DAG: deepc.scatter %
// QWENPE-DAG: deepc.sigmoid %
// QWENPE-DAG: deepc.softmax %
// QWENPE-DAG: deepc.matmul %

// The ORT MoE models with expert biases: fc1's bias goes to the up
// projection, fc2's to the down projection.
// BIASED-LABEL: func.func @main(%arg0: tensor<?x?x64xf32> {{.*}}) -> (tensor<?x?x64xf32> {{.*}})
// BIASED: deepc.moe %arg0, %{{.*}} : tensor<?x?x64xf32>, tensor<4x64xf32> up(%{{.*}} : tensor<4x64x64xf32>) down(%{{.*}} : tensor<4x64x64xf32>) up_bias(%{{.*}} : tensor<4x64xf32>) down_bias(%{{.*}} : tensor<4x64xf32>)
// BIASEDRELU-SAME: {activation = #deepc.activation<relu>, gated = false, top_k = 2 : i64}
// BIASEDSILU-SAME: {gated = false, top_k = 1 : i64}
