//===- Suites.h - the benchmark and check suites of deepc-gpu-bench -*- C++
//-*-//
//
// Each suite reports through ctx.reporter. A `check...` function compares
// every kernel it covers once with a host reference on small sizes and
// counts the failures; a `bench...` function times the kernels at the
// issue's sizes. Both return false only when CUDA itself failed.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_BENCH_GPU_SUITES_H
#define DEEPC_BENCH_GPU_SUITES_H

#include "BenchCommon.h"

namespace deepc::bench {

bool checkMoe(Context &ctx, int &failures);
bool benchMoe(Context &ctx);

bool checkAttention(Context &ctx, int &failures);
bool benchAttention(Context &ctx);

} // namespace deepc::bench

#endif // DEEPC_BENCH_GPU_SUITES_H
