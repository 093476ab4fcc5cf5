//===- Normalization.cpp - ONNX norms and LogSoftmax to deepc -------------===//
//
// deepc's norms normalize over the last dim with a [D] weight and bias, so
// the ONNX forms map when `axis` is the last dim. The optional Mean and
// InvStdDev outputs of LayerNormalization are training outputs; a model
// that uses them is reported. LogSoftmax normalizes too, in log space.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// Checks the axis and brings a scale or bias of shape [..., 1, D] (ONNX
/// allows any shape that broadcasts to the normalized dims) to [D].
FailureOr<Value> normWeight(NodeContext &ctx, unsigned index, StringRef what,
                            Value input) {
  FailureOr<Value> weight = ctx.optionalInput(index, what);
  if (failed(weight) || !*weight)
    return weight;
  ArrayRef<int64_t> shape = shapeOf(*weight);
  int64_t d = shapeOf(input).back();
  if (shape.empty() || llvm::any_of(shape.drop_back(), [](int64_t s) {
        return s != 1;
      }) || !dimsCompatible(shape.back(), d))
    return ctx.fail("input ", index, " (", what, ") must have shape [", 
                    formatDim(d), "] (the normalized dim), got ",
                    formatShape(shape));
  if (shape.size() == 1)
    return weight;
  return ctx.reshape(*weight, {ctx.getShapes().dimOf(*weight, shape.size() - 1)});
}

FailureOr<int64_t> lastAxis(NodeContext &ctx, Value input) {
  FailureOr<int64_t> axis = ctx.intAttr("axis", -1);
  if (failed(axis))
    return failure();
  int64_t rank = rankOf(input);
  if (rank == 0)
    return ctx.fail("cannot normalize a scalar");
  FailureOr<int64_t> n = normalizeAxisOrFail(ctx, *axis, rank);
  if (failed(n))
    return failure();
  if (*n != rank - 1)
    return ctx.fail("axis ", *axis,
                    " normalizes over several dims; deepc normalizes over "
                    "the last dim only");
  return *n;
}

/// LayerNormalization (opset 17): X, Scale, B?; axis, epsilon.
LogicalResult layerNorm(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 3)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x) || failed(lastAxis(ctx, *x)))
    return failure();
  FailureOr<Value> scale = normWeight(ctx, 1, "Scale", *x);
  if (failed(scale))
    return failure();
  if (!*scale)
    return ctx.fail("missing required input 1 (Scale)");
  FailureOr<Value> bias = normWeight(ctx, 2, "B", *x);
  FailureOr<float> epsilon = ctx.floatAttr("epsilon", 1e-5f);
  if (failed(bias) || failed(epsilon))
    return failure();
  FailureOr<Value> result = ctx.createTyped<LayerNormOp>(
      x->getType(), *x, *scale, *bias, *epsilon);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

/// RMSNormalization (opset 23): X, scale; axis, epsilon.
LogicalResult rmsNorm(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x) || failed(lastAxis(ctx, *x)))
    return failure();
  FailureOr<Value> scale = normWeight(ctx, 1, "scale", *x);
  if (failed(scale))
    return failure();
  if (!*scale)
    return ctx.fail("missing required input 1 (scale)");
  FailureOr<float> epsilon = ctx.floatAttr("epsilon", 1e-5f);
  if (failed(epsilon))
    return failure();
  FailureOr<Value> result =
      ctx.createTyped<RmsNormOp>(x->getType(), *x, *scale, *epsilon);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

/// LogSoftmax along one axis, in the stable form
/// `(x - max) - log(sum(exp(x - max)))`. Before opset 13 the input is
/// coerced to 2-D at `axis` (default 1), which is one axis only when it is
/// the last.
template <bool coerced> LogicalResult logSoftmax(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  FailureOr<int64_t> axisAttr = ctx.intAttr("axis", coerced ? 1 : -1);
  if (failed(axisAttr))
    return failure();
  int64_t rank = rankOf(*x);
  if (rank == 0)
    return ctx.fail("cannot take the log-softmax of a scalar");
  FailureOr<int64_t> axis = normalizeAxisOrFail(ctx, *axisAttr, rank);
  if (failed(axis))
    return failure();
  if (coerced && *axis != rank - 1)
    return ctx.fail("before opset 13 LogSoftmax normalizes over all dims "
                    "from axis ",
                    *axisAttr,
                    " on; deepc supports that only when axis is the last "
                    "dim");
  SmallVector<int64_t> axes = {*axis};
  FailureOr<Value> max = ctx.create<ReduceMaxOp>(*x, axes, true);
  if (failed(max))
    return failure();
  FailureOr<Value> shifted = ctx.create<SubOp>(*x, *max);
  if (failed(shifted))
    return failure();
  FailureOr<Value> exp = ctx.create<ExpOp>(*shifted);
  if (failed(exp))
    return failure();
  FailureOr<Value> sum = ctx.create<ReduceSumOp>(*exp, axes, true);
  if (failed(sum))
    return failure();
  FailureOr<Value> logSum = ctx.create<LogOp>(*sum);
  if (failed(logSum))
    return failure();
  FailureOr<Value> result = ctx.create<SubOp>(*shifted, *logSum);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerNormalizationHandlers(HandlerRegistry &r) {
  r.add("", "LayerNormalization", 17, layerNorm);
  r.add("", "RMSNormalization", 23, rmsNorm);
  r.add("", "LogSoftmax", {1, 11}, logSoftmax</*coerced=*/true>);
  r.add("", "LogSoftmax", 13, logSoftmax</*coerced=*/false>);
}
