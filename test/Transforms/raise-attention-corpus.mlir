// Tests that the deepc driver raises every attention layer of the corpus
// models into one deepc.attention (as many as each model has layers) with
// k and v un-repeated, and that no score or probability tensor
// ([batch, 4, seq, kv_seq]) nor softmax is left over.
// The masks are checked by simplify-attention-mask's tests.

// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_EXT --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA_INT4 --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MISTRAL --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=BERT --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=GPT2 --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/gated_attention/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=GATED --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/local_global_attention/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LOCAL_GLOBAL --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_BMM --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL_PE --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_BMM --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2_PE --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_BMM --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK_PE --implicit-check-not=deepc.attention \
// RUN:   --implicit-check-not=deepc.softmax --implicit-check-not='tensor<?x4x?x?xf32>'

// llama: 2 layers of GQA (4 query heads, 2 key/value heads, D 16), the scale split as 0.5 on q and on kᵀ; repeat_kv undone.
// LLAMA-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// llama_external_data: as llama.
// LLAMA_EXT-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// llama_int4_matmulnbits: as llama.
// LLAMA_INT4-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// mistral_sliding_window: as llama (the window is the mask's business).
// MISTRAL-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// bert: 2 layers of bidirectional MHA (4 heads) with the padding mask kept as an i1 operand.
// BERT-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} mask %{{.*}} : tensor<?x1x1x?xi1> {num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 2.500000e-01 : f32} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>

// gpt2: 2 layers of MHA (4 heads) from the fused c_attn projection.
// GPT2-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>

// gated_attention: one GQA layer with the sigmoid gate G [4, 16, 1].
// GATED-COUNT-1: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} gate %{{.*}} : tensor<4x16x1xf32> {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// local_global_attention: one bidirectional GQA layer, masked by masked_fill.
// LOCAL_GLOBAL-COUNT-1: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// mixtral_batched_mm: as llama.
// MIXTRAL_BMM-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// mixtral_per_expert: as llama.
// MIXTRAL_PE-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// qwen2_moe_batched_mm: as llama (q/k/v projections with biases).
// QWEN2_BMM-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// qwen2_moe_per_expert: as qwen2_moe_batched_mm.
// QWEN2_PE-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32{{.*}} : tensor<?x4x?x16xf32>, tensor<?x2x?x16xf32>, tensor<?x2x?x16xf32>

// deepseek_v3_batched_mm: 2 layers of MLA, q = concat(q_nope, q_rope) and k scattered from k_nope and the expanded k_rope: Dk 24, Dv 16, scale 1/sqrt(24).
// DEEPSEEK_BMM-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 0.204124153 : f32{{.*}} : tensor<?x4x?x24xf32>, tensor<?x4x?x24xf32>, tensor<?x4x?x16xf32>

// deepseek_v3_per_expert: as deepseek_v3_batched_mm.
// DEEPSEEK_PE-COUNT-2: deepc.attention %{{.*}}, %{{.*}}, %{{.*}} {{.*}}num_heads = 4 : i64, num_kv_heads = 4 : i64, scale = 0.204124153 : f32{{.*}} : tensor<?x4x?x24xf32>, tensor<?x4x?x24xf32>, tensor<?x4x?x16xf32>
