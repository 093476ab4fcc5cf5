//===- RaiseMoeLoop.cpp - deepc.moe from the unrolled per-expert loop -----===//
//
// Exporters that trace an MoE layer's Python loop over its experts unroll it
// into one block per expert e:
//
//   mask     = equal(indices, e)                  [T, k], from the router
//   token, j = columns of transpose(nonzero(mask)) the (token, slot) pairs
//   y_e      = mlp_e(gather_nd(x, token))         expert e's weights
//   acc      = scatter_add(acc, token, y_e * weights[token, j])
//
// with `acc` starting from zeros. Each (token, slot) pair lands in exactly
// one block (top-k indices are distinct), so when the blocks cover experts
// 0..E-1 once each, the final `acc` is the routed MoE output. This pass
// proves that and replaces it (with the shared expert added to it, when
// there is one) by one deepc.moe built from the router that
// matchMoeRouting() reads back.
//
//===----------------------------------------------------------------------===//

#include "MoeRouting.h"

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"

#include "llvm/ADT/SmallPtrSet.h"

#include <optional>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEMOELOOPPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

//===----------------------------------------------------------------------===//
// Small matchers
//===----------------------------------------------------------------------===//

/// The value of an integer constant with a single element (rank 0 or [1]).
std::optional<int64_t> getScalarInt(Value value) {
  DenseIntElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || attr.getNumElements() != 1)
    return std::nullopt;
  return (*attr.value_begin<APInt>()).getSExtValue();
}

/// The static shape of a ranked tensor value, or an empty array.
ArrayRef<int64_t> staticShape(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape())
    return {};
  return type.getShape();
}

int64_t rankOf(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type ? type.getRank() : -1;
}

/// Matches `slice(input)` taking [start, end) with step 1 on `axis` alone
/// (negative axes count from the end).
bool isSliceOf(SliceOp slice, int64_t axis, int64_t start, int64_t end) {
  int64_t rank = rankOf(slice.getInput());
  if (slice.getAxes().size() != 1 || rank < 0)
    return false;
  int64_t sliceAxis = slice.getAxes()[0];
  if (sliceAxis < 0)
    sliceAxis += rank;
  if (axis < 0)
    axis += rank;
  return sliceAxis == axis && slice.getStarts()[0] == start &&
         slice.getEnds()[0] == end && slice.getSteps()[0] == 1;
}

/// Matches column `column` of the [N, 2] (token, slot) pairs of a nonzero
/// over a [T, k] mask, `slice(transpose(nonzero(mask)), axis 1,
/// [column, column + 1))`, seen through reshapes (which keep its N elements
/// in order; each use checks the shape it needs), and returns the
/// transposed pairs.
Value matchPairColumn(Value value, int64_t column) {
  auto slice = lookThroughReshapes(value).getDefiningOp<SliceOp>();
  if (!slice || !isSliceOf(slice, 1, column, column + 1))
    return {};
  auto transpose = slice.getInput().getDefiningOp<TransposeOp>();
  if (!transpose || transpose.getPermutation() != ArrayRef<int64_t>{1, 0})
    return {};
  auto nonzero = transpose.getInput().getDefiningOp<NonZeroOp>();
  if (!nonzero || rankOf(nonzero.getInput()) != 2)
    return {};
  return transpose.getResult();
}

/// Whether `value` is shaped [N, 1]: one row index per pair, as ScatterND
/// and GatherND read them.
bool isIndexColumn(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 2 && type.getDimSize(1) == 1;
}

/// `column` and every reshape of it, transitively.
SmallVector<Value> getReshapedViews(Value column) {
  SmallVector<Value> views = {column};
  for (size_t i = 0; i < views.size(); ++i)
    for (Operation *user : views[i].getUsers())
      if (auto reshape = dyn_cast<ReshapeOp>(user);
          reshape && reshape.getInput() == views[i])
        views.push_back(reshape.getResult());
  return views;
}

