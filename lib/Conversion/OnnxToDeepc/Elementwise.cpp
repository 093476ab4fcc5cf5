//===- Elementwise.cpp - ONNX elementwise ops to deepc --------------------===//
//
// Unary math, binary arithmetic and comparisons with numpy broadcasting,
// the variadic Max/Min/Sum/Mean, logic ops, IsNaN, Where and Clip. Integer
// arithmetic on values known at compile time (exporters' shape math) folds
// to constants or symbolic dims instead of becoming ops.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// X -> op(X), keeping X's dims.
template <typename OpTy>
LogicalResult unary(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  FailureOr<Value> result = ctx.create<OpTy>(*x);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

/// How a binary op acts on symbolic integers, for folding.
enum class Fold {
  None,
  Add,
  Sub,
  Mul,
  Div,
  Max,
  Min,
  Equal,
  Less,
  LessEqual,
  Greater,
  GreaterEqual
};

/// The sign of a - b when it is known for every value of the dims: dims are
/// never negative, so `c * P + o` is positive when c >= 0 and o > 0, say.
std::optional<int> compareDims(const DimExpr &a, const DimExpr &b) {
  std::optional<DimExpr> d = subDims(a, b);
  if (!d)
    return std::nullopt;
  if (d->isConstant())
    return d->coeff > 0 ? 1 : d->coeff < 0 ? -1 : 0;
  if (d->coeff >= 0 && d->offset > 0)
    return 1;
  if (d->coeff <= 0 && d->offset < 0)
    return -1;
  return std::nullopt;
}

std::optional<DimExpr> foldPair(Fold kind, const DimExpr &a,
                                const DimExpr &b) {
  switch (kind) {
  case Fold::None:
    return std::nullopt;
  case Fold::Add:
    return addDims(a, b);
  case Fold::Sub:
    return subDims(a, b);
  case Fold::Mul:
    return mulDims(a, b);
  case Fold::Div:
    return divDims(a, b);
  default:
    break;
  }
  std::optional<int> sign = compareDims(a, b);
  // Dims are never negative: a dim is not -1 (torch's Expand pattern
  // compares its target shape with -1).
  if (!sign && kind == Fold::Equal &&
      ((a.isConstant() && a.coeff < 0 && b.isNonNegative()) ||
       (b.isConstant() && b.coeff < 0 && a.isNonNegative())))
    return DimExpr::constant(0);
  if (!sign)
    return std::nullopt;
  switch (kind) {
  case Fold::Max:
    return *sign >= 0 ? a : b;
  case Fold::Min:
    return *sign <= 0 ? a : b;
  case Fold::Equal:
    return DimExpr::constant(*sign == 0);
  case Fold::Less:
    return DimExpr::constant(*sign < 0);
  case Fold::LessEqual:
    return DimExpr::constant(*sign <= 0);
  case Fold::Greater:
    return DimExpr::constant(*sign > 0);
  case Fold::GreaterEqual:
    return DimExpr::constant(*sign >= 0);
  default:
    return std::nullopt;
  }
}

/// A op B with numpy broadcasting; folded when both are known integers.
template <typename OpTy, Fold kind = Fold::None>
LogicalResult binary(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> a = ctx.input(0, "A");
  if (failed(a))
    return failure();
  FailureOr<Value> b = ctx.input(1, "B");
  if (failed(b))
    return failure();
  if (kind != Fold::None) {
    bool compare = kind == Fold::Equal || kind == Fold::Less ||
                   kind == Fold::LessEqual || kind == Fold::Greater ||
                   kind == Fold::GreaterEqual;
    Type resultElement = compare ? ctx.getBuilder().getI1Type()
                                 : elementTypeOf(*a);
    if (elementTypeOf(*a) == elementTypeOf(*b)) {
      FailureOr<Value> folded = ctx.foldElementwise(
          {*a, *b}, resultElement,
          [](ArrayRef<DimExpr> v) { return foldPair(kind, v[0], v[1]); });
      if (failed(folded))
        return failure();
      if (*folded) {
        ctx.setResults(*folded);
        return success();
      }
    }
  }
  FailureOr<Value> result = ctx.create<OpTy>(*a, *b);
  if (failed(result))
    return failure();
  ctx.propagateBroadcast(*result, {*a, *b});
  ctx.setResults(*result);
  return success();
}

/// Pow: deepc.pow takes the base's type for both sides, so an exponent of
/// another type (ONNX allows integer exponents) is cast first.
LogicalResult pow(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  FailureOr<Value> y = ctx.input(1, "Y");
  if (failed(y))
    return failure();
  if (!isa<FloatType>(elementTypeOf(*x)))
    return ctx.fail("integer Pow is not supported; the base has type ",
                    x->getType());
  if (elementTypeOf(*y) != elementTypeOf(*x)) {
    auto type = RankedTensorType::get(shapeOf(*y), elementTypeOf(*x));
    y = ctx.createTyped<CastOp>(type, *y);
    if (failed(y))
      return failure();
  }
  FailureOr<Value> result = ctx.create<PowOp>(*x, *y);
  if (failed(result))
    return failure();
  ctx.propagateBroadcast(*result, {*x, *y});
  ctx.setResults(*result);
  return success();
}

/// Mod(A, B, fmod): fmod = 0 is floor-mod (the divisor's sign) and only
/// for integers; fmod = 1 is C's fmod (the dividend's sign).
LogicalResult mod(NodeContext &ctx) {
  if (failed(ctx.checkArity(2, 2)))
    return failure();
  FailureOr<Value> a = ctx.input(0, "A");
  if (failed(a))
    return failure();
  FailureOr<Value> b = ctx.input(1, "B");
  if (failed(b))
    return failure();
  FailureOr<int64_t> fmod = ctx.intAttr("fmod", 0);
  if (failed(fmod))
    return failure();
  if (*fmod != 0 && *fmod != 1)
    return ctx.fail("attribute 'fmod' must be 0 or 1, got ", *fmod);
  // Opset 28 defines floor-mod of floats too; deepc.mod does not have it.
  if (isa<FloatType>(elementTypeOf(*a)) && *fmod == 0)
    return ctx.fail("floating-point Mod is supported with fmod = 1 only, got "
                    "fmod = 0 with ",
                    a->getType());
  FailureOr<Value> result = ctx.create<ModOp>(*a, *b, *fmod == 1);
  if (failed(result))
    return failure();
  ctx.propagateBroadcast(*result, {*a, *b});
  ctx.setResults(*result);
  return success();
}

/// Max/Min/Sum of one or more inputs, folded left to right; Mean divides
/// the sum by the number of inputs.
template <typename OpTy, Fold kind, bool mean = false>
LogicalResult variadic(NodeContext &ctx) {
  FailureOr<SmallVector<Value>> inputs = ctx.variadicInputs(0, "data");
  if (failed(inputs))
    return failure();
  Value acc = inputs->front();
  for (Value next : ArrayRef<Value>(*inputs).drop_front()) {
    FailureOr<Value> folded = ctx.foldElementwise(
        {acc, next}, elementTypeOf(acc),
        [](ArrayRef<DimExpr> v) { return foldPair(kind, v[0], v[1]); });
    if (failed(folded))
      return failure();
    if (*folded) {
      acc = *folded;
      continue;
    }
    FailureOr<Value> result = ctx.create<OpTy>(acc, next);
    if (failed(result))
      return failure();
    ctx.propagateBroadcast(*result, {acc, next});
    acc = *result;
  }
  if (mean && inputs->size() > 1) {
    if (!isa<FloatType>(elementTypeOf(acc)))
      return ctx.fail("Mean of integers is not supported");
    Value count = ctx.splatConstant(elementTypeOf(acc), inputs->size());
    FailureOr<Value> result = ctx.create<DivOp>(acc, count);
    if (failed(result))
      return failure();
    acc = *result;
  }
  ctx.setResults(acc);
  return success();
}

/// Where(cond, X, Y) -> select; folded on known integers.
LogicalResult where(NodeContext &ctx) {
  if (failed(ctx.checkArity(3, 3)))
    return failure();
  FailureOr<Value> cond = ctx.input(0, "condition");
  if (failed(cond))
    return failure();
  FailureOr<Value> x = ctx.input(1, "X");
  if (failed(x))
    return failure();
  FailureOr<Value> y = ctx.input(2, "Y");
  if (failed(y))
    return failure();
  if (elementTypeOf(*x) == elementTypeOf(*y)) {
    FailureOr<Value> folded = ctx.foldElementwise(
        {*cond, *x, *y}, elementTypeOf(*x),
        [](ArrayRef<DimExpr> v) -> std::optional<DimExpr> {
          if (!v[0].isConstant())
            return std::nullopt;
          return v[0].coeff ? v[1] : v[2];
        });
    if (failed(folded))
      return failure();
    if (*folded) {
      ctx.setResults(*folded);
      return success();
    }
  }
  FailureOr<Value> result = ctx.create<SelectOp>(*cond, *x, *y);
  if (failed(result))
    return failure();
  ctx.propagateBroadcast(*result, {*cond, *x, *y});
  ctx.setResults(*result);
  return success();
}

/// Clip(X, min?, max?) -> min(max(X, min), max); the bounds are scalars.
LogicalResult clip(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 3)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "input");
  if (failed(x))
    return failure();
  Value result = *x;
  for (unsigned i : {1u, 2u}) {
    FailureOr<Value> bound = ctx.optionalInput(i, i == 1 ? "min" : "max");
    if (failed(bound))
      return failure();
    if (!*bound)
      continue;
    if (rankOf(*bound) != 0)
      return ctx.fail("input ", i, " (", i == 1 ? "min" : "max",
                      ") must be a scalar, got ", bound->getType());
    FailureOr<Value> next = i == 1 ? ctx.create<MaxOp>(result, *bound)
                                   : ctx.create<MinOp>(result, *bound);
    if (failed(next))
      return failure();
    result = *next;
  }
  ctx.getShapes().setDims(result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(result);
  return success();
}

