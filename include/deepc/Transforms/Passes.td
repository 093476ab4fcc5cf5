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
    Recognizes `softmax(mask(softcap(gate(scale · q·kᵀ)))) · v` as exporters
    write it and replaces it with one `deepc.attention` (the output matmul's
    result; the primitive chain is erased):

    - q, k and v are read where their layout chains start: every reshape,
      transpose and expand between them and the two matmuls is proven to be
      kᵀ and, for grouped-query attention, the repeat of each key/value
      head over a group of consecutive query heads (query head `h` reads
      head `h / (Hq / Hkv)`; the repeat is undone and sets `num_kv_heads`).
      Dynamic extents are followed back through shape operands to the
      `shape_of` they came from. A chain that cannot be proven is kept: the
      repeated tensor itself is then k or v.
    - `scale` is the product of the scalar constants that multiply or
      divide q, kᵀ or the scores (exporters split `1/sqrt(D)` as its square
      root on both sides).
    - The gate `s · sigmoid(q·G)` (G `[Hq, Dk, 1 or Skv]`, the same unscaled
      q) and the softcap `c · tanh(s / c)` become `gate` and `softcap`.
    - A mask added to the scores stays an operand: `select(m, 0, -inf)`
      (or the type's lowest finite value) becomes the i1 mask `m`,
      `select(m, -inf, 0)` the i1 mask `not(m)`, any other float tensor the
      float mask; `select(m, s, -inf)` and `select(m, -inf, s)` are i1 masks
      too. Masks are not turned into attributes here (see
      deepc-simplify-attention-mask).
    - A sink logit column `[Hq]` concatenated after the scores and sliced
      off after the softmax becomes `sinks`.
    - The NaN guard `select(not(equal(p, p)), 0, p)` after the softmax is
      absorbed: the kernel gives zeros for fully masked rows. Only such rows
      can differ from the graph: it gives NaN there when it masked with
      -inf and has no guard, an average of v when it masked with a finite
      lowest value.

    Left alone: a softmax over another axis than the keys, scale factors
    that are not scalar constants, a kᵀ or repeat that permutes batch,
    heads or positions otherwise, k and v repeated differently, a mask that
    would enlarge the scores, probabilities with other uses.

    Before (GQA, 4 query heads, 2 key/value heads):
    ```mlir
    %k5 = deepc.reshape %k : tensor<2x2x8x16xf32> -> tensor<2x2x1x8x16xf32>
    %ke = deepc.expand %k5 : tensor<2x2x1x8x16xf32> -> tensor<2x2x2x8x16xf32>
    %kr = deepc.reshape %ke : tensor<2x2x2x8x16xf32> -> tensor<2x4x8x16xf32>
    %s = deepc.matmul %q, %kr transpose_rhs : tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>
    %ss = deepc.mul %s, %c : tensor<2x4x8x8xf32>, tensor<f32>
    %p = deepc.softmax %ss axis = 3 : tensor<2x4x8x8xf32>
    %o = deepc.matmul %p, %vr : tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>
    ```
    After:
    ```mlir
    %o = deepc.attention %q, %k, %v
        {num_heads = 4 : i64, num_kv_heads = 2 : i64, scale = 2.500000e-01 : f32}
        : tensor<2x4x8x16xf32>, tensor<2x2x8x16xf32>, tensor<2x2x8x16xf32>
    ```

    With `report`, the pass emits a remark at each softmax it raised and at
    each softmax whose probabilities feed a matmul but was left alone,
    saying which condition failed. `deepc --report` turns this on.
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
    Proves that the `mask` operand of a `deepc.attention` keeps exactly the
    pairs of a causal, sliding-window, bidirectional-window or global-token
    rule and replaces it by the op's `causal`, `window_left`/`window_right`
    and `num_global_tokens` attributes, so that the kernel skips masked
    tiles instead of reading a mask.

    The proof interprets the mask's producer graph symbolically: index
    tensors are affine forms in their coordinates (Range, reshape, expand,
    transpose, slice, concat, gather_nd, cumsum of constants, add/sub/abs),
    booleans are and/or/not of comparisons of those forms (less, equal, ...,
    trilu), and float masks are two constants chosen by a predicate (Where,
    Cast), accepted as additive masks when they are 0 and -inf (or the
    type's lowest value). Extents are tracked symbolically so broadcasts
    and gathers are followed only where they provably line up, and the
    query and key dimensions must have the same length (the op places query
    `i` at `Skv - Sq + i`). The resulting predicate is checked against the
    attributes at every vertex of the cells between its thresholds, which
    decides equivalence for all positions. Existing attributes are kept
    (and-ed in). A run-time factor of a top-level `and` (a padding mask)
    stays as a smaller i1 mask operand.

    Before (transformers' sliding-window mask):
    ```mlir
    %inside = deepc.greater %kpos, %lo : tensor<1x?xi64>, tensor<?x1xi64>
    %past = deepc.less_equal %kpos, %qpos : tensor<1x?xi64>, tensor<?x1xi64>
    %keep = deepc.and %inside, %past : tensor<?x?xi1>, tensor<?x?xi1>
    %mask = deepc.select %keep, %zero, %ninf
        : tensor<?x?xi1>, tensor<f32>, tensor<f32>
    %0 = deepc.attention %q, %k, %v mask %mask : tensor<?x?xf32> {...}
    ```
    After (`%lo = %qpos - 8`):
    ```mlir
    %0 = deepc.attention %q, %k, %v {causal, window_left = 7 : i64, ...}
    ```
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
    Recognizes rotary position embeddings as exporters write them and
    replaces each with one `deepc.rotary`:
    - `x · cos + rotate(x) · sin`, with `rotate(x) = concat(-x[r/2:],
      x[:r/2])` (half layout) or the pairs `(-x[2i+1], x[2i])` stacked on a
      new last axis and flattened (interleaved layout); the negation as
      `neg` or a product with -1, operands of the add and muls in any order;
    - `concat(x1 · c - x2 · s, x2 · c + x1 · s)` along the last axis, the
      pairs `(x1[i], x2[i])` rotated half by half (DeepSeek-V3, with
      `x1 = x[0::2]`, `x2 = x[1::2]`): the half-layout rotary of
      `concat(x1, x2)` (of `x` itself when `x1` and `x2` are its halves);
    - then `concat(rotary(x[..., :r]), x[..., r:])` becomes the partial
      rotary `rotary_dim = r` of `x`.

    `deepc.rotary` reads one angle per pair, so the `r`-wide tables of the
    first form are raised only when the pass proves that they hold each
    angle twice, as the layout pairs channels: `concat(f, f)` (half) or
    `f` unsqueezed and expanded or concatenated to `[..., r/2, 2]` and
    reshaped (interleaved, `[..., 2, r/2]` for half), a gather of channels by
    constant indices that repeat, or a constant table whose entries are
    checked equal bit for bit (and sliced at compile time). The proof looks
    through ops that treat every channel alike: cos, sin, neg, cast,
    elementwise arithmetic with operands that broadcast along the last axis,
    reshapes, expands, transposes and slices that keep the last axis, and
    gathers of rows by position id. The narrowed tables (`cos(f)` for
    `cos(concat(f, f))`) replace the wide ones, which go away; tables that
    the second form slices from wide ones are narrowed the same way.

    Before:
    ```mlir
    %emb = deepc.concat %f, %f axis = 2 : tensor<1x?x8xf32>, tensor<1x?x8xf32>
    %cos = deepc.cos %emb : tensor<1x?x16xf32>
    %sin = deepc.sin %emb : tensor<1x?x16xf32>
    %xc = deepc.mul %x, %cos : tensor<?x4x?x16xf32>, tensor<1x?x16xf32>
    %x1 = deepc.slice %x axes = [3] starts = [0] ends = [8] steps = [1] : tensor<?x4x?x16xf32>
    %x2 = deepc.slice %x axes = [3] starts = [8] ends = [16] steps = [1] : tensor<?x4x?x16xf32>
    %n = deepc.neg %x2 : tensor<?x4x?x8xf32>
    %rot = deepc.concat %n, %x1 axis = 3 : tensor<?x4x?x8xf32>, tensor<?x4x?x8xf32>
    %rs = deepc.mul %rot, %sin : tensor<?x4x?x16xf32>, tensor<1x?x16xf32>
    %y = deepc.add %xc, %rs : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>
    ```
    After:
    ```mlir
    %c = deepc.cos %f : tensor<1x?x8xf32>
    %s = deepc.sin %f : tensor<1x?x8xf32>
    %y = deepc.rotary %x, %c, %s layout = <half> : tensor<?x4x?x16xf32>, tensor<1x?x8xf32>
    ```

    Anything the pass cannot prove (tables passed in as arguments, halves
    that differ, a rotation by -θ) is left unchanged. With `report`, the
    pass remarks "raised to deepc.rotary" at each add (or concat) it
    replaced, and "not raised to deepc.rotary: <reason>" at each one that
    has the rotate's shape but failed a check.
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
    Recognizes an MoE layer exported in transformers' batched_mm form and
    replaces it with one `deepc.moe`, whose kernel runs each expert on its
    own tokens only:

    - the router: `x · Wᵀ`, softmax or sigmoid scores, optionally a
      correction bias for the choice and a group limit (top-2 sum or max
      group scores, a scatter of the kept groups spread into an expert
      mask), a top-k, the chosen scores (top-k values or a gather of the
      scores) renormalized by their sum and scaled by a constant; or a
      softmax over the top-k logits (renormalized softmax);
    - the experts: the `[T, k]` indices viewed as `[T·k, 1]` gather the
      stacked `[E, 2I, H]` gate_up (or `[E, I, H]` gate and up) and
      `[E, H, I]` down weights; batched matmuls with the tokens repeated k
      times, `act(gate) · up` of the two halves, the down projection, the
      product with the `[T·k, 1]` weights and a sum over k of its
      `[T, k, H]` view;
    - a shared expert added to that sum (before or after reshaping it back
      to the model's tokens), optionally scaled by `sigmoid(x · gᵀ)`, when
      both sides provably split the tokens the same way (at most one
      dynamic leading dimension); otherwise it stays a dense expert beside
      the `deepc.moe`.

    Every reshape looked through is checked at both ends, and anything
    whose numerics would differ stays as it is: another k, other indices,
    another sum axis, experts reading other tokens, weights that are not
    the router scores of the chosen experts, or a group mask whose fill
    value could outrank an eligible expert (transformers' DeepseekV3 fills
    with 0, which is exact only when every set of kept groups has top_k
    experts with a correction bias above 0).

    ```mlir
    // before: topk, gather_nd, matmul, slice, silu, mul, reduce_sum ...
    %y = deepc.moe %x, %router : tensor<?x64xf32>, tensor<4x64xf32>
        gate_up(%wgu : tensor<4x128x64xf32>) down(%wd : tensor<4x64x64xf32>)
        {renormalize, top_k = 2 : i64}
    ```
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
    Recognizes an MoE layer exported as one unrolled block per expert, as
    tracing a Python loop over the experts gives, and replaces the whole
    layer with one `deepc.moe`. Block `e`:
    - finds its (token, slot) pairs as the columns of
      `transpose(nonzero(equal(indices, e)))`, `indices` the router's top-k;
    - gathers those tokens (`gather_nd`), runs them through expert `e`'s
      MLP, `down(act(gate(x)) * up(x))` (gate and up separate or the two
      halves of one fused projection, gate first) or `down(act(up(x)))`,
      with act silu (also as `x * sigmoid(x)`), gelu or relu;
    - multiplies by the routing weight `weights[token, slot]` and adds the
      rows into an accumulator (ScatterND with reduction add) that starts
      from zeros.

    The blocks must cover each of the router's `E` experts exactly once,
    read the same routing weights and indices, and each block comparing
    with `e` must take its weights from row `e` when it gathers them from a
    stack. The router (softmax or sigmoid, correction bias, group limit,
    renormalization, scaling) is read back by the matcher the
    deepc-raise-moe pass shares. Expert weights become `[E, I, H]` gate/up
    (or `[E, 2I, H]` fused) and `[E, H, I]` down: a stack the blocks index
    is used as it is; per-expert weights are reshaped and concatenated,
    transposed first when stored `[in, out]` (x · W). When the accumulated
    sum's only use adds a shared expert of the same activation (optionally
    scaled by `sigmoid(x · gᵀ)`), computed from the same tokens or from
    those before they were flattened to `[T, H]`, that shared expert joins
    the `deepc.moe` too.

    Before (one of E blocks):
    ```mlir
    %m = deepc.equal %indices, %e1 : tensor<?x2xi64>, tensor<i64>
    %nz = deepc.nonzero %m : tensor<?x2xi1>
    %p = deepc.transpose %nz [1, 0] : tensor<2x?xi64>
    %t = deepc.slice %p axes = [1] starts = [0] ends = [1] steps = [1] : tensor<?x2xi64>
    %s = deepc.slice %p axes = [1] starts = [1] ends = [2] steps = [1] : tensor<?x2xi64>
    %xt = deepc.gather_nd %x[%t] : tensor<?x64xf32>, tensor<?x1xi64>
    ... %y = the MLP of expert 1 on %xt ...
    %ts = deepc.concat %t, %s axis = 1 : tensor<?x1xi64>, tensor<?x1xi64>
    %r = deepc.gather_nd %w3[%ts] : tensor<?x2x1xf32>, tensor<?x2xi64>
    %v = deepc.mul %y, %r : tensor<?x64xf32>, tensor<?x1xf32>
    %acc1 = deepc.scatter %acc0[%t], %v reduction = <add> : tensor<?x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
    ```
    After:
    ```mlir
    %y = deepc.moe %x, %router : tensor<?x64xf32>, tensor<4x64xf32>
        gate_up(%wgu : tensor<4x128x64xf32>) down(%wd : tensor<4x64x64xf32>)
        {renormalize, top_k = 2 : i64}
    ```

    With `report`, the pass remarks at the last scatter of each loop it
    raised, and of each chain of scatters over nonzero rows it left, saying
    which condition failed. `deepc --report` turns this on.
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
    Sets `capacity_factor` on every `deepc.moe`, replacing what the layer
    had: each expert then takes at most `ceil(factor · tokens · top_k /
    experts)` tokens, in token order, and drops the rest (the runtime
    counts them and deepc-run reports them). `0` drops nothing. A negative
    factor, or one that is not a finite f32, is an error. `deepc
    --moe-capacity-factor=F` appends this pass to the pipeline.

    ```mlir
    // deepc-set-moe-capacity{capacity-factor=1.25}
    %y = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
        up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>)
        {top_k = 2 : i64, gated = false}
    // becomes
    %y = deepc.moe %x, %r : tensor<?x64xf32>, tensor<8x64xf32>
        up(%wu : tensor<8x128x64xf32>) down(%wd : tensor<8x64x128xf32>)
        {capacity_factor = 1.250000e+00 : f32, gated = false, top_k = 2 : i64}
    ```
  }];
  let options = [
    Option<"capacityFactor", "capacity-factor", "double", /*default=*/"0.0",
           "Capacity factor to set (0 = unlimited)">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcSetPrecisionPass : Pass<"deepc-set-precision"> {
  let summary = "compute in bf16 or f16 with f32 accumulation";
  let description = [{
    Retypes every function to compute in `precision` (`bf16` or `f16`) the
    way bf16 serving engines run a model: weights are stored in the narrow
    type (their values converted at compile time, which halves the
    artifact's weights), activations flow between ops in it, and the kernels
    keep accumulating in f32 (matmuls, norms, softmax, attention, MoE
    routing and reductions widen their inputs). `f32`, the default, leaves
    the module unchanged.

    Only f32 values change; integers, shapes and index math do not, nor do
    values of other float types. The function's signature keeps its types:
    a `deepc.cast` converts each f32 argument where a narrowed op reads it
    and each result before it is returned. Some values stay f32 on purpose:
    - values computed from integers only (through a cast or a float
      `deepc.range`), with constants, such as rotary angle tables built from
      position ids: positions past 256 are not exact in bf16, and their
      angles would be wrong; the value is cast where a narrowed op reads it;
    - the router weight and correction bias of `deepc.moe` (with the ops
      that compute them from constants, such as a transpose), whose kernel
      computes the routing logits in f32: top-k on bf16 logits picks other
      experts than the f32 model whenever two scores are close (DeepSeek-V3's
      correction bias makes this common);
    - the `cos`/`sin` tables of `deepc.rotary` (the kernel reads any float);
    - casts to integers, and every op whose ONNX node name (its location)
      matches a glob of `keep-f32` (`*` and `?` and `[...]` as in a shell),
      with casts around them.

    Before (`deepc-set-precision{precision=bf16}`):
    ```mlir
    func.func @f(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
      %w = deepc.constant dense<0.5> : tensor<64x32xf32>
      %y = deepc.matmul %x, %w : tensor<?x64xf32>, tensor<64x32xf32>
      return %y : tensor<?x32xf32>
    }
    ```
    After:
    ```mlir
    func.func @f(%x: tensor<?x64xf32>) -> tensor<?x32xf32> {
      %xb = deepc.cast %x : tensor<?x64xf32> to tensor<?x64xbf16>
      %w = deepc.constant dense<5.000000e-01> : tensor<64x32xbf16>
      %yb = deepc.matmul %xb, %w : tensor<?x64xbf16>, tensor<64x32xbf16>
      %y = deepc.cast %yb : tensor<?x32xbf16> to tensor<?x32xf32>
      return %y : tensor<?x32xf32>
    }
    ```

    With `report`, the pass remarks at each function how many ops it
    narrowed, and at each op a `keep-f32` glob kept. `deepc --precision=P
    --precision-keep-f32=GLOBS` appends this pass to the pipeline.
  }];
  let options = [
    Option<"precision", "precision", "std::string", /*default=*/"\"f32\"",
           "Element type to compute in: f32 (no change), bf16 or f16">,
    ListOption<"keepF32", "keep-f32", "std::string",
               "Globs over ONNX node names whose ops stay f32">,
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark with the number of ops narrowed and one for each "
           "op kept in f32">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcRaiseGatedMlpPass : Pass<"deepc-raise-gated-mlp"> {
  let summary = "raise dense SwiGLU / GeGLU MLPs to deepc.gated_mlp";
  let description = [{
    Recognizes the dense gated feed-forward layer
    `down(act(x·W_g) ⊙ (x·W_u))` and replaces its three matmuls, the
    activation and the product with one `deepc.gated_mlp`, whose CPU kernel
    runs one GEMM of width `2I` for gate and up, applies `act(g) · u` in one
    pass over that buffer, then the down GEMM.

    Matched: the gate and up projections are matmuls of the same `x` by
    constant rank-2 weights, in the `x·W` layout (`[H, I]`) or with
    `transpose_rhs` (`nn.Linear`'s `[I, H]`); `act` is `deepc.silu`,
    `g · sigmoid(g)`, `deepc.gelu` (erf or tanh form) or `deepc.relu`; the
    product's factors come in either order; the down projection is a
    matmul by a constant rank-2 weight. The weights are rearranged with
    `deepc.transpose` and `deepc.concat` into the op's `[2I, H]` and
    `[H, I]` layouts, which constant folding computes at compile time.

    Left alone: gate and up of different inputs, weights that are not
    constants, an intermediate value (gate, activation, up or product) with
    another use, broadcasting products, integer element types.

    Before:
    ```mlir
    %g = deepc.matmul %x, %wg : tensor<?x64xf32>, tensor<64x128xf32>
    %s = deepc.silu %g : tensor<?x128xf32>
    %u = deepc.matmul %x, %wu : tensor<?x64xf32>, tensor<64x128xf32>
    %p = deepc.mul %s, %u : tensor<?x128xf32>, tensor<?x128xf32>
    %y = deepc.matmul %p, %wd : tensor<?x128xf32>, tensor<128x64xf32>
    ```
    After:
    ```mlir
    %gt = deepc.transpose %wg [1, 0] : tensor<64x128xf32>
    %ut = deepc.transpose %wu [1, 0] : tensor<64x128xf32>
    %gu = deepc.concat %gt, %ut axis = 0 : tensor<128x64xf32>, tensor<128x64xf32>
    %dt = deepc.transpose %wd [1, 0] : tensor<128x64xf32>
    %y = deepc.gated_mlp %x : tensor<?x64xf32>
        gate_up(%gu : tensor<256x64xf32>) down(%dt : tensor<64x128xf32>)
    ```

    With `report`, the pass remarks at the product of each MLP it raised
    ("raised to deepc.gated_mlp") and of each product of an activated
    matmul and a matmul it left, saying which condition failed.
    `deepc --report` turns this on.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each gated MLP raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

def DeepcRaiseLayerNormPass : Pass<"deepc-raise-layer-norm"> {
  let summary = "rebuild deepc.layer_norm from the primitive ops exporters emit";
  let description = [{
    Exporters below opset 17 (torch.onnx at opset 13 or 14, for one) flatten
    LayerNorm into elementwise ops and two means:
    `d = x - mean(x)`, `d / sqrt(mean(d²) + ε) · γ + β`, all means over
    the last axis. This pass recognizes that chain and replaces it with one
    `deepc.layer_norm`, whose kernel reads each row once instead of
    materializing `d`, `d²` and the inverse standard deviation.

    Recognized forms, in f32, f16 or bf16:
    - the centering `x - mean(x)` of x's own shape, and `d²` as `pow(d, 2)`
      or `mul(d, d)`;
    - both `reduce_mean`s over the last axis only, with `keep_dims`;
    - `ε` a scalar splat constant added on either side, or no `ε` at all;
    - `div(d, sqrt(·))`, or `rsqrt(·)` or `reciprocal(sqrt(·))` multiplied
      on either side;
    - `rms_norm(x - mean(x))`, with or without a weight, which is what
      `deepc-raise-rms-norm` makes of the chain when it runs first;
    - an optional `γ`, then an optional `β`, each of shape `[D]` (`D` the
      static last dimension of `x`), on either side of the mul or add,
      when the value they apply to has no other use.

    Anything else, such as a mean over another axis or without `keep_dims`,
    the variance of another value than the one normalized, or a `γ` of
    another shape, is left unchanged.

    Before:
    ```mlir
    %m = deepc.reduce_mean %x axes = [-1] keep_dims : tensor<?x64xf32>
    %d = deepc.sub %x, %m : tensor<?x64xf32>, tensor<?x1xf32>
    %sq = deepc.pow %d, %two : tensor<?x64xf32>, tensor<f32>
    %v = deepc.reduce_mean %sq axes = [-1] keep_dims : tensor<?x64xf32>
    %s = deepc.add %v, %eps : tensor<?x1xf32>, tensor<f32>
    %r = deepc.sqrt %s : tensor<?x1xf32>
    %n = deepc.div %d, %r : tensor<?x64xf32>, tensor<?x1xf32>
    %g = deepc.mul %n, %w : tensor<?x64xf32>, tensor<64xf32>
    %y = deepc.add %g, %b : tensor<?x64xf32>, tensor<64xf32>
    ```
    After:
    ```mlir
    %y = deepc.layer_norm %x weight %w : tensor<64xf32>
        bias %b : tensor<64xf32> epsilon = 1.0e-05 : tensor<?x64xf32>
    ```

    With `report`, the pass emits a remark at the centering `reduce_mean`
    of each norm it raised, and at each one whose centered value is
    normalized by a `sqrt` (or fed to `rms_norm`) but was left alone,
    saying which condition failed; and at each `layer_norm` without weight
    or bias whose only use multiplies it by a weight that is not of shape
    `[D]`. `deepc --report` turns this on.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for each norm raised and each near miss">,
  ];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_TRANSFORMS_PASSES_TD
