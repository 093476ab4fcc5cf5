//===- Quantization.cpp - ONNX QDQ and MatMulNBits to deepc ---------------===//
//
// QuantizeLinear and DequantizeLinear become deepc.quantize and
// deepc.dequantize (per-tensor, per-axis and blocked; int8, uint8, int4,
// uint4 and float8 e4m3fn), and com.microsoft MatMulNBits becomes
// deepc.qmatmul with its packed weights repacked at compile time.
//
// deepc has no unsigned integers. An ONNX uint8 (uint4) tensor is held as
// the i8 (i4) value `u - 128` (`u - 8`), see ShapeKnowledge::
// setOffsetUnsigned. That is exact for quantization because both formulas
// only ever use the difference of a quantized value and its zero point, and
// the saturation bounds move with the offset:
//   QuantizeLinear:   y_u = clamp(round(x / s) + z_u, 0, 255), so
//                     y_u - 128 = clamp(round(x / s) + (z_u - 128), -128, 127)
//                     which is deepc.quantize to i8 with zero point z_u - 128;
//   DequantizeLinear: (y_u - z_u) * s = ((y_u - 128) - (z_u - 128)) * s.
// So the offset i8 result of a uint8 QuantizeLinear feeds an offset
// DequantizeLinear unchanged, and a missing uint8 zero point (0) becomes the
// constant -128.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "deepc/Support/ShapeUtils.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// The quantized storage of a QuantizeLinear/DequantizeLinear node.
struct Storage {
  Type type;          // i8, i4 or f8E4M3FN
  bool offset = false; // uint8 / uint4 held offset
};

/// The storage type for an ONNX output_dtype, or failure.
FailureOr<Storage> storageForDataType(NodeContext &ctx, int64_t dataType) {
  Builder &b = ctx.getBuilder();
  switch (dataType) {
  case 2: // UINT8
    return Storage{b.getI8Type(), true};
  case 3: // INT8
    return Storage{b.getI8Type(), false};
  case 17: // FLOAT8E4M3FN
    return Storage{b.getType<Float8E4M3FNType>(), false};
  case 21: // UINT4
    return Storage{b.getIntegerType(4), true};
  case 22: // INT4
    return Storage{b.getIntegerType(4), false};
  default:
    return ctx.fail("output_dtype ", dataType,
                    " is not supported; deepc quantizes to INT8, UINT8, "
                    "INT4, UINT4 and FLOAT8E4M3FN");
  }
}

/// A zero point of `storage`'s type: `zeroPoint` itself for integers (the
/// offset one for unsigned types, -128 or -8 when absent), and nothing for
/// float8, whose zero point must be absent or a constant zero.
FailureOr<Value> zeroPointFor(NodeContext &ctx, Value zeroPoint,
                              const Storage &storage, Value scale) {
  if (isa<FloatType>(storage.type)) {
    if (!zeroPoint)
      return Value();
    DenseElementsAttr attr;
    if (!matchPattern(zeroPoint, m_Constant(&attr)) ||
        llvm::any_of(attr.getValues<APFloat>(),
                     [](const APFloat &v) { return !v.isZero(); }))
      return ctx.fail("a float8 zero point must be a constant 0; deepc "
                      "quantizes float8 without one");
    return Value();
  }
  if (zeroPoint || !storage.offset)
    return zeroPoint;
  unsigned width = storage.type.getIntOrFloatBitWidth();
  auto type = RankedTensorType::get(shapeOf(scale), storage.type);
  if (!type.hasStaticShape())
    return ctx.fail("the scale has a dynamic shape; deepc needs a static "
                    "one to build the default unsigned zero point");
  // The ONNX default zero point 0 of the unsigned type, offset.
  return ctx.constant(DenseElementsAttr::get(
      type, APInt::getSignedMinValue(width)));
}

