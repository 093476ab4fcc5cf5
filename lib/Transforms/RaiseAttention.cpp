//===- RaiseAttention.cpp - deepc.attention from its primitive ops --------===//
//
// Exporters write scaled dot-product attention as a score matmul, scalar
// scales, an additive or select mask, a softmax (with a NaN guard), and a
// matmul with v, with the heads split, the GQA key/value heads repeated and
// k transposed by reshape/transpose/expand chains. This pass proves what
// each chain does to the elements (AttentionLayout.h), reads q, k and v
// from where the chains start, and rebuilds one deepc.attention.
//
//===----------------------------------------------------------------------===//

#include "AttentionLayout.h"

#include "deepc/Transforms/Passes.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SetVector.h"

#include <cmath>
#include <optional>
#include <string>

namespace mlir::deepc {
#define GEN_PASS_DEF_DEEPCRAISEATTENTIONPASS
#include "deepc/Transforms/Passes.h.inc"

namespace {

/// Everything a matched attention needs to be rebuilt.
struct AttentionMatch {
  SoftmaxOp softmax;
  MatmulOp output;
  Value q, k, v;
  Value mask;
  /// The i1 mask is `not(mask)`: the graph drops where `mask` is true.
  bool negateMask = false;
  Value gate, sinks;
  int64_t numHeads = 0, numKvHeads = 0;
  double scale = 1.0, softcap = 0.0;
};

/// Whether `value` is a splat scalar that masks a score out: -inf or the
/// lowest finite value of its type (exporters use both; either makes the
/// softmax weight exactly 0 unless the whole row is masked).
bool isMaskingValue(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      attr.getNumElements() != 1)
    return false;
  APFloat splat = attr.getSplatValue<APFloat>();
  if (splat.isInfinity() && splat.isNegative())
    return true;
  APFloat lowest = APFloat::getLargest(splat.getSemantics(), true);
  return splat.bitwiseIsEqual(lowest);
}

bool isZero(Value value) {
  std::optional<double> scalar = getScalarConstant(value);
  return scalar && *scalar == 0.0;
}

int64_t rankOf(Value value) {
  return cast<RankedTensorType>(value.getType()).getRank();
}

/// Whether `value` is `select(not(equal(p, p)), 0, p)`: NaN → 0, which the
/// kernel's zeros for fully masked rows already give.
bool isNanGuardOf(SelectOp select, Value probs) {
  if (select.getFalseValue() != probs || !isZero(select.getTrueValue()) ||
      select.getType() != probs.getType())
    return false;
  auto notOp = select.getCond().getDefiningOp<NotOp>();
  if (!notOp)
    return false;
  auto equal = notOp.getInput().getDefiningOp<EqualOp>();
  return equal && equal.getLhs() == probs && equal.getRhs() == probs;
}

/// Matches one attention around a softmax; on failure, `reason` says why.
class AttentionMatcher {
public:
  std::string reason;

  std::optional<AttentionMatch> match(SoftmaxOp softmax) {
    AttentionMatch m;
    m.softmax = softmax;
    auto type = cast<RankedTensorType>(softmax.getType());
    if (type.getRank() != 4)
      return fail("the scores are not rank 4 [batch, heads, seq, kv_seq]");
    int64_t axis = softmax.getAxis();
    if (axis != -1 && axis != 3)
      return fail("the softmax is over axis " + std::to_string(axis) +
                  ", not the key axis (3)");

    Value logits = softmax.getInput();
    Value probs = softmax.getResult();
    Value sinkColumn;
    if (auto concat = logits.getDefiningOp<ConcatOp>();
        concat && concat.getInputs().size() == 2 &&
        (concat.getAxis() == 3 || concat.getAxis() == -1)) {
      if (!matchSinkSlice(probs, concat.getInputs()[0]))
        return std::nullopt;
      logits = concat.getInputs()[0];
      sinkColumn = concat.getInputs()[1];
      probs = (*probs.getUsers().begin())->getResult(0);
    }
    if (!matchOutput(probs, m))
      return std::nullopt;
    if (!matchLogits(logits, m))
      return std::nullopt;
    if (!matchOperands(m))
      return std::nullopt;
    if (sinkColumn && !matchSinks(sinkColumn, m))
      return std::nullopt;
    return m;
  }

private:
  std::nullopt_t fail(const std::string &why) {
    reason = why;
    return std::nullopt;
  }
  bool reject(const std::string &why) {
    reason = why;
    return false;
  }

