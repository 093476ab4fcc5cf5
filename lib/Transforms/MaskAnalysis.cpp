//===- MaskAnalysis.cpp - prove attention masks causal/windowed ----------===//
//
// An abstract interpreter over a mask's producer graph. Every tensor is
// described element by element as a function of its own coordinates
// (x_0, ..., x_{r-1}):
//
//   - an integer tensor as an affine form c + Σ a_d·x_d, or its absolute
//     value (Range is x_0, reshape/expand/transpose/slice move coordinates,
//     gather_nd substitutes index columns);
//   - a boolean tensor as a predicate: and/or/not of atoms `affine >= 0` and
//     `affine == 0`;
//   - a float tensor as `pred ? a : b`, two constants chosen by a predicate
//     (an additive mask is `keep ? 0 : -inf`).
//
// Alongside, each dimension's extent is tracked symbolically (a static
// size, or a dimension of some tensor read with shape_of, plus an offset),
// so that broadcasting and gathering are only followed where the extents
// provably line up. One assumption remains: a dimension whose extent is a
// run-time symbol is taken not to be broadcast against a different symbol
// (a sequence of length 1 against a longer one), which a well-formed graph
// never does along an index that varies.
//
// The mask's keep-predicate over (query i, key j) is then compared with the
// attention op's causal/window/global-token rule by evaluating both at
// finitely many points that provably cover every case (see proveForm). A
// mask already folded to a constant table (static shapes) is compared pair
// by pair instead.
//
//===----------------------------------------------------------------------===//

#include "MaskAnalysis.h"

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <vector>

namespace mlir::deepc {
namespace {

//===----------------------------------------------------------------------===//
// Extents
//===----------------------------------------------------------------------===//

/// A tensor extent known symbolically: `offset` alone when `base` is null;
/// otherwise the run-time extent of dimension `dim` of `base` (or, with
/// `dim` = -1, the value held by the one-element tensor `base`) plus
/// `offset`.
struct Extent {
  bool known = false;
  Value base;
  int64_t dim = -1;
  int64_t offset = 0;

  static Extent unknown() { return {}; }
  static Extent fixed(int64_t n) { return {true, Value(), -1, n}; }
  static Extent symbol(Value base, int64_t dim) { return {true, base, dim, 0}; }
  bool isStatic() const { return known && !base; }
  bool isOne() const { return isStatic() && offset == 1; }
  bool operator==(const Extent &other) const {
    return known && other.known && base == other.base && dim == other.dim &&
           offset == other.offset;
  }
  bool operator!=(const Extent &other) const { return !(*this == other); }
};

/// Looks through reshapes of a one-element tensor.
Value skipScalarReshapes(Value value) {
  while (auto reshape = value.getDefiningOp<ReshapeOp>()) {
    auto type = dyn_cast<RankedTensorType>(reshape.getInput().getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() != 1)
      break;
    value = reshape.getInput();
  }
  return value;
}

/// The extent of dimension `dim` of `shaped`.
Extent extentOfDim(Value shaped, int64_t dim) {
  auto type = cast<RankedTensorType>(shaped.getType());
  if (!type.isDynamicDim(dim))
    return Extent::fixed(type.getDimSize(dim));
  return Extent::symbol(shaped, dim);
}

/// The extent that a one-element integer tensor holds: a constant, a
/// `slice(shape_of(x), [d, d + 1))`, or else the tensor itself as a symbol.
Extent extentHeldBy(Value scalar) {
  scalar = skipScalarReshapes(scalar);
  DenseIntElementsAttr attr;
  if (matchPattern(scalar, m_Constant(&attr)) && attr.getNumElements() == 1) {
    int64_t n = (*attr.getValues<APInt>().begin()).getSExtValue();
    return n >= 1 ? Extent::fixed(n) : Extent::unknown();
  }
  if (auto slice = scalar.getDefiningOp<SliceOp>()) {
    auto shapeOf = slice.getInput().getDefiningOp<ShapeOfOp>();
    if (shapeOf && slice.getStarts().size() == 1 && slice.getSteps()[0] == 1) {
      int64_t rank =
          cast<RankedTensorType>(shapeOf.getInput().getType()).getRank();
      int64_t start = slice.getStarts()[0];
      if (start >= 0 && start < rank && slice.getEnds()[0] == start + 1)
        return extentOfDim(shapeOf.getInput(), start);
    }
  }
  return Extent::symbol(scalar, -1);
}

/// The extents held by a 1-D shape tensor, one per element, unknown where
/// they cannot be traced; nullopt when its length is not static.
std::optional<SmallVector<Extent>> extentsHeldBy(Value shape) {
  auto type = dyn_cast<RankedTensorType>(shape.getType());
  if (!type || type.getRank() != 1 || type.isDynamicDim(0))
    return std::nullopt;
  int64_t length = type.getDimSize(0);
  if (length == 1)
    return SmallVector<Extent>{extentHeldBy(shape)};
  SmallVector<Extent> extents;
  DenseIntElementsAttr attr;
  if (matchPattern(shape, m_Constant(&attr))) {
    for (APInt n : attr.getValues<APInt>())
      extents.push_back(n.getSExtValue() >= 1 ? Extent::fixed(n.getSExtValue())
                                              : Extent::unknown());
    return extents;
  }
  if (auto shapeOf = shape.getDefiningOp<ShapeOfOp>()) {
    for (int64_t d = 0; d < length; ++d)
      extents.push_back(extentOfDim(shapeOf.getInput(), d));
    return extents;
  }
  if (auto concat = shape.getDefiningOp<ConcatOp>()) {
    for (Value input : concat.getInputs()) {
      std::optional<SmallVector<Extent>> part = extentsHeldBy(input);
      if (!part)
        return SmallVector<Extent>(length, Extent::unknown());
      extents.append(*part);
    }
    if (int64_t(extents.size()) == length)
      return extents;
  }
  return SmallVector<Extent>(length, Extent::unknown());
}

//===----------------------------------------------------------------------===//
// Affine forms and predicates over coordinates
//===----------------------------------------------------------------------===//

/// `constant + Σ coeffs[d] · x_d`; `overflowed` marks a form whose
/// arithmetic left int64, which no proof may use.
struct Affine {
  int64_t constant = 0;
  SmallVector<int64_t> coeffs;
  bool overflowed = false;

