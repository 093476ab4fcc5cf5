//===- Gemm.h - one cuBLASLt GEMM for the CUDA kernels ----------*- C++ -*-===//
//
// deepc.matmul's GEMM, for the kernels that need one inside a bigger op
// (deepc.moe's router logits and shared experts). Row-major operands,
// algorithms cached per problem in the session's CudaLibraries.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_GEMM_H
#define DEEPC_RUNTIME_CUDA_GEMM_H

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
};

/// Enqueues `call` on ctx.stream(); errors name ctx's op.
Status runGemm(CudaKernelContext &ctx, const GemmCall &call);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_GEMM_H
