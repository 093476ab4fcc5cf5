//===- OpChecks.cpp - operand checks of the CPU and CUDA kernels ----------===//
//
// Each check returns ctx.error(...) naming the operand and the shapes it
// saw; the tests of both backends compare these messages.
//
//===----------------------------------------------------------------------===//

#include "core/OpChecks.h"
#include "core/ShapeMath.h"

#include <vector>

namespace deepc::rt {

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

Status checkGatedMlp(KernelContext &ctx, GatedMlpShape &s) {
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
  s.hidden = x.shape[x.shape.rank - 1];
  if (gateUp.shape.rank != 2 || gateUp.shape[0] % 2 != 0 ||
      gateUp.shape[1] != s.hidden)
    return ctx.error("w_gate_up must have shape [2 * intermediate, hidden] "
                     "with hidden = " +
                     std::to_string(s.hidden) + ", got " + gateUp.shape.str());
  s.inter = gateUp.shape[0] / 2;
  if (down.shape.rank != 2 || down.shape[1] != s.inter)
    return ctx.error("w_down must have shape [out, intermediate] with "
                     "intermediate = " +
                     std::to_string(s.inter) + ", got " + down.shape.str());
  s.out = down.shape[0];
  s.tokens = dimProduct(x.shape, 0, x.shape.rank - 1);
  std::string act = ctx.attrs().getString("activation", "silu");
  if (!parseGatedActivation(act, s.act))
    return ctx.error("unknown activation '" + act +
                     "' (expected silu, gelu, gelu_tanh or relu)");
  return okStatus();
}

//===----------------------------------------------------------------------===//
// deepc.quantize / deepc.dequantize
//===----------------------------------------------------------------------===//

Status checkQuantGranularity(KernelContext &ctx, QuantGranularity &g) {
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

Status checkQMatmul(KernelContext &ctx, QMatmulShape &s) {
  if (!ctx.hasInput(0) || !ctx.hasInput(1) || !ctx.hasInput(2))
    return ctx.error("needs an input, a weight and scales");
  const TensorRef &x = ctx.input(0), &w = ctx.input(1), &scales = ctx.input(2);
  if (x.shape.rank < 1 || w.shape.rank != 2)
    return ctx.error("needs an input [..., K] and a weight [N, K], got " +
                     x.shape.str() + " and " + w.shape.str());
  if (!isFloat(x.dtype) || !isFloat(scales.dtype))
    return ctx.error("input and scales must be float tensors");
  if (!isQuantStorageType(w.dtype))
    return ctx.error(std::string("weight must be i8, i4 or f8e4m3fn, got ") +
                     dtypeName(w.dtype));
  s.n = w.shape[0];
  s.k = w.shape[1];
  if (x.shape[x.shape.rank - 1] != s.k)
    return ctx.error("input " + x.shape.str() +
                     " has K = " + std::to_string(x.shape[x.shape.rank - 1]) +
                     " but the weight " + w.shape.str() +
                     " has K = " + std::to_string(s.k));
  std::vector<int64_t> block = ctx.attrs().getInts("block");
  if (block.size() != 2 || block[0] < 1 || block[1] < 1)
    return ctx.error("block must be [block_n, block_k] with both at least 1");
  s.bn = block[0];
  s.bk = block[1];
  s.nBlocks = (s.n + s.bn - 1) / s.bn;
  s.kBlocks = (s.k + s.bk - 1) / s.bk;
  Shape expected{s.nBlocks, s.kBlocks};
  if (scales.shape != expected)
    return ctx.error("scales must have shape [ceil(N / block_n), ceil(K / "
                     "block_k)] = " +
                     expected.str() + ", got " + scales.shape.str());
  if (ctx.hasInput(3)) {
    const TensorRef &z = ctx.input(3);
    if (z.shape != expected)
      return ctx.error("zero_points must have shape " + expected.str() +
                       ", got " + z.shape.str());
    if (z.dtype != w.dtype || w.dtype == DType::F8E4M3FN)
      return ctx.error("zero_points must have the integer weight's type");
  }
  s.m = dimProduct(x.shape, 0, x.shape.rank - 1);
  return okStatus();
}

} // namespace deepc::rt