  static Affine ofConstant(unsigned rank, int64_t c) {
    Affine a;
    a.constant = c;
    a.coeffs.assign(rank, 0);
    return a;
  }
  static Affine ofCoordinate(unsigned rank, unsigned d) {
    Affine a = ofConstant(rank, 0);
    a.coeffs[d] = 1;
    return a;
  }
  bool isConstant() const {
    return llvm::all_of(coeffs, [](int64_t c) { return c == 0; });
  }
  bool dependsOn(unsigned d) const { return coeffs[d] != 0; }
  int64_t evaluate(ArrayRef<int64_t> point) const {
    int64_t value = constant;
    for (auto [c, x] : llvm::zip_equal(coeffs, point))
      value += c * x;
    return value;
  }
  bool operator==(const Affine &o) const {
    return constant == o.constant && coeffs == o.coeffs && !overflowed &&
           !o.overflowed;
  }
};

Affine scaled(const Affine &a, int64_t factor) {
  Affine r = a;
  r.overflowed |= __builtin_mul_overflow(a.constant, factor, &r.constant);
  for (int64_t &c : r.coeffs)
    r.overflowed |= __builtin_mul_overflow(c, factor, &c);
  return r;
}

Affine added(const Affine &a, const Affine &b) {
  Affine r = a;
  r.overflowed |= b.overflowed;
  r.overflowed |= __builtin_add_overflow(a.constant, b.constant, &r.constant);
  for (auto [c, d] : llvm::zip_equal(r.coeffs, b.coeffs))
    r.overflowed |= __builtin_add_overflow(c, d, &c);
  return r;
}

Affine subtracted(const Affine &a, const Affine &b) {
  return added(a, scaled(b, -1));
}

/// `a` with each coordinate x_d replaced by `replacement[d]`, an affine form
/// over `rank` new coordinates.
Affine substituted(const Affine &a, ArrayRef<Affine> replacement,
                   unsigned rank) {
  Affine r = Affine::ofConstant(rank, a.constant);
  r.overflowed = a.overflowed;
  for (auto [c, with] : llvm::zip_equal(a.coeffs, replacement))
    if (c != 0)
      r = added(r, scaled(with, c));
  return r;
}

struct PredNode;
using Pred = std::shared_ptr<const PredNode>;

/// A predicate over coordinates.
struct PredNode {
  enum class Kind { True, False, NonNegative, Zero, And, Or, Not };
  Kind kind;
  Affine affine; // NonNegative: affine >= 0; Zero: affine == 0
  Pred lhs, rhs;
};

using PredKind = PredNode::Kind;

Pred makeConstant(bool value) {
  return std::make_shared<PredNode>(
      PredNode{value ? PredKind::True : PredKind::False, {}, {}, {}});
}

bool isConstant(const Pred &p, bool value) {
  return p->kind == (value ? PredKind::True : PredKind::False);
}

Pred makeAtom(PredKind kind, Affine affine) {
  if (affine.isConstant() && !affine.overflowed)
    return makeConstant(kind == PredKind::Zero ? affine.constant == 0
                                               : affine.constant >= 0);
  return std::make_shared<PredNode>(PredNode{kind, std::move(affine), {}, {}});
}

Pred makeNot(const Pred &p) {
  if (p->kind == PredKind::True || p->kind == PredKind::False)
    return makeConstant(p->kind == PredKind::False);
  if (p->kind == PredKind::Not)
    return p->lhs;
  return std::make_shared<PredNode>(PredNode{PredKind::Not, {}, p, {}});
}

Pred makeAnd(const Pred &a, const Pred &b) {
  if (isConstant(a, false) || isConstant(b, true))
    return a;
  if (isConstant(b, false) || isConstant(a, true))
    return b;
  return std::make_shared<PredNode>(PredNode{PredKind::And, {}, a, b});
}

Pred makeOr(const Pred &a, const Pred &b) {
  if (isConstant(a, true) || isConstant(b, false))
    return a;
  if (isConstant(b, true) || isConstant(a, false))
    return b;
  return std::make_shared<PredNode>(PredNode{PredKind::Or, {}, a, b});
}

bool evaluate(const Pred &p, ArrayRef<int64_t> point) {
  switch (p->kind) {
  case PredKind::True:
    return true;
  case PredKind::False:
    return false;
  case PredKind::NonNegative:
    return p->affine.evaluate(point) >= 0;
  case PredKind::Zero:
    return p->affine.evaluate(point) == 0;
  case PredKind::And:
    return evaluate(p->lhs, point) && evaluate(p->rhs, point);
  case PredKind::Or:
    return evaluate(p->lhs, point) || evaluate(p->rhs, point);
  case PredKind::Not:
    return !evaluate(p->lhs, point);
  }
  llvm_unreachable("unknown predicate kind");
}

/// `p` with every atom's affine form replaced by `fn` of it.
Pred mapAtoms(const Pred &p, llvm::function_ref<Affine(const Affine &)> fn) {
  switch (p->kind) {
  case PredKind::True:
  case PredKind::False:
    return p;
  case PredKind::NonNegative:
  case PredKind::Zero:
    return makeAtom(p->kind, fn(p->affine));
  case PredKind::And:
    return makeAnd(mapAtoms(p->lhs, fn), mapAtoms(p->rhs, fn));
  case PredKind::Or:
    return makeOr(mapAtoms(p->lhs, fn), mapAtoms(p->rhs, fn));
  case PredKind::Not:
    return makeNot(mapAtoms(p->lhs, fn));
  }
  llvm_unreachable("unknown predicate kind");
}

void forEachAtom(const Pred &p, llvm::function_ref<void(const Affine &)> fn) {
  if (p->kind == PredKind::NonNegative || p->kind == PredKind::Zero)
    return fn(p->affine);
  if (p->lhs)
    forEachAtom(p->lhs, fn);
  if (p->rhs)
    forEachAtom(p->rhs, fn);
}

//===----------------------------------------------------------------------===//
// Abstract tensors
//===----------------------------------------------------------------------===//

/// What is known about every element of a tensor, as a function of its
/// coordinates, and its extents.
struct Abstract {
  enum class Kind { Index, Bool, Number };
  Kind kind = Kind::Index;
  Affine index;          // Index: the value, or its absolute value
  bool absolute = false; // Index: the value is |index|
  Pred pred;             // Bool: the value; Number: which of the two values
  double ifTrue = 0, ifFalse = 0; // Number: pred ? ifTrue : ifFalse
  SmallVector<Extent> extents;

  unsigned rank() const { return extents.size(); }
  bool dependsOn(unsigned d) const {
    if (kind == Kind::Index)
      return index.dependsOn(d);
    bool depends = false;
    forEachAtom(pred, [&](const Affine &a) { depends |= a.dependsOn(d); });
    return depends;
  }
  bool isConstantNumber() const {
    return kind == Kind::Number &&
           (ifTrue == ifFalse || pred->kind == PredKind::True ||
            pred->kind == PredKind::False);
  }
  double constantNumber() const {
    return pred->kind == PredKind::False ? ifFalse : ifTrue;
  }

  static Abstract ofIndex(Affine index, SmallVector<Extent> extents) {
    Abstract a;
    a.kind = Kind::Index;
    a.index = std::move(index);
    a.extents = std::move(extents);
    return a;
  }
  static Abstract ofBool(Pred pred, SmallVector<Extent> extents) {
    Abstract a;
    a.kind = Kind::Bool;
    a.pred = std::move(pred);
    a.extents = std::move(extents);
    return a;
  }
  static Abstract ofNumber(Pred pred, double ifTrue, double ifFalse,
                           SmallVector<Extent> extents) {
    Abstract a;
    a.kind = Kind::Number;
    a.pred = std::move(pred);
    a.ifTrue = ifTrue;
    a.ifFalse = ifFalse;
    a.extents = std::move(extents);
    return a;
  }
};

/// `value` with its coordinates replaced by affine forms over `extents.size()`
/// new coordinates.
Abstract substituted(const Abstract &value, ArrayRef<Affine> replacement,
                     SmallVector<Extent> extents) {
  unsigned rank = extents.size();
  Abstract r = value;
  r.extents = std::move(extents);
  if (value.kind == Abstract::Kind::Index)
    r.index = substituted(value.index, replacement, rank);
  else
    r.pred = mapAtoms(value.pred, [&](const Affine &a) {
      return substituted(a, replacement, rank);
    });
  return r;
}

/// `value` broadcast to `rank` dimensions (new leading dimensions of 1).
Abstract alignedTo(const Abstract &value, unsigned rank) {
  unsigned lead = rank - value.rank();
  SmallVector<Affine> replacement;
  for (unsigned d = 0; d < value.rank(); ++d)
    replacement.push_back(Affine::ofCoordinate(rank, d + lead));
  SmallVector<Extent> extents(lead, Extent::fixed(1));
  extents.append(value.extents);
  return substituted(value, replacement, std::move(extents));
}

using Kind = Abstract::Kind;

/// Whether `type` is integral (not i1), i1, or floating point.
std::optional<Kind> kindOf(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (element.isInteger(1))
    return Kind::Bool;
  if (isa<IntegerType>(element))
    return Kind::Index;
  if (isa<FloatType>(element))
    return Kind::Number;
  return std::nullopt;
}

/// The lowest finite value of a float type: an additive mask entry at or
/// below it drops the pair.
double lowestOf(Type type) {
  auto floatType = cast<FloatType>(getElementTypeOrSelf(type));
  return APFloat::getLargest(floatType.getFloatSemantics(), /*Negative=*/true)
      .convertToDouble();
}

//===----------------------------------------------------------------------===//
// The interpreter
//===----------------------------------------------------------------------===//

class MaskInterpreter {
public:
  /// The abstract value of `value`, or nullopt with `whyNot` set.
  std::optional<Abstract> evaluate(Value value);

