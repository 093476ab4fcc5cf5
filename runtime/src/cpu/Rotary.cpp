//===- Rotary.cpp - deepc.rotary on the CPU -------------------------------===//
//
// Each row of the last dimension rotates its first rotary_dim channels in
// pairs, reading the angle's cos/sin from the table row that broadcasts to
// it; the other channels are copied.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

namespace deepc::rt::cpu {
namespace {

Shape dropLast(const Shape &s) {
  Shape out;
  for (int i = 0; i + 1 < s.rank; ++i)
    out.push(s.dims[i]);
  return out;
}

/// The shape the rows of input 0 belong to: its own, or the whole tensor's
/// when the kernel runs on a block of its rows.
const Shape &fullInputShape(KernelContext &ctx) {
  return ctx.fullShape ? *ctx.fullShape : ctx.input(0).shape;
}

Status rotaryDim(KernelContext &ctx, int64_t &rotary) {
  const TensorRef &cos = ctx.input(1), &sin = ctx.input(2);
  TensorRef in = ctx.input(0);
  in.shape = fullInputShape(ctx);
  if (in.shape.rank < 1)
    return ctx.error("input must have rank 1 or more: the last dimension "
                     "holds the rotated channels");
  if (!isFloat(in.dtype) || !isFloat(cos.dtype) || !isFloat(sin.dtype))
    return ctx.error("input, cos and sin must be float tensors");
  int64_t d = in.shape[in.shape.rank - 1];
  rotary = ctx.attrs().getInt("rotary_dim", 0);
  if (rotary < 0)
    return ctx.error("rotary_dim (" + std::to_string(rotary) +
                     ") must be non-negative (0 means all channels)");
  if (rotary == 0)
    rotary = d;
  if (rotary % 2 != 0 || rotary > d)
    return ctx.error("rotary_dim (" + std::to_string(rotary) +
                     ") must be even and at most the head dimension (" +
                     std::to_string(d) + ")");
  std::string layout = ctx.attrs().getString("layout", "half");
  if (layout != "half" && layout != "interleaved")
    return ctx.error("unknown layout '" + layout +
                     "' (expected half or interleaved)");
  if (cos.shape != sin.shape)
    return ctx.error("cos " + cos.shape.str() + " and sin " + sin.shape.str() +
                     " have different shapes");
  if (cos.shape.rank < 1 || cos.shape[cos.shape.rank - 1] != rotary / 2)
    return ctx.error("cos and sin of shape " + cos.shape.str() + " need " +
                     std::to_string(rotary / 2) +
                     " angles in the last dimension (one per rotated pair)");
  Shape lead = dropLast(in.shape), table = dropLast(cos.shape), both;
  if (!broadcastShapes(table, lead, both) || both != lead)
    return ctx.error("cos and sin of shape " + cos.shape.str() +
                     " do not broadcast against the input's leading "
                     "dimensions " +
                     lead.str());
  return okStatus();
}

Status inferRotary(KernelContext &ctx) {
  int64_t rotary;
  DEEPC_RETURN_IF_ERROR(rotaryDim(ctx, rotary));
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

Status runRotary(KernelContext &ctx) {
  int64_t rotary;
  DEEPC_RETURN_IF_ERROR(rotaryDim(ctx, rotary));
  TensorRef &in = ctx.input(0), &out = ctx.output(0);
  bool interleaved = ctx.attrs().getString("layout", "half") == "interleaved";
  const float *x = f32Values(ctx, in);
  const float *c = f32Values(ctx, ctx.input(1));
  const float *s = f32Values(ctx, ctx.input(2));
  float *y = f32Results(ctx, out);
  if (!x || !c || !s || !y)
    return outOfMemory(ctx);
  // Rows [first, first + rows) of the whole input: the table row follows
  // each row's place in the whole tensor.
  Shape lead = dropLast(fullInputShape(ctx));
  Shape table = dropLast(ctx.input(1).shape);
  int64_t tableStrides[kMaxRank];
  broadcastStrides(table, lead, tableStrides);
  int64_t d = in.shape[in.shape.rank - 1], half = rotary / 2;
  int64_t rows = d == 0 ? 0 : in.numel() / d;
  int64_t first = ctx.fullShape ? ctx.rowBegin : 0;
#pragma omp parallel for num_threads(threadCount(ctx)) if (rows * d > 16384)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t t = 0, rest = first + r;
    for (int k = lead.rank - 1; k >= 0; --k) {
      t += (rest % lead.dims[k]) * tableStrides[k];
      rest /= lead.dims[k];
    }
    const float *xr = x + r * d, *cr = c + t * half, *sr = s + t * half;
    float *yr = y + r * d;
    for (int64_t i = 0; i < half; ++i) {
      int64_t ia = interleaved ? 2 * i : i;
      int64_t ib = interleaved ? 2 * i + 1 : i + half;
      float a = xr[ia], b = xr[ib];
      yr[ia] = a * cr[i] - b * sr[i];
      yr[ib] = b * cr[i] + a * sr[i];
    }
    for (int64_t i = rotary; i < d; ++i)
      yr[i] = xr[i];
  }
  storeF32Results(ctx, y, out);
  return okStatus();
}

} // namespace

void registerRotaryKernels(KernelRegistry &registry) {
  KernelDef def;
  def.infer = inferRotary;
  def.run = runRotary;
  def.rowWise = true;
  registry.add("deepc.rotary", def);
}

} // namespace deepc::rt::cpu
