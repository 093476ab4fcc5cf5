//===- RaiseMoe.cpp - deepc.moe from a gather of stacked expert weights ---===//
//
// transformers' batched_mm experts (and exporters like it) run every
// (token, chosen expert) pair densely: the tokens are repeated k times, the
// stacked expert weights are gathered by the flattened top-k indices, and
// batched matmuls, the gated activation, the routing weights and a sum over
// k finish the layer. This pass reads that back, with the router
// (MoeRouting.h) and any shared expert added to the sum, and replaces it
// with one deepc.moe, whose kernel runs each expert only on its tokens.
//
// Reshapes are looked through only where their ends are checked: a reshape
// never moves an element, so a `[N, 1]` view of the `[T, k]` indices holds
// index `(t, j)` at row `t*k + j`, which is the row the `[T, k, H]` expand of
// the tokens puts token `t` at, and the row the `[T, k, H]` view summed over
// k reads back.
//
//===----------------------------------------------------------------------===//

#include "MoeRouting.h"

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"

#include "llvm/ADT/DenseSet.h"

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEMOEPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// The static shape of a ranked tensor, or an empty one.
ArrayRef<int64_t> getStaticShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return {};
  return type.getShape();
}

/// One expert projection applied to every (token, choice) row:
/// `out[n] = weight[indices[n]] · input[n]`.
struct BatchedLinear {
  /// The stacked weights `[E, O, In]` (nn.Linear layout per expert).
  Value weight;
  /// The rows the projection reads, as the matmul operand (`[N, In, 1]` or
  /// `[N, 1, In]`); their elements are the `[N, In]` input rows.
  Value input;
};

/// Matches `out [N, O]` as a reshape of `gather_nd(W, flatIndices) · in`
/// (`[N, O, In] x [N, In, 1]`) or of `in · gather_nd(W, flatIndices)ᵀ`
/// (`[N, 1, In] x [N, O, In]ᵀ`), where `flatIndices` is the `[N, 1]` view of
/// the top-k `indices`.
std::optional<BatchedLinear> matchBatchedLinear(Value out, Value indices) {
  auto outType = dyn_cast<RankedTensorType>(out.getType());
  if (!outType || outType.getRank() != 2 || outType.isDynamicDim(1))
    return std::nullopt;
  int64_t outSize = outType.getDimSize(1);
  auto matmul = lookThroughReshapes(out).getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getTransposeLhs())
    return std::nullopt;
  bool weightOnLeft = !matmul.getTransposeRhs();
  Value gathered = weightOnLeft ? matmul.getLhs() : matmul.getRhs();
  Value input = weightOnLeft ? matmul.getRhs() : matmul.getLhs();
  auto gather = gathered.getDefiningOp<GatherNdOp>();
  if (!gather || gather.getBatchDims() != 0)
    return std::nullopt;
  ArrayRef<int64_t> weightShape = getStaticShape(gather.getData());
  if (weightShape.size() != 3 || weightShape[1] != outSize)
    return std::nullopt;
  Value flatIndices = gather.getIndices();
  if (!hasTrailingShape(flatIndices, {1}) ||
      lookThroughReshapes(flatIndices) != indices)
    return std::nullopt;
  int64_t inSize = weightShape[2];
  SmallVector<int64_t, 2> inputRow = {inSize, 1};
  SmallVector<int64_t, 2> productRow = {outSize, 1};
  if (!weightOnLeft) {
    std::swap(inputRow[0], inputRow[1]);
    std::swap(productRow[0], productRow[1]);
  }
  if (!hasTrailingShape(input, inputRow) ||
      !hasTrailingShape(matmul.getResult(), productRow))
    return std::nullopt;
  return BatchedLinear{gather.getData(), input};
}

