//===- Compare.h - compare an output with its expected value ----*- C++ -*-===//

#ifndef DEEPC_TOOLS_DEEPC_RUN_COMPARE_H
#define DEEPC_TOOLS_DEEPC_RUN_COMPARE_H

#include "Elements.h"

#include <string>

namespace deepc::run {

struct Comparison {
  bool ok = false;
  /// Why the tensors cannot be compared element by element (a shape or
  /// dtype mismatch, naming both), or "" when they were.
  std::string mismatch;
  /// Elements whose NaN-ness differs; such an output always fails.
  int64_t nanMismatches = 0;
  double maxAbsErr = 0;
  /// max |actual - expected| / |expected| over elements with expected != 0.
  double maxRelErr = 0;
  /// max(1, max |expected|) over finite values: the error allowed is
  /// tolerance * scale.
  double scale = 1;
};

/// Compares `actual` with `expected`. Floats pass when
/// max |actual - expected| <= tolerance * max(1, max |expected|) and NaNs
/// sit in the same places; integers and bools must be equal. The dtypes and
/// shapes must match.
Comparison compareTensors(TensorRef actual, TensorRef expected,
                          double tolerance);

} // namespace deepc::run

#endif // DEEPC_TOOLS_DEEPC_RUN_COMPARE_H
