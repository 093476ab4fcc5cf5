//===- Elements.h - host tensors and element conversions --------*- C++ -*-===//
//
// deepc-run moves tensors between .pb files, random generators, the runtime
// and comparisons. It talks to the runtime through the C API only, so it
// keeps its own small set of element helpers (the runtime's C++ ones are not
// exported from libdeepc_runtime.so).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_TOOLS_DEEPC_RUN_ELEMENTS_H
#define DEEPC_TOOLS_DEEPC_RUN_ELEMENTS_H

#include "deepc_runtime.h"

#include "llvm/ADT/ArrayRef.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace deepc::run {

/// deepc's spelling of a dtype ("f32", "i64", ...), as in manifest.json.
const char *dtypeName(deepc_dtype dtype);
/// Bytes per element; 0 for an invalid dtype.
size_t dtypeSize(deepc_dtype dtype);
bool isFloatDType(deepc_dtype dtype);

float halfToFloat(uint16_t bits);
/// Rounds to nearest even; overflow becomes infinity, NaN stays NaN.
uint16_t floatToHalf(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToBf16(float value);
float f8e4m3fnToFloat(uint8_t bits);
/// Rounds to nearest even and saturates to +-448 (the format has no
/// infinity), as ONNX Cast does by default.
uint8_t floatToF8e4m3fn(float value);

/// Element `index` of a float buffer of `dtype`, widened to double.
double loadFloat(const void *data, deepc_dtype dtype, int64_t index);
/// Element `index` of an integer or bool buffer of `dtype`.
int64_t loadInt(const void *data, deepc_dtype dtype, int64_t index);
/// Stores `value` (rounded to the float format) at element `index`.
void storeFloat(void *data, deepc_dtype dtype, int64_t index, float value);
/// Stores `value` (truncated to the integer width; bool: != 0).
void storeInt(void *data, deepc_dtype dtype, int64_t index, int64_t value);

/// Product of `dims` (1 for a scalar).
int64_t numElements(llvm::ArrayRef<int64_t> dims);
/// "[2, 5, 256]".
std::string formatDims(llvm::ArrayRef<int64_t> dims);

/// A borrowed, dense, row-major tensor.
struct TensorRef {
  const void *data = nullptr;
  deepc_dtype dtype = DEEPC_DTYPE_INVALID;
  llvm::ArrayRef<int64_t> dims;
};

/// A dense, row-major tensor that owns its (64-byte aligned, zero-filled)
/// memory.
class HostTensor {
public:
  HostTensor() = default;
  HostTensor(std::string name, deepc_dtype dtype, std::vector<int64_t> dims);

  const std::string &name() const { return tensorName; }
  deepc_dtype dtype() const { return elementType; }
  llvm::ArrayRef<int64_t> dims() const { return shape; }
  int64_t numElements() const { return deepc::run::numElements(shape); }
  size_t byteSize() const { return numElements() * dtypeSize(elementType); }
  void *data() { return buffer.get(); }
  const void *data() const { return buffer.get(); }

  TensorRef ref() const { return {data(), elementType, shape}; }
  /// A view for deepc_session_bind_input; valid while this tensor lives.
  deepc_tensor_view view();

private:
  struct AlignedDelete {
    void operator()(uint8_t *ptr) const;
  };

  std::string tensorName;
  deepc_dtype elementType = DEEPC_DTYPE_INVALID;
  std::vector<int64_t> shape;
  std::unique_ptr<uint8_t[], AlignedDelete> buffer;
};

} // namespace deepc::run

#endif // DEEPC_TOOLS_DEEPC_RUN_ELEMENTS_H
