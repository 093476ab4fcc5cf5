//===- TopK.cu - deepc.topk and deepc.argmax on the GPU -------------------===//
//
// One block per line (the elements along the axis). The selection order
// (core/SelectionOrder.h, the CPU's too) is total: by key, NaN above every
// number, then by lower index. So the j-th pick of a line is simply the
// best element strictly below the (j-1)-th pick in that order: each round
// is one block-wide arg-best over the line, with no marks, no sorting and
// no shared memory beyond the reduction's; k rounds read the line k times,
// which is cheap for the small k of routing and sampling. argmax is the
// first round of a largest-first topk, writing only the index.
//
// Float keys are read as f32 (exact for f16 and bf16), integer keys as
// int64, so one kernel serves each family.
//
//===----------------------------------------------------------------------===//

#include "core/SelectionOrder.h"
#include "cuda/CudaKernels.h"
#include "cuda/DeviceMath.cuh"
#include "cuda/ExtraKernelPlans.h"

#include <type_traits>

namespace deepc::rt::cuda {
namespace {

template <typename Key> struct Candidate {
  Key key;
  int64_t index; // -1: none
};

template <typename Key>
__device__ Candidate<Key> pick(Candidate<Key> x, Candidate<Key> y,
                               bool largest) {
  if (x.index < 0)
    return y;
  if (y.index < 0)
    return x;
  return selectedBefore(x.key, x.index, y.key, y.index, largest) ? x : y;
}

template <typename Key>
__device__ Candidate<Key> warpPick(Candidate<Key> c, bool largest) {
  for (int offset = 16; offset > 0; offset >>= 1) {
    Candidate<Key> other;
    other.key = __shfl_xor_sync(0xffffffffu, c.key, offset);
    other.index = __shfl_xor_sync(0xffffffffu, c.index, offset);
    c = pick(c, other, largest);
  }
  return c;
}

/// Every thread gets the block's best candidate. `shared` holds 32.
template <typename Key>
__device__ Candidate<Key> blockPick(Candidate<Key> c, bool largest,
                                    Candidate<Key> *shared) {
  int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  c = warpPick(c, largest);
  __syncthreads(); // the previous round may still read `shared`
  if (lane == 0)
    shared[warp] = c;
  __syncthreads();
  int numWarps = (blockDim.x + 31) >> 5;
  if (lane < numWarps)
    c = shared[lane];
  else
    c.index = -1;
  return warpPick(c, largest);
}

template <typename Key>
__device__ Key loadKey(const void *p, DType t, int64_t i) {
  if constexpr (std::is_same_v<Key, float>)
    return loadFloat(p, t, i);
  else
    return Key(loadInt64(p, t, i));
}

__device__ void copyElement(const void *src, int64_t from, void *dst,
                            int64_t to, int elemBytes) {
  switch (elemBytes) {
  case 1:
    static_cast<uint8_t *>(dst)[to] = static_cast<const uint8_t *>(src)[from];
    return;
  case 2:
    static_cast<uint16_t *>(dst)[to] = static_cast<const uint16_t *>(src)[from];
    return;
  case 4:
    static_cast<uint32_t *>(dst)[to] = static_cast<const uint32_t *>(src)[from];
    return;
  default:
    static_cast<uint64_t *>(dst)[to] = static_cast<const uint64_t *>(src)[from];
    return;
  }
}

struct SelectArgs {
  const void *x;
  DType xType;
  void *values; // null for argmax
  int64_t *indices;
  AxisLines lines;
  int64_t k;
  int elemBytes; // of xType
  bool largest;
};

template <typename Key> __global__ void selectKernel(SelectArgs a) {
  __shared__ Candidate<Key> shared[32];
  int64_t n = a.lines.n, inner = a.lines.inner;
  for (int64_t l = blockIdx.x; l < a.lines.lines; l += gridDim.x) {
    int64_t base = a.lines.base(l);
    int64_t outBase = (l / inner) * a.k * inner + l % inner;
    Candidate<Key> last;
    last.index = -1;
    for (int64_t j = 0; j < a.k; ++j) {
      Candidate<Key> best;
      best.index = -1;
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
        Key key = loadKey<Key>(a.x, a.xType, base + i * inner);
        if (last.index >= 0 &&
            !selectedBefore(last.key, last.index, key, i, a.largest))
          continue; // already taken
        Candidate<Key> c{key, i};
        best = pick(best, c, a.largest);
      }
      best = blockPick(best, a.largest, shared);
      last = best;
      if (threadIdx.x == 0) {
        int64_t o = outBase + j * inner;
        a.indices[o] = best.index;
        if (a.values)
          copyElement(a.x, base + best.index * inner, a.values, o, a.elemBytes);
      }
    }
  }
}

Status launchSelect(CudaKernelContext &ctx, SelectArgs &a) {
  if (a.lines.lines == 0 || a.lines.n == 0)
    return okStatus();
  a.elemBytes = int(dtypeSize(a.xType));
  unsigned blocks =
      unsigned(a.lines.lines < kMaxBlocks ? a.lines.lines : kMaxBlocks);
  int threads = selectionThreads(a.lines.n);
  if (isFloat(a.xType))
    selectKernel<float><<<blocks, threads, 0, ctx.stream()>>>(a);
  else
    selectKernel<long long><<<blocks, threads, 0, ctx.stream()>>>(a);
  return ctx.checkLaunch();
}

/// Keys the kernel reads: f32, f16, bf16 and the integer types.
bool selectableType(DType t) {
  return isDeviceFloat(t) || t == DType::I8 || t == DType::I32 ||
         t == DType::I64;
}

Status topkRun(CudaKernelContext &ctx) {
  SelectArgs a;
  DEEPC_RETURN_IF_ERROR(planTopK(ctx, a.lines, a.k));
  const TensorRef &in = ctx.input(0);
  if (!selectableType(in.dtype) || ctx.output(0).dtype != in.dtype ||
      ctx.output(1).dtype != DType::I64)
    return ctx.error(std::string("cannot select ") + dtypeName(in.dtype) +
                     " elements into " + dtypeName(ctx.output(0).dtype) +
                     " values and " + dtypeName(ctx.output(1).dtype) +
                     " indices");
  a.x = in.data;
  a.xType = in.dtype;
  a.values = ctx.output(0).data;
  a.indices = ctx.output(1).as<int64_t>();
  // Sorted output is one valid order for `sorted = false` as well.
  a.largest = ctx.attrs().getBool("largest", true);
  return launchSelect(ctx, a);
}

Status argmaxRun(CudaKernelContext &ctx) {
  SelectArgs a;
  DEEPC_RETURN_IF_ERROR(planArgMax(ctx, a.lines));
  const TensorRef &in = ctx.input(0);
  if (!selectableType(in.dtype) || ctx.output(0).dtype != DType::I64)
    return ctx.error(std::string("cannot take the argmax of ") +
                     dtypeName(in.dtype) + " elements into " +
                     dtypeName(ctx.output(0).dtype) + " indices");
  a.x = in.data;
  a.xType = in.dtype;
  a.values = nullptr;
  a.indices = ctx.output(0).as<int64_t>();
  a.k = 1;
  a.largest = true;
  return launchSelect(ctx, a);
}

bool topkSupports(const PlanStep &step, const Plan &plan) {
  DType t = planInputDType(step, plan, 0);
  return selectableType(t) && planOutputDType(step, plan, 0) == t &&
         planOutputDType(step, plan, 1) == DType::I64;
}

bool argmaxSupports(const PlanStep &step, const Plan &plan) {
  return selectableType(planInputDType(step, plan, 0)) &&
         planOutputDType(step, plan, 0) == DType::I64;
}

} // namespace

void registerSelectionKernels(CudaKernelRegistry &registry) {
  registry.add("deepc.topk", {topkRun, topkSupports});
  registry.add("deepc.argmax", {argmaxRun, argmaxSupports});
}

} // namespace deepc::rt::cuda
