//===- RaiseGatedMlp.cpp - deepc.gated_mlp from its primitive ops ---------===//
//
// Llama-style dense MLPs export as three matmuls, an activation and a
// product: down(act(x·W_g) ⊙ (x·W_u)). This pass recognizes that chain and
// rebuilds the one op whose CPU kernel runs gate and up as one GEMM and
// applies the activation and the product in the same pass over its output.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <optional>
#include <string>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEGATEDMLPPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// An activation applied to a gate projection: which one, the projection,
/// and the ops that compute it (one, or sigmoid and mul for x·sigmoid(x)).
struct ActivatedGate {
  Activation activation;
  MatmulOp gate;
  Value result;
  SmallVector<Operation *, 2> ops;
};

/// Matches `act(g)` for a matmul `g`, act being silu (as deepc.silu or
/// g · sigmoid(g), either order), gelu (erf or tanh form) or relu.
std::optional<ActivatedGate> matchActivation(Value value) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  std::optional<Activation> activation;
  Value input;
  SmallVector<Operation *, 2> ops = {op};
  if (auto silu = dyn_cast<SiluOp>(op)) {
    activation = Activation::silu;
    input = silu.getInput();
  } else if (auto gelu = dyn_cast<GeluOp>(op)) {
    activation = gelu.getApproximation() == GeluApproximation::tanh
                     ? Activation::gelu_tanh
                     : Activation::gelu;
    input = gelu.getInput();
  } else if (auto relu = dyn_cast<ReluOp>(op)) {
    activation = Activation::relu;
    input = relu.getInput();
  } else if (auto mul = dyn_cast<MulOp>(op)) {
    // x · sigmoid(x): the sigmoid must be of the very value it scales.
    for (auto [x, other] : {std::pair(mul.getLhs(), mul.getRhs()),
                            std::pair(mul.getRhs(), mul.getLhs())}) {
      auto sigmoid = other.getDefiningOp<SigmoidOp>();
      if (!sigmoid || sigmoid.getInput() != x)
        continue;
      activation = Activation::silu;
      input = x;
      ops.push_back(sigmoid);
      break;
    }
  }
  if (!activation)
    return std::nullopt;
  auto gate = input.getDefiningOp<MatmulOp>();
  if (!gate)
    return std::nullopt;
  return ActivatedGate{*activation, gate, value, std::move(ops)};
}

/// Whether `value` is a compile-time constant matrix, so that its
/// rearrangement into the op's layout folds away.
bool isConstantMatrix(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && type.getRank() == 2 && type.hasStaticShape() &&
         matchPattern(value, m_Constant());
}

/// Whether the element type is one the kernel computes as the primitive
/// ops do.
bool hasMlpElementType(Value value) {
  Type element = cast<ShapedType>(value.getType()).getElementType();
  return element.isF32() || element.isF16() || element.isBF16();
}

/// Why the activation's ops have uses outside the chain, or "" when the
/// gate feeds only them and they feed only the product.
std::string whyActivationShared(const ActivatedGate &act) {
  // The gate is read once by a unary activation, twice (sigmoid and mul)
  // by x·sigmoid(x); the sigmoid once, by that mul.
  unsigned gateUses = act.ops.size() == 1 ? 1 : 2;
  if (size_t(llvm::range_size(act.gate->getUses())) != gateUses ||
      llvm::any_of(act.gate->getUsers(), [&](Operation *user) {
        return !llvm::is_contained(act.ops, user);
      }))
    return "the gate projection has another use";
  if (act.ops.size() == 2 && !act.ops[1]->hasOneUse())
    return "the sigmoid of the gate has another use";
  if (!act.result.hasOneUse())
    return "the activation has another use";
  return "";
}

/// A matched gated MLP.
struct GatedMlpMatch {
  ActivatedGate act;
  MatmulOp up;
  MatmulOp down;
};

/// Checks everything about `product = act(x·W_g) ⊙ (x·W_u)` for the factor
/// order given; returns why it fails, or "" with `match` filled in but for
/// the down projection.
std::string matchFactors(MulOp product, Value actSide, Value upSide,
                         GatedMlpMatch &match) {
  std::optional<ActivatedGate> act = matchActivation(actSide);
  if (!act)
    return "neither factor is an activation of a matmul";
  auto up = upSide.getDefiningOp<MatmulOp>();
  if (!up)
    return "the factor beside the activation is not a matmul (the up "
           "projection)";
  MatmulOp gate = act->gate;
  if (gate.getLhs() != up.getLhs())
    return "the gate and up projections read different inputs";
  if (gate.getTransposeLhs() || up.getTransposeLhs())
    return "a projection reads its input transposed (transpose_lhs)";
  if (!hasMlpElementType(gate.getLhs()))
    return "the input is not an f32, f16 or bf16 tensor";
  if (!isConstantMatrix(gate.getRhs()))
    return "the gate weight is not a constant matrix";
  if (!isConstantMatrix(up.getRhs()))
    return "the up weight is not a constant matrix";
  if (gate.getType() != up.getType())
    return "the gate and up projections have different shapes";
  for (Operation *op : act->ops)
    if (op->getResult(0).getType() != gate.getType())
      return "the activation changes the gate's shape";
  if (product.getType() != gate.getType())
    return "the product broadcasts its factors";
  if (std::string why = whyActivationShared(*act); !why.empty())
    return why;
  if (!up->hasOneUse())
    return "the up projection has another use";
  match.act = std::move(*act);
  match.up = up;
  return "";
}

