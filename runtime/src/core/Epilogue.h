//===- Epilogue.h - a matmul and its epilogue region as one step -*- C++
//-*-===//
//
// A matmul step with `epilogue` set (Plan.h) runs together with the region
// step after it. Where the shapes allow, the GEMM is computed in row blocks,
// one block per OpenMP thread at a time, and the region is applied to each
// block right after its GEMM, while the block is still in cache: the whole
// GEMM result never exists. The matmul kernel itself is unchanged: it runs
// on views of the operands (offset pointers, fewer rows), as the region
// does on views of its inputs and output.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_CORE_EPILOGUE_H
#define DEEPC_RT_CORE_EPILOGUE_H

#include "deepc/rt/Kernel.h"
#include "deepc/rt/RegionAbi.h"

namespace deepc::rt {

/// How the GEMM result, flattened to [rows, cols], is cut into row blocks.
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
/// `gemm` holds the matmul's operands and its inferred output (the result);
/// `region` the region's inputs (input `resultInput` is the result) and its
/// inferred output. Blocks need: lhs not transposed and not broadcast, rhs
/// one matrix shared by every row, the region's output shaped like the
/// result, and every other region input either the same for every row or
/// laid out row by row like the result; and enough rows that every thread
/// gets a block big enough for an efficient single-threaded GEMM.
EpilogueBlocks planEpilogueBlocks(KernelContext &gemm, KernelContext &region,
                                  int resultInput, int threads);

/// Runs the pair in the row blocks of `blocks`: per block, the matmul
/// kernel `gemmKernel` on views of `gemm`'s operands writes the block into
/// the calling thread's part of `scratch` (threads * blockRows * cols
/// elements of the result's dtype), then the region (compiled `fn`, or
/// interpreted when null) reads it and writes the block of `region`'s
/// output.
Status runEpilogueBlocks(const KernelDef &gemmKernel, KernelContext &gemm,
                         KernelContext &region, int resultInput,
                         deepc_region_fn fn, const EpilogueBlocks &blocks,
                         void *scratch, int threads);

/// Runs region `ctx` (inputs and output placed) with its compiled function
/// `fn` on `threads` threads (0: OpenMP's default), or interprets it when
/// `fn` is null.
Status runRegionFunction(deepc_region_fn fn, KernelContext &ctx, int threads);

} // namespace deepc::rt

#endif // DEEPC_RT_CORE_EPILOGUE_H
