//===- Attention.cpp - ONNX Attention to deepc.attention ------------------===//
//
// ONNX Attention (opset 23) is scaled dot-product attention over
// [B, heads, S, D] tensors, or [B, S, heads * D] ones split into heads by
// q_num_heads and kv_num_heads. deepc.attention computes the same softmax
// with the same order of scale, softcap and mask, and both zero a row
// whose every key is masked. What differs is layout, the KV cache and the
// causal rule:
//
//  - 3-D inputs are reshaped to heads and transposed around the op;
//  - past_key/past_value are concatenated in front of K/V on the sequence
//    axis, and the concatenations are the present_key/present_value
//    outputs;
//  - a mask shorter than the keys is padded with "masked" (ONNX pads it);
//  - ONNX's causal rule lets query i see keys j <= i + past_length, while
//    deepc.attention aligns the queries with the last keys
//    (j <= i + kv_length - q_length). The two agree when the new keys are
//    as many as the queries; otherwise the ONNX rule becomes a constant
//    boolean mask, which needs static lengths.
//
// The optional fourth output (qk_matmul_output: the scores at the stage
// qk_matmul_output_mode names) is not something deepc.attention exposes;
// a model that reads it is refused.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "deepc/Support/ShapeUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// [B, H, S, D] <-> [B, S, H, D], keeping what is known of the dims.
FailureOr<Value> swapHeadsAndSeq(NodeContext &ctx, Value x) {
  FailureOr<Value> t =
      ctx.create<TransposeOp>(x, ArrayRef<int64_t>{0, 2, 1, 3});
  if (failed(t))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(x);
  std::swap(dims[1], dims[2]);
  ctx.getShapes().setDims(*t, dims);
  return t;
}

/// [B, S, heads * D] -> [B, heads, S, D], as the reference splits a 3-D
/// input (reshape to [B, S, heads, D], then transpose).
FailureOr<Value> splitHeads(NodeContext &ctx, Value x, int64_t heads,
                            StringRef what, StringRef headsAttr) {
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(x);
  // divDims truncates constants (as ONNX Div does); heads must divide.
  std::optional<DimExpr> headDim = divDims(dims[2], DimExpr::constant(heads));
  if (!headDim || (dims[2].isConstant() && dims[2].coeff % heads != 0))
    return ctx.fail("the hidden size of ", what, " (", formatDim(shapeOf(x)[2]),
                    ") is not a known multiple of ", headsAttr, " (", heads,
                    ")");
  FailureOr<Value> split =
      ctx.reshape(x, {dims[0], dims[1], DimExpr::constant(heads), *headDim});
  if (failed(split))
    return failure();
  return swapHeadsAndSeq(ctx, *split);
}

/// [B, heads, S, D] -> [B, S, heads * D], the inverse of splitHeads.
FailureOr<Value> mergeHeads(NodeContext &ctx, Value x) {
  FailureOr<Value> swapped = swapHeadsAndSeq(ctx, x);
  if (failed(swapped))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*swapped);
  std::optional<DimExpr> hidden = mulDims(dims[2], dims[3]);
  if (!hidden)
    return ctx.fail("cannot compute the hidden size of the output from ",
                    swapped->getType());
  return ctx.reshape(*swapped, {dims[0], dims[1], *hidden});
}

/// past ++ current on the sequence axis (2): a present_key/present_value.
FailureOr<Value> appendToCache(NodeContext &ctx, Value past, Value current) {
  FailureOr<Value> joined =
      ctx.create<ConcatOp>(ValueRange{past, current}, int64_t(2));
  if (failed(joined))
    return failure();
  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> dims = shapes.dimsOf(current);
  if (std::optional<DimExpr> seq =
          addDims(shapes.dimOf(past, 2), shapes.dimOf(current, 2))) {
    dims[2] = *seq;
    shapes.setDims(*joined, dims);
  }
  return joined;
}

