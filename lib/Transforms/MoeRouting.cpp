//===- MoeRouting.cpp - match an exported MoE router ---------------------===//
//
// Reads an MoE router back from the top-k weights and indices its experts
// consume: the router matmul, softmax or sigmoid scores, an optional
// correction bias and group limit on the selection, renormalization and
// scaling of the chosen weights. Every step is checked against deepc.moe's
// semantics; anything else is a failure with a reason for --report.
//
//===----------------------------------------------------------------------===//

#include "MoeRouting.h"

#include "mlir/IR/Matchers.h"

#include <cmath>

namespace mlir::deepc {

bool hasTrailingShape(Value value, ArrayRef<int64_t> trailing) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == int64_t(trailing.size()) + 1 &&
         type.getShape().drop_front() == trailing;
}

Value lookThroughReshapes(Value value) {
  while (auto reshape = value.getDefiningOp<ReshapeOp>())
    value = reshape.getInput();
  return value;
}

/// The static last dimension of a ranked tensor, or ShapedType::kDynamic.
static int64_t getLastDim(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() == 0)
    return ShapedType::kDynamic;
  return type.getShape().back();
}

bool haveSameTokenRows(Value a, Value b) {
  int64_t hidden = getLastDim(a);
  return !ShapedType::isDynamic(hidden) && hidden == getLastDim(b) &&
         lookThroughReshapes(a) == lookThroughReshapes(b);
}

std::optional<double> getSplatValue(Value value) {
  while (auto expand = value.getDefiningOp<ExpandOp>())
    value = expand.getInput();
  DenseElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  if (isa<FloatType>(attr.getElementType()))
    return attr.getSplatValue<APFloat>().convertToDouble();
  if (attr.getElementType().isInteger(1))
    return attr.getSplatValue<bool>() ? 1.0 : 0.0;
  if (isa<IntegerType>(attr.getElementType()))
    return static_cast<double>(attr.getSplatValue<APInt>().getSExtValue());
  return std::nullopt;
}

Value matchActivation(Value out, Activation &activation) {
  if (auto silu = out.getDefiningOp<SiluOp>()) {
    activation = Activation::silu;
    return silu.getInput();
  }
  if (auto relu = out.getDefiningOp<ReluOp>()) {
    activation = Activation::relu;
    return relu.getInput();
  }
  if (auto gelu = out.getDefiningOp<GeluOp>()) {
    activation = gelu.getApproximation() == GeluApproximation::tanh
                     ? Activation::gelu_tanh
                     : Activation::gelu;
    return gelu.getInput();
  }
  // silu(x) = x * sigmoid(x), exported unfused.
  if (auto mul = out.getDefiningOp<MulOp>()) {
    for (auto [x, gate] : {std::pair(mul.getLhs(), mul.getRhs()),
                           std::pair(mul.getRhs(), mul.getLhs())}) {
      auto sigmoid = gate.getDefiningOp<SigmoidOp>();
      if (sigmoid && sigmoid.getInput() == x && x.getType() == mul.getType()) {
        activation = Activation::silu;
        return x;
      }
    }
  }
  return {};
}