/// Whether `slice` takes `[start, start + size)` of the last axis of a
/// `[N, 2·size]` input.
bool isHalfSlice(SliceOp slice, int64_t start, int64_t size) {
  if (!hasTrailingShape(slice.getInput(), {2 * size}) ||
      slice.getAxes().size() != 1)
    return false;
  int64_t axis = slice.getAxes()[0];
  int64_t end = slice.getEnds()[0];
  // An end past the dimension is clamped to it.
  bool reachesEnd =
      end == start + size || (start + size == 2 * size && end >= 2 * size);
  return (axis == 1 || axis == -1) && slice.getStarts()[0] == start &&
         slice.getSteps()[0] == 1 && reachesEnd;
}

/// What the batched experts read and compute, before the router is matched.
struct RoutedExperts {
  MoeExperts experts;
  /// The `[T, k]` routing weights and expert indices.
  Value weights, indices;
  /// The tokens before they are repeated k times, `[T, 1, H]`.
  Value tokens;
};

/// Matches the expert feed-forward whose `[N, I]` activation rows are
/// `activated` into `experts`, and returns the rows it reads.
FailureOr<Value> matchExpertFfn(Value activated, int64_t interSize,
                                Value indices, MoeExperts &experts,
                                std::string &reason) {
  auto mul = activated.getDefiningOp<MulOp>();
  if (mul && mul.getLhs().getType() == mul.getType() &&
      mul.getRhs().getType() == mul.getType()) {
    for (auto [gateOut, up] : {std::pair(mul.getLhs(), mul.getRhs()),
                               std::pair(mul.getRhs(), mul.getLhs())}) {
      Value gate = matchActivation(gateOut, experts.activation);
      if (!gate)
        continue;
      // Fused: the gate and up halves of one [E, 2I, H] projection.
      auto gateSlice = gate.getDefiningOp<SliceOp>();
      auto upSlice = up.getDefiningOp<SliceOp>();
      if (gateSlice && upSlice && gateSlice.getInput() == upSlice.getInput() &&
          isHalfSlice(gateSlice, 0, interSize) &&
          isHalfSlice(upSlice, interSize, interSize)) {
        std::optional<BatchedLinear> gateUp =
            matchBatchedLinear(gateSlice.getInput(), indices);
        if (!gateUp) {
          reason = "the gate/up projection is not a matmul by the gathered "
                   "expert weights";
          return failure();
        }
        experts.wGateUp = gateUp->weight;
        return gateUp->input;
      }
      std::optional<BatchedLinear> gateLinear =
          matchBatchedLinear(gate, indices);
      std::optional<BatchedLinear> upLinear = matchBatchedLinear(up, indices);
      if (gateLinear && upLinear &&
          lookThroughReshapes(gateLinear->input) ==
              lookThroughReshapes(upLinear->input) &&
          getStaticShape(gateLinear->weight) ==
              getStaticShape(upLinear->weight)) {
        experts.wGate = gateLinear->weight;
        experts.wUp = upLinear->weight;
        return gateLinear->input;
      }
    }
  }
  // Not gated: act(x · w_up[e]ᵀ).
  if (Value in = matchActivation(activated, experts.activation)) {
    if (std::optional<BatchedLinear> upLinear =
            matchBatchedLinear(in, indices)) {
      experts.gated = false;
      experts.wUp = upLinear->weight;
      return upLinear->input;
    }
  }
  reason = "the expert activation is not act(gate) * up of gathered "
           "projections";
  return failure();
}

