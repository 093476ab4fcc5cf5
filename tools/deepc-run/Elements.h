//===- Elements.h - host tensors and element conversions --------*- C++ -*-===//
//
// deepc-run moves tensors between .pb files, random generators, the runtime
// and comparisons. It runs models through the C API only; the scalar float
// conversions are the runtime's own (deepc/rt/DType.h, from the static
// deepc_rt_core, since libdeepc_runtime.so exports only the C API).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_TOOLS_DEEPC_RUN_ELEMENTS_H
#define DEEPC_TOOLS_DEEPC_RUN_ELEMENTS_H

#include "deepc/rt/DType.h"
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

// Round to nearest even; f16 overflow becomes infinity, f8e4m3fn saturates
// to +-448 (it has no infinity), NaN stays NaN.
using ::deepc::rt::bf16ToFloat;
using ::deepc::rt::f8e4m3fnToFloat;
using ::deepc::rt::floatToBf16;
using ::deepc::rt::floatToF8e4m3fn;
using ::deepc::rt::floatToHalf;
using ::deepc::rt::halfToFloat;

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
