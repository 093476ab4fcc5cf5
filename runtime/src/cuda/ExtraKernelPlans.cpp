//===- ExtraKernelPlans.cpp - host plans of gated_mlp, quant, topk --------===//
//
// gated_mlp, quantize/dequantize and qmatmul check their operands with the
// CPU kernels' own functions (core/OpChecks.h); topk and argmax follow the
// rules of Softmax.cpp's topk and Reduce.cpp's argmax, with the same
// messages, so a step fails alike on either backend.
//
//===----------------------------------------------------------------------===//

#include "cuda/ExtraKernelPlans.h"

#include "core/ShapeMath.h"

namespace deepc::rt::cuda {
namespace {

size_t alignUp(size_t bytes) { return (bytes + 255) & ~size_t(255); }

} // namespace

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

Status planGatedMlp(KernelContext &ctx, size_t maxWorkspace, GatedMlpPlan &p) {
  DEEPC_RETURN_IF_ERROR(checkGatedMlp(ctx, p));
  p.dtype = ctx.input(0).dtype;

  // Rows as many as fit the cap, at least one; then the buffers for that.
  size_t rowBytes = size_t(p.inter) * (2 * sizeof(float) + dtypeSize(p.dtype));
  int64_t fit = rowBytes == 0 ? p.tokens : int64_t(maxWorkspace / rowBytes);
  p.chunkRows = p.tokens < fit ? p.tokens : fit;
  if (p.chunkRows < 1)
    p.chunkRows = 1;
  p.actOffset = alignUp(size_t(p.chunkRows * 2 * p.inter) * sizeof(float));
  p.workspaceBytes =
      p.actOffset + size_t(p.chunkRows * p.inter) * dtypeSize(p.dtype);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

Status planQMatmul(KernelContext &ctx, QMatmulPlan &p) {
  DEEPC_RETURN_IF_ERROR(checkQMatmul(ctx, p));
  p.gemv = p.m <= kQMatmulGemvMaxRows;
  p.workspaceBytes =
      p.gemv ? 0 : size_t(p.n * p.k) * dtypeSize(ctx.input(0).dtype);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// deepc.topk / deepc.argmax
//===----------------------------------------------------------------------===//

namespace {

Status axisLines(KernelContext &ctx, int64_t axisAttr, const char *op,
                 AxisLines &lines, int &axis) {
  const Shape &in = ctx.input(0).shape;
  if (!normalizeAxis(axisAttr, in.rank, axis))
    return ctx.error("axis " + std::to_string(axisAttr) +
                     " is out of range for an input of rank " +
                     std::to_string(in.rank) + " (" + op + ")");
  lines.n = in[axis];
  lines.inner = dimProduct(in, axis + 1, in.rank);
  lines.lines = dimProduct(in, 0, axis) * lines.inner;
  return okStatus();
}

} // namespace

Status planTopK(KernelContext &ctx, AxisLines &lines, int64_t &k) {
  if (!ctx.hasInput(0))
    return ctx.error("needs an input");
  const Shape &in = ctx.input(0).shape;
  if (in.rank == 0)
    return ctx.error("cannot select from a scalar");
  int axis;
  DEEPC_RETURN_IF_ERROR(
      axisLines(ctx, ctx.attrs().getInt("axis", -1), "topk", lines, axis));
  k = ctx.attrs().getInt("k", -1);
  if (k < 1)
    return ctx.error("k (" + std::to_string(k) + ") must be at least 1");
  if (k > lines.n)
    return ctx.error("k (" + std::to_string(k) + ") exceeds the size of axis " +
                     std::to_string(axis) + " (" + std::to_string(lines.n) +
                     ") of " + in.str());
  if (ctx.numOutputs() != 2)
    return ctx.error("expects 2 results (values, indices), got " +
                     std::to_string(ctx.numOutputs()));
  return okStatus();
}

Status planArgMax(KernelContext &ctx, AxisLines &lines) {
  if (!ctx.hasInput(0))
    return ctx.error("needs an input");
  int axis;
  DEEPC_RETURN_IF_ERROR(
      axisLines(ctx, ctx.attrs().getInt("axis", 0), "argmax", lines, axis));
  if (lines.n == 0 && lines.lines > 0)
    return ctx.error("cannot take the argmax over the empty axis " +
                     std::to_string(axis) + " of " + ctx.input(0).shape.str());
  return okStatus();
}

int selectionThreads(int64_t n) {
  int threads = 32;
  while (threads < 256 && threads < n)
    threads *= 2;
  return threads;
}

} // namespace deepc::rt::cuda