/// Matches the routed experts summed by `sum`: `sum_k (w · down(ffn(x)))`
/// over the `[T, k, H]` view of the weighted `[N, H]` expert outputs.
FailureOr<RoutedExperts> matchRoutedExperts(ReduceSumOp sum, Value indices,
                                            std::string &reason) {
  ArrayRef<int64_t> indicesShape =
      cast<RankedTensorType>(indices.getType()).getShape();
  int64_t k = indicesShape.back();
  auto perChoice = dyn_cast<RankedTensorType>(sum.getInput().getType());
  if (!perChoice || perChoice.getRank() != 3 || sum.getKeepDims() ||
      sum.getAxes().size() != 1 ||
      (sum.getAxes()[0] != 1 && sum.getAxes()[0] != -2) ||
      perChoice.isDynamicDim(2) || perChoice.getDimSize(1) != k) {
    reason = "the sum is not over k of a [T, k, H] tensor";
    return failure();
  }
  int64_t hiddenSize = perChoice.getDimSize(2);
  auto weighted = lookThroughReshapes(sum.getInput()).getDefiningOp<MulOp>();
  if (!weighted || !hasTrailingShape(weighted.getResult(), {hiddenSize})) {
    reason = "the summed expert outputs are not [T·k, H] rows scaled by the "
             "routing weights";
    return failure();
  }
  RoutedExperts routed;
  routed.indices = indices;
  Value down;
  for (auto [out, weight] : {std::pair(weighted.getLhs(), weighted.getRhs()),
                             std::pair(weighted.getRhs(), weighted.getLhs())}) {
    Value weights = lookThroughReshapes(weight);
    if (hasTrailingShape(weight, {1}) && hasTrailingShape(weights, {k}) &&
        isa<FloatType>(getElementTypeOrSelf(weights.getType())) &&
        hasTrailingShape(out, {hiddenSize})) {
      routed.weights = weights;
      down = out;
      break;
    }
  }
  if (!down) {
    reason = "the expert outputs are not scaled by a [T·k, 1] view of [T, k] "
             "routing weights";
    return failure();
  }
  std::optional<BatchedLinear> downLinear = matchBatchedLinear(down, indices);
  if (!downLinear) {
    reason = "the down projection is not a matmul by expert weights gathered "
             "by the top-k indices";
    return failure();
  }
  ArrayRef<int64_t> downShape = getStaticShape(downLinear->weight);
  int64_t interSize = downShape[2];
  routed.experts.wDown = downLinear->weight;
  Value activated = lookThroughReshapes(downLinear->input);
  if (!hasTrailingShape(activated, {interSize})) {
    reason = "the down projection does not read [T·k, I] rows";
    return failure();
  }
  FailureOr<Value> input =
      matchExpertFfn(activated, interSize, indices, routed.experts, reason);
  if (failed(input))
    return failure();
  // The rows the experts read: the tokens repeated k times.
  auto expand = lookThroughReshapes(*input).getDefiningOp<ExpandOp>();
  if (!expand || expand.getShape() ||
      !hasTrailingShape(expand.getResult(), {k, hiddenSize}) ||
      !hasTrailingShape(expand.getInput(), {1, hiddenSize})) {
    reason = "the experts do not read the tokens repeated k times";
    return failure();
  }
  routed.tokens = expand.getInput();
  // Every projection's stacked weights must agree on E, H and I.
  int64_t numExperts = downShape[0];
  auto hasShape = [&](Value weight, ArrayRef<int64_t> shape) {
    return !weight || getStaticShape(weight) == shape;
  };
  const MoeExperts &e = routed.experts;
  if (downShape[1] != hiddenSize ||
      !hasShape(e.wGateUp, {numExperts, 2 * interSize, hiddenSize}) ||
      !hasShape(e.wGate, {numExperts, interSize, hiddenSize}) ||
      !hasShape(e.wUp, {numExperts, interSize, hiddenSize})) {
    reason = "the expert weights disagree on E, H or I";
    return failure();
  }
  return routed;
}