  std::string whyNot;

private:
  std::optional<Abstract> fail(const Twine &reason) {
    if (whyNot.empty())
      whyNot = reason.str();
    return std::nullopt;
  }
  std::optional<Abstract> failAt(Operation *op, const Twine &reason) {
    return fail(op->getName().getStringRef() + ": " + reason);
  }

  std::optional<Abstract> evaluateOp(Operation *op, Value result);
  std::optional<Abstract> evaluateConstant(ConstantOp op);
  std::optional<Abstract> evaluateRange(RangeOp op);
  std::optional<Abstract> evaluateReshape(ReshapeOp op);
  std::optional<Abstract> evaluateExpand(ExpandOp op);
  std::optional<Abstract> evaluateTranspose(TransposeOp op);
  std::optional<Abstract> evaluateSlice(SliceOp op);
  std::optional<Abstract> evaluateConcat(ConcatOp op);
  std::optional<Abstract> evaluateGatherNd(GatherNdOp op);
  std::optional<Abstract> evaluateCumSum(CumSumOp op);
  std::optional<Abstract> evaluateTrilu(TriluOp op);
  std::optional<Abstract> evaluateSelect(SelectOp op);
  std::optional<Abstract> evaluateCast(CastOp op);
  std::optional<Abstract> evaluateBinary(Operation *op);

  /// The operands of a binary op, both aligned to the result's rank with
  /// their broadcast extents.
  std::optional<std::pair<Abstract, Abstract>> broadcastOperands(Operation *op);

