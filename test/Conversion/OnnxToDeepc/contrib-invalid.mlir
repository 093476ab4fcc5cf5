// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics

// ORT MoE forms deepc.moe cannot express, each with the reason.

// Tests that router logits that are not a MatMul of the MoE input are
// refused: deepc.moe computes them from a router weight itself.
func.func @moe_graph_input_logits(%x: tensor<?x64xf32>, %logits: tensor<?x4xf32>, %w1: tensor<4x32x64xf32>, %w2: tensor<4x64x32xf32>) -> !onnx.unknown {
  %none = onnx.none
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MoE node (opset 1): input 1 (router_probs) must be computed in the graph as MatMul(input, W) with W of shape [hidden, num_experts]: deepc.moe computes the router logits from its router weight and has no form that takes logits}}
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) : (tensor<?x64xf32>, tensor<?x4xf32>, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that an fc3 bias is refused for an activation that has no fc3
// (only swiglu is gated).
func.func @moe_fc3_bias_not_gated(%x: tensor<?x64xf32>, %r: tensor<64x4xf32>, %w1: tensor<4x32x64xf32>, %w2: tensor<4x64x32xf32>, %b3: tensor<4x32xf32>) -> !onnx.unknown {
  %none = onnx.none
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x4xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MoE node (opset 1): activation 'relu' takes no fc3_experts_bias; only swiglu is gated}}
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2, %none, %none, %b3) : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>, none, none, tensor<4x32xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that SwiGLU with a non-default alpha is refused.
func.func @moe_swiglu_alpha(%x: tensor<?x64xf32>, %r: tensor<64x4xf32>, %w1: tensor<4x64x64xf32>, %w2: tensor<4x64x32xf32>) -> !onnx.unknown {
  %none = onnx.none
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x4xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MoE node (opset 1): swiglu with activation_alpha = 1.702000e+00 and activation_beta = 0.000000e+00 is not supported: deepc.moe's gated silu is x * sigmoid(x) * up (alpha 1, beta 0)}}
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) {activation_type = "swiglu", swiglu_fusion = 2 : i64, activation_alpha = 1.702 : f32} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x64x64xf32>, none, tensor<4x64x32xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}

// -----

// Tests that the identity activation is refused.
func.func @moe_identity(%x: tensor<?x64xf32>, %r: tensor<64x4xf32>, %w1: tensor<4x32x64xf32>, %w2: tensor<4x64x32xf32>) -> !onnx.unknown {
  %none = onnx.none
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<?x64xf32>, tensor<64x4xf32>) -> !onnx.unknown
  // expected-error @+1 {{cannot legalize ONNX com.microsoft.MoE node (opset 1): activation_type 'identity' is not supported; deepc.moe has relu, gelu, silu and swiglu}}
  %0 = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %none, %w2) {activation_type = "identity"} : (tensor<?x64xf32>, !onnx.unknown, tensor<4x32x64xf32>, none, tensor<4x64x32xf32>) -> !onnx.unknown
  return %0 : !onnx.unknown
}
