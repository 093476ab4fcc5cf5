//===- Indexing.cpp - ONNX gathers, scatters, selection and scans ---------===//
//
// GatherElements, GatherND, ScatterND, ScatterElements, TopK, NonZero,
// Trilu and CumSum: the ops exporters use for MoE routing (TopK, GatherND
// of stacked expert weights, NonZero and ScatterND in per-expert loops,
// ScatterElements for group-limited expert masks), masks (Trilu) and
// position ids (CumSum). Each maps to one deepc op; scalar parameters that
// ONNX passes as inputs (K, k, axis) must be compile-time constants.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// Indices of i32 or i64, as deepc's gathers take.
LogicalResult checkIndices(NodeContext &ctx, Value indices) {
  Type type = elementTypeOf(indices);
  if (!type.isInteger(32) && !type.isInteger(64))
    return ctx.fail("indices must be i32 or i64, got ", indices.getType());
  return success();
}

/// The single value of a one-element constant integer input.
FailureOr<int64_t> scalarInput(NodeContext &ctx, unsigned i, StringRef what) {
  FailureOr<SmallVector<int64_t>> values = ctx.constantInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return ctx.fail("input ", i, " (", what, ") must hold one value, got ",
                    values->size());
  return values->front();
}

LogicalResult gatherElements(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  FailureOr<Value> indices =
      succeeded(data) ? ctx.input(1, "indices") : FailureOr<Value>(failure());
  if (failed(indices) || failed(checkIndices(ctx, *indices)))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxisOrFail(ctx, *axisAttr, std::max<int64_t>(1, rankOf(*data)));
  if (failed(axis))
    return failure();
  FailureOr<Value> result = ctx.create<GatherElementsOp>(*data, *indices, *axis);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*indices));
  ctx.setResults(*result);
  return success();
}

LogicalResult gatherNd(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  FailureOr<Value> indices =
      succeeded(data) ? ctx.input(1, "indices") : FailureOr<Value>(failure());
  if (failed(indices))
    return failure();
  if (!elementTypeOf(*indices).isInteger(64))
    return ctx.fail("indices must be i64, got ", indices->getType());
  FailureOr<int64_t> batchDims = ctx.intAttr("batch_dims", 0);
  if (failed(batchDims))
    return failure();
  if (ctx.getVersion() < 12 && ctx.hasAttr("batch_dims"))
    return ctx.fail("attribute 'batch_dims' needs opset 12 or newer");
  FailureOr<Value> result =
      ctx.create<GatherNdOp>(*data, *indices, *batchDims);
  if (failed(result))
    return failure();
  // indices.shape[:-1] + data.shape[batch_dims + k:]
  ShapeKnowledge &shapes = ctx.getShapes();
  SmallVector<DimExpr> dims = shapes.dimsOf(*indices);
  dims.pop_back();
  SmallVector<DimExpr> dataDims = shapes.dimsOf(*data);
  int64_t k = shapeOf(*indices).back();
  dims.append(dataDims.begin() + *batchDims + k, dataDims.end());
  shapes.setDims(*result, dims);
  ctx.setResults(*result);
  return success();
}

/// The `reduction` attribute of ScatterND and ScatterElements: from opset
/// 16 none, add, mul; from 18 also max, min.
FailureOr<ScatterReduction> scatterReduction(NodeContext &ctx) {
  FailureOr<std::string> reduction = ctx.stringAttr("reduction", "none");
  if (failed(reduction))
    return failure();
  if (ctx.getVersion() < 16 && ctx.hasAttr("reduction"))
    return ctx.fail("attribute 'reduction' needs opset 16 or newer");
  std::optional<ScatterReduction> kind =
      llvm::StringSwitch<std::optional<ScatterReduction>>(*reduction)
          .Case("none", ScatterReduction::none)
          .Case("add", ScatterReduction::add)
          .Case("mul", ScatterReduction::mul)
          .Case("max", ScatterReduction::max)
          .Case("min", ScatterReduction::min)
          .Default(std::nullopt);
  bool minMax = kind == ScatterReduction::max || kind == ScatterReduction::min;
  if (!kind || (minMax && ctx.getVersion() < 18))
    return ctx.fail("reduction '", *reduction, "' is not one of none, add, "
                    "mul",
                    ctx.getVersion() < 18 ? "" : ", max, min", " (opset ",
                    ctx.getVersion(), ")");
  return *kind;
}

/// ScatterND; `reduction` from opset 16 (none, add, mul) and 18 (max, min).
LogicalResult scatterNd(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 3)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<Value> indices = ctx.input(1, "indices");
  if (failed(indices))
    return failure();
  FailureOr<Value> updates = ctx.input(2, "updates");
  if (failed(updates))
    return failure();
  if (!elementTypeOf(*indices).isInteger(64))
    return ctx.fail("indices must be i64, got ", indices->getType());
  FailureOr<ScatterReduction> kind = scatterReduction(ctx);
  if (failed(kind))
    return failure();
  FailureOr<Value> result = ctx.createTyped<ScatterOp>(
      data->getType(), *data, *indices, *updates, *kind);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*data));
  ctx.setResults(*result);
  return success();
}