namespace {

/// Whether `axis` names the last dimension of a rank-`rank` tensor.
bool isLastAxis(int64_t axis, int64_t rank) {
  return axis == -1 || axis == rank - 1;
}

/// Whether a single-axis reduction runs over the last dimension of its
/// input.
template <typename ReduceOpTy> bool reducesLastAxis(ReduceOpTy reduce) {
  auto type = cast<RankedTensorType>(reduce.getInput().getType());
  return reduce.getAxes().size() == 1 &&
         isLastAxis(reduce.getAxes()[0], type.getRank());
}

/// Matches the router logits `hidden · Wᵀ` (W `[E, H]`, transpose_rhs) or
/// `hidden · W` (W `[H, E]`) over tokens `[T, H]`.
LogicalResult matchRouterLogits(Value logits, int64_t numExperts,
                                MoeRouting &routing, std::string &reason) {
  auto matmul = logits.getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getTransposeLhs()) {
    reason = "the router logits are not a matmul of the tokens";
    return failure();
  }
  Value hidden = matmul.getLhs(), weight = matmul.getRhs();
  auto weightType = dyn_cast<RankedTensorType>(weight.getType());
  int64_t hiddenSize = getLastDim(hidden);
  if (!weightType || weightType.getRank() != 2 ||
      ShapedType::isDynamic(hiddenSize) ||
      !hasTrailingShape(hidden, {hiddenSize})) {
    reason = "the router is not a [T, H] x 2-D weight matmul";
    return failure();
  }
  bool inputMajor = !matmul.getTransposeRhs();
  SmallVector<int64_t, 2> expected = {numExperts, hiddenSize};
  if (inputMajor)
    std::swap(expected[0], expected[1]);
  if (weightType.getShape() != ArrayRef<int64_t>(expected)) {
    reason = "the router weight is not [E, H] (or [H, E])";
    return failure();
  }
  routing.hidden = hidden;
  routing.routerWeight = weight;
  routing.routerWeightIsInputMajor = inputMajor;
  return success();
}

/// Matches the router in `scores` = softmax|sigmoid(router logits).
LogicalResult matchRouterScores(Value scores, int64_t numExperts,
                                MoeRouting &routing, std::string &reason) {
  if (auto softmax = scores.getDefiningOp<SoftmaxOp>()) {
    if (!isLastAxis(softmax.getAxis(), 2)) {
      reason = "the router softmax is not over the experts";
      return failure();
    }
    routing.router = RouterFunction::softmax;
    return matchRouterLogits(softmax.getInput(), numExperts, routing, reason);
  }
  if (auto sigmoid = scores.getDefiningOp<SigmoidOp>()) {
    routing.router = RouterFunction::sigmoid;
    return matchRouterLogits(sigmoid.getInput(), numExperts, routing, reason);
  }
  reason = "the router scores are not a softmax or sigmoid";
  return failure();
}

/// Matches `selection = scores + bias`, the bias `[E]` or `[1, E]` on either
/// side, and returns the scores (the selection itself without a bias).
Value matchCorrectionBias(Value selection, int64_t numExperts,
                          MoeRouting &routing) {
  auto add = selection.getDefiningOp<AddOp>();
  if (!add)
    return selection;
  for (auto [scores, bias] : {std::pair(add.getLhs(), add.getRhs()),
                              std::pair(add.getRhs(), add.getLhs())}) {
    if (!isa_and_nonnull<SoftmaxOp, SigmoidOp>(scores.getDefiningOp()) ||
        scores.getType() != add.getType())
      continue;
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    if (!biasType || !(biasType.getShape() == ArrayRef<int64_t>{numExperts} ||
                       biasType.getShape() == ArrayRef<int64_t>{1, numExperts}))
      continue;
    routing.correctionBias = bias;
    return scores;
  }
  return selection;
}

/// Matches the group scores `[T, G]` of `selection` viewed as `[T, G, S]`:
/// the sum of each group's two best (top2_sum) or its best (max).
LogicalResult matchGroupScores(Value groupScores, Value selection,
                               int64_t numGroups, int64_t groupSize,
                               MoeRouting &routing, std::string &reason) {
  auto isGroupedSelection = [&](Value grouped) {
    return hasTrailingShape(grouped, {numGroups, groupSize}) &&
           lookThroughReshapes(grouped) == lookThroughReshapes(selection);
  };
  if (auto sum = groupScores.getDefiningOp<ReduceSumOp>()) {
    auto top2 = sum.getInput().getDefiningOp<TopKOp>();
    if (top2 && sum.getInput() == top2.getValues() && !sum.getKeepDims() &&
        reducesLastAxis(sum) && top2.getK() == 2 && top2.getLargest() &&
        isLastAxis(top2.getAxis(), 3) && isGroupedSelection(top2.getInput())) {
      routing.groupScore = GroupScore::top2_sum;
      return success();
    }
  }
  if (auto max = groupScores.getDefiningOp<ReduceMaxOp>()) {
    if (!max.getKeepDims() && reducesLastAxis(max) &&
        isGroupedSelection(max.getInput())) {
      routing.groupScore = GroupScore::max;
      return success();
    }
  }
  reason = "the group scores are not the top-2 sum or the max of each group";
  return failure();
}