/// A constant of `type` whose every element means "masked": false for a
/// boolean mask, -inf for an additive one.
Value maskedFill(NodeContext &ctx, RankedTensorType type) {
  Type element = type.getElementType();
  if (element.isInteger(1))
    return ctx.constant(DenseElementsAttr::get(type, false));
  return ctx.constant(DenseElementsAttr::get(
      type, FloatAttr::get(element, -std::numeric_limits<double>::infinity())
                .getValue()));
}

/// The mask padded with "masked" up to `kvSeq` keys: the reference pads a
/// mask shorter than the keys (one written for the new keys, say).
FailureOr<Value> padMask(NodeContext &ctx, Value mask, int64_t kvSeq) {
  ArrayRef<int64_t> shape = shapeOf(mask);
  if (shape.empty())
    return mask;
  int64_t keys = shape.back();
  if (keys == kDynamic || kvSeq == kDynamic || keys == kvSeq)
    return mask;
  if (keys > kvSeq)
    return ctx.fail("attn_mask covers ", keys, " keys but there are only ",
                    kvSeq, " (past and new)");
  if (!staticElementCount(shape))
    return ctx.fail("attn_mask of shape ", formatShape(shape),
                    " is shorter than the ", kvSeq,
                    " keys and must be padded, which needs a static shape");
  SmallVector<int64_t> padShape(shape);
  padShape.back() = kvSeq - keys;
  Value pad =
      maskedFill(ctx, RankedTensorType::get(padShape, elementTypeOf(mask)));
  return ctx.create<ConcatOp>(ValueRange{mask, pad}, int64_t(shape.size() - 1));
}

/// ONNX's causal rule as a [qSeq, kvSeq] boolean mask: query i sees key j
/// when j <= i + pastLength.
Value causalMask(NodeContext &ctx, int64_t qSeq, int64_t kvSeq,
                 int64_t pastLength) {
  SmallVector<bool> allowed;
  allowed.reserve(qSeq * kvSeq);
  for (int64_t i = 0; i < qSeq; ++i)
    for (int64_t j = 0; j < kvSeq; ++j)
      allowed.push_back(j <= i + pastLength);
  auto type =
      RankedTensorType::get({qSeq, kvSeq}, ctx.getBuilder().getI1Type());
  return ctx.constant(DenseElementsAttr::get(type, ArrayRef<bool>(allowed)));
}

/// The user's mask restricted to the keys `allowed` permits: `and` for a
/// boolean mask; for an additive one, `mask + (allowed ? 0 : -inf)` as the
/// reference adds its causal bias.
FailureOr<Value> restrictMask(NodeContext &ctx, Value mask, Value allowed) {
  if (!mask)
    return allowed;
  Type element = elementTypeOf(mask);
  if (element.isInteger(1))
    return ctx.create<AndOp>(mask, allowed);
  Value zero = ctx.splatConstant(element, 0.0);
  Value minusInf =
      ctx.splatConstant(element, -std::numeric_limits<double>::infinity());
  FailureOr<Value> bias = ctx.create<SelectOp>(allowed, zero, minusInf);
  if (failed(bias))
    return failure();
  return ctx.create<AddOp>(mask, *bias);
}

