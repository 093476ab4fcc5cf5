//===- Contrib.cpp - com.microsoft contrib ops to deepc -------------------===//
//
// ONNX Runtime's MoE (com.microsoft, version 1) becomes deepc.moe, and so
// does QMoE once its constant integer-quantized experts are dequantized.
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

#include "deepc/Support/ShapeUtils.h"

#include "mlir/IR/Matchers.h"

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

/// The float expert projections of an MoE or QMoE node, in ORT's [E, out,
/// in] layout; fc3 and the biases may be null.
struct Experts {
  Value fc1, fc2, fc3;
  Value fc1Bias, fc2Bias, fc3Bias;
};

/// The deepc.moe of an MoE or QMoE node whose expert weights are `experts`:
/// both ops share the routing and activation attributes read here.
LogicalResult buildMoe(NodeContext &ctx, Value input, Value logits,
                       const Experts &experts) {
  Value fc1 = experts.fc1, fc2 = experts.fc2, fc3 = experts.fc3;
  Value fc1Bias = experts.fc1Bias, fc2Bias = experts.fc2Bias,
        fc3Bias = experts.fc3Bias;
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
    if (fc3)
      return ctx.fail("activation '", act,
                      "' takes no fc3_experts_weights; only swiglu is "
                      "gated");
    if (fc3Bias)
      return ctx.fail("activation '", act,
                      "' takes no fc3_experts_bias; only swiglu is gated");
    wUp = fc1;
    upBias = fc1Bias;
  } else if (act == "swiglu") {
    if (*alpha != 1.0f || *beta != 0.0f)
      return ctx.fail("swiglu with activation_alpha = ", *alpha,
                      " and activation_beta = ", *beta,
                      " is not supported: deepc.moe's gated silu is "
                      "x * sigmoid(x) * up (alpha 1, beta 0)");
    activation = Activation::silu;
    gated = true;
    if (*fusion == 0) {
      if (!fc3)
        return ctx.fail("swiglu with swiglu_fusion = 0 needs "
                        "fc3_experts_weights (the up projection)");
      wGate = fc1;
      wUp = fc3;
      gateBias = fc1Bias;
      upBias = fc3Bias;
    } else if (*fusion == 1 || *fusion == 2) {
      if (fc3 || fc3Bias)
        return ctx.fail("fused swiglu takes no fc3_experts_weights or "
                        "fc3_experts_bias");
      wGateUp = fc1;
      gateUpBias = fc1Bias;
      if (*fusion == 1) {
        // Interleaved rows g0, u0, g1, u1, ...: [E, I, 2, H] -> [E, 2, I, H]
        // -> [E, 2I, H], the gate rows first as deepc.moe's w_gate_up has.
        ArrayRef<int64_t> shape = shapeOf(wGateUp);
        if (shape.size() != 3 || shape[1] == kDynamic || shape[1] % 2 != 0)
          return ctx.fail("fc1_experts_weights must be [E, 2 * I, H] for "
                          "fused swiglu, got ",
                          wGateUp.getType());
        SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(wGateUp);
        FailureOr<Value> split =
            ctx.reshape(wGateUp, {dims[0], DimExpr::constant(shape[1] / 2),
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

  FailureOr<Value> router = recoverRouterWeight(ctx, logits, input);
  if (failed(router))
    return failure();
  if (!*router)
    return ctx.fail("input 1 (router_probs) must be computed in the graph "
                    "as MatMul(input, W) with W of shape [hidden, "
                    "num_experts]: deepc.moe computes the router logits from "
                    "its router weight and has no form that takes logits");

  FailureOr<Value> result = ctx.createTyped<MoeOp>(
      input.getType(), input, *router, wGate, wUp, wGateUp, fc2, gateBias,
      upBias, gateUpBias, /*down_bias=*/fc2Bias, /*correction_bias=*/Value(),
      /*shared_gate=*/Value(),
      /*shared_up=*/Value(), /*shared_down=*/Value(),
      /*shared_expert_gate=*/Value(), *k, RouterFunction::softmax,
      /*renormalize=*/*normalize != 0, /*n_group=*/1, /*topk_group=*/1,
      GroupScore::top2_sum, /*routed_scaling_factor=*/1.0f, activation, gated,
      /*capacity_factor=*/0.0f);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(input));
  ctx.setResults(*result);
  return success();
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
  return buildMoe(ctx, *input, *logits,
                  Experts{*fc1, *fc2, *fc3, *fc1Bias, *fc2Bias, *fc3Bias});
}

//===----------------------------------------------------------------------===//
// QMoE: MoE with integer-quantized expert weights
//===----------------------------------------------------------------------===//

/// The bytes of a constant uint8 input (held offset, see
/// ShapeKnowledge::setOffsetUnsigned), back as uint8.
FailureOr<SmallVector<uint8_t>> constantUint8(NodeContext &ctx, unsigned i,
                                              StringRef what) {
  bool offset = false;
  FailureOr<Value> v = ctx.optionalQuantInput(i, what, offset);
  if (failed(v))
    return failure();
  if (!offset || !elementTypeOf(*v).isInteger(8))
    return ctx.fail("input ", i, " (", what, ") must be uint8, got ",
                    v->getType());
  ElementsAttr attr;
  if (!matchPattern(*v, m_Constant(&attr)))
    return ctx.fail("input ", i, " (", what,
                    ") must be a constant: deepc dequantizes the expert "
                    "weights at compile time");
  std::optional<SmallVector<uint8_t>> bytes = constantBytes(attr);
  if (!bytes)
    return ctx.fail("input ", i, " (", what,
                    ") has an encoding deepc cannot read");
  for (uint8_t &b : *bytes)
    b ^= 0x80; // undo the offset: u = (u - 128) + 128
  return *bytes;
}

/// Value `j` of a row of `bits`-bit unsigned values packed LSB first.
int64_t unpack(const uint8_t *row, int64_t j, int64_t bits) {
  if (bits == 8)
    return row[j];
  return (row[j / 2] >> (4 * (j % 2))) & 0xf;
}

/// One quantized projection of a QMoE: the float [E, N, K] weight
/// deepc.dequantize gives from the packed uint8 [E, N, K * bits / 8]
/// weight at input `wIdx`, the scales at `wIdx + 1` ([E, N], or
/// [E, N, K / blockSize] when blockSize > 0) and the optional packed zero
/// points at `zIdx` (default 2^(bits-1)). As for MatMulNBits, values and
/// zero points are stored signed, less 2^(bits-1): their difference, all
/// dequantization uses, is unchanged.
FailureOr<Value> dequantizeExperts(NodeContext &ctx, unsigned wIdx,
                                   unsigned zIdx, StringRef name, int64_t K,
                                   int64_t bits, int64_t blockSize,
                                   Type floatType) {
  std::string wName = (name + "_experts_weights").str();
  std::string sName = (name + "_scales").str();
  std::string zName = (name + "_zero_points").str();
  bool offset = false;
  FailureOr<Value> w = ctx.optionalQuantInput(wIdx, wName, offset);
  if (failed(w))
    return failure();
  if (!*w)
    return ctx.fail("missing required input ", wIdx, " (", wName, ")");
  ArrayRef<int64_t> wShape = shapeOf(*w);
  int64_t packedK = K * bits / 8;
  if (wShape.size() != 3 || ShapedType::isDynamicShape(wShape) ||
      wShape[2] != packedK)
    return ctx.fail("input ", wIdx, " (", wName,
                    ") must be uint8 [E, N, K * bits / 8] with K = ", K,
                    " and bits = ", bits, ", got ", w->getType());
  int64_t E = wShape[0], N = wShape[1];
  FailureOr<SmallVector<uint8_t>> packed = constantUint8(ctx, wIdx, wName);
  if (failed(packed))
    return failure();

  if (!ctx.hasInput(wIdx + 1))
    return ctx.fail("input ", wIdx + 1, " (", sName,
                    ") is required for quant_type 'int'");
  FailureOr<Value> scales = ctx.input(wIdx + 1, sName);
  if (failed(scales))
    return failure();
  int64_t blocks = blockSize > 0 ? K / blockSize : 1;
  SmallVector<int64_t> scaleShape = {E, N, blocks};
  if (blockSize > 0 ? shapeOf(*scales) != ArrayRef<int64_t>(scaleShape)
                    : shapeOf(*scales) != ArrayRef<int64_t>{E, N})
    return ctx.fail("input ", wIdx + 1, " (", sName, ") must have shape ",
                    blockSize > 0 ? formatShape(scaleShape)
                                  : formatShape({E, N}),
                    ", got ", scales->getType());
  if (elementTypeOf(*scales) != floatType)
    return ctx.fail("input ", wIdx + 1, " (", sName,
                    ") must have the input's element type ", floatType,
                    ", got ", scales->getType());
  Value scaleValue = *scales;
  if (blockSize == 0) {
    // One scale per row: a single block of K along the rows.
    FailureOr<Value> r =
        ctx.reshape(scaleValue, {DimExpr::constant(E), DimExpr::constant(N),
                                 DimExpr::constant(1)});
    if (failed(r))
      return failure();
    scaleValue = *r;
  }

  // Zero points pack along N when per row, along the blocks when blocked.
  int64_t half = int64_t(1) << (bits - 1);
  SmallVector<int8_t> zeros(E * N * blocks, 0);
  bool anyZero = false;
  if (ctx.hasInput(zIdx)) {
    FailureOr<SmallVector<uint8_t>> zBytes = constantUint8(ctx, zIdx, zName);
    if (failed(zBytes))
      return failure();
    int64_t rows = blockSize > 0 ? E * N : E;
    int64_t perRow = blockSize > 0 ? blocks : N;
    int64_t rowBytes = (perRow * bits + 7) / 8;
    if (int64_t(zBytes->size()) != rows * rowBytes)
      return ctx.fail("input ", zIdx, " (", zName, ") must have ",
                      rows * rowBytes, " bytes (",
                      blockSize > 0 ? "[E, N, ceil(K / block_size * bits / "
                                      "8)]"
                                    : "[E, ceil(N * bits / 8)]",
                      "), got ", zBytes->size());
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < perRow; ++j) {
        int64_t z = unpack(zBytes->data() + r * rowBytes, j, bits) - half;
        zeros[r * perRow + j] = static_cast<int8_t>(z);
        anyZero |= z != 0;
      }
  }

  SmallVector<int8_t> values;
  values.reserve(E * N * K);
  for (int64_t row = 0; row < E * N; ++row)
    for (int64_t k = 0; k < K; ++k)
      values.push_back(static_cast<int8_t>(
          unpack(packed->data() + row * packedK, k, bits) - half));

  std::string blobName = nodeName(ctx.getNode());
  if (blobName.empty())
    blobName = "qmoe";
  Type storage = ctx.getBuilder().getIntegerType(bits);
  Value weight = ctx.constant(
      makeIntConstant(RankedTensorType::get({E, N, K}, storage), values,
                      blobName + "_" + name.str() + "_weight"));
  Value zeroValue;
  if (anyZero)
    zeroValue = ctx.constant(
        makeIntConstant(RankedTensorType::get({E, N, blocks}, storage), zeros,
                        blobName + "_" + name.str() + "_zero_points"));
  return ctx.createTyped<DequantizeOp>(
      RankedTensorType::get({E, N, K}, floatType), weight, scaleValue,
      zeroValue, /*axis=*/2, /*block_size=*/K / blocks);
}

/// com.microsoft QMoE with quant_type 'int' (4- or 8-bit, per row or
/// blocked along K) and constant weights: the experts are dequantized with
/// deepc.dequantize, which the compiler folds, and the node is then the MoE
/// of the float weights.
LogicalResult qmoe(NodeContext &ctx) {
  if (failed(ctx.checkArity(7, 21)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  FailureOr<Value> logits = ctx.input(1, "router_probs");
  if (failed(logits))
    return failure();
  static constexpr const char *kUnsupportedInputs[] = {
      "router_weights",     "fc1_global_scale", "fc2_global_scale",
      "fc1_act_scale",      "fc2_act_scale",    "fc1_act_block_scale",
      "fc2_act_block_scale"};
  for (unsigned i = 14; i < ctx.getNumInputs(); ++i)
    if (ctx.hasInput(i))
      return ctx.fail("input ", i, " (", kUnsupportedInputs[i - 14],
                      ") is not supported: deepc.moe mixes by the router "
                      "probabilities and takes integer-quantized weights "
                      "only");

  FailureOr<std::string> quantType = ctx.stringAttr("quant_type", "int");
  FailureOr<int64_t> bits = ctx.intAttr("expert_weight_bits", 4);
  FailureOr<int64_t> blockSize = ctx.intAttr("block_size", 0);
  FailureOr<int64_t> prepacked = ctx.intAttr("weights_prepacked", -1);
  if (failed(quantType) || failed(bits) || failed(blockSize) ||
      failed(prepacked))
    return failure();
  if (*quantType != "int")
    return ctx.fail("quant_type '", *quantType,
                    "' is not supported; deepc dequantizes quant_type 'int'");
  // -1 (the default) is the raw layout on ONNX Runtime's CPU provider too.
  if (*prepacked == 1)
    return ctx.fail("weights_prepacked = 1 is not supported: the weights "
                    "are in an execution-provider layout");
  if (*blockSize < 0)
    return ctx.fail("block_size ", *blockSize, " is negative");
  FailureOr<int64_t> fc1Bits = ctx.intAttr("fc1_expert_weight_bits", *bits);
  FailureOr<int64_t> fc2Bits = ctx.intAttr("fc2_expert_weight_bits", *bits);
  FailureOr<int64_t> fc3Bits = ctx.intAttr("fc3_expert_weight_bits", *bits);
  if (failed(fc1Bits) || failed(fc2Bits) || failed(fc3Bits))
    return failure();
  for (auto [attr, value] :
       {std::pair<StringRef, int64_t>{"expert_weight_bits", *bits},
        {"fc1_expert_weight_bits", *fc1Bits},
        {"fc2_expert_weight_bits", *fc2Bits},
        {"fc3_expert_weight_bits", *fc3Bits}})
    if (value != 4 && value != 8)
      return ctx.fail(attr, " = ", value,
                      " is not supported; deepc dequantizes 4- and 8-bit "
                      "expert weights");

  // H is the input's; I is the row count of fc2's transpose, fc2 being
  // [E, H, I * bits / 8].
  int64_t H = shapeOf(*input).empty() ? kDynamic : shapeOf(*input).back();
  bool fc2Offset = false;
  FailureOr<Value> fc2Packed =
      ctx.optionalQuantInput(5, "fc2_experts_weights", fc2Offset);
  if (failed(fc2Packed))
    return failure();
  if (!*fc2Packed)
    return ctx.fail("missing required input 5 (fc2_experts_weights)");
  if (H == kDynamic || rankOf(*fc2Packed) != 3 ||
      shapeOf(*fc2Packed)[2] == kDynamic)
    return ctx.fail("needs a static hidden size and fc2_experts_weights of "
                    "static shape [E, H, I * bits / 8], got ",
                    input->getType(), " and ", fc2Packed->getType());
  int64_t I = shapeOf(*fc2Packed)[2] * 8 / *fc2Bits;
  for (auto [what, size] :
       {std::pair<StringRef, int64_t>{"hidden", H}, {"inter", I}})
    if (*blockSize > 0 && size % *blockSize != 0)
      return ctx.fail("the ", what, " size ", size,
                      " is not a multiple of block_size ", *blockSize);
  Type floatType = elementTypeOf(*input);

  Experts experts;
  FailureOr<Value> fc1 =
      dequantizeExperts(ctx, 2, 11, "fc1", H, *fc1Bits, *blockSize, floatType);
  if (failed(fc1))
    return failure();
  FailureOr<Value> fc2 =
      dequantizeExperts(ctx, 5, 12, "fc2", I, *fc2Bits, *blockSize, floatType);
  if (failed(fc2))
    return failure();
  experts.fc1 = *fc1;
  experts.fc2 = *fc2;
  if (ctx.hasInput(8)) {
    FailureOr<Value> fc3 = dequantizeExperts(ctx, 8, 13, "fc3", H, *fc3Bits,
                                             *blockSize, floatType);
    if (failed(fc3))
      return failure();
    experts.fc3 = *fc3;
  }
  FailureOr<Value> fc1Bias = ctx.optionalInput(4, "fc1_experts_bias");
  FailureOr<Value> fc2Bias = ctx.optionalInput(7, "fc2_experts_bias");
  FailureOr<Value> fc3Bias = ctx.optionalInput(10, "fc3_experts_bias");
  if (failed(fc1Bias) || failed(fc2Bias) || failed(fc3Bias))
    return failure();
  experts.fc1Bias = *fc1Bias;
  experts.fc2Bias = *fc2Bias;
  experts.fc3Bias = *fc3Bias;
  // accuracy_level only lets ORT quantize activations: deepc keeps them.
  return buildMoe(ctx, *input, *logits, experts);
}

} // namespace

void onnx_to_deepc::registerContribHandlers(HandlerRegistry &r) {
  r.add("com.microsoft", "MoE", 1, moe);
  r.add("com.microsoft", "QMoE", 1, qmoe);
}
