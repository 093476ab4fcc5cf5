//===- Compare.cpp - compare an output with its expected value ------------===//

#include "Compare.h"

#include <algorithm>
#include <cmath>

namespace deepc::run {

Comparison compareTensors(TensorRef actual, TensorRef expected,
                          double tolerance) {
  Comparison result;
  if (actual.dtype != expected.dtype || actual.dims != expected.dims) {
    result.mismatch = std::string("expected ") + formatDims(expected.dims) +
                      " " + dtypeName(expected.dtype) + ", got " +
                      formatDims(actual.dims) + " " + dtypeName(actual.dtype);
    return result;
  }

  int64_t count = numElements(actual.dims);
  if (!isFloatDType(actual.dtype)) {
    // Exact: compared as integers so that large int64 values keep every bit.
    for (int64_t i = 0; i < count; ++i) {
      int64_t a = loadInt(actual.data, actual.dtype, i);
      int64_t e = loadInt(expected.data, expected.dtype, i);
      double err = std::fabs(double(a) - double(e));
      if (a != e)
        err = std::max(err, 1.0); // never rounds to a pass
      result.maxAbsErr = std::max(result.maxAbsErr, err);
      if (e != 0)
        result.maxRelErr =
            std::max(result.maxRelErr, err / std::fabs(double(e)));
      result.scale = std::max(result.scale, std::fabs(double(e)));
    }
    result.ok = result.maxAbsErr == 0;
    return result;
  }

  for (int64_t i = 0; i < count; ++i) {
    double a = loadFloat(actual.data, actual.dtype, i);
    double e = loadFloat(expected.data, expected.dtype, i);
    if (std::isnan(a) || std::isnan(e)) {
      if (std::isnan(a) != std::isnan(e))
        ++result.nanMismatches;
      continue;
    }
    // Equal infinities agree; any other infinity is an infinite error,
    // which the scale (over finite values only) cannot excuse.
    double err = a == e ? 0.0 : std::fabs(a - e);
    result.maxAbsErr = std::max(result.maxAbsErr, err);
    if (e != 0 && std::isfinite(e))
      result.maxRelErr = std::max(result.maxRelErr, err / std::fabs(e));
    if (std::isfinite(e))
      result.scale = std::max(result.scale, std::fabs(e));
  }
  result.ok =
      result.nanMismatches == 0 && result.maxAbsErr <= tolerance * result.scale;
  return result;
}

} // namespace deepc::run