/// Whether no expert of a dropped group, whose selection score the graph
/// replaces by `fill`, can be chosen over an eligible one, as deepc.moe never
/// chooses one: whichever `topk_group` groups are kept, at least `top_k`
/// of their experts score above `fill`. Scores are at least 0, so an expert
/// surely does when its correction bias (0 without one) exceeds `fill`.
/// transformers' DeepseekV3 fills with 0, which is safe when each group has
/// enough experts with a positive bias.
bool isFillNeverChosen(double fill, const MoeRouting &routing,
                       int64_t numExperts) {
  if (std::isinf(fill) && fill < 0)
    return true;
  SmallVector<double> bias(numExperts, 0.0);
  if (routing.correctionBias) {
    DenseFPElementsAttr attr;
    if (!matchPattern(routing.correctionBias, m_Constant(&attr)))
      return false;
    bias.clear();
    for (const APFloat &value : attr.getValues<APFloat>())
      bias.push_back(value.convertToDouble());
  }
  int64_t groupSize = numExperts / routing.nGroup;
  SmallVector<int64_t> aboveFill(routing.nGroup, 0);
  for (int64_t expert = 0; expert < numExperts; ++expert)
    if (bias[expert] > fill)
      ++aboveFill[expert / groupSize];
  llvm::sort(aboveFill);
  int64_t guaranteed = 0;
  for (int64_t group = 0; group < routing.topkGroup; ++group)
    guaranteed += aboveFill[group];
  return guaranteed >= routing.topK;
}

