//===- Matmul.cpp - deepc.matmul through cuBLASLt -------------------------===//
//
// cuBLASLt is column-major; a row-major C = op(A) op(B) is the column-major
// C^T = op(B)^T op(A)^T, so the operands are passed swapped and no data
// moves. f32 computes in f32 (no TF32, to match the CPU); f16 and bf16
// accumulate in f32 and may write an f32 result. Batch dims broadcast as in
// deepc.matmul: a weight shared by the whole batch folds the batch into the
// rows of one GEMM, a batch each operand walks with one stride (or stays
// on, stride 0) is one strided-batched GEMM, and anything else loops over
// the batch.
//
//===----------------------------------------------------------------------===//

#include "cuda/CudaKernels.h"
#include "cuda/Gemm.h"

#include <cstring>

namespace deepc::rt::cuda {
namespace {

struct Gemm {
  int64_t m = 0, n = 0, k = 0;
  bool transLhs = false, transRhs = false;
  Shape batch;
  int64_t lhsBatchStrides[kMaxRank] = {}; // in matrices
  int64_t rhsBatchStrides[kMaxRank] = {};
};

/// infer() has checked the operands; this only reads the geometry.
Gemm analyze(CudaKernelContext &ctx) {
  const TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1);
  Gemm g;
  g.transLhs = ctx.attrs().getBool("transpose_lhs");
  g.transRhs = ctx.attrs().getBool("transpose_rhs");
  int lr = lhs.shape.rank, rr = rhs.shape.rank;
  g.m = lhs.shape[lr - 2];
  g.k = lhs.shape[lr - 1];
  if (g.transLhs)
    std::swap(g.m, g.k);
  g.n = rhs.shape[rr - 1];
  if (g.transRhs)
    g.n = rhs.shape[rr - 2];
  Shape lb, rb;
  for (int i = 0; i + 2 < lr; ++i)
    lb.push(lhs.shape[i]);
  for (int i = 0; i + 2 < rr; ++i)
    rb.push(rhs.shape[i]);
  broadcastShapes(lb, rb, g.batch);
  broadcastStrides(lb, g.batch, g.lhsBatchStrides);
  broadcastStrides(rb, g.batch, g.rhsBatchStrides);
  return g;
}

/// The single stride (in matrices) with which an operand walks the whole
/// flattened batch, if there is one: 0 when broadcast everywhere, else its
/// dense stride.
bool uniformBatchStride(const Gemm &g, const int64_t *strides,
                        int64_t &stride) {
  bool allZero = true, dense = true;
  int64_t expect = 1;
  for (int d = g.batch.rank - 1; d >= 0; --d) {
    if (g.batch.dims[d] == 1)
      continue;
    allZero &= strides[d] == 0;
    dense &= strides[d] == expect;
    expect *= g.batch.dims[d];
  }
  stride = allZero ? 0 : 1;
  return allZero || dense;
}

cudaDataType_t blasType(DType t) {
  switch (t) {
  case DType::F16:
    return CUDA_R_16F;
  case DType::BF16:
    return CUDA_R_16BF;
  default:
    return CUDA_R_32F;
  }
}

Status blasError(CudaKernelContext &ctx, const char *what, cublasStatus_t s) {
  return ctx.error(std::string("cuBLASLt ") + what +
                   " failed: " + cublasLtGetStatusName(s) + " (" +
                   cublasLtGetStatusString(s) + ")");
}

#define DEEPC_BLAS(ctx, what, call)                                            \
  do {                                                                         \
    cublasStatus_t deepc_blas_ = (call);                                       \
    if (deepc_blas_ != CUBLAS_STATUS_SUCCESS)                                  \
      return blasError(ctx, what, deepc_blas_);                                \
  } while (false)

/// The largest power of two (at most 256) dividing the address and the
/// batch stride in bytes.
uint32_t alignmentOf(const void *p, int64_t strideBytes) {
  uint64_t bits =
      uint64_t(reinterpret_cast<uintptr_t>(p)) | uint64_t(strideBytes) | 256;
  return uint32_t(bits & (~bits + 1));
}

/// Owns the descriptors of one cuBLASLt call.
struct Descriptors {
  cublasLtMatmulDesc_t op = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulPreference_t pref = nullptr;
  ~Descriptors() {
    if (pref)
      cublasLtMatmulPreferenceDestroy(pref);
    for (cublasLtMatrixLayout_t l : {a, b, c})
      if (l)
        cublasLtMatrixLayoutDestroy(l);
    if (op)
      cublasLtMatmulDescDestroy(op);
  }
};

Status setBatch(CudaKernelContext &ctx, cublasLtMatrixLayout_t layout,
                int32_t count, int64_t strideElements) {
  DEEPC_BLAS(
      ctx, "layout batch count",
      cublasLtMatrixLayoutSetAttribute(
          layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count, sizeof(count)));
  DEEPC_BLAS(ctx, "layout batch stride",
             cublasLtMatrixLayoutSetAttribute(
                 layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                 &strideElements, sizeof(strideElements)));
  return okStatus();
}

cublasLtEpilogue_t blasEpilogue(const GemmCall &g) {
  bool bias = g.bias != nullptr;
  switch (g.activation) {
  case EpilogueActivation::Relu:
    return bias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
  case EpilogueActivation::GeluTanh:
    return bias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  case EpilogueActivation::None:
    break;
  }
  return bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
}

/// Sets the epilogue and bias attributes of `op` for `g`.
Status setEpilogue(CudaKernelContext &ctx, cublasLtMatmulDesc_t op,
                   const GemmCall &g, cudaDataType_t outType) {
  cublasLtEpilogue_t epilogue = blasEpilogue(g);
  DEEPC_BLAS(ctx, "epilogue attribute",
             cublasLtMatmulDescSetAttribute(op, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                            &epilogue, sizeof(epilogue)));
  if (!g.bias)
    return okStatus();
  // The bias has D's type; with the default batch stride 0 every matrix
  // of a strided batch adds the same vector.
  int32_t biasType = int32_t(outType);
  DEEPC_BLAS(ctx, "bias attribute",
             cublasLtMatmulDescSetAttribute(op,
                                            CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                            &g.bias, sizeof(g.bias)));
  DEEPC_BLAS(ctx, "bias attribute",
             cublasLtMatmulDescSetAttribute(op,
                                            CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE,
                                            &biasType, sizeof(biasType)));
  return okStatus();
}

} // namespace

