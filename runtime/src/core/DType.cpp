//===- DType.cpp - conversions between element types ----------------------===//
//
// The narrow float formats are converted through double: scaling by a power
// of two is exact there, so std::nearbyint (round half to even in the
// default rounding mode) performs the one and only rounding.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/DType.h"

#include <cmath>
#include <limits>

namespace deepc::rt {

float halfToFloat(uint16_t h) {
  float sign = (h & 0x8000) ? -1.0f : 1.0f;
  int exp = (h >> 10) & 0x1F;
  int mant = h & 0x3FF;
  if (exp == 0)
    return sign * std::ldexp(float(mant), -24);
  if (exp == 31)
    return mant ? std::numeric_limits<float>::quiet_NaN()
                : sign * std::numeric_limits<float>::infinity();
  return sign * std::ldexp(float(1024 + mant), exp - 25);
}

uint16_t floatToHalf(float f) {
  uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  if (std::isnan(f))
    return sign | 0x7E00;
  double a = std::fabs(double(f));
  // 65520 is halfway between the largest half (65504) and 2^16: ties to even
  // round it up to infinity.
  if (a >= 65520.0)
    return sign | 0x7C00;
  if (a < std::ldexp(1.0, -14)) // subnormal; 1024 becomes the smallest normal
    return sign | uint16_t(std::nearbyint(std::ldexp(a, 24)));
  int e;
  double fr = std::frexp(a, &e); // a = fr * 2^e, fr in [0.5, 1)
  int exp = e - 1;
  double m = std::nearbyint(fr * 2048.0); // [1024, 2048]
  if (m >= 2048.0) {
    m = 1024.0;
    ++exp;
  }
  if (exp + 15 >= 31)
    return sign | 0x7C00;
  return sign | uint16_t((exp + 15) << 10) | uint16_t(int(m) - 1024);
}

uint16_t floatToBf16(float f) {
  uint32_t bits = floatToBits(f);
  if (std::isnan(f))
    return uint16_t((bits >> 16) | 0x40); // keep it a (quiet) NaN
  uint32_t rounding = 0x7FFF + ((bits >> 16) & 1);
  return uint16_t((bits + rounding) >> 16);
}

float f8e4m3fnToFloat(uint8_t v) {
  float sign = (v & 0x80) ? -1.0f : 1.0f;
  if ((v & 0x7F) == 0x7F)
    return std::numeric_limits<float>::quiet_NaN();
  int exp = (v >> 3) & 0xF;
  int mant = v & 0x7;
  if (exp == 0)
    return sign * std::ldexp(float(mant), -9);
  return sign * std::ldexp(float(8 + mant), exp - 10);
}

uint8_t floatToF8e4m3fn(float f) {
  uint8_t sign = std::signbit(f) ? 0x80 : 0;
  if (std::isnan(f))
    return sign | 0x7F;
  double a = std::fabs(double(f));
  // The format has no infinity: ONNX's Cast saturates by default, so
  // everything beyond the largest finite value (448) becomes 448.
  if (a >= 448.0)
    return sign | 0x7E;
  if (a < std::ldexp(1.0, -6)) // subnormal; 8 becomes the smallest normal
    return sign | uint8_t(std::nearbyint(std::ldexp(a, 9)));
  int e;
  double fr = std::frexp(a, &e);
  int exp = e - 1;
  double m = std::nearbyint(fr * 16.0); // [8, 16]
  if (m >= 16.0) {
    m = 8.0;
    ++exp;
  }
  int code = ((exp + 7) << 3) | (int(m) - 8);
  if (code > 0x7E)
    code = 0x7E;
  return sign | uint8_t(code);
}

double loadAsDouble(const void *data, DType t, int64_t i) {
  switch (t) {
  case DType::F32:
    return static_cast<const float *>(data)[i];
  case DType::F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[i]);
  case DType::BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case DType::F8E4M3FN:
    return f8e4m3fnToFloat(static_cast<const uint8_t *>(data)[i]);
  case DType::Bool:
    return static_cast<const uint8_t *>(data)[i] != 0 ? 1.0 : 0.0;
  case DType::I4:
  case DType::I8:
    return static_cast<const int8_t *>(data)[i];
  case DType::I32:
    return static_cast<const int32_t *>(data)[i];
  case DType::I64:
    return double(static_cast<const int64_t *>(data)[i]);
  case DType::Invalid:
    break;
  }
  return 0;
}

