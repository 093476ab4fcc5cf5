//===- Matmul.cpp - deepc.matmul on the CPU -------------------------------===//
//
// f32 goes through OpenBLAS; f16, bf16 and f8 are widened to f32 first.
// Integer matmuls accumulate in int64 and wrap to the result type, as a
// fixed-width integer GEMM does.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cblas.h>
#include <cstring>
#include <vector>

namespace deepc::rt::cpu {
namespace {

/// The GEMM problem of one deepc.matmul: shapes, transposes and how the
/// batch dims of each operand map onto the result's.
struct MatmulShape {
  int64_t m = 0, n = 0, k = 0;
  bool transLhs = false, transRhs = false;
  Shape batch;
  int64_t lhsBatchStrides[kMaxRank] = {}; // in matrices
  int64_t rhsBatchStrides[kMaxRank] = {};
  int64_t batchCount() const { return batch.numel(); }
};

Shape leading(const Shape &s, int drop) {
  Shape out;
  for (int i = 0; i + drop < s.rank; ++i)
    out.push(s.dims[i]);
  return out;
}

Status analyze(KernelContext &ctx, MatmulShape &p) {
  const TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1);
  if (lhs.shape.rank < 2 || rhs.shape.rank < 2)
    return ctx.error("operands must have rank 2 or more, got lhs " +
                     lhs.shape.str() + " and rhs " + rhs.shape.str());
  if (lhs.dtype != rhs.dtype)
    return ctx.error(std::string("lhs element type ") + dtypeName(lhs.dtype) +
                     " differs from rhs element type " + dtypeName(rhs.dtype));
  p.transLhs = ctx.attrs().getBool("transpose_lhs");
  p.transRhs = ctx.attrs().getBool("transpose_rhs");
  int lr = lhs.shape.rank, rr = rhs.shape.rank;
  p.m = lhs.shape[lr - 2];
  int64_t lhsK = lhs.shape[lr - 1];
  if (p.transLhs)
    std::swap(p.m, lhsK);
  int64_t rhsK = rhs.shape[rr - 2];
  p.n = rhs.shape[rr - 1];
  if (p.transRhs)
    std::swap(rhsK, p.n);
  if (lhsK != rhsK)
    return ctx.error("contraction dimensions differ: lhs " + lhs.shape.str() +
                     " has K = " + std::to_string(lhsK) + " but rhs " +
                     rhs.shape.str() + " has K = " + std::to_string(rhsK));
  p.k = lhsK;
  Shape lb = leading(lhs.shape, 2), rb = leading(rhs.shape, 2);
  if (!broadcastShapes(lb, rb, p.batch) || p.batch.rank + 2 > kMaxRank)
    return ctx.error("batch dimensions " + lb.str() + " and " + rb.str() +
                     " do not broadcast");
  broadcastStrides(lb, p.batch, p.lhsBatchStrides);
  broadcastStrides(rb, p.batch, p.rhsBatchStrides);
  return okStatus();
}

Status inferMatmul(KernelContext &ctx) {
  MatmulShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  Shape out = p.batch;
  out.push(p.m);
  out.push(p.n);
  ctx.output(0).shape = out;
  return okStatus();
}

/// Matrix offsets (in matrices) of result batch `b` in lhs and rhs.
void batchOffsets(const MatmulShape &p, int64_t b, int64_t &lhs, int64_t &rhs) {
  lhs = rhs = 0;
  for (int d = p.batch.rank - 1; d >= 0; --d) {
    int64_t i = b % p.batch.dims[d];
    b /= p.batch.dims[d];
    lhs += i * p.lhsBatchStrides[d];
    rhs += i * p.rhsBatchStrides[d];
  }
}

void sgemm(const MatmulShape &p, int64_t m, const float *a, const float *b,
           float *c) {
  if (m == 0 || p.n == 0)
    return;
  if (p.k == 0) {
    std::memset(c, 0, size_t(m * p.n) * 4);
    return;
  }
  if (m == 1) {
    // One row (a decode step): GEMV streams the weight once, where GEMM
    // would first pack it. The row is contiguous, transposed or not.
    if (p.transRhs) // b is [n, k]
      cblas_sgemv(CblasRowMajor, CblasNoTrans, int(p.n), int(p.k), 1.0f, b,
                  int(p.k), a, 1, 0.0f, c, 1);
    else // b is [k, n]
      cblas_sgemv(CblasRowMajor, CblasTrans, int(p.k), int(p.n), 1.0f, b,
                  int(p.n), a, 1, 0.0f, c, 1);
    return;
  }
  cblas_sgemm(CblasRowMajor, p.transLhs ? CblasTrans : CblasNoTrans,
              p.transRhs ? CblasTrans : CblasNoTrans, int(m), int(p.n),
              int(p.k), 1.0f, a, int(p.transLhs ? m : p.k), b,
              int(p.transRhs ? p.k : p.n), 0.0f, c, int(p.n));
}

void runF32(KernelContext &ctx, const MatmulShape &p, const float *lhs,
            const float *rhs, float *out) {
  int64_t batches = p.batchCount();
  int64_t lhsMat = p.m * p.k, rhsMat = p.k * p.n, outMat = p.m * p.n;
  // A weight shared by the whole batch (nn.Linear on [B, S, K]): one tall
  // GEMM uses BLAS far better than many short ones.
  bool rhsShared = true;
  for (int d = 0; d < p.batch.rank; ++d)
    rhsShared &= p.rhsBatchStrides[d] == 0 || p.batch.dims[d] == 1;
  bool lhsDense = true;
  for (int d = 0; d < p.batch.rank; ++d)
    lhsDense &= p.lhsBatchStrides[d] != 0 || p.batch.dims[d] == 1;
  if (batches > 1 && rhsShared && lhsDense && !p.transLhs) {
    sgemm(p, batches * p.m, lhs, rhs, out);
    return;
  }
  // Small matrices: one single-threaded GEMM per OpenMP thread (OpenBLAS
  // runs serially inside a parallel region). Large ones: let BLAS thread.
  bool smallGemms = double(p.m) * double(p.n) * double(p.k) < 4.0e6;
  if (batches > 1 && smallGemms) {
#pragma omp parallel for num_threads(threadCount(ctx)) schedule(dynamic)
    for (int64_t b = 0; b < batches; ++b) {
      int64_t lo, ro;
      batchOffsets(p, b, lo, ro);
      sgemm(p, p.m, lhs + lo * lhsMat, rhs + ro * rhsMat, out + b * outMat);
    }
    return;
  }
  for (int64_t b = 0; b < batches; ++b) {
    int64_t lo, ro;
    batchOffsets(p, b, lo, ro);
    sgemm(p, p.m, lhs + lo * lhsMat, rhs + ro * rhsMat, out + b * outMat);
  }
}

/// Integer GEMM accumulating in int64; wraps to the result type on store.
template <typename T>
void runInt(KernelContext &ctx, const MatmulShape &p, const T *lhs,
            const T *rhs, TensorRef &out) {
  int64_t batches = p.batchCount();
  int64_t lhsMat = p.m * p.k, rhsMat = p.k * p.n;
  // Element (i, j) of a stored matrix is at i * rowStride + j * colStride.
  int64_t aRow = p.transLhs ? 1 : p.k, aCol = p.transLhs ? p.m : 1;
  int64_t bRow = p.transRhs ? 1 : p.n, bCol = p.transRhs ? p.k : 1;
  int64_t rows = batches * p.m;
#pragma omp parallel num_threads(threadCount(ctx))
  {
    std::vector<int64_t> acc(static_cast<size_t>(p.n));
#pragma omp for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      int64_t b = r / p.m, i = r % p.m;
      int64_t lo, ro;
      batchOffsets(p, b, lo, ro);
      const T *a = lhs + lo * lhsMat;
      const T *bm = rhs + ro * rhsMat;
      std::fill(acc.begin(), acc.end(), 0);
      for (int64_t kk = 0; kk < p.k; ++kk) {
        int64_t av = int64_t(a[i * aRow + kk * aCol]);
        if (av == 0)
          continue;
        const T *brow = bm + kk * bRow;
        for (int64_t j = 0; j < p.n; ++j)
          // Unsigned arithmetic: overflow wraps instead of being undefined.
          acc[j] = int64_t(uint64_t(acc[j]) +
                           uint64_t(av) * uint64_t(int64_t(brow[j * bCol])));
      }
      for (int64_t j = 0; j < p.n; ++j)
        storeFromInt64(out.data, out.dtype, r * p.n + j, acc[j]);
    }
  }
}