/// Reads axis, block_size and the attributes deepc does not implement.
LogicalResult quantAttrs(NodeContext &ctx, int64_t &axis, int64_t &blockSize) {
  FailureOr<int64_t> a = ctx.intAttr("axis", 1);
  FailureOr<int64_t> bs = ctx.intAttr("block_size", 0);
  if (failed(a) || failed(bs))
    return failure();
  if (ctx.getVersion() < 13 && ctx.hasAttr("axis"))
    return ctx.fail("attribute 'axis' needs opset 13 or newer");
  if (ctx.getVersion() < 21 && ctx.hasAttr("block_size"))
    return ctx.fail("attribute 'block_size' needs opset 21 or newer");
  if (*bs < 0)
    return ctx.fail("block_size ", *bs, " is negative");
  axis = *a;
  blockSize = *bs;
  return success();
}

/// The scale and zero point; before opset 13 (no axis) and for opset 10
/// both are scalars, which deepc's per-tensor form covers.
LogicalResult quantOperands(NodeContext &ctx, Value &input, Value &scale,
                            Value &zeroPoint, bool &inputOffset,
                            bool &zeroOffset) {
  if (failed(ctx.checkArity(2, 3)))
    return failure();
  FailureOr<Value> x = ctx.optionalQuantInput(0, "x", inputOffset);
  if (failed(x))
    return failure();
  if (!*x)
    return ctx.fail("missing required input 0 (x)");
  FailureOr<Value> s = ctx.input(1, "scale");
  if (failed(s))
    return failure();
  FailureOr<Value> z = ctx.optionalQuantInput(2, "zero_point", zeroOffset);
  if (failed(z))
    return failure();
  input = *x;
  scale = *s;
  zeroPoint = *z;
  if (!isa<FloatType>(elementTypeOf(scale)))
    return ctx.fail("the scale must be a float tensor, got ", scale.getType());
  return success();
}

LogicalResult quantizeLinear(NodeContext &ctx) {
  Value input, scale, zeroPoint;
  bool inputOffset = false, zeroOffset = false;
  if (failed(quantOperands(ctx, input, scale, zeroPoint, inputOffset,
                           zeroOffset)))
    return failure();
  if (inputOffset || !isa<FloatType>(elementTypeOf(input)))
    return ctx.fail("input 0 (x) must be a float tensor, got ",
                    input.getType());
  int64_t axis, blockSize;
  if (failed(quantAttrs(ctx, axis, blockSize)))
    return failure();
  FailureOr<int64_t> saturate = ctx.intAttr("saturate", 1);
  FailureOr<int64_t> precision = ctx.intAttr("precision", 0);
  if (failed(saturate) || failed(precision))
    return failure();
  if (*precision != 0)
    return ctx.fail("attribute 'precision' is not supported: deepc divides "
                    "in the scale's type");

  // The storage type: the zero point's, else output_dtype, else uint8.
  Storage storage;
  if (zeroPoint) {
    storage = Storage{elementTypeOf(zeroPoint), zeroOffset};
    if (ctx.hasAttr("output_dtype")) {
      FailureOr<int64_t> dt = ctx.intAttr("output_dtype", 0);
      if (failed(dt))
        return failure();
      FailureOr<Storage> declared = storageForDataType(ctx, *dt);
      if (failed(declared))
        return failure();
      if (declared->type != storage.type || declared->offset != storage.offset)
        return ctx.fail("output_dtype ", *dt,
                        " differs from the zero point's type");
    }
  } else {
    FailureOr<int64_t> dt = ctx.intAttr("output_dtype", 2);
    if (failed(dt))
      return failure();
    FailureOr<Storage> s = storageForDataType(ctx, *dt);
    if (failed(s))
      return failure();
    storage = *s;
  }
  if (!storage.type.isInteger(8) && !storage.type.isInteger(4) &&
      !isa<Float8E4M3FNType>(storage.type))
    return ctx.fail("cannot quantize to ", storage.type,
                    "; deepc quantizes to INT8, UINT8, INT4, UINT4 and "
                    "FLOAT8E4M3FN");
  if (isa<FloatType>(storage.type) && *saturate == 0)
    return ctx.fail("saturate = 0 is not supported: deepc.quantize "
                    "saturates float8");

  FailureOr<Value> zp = zeroPointFor(ctx, zeroPoint, storage, scale);
  if (failed(zp))
    return failure();
  auto type = RankedTensorType::get(shapeOf(input), storage.type);
  FailureOr<Value> result =
      ctx.createTyped<QuantizeOp>(type, input, scale, *zp, axis, blockSize);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(input));

  if (storage.offset) {
    // The offset value means the uint8 value only to handlers that know
    // the offset; say so here, at the node, rather than at a consumer.
    for (Operation *user : ctx.getNode()->getResult(0).getUsers()) {
      auto node = dyn_cast<onnx::NodeOp>(user);
      if (!node || !node.isDefaultDomain() ||
          node.getOpType() != "DequantizeLinear")
        return ctx.fail("its unsigned output is used by ",
                        node ? describeNode(node)
                             : "'" + user->getName().getStringRef().str() +
                                   "'",
                        "; deepc supports unsigned quantized values only as "
                        "the input of DequantizeLinear");
    }
    ctx.getShapes().setOffsetUnsigned(*result);
  }
  ctx.setResults(*result);
  return success();
}

