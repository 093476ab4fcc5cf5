//===- Passes.td - deepc transformation passes ---------------*- tablegen -*-===//

#ifndef DEEPC_TRANSFORMS_PASSES_TD
#define DEEPC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DeepcFuseExpertGateUpPass : Pass<"deepc-fuse-expert-gate-up"> {
  let summary = "stack each MoE layer's gate and up expert weights into one";
  let description = [{
    A gated expert computes `act(x·w_gateᵀ) ⊙ (x·w_upᵀ)`. Both products read
    the same tokens, so the expert kernels run them as one GEMM of width
    `2 · intermediate` over `w_gate_up = concat(w_gate, w_up)` and apply the
    activation and product in its epilogue. This pass rewrites every
    `deepc.moe` that has separate `w_gate` and `w_up` to the fused form
    (their biases, when both have one, are stacked the same way into
    `gate_up_bias`). Layers that are already fused, not gated, or with a
    bias on only one of the two projections are left alone.

    Before:
    ```mlir
    %y = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
        gate(%g : tensor<8x128x64xf32>) up(%u : tensor<8x128x64xf32>)
        down(%d : tensor<8x64x128xf32>) {top_k = 2 : i64}
    ```
    After:
    ```mlir
    %gu = deepc.concat %g, %u axis = 1 : tensor<8x128x64xf32>, tensor<8x128x64xf32>
    %y = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
        gate_up(%gu : tensor<8x256x64xf32>)
        down(%d : tensor<8x64x128xf32>) {top_k = 2 : i64}
    ```
  }];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_TRANSFORMS_PASSES_TD