/// One projection `input · W` of an MLP.
struct Projection {
  Value weight;
  /// Whether `weight` is `[in, out]` (x · W) rather than `[out, in]`.
  bool inputMajor = false;
};

/// Matches `input · W` or `input · Wᵀ` with a rank-2 W.
std::optional<Projection> matchProjection(Value value, Value input) {
  auto matmul = value.getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getLhs() != input || matmul.getTransposeLhs() ||
      rankOf(matmul.getRhs()) != 2)
    return std::nullopt;
  return Projection{matmul.getRhs(), !matmul.getTransposeRhs()};
}

/// An activation applied to `input`.
struct ActivationOf {
  Activation activation;
  Value input;
};

/// Matches the activations deepc.moe computes (see matchActivation in
/// MoeRouting.h).
std::optional<ActivationOf> matchActivationOf(Value value) {
  ActivationOf match;
  match.input = matchActivation(value, match.activation);
  if (!match.input)
    return std::nullopt;
  return match;
}

/// A feed-forward expert: `down(act(gate(x)) ⊙ up(x))` when gated, else
/// `down(act(up(x)))`; gate and up are separate projections or the two
/// halves of one fused projection, gate half first.
struct Mlp {
  std::optional<Projection> gate, up, gateUp;
  Projection down;
  Activation activation = Activation::silu;
  bool gated = true;
};

/// Matches the fused form of `gate(x)` and `up(x)`: both halves of the last
/// axis of one projection, gate first.
std::optional<Projection> matchFusedGateUp(Value gate, Value up, Value input,
                                           std::string &reason) {
  auto gateSlice = gate.getDefiningOp<SliceOp>();
  auto upSlice = up.getDefiningOp<SliceOp>();
  if (!gateSlice || !upSlice || gateSlice.getInput() != upSlice.getInput())
    return std::nullopt;
  Value fused = gateSlice.getInput();
  int64_t rank = rankOf(fused);
  if (rank < 1)
    return std::nullopt;
  int64_t width = cast<RankedTensorType>(fused.getType()).getDimSize(rank - 1);
  if (ShapedType::isDynamic(width) || width % 2 != 0)
    return std::nullopt;
  int64_t half = width / 2;
  if (isSliceOf(upSlice, -1, 0, half) && isSliceOf(gateSlice, -1, half, width))
    reason = "the fused gate/up projection puts the up half first";
  if (!isSliceOf(gateSlice, -1, 0, half) ||
      !isSliceOf(upSlice, -1, half, width))
    return std::nullopt;
  return matchProjection(fused, input);
}

/// Matches a feed-forward expert computing `output` from `input`.
std::optional<Mlp> matchMlp(Value output, Value input, std::string &reason) {
  auto downMatmul = output.getDefiningOp<MatmulOp>();
  if (!downMatmul) {
    reason = "the expert output is not a matmul (the down projection)";
    return std::nullopt;
  }
  Value hidden = downMatmul.getLhs();
  std::optional<Projection> down = matchProjection(output, hidden);
  if (!down) {
    reason = "the down projection is not x · W with a rank-2 W";
    return std::nullopt;
  }
  Mlp mlp;
  mlp.down = *down;
  // Both factors of the gating product [N, I]: one broadcast along the
  // other would not be a gated MLP.
  if (auto mul = hidden.getDefiningOp<MulOp>();
      mul && mul.getLhs().getType() == mul.getType() &&
      mul.getRhs().getType() == mul.getType()) {
    for (auto [activated, up] : {std::pair(mul.getLhs(), mul.getRhs()),
                                 std::pair(mul.getRhs(), mul.getLhs())}) {
      std::optional<ActivationOf> act = matchActivationOf(activated);
      if (!act)
        continue;
      mlp.activation = act->activation;
      mlp.gate = matchProjection(act->input, input);
      mlp.up = matchProjection(up, input);
      if (mlp.gate && mlp.up)
        return mlp;
      mlp.gate = mlp.up = std::nullopt;
      mlp.gateUp = matchFusedGateUp(act->input, up, input, reason);
      if (mlp.gateUp)
        return mlp;
    }
  }
  if (std::optional<ActivationOf> act = matchActivationOf(hidden)) {
    mlp.gated = false;
    mlp.activation = act->activation;
    mlp.up = matchProjection(act->input, input);
    if (mlp.up)
      return mlp;
  }
  if (reason.empty())
    reason = "the expert is not down(act(gate(x)) * up(x)) or down(act(up(x))) "
             "with a supported activation";
  return std::nullopt;
}

