//===- DeepcNNOps.td - deepc semantic transformer ops --------*- tablegen -*-===//
//
// The ops raising recovers from exported graphs and codegen maps to fused
// kernels: norms, rotary embedding, attention, the Mixture-of-Experts layer
// and the dense gated MLP.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCNNOPS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCNNOPS_TD

include "deepc/Dialect/Deepc/IR/DeepcBase.td"
include "deepc/Dialect/Deepc/IR/DeepcEnums.td"

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

def Deepc_RmsNormOp : Deepc_Op<"rms_norm",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "root-mean-square normalization over the last dimension";
  let description = [{
    `y = x / sqrt(mean(x², axis=-1) + epsilon) * weight`, where `weight`
    (optional, shape `[D]`) scales each of the `D` channels of the last
    dimension.

    ```mlir
    %0 = deepc.rms_norm %x, %w epsilon = 1.0e-05 : tensor<?x?x64xf32>, tensor<64xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input,
                       Optional<Deepc_FloatTensor>:$weight,
                       DefaultValuedAttr<Deepc_F32Attr, "1.0e-6f">:$epsilon);
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`,` $weight^)? `epsilon` `=` $epsilon attr-dict `:` type($input)
    (`,` type($weight)^)?
  }];
  let hasVerifier = 1;
}

def Deepc_LayerNormOp : Deepc_Op<"layer_norm",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["input", "result"]>]> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    `y = (x - mean(x)) / sqrt(var(x) + epsilon) * weight + bias` over the
    last dimension `D`; `weight` and `bias` are optional, each of shape `[D]`.

    ```mlir
    %0 = deepc.layer_norm %x weight %w : tensor<64xf32>
        bias %b : tensor<64xf32> epsilon = 1.0e-05 : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input,
                       Optional<Deepc_FloatTensor>:$weight,
                       Optional<Deepc_FloatTensor>:$bias,
                       DefaultValuedAttr<Deepc_F32Attr, "1.0e-5f">:$epsilon);
  let results = (outs Deepc_FloatTensor:$result);
  // Each optional operand carries its type, as attention's mask does: with
  // the types in one trailing list, a bias-only op printed a list that
  // parsed back as the weight's type.
  let assemblyFormat = [{
    $input (`weight` $weight^ `:` type($weight))?
    (`bias` $bias^ `:` type($bias))? `epsilon` `=` $epsilon attr-dict `:`
    type($input)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// deepc.rotary
//===----------------------------------------------------------------------===//

def Deepc_RotaryOp : Deepc_Op<"rotary",
    [Pure, AllTypesMatch<["input", "result"]>,
     AllTypesMatch<["cos", "sin"]>]> {
  let summary = "rotary position embedding";
  let description = [{
    Rotates pairs of channels in the first `rotary_dim` channels of the last
    dimension (`D`) of `input`; channels from `rotary_dim` on pass through
    unchanged (partial rotary, as in GPT-NeoX or DeepSeek's decoupled keys).
    `rotary_dim = 0` means all of `D`.

    With `r = rotary_dim`, the pair `(a, b)` at frequency `i < r/2` is
    `(x[i], x[i + r/2])` for `layout = half` (GPT-NeoX, Llama) and
    `(x[2i], x[2i+1])` for `layout = interleaved` (GPT-J, Mistral's
    reference). It becomes `(a cos - b sin, b cos + a sin)` with the
    angle's cosine and sine read from `cos` and `sin`, whose last dimension
    is `r/2` and whose other dimensions broadcast against
    `input.shape[:-1]` (so tables already gathered by position id work at
    any layout of batch, heads and sequence).

    ```mlir
    %0 = deepc.rotary %q, %cos, %sin layout = <half>
        : tensor<1x4x?x16xf32>, tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input, Deepc_FloatTensor:$cos,
                       Deepc_FloatTensor:$sin,
                       DefaultValuedAttr<Deepc_RotaryLayoutAttr,
                                         "RotaryLayout::half">:$layout,
                       DefaultValuedAttr<Deepc_I64Attr, "0">:$rotary_dim);
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin `layout` `=` $layout
    (`rotary_dim` `=` $rotary_dim^)? attr-dict `:` type($input) `,` type($cos)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of rotated channels, resolving `rotary_dim = 0` to all of
    /// them; ShapedType::kDynamic when that is not known statically.
    int64_t getEffectiveRotaryDim();
  }];
}

//===----------------------------------------------------------------------===//
// deepc.attention
//===----------------------------------------------------------------------===//

def Deepc_AttentionOp : Deepc_Op<"attention",
    [Pure, AttrSizedOperandSegments, Deepc_InferResultType,
     AllElementTypesMatch<["q", "k", "v"]>]> {
  let summary = "multi-head scaled dot-product attention";
  let description = [{
    `q: [B, Hq, Sq, Dk]`, `k: [B, Hkv, Skv, Dk]`, `v: [B, Hkv, Skv, Dv]`
    give `[B, Hq, Sq, Dv]`. Query head `h` reads key/value head
    `h / (Hq / Hkv)`: `num_heads = num_kv_heads` is multi-head attention,
    `num_kv_heads = 1` multi-query, anything between grouped-query. `Dk` and
    `Dv` may differ (MLA's 192-wide query/key heads with 128-wide values).

    Query `i` sits at absolute position `p(i) = i + Skv - Sq` (queries are
    the last `Sq` positions, so one op serves prefill and decode). For each
    query `i` and key `j`, in this order:

    1. `s = scale · q[i]·k[j]` (`scale` defaults to `1/sqrt(Dk)`, which
       needs a static `Dk`);
    2. with `gate` (G, `[Hq, Dk, 1]` or `[Hq, Dk, Skv]`): the dynamic sigmoid
       gate `s = s · sigmoid(q[i]·G[h])`, one gate per query or one per
       query/key pair;
    3. with `softcap > 0`: `s = softcap · tanh(s / softcap)`;
    4. with `mask`: float masks (of q's element type) are added to `s`;
       i1 masks keep `s` where true and drop the pair where false (shape
       broadcasts to `[B, Hq, Sq, Skv]`);
    5. the pair is dropped (`s = -inf`) when `causal` and `j > p(i)`, or
       when it lies outside the window (`p(i) - j > window_left` or
       `j - p(i) > window_right`, a bound of -1 being unlimited) unless it
       involves a global token (`j < num_global_tokens` or
       `p(i) < num_global_tokens`): global tokens attend to, and are
       attended by, every position the causal rule allows;
    6. `softmax` over `j`; with `sinks` (`[Hq]`), the head's sink logit joins
       the denominator only;
    7. the output is the probability-weighted sum of `v[j]`.

    ```mlir
    %0 = deepc.attention %q, %k, %v
        {causal, window_left = 4096 : i64, num_heads = 8 : i64,
         num_kv_heads = 2 : i64}
        : tensor<?x8x?x64xf32>, tensor<?x2x?x64xf32>, tensor<?x2x?x64xf32>
    ```
  }];
  let arguments = (ins
    Deepc_FloatTensor:$q, Deepc_FloatTensor:$k, Deepc_FloatTensor:$v,
    Optional<RankedTensorOf<[Deepc_Float, I1]>>:$mask,
    Optional<Deepc_FloatTensor>:$gate,
    Optional<Deepc_FloatTensor>:$sinks,
    Deepc_I64Attr:$num_heads,
    Deepc_I64Attr:$num_kv_heads,
    OptionalAttr<Deepc_F32Attr>:$scale,
    UnitAttr:$causal,
    DefaultValuedAttr<Deepc_I64Attr, "-1">:$window_left,
    DefaultValuedAttr<Deepc_I64Attr, "-1">:$window_right,
    DefaultValuedAttr<Deepc_I64Attr, "0">:$num_global_tokens,
    DefaultValuedAttr<Deepc_F32Attr, "0.0f">:$softcap
  );
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $q `,` $k `,` $v (`mask` $mask^ `:` type($mask))?
    (`gate` $gate^ `:` type($gate))? (`sinks` $sinks^ `:` type($sinks))?
    attr-dict `:` type($q) `,` type($k) `,` type($v)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax scale, resolving the default 1/sqrt(head_dim).
    /// Requires a static head dimension when no scale is given.
    float getEffectiveScale();
  }];
}

//===----------------------------------------------------------------------===//
// deepc.moe
//===----------------------------------------------------------------------===//

def Deepc_MoeOp : Deepc_Op<"moe",
    [Pure, AttrSizedOperandSegments, AllTypesMatch<["hidden", "result"]>]> {
  let summary = "Mixture-of-Experts feed-forward layer";
  let description = [{
    A routed MoE layer with optional shared experts, over `hidden` of shape
    `[..., H]` (every leading position is a token) and `E` experts.

    Routing, per token `x`:
    1. `logits = x · router_weightᵀ` (`router_weight: [E, H]`);
       `scores = softmax(logits)` or `sigmoid(logits)` (`router`).
    2. Selection uses `scores + correction_bias` when the bias (`[E]`) is
       given (DeepSeek-V3's load balancing); the weights always come from
       `scores`.
    3. With `n_group > 1`, experts form `n_group` equal groups scored by
       `group_score` (`max`, or `top2_sum` as in DeepSeek-V3, which needs
       at least 2 experts per group) and only the `topk_group` best groups
       stay eligible.
    4. The `top_k` eligible experts with the largest selection scores are
       chosen; with `renormalize` their weights are divided by their sum;
       then they are multiplied by `routed_scaling_factor`.

    Experts, each a feed-forward network of intermediate size `I`. Gated
    (`gated`, the default): `act(x·w_gate[e]ᵀ) ⊙ (x·w_up[e]ᵀ) · w_down[e]ᵀ`,
    with `w_gate, w_up: [E, I, H]` or a fused `w_gate_up: [E, 2I, H]` whose
    first `I` rows are the gate; not gated: `act(x·w_up[e]ᵀ) · w_down[e]ᵀ`.
    `w_down: [E, H, I]`. Weights use the `nn.Linear` layout `[out, in]`.
    Each projection may carry a per-expert bias, added to its product
    before the activation (`gate_bias`, `up_bias: [E, I]`,
    `gate_up_bias: [E, 2I]`, each only beside its weight) or to the expert's
    output (`down_bias: [E, H]`), as ONNX Runtime's MoE and gpt-oss have.

    Shared experts (`shared_gate`, `shared_up: [Is, H]`,
    `shared_down: [H, Is]`) run on every token with the same activation and
    gating; with `shared_expert_gate` (`[1, H]` or `[H]`, Qwen2-MoE) their
    output is scaled by `sigmoid(x · shared_expert_gateᵀ)`.

    Capacity: with `capacity_factor > 0` each expert takes at most
    `ceil(capacity_factor · T · top_k / E)` of the `T` tokens, in token
    order; a token dropped by an expert gets nothing from it. `0` drops
    nothing.

    ```mlir
    %0 = deepc.moe %x, %router : tensor<?x64xf32>, tensor<8x64xf32>
        gate(%wg : tensor<8x128x64xf32>) up(%wu : tensor<8x128x64xf32>)
        down(%wd : tensor<8x64x128xf32>)
        {top_k = 2 : i64, renormalize}
    ```
  }];
  let arguments = (ins
    Deepc_FloatTensor:$hidden,
    Deepc_FloatTensor:$router_weight,
    Optional<Deepc_FloatTensor>:$w_gate,
    Optional<Deepc_FloatTensor>:$w_up,
    Optional<Deepc_FloatTensor>:$w_gate_up,
    Deepc_FloatTensor:$w_down,
    Optional<Deepc_FloatTensor>:$gate_bias,
    Optional<Deepc_FloatTensor>:$up_bias,
    Optional<Deepc_FloatTensor>:$gate_up_bias,
    Optional<Deepc_FloatTensor>:$down_bias,
    Optional<Deepc_FloatTensor>:$correction_bias,
    Optional<Deepc_FloatTensor>:$shared_gate,
    Optional<Deepc_FloatTensor>:$shared_up,
    Optional<Deepc_FloatTensor>:$shared_down,
    Optional<Deepc_FloatTensor>:$shared_expert_gate,
    Deepc_I64Attr:$top_k,
    DefaultValuedAttr<Deepc_RouterFunctionAttr,
                      "RouterFunction::softmax">:$router,
    UnitAttr:$renormalize,
    DefaultValuedAttr<Deepc_I64Attr, "1">:$n_group,
    DefaultValuedAttr<Deepc_I64Attr, "1">:$topk_group,
    DefaultValuedAttr<Deepc_GroupScoreAttr, "GroupScore::top2_sum">:$group_score,
    DefaultValuedAttr<Deepc_F32Attr, "1.0f">:$routed_scaling_factor,
    DefaultValuedAttr<Deepc_ActivationAttr, "Activation::silu">:$activation,
    DefaultValuedAttr<BoolAttr, "true">:$gated,
    DefaultValuedAttr<Deepc_F32Attr, "0.0f">:$capacity_factor
  );
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $hidden `,` $router_weight `:` type($hidden) `,` type($router_weight)
    (`gate` `(` $w_gate^ `:` type($w_gate) `)`)?
    (`up` `(` $w_up^ `:` type($w_up) `)`)?
    (`gate_up` `(` $w_gate_up^ `:` type($w_gate_up) `)`)?
    `down` `(` $w_down `:` type($w_down) `)`
    (`gate_bias` `(` $gate_bias^ `:` type($gate_bias) `)`)?
    (`up_bias` `(` $up_bias^ `:` type($up_bias) `)`)?
    (`gate_up_bias` `(` $gate_up_bias^ `:` type($gate_up_bias) `)`)?
    (`down_bias` `(` $down_bias^ `:` type($down_bias) `)`)?
    (`correction_bias` `(` $correction_bias^ `:` type($correction_bias) `)`)?
    (`shared_gate` `(` $shared_gate^ `:` type($shared_gate) `)`)?
    (`shared_up` `(` $shared_up^ `:` type($shared_up) `)`)?
    (`shared_down` `(` $shared_down^ `:` type($shared_down) `)`)?
    (`shared_expert_gate` `(` $shared_expert_gate^ `:`
      type($shared_expert_gate) `)`)?
    attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of routed experts, E (from the router weight).
    int64_t getNumExperts();
  }];
}

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

def Deepc_GatedMlpOp : Deepc_Op<"gated_mlp",
    [Pure, Deepc_InferResultType,
     AllElementTypesMatch<["input", "w_gate_up", "w_down"]>]> {
  let summary = "dense gated feed-forward layer (SwiGLU, GeGLU, ReGLU)";
  let description = [{
    The dense MLP of Llama, Mistral and DeepSeek's first layers, over
    `input` of shape `[..., H]` (every leading position is a token):

    `y = (act(x · W_gᵀ) ⊙ (x · W_uᵀ)) · w_downᵀ`

    where `w_gate_up: [2I, H]` holds the gate projection `W_g` in its first
    `I` rows and the up projection `W_u` in the last `I`, and
    `w_down: [Ho, I]` (`Ho` is usually `H`). Weights use the `nn.Linear`
    layout `[out, in]`. The result has shape `[..., Ho]`.

    `activation` is `silu` (`x / (1 + e^-x)`, SwiGLU), `gelu` (exact erf
    form, GeGLU), `gelu_tanh` (`0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715
    x³)))`) or `relu` (ReGLU); the CPU kernel computes in f32 as the
    primitive ops do.

    ```mlir
    %0 = deepc.gated_mlp %x : tensor<?x?x64xf32>
        gate_up(%wgu : tensor<256x64xf32>) down(%wd : tensor<64x128xf32>)
        {activation = #deepc.activation<gelu>}
    ```
  }];
  let arguments = (ins
    Deepc_FloatTensor:$input,
    Deepc_FloatTensor:$w_gate_up,
    Deepc_FloatTensor:$w_down,
    DefaultValuedAttr<Deepc_ActivationAttr, "Activation::silu">:$activation
  );
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `:` type($input) `gate_up` `(` $w_gate_up `:` type($w_gate_up) `)`
    `down` `(` $w_down `:` type($w_down) `)` attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The intermediate size I (rows of w_gate_up / 2, or w_down's columns);
    /// ShapedType::kDynamic when neither states it.
    int64_t getIntermediateSize();
  }];
}

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCNNOPS_TD
