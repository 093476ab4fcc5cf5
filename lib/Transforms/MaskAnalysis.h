//===- MaskAnalysis.h - prove attention masks causal/windowed ---*- C++ -*-===//
//
// Exporters compute attention masks from position indices (Range, Trilu,
// comparisons, and/or/not, Where), and deepc.attention can say the common
// ones with attributes instead. This analysis interprets a mask's producer
// graph symbolically, with every index tensor an affine function of its own
// coordinates, and proves which attributes give the same keep/drop pattern.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_TRANSFORMS_MASKANALYSIS_H
#define DEEPC_LIB_TRANSFORMS_MASKANALYSIS_H

#include "mlir/IR/Value.h"

#include <cstdint>
#include <string>

namespace mlir::deepc {

/// The mask attributes of deepc.attention, with its defaults (none set).
struct AttentionMaskForm {
  bool causal = false;
  int64_t windowLeft = -1;
  int64_t windowRight = -1;
  int64_t numGlobalTokens = 0;

  bool isUnmasked() const {
    return !causal && windowLeft < 0 && windowRight < 0;
  }
};

/// A mask proven equal to `form` (taken with the query at position
/// `p(i) = i`, which the proof checks) and-ed with `residual`: an i1 factor
/// of the mask that depends on run-time data (a padding mask), null when
/// there is none.
struct ProvenMask {
  AttentionMaskForm form;
  Value residual;
};

/// Proves that the mask operand `mask` of an attention op whose attributes
/// already say `existing` keeps exactly the pairs of `form` and `residual`.
/// On failure returns false and sets `whyNot`.
bool proveAttentionMask(Value mask, const AttentionMaskForm &existing,
                        ProvenMask &proven, std::string &whyNot);

} // namespace mlir::deepc

#endif // DEEPC_LIB_TRANSFORMS_MASKANALYSIS_H