//===----------------------------------------------------------------------===//
// One expert's block
//===----------------------------------------------------------------------===//

/// The block of the loop for one expert, ending in its scatter-add.
struct ExpertBlock {
  ScatterOp scatter;
  int64_t expert;
  /// The router outputs the block reads: top-k weights and indices [T, k].
  Value weights, indices;
  /// The tokens [T, H] the block gathers its inputs from.
  Value tokens;
  Mlp mlp;
};

/// Matches the routing weight of each pair, `weights[token, slot]`, as an
/// [N, 1] view of gather_nd(weights, concat(token, slot)) over the [T, k]
/// weights or their [T, k, 1] reshape, and returns the weights.
Value matchPairWeight(Value value, Value pairs, Value tokenColumn) {
  if (!isIndexColumn(value))
    return {};
  auto gather = lookThroughReshapes(value).getDefiningOp<GatherNdOp>();
  if (!gather || gather.getBatchDims() != 0)
    return {};
  auto concat = gather.getIndices().getDefiningOp<ConcatOp>();
  if (!concat || concat.getInputs().size() != 2 ||
      (concat.getAxis() != 1 && concat.getAxis() != -1))
    return {};
  Value token = concat.getInputs()[0], slot = concat.getInputs()[1];
  if (!isIndexColumn(token) || !isIndexColumn(slot) ||
      lookThroughReshapes(token) != tokenColumn ||
      matchPairColumn(slot, 1) != pairs)
    return {};
  Value data = gather.getData();
  Value weights = lookThroughReshapes(data);
  auto weightsType = dyn_cast<RankedTensorType>(weights.getType());
  auto dataType = dyn_cast<RankedTensorType>(data.getType());
  if (!weightsType || !dataType || weightsType.getRank() != 2 ||
      ShapedType::isDynamic(weightsType.getDimSize(1)))
    return {};
  // [T, k], or [T, k, 1] (a trailing unit axis): the element gathered for
  // (token, slot) is weights[token, slot].
  bool sameRows = dataType == weightsType ||
                  (dataType.getRank() == 3 && dataType.getDimSize(2) == 1 &&
                   dataType.getDimSize(1) == weightsType.getDimSize(1));
  return sameRows ? weights : Value();
}

/// The rows a block's expert reads: gather_nd(x, token) with an [N, 1]
/// token column, or gather(x, token, axis 0) with an [N] one, x [T, H].
Value matchGatheredRows(Operation *op, Value &tokens) {
  if (auto gather = dyn_cast<GatherNdOp>(op);
      gather && gather.getBatchDims() == 0 &&
      isIndexColumn(gather.getIndices()) && rankOf(gather.getData()) == 2) {
    tokens = gather.getData();
    return gather.getResult();
  }
  if (auto gather = dyn_cast<GatherOp>(op); gather && gather.getAxis() == 0 &&
                                            rankOf(gather.getIndices()) == 1 &&
                                            rankOf(gather.getData()) == 2) {
    tokens = gather.getData();
    return gather.getResult();
  }
  return {};
}

