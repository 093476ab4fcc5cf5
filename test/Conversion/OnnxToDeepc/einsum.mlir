// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests a batched matmul "bij,bjk->bik": the rhs is transposed to
// [b, k, j] for transpose_rhs.
// CHECK-LABEL: func.func @batched
// CHECK: %[[T:.*]] = deepc.transpose %{{.*}} [0, 2, 1] : tensor<2x8x5xf32>
// CHECK: %[[M:.*]] = deepc.matmul %{{.*}}, %[[T]] transpose_rhs : tensor<2x4x8xf32>, tensor<2x5x8xf32>
// CHECK: return %[[M]] : tensor<2x4x5xf32>
// CHECK-NOT: onnx.
func.func @batched(%a: tensor<2x4x8xf32>, %b: tensor<2x8x5xf32>) -> !onnx.unknown {
  %0 = onnx.node "Einsum" version 12 (%a, %b) {equation = "bij,bjk->bik"} : (tensor<2x4x8xf32>, tensor<2x8x5xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests attention scores "bhqd,bhkd->bhqk": no transpose at all.
// CHECK-LABEL: func.func @scores
// CHECK-NOT: deepc.transpose
// CHECK: %[[M:.*]] = deepc.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
// CHECK: return %[[M]] : tensor<?x4x?x?xf32>
func.func @scores(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>) -> !onnx.unknown {
  %0 = onnx.node "Einsum" version 12 (%q, %k) {equation = "bhqd, bhkd -> bhqk"} : (tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests a plain matmul "ij,jk->ik", the implicit-output form "ij,jk", and
// a router "bsh,eh->bse" (M = b*s flattened, weight used transposed).
// CHECK-LABEL: func.func @matrices
// CHECK: deepc.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<4x8xf32>, tensor<5x8xf32>
// CHECK: deepc.matmul %{{.*}}, %{{.*}} transpose_rhs : tensor<4x8xf32>, tensor<5x8xf32>
// CHECK: %[[F:.*]] = deepc.reshape %{{.*}} : tensor<2x?x64xf32> -> tensor<?x64xf32>
// CHECK: %[[R:.*]] = deepc.matmul %[[F]], %{{.*}} transpose_rhs : tensor<?x64xf32>, tensor<8x64xf32>
// CHECK: %[[O:.*]] = deepc.reshape %[[R]] : tensor<?x8xf32> -> tensor<2x?x8xf32>
// CHECK: return %{{.*}}, %{{.*}}, %[[O]] : tensor<4x5xf32>, tensor<4x5xf32>, tensor<2x?x8xf32>
func.func @matrices(%a: tensor<4x8xf32>, %b: tensor<8x5xf32>, %x: tensor<2x?x64xf32>, %w: tensor<8x64xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Einsum" version 12 (%a, %b) {equation = "ij,jk->ik"} : (tensor<4x8xf32>, tensor<8x5xf32>) -> !onnx.unknown
  %1 = onnx.node "Einsum" version 12 (%a, %b) {equation = "ij,jk"} : (tensor<4x8xf32>, tensor<8x5xf32>) -> !onnx.unknown
  %2 = onnx.node "Einsum" version 12 (%x, %w) {equation = "bsh,eh->bse"} : (tensor<2x?x64xf32>, tensor<8x64xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests one-operand forms: a transpose, a sum with transpose, and a trace
// (sum of the elementwise product with the identity).
// CHECK-LABEL: func.func @one_operand
// CHECK: %[[T:.*]] = deepc.transpose %{{.*}} [1, 0] : tensor<3x3xf32>
// CHECK: %[[S:.*]] = deepc.reduce_sum %{{.*}} axes = [1] : tensor<2x3x4xf32>
// CHECK: %[[P:.*]] = deepc.transpose %[[S]] [1, 0] : tensor<2x4xf32>
// CHECK: %[[I:.*]] = deepc.constant dense<{{\[}}[1.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 1.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 1.000000e+00]]> : tensor<3x3xf32>
// CHECK: %[[D:.*]] = deepc.mul %{{.*}}, %[[I]]
// CHECK: %[[TR:.*]] = deepc.reduce_sum %[[D]] axes = [0, 1] : tensor<3x3xf32>
// CHECK: return %[[T]], %[[P]], %[[TR]] : tensor<3x3xf32>, tensor<4x2xf32>, tensor<f32>
func.func @one_operand(%a: tensor<3x3xf32>, %x: tensor<2x3x4xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "Einsum" version 12 (%a) {equation = "ij->ji"} : (tensor<3x3xf32>) -> !onnx.unknown
  %1 = onnx.node "Einsum" version 12 (%x) {equation = "ijk->ki"} : (tensor<2x3x4xf32>) -> !onnx.unknown
  %2 = onnx.node "Einsum" version 12 (%a) {equation = "ii->"} : (tensor<3x3xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}
