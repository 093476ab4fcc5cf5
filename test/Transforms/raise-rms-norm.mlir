// RUN: deepc-opt %s -split-input-file -deepc-raise-rms-norm | FileCheck %s

// Tests the form exporters emit, x * reciprocal(sqrt(mean(pow(x, 2)) + ε)) * w,
// becomes one rms_norm carrying the weight and ε exactly.
// CHECK-LABEL: func.func @pow_reciprocal_weight
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.rms_norm %[[X]], %[[W]] epsilon = 9.99999997E-7 : tensor<?x?x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @pow_reciprocal_weight(%x: tensor<?x?x64xf32>, %w: tensor<64xf32>) -> tensor<?x?x64xf32> {
  %two = deepc.constant dense<2.0> : tensor<f32>
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.pow %x, %two : tensor<?x?x64xf32>, tensor<f32>
  %ms = deepc.reduce_mean %sq axes = [2] keep_dims : tensor<?x?x64xf32>
  %s = deepc.add %ms, %eps : tensor<?x?x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<?x?x1xf32>
  %inv = deepc.reciprocal %r : tensor<?x?x1xf32>
  %n = deepc.mul %x, %inv : tensor<?x?x64xf32>, tensor<?x?x1xf32>
  %y = deepc.mul %n, %w : tensor<?x?x64xf32>, tensor<64xf32>
  return %y : tensor<?x?x64xf32>
}

// -----

