//===- Epilogue.cpp - a producer and its epilogue region as one step ------===//
//
// Row blocks rather than one producer pass then one region pass: the region
// reads each block of the result from cache instead of from memory, and the
// result needs no buffer of its full size. Each block's GEMM runs on one
// thread (OpenBLAS runs serially inside an OpenMP parallel region), so a
// block must be tall enough for BLAS to stay efficient: every block packs
// the whole weight again. A row-wise producer (a norm, a rotary) has no
// such cost per block.
//
//===----------------------------------------------------------------------===//

#include "core/Epilogue.h"

#include <algorithm>
#include <atomic>
#include <omp.h>
#include <vector>

namespace deepc::rt {

namespace {

/// The fewest rows a block's single-threaded GEMM gets; fewer leave BLAS
/// bound by reading the weight.
constexpr int64_t kMinGemmBlockRows = 32;
/// Blocks hold at most about this many bytes of the result (more rows if
/// kMinGemmBlockRows needs them), so that the region finds them in cache.
constexpr int64_t kMaxBlockBytes = int64_t(2) << 20;

/// How a region input of shape `in` is read along the rows of the result
/// (shape `out`, flattened to [rows, cols]).
enum class RowLayout { Invalid, Shared, PerRow };

RowLayout rowLayout(const Shape &in, const Shape &out) {
  if (in.rank > out.rank)
    return RowLayout::Invalid;
  if (in.rank == 0)
    return RowLayout::Shared;
  int64_t last = in.dims[in.rank - 1];
  if (last != 1 && last != out.dims[out.rank - 1])
    return RowLayout::Invalid;
  // The outer dims, right-aligned against the result's: all 1 (the same
  // values for every row, a bias) or all the result's (row by row).
  bool allOnes = true, allEqual = true;
  for (int d = 0; d + 1 < out.rank; ++d) {
    int from = d - (out.rank - in.rank);
    int64_t dim = from >= 0 ? in.dims[from] : 1;
    allOnes &= dim == 1;
    allEqual &= dim == out.dims[d];
  }
  if (allOnes)
    return RowLayout::Shared;
  return allEqual ? RowLayout::PerRow : RowLayout::Invalid;
}

Shape matrix(int64_t rows, int64_t cols) {
  Shape s;
  s.push(rows);
  s.push(cols);
  return s;
}

unsigned char *offsetBytes(void *data, int64_t elements, DType dtype) {
  return static_cast<unsigned char *>(data) +
         size_t(elements) * dtypeSize(dtype);
}

/// Input `in` of the region, as the block of rows [first, first + count)
/// reads it: a [count, last] or [1, last] matrix view.
TensorRef regionInputView(const TensorRef &in, const Shape &out, int64_t first,
                          int64_t count) {
  TensorRef view = in;
  if (in.shape.rank == 0)
    return view;
  int64_t last = in.shape.dims[in.shape.rank - 1];
  if (rowLayout(in.shape, out) == RowLayout::Shared) {
    view.shape = matrix(1, last);
    return view;
  }
  view.shape = matrix(count, last);
  view.data = offsetBytes(in.data, first * last, in.dtype);
  return view;
}

/// Whether row r of the GEMM's result is row r of lhs times one rhs
/// matrix that every row shares.
bool gemmHasRowBlocks(KernelContext &gemm) {
  const TensorRef &lhs = gemm.input(0), &rhs = gemm.input(1);
  const Shape &shape = gemm.output(0).shape;
  int rank = shape.rank;
  if (rank < 2 || gemm.attrs().getBool("transpose_lhs") ||
      lhs.shape.rank != rank || rhs.shape.rank < 2)
    return false;
  for (int d = 0; d + 2 < rank; ++d)
    if (lhs.shape.dims[d] != shape.dims[d])
      return false;
  for (int d = 0; d + 2 < rhs.shape.rank; ++d)
    if (rhs.shape.dims[d] != 1)
      return false;
  return true;
}

/// Rows `first`..`first + count` of `stage`'s output into `part`, on the
/// calling thread. `previous` is the previous stage's block (null for the
/// head, which reads its own operands); `shape` the chain's result shape.
Status runStageBlock(const EpilogueStage &stage, const TensorRef *previous,
                     const Shape &shape, int64_t first, int64_t count,
                     TensorRef &part) {
  KernelContext &ctx = *stage.ctx;
  int n = ctx.numInputs();
  std::vector<TensorRef> ins(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    ins[i] = ctx.input(i);
  if (!stage.kernel) { // a region
    for (int i = 0; i < n; ++i)
      ins[i] = i == stage.resultInput
                   ? *previous
                   : regionInputView(ctx.input(i), shape, first, count);
    KernelContext block(ctx.step(), ins.data(), n, &part, 1);
    block.numThreads = 1;
    return runRegionFunction(stage.fn, block, 1);
  }
  if (stage.kernel->rowWise) {
    if (previous) {
      ins[0] = *previous;
    } else {
      int64_t cols = part.shape.dims[1];
      ins[0].shape = matrix(count, cols);
      ins[0].data = offsetBytes(ins[0].data, first * cols, ins[0].dtype);
    }
    KernelContext block(ctx.step(), ins.data(), n, &part, 1);
    block.numThreads = 1;
    block.fullShape = &ctx.input(0).shape;
    block.rowBegin = first;
    return stage.kernel->run(block);
  }
  // A GEMM head: row r of the result is row r of lhs times one matrix.
  const TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1);
  int64_t depth = lhs.shape.dims[lhs.shape.rank - 1];
  ins[0].shape = matrix(count, depth);
  ins[0].data = offsetBytes(lhs.data, first * depth, lhs.dtype);
  ins[1].shape = matrix(rhs.shape.dims[rhs.shape.rank - 2],
                        rhs.shape.dims[rhs.shape.rank - 1]);
  KernelContext block(ctx.step(), ins.data(), 2, &part, 1);
  block.numThreads = 1;
  return stage.kernel->run(block);
}

} // namespace

EpilogueBlocks planEpilogueBlocks(const std::vector<EpilogueStage> &stages,
                                  int threads) {
  EpilogueBlocks none;
  if (stages.size() < 2 || !stages[0].kernel)
    return none;
  KernelContext &head = *stages[0].ctx;
  const Shape &shape = head.output(0).shape;
  int rank = shape.rank;
  bool rowWiseHead = stages[0].kernel->rowWise;
  if (rowWiseHead ? rank < 1 || !(head.input(0).shape == shape)
                  : !gemmHasRowBlocks(head))
    return none;
  for (size_t k = 1; k < stages.size(); ++k) {
    KernelContext &ctx = *stages[k].ctx;
    if (!(ctx.output(0).shape == shape) ||
        (stages[k].kernel && !stages[k].kernel->rowWise))
      return none;
    for (int i = 0; !stages[k].kernel && i < ctx.numInputs(); ++i)
      if (i != stages[k].resultInput &&
          rowLayout(ctx.input(i).shape, shape) == RowLayout::Invalid)
        return none;
  }

  EpilogueBlocks blocks;
  blocks.cols = shape.dims[rank - 1];
  if (blocks.cols == 0 || threads < 1)
    return none;
  blocks.rows = shape.numel() / blocks.cols;
  int64_t minRows = rowWiseHead ? 1 : kMinGemmBlockRows;
  // The widest dtype along the chain sizes a block's bytes.
  int64_t elementBytes = 1;
  for (const EpilogueStage &stage : stages)
    elementBytes = std::max<int64_t>(
        elementBytes, int64_t(dtypeSize(stage.ctx->output(0).dtype)));
  int64_t rowBytes = blocks.cols * elementBytes;
  int64_t cacheRows = std::max<int64_t>(
      minRows, kMaxBlockBytes / std::max<int64_t>(1, rowBytes));
  int64_t perThread = (blocks.rows + threads - 1) / threads;
  blocks.blockRows = std::min(cacheRows, perThread);
  if (blocks.blockRows < minRows)
    return none;
  return blocks;
}

Status runRegionFunction(deepc_region_fn fn, KernelContext &ctx, int threads) {
  if (!fn)
    return interpretRegion(ctx);
  TensorRef &out = ctx.output(0);
  if (out.numel() == 0)
    return okStatus();
  int n = ctx.numInputs();
  std::vector<const void *> inputs(static_cast<size_t>(n));
  std::vector<int64_t> strides(size_t(n) * DEEPC_REGION_MAX_RANK, 0);
  for (int i = 0; i < n; ++i) {
    inputs[i] = ctx.input(i).data;
    broadcastStrides(ctx.input(i).shape, out.shape,
                     &strides[size_t(i) * DEEPC_REGION_MAX_RANK]);
  }
  deepc_region_args args;
  args.num_inputs = n;
  args.inputs = inputs.data();
  args.input_strides = strides.data();
  args.output = out.data;
  args.rank = out.shape.rank;
  args.dims = out.shape.dims;
  args.num_threads = threads;
  int rc = fn(&args);
  if (rc == DEEPC_REGION_FAULT)
    return ctx.error("integer division or modulo by zero");
  if (rc != 0)
    return internalError("compiled region '" + ctx.step().symbol + "' of " +
                         ctx.step().op + " (node '" + ctx.step().loc +
                         "') failed with code " + std::to_string(rc));
  return okStatus();
}

Status runEpilogueBlocks(const std::vector<EpilogueStage> &stages,
                         const EpilogueBlocks &blocks,
                         const std::vector<void *> &scratch, int threads) {
  const Shape &shape = stages[0].ctx->output(0).shape;
  size_t last = stages.size() - 1;
  int64_t blockElements = blocks.blockRows * blocks.cols;

  std::atomic<bool> failed{false};
  Status firstError = okStatus();
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t b = 0; b < blocks.count(); ++b) {
    if (failed.load(std::memory_order_relaxed))
      continue;
    int64_t first = b * blocks.blockRows;
    int64_t count = std::min(blocks.blockRows, blocks.rows - first);
    Status status = okStatus();
    TensorRef previous;
    for (size_t k = 0; k <= last && status.ok(); ++k) {
      // Intermediate blocks go to this thread's part of their scratch; the
      // last stage writes its rows of the chain's output.
      const TensorRef &out = stages[k].ctx->output(0);
      TensorRef part = out;
      part.shape = matrix(count, blocks.cols);
      part.data =
          k == last
              ? offsetBytes(out.data, first * blocks.cols, out.dtype)
              : offsetBytes(scratch[k], blockElements * omp_get_thread_num(),
                            out.dtype);
      status = runStageBlock(stages[k], k ? &previous : nullptr, shape, first,
                             count, part);
      previous = part;
    }
    if (!status.ok() && !failed.exchange(true)) {
#pragma omp critical(deepc_epilogue_error)
      firstError = status;
    }
  }
  return firstError;
}

} // namespace deepc::rt