/// Whether two tensors of token rows, which hold the tokens in the same
/// order, also have the same leading dimensions (the last may differ): their
/// static ones agree. Dynamic ones are taken to be equal, as the other
/// raising passes take them (deepc-raise-moe-loop, deepc-raise-attention):
/// both sides split the same tokens, and exporters give them the same
/// symbolic dims (DeepSeek-V3's [batch, seq] from input_ids). A graph that
/// split the tokens differently and relied on an elementwise op to
/// broadcast a run-time 1 would be misread.
bool haveSameLeadingDims(Value a, Value b) {
  auto aType = dyn_cast<RankedTensorType>(a.getType());
  auto bType = dyn_cast<RankedTensorType>(b.getType());
  if (!aType || !bType || aType.getRank() != bType.getRank())
    return false;
  ArrayRef<int64_t> aLeading = aType.getShape().drop_back();
  return aLeading == bType.getShape().drop_back();
}

/// A plain projection of token rows, `input · weightᵀ` with `weight`
/// `[O, In]`, or `input · weight` with `weight` `[In, O]` (`inputMajor`).
struct Linear {
  Value input;
  Value weight;
  bool inputMajor;
};
std::optional<Linear> matchLinear(Value out) {
  auto matmul = out.getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getTransposeLhs() ||
      getStaticShape(matmul.getRhs()).size() != 2)
    return std::nullopt;
  return Linear{matmul.getLhs(), matmul.getRhs(), !matmul.getTransposeRhs()};
}

/// The weight of `linear` in `[O, In]` layout.
Value getOutputMajorWeight(OpBuilder &builder, const Linear &linear) {
  if (!linear.inputMajor)
    return linear.weight;
  return builder.create<TransposeOp>(linear.weight.getLoc(), linear.weight,
                                     builder.getDenseI64ArrayAttr({1, 0}));
}

/// A shared expert found next to the routed ones, not yet built.
struct SharedExpert {
  Linear gate, up, down;
  std::optional<Linear> expertGate;
};

/// Matches `shared` as the gated shared expert over the tokens of `hidden`
/// (`act(x·Wgᵀ) ⊙ (x·Wuᵀ) · Wdᵀ`), optionally scaled by
/// `sigmoid(x · gᵀ)` with `g` `[1, H]`.
std::optional<SharedExpert> matchSharedExpert(Value shared, Value hidden,
                                              Activation activation,
                                              int64_t hiddenSize) {
  SharedExpert expert;
  if (auto mul = shared.getDefiningOp<MulOp>()) {
    for (auto [gate, ffn] : {std::pair(mul.getLhs(), mul.getRhs()),
                             std::pair(mul.getRhs(), mul.getLhs())}) {
      auto sigmoid = gate.getDefiningOp<SigmoidOp>();
      if (!sigmoid || ffn.getType() != mul.getType() ||
          !haveSameLeadingDims(sigmoid.getResult(), ffn) ||
          cast<RankedTensorType>(sigmoid.getType()).getShape().back() != 1)
        continue;
      std::optional<Linear> expertGate = matchLinear(sigmoid.getInput());
      if (!expertGate || !haveSameTokenRows(expertGate->input, hidden) ||
          getStaticShape(expertGate->weight) !=
              (expertGate->inputMajor ? ArrayRef<int64_t>{hiddenSize, 1}
                                      : ArrayRef<int64_t>{1, hiddenSize}))
        continue;
      expert.expertGate = expertGate;
      shared = ffn;
      break;
    }
  }
  std::optional<Linear> down = matchLinear(shared);
  if (!down)
    return std::nullopt;
  auto mul = down->input.getDefiningOp<MulOp>();
  if (!mul || mul.getLhs().getType() != mul.getType() ||
      mul.getRhs().getType() != mul.getType())
    return std::nullopt;
  for (auto [gateOut, upOut] : {std::pair(mul.getLhs(), mul.getRhs()),
                                std::pair(mul.getRhs(), mul.getLhs())}) {
    Activation sharedActivation;
    Value gateIn = matchActivation(gateOut, sharedActivation);
    if (!gateIn || sharedActivation != activation)
      continue;
    std::optional<Linear> gate = matchLinear(gateIn);
    std::optional<Linear> up = matchLinear(upOut);
    if (!gate || !up || !haveSameTokenRows(gate->input, hidden) ||
        !haveSameTokenRows(up->input, hidden))
      continue;
    // Weights [Is, H] (or [H, Is]) for gate and up, [H, Is] for down.
    auto outputMajorShape = [](const Linear &linear) {
      SmallVector<int64_t, 2> shape(getStaticShape(linear.weight));
      if (linear.inputMajor)
        std::swap(shape[0], shape[1]);
      return shape;
    };
    SmallVector<int64_t, 2> gateShape = outputMajorShape(*gate);
    int64_t sharedInter = gateShape[0];
    if (gateShape[1] != hiddenSize || outputMajorShape(*up) != gateShape ||
        outputMajorShape(*down) !=
            SmallVector<int64_t, 2>{hiddenSize, sharedInter})
      continue;
    expert.gate = *gate;
    expert.up = *up;
    expert.down = *down;
    return expert;
  }
  return std::nullopt;
}