LogicalResult dequantizeLinear(NodeContext &ctx) {
  Value input, scale, zeroPoint;
  bool inputOffset = false, zeroOffset = false;
  if (failed(quantOperands(ctx, input, scale, zeroPoint, inputOffset,
                           zeroOffset)))
    return failure();
  int64_t axis, blockSize;
  if (failed(quantAttrs(ctx, axis, blockSize)))
    return failure();
  Type element = elementTypeOf(input);
  if (!element.isInteger(8) && !element.isInteger(4) &&
      !isa<Float8E4M3FNType>(element))
    return ctx.fail("cannot dequantize ", input.getType(),
                    "; deepc dequantizes INT8, UINT8, INT4, UINT4 and "
                    "FLOAT8E4M3FN");
  if (zeroPoint && (zeroOffset != inputOffset ||
                    elementTypeOf(zeroPoint) != element))
    return ctx.fail("the zero point's type differs from the input's");
  Storage storage{element, inputOffset};
  FailureOr<Value> zp = zeroPointFor(ctx, zeroPoint, storage, scale);
  if (failed(zp))
    return failure();

  // The result has the scale's type unless output_dtype (opset 23) says
  // otherwise.
  Type resultElement = elementTypeOf(scale);
  if (FailureOr<int64_t> dt = ctx.intAttr("output_dtype", 0); failed(dt)) {
    return failure();
  } else if (*dt != 0) {
    Builder &b = ctx.getBuilder();
    resultElement = *dt == 1    ? b.getF32Type()
                    : *dt == 10 ? b.getF16Type()
                    : *dt == 16 ? b.getBF16Type()
                                : Type();
    if (!resultElement)
      return ctx.fail("output_dtype ", *dt,
                      " is not supported; deepc dequantizes to FLOAT, "
                      "FLOAT16 and BFLOAT16");
  }
  auto type = RankedTensorType::get(shapeOf(input), resultElement);
  FailureOr<Value> result =
      ctx.createTyped<DequantizeOp>(type, input, scale, *zp, axis, blockSize);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(input));
  ctx.setResults(*result);
  return success();
}

//===----------------------------------------------------------------------===//
// com.microsoft MatMulNBits
//===----------------------------------------------------------------------===//

/// The constant bytes of an offset uint8 input, back as uint8.
FailureOr<SmallVector<uint8_t>> unsignedBytes(NodeContext &ctx, unsigned i,
                                              StringRef what, Value v) {
  ElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return ctx.fail("input ", i, " (", what,
                    ") must be a constant: deepc repacks it at compile time");
  std::optional<SmallVector<uint8_t>> bytes = constantBytes(attr);
  if (!bytes)
    return ctx.fail("input ", i, " (", what,
                    ") has an encoding deepc cannot read");
  for (uint8_t &b : *bytes)
    b ^= 0x80; // undo the offset: u = (u - 128) + 128
  return *bytes;
}

