// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// Indexing nodes deepc refuses, each with the reason.

// Tests that TopK needs a constant K: deepc.topk has a static k.
func.func @topk_runtime_k(%x: tensor<?x8xf32>, %k: tensor<1xsi64>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX TopK node (opset 11): input 1 (K) must be known at compile time (a constant or computed from tensor shapes), but it is computed at run time}}
  %v, %i = onnx.node "TopK" version 11 (%x, %k) : (tensor<?x8xf32>, tensor<1xsi64>) -> (!onnx.unknown, !onnx.unknown)
  return %v : !onnx.unknown
}

// -----

// Tests that a K larger than the axis gets deepc's message.
func.func @topk_too_large(%x: tensor<?x8xf32>) -> !onnx.unknown {
  %k = onnx.constant dense<[9]> : tensor<1xsi64>
  // expected-error @+1 {{cannot legalize ONNX TopK node (opset 11): 'deepc.topk' op k (9) exceeds the size of axis 1 (8)}}
  %v, %i = onnx.node "TopK" version 11 (%x, %k) : (tensor<?x8xf32>, tensor<1xsi64>) -> (!onnx.unknown, !onnx.unknown)
  return %v : !onnx.unknown
}

// -----

// Tests that CumSum needs a constant axis.
func.func @cumsum_runtime_axis(%x: tensor<4xf32>, %a: tensor<si64>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX CumSum node (opset 14): input 1 (axis) must be known at compile time (a constant or computed from tensor shapes), but it is computed at run time}}
  %0 = onnx.node "CumSum" version 14 (%x, %a) : (tensor<4xf32>, tensor<si64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that Trilu of a vector is refused.
func.func @trilu_vector(%x: tensor<8xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX Trilu node (opset 14): input 0 (input) must have rank 2 or more, got 'tensor<8xf32>'}}
  %0 = onnx.node "Trilu" version 14 (%x) : (tensor<8xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that ScatterND's max reduction needs opset 18.
func.func @scatter_max_opset16(%d: tensor<16x64xf32>, %i: tensor<?x1xsi64>, %u: tensor<?x64xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX ScatterND node (opset 16): reduction 'max' is not one of none, add, mul (opset 16)}}
  %0 = onnx.node "ScatterND" version 16 (%d, %i, %u) {reduction = "max"} : (tensor<16x64xf32>, tensor<?x1xsi64>, tensor<?x64xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that ScatterND updates of the wrong shape get deepc's message.
func.func @scatter_updates_shape(%d: tensor<16x64xf32>, %i: tensor<4x1xsi64>, %u: tensor<4x32xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX ScatterND node (opset 13): 'deepc.scatter' op updates have shape 4x32 but indices 4x1 into data 16x64 need 4x64}}
  %0 = onnx.node "ScatterND" version 13 (%d, %i, %u) : (tensor<16x64xf32>, tensor<4x1xsi64>, tensor<4x32xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that GatherND batch dims that disagree get deepc's message.
func.func @gather_nd_batch(%x: tensor<2x16x64xf32>, %i: tensor<3x4x1xsi64>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX GatherND node (opset 13): 'deepc.gather_nd' op batch dimension 0 is 2 in data but 3 in indices}}
  %0 = onnx.node "GatherND" version 13 (%x, %i) {batch_dims = 1 : i64} : (tensor<2x16x64xf32>, tensor<3x4x1xsi64>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that ScatterElements' reductions need the opset that introduced
// them: none before 16, max and min from 18.
func.func @scatter_elements_reduction(%d: tensor<4x8xf32>, %i: tensor<4x2xsi64>, %u: tensor<4x2xf32>) -> (!onnx.unknown, !onnx.unknown) {
  // expected-error @+1 {{cannot legalize ONNX ScatterElements node (opset 13): attribute 'reduction' needs opset 16 or newer}}
  %0 = onnx.node "ScatterElements" version 13 (%d, %i, %u) {axis = 1 : i64, reduction = "add"} : (tensor<4x8xf32>, tensor<4x2xsi64>, tensor<4x2xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX ScatterElements node (opset 16): reduction 'max' is not one of none, add, mul (opset 16)}}
  %1 = onnx.node "ScatterElements" version 16 (%d, %i, %u) {axis = 1 : i64, reduction = "max"} : (tensor<4x8xf32>, tensor<4x2xsi64>, tensor<4x2xf32>) -> !onnx.unknown
  return %0, %1 : !onnx.unknown, !onnx.unknown
}

// -----

// Tests that ScatterElements updates of another shape than the indices get
// deepc's message.
func.func @scatter_elements_updates(%d: tensor<4x8xf32>, %i: tensor<4x2xsi64>, %u: tensor<4x3xf32>) -> !onnx.unknown {
  // expected-error @+1 {{cannot legalize ONNX ScatterElements node (opset 18): 'deepc.scatter_elements' op updates have shape 4x3 but indices have shape 4x2; they must be equal}}
  %0 = onnx.node "ScatterElements" version 18 (%d, %i, %u) {axis = 1 : i64} : (tensor<4x8xf32>, tensor<4x2xsi64>, tensor<4x3xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