/// Checks that a weight taken from a stack of experts' weights,
/// `gather(stack, c, axis 0)`, is expert `expert`'s.
bool isOwnWeight(const Projection &projection, int64_t expert,
                 std::string &reason) {
  auto gather = projection.weight.getDefiningOp<GatherOp>();
  if (!gather)
    return true;
  std::optional<int64_t> index = getScalarInt(gather.getIndices());
  if (gather.getAxis() != 0 || !index) {
    reason = "an expert weight is gathered with a non-constant index";
    return false;
  }
  if (*index != expert) {
    reason = "the block of expert " + std::to_string(expert) +
             " uses the weights of expert " + std::to_string(*index);
    return false;
  }
  return true;
}

FailureOr<ExpertBlock> matchExpertBlock(ScatterOp scatter,
                                        std::string &reason) {
  if (scatter.getReduction() != ScatterReduction::add) {
    reason = "a scatter combines with reduction " +
             stringifyScatterReduction(scatter.getReduction()).str() +
             ", not add";
    return failure();
  }
  ExpertBlock block;
  block.scatter = scatter;
  Value pairs = matchPairColumn(scatter.getIndices(), 0);
  if (!pairs || !isIndexColumn(scatter.getIndices()) ||
      rankOf(scatter.getData()) != 2) {
    reason = "a scatter's rows are not the tokens of nonzero(indices == e)";
    return failure();
  }
  Value tokenColumn = lookThroughReshapes(scatter.getIndices());
  auto mask = pairs.getDefiningOp<TransposeOp>()
                  .getInput()
                  .getDefiningOp<NonZeroOp>()
                  .getInput()
                  .getDefiningOp<EqualOp>();
  if (!mask) {
    reason = "a nonzero's mask is not indices == e";
    return failure();
  }
  for (auto [indices, expert] : {std::pair(mask.getLhs(), mask.getRhs()),
                                 std::pair(mask.getRhs(), mask.getLhs())}) {
    if (std::optional<int64_t> e = getScalarInt(expert);
        e && rankOf(indices) == 2) {
      block.expert = *e;
      block.indices = indices;
    }
  }
  if (!block.indices) {
    reason = "a mask compares the indices with no constant expert number";
    return failure();
  }

  auto mul = scatter.getUpdates().getDefiningOp<MulOp>();
  if (!mul) {
    reason = "a scattered update is not expert output * routing weight";
    return failure();
  }
  Value expertOutput;
  for (auto [output, weight] : {std::pair(mul.getLhs(), mul.getRhs()),
                                std::pair(mul.getRhs(), mul.getLhs())}) {
    if (Value weights = matchPairWeight(weight, pairs, tokenColumn)) {
      block.weights = weights;
      expertOutput = output;
    }
  }
  if (!block.weights) {
    reason = "a scattered update is not scaled by weights[token, slot]";
    return failure();
  }
  // The expert's input rows: the one of the token column's gathers that
  // the expert's MLP reads.
  std::optional<Mlp> mlp;
  for (Value view : getReshapedViews(tokenColumn)) {
    for (Operation *user : view.getUsers()) {
      Value tokens;
      Value rows = matchGatheredRows(user, tokens);
      if (!rows)
        continue;
      reason.clear();
      mlp = matchMlp(expertOutput, rows, reason);
      if (mlp) {
        block.tokens = tokens;
        break;
      }
    }
    if (mlp)
      break;
  }
  if (!mlp) {
    if (reason.empty())
      reason = "a block does not gather its expert's input rows by token";
    return failure();
  }
  block.mlp = *mlp;
  for (const std::optional<Projection> &projection :
       {mlp->gate, mlp->up, mlp->gateUp, std::optional(mlp->down)})
    if (projection && !isOwnWeight(*projection, block.expert, reason))
      return failure();
  return block;
}

//===----------------------------------------------------------------------===//
// The whole loop
//===----------------------------------------------------------------------===//

/// The accumulated blocks of one MoE layer, in expert order.
struct MoeLoop {
  SmallVector<ExpertBlock> blocks;
  MoeRouting routing;
};