  DenseMap<Value, std::optional<Abstract>> cache;
};

/// Gives static dimensions of `type` their extent, and drops every
/// coordinate along a dimension of extent 1 (it is always 0).
Abstract normalized(Abstract value, Type type) {
  auto shaped = cast<RankedTensorType>(type);
  for (unsigned d = 0; d < value.rank(); ++d)
    if (!shaped.isDynamicDim(d))
      value.extents[d] = Extent::fixed(shaped.getDimSize(d));
  SmallVector<Affine> replacement;
  bool needed = false;
  for (unsigned d = 0; d < value.rank(); ++d) {
    bool one = value.extents[d].isOne();
    needed |= one && value.dependsOn(d);
    replacement.push_back(one ? Affine::ofConstant(value.rank(), 0)
                              : Affine::ofCoordinate(value.rank(), d));
  }
  if (!needed)
    return value;
  SmallVector<Extent> extents = value.extents;
  return substituted(value, replacement, std::move(extents));
}

std::optional<Abstract> MaskInterpreter::evaluate(Value value) {
  if (auto it = cache.find(value); it != cache.end())
    return it->second;
  auto type = dyn_cast<RankedTensorType>(value.getType());
  std::optional<Abstract> result;
  Operation *op = value.getDefiningOp();
  if (!type || !kindOf(type))
    result = fail("a value that is not a ranked int, bool or float tensor");
  else if (!op)
    result = fail("it depends on a function argument (run-time data)");
  else
    result = evaluateOp(op, value);
  if (result) {
    if (result->kind != *kindOf(type) || result->rank() != type.getRank() ||
        (result->kind == Kind::Index && result->index.overflowed))
      result = failAt(op, "unexpected result");
    else
      result = normalized(std::move(*result), type);
  }
  cache[value] = result;
  return result;
}

std::optional<Abstract> MaskInterpreter::evaluateOp(Operation *op,
                                                    Value result) {
  if (auto constant = dyn_cast<ConstantOp>(op))
    return evaluateConstant(constant);
  if (auto range = dyn_cast<RangeOp>(op))
    return evaluateRange(range);
  if (auto reshape = dyn_cast<ReshapeOp>(op))
    return evaluateReshape(reshape);
  if (auto expand = dyn_cast<ExpandOp>(op))
    return evaluateExpand(expand);
  if (auto transpose = dyn_cast<TransposeOp>(op))
    return evaluateTranspose(transpose);
  if (auto slice = dyn_cast<SliceOp>(op))
    return evaluateSlice(slice);
  if (auto concat = dyn_cast<ConcatOp>(op))
    return evaluateConcat(concat);
  if (auto gather = dyn_cast<GatherNdOp>(op))
    return evaluateGatherNd(gather);
  if (auto cumsum = dyn_cast<CumSumOp>(op))
    return evaluateCumSum(cumsum);
  if (auto trilu = dyn_cast<TriluOp>(op))
    return evaluateTrilu(trilu);
  if (auto select = dyn_cast<SelectOp>(op))
    return evaluateSelect(select);
  if (auto cast = dyn_cast<CastOp>(op))
    return evaluateCast(cast);
  if (isa<AddOp, SubOp, MulOp, MinOp, MaxOp, EqualOp, LessOp, LessEqualOp,
          GreaterOp, GreaterEqualOp, AndOp, OrOp, XorOp>(op))
    return evaluateBinary(op);
  if (isa<NotOp, NegOp, AbsOp>(op)) {
    std::optional<Abstract> input = evaluate(op->getOperand(0));
    if (!input)
      return std::nullopt;
    if (isa<NotOp>(op)) {
      input->pred = makeNot(input->pred);
      return input;
    }
    if (input->kind == Kind::Number) {
      if (isa<NegOp>(op)) {
        input->ifTrue = -input->ifTrue;
        input->ifFalse = -input->ifFalse;
      } else {
        input->ifTrue = std::fabs(input->ifTrue);
        input->ifFalse = std::fabs(input->ifFalse);
      }
      return input;
    }
    if (input->absolute)
      return isa<AbsOp>(op) ? input : failAt(op, "negates an absolute value");
    if (isa<NegOp>(op)) {
      input->index = scaled(input->index, -1);
    } else if (input->index.isConstant()) {
      input->index.constant = std::abs(input->index.constant);
    } else {
      input->absolute = true;
    }
    return input;
  }
  return failAt(op, "not an index, comparison or mask-building op");
}

std::optional<Abstract> MaskInterpreter::evaluateConstant(ConstantOp op) {
  auto attr = dyn_cast<DenseElementsAttr>(op.getValue());
  auto type = cast<RankedTensorType>(op.getType());
  if (!attr || !attr.isSplat())
    return failAt(op, "not a splat constant");
  SmallVector<Extent> extents;
  for (int64_t n : type.getShape())
    extents.push_back(Extent::fixed(n));
  switch (*kindOf(type)) {
  case Kind::Bool:
    return Abstract::ofBool(makeConstant(attr.getSplatValue<bool>()), extents);
  case Kind::Index:
    return Abstract::ofIndex(
        Affine::ofConstant(type.getRank(),
                           attr.getSplatValue<APInt>().getSExtValue()),
        extents);
  case Kind::Number: {
    double value = attr.getSplatValue<APFloat>().convertToDouble();
    return Abstract::ofNumber(makeConstant(true), value, value, extents);
  }
  }
  llvm_unreachable("unknown kind");
}

/// The value of a splat integer constant.
std::optional<int64_t> getSplatInt(Value value) {
  DenseIntElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat())
    return std::nullopt;
  return attr.getSplatValue<APInt>().getSExtValue();
}

// range(start, limit, delta)[x] = start + delta·x
std::optional<Abstract> MaskInterpreter::evaluateRange(RangeOp op) {
  std::optional<int64_t> start = getSplatInt(op.getStart());
  std::optional<int64_t> delta = getSplatInt(op.getDelta());
  if (!start || !delta || *delta == 0)
    return failAt(op, "its start and delta are not integer constants");
  Affine index = Affine::ofCoordinate(1, 0);
  index = added(scaled(index, *delta), Affine::ofConstant(1, *start));
  Extent extent = *start == 0 && *delta == 1 ? extentHeldBy(op.getLimit())
                                             : Extent::unknown();
  return Abstract::ofIndex(index, {extent});
}

// A reshape that only inserts or removes dimensions of 1 keeps each
// element's coordinates along the other dimensions.
std::optional<Abstract> MaskInterpreter::evaluateReshape(ReshapeOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  auto type = cast<RankedTensorType>(op.getType());
  unsigned rank = type.getRank();
  SmallVector<Extent> extents(rank, Extent::unknown());
  std::optional<SmallVector<Extent>> held;
  if (op.getShape())
    held = extentsHeldBy(op.getShape());
  for (unsigned d = 0; d < rank; ++d) {
    if (!type.isDynamicDim(d))
      extents[d] = Extent::fixed(type.getDimSize(d));
    else if (held && held->size() == rank)
      extents[d] = (*held)[d];
  }
  SmallVector<unsigned> inDims, outDims;
  for (unsigned d = 0; d < input->rank(); ++d)
    if (!input->extents[d].isOne())
      inDims.push_back(d);
  for (unsigned d = 0; d < rank; ++d)
    if (!extents[d].isOne())
      outDims.push_back(d);
  if (inDims.size() != outDims.size())
    return failAt(op, "it regroups dimensions");
  // With every other pair equal, the element count forces the last one.
  unsigned unmatched = 0;
  SmallVector<Affine> replacement(input->rank(), Affine::ofConstant(rank, 0));
  for (auto [in, out] : llvm::zip_equal(inDims, outDims)) {
    if (input->extents[in] != extents[out]) {
      ++unmatched;
      if (input->extents[in].known)
        extents[out] = input->extents[in];
    }
    replacement[in] = Affine::ofCoordinate(rank, out);
  }
  if (unmatched > 1)
    return failAt(op, "cannot prove it only inserts or removes unit dims");
  return substituted(*input, replacement, std::move(extents));
}

// expand broadcasts dimensions of 1; coordinates elsewhere are unchanged.
std::optional<Abstract> MaskInterpreter::evaluateExpand(ExpandOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  auto type = cast<RankedTensorType>(op.getType());
  unsigned rank = type.getRank();
  if (input->rank() > rank)
    return failAt(op, "its result has lower rank than its input");
  Abstract aligned = alignedTo(*input, rank);
  SmallVector<Extent> target(rank, Extent::unknown());
  if (op.getShape()) {
    if (std::optional<SmallVector<Extent>> held = extentsHeldBy(op.getShape());
        held && held->size() <= rank)
      std::copy(held->begin(), held->end(),
                target.begin() + (rank - held->size()));
  }
  for (unsigned d = 0; d < rank; ++d) {
    Extent in = aligned.extents[d];
    // A dimension the value varies along is not broadcast (expand only
    // stretches dimensions of 1); elsewhere the shape operand decides.
    if (aligned.dependsOn(d) || target[d].isOne() ||
        (!target[d].known && !in.isOne()))
      target[d] = in;
  }
  aligned.extents = std::move(target);
  return aligned;
}

std::optional<Abstract> MaskInterpreter::evaluateTranspose(TransposeOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  ArrayRef<int64_t> permutation = op.getPermutation();
  unsigned rank = input->rank();
  if (permutation.size() != rank)
    return failAt(op, "bad permutation");
  SmallVector<Affine> replacement(rank, Affine::ofConstant(rank, 0));
  SmallVector<Extent> extents(rank);
  for (unsigned d = 0; d < rank; ++d) {
    if (permutation[d] < 0 || permutation[d] >= rank)
      return failAt(op, "bad permutation");
    replacement[permutation[d]] = Affine::ofCoordinate(rank, d);
    extents[d] = input->extents[permutation[d]];
  }
  return substituted(*input, replacement, std::move(extents));
}

/// The extent of `[start, end)` of a dimension of extent `in` (start >= 0);
/// unknown where clamping cannot be ruled out.
Extent slicedExtent(const Extent &in, int64_t start, int64_t end) {
  constexpr int64_t kToTheEnd = std::numeric_limits<int64_t>::max() / 2;
  if (in.isStatic()) {
    int64_t n = in.offset;
    int64_t e = end >= kToTheEnd ? n
                : end < 0        ? std::max<int64_t>(0, n + end)
                                 : std::min(end, n);
    return Extent::fixed(std::max<int64_t>(0, e - std::min(start, n)));
  }
  if (!in.known)
    return end >= 0 && end < kToTheEnd && end - start == 1 ? Extent::fixed(1)
                                                           : Extent::unknown();
  Extent out = in;
  if (end >= kToTheEnd || end < 0) {
    // `base + offset - start` (+ end when negative) without clamping as long
    // as it stays at least `base` (a base extent is never negative).
    out.offset = in.offset - start + (end < 0 ? end : 0);
    return out.offset >= 0 ? out : Extent::unknown();
  }
  if (in.offset >= end)
    return Extent::fixed(end - start);
  // At most one element: 1, or an empty tensor on which nothing matters.
  return end - start == 1 ? Extent::fixed(1) : Extent::unknown();
}

// slice [start, end) with step 1 shifts the coordinate by `start`.
std::optional<Abstract> MaskInterpreter::evaluateSlice(SliceOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  unsigned rank = input->rank();
  SmallVector<Affine> replacement;
  for (unsigned d = 0; d < rank; ++d)
    replacement.push_back(Affine::ofCoordinate(rank, d));
  SmallVector<Extent> extents = input->extents;
  for (auto [axis, first, end, step] : llvm::zip_equal(
           op.getAxes(), op.getStarts(), op.getEnds(), op.getSteps())) {
    int64_t start = first;
    int64_t d = axis < 0 ? axis + rank : axis;
    if (d < 0 || d >= rank || step != 1)
      return failAt(op, "not a unit-step slice");
    if (start < 0) {
      if (!extents[d].isStatic())
        return failAt(op, "a negative start on a run-time extent");
      start = std::max<int64_t>(0, start + extents[d].offset);
    }
    extents[d] = slicedExtent(extents[d], start, end);
    replacement[d] = added(replacement[d], Affine::ofConstant(rank, start));
  }
  return substituted(*input, replacement, std::move(extents));
}

// concat(a, b) along an axis is one affine form when b continues a's
// sequence: a is b's form extended backwards.
std::optional<Abstract> MaskInterpreter::evaluateConcat(ConcatOp op) {
  unsigned rank = cast<RankedTensorType>(op.getType()).getRank();
  int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
  std::optional<Abstract> sum;
  for (Value input : op.getInputs()) {
    std::optional<Abstract> piece = evaluate(input);
    if (!piece)
      return std::nullopt;
    if (piece->kind != Kind::Index || piece->absolute)
      return failAt(op, "it joins values other than index sequences");
    if (!sum) {
      sum = piece;
      continue;
    }
    Extent head = sum->extents[axis];
    if (!head.isStatic())
      return failAt(op, "a piece of run-time length precedes another");
    SmallVector<Affine> shift;
    for (unsigned d = 0; d < rank; ++d)
      shift.push_back(Affine::ofCoordinate(rank, d));
    shift[axis] = added(shift[axis], Affine::ofConstant(rank, -head.offset));
    Affine joined = substituted(piece->index, shift, rank);
    Affine expected = joined;
    if (head.offset == 1) {
      shift[axis] = Affine::ofConstant(rank, 0);
      expected = substituted(joined, shift, rank);
    }
    if (!(expected == sum->index))
      return failAt(op, "its pieces are not one affine sequence");
    Extent tail = piece->extents[axis];
    Extent length = Extent::unknown();
    if (tail.known) {
      length = tail;
      length.offset += head.offset;
    }
    for (unsigned d = 0; d < rank; ++d)
      if (!sum->extents[d].known)
        sum->extents[d] = piece->extents[d];
    sum->extents[axis] = length;
    sum->index = joined;
  }
  if (!sum)
    return failAt(op, "no inputs");
  return sum;
}

// gather_nd(data, concat(c_0, ..., c_k-1)) substitutes x_d := c_d in data.
std::optional<Abstract> MaskInterpreter::evaluateGatherNd(GatherNdOp op) {
  if (op.getBatchDims() != 0)
    return failAt(op, "batch_dims is not 0");
  std::optional<Abstract> data = evaluate(op.getData());
  if (!data)
    return std::nullopt;
  auto indicesType = cast<RankedTensorType>(op.getIndices().getType());
  unsigned rank = indicesType.getRank() - 1;
  auto concat = op.getIndices().getDefiningOp<ConcatOp>();
  if (!concat || (concat.getAxis() != rank && concat.getAxis() != -1))
    return failAt(op, "its indices are not index columns joined by concat");
  if (concat.getInputs().size() != data->rank())
    return failAt(op, "it gathers slices, not elements");
  SmallVector<Affine> columns;
  SmallVector<Extent> extents(rank, Extent::unknown());
  for (Value input : concat.getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    if (type.getDimSize(rank) != 1)
      return failAt(op, "an index column is wider than 1");
    std::optional<Abstract> column = evaluate(input);
    if (!column)
      return std::nullopt;
    if (column->kind != Kind::Index || column->absolute)
      return failAt(op, "an index column is not an affine index");
    Affine index = Affine::ofConstant(rank, column->index.constant);
    std::copy_n(column->index.coeffs.begin(), rank, index.coeffs.begin());
    columns.push_back(index);
    for (unsigned d = 0; d < rank; ++d)
      if (!extents[d].known)
        extents[d] = column->extents[d];
  }
  // Where data varies along a dimension, its index must provably stay in
  // range: a coordinate of the same extent, or a small constant.
  for (unsigned d = 0; d < data->rank(); ++d) {
    if (!data->dependsOn(d))
      continue;
    const Affine &column = columns[d];
    const Extent &extent = data->extents[d];
    if (column.isConstant()) {
      if (column.constant >= 0 && extent.isStatic() &&
          column.constant < extent.offset)
        continue;
    } else if (column.constant == 0 &&
               size_t(llvm::count(column.coeffs, 0)) + 1 ==
                   column.coeffs.size()) {
      auto coordinate =
          llvm::find_if(column.coeffs, [](int64_t c) { return c != 0; });
      unsigned m = coordinate - column.coeffs.begin();
      if (*coordinate == 1 && extents[m] == extent)
        continue;
    }
    return failAt(op, "cannot prove an index stays within its dimension");
  }
  return substituted(*data, columns, std::move(extents));
}

// cumsum of a constant c along x is c·(x + 1), or c·x when exclusive.
std::optional<Abstract> MaskInterpreter::evaluateCumSum(CumSumOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  unsigned rank = input->rank();
  int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
  if (input->kind != Kind::Index || input->absolute ||
      !input->index.isConstant() || op.getReverse())
    return failAt(op, "not a forward sum of a constant");
  int64_t c = input->index.constant;
  Affine count = Affine::ofCoordinate(rank, axis);
  if (!op.getExclusive())
    count = added(count, Affine::ofConstant(rank, 1));
  input->index = scaled(count, c);
  return input;
}

// trilu keeps (i, j) where j - i >= k (upper) or j - i <= k (lower), and
// zeroes the rest.
std::optional<Abstract> MaskInterpreter::evaluateTrilu(TriluOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  unsigned rank = input->rank();
  Affine diagonal = subtracted(Affine::ofCoordinate(rank, rank - 1),
                               Affine::ofCoordinate(rank, rank - 2));
  diagonal = subtracted(diagonal, Affine::ofConstant(rank, op.getK()));
  Pred kept = makeAtom(PredKind::NonNegative,
                       op.getLower() ? scaled(diagonal, -1) : diagonal);
  if (input->kind == Kind::Bool) {
    input->pred = makeAnd(input->pred, kept);
    return input;
  }
  if (input->kind == Kind::Number) {
    if (input->isConstantNumber()) {
      double value = input->constantNumber();
      return Abstract::ofNumber(kept, value, 0.0, input->extents);
    }
    if (input->ifFalse == 0.0) {
      input->pred = makeAnd(input->pred, kept);
      return input;
    }
  }
  return failAt(op, "its input is not a constant or a mask");
}

// select(c, a, b) of constants a and b is a two-valued number; of booleans,
// (c and a) or (not c and b).
std::optional<Abstract> MaskInterpreter::evaluateSelect(SelectOp op) {
  auto operands = broadcastOperands(op);
  if (!operands)
    return std::nullopt;
  std::optional<Abstract> cond = evaluate(op.getCond());
  // broadcastOperands aligned the two values; align the condition too.
  unsigned rank = cast<RankedTensorType>(op.getType()).getRank();
  if (!cond)
    return std::nullopt;
  Abstract c = alignedTo(*cond, rank);
  auto &[a, b] = *operands;
  SmallVector<Extent> extents = a.extents;
  for (unsigned d = 0; d < rank; ++d) {
    if (extents[d].isOne() || !extents[d].known)
      extents[d] = c.extents[d].known ? c.extents[d] : extents[d];
    else if (!c.extents[d].isOne() && c.extents[d] != extents[d] &&
             (c.dependsOn(d) || a.dependsOn(d) || b.dependsOn(d)))
      return failAt(op, "cannot prove its operands' extents agree");
  }
  if (a.kind == Kind::Bool)
    return Abstract::ofBool(
        makeOr(makeAnd(c.pred, a.pred), makeAnd(makeNot(c.pred), b.pred)),
        extents);
  if (a.kind == Kind::Number && a.isConstantNumber() && b.isConstantNumber())
    return Abstract::ofNumber(c.pred, a.constantNumber(), b.constantNumber(),
                              extents);
  return failAt(op, "it does not choose between constants or masks");
}

std::optional<Abstract> MaskInterpreter::evaluateCast(CastOp op) {
  std::optional<Abstract> input = evaluate(op.getInput());
  if (!input)
    return std::nullopt;
  Type to = getElementTypeOrSelf(op.getType());
  Kind target = *kindOf(to);
  unsigned rank = input->rank();
  switch (input->kind) {
  case Kind::Bool:
    if (target == Kind::Bool)
      return input;
    if (target == Kind::Number)
      return Abstract::ofNumber(input->pred, 1.0, 0.0, input->extents);
    if (input->pred->kind == PredKind::True ||
        input->pred->kind == PredKind::False)
      return Abstract::ofIndex(
          Affine::ofConstant(rank, input->pred->kind == PredKind::True),
          input->extents);
    return failAt(op, "a non-constant mask cast to integers");
  case Kind::Index:
    if (input->absolute)
      return failAt(op, "casts an absolute value");
    if (target == Kind::Bool)
      return Abstract::ofBool(makeNot(makeAtom(PredKind::Zero, input->index)),
                              input->extents);
    if (target == Kind::Index && to.getIntOrFloatBitWidth() >= 32)
      return input;
    if (target == Kind::Number && input->index.isConstant())
      return Abstract::ofNumber(makeConstant(true),
                                double(input->index.constant),
                                double(input->index.constant), input->extents);
    return failAt(op, "an index cast that may change its values");
  case Kind::Number:
    if (target == Kind::Number)
      return input;
    if (target == Kind::Bool)
      return Abstract::ofBool(
          input->ifTrue != 0.0
              ? (input->ifFalse != 0.0 ? makeConstant(true) : input->pred)
              : (input->ifFalse != 0.0 ? makeNot(input->pred)
                                       : makeConstant(false)),
          input->extents);
    if (input->isConstantNumber() && std::isfinite(input->constantNumber()) &&
        std::fabs(input->constantNumber()) < 1e15)
      return Abstract::ofIndex(
          Affine::ofConstant(rank,
                             int64_t(std::trunc(input->constantNumber()))),
          input->extents);
    return failAt(op, "a non-constant float cast to integers");
  }
  llvm_unreachable("unknown kind");
}

std::optional<std::pair<Abstract, Abstract>>
MaskInterpreter::broadcastOperands(Operation *op) {
  unsigned first = isa<SelectOp>(op) ? 1 : 0;
  std::optional<Abstract> lhs = evaluate(op->getOperand(first));
  if (!lhs)
    return std::nullopt;
  std::optional<Abstract> rhs = evaluate(op->getOperand(first + 1));
  if (!rhs)
    return std::nullopt;
  if (lhs->kind != rhs->kind) {
    failAt(op, "operands of different kinds");
    return std::nullopt;
  }
  unsigned rank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
  Abstract a = alignedTo(*lhs, rank), b = alignedTo(*rhs, rank);
  for (unsigned d = 0; d < rank; ++d) {
    Extent &ea = a.extents[d], &eb = b.extents[d];
    if (ea.isOne())
      ea = eb;
    else if (eb.isOne() || ea == eb)
      eb = ea;
    else if (a.dependsOn(d) || b.dependsOn(d)) {
      failAt(op, "cannot prove its operands' extents agree");
      return std::nullopt;
    } else {
      ea = eb = Extent::unknown();
    }
  }
  return std::pair(std::move(a), std::move(b));
}

/// A comparison of integer values: `lhs - rhs` against 0.
Pred compareAffine(Operation *op, const Affine &lhs, const Affine &rhs) {
  unsigned rank = lhs.coeffs.size();
  Affine diff = subtracted(lhs, rhs);
  Affine one = Affine::ofConstant(rank, 1);
  if (isa<EqualOp>(op))
    return makeAtom(PredKind::Zero, diff);
  if (isa<GreaterEqualOp>(op)) // l - r >= 0
    return makeAtom(PredKind::NonNegative, diff);
  if (isa<GreaterOp>(op)) // l - r - 1 >= 0
    return makeAtom(PredKind::NonNegative, subtracted(diff, one));
  if (isa<LessEqualOp>(op)) // r - l >= 0
    return makeAtom(PredKind::NonNegative, scaled(diff, -1));
  // less: r - l - 1 >= 0
  return makeAtom(PredKind::NonNegative, subtracted(scaled(diff, -1), one));
}

/// `|e| == c` as atoms on `e`: c >= 0 and (e == c or e == -c).
Pred absoluteEquals(const Affine &e, int64_t c) {
  if (c < 0)
    return makeConstant(false);
  unsigned rank = e.coeffs.size();
  Affine bound = Affine::ofConstant(rank, c);
  return makeOr(makeAtom(PredKind::Zero, subtracted(e, bound)),
                makeAtom(PredKind::Zero, added(e, bound)));
}

bool compareNumbers(Operation *op, double a, double b) {
  if (isa<EqualOp>(op))
    return a == b;
  if (isa<LessOp>(op))
    return a < b;
  if (isa<LessEqualOp>(op))
    return a <= b;
  if (isa<GreaterOp>(op))
    return a > b;
  return a >= b;
}

std::optional<double> combineNumbers(Operation *op, double a, double b) {
  double r;
  if (isa<AddOp>(op))
    r = a + b;
  else if (isa<SubOp>(op))
    r = a - b;
  else if (isa<MulOp>(op))
    r = a * b;
  else if (isa<MinOp>(op))
    r = std::min(a, b);
  else
    r = std::max(a, b);
  if (std::isnan(r))
    return std::nullopt;
  return r;
}

std::optional<Abstract> MaskInterpreter::evaluateBinary(Operation *op) {
  auto operands = broadcastOperands(op);
  if (!operands)
    return std::nullopt;
  auto &[a, b] = *operands;
  SmallVector<Extent> extents = a.extents;
  bool comparison =
      isa<EqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp>(op);

  if (a.kind == Kind::Bool) {
    if (isa<AndOp>(op))
      return Abstract::ofBool(makeAnd(a.pred, b.pred), extents);
    if (isa<OrOp>(op))
      return Abstract::ofBool(makeOr(a.pred, b.pred), extents);
    if (isa<XorOp, EqualOp>(op)) {
      Pred differ = makeOr(makeAnd(a.pred, makeNot(b.pred)),
                           makeAnd(makeNot(a.pred), b.pred));
      return Abstract::ofBool(isa<XorOp>(op) ? differ : makeNot(differ),
                              extents);
    }
    return failAt(op, "an unsupported op on booleans");
  }

  if (a.kind == Kind::Index) {
    if (comparison) {
      if (!a.absolute && !b.absolute)
        return Abstract::ofBool(compareAffine(op, a.index, b.index), extents);
      if (a.absolute != b.absolute) {
        const Abstract &abs = a.absolute ? a : b;
        const Abstract &other = a.absolute ? b : a;
        if (!other.index.isConstant())
          return failAt(op, "compares an absolute value with a non-constant");
        int64_t c = other.index.constant;
        // |e| < bound (or <= bound) iff -bound < e < bound (or <=).
        auto lessThan = [&](int64_t bound, bool orEqual) {
          const Affine &e = abs.index;
          int64_t limit = orEqual ? bound : bound - 1;
          unsigned rank = e.coeffs.size();
          return makeAnd(
              makeAtom(PredKind::NonNegative,
                       subtracted(Affine::ofConstant(rank, limit), e)),
              makeAtom(PredKind::NonNegative,
                       added(Affine::ofConstant(rank, limit), e)));
        };
        Pred result;
        bool absOnLeft = a.absolute;
        if (isa<EqualOp>(op))
          result = absoluteEquals(abs.index, c);
        else if ((isa<LessOp>(op) && absOnLeft) ||
                 (isa<GreaterOp>(op) && !absOnLeft))
          result = lessThan(c, /*orEqual=*/false);
        else if ((isa<LessEqualOp>(op) && absOnLeft) ||
                 (isa<GreaterEqualOp>(op) && !absOnLeft))
          result = lessThan(c, /*orEqual=*/true);
        else if ((isa<GreaterEqualOp>(op) && absOnLeft) ||
                 (isa<LessEqualOp>(op) && !absOnLeft))
          result = makeNot(lessThan(c, /*orEqual=*/false));
        else
          result = makeNot(lessThan(c, /*orEqual=*/true));
        return Abstract::ofBool(result, extents);
      }
      return failAt(op, "compares two absolute values");
    }
    if (a.absolute || b.absolute) {
      if (a.index.isConstant() && b.index.isConstant())
        return failAt(op, "unexpected absolute constant");
      return failAt(op, "arithmetic on an absolute value");
    }
    if (isa<AddOp>(op))
      return Abstract::ofIndex(added(a.index, b.index), extents);
    if (isa<SubOp>(op))
      return Abstract::ofIndex(subtracted(a.index, b.index), extents);
    if (isa<MulOp>(op)) {
      if (b.index.isConstant())
        return Abstract::ofIndex(scaled(a.index, b.index.constant), extents);
      if (a.index.isConstant())
        return Abstract::ofIndex(scaled(b.index, a.index.constant), extents);
      return failAt(op, "a product of two indices");
    }
    if (isa<MinOp, MaxOp>(op) && a.index.isConstant() && b.index.isConstant()) {
      int64_t x = a.index.constant, y = b.index.constant;
      return Abstract::ofIndex(
          Affine::ofConstant(a.rank(),
                             isa<MinOp>(op) ? std::min(x, y) : std::max(x, y)),
          extents);
    }
    return failAt(op, "an unsupported op on indices");
  }

  // Two-valued numbers: tabulate the four combinations of the predicates.
  double values[2][2];
  bool truth[2][2];
  for (int p = 0; p < 2; ++p) {
    for (int q = 0; q < 2; ++q) {
      double x = p ? a.ifTrue : a.ifFalse, y = q ? b.ifTrue : b.ifFalse;
      if (comparison) {
        truth[p][q] = compareNumbers(op, x, y);
        continue;
      }
      if (!isa<AddOp, SubOp, MulOp, MinOp, MaxOp>(op))
        return failAt(op, "an unsupported op on floats");
      std::optional<double> v = combineNumbers(op, x, y);
      if (!v)
        return failAt(op, "a float result that is not a number");
      values[p][q] = *v;
    }
  }
  const Pred &p = a.pred, &q = b.pred;
  if (comparison) {
    Pred result = makeConstant(false);
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j)
        if (truth[i][j])
          result =
              makeOr(result, makeAnd(i ? p : makeNot(p), j ? q : makeNot(q)));
    return Abstract::ofBool(result, extents);
  }
  // A constant side leaves the other's predicate.
  if (a.isConstantNumber()) {
    int i = a.pred->kind == PredKind::False ? 0 : 1;
    return Abstract::ofNumber(q, values[i][1], values[i][0], extents);
  }
  if (b.isConstantNumber()) {
    int j = b.pred->kind == PredKind::False ? 0 : 1;
    return Abstract::ofNumber(p, values[1][j], values[0][j], extents);
  }
  double v11 = values[1][1], v10 = values[1][0], v01 = values[0][1],
         v00 = values[0][0];
  if (v10 == v01 && v01 == v00)
    return Abstract::ofNumber(makeAnd(p, q), v11, v00, extents);
  if (v11 == v10 && v10 == v01)
    return Abstract::ofNumber(makeOr(p, q), v11, v00, extents);
  return failAt(op, "a sum of masks with more than two values");
}

