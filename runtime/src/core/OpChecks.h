//===- OpChecks.h - operand checks of the CPU and CUDA kernels --*- C++ -*-===//
//
// The operand rules of deepc.gated_mlp, deepc.quantize/dequantize and
// deepc.qmatmul, and the sizes they read, written once for both backends:
// the CPU kernels (src/cpu) call them from infer() and run(), the CUDA
// host plans (src/cuda/ExtraKernelPlans.h) before a launch. A step that is
// wrong thus fails with the same message on either backend. Plain C++ (no
// CUDA headers); the structs are passed to CUDA kernels by value.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CORE_OPCHECKS_H
#define DEEPC_RUNTIME_CORE_OPCHECKS_H

#include "core/HostDevice.h"

#include "deepc/rt/Kernel.h"

#include <cstdint>
#include <string>

namespace deepc::rt {

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

enum class GatedActivation : int { Silu, Gelu, GeluTanh, Relu };

/// The `activation` attribute's cases (silu, gelu, gelu_tanh, relu).
bool parseGatedActivation(const std::string &name, GatedActivation &out);

/// The sizes of one gated MLP: `tokens` rows of `hidden` channels, `inter`
/// intermediate channels, `out` outputs per row.
struct GatedMlpShape {
  int64_t tokens = 0, hidden = 0, inter = 0, out = 0;
  GatedActivation act = GatedActivation::Silu;
};

/// Reads input [..., H], w_gate_up [2I, H], w_down [Ho, I] (one float
/// type for the three) and the activation.
Status checkGatedMlp(KernelContext &ctx, GatedMlpShape &s);

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

/// i8, i4 and f8e4m3fn: the storage types of deepc's quantized tensors.
inline bool isQuantStorageType(DType t) {
  return t == DType::I8 || t == DType::I4 || t == DType::F8E4M3FN;
}

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

/// Reads `axis`, `block_size` and the shapes of input 0, the scale (input
/// 1) and the optional zero point (input 2).
Status checkQuantGranularity(KernelContext &ctx, QuantGranularity &g);

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

/// input [M.., K] · dequantized weight [N, K]ᵀ, the weight's scales in
/// blocks of [bn, bk]: [nBlocks, kBlocks] of them.
struct QMatmulShape {
  int64_t m = 0, n = 0, k = 0, bn = 1, bk = 1, nBlocks = 1, kBlocks = 1;
};

/// Reads input [..., K], weight [N, K], scales [ceil(N/bn), ceil(K/bk)],
/// the optional zero points and `block`.
Status checkQMatmul(KernelContext &ctx, QMatmulShape &s);

} // namespace deepc::rt

#endif // DEEPC_RUNTIME_CORE_OPCHECKS_H
