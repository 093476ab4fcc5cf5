//===- DeepcQuantOps.cpp - deepc quantization ops -------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace mlir::deepc;

void DeepcDialect::registerQuantOps() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Deepc/IR/DeepcQuantOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Checks that the shape of `scale` names one granularity (per-tensor,
/// per-axis or blocked) for `input`, and that `zeroPoint` matches it.
static LogicalResult verifyGranularity(Operation *op, Value input, Value scale,
                                       Value zeroPoint, int64_t axisAttr,
                                       int64_t blockSize, Type storageType) {
  ArrayRef<int64_t> in = shapeOf(input), s = shapeOf(scale);
  if (blockSize < 0)
    return op->emitOpError("block_size (")
           << blockSize << ") must be non-negative (0 = not blocked)";
  std::optional<int64_t> count = staticElementCount(s);
  bool perTensor = blockSize == 0 && count && *count == 1;
  if (!perTensor) {
    std::optional<int64_t> axis = normalizeAxis(axisAttr, in.size());
    if (!axis)
      return op->emitOpError("axis ")
             << axisAttr << " is out of range for an input of rank "
             << in.size();
    if (blockSize > 0) {
      SmallVector<int64_t> expected(in);
      expected[*axis] = ceilDivDim(in[*axis], blockSize);
      if (!shapesCompatible(s, expected))
        return op->emitOpError("blocked scale must have shape ")
               << formatShape(expected) << " (input " << formatShape(in)
               << " in blocks of " << blockSize << " along axis " << *axis
               << "), got " << formatShape(s);
    } else if (s.size() != 1 || !dimsCompatible(s[0], in[*axis])) {
      return op->emitOpError("scale of shape ")
             << formatShape(s) << " is neither per-tensor (one element) nor "
             << "per-axis (" << formatDim(in[*axis]) << " elements along axis "
             << *axis << "); set block_size for blocked scales";
    }
  }
  if (!zeroPoint)
    return success();
  // The FP8 formula has no zero point (see the op description), so one given
  // here would be silently dropped by lowering.
  if (isa<FloatType>(storageType))
    return op->emitOpError("takes no zero_point for ")
           << storageType << " storage, got one of type "
           << zeroPoint.getType();
  if (!shapesCompatible(shapeOf(zeroPoint), s))
    return op->emitOpError("zero_point shape ")
           << formatShape(shapeOf(zeroPoint)) << " differs from scale shape "
           << formatShape(s);
  if (elementTypeOf(zeroPoint) != storageType)
    return op->emitOpError("zero_point element type ")
           << elementTypeOf(zeroPoint) << " differs from the quantized type "
           << storageType;
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyGranularity(*this, getInput(), getScale(), getZeroPoint(),
                           getAxis(), getBlockSize(),
                           getType().getElementType());
}

LogicalResult DequantizeOp::verify() {
  return verifyGranularity(*this, getInput(), getScale(), getZeroPoint(),
                           getAxis(), getBlockSize(),
                           elementTypeOf(getInput()));
}

//===----------------------------------------------------------------------===//
// QMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult QMatmulOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> input = shapeOf(adaptor.getInput());
  ArrayRef<int64_t> weight = shapeOf(adaptor.getWeight());
  if (input.empty() || weight.size() != 2)
    return emitOptionalError(
        loc,
        "'deepc.qmatmul' op needs an input [..., K] and a weight [N, K], "
        "got ",
        formatShape(input), " and ", formatShape(weight));
  if (!dimsCompatible(input.back(), weight[1]))
    return emitOptionalError(
        loc, "'deepc.qmatmul' op input has K = ", formatDim(input.back()),
        " but the weight (N x K "
        "= ",
        formatShape(weight), ") has K = ", formatDim(weight[1]));
  SmallVector<int64_t> result(input);
  result.back() = weight[0];
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  return success();
}

LogicalResult QMatmulOp::verify() {
  // verify() runs before the inferred-type check, so it cannot rely on
  // inferReturnTypes having rejected a weight that is not [N, K].
  ArrayRef<int64_t> weight = shapeOf(getWeight());
  if (weight.size() != 2)
    return emitOpError("weight must have shape [N, K], got ")
           << formatShape(weight);
  ArrayRef<int64_t> block = getBlock();
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return emitOpError("block must be [block_n, block_k] with both at least "
                       "1, got [")
           << block << "]";
  SmallVector<int64_t> expected = {ceilDivDim(weight[0], block[0]),
                                   ceilDivDim(weight[1], block[1])};
  if (failed(expectShape(*this, getScales(), "scales", expected,
                         "[ceil(N / block_n), ceil(K / block_k)]")))
    return failure();
  if (Value zeroPoints = getZeroPoints()) {
    if (isa<FloatType>(elementTypeOf(getWeight())))
      return emitOpError("takes no zero_points for an ")
             << elementTypeOf(getWeight()) << " weight, got one of type "
             << zeroPoints.getType();
    if (elementTypeOf(zeroPoints) != elementTypeOf(getWeight()))
      return emitOpError("zero_points element type ")
             << elementTypeOf(zeroPoints) << " differs from the weight's "
             << elementTypeOf(getWeight());
    if (failed(expectShape(*this, zeroPoints, "zero_points", expected,
                           "[ceil(N / block_n), ceil(K / block_k)]")))
      return failure();
  }
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcQuantOps.cpp.inc"
