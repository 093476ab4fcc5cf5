//===- DeepcNNOps.cpp - deepc semantic transformer ops --------------------===//
//
// Verifiers and type inference for norms, rotary embedding, attention,
// the MoE layer and the dense gated MLP. Messages speak the model's language
// (heads, experts, top_k) because the user who reads them wrote a model, not
// IR.
//
//===----------------------------------------------------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/Format.h"

#include <cmath>

using namespace mlir;
using namespace mlir::deepc;

void DeepcDialect::registerNNOps() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Deepc/IR/DeepcNNOps.cpp.inc"
      >();
}

/// Formats a float attribute's value for a message as the user would write
/// it (`-1`, `1e-05`, `nan`, `inf`), not as raw_ostream's `-1.000000e+00`.
static std::string formatFloat(float value) {
  std::string text;
  llvm::raw_string_ostream(text) << llvm::format("%g", value);
  return text;
}

/// The first static one of two extents that must agree, so that a check
/// against it still catches a mismatch when one side is dynamic.
static int64_t staticOf(int64_t a, int64_t b) { return a != kDynamic ? a : b; }

//===----------------------------------------------------------------------===//
// Norms
//===----------------------------------------------------------------------===//

/// Verifies a per-channel scale or shift vector of a norm over the last
/// dimension.
static LogicalResult verifyChannelVector(Operation *op, Value vector,
                                         StringRef name, Value input) {
  if (!vector)
    return success();
  ArrayRef<int64_t> shape = shapeOf(vector);
  int64_t channels = shapeOf(input).back();
  if (shape.size() != 1 || !dimsCompatible(shape[0], channels))
    return op->emitOpError()
           << name << " must be a vector of the " << formatDim(channels)
           << " channels of the normalized (last) dimension, got shape "
           << formatShape(shape);
  Type expected = cast<RankedTensorType>(input.getType()).getElementType();
  Type actual = cast<RankedTensorType>(vector.getType()).getElementType();
  if (actual != expected)
    return op->emitOpError() << name << " element type " << actual
                             << " differs from the input's " << expected;
  return success();
}

static LogicalResult verifyNorm(Operation *op, Value input, float epsilon) {
  if (shapeOf(input).empty())
    return op->emitOpError("input must have rank 1 or more: the last "
                           "dimension is normalized");
  if (!(epsilon >= 0) || std::isinf(epsilon))
    return op->emitOpError("epsilon (")
           << formatFloat(epsilon) << ") must be finite and non-negative";
  return success();
}

LogicalResult RmsNormOp::verify() {
  if (failed(verifyNorm(*this, getInput(), getEpsilon())))
    return failure();
  return verifyChannelVector(*this, getWeight(), "weight", getInput());
}

LogicalResult LayerNormOp::verify() {
  if (failed(verifyNorm(*this, getInput(), getEpsilon())) ||
      failed(verifyChannelVector(*this, getWeight(), "weight", getInput())))
    return failure();
  return verifyChannelVector(*this, getBias(), "bias", getInput());
}

//===----------------------------------------------------------------------===//
// RotaryOp
//===----------------------------------------------------------------------===//

int64_t RotaryOp::getEffectiveRotaryDim() {
  return getRotaryDim() != 0 ? getRotaryDim() : shapeOf(getInput()).back();
}

