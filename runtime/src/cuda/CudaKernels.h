//===- CudaKernels.h - registration of the CUDA kernels ---------*- C++ -*-===//
//
// Each file in src/cuda adds the kernels of one op family to the registry.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CUDA_CUDAKERNELS_H
#define DEEPC_RUNTIME_CUDA_CUDAKERNELS_H

#include "deepc/rt/cuda/CudaKernel.h"
#include "deepc/rt/cuda/CudaLibraries.h"

namespace deepc::rt::cuda {

void registerMatmulKernels(CudaKernelRegistry &registry); // Matmul.cpp
/// rms_norm, layer_norm, softmax, reduce_* (RowKernels.cu).
void registerRowKernels(CudaKernelRegistry &registry);
/// transpose, concat, slice, expand, gather, rotary, cast (DataKernels.cu).
void registerDataKernels(CudaKernelRegistry &registry);

/// deepc.gated_mlp (GatedMlp.cu).
void registerGatedMlpKernel(CudaKernelRegistry &registry);
/// quantize, dequantize, qmatmul (QuantKernels.cu).
void registerQuantKernels(CudaKernelRegistry &registry);
/// topk, argmax (TopK.cu).
void registerSelectionKernels(CudaKernelRegistry &registry);

/// The kernel that runs a region made of a single deepc.cast (the one
/// region kind the backend runs on the device before the region emitter
/// exists).
const CudaKernelDef &castRegionKernel();

/// Whether `dtype` is one the float kernels read and write.
inline bool isDeviceFloat(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

} // namespace deepc::rt::cuda

#endif // DEEPC_RUNTIME_CUDA_CUDAKERNELS_H
