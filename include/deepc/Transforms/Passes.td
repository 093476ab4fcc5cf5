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

def DeepcRaiseRmsNormPass : Pass<"deepc-raise-rms-norm"> {
  let summary = "rebuild deepc.rms_norm from the primitive ops exporters emit";
  let description = [{
    Exporters flatten RMSNorm into elementwise ops and a mean:
    `x · 1/sqrt(mean(x², axis = -1) + ε) · w`. This pass recognizes that
    chain and replaces it with one `deepc.rms_norm`, whose kernel reads each
    row once instead of materializing `x²` and the inverse RMS.

    Recognized forms, in f32, f16 or bf16 (all ops of the chain share the
    element type, so around casts only the f32 part is raised):
    - `x²` as `pow(x, 2)` or `mul(x, x)`;
    - `reduce_mean` over the last axis only, with `keep_dims`;
    - `ε` a scalar splat constant added on either side, or no `ε` at all;
    - the inverse RMS as `reciprocal(sqrt(·))` or `rsqrt(·)` multiplied on
      either side, or `div(x, sqrt(·))`;
    - an optional weight `w` of shape `[D]` (`D` the static last dimension
      of `x`) multiplied on either side of the normalized value, when that
      value has no other use.

    Anything else, such as a mean over another axis or another value than
    the one normalized, or a weight of another shape, is left unchanged.

    Before:
    ```mlir
    %sq = deepc.pow %x, %two : tensor<?x64xf32>, tensor<f32>
    %ms = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<?x64xf32>
    %s = deepc.add %ms, %eps : tensor<?x1xf32>, tensor<f32>
    %r = deepc.sqrt %s : tensor<?x1xf32>
    %inv = deepc.reciprocal %r : tensor<?x1xf32>
    %n = deepc.mul %x, %inv : tensor<?x64xf32>, tensor<?x1xf32>
    %y = deepc.mul %n, %w : tensor<?x64xf32>, tensor<64xf32>
    ```
    After:
    ```mlir
    %y = deepc.rms_norm %x, %w epsilon = 1.0e-06 : tensor<?x64xf32>, tensor<64xf32>
    ```

    With `report`, the pass emits a remark at each `reduce_mean` it raised,
    and at each one that feeds a `sqrt` or `rsqrt` (directly or through an
    `add`) but was left alone, saying which condition failed; and at each
    unweighted `rms_norm` whose only use multiplies it by a weight that is
    not of shape `[D]`. `deepc --report` turns this on.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each norm raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_TRANSFORMS_PASSES_TD