/// MatMulNBits: Y = A · dequant(B)ᵀ (+ bias), B holding N rows of K
/// `bits`-bit unsigned values packed along K in blocks of block_size, with
/// per-block scales and zero points (default 2^(bits-1)). deepc.qmatmul
/// takes signed i4/i8 weights, so each value q and zero point z become
/// q - 2^(bits-1) and z - 2^(bits-1): the difference q - z, all that the
/// dequantization uses, is unchanged, and the default zero point becomes 0
/// (omitted).
LogicalResult matMulNBits(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 6)))
    return failure();
  FailureOr<Value> a = ctx.input(0, "A");
  if (failed(a))
    return failure();
  bool bOffset = false, zOffset = false;
  FailureOr<Value> b = ctx.optionalQuantInput(1, "B", bOffset);
  if (failed(b))
    return failure();
  if (!*b)
    return ctx.fail("missing required input 1 (B)");
  FailureOr<Value> scales = ctx.input(2, "scales");
  if (failed(scales))
    return failure();
  FailureOr<Value> zeroPoints = ctx.optionalQuantInput(3, "zero_points", zOffset);
  if (failed(zeroPoints))
    return failure();
  if (ctx.hasInput(4))
    return ctx.fail("input 4 (g_idx) is not supported: deepc needs blocks "
                    "of consecutive K");
  FailureOr<Value> bias = ctx.optionalInput(5, "bias");
  if (failed(bias))
    return failure();

  FailureOr<int64_t> kAttr = ctx.requiredIntAttr("K");
  FailureOr<int64_t> nAttr = ctx.requiredIntAttr("N");
  FailureOr<int64_t> bitsAttr = ctx.intAttr("bits", 4);
  FailureOr<int64_t> blockAttr = ctx.requiredIntAttr("block_size");
  FailureOr<int64_t> prepacked = ctx.intAttr("weight_prepacked", 0);
  if (failed(kAttr) || failed(nAttr) || failed(bitsAttr) ||
      failed(blockAttr) || failed(prepacked))
    return failure();
  int64_t K = *kAttr, N = *nAttr, bits = *bitsAttr, block = *blockAttr;
  if (*prepacked != 0)
    return ctx.fail("weight_prepacked = ", *prepacked,
                    " is not supported: the weights are in an "
                    "execution-provider layout");
  if (bits != 4 && bits != 8)
    return ctx.fail("bits = ", bits, " is not supported; deepc has 4- and "
                    "8-bit weights");
  if (K < 1 || N < 1 || block < 16 || (block & (block - 1)) != 0)
    return ctx.fail("needs K and N of at least 1 and a block_size that is a "
                    "power of 2 of at least 16, got K = ",
                    K, ", N = ", N, ", block_size = ", block);
  if (!isa<FloatType>(elementTypeOf(*a)) || rankOf(*a) < 1 ||
      (shapeOf(*a).back() != kDynamic && shapeOf(*a).back() != K))
    return ctx.fail("input 0 (A) must be a float tensor [..., K = ", K,
                    "], got ", a->getType());

  int64_t kBlocks = (K + block - 1) / block;
  int64_t blobSize = block * bits / 8;
  SmallVector<int64_t> bShape = {N, kBlocks, blobSize};
  if (!bOffset || shapeOf(*b) != ArrayRef<int64_t>(bShape))
    return ctx.fail("input 1 (B) must be uint8 of shape [N, ceil(K / "
                    "block_size), block_size * bits / 8] = ",
                    formatShape(bShape), ", got ", b->getType());
  FailureOr<SmallVector<uint8_t>> packed = unsignedBytes(ctx, 1, "B", *b);
  if (failed(packed))
    return failure();

  // Scales: [N, k_blocks], or flat [N * k_blocks] from older quantizers.
  Value scaleValue = *scales;
  if (elementTypeOf(scaleValue) != elementTypeOf(*a))
    return ctx.fail("input 2 (scales) must have A's element type, got ",
                    scaleValue.getType());
  if (shapeOf(scaleValue) == ArrayRef<int64_t>{N * kBlocks}) {
    FailureOr<Value> r = ctx.reshape(
        scaleValue, {DimExpr::constant(N), DimExpr::constant(kBlocks)});
    if (failed(r))
      return failure();
    scaleValue = *r;
  } else if (shapeOf(scaleValue) != ArrayRef<int64_t>{N, kBlocks}) {
    return ctx.fail("input 2 (scales) must have shape [N, ceil(K / "
                    "block_size)] = ",
                    formatShape({N, kBlocks}), ", got ",
                    formatShape(shapeOf(scaleValue)));
  }

  // Zero points: packed uint8 [N, ceil(k_blocks * bits / 8)] (or flat).
  int64_t half = int64_t(1) << (bits - 1);
  std::optional<SmallVector<int8_t>> zeros;
  if (*zeroPoints) {
    if (!zOffset)
      return ctx.fail("input 3 (zero_points) must be packed uint8; float "
                      "zero points are not supported, since deepc's are "
                      "integers");
    int64_t perRow = (kBlocks * bits + 7) / 8;
    ArrayRef<int64_t> zShape = shapeOf(*zeroPoints);
    if (zShape != ArrayRef<int64_t>{N, perRow} &&
        zShape != ArrayRef<int64_t>{N * perRow})
      return ctx.fail("input 3 (zero_points) must have shape [N, ceil(k_blocks "
                      "* bits / 8)] = ",
                      formatShape({N, perRow}), ", got ", formatShape(zShape));
    FailureOr<SmallVector<uint8_t>> zBytes =
        unsignedBytes(ctx, 3, "zero_points", *zeroPoints);
    if (failed(zBytes))
      return failure();
    zeros.emplace();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t kb = 0; kb < kBlocks; ++kb) {
        int64_t z = bits == 8 ? (*zBytes)[n * perRow + kb]
                              : ((*zBytes)[n * perRow + kb / 2] >>
                                 (4 * (kb % 2))) & 0xf;
        zeros->push_back(static_cast<int8_t>(z - half));
      }
  }

  // Weights: value k of row n is element k % block of block k / block, and
  // in 4 bits the even elements are the low nibbles.
  SmallVector<int8_t> weights;
  weights.reserve(N * K);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t k = 0; k < K; ++k) {
      int64_t kb = k / block, j = k % block;
      const uint8_t *blob = packed->data() + (n * kBlocks + kb) * blobSize;
      int64_t q = bits == 8 ? blob[j] : (blob[j / 2] >> (4 * (j % 2))) & 0xf;
      weights.push_back(static_cast<int8_t>(q - half));
    }
  Type storage = ctx.getBuilder().getIntegerType(bits);
  std::string blobName = nodeName(ctx.getNode());
  if (blobName.empty())
    blobName = "matmul_nbits";
  Value weight = ctx.constant(makeIntConstant(
      RankedTensorType::get({N, K}, storage), weights, blobName + "_weight"));
  Value zeroValue;
  if (zeros && llvm::any_of(*zeros, [](int8_t z) { return z != 0; }))
    zeroValue = ctx.constant(makeIntConstant(
        RankedTensorType::get({N, kBlocks}, storage), *zeros,
        blobName + "_zero_points"));

  FailureOr<Value> result = ctx.create<QMatmulOp>(
      *a, weight, scaleValue, zeroValue, ArrayRef<int64_t>{1, block});
  if (failed(result))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*a);
  dims.back() = DimExpr::constant(N);
  ctx.getShapes().setDims(*result, dims);
  if (*bias) {
    if (shapeOf(*bias) != ArrayRef<int64_t>{N})
      return ctx.fail("input 5 (bias) must have shape [N] = [", N, "], got ",
                      formatShape(shapeOf(*bias)));
    result = ctx.create<AddOp>(*result, *bias);
    if (failed(result))
      return failure();
    ctx.getShapes().setDims(*result, dims);
  }
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerQuantizationHandlers(HandlerRegistry &r) {
  r.add("", "QuantizeLinear", {10, 13, 19, 21, 23}, quantizeLinear);
  r.add("", "DequantizeLinear", {10, 13, 19, 21, 23}, dequantizeLinear);
  r.add("com.microsoft", "MatMulNBits", 1, matMulNBits);
}
