//===- Einsum.cpp - ONNX Einsum to deepc ----------------------------------===//
//
// Einsum decomposes into the ops deepc has. Two operands: letters that only
// one operand has and the output lacks are summed away first; the rest are
// batch letters (both operands and the output), free letters (one operand
// and the output) and contracted letters (both operands, not the output).
// Each operand is transposed and reshaped to [batch..., M, K] and
// [batch..., N, K], one deepc.matmul (transpose_rhs) contracts them, and
// the [batch..., M, N] result is reshaped and transposed to the output.
// One operand: a transpose after summing away the missing letters, or the
// trace "ii->" of a static square matrix. Ellipses and other repeated
// letters (diagonals) are refused, naming the equation.
//
//===----------------------------------------------------------------------===//

#include "Legalizer.h"

#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::deepc;
using namespace mlir::deepc::onnx_to_deepc;

namespace {

/// A value with the einsum letter of each of its dims.
struct Term {
  Value value;
  std::string letters;
};

/// Sums away the dims of `t` whose letters `keep` lacks.
FailureOr<Term> sumAway(NodeContext &ctx, Term t, StringRef keep) {
  SmallVector<int64_t> axes;
  std::string rest;
  for (auto [i, c] : llvm::enumerate(t.letters)) {
    if (keep.contains(c))
      rest.push_back(c);
    else
      axes.push_back(i);
  }
  if (axes.empty())
    return t;
  SmallVector<DimExpr> dims;
  for (auto [i, d] : llvm::enumerate(ctx.getShapes().dimsOf(t.value)))
    if (!llvm::is_contained(axes, int64_t(i)))
      dims.push_back(d);
  FailureOr<Value> r = ctx.create<ReduceSumOp>(t.value, axes, false);
  if (failed(r))
    return failure();
  ctx.getShapes().setDims(*r, dims);
  return Term{*r, rest};
}

/// Transposes `t` so that its letters read `order` (a permutation of them).
FailureOr<Term> permute(NodeContext &ctx, Term t, StringRef order) {
  if (t.letters == order)
    return t;
  SmallVector<int64_t> perm;
  SmallVector<DimExpr> inDims = ctx.getShapes().dimsOf(t.value), dims;
  for (char c : order) {
    perm.push_back(t.letters.find(c));
    dims.push_back(inDims[perm.back()]);
  }
  FailureOr<Value> r = ctx.create<TransposeOp>(t.value, perm);
  if (failed(r))
    return failure();
  ctx.getShapes().setDims(*r, dims);
  return Term{*r, order.str()};
}

/// The product of the dims of `t` named by `letters`.
std::optional<DimExpr> product(NodeContext &ctx, const Term &t,
                               StringRef letters) {
  std::optional<DimExpr> p = DimExpr::constant(1);
  SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(t.value);
  for (char c : letters)
    if (p)
      p = mulDims(*p, dims[t.letters.find(c)]);
  return p;
}

LogicalResult einsum(NodeContext &ctx) {
  FailureOr<std::string> equationAttr = ctx.stringAttr("equation", "");
  if (failed(equationAttr))
    return failure();
  std::string equation;
  for (char c : *equationAttr)
    if (c != ' ')
      equation.push_back(c);
  auto refuse = [&](StringRef why) {
    return ctx.fail("equation '", *equationAttr, "' is not supported: ", why);
  };
  if (StringRef(equation).contains("..."))
    return refuse("deepc does not decompose ellipses");
  StringRef eq(equation);
  auto [inputsPart, outPart] = eq.split("->");
  SmallVector<StringRef> inputSpecs;
  inputsPart.split(inputSpecs, ',');
  std::string out;
  if (eq.contains("->")) {
    out = outPart.str();
  } else {
    // Implicit output: the letters that appear once, in alphabetical order.
    for (char c = 'A'; c <= 'z'; ++c)
      if (llvm::isAlpha(c) && llvm::count(inputsPart, c) == 1)
        out.push_back(c);
  }
  if (inputSpecs.size() != ctx.getNumInputs())
    return ctx.fail("equation '", *equationAttr, "' has ", inputSpecs.size(),
                    " operand(s) but the node has ", ctx.getNumInputs(),
                    " input(s)");
  if (inputSpecs.size() > 2)
    return refuse("deepc decomposes one- and two-operand equations");

  SmallVector<Term> terms;
  for (auto [i, spec] : llvm::enumerate(inputSpecs)) {
    FailureOr<Value> v = ctx.input(i, "Inputs");
    if (failed(v))
      return failure();
    if (!llvm::all_of(spec, llvm::isAlpha))
      return ctx.fail("equation '", *equationAttr, "' is malformed");
    if (int64_t(spec.size()) != rankOf(*v))
      return ctx.fail("equation '", *equationAttr, "' names ", spec.size(),
                      " dims of input ", i, " but it has rank ", rankOf(*v));
    terms.push_back(Term{*v, spec.str()});
  }
  for (char c : out)
    if (!llvm::isAlpha(c) || llvm::count(out, c) != 1 ||
        !llvm::any_of(terms, [&](const Term &t) {
          return StringRef(t.letters).contains(c);
        }))
      return ctx.fail("equation '", *equationAttr,
                      "' has a bad output letter '", std::string(1, c), "'");

  // One operand: the trace of a square matrix, or sum and transpose.
  if (terms.size() == 1) {
    Term t = terms.front();
    if (t.letters.size() == 2 && t.letters[0] == t.letters[1] && out.empty()) {
      ArrayRef<int64_t> shape = shapeOf(t.value);
      if (shape[0] == kDynamic || shape[0] != shape[1])
        return refuse("a trace needs a static square matrix");
      // trace(A) = sum(A * I)
      auto type = RankedTensorType::get(shape, elementTypeOf(t.value));
      SmallVector<Attribute> eye;
      Builder &b = ctx.getBuilder();
      for (int64_t i = 0; i < shape[0] * shape[1]; ++i)
        eye.push_back(b.getZeroAttr(type.getElementType()));
      for (int64_t i = 0; i < shape[0]; ++i)
        eye[i * shape[0] + i] =
            isa<FloatType>(type.getElementType())
                ? Attribute(b.getFloatAttr(type.getElementType(), 1.0))
                : Attribute(b.getIntegerAttr(type.getElementType(), 1));
      Value identity = ctx.constant(DenseElementsAttr::get(type, eye));
      FailureOr<Value> masked = ctx.create<MulOp>(t.value, identity);
      if (failed(masked))
        return failure();
      FailureOr<Value> r = ctx.create<ReduceSumOp>(
          *masked, ArrayRef<int64_t>{0, 1}, false);
      if (failed(r))
        return failure();
      ctx.setResults(*r);
      return success();
    }
    for (char c : t.letters)
      if (llvm::count(t.letters, c) != 1)
        return refuse("deepc takes no diagonals (a letter repeated in one "
                      "operand), except the trace 'ii->'");
    FailureOr<Term> summed = sumAway(ctx, t, out);
    if (failed(summed))
      return failure();
    FailureOr<Term> r = permute(ctx, *summed, out);
    if (failed(r))
      return failure();
    ctx.setResults(r->value);
    return success();
  }

  for (const Term &t : terms)
    for (char c : t.letters)
      if (llvm::count(t.letters, c) != 1)
        return refuse("deepc takes no diagonals (a letter repeated in one "
                      "operand)");
  if (elementTypeOf(terms[0].value) != elementTypeOf(terms[1].value))
    return ctx.fail("inputs have different element types, ",
                    terms[0].value.getType(), " and ",
                    terms[1].value.getType());

  // Sum away letters only one operand has and the output lacks.
  for (unsigned i = 0; i < 2; ++i) {
    std::string keep = out + terms[1 - i].letters;
    FailureOr<Term> t = sumAway(ctx, terms[i], keep);
    if (failed(t))
      return failure();
    terms[i] = *t;
  }
  StringRef lhs = terms[0].letters, rhs = terms[1].letters;
  std::string batch, m, n, k;
  for (char c : out) {
    bool inL = lhs.contains(c), inR = rhs.contains(c);
    (inL && inR ? batch : inL ? m : n).push_back(c);
  }
  for (char c : lhs)
    if (rhs.contains(c) && !StringRef(out).contains(c))
      k.push_back(c);

  // Operands as [batch..., M, K] and [batch..., N, K].
  auto toMatrix = [&](Term t, StringRef rows) -> FailureOr<Value> {
    std::string order = batch + rows.str() + k;
    FailureOr<Term> p = permute(ctx, t, order);
    if (failed(p))
      return failure();
    SmallVector<DimExpr> target;
    SmallVector<DimExpr> dims = ctx.getShapes().dimsOf(p->value);
    target.append(dims.begin(), dims.begin() + batch.size());
    std::optional<DimExpr> r = product(ctx, *p, rows), c = product(ctx, *p, k);
    if (!r || !c)
      return ctx.fail("the dims of equation '", *equationAttr,
                      "' overflow int64");
    target.push_back(*r);
    target.push_back(*c);
    return ctx.reshape(p->value, target);
  };
  FailureOr<Value> a = toMatrix(terms[0], m);
  if (failed(a))
    return failure();
  FailureOr<Value> b = toMatrix(terms[1], n);
  if (failed(b))
    return failure();
  FailureOr<Value> product = ctx.create<MatmulOp>(*a, *b, false, true);
  if (failed(product))
    return failure();
  ctx.propagateBroadcast(*product, {*a, *b});

  // [batch..., M, N] -> [batch..., m..., n...] -> the output order.
  SmallVector<DimExpr> target;
  SmallVector<DimExpr> pDims = ctx.getShapes().dimsOf(*product);
  target.append(pDims.begin(), pDims.begin() + batch.size());
  for (char c : m)
    target.push_back(ctx.getShapes().dimOf(terms[0].value, lhs.find(c)));
  for (char c : n)
    target.push_back(ctx.getShapes().dimOf(terms[1].value, rhs.find(c)));
  FailureOr<Value> shaped = ctx.reshape(*product, target);
  if (failed(shaped))
    return failure();
  FailureOr<Term> result = permute(ctx, Term{*shaped, batch + m + n}, out);
  if (failed(result))
    return failure();
  ctx.setResults(result->value);
  return success();
}

} // namespace

void onnx_to_deepc::registerEinsumHandlers(HandlerRegistry &r) {
  r.add("", "Einsum", 12, einsum);
}
