//===- DType.h - element types of runtime tensors ---------------*- C++ -*-===//

#ifndef DEEPC_RT_DTYPE_H
#define DEEPC_RT_DTYPE_H

#include "deepc_runtime.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace deepc::rt {

/// Same values as deepc_dtype. Bool and I4 take one byte per element (I4
/// sign-extended into an int8_t); F16, BF16 and F8E4M3FN are stored as their
/// bit patterns (uint16_t, uint16_t, uint8_t).
enum class DType : uint8_t {
  Invalid = DEEPC_DTYPE_INVALID,
  F32 = DEEPC_DTYPE_F32,
  F16 = DEEPC_DTYPE_F16,
  BF16 = DEEPC_DTYPE_BF16,
  F8E4M3FN = DEEPC_DTYPE_F8E4M3FN,
  Bool = DEEPC_DTYPE_BOOL,
  I4 = DEEPC_DTYPE_I4,
  I8 = DEEPC_DTYPE_I8,
  I32 = DEEPC_DTYPE_I32,
  I64 = DEEPC_DTYPE_I64,
};

inline size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32:
  case DType::I32:
    return 4;
  case DType::F16:
  case DType::BF16:
    return 2;
  case DType::F8E4M3FN:
  case DType::Bool:
  case DType::I4:
  case DType::I8:
    return 1;
  case DType::I64:
    return 8;
  case DType::Invalid:
    break;
  }
  return 0;
}

/// The names used in plan.json and manifest.json: MLIR's spelling of the
/// element type, except "bool" for i1.
inline const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F16: return "f16";
  case DType::BF16: return "bf16";
  case DType::F8E4M3FN: return "f8e4m3fn";
  case DType::Bool: return "bool";
  case DType::I4: return "i4";
  case DType::I8: return "i8";
  case DType::I32: return "i32";
  case DType::I64: return "i64";
  case DType::Invalid: break;
  }
  return "invalid";
}

inline DType parseDType(std::string_view name) {
  for (DType t : {DType::F32, DType::F16, DType::BF16, DType::F8E4M3FN,
                  DType::Bool, DType::I4, DType::I8, DType::I32, DType::I64})
    if (name == dtypeName(t))
      return t;
  return DType::Invalid;
}

inline bool isFloat(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16 ||
         t == DType::F8E4M3FN;
}
inline bool isInteger(DType t) { return !isFloat(t) && t != DType::Invalid; }

//===----------------------------------------------------------------------===//
// Scalar conversions for the 16- and 8-bit float formats (round to nearest
// even on the way down; NaN stays NaN).
//===----------------------------------------------------------------------===//

inline float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
inline uint32_t floatToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

float halfToFloat(uint16_t h);
uint16_t floatToHalf(float f);
inline float bf16ToFloat(uint16_t b) { return bitsToFloat(uint32_t(b) << 16); }
uint16_t floatToBf16(float f);
float f8e4m3fnToFloat(uint8_t v);
uint8_t floatToF8e4m3fn(float f);

/// Reads element `i` of a buffer of dtype `t` as double / int64 (any dtype).
double loadAsDouble(const void *data, DType t, int64_t i);
int64_t loadAsInt64(const void *data, DType t, int64_t i);
/// Stores `v` into element `i` with deepc.cast semantics for the target type
/// (float → int truncates toward zero and saturates at the target type's range,
/// NaN → 0; int → narrower int wraps; to bool: != 0).
void storeFromDouble(void *data, DType t, int64_t i, double v);
void storeFromInt64(void *data, DType t, int64_t i, int64_t v);

} // namespace deepc::rt

#endif // DEEPC_RT_DTYPE_H