/// IsNaN(X) -> not(equal(X, X)): NaN is the only value not equal to
/// itself, so this is exact and needs no op of its own.
LogicalResult isNaN(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  if (!isa<FloatType>(elementTypeOf(*x)))
    return ctx.fail("input 0 (X) must hold floats, got ", x->getType());
  FailureOr<Value> same = ctx.create<EqualOp>(*x, *x);
  if (failed(same))
    return failure();
  FailureOr<Value> result = ctx.create<NotOp>(*same);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

/// Gelu (opset 20): approximate = "none" | "tanh".
LogicalResult gelu(NodeContext &ctx) {
  if (failed(ctx.checkArity(1, 1)))
    return failure();
  FailureOr<Value> x = ctx.input(0, "X");
  if (failed(x))
    return failure();
  FailureOr<std::string> approximate = ctx.stringAttr("approximate", "none");
  if (failed(approximate))
    return failure();
  GeluApproximation kind;
  if (*approximate == "none")
    kind = GeluApproximation::none;
  else if (*approximate == "tanh")
    kind = GeluApproximation::tanh;
  else
    return ctx.fail("attribute 'approximate' must be \"none\" or \"tanh\", "
                    "got \"",
                    *approximate, "\"");
  FailureOr<Value> result = ctx.create<GeluOp>(*x, kind);
  if (failed(result))
    return failure();
  ctx.getShapes().setDims(*result, ctx.getShapes().dimsOf(*x));
  ctx.setResults(*result);
  return success();
}

} // namespace

