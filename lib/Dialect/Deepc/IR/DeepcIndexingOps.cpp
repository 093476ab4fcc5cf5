//===- DeepcIndexingOps.cpp - deepc indexing ops --------------------------===//
//
// Type inference, verifiers and folders for the core ops that index:
// gather/scatter in their three forms, top-k, cumsum, trilu, nonzero and
// range. Their op classes are generated into DeepcCoreOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "OpUtils.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::deepc;

//===----------------------------------------------------------------------===//
// GatherOp / ScatterOp / ScatterElementsOp
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  if (data.empty())
    return emitOptionalError(loc, "'deepc.gather' op cannot gather from a "
                                  "scalar");
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), data.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.gather' op axis ", adaptor.getAxis(),
                             " is out of range for data of rank ", data.size());
  SmallVector<int64_t> result(data.take_front(*axis));
  llvm::append_range(result, indices);
  llvm::append_range(result, data.drop_front(*axis + 1));
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getData())));
  return success();
}

LogicalResult ScatterOp::verify() {
  ArrayRef<int64_t> data = shapeOf(getData());
  ArrayRef<int64_t> indices = shapeOf(getIndices());
  ArrayRef<int64_t> updates = shapeOf(getUpdates());
  if (indices.empty())
    return emitOpError("indices must have rank 1 or more, the last dimension "
                       "holding index tuples");
  int64_t k = indices.back();
  if (k == kDynamic)
    return emitOpError("the index tuple length (last dimension of indices) "
                       "must be static");
  if (k > static_cast<int64_t>(data.size()))
    return emitOpError("index tuples of length ")
           << k << " exceed the rank of data (" << data.size() << ")";
  SmallVector<int64_t> expected(indices.drop_back());
  llvm::append_range(expected, data.drop_front(k));
  if (!shapesCompatible(expected, updates))
    return emitOpError("updates have shape ")
           << formatShape(updates) << " but indices " << formatShape(indices)
           << " into data " << formatShape(data) << " need "
           << formatShape(expected);
  return success();
}