/// Attention (opset 23): Q, K, V, attn_mask?, past_key?, past_value?;
/// outputs Y, present_key?, present_value?, qk_matmul_output?.
LogicalResult attention(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 6)))
    return failure();
  FailureOr<Value> q = ctx.input(0, "Q");
  if (failed(q))
    return failure();
  FailureOr<Value> k = ctx.input(1, "K");
  if (failed(k))
    return failure();
  FailureOr<Value> v = ctx.input(2, "V");
  if (failed(v))
    return failure();
  FailureOr<Value> mask = ctx.optionalInput(3, "attn_mask");
  FailureOr<Value> pastKey = ctx.optionalInput(4, "past_key");
  FailureOr<Value> pastValue = ctx.optionalInput(5, "past_value");
  if (failed(mask) || failed(pastKey) || failed(pastValue))
    return failure();

  FailureOr<int64_t> isCausal = ctx.intAttr("is_causal", 0);
  FailureOr<int64_t> qHeadsAttr = ctx.intAttr("q_num_heads", 0);
  FailureOr<int64_t> kvHeadsAttr = ctx.intAttr("kv_num_heads", 0);
  FailureOr<int64_t> outputMode = ctx.intAttr("qk_matmul_output_mode", 0);
  FailureOr<float> softcap = ctx.floatAttr("softcap", 0.0f);
  FailureOr<int64_t> softmaxPrecision = ctx.intAttr("softmax_precision", 0);
  FailureOr<float> scale = ctx.floatAttr("scale", 0.0f);
  if (failed(isCausal) || failed(qHeadsAttr) || failed(kvHeadsAttr) ||
      failed(outputMode) || failed(softcap) || failed(softmaxPrecision) ||
      failed(scale))
    return failure();

  // deepc.attention takes its softmax in f32 whatever the input type, at
  // least as precise as float, float16 and bfloat16 (ONNX's 1, 10, 16).
  if (*softmaxPrecision != 0 && *softmaxPrecision != 1 &&
      *softmaxPrecision != 10 && *softmaxPrecision != 16)
    return ctx.fail("softmax_precision = ", *softmaxPrecision,
                    " is not supported: deepc.attention computes the "
                    "softmax in float32");
  onnx::NodeOp node = ctx.getNode();
  if (node->getNumResults() > 3 && !node->getResult(3).use_empty())
    return ctx.fail(
        "output 3 (qk_matmul_output, qk_matmul_output_mode = ", *outputMode,
        ") is not supported: deepc.attention does not expose "
        "its attention scores");

  // ONNX's reference rounds every intermediate (scores, probabilities) to
  // bfloat16, deepc.attention keeps them in float32: the results differ by
  // more than a bfloat16 ulp, which ONNX's tests do not tolerate.
  if (elementTypeOf(*q).isBF16())
    return ctx.fail("bfloat16 Q, K and V are not supported: "
                    "deepc.attention computes in float32 where ONNX rounds "
                    "each step to bfloat16");

  // Bring Q, K and V to [B, heads, S, D].
  int64_t rank = rankOf(*q);
  if ((rank != 3 && rank != 4) || rankOf(*k) != rank || rankOf(*v) != rank)
    return ctx.fail("Q, K and V must all be 3-D [batch, seq, hidden] or all "
                    "4-D [batch, heads, seq, head_dim], got ",
                    q->getType(), ", ", k->getType(), " and ", v->getType());
  Value q4 = *q, k4 = *k, v4 = *v;
  int64_t qHeads, kvHeads;
  if (rank == 3) {
    if (*qHeadsAttr < 1 || *kvHeadsAttr < 1)
      return ctx.fail("3-D inputs need positive q_num_heads and "
                      "kv_num_heads attributes, got ",
                      *qHeadsAttr, " and ", *kvHeadsAttr);
    qHeads = *qHeadsAttr;
    kvHeads = *kvHeadsAttr;
    FailureOr<Value> qs = splitHeads(ctx, q4, qHeads, "Q", "q_num_heads");
    if (failed(qs))
      return failure();
    FailureOr<Value> ks = splitHeads(ctx, k4, kvHeads, "K", "kv_num_heads");
    if (failed(ks))
      return failure();
    FailureOr<Value> vs = splitHeads(ctx, v4, kvHeads, "V", "kv_num_heads");
    if (failed(vs))
      return failure();
    q4 = *qs;
    k4 = *ks;
    v4 = *vs;
  } else {
    // deepc.attention's head counts are attributes.
    qHeads = shapeOf(q4)[1];
    kvHeads = shapeOf(k4)[1];
    if (qHeads == kDynamic || kvHeads == kDynamic)
      return ctx.fail("4-D Q and K need static head counts (dimension 1), "
                      "got ",
                      q4.getType(), " and ", k4.getType());
    if ((*qHeadsAttr && *qHeadsAttr != qHeads) ||
        (*kvHeadsAttr && *kvHeadsAttr != kvHeads))
      return ctx.fail("q_num_heads (", *qHeadsAttr, ") and kv_num_heads (",
                      *kvHeadsAttr, ") contradict the heads of Q (", qHeads,
                      ") and K (", kvHeads, ")");
  }

  // The KV cache: present = past ++ new on the sequence axis.
  if (bool(*pastKey) != bool(*pastValue))
    return ctx.fail("past_key and past_value must be given together");
  ShapeKnowledge &shapes = ctx.getShapes();
  DimExpr newKeys = shapes.dimOf(k4, 2);
  Value keys = k4, values = v4;
  if (*pastKey) {
    if (rankOf(*pastKey) != 4 || rankOf(*pastValue) != 4)
      return ctx.fail("past_key and past_value must be 4-D [batch, "
                      "kv_heads, past_seq, head_dim], got ",
                      pastKey->getType(), " and ", pastValue->getType());
    FailureOr<Value> presentKey = appendToCache(ctx, *pastKey, k4);
    if (failed(presentKey))
      return failure();
    FailureOr<Value> presentValue = appendToCache(ctx, *pastValue, v4);
    if (failed(presentValue))
      return failure();
    keys = *presentKey;
    values = *presentValue;
  }

  Value attnMask;
  if (*mask) {
    Type element = elementTypeOf(*mask);
    if (!element.isInteger(1) && element != elementTypeOf(q4))
      return ctx.fail("attn_mask must be bool or Q's element type ",
                      elementTypeOf(q4), ", got ", mask->getType());
    FailureOr<Value> padded = padMask(ctx, *mask, shapeOf(keys)[2]);
    if (failed(padded))
      return failure();
    attnMask = *padded;
  }

  // deepc's causal rule is ONNX's when the new keys are as many as the
  // queries (past_length = kv_length - q_length); otherwise spell out
  // ONNX's as a mask.
  bool causal = false;
  if (*isCausal) {
    if (shapes.dimOf(q4, 2) == newKeys) {
      causal = true;
    } else {
      int64_t qSeq = shapeOf(q4)[2], kvSeq = shapeOf(keys)[2],
              kvNew = shapeOf(k4)[2];
      if (qSeq == kDynamic || kvSeq == kDynamic || kvNew == kDynamic)
        return ctx.fail("is_causal with ", formatDim(qSeq), " queries and ",
                        formatDim(kvNew),
                        " new keys is supported only for static lengths: "
                        "ONNX aligns the queries with the first new key, "
                        "deepc.attention with the last");
      FailureOr<Value> restricted = restrictMask(
          ctx, attnMask, causalMask(ctx, qSeq, kvSeq, kvSeq - kvNew));
      if (failed(restricted))
        return failure();
      attnMask = *restricted;
    }
  }

  FloatAttr scaleAttr;
  if (ctx.hasAttr("scale"))
    scaleAttr = ctx.getBuilder().getF32FloatAttr(*scale);
  // The reference applies softcap only when it is positive.
  float cap = *softcap > 0 ? *softcap : 0.0f;
  FailureOr<Value> y = ctx.create<AttentionOp>(
      q4, keys, values, attnMask, /*gate=*/Value(), /*sinks=*/Value(), qHeads,
      kvHeads, scaleAttr, causal, /*window_left=*/int64_t(-1),
      /*window_right=*/int64_t(-1), /*num_global_tokens=*/int64_t(0), cap);
  if (failed(y))
    return failure();
  shapes.setDims(*y, {shapes.dimOf(q4, 0), DimExpr::constant(qHeads),
                      shapes.dimOf(q4, 2), shapes.dimOf(values, 3)});
  Value result = *y;
  if (rank == 3) {
    FailureOr<Value> merged = mergeHeads(ctx, result);
    if (failed(merged))
      return failure();
    result = *merged;
  }
  ctx.setResults({result, keys, values});
  return success();
}

} // namespace

void onnx_to_deepc::registerAttentionHandlers(HandlerRegistry &r) {
  r.add("", "Attention", 23, attention);
}
