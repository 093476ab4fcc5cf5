//===- NormMatchers.h - matchers shared by the norm raising passes -*- C++
//-*-===//
//
// deepc-raise-rms-norm and deepc-raise-layer-norm recognize the same pieces
// of an exported norm: a scalar ε, x² written as pow or mul, 1/sqrt written
// as rsqrt or reciprocal(sqrt), and the element types a norm op computes
// like the primitive ops do.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_TRANSFORMS_NORMMATCHERS_H
#define DEEPC_LIB_TRANSFORMS_NORMMATCHERS_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Matchers.h"

#include <cmath>
#include <optional>

namespace mlir::deepc::norm {

/// The value of a splat float constant with a single element (rank 0 or all
/// dimensions 1), so that adding it or raising to it broadcasts nothing.
inline std::optional<double> getScalarSplat(Value value) {
  DenseFPElementsAttr attr;
  if (!matchPattern(value, m_Constant(&attr)) || !attr.isSplat() ||
      attr.getNumElements() != 1)
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToDouble();
}

/// Whether the element type is one the norm ops compute like the primitive
/// ops do (f8 is a storage type, not one exporters normalize in).
inline bool hasNormalizableType(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || type.getRank() == 0)
    return false;
  Type element = type.getElementType();
  return element.isF32() || element.isF16() || element.isBF16();
}

/// Matches `x²` as `pow(x, 2)` or `mul(x, x)`.
inline bool isSquareOf(Value square, Value x) {
  if (square.getType() != x.getType())
    return false;
  if (auto pow = square.getDefiningOp<PowOp>())
    return pow.getLhs() == x && getScalarSplat(pow.getRhs()) == 2.0;
  if (auto mul = square.getDefiningOp<MulOp>())
    return mul.getLhs() == x && mul.getRhs() == x;
  return false;
}

/// Whether a norm op accepts `epsilon`: finite and non-negative. Others are
/// left as written rather than built into an op that fails to verify.
inline bool isValidEpsilon(double epsilon) {
  return epsilon >= 0 && !std::isinf(float(epsilon));
}

/// Matches `1 / sqrt(s)` as `reciprocal(sqrt(s))` or `rsqrt(s)` and returns
/// `s`.
inline Value matchInverseSqrt(Value inverse) {
  if (auto rsqrt = inverse.getDefiningOp<RsqrtOp>())
    return rsqrt.getInput();
  if (auto reciprocal = inverse.getDefiningOp<ReciprocalOp>())
    if (auto sqrt = reciprocal.getInput().getDefiningOp<SqrtOp>())
      return sqrt.getInput();
  return {};
}

} // namespace mlir::deepc::norm

#endif // DEEPC_LIB_TRANSFORMS_NORMMATCHERS_H