//===----------------------------------------------------------------------===//
// The proof
//===----------------------------------------------------------------------===//

/// Whether the attention op keeps query `i` and key `j` (at p(i) = i) under
/// `form`, as deepc.attention's description says.
bool formKeeps(const AttentionMaskForm &form, int64_t i, int64_t j) {
  if (form.causal && j > i)
    return false;
  bool outside = (form.windowLeft >= 0 && i - j > form.windowLeft) ||
                 (form.windowRight >= 0 && j - i > form.windowRight);
  return !outside || j < form.numGlobalTokens || i < form.numGlobalTokens;
}

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/// The keep-predicate `keep` (over `rank` coordinates, the last two the
/// query i and key j, and-ed with the rule of `existing`) as attributes.
///
/// Every atom must compare i, j or i - j with a constant. The truth of every
/// atom, of the predicate and of any attribute rule is then constant on
/// each cell {i in I, j in J, i - j in D} of intervals between thresholds.
/// Such a cell, when it holds an integer point, is a pointed polyhedron with
/// a totally unimodular constraint matrix: it has an integer vertex where
/// two of i, j, i - j sit on a threshold. Evaluating both sides at all such
/// points therefore decides equivalence for every i, j >= 0.
std::optional<AttentionMaskForm> proveForm(const Pred &keep, unsigned rank,
                                           const AttentionMaskForm &existing,
                                           std::string &whyNot) {
  unsigned qDim = rank - 2, kDim = rank - 1;
  std::set<int64_t> thresholds = {0, existing.windowLeft, existing.windowRight,
                                  existing.numGlobalTokens};
  bool simple = true;
  forEachAtom(keep, [&](const Affine &a) {
    simple &= !a.overflowed;
    for (unsigned d = 0; d < rank; ++d)
      if (d != qDim && d != kDim && a.dependsOn(d))
        simple = false;
    int64_t ci = a.coeffs[qDim], cj = a.coeffs[kDim];
    int64_t scale = ci != 0 ? ci : cj;
    // Bounded so that evaluating at the probe points cannot overflow.
    if ((ci != 0 && cj != 0 && ci != -cj) || scale == 0 ||
        std::abs(scale) > (int64_t(1) << 16) ||
        std::abs(a.constant) > (int64_t(1) << 40)) {
      simple = false;
      return;
    }
    thresholds.insert(floorDiv(-a.constant, scale));
    thresholds.insert(-floorDiv(a.constant, scale));
  });
  if (!simple) {
    whyNot = "the mask compares positions other than the query, the key or "
             "their difference with a constant";
    return std::nullopt;
  }
  auto keeps = [&](int64_t i, int64_t j) {
    SmallVector<int64_t> point(rank, 0);
    point[qDim] = i;
    point[kDim] = j;
    return evaluate(keep, point) && formKeeps(existing, i, j);
  };

  // Read the candidate off positions far from every threshold.
  int64_t margin = 2;
  for (int64_t t : thresholds)
    margin = std::max(margin, std::abs(t) + 2);
  int64_t far = 4 * margin;
  if (!keeps(far, far)) {
    whyNot = "the mask drops a query's own position";
    return std::nullopt;
  }
  auto reach = [&](bool right) -> int64_t {
    for (int64_t t = 1; t <= margin; ++t)
      if (!(right ? keeps(far, far + t) : keeps(far + t, far)))
        return t - 1;
    return -1;
  };
  AttentionMaskForm form;
  form.windowRight = reach(/*right=*/true);
  form.windowLeft = reach(/*right=*/false);
  if (form.windowRight == 0) {
    form.causal = true;
    form.windowRight = -1;
  }
  if (form.windowLeft >= 0 || form.windowRight >= 0) {
    int64_t distant = 3 * far;
    while (form.numGlobalTokens <= margin &&
           (form.windowLeft >= 0 ? keeps(distant, form.numGlobalTokens)
                                 : keeps(form.numGlobalTokens, distant)))
      ++form.numGlobalTokens;
  }
  for (int64_t t : {form.windowLeft, form.windowRight, form.numGlobalTokens})
    thresholds.insert(t);

  // Check every vertex of every cell.
  std::set<int64_t> near;
  for (int64_t t : thresholds)
    for (int64_t s : {t - 1, t, t + 1})
      near.insert(s);
  SmallVector<int64_t> positions, differences;
  for (int64_t s : near) {
    if (s >= 0)
      positions.push_back(s);
    differences.push_back(s);
    differences.push_back(-s);
  }
  auto agrees = [&](int64_t i, int64_t j) {
    return i < 0 || j < 0 || keeps(i, j) == formKeeps(form, i, j);
  };
  for (int64_t x : positions) {
    for (int64_t y : positions)
      if (!agrees(x, y))
        return whyNot = "the mask is not a causal, sliding-window or "
                        "global-token pattern",
               std::nullopt;
    for (int64_t d : differences)
      if (!agrees(x, x - d) || !agrees(x + d, x))
        return whyNot = "the mask is not a causal, sliding-window or "
                        "global-token pattern",
               std::nullopt;
  }
  return form;
}