// Tests mul(x, x), rsqrt, ε and the inverse on the left, weight on the left,
// and axes = [-1].
// CHECK-LABEL: func.func @mul_rsqrt_swapped
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>, %[[W:.*]]: tensor<64xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.rms_norm %[[X]], %[[W]] epsilon = 9.99999974E-6 : tensor<4x64xf32>, tensor<64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @mul_rsqrt_swapped(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<4x64xf32> {
  %eps = deepc.constant dense<1.0e-5> : tensor<1xf32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x64xf32>
  %s = deepc.add %eps, %ms : tensor<1xf32>, tensor<4x1xf32>
  %inv = deepc.rsqrt %s : tensor<4x1xf32>
  %n = deepc.mul %inv, %x : tensor<4x1xf32>, tensor<4x64xf32>
  %y = deepc.mul %w, %n : tensor<64xf32>, tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Tests x / sqrt(mean(x²) + ε) with no weight.
// CHECK-LABEL: func.func @div_sqrt
// CHECK-SAME: (%[[X:.*]]: tensor<?x32xf32>)
// CHECK-NEXT: %[[Y:.*]] = deepc.rms_norm %[[X]] epsilon = 9.99999997E-7 : tensor<?x32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @div_sqrt(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {
  %two = deepc.constant dense<2.0> : tensor<f32>
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.pow %x, %two : tensor<?x32xf32>, tensor<f32>
  %ms = deepc.reduce_mean %sq axes = [1] keep_dims : tensor<?x32xf32>
  %s = deepc.add %ms, %eps : tensor<?x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<?x1xf32>
  %y = deepc.div %x, %r : tensor<?x32xf32>, tensor<?x1xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Tests a mean square with no ε added raises with ε = 0.
// CHECK-LABEL: func.func @no_epsilon
// CHECK-NEXT: deepc.rms_norm %{{.*}} epsilon = 0.000000e+00 : tensor<8x16xf32>
// CHECK-NEXT: return
func.func @no_epsilon(%x: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %sq = deepc.mul %x, %x : tensor<8x16xf32>, tensor<8x16xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<8x16xf32>
  %inv = deepc.rsqrt %ms : tensor<8x1xf32>
  %y = deepc.mul %x, %inv : tensor<8x16xf32>, tensor<8x1xf32>
  return %y : tensor<8x16xf32>
}

// -----

// Tests that around casts only the f32 part is raised: the f16 weight is
// applied after the cast back and stays a mul.
// CHECK-LABEL: func.func @cast_around
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf16>, %[[W:.*]]: tensor<64xf16>)
// CHECK-NEXT: %[[X32:.*]] = deepc.cast %[[X]] : tensor<?x64xf16> to tensor<?x64xf32>
// CHECK-NEXT: %[[N:.*]] = deepc.rms_norm %[[X32]] epsilon = 9.99999997E-7 : tensor<?x64xf32>
// CHECK-NEXT: %[[N16:.*]] = deepc.cast %[[N]] : tensor<?x64xf32> to tensor<?x64xf16>
// CHECK-NEXT: %[[Y:.*]] = deepc.mul %[[N16]], %[[W]]
// CHECK-NEXT: return %[[Y]]
func.func @cast_around(%x: tensor<?x64xf16>, %w: tensor<64xf16>) -> tensor<?x64xf16> {
  %two = deepc.constant dense<2.0> : tensor<f32>
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %x32 = deepc.cast %x : tensor<?x64xf16> to tensor<?x64xf32>
  %sq = deepc.pow %x32, %two : tensor<?x64xf32>, tensor<f32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<?x64xf32>
  %s = deepc.add %ms, %eps : tensor<?x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<?x1xf32>
  %inv = deepc.reciprocal %r : tensor<?x1xf32>
  %n = deepc.mul %x32, %inv : tensor<?x64xf32>, tensor<?x1xf32>
  %n16 = deepc.cast %n : tensor<?x64xf32> to tensor<?x64xf16>
  %y = deepc.mul %n16, %w : tensor<?x64xf16>, tensor<64xf16>
  return %y : tensor<?x64xf16>
}

// -----

// Tests a chain wholly in bf16 raises in bf16, ε read from the bf16 splat.
// CHECK-LABEL: func.func @bf16_chain
// CHECK-NEXT: deepc.rms_norm %{{.*}}, %{{.*}} epsilon = 9.98377799E-7 : tensor<2x64xbf16>, tensor<64xbf16>
// CHECK-NEXT: return
func.func @bf16_chain(%x: tensor<2x64xbf16>, %w: tensor<64xbf16>) -> tensor<2x64xbf16> {
  %two = deepc.constant dense<2.0> : tensor<bf16>
  %eps = deepc.constant dense<1.0e-6> : tensor<bf16>
  %sq = deepc.pow %x, %two : tensor<2x64xbf16>, tensor<bf16>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xbf16>
  %s = deepc.add %ms, %eps : tensor<2x1xbf16>, tensor<bf16>
  %inv = deepc.rsqrt %s : tensor<2x1xbf16>
  %n = deepc.mul %x, %inv : tensor<2x64xbf16>, tensor<2x1xbf16>
  %y = deepc.mul %n, %w : tensor<2x64xbf16>, tensor<64xbf16>
  return %y : tensor<2x64xbf16>
}

// -----

// Tests that a normalized value with another use keeps its weight as a mul,
// so the unweighted value is still there for that use.
// CHECK-LABEL: func.func @normalized_used_twice
// CHECK-NEXT: %[[N:.*]] = deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<4x64xf32>
// CHECK-NEXT: %[[Y:.*]] = deepc.mul %[[N]], %{{.*}}
// CHECK-NEXT: return %[[Y]], %[[N]]
func.func @normalized_used_twice(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x64xf32>
  %s = deepc.add %ms, %eps : tensor<4x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<4x1xf32>
  %n = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<4x1xf32>
  %y = deepc.mul %n, %w : tensor<4x64xf32>, tensor<64xf32>
  return %y, %n : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// Near miss: the mean is over a dimension other than the last.
// CHECK-LABEL: func.func @non_last_axis
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.reduce_mean %{{.*}} axes = [0] keep_dims
func.func @non_last_axis(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [0] keep_dims : tensor<4x64xf32>
  %s = deepc.add %ms, %eps : tensor<1x64xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<1x64xf32>
  %y = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<1x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Near miss: without keep_dims the mean [4] broadcasts against the rows'
// channels [64] rather than the rows.
// CHECK-LABEL: func.func @no_keep_dims
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.reduce_mean %{{.*}} axes = [-1] :
func.func @no_keep_dims(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x4xf32>, tensor<4x4xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] : tensor<4x4xf32>
  %s = deepc.add %ms, %eps : tensor<4xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<4xf32>
  %y = deepc.mul %x, %inv : tensor<4x4xf32>, tensor<4xf32>
  return %y : tensor<4x4xf32>
}

// -----

// Near miss: x³ is not a square.
// CHECK-LABEL: func.func @pow_three
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.pow
func.func @pow_three(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %three = deepc.constant dense<3.0> : tensor<f32>
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.pow %x, %three : tensor<4x64xf32>, tensor<f32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x64xf32>
  %s = deepc.add %ms, %eps : tensor<4x1xf32>, tensor<f32>
  %r = deepc.sqrt %s : tensor<4x1xf32>
  %inv = deepc.reciprocal %r : tensor<4x1xf32>
  %y = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<4x1xf32>
  return %y : tensor<4x64xf32>
}

// -----

// Near miss: ε is a per-row tensor, not a scalar splat.
// CHECK-LABEL: func.func @epsilon_not_splat
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.rsqrt
func.func @epsilon_not_splat(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<[[1.0e-6], [1.0e-5]]> : tensor<2x1xf32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<2x1xf32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss: ε is a runtime value.
// CHECK-LABEL: func.func @epsilon_not_constant
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.rsqrt
func.func @epsilon_not_constant(%x: tensor<2x64xf32>, %eps: tensor<f32>) -> tensor<2x64xf32> {
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss: the mean square is of another value than the one scaled.
// CHECK-LABEL: func.func @mean_of_other_value
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.rsqrt
func.func @mean_of_other_value(%x: tensor<2x64xf32>, %z: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %z, %z : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss: x * z with z another value is not a square.
// CHECK-LABEL: func.func @product_of_two_values
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.rsqrt
func.func @product_of_two_values(%x: tensor<2x64xf32>, %z: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %z : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss for the weight only: a [1, 64] weight is not the [64] vector
// rms_norm takes, so the norm is raised and the weight stays a mul.
// CHECK-LABEL: func.func @weight_not_vector
// CHECK-NEXT: %[[N:.*]] = deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<2x64xf32>
// CHECK-NEXT: %[[Y:.*]] = deepc.mul %[[N]], %{{.*}} : tensor<2x64xf32>, tensor<1x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @weight_not_vector(%x: tensor<2x64xf32>, %w: tensor<1x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %n = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  %y = deepc.mul %n, %w : tensor<2x64xf32>, tensor<1x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss for the weight only: a [1] weight broadcasts over the channels
// rather than scaling each one.
// CHECK-LABEL: func.func @weight_one_element
// CHECK-NEXT: %[[N:.*]] = deepc.rms_norm %{{.*}} epsilon = 9.99999997E-7 : tensor<2x64xf32>
// CHECK-NEXT: %[[Y:.*]] = deepc.mul %[[N]], %{{.*}} : tensor<2x64xf32>, tensor<1xf32>
// CHECK-NEXT: return %[[Y]]
func.func @weight_one_element(%x: tensor<2x64xf32>, %w: tensor<1xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %n = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  %y = deepc.mul %n, %w : tensor<2x64xf32>, tensor<1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss: a negative ε would make an rms_norm that fails to verify.
// CHECK-LABEL: func.func @negative_epsilon
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.rsqrt
func.func @negative_epsilon(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<-1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Near miss: a reciprocal without the square root is 1 / mean square.
// CHECK-LABEL: func.func @reciprocal_without_sqrt
// CHECK-NOT: deepc.rms_norm
// CHECK: deepc.reciprocal
func.func @reciprocal_without_sqrt(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32>
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<f32>
  %inv = deepc.reciprocal %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}
