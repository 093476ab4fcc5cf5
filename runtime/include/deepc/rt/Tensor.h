//===- Tensor.h - shapes and tensor views -----------------------*- C++ -*-===//

#ifndef DEEPC_RT_TENSOR_H
#define DEEPC_RT_TENSOR_H

#include "deepc/rt/DType.h"

#include <cstdint>
#include <initializer_list>
#include <string>

namespace deepc::rt {

constexpr int kMaxRank = DEEPC_MAX_RANK;

/// A fixed-capacity shape: no allocation on the execution path.
struct Shape {
  int rank = 0;
  int64_t dims[kMaxRank] = {};

  Shape() = default;
  Shape(std::initializer_list<int64_t> ds) {
    for (int64_t d : ds)
      dims[rank++] = d;
  }
  int64_t operator[](int i) const { return dims[i]; }
  int64_t &operator[](int i) { return dims[i]; }
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i)
      n *= dims[i];
    return n;
  }
  /// Appends a dim; returns false past kMaxRank.
  bool push(int64_t d) {
    if (rank >= kMaxRank)
      return false;
    dims[rank++] = d;
    return true;
  }
  bool operator==(const Shape &o) const {
    if (rank != o.rank)
      return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != o.dims[i])
        return false;
    return true;
  }
  bool operator!=(const Shape &o) const { return !(*this == o); }
  /// "[2, 5, 64]"
  std::string str() const;
};

/// A dense row-major tensor: data, element type and shape. `data` is null
/// when the values are not known (while planning memory at compile time).
struct TensorRef {
  void *data = nullptr;
  DType dtype = DType::Invalid;
  Shape shape;

  int64_t numel() const { return shape.numel(); }
  size_t bytes() const { return size_t(numel()) * dtypeSize(dtype); }
  template <typename T> T *as() const { return static_cast<T *>(data); }
};

/// NumPy/ONNX multidirectional broadcasting of `a` and `b` into `out`;
/// false when a pair of dims is neither equal nor 1.
bool broadcastShapes(const Shape &a, const Shape &b, Shape &out);

/// Row-major element strides of `shape`.
void contiguousStrides(const Shape &shape, int64_t *strides);

/// Strides that read `in` as if broadcast to `out` (0 along broadcast dims;
/// `in` is right-aligned against `out`). `strides` has out.rank entries.
void broadcastStrides(const Shape &in, const Shape &out, int64_t *strides);

} // namespace deepc::rt

#endif // DEEPC_RT_TENSOR_H
