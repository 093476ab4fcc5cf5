// RUN: deepc-opt %s -split-input-file -deepc-set-precision='precision=bf16' | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-set-precision='precision=f16' | FileCheck %s --check-prefix=F16
// RUN: deepc-opt %s -split-input-file -deepc-set-precision='precision=bf16 keep-f32=*lm_head*,/model/layers.0/*' | FileCheck %s --check-prefix=KEEP
// RUN: deepc-opt %s -split-input-file -deepc-set-precision='precision=bf16 keep-f32=/model/layers.0/* report=true' 2>&1 >/dev/null | FileCheck %s --check-prefix=REPORT

// f32, the default, changes nothing: the output is the input as printed.
// RUN: deepc-opt %s -split-input-file > %t.ref
// RUN: deepc-opt %s -split-input-file -deepc-set-precision > %t.default
// RUN: deepc-opt %s -split-input-file -deepc-set-precision='precision=f32' > %t.f32
// RUN: diff %t.ref %t.default
// RUN: diff %t.ref %t.f32

// An unknown precision or a malformed glob is one error at the module.
// RUN: not deepc-opt %s -deepc-set-precision='precision=fp8' 2>&1 | FileCheck %s --check-prefix=BADTYPE
// BADTYPE: error: deepc-set-precision: precision must be f32, bf16 or f16, got 'fp8'
// BADTYPE-NOT: error
// RUN: not deepc-opt %s -deepc-set-precision='precision=bf16 keep-f32=[z-a]' 2>&1 | FileCheck %s --check-prefix=BADGLOB
// BADGLOB: error: deepc-set-precision: invalid keep-f32 glob '[z-a]'

// Tests that a matmul, an rms_norm and the elementwise ops between them
// compute in bf16: the weights are converted at compile time, the f32
// argument is cast where it is read and the result is cast back to the
// declared f32.
// CHECK-LABEL: func.func @mlp
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>) -> tensor<?x2xf32>
// CHECK-DAG: %[[XB:.*]] = deepc.cast %[[X]] : tensor<?x4xf32> to tensor<?x4xbf16>
// CHECK-DAG: %[[NW:.*]] = deepc.constant dense<[1.000000e+00, 5.000000e-01, 2.500000e-01, 1.250000e-01]> : tensor<4xbf16>
// 0.1 is not a bf16: it rounds to 0.10009765625; 1/3 to 0.333984375.
// CHECK-DAG: %[[W:.*]] = deepc.constant dense<{{\[\[}}1.000980e-01, 3.339840e-01], [-2.000000e+00, 0.000000e+00], [1.000000e+00, 1.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<4x2xbf16>
// CHECK: %[[N:.*]] = deepc.rms_norm %[[XB]], %[[NW]] epsilon = 9.99999997E-7 : tensor<?x4xbf16>, tensor<4xbf16>
// CHECK: %[[Y:.*]] = deepc.matmul %[[N]], %[[W]] : tensor<?x4xbf16>, tensor<4x2xbf16>
// CHECK: %[[S:.*]] = deepc.silu %[[Y]] : tensor<?x2xbf16>
// CHECK: %[[R:.*]] = deepc.cast %[[S]] : tensor<?x2xbf16> to tensor<?x2xf32>
// CHECK: return %[[R]] : tensor<?x2xf32>
// CHECK-NOT: f32>
// F16-LABEL: func.func @mlp
// F16: %[[W:.*]] = deepc.constant dense<{{\[\[}}9.997550e-02, 3.332520e-01]
// F16: deepc.matmul %{{.*}}, %[[W]] : tensor<?x4xf16>, tensor<4x2xf16>
// F16: deepc.cast %{{.*}} : tensor<?x2xf16> to tensor<?x2xf32>
func.func @mlp(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %nw = deepc.constant dense<[1.0, 0.5, 0.25, 0.125]> : tensor<4xf32>
  %w = deepc.constant dense<[[0.1, 0.33333334], [-2.0, 0.0], [1.0, 1.0], [3.0, 4.0]]> : tensor<4x2xf32>
  %n = deepc.rms_norm %x, %nw epsilon = 1.0e-06 : tensor<?x4xf32>, tensor<4xf32>
  %y = deepc.matmul %n, %w : tensor<?x4xf32>, tensor<4x2xf32>
  %s = deepc.silu %y : tensor<?x2xf32>
  return %s : tensor<?x2xf32>
}

// -----

// Tests that integer ops and shape math stay as they are while the float
// values around them are narrowed; a float cast to an integer reads f32.
// CHECK-LABEL: func.func @integers
// CHECK: deepc.shape_of %{{.*}} : tensor<?x4xbf16>
// CHECK: deepc.add %{{.*}}, %{{.*}} : tensor<2xi64>, tensor<2xi64>
// CHECK: %[[E:.*]] = deepc.exp %{{.*}} : tensor<?x4xbf16>
// CHECK: %[[W:.*]] = deepc.cast %[[E]] : tensor<?x4xbf16> to tensor<?x4xf32>
// CHECK: deepc.cast %[[W]] : tensor<?x4xf32> to tensor<?x4xi32>
func.func @integers(%x: tensor<?x4xf32>) -> (tensor<2xi64>, tensor<?x4xi32>) {
  %s = deepc.shape_of %x : tensor<?x4xf32>
  %t = deepc.add %s, %s : tensor<2xi64>, tensor<2xi64>
  %e = deepc.exp %x : tensor<?x4xf32>
  %i = deepc.cast %e : tensor<?x4xf32> to tensor<?x4xi32>
  return %t, %i : tensor<2xi64>, tensor<?x4xi32>
}

// -----

