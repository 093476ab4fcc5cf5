//===- Epilogue.h - a producer and its epilogue region as one step -*- C++ -*-//
//
// A step with `epilogue` set (Plan.h: a matmul, a norm or a rotary) runs
// together with the region step after it. Where the shapes allow, the
// producer is computed in row blocks, one block per OpenMP thread at a
// time, and the region is applied to each block right after it is made,
// while the block is still in cache: the whole result never exists. The
// kernels are unchanged: a GEMM runs on views of its operands (offset
// pointers, fewer rows), a row-wise kernel (KernelDef::rowWise) on a view
// of its input's rows, as the region does on views of its inputs and
// output.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CORE_EPILOGUE_H
#define DEEPC_RT_CORE_EPILOGUE_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/RegionAbi.h"

namespace deepc::rt {

/// How the producer's result, flattened to [rows, cols], is cut into row
/// blocks.
struct EpilogueBlocks {
  int64_t rows = 0;
  int64_t cols = 0;
  /// Rows per block; 0 when the pair must run unblocked (the whole GEMM,
  /// then the whole region).
  int64_t blockRows = 0;
  int64_t count() const {
    return blockRows ? (rows + blockRows - 1) / blockRows : 0;
  }
};

/// Whether and how the pair can run in row blocks on `threads` threads.
/// `producer` holds the producing step's operands and its inferred output
/// (the result), `kernel` is its kernel; `region` the region's inputs
/// (input `resultInput` is the result) and its inferred output. Blocks
/// need the region's output shaped like the result, and every other region
/// input either the same for every row or laid out row by row like the
/// result. A matmul also needs lhs not transposed and not broadcast, rhs
/// one matrix shared by every row, and enough rows that every thread gets
/// a block big enough for an efficient single-threaded GEMM; a row-wise
/// kernel needs its result shaped like its input 0.
EpilogueBlocks planEpilogueBlocks(const KernelDef &kernel,
                                  KernelContext &producer,
                                  KernelContext &region, int resultInput,
                                  int threads);

/// Runs the pair in the row blocks of `blocks`: per block, `kernel` on
/// views of `producer`'s operands writes the block into the calling
/// thread's part of `scratch` (threads * blockRows * cols elements of the
/// result's dtype), then the region (compiled `fn`, or interpreted when
/// null) reads it and writes the block of `region`'s output.
Status runEpilogueBlocks(const KernelDef &kernel, KernelContext &producer,
                         KernelContext &region, int resultInput,
                         deepc_region_fn fn, const EpilogueBlocks &blocks,
                         void *scratch, int threads);

/// Runs region `ctx` (inputs and output placed) with its compiled function
/// `fn` on `threads` threads (0: OpenMP's default), or interprets it when
/// `fn` is null.
Status runRegionFunction(deepc_region_fn fn, KernelContext &ctx, int threads);

} // namespace deepc::rt

#endif // DEEPC_RT_CORE_EPILOGUE_H