/// Whether `op` is a sum over a rank-3 tensor, which may be the sum over k
/// of an MoE's weighted expert outputs.
bool isCandidateSum(Operation *op) {
  auto sum = dyn_cast<ReduceSumOp>(op);
  return sum && cast<RankedTensorType>(sum.getInput().getType()).getRank() == 3;
}

/// The candidate sums among the ops reachable from `root`'s results (at
/// most `limit` ops, not searching past a candidate, so that the search
/// stays within one MoE layer).
SmallVector<ReduceSumOp> findCandidateSums(Operation *root, size_t limit) {
  DenseSet<Operation *> seen;
  SmallVector<ReduceSumOp> sums;
  SmallVector<Operation *> worklist = {root};
  while (!worklist.empty() && seen.size() < limit) {
    Operation *op = worklist.pop_back_val();
    for (Operation *user : op->getUsers()) {
      if (!seen.insert(user).second)
        continue;
      if (isCandidateSum(user))
        sums.push_back(cast<ReduceSumOp>(user));
      else
        worklist.push_back(user);
    }
  }
  return sums;
}

/// Erases the producers of `values` that are dead, then theirs, and so on:
/// what a replaced MoE layer leaves behind.
void eraseDeadProducers(RewriterBase &rewriter, ArrayRef<Value> values) {
  SmallVector<Operation *> worklist;
  for (Value value : values)
    if (Operation *producer = value.getDefiningOp())
      worklist.push_back(producer);
  DenseSet<Operation *> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    rewriter.eraseOp(op);
  }
}