/// The attributes of a constant mask of static shape [..., n, n], read off
/// its keep table (the same for every leading index) and checked at every
/// pair. Global tokens are looked for only in tables of up to 256 rows,
/// since each candidate count costs a pass over the table.
std::optional<AttentionMaskForm>
proveConstantForm(DenseElementsAttr attr, const AttentionMaskForm &existing,
                  std::string &whyNot) {
  auto type = cast<RankedTensorType>(attr.getType());
  int64_t rank = type.getRank();
  if (rank < 2 || type.getDimSize(rank - 2) != type.getDimSize(rank - 1) ||
      type.getDimSize(rank - 1) < 2) {
    whyNot = "the constant mask is not a square [n, n] table with n > 1";
    return std::nullopt;
  }
  int64_t n = type.getDimSize(rank - 1);
  bool additive = !type.getElementType().isInteger(1);
  double lowest = additive ? lowestOf(type) : 0.0;
  std::vector<bool> table(n * n);
  int64_t index = 0;
  auto record = [&](bool keep) {
    int64_t cell = index++ % (n * n);
    // Every leading index must see the same table.
    if (index > n * n && table[cell] != keep)
      return false;
    table[cell] = keep;
    return true;
  };
  if (!additive) {
    for (bool keep : attr.getValues<bool>())
      if (!record(keep))
        return whyNot = "the constant mask differs between batches or heads",
               std::nullopt;
  } else {
    for (APFloat value : attr.getValues<APFloat>()) {
      double x = value.convertToDouble();
      if (x != 0.0 && x > lowest)
        return whyNot = "the additive mask adds values other than 0 and -inf",
               std::nullopt;
      if (!record(x == 0.0))
        return whyNot = "the constant mask differs between batches or heads",
               std::nullopt;
    }
  }
  auto keeps = [&](int64_t i, int64_t j) {
    return table[i * n + j] && formKeeps(existing, i, j);
  };
  int64_t maxGlobals = n <= 256 ? n - 1 : 0;
  for (int64_t globals = 0; globals <= maxGlobals; ++globals) {
    // The farthest kept key to either side outside the global tokens.
    int64_t right = std::numeric_limits<int64_t>::min(), left = right;
    for (int64_t i = globals; i < n; ++i)
      for (int64_t j = globals; j < n; ++j)
        if (keeps(i, j)) {
          right = std::max(right, j - i);
          left = std::max(left, i - j);
        }
    int64_t span = n - 1 - globals;
    AttentionMaskForm form;
    form.causal = right <= 0;
    form.windowRight = form.causal || right >= span ? -1 : right;
    form.windowLeft = left < 0 || left >= span ? -1 : left;
    form.numGlobalTokens =
        form.windowLeft >= 0 || form.windowRight >= 0 ? globals : 0;
    bool agrees = true;
    for (int64_t i = 0; i < n && agrees; ++i)
      for (int64_t j = 0; j < n && agrees; ++j)
        agrees = keeps(i, j) == formKeeps(form, i, j);
    if (agrees)
      return form;
  }
  whyNot = "the constant mask is not a causal, sliding-window or global-token "
           "pattern";
  return std::nullopt;
}

