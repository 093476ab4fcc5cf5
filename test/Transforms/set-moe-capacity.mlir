// RUN: deepc-opt %s -split-input-file -deepc-set-moe-capacity='capacity-factor=1.25' | FileCheck %s
// RUN: deepc-opt %s -split-input-file -deepc-set-moe-capacity | FileCheck %s --check-prefix=ZERO

// A negative factor, or one that is not a finite f32, is refused, whether
// or not the module has MoE layers.
// RUN: not deepc-opt %s -split-input-file -deepc-set-moe-capacity='capacity-factor=-1' 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: deepc-set-moe-capacity: capacity-factor must be a finite, non-negative f32, got -1
// RUN: not deepc-opt %s -deepc-set-moe-capacity='capacity-factor=nan' 2>&1 | FileCheck %s --check-prefix=NAN
// NAN: capacity-factor must be a finite, non-negative f32, got nan
// RUN: not deepc-opt %s -deepc-set-moe-capacity='capacity-factor=1e39' 2>&1 | FileCheck %s --check-prefix=HUGE
// HUGE: capacity-factor must be a finite, non-negative f32, got 1{{.*}}e+39

// Tests that every deepc.moe, nested or not, gets the factor and keeps its
// operands and other attributes; a factor already there is replaced.
// CHECK-LABEL: func.func @two_layers
// CHECK: deepc.moe %{{.*}}, %{{.*}} : tensor<?x64xf32>, tensor<8x64xf32>
// CHECK-SAME: gate(%{{.*}} : tensor<8x128x64xf32>) up(%{{.*}} : tensor<8x128x64xf32>) down(%{{.*}} : tensor<8x64x128xf32>)
// CHECK-SAME: {capacity_factor = 1.250000e+00 : f32, renormalize, top_k = 2 : i64}
// CHECK: deepc.moe
// CHECK-SAME: {capacity_factor = 1.250000e+00 : f32, gated = false, top_k = 1 : i64}
// ZERO-LABEL: func.func @two_layers
// ZERO: deepc.moe
// ZERO-NOT: capacity_factor
// ZERO-SAME: {renormalize, top_k = 2 : i64}
// ZERO: deepc.moe
// ZERO-NOT: capacity_factor
// ZERO-SAME: {gated = false, top_k = 1 : i64}
func.func @two_layers(%x: tensor<?x64xf32>, %r: tensor<8x64xf32>, %g: tensor<8x128x64xf32>,
                      %u: tensor<8x128x64xf32>, %d: tensor<8x64x128xf32>) -> tensor<?x64xf32> {
  %0 = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
      gate(%g : tensor<8x128x64xf32>) up(%u : tensor<8x128x64xf32>)
      down(%d : tensor<8x64x128xf32>) {top_k = 2 : i64, renormalize}
  %1 = deepc.moe %0, %r : tensor<?x64xf32>, tensor<8x64xf32>
      up(%u : tensor<8x128x64xf32>) down(%d : tensor<8x64x128xf32>)
      {top_k = 1 : i64, gated = false, capacity_factor = 2.0 : f32}
  return %1 : tensor<?x64xf32>
}

// -----

// Tests that a module without MoE layers is left as it is.
// CHECK-LABEL: func.func @no_moe
// CHECK-NEXT: return %arg0
func.func @no_moe(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
