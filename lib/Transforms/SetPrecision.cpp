//===- SetPrecision.cpp - compute in bf16 or f16 --------------------------===//
//
// `deepc --precision=bf16` runs a model the way bf16 serving engines do:
// weights stored narrow, activations narrow between ops, f32 inside the
// kernels (each widens its inputs and accumulates in f32). The pass retypes
// each function in one walk over its ops, in order: a narrowed op reads
// narrow operands (cast or, for constants, converted at compile time) and
// gets narrow results; an op kept in f32 reads f32 operands. Values keep
// their definition; only casts are added, each where its source is defined,
// so one cast serves every reader.
//
//===----------------------------------------------------------------------===//

#include "deepc/Transforms/Passes.h"

#include "deepc/Import/DummyWeights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/GlobPattern.h"

#include <cstring>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCSETPRECISIONPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// A constant of at most this many elements may be part of a computation
/// on integers (an inverse-frequency vector, a mask's fill value); a larger
/// one is a weight, and an op that reads it is model math to narrow.
constexpr int64_t kMaxIndexConstantElements = 1 << 16;

bool isF32Tensor(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.getElementType().isF32();
}

/// Rounds an f32 to bf16, to nearest even; NaNs stay (quiet) NaNs.
uint16_t f32ToBf16Bits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return uint16_t((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1);
  return uint16_t(bits >> 16);
}

uint16_t f32ToNarrowBits(float value, FloatType narrow) {
  if (narrow.isBF16())
    return f32ToBf16Bits(value);
  bool losesInfo;
  APFloat converted(value);
  converted.convert(narrow.getFloatSemantics(), APFloat::rmNearestTiesToEven,
                    &losesInfo);
  return uint16_t(converted.bitcastToAPInt().getZExtValue());
}

/// The values of an f32 constant in the narrow type, or null when they
/// cannot be read (a weight printed without its data).
ElementsAttr narrowElements(ElementsAttr value, RankedTensorType type) {
  auto narrow = cast<FloatType>(type.getElementType());
  if (auto dense = dyn_cast<DenseFPElementsAttr>(value))
    return dense.mapValues(narrow, [&](const APFloat &element) {
      return APInt(16, f32ToNarrowBits(element.convertToFloat(), narrow));
    });
  auto resource = dyn_cast<DenseResourceElementsAttr>(value);
  if (!resource)
    return nullptr;
  DenseResourceElementsHandle handle = resource.getRawHandle();
  const AsmResourceBlob *blob = handle.getBlob();
  if (!blob)
    return nullptr;
  ArrayRef<char> data = blob->getData();
  int64_t count = type.getNumElements();
  if (data.size() != size_t(count) * 4)
    return nullptr;
  std::string key =
      (handle.getKey() + "_" + Twine(narrow.isBF16() ? "bf16" : "f16")).str();
  // A --dummy-weights weight stays one: its narrow bytes are dummy too, so
  // neither compile memory nor the artifact pays for it.
  if (isDummyWeightData(data)) {
    ArrayRef<char> dummy = dummyWeightBytes(uint64_t(count) * 2);
    if (dummy.empty())
      return nullptr;
    AsmResourceBlob narrowBlob(
        dummy, /*dataAlignment=*/8, [](void *, size_t, size_t) {},
        /*dataIsMutable=*/false);
    return DenseResourceElementsAttr::get(type, key, std::move(narrowBlob));
  }
  // A new blob of half the size. The f32 blob stays where the importer put
  // it (large weights are mapped from the model file, not copied), so
  // converting costs the narrow weights' size in memory, once.
  AsmResourceBlob narrowBlob =
      HeapAsmResourceBlob::allocate(size_t(count) * 2, /*align=*/64);
  MutableArrayRef<char> out = narrowBlob.getMutableData();
  for (int64_t i = 0; i < count; ++i) {
    float element;
    std::memcpy(&element, data.data() + i * 4, 4);
    uint16_t bits = f32ToNarrowBits(element, narrow);
    std::memcpy(out.data() + i * 2, &bits, 2);
  }
  return DenseResourceElementsAttr::get(type, key, std::move(narrowBlob));
}

/// Retypes one function.
class Retyper {
public:
  Retyper(FloatType narrow, ArrayRef<llvm::GlobPattern> keepGlobs,
          ArrayRef<std::string> keepTexts, bool report)
      : narrow(narrow), keepGlobs(keepGlobs), keepTexts(keepTexts),
        report(report) {}

