//===- Stats.cpp - latency statistics for --bench -------------------------===//

#include "Stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace deepc::run {

double percentile(const std::vector<double> &sortedValues, double fraction) {
  if (sortedValues.empty())
    return 0;
  double rank = std::ceil(fraction * double(sortedValues.size()));
  size_t index = size_t(std::clamp(rank, 1.0, double(sortedValues.size()))) - 1;
  return sortedValues[index];
}

LatencyStats summarizeLatencies(std::vector<double> latenciesMs) {
  LatencyStats stats;
  if (latenciesMs.empty())
    return stats;
  std::sort(latenciesMs.begin(), latenciesMs.end());
  size_t n = latenciesMs.size();
  stats.minMs = latenciesMs.front();
  stats.maxMs = latenciesMs.back();
  stats.meanMs =
      std::accumulate(latenciesMs.begin(), latenciesMs.end(), 0.0) / double(n);
  // The median of an even count is the mean of the middle two.
  stats.medianMs = n % 2 ? latenciesMs[n / 2]
                         : (latenciesMs[n / 2 - 1] + latenciesMs[n / 2]) / 2;
  stats.p90Ms = percentile(latenciesMs, 0.90);
  stats.p99Ms = percentile(latenciesMs, 0.99);
  return stats;
}

} // namespace deepc::run
