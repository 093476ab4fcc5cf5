// Tests that the deepc driver raises every rotary embedding of the corpus
// models into deepc.rotary (q and k of each of the 2 layers), that the
// tables are narrowed to one cos and one sin of the r/2 angles, shared by all
// rotations, and that none of the rotate_half chain (neg) or of the r-wide
// tables is left over.
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=HALF --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK --implicit-check-not=deepc.rotary \
// RUN:   --implicit-check-not=deepc.neg --implicit-check-not=deepc.cos --implicit-check-not=deepc.sin

// gpt2 (learned positions) and bert have no rotary embedding.
// RUN: deepc %deepc_src_root/test/models/gpt2/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=NONE --implicit-check-not=deepc.rotary
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=NONE --implicit-check-not=deepc.rotary

// Llama, Mistral, Mixtral and Qwen2-MoE (head dim 16, 4 q / 2 kv heads):
// cos/sin(concat(f, f)) become cos/sin(f) of 8 angles, and
// x · cos + concat(-x[8:], x[:8]) · sin one half-layout rotary.
// HALF: deepc.cos %{{.*}} : tensor<1x?x8xf32>
// HALF: deepc.sin %{{.*}} : tensor<1x?x8xf32>
// HALF-COUNT-2: deepc.rotary %{{.*}}, %[[C:[0-9]+]], %[[S:[0-9]+]] layout = <half> : tensor<?x{{4|2}}x?x16xf32>, tensor<1x1x?x8xf32>
// HALF-COUNT-2: deepc.rotary %{{.*}}, %[[C]], %[[S]] layout = <half> : tensor<?x{{4|2}}x?x16xf32>, tensor<1x1x?x8xf32>

// DeepSeek-V3 (rope dim 8, 4 q heads, 1 shared k_pe head): the pairs
// (x[2i], x[2i+1]) rotated half by half into the half layout become the
// half-layout rotary of the de-interleaved concat(x[0::2], x[1::2]), with the
// tables sliced from cos/sin(concat(f, f)) narrowed to cos/sin(f).
// DEEPSEEK: deepc.cos %{{.*}} : tensor<1x?x4xf32>
// DEEPSEEK: deepc.sin %{{.*}} : tensor<1x?x4xf32>
// DEEPSEEK: deepc.rotary %{{.*}}, %[[C:[0-9]+]], %[[S:[0-9]+]] layout = <half> : tensor<?x4x?x8xf32>, tensor<1x1x?x4xf32>
// DEEPSEEK: deepc.rotary %{{.*}}, %[[C]], %[[S]] layout = <half> : tensor<?x1x?x8xf32>, tensor<1x1x?x4xf32>
// DEEPSEEK: deepc.rotary %{{.*}}, %[[C]], %[[S]] layout = <half> : tensor<?x4x?x8xf32>, tensor<1x1x?x4xf32>
// DEEPSEEK: deepc.rotary %{{.*}}, %[[C]], %[[S]] layout = <half> : tensor<?x1x?x8xf32>, tensor<1x1x?x4xf32>

// NONE: func.func @main
