//===- Stats.h - latency statistics for --bench -----------------*- C++ -*-===//

#ifndef DEEPC_TOOLS_DEEPC_RUN_STATS_H
#define DEEPC_TOOLS_DEEPC_RUN_STATS_H

#include <vector>

namespace deepc::run {

struct LatencyStats {
  double minMs = 0, meanMs = 0, medianMs = 0, p90Ms = 0, p99Ms = 0, maxMs = 0;
};

/// The `fraction` percentile of sorted `values` by the nearest-rank method:
/// the smallest value with at least that fraction of values at or below it.
double percentile(const std::vector<double> &sortedValues, double fraction);

/// Statistics of one latency sample per timed run; all zero when empty.
LatencyStats summarizeLatencies(std::vector<double> latenciesMs);

} // namespace deepc::run

#endif // DEEPC_TOOLS_DEEPC_RUN_STATS_H
