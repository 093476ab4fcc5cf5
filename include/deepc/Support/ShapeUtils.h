//===- ShapeUtils.h - shape arithmetic shared by ops and passes -*- C++ -*-===//
//
// Static shape reasoning with dynamic dimensions (ShapedType::kDynamic):
// numpy broadcasting, axis normalization, and printing shapes the way users
// read them in diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_SUPPORT_SHAPEUTILS_H
#define DEEPC_SUPPORT_SHAPEUTILS_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>

namespace mlir::deepc {

/// Broadcasts two shapes with numpy rules, where a dynamic dimension is
/// assumed to match the other side: `?` against `1` or `?` stays `?`, `?`
/// against a static `n > 1` becomes `n`. Returns std::nullopt when two
/// static dimensions differ and neither is 1.
std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs);

/// True when `from` broadcasts to exactly `to` (numpy rules, one way): `from`
/// has no more dimensions, and each of its right-aligned dimensions is 1,
/// dynamic, or equal to the matching dimension of `to` (a dynamic `to`
/// dimension accepts anything).
bool isBroadcastableTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to);

/// Maps `axis` in [-rank, rank) to [0, rank); std::nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Formats a shape as in a tensor type: `2x?x64`, or `scalar` for rank 0.
std::string formatShape(ArrayRef<int64_t> shape);

/// True when two dimensions may be equal: either is dynamic, or both match.
bool dimsCompatible(int64_t a, int64_t b);

/// True when two shapes have the same rank and compatible dimensions.
bool shapesCompatible(ArrayRef<int64_t> a, ArrayRef<int64_t> b);

/// Formats one dimension: its extent, or `?` when dynamic.
std::string formatDim(int64_t dim);

/// Number of elements, or std::nullopt when any dimension is dynamic.
std::optional<int64_t> staticElementCount(ArrayRef<int64_t> shape);

/// ceil(a / b) for a >= 0 and b > 0, passing kDynamic through.
int64_t ceilDivDim(int64_t a, int64_t b);

} // namespace mlir::deepc

#endif // DEEPC_SUPPORT_SHAPEUTILS_H