  LogicalResult run(func::FuncOp func);

private:
  /// The type `v` had before the pass.
  Type originalType(Value v) const {
    auto it = original.find(v);
    return it == original.end() ? v.getType() : it->second;
  }
  Type narrowed(Type type) const {
    return isF32Tensor(type) ? cast<RankedTensorType>(type).clone(Type(narrow))
                             : type;
  }
  bool isSmallConstant(Value v) const;
  /// Whether `op` computes on integers only (with small constants), so that
  /// its f32 results must stay exact.
  bool computesOnIntegers(Operation *op) const;
  /// The keep-f32 glob that matches one of `op`'s ONNX node names, if any.
  std::optional<StringRef> keepGlob(Operation *op) const;
  /// Whether operand `index` of `op` stays f32 even when `op` is narrowed.
  static bool keepsF32Operand(Operation *op, unsigned index);
  /// Keeps f32 the ops that compute `v` from constants only (a transpose
  /// or reshape of a weight), so that an operand kept f32 gets f32 values,
  /// not bf16 ones widened.
  void keepConstantChainF32(Value v);
  /// `v` as a value of type `type`: itself, a constant converted at compile
  /// time, or a cast placed right after `v`'s definition.
  FailureOr<Value> as(Value v, Type type);

  FloatType narrow;
  ArrayRef<llvm::GlobPattern> keepGlobs;
  ArrayRef<std::string> keepTexts;
  bool report;
  DenseMap<Value, Type> original;
  DenseSet<Value> exact;
  DenseMap<std::pair<Value, Type>, Value> converted;
  DenseSet<Operation *> constantChains;
};

void Retyper::keepConstantChainF32(Value v) {
  // Only chains rooted in constants alone: a router computed from
  // activations is model math like any other.
  SmallVector<Value> worklist{v};
  SmallVector<Operation *> chain;
  DenseSet<Operation *> seen;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val().getDefiningOp();
    if (!op || op->getNumRegions() > 0 ||
        !isa_and_nonnull<DeepcDialect>(op->getDialect()))
      return;
    if (isa<ConstantOp>(op) || !seen.insert(op).second)
      continue;
    llvm::append_range(worklist, op->getOperands());
    chain.push_back(op);
  }
  constantChains.insert(chain.begin(), chain.end());
}

bool Retyper::isSmallConstant(Value v) const {
  auto constant = v.getDefiningOp<ConstantOp>();
  return constant && cast<RankedTensorType>(originalType(v)).getNumElements() <=
                         kMaxIndexConstantElements;
}

bool Retyper::computesOnIntegers(Operation *op) const {
  if (auto castOp = dyn_cast<CastOp>(op))
    return !isa<FloatType>(
        getElementTypeOrSelf(originalType(castOp.getInput())));
  if (isa<RangeOp>(op))
    return true;
  bool readsExact = false;
  for (Value operand : op->getOperands()) {
    if (!isF32Tensor(originalType(operand)))
      continue;
    if (exact.contains(operand))
      readsExact = true;
    else if (!isSmallConstant(operand))
      return false;
  }
  return readsExact;
}

std::optional<StringRef> Retyper::keepGlob(Operation *op) const {
  std::optional<StringRef> match;
  op->getLoc()->walk([&](Location loc) {
    auto name = dyn_cast<NameLoc>(loc);
    if (!name)
      return WalkResult::advance();
    for (auto [glob, text] : llvm::zip(keepGlobs, keepTexts))
      if (glob.match(name.getName().strref())) {
        match = text;
        return WalkResult::interrupt();
      }
    return WalkResult::advance();
  });
  return match;
}

bool Retyper::keepsF32Operand(Operation *op, unsigned index) {
  // The MoE kernel computes the routing logits in f32 from whatever it is
  // given: an f32 router keeps top-k choosing the experts f32 chooses.
  if (auto moe = dyn_cast<MoeOp>(op))
    return moe.getRouterWeightMutable().getOperandNumber() == index ||
           (moe.getCorrectionBias() &&
            moe.getCorrectionBiasMutable()[0].getOperandNumber() == index);
  // Rotary reads its angle tables in any float type.
  if (auto rotary = dyn_cast<RotaryOp>(op))
    return index != rotary.getInputMutable().getOperandNumber();
  return false;
}

FailureOr<Value> Retyper::as(Value v, Type type) {
  if (v.getType() == type)
    return v;
  // Undoes a cast this pass added rather than stacking a second one.
  if (auto castOp = v.getDefiningOp<CastOp>())
    if (castOp.getInput().getType() == type &&
        original.count(castOp.getResult()))
      return castOp.getInput();
  auto key = std::make_pair(v, type);
  if (Value done = converted.lookup(key))
    return done;

  OpBuilder builder(v.getContext());
  if (Operation *def = v.getDefiningOp())
    builder.setInsertionPointAfter(def);
  else
    builder.setInsertionPointToStart(cast<BlockArgument>(v).getOwner());

  Value result;
  auto constant = v.getDefiningOp<ConstantOp>();
  if (constant && isF32Tensor(v.getType()) && type == narrowed(v.getType())) {
    auto tensorType = cast<RankedTensorType>(type);
    ElementsAttr values = narrowElements(constant.getValue(), tensorType);
    if (!values)
      return constant.emitError("deepc-set-precision: cannot read the values "
                                "of this constant to convert them to ")
             << narrow;
    result = builder.create<ConstantOp>(constant.getLoc(), values);
  } else {
    result = builder.create<CastOp>(v.getLoc(), type, v);
    // Marks the cast as ours (see above): its "original" type is its own.
    original[result] = type;
  }
  converted[key] = result;
  return result;
}