/// Whether the blocks compute the same kind of MLP (so that one deepc.moe
/// describes all of them).
bool haveSameForm(const Mlp &a, const Mlp &b) {
  auto sameLayout = [](const std::optional<Projection> &x,
                       const std::optional<Projection> &y) {
    return x.has_value() == y.has_value() &&
           (!x || (x->inputMajor == y->inputMajor &&
                   x->weight.getType() == y->weight.getType()));
  };
  return a.gated == b.gated && a.activation == b.activation &&
         sameLayout(a.gate, b.gate) && sameLayout(a.up, b.up) &&
         sameLayout(a.gateUp, b.gateUp) && sameLayout(a.down, b.down);
}

FailureOr<MoeLoop> matchMoeLoop(ScatterOp last, std::string &reason) {
  SmallVector<ScatterOp> scatters;
  Value acc = last.getResult();
  while (auto scatter = acc.getDefiningOp<ScatterOp>()) {
    // A partial sum used elsewhere would keep the loop alive.
    if (!scatters.empty() && !scatter->hasOneUse()) {
      reason = "a partial sum of the experts has other uses";
      return failure();
    }
    scatters.push_back(scatter);
    acc = scatter.getData();
  }
  // Zeros, as a constant or a scalar expanded to the sum's shape.
  if (getSplatValue(acc) != 0.0) {
    reason = "the accumulation does not start from zeros";
    return failure();
  }
  MoeLoop loop;
  for (ScatterOp scatter : llvm::reverse(scatters)) {
    FailureOr<ExpertBlock> block = matchExpertBlock(scatter, reason);
    if (failed(block))
      return failure();
    loop.blocks.push_back(*block);
  }
  const ExpertBlock &first = loop.blocks.front();
  for (const ExpertBlock &block : loop.blocks) {
    if (block.weights != first.weights || block.indices != first.indices) {
      reason = "the blocks read different routers' weights or indices";
      return failure();
    }
    if (block.tokens != first.tokens) {
      reason = "the blocks gather different tokens";
      return failure();
    }
    if (!haveSameForm(block.mlp, first.mlp)) {
      reason = "the experts' MLPs differ in form, activation or shapes";
      return failure();
    }
  }
  FailureOr<MoeRouting> routing =
      matchMoeRouting(first.weights, first.indices, reason);
  if (failed(routing)) {
    reason = "the router does not match: " + reason;
    return failure();
  }
  loop.routing = *routing;
  if (!haveSameTokenRows(loop.routing.hidden, first.tokens)) {
    reason = "the experts read other tokens than the router";
    return failure();
  }
  // deepc.moe's result has the type of the tokens it routes.
  if (last.getType() != loop.routing.hidden.getType()) {
    reason = "the accumulated sum is not of the tokens' type";
    return failure();
  }
  ArrayRef<int64_t> routerShape = staticShape(loop.routing.routerWeight);
  if (routerShape.size() != 2) {
    reason = "the router weight is not a static [E, H] matrix";
    return failure();
  }
  int64_t experts = routerShape[loop.routing.routerWeightIsInputMajor ? 1 : 0];
  SmallVector<std::optional<ExpertBlock>> byExpert(experts);
  for (const ExpertBlock &block : loop.blocks) {
    if (block.expert < 0 || block.expert >= experts) {
      reason = "a block compares with expert " + std::to_string(block.expert) +
               ", outside the router's " + std::to_string(experts);
      return failure();
    }
    if (byExpert[block.expert]) {
      reason = "expert " + std::to_string(block.expert) + " has two blocks";
      return failure();
    }
    byExpert[block.expert] = block;
  }
  for (int64_t e = 0; e < experts; ++e) {
    if (!byExpert[e]) {
      reason = "expert " + std::to_string(e) + " of " +
               std::to_string(experts) + " has no block";
      return failure();
    }
  }
  loop.blocks.clear();
  for (std::optional<ExpertBlock> &block : byExpert)
    loop.blocks.push_back(*block);
  return loop;
}

//===----------------------------------------------------------------------===//
// Building the weights
//===----------------------------------------------------------------------===//