  /// The sink column is appended last and sliced off after the softmax.
  bool matchSinkSlice(Value probs, Value scores) {
    if (!probs.hasOneUse())
      return reject("the softmax over scores and sinks has other uses");
    auto slice = dyn_cast<SliceOp>(*probs.getUsers().begin());
    int64_t keys = cast<RankedTensorType>(scores.getType()).getDimSize(3);
    if (!slice || slice.getAxes().size() != 1 ||
        (slice.getAxes()[0] != 3 && slice.getAxes()[0] != -1) ||
        slice.getStarts()[0] != 0 || slice.getSteps()[0] != 1 ||
        !(slice.getEnds()[0] == -1 ||
          (!ShapedType::isDynamic(keys) && slice.getEnds()[0] == keys)))
      return reject("the sink column is not sliced off after the softmax");
    return true;
  }

  /// probs (→ NaN guard) → matmul(·, v).
  bool matchOutput(Value probs, AttentionMatch &m) {
    SmallVector<Operation *> users;
    for (Operation *user : probs.getUsers())
      if (!llvm::is_contained(users, user))
        users.push_back(user);
    Value weights = probs;
    for (Operation *user : users)
      if (auto select = dyn_cast<SelectOp>(user);
          select && isNanGuardOf(select, probs)) {
        weights = select.getResult();
        // The guard's equal is the only other user.
        if (users.size() != 2)
          return reject("the probabilities have other uses");
      }
    if (weights == probs && users.size() != 1)
      return reject("the probabilities have other uses");
    if (!weights.hasOneUse())
      return reject("the probabilities have other uses");
    auto output = dyn_cast<MatmulOp>(*weights.getUsers().begin());
    if (!output || output.getLhs() != weights || output.getTransposeLhs() ||
        output.getTransposeRhs() || rankOf(output.getRhs()) != 4)
      return reject("the probabilities are not multiplied by a rank-4 v");
    m.output = output;
    return true;
  }