/// Matches the group limit on `selection`: `select(mask, biased, fill)` (or
/// `select(!mask, fill, biased)`) where `mask` marks the experts of the
/// `topk_group` best groups, spread from a scatter of ones into zeros
/// `[T, G]` at the indices of a top-k over the group scores. Returns the
/// unmasked selection scores, or `selection` itself when it is not masked,
/// and sets `fill` to what masked experts score.
FailureOr<Value> matchGroupLimit(Value selection, int64_t numExperts,
                                 MoeRouting &routing, double &fill,
                                 std::string &reason) {
  auto select = selection.getDefiningOp<SelectOp>();
  if (!select)
    return selection;
  Value cond = select.getCond(), biased = select.getFalseValue(),
        filled = select.getTrueValue();
  bool inverted = false;
  if (auto notOp = cond.getDefiningOp<NotOp>()) {
    cond = notOp.getInput();
    inverted = true;
  }
  if (!inverted)
    std::swap(biased, filled);
  if (biased.getType() != select.getType()) {
    reason = "the masked selection is not [T, E]";
    return failure();
  }
  std::optional<double> fillValue = getSplatValue(filled);
  auto toBool = cond.getDefiningOp<CastOp>();
  if (!fillValue || !toBool) {
    reason = "the selection is not masked by a group mask and a constant";
    return failure();
  }
  // The mask as floats, [T, E], spread from [T, G, 1] over each group.
  auto expand =
      lookThroughReshapes(toBool.getInput()).getDefiningOp<ExpandOp>();
  if (!expand || !hasTrailingShape(toBool.getInput(), {numExperts})) {
    reason = "the group mask is not spread over the groups by an expand";
    return failure();
  }
  auto expandedType = cast<RankedTensorType>(expand.getType());
  if (expandedType.getRank() != 3 || expandedType.isDynamicDim(1) ||
      expandedType.isDynamicDim(2) ||
      expandedType.getDimSize(1) * expandedType.getDimSize(2) != numExperts ||
      !hasTrailingShape(expand.getInput(), {expandedType.getDimSize(1), 1})) {
    reason = "the group mask is not [T, G, 1] spread to [T, G, E/G]";
    return failure();
  }
  int64_t numGroups = expandedType.getDimSize(1);
  int64_t groupSize = expandedType.getDimSize(2);
  auto scatter =
      lookThroughReshapes(expand.getInput()).getDefiningOp<ScatterElementsOp>();
  if (!scatter || !hasTrailingShape(scatter.getResult(), {numGroups}) ||
      !isLastAxis(scatter.getAxis(), 2) ||
      scatter.getReduction() != ScatterReduction::none ||
      getSplatValue(scatter.getData()) != 0.0) {
    reason = "the group mask is not a scatter into zeros [T, G]";
    return failure();
  }
  std::optional<double> mark = getSplatValue(scatter.getUpdates());
  if (!mark || *mark == 0.0) {
    reason = "the group mask does not scatter a non-zero constant";
    return failure();
  }
  auto groupTopK = scatter.getIndices().getDefiningOp<TopKOp>();
  if (!groupTopK || groupTopK.getIndices() != scatter.getIndices() ||
      !groupTopK.getLargest() || !isLastAxis(groupTopK.getAxis(), 2) ||
      groupTopK.getIndices().getType() != scatter.getIndices().getType()) {
    reason = "the kept groups are not a top-k of the group scores";
    return failure();
  }
  if (failed(matchGroupScores(groupTopK.getInput(), biased, numGroups,
                              groupSize, routing, reason)))
    return failure();
  if (groupTopK.getK() < 1 || groupTopK.getK() > numGroups) {
    reason = "the number of kept groups is not between 1 and the groups";
    return failure();
  }
  routing.nGroup = numGroups;
  routing.topkGroup = groupTopK.getK();
  fill = *fillValue;
  return biased;
}

/// Matches `weights` as the router scores of the chosen experts: the top-k
/// values themselves when the top-k ran on the scores, or a gather of the
/// scores by the chosen indices.
bool isChosenScores(Value weights, Value scores, TopKOp topK) {
  if (weights == topK.getValues())
    return topK.getInput() == scores;
  auto gather = weights.getDefiningOp<GatherElementsOp>();
  return gather && gather.getData() == scores &&
         gather.getIndices() == topK.getIndices() &&
         isLastAxis(gather.getAxis(), 2);
}

} // namespace

