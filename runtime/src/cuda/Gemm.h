//===- Gemm.h - one cuBLASLt GEMM for the CUDA kernels ----------*- C++ -*-===//
//
// deepc.matmul's GEMM, for the kernels that need one inside a bigger op
// (deepc.moe's router logits and shared experts). Row-major operands,
// algorithms cached per problem in the session's CudaLibraries.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_GEMM_H
#define DEEPC_RUNTIME_CUDA_GEMM_H

#include "cuda/EpilogueMatch.h"
#include "deepc/rt/cuda/CudaKernel.h"

namespace deepc::rt::cuda {

/// out[m, n] (+)= op(lhs)[m, k] · op(rhs)[k, n], all dense and row-major:
/// lhs is [m, k] ([k, m] when transLhs), rhs [k, n] ([n, k] when transRhs,
/// the layout of a linear layer's weight). Both operands have `inType`
/// (f32, f16 or bf16); the result `outType` (the same, or f32). f32
/// accumulation, no TF32. Strides are in elements, between the `batch`
/// matrices of a strided batch.
struct GemmCall {
  int64_t m = 0, n = 0, k = 0;
  bool transLhs = false, transRhs = false;
  DType inType = DType::F32, outType = DType::F32;
  const void *lhs = nullptr, *rhs = nullptr;
  void *out = nullptr;
  int64_t batch = 1, lhsStride = 0, rhsStride = 0, outStride = 0;
  /// Adds to `out` instead of overwriting it.
  bool accumulate = false;

  /// cuBLASLt's epilogue (EpilogueMatch.h): out = act(lhs · rhs + residual
  /// + bias). `bias` holds n values of `outType`, one per column, the same
  /// for every row and batch; `residual` is a dense matrix (batch) of
  /// out's layout and type, distinct from `out`. Null when absent.
  EpilogueActivation activation = EpilogueActivation::None;
  const void *bias = nullptr;
  const void *residual = nullptr;
  bool hasEpilogue() const {
    return activation != EpilogueActivation::None || bias || residual;
  }
};

/// Enqueues `call` on ctx.stream(); errors name ctx's op. When
/// `noAlgorithm` is non-null and cuBLASLt has no algorithm for the call
/// (an epilogue it does not offer for these types or alignments), sets it
/// and enqueues nothing, so that the caller can run the epilogue itself.
Status runGemm(CudaKernelContext &ctx, const GemmCall &call,
               bool *noAlgorithm = nullptr);

/// deepc.matmul's step in `ctx` with its epilogue fused: writes
/// act(result + residual + bias) into ctx.output(0), which has the
/// result's shape and dtype (the region's output buffer). `bias` and
/// `residual` are device tensors (data null when absent). Sets `ran` to
/// false, enqueuing nothing, when the GEMM is not one cuBLASLt call (a
/// batch both operands broadcast differently) or cuBLASLt has no
/// algorithm for it: the caller then runs the GEMM and the region.
Status runMatmulWithEpilogue(CudaKernelContext &ctx,
                             EpilogueActivation activation,
                             const TensorRef &bias, const TensorRef &residual,
                             bool &ran);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_GEMM_H
