//===- DeepcCollectiveOps.cpp - deepc collectives -------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace mlir::deepc;

void DeepcDialect::registerCollectiveOps() {
  addOperations<
#define GET_OP_LIST
#include "deepc/Dialect/Deepc/IR/DeepcCollectiveOps.cpp.inc"
      >();
}

static LogicalResult checkGroupSize(std::optional<Location> loc,
                                    StringRef opName, int64_t groupSize) {
  if (groupSize < 1)
    return emitOptionalError(loc, "'", opName, "' op group_size (", groupSize,
                             ") must be at least 1");
  return success();
}

/// Multiplies dimension `axis` of `shape` by the group size, keeping it
/// dynamic if it was. Fails when the product does not fit in int64_t, which
/// would otherwise wrap to a negative extent (or to kDynamic).
static LogicalResult scaleDim(std::optional<Location> loc, StringRef opName,
                              SmallVectorImpl<int64_t> &shape, int64_t axis,
                              int64_t groupSize) {
  int64_t &dim = shape[axis];
  if (dim == kDynamic)
    return success();
  int64_t product;
  if (llvm::MulOverflow(dim, groupSize, product))
    return emitOptionalError(loc, "'", opName, "' op dimension ", axis,
                             " of size ", dim, " times group_size ", groupSize,
                             " overflows int64");
  dim = product;
  return success();
}

LogicalResult AllReduceOp::verify() {
  return checkGroupSize(getLoc(), getOperationName(), getGroupSize());
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  SmallVector<int64_t> shape(shapeOf(adaptor.getInput()));
  if (failed(checkGroupSize(loc, getOperationName(), adaptor.getGroupSize())))
    return failure();
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), shape.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.all_gather' op axis ",
                             adaptor.getAxis(), " is out of range for rank ",
                             shape.size());
  if (failed(scaleDim(loc, getOperationName(), shape, *axis,
                      adaptor.getGroupSize())))
    return failure();
  inferred.push_back(
      RankedTensorType::get(shape, elementTypeOf(adaptor.getInput())));
  return success();
}

LogicalResult AllToAllOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  SmallVector<int64_t> shape(shapeOf(adaptor.getInput()));
  int64_t groupSize = adaptor.getGroupSize();
  if (failed(checkGroupSize(loc, getOperationName(), groupSize)))
    return failure();
  std::optional<int64_t> split =
      normalizeAxis(adaptor.getSplitAxis(), shape.size());
  std::optional<int64_t> concat =
      normalizeAxis(adaptor.getConcatAxis(), shape.size());
  if (!split)
    return emitOptionalError(loc, "'deepc.all_to_all' op split_axis ",
                             adaptor.getSplitAxis(),
                             " is out of range for rank ", shape.size());
  if (!concat)
    return emitOptionalError(loc, "'deepc.all_to_all' op concat_axis ",
                             adaptor.getConcatAxis(),
                             " is out of range for rank ", shape.size());
  int64_t &splitDim = shape[*split];
  if (splitDim != kDynamic && splitDim % groupSize != 0)
    return emitOptionalError(
        loc, "'deepc.all_to_all' op split dimension ", *split, " has size ",
        splitDim, ", which group_size ", groupSize, " does not divide");
  if (splitDim != kDynamic)
    splitDim /= groupSize;
  if (failed(scaleDim(loc, getOperationName(), shape, *concat, groupSize)))
    return failure();
  inferred.push_back(
      RankedTensorType::get(shape, elementTypeOf(adaptor.getInput())));
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCollectiveOps.cpp.inc"