LogicalResult RotaryOp::verify() {
  ArrayRef<int64_t> input = shapeOf(getInput());
  ArrayRef<int64_t> table = shapeOf(getCos());
  if (input.empty())
    return emitOpError("input must have rank 1 or more: the last dimension "
                       "holds the rotated channels");
  if (getRotaryDim() < 0)
    return emitOpError("rotary_dim (")
           << getRotaryDim() << ") must be non-negative (0 means all channels)";
  int64_t headDim = input.back();
  int64_t rotaryDim = getEffectiveRotaryDim();
  // With rotary_dim = 0 the rotated width is the head dimension, which the
  // user did not write as rotary_dim: name it as what it is.
  std::string rotated =
      getRotaryDim() == 0
          ? "rotating all " + formatDim(headDim) + " channels (rotary_dim = 0)"
          : "rotary_dim " + std::to_string(rotaryDim);
  if (rotaryDim != kDynamic && rotaryDim % 2 != 0) {
    if (getRotaryDim() == 0)
      return emitOpError("the head dimension (")
             << headDim << ") must be even to rotate all channels "
             << "(rotary_dim = 0): channels rotate in pairs";
    return emitOpError("rotary_dim (")
           << rotaryDim << ") must be even: channels rotate in pairs";
  }
  if (rotaryDim != kDynamic && headDim != kDynamic && rotaryDim > headDim)
    return emitOpError("rotary_dim (")
           << rotaryDim << ") exceeds the head dimension (" << headDim << ")";
  if (table.empty())
    return emitOpError("cos and sin must have rank 1 or more, the last "
                       "dimension holding one angle per rotated pair");
  int64_t pairs = rotaryDim == kDynamic ? kDynamic : rotaryDim / 2;
  if (!dimsCompatible(table.back(), pairs))
    return emitOpError("cos and sin have ")
           << formatDim(table.back()) << " angles per position but " << rotated
           << " needs " << pairs << " (one per rotated pair)";
  if (!isBroadcastableTo(table.drop_back(), input.drop_back()))
    return emitOpError("cos and sin of shape ")
           << formatShape(table)
           << " do not broadcast against the input's leading dimensions "
           << formatShape(input.drop_back());
  return success();
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> q = shapeOf(adaptor.getQ());
  ArrayRef<int64_t> v = shapeOf(adaptor.getV());
  if (q.size() != 4 || v.size() != 4)
    return emitOptionalError(loc,
                             "'deepc.attention' op q, k and v must have rank 4 "
                             "[batch, heads, seq, head_dim], got q ",
                             formatShape(q), " and v ", formatShape(v));
  inferred.push_back(RankedTensorType::get(
      {q[0], q[1], q[2], v[3]},
      cast<RankedTensorType>(adaptor.getQ().getType()).getElementType()));
  return success();
}

float AttentionOp::getEffectiveScale() {
  if (std::optional<float> scale = getScale())
    return *scale;
  // The verifier guarantees q's or k's head dimension is static.
  int64_t headDim = staticOf(shapeOf(getQ()).back(), shapeOf(getK()).back());
  assert(headDim != kDynamic && "default scale needs a static head_dim");
  return 1.0f / std::sqrt(static_cast<float>(headDim));
}

