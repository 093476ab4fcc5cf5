//===- Contrib.cpp - com.microsoft contrib ops to deepc -------------------===//
//
// ONNX Runtime's MoE (com.microsoft, version 1) becomes deepc.moe.
// MatMulNBits is in Quantization.cpp.
//
// ORT's MoE takes router *logits* computed outside the op, while deepc.moe
// computes them from a router weight. Exporters compute them with a MatMul
// of the MoE input (or of its token-flattening reshape) by a
// [hidden, num_experts] weight; that weight, transposed, is deepc.moe's
// router weight, and the MoE is then exactly deepc.moe (the dead router
// matmul goes away). Logits made any other way are refused.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// The [E, H] router weight behind `logits` = input · W (W: [H, E]), or
/// null when the logits are not such a matmul of `input`.
FailureOr<Value> recoverRouterWeight(NodeContext &ctx, Value logits,
                                     Value input) {
  auto matmul = logits.getDefiningOp<MatmulOp>();
  if (!matmul || matmul.getTransposeLhs() || rankOf(matmul.getRhs()) != 2)
    return Value();
  Value lhs = matmul.getLhs();
  // A reshape that flattens the tokens keeps their order and hidden size.
  if (auto reshape = lhs.getDefiningOp<ReshapeOp>())
    if (reshape.getInput() == input && rankOf(lhs) == 2 &&
        shapeOf(lhs).back() == shapeOf(input).back())
      lhs = input;
  if (lhs != input)
    return Value();
  if (matmul.getTransposeRhs())
    return matmul.getRhs();
  return ctx.create<TransposeOp>(matmul.getRhs(), ArrayRef<int64_t>{1, 0});
}

/// Regroups the rows of an interleaved fused-swiglu bias `[E, 2I]` (g0, u0,
/// g1, u1, ...) gate-first, as deepc.moe's gate_up_bias has them.
FailureOr<Value> deinterleaveRows(NodeContext &ctx, Value bias) {
  ArrayRef<int64_t> shape = shapeOf(bias);
  if (shape.size() != 2 || shape[1] == kDynamic || shape[1] % 2 != 0)
    return ctx.fail("fc1_experts_bias must be [E, 2 * I] for fused swiglu, "
                    "got ",
                    bias.getType());
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(bias);
  FailureOr<Value> split = ctx.reshape(
      bias, {dims[0], DimExpr::constant(shape[1] / 2), DimExpr::constant(2)});
  if (failed(split))
    return failure();
  FailureOr<Value> swapped =
      ctx.create<TransposeOp>(*split, ArrayRef<int64_t>{0, 2, 1});
  if (failed(swapped))
    return failure();
  return ctx.reshape(*swapped, {dims[0], DimExpr::constant(shape[1])});
}