/// Raises the batched MoE whose expert indices come from `topK` (remarking
/// first with `report`, since the top-k goes with the layer), or says why
/// not.
LogicalResult raiseBatchedMoe(RewriterBase &rewriter, TopKOp topK, bool report,
                              std::string &reason) {
  reason = "no sum over k of routing-weighted expert outputs found";
  for (ReduceSumOp sum : findCandidateSums(topK, 256)) {
    FailureOr<RoutedExperts> routed =
        matchRoutedExperts(sum, topK.getIndices(), reason);
    if (failed(routed))
      continue;
    FailureOr<MoeRouting> routing =
        matchMoeRouting(routed->weights, routed->indices, reason);
    if (failed(routing))
      return failure();
    if (!haveSameTokenRows(routed->tokens, routing->hidden)) {
      reason = "the experts read other tokens than the router";
      return failure();
    }
    int64_t hiddenSize = getStaticShape(routed->experts.wDown)[1];
    int64_t numExperts = getStaticShape(routed->experts.wDown)[0];
    ArrayRef<int64_t> routerShape = getStaticShape(routing->routerWeight);
    if (routerShape[routing->routerWeightIsInputMajor ? 1 : 0] != numExperts) {
      reason = "the router and the expert weights disagree on E";
      return failure();
    }
    if (routing->nGroup > 1 &&
        routing->topK > routing->topkGroup * (numExperts / routing->nGroup)) {
      reason = "k exceeds the experts of the kept groups";
      return failure();
    }

    // The routed sum, as [T, H] or reshaped back to the model's tokens, and
    // a shared expert added to either.
    Value routedSum = sum.getResult();
    Operation *replaced = sum;
    ReshapeOp restore;
    std::optional<SharedExpert> shared;
    SmallVector<Value, 2> candidates = {routedSum};
    if (routedSum.hasOneUse())
      if (auto reshape = dyn_cast<ReshapeOp>(*routedSum.user_begin());
          reshape && haveSameTokenRows(reshape.getResult(), routedSum))
        candidates.push_back(reshape.getResult());
    for (Value candidate : candidates) {
      if (!candidate.hasOneUse())
        continue;
      auto add = dyn_cast<AddOp>(*candidate.user_begin());
      if (!add || add.getType() != candidate.getType())
        continue;
      Value other = add.getLhs() == candidate ? add.getRhs() : add.getLhs();
      if (other.getType() != candidate.getType() ||
          !haveSameLeadingDims(other, candidate))
        continue;
      shared = matchSharedExpert(other, routing->hidden,
                                 routed->experts.activation, hiddenSize);
      if (!shared)
        continue;
      replaced = add;
      restore = candidate == routedSum ? ReshapeOp()
                                       : candidate.getDefiningOp<ReshapeOp>();
      break;
    }

    if (report)
      topK->emitRemark("raised to deepc.moe");
    rewriter.setInsertionPoint(replaced);
    MoeExperts experts = routed->experts;
    if (shared) {
      experts.sharedGate = getOutputMajorWeight(rewriter, shared->gate);
      experts.sharedUp = getOutputMajorWeight(rewriter, shared->up);
      experts.sharedDown = getOutputMajorWeight(rewriter, shared->down);
      if (shared->expertGate)
        experts.sharedExpertGate =
            getOutputMajorWeight(rewriter, *shared->expertGate);
    }
    Value moe = buildMoe(rewriter, topK.getLoc(), *routing, experts);
    if (moe.getType() != routedSum.getType()) {
      // Only the router's view of the tokens differs from the sum's.
      moe = rewriter.create<ReshapeOp>(topK.getLoc(), routedSum.getType(), moe,
                                       Value());
    }
    if (restore)
      moe = rewriter.create<ReshapeOp>(restore.getLoc(), restore.getType(), moe,
                                       restore.getShape());
    SmallVector<Value> leftovers(replaced->getOperands());
    rewriter.replaceOp(replaced, moe);
    eraseDeadProducers(rewriter, leftovers);
    return success();
  }
  return failure();
}

/// Whether `topK` looks like an MoE router's expert choice: a [T, k] view
/// of its indices gathers stacked weights.
bool gathersExpertWeights(TopKOp topK) {
  for (Operation *user : topK.getIndices().getUsers()) {
    auto reshape = dyn_cast<ReshapeOp>(user);
    if (!reshape)
      continue;
    for (Operation *reshapeUser : reshape->getUsers())
      if (auto gather = dyn_cast<GatherNdOp>(reshapeUser);
          gather && gather.getIndices() == reshape.getResult())
        return true;
  }
  return false;
}

struct RaiseMoePass : impl::DeepcRaiseMoePassBase<RaiseMoePass> {
  using DeepcRaiseMoePassBase::DeepcRaiseMoePassBase;

  void runOnOperation() override {
    SmallVector<TopKOp> candidates;
    getOperation()->walk([&](TopKOp topK) {
      if (gathersExpertWeights(topK))
        candidates.push_back(topK);
    });
    IRRewriter rewriter(&getContext());
    for (TopKOp topK : candidates) {
      std::string reason;
      if (failed(raiseBatchedMoe(rewriter, topK, report, reason)) && report)
        topK->emitRemark("not raised to deepc.moe: ") << reason;
    }
  }
};

} // namespace
} // namespace mlir::deepc
