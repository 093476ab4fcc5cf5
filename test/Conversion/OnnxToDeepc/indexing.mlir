// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx | FileCheck %s

// Tests that Range up to a dynamic dim becomes deepc.range, whose length
// is known to be that dim: the Expand to [n, n] then needs no shape_of of
// the range.
// CHECK-LABEL: func.func @range_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?xf32>)
// CHECK: %[[R:.*]] = deepc.range %{{.*}}, %{{.*}}, %{{.*}} : tensor<i64> -> tensor<?xi64>
// CHECK: return %[[R]] : tensor<?xi64>
// CHECK-NOT: onnx.
func.func @range_dynamic(%x: tensor<?xf32>) -> !onnx.unknown {
  %s = onnx.node "Shape" version 13 (%x) : (tensor<?xf32>) -> !onnx.unknown
  %z = onnx.constant dense<0> : tensor<si64>
  %n = onnx.node "Gather" version 13 (%s, %z) : (!onnx.unknown, tensor<si64>) -> !onnx.unknown
  %one = onnx.constant dense<1> : tensor<si64>
  %0 = onnx.node "Range" version 11 (%z, %n, %one) : (tensor<si64>, !onnx.unknown, tensor<si64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests Trilu upper and lower with a constant k, as causal masks use.
// CHECK-LABEL: func.func @trilu
// CHECK: deepc.trilu %{{.*}} k = 1 : tensor<?x?xf32>
// CHECK: deepc.trilu %{{.*}} lower : tensor<?x?xf32>
// CHECK-NOT: onnx.
func.func @trilu(%x: tensor<?x?xf32>) -> (!onnx.unknown, !onnx.unknown) {
  %k = onnx.constant dense<1> : tensor<si64>
  %0 = onnx.node "Trilu" version 14 (%x, %k) : (tensor<?x?xf32>, tensor<si64>) -> !onnx.unknown
  %1 = onnx.node "Trilu" version 14 (%x) {upper = 0 : i64} : (tensor<?x?xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests CumSum with a constant axis and both flags.
// CHECK-LABEL: func.func @cumsum
// CHECK: deepc.cumsum %{{.*}} axis = 1 : tensor<?x?xi64>
// CHECK: deepc.cumsum %{{.*}} axis = 1 exclusive reverse : tensor<?x?xi64>
func.func @cumsum(%m: tensor<?x?xsi64>) -> (!onnx.unknown, !onnx.unknown) {
  %a = onnx.constant dense<-1> : tensor<si64>
  %0 = onnx.node "CumSum" version 14 (%m, %a) : (tensor<?x?xsi64>, tensor<si64>) -> !onnx.unknown
  %1 = onnx.node "CumSum" version 11 (%m, %a) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<?x?xsi64>, tensor<si64>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests TopK with K as a constant input (opset 11, smallest unsorted) and
// as an attribute (opset 1): two results, the indices i64.
// CHECK-LABEL: func.func @topk
// CHECK: %[[V:.*]], %[[I:.*]] = deepc.topk %{{.*}} k = 2 axis = 1 : tensor<?x8xf32>
// CHECK: %{{.*}}, %[[J:.*]] = deepc.topk %{{.*}} k = 3 axis = 0 {largest = false, sorted = false} : tensor<?x8xf32>
// CHECK: return %[[V]], %[[I]], %[[J]] : tensor<?x2xf32>, tensor<?x2xi64>, tensor<3x8xi64>
func.func @topk(%x: tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %k = onnx.constant dense<[2]> : tensor<1xsi64>
  %v, %i = onnx.node "TopK" version 1 (%x) {k = 2 : i64} : (tensor<?x8xf32>) -> (!onnx.unknown, !onnx.unknown)
  %k3 = onnx.constant dense<[3]> : tensor<1xsi64>
  %v2, %i2 = onnx.node "TopK" version 11 (%x, %k3) {axis = 0 : i64, largest = 0 : i64, sorted = 0 : i64} : (tensor<?x8xf32>, tensor<1xsi64>) -> (!onnx.unknown, !onnx.unknown)
  return %v, %i, %i2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests GatherElements and GatherND (the batched-mm MoE export gathers
// stacked expert weights by expert id), with batch_dims.
// CHECK-LABEL: func.func @gathers
// CHECK: deepc.gather_elements %{{.*}}[%{{.*}}] axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>
// CHECK: deepc.gather_nd %{{.*}}[%{{.*}}] : tensor<8x128x64xf32>, tensor<?x2x1xi64>
// CHECK: deepc.gather_nd %{{.*}}[%{{.*}}] batch_dims = 1 : tensor<2x16x64xf32>, tensor<2x4x1xi64>
// CHECK: return {{.*}} : tensor<?x2xf32>, tensor<?x2x128x64xf32>, tensor<2x4x64xf32>
func.func @gathers(%s: tensor<?x8xf32>, %i: tensor<?x2xsi64>, %w: tensor<8x128x64xf32>, %ids: tensor<?x2x1xsi64>, %x: tensor<2x16x64xf32>, %pos: tensor<2x4x1xsi64>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "GatherElements" version 13 (%s, %i) {axis = -1 : i64} : (tensor<?x8xf32>, tensor<?x2xsi64>) -> !onnx.unknown
  %1 = onnx.node "GatherND" version 13 (%w, %ids) : (tensor<8x128x64xf32>, tensor<?x2x1xsi64>) -> !onnx.unknown
  %2 = onnx.node "GatherND" version 12 (%x, %pos) {batch_dims = 1 : i64} : (tensor<2x16x64xf32>, tensor<2x4x1xsi64>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests ScatterND without and with a reduction (the per-expert MoE export
// adds each expert's output into its tokens' rows).
// CHECK-LABEL: func.func @scatter_nd
// CHECK: deepc.scatter %{{.*}}[%{{.*}}], %{{.*}} : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
// CHECK: deepc.scatter %{{.*}}[%{{.*}}], %{{.*}} reduction = <add> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
// CHECK: deepc.scatter %{{.*}}[%{{.*}}], %{{.*}} reduction = <max> : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
func.func @scatter_nd(%d: tensor<16x64xf32>, %i: tensor<?x1xsi64>, %u: tensor<?x64xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "ScatterND" version 13 (%d, %i, %u) : (tensor<16x64xf32>, tensor<?x1xsi64>, tensor<?x64xf32>) -> !onnx.unknown
  %1 = onnx.node "ScatterND" version 16 (%d, %i, %u) {reduction = "add"} : (tensor<16x64xf32>, tensor<?x1xsi64>, tensor<?x64xf32>) -> !onnx.unknown
  %2 = onnx.node "ScatterND" version 18 (%d, %i, %u) {reduction = "max"} : (tensor<16x64xf32>, tensor<?x1xsi64>, tensor<?x64xf32>) -> !onnx.unknown
  return %0, %1, %2 : !onnx.unknown, !onnx.unknown, !onnx.unknown
}

// -----

// Tests NonZero: [rank, ?] i64 coordinates.
// CHECK-LABEL: func.func @nonzero
// CHECK: %[[N:.*]] = deepc.nonzero %{{.*}} : tensor<?x8xi1>
// CHECK: return %[[N]] : tensor<2x?xi64>
func.func @nonzero(%b: tensor<?x8xi1>) -> !onnx.unknown {
  %0 = onnx.node "NonZero" version 13 (%b) : (tensor<?x8xi1>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests ScatterElements without a reduction (opset 11, DeepSeek's
// group mask: ones scattered into zeros), with i32 indices, and with each
// reduction at the opset that introduced it; and the deprecated Scatter.
// CHECK-LABEL: func.func @scatter_elements
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 0 reduction = <add> : tensor<?x8xf32>, tensor<?x2xi32>, tensor<?x2xf32>
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 1 reduction = <min> : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
// CHECK: deepc.scatter_elements %{{.*}}[%{{.*}}], %{{.*}} axis = 1 : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
// CHECK: return {{.*}} : tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x8xf32>
func.func @scatter_elements(%d: tensor<?x8xf32>, %i: tensor<?x2xsi64>, %j: tensor<?x2xsi32>, %u: tensor<?x2xf32>) -> (!onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown) {
  %0 = onnx.node "ScatterElements" version 11 (%d, %i, %u) {axis = -1 : i64} : (tensor<?x8xf32>, tensor<?x2xsi64>, tensor<?x2xf32>) -> !onnx.unknown
  %1 = onnx.node "ScatterElements" version 16 (%d, %j, %u) {reduction = "add"} : (tensor<?x8xf32>, tensor<?x2xsi32>, tensor<?x2xf32>) -> !onnx.unknown
  %2 = onnx.node "ScatterElements" version 18 (%d, %i, %u) {axis = 1 : i64, reduction = "min"} : (tensor<?x8xf32>, tensor<?x2xsi64>, tensor<?x2xf32>) -> !onnx.unknown
  %3 = onnx.node "Scatter" version 9 (%d, %i, %u) {axis = 1 : i64} : (tensor<?x8xf32>, tensor<?x2xsi64>, tensor<?x2xf32>) -> !onnx.unknown
  return %0, %1, %2, %3 : !onnx.unknown, !onnx.unknown, !onnx.unknown, !onnx.unknown
}
