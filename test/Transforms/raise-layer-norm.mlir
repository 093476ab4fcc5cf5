// RUN: deepc-opt %s -split-input-file -deepc-raise-layer-norm | FileCheck %s
// RUN: deepc-opt %s -split-input-file \
// RUN:   -deepc-raise-layer-norm='report=true' -verify-diagnostics -o /dev/null

// Tests torch.onnx's opset-13 form, (x - m) / sqrt(mean(pow(x - m, 2)) + ε)
// * γ + β, becomes one layer_norm carrying γ, β and ε exactly.
// CHECK-LABEL: func.func @torch_div_gamma_beta
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.layer_norm %[[X]] weight %[[W]] : tensor<64xf32> bias %[[B]] : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<?x?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @torch_div_gamma_beta(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %two = deepc.constant dense<2.0> : tensor<f32>
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<?x?x64xf32>
  %d = deepc.sub %x, %m : tensor<?x?x64xf32>, tensor<?x?x1xf32>
  %sq = deepc.pow %d, %two : tensor<?x?x64xf32>, tensor<f32>
  %v = deepc.reduce_mean %sq axes = [2] keep_dims : tensor<?x?x64xf32>
  %s = deepc.add %v, %eps : tensor<?x?x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<?x?x1xf32>
  %n = deepc.div %d, %r : tensor<?x?x64xf32>, tensor<?x?x1xf32>
  %g = deepc.mul %n, %w : tensor<?x?x64xf32>, tensor<64xf32>
  %y = deepc.add %g, %b : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Tests mul(d, d), rsqrt on the left, ε on the left, γ and β on the left.
// CHECK-LABEL: func.func @mul_rsqrt_swapped
// CHECK-SAME: (%[[X:.*]]: tensor<4x32xf32>, %[[W:.*]]: tensor<32xf32>, %[[B:.*]]: tensor<32xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.layer_norm %[[X]] weight %[[W]] : tensor<32xf32> bias %[[B]] : tensor<32xf32> epsilon = 9.99999997E-7 : tensor<4x32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @mul_rsqrt_swapped(%x: tensor<4x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<1xf32>
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [1] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<4x1xf32>
  %sq = deepc.mul %d, %d : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x32xf32>
  %s = deepc.add %eps, %v : tensor<1xf32>, tensor<4x1xf32>
  %inv = deepc.rsqrt %s : tensor<4x1xf32>
  %n = deepc.mul %inv, %d : tensor<4x1xf32>, tensor<4x32xf32>
  %g = deepc.mul %w, %n : tensor<32xf32>, tensor<4x32xf32>
  %y = deepc.add %b, %g : tensor<32xf32>, tensor<4x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Tests d * reciprocal(sqrt(·)) with neither γ nor β, in f16 (ε is the f16
// constant the graph adds).
// CHECK-LABEL: func.func @reciprocal_no_affine
// CHECK-SAME: (%[[X:.*]]: tensor<?x16xf16>)
// CHECK-NEXT: %[[Y:.*]] = deepc.layer_norm %[[X]] epsilon = 1.00135803E-5 : tensor<?x16xf16>
// CHECK-NEXT: return %[[Y]]
func.func @reciprocal_no_affine(%x: tensor<?x16xf16>) -> tensor<?x16xf16> {
  %two = deepc.constant dense<2.0> : tensor<f16>
  %eps = deepc.constant dense<1.0e-5> : tensor<f16>
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<?x16xf16>
  %d = deepc.sub %x, %m : tensor<?x16xf16>, tensor<?x1xf16>
  %sq = deepc.pow %d, %two : tensor<?x16xf16>, tensor<f16>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<?x16xf16>
  %s = deepc.add %v, %eps : tensor<?x1xf16>, tensor<f16>
  %r = deepc.sqrt %s : tensor<?x1xf16>
  %inv = deepc.reciprocal %r : tensor<?x1xf16>
  %y = deepc.mul %d, %inv : tensor<?x16xf16>, tensor<?x1xf16>
  return %y : tensor<?x16xf16>
}

// -----

// Tests β without γ, and no ε.
// CHECK-LABEL: func.func @bias_only_no_epsilon
// CHECK-SAME: (%[[X:.*]]: tensor<2x8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.layer_norm %[[X]] bias %[[B]] : tensor<8xf32> epsilon = 0.000000e+00 : tensor<2x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @bias_only_no_epsilon(%x: tensor<2x8xf32>, %b: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<2x8xf32>
  %d = deepc.sub %x, %m : tensor<2x8xf32>, tensor<2x1xf32>
  %sq = deepc.mul %d, %d : tensor<2x8xf32>, tensor<2x8xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x8xf32>
  %r = deepc.sqrt %v : tensor<2x1xf32>
  %n = deepc.div %d, %r : tensor<2x8xf32>, tensor<2x1xf32>
  %y = deepc.add %n, %b : tensor<2x8xf32>, tensor<8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Tests what deepc-raise-rms-norm leaves of a LayerNorm when it runs first:
// rms_norm(x - mean(x), γ) + β.
// CHECK-LABEL: func.func @centered_rms_norm
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %[[W:.*]]: tensor<64xf32>, %[[B:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.layer_norm %[[X]] weight %[[W]] : tensor<64xf32> bias %[[B]] : tensor<64xf32> epsilon = 9.99999974E-6 : tensor<?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @centered_rms_norm(%x: tensor<?x64xf32>, %w: tensor<64xf32>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<?x64xf32>
  %d = deepc.sub %x, %m : tensor<?x64xf32>, tensor<?x1xf32>
  %n = deepc.rms_norm %d, %w epsilon = 1.0e-5 : tensor<?x64xf32>, tensor<64xf32>
  %y = deepc.add %n, %b : tensor<?x64xf32>, tensor<64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Tests a centering mean over another axis than the last stays as written.
// CHECK-LABEL: func.func @mean_over_other_axis
// CHECK-NOT: deepc.layer_norm
func.func @mean_over_other_axis(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{not raised to deepc.layer_norm: the reduce_mean is not over the last axis only}}
  %m = deepc.reduce_mean %x axes = [0] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<1x32xf32>
  %sq = deepc.mul %d, %d : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x32xf32>
  %s = deepc.add %v, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  %y = deepc.div %d, %r : tensor<4x32xf32>, tensor<4x1xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Tests the variance over another axis than the last stays as written.
// CHECK-LABEL: func.func @variance_over_other_axis
// CHECK-NOT: deepc.layer_norm
func.func @variance_over_other_axis(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{not raised to deepc.layer_norm: the sqrt is not of mean((x - mean(x))²}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<4x1xf32>
  %sq = deepc.mul %d, %d : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [0] keep_dims : tensor<4x32xf32>
  %s = deepc.add %v, %eps : tensor<1x32xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<1x32xf32>
  %y = deepc.div %d, %r : tensor<4x32xf32>, tensor<1x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Tests the variance of another centered value than the one divided stays
// as written: it normalizes x by y's standard deviation.
// CHECK-LABEL: func.func @variance_of_other_value
// CHECK-NOT: deepc.layer_norm
func.func @variance_of_other_value(%x: tensor<4x32xf32>, %z: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{not raised to deepc.layer_norm: the sqrt is not of mean((x - mean(x))²}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<4x1xf32>
  %mz = deepc.reduce_mean %z axes = [-1] keep_dims : tensor<4x32xf32>
  %dz = deepc.sub %z, %mz : tensor<4x32xf32>, tensor<4x1xf32>
  %sq = deepc.mul %dz, %dz : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x32xf32>
  %s = deepc.add %v, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  %y = deepc.div %d, %r : tensor<4x32xf32>, tensor<4x1xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Tests a centering mean without keep_dims stays as written.
// CHECK-LABEL: func.func @no_keep_dims
// CHECK-NOT: deepc.layer_norm
func.func @no_keep_dims(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{not raised to deepc.layer_norm: the reduce_mean drops the reduced axis (no keep_dims)}}
  %m = deepc.reduce_mean %x axes = [-1] : tensor<4x4xf32>
  %d = deepc.sub %x, %m : tensor<4x4xf32>, tensor<4xf32>
  %sq = deepc.mul %d, %d : tensor<4x4xf32>, tensor<4x4xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x4xf32>
  %s = deepc.add %v, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  %y = deepc.div %d, %r : tensor<4x4xf32>, tensor<4x1xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Tests a γ of shape [1, D] is not folded: layer_norm takes only [D]. The
// norm is still raised; the mul stays.
// CHECK-LABEL: func.func @gamma_wrong_shape
// CHECK: %[[N:.*]] = deepc.layer_norm %{{.*}} epsilon = 9.99999974E-6 : tensor<4x32xf32>
// CHECK-NEXT: deepc.mul %[[N]], %{{.*}} : tensor<4x32xf32>, tensor<1x32xf32>
func.func @gamma_wrong_shape(%x: tensor<4x32xf32>, %w: tensor<1x32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<f32>
  // expected-remark @below {{raised to deepc.layer_norm}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<4x1xf32>
  %sq = deepc.mul %d, %d : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x32xf32>
  %s = deepc.add %v, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  // expected-remark @below {{weight not folded into deepc.layer_norm: it is not of shape [D]}}
  %n = deepc.div %d, %r : tensor<4x32xf32>, tensor<4x1xf32>
  %y = deepc.mul %n, %w : tensor<4x32xf32>, tensor<1x32xf32>
  return %y : tensor<4x32xf32>
}

// -----

// Tests a negative ε stays as written: layer_norm would not verify.
// CHECK-LABEL: func.func @negative_epsilon
// CHECK-NOT: deepc.layer_norm
func.func @negative_epsilon(%x: tensor<4x32xf32>) -> tensor<4x32xf32> {
  %eps = deepc.constant dense<-1.0e-5> : tensor<f32>
  // expected-remark @below {{not raised to deepc.layer_norm: ε is negative or not finite}}
  %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<4x32xf32>
  %d = deepc.sub %x, %m : tensor<4x32xf32>, tensor<4x1xf32>
  %sq = deepc.mul %d, %d : tensor<4x32xf32>, tensor<4x32xf32>
  %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x32xf32>
  %s = deepc.add %v, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  %y = deepc.div %d, %r : tensor<4x32xf32>, tensor<4x1xf32>
  return %y : tensor<4x32xf32>
}
