// RUN: deepc-opt %s -split-input-file -deepc-legalize-onnx -verify-diagnostics | FileCheck %s

// ORT's QMoE: constant integer-quantized experts are dequantized with
// deepc.dequantize (folded at compile time) and the node becomes the
// deepc.moe of MoE. Stored values and zero points lose 2^(bits-1) to fit
// deepc's signed types; per-row scales become one block of K.

// Tests 8-bit per-row experts with the default zero point 128 (omitted
// after the shift): 128 -> 0, 0 -> -128, 255 -> 127.
// CHECK-LABEL: func.func @qmoe_int8
// CHECK: %[[S1:.*]] = deepc.constant dense<{{.*}}> : tensor<2x2xf32>
// CHECK: %[[R1:.*]] = deepc.reshape %[[S1]] : tensor<2x2xf32> -> tensor<2x2x1xf32>
// CHECK: %[[W1:.*]] = deepc.constant dense<{{\[\[\[}}0, -128, 127, 1], [2, 3, 4, 5]], {{\[\[}}-1, -2, -3, -4], [6, 7, 8, 9]]]> : tensor<2x2x4xi8>
// CHECK: %[[D1:.*]] = deepc.dequantize %[[W1]], %[[R1]] {axis = 2 : i64, block_size = 4 : i64} : (tensor<2x2x4xi8>, tensor<2x2x1xf32>) -> tensor<2x2x4xf32>
// CHECK: %[[D2:.*]] = deepc.dequantize {{.*}} {axis = 2 : i64, block_size = 2 : i64} : (tensor<2x4x2xi8>, tensor<2x4x1xf32>) -> tensor<2x4x2xf32>
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<2x4xf32> up(%[[D1]] : tensor<2x2x4xf32>) down(%[[D2]] : tensor<2x4x2xf32>) {activation = #deepc.activation<relu>, gated = false, top_k = 1 : i64}
// CHECK-NOT: onnx.node
func.func @qmoe_int8(%x: tensor<3x4xf32>, %r: tensor<4x2xf32>) -> !onnx.unknown {
  %none = onnx.none
  %w1 = onnx.constant dense<[[[128, 0, 255, 129], [130, 131, 132, 133]], [[127, 126, 125, 124], [134, 135, 136, 137]]]> : tensor<2x2x4xui8>
  %s1 = onnx.constant dense<[[0.5, 0.25], [1.0, 2.0]]> : tensor<2x2xf32>
  %w2 = onnx.constant dense<128> : tensor<2x4x2xui8>
  %s2 = onnx.constant dense<0.125> : tensor<2x4xf32>
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<3x4xf32>, tensor<4x2xf32>) -> !onnx.unknown
  %y = onnx.node "QMoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %s1, %none, %w2, %s2) {k = 1 : i64, activation_type = "relu", expert_weight_bits = 8 : i64} : (tensor<3x4xf32>, !onnx.unknown, tensor<2x2x4xui8>, tensor<2x2xf32>, none, tensor<2x4x2xui8>, tensor<2x4xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests 4-bit block-wise experts (block 16 along K = 32) with packed zero
// points: each byte holds two values, the low nibble first (0x21 -> 1, 2),
// both less 8; fused interleaved swiglu regroups the dequantized fc1.
// CHECK-LABEL: func.func @qmoe_int4_blocked
// The weight prints one byte per i4 value: 0x09 is -7, 0x0A -6, 0x08 -8.
// CHECK: %[[W1:.*]] = deepc.constant dense<"0x09090A0809090A08{{.*}}"> : tensor<1x32x32xi4>
// CHECK: %[[Z1:.*]] = deepc.constant dense<{{\[\[\[}}-7, -6], [-7, -6], {{.*}}> : tensor<1x32x2xi4>
// CHECK: %[[D1:.*]] = deepc.dequantize %[[W1]], %{{.*}}, %[[Z1]] {axis = 2 : i64, block_size = 16 : i64} : (tensor<1x32x32xi4>, tensor<1x32x2xf32>, tensor<1x32x2xi4>) -> tensor<1x32x32xf32>
// CHECK: %[[D2:.*]] = deepc.dequantize %{{.*}}, %{{.*}} {axis = 2 : i64, block_size = 16 : i64} : (tensor<1x32x16xi4>, tensor<1x32x1xf32>) -> tensor<1x32x16xf32>
// CHECK: deepc.reshape %[[D1]] : tensor<1x32x32xf32> -> tensor<1x16x2x32xf32>
// CHECK: deepc.moe {{.*}} gate_up({{.*}} : tensor<1x32x32xf32>) down(%[[D2]] : tensor<1x32x16xf32>) {top_k = 1 : i64}
func.func @qmoe_int4_blocked(%x: tensor<5x32xf32>, %r: tensor<32x1xf32>) -> !onnx.unknown {
  %none = onnx.none
  // Each row is 0x11, 0x02 repeated: values 1, 1, 2, 0, ... less 8.
  %w1 = onnx.constant dense<[[[17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2], [17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2, 17, 2]]]> : tensor<1x32x16xui8>
  %s1 = onnx.constant dense<0.5> : tensor<1x32x2xf32>
  %z1 = onnx.constant dense<33> : tensor<1x32x1xui8>
  %w2 = onnx.constant dense<136> : tensor<1x32x8xui8>
  %s2 = onnx.constant dense<0.25> : tensor<1x32x1xf32>
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<5x32xf32>, tensor<32x1xf32>) -> !onnx.unknown
  %y = onnx.node "QMoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %s1, %none, %w2, %s2, %none, %none, %none, %none, %z1) {k = 1 : i64, activation_type = "swiglu", swiglu_fusion = 1 : i64, block_size = 16 : i64, expert_weight_bits = 4 : i64} : (tensor<5x32xf32>, !onnx.unknown, tensor<1x32x16xui8>, tensor<1x32x2xf32>, none, tensor<1x32x8xui8>, tensor<1x32x1xf32>, none, none, none, none, tensor<1x32x1xui8>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that float quantization types are refused, naming the attribute.
func.func @qmoe_fp8(%x: tensor<3x4xf32>, %r: tensor<4x2xf32>) -> !onnx.unknown {
  %none = onnx.none
  %w1 = onnx.constant dense<128> : tensor<2x2x4xui8>
  %s1 = onnx.constant dense<0.5> : tensor<2x2xf32>
  %w2 = onnx.constant dense<128> : tensor<2x4x2xui8>
  %s2 = onnx.constant dense<0.125> : tensor<2x4xf32>
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<3x4xf32>, tensor<4x2xf32>) -> !onnx.unknown
  // expected-error @+1 {{quant_type 'nvfp4' is not supported; deepc dequantizes quant_type 'int'}}
  %y = onnx.node "QMoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %s1, %none, %w2, %s2) {quant_type = "nvfp4"} : (tensor<3x4xf32>, !onnx.unknown, tensor<2x2x4xui8>, tensor<2x2xf32>, none, tensor<2x4x2xui8>, tensor<2x4xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that 2-bit experts are refused, naming the attribute.
func.func @qmoe_int2(%x: tensor<3x4xf32>, %r: tensor<4x2xf32>) -> !onnx.unknown {
  %none = onnx.none
  %w1 = onnx.constant dense<128> : tensor<2x2x1xui8>
  %s1 = onnx.constant dense<0.5> : tensor<2x2xf32>
  %w2 = onnx.constant dense<128> : tensor<2x4x1xui8>
  %s2 = onnx.constant dense<0.125> : tensor<2x4xf32>
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<3x4xf32>, tensor<4x2xf32>) -> !onnx.unknown
  // expected-error @+1 {{expert_weight_bits = 2 is not supported; deepc dequantizes 4- and 8-bit expert weights}}
  %y = onnx.node "QMoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %s1, %none, %w2, %s2) {expert_weight_bits = 2 : i64} : (tensor<3x4xf32>, !onnx.unknown, tensor<2x2x1xui8>, tensor<2x2xf32>, none, tensor<2x4x1xui8>, tensor<2x4xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}

// -----

// Tests that separate mixing weights (DeepSeek-style router_weights) are
// refused: deepc.moe mixes by the probabilities it routes by.
func.func @qmoe_router_weights(%x: tensor<3x4xf32>, %r: tensor<4x2xf32>, %rw: tensor<3x2xf32>) -> !onnx.unknown {
  %none = onnx.none
  %w1 = onnx.constant dense<128> : tensor<2x2x4xui8>
  %s1 = onnx.constant dense<0.5> : tensor<2x2xf32>
  %w2 = onnx.constant dense<128> : tensor<2x4x2xui8>
  %s2 = onnx.constant dense<0.125> : tensor<2x4xf32>
  %logits = onnx.node "MatMul" version 13 (%x, %r) : (tensor<3x4xf32>, tensor<4x2xf32>) -> !onnx.unknown
  // expected-error @+1 {{input 14 (router_weights) is not supported}}
  %y = onnx.node "QMoE" domain "com.microsoft" version 1 (%x, %logits, %w1, %s1, %none, %w2, %s2, %none, %none, %none, %none, %none, %none, %none, %rw) {expert_weight_bits = 8 : i64} : (tensor<3x4xf32>, !onnx.unknown, tensor<2x2x4xui8>, tensor<2x2xf32>, none, tensor<2x4x2xui8>, tensor<2x4xf32>, none, none, none, none, none, none, none, tensor<3x2xf32>) -> !onnx.unknown
  return %y : !onnx.unknown
}
