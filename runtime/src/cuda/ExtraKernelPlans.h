//===- ExtraKernelPlans.h - host plans of gated_mlp, quant, topk -*- C++
//-*-===//
//
// What the CUDA kernels of deepc.gated_mlp, deepc.quantize/dequantize,
// deepc.qmatmul, deepc.topk and deepc.argmax work out on the host before a
// launch: sizes read from the operands, the scale layout of a quantization,
// how many rows of a gated MLP fit the workspace, which qmatmul path runs.
// Plain C++ (no CUDA headers), so the unit tests check it without a GPU;
// the structs are passed to kernels by value. The operand checks are the
// CPU kernels' own (core/OpChecks.h), so a step fails alike on either
// backend, although the backend has run the CPU shape function first.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_EXTRAKERNELPLANS_H
#define DEEPC_RUNTIME_CUDA_EXTRAKERNELPLANS_H

#include "core/HostDevice.h"
#include "core/OpChecks.h"

#include "deepc/rt/Kernel.h"

#include <cstddef>
#include <cstdint>

namespace deepc::rt::cuda {

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

/// A gated MLP of `tokens` rows run `chunkRows` rows at a time, so that its
/// f32 gate/up projections ([chunk, 2I]) and activated rows ([chunk, I] in
/// the op's type) fit the workspace cap.
struct GatedMlpPlan : GatedMlpShape {
  DType dtype = DType::F32;
  int64_t chunkRows = 0;
  /// Byte offsets in the workspace: f32 [chunk, 2I] at 0, then the
  /// activated rows at `actOffset`; `workspaceBytes` in all.
  size_t actOffset = 0, workspaceBytes = 0;
};

/// The most device scratch a gated MLP takes (prefill chunks its rows).
constexpr size_t kGatedMlpMaxWorkspace = size_t(256) << 20;

/// Checks the operands (checkGatedMlp) and chunks the rows;
/// `maxWorkspace` bounds the workspace (at least one row).
Status planGatedMlp(KernelContext &ctx, size_t maxWorkspace, GatedMlpPlan &p);

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

/// The granularity is all a quantize kernel plans, and checkQuantGranularity
/// works it out; this name keeps the family of plan builders whole.
inline Status planQuantGranularity(KernelContext &ctx, QuantGranularity &g) {
  return checkQuantGranularity(ctx, g);
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

/// Up to this many rows, qmatmul dequantizes as it multiplies (a GEMV per
/// weight row, reading the weight once); above, it dequantizes the weight
/// into the workspace and runs a cuBLASLt GEMM.
constexpr int64_t kQMatmulGemvMaxRows = 8;

struct QMatmulPlan : QMatmulShape {
  bool gemv = false;
  /// The dequantized weight [N, K] in the input's type (GEMM path only).
  size_t workspaceBytes = 0;
};

/// Checks the operands (checkQMatmul) and picks the path.
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