LogicalResult ScatterElementsOp::verify() {
  ArrayRef<int64_t> data = shapeOf(getData());
  ArrayRef<int64_t> indices = shapeOf(getIndices());
  ArrayRef<int64_t> updates = shapeOf(getUpdates());
  if (data.empty())
    return emitOpError("cannot scatter into a scalar");
  if (indices.size() != data.size())
    return emitOpError("indices have rank ")
           << indices.size() << " but data has rank " << data.size()
           << "; they must be equal";
  if (!shapesCompatible(indices, updates))
    return emitOpError("updates have shape ")
           << formatShape(updates) << " but indices have shape "
           << formatShape(indices) << "; they must be equal";
  std::optional<int64_t> axis = normalizeAxis(getAxis(), data.size());
  if (!axis)
    return emitOpError("axis ")
           << getAxis() << " is out of range for data of rank " << data.size();
  for (auto [d, pair] : llvm::enumerate(llvm::zip(data, indices))) {
    auto [dataDim, indexDim] = pair;
    if (static_cast<int64_t>(d) != *axis && dataDim != kDynamic &&
        indexDim != kDynamic && indexDim > dataDim)
      return emitOpError("indices ")
             << formatShape(indices) << " are larger than data "
             << formatShape(data) << " in dimension " << d
             << ", which is not the scatter axis";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// GatherElementsOp / GatherNdOp
//===----------------------------------------------------------------------===//

LogicalResult
GatherElementsOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                   Adaptor adaptor,
                                   SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  if (data.empty())
    return emitOptionalError(loc, "'deepc.gather_elements' op cannot gather "
                                  "from a scalar");
  if (indices.size() != data.size())
    return emitOptionalError(loc,
                             "'deepc.gather_elements' op indices have "
                             "rank ",
                             indices.size(), " but data has rank ", data.size(),
                             "; they must be equal");
  std::optional<int64_t> axis = normalizeAxis(adaptor.getAxis(), data.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.gather_elements' op axis ",
                             adaptor.getAxis(),
                             " is out of range for data of rank ", data.size());
  for (auto [d, pair] : llvm::enumerate(llvm::zip(data, indices))) {
    auto [dataDim, indexDim] = pair;
    if (static_cast<int64_t>(d) != *axis && dataDim != kDynamic &&
        indexDim != kDynamic && indexDim > dataDim)
      return emitOptionalError(loc, "'deepc.gather_elements' op indices ",
                               formatShape(indices), " are larger than data ",
                               formatShape(data), " in dimension ", d,
                               ", which is not the gather axis");
  }
  inferred.push_back(
      RankedTensorType::get(indices, elementTypeOf(adaptor.getData())));
  return success();
}

LogicalResult GatherNdOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> data = shapeOf(adaptor.getData());
  ArrayRef<int64_t> indices = shapeOf(adaptor.getIndices());
  // Inference runs while parsing, before defaults are filled in.
  IntegerAttr batchDimsAttr = adaptor.getBatchDimsAttr();
  int64_t batchDims =
      batchDimsAttr ? batchDimsAttr.getValue().getSExtValue() : 0;
  int64_t r = data.size(), q = indices.size();
  if (q == 0)
    return emitOptionalError(loc, "'deepc.gather_nd' op indices must have "
                                  "rank 1 or more, the last dimension "
                                  "holding index tuples");
  if (batchDims < 0 || batchDims >= q || batchDims >= r)
    return emitOptionalError(loc, "'deepc.gather_nd' op batch_dims (",
                             batchDims,
                             ") must be non-negative and less than the rank "
                             "of data (",
                             r, ") and of indices (", q, ")");
  int64_t k = indices.back();
  if (k == kDynamic)
    return emitOptionalError(loc, "'deepc.gather_nd' op the index tuple "
                                  "length (last dimension of indices) must "
                                  "be static");
  if (k < 1 || batchDims + k > r)
    return emitOptionalError(loc,
                             "'deepc.gather_nd' op index tuples of "
                             "length ",
                             k, " after ", batchDims,
                             " batch dimension(s) do not fit data of rank ", r);
  for (int64_t d = 0; d < batchDims; ++d)
    if (!dimsCompatible(data[d], indices[d]))
      return emitOptionalError(loc, "'deepc.gather_nd' op batch dimension ", d,
                               " is ", formatDim(data[d]), " in data but ",
                               formatDim(indices[d]), " in indices");
  SmallVector<int64_t> result(indices.drop_back());
  llvm::append_range(result, data.drop_front(batchDims + k));
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getData())));
  return success();
}

//===----------------------------------------------------------------------===//
// TopKOp
//===----------------------------------------------------------------------===//

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  ArrayRef<int64_t> shape = shapeOf(adaptor.getInput());
  if (shape.empty())
    return emitOptionalError(loc, "'deepc.topk' op cannot select from a "
                                  "scalar");
  // Inference runs while parsing, before defaults are filled in.
  IntegerAttr axisAttr = adaptor.getAxisAttr();
  int64_t axisValue = axisAttr ? axisAttr.getValue().getSExtValue() : -1;
  std::optional<int64_t> axis = normalizeAxis(axisValue, shape.size());
  if (!axis)
    return emitOptionalError(loc, "'deepc.topk' op axis ", axisValue,
                             " is out of range for rank ", shape.size());
  int64_t k = adaptor.getK();
  if (k < 1)
    return emitOptionalError(loc, "'deepc.topk' op k (", k,
                             ") must be at least 1");
  if (shape[*axis] != kDynamic && k > shape[*axis])
    return emitOptionalError(loc, "'deepc.topk' op k (", k,
                             ") exceeds the size of axis ", *axis, " (",
                             shape[*axis], ")");
  SmallVector<int64_t> result(shape);
  result[*axis] = k;
  inferred.push_back(
      RankedTensorType::get(result, elementTypeOf(adaptor.getInput())));
  inferred.push_back(
      RankedTensorType::get(result, IntegerType::get(context, 64)));
  return success();
}

