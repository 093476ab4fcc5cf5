//===- AttentionLayout.h - look through layout ops, exactly -----*- C++ -*-===//
//
// Exporters spell the head split, the GQA key/value repeat and kᵀ as chains
// of reshape, transpose and expand. To replace such a chain by the tensor it
// starts from, a raising pass must prove what the chain does to each
// element. This file gives it two tools:
//
// - DimAnalysis: the extent of a tensor dimension as a product of a constant
//   and symbols (dynamic extents), following shape operands back to the
//   `shape_of` they were sliced from, so that `reshape %k shape %s` can be
//   compared with the extents of `%k`.
// - traceLayout: how each dimension of a value maps onto the dimensions of
//   a source value that a chain of layout ops started from.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_TRANSFORMS_ATTENTIONLAYOUT_H
#define DEEPC_LIB_TRANSFORMS_ATTENTIONLAYOUT_H

#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

#include <map>
#include <optional>
#include <tuple>
#include <utility>

namespace mlir::deepc {

/// A dynamic extent: dimension `index` of `value`, or element `index` of a
/// 1-D shape tensor `value` when `isShapeElement`.
struct DimSymbol {
  const void *value = nullptr;
  int64_t index = 0;
  bool isShapeElement = false;

  bool operator==(const DimSymbol &other) const {
    return value == other.value && index == other.index &&
           isShapeElement == other.isShapeElement;
  }
  bool operator<(const DimSymbol &other) const {
    return std::tie(value, index, isShapeElement) <
           std::tie(other.value, other.index, other.isShapeElement);
  }
};

/// An extent `coefficient · Π symbols`. Extents are compared after each
/// symbol is replaced by its class representative (see DimAnalysis).
struct DimExtent {
  int64_t coefficient = 1;
  llvm::SmallVector<DimSymbol, 2> symbols;

  static DimExtent constant(int64_t value) { return {value, {}}; }
  bool isConstant(int64_t value) const {
    return symbols.empty() && coefficient == value;
  }
  bool isStatic() const { return symbols.empty(); }
};

/// Computes and compares symbolic extents of tensor dimensions. Two dynamic
/// dimensions that an elementwise op broadcasts against each other are the
/// same extent: the deepc dialect defines a dynamic dimension to match the
/// other side (see Deepc_BinaryOp), so the analysis merges their symbols.
class DimAnalysis {
public:
  /// The extent of dimension `dim` of the ranked tensor `value`.
  DimExtent extentOf(Value value, int64_t dim);
  /// The extent held by element `index` of the 1-D i64 tensor `shape`.
  DimExtent shapeElement(Value shape, int64_t index);

  DimExtent multiply(const DimExtent &lhs, const DimExtent &rhs);
  /// `lhs / rhs` when it is exact (coefficients divide, symbols cancel).
  std::optional<DimExtent> divide(const DimExtent &lhs, const DimExtent &rhs);
  bool equal(const DimExtent &lhs, const DimExtent &rhs);

private:
  DimExtent canonical(const DimExtent &extent);
  DimSymbol find(DimSymbol symbol);
  void unite(const DimExtent &lhs, const DimExtent &rhs);
  DimExtent computeExtent(Value value, int64_t dim);
  std::optional<DimExtent> computeShapeElement(Value shape, int64_t index);
  DimExtent broadcastExtent(llvm::ArrayRef<std::pair<Value, int64_t>> dims);

  llvm::DenseMap<std::pair<const void *, int64_t>, DimExtent> extents;
  llvm::DenseMap<std::pair<const void *, int64_t>, DimExtent> shapeElements;
  std::map<DimSymbol, DimSymbol> parent;
  unsigned depth = 0;
};

/// A factor of a dimension of a traced value: either a (part of a) source
/// dimension, or a broadcast introduced by an expand (whose index does not
/// reach the source).
struct LayoutAtom {
  /// The source dimension this factor indexes, or -1 for a broadcast.
  int64_t sourceDim;
  DimExtent extent;
};

/// How a value's dimensions map onto those of `source`: dimension `i` of the
/// value is the row-major combination of `dims[i]` (atom ids, major first;
/// empty for an extent of 1), and source dimension `s` the row-major
/// combination of `sourceDims[s]`. Two values with the same source and
/// layout hold the same elements at the same indices.
struct Layout {
  Value source;
  llvm::SmallVector<LayoutAtom> atoms;
  llvm::SmallVector<llvm::SmallVector<unsigned, 2>> dims;
  llvm::SmallVector<llvm::SmallVector<unsigned, 2>> sourceDims;

  /// Whether dimension `dim` of the value is exactly source dimension
  /// `sourceDim` (same index, same extent).
  bool isSourceDim(unsigned dim, unsigned sourceDim) const {
    return dims[dim] == sourceDims[sourceDim];
  }
  bool isBroadcast(unsigned atom) const { return atoms[atom].sourceDim < 0; }
};

/// A traced value: its layout relative to a source reached through layout
/// ops, and the product of the scalar factors multiplied in on the way.
struct TracedValue {
  Layout layout;
  double scale = 1.0;
};

/// Follows `value` back through reshape, transpose, expand and
/// multiplications/divisions by a scalar constant, and returns the trace
/// from the deepest value on that chain whose layout `accept` accepts (the
/// value itself is the shallowest candidate). Returns nullopt when no
/// candidate is accepted.
std::optional<TracedValue>
traceLayout(Value value, DimAnalysis &analysis,
            llvm::function_ref<bool(const Layout &)> accept);

/// The value of a splat float constant with a single element (rank 0 or all
/// dimensions 1).
std::optional<double> getScalarConstant(Value value);

} // namespace mlir::deepc

#endif // DEEPC_LIB_TRANSFORMS_ATTENTIONLAYOUT_H
