//===- Collective.cpp - all_reduce, all_gather, all_to_all (one rank) -----===//
//
// The CPU runtime runs one rank, and in a group of one every collective is
// a copy: the all-reduce of one value is that value, the all-gather of one
// shard is that shard, and an all-to-all sends the only chunk to itself.
// infer() computes the shapes for any group size, so plans partitioned for
// several ranks still size their memory; run() refuses group_size > 1.
// TODO: multi-rank execution (a communicator per session) is a later issue.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/MathUtil.h"

#include <cstring>

namespace deepc::rt::cpu {
namespace {

Status readGroupSize(KernelContext &ctx, int64_t &groupSize) {
  groupSize = ctx.attrs().getInt("group_size", 1);
  if (groupSize < 1)
    return ctx.error("group_size " + std::to_string(groupSize) +
                     " must be at least 1");
  return okStatus();
}

/// The single-rank run: the result holds the input's elements unchanged.
Status copyOneRank(KernelContext &ctx) {
  int64_t groupSize;
  DEEPC_RETURN_IF_ERROR(readGroupSize(ctx, groupSize));
  if (groupSize != 1)
    return unsupported(ctx.error("group_size " + std::to_string(groupSize) +
                                 ": the CPU runtime runs a single rank")
                           .message());
  const TensorRef &input = ctx.input(0);
  if (ctx.output(0).data != input.data)
    std::memcpy(ctx.output(0).data, input.data, input.bytes());
  return okStatus();
}

Status allReduceInfer(KernelContext &ctx) {
  int64_t groupSize;
  DEEPC_RETURN_IF_ERROR(readGroupSize(ctx, groupSize));
  std::string reduction = ctx.attrs().getString("reduction", "sum");
  if (reduction != "sum" && reduction != "prod" && reduction != "max" &&
      reduction != "min")
    return ctx.error("unknown reduction '" + reduction + "'");
  ctx.output(0).shape = ctx.input(0).shape;
  return okStatus();
}

Status allGatherInfer(KernelContext &ctx) {
  int64_t groupSize;
  DEEPC_RETURN_IF_ERROR(readGroupSize(ctx, groupSize));
  Shape out = ctx.input(0).shape;
  int64_t axis = ctx.attrs().getInt("axis", 0);
  if (!normalizeAxis(axis, out.rank))
    return ctx.error("axis " + std::to_string(ctx.attrs().getInt("axis")) +
                     " is out of range for input " + out.str());
  out.dims[axis] *= groupSize;
  ctx.output(0).shape = out;
  return okStatus();
}

Status allToAllInfer(KernelContext &ctx) {
  int64_t groupSize;
  DEEPC_RETURN_IF_ERROR(readGroupSize(ctx, groupSize));
  Shape out = ctx.input(0).shape;
  int64_t split = ctx.attrs().getInt("split_axis", 0);
  int64_t concat = ctx.attrs().getInt("concat_axis", 0);
  if (!normalizeAxis(split, out.rank) || !normalizeAxis(concat, out.rank))
    return ctx.error("split_axis or concat_axis is out of range for input " +
                     out.str());
  if (out.dims[split] % groupSize != 0)
    return ctx.error("split axis " + std::to_string(split) + " of " +
                     out.str() + " does not divide into " +
                     std::to_string(groupSize) + " chunks");
  out.dims[split] /= groupSize;
  out.dims[concat] *= groupSize;
  ctx.output(0).shape = out;
  return okStatus();
}

} // namespace

void registerCollectiveKernels(KernelRegistry &registry) {
  registry.add("deepc.all_reduce", {allReduceInfer, copyOneRank});
  registry.add("deepc.all_gather", {allGatherInfer, copyOneRank});
  registry.add("deepc.all_to_all", {allToAllInfer, copyOneRank});
}

} // namespace deepc::rt::cpu
