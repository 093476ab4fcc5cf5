//===- ExtraKernelPlans.cpp - host plans of gated_mlp, quant, topk --------===//
//
// The operand rules are those of the CPU kernels (src/cpu/GatedMlp.cpp,
// Quant.cpp, Softmax.cpp's topk, Reduce.cpp's argmax) and their messages
// read the same, so a step fails alike on either backend.
//
//===----------------------------------------------------------------------===//

#include "cuda/ExtraKernelPlans.h"

#include <vector>

namespace deepc::rt::cuda {
namespace {

int64_t dimProduct(const Shape &s, int begin, int end) {
  int64_t n = 1;
  for (int i = begin; i < end; ++i)
    n *= s.dims[i];
  return n;
}

/// Resolves a possibly negative axis; false when out of range.
bool normalizeAxis(int64_t axis, int rank, int &out) {
  if (axis < -rank || axis >= rank)
    return false;
  out = int(axis < 0 ? axis + rank : axis);
  return true;
}

size_t alignUp(size_t bytes) { return (bytes + 255) & ~size_t(255); }

} // namespace

//===----------------------------------------------------------------------===//
// deepc.gated_mlp
//===----------------------------------------------------------------------===//

bool parseGatedActivation(const std::string &name, GatedActivation &out) {
  if (name == "silu")
    out = GatedActivation::Silu;
  else if (name == "gelu")
    out = GatedActivation::Gelu;
  else if (name == "gelu_tanh")
    out = GatedActivation::GeluTanh;
  else if (name == "relu")
    out = GatedActivation::Relu;
  else
    return false;
  return true;
}

Status planGatedMlp(KernelContext &ctx, size_t maxWorkspace, GatedMlpPlan &p) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2))
    return ctx.error("needs input, w_gate_up and w_down");
  const TensorRef &x = ctx.input(0), &gateUp = ctx.input(1),
                  &down = ctx.input(2);
  if (x.shape.rank < 1)
    return ctx.error("input must have rank 1 or more, got " + x.shape.str());
  for (const TensorRef *t : {&x, &gateUp, &down})
    if (!isFloat(t->dtype) || t->dtype != x.dtype)
      return ctx.error(std::string("input, w_gate_up and w_down must share "
                                   "one float element type, got ") +
                       dtypeName(x.dtype) + ", " + dtypeName(gateUp.dtype) +
                       " and " + dtypeName(down.dtype));
  p.dtype = x.dtype;
  p.hidden = x.shape[x.shape.rank - 1];
  if (gateUp.shape.rank != 2 || gateUp.shape[0] % 2 != 0 ||
      gateUp.shape[1] != p.hidden)
    return ctx.error("w_gate_up must have shape [2 * intermediate, hidden] "
                     "with hidden = " +
                     std::to_string(p.hidden) + ", got " + gateUp.shape.str());
  p.inter = gateUp.shape[0] / 2;
  if (down.shape.rank != 2 || down.shape[1] != p.inter)
    return ctx.error("w_down must have shape [out, intermediate] with "
                     "intermediate = " +
                     std::to_string(p.inter) + ", got " + down.shape.str());
  p.out = down.shape[0];
  p.tokens = dimProduct(x.shape, 0, x.shape.rank - 1);
  std::string act = ctx.attrs().getString("activation", "silu");
  if (!parseGatedActivation(act, p.act))
    return ctx.error("unknown activation '" + act +
                     "' (expected silu, gelu, gelu_tanh or relu)");

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
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

