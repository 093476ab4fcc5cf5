//===- Epilogue.h - a producer and its epilogue region as one step -*- C++ -*-//
//
// A step with `epilogue` set (Plan.h: a matmul, a norm or a rotary) runs
// together with the step after it, which may have an epilogue in turn (a
// norm, then a rotary, then a quantizing region). Where the shapes allow,
// the head is computed in row blocks, one block per OpenMP thread at a
// time, and each next step is applied to the block right after it is
// made, while it is still in cache: the intermediate results never exist
// whole. The kernels are unchanged: a GEMM runs on views of its operands
// (offset pointers, fewer rows), a row-wise kernel (KernelDef::rowWise) on
// a view of its input's rows, as a region does on views of its inputs and
// output.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CORE_EPILOGUE_H
#define DEEPC_RT_CORE_EPILOGUE_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/RegionAbi.h"

#include <vector>

namespace deepc::rt {

/// One step of a chain that runs in row blocks: the head (a matmul or a
/// row-wise kernel), then steps that each read the previous one's result
/// (a row-wise kernel as its input 0, or a region), the last writing the
/// chain's output. `ctx` holds the step's operands (the previous result as
/// inferred, whole) and its inferred output.
struct EpilogueStage {
  KernelContext *ctx = nullptr;
  /// The step's kernel; null for a region.
  const KernelDef *kernel = nullptr;
  /// Regions: the compiled function, or null to interpret.
  deepc_region_fn fn = nullptr;
  /// Which input is the previous stage's result (0 for row-wise kernels).
  int resultInput = 0;
};

/// How the head's result, flattened to [rows, cols], is cut into row
/// blocks.
struct EpilogueBlocks {
  int64_t rows = 0;
  int64_t cols = 0;
  /// Rows per block; 0 when the chain must run unblocked (each step whole,
  /// one after the other).
  int64_t blockRows = 0;
  int64_t count() const {
    return blockRows ? (rows + blockRows - 1) / blockRows : 0;
  }
};

/// Whether and how `stages` can run in row blocks on `threads` threads.
/// Blocks need every stage's output shaped like the head's result, and
/// every other region input either the same for every row or laid out row
/// by row like the result. A matmul head also needs lhs not transposed and
/// not broadcast, rhs one matrix shared by every row, and enough rows that
/// every thread gets a block big enough for an efficient single-threaded
/// GEMM; a row-wise head needs its result shaped like its input 0.
EpilogueBlocks planEpilogueBlocks(const std::vector<EpilogueStage> &stages,
                                  int threads);

/// Runs `stages` in the row blocks of `blocks`: per block, the head on
/// views of its operands writes the block into the calling thread's part
/// of `scratch[0]`, each next stage reads it and writes its own block into
/// `scratch[k]`, and the last writes its block of its placed output.
/// `scratch[k]` (k < stages - 1) holds threads * blockRows * cols elements
/// of stage k's result dtype.
Status runEpilogueBlocks(const std::vector<EpilogueStage> &stages,
                         const EpilogueBlocks &blocks,
                         const std::vector<void *> &scratch, int threads);

/// Runs region `ctx` (inputs and output placed) with its compiled function
/// `fn` on `threads` threads (0: OpenMP's default), or interprets it when
/// `fn` is null.
Status runRegionFunction(deepc_region_fn fn, KernelContext &ctx, int threads);

} // namespace deepc::rt

#endif // DEEPC_RT_CORE_EPILOGUE_H