/// `value` transposed by `permutation` (folded on constants later).
Value transposed(OpBuilder &builder, Location loc, Value value,
                 ArrayRef<int64_t> permutation) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> shape;
  for (int64_t axis : permutation)
    shape.push_back(type.getDimSize(axis));
  return builder.create<TransposeOp>(
      loc, RankedTensorType::get(shape, type.getElementType()), value,
      permutation);
}

/// A per-expert projection's weights stacked as [E, out, in], expert e's in
/// row e. When each expert's weight is row e of one stack, that stack is
/// used as it is (transposed if stored [E, in, out]).
Value stackProjection(OpBuilder &builder, Location loc,
                      ArrayRef<Projection> perExpert) {
  bool inputMajor = perExpert.front().inputMajor;
  Value stack;
  for (const Projection &projection : perExpert) {
    auto gather = projection.weight.getDefiningOp<GatherOp>();
    if (!gather || (stack && gather.getData() != stack)) {
      stack = {};
      break;
    }
    stack = gather.getData();
  }
  if (stack && rankOf(stack) == 3 &&
      cast<RankedTensorType>(stack.getType()).getDimSize(0) ==
          static_cast<int64_t>(perExpert.size()))
    return inputMajor ? transposed(builder, loc, stack, {0, 2, 1}) : stack;

  SmallVector<Value> rows;
  for (const Projection &projection : perExpert) {
    Value weight = projection.weight;
    if (inputMajor)
      weight = transposed(builder, loc, weight, {1, 0});
    auto type = cast<RankedTensorType>(weight.getType());
    auto rowType = RankedTensorType::get(
        {1, type.getDimSize(0), type.getDimSize(1)}, type.getElementType());
    rows.push_back(builder.create<ReshapeOp>(loc, rowType, weight, Value()));
  }
  auto rowType = cast<RankedTensorType>(rows.front().getType());
  SmallVector<int64_t> shape(rowType.getShape());
  shape[0] = rows.size();
  return builder.create<ConcatOp>(
      loc, RankedTensorType::get(shape, rowType.getElementType()), rows,
      builder.getI64IntegerAttr(0));
}

/// A shared projection's weight as [out, in].
Value outputMajor(OpBuilder &builder, Location loc,
                  const Projection &projection) {
  return projection.inputMajor
             ? transposed(builder, loc, projection.weight, {1, 0})
             : projection.weight;
}

/// Whether every per-expert weight has a static shape (stacking needs it).
bool haveStaticWeights(const MoeLoop &loop) {
  for (const ExpertBlock &block : loop.blocks)
    for (const std::optional<Projection> &projection :
         {block.mlp.gate, block.mlp.up, block.mlp.gateUp,
          std::optional(block.mlp.down)})
      if (projection && staticShape(projection->weight).empty())
        return false;
  return true;
}

MoeExperts buildExperts(OpBuilder &builder, Location loc, const MoeLoop &loop) {
  auto stack = [&](auto member) -> Value {
    SmallVector<Projection> perExpert;
    for (const ExpertBlock &block : loop.blocks) {
      const std::optional<Projection> &projection = block.mlp.*member;
      if (!projection)
        return {};
      perExpert.push_back(*projection);
    }
    return stackProjection(builder, loc, perExpert);
  };
  const Mlp &first = loop.blocks.front().mlp;
  MoeExperts experts;
  experts.activation = first.activation;
  experts.gated = first.gated;
  experts.wGate = stack(&Mlp::gate);
  experts.wUp = stack(&Mlp::up);
  experts.wGateUp = stack(&Mlp::gateUp);
  SmallVector<Projection> downs;
  for (const ExpertBlock &block : loop.blocks)
    downs.push_back(block.mlp.down);
  experts.wDown = stackProjection(builder, loc, downs);
  return experts;
}

//===----------------------------------------------------------------------===//
// The shared expert
//===----------------------------------------------------------------------===//

