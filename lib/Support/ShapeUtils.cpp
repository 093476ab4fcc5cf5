//===- ShapeUtils.cpp - shape arithmetic shared by ops and passes ---------===//

#include "deepc/Support/ShapeUtils.h"

#include "mlir/IR/BuiltinTypes.h"

#include <algorithm>

namespace mlir::deepc {

static constexpr int64_t kDynamic = ShapedType::kDynamic;

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    // Walk from the right; a missing leading dimension acts as 1.
    int64_t a = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t b = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    int64_t &out = result[rank - 1 - i];
    if (a == 1)
      out = b;
    else if (b == 1)
      out = a;
    else if (a == kDynamic)
      out = b;
    else if (b == kDynamic || a == b)
      out = a;
    else
      return std::nullopt;
  }
  return result;
}

bool isBroadcastableTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to) {
  if (from.size() > to.size())
    return false;
  size_t offset = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    int64_t f = from[i], t = to[offset + i];
    if (f != 1 && f != kDynamic && t != kDynamic && f != t)
      return false;
  }
  return true;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

std::string formatShape(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += 'x';
    s += formatDim(d);
  }
  return s;
}

bool dimsCompatible(int64_t a, int64_t b) {
  return a == kDynamic || b == kDynamic || a == b;
}

bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  return a.size() == b.size() && llvm::all_of(llvm::zip(a, b), [](auto p) {
           return dimsCompatible(std::get<0>(p), std::get<1>(p));
         });
}

std::string formatDim(int64_t dim) {
  return dim == kDynamic ? std::string("?") : std::to_string(dim);
}

std::optional<int64_t> staticElementCount(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d == kDynamic)
      return std::nullopt;
    n *= d;
  }
  return n;
}

int64_t ceilDivDim(int64_t a, int64_t b) {
  if (a == kDynamic || b == kDynamic)
    return kDynamic;
  // Written so that a + b cannot overflow for huge block sizes.
  return a / b + (a % b != 0);
}

} // namespace mlir::deepc
