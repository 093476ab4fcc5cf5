//===- DeepcCollectiveOps.cpp - deepc collectives -------------------------===//

#include "deepc/Dialect/Deepc/IR/Deepc.h"
#include "OpUtils.h"

#include "mlir/IR/Builders.h"

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

/// Multiplies a dimension by the group size, keeping it dynamic if it was.
static int64_t scaleDim(int64_t dim, int64_t groupSize) {
  return dim == kDynamic ? kDynamic : dim * groupSize;
}

LogicalResult AllReduceOp::verify() {
  return checkGroupSize(getLoc(), getOperationName(), getGroupSize());
}

LogicalResult AllGatherOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape(shapeOf(adaptor.getInput()));
  if (failed(checkGroupSize(loc, getOperationName(), adaptor.getGroupSize())))
    return failure();
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), shape.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.all_gather' op axis ",
                             adaptor.getAxis(), " is out of range for rank ",
                             shape.size());
  shape[*axis] = scaleDim(shape[*axis], adaptor.getGroupSize());
  inferred.push_back(
      RankedTensorType::get(shape, elementTypeOf(adaptor.getInput())));
  return success();
}

LogicalResult AllToAllOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  SmallVector<int64_t> shape(shapeOf(adaptor.getInput()));
  int64_t groupSize = adaptor.getGroupSize();
  if (failed(checkGroupSize(loc, getOperationName(), groupSize)))
    return failure();
  std::optional<int64_t> split =
      normalizeAxis(adaptor.getSplitAxis(), shape.size());
  std::optional<int64_t> concat =
      normalizeAxis(adaptor.getConcatAxis(), shape.size());
  if (!split || !concat)
    return emitOptionalError(loc, "'deepc.all_to_all' op split_axis (",
                             adaptor.getSplitAxis(), ") and concat_axis (",
                             adaptor.getConcatAxis(),
                             ") must be in range for rank ", shape.size());
  int64_t &splitDim = shape[*split];
  if (splitDim != kDynamic && splitDim % groupSize != 0)
    return emitOptionalError(loc, "'deepc.all_to_all' op split dimension ",
                             *split, " has size ", splitDim,
                             ", which group_size ", groupSize,
                             " does not divide");
  if (splitDim != kDynamic)
    splitDim /= groupSize;
  shape[*concat] = scaleDim(shape[*concat], groupSize);
  inferred.push_back(
      RankedTensorType::get(shape, elementTypeOf(adaptor.getInput())));
  return success();
}

#define GET_OP_CLASSES
#include "deepc/Dialect/Deepc/IR/DeepcCollectiveOps.cpp.inc"