/// A shared expert added to the routed sum.
struct SharedExpert {
  /// The add of the routed sum and the shared expert, which the MoE replaces.
  AddOp add;
  /// Where the routed sum was reshaped back before the add (the shared
  /// expert then reads the unflattened tokens), or null.
  ReshapeOp unflatten;
  Mlp mlp;
  /// The [1, H] weight of sigmoid(x · gᵀ) scaling the shared expert, or null.
  Value gate;
  bool gateIsInputMajor = false;
};

/// Matches the shared expert of `shared`, computed from `tokens`, as `mlp`
/// or `sigmoid(tokens · g) * mlp`.
std::optional<SharedExpert> matchSharedOutput(Value shared, Value tokens,
                                              std::string &reason) {
  SharedExpert expert;
  if (auto mul = shared.getDefiningOp<MulOp>()) {
    for (auto [scale, output] : {std::pair(mul.getLhs(), mul.getRhs()),
                                 std::pair(mul.getRhs(), mul.getLhs())}) {
      auto sigmoid = scale.getDefiningOp<SigmoidOp>();
      if (!sigmoid)
        continue;
      std::optional<Projection> gate =
          matchProjection(sigmoid.getInput(), tokens);
      if (!gate || staticShape(gate->weight).empty() ||
          staticShape(gate->weight)[gate->inputMajor ? 1 : 0] != 1 ||
          output.getType() != shared.getType())
        continue;
      expert.gate = gate->weight;
      expert.gateIsInputMajor = gate->inputMajor;
      shared = output;
      break;
    }
  }
  std::string mlpReason;
  std::optional<Mlp> mlp = matchMlp(shared, tokens, mlpReason);
  if (!mlp)
    return std::nullopt;
  if (mlp->gateUp) {
    reason = "the shared expert's fused gate/up projection is not supported";
    return std::nullopt;
  }
  expert.mlp = *mlp;
  return expert;
}

/// Whether `reshape` only merges or splits leading axes: the last one is
/// the same static size on both sides, so each row stays one token.
bool keepsLastDim(ReshapeOp reshape) {
  auto from = dyn_cast<RankedTensorType>(reshape.getInput().getType());
  auto to = dyn_cast<RankedTensorType>(reshape.getType());
  return from && to && from.getRank() > 0 && to.getRank() > 0 &&
         !ShapedType::isDynamic(from.getShape().back()) &&
         from.getShape().back() == to.getShape().back();
}

/// Matches a shared expert added to the routed sum `routed` over `tokens`:
/// add(routed, shared(tokens)), or add(reshape(routed), shared(x)) where
/// `tokens` is x flattened to [T, H].
std::optional<SharedExpert> matchSharedExpert(Value routed, Value tokens,
                                              const Mlp &routedMlp,
                                              std::string &reason) {
  if (!routed.hasOneUse())
    return std::nullopt;
  Operation *user = *routed.getUsers().begin();
  ReshapeOp unflatten = dyn_cast<ReshapeOp>(user);
  Value sharedTokens = tokens;
  if (unflatten) {
    auto flatten = tokens.getDefiningOp<ReshapeOp>();
    // The reshape back must restore x's type; x · W is per token, so the
    // shared expert on x and on the flattened tokens agree token by token.
    if (!flatten || flatten.getInput().getType() != unflatten.getType() ||
        !unflatten->hasOneUse() || !keepsLastDim(flatten))
      return std::nullopt;
    sharedTokens = flatten.getInput();
    routed = unflatten.getResult();
    user = *routed.getUsers().begin();
  }
  auto add = dyn_cast<AddOp>(user);
  if (!add || add.getLhs().getType() != add.getRhs().getType() ||
      add.getType() != routed.getType())
    return std::nullopt;
  Value shared = add.getLhs() == routed ? add.getRhs() : add.getLhs();
  std::optional<SharedExpert> expert =
      matchSharedOutput(shared, sharedTokens, reason);
  if (!expert)
    return std::nullopt;
  if (expert->mlp.activation != routedMlp.activation ||
      expert->mlp.gated != routedMlp.gated) {
    reason = "the shared expert's activation or gating differs from the "
             "routed experts'";
    return std::nullopt;
  }
  expert->add = add;
  expert->unflatten = unflatten;
  return expert;
}

