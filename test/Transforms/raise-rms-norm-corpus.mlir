// Tests that the deepc driver raises every flattened RMSNorm of the corpus
// models into deepc.rms_norm (as many as each model has norms, counted
// from its reduce_mean ops before raising) and that none of the primitive
// chain is left over.

// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_EXT --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_INT4 --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MISTRAL --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_BMM --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_PE --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_BMM --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_PE --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_BMM --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_PE --implicit-check-not=deepc.rms_norm \
// RUN:   --implicit-check-not=deepc.pow --implicit-check-not=deepc.reduce_mean \
// RUN:   --implicit-check-not=deepc.reciprocal --implicit-check-not=deepc.sqrt

// gpt2's GELU raises to the power 3 and it normalizes with layer_norm:
// nothing there is an RMSNorm.
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=GPT2 --implicit-check-not=deepc.rms_norm

// llama: 5 norms, 2 layers x (input, post-attention) + final.
// LLAMA-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// llama_external_data: 5 norms, as llama.
// LLAMA_EXT-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// llama_int4_matmulnbits: 5 norms, as llama.
// LLAMA_INT4-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// mistral_sliding_window: 5 norms, as llama.
// MISTRAL-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// mixtral_batched_mm: 5 norms, as llama.
// MIXTRAL_BMM-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999974E-6 : tensor<?x?x64xf32>

// mixtral_per_expert: 5 norms, as llama.
// MIXTRAL_PE-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999974E-6 : tensor<?x?x64xf32>

// qwen2_moe_batched_mm: 5 norms, as llama.
// QWEN2_BMM-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// qwen2_moe_per_expert: 5 norms, as llama.
// QWEN2_PE-COUNT-5: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x64xf32>

// deepseek_v3_batched_mm: 9 norms, 2 layers x (input, q_a, kv_a, post-attention) + final.
// DEEPSEEK_BMM-COUNT-9: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x{{[0-9]+}}xf32>

// deepseek_v3_per_expert: 9 norms, as deepseek_v3_batched_mm.
// DEEPSEEK_PE-COUNT-9: deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<?x?x{{[0-9]+}}xf32>

// GPT2: deepc.layer_norm
// GPT2: deepc.pow