LogicalResult Retyper::run(func::FuncOp func) {
  if (func.isExternal())
    return success();
  unsigned narrowedOps = 0, keptOps = 0;
  SmallVector<Operation *> ops;
  for (Operation &op : func.getBody().front())
    ops.push_back(&op);
  FunctionType signature = func.getFunctionType();
  for (Operation *op : ops)
    for (OpOperand &operand : op->getOpOperands())
      if (keepsF32Operand(op, operand.getOperandNumber()))
        keepConstantChainF32(operand.get());

  for (Operation *op : ops) {
    if (op->hasTrait<OpTrait::IsTerminator>()) {
      // The function returns what it declares.
      for (OpOperand &operand : op->getOpOperands()) {
        Type want = operand.getOperandNumber() < signature.getNumResults()
                        ? signature.getResult(operand.getOperandNumber())
                        : originalType(operand.get());
        FailureOr<Value> value = as(operand.get(), want);
        if (failed(value))
          return failure();
        operand.set(*value);
      }
      continue;
    }
    if (isa<ConstantOp>(op))
      continue; // converted where a narrowed op reads it
    bool touchesF32 =
        llvm::any_of(op->getOperands(),
                     [&](Value v) { return isF32Tensor(originalType(v)); }) ||
        llvm::any_of(op->getResultTypes(), isF32Tensor);
    if (!touchesF32)
      continue;

    bool keep =
        constantChains.contains(op) || op->getNumRegions() > 0 ||
        !isa_and_nonnull<DeepcDialect>(op->getDialect()) ||
        (isa<CastOp>(op) &&
         !isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())));
    if (computesOnIntegers(op)) {
      keep = true;
      for (Value result : op->getResults())
        if (isF32Tensor(result.getType()))
          exact.insert(result);
    }
    std::optional<StringRef> glob = keepGlob(op);
    keep |= glob.has_value();

    for (OpOperand &operand : op->getOpOperands()) {
      Type want = originalType(operand.get());
      if (!keep && !keepsF32Operand(op, operand.getOperandNumber()))
        want = narrowed(want);
      FailureOr<Value> value = as(operand.get(), want);
      if (failed(value))
        return failure();
      operand.set(*value);
    }
    if (glob) {
      ++keptOps;
      if (report)
        op->emitRemark() << "kept in f32: its name matches keep-f32 glob '"
                         << *glob << "'";
    }
    if (keep)
      continue;
    for (Value result : op->getResults())
      if (isF32Tensor(result.getType())) {
        original[result] = result.getType();
        result.setType(narrowed(result.getType()));
      }
    ++narrowedOps;
  }

  // The f32 originals of converted constants, unless an f32 op still reads
  // them.
  for (Operation *op : ops)
    if (isa<ConstantOp>(op) && op->use_empty())
      op->erase();

  if (report)
    func.emitRemark() << "narrowed " << narrowedOps << " op(s) to "
                      << (narrow.isBF16() ? "bf16" : "f16") << ", kept "
                      << keptOps
                      << " in f32 by keep-f32 (values computed from integers "
                         "and MoE routers stay f32 too)";
  return success();
}

struct SetPrecisionPass : impl::DeepcSetPrecisionPassBase<SetPrecisionPass> {
  using DeepcSetPrecisionPassBase::DeepcSetPrecisionPassBase;

  void runOnOperation() override {
    MLIRContext *context = &getContext();
    FloatType narrow;
    if (precision == "f32")
      return;
    if (precision == "bf16")
      narrow = FloatType::getBF16(context);
    else if (precision == "f16")
      narrow = FloatType::getF16(context);
    else {
      // At the location only: the op itself may be a whole model.
      emitError(getOperation()->getLoc())
          << "deepc-set-precision: precision must be f32, bf16 or f16, got '"
          << precision << "'";
      return signalPassFailure();
    }

    SmallVector<std::string> texts(keepF32.begin(), keepF32.end());
    SmallVector<llvm::GlobPattern> globs;
    for (const std::string &text : texts) {
      llvm::Expected<llvm::GlobPattern> glob = llvm::GlobPattern::create(text);
      if (!glob) {
        emitError(getOperation()->getLoc())
            << "deepc-set-precision: invalid keep-f32 glob '" << text
            << "': " << llvm::toString(glob.takeError());
        return signalPassFailure();
      }
      globs.push_back(std::move(*glob));
    }

    SmallVector<func::FuncOp> funcs;
    getOperation()->walk([&](func::FuncOp func) { funcs.push_back(func); });
    for (func::FuncOp func : funcs) {
      Retyper retyper(narrow, globs, texts, report);
      if (failed(retyper.run(func)))
        return signalPassFailure();
    }
  }
};
} // namespace
} // namespace mlir::deepc