  /// logits = [mask](softcap(gate(scale · q·kᵀ))), the mask added or
  /// selected.
  bool matchLogits(Value logits, AttentionMatch &m) {
    Value scores = matchMask(logits, m);
    if (!scores)
      return false;
    // softcap: c · tanh(s / c), written as a div or a product by 1/c.
    if (auto outer = scores.getDefiningOp<MulOp>()) {
      for (auto [inner, cap] : {std::pair(outer.getLhs(), outer.getRhs()),
                                std::pair(outer.getRhs(), outer.getLhs())}) {
        auto tanh = inner.getDefiningOp<TanhOp>();
        std::optional<double> c = getScalarConstant(cap);
        if (!tanh || !c || outer.getType() != inner.getType())
          continue;
        std::optional<double> inverse;
        Value capped;
        if (auto div = tanh.getInput().getDefiningOp<DivOp>()) {
          if (std::optional<double> d = getScalarConstant(div.getRhs()))
            inverse = 1.0 / *d, capped = div.getLhs();
        } else if (auto mul = tanh.getInput().getDefiningOp<MulOp>()) {
          for (auto [x, f] : {std::pair(mul.getLhs(), mul.getRhs()),
                              std::pair(mul.getRhs(), mul.getLhs())})
            if (std::optional<double> r = getScalarConstant(f))
              inverse = *r, capped = x;
        }
        if (!inverse || capped.getType() != tanh.getType() || !(*c > 0) ||
            std::abs(*inverse * *c - 1.0) > 1e-6)
          return reject("tanh(s · a) · c is a softcap only when a = 1/c > 0");
        m.softcap = *c;
        scores = capped;
        break;
      }
    }
    // Scalar scales and the sigmoid gate, in any order, down to q·kᵀ.
    while (true) {
      if (auto matmul = scores.getDefiningOp<MatmulOp>()) {
        if (matmul.getTransposeLhs() || rankOf(matmul.getLhs()) != 4 ||
            rankOf(matmul.getRhs()) != 4)
          return reject("the score matmul is not q[B,H,S,D]·kᵀ");
        scoresMatmul = matmul;
        return true;
      }
      if (auto div = scores.getDefiningOp<DivOp>()) {
        std::optional<double> d = getScalarConstant(div.getRhs());
        if (!d || *d == 0 || div.getLhs().getType() != div.getType())
          return reject("the scores are divided by a non-scalar");
        m.scale /= *d;
        scores = div.getLhs();
        continue;
      }
      auto mul = scores.getDefiningOp<MulOp>();
      if (!mul)
        return reject("the scores are not a scaled q·kᵀ matmul");
      bool matched = false;
      for (auto [x, f] : {std::pair(mul.getLhs(), mul.getRhs()),
                          std::pair(mul.getRhs(), mul.getLhs())}) {
        if (x.getType() != mul.getType())
          continue;
        if (std::optional<double> c = getScalarConstant(f)) {
          m.scale *= *c;
          scores = x;
          matched = true;
          break;
        }
        if (auto sigmoid = f.getDefiningOp<SigmoidOp>(); sigmoid && !m.gate) {
          auto gate = sigmoid.getInput().getDefiningOp<MatmulOp>();
          if (!gate || gate.getTransposeLhs() || gate.getTransposeRhs() ||
              rankOf(gate.getRhs()) != 3)
            continue;
          gateMatmul = gate;
          m.gate = gate.getRhs();
          scores = x;
          matched = true;
          break;
        }
      }
      if (!matched)
        return reject("the scores are multiplied by something other than a "
                      "scalar constant or sigmoid(q·G)");
    }
  }

  /// Peels the mask off the logits and returns the masked scores.
  Value matchMask(Value logits, AttentionMatch &m) {
    auto scoresType = cast<RankedTensorType>(logits.getType());
    Value scores = logits, mask;
    if (auto add = logits.getDefiningOp<AddOp>()) {
      // The scores are the side that is a product chain down to a matmul.
      scores = add.getLhs(), mask = add.getRhs();
      if (!reachesMatmul(scores) && reachesMatmul(add.getRhs()))
        std::swap(scores, mask);
      // select(m, 0, -inf) added keeps where m: the i1 mask.
      if (auto select = mask.getDefiningOp<SelectOp>();
          select &&
          select.getType().getShape() ==
              cast<RankedTensorType>(select.getCond().getType()).getShape()) {
        if (isZero(select.getTrueValue()) &&
            isMaskingValue(select.getFalseValue()))
          mask = select.getCond();
        else if (isMaskingValue(select.getTrueValue()) &&
                 isZero(select.getFalseValue()))
          mask = select.getCond(), m.negateMask = true;
      }
    } else if (auto select = logits.getDefiningOp<SelectOp>()) {
      if (isMaskingValue(select.getFalseValue()))
        scores = select.getTrueValue(), mask = select.getCond();
      else if (isMaskingValue(select.getTrueValue()))
        scores = select.getFalseValue(), mask = select.getCond(),
        m.negateMask = true;
    }
    if (!mask)
      return scores;
    if (scores.getType() != scoresType) {
      reject("the mask broadcasts the scores to a larger shape");
      return {};
    }
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() > 4) {
      reject("the mask has rank above 4");
      return {};
    }
    for (int64_t i = 0, e = maskType.getRank(); i < e; ++i) {
      int64_t size = maskType.getDimSize(i);
      int64_t scoresSize = scoresType.getDimSize(i + 4 - maskType.getRank());
      if (!ShapedType::isDynamic(size) && size != 1 && size != scoresSize) {
        reject("the mask does not broadcast to the scores");
        return {};
      }
    }
    m.mask = mask;
    return scores;
  }