void onnx_to_deepc::registerElementwiseHandlers(HandlerRegistry &r) {
  // Versions since 6/7 differ from 13/14 only in the element types they
  // admit; deepc checks element types itself.
  r.add("", "Neg", {6, 13}, unary<NegOp>);
  r.add("", "Abs", {6, 13}, unary<AbsOp>);
  r.add("", "Exp", {6, 13}, unary<ExpOp>);
  r.add("", "Log", {6, 13}, unary<LogOp>);
  r.add("", "Sqrt", {6, 13}, unary<SqrtOp>);
  r.add("", "Reciprocal", {6, 13}, unary<ReciprocalOp>);
  r.add("", "Tanh", {6, 13}, unary<TanhOp>);
  r.add("", "Sigmoid", {6, 13}, unary<SigmoidOp>);
  r.add("", "Relu", {6, 13, 14}, unary<ReluOp>);
  r.add("", "Erf", {9, 13}, unary<ErfOp>);
  r.add("", "Sin", 7, unary<SinOp>);
  r.add("", "Cos", 7, unary<CosOp>);
  r.add("", "Floor", {6, 13}, unary<FloorOp>);
  r.add("", "Ceil", {6, 13}, unary<CeilOp>);
  r.add("", "Not", 1, unary<NotOp>);
  // Later versions admit more float types.
  r.add("", "IsNaN", {9, 13, 20}, isNaN);
  r.add("", "Gelu", 20, gelu);

  r.add("", "Add", {7, 13, 14}, binary<AddOp, Fold::Add>);
  r.add("", "Sub", {7, 13, 14}, binary<SubOp, Fold::Sub>);
  r.add("", "Mul", {7, 13, 14}, binary<MulOp, Fold::Mul>);
  r.add("", "Div", {7, 13, 14}, binary<DivOp, Fold::Div>);
  r.add("", "Pow", {7, 12, 13, 15}, pow);
  // Opset 13 admits bfloat16.
  r.add("", "Mod", {10, 13}, mod);
  r.add("", "Equal", {11, 13, 19}, binary<EqualOp, Fold::Equal>);
  r.add("", "Less", {9, 13}, binary<LessOp, Fold::Less>);
  r.add("", "LessOrEqual", {12, 16}, binary<LessEqualOp, Fold::LessEqual>);
  r.add("", "Greater", {9, 13}, binary<GreaterOp, Fold::Greater>);
  r.add("", "GreaterOrEqual", {12, 16},
        binary<GreaterEqualOp, Fold::GreaterEqual>);
  r.add("", "And", 7, binary<AndOp>);
  r.add("", "Or", 7, binary<OrOp>);
  r.add("", "Xor", 7, binary<XorOp>);

  r.add("", "Max", {8, 12, 13}, variadic<MaxOp, Fold::Max>);
  r.add("", "Min", {8, 12, 13}, variadic<MinOp, Fold::Min>);
  r.add("", "Sum", {8, 13}, variadic<AddOp, Fold::Add>);
  r.add("", "Mean", {8, 13}, variadic<AddOp, Fold::None, /*mean=*/true>);

  r.add("", "Where", {9, 16}, where);
  r.add("", "Clip", {11, 12, 13}, clip);
}
