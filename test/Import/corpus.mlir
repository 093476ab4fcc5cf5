// Tests that every model of the corpus in test/models (exported from
// PyTorch/transformers or built for ONNX Runtime's contrib ops by
// test/models/make_corpus.py) imports, with the symbolic batch and seq dims
// kept, and that each holds the construct it is in the corpus for.

// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,LLAMA
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,EXTERNAL
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,NBITS
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,LLAMA
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,BERT
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,GPT2
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,BATCHED
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,BATCHED
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,BATCHED,GROUPED
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,PEREXPERT
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,PEREXPERT
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=onnx | FileCheck %s --check-prefixes=LM,PEREXPERT,GROUPED
// RUN: deepc %deepc_src_root/test/models/ort_moe_swiglu/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,ORTMOE
// RUN: deepc %deepc_src_root/test/models/ort_moe_relu/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,ORTMOE
// RUN: deepc %deepc_src_root/test/models/ort_moe_silu_top1/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,ORTMOE
// RUN: deepc %deepc_src_root/test/models/gated_attention/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,GATE
// RUN: deepc %deepc_src_root/test/models/local_global_attention/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,LOCAL
// RUN: deepc %deepc_src_root/test/models/qdq_ffn/model.onnx --emit=onnx | FileCheck %s --check-prefixes=HIDDEN,QDQ

// Token models take input_ids [batch, seq].
// LM: func.func @main(%{{.*}}: tensor<?x?xsi64> {onnx.dim_params = ["batch", "seq"]
// Hidden-state models take [batch, seq, hidden].
// HIDDEN: func.func @main(%{{.*}}: tensor<?x?x{{[0-9]+}}x{{.*}} {onnx.dim_params = ["batch", "seq", ""]

// LLAMA-DAG: onnx.node "Softmax"
// LLAMA-DAG: onnx.node "Sin"
// EXTERNAL-DAG: dense_resource<
// EXTERNAL-DAG: onnx.node "Softmax"
// NBITS: onnx.node "MatMulNBits" domain "com.microsoft" version 1
// BERT: onnx.node "LayerNormalization"
// GPT2-DAG: onnx.node "LayerNormalization"
// GPT2-DAG: onnx.node "Tanh"
// BATCHED-DAG: onnx.node "TopK"
// BATCHED-DAG: onnx.node "GatherND"
// PEREXPERT-DAG: onnx.node "NonZero"
// PEREXPERT-DAG: onnx.node "ScatterND"
// GROUPED: onnx.node "Sigmoid"
// ORTMOE: onnx.node "MoE" domain "com.microsoft" version 1
// GATE-DAG: onnx.node "Sigmoid"
// GATE-DAG: onnx.node "Softmax"
// LOCAL: onnx.node "Softmax"
// QDQ-DAG: onnx.node "QuantizeLinear"
// QDQ-DAG: onnx.node "DequantizeLinear"
