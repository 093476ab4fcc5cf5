//===- Tensor.cpp - shapes, broadcasting and strides ----------------------===//

#include "deepc/rt/Tensor.h"

namespace deepc::rt {

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank; ++i) {
    if (i)
      s += ", ";
    s += std::to_string(dims[i]);
  }
  return s + "]";
}

bool broadcastShapes(const Shape &a, const Shape &b, Shape &out) {
  int rank = a.rank > b.rank ? a.rank : b.rank;
  Shape result;
  result.rank = rank;
  for (int i = 0; i < rank; ++i) {
    // Right-aligned: dim i of the result pairs with dim i - (rank - r).
    int ia = i - (rank - a.rank), ib = i - (rank - b.rank);
    int64_t da = ia >= 0 ? a.dims[ia] : 1;
    int64_t db = ib >= 0 ? b.dims[ib] : 1;
    if (da == db || db == 1)
      result.dims[i] = da;
    else if (da == 1)
      result.dims[i] = db;
    else
      return false;
  }
  out = result;
  return true;
}

void contiguousStrides(const Shape &shape, int64_t *strides) {
  int64_t stride = 1;
  for (int i = shape.rank - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape.dims[i];
  }
}

void broadcastStrides(const Shape &in, const Shape &out, int64_t *strides) {
  int64_t inStrides[kMaxRank];
  contiguousStrides(in, inStrides);
  int offset = out.rank - in.rank;
  for (int d = 0; d < out.rank; ++d) {
    int id = d - offset;
    // A dim the input lacks or has as 1 while the output does not repeats.
    if (id < 0 || (in.dims[id] == 1 && out.dims[d] != 1))
      strides[d] = 0;
    else
      strides[d] = inStrides[id];
  }
}

} // namespace deepc::rt