/// Matches the whole MLP whose product is `product`; returns why it is not
/// one, or "" with `match` filled in.
std::string matchGatedMlp(MulOp product, GatedMlpMatch &match) {
  // Either factor may be the activated one; when both are (or neither
  // order matches), the first activated factor's reason is the one given.
  std::string why = "neither factor is an activation of a matmul";
  bool tried = false, matched = false;
  for (auto [actSide, upSide] :
       {std::pair(product.getLhs(), product.getRhs()),
        std::pair(product.getRhs(), product.getLhs())}) {
    if (matched || !matchActivation(actSide))
      continue;
    std::string reason = matchFactors(product, actSide, upSide, match);
    matched = reason.empty();
    if (matched || !tried)
      why = reason;
    tried = true;
  }
  if (!why.empty())
    return why;
  if (product->use_empty())
    return "the product is unused";
  if (!product->hasOneUse())
    return "the product has another use";
  auto down = dyn_cast<MatmulOp>(*product->user_begin());
  if (!down || down.getLhs() != product.getResult())
    return "the product does not feed a matmul as its left operand (the "
           "down projection)";
  if (down.getTransposeLhs())
    return "the down projection reads the product transposed "
           "(transpose_lhs)";
  if (!isConstantMatrix(down.getRhs()))
    return "the down weight is not a constant matrix";
  match.down = down;
  return "";
}

/// The weight of `projection` in nn.Linear's [out, in] layout: itself when
/// the matmul reads it transposed, else its transpose.
Value weightRows(PatternRewriter &rewriter, MatmulOp projection) {
  Value weight = projection.getRhs();
  if (projection.getTransposeRhs())
    return weight;
  return rewriter.create<TransposeOp>(projection.getLoc(), weight,
                                      ArrayRef<int64_t>{1, 0});
}

/// down(act(x·W_g) ⊙ (x·W_u)) -> gated_mlp(x, [W_g; W_u], W_d)
struct RaiseGatedMlp : OpRewritePattern<MatmulOp> {
  RaiseGatedMlp(MLIRContext *context, bool report)
      : OpRewritePattern<MatmulOp>(context), report(report) {}

  LogicalResult matchAndRewrite(MatmulOp down,
                                PatternRewriter &rewriter) const override {
    auto product = down.getLhs().getDefiningOp<MulOp>();
    if (!product)
      return rewriter.notifyMatchFailure(down, "lhs is not a product");
    GatedMlpMatch match;
    if (std::string why = matchGatedMlp(product, match); !why.empty())
      return rewriter.notifyMatchFailure(down, why);
    MatmulOp gate = match.act.gate;
    Value x = gate.getLhs();
    // gated_mlp infers its type from x and w_down; a matmul whose type
    // says more or less than that is left as it is.
    SmallVector<int64_t> expected(
        cast<RankedTensorType>(x.getType()).getShape());
    expected.back() = cast<RankedTensorType>(down.getRhs().getType())
                          .getDimSize(down.getTransposeRhs() ? 0 : 1);
    if (down.getType().getShape() != ArrayRef<int64_t>(expected))
      return rewriter.notifyMatchFailure(down, "result shape differs");

    if (report)
      product->emitRemark("raised to deepc.gated_mlp");
    Location loc = down.getLoc();
    // Gate rows first, then up rows: the layout w_gate_up documents.
    Value gateUp = rewriter.create<ConcatOp>(
        loc,
        ValueRange{weightRows(rewriter, gate), weightRows(rewriter, match.up)},
        /*axis=*/0);
    Value downRows = weightRows(rewriter, down);
    rewriter.replaceOpWithNewOp<GatedMlpOp>(
        down, x, gateUp, downRows,
        ActivationAttr::get(rewriter.getContext(), match.act.activation));
    return success();
  }

  bool report;
};

/// Whether `product` looks like the core of a gated MLP: an activated
/// matmul times a matmul or another activated matmul.
bool looksLikeGatedProduct(MulOp product) {
  for (auto [actSide, other] : {std::pair(product.getLhs(), product.getRhs()),
                                std::pair(product.getRhs(), product.getLhs())})
    if (matchActivation(actSide) &&
        (other.getDefiningOp<MatmulOp>() || matchActivation(other)))
      return true;
  return false;
}

/// Remarks at each product that looks like a gated MLP's but is still there.
void reportNearMisses(Operation *root) {
  root->walk([](MulOp product) {
    if (!looksLikeGatedProduct(product))
      return;
    GatedMlpMatch match;
    std::string why = matchGatedMlp(product, match);
    if (why.empty())
      why = "the down projection's result shape differs from the input's "
            "with the last dimension replaced";
    product->emitRemark("not raised to deepc.gated_mlp: ") << why;
  });
}

struct RaiseGatedMlpPass : impl::DeepcRaiseGatedMlpPassBase<RaiseGatedMlpPass> {
  using DeepcRaiseGatedMlpPassBase::DeepcRaiseGatedMlpPassBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<RaiseGatedMlp>(&getContext(), report);
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    if (report)
      reportNearMisses(getOperation());
  }
};

} // namespace
} // namespace mlir::deepc