// Tests that angles computed from integer positions stay f32 (position
// 300 is not a bf16), and that rotary reads its f32 tables directly.
// CHECK-LABEL: func.func @rotary_angles
// CHECK: %[[P:.*]] = deepc.cast %{{.*}} : tensor<?x1xi64> to tensor<?x1xf32>
// CHECK: %[[A:.*]] = deepc.mul %[[P]], %{{.*}} : tensor<?x1xf32>, tensor<8xf32>
// CHECK: %[[C:.*]] = deepc.cos %[[A]] : tensor<?x8xf32>
// CHECK: %[[S:.*]] = deepc.sin %[[A]] : tensor<?x8xf32>
// CHECK: deepc.rotary %{{.*}}, %[[C]], %[[S]] layout = <half> : tensor<1x2x?x16xbf16>, tensor<?x8xf32>
func.func @rotary_angles(%q: tensor<1x2x?x16xf32>, %pos: tensor<?x1xi64>) -> tensor<1x2x?x16xf32> {
  %invfreq = deepc.constant dense<0.5> : tensor<8xf32>
  %p = deepc.cast %pos : tensor<?x1xi64> to tensor<?x1xf32>
  %a = deepc.mul %p, %invfreq : tensor<?x1xf32>, tensor<8xf32>
  %c = deepc.cos %a : tensor<?x8xf32>
  %s = deepc.sin %a : tensor<?x8xf32>
  %r = deepc.rotary %q, %c, %s layout = <half> : tensor<1x2x?x16xf32>, tensor<?x8xf32>
  return %r : tensor<1x2x?x16xf32>
}

// -----

// Tests that deepc.moe computes its experts in bf16 but keeps its router
// weight and correction bias f32, so that routing picks the experts the
// f32 model picks from the same hidden states.
// CHECK-LABEL: func.func @moe
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x8xbf16>, tensor<4x8xf32>
// CHECK-SAME: gate_up(%{{.*}} : tensor<4x32x8xbf16>) down(%{{.*}} : tensor<4x8x16xbf16>)
// CHECK-SAME: correction_bias(%{{.*}} : tensor<4xf32>)
func.func @moe(%x: tensor<?x8xf32>, %r: tensor<4x8xf32>, %gu: tensor<4x32x8xf32>,
               %d: tensor<4x8x16xf32>, %b: tensor<4xf32>) -> tensor<?x8xf32> {
  %0 = deepc.moe %x, %r : tensor<?x8xf32>, tensor<4x8xf32>
      gate_up(%gu : tensor<4x32x8xf32>) down(%d : tensor<4x8x16xf32>)
      correction_bias(%b : tensor<4xf32>)
      {top_k = 2 : i64, router = #deepc.router<sigmoid>}
  return %0 : tensor<?x8xf32>
}

// -----

// Tests that a router weight laid out by ops on constants (ONNX Runtime's
// MoE takes it transposed) is computed in f32 from the f32 weight, not
// narrowed and widened again.
// CHECK-LABEL: func.func @moe_transposed_router
// CHECK: %[[R:.*]] = deepc.constant dense<{{\[\[}}1.000000e-01, 2.000000e-01]]> : tensor<1x2xf32>
// CHECK: %[[T:.*]] = deepc.transpose %[[R]] [1, 0] : tensor<1x2xf32>
// CHECK: deepc.moe %{{.*}}, %[[T]] : tensor<?x1xbf16>, tensor<2x1xf32>
func.func @moe_transposed_router(%x: tensor<?x1xf32>, %u: tensor<2x4x1xf32>,
                                 %d: tensor<2x1x4xf32>) -> tensor<?x1xf32> {
  %r = deepc.constant dense<[[0.1, 0.2]]> : tensor<1x2xf32>
  %t = deepc.transpose %r [1, 0] : tensor<1x2xf32>
  %0 = deepc.moe %x, %t : tensor<?x1xf32>, tensor<2x1xf32>
      up(%u : tensor<2x4x1xf32>) down(%d : tensor<2x1x4xf32>)
      {top_k = 1 : i64, gated = false}
  return %0 : tensor<?x1xf32>
}

// -----

// Tests that a keep-f32 glob over the ONNX node names keeps the ops it
// names in f32, with casts around them, while the others are narrowed;
// one cast serves both readers of a value.
// KEEP-LABEL: func.func @override
// KEEP: %[[A:.*]] = deepc.tanh %{{.*}} : tensor<4xbf16>
// KEEP: %[[W:.*]] = deepc.cast %[[A]] : tensor<4xbf16> to tensor<4xf32>
// KEEP: %[[B:.*]] = deepc.exp %[[W]] : tensor<4xf32>
// KEEP: %[[N:.*]] = deepc.cast %[[B]] : tensor<4xf32> to tensor<4xbf16>
// KEEP: %[[C:.*]] = deepc.neg %[[W]] : tensor<4xf32>
// KEEP: %[[D:.*]] = deepc.add %[[N]], %[[A]] : tensor<4xbf16>, tensor<4xbf16>
// KEEP: %[[R:.*]] = deepc.cast %[[D]] : tensor<4xbf16> to tensor<4xf32>
// KEEP: return %[[C]], %[[R]]
// REPORT: remark: {{.*}}kept in f32: its name matches keep-f32 glob '/model/layers.0/*'
// REPORT: remark: narrowed 3 op(s) to bf16, kept 1 in f32 by keep-f32
func.func @override(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = deepc.tanh %x : tensor<4xf32> loc("/model/embed/Tanh")
  %b = deepc.exp %a : tensor<4xf32> loc("/model/layers.0/mlp/Exp")
  %c = deepc.neg %a : tensor<4xf32> loc("/model/lm_head/Neg")
  %d = deepc.add %b, %a : tensor<4xf32>, tensor<4xf32> loc("/model/layers.1/Add")
  return %c, %d : tensor<4xf32>, tensor<4xf32>
}