FailureOr<MoeRouting> matchMoeRouting(Value weights, Value indices,
                                      std::string &reason) {
  auto topK = indices.getDefiningOp<TopKOp>();
  if (!topK || topK.getIndices() != indices) {
    reason = "the expert indices are not those of a topk";
    return failure();
  }
  auto selectionType = cast<RankedTensorType>(topK.getInput().getType());
  if (selectionType.getRank() != 2 || !isLastAxis(topK.getAxis(), 2) ||
      !topK.getLargest() || selectionType.isDynamicDim(1)) {
    reason = "the topk does not pick the largest of [T, E] scores";
    return failure();
  }
  if (weights.getType() != topK.getValues().getType()) {
    reason = "the routing weights are not [T, k] like the indices";
    return failure();
  }
  int64_t numExperts = selectionType.getDimSize(1);
  MoeRouting routing;
  routing.topK = topK.getK();

  // Selection: scores, + correction bias, masked to the best groups.
  double fill = 0.0;
  FailureOr<Value> biased =
      matchGroupLimit(topK.getInput(), numExperts, routing, fill, reason);
  if (failed(biased))
    return failure();
  Value scores = matchCorrectionBias(*biased, numExperts, routing);
  if (routing.nGroup > 1 && !isFillNeverChosen(fill, routing, numExperts)) {
    reason = "an expert of a dropped group could be chosen: its fill value "
             "does not stay below top_k eligible experts";
    return failure();
  }

  // Weights: the chosen scores, renormalized, scaled.
  Value chosen = weights;
  if (auto mul = chosen.getDefiningOp<MulOp>()) {
    for (auto [value, factor] : {std::pair(mul.getLhs(), mul.getRhs()),
                                 std::pair(mul.getRhs(), mul.getLhs())}) {
      auto factorType = dyn_cast<RankedTensorType>(factor.getType());
      std::optional<double> scale = getSplatValue(factor);
      if (scale && factorType && factorType.getNumElements() == 1 &&
          value.getType() == mul.getType()) {
        routing.routedScalingFactor = *scale;
        chosen = value;
        break;
      }
    }
  }
  if (auto div = chosen.getDefiningOp<DivOp>()) {
    auto sum = div.getRhs().getDefiningOp<ReduceSumOp>();
    if (sum && sum.getInput() == div.getLhs() && sum.getKeepDims() &&
        reducesLastAxis(sum) && div.getType() == div.getLhs().getType()) {
      routing.renormalize = true;
      chosen = div.getLhs();
    }
  }
  // A softmax over the top-k logits is the renormalized softmax of them all
  // (softmax is monotonic, so the logits choose the same experts).
  if (auto softmax = chosen.getDefiningOp<SoftmaxOp>()) {
    if (routing.renormalize || softmax.getInput() != topK.getValues() ||
        !isLastAxis(softmax.getAxis(), 2) || routing.correctionBias ||
        routing.nGroup != 1 || topK.getInput() != scores) {
      reason = "the routing weights are a softmax of something else than "
               "the top-k router logits";
      return failure();
    }
    routing.router = RouterFunction::softmax;
    routing.renormalize = true;
    if (failed(matchRouterLogits(scores, numExperts, routing, reason)))
      return failure();
    return routing;
  }
  if (!isChosenScores(chosen, scores, topK)) {
    reason = "the routing weights are not the router scores of the chosen "
             "experts";
    return failure();
  }
  if (failed(matchRouterScores(scores, numExperts, routing, reason)))
    return failure();
  if (routing.nGroup > 1 && routing.groupScore == GroupScore::top2_sum &&
      numExperts / routing.nGroup < 2) {
    reason = "top2_sum group scores need 2 experts per group";
    return failure();
  }
  if (routing.topK < 1 || routing.topK > numExperts) {
    reason = "k is not between 1 and the number of experts";
    return failure();
  }
  return routing;
}

MoeOp buildMoe(OpBuilder &builder, Location loc, const MoeRouting &routing,
               const MoeExperts &experts) {
  Value router = routing.routerWeight;
  if (routing.routerWeightIsInputMajor)
    router = builder.create<TransposeOp>(loc, router,
                                         builder.getDenseI64ArrayAttr({1, 0}));
  Value bias = routing.correctionBias;
  if (bias && cast<RankedTensorType>(bias.getType()).getRank() != 1) {
    auto type = cast<RankedTensorType>(bias.getType());
    bias = builder.create<ReshapeOp>(
        loc,
        RankedTensorType::get({type.getNumElements()}, type.getElementType()),
        bias, Value());
  }
  return builder.create<MoeOp>(
      loc, routing.hidden.getType(), routing.hidden, router, experts.wGate,
      experts.wUp, experts.wGateUp, experts.wDown, experts.gateBias,
      experts.upBias, experts.gateUpBias, experts.downBias, bias,
      experts.sharedGate, experts.sharedUp, experts.sharedDown,
      experts.sharedExpertGate, routing.topK, routing.router,
      routing.renormalize, routing.nGroup, routing.topkGroup,
      routing.groupScore, static_cast<float>(routing.routedScalingFactor),
      experts.activation, experts.gated, /*capacity_factor=*/0.0f);
}

} // namespace mlir::deepc
