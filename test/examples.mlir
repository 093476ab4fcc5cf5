// Tests that the bundled example the README's first command runs still
// parses and that canonicalization does its advertised work on it: the
// inverse transpose pair and the zero bias disappear, the o-projection
// transpose cancels the matmul's transpose_rhs, and the layer keeps one attention
// and one MoE.
// RUN: deepc-opt %deepc_src_root/examples/mixtral_layer.mlir --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @mixtral_layer
// CHECK: deepc.rms_norm
// CHECK-NOT: deepc.transpose %{{.*}} [0, 1, 3, 2]
// CHECK: deepc.attention {{.*}}causal{{.*}}num_heads = 4 : i64, num_kv_heads = 2 : i64
// The o projection's transpose cancels its transpose_rhs flag.
// CHECK: deepc.matmul %{{[0-9]+}}, %{{[a-z0-9_]+}} : tensor<?x?x64xf32>, tensor<64x64xf32>
// CHECK: deepc.rms_norm
// CHECK: deepc.moe {{.*}}top_k = 2
// CHECK-NOT: deepc.constant dense<0.000000e+00>
// CHECK: return
