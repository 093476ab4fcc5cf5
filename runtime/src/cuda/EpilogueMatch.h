//===- EpilogueMatch.h - matmul epilogues that cuBLASLt fuses ---*- C++ -*-===//
//
// A matmul step marked `epilogue` is followed by a region that reads its
// result elementwise (Plan.h). cuBLASLt computes
//   D = act(alpha · op(A) op(B) + beta · C + bias)
// in one call, with act one of relu or the tanh form of GELU, bias a
// vector along D's columns (one value per output feature) and C a matrix
// of D's shape. A region that is exactly that (with alpha = beta = 1)
// runs as one cublasLtMatmul; any other runs as the GEMM, then the
// region's kernel. Pure host logic over the plan, tested without a GPU.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_EPILOGUEMATCH_H
#define DEEPC_RUNTIME_CUDA_EPILOGUEMATCH_H

#include "deepc/rt/Plan.h"
#include "deepc/rt/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <string>

namespace deepc::rt::cuda {

enum class EpilogueActivation : uint8_t {
  None,
  Relu,     ///< max(x, 0)
  GeluTanh, ///< 0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))
};

/// A region that cuBLASLt computes in the GEMM's epilogue. Indices are
/// positions in the region step's `inputs`; -1 when absent.
struct GemmEpilogue {
  int resultInput = -1;   ///< the matmul's result
  int biasInput = -1;     ///< [N] (or [1, ..., 1, N]): added to every row
  int residualInput = -1; ///< the result's shape: C, with beta = 1
  EpilogueActivation activation = EpilogueActivation::None;

  /// "bias+gelu_tanh", "residual", ... for messages and tests.
  std::string describe() const;
};

/// Whether step `producer` of `plan` is a matmul marked `epilogue` whose
/// region (the next step) cuBLASLt fuses: a tree of deepc.add over the
/// result, at most one bias and at most one residual, optionally under a
/// relu (deepc.relu, or deepc.max with a constant 0) or a tanh GELU, all in
/// the result's dtype, every value used once. On a match fills `out`;
/// otherwise, when `whyNot` is non-null, says what did not fit.
bool matchGemmEpilogue(const Plan &plan, size_t producer, GemmEpilogue &out,
                       std::string *whyNot = nullptr);

/// The run-time check of a matched epilogue's shapes (the plan's dims may
/// be symbolic): the region's output has the result's shape, a bias holds
/// one value per column of the result (N = its last dim, any leading dims
/// 1), and a residual has exactly the result's shape. Pass an empty Shape
/// for an absent bias or residual.
bool epilogueShapesFit(const GemmEpilogue &epilogue, const Shape &result,
                       const Shape &output, const Shape &bias,
                       const Shape &residual);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_EPILOGUEMATCH_H
