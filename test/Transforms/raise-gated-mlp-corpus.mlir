// Tests that the deepc driver raises every dense gated MLP of the corpus
// models into deepc.gated_mlp (one per dense layer: both layers of the
// Llama and Mistral models; DeepSeek-V3's first, dense layer, but not its
// shared expert, which deepc-raise-moe, running first, folds into the
// deepc.moe) with no sigmoid of the SwiGLU left, and leaves models without
// a dense float MLP alone.

// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.gated_mlp --implicit-check-not=deepc.sigmoid
// RUN: deepc %deepc_src_root/test/models/llama_external_data/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.gated_mlp --implicit-check-not=deepc.sigmoid
// RUN: deepc %deepc_src_root/test/models/mistral_sliding_window/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=LLAMA --implicit-check-not=deepc.gated_mlp --implicit-check-not=deepc.sigmoid
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DSV3 --implicit-check-not=deepc.gated_mlp
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DSV3 --implicit-check-not=deepc.gated_mlp
// RUN: deepc %deepc_src_root/test/models/llama_int4_matmulnbits/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=NONE --implicit-check-not=deepc.gated_mlp
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=NONE --implicit-check-not=deepc.gated_mlp
// RUN: deepc %deepc_src_root/test/models/bert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=NONE --implicit-check-not=deepc.gated_mlp

// The report names the product (the ONNX Mul) of each raised MLP.
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx --emit=deepc --report -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REPORT
// REPORT: deepc: report: deepc-raise-gated-mlp: raised 2: 'node_mul_194', 'node_mul_98'

// Hidden 64, intermediate 128: gate rows then up rows.
// LLAMA-COUNT-2: deepc.gated_mlp %{{.*}} : tensor<?x?x64xf32> gate_up(%{{.*}} : tensor<256x64xf32>) down(%{{.*}} : tensor<64x128xf32>){{$}}

// DSV3: deepc.gated_mlp %{{.*}} : tensor<?x?x64xf32> gate_up(%{{.*}} : tensor<256x64xf32>) down(%{{.*}} : tensor<64x128xf32>){{$}}
// DSV3: deepc.moe

// NONE: func.func @main
