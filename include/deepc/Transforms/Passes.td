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

// The raising passes below share one shape: each rebuilds a semantic op from
// the primitive ops exporters emit, and with `report` emits a remark at each
// op it raised ("raised to ...") and at each near miss ("... not raised:
// <reason>"), which `deepc --report` collects.

def DeepcRaiseAttentionPass : Pass<"deepc-raise-attention"> {
  let summary = "rebuild deepc.attention from scaled dot-product primitives";
  let description = [{
    Recognizes `softmax(scale · q·kᵀ + mask) · v` as exporters write it
    (scales applied to q, to k or to the scores, GQA key/value heads
    repeated with expand/reshape, kᵀ through reshape/transpose chains, the
    NaN guard around the softmax, the dynamic sigmoid gate) and replaces it
    with one `deepc.attention` whose mask, when one is left, is an operand.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each attention raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcSimplifyAttentionMaskPass : Pass<"deepc-simplify-attention-mask"> {
  let summary = "turn computed attention masks into causal/window attributes";
  let description = [{
    Proves that the mask operand of a `deepc.attention` is a causal,
    sliding-window or global-token mask built from positions (Range, Trilu,
    Less/LessEqual/Where constructions) and replaces it by the op's
    `causal`, `window_left`/`window_right` and `num_global_tokens`
    attributes, so that the kernel skips masked tiles instead of reading a
    mask.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each mask simplified and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcRaiseRotaryPass : Pass<"deepc-raise-rotary"> {
  let summary = "rebuild deepc.rotary from rotate-half and interleaved forms";
  let description = [{
    Recognizes `x · cos + rotate(x) · sin`, with `rotate` the half layout
    (`concat(-x2, x1)`) or the interleaved one, and cos/sin tables computed
    from positions or gathered from constant tables, and replaces it with
    one `deepc.rotary`.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each rotary raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcRaiseMoePass : Pass<"deepc-raise-moe"> {
  let summary = "rebuild deepc.moe from a gather of stacked expert weights";
  let description = [{
    Recognizes an MoE layer exported as router matmul, softmax or sigmoid
    scores, (group-limited) top-k, a gather of the stacked expert weights
    by the chosen indices, batched matmuls, weighting by the routing
    weights and a sum over k (plus shared experts), and replaces it with
    one `deepc.moe` that runs sparsely.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each MoE raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcRaiseMoeLoopPass : Pass<"deepc-raise-moe-loop"> {
  let summary = "rebuild deepc.moe from an unrolled per-expert loop";
  let description = [{
    Recognizes an MoE layer exported as one unrolled block per expert
    (tokens routed to the expert found with NonZero, gathered, run through
    the expert's MLP, weighted and scattered back with ScatterND add) and
    replaces the whole layer with one `deepc.moe`.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each MoE raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcSetMoeCapacityPass : Pass<"deepc-set-moe-capacity"> {
  let summary = "set the capacity factor of every deepc.moe";
  let description = [{
    Sets `capacity_factor` on every `deepc.moe`: each expert then takes at
    most `ceil(factor · tokens · top_k / experts)` tokens and drops the
    rest, which deepc-run reports. `0` drops nothing.
  }];
  let options = [
    Option<"capacityFactor", "capacity-factor", "double", /*default=*/"0.0",
           "Capacity factor to set (0 = unlimited)">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_TRANSFORMS_PASSES_TD