// topk(x) along an axis of size 1 -> (x, zeros)
LogicalResult TopKOp::fold(FoldAdaptor,
                           SmallVectorImpl<OpFoldResult> &results) {
  RankedTensorType type = getValues().getType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), type.getRank());
  if (!axis || !type.hasStaticShape() || type.getDimSize(*axis) != 1 ||
      getInput().getType() != type)
    return failure();
  results.push_back(getInput());
  results.push_back(
      DenseElementsAttr::get(getIndices().getType(), APInt(64, 0)));
  return success();
}

//===----------------------------------------------------------------------===//
// CumSumOp
//===----------------------------------------------------------------------===//

LogicalResult CumSumOp::verify() {
  RankedTensorType type = getType();
  if (type.getElementType().isInteger(1))
    return emitOpError("cannot sum i1 elements; cast them to an integer type "
                       "first");
  if (!normalizeAxis(getAxis(), type.getRank()))
    return emitOpError("axis ")
           << getAxis() << " is out of range for rank " << type.getRank();
  return success();
}

// cumsum(x) along an axis of size 1 -> x; exclusive -> zeros
OpFoldResult CumSumOp::fold(FoldAdaptor) {
  RankedTensorType type = getType();
  std::optional<int64_t> axis = normalizeAxis(getAxis(), type.getRank());
  if (!axis || type.getDimSize(*axis) != 1)
    return {};
  if (!getExclusive())
    return getInput();
  if (!type.hasStaticShape())
    return {};
  return DenseElementsAttr::get(
      type, cast<TypedAttr>(
                Builder(getContext()).getZeroAttr(type.getElementType())));
}

//===----------------------------------------------------------------------===//
// TriluOp
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::verify() {
  if (getType().getRank() < 2)
    return emitOpError("needs an input of rank 2 or more ([..., M, N]), got ")
           << getType();
  return success();
}

// trilu(x) -> x when the kept triangle covers every element, or x is zero
OpFoldResult TriluOp::fold(FoldAdaptor adaptor) {
  if (isSplatOf(adaptor.getInput(), 0))
    return getInput();
  ArrayRef<int64_t> shape = getType().getShape();
  int64_t rows = shape[shape.size() - 2], cols = shape.back();
  int64_t k = getK();
  // Upper keeps j - i >= k, and the smallest j - i is -(rows - 1); lower
  // keeps j - i <= k, and the largest is cols - 1.
  if (!getLower() && rows != kDynamic && k <= 1 - rows)
    return getInput();
  if (getLower() && cols != kDynamic && k >= cols - 1)
    return getInput();
  return {};
}

//===----------------------------------------------------------------------===//
// NonZeroOp
//===----------------------------------------------------------------------===//