Status runMatmul(KernelContext &ctx) {
  MatmulShape p;
  DEEPC_RETURN_IF_ERROR(analyze(ctx, p));
  TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1), &out = ctx.output(0);
  switch (lhs.dtype) {
  case DType::I4:
  case DType::I8:
    runInt(ctx, p, lhs.as<const int8_t>(), rhs.as<const int8_t>(), out);
    return okStatus();
  case DType::Bool:
    runInt(ctx, p, lhs.as<const uint8_t>(), rhs.as<const uint8_t>(), out);
    return okStatus();
  case DType::I32:
    runInt(ctx, p, lhs.as<const int32_t>(), rhs.as<const int32_t>(), out);
    return okStatus();
  case DType::I64:
    runInt(ctx, p, lhs.as<const int64_t>(), rhs.as<const int64_t>(), out);
    return okStatus();
  default:
    break;
  }
  if (!isFloat(lhs.dtype) || !isFloat(out.dtype))
    return ctx.error(std::string("unsupported element type ") +
                     dtypeName(lhs.dtype));
  const float *a = f32Values(ctx, lhs);
  const float *b = f32Values(ctx, rhs);
  float *c = f32Results(ctx, out);
  if (!a || !b || !c)
    return outOfMemory(ctx);
  runF32(ctx, p, a, b, c);
  storeF32Results(ctx, c, out);
  return okStatus();
}

} // namespace

void registerMatmulKernels(KernelRegistry &registry) {
  KernelDef def;
  def.infer = inferMatmul;
  def.run = runMatmul;
  registry.add("deepc.matmul", def);
}

} // namespace deepc::rt::cpu