LogicalResult AttentionOp::verify() {
  ArrayRef<int64_t> q = shapeOf(getQ()), k = shapeOf(getK()),
                    v = shapeOf(getV());
  // The inferred-type check runs after verify() (InferTypeOpInterface
  // verifies with regions), so generic IR reaches here with any ranks.
  for (auto [name, shape, layout] :
       {std::tuple{"q", q, "[batch, num_heads, seq, head_dim]"},
        std::tuple{"k", k, "[batch, kv_heads, kv_seq, head_dim]"},
        std::tuple{"v", v, "[batch, kv_heads, kv_seq, v_head_dim]"}})
    if (shape.size() != 4)
      return emitOpError() << name << " must have rank 4 " << layout << ", got "
                           << formatShape(shape);
  int64_t heads = getNumHeads(), kvHeads = getNumKvHeads();
  if (heads < 1 || kvHeads < 1)
    return emitOpError("num_heads (") << heads << ") and num_kv_heads ("
                                      << kvHeads << ") must be at least 1";
  if (heads % kvHeads != 0)
    return emitOpError("num_heads (")
           << heads << ") is not a multiple of num_kv_heads (" << kvHeads
           << "): each key/value head serves a whole group of query heads";
  if (!dimsCompatible(q[1], heads))
    return emitOpError("q has ")
           << formatDim(q[1]) << " heads (dimension 1) but num_heads is "
           << heads;
  for (auto [name, shape] : {std::pair{"k", k}, std::pair{"v", v}})
    if (!dimsCompatible(shape[1], kvHeads))
      return emitOpError() << name << " has " << formatDim(shape[1])
                           << " heads (dimension 1) but num_kv_heads is "
                           << kvHeads;
  if (!dimsCompatible(q[0], k[0]) || !dimsCompatible(q[0], v[0]) ||
      !dimsCompatible(k[0], v[0]))
    return emitOpError("q, k and v have different batch sizes (")
           << formatDim(q[0]) << ", " << formatDim(k[0]) << " and "
           << formatDim(v[0]) << ")";
  if (!dimsCompatible(k[2], v[2]))
    return emitOpError("k and v have different sequence lengths (")
           << formatDim(k[2]) << " and " << formatDim(v[2]) << ")";
  if (!dimsCompatible(q[3], k[3]))
    return emitOpError("q and k head dimensions differ (")
           << formatDim(q[3]) << " and " << formatDim(k[3])
           << "): scores are dot products of query and key heads";

  // Extents several operands share, taken from whichever states them, so
  // that gate and mask are checked even where q leaves them dynamic.
  int64_t batch = staticOf(q[0], staticOf(k[0], v[0]));
  int64_t kvSeq = staticOf(k[2], v[2]);
  int64_t headDim = staticOf(q[3], k[3]);

  if (std::optional<float> scale = getScale()) {
    if (!(*scale > 0) || std::isinf(*scale))
      return emitOpError("scale (")
             << formatFloat(*scale) << ") must be finite and positive";
  } else if (headDim == kDynamic) {
    return emitOpError("needs a static head dimension (q or k dimension 3) "
                       "or an explicit scale: the default scale is "
                       "1/sqrt(head_dim)");
  }
  if (!(getSoftcap() >= 0) || std::isinf(getSoftcap()))
    return emitOpError("softcap (")
           << formatFloat(getSoftcap())
           << ") must be finite and non-negative (0 = off)";
  for (auto [name, bound] : {std::pair{"window_left", getWindowLeft()},
                             std::pair{"window_right", getWindowRight()}})
    if (bound < -1)
      return emitOpError()
             << name << " (" << bound
             << ") must be -1 (unbounded) or a non-negative distance";
  if (getNumGlobalTokens() < 0)
    return emitOpError("num_global_tokens (")
           << getNumGlobalTokens() << ") must be non-negative";

  if (Value gate = getGate()) {
    ArrayRef<int64_t> g = shapeOf(gate);
    bool ok = g.size() == 3 && dimsCompatible(g[0], heads) &&
              dimsCompatible(g[1], headDim) &&
              (g[2] == 1 || dimsCompatible(g[2], kvSeq));
    if (!ok)
      return emitOpError("gate must have shape [num_heads, head_dim, 1] (one "
                         "gate per query) or [num_heads, head_dim, kv_seq] "
                         "(one per query/key pair) = ")
             << heads << "x" << formatDim(headDim) << "x(1 or "
             << formatDim(kvSeq) << "), got " << formatShape(g);
  }
  if (Value sinks = getSinks())
    if (failed(expectShape(*this, sinks, "sinks", {heads}, "[num_heads]")))
      return failure();
  if (Value mask = getMask()) {
    // An additive mask is in the scores' type; a boolean one is i1.
    Type maskType = elementTypeOf(mask), qType = elementTypeOf(getQ());
    if (!maskType.isInteger(1) && maskType != qType)
      return emitOpError("mask element type ")
             << maskType << " must be i1 (keep/drop) or the query's " << qType
             << " (added to the scores)";
    SmallVector<int64_t> scores = {batch, heads, q[2], kvSeq};
    if (!isBroadcastableTo(shapeOf(mask), scores))
      return emitOpError("mask of shape ")
             << formatShape(shapeOf(mask))
             << " does not broadcast to the scores [batch, num_heads, seq, "
                "kv_seq] = "
             << formatShape(scores);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MoeOp
//===----------------------------------------------------------------------===//

int64_t MoeOp::getNumExperts() { return shapeOf(getRouterWeight())[0]; }

/// Checks the routed-expert weight operands against the `gated` setting and
/// each other's shapes.
static LogicalResult verifyExpertWeights(MoeOp op, int64_t experts,
                                         int64_t hidden) {
  bool gated = op.getGated();
  bool separate = op.getWGate() && op.getWUp() && !op.getWGateUp();
  bool fused = op.getWGateUp() && !op.getWGate() && !op.getWUp();
  if (gated && !separate && !fused)
    return op.emitOpError("a gated MoE needs w_gate and w_up, or one fused "
                          "w_gate_up (not both)");
  if (!gated && (!op.getWUp() || op.getWGate() || op.getWGateUp()))
    return op.emitOpError("a non-gated MoE takes w_up and w_down only (no "
                          "w_gate or w_gate_up)");

  ArrayRef<int64_t> down = shapeOf(op.getWDown());
  if (down.size() != 3)
    return op.emitOpError("w_down must have shape [num_experts, hidden, "
                          "intermediate], got ")
           << formatShape(down);
  if (Value gateUp = op.getWGateUp()) {
    ArrayRef<int64_t> shape = shapeOf(gateUp);
    if (shape.size() == 3 && shape[1] != kDynamic && shape[1] % 2 != 0)
      return op.emitOpError("w_gate_up has ")
             << shape[1] << " rows (dimension 1) but needs an even number: "
             << "the gate's intermediate rows, then the up projection's";
  }
  // The intermediate size from the first weight that states it, so that the
  // projections must agree with each other even when w_down leaves it `?`.
  int64_t inter = down[2];
  for (Value w : {op.getWGate(), op.getWUp(), op.getWGateUp()}) {
    if (inter != kDynamic || !w || shapeOf(w).size() != 3 ||
        shapeOf(w)[1] == kDynamic)
      continue;
    inter = w == op.getWGateUp() ? shapeOf(w)[1] / 2 : shapeOf(w)[1];
  }
  int64_t inter2 = inter == kDynamic ? kDynamic : 2 * inter;
  if (failed(expectShape(op, op.getWDown(), "w_down", {experts, hidden, inter},
                         "[num_experts, hidden, intermediate]")) ||
      failed(expectShape(op, op.getWGate(), "w_gate", {experts, inter, hidden},
                         "[num_experts, intermediate, hidden]")) ||
      failed(expectShape(op, op.getWUp(), "w_up", {experts, inter, hidden},
                         "[num_experts, intermediate, hidden]")) ||
      failed(expectShape(op, op.getWGateUp(), "w_gate_up",
                         {experts, inter2, hidden},
                         "[num_experts, 2 * intermediate, hidden]")))
    return failure();

  // Each bias belongs to one projection and is one row per expert of its
  // output width.
  struct Bias {
    Value bias, weight;
    StringRef name, weightName;
    SmallVector<int64_t> shape;
    StringRef layout;
  };
  for (const Bias &b :
       {Bias{op.getGateBias(), op.getWGate(), "gate_bias", "w_gate",
             {experts, inter}, "[num_experts, intermediate]"},
        Bias{op.getUpBias(), op.getWUp(), "up_bias", "w_up",
             {experts, inter}, "[num_experts, intermediate]"},
        Bias{op.getGateUpBias(), op.getWGateUp(), "gate_up_bias",
             "w_gate_up", {experts, inter2},
             "[num_experts, 2 * intermediate]"},
        Bias{op.getDownBias(), op.getWDown(), "down_bias", "w_down",
             {experts, hidden}, "[num_experts, hidden]"}}) {
    if (!b.bias)
      continue;
    if (!b.weight)
      return op.emitOpError() << b.name << " is given without " << b.weightName
                              << ", the projection it is added to";
    if (failed(expectShape(op, b.bias, b.name, b.shape, b.layout)))
      return failure();
  }
  return success();
}

/// Checks the shared-expert operands: up and down together, a gate exactly
/// when the experts are gated, and the optional sigmoid output gate.
static LogicalResult verifySharedExperts(MoeOp op, int64_t hidden) {
  Value gate = op.getSharedGate(), up = op.getSharedUp(),
        down = op.getSharedDown(), outGate = op.getSharedExpertGate();
  if (!up && !down && !gate) {
    if (outGate)
      return op.emitOpError("shared_expert_gate needs shared expert weights "
                            "(shared_up, shared_down)");
    return success();
  }
  if (!up || !down)
    return op.emitOpError("shared_up and shared_down must be given together");
  if (op.getGated() != static_cast<bool>(gate))
    return op.emitOpError(op.getGated()
                              ? "gated shared experts need shared_gate"
                              : "non-gated shared experts take no "
                                "shared_gate");
  ArrayRef<int64_t> downShape = shapeOf(down);
  if (downShape.size() != 2)
    return op.emitOpError("shared_down must have shape [hidden, "
                          "shared_intermediate], got ")
           << formatShape(downShape);
  // As for the routed experts, any shared weight may state the size.
  int64_t inter = downShape[1];
  for (Value w : {up, gate})
    if (inter == kDynamic && w && shapeOf(w).size() == 2)
      inter = shapeOf(w)[0];
  if (failed(expectShape(op, down, "shared_down", {hidden, inter},
                         "[hidden, shared_intermediate]")) ||
      failed(expectShape(op, up, "shared_up", {inter, hidden},
                         "[shared_intermediate, hidden]")) ||
      failed(expectShape(op, gate, "shared_gate", {inter, hidden},
                         "[shared_intermediate, hidden]")))
    return failure();
  if (outGate) {
    ArrayRef<int64_t> g = shapeOf(outGate);
    bool ok = (g.size() == 1 && dimsCompatible(g[0], hidden)) ||
              (g.size() == 2 && g[0] == 1 && dimsCompatible(g[1], hidden));
    if (!ok)
      return op.emitOpError("shared_expert_gate must have shape [1, hidden] "
                            "or [hidden] with hidden = ")
             << formatDim(hidden) << ", got " << formatShape(g);
  }
  return success();
}

LogicalResult MoeOp::verify() {
  ArrayRef<int64_t> hidden = shapeOf(getHidden());
  ArrayRef<int64_t> router = shapeOf(getRouterWeight());
  if (hidden.empty())
    return emitOpError("hidden states must have rank 1 or more, the last "
                       "dimension being the hidden size");
  int64_t h = hidden.back();
  if (router.size() != 2)
    return emitOpError("router_weight must have shape [num_experts, hidden], "
                       "got ")
           << formatShape(router);
  int64_t experts = router[0];
  if (experts == kDynamic)
    return emitOpError("the number of experts (router_weight dimension 0) "
                       "must be static");
  if (!dimsCompatible(router[1], h))
    return emitOpError("router_weight has hidden size ")
           << formatDim(router[1]) << " but the hidden states have "
           << formatDim(h);
  // The expert weights are checked against the hidden size wherever it is
  // known: the hidden states' last dimension or else the router's.
  h = staticOf(h, router[1]);

  int64_t topK = getTopK();
  if (topK < 1)
    return emitOpError("top_k (") << topK << ") must be at least 1";
  if (topK > experts)
    return emitOpError("top_k (")
           << topK << ") exceeds the number of experts (" << experts << ")";

  int64_t groups = getNGroup(), topGroups = getTopkGroup();
  if (groups < 1 || experts % groups != 0)
    return emitOpError("n_group (")
           << groups
           << ") must be at least 1 and divide the number of experts ("
           << experts << ")";
  if (topGroups < 1 || topGroups > groups)
    return emitOpError("topk_group (")
           << topGroups << ") must be between 1 and n_group (" << groups << ")";
  if (groups > 1 && getGroupScore() == GroupScore::top2_sum &&
      experts / groups < 2)
    return emitOpError("group_score top2_sum needs at least 2 experts per "
                       "group, but n_group (")
           << groups << ") splits the " << experts << " experts into groups of "
           << experts / groups << "; use group_score = max";
  int64_t eligible = topGroups * (experts / groups);
  if (topK > eligible)
    return emitOpError("top_k (")
           << topK << ") exceeds the " << eligible << " experts in the "
           << topGroups << " selected group(s) of " << experts / groups;

  float scaling = getRoutedScalingFactor(), capacity = getCapacityFactor();
  if (!(scaling > 0) || std::isinf(scaling))
    return emitOpError("routed_scaling_factor (")
           << formatFloat(scaling) << ") must be finite and positive";
  if (!(capacity >= 0) || std::isinf(capacity))
    return emitOpError("capacity_factor (")
           << formatFloat(capacity)
           << ") must be finite and non-negative (0 = no token is "
           << "dropped)";

  if (failed(expectShape(*this, getCorrectionBias(), "correction_bias",
                         {experts}, "[num_experts]")))
    return failure();
  if (failed(verifyExpertWeights(*this, experts, h)))
    return failure();
  return verifySharedExperts(*this, h);
}

//===----------------------------------------------------------------------===//
// GatedMlpOp
//===----------------------------------------------------------------------===//

LogicalResult GatedMlpOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> input = shapeOf(adaptor.getInput());
  ArrayRef<int64_t> down = shapeOf(adaptor.getWDown());
  if (input.empty() || down.size() != 2)
    return emitOptionalError(loc,
                             "'deepc.gated_mlp' op needs an input of rank 1 "
                             "or more and a w_down of shape [out, "
                             "intermediate], got input ",
                             formatShape(input), " and w_down ",
                             formatShape(down));
  // Each token's hidden vector becomes w_down's output width.
  SmallVector<int64_t> result(input);
  result.back() = down[0];
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  return success();
}

int64_t GatedMlpOp::getIntermediateSize() {
  int64_t rows = shapeOf(getWGateUp()).front();
  return staticOf(rows == kDynamic ? kDynamic : rows / 2,
                  shapeOf(getWDown()).back());
}

LogicalResult GatedMlpOp::verify() {
  ArrayRef<int64_t> input = shapeOf(getInput());
  ArrayRef<int64_t> gateUp = shapeOf(getWGateUp());
  ArrayRef<int64_t> down = shapeOf(getWDown());
  if (input.empty())
    return emitOpError("input must have rank 1 or more, the last dimension "
                       "being the hidden size");
  if (gateUp.size() != 2)
    return emitOpError("w_gate_up must have shape [2 * intermediate, hidden] "
                       "(gate rows, then up rows), got ")
           << formatShape(gateUp);
  if (down.size() != 2)
    return emitOpError("w_down must have shape [out, intermediate], got ")
           << formatShape(down);
  if (gateUp[0] != kDynamic && gateUp[0] % 2 != 0)
    return emitOpError("w_gate_up has ")
           << gateUp[0] << " rows (dimension 0) but needs an even number: "
           << "the gate's intermediate rows, then the up projection's";
  if (!dimsCompatible(gateUp[1], input.back()))
    return emitOpError("w_gate_up has hidden size ")
           << formatDim(gateUp[1]) << " (dimension 1) but the input has "
           << formatDim(input.back());
  int64_t inter = getIntermediateSize();
  if (failed(expectShape(*this, getWDown(), "w_down", {down[0], inter},
                         "[out, intermediate]")))
    return failure();
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcNNOps.cpp.inc"
