// RUN: deepc-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// Round trip through the custom and the generic form.
// RUN: deepc-opt %s -split-input-file -verify-diagnostics -mlir-print-op-generic \
// RUN:   | deepc-opt -split-input-file | FileCheck %s

// Tests that the default activation (silu) is not printed and that the
// result takes the input's shape with w_down's output width.
// CHECK-LABEL: func.func @swiglu
// CHECK: %[[Y:.*]] = deepc.gated_mlp %{{.*}} : tensor<?x?x64xf32> gate_up(%{{.*}} : tensor<256x64xf32>) down(%{{.*}} : tensor<64x128xf32>){{$}}
// CHECK: return %[[Y]] : tensor<?x?x64xf32>
func.func @swiglu(%x: tensor<?x?x64xf32>, %wgu: tensor<256x64xf32>, %wd: tensor<64x128xf32>) -> tensor<?x?x64xf32> {
  %0 = deepc.gated_mlp %x : tensor<?x?x64xf32> gate_up(%wgu : tensor<256x64xf32>) down(%wd : tensor<64x128xf32>)
  return %0 : tensor<?x?x64xf32>
}

// -----

// Tests another activation, an output width other than the hidden size and
// a rank-1 input (one token).
// CHECK-LABEL: func.func @geglu_projecting
// CHECK: deepc.gated_mlp %{{.*}} : tensor<16xbf16> gate_up(%{{.*}} : tensor<64x16xbf16>) down(%{{.*}} : tensor<8x32xbf16>) {activation = #deepc.activation<gelu_tanh>}
func.func @geglu_projecting(%x: tensor<16xbf16>, %wgu: tensor<64x16xbf16>, %wd: tensor<8x32xbf16>) -> tensor<8xbf16> {
  %0 = deepc.gated_mlp %x : tensor<16xbf16> gate_up(%wgu : tensor<64x16xbf16>) down(%wd : tensor<8x32xbf16>) {activation = #deepc.activation<gelu_tanh>}
  return %0 : tensor<8xbf16>
}

// -----

// Tests that an odd number of gate_up rows is rejected: gate and up halves
// must have the same size.
func.func @odd_gate_up(%x: tensor<4x64xf32>, %wgu: tensor<255x64xf32>, %wd: tensor<64x128xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.gated_mlp' op w_gate_up has 255 rows (dimension 0) but needs an even number: the gate's intermediate rows, then the up projection's}}
  %0 = deepc.gated_mlp %x : tensor<4x64xf32> gate_up(%wgu : tensor<255x64xf32>) down(%wd : tensor<64x128xf32>)
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that w_gate_up in the x·W layout ([H, 2I]) is rejected with the
// layout it should have.
func.func @gate_up_transposed(%x: tensor<4x64xf32>, %wgu: tensor<64x256xf32>, %wd: tensor<64x128xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.gated_mlp' op w_gate_up has hidden size 256 (dimension 1) but the input has 64}}
  %0 = deepc.gated_mlp %x : tensor<4x64xf32> gate_up(%wgu : tensor<64x256xf32>) down(%wd : tensor<64x128xf32>)
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that w_down must read the intermediate size gate_up produces.
func.func @down_wrong_intermediate(%x: tensor<4x64xf32>, %wgu: tensor<256x64xf32>, %wd: tensor<128x64xf32>) -> tensor<4x128xf32> {
  // expected-error @+1 {{'deepc.gated_mlp' op w_down must have shape [out, intermediate] = 128x128, got 128x64}}
  %0 = deepc.gated_mlp %x : tensor<4x64xf32> gate_up(%wgu : tensor<256x64xf32>) down(%wd : tensor<128x64xf32>)
  return %0 : tensor<4x128xf32>
}

// -----

// Tests that a stacked (per-expert) weight is rejected: that is deepc.moe.
func.func @gate_up_rank3(%x: tensor<4x64xf32>, %wgu: tensor<2x256x64xf32>, %wd: tensor<64x128xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.gated_mlp' op w_gate_up must have shape [2 * intermediate, hidden] (gate rows, then up rows), got 2x256x64}}
  %0 = deepc.gated_mlp %x : tensor<4x64xf32> gate_up(%wgu : tensor<2x256x64xf32>) down(%wd : tensor<64x128xf32>)
  return %0 : tensor<4x64xf32>
}

// -----

// Tests that a rank-0 input is rejected: it has no hidden dimension.
func.func @scalar_input(%x: tensor<f32>, %wgu: tensor<2x1xf32>, %wd: tensor<1x1xf32>) -> tensor<f32> {
  // expected-error @+1 {{'deepc.gated_mlp' op needs an input of rank 1 or more and a w_down of shape [out, intermediate], got input scalar and w_down 1x1}}
  %0 = deepc.gated_mlp %x : tensor<f32> gate_up(%wgu : tensor<2x1xf32>) down(%wd : tensor<1x1xf32>)
  return %0 : tensor<f32>
}

// -----

// Tests that the weights must have the input's element type.
func.func @mixed_element_types(%x: tensor<4x64xf32>, %wgu: tensor<256x64xf16>, %wd: tensor<64x128xf32>) -> tensor<4x64xf32> {
  // expected-error @+1 {{'deepc.gated_mlp' op failed to verify that all of {input, w_gate_up, w_down} have same element type}}
  %0 = deepc.gated_mlp %x : tensor<4x64xf32> gate_up(%wgu : tensor<256x64xf16>) down(%wd : tensor<64x128xf32>)
  return %0 : tensor<4x64xf32>
}