/// The i1 factors of the keep-mask `keep`: its operands through `and`.
void collectFactors(Value keep, SmallVectorImpl<Value> &factors) {
  if (auto conjunction = keep.getDefiningOp<AndOp>()) {
    collectFactors(conjunction.getLhs(), factors);
    collectFactors(conjunction.getRhs(), factors);
    return;
  }
  factors.push_back(keep);
}

/// The i1 tensor that says which pairs an additive mask keeps, when it is
/// `select(keep, 0, lowest)` or `select(not keep, lowest, 0)`.
Value keepMaskOfAdditive(Value mask) {
  auto select = mask.getDefiningOp<SelectOp>();
  if (!select)
    return {};
  double lowest = lowestOf(mask.getType());
  auto splat = [](Value v) -> std::optional<double> {
    DenseFPElementsAttr attr;
    if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat())
      return std::nullopt;
    return attr.getSplatValue<APFloat>().convertToDouble();
  };
  std::optional<double> t = splat(select.getTrueValue());
  std::optional<double> f = splat(select.getFalseValue());
  if (!t || !f)
    return {};
  if (*t == 0.0 && *f <= lowest)
    return select.getCond();
  if (*t <= lowest && *f == 0.0)
    if (auto negation = select.getCond().getDefiningOp<NotOp>())
      return negation.getInput();
  return {};
}

} // namespace

