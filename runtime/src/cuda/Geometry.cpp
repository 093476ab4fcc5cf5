//===- Geometry.cpp - host-side index math of the CUDA kernels ------------===//

#include "cuda/Geometry.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace deepc::rt::cuda {

CopyGeometry mergeCopyDims(const Shape &shape, const int64_t *srcStrides,
                           const int64_t *dstStrides) {
  CopyGeometry g;
  for (int d = 0; d < shape.rank; ++d) {
    if (shape.dims[d] == 1)
      continue;
    int r = g.rank;
    if (r > 0 && g.srcStrides[r - 1] == srcStrides[d] * shape.dims[d] &&
        g.dstStrides[r - 1] == dstStrides[d] * shape.dims[d]) {
      g.dims[r - 1] *= shape.dims[d];
      g.srcStrides[r - 1] = srcStrides[d];
      g.dstStrides[r - 1] = dstStrides[d];
      continue;
    }
    g.dims[r] = shape.dims[d];
    g.srcStrides[r] = srcStrides[d];
    g.dstStrides[r] = dstStrides[d];
    ++g.rank;
  }
  return g;
}

void splitReduction(const Shape &input, const bool *reduced,
                    DeviceGeometry &kept, DeviceGeometry &reducedDims) {
  kept = DeviceGeometry();
  reducedDims = DeviceGeometry();
  int64_t strides[kMaxRank];
  contiguousStrides(input, strides);
  DeviceGeometry *last = nullptr;
  // Innermost first (merging needs the inner neighbour), reversed below.
  for (int d = input.rank - 1; d >= 0; --d) {
    if (input.dims[d] == 1)
      continue;
    DeviceGeometry &g = reduced[d] ? reducedDims : kept;
    if (last == &g &&
        g.strides[g.rank - 1] * g.dims[g.rank - 1] == strides[d]) {
      g.dims[g.rank - 1] *= input.dims[d];
      continue;
    }
    g.dims[g.rank] = input.dims[d];
    g.strides[g.rank] = strides[d];
    ++g.rank;
    last = &g;
  }
  for (DeviceGeometry *g : {&kept, &reducedDims})
    for (int i = 0, j = g->rank - 1; i < j; ++i, --j) {
      std::swap(g->dims[i], g->dims[j]);
      std::swap(g->strides[i], g->strides[j]);
    }
}

void sliceStarts(const Attrs &attrs, const Shape &input, int64_t *start,
                 int64_t *step) {
  std::vector<int64_t> axes = attrs.getInts("axes");
  std::vector<int64_t> starts = attrs.getInts("starts");
  std::vector<int64_t> steps = attrs.getInts("steps");
  for (int d = 0; d < input.rank; ++d) {
    start[d] = 0;
    step[d] = 1;
  }
  for (size_t i = 0; i < axes.size() && i < starts.size() && i < steps.size();
       ++i) {
    int axis = int(axes[i] < 0 ? axes[i] + input.rank : axes[i]);
    if (axis < 0 || axis >= input.rank)
      continue;
    int64_t dim = input.dims[axis], s = starts[i];
    if (s < 0)
      s += dim;
    // Positive steps start in [0, dim]; negative ones in [-1, dim - 1].
    start[axis] = steps[i] > 0 ? std::clamp<int64_t>(s, 0, dim)
                               : std::clamp<int64_t>(s, -1, dim - 1);
    step[axis] = steps[i];
  }
}

} // namespace deepc::rt::cuda
