// REQUIRES: nvcc
// --precision=bf16 with the CUDA target: the bf16 module of every corpus
// model plans, and its emitted CUDA regions (bf16 loads and stores, f32
// math) compile and link with nvcc for sm_90a: each artifact holds
// model_cuda.so. Compile only; scripts/gpu-check.sh runs them on a GPU.

// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/bert.deepc && test -f %t/bert.deepc/model_cuda.so && rm -rf %t/bert.deepc
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/deepseek_v3_batched_mm.deepc && test -f %t/deepseek_v3_batched_mm.deepc/model_cuda.so && rm -rf %t/deepseek_v3_batched_mm.deepc
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/deepseek_v3_per_expert.deepc && test -f %t/deepseek_v3_per_expert.deepc/model_cuda.so && rm -rf %t/deepseek_v3_per_expert.deepc
// RUN: deepc %deepc_src_root/test/models/gated_attention/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/gated_attention.deepc && test -f %t/gated_attention.deepc/model_cuda.so && rm -rf %t/gated_attention.deepc
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/gpt2.deepc && test -f %t/gpt2.deepc/model_cuda.so && rm -rf %t/gpt2.deepc
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/llama.deepc && test -f %t/llama.deepc/model_cuda.so && rm -rf %t/llama.deepc
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/llama_external_data.deepc && test -f %t/llama_external_data.deepc/model_cuda.so && rm -rf %t/llama_external_data.deepc
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/llama_int4_matmulnbits.deepc && test -f %t/llama_int4_matmulnbits.deepc/model_cuda.so && rm -rf %t/llama_int4_matmulnbits.deepc
// RUN: deepc %deepc_src_root/test/models/local_global_attention/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/local_global_attention.deepc && test -f %t/local_global_attention.deepc/model_cuda.so && rm -rf %t/local_global_attention.deepc
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/mistral_sliding_window.deepc && test -f %t/mistral_sliding_window.deepc/model_cuda.so && rm -rf %t/mistral_sliding_window.deepc
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/mixtral_batched_mm.deepc && test -f %t/mixtral_batched_mm.deepc/model_cuda.so && rm -rf %t/mixtral_batched_mm.deepc
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/mixtral_per_expert.deepc && test -f %t/mixtral_per_expert.deepc/model_cuda.so && rm -rf %t/mixtral_per_expert.deepc
// RUN: deepc %deepc_src_root/test/models/ort_moe_relu/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/ort_moe_relu.deepc && test -f %t/ort_moe_relu.deepc/model_cuda.so && rm -rf %t/ort_moe_relu.deepc
// RUN: deepc %deepc_src_root/test/models/ort_moe_silu_top1/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/ort_moe_silu_top1.deepc && test -f %t/ort_moe_silu_top1.deepc/model_cuda.so && rm -rf %t/ort_moe_silu_top1.deepc
// RUN: deepc %deepc_src_root/test/models/ort_moe_swiglu/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/ort_moe_swiglu.deepc && test -f %t/ort_moe_swiglu.deepc/model_cuda.so && rm -rf %t/ort_moe_swiglu.deepc
// RUN: deepc %deepc_src_root/test/models/qdq_ffn/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/qdq_ffn.deepc && test -f %t/qdq_ffn.deepc/model_cuda.so && rm -rf %t/qdq_ffn.deepc
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/qwen2_moe_batched_mm.deepc && test -f %t/qwen2_moe_batched_mm.deepc/model_cuda.so && rm -rf %t/qwen2_moe_batched_mm.deepc
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --target=cuda:sm_90a --precision=bf16 -o %t/qwen2_moe_per_expert.deepc && test -f %t/qwen2_moe_per_expert.deepc/model_cuda.so && rm -rf %t/qwen2_moe_per_expert.deepc
// RUN: ls %t | count 0
