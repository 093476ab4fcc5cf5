//===- MatMul.cpp - ONNX MatMul and Gemm to deepc -------------------------===//

#include "Legalizer.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// deepc.matmul with its result dims recorded: broadcast batch dims, M
/// from the lhs and N from the rhs.
FailureOr<Value> matmul(NodeContext &ctx, Value lhs, Value rhs, bool transA,
                        bool transB) {
  FailureOr<Value> result = ctx.create<MatmulOp>(lhs, rhs, transA, transB);
  if (failed(result))
    return failure();
  ShapeKnowledge &shapes = ctx.getShapes();
  int64_t rank = rankOf(*result);
  int64_t lr = rankOf(lhs), rr = rankOf(rhs);
  for (int64_t d = 0; d + 2 < rank; ++d) {
    int64_t ld = d - (rank - lr), rd = d - (rank - rr);
    bool lhsBroadcasts = ld < 0 || shapeOf(lhs)[ld] == 1;
    bool rhsBroadcasts = rd < 0 || shapeOf(rhs)[rd] == 1;
    if (lhsBroadcasts && !rhsBroadcasts)
      shapes.setDim(*result, d, shapes.dimOf(rhs, rd));
    else if (!lhsBroadcasts)
      shapes.setDim(*result, d, shapes.dimOf(lhs, ld));
  }
  shapes.setDim(*result, rank - 2, shapes.dimOf(lhs, transA ? lr - 1 : lr - 2));
  shapes.setDim(*result, rank - 1, shapes.dimOf(rhs, transB ? rr - 2 : rr - 1));
  return result;
}

/// MatMul with numpy semantics: a 1-D lhs is a row [1, K] and a 1-D rhs a
/// column [K, 1], whose extra dim is removed from the result.
LogicalResult matMul(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> a = ctx.input(0, "A");
  if (failed(a))
    return failure();
  FailureOr<Value> b = ctx.input(1, "B");
  if (failed(b))
    return failure();
  if (rankOf(*a) == 0 || rankOf(*b) == 0)
    return ctx.fail("MatMul operands must have rank 1 or more, got ",
                    a->getType(), " and ", b->getType());
  ShapeKnowledge &shapes = ctx.getShapes();
  bool rowVector = rankOf(*a) == 1, columnVector = rankOf(*b) == 1;
  Value lhs = *a, rhs = *b;
  if (rowVector) {
    FailureOr<Value> r =
        ctx.reshape(lhs, {DimExpr::constant(1), shapes.dimOf(lhs, 0)});
    if (failed(r))
      return failure();
    lhs = *r;
  }
  if (columnVector) {
    FailureOr<Value> r =
        ctx.reshape(rhs, {shapes.dimOf(rhs, 0), DimExpr::constant(1)});
    if (failed(r))
      return failure();
    rhs = *r;
  }
  FailureOr<Value> result = matmul(ctx, lhs, rhs, false, false);
  if (failed(result))
    return failure();
  if (rowVector || columnVector) {
    SmallVector<DimExpr> dims = shapes.dimsOf(*result);
    if (columnVector)
      dims.pop_back();
    if (rowVector)
      dims.erase(dims.end() - (columnVector ? 1 : 2));
    result = ctx.reshape(*result, dims);
    if (failed(result))
      return failure();
  }
  ctx.setResults(*result);
  return success();
}

/// Gemm: alpha * op(A) · op(B) + beta * C, with C broadcast to [M, N].
LogicalResult gemm(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 3)))
    return failure();
  FailureOr<Value> a = ctx.input(0, "A");
  if (failed(a))
    return failure();
  FailureOr<Value> b = ctx.input(1, "B");
  if (failed(b))
    return failure();
  FailureOr<Value> c = ctx.optionalInput(2, "C");
  if (failed(c))
    return failure();
  FailureOr<float> alpha = ctx.floatAttr("alpha", 1.0f);
  FailureOr<float> beta = ctx.floatAttr("beta", 1.0f);
  FailureOr<int64_t> transA = ctx.intAttr("transA", 0);
  FailureOr<int64_t> transB = ctx.intAttr("transB", 0);
  if (failed(alpha) || failed(beta) || failed(transA) || failed(transB))
    return failure();
  if (rankOf(*a) != 2 || rankOf(*b) != 2)
    return ctx.fail("Gemm operands must be matrices, got ", a->getType(),
                    " and ", b->getType());
  FailureOr<Value> result = matmul(ctx, *a, *b, *transA != 0, *transB != 0);
  if (failed(result))
    return failure();
  Type element = elementTypeOf(*result);
  if (*alpha != 1.0f) {
    result = ctx.create<MulOp>(*result, ctx.splatConstant(element, *alpha));
    if (failed(result))
      return failure();
  }
  if (*c && *beta != 0.0f) {
    Value bias = *c;
    if (*beta != 1.0f) {
      FailureOr<Value> scaled =
          ctx.create<MulOp>(bias, ctx.splatConstant(element, *beta));
      if (failed(scaled))
        return failure();
      bias = *scaled;
    }
    Value product = *result;
    result = ctx.create<AddOp>(product, bias);
    if (failed(result))
      return failure();
    if (!shapesCompatible(shapeOf(*result), shapeOf(product)))
      return ctx.fail("C of shape ", formatShape(shapeOf(*c)),
                      " does not broadcast to the product's shape ",
                      formatShape(shapeOf(product)));
    ctx.propagateBroadcast(*result, {product, bias});
  }
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerMatMulHandlers(HandlerRegistry &r) {
  r.add("", "MatMul", {1, 9, 13}, matMul);
  r.add("", "Gemm", {7, 9, 11, 13}, gemm);
}