  /// Whether `value` is a matmul, maybe under scalar products, a gate or
  /// a softcap (to tell the scores from the mask in an add).
  static bool reachesMatmul(Value value) {
    for (int depth = 0; depth < 8; ++depth) {
      Operation *op = value.getDefiningOp();
      if (!op)
        return false;
      if (isa<MatmulOp>(op))
        return true;
      if (!isa<MulOp, DivOp, TanhOp>(op))
        return false;
      value = op->getOperand(0);
      if (auto mul = dyn_cast<MulOp>(op);
          mul && !mul.getLhs().getDefiningOp<MatmulOp>() &&
          !isa_and_nonnull<MulOp, DivOp, TanhOp>(mul.getLhs().getDefiningOp()))
        value = mul.getRhs();
    }
    return false;
  }

  /// The key/value head repeat of a traced k or v: dimension 1 is the
  /// source's heads followed by broadcast atoms (query head h reads
  /// key/value head h / repeat). Returns the repeat, 0 when not of that
  /// form.
  static int64_t headRepeat(const Layout &layout) {
    ArrayRef<unsigned> heads = layout.dims[1];
    ArrayRef<unsigned> source = layout.sourceDims[1];
    if (heads.size() < source.size() ||
        heads.take_front(source.size()) != source)
      return 0;
    int64_t repeat = 1;
    for (unsigned atom : heads.drop_front(source.size())) {
      if (!layout.isBroadcast(atom) || !layout.atoms[atom].extent.isStatic())
        return 0;
      repeat *= layout.atoms[atom].extent.coefficient;
    }
    return repeat;
  }

  static bool isRank4(const Layout &layout) {
    return rankOf(layout.source) == 4 && layout.dims.size() == 4;
  }

