// Tests that the deepc driver raises the unrolled per-expert loop of each
// MoE layer in the corpus's *_per_expert models into exactly one deepc.moe
// on the layer's own stacked weights (the names of the resources say
// whose), with the router and shared expert folded in, and that no
// nonzero or scatter-add of the loop is left over.

// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=MIXTRAL --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not=deepc.nonzero --implicit-check-not=deepc.scatter
// RUN: deepc %deepc_src_root/test/models/qwen2_moe_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=QWEN2 --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not=deepc.nonzero --implicit-check-not=deepc.scatter
// DeepSeek-V3's MLA attention scatters too (with reduction none): only
// scatter-adds belong to the loop.
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --elide-weights-if-larger=16 \
// RUN:   | FileCheck %s --check-prefix=DEEPSEEK --implicit-check-not=deepc.moe \
// RUN:   --implicit-check-not=deepc.nonzero --implicit-check-not='reduction = <add>'

// --report names the last scatter of each raised loop (the pipeline is cut
// to what the pass needs, so that only its remarks are checked).
// RUN: deepc %deepc_src_root/test/models/mixtral_per_expert/model.onnx --emit=deepc --report \
// RUN:   --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-moe-loop)' 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=REPORT-MIXTRAL
// RUN: deepc %deepc_src_root/test/models/deepseek_v3_per_expert/model.onnx --emit=deepc --report \
// RUN:   --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-moe-loop)' 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=REPORT-DEEPSEEK

// Mixtral: fused [E, 2I, H] gate/up and [E, H, I] down stacks, taken as they
// are; softmax top-2 renormalized.
// MIXTRAL-DAG: %[[GU0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.experts.gate_up_proj> : tensor<4x128x64xf32>
// MIXTRAL-DAG: %[[D0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.experts.down_proj> : tensor<4x64x64xf32>
// MIXTRAL-DAG: %[[GU1:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.experts.gate_up_proj> : tensor<4x128x64xf32>
// MIXTRAL-DAG: %[[D1:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.experts.down_proj> : tensor<4x64x64xf32>
// MIXTRAL: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> gate_up(%[[GU0]] : tensor<4x128x64xf32>) down(%[[D0]] : tensor<4x64x64xf32>) {renormalize, top_k = 2 : i64}
// MIXTRAL: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<4x64xf32> gate_up(%[[GU1]] : tensor<4x128x64xf32>) down(%[[D1]] : tensor<4x64x64xf32>) {renormalize, top_k = 2 : i64}

// Qwen2-MoE: not renormalized, the shared expert and its sigmoid gate
// folded in.
// QWEN2-DAG: %[[R0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.gate.weight> : tensor<8x64xf32>
// QWEN2-DAG: %[[GU0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.experts.gate_up_proj> : tensor<8x64x64xf32>
// QWEN2-DAG: %[[D0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.experts.down_proj> : tensor<8x64x32xf32>
// QWEN2-DAG: %[[SG0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.shared_expert.gate_proj.weight> : tensor<64x64xf32>
// QWEN2-DAG: %[[SU0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.shared_expert.up_proj.weight> : tensor<64x64xf32>
// QWEN2-DAG: %[[SD0:.*]] = deepc.constant dense_resource<m.model.layers.0.mlp.shared_expert.down_proj.weight> : tensor<64x64xf32>
// QWEN2-DAG: %[[R1:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.gate.weight> : tensor<8x64xf32>
// QWEN2-DAG: %[[GU1:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.experts.gate_up_proj> : tensor<8x64x64xf32>
// QWEN2: deepc.moe %{{.*}}, %[[R0]] : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%[[GU0]] : tensor<8x64x64xf32>) down(%[[D0]] : tensor<8x64x32xf32>) shared_gate(%[[SG0]] : tensor<64x64xf32>) shared_up(%[[SU0]] : tensor<64x64xf32>) shared_down(%[[SD0]] : tensor<64x64xf32>) shared_expert_gate(%{{.*}} : tensor<1x64xf32>) {top_k = 2 : i64}
// QWEN2-NOT: deepc.sigmoid
// QWEN2: deepc.moe %{{.*}}, %[[R1]] : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%[[GU1]] : tensor<8x64x64xf32>) down({{.*}}) shared_gate({{.*}}) shared_up({{.*}}) shared_down({{.*}}) shared_expert_gate({{.*}}) {top_k = 2 : i64}

// DeepSeek-V3 (MoE in layer 1 only): sigmoid scores with the correction
// bias, 4 groups of which 2 stay, renormalized and scaled by 2.5; its shared
// expert, stored x·W ([H, Is]), comes transposed, and the MoE's output is
// reshaped back to the [batch, seq, H] the shared expert was added in.
// DEEPSEEK-DAG: %[[GU:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.experts.gate_up_proj> : tensor<8x64x64xf32>
// DEEPSEEK-DAG: %[[D:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.experts.down_proj> : tensor<8x64x32xf32>
// DEEPSEEK-DAG: %[[R:.*]] = deepc.constant dense_resource<m.model.layers.1.mlp.gate.weight> : tensor<8x64xf32>
// DEEPSEEK: %[[SG:.*]] = deepc.transpose %{{.*}} [1, 0] : tensor<64x32xf32>
// DEEPSEEK: %[[SU:.*]] = deepc.transpose %{{.*}} [1, 0] : tensor<64x32xf32>
// DEEPSEEK: %[[SD:.*]] = deepc.transpose %{{.*}} [1, 0] : tensor<32x64xf32>
// DEEPSEEK: %[[MOE:.*]] = deepc.moe %{{.*}}, %[[R]] : tensor<?x64xf32>, tensor<8x64xf32> gate_up(%[[GU]] : tensor<8x64x64xf32>) down(%[[D]] : tensor<8x64x32xf32>) correction_bias(%{{.*}} : tensor<8xf32>) shared_gate(%[[SG]] : tensor<32x64xf32>) shared_up(%[[SU]] : tensor<32x64xf32>) shared_down(%[[SD]] : tensor<64x32xf32>) {n_group = 4 : i64, renormalize, routed_scaling_factor = 2.500000e+00 : f32, router = #deepc.router<sigmoid>, top_k = 2 : i64, topk_group = 2 : i64}
// DEEPSEEK-NEXT: %[[Y:.*]] = deepc.reshape %[[MOE]] shape %{{.*}} : tensor<?x64xf32>, tensor<3xi64> -> tensor<?x?x64xf32>
// DEEPSEEK-NEXT: deepc.add %{{.*}}, %[[Y]] : tensor<?x?x64xf32>, tensor<?x?x64xf32>

// REPORT-MIXTRAL: deepc-raise-moe-loop: raised 2: 'node_ScatterND_{{[0-9]+}}', 'node_ScatterND_{{[0-9]+}}'
// REPORT-DEEPSEEK: deepc-raise-moe-loop: raised 1: 'node_ScatterND_{{[0-9]+}}'
// REPORT-DEEPSEEK-NOT: deepc-raise-moe-loop: left