//===----------------------------------------------------------------------===//
// The rewrite
//===----------------------------------------------------------------------===//

/// Erases `op`'s operands' defining ops once nothing uses them, transitively.
void eraseDeadProducers(SmallVector<Operation *> worklist) {
  llvm::SmallPtrSet<Operation *, 32> erased;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (erased.contains(op) || !isOpTriviallyDead(op))
      continue;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        worklist.push_back(producer);
    erased.insert(op);
    op->erase();
  }
}

/// Replaces the loop ending in `last` (and the shared expert added to it)
/// by one deepc.moe.
void raiseLoop(ScatterOp last, MoeLoop &loop, bool report) {
  const Mlp &routedMlp = loop.blocks.front().mlp;
  std::string sharedReason;
  std::optional<SharedExpert> shared = matchSharedExpert(
      last.getResult(), loop.routing.hidden, routedMlp, sharedReason);
  if (report) {
    InFlightDiagnostic remark = last->emitRemark("raised to deepc.moe");
    if (!shared && !sharedReason.empty())
      remark << " (shared expert left apart: " << sharedReason << ")";
  }

  Operation *replaced = shared ? shared->add.getOperation() : last;
  OpBuilder builder(replaced);
  Location loc = last.getLoc();
  MoeExperts experts = buildExperts(builder, loc, loop);
  if (shared) {
    const Mlp &mlp = shared->mlp;
    if (mlp.gated)
      experts.sharedGate = outputMajor(builder, loc, *mlp.gate);
    experts.sharedUp = outputMajor(builder, loc, *mlp.up);
    experts.sharedDown = outputMajor(builder, loc, mlp.down);
    if (shared->gate)
      experts.sharedExpertGate =
          shared->gateIsInputMajor
              ? transposed(builder, loc, shared->gate, {1, 0})
              : shared->gate;
  }
  Value moe = buildMoe(builder, loc, loop.routing, experts).getResult();
  if (shared && shared->unflatten) {
    moe = builder.create<ReshapeOp>(loc, shared->unflatten.getType(), moe,
                                    shared->unflatten.getShape());
  }
  replaced->getResult(0).replaceAllUsesWith(moe);
  eraseDeadProducers({replaced});
}

/// Whether `scatter` ends a chain of scatters and scatters the rows of a
/// nonzero, as the loop's last block does.
bool looksLikeLoopEnd(ScatterOp scatter) {
  for (Operation *user : scatter->getUsers())
    if (auto next = dyn_cast<ScatterOp>(user);
        next && next.getData() == scatter.getResult())
      return false;
  return static_cast<bool>(matchPairColumn(scatter.getIndices(), 0));
}

struct RaiseMoeLoopPass : impl::DeepcRaiseMoeLoopPassBase<RaiseMoeLoopPass> {
  using DeepcRaiseMoeLoopPassBase::DeepcRaiseMoeLoopPassBase;

  void runOnOperation() override {
    SmallVector<ScatterOp> ends;
    getOperation()->walk([&](ScatterOp scatter) {
      if (looksLikeLoopEnd(scatter))
        ends.push_back(scatter);
    });
    for (ScatterOp last : ends) {
      std::string reason;
      FailureOr<MoeLoop> loop = matchMoeLoop(last, reason);
      if (succeeded(loop) && !haveStaticWeights(*loop)) {
        reason = "an expert weight has a dynamic shape";
        loop = failure();
      }
      if (failed(loop)) {
        if (report)
          last->emitRemark("not raised to deepc.moe: ") << reason;
        continue;
      }
      raiseLoop(last, *loop, report);
    }
  }
};

} // namespace
} // namespace mlir::deepc