LogicalResult moe(NodeContext &ctx) {
  if (failed(ctx.checkArity(5, 8)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  FailureOr<Value> logits = ctx.input(1, "router_probs");
  if (failed(logits))
    return failure();
  FailureOr<Value> fc1 = ctx.input(2, "fc1_experts_weights");
  if (failed(fc1))
    return failure();
  FailureOr<Value> fc2 = ctx.input(4, "fc2_experts_weights");
  if (failed(fc2))
    return failure();
  FailureOr<Value> fc3 = ctx.optionalInput(6, "fc3_experts_weights");
  if (failed(fc3))
    return failure();
  FailureOr<Value> fc1Bias = ctx.optionalInput(3, "fc1_experts_bias");
  FailureOr<Value> fc2Bias = ctx.optionalInput(5, "fc2_experts_bias");
  FailureOr<Value> fc3Bias = ctx.optionalInput(7, "fc3_experts_bias");
  if (failed(fc1Bias) || failed(fc2Bias) || failed(fc3Bias))
    return failure();

  FailureOr<int64_t> k = ctx.intAttr("k", 1);
  FailureOr<std::string> activationType =
      ctx.stringAttr("activation_type", "relu");
  FailureOr<int64_t> normalize = ctx.intAttr("normalize_routing_weights", 0);
  FailureOr<int64_t> sparseMixer = ctx.intAttr("use_sparse_mixer", 0);
  FailureOr<int64_t> fusion = ctx.intAttr("swiglu_fusion", 0);
  FailureOr<float> alpha = ctx.floatAttr("activation_alpha", 1.0f);
  FailureOr<float> beta = ctx.floatAttr("activation_beta", 0.0f);
  if (failed(k) || failed(activationType) || failed(normalize) ||
      failed(sparseMixer) || failed(fusion) || failed(alpha) || failed(beta))
    return failure();
  if (*sparseMixer != 0)
    return ctx.fail("use_sparse_mixer = 1 is not supported: deepc.moe "
                    "routes by softmax top-k");
  if (failed(ctx.rejectAttr("swiglu_limit",
                            "deepc.moe does not clamp the gate")) ||
      failed(ctx.rejectAttr("swiglu_limit_after_activation",
                            "deepc.moe does not clamp the gate")))
    return failure();

  // Expert weights: fc1 [E, f*I, H], fc2 [E, H, I], fc3 [E, I, H], already
  // deepc.moe's [out, in] layout.
  // Biases follow their weights: fc1's goes wherever fc1 goes.
  Value wGate, wUp, wGateUp, gateBias, upBias, gateUpBias;
  Activation activation;
  bool gated = false;
  StringRef act = *activationType;
  if (act == "relu" || act == "gelu" || act == "silu") {
    // ORT's CPU and CUDA kernels compute "gelu" with the tanh form.
    activation = act == "relu"   ? Activation::relu
                 : act == "gelu" ? Activation::gelu_tanh
                                 : Activation::silu;
    if (*fc3)
      return ctx.fail("activation '", act,
                      "' takes no fc3_experts_weights; only swiglu is "
                      "gated");
    if (*fc3Bias)
      return ctx.fail("activation '", act,
                      "' takes no fc3_experts_bias; only swiglu is gated");
    wUp = *fc1;
    upBias = *fc1Bias;
  } else if (act == "swiglu") {
    if (*alpha != 1.0f || *beta != 0.0f)
      return ctx.fail("swiglu with activation_alpha = ", *alpha,
                      " and activation_beta = ", *beta,
                      " is not supported: deepc.moe's gated silu is "
                      "x * sigmoid(x) * up (alpha 1, beta 0)");
    activation = Activation::silu;
    gated = true;
    if (*fusion == 0) {
      if (!*fc3)
        return ctx.fail("swiglu with swiglu_fusion = 0 needs "
                        "fc3_experts_weights (the up projection)");
      wGate = *fc1;
      wUp = *fc3;
      gateBias = *fc1Bias;
      upBias = *fc3Bias;
    } else if (*fusion == 1 || *fusion == 2) {
      if (*fc3 || *fc3Bias)
        return ctx.fail("fused swiglu takes no fc3_experts_weights or "
                        "fc3_experts_bias");
      wGateUp = *fc1;
      gateUpBias = *fc1Bias;
      if (*fusion == 1) {
        // Interleaved rows g0, u0, g1, u1, ...: [E, I, 2, H] -> [E, 2, I, H]
        // -> [E, 2I, H], the gate rows first as deepc.moe's w_gate_up has.
        ArrayRef<int64_t> shape = shapeOf(wGateUp);
        if (shape.size() != 3 || shape[1] == kDynamic || shape[1] % 2 != 0)
          return ctx.fail("fc1_experts_weights must be [E, 2 * I, H] for "
                          "fused swiglu, got ",
                          wGateUp.getType());
        SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(wGateUp);
        FailureOr<Value> split = ctx.reshape(
            wGateUp, {dims[0], DimExpr::constant(shape[1] / 2),
                      DimExpr::constant(2), dims[2]});
        if (failed(split))
          return failure();
        FailureOr<Value> swapped =
            ctx.create<TransposeOp>(*split, ArrayRef<int64_t>{0, 2, 1, 3});
        if (failed(swapped))
          return failure();
        FailureOr<Value> joined = ctx.reshape(
            *swapped, {dims[0], DimExpr::constant(shape[1]), dims[2]});
        if (failed(joined))
          return failure();
        wGateUp = *joined;
        if (gateUpBias) {
          // The bias rows interleave the same way: [E, I, 2] -> [E, 2, I].
          FailureOr<Value> regrouped = deinterleaveRows(ctx, gateUpBias);
          if (failed(regrouped))
            return failure();
          gateUpBias = *regrouped;
        }
      }
    } else {
      return ctx.fail("swiglu_fusion ", *fusion, " is not 0, 1 or 2");
    }
  } else {
    return ctx.fail("activation_type '", act,
                    "' is not supported; deepc.moe has relu, gelu, silu and "
                    "swiglu");
  }

  FailureOr<Value> router = recoverRouterWeight(ctx, *logits, *input);
  if (failed(router))
    return failure();
  if (!*router)
    return ctx.fail("input 1 (router_probs) must be computed in the graph "
                    "as MatMul(input, W) with W of shape [hidden, "
                    "num_experts]: deepc.moe computes the router logits from "
                    "its router weight and has no form that takes logits");

  FailureOr<Value> result = ctx.createTyped<MoeOp>(
      input->getType(), *input, *router, wGate, wUp, wGateUp, *fc2, gateBias,
      upBias, gateUpBias, /*down_bias=*/*fc2Bias, /*correction_bias=*/Value(), /*shared_gate=*/Value(),
      /*shared_up=*/Value(), /*shared_down=*/Value(),
      /*shared_expert_gate=*/Value(), *k, RouterFunction::softmax,
      /*renormalize=*/*normalize != 0, /*n_group=*/1, /*topk_group=*/1,
      GroupScore::top2_sum, /*routed_scaling_factor=*/1.0f, activation, gated,
      /*capacity_factor=*/0.0f);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*input));
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerContribHandlers(HandlerRegistry &r) {
  r.add("com.microsoft", "MoE", 1, moe);
}