  bool matchOperands(AttentionMatch &m) {
    DimAnalysis dims;
    // The broadcast batch extents of both matmuls match q's, k's and v's.
    (void)dims.extentOf(scoresMatmul.getResult(), 0);
    (void)dims.extentOf(m.output.getResult(), 0);

    std::optional<TracedValue> q =
        traceLayout(scoresMatmul.getLhs(), dims, [](const Layout &layout) {
          return isRank4(layout) && layout.isSourceDim(0, 0) &&
                 layout.isSourceDim(1, 1) && layout.isSourceDim(2, 2) &&
                 layout.isSourceDim(3, 3);
        });
    if (!q)
      return reject("q is not a rank-4 [batch, heads, seq, head_dim] tensor");
    auto qType = cast<RankedTensorType>(q->layout.source.getType());
    if (qType.isDynamicDim(1))
      return reject("the number of query heads is dynamic");
    m.numHeads = qType.getDimSize(1);
    // The key/value heads, repeated, must give every query head one.
    auto repeatsToQueryHeads = [&](const Layout &layout, int64_t repeat) {
      int64_t heads =
          cast<RankedTensorType>(layout.source.getType()).getDimSize(1);
      return repeat > 0 && !ShapedType::isDynamic(heads) &&
             heads * repeat == m.numHeads;
    };
    bool transposed = scoresMatmul.getTransposeRhs();
    int64_t keyRepeat = 0;
    std::optional<TracedValue> k =
        traceLayout(scoresMatmul.getRhs(), dims, [&](const Layout &layout) {
          if (!isRank4(layout) || !layout.isSourceDim(0, 0))
            return false;
          bool keysLast =
              transposed ? layout.isSourceDim(2, 2) && layout.isSourceDim(3, 3)
                         : layout.isSourceDim(2, 3) && layout.isSourceDim(3, 2);
          keyRepeat = headRepeat(layout);
          return keysLast && repeatsToQueryHeads(layout, keyRepeat);
        });
    if (!k)
      return reject("the score matmul's right side is not kᵀ of a "
                    "[batch, kv_heads, kv_seq, head_dim] k whose heads are "
                    "repeated to the query heads in groups");
    int64_t valueRepeat = 0;
    std::optional<TracedValue> v =
        traceLayout(m.output.getRhs(), dims, [&](const Layout &layout) {
          if (!isRank4(layout) || !layout.isSourceDim(0, 0) ||
              !layout.isSourceDim(2, 2) || !layout.isSourceDim(3, 3))
            return false;
          valueRepeat = headRepeat(layout);
          return repeatsToQueryHeads(layout, valueRepeat);
        });
    if (!v)
      return reject("the output matmul's right side is not a "
                    "[batch, kv_heads, kv_seq, v_head_dim] v whose heads are "
                    "repeated to the query heads in groups");
    if (v->scale != 1.0)
      return reject("v is scaled");
    m.q = q->layout.source;
    m.k = k->layout.source;
    m.v = v->layout.source;
    m.scale *= q->scale * k->scale;

    auto kType = cast<RankedTensorType>(m.k.getType());
    auto vType = cast<RankedTensorType>(m.v.getType());
    m.numKvHeads = kType.getDimSize(1);
    if (vType.getDimSize(1) != m.numKvHeads || keyRepeat != valueRepeat)
      return reject("k and v have different numbers of heads (not repeated "
                    "alike)");
    if (qType.getElementType() != kType.getElementType() ||
        qType.getElementType() != vType.getElementType())
      return reject("q, k and v have different element types");
    if (!dims.equal(dims.extentOf(m.q, 0), dims.extentOf(m.k, 0)) ||
        !dims.equal(dims.extentOf(m.q, 0), dims.extentOf(m.v, 0)))
      return reject("q, k and v do not provably have the same batch size");
    if (!(m.scale > 0) || std::isinf(float(m.scale)))
      return reject("the product of the scales is not finite and positive");
    if (m.gate && !matchGate(m, dims))
      return false;

    // deepc.attention's result is [B, Hq, Sq] of q and Dv of v.
    auto resultType =
        RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(1),
                               qType.getDimSize(2), vType.getDimSize(3)},
                              qType.getElementType());
    if (resultType != m.output.getType())
      return reject("the output type differs from q's and v's");
    return true;
  }

  /// gate = sigmoid(q·G) with the q of the attention, unscaled, and G
  /// [num_heads, head_dim, 1 or kv_seq].
  bool matchGate(AttentionMatch &m, DimAnalysis &dims) {
    std::optional<TracedValue> q =
        traceLayout(gateMatmul.getLhs(), dims, [&](const Layout &layout) {
          return layout.source == m.q && isRank4(layout) &&
                 layout.isSourceDim(0, 0) && layout.isSourceDim(1, 1) &&
                 layout.isSourceDim(2, 2) && layout.isSourceDim(3, 3);
        });
    auto gateType = cast<RankedTensorType>(m.gate.getType());
    if (!q || q->scale != 1.0)
      return reject("the sigmoid gate is not sigmoid(q·G) of the unscaled q");
    if (gateType.getDimSize(0) != m.numHeads ||
        gateType.getElementType() !=
            cast<RankedTensorType>(m.q.getType()).getElementType())
      return reject("the gate G is not [num_heads, head_dim, 1 or kv_seq]");
    return true;
  }

  /// The sink column: sinks [num_heads] broadcast to [B, H, Sq, 1].
  bool matchSinks(Value column, AttentionMatch &m) {
    DimAnalysis dims;
    std::optional<TracedValue> sinks =
        traceLayout(column, dims, [](const Layout &layout) {
          if (rankOf(layout.source) != 1 || layout.dims.size() != 4 ||
              !layout.isSourceDim(1, 0) || !layout.dims[3].empty())
            return false;
          for (unsigned dim : {0u, 2u})
            for (unsigned atom : layout.dims[dim])
              if (!layout.isBroadcast(atom))
                return false;
          return true;
        });
    if (!sinks || sinks->scale != 1.0)
      return reject("the column joined to the scores is not a [num_heads] "
                    "sink logit broadcast over batch and queries");
    auto type = cast<RankedTensorType>(sinks->layout.source.getType());
    if (type.getDimSize(0) != m.numHeads)
      return reject("the sinks are not [num_heads]");
    m.sinks = sinks->layout.source;
    return true;
  }

  MatmulOp scoresMatmul;
  MatmulOp gateMatmul;
};