/// Float to integer truncates toward zero; NaN gives 0 and out-of-range
/// values saturate (C++ leaves both undefined, ONNX leaves them open).
static int64_t doubleToInt64(double v) {
  if (std::isnan(v))
    return 0;
  if (v >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return int64_t(v);
}

int64_t loadAsInt64(const void *data, DType t, int64_t i) {
  switch (t) {
  case DType::Bool:
    return static_cast<const uint8_t *>(data)[i] != 0;
  case DType::I4:
  case DType::I8:
    return static_cast<const int8_t *>(data)[i];
  case DType::I32:
    return static_cast<const int32_t *>(data)[i];
  case DType::I64:
    return static_cast<const int64_t *>(data)[i];
  default:
    return doubleToInt64(loadAsDouble(data, t, i));
  }
}

void storeFromInt64(void *data, DType t, int64_t i, int64_t v) {
  switch (t) {
  case DType::F32:
  case DType::F16:
  case DType::BF16:
  case DType::F8E4M3FN:
    storeFromDouble(data, t, i, double(v));
    return;
  case DType::Bool:
    static_cast<uint8_t *>(data)[i] = v != 0;
    return;
  case DType::I4: {
    // Wrap to four bits, then sign-extend into the byte.
    int64_t low = v & 0xF;
    static_cast<int8_t *>(data)[i] = int8_t(low >= 8 ? low - 16 : low);
    return;
  }
  case DType::I8:
    static_cast<int8_t *>(data)[i] = int8_t(uint8_t(uint64_t(v)));
    return;
  case DType::I32:
    static_cast<int32_t *>(data)[i] = int32_t(uint32_t(uint64_t(v)));
    return;
  case DType::I64:
    static_cast<int64_t *>(data)[i] = v;
    return;
  case DType::Invalid:
    return;
  }
}

void storeFromDouble(void *data, DType t, int64_t i, double v) {
  switch (t) {
  case DType::F32:
    static_cast<float *>(data)[i] = float(v);
    return;
  case DType::F16:
    static_cast<uint16_t *>(data)[i] = floatToHalf(float(v));
    return;
  case DType::BF16:
    static_cast<uint16_t *>(data)[i] = floatToBf16(float(v));
    return;
  case DType::F8E4M3FN:
    static_cast<uint8_t *>(data)[i] = floatToF8e4m3fn(float(v));
    return;
  case DType::Bool:
    // NaN != 0, so NaN casts to true, as in ONNX.
    static_cast<uint8_t *>(data)[i] = v != 0;
    return;
  default: {
    // Float to integer saturates at the target's own range (deepc.cast),
    // not at int64's and then wraps.
    int64_t lo = std::numeric_limits<int64_t>::min();
    int64_t hi = std::numeric_limits<int64_t>::max();
    if (t == DType::I4) {
      lo = -8;
      hi = 7;
    } else if (t == DType::I8) {
      lo = std::numeric_limits<int8_t>::min();
      hi = std::numeric_limits<int8_t>::max();
    } else if (t == DType::I32) {
      lo = std::numeric_limits<int32_t>::min();
      hi = std::numeric_limits<int32_t>::max();
    }
    int64_t x = doubleToInt64(v);
    storeFromInt64(data, t, i, x < lo ? lo : (x > hi ? hi : x));
    return;
  }
  }
}

} // namespace deepc::rt