LogicalResult NonZeroOp::inferReturnTypes(MLIRContext *context,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &inferred) {
  if (failed(
          checkRankedOperands(loc, getOperationName(), adaptor.getOperands())))
    return failure();
  int64_t rank = static_cast<int64_t>(shapeOf(adaptor.getInput()).size());
  inferred.push_back(
      RankedTensorType::get({rank, kDynamic}, IntegerType::get(context, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// RangeOp
//===----------------------------------------------------------------------===//

/// The length of Range(start, limit, delta) when all three are constants:
/// max(0, ceil((limit - start) / delta)). Null when one is not constant;
/// -1 when delta is 0.
static std::optional<int64_t> rangeLength(Attribute start, Attribute limit,
                                          Attribute delta) {
  auto s = dyn_cast_or_null<DenseElementsAttr>(start);
  auto l = dyn_cast_or_null<DenseElementsAttr>(limit);
  auto d = dyn_cast_or_null<DenseElementsAttr>(delta);
  if (!s || !l || !d || s.getNumElements() != 1 || l.getNumElements() != 1 ||
      d.getNumElements() != 1)
    return std::nullopt;
  if (isa<FloatType>(s.getElementType())) {
    double a = (*s.getValues<APFloat>().begin()).convertToDouble();
    double b = (*l.getValues<APFloat>().begin()).convertToDouble();
    double c = (*d.getValues<APFloat>().begin()).convertToDouble();
    if (c == 0)
      return -1;
    double n = std::ceil((b - a) / c);
    if (!(n < double(INT32_MAX)))
      return std::nullopt;
    return std::max<int64_t>(0, static_cast<int64_t>(n));
  }
  int64_t a = (*s.getValues<APInt>().begin()).getSExtValue();
  int64_t b = (*l.getValues<APInt>().begin()).getSExtValue();
  int64_t c = (*d.getValues<APInt>().begin()).getSExtValue();
  if (c == 0)
    return -1;
  // ceil((b - a) / c) in exact integer arithmetic, in 128 bits so that
  // extreme bounds cannot overflow.
  __int128 span = static_cast<__int128>(b) - a;
  __int128 n = span / c;
  if (n * c != span && ((span > 0) == (c > 0)))
    ++n;
  if (n > INT32_MAX)
    return std::nullopt;
  return n < 0 ? 0 : static_cast<int64_t>(n);
}

LogicalResult RangeOp::verify() {
  Type element = elementTypeOf(getStart());
  if (!element.isInteger(32) && !element.isInteger(64) && !element.isF32() &&
      !element.isF16() && !element.isBF16())
    return emitOpError("needs i32, i64, f32, f16 or bf16 bounds, got ")
           << element;
  if (!shapeOf(getStart()).empty())
    return emitOpError("start, limit and delta must be rank-0 tensors, got ")
           << getStart().getType();
  if (getType().getRank() != 1)
    return emitOpError("result must be 1-D, got ") << getType();
  Attribute start, limit, delta;
  matchPattern(getStart(), m_Constant(&start));
  matchPattern(getLimit(), m_Constant(&limit));
  matchPattern(getDelta(), m_Constant(&delta));
  std::optional<int64_t> length = rangeLength(start, limit, delta);
  if (length && *length < 0)
    return emitOpError("delta is 0");
  int64_t dim = getType().getDimSize(0);
  if (length && dim != kDynamic && dim != *length)
    return emitOpError("result has ")
           << dim << " elements but the constant bounds give " << *length;
  return success();
}

// range(c1, c2, c3) -> constant when the result type is static
OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  RankedTensorType type = getType();
  std::optional<int64_t> length =
      rangeLength(adaptor.getStart(), adaptor.getLimit(), adaptor.getDelta());
  if (!length || !type.hasStaticShape() || type.getDimSize(0) != *length ||
      *length > 4096)
    return {};
  auto start = cast<DenseElementsAttr>(adaptor.getStart());
  auto delta = cast<DenseElementsAttr>(adaptor.getDelta());
  Type element = type.getElementType();
  if (auto floatType = dyn_cast<FloatType>(element)) {
    double a = (*start.getValues<APFloat>().begin()).convertToDouble();
    double c = (*delta.getValues<APFloat>().begin()).convertToDouble();
    SmallVector<APFloat> values;
    for (int64_t i = 0; i < *length; ++i) {
      APFloat v(a + static_cast<double>(i) * c);
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &losesInfo);
      values.push_back(v);
    }
    return DenseElementsAttr::get(type, values);
  }
  APInt a = *start.getValues<APInt>().begin();
  APInt c = *delta.getValues<APInt>().begin();
  SmallVector<APInt> values;
  for (int64_t i = 0; i < *length; ++i)
    values.push_back(a + c * APInt(a.getBitWidth(), i));
  return DenseElementsAttr::get(type, values);
}
