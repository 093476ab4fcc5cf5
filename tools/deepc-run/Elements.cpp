//===- Elements.cpp - host tensors and element conversions ----------------===//

#include "Elements.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <new>

namespace deepc::run {

const char *dtypeName(deepc_dtype dtype) {
  switch (dtype) {
  case DEEPC_DTYPE_F32:
    return "f32";
  case DEEPC_DTYPE_F16:
    return "f16";
  case DEEPC_DTYPE_BF16:
    return "bf16";
  case DEEPC_DTYPE_F8E4M3FN:
    return "f8e4m3fn";
  case DEEPC_DTYPE_BOOL:
    return "bool";
  case DEEPC_DTYPE_I4:
    return "i4";
  case DEEPC_DTYPE_I8:
    return "i8";
  case DEEPC_DTYPE_I32:
    return "i32";
  case DEEPC_DTYPE_I64:
    return "i64";
  case DEEPC_DTYPE_INVALID:
    break;
  }
  return "invalid";
}

size_t dtypeSize(deepc_dtype dtype) {
  switch (dtype) {
  case DEEPC_DTYPE_F32:
  case DEEPC_DTYPE_I32:
    return 4;
  case DEEPC_DTYPE_F16:
  case DEEPC_DTYPE_BF16:
    return 2;
  case DEEPC_DTYPE_F8E4M3FN:
  case DEEPC_DTYPE_BOOL:
  case DEEPC_DTYPE_I4:
  case DEEPC_DTYPE_I8:
    return 1;
  case DEEPC_DTYPE_I64:
    return 8;
  case DEEPC_DTYPE_INVALID:
    break;
  }
  return 0;
}

bool isFloatDType(deepc_dtype dtype) {
  return dtype == DEEPC_DTYPE_F32 || dtype == DEEPC_DTYPE_F16 ||
         dtype == DEEPC_DTYPE_BF16 || dtype == DEEPC_DTYPE_F8E4M3FN;
}

double loadFloat(const void *data, deepc_dtype dtype, int64_t index) {
  switch (dtype) {
  case DEEPC_DTYPE_F32:
    return static_cast<const float *>(data)[index];
  case DEEPC_DTYPE_F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[index]);
  case DEEPC_DTYPE_BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[index]);
  case DEEPC_DTYPE_F8E4M3FN:
    return f8e4m3fnToFloat(static_cast<const uint8_t *>(data)[index]);
  default:
    return double(loadInt(data, dtype, index));
  }
}

int64_t loadInt(const void *data, deepc_dtype dtype, int64_t index) {
  switch (dtype) {
  case DEEPC_DTYPE_BOOL:
    return static_cast<const uint8_t *>(data)[index] != 0;
  case DEEPC_DTYPE_I4:
  case DEEPC_DTYPE_I8:
    return static_cast<const int8_t *>(data)[index];
  case DEEPC_DTYPE_I32:
    return static_cast<const int32_t *>(data)[index];
  case DEEPC_DTYPE_I64:
    return static_cast<const int64_t *>(data)[index];
  default: // floats truncate; an invalid dtype reads as 0
    return isFloatDType(dtype) ? int64_t(loadFloat(data, dtype, index)) : 0;
  }
}

void storeFloat(void *data, deepc_dtype dtype, int64_t index, float value) {
  switch (dtype) {
  case DEEPC_DTYPE_F32:
    static_cast<float *>(data)[index] = value;
    return;
  case DEEPC_DTYPE_F16:
    static_cast<uint16_t *>(data)[index] = floatToHalf(value);
    return;
  case DEEPC_DTYPE_BF16:
    static_cast<uint16_t *>(data)[index] = floatToBf16(value);
    return;
  case DEEPC_DTYPE_F8E4M3FN:
    static_cast<uint8_t *>(data)[index] = floatToF8e4m3fn(value);
    return;
  default:
    storeInt(data, dtype, index, int64_t(value));
    return;
  }
}

void storeInt(void *data, deepc_dtype dtype, int64_t index, int64_t value) {
  switch (dtype) {
  case DEEPC_DTYPE_BOOL:
    static_cast<uint8_t *>(data)[index] = value != 0;
    return;
  case DEEPC_DTYPE_I4:
    // One byte per element, sign-extended from the low four bits.
    static_cast<int8_t *>(data)[index] = int8_t(uint8_t(value << 4)) >> 4;
    return;
  case DEEPC_DTYPE_I8:
    static_cast<int8_t *>(data)[index] = int8_t(value);
    return;
  case DEEPC_DTYPE_I32:
    static_cast<int32_t *>(data)[index] = int32_t(value);
    return;
  case DEEPC_DTYPE_I64:
    static_cast<int64_t *>(data)[index] = value;
    return;
  default:
    if (isFloatDType(dtype))
      storeFloat(data, dtype, index, float(value));
    return;
  }
}

int64_t numElements(llvm::ArrayRef<int64_t> dims) {
  int64_t count = 1;
  for (int64_t dim : dims)
    count *= dim;
  return count;
}

std::string formatDims(llvm::ArrayRef<int64_t> dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      text += ", ";
    text += std::to_string(dims[i]);
  }
  return text + "]";
}

static constexpr std::align_val_t kAlignment{64};

void HostTensor::AlignedDelete::operator()(uint8_t *ptr) const {
  ::operator delete[](ptr, kAlignment);
}

HostTensor::HostTensor(std::string name, deepc_dtype dtype,
                       std::vector<int64_t> dims)
    : tensorName(std::move(name)), elementType(dtype), shape(std::move(dims)) {
  // Never a null buffer, even for an empty tensor: the runtime may reject a
  // null data pointer.
  size_t bytes = std::max<size_t>(byteSize(), 1);
  buffer.reset(static_cast<uint8_t *>(::operator new[](bytes, kAlignment)));
  std::memset(buffer.get(), 0, bytes);
}

deepc_tensor_view HostTensor::view() {
  assert(shape.size() <= DEEPC_MAX_RANK && "rank checked by the caller");
  deepc_tensor_view view{};
  view.data = data();
  view.dtype = elementType;
  view.rank = int32_t(shape.size());
  for (size_t i = 0; i < shape.size(); ++i)
    view.dims[i] = shape[i];
  return view;
}

} // namespace deepc::run