/// ScatterElements (and its deprecated alias Scatter): `reduction` as for
/// ScatterND.
LogicalResult scatterElements(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 3)))
    return failure();
  FailureOr<Value> data = ctx.input(0, "data");
  if (failed(data))
    return failure();
  FailureOr<Value> indices = ctx.input(1, "indices");
  if (failed(indices) || failed(checkIndices(ctx, *indices)))
    return failure();
  FailureOr<Value> updates = ctx.input(2, "updates");
  if (failed(updates))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxisOrFail(ctx, *axisAttr, std::max<int64_t>(1, rankOf(*data)));
  if (failed(axis))
    return failure();
  FailureOr<ScatterReduction> kind = scatterReduction(ctx);
  if (failed(kind))
    return failure();
  FailureOr<Value> result = ctx.createTyped<ScatterElementsOp>(
      data->getType(), *data, *indices, *updates, *axis, *kind);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*data));
  ctx.setResults(*result);
  return success();
}

/// TopK: K is an attribute before opset 10 and a constant input after;
/// largest and sorted from opset 11.
LogicalResult topK(NodeContext &ctx) {
  bool kIsInput = ctx.getVersion() >= 10;
  if (failed(ctx.checkArity(kIsInput ? 2 : 1, kIsInput ? 2 : 1)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "X");
  if (failed(input))
    return failure();
  FailureOr<int64_t> k = kIsInput ? scalarInput(ctx, 1, "K")
                                  : ctx.requiredIntAttr("k");
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", -1);
  FailureOr<int64_t> largest = ctx.intAttr("largest", 1);
  FailureOr<int64_t> sorted = ctx.intAttr("sorted", 1);
  if (failed(k) || failed(axisAttr) || failed(largest) || failed(sorted))
    return failure();
  if (ctx.getVersion() < 11 &&
      (ctx.hasAttr("largest") || ctx.hasAttr("sorted")))
    return ctx.fail("attributes 'largest' and 'sorted' need opset 11 or "
                    "newer");
  int64_t rank = rankOf(*input);
  FailureOr<int64_t> axis =
      normalizeAxisOrFail(ctx, *axisAttr, std::max<int64_t>(1, rank));
  if (failed(axis))
    return failure();
  FailureOr<TopKOp> op = ctx.createMulti<TopKOp>(
      2, *input, *k, *axis, *largest != 0, *sorted != 0);
  if (failed(op))
    return failure();
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(*input);
  dims[*axis] = DimExpr::constant(*k);
  ctx.getShapes().setDims(op->getValues(), dims);
  ctx.getShapes().setDims(op->getIndices(), dims);
  ctx.setResults({op->getValues(), op->getIndices()});
  return success();
}

LogicalResult nonZero(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "X");
  if (failed(input))
    return failure();
  FailureOr<Value> result = ctx.create<NonZeroOp>(*input);
  if (failed(result))
    return failure();
  ctx.setResults(*result);
  return success();
}

/// Trilu: `upper` attribute, optional constant `k` input.
LogicalResult trilu(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 2)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "input");
  if (failed(input))
    return failure();
  int64_t k = 0;
  if (ctx.hasInput(1)) {
    FailureOr<int64_t> value = scalarInput(ctx, 1, "k");
    if (failed(value))
      return failure();
    k = *value;
  }
  FailureOr<int64_t> upper = ctx.intAttr("upper", 1);
  if (failed(upper))
    return failure();
  if (rankOf(*input) < 2)
    return ctx.fail("input 0 (input) must have rank 2 or more, got ",
                    input->getType());
  FailureOr<Value> result = ctx.createTyped<TriluOp>(
      input->getType(), *input, /*lower=*/*upper == 0, k);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*input));
  ctx.setResults(*result);
  return success();
}

/// CumSum: a constant axis input, exclusive and reverse attributes.
LogicalResult cumSum(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> input = ctx.input(0, "x");
  if (failed(input))
    return failure();
  FailureOr<int64_t> axisValue = scalarInput(ctx, 1, "axis");
  FailureOr<int64_t> exclusive = ctx.intAttr("exclusive", 0);
  FailureOr<int64_t> reverse = ctx.intAttr("reverse", 0);
  if (failed(axisValue) || failed(exclusive) || failed(reverse))
    return failure();
  FailureOr<int64_t> axis =
      normalizeAxisOrFail(ctx, *axisValue, rankOf(*input));
  if (failed(axis))
    return failure();
  FailureOr<Value> result = ctx.createTyped<CumSumOp>(
      input->getType(), *input, *axis, *exclusive != 0, *reverse != 0);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*input));
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerIndexingHandlers(HandlerRegistry &r) {
  r.add("", "GatherElements", {11, 13}, gatherElements);
  r.add("", "GatherND", {11, 12, 13}, gatherNd);
  r.add("", "ScatterND", {11, 13, 16, 18}, scatterNd);
  r.add("", "ScatterElements", {11, 13, 16, 18}, scatterElements);
  r.add("", "Scatter", {9, 11}, scatterElements);
  r.add("", "TopK", {1, 10, 11}, topK);
  r.add("", "NonZero", {9, 13}, nonZero);
  r.add("", "Trilu", 14, trilu);
  r.add("", "CumSum", {11, 14}, cumSum);
}
