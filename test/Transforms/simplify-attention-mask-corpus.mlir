// Tests that deepc-simplify-attention-mask turns the mask of every
// attention in the corpus into attributes where it is provable: the
// transformers-5 causal masks (with the packed-sequence ids that a position
// Range makes all equal) into `causal`, Mistral's sliding window into
// `causal, window_left = 7`, the local/global module's into a bidirectional
// window of 2 with 2 global tokens, and BERT's into its run-time padding
// factor alone ([batch, 1, 1, keys], i1, no causal). Each attention op of a
// model is checked (--implicit-check-not counts them).

// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_EXT --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_INT4 --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MISTRAL --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_BMM --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_PE --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_BMM --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_PE --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_BMM --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_PE --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=GPT2 --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/gated_attention/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=GATED --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/local_global_attention/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LOCAL_GLOBAL --implicit-check-not=deepc.attention
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=BERT --implicit-check-not=deepc.attention

// LLAMA: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// LLAMA: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// LLAMA_EXT: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// LLAMA_EXT: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// LLAMA_INT4: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// LLAMA_INT4: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// MISTRAL: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}, window_left = 7 : i64} :
// MISTRAL: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}, window_left = 7 : i64} :

// MIXTRAL_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// MIXTRAL_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// MIXTRAL_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// MIXTRAL_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// QWEN2_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// QWEN2_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// QWEN2_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :
// QWEN2_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// DEEPSEEK_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :
// DEEPSEEK_BMM: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :

// DEEPSEEK_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :
// DEEPSEEK_PE: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :

// GPT2: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :
// GPT2: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {causal, num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :

// GATED: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} gate %{{[^ ]*}} : tensor<4x16x1xf32> {causal, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}} :

// LOCAL_GLOBAL: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} {num_global_tokens = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = {{[^,]*}}, window_left = 2 : i64, window_right = 2 : i64} :

// BERT: %[[PAD:.*]] = deepc.gather_nd %{{.*}} : tensor<?x?xi1>, tensor<?x1x1x?x2xi64>
// BERT-COUNT-2: deepc.attention %{{[^ ]*}}, %{{[^ ]*}}, %{{[^ ]*}} mask %[[PAD]] : tensor<?x1x1x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = {{[^,]*}}} :