Status runGemm(CudaKernelContext &ctx, const GemmCall &call,
               bool *noAlgorithm) {
  const GemmCall &g = call;
  int64_t rows = g.m, batch = g.batch;
  int64_t lhsStride = g.lhsStride, rhsStride = g.rhsStride,
          outStride = g.outStride;
  const void *lhs = g.lhs, *rhs = g.rhs;
  void *out = g.out;
  DType inType = g.inType, outType = g.outType;
  cudaDataType_t abType = blasType(inType), cType = blasType(outType);
  cublasOperation_t opA = g.transRhs ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opB = g.transLhs ? CUBLAS_OP_T : CUBLAS_OP_N;
  Descriptors d;
  DEEPC_BLAS(ctx, "matmul descriptor",
             cublasLtMatmulDescCreate(&d.op, CUBLAS_COMPUTE_32F, CUDA_R_32F));
  DEEPC_BLAS(ctx, "transpose attribute",
             cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSA,
                                            &opA, sizeof(opA)));
  DEEPC_BLAS(ctx, "transpose attribute",
             cublasLtMatmulDescSetAttribute(d.op, CUBLASLT_MATMUL_DESC_TRANSB,
                                            &opB, sizeof(opB)));
  // Column-major views: "A" is rhs (n x k after op), "B" is lhs (k x rows
  // after op), C is n x rows with leading dimension n.
  uint64_t aRows = g.transRhs ? g.k : g.n, aCols = g.transRhs ? g.n : g.k;
  uint64_t bRows = g.transLhs ? rows : g.k, bCols = g.transLhs ? g.k : rows;
  DEEPC_BLAS(ctx, "layout",
             cublasLtMatrixLayoutCreate(&d.a, abType, aRows, aCols, aRows));
  DEEPC_BLAS(ctx, "layout",
             cublasLtMatrixLayoutCreate(&d.b, abType, bRows, bCols, bRows));
  DEEPC_BLAS(ctx, "layout",
             cublasLtMatrixLayoutCreate(&d.c, cType, g.n, rows, uint64_t(g.n)));
  if (g.hasEpilogue())
    DEEPC_RETURN_IF_ERROR(setEpilogue(ctx, d.op, g, cType));
  if (batch > 1) {
    DEEPC_RETURN_IF_ERROR(setBatch(ctx, d.a, int32_t(batch), rhsStride));
    DEEPC_RETURN_IF_ERROR(setBatch(ctx, d.b, int32_t(batch), lhsStride));
    DEEPC_RETURN_IF_ERROR(setBatch(ctx, d.c, int32_t(batch), outStride));
  }

  CudaLibraries &libs = ctx.libraries();
  // The algorithm chosen may rely on the operands' alignment, so the
  // alignment (of the pointers and the batch strides) is part of the key.
  uint32_t alignA = alignmentOf(rhs, rhsStride * dtypeSize(inType));
  uint32_t alignB = alignmentOf(lhs, lhsStride * dtypeSize(inType));
  uint32_t alignD = alignmentOf(out, outStride * dtypeSize(outType));
  // C is the residual when there is one (D = A·B + C, beta = 1), else the
  // output itself (read only when accumulating).
  const void *c = g.residual ? g.residual : out;
  uint32_t alignC = alignmentOf(c, outStride * dtypeSize(outType));
  uint32_t alignBias = g.bias ? alignmentOf(g.bias, 0) : 0;
  // Each alignment fits in 16 bits (at most 256), and so do the epilogue
  // and each dtype.
  CudaLibraries::MatmulKey key = {
      rows,
      g.n,
      g.k,
      batch,
      lhsStride,
      rhsStride,
      int64_t(opA),
      int64_t(opB),
      int64_t(blasEpilogue(g)) << 32 | int64_t(alignBias) << 16 |
          int64_t(inType) << 8 | int64_t(outType),
      int64_t(alignC) << 48 | int64_t(alignA) << 32 | int64_t(alignB) << 16 |
          alignD};
  auto it = libs.matmulAlgos.find(key);
  if (it == libs.matmulAlgos.end()) {
    DEEPC_BLAS(ctx, "preference", cublasLtMatmulPreferenceCreate(&d.pref));
    size_t workspace = CudaLibraries::kBlasWorkspaceBytes;
    DEEPC_BLAS(ctx, "preference",
               cublasLtMatmulPreferenceSetAttribute(
                   d.pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
                   sizeof(workspace)));
    const std::pair<cublasLtMatmulPreferenceAttributes_t, uint32_t> aligns[] = {
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, alignA},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, alignB},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, alignC},
        {CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, alignD}};
    for (const auto &[attr, bytes] : aligns)
      DEEPC_BLAS(ctx, "preference",
                 cublasLtMatmulPreferenceSetAttribute(d.pref, attr, &bytes,
                                                      sizeof(bytes)));
    cublasLtMatmulHeuristicResult_t result;
    int found = 0;
    cublasStatus_t searched = cublasLtMatmulAlgoGetHeuristic(
        libs.blasLt(), d.op, d.a, d.b, d.c, d.c, d.pref, 1, &result, &found);
    // An epilogue cuBLASLt does not offer here is not an error when the
    // caller can run it itself.
    if (noAlgorithm && (searched == CUBLAS_STATUS_NOT_SUPPORTED ||
                        (searched == CUBLAS_STATUS_SUCCESS && found == 0))) {
      *noAlgorithm = true;
      return okStatus();
    }
    DEEPC_BLAS(ctx, "heuristic", searched);
    if (found == 0)
      return ctx.error("cuBLASLt has no algorithm for a " +
                       std::to_string(rows) + "x" + std::to_string(g.n) + "x" +
                       std::to_string(g.k) + " " + dtypeName(inType) + " GEMM");
    it = libs.matmulAlgos.emplace(key, result.algo).first;
  }
  float alpha = 1.0f, beta = g.accumulate || g.residual ? 1.0f : 0.0f;
  DEEPC_BLAS(ctx, "matmul",
             cublasLtMatmul(libs.blasLt(), d.op, &alpha, rhs, d.a, lhs, d.b,
                            &beta, c, d.c, out, d.c, &it->second,
                            libs.blasWorkspace(),
                            CudaLibraries::kBlasWorkspaceBytes, ctx.stream()));
  return okStatus();
}

