// Tests --report: after compiling, deepc lists on stderr what
// deepc-raise-rms-norm raised, by the ONNX node names of the reduce_means it
// replaced, and the near misses it left, each with the condition that
// failed. Without --report the pass stays quiet.

// RUN: deepc %S/../models/llama/model.onnx --emit=deepc -o /dev/null --report 2>&1 \
// RUN:   | FileCheck %s --check-prefix=LLAMA
// LLAMA: deepc: report: deepc-raise-rms-norm: raised 5: 'node_mean{{.*}}', 'node_mean{{.*}}', 'node_mean{{.*}}', 'node_mean{{.*}}', 'node_mean{{.*}}'{{$}}
// LLAMA-NOT: left

// This file is also the input: a module already in the deepc dialect, run
// through the raising pass alone.
// RUN: deepc %s --emit=deepc -o /dev/null --report \
// RUN:   --pipeline='builtin.module(deepc-raise-rms-norm)' 2>&1 | FileCheck %s --check-prefix=NEAR
// NEAR: deepc: report: deepc-raise-rms-norm: raised 2: 'norm{{(_scaled)?}}', 'norm{{(_scaled)?}}'{{$}}
// NEAR-NEXT: deepc: report: deepc-raise-rms-norm: left 4:
// NEAR-DAG: 'mean_axis0': not raised to deepc.rms_norm: the reduce_mean is not over the last axis only
// NEAR-DAG: 'mean_flat': not raised to deepc.rms_norm: the reduce_mean drops the reduced axis (no keep_dims)
// NEAR-DAG: 'mean_eps_rows': not raised to deepc.rms_norm: ε is not a scalar splat constant
// NEAR-DAG: 'norm_scaled_mul': weight not folded into deepc.rms_norm: it is not of shape [D], D the static last dimension of x

// RUN: deepc %s --emit=deepc -o /dev/null \
// RUN:   --pipeline='builtin.module(deepc-raise-rms-norm)' 2>&1 | count 0

func.func @raised(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x64xf32> loc("norm")
  %s = deepc.add %ms, %eps : tensor<4x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<4x1xf32>
  %y = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<4x1xf32>
  return %y : tensor<4x64xf32>
}

func.func @non_last_axis(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [0] keep_dims : tensor<4x64xf32> loc("mean_axis0")
  %s = deepc.add %ms, %eps : tensor<1x64xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<1x64xf32>
  %y = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<1x64xf32>
  return %y : tensor<4x64xf32>
}

func.func @no_keep_dims(%x: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x4xf32>, tensor<4x4xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] : tensor<4x4xf32> loc("mean_flat")
  %s = deepc.add %ms, %eps : tensor<4xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<4xf32>
  %y = deepc.mul %x, %inv : tensor<4x4xf32>, tensor<4xf32>
  return %y : tensor<4x4xf32>
}

func.func @epsilon_not_splat(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %eps = deepc.constant dense<[[1.0e-6], [1.0e-5]]> : tensor<2x1xf32>
  %sq = deepc.mul %x, %x : tensor<2x64xf32>, tensor<2x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<2x64xf32> loc("mean_eps_rows")
  %s = deepc.add %ms, %eps : tensor<2x1xf32>, tensor<2x1xf32>
  %inv = deepc.rsqrt %s : tensor<2x1xf32>
  %y = deepc.mul %x, %inv : tensor<2x64xf32>, tensor<2x1xf32>
  return %y : tensor<2x64xf32>
}

// The weight [4, 64] is not [64]: the norm is raised, the weight not
// folded; rms_norm takes the location of the mul it replaced.
func.func @weight_2d(%x: tensor<4x64xf32>, %w: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %eps = deepc.constant dense<1.0e-6> : tensor<f32>
  %sq = deepc.mul %x, %x : tensor<4x64xf32>, tensor<4x64xf32>
  %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<4x64xf32> loc("norm_scaled")
  %s = deepc.add %ms, %eps : tensor<4x1xf32>, tensor<f32>
  %inv = deepc.rsqrt %s : tensor<4x1xf32>
  %n = deepc.mul %x, %inv : tensor<4x64xf32>, tensor<4x1xf32> loc("norm_scaled_mul")
  %y = deepc.mul %n, %w : tensor<4x64xf32>, tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}
