// Tests that the deepc driver raises each MoE layer of the corpus models
// exported in transformers' batched_mm form into exactly one deepc.moe, with
// the router, expert and shared-expert weights the model has, and that no
// gather of stacked expert weights (f32 [E, ., .]) is left over.

// RUN: deepc %deepc_src_root/test/models/mixtral_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not="deepc.gather_nd %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xf32>"
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2 --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not="deepc.gather_nd %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xf32>"
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not="deepc.gather_nd %{{.*}} : tensor<{{[0-9]+}}x{{[0-9]+}}x{{[0-9]+}}xf32>"

// --report names the top-k of each layer raised.
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_batched_mm/model.onnx --emit=deepc --report -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REPORT

// mixtral_batched_mm: 2 layers of 4 experts, softmax top-2 renormalized,
// a fused gate_up [E, 2I, H].
// MIXTRAL-COUNT-2: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> gate_up(%{{.*}} : tensor<4x128x64xf32>) down(%{{.*}} : tensor<4x64x64xf32>) {renormalize, top_k = 2 : i64}

// qwen2_moe_batched_mm: 2 layers of 8 experts, softmax top-2 as is, and a
// shared expert scaled by sigmoid(x · gᵀ).
// QWEN2-COUNT-2: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%{{.*}} : tensor<8x64x64xf32>) down(%{{.*}} : tensor<8x64x32xf32>) shared_gate(%{{.*}} : tensor<64x64xf32>) shared_up(%{{.*}} : tensor<64x64xf32>) shared_down(%{{.*}} : tensor<64x64xf32>) shared_expert_gate(%{{.*}} : tensor<1x64xf32>) {top_k = 2 : i64}

// deepseek_v3_batched_mm: layer 0 is dense; layer 1 routes by sigmoid with a
// correction bias, keeps the 2 best of 4 groups by top-2 sums (the dropped
// ones filled with 0, which never wins: each group has an expert with a
// positive bias), renormalizes and scales by 2.5. Its shared expert, added
// to the routed sum reshaped to [batch, seq, H], joins the deepc.moe and the
// reshape moves after it.
// DEEPSEEK: %[[MOE:.*]] = deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%{{.*}} : tensor<8x64x64xf32>) down(%{{.*}} : tensor<8x64x32xf32>) correction_bias(%{{.*}} : tensor<8xf32>) shared_gate(%{{.*}} : tensor<32x64xf32>) shared_up(%{{.*}} : tensor<32x64xf32>) shared_down(%{{.*}} : tensor<64x32xf32>) {n_group = 4 : i64, renormalize, routed_scaling_factor = 2.500000e+00 : f32, router = #deepc.router<sigmoid>, top_k = 2 : i64, topk_group = 2 : i64}
// DEEPSEEK-NEXT: %[[ROUTED:.*]] = deepc.reshape %[[MOE]] shape
// DEEPSEEK-NEXT: deepc.add %{{.*}}, %[[ROUTED]] : tensor<?x?x64xf32>, tensor<?x?x64xf32>

// REPORT: deepc-raise-moe: raised 1: 'node_topk_2__1'