Status planQuantGranularity(KernelContext &ctx, QuantGranularity &g) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1))
    return ctx.error("needs an input and a scale");
  const TensorRef &in = ctx.input(0), &scale = ctx.input(1);
  int64_t blockSize = ctx.attrs().getInt("block_size", 0);
  int64_t axisAttr = ctx.attrs().getInt("axis", -1);
  if (blockSize < 0)
    return ctx.error("block_size (" + std::to_string(blockSize) +
                     ") must be non-negative (0 = not blocked)");
  if (!isFloat(scale.dtype))
    return ctx.error(std::string("scale must be a float tensor, got ") +
                     dtypeName(scale.dtype));
  if (ctx.hasInput(2) && ctx.input(2).shape != scale.shape &&
      !(ctx.input(2).numel() == 1 && scale.numel() == 1))
    return ctx.error("zero_point shape " + ctx.input(2).shape.str() +
                     " differs from scale shape " + scale.shape.str());
  g = QuantGranularity();
  if (blockSize == 0 && scale.numel() == 1)
    return okStatus();
  int axis;
  if (!normalizeAxis(axisAttr, in.shape.rank, axis))
    return ctx.error("axis " + std::to_string(axisAttr) +
                     " is out of range for an input of rank " +
                     std::to_string(in.shape.rank));
  g.axisSize = in.shape[axis];
  g.inner = dimProduct(in.shape, axis + 1, in.shape.rank);
  if (blockSize > 0) {
    Shape expected = in.shape;
    expected[axis] = (in.shape[axis] + blockSize - 1) / blockSize;
    if (scale.shape != expected)
      return ctx.error("blocked scale must have shape " + expected.str() +
                       " (input " + in.shape.str() + " in blocks of " +
                       std::to_string(blockSize) + " along axis " +
                       std::to_string(axis) + "), got " + scale.shape.str());
    g.kind = QuantGranularity::Blocked;
    g.blockSize = blockSize;
    g.blocks = expected[axis];
    return okStatus();
  }
  if (scale.shape.rank != 1 || scale.shape[0] != in.shape[axis])
    return ctx.error("scale of shape " + scale.shape.str() +
                     " is neither per-tensor (one element) nor per-axis (" +
                     std::to_string(in.shape[axis]) + " elements along axis " +
                     std::to_string(axis) + ")");
  g.kind = QuantGranularity::PerAxis;
  return okStatus();
}

//===----------------------------------------------------------------------===//
// deepc.qmatmul
//===----------------------------------------------------------------------===//

Status planQMatmul(KernelContext &ctx, QMatmulPlan &p) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2))
    return ctx.error("needs an input, a weight and scales");
  const TensorRef &x = ctx.input(0), &w = ctx.input(1), &s = ctx.input(2);
  if (x.shape.rank < 1 || w.shape.rank != 2)
    return ctx.error("needs an input [..., K] and a weight [N, K], got " +
                     x.shape.str() + " and " + w.shape.str());
  if (!isFloat(x.dtype) || !isFloat(s.dtype))
    return ctx.error("input and scales must be float tensors");
  if (!isQuantStorageType(w.dtype))
    return ctx.error(std::string("weight must be i8, i4 or f8e4m3fn, got ") +
                     dtypeName(w.dtype));
  p.n = w.shape[0];
  p.k = w.shape[1];
  if (x.shape[x.shape.rank - 1] != p.k)
    return ctx.error("input " + x.shape.str() +
                     " has K = " + std::to_string(x.shape[x.shape.rank - 1]) +
                     " but the weight " + w.shape.str() +
                     " has K = " + std::to_string(p.k));
  std::vector<int64_t> block = ctx.attrs().getInts("block");
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return ctx.error("block must be [block_n, block_k] with both at least 1");
  p.bn = block[0];
  p.bk = block[1];
  p.kBlocks = (p.k + p.bk - 1) / p.bk;
  Shape expected{(p.n + p.bn - 1) / p.bn, p.kBlocks};
  if (s.shape != expected)
    return ctx.error("scales must have shape [ceil(N / block_n), ceil(K / "
                     "block_k)] = " +
                     expected.str() + ", got " + s.shape.str());
  if (ctx.hasInput(3)) {
    const TensorRef &z = ctx.input(3);
    if (z.shape != expected)
      return ctx.error("zero_points must have shape " + expected.str() +
                       ", got " + z.shape.str());
    if (z.dtype != w.dtype || w.dtype == DType::F8E4M3FN)
      return ctx.error("zero_points must have the integer weight's type");
  }
  p.m = dimProduct(x.shape, 0, x.shape.rank - 1);
  p.gemv = p.m <= kQMatmulGemvMaxRows;
  p.workspaceBytes = p.gemv ? 0 : size_t(p.n * p.k) * dtypeSize(x.dtype);
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
