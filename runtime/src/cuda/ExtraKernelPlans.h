//===- ExtraKernelPlans.h - host plans of gated_mlp, quant, topk -*- C++
//-*-===//
//
// What the CUDA kernels of deepc.gated_mlp, deepc.quantize/dequantize,
// deepc.qmatmul, deepc.topk and deepc.argmax work out on the host before a
// launch: sizes read from the operands, the scale layout of a quantization,
// how many rows of a gated MLP fit the workspace, which qmatmul path runs.
// Plain C++ (no CUDA headers), so the unit tests check it without a GPU;
// the structs are passed to kernels by value. Each builder checks what it
// reads and returns ctx.error(...) on a bad operand, although the backend
// has run the CPU shape function first.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_EXTRAKERNELPLANS_H
#define DEEPC_RUNTIME_CUDA_EXTRAKERNELPLANS_H

#include "deepc/rt/Kernel.h"

#include <cstddef>
#include <cstdint>
#include <string>

#ifndef DEEPC_HOST_DEVICE
#if defined(__CUDACC__)
#define DEEPC_HOST_DEVICE __host__ __device__
#else
#define DEEPC_HOST_DEVICE
#endif
#endif

namespace deepc::rt::cuda {

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

enum class GatedActivation : int { Silu, Gelu, GeluTanh, Relu };

/// The `activation` attribute's cases (silu, gelu, gelu_tanh, relu).
bool parseGatedActivation(const std::string &name, GatedActivation &out);

/// A gated MLP of `tokens` rows run `chunkRows` rows at a time, so that its
/// f32 gate/up projections ([chunk, 2I]) and activated rows ([chunk, I] in
/// the op's type) fit the workspace cap.
struct GatedMlpPlan {
  int64_t tokens = 0, hidden = 0, inter = 0, out = 0;
  GatedActivation act = GatedActivation::Silu;
  DType dtype = DType::F32;
  int64_t chunkRows = 0;
  /// Byte offsets in the workspace: f32 [chunk, 2I] at 0, then the
  /// activated rows at `actOffset`; `workspaceBytes` in all.
  size_t actOffset = 0, workspaceBytes = 0;
};

/// The most device scratch a gated MLP takes (prefill chunks its rows).
constexpr size_t kGatedMlpMaxWorkspace = size_t(256) << 20;

/// Reads input [..., H], w_gate_up [2I, H], w_down [Ho, I] and the
/// activation; `maxWorkspace` bounds the workspace (at least one row).
Status planGatedMlp(KernelContext &ctx, size_t maxWorkspace, GatedMlpPlan &p);

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

/// Which scale (and zero point) element covers input element `i`: the
/// input read as [outer, axisSize, inner], ONNX's per-tensor, per-axis and
/// blocked granularities.
struct QuantGranularity {
  enum Kind : int { PerTensor, PerAxis, Blocked } kind = PerTensor;
  int64_t axisSize = 1, inner = 1, blockSize = 1, blocks = 1;

  DEEPC_HOST_DEVICE int64_t scaleIndex(int64_t i) const {
    if (kind == PerTensor)
      return 0;
    int64_t in = i % inner, a = (i / inner) % axisSize;
    if (kind == PerAxis)
      return a;
    int64_t o = i / (inner * axisSize);
    return (o * blocks + a / blockSize) * inner + in;
  }
};

/// Reads `axis`, `block_size` and the shapes of input 0, scale (input 1)
/// and the optional zero point (input 2), with the CPU kernel's rules.
Status planQuantGranularity(KernelContext &ctx, QuantGranularity &g);

/// i8, i4 and f8e4m3fn: the storage types of deepc's quantized tensors.
inline bool isQuantStorageType(DType t) {
  return t == DType::I8 || t == DType::I4 || t == DType::F8E4M3FN;
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

/// Up to this many rows, qmatmul dequantizes as it multiplies (a GEMV per
/// weight row, reading the weight once); above, it dequantizes the weight
/// into the workspace and runs a cuBLASLt GEMM.
constexpr int64_t kQMatmulGemvMaxRows = 8;

struct QMatmulPlan {
  int64_t m = 0, n = 0, k = 0, bn = 1, bk = 1, kBlocks = 1;
  bool gemv = false;
  /// The dequantized weight [N, K] in the input's type (GEMM path only).
  size_t workspaceBytes = 0;
};

/// Reads input [..., K], weight [N, K], scales [ceil(N/bn), ceil(K/bk)],
/// the optional zero points and `block`.
Status planQMatmul(KernelContext &ctx, QMatmulPlan &p);

//===----------------------------------------------------------------------===//
// deepc.topk / deepc.argmax
//===----------------------------------------------------------------------===//

/// The input as `lines` lines of `n` elements, `inner` apart: line l starts
/// at (l / inner) * n * inner + l % inner.
struct AxisLines {
  int64_t lines = 0, n = 0, inner = 1;
  DEEPC_HOST_DEVICE int64_t base(int64_t l) const {
    return (l / inner) * n * inner + l % inner;
  }
};

/// `axis` (default -1) and `k` of a topk over input 0.
Status planTopK(KernelContext &ctx, AxisLines &lines, int64_t &k);
/// `axis` (default 0) of an argmax over input 0.
Status planArgMax(KernelContext &ctx, AxisLines &lines);

/// Threads of the one block that selects within a line of `n` elements:
/// a power of two from 32 to 256.
int selectionThreads(int64_t n);

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_EXTRAKERNELPLANS_H