namespace {

/// One (possibly strided-batched) GEMM of the matmul step: `rows` x n x k.
GemmCall gemmCall(CudaKernelContext &ctx, const Gemm &g, int64_t rows,
                  const void *lhs, const void *rhs, void *out, int64_t batch,
                  int64_t lhsStride, int64_t rhsStride, int64_t outStride) {
  GemmCall call;
  call.m = rows;
  call.n = g.n;
  call.k = g.k;
  call.transLhs = g.transLhs;
  call.transRhs = g.transRhs;
  call.inType = ctx.input(0).dtype;
  call.outType = ctx.output(0).dtype;
  call.lhs = lhs;
  call.rhs = rhs;
  call.out = out;
  call.batch = batch;
  call.lhsStride = lhsStride;
  call.rhsStride = rhsStride;
  call.outStride = outStride;
  return call;
}

Status gemm(CudaKernelContext &ctx, const Gemm &g, int64_t rows,
            const void *lhs, const void *rhs, void *out, int64_t batch,
            int64_t lhsStride, int64_t rhsStride, int64_t outStride) {
  return runGemm(ctx, gemmCall(ctx, g, rows, lhs, rhs, out, batch, lhsStride,
                               rhsStride, outStride));
}

/// The matmul step as one cuBLASLt call, when it is one: a weight shared
/// by the whole batch (the batch folds into the rows), or a batch each
/// operand walks with one stride. False for mixed broadcasting.
bool singleGemm(CudaKernelContext &ctx, const Gemm &g, GemmCall &call) {
  const TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1);
  void *out = ctx.output(0).data;
  int64_t batches = g.batch.numel();
  int64_t lhsStride, rhsStride;
  bool lhsUniform = uniformBatchStride(g, g.lhsBatchStrides, lhsStride);
  bool rhsUniform = uniformBatchStride(g, g.rhsBatchStrides, rhsStride);
  // nn.Linear on [B, S, K]: the batch is just more rows of one GEMM.
  if (batches > 1 && rhsUniform && rhsStride == 0 && lhsUniform &&
      lhsStride == 1 && !g.transLhs) {
    call = gemmCall(ctx, g, batches * g.m, lhs.data, rhs.data, out, 1, 0, 0, 0);
    return true;
  }
  if (!lhsUniform || !rhsUniform)
    return false;
  call = gemmCall(ctx, g, g.m, lhs.data, rhs.data, out, batches,
                  lhsStride * g.m * g.k, rhsStride * g.k * g.n, g.m * g.n);
  return true;
}