bool proveAttentionMask(Value mask, const AttentionMaskForm &existing,
                        ProvenMask &proven, std::string &whyNot) {
  auto maskType = cast<RankedTensorType>(mask.getType());
  unsigned rank = maskType.getRank();
  bool additive = !maskType.getElementType().isInteger(1);
  MaskInterpreter interpreter;

  // A table folded to a constant (static shapes) is checked pair by pair.
  DenseElementsAttr table;
  if (matchPattern(mask, m_Constant(&table)) && !table.isSplat()) {
    std::optional<AttentionMaskForm> form =
        proveConstantForm(table, existing, whyNot);
    if (!form)
      return false;
    proven = {*form, Value()};
    return true;
  }

  // The keep-predicate of the whole mask, if it is provable; otherwise the
  // provable factors of its top-level conjunction and one run-time factor.
  Pred keep;
  SmallVector<Extent> extents;
  Value residual;
  if (std::optional<Abstract> whole = interpreter.evaluate(mask)) {
    extents = whole->extents;
    if (!additive) {
      keep = whole->pred;
    } else {
      double lowest = lowestOf(maskType);
      double ifTrue = whole->ifTrue, ifFalse = whole->ifFalse;
      if (whole->isConstantNumber())
        ifTrue = ifFalse = whole->constantNumber();
      if (ifTrue == 0.0 && ifFalse == 0.0)
        keep = makeConstant(true);
      else if (ifTrue == 0.0 && ifFalse <= lowest)
        keep = whole->pred;
      else if (ifTrue <= lowest && ifFalse == 0.0)
        keep = makeNot(whole->pred);
      else {
        whyNot = "the additive mask adds values other than 0 and -inf";
        return false;
      }
    }
  } else {
    Value keepMask = additive ? keepMaskOfAdditive(mask) : mask;
    if (!keepMask) {
      whyNot = interpreter.whyNot;
      return false;
    }
    SmallVector<Value> factors;
    collectFactors(keepMask, factors);
    keep = makeConstant(true);
    extents.assign(rank, Extent::fixed(1));
    for (Value factor : factors) {
      std::optional<Abstract> value = interpreter.evaluate(factor);
      if (!value) {
        if (residual && residual != factor) {
          whyNot = interpreter.whyNot;
          return false;
        }
        residual = factor;
        continue;
      }
      Abstract aligned = alignedTo(*value, rank);
      keep = makeAnd(keep, aligned.pred);
      for (unsigned d = 0; d < rank; ++d) {
        Extent e = aligned.extents[d];
        if (extents[d].isOne())
          extents[d] = e;
        else if (!e.isOne() && e != extents[d])
          extents[d] = Extent::unknown();
      }
    }
    if (!residual || residual == keepMask) {
      whyNot = interpreter.whyNot;
      return false;
    }
    // The run-time factor widens the mask where it is not 1.
    auto residualType = cast<RankedTensorType>(residual.getType());
    unsigned lead = rank - residualType.getRank();
    for (unsigned d = lead; d < rank; ++d) {
      if (extents[d].isOne() && residualType.getDimSize(d - lead) != 1)
        extents[d] = residualType.isDynamicDim(d - lead)
                         ? Extent::unknown()
                         : Extent::fixed(residualType.getDimSize(d - lead));
    }
  }

  // A mask that keeps every pair leaves the attributes as they are.
  if (isConstant(keep, true)) {
    proven = {existing, residual};
    return true;
  }
  if (rank < 2) {
    whyNot = "the mask has fewer than 2 dimensions";
    return false;
  }
  std::optional<AttentionMaskForm> form =
      proveForm(keep, rank, existing, whyNot);
  if (!form)
    return false;
  // The rule reads query i at p(i) = i + Skv - Sq; the mask's i is the
  // query index itself, so the two agree only when Sq = Skv.
  if (!form->isUnmasked()) {
    const Extent &queries = extents[rank - 2], &keys = extents[rank - 1];
    if (!(queries == keys) || queries.isOne()) {
      whyNot = "cannot prove that the mask's query and key dimensions have "
               "the same length (queries at p(i) = i)";
      return false;
    }
  }
  proven = {*form, residual};
  return true;
}

} // namespace mlir::deepc