/// Whether the softmax looks like attention: its probabilities (maybe
/// through a guard or a slice) feed a matmul.
bool looksLikeAttention(SoftmaxOp softmax) {
  for (Operation *user : softmax->getUsers()) {
    if (isa<MatmulOp>(user))
      return true;
    if (isa<SelectOp, SliceOp>(user))
      for (Operation *next : user->getUsers())
        if (isa<MatmulOp>(next))
          return true;
  }
  return false;
}

/// Replaces the matched output matmul with one deepc.attention and erases
/// what only it used.
void rewrite(AttentionMatch m) {
  IRRewriter rewriter(m.output.getContext());
  rewriter.setInsertionPoint(m.output);
  Location loc = m.softmax.getLoc();
  Value mask = m.mask;
  if (mask && m.negateMask) {
    if (auto notOp = mask.getDefiningOp<NotOp>())
      mask = notOp.getInput();
    else
      mask = rewriter.create<NotOp>(loc, mask);
  }
  auto attention = rewriter.create<AttentionOp>(
      loc, m.q, m.k, m.v, mask, m.gate, m.sinks, m.numHeads, m.numKvHeads,
      rewriter.getF32FloatAttr(static_cast<float>(m.scale)),
      /*causal=*/false, /*window_left=*/-1, /*window_right=*/-1,
      /*num_global_tokens=*/0, static_cast<float>(m.softcap));
  // Erase the primitive chain: the softmax and what feeds it, and v's
  // layout ops.
  llvm::SetVector<Operation *> worklist;
  worklist.insert(m.softmax);
  for (Operation *user : m.softmax->getUsers())
    worklist.insert(user);
  if (Operation *repeatedV = m.output.getRhs().getDefiningOp())
    worklist.insert(repeatedV);
  rewriter.replaceOp(m.output, attention.getResult());
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (!isOpTriviallyDead(op))
      continue;
    llvm::SetVector<Operation *> producers;
    for (Value operand : op->getOperands())
      if (Operation *producer = operand.getDefiningOp())
        producers.insert(producer);
    op->erase();
    for (Operation *producer : producers)
      if (producer->use_empty())
        worklist.insert(producer);
  }
}

struct RaiseAttentionPass
    : impl::DeepcRaiseAttentionPassBase<RaiseAttentionPass> {
  using DeepcRaiseAttentionPassBase::DeepcRaiseAttentionPassBase;

  void runOnOperation() override {
    SmallVector<SoftmaxOp> softmaxes;
    getOperation()->walk([&](SoftmaxOp op) { softmaxes.push_back(op); });
    for (SoftmaxOp softmax : softmaxes) {
      AttentionMatcher matcher;
      std::optional<AttentionMatch> match = matcher.match(softmax);
      if (!match) {
        if (report && looksLikeAttention(softmax))
          softmax->emitRemark("not raised to deepc.attention: ")
              << matcher.reason;
        continue;
      }
      if (report)
        softmax->emitRemark("raised to deepc.attention");
      rewrite(*match);
    }
  }
};

} // namespace
} // namespace mlir::deepc