Status matmulRun(CudaKernelContext &ctx) {
  Gemm g = analyze(ctx);
  const TensorRef &lhs = ctx.input(0), &rhs = ctx.input(1);
  TensorRef &out = ctx.output(0);
  if (out.numel() == 0)
    return okStatus();
  if (g.k == 0) // an empty contraction is all zeros
    return cudaStatus(cudaMemsetAsync(out.data, 0, out.bytes(), ctx.stream()),
                      ctx.error("zero fill").message());
  int64_t batches = g.batch.numel();
  size_t inSize = dtypeSize(lhs.dtype), outSize = dtypeSize(out.dtype);
  int64_t lhsMat = g.m * g.k, rhsMat = g.k * g.n, outMat = g.m * g.n;

  GemmCall call;
  if (singleGemm(ctx, g, call))
    return runGemm(ctx, call);
  // Mixed broadcasting ([2, 1] x [1, 3] batches): one GEMM per matrix.
  for (int64_t b = 0; b < batches; ++b) {
    int64_t lo = 0, ro = 0;
    for (int64_t rest = b, d = g.batch.rank - 1; d >= 0; --d) {
      int64_t i = rest % g.batch.dims[d];
      rest /= g.batch.dims[d];
      lo += i * g.lhsBatchStrides[d];
      ro += i * g.rhsBatchStrides[d];
    }
    DEEPC_RETURN_IF_ERROR(gemm(
        ctx, g, g.m, static_cast<const char *>(lhs.data) + lo * lhsMat * inSize,
        static_cast<const char *>(rhs.data) + ro * rhsMat * inSize,
        static_cast<char *>(out.data) + b * outMat * outSize, 1, 0, 0, 0));
  }
  return okStatus();
}

} // namespace

Status runMatmulWithEpilogue(CudaKernelContext &ctx,
                             EpilogueActivation activation,
                             const TensorRef &bias, const TensorRef &residual,
                             bool &ran) {
  ran = false;
  Gemm g = analyze(ctx);
  GemmCall call;
  // An empty result or contraction is left to the unfused pair, which
  // handles both.
  if (ctx.output(0).numel() == 0 || g.k == 0 || !singleGemm(ctx, g, call))
    return okStatus();
  call.activation = activation;
  call.bias = bias.data;
  call.residual = residual.data;
  bool noAlgorithm = false;
  DEEPC_RETURN_IF_ERROR(runGemm(ctx, call, &noAlgorithm));
  ran = !noAlgorithm;
  return okStatus();
}

namespace {

/// f32 x f32 -> f32, and f16/bf16 x same -> same or f32.
bool matmulSupports(const PlanStep &step, const Plan &plan) {
  DType lhs = planInputDType(step, plan, 0),
        rhs = planInputDType(step, plan, 1);
  DType out = planOutputDType(step, plan, 0);
  if (lhs != rhs || !isDeviceFloat(lhs))
    return false;
  return out == lhs || out == DType::F32;
}

} // namespace

void registerMatmulKernels(CudaKernelRegistry &registry) {
  registry.add("deepc.matmul", {matmulRun, matmulSupports});
}

} // namespace deepc::rt::cuda
