//===- CpuKernels.h - registration of the CPU kernels -----------*- C++ -*-===//
//
// Each file in src/cpu adds the kernels of one op family to the registry.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CPU_CPUKERNELS_H
#define DEEPC_RUNTIME_CPU_CPUKERNELS_H

#include "deepc/rt/Kernel.h"

namespace deepc::rt::cpu {

// Math (Matmul.cpp, Reduce.cpp, Softmax.cpp, Norm.cpp, Rotary.cpp,
// Attention.cpp, Moe.cpp, GatedMlp.cpp, Quant.cpp).
void registerMatmulKernels(KernelRegistry &registry);    // matmul
void registerReduceKernels(KernelRegistry &registry);    // reduce_*, argmax
void registerSoftmaxKernels(KernelRegistry &registry);   // softmax, topk, cumsum
void registerNormKernels(KernelRegistry &registry);      // rms_norm, layer_norm
void registerRotaryKernels(KernelRegistry &registry);    // rotary
void registerAttentionKernels(KernelRegistry &registry); // attention
void registerMoeKernels(KernelRegistry &registry);       // moe
void registerGatedMlpKernels(KernelRegistry &registry);  // gated_mlp
void registerQuantKernels(KernelRegistry &registry); // quantize, dequantize, qmatmul

// Data movement and indexing (Gather.cpp, Scatter.cpp, Shape.cpp,
// Layout.cpp, Collective.cpp).
void registerGatherKernels(KernelRegistry &registry);  // gather, gather_elements, gather_nd
void registerScatterKernels(KernelRegistry &registry); // scatter, scatter_elements
void registerShapeKernels(KernelRegistry &registry); // reshape, shape_of, expand, range, nonzero
void registerLayoutKernels(KernelRegistry &registry); // transpose, concat, slice, trilu
void registerCollectiveKernels(KernelRegistry &registry); // all_reduce, all_gather, all_to_all (one rank)

} // namespace deepc::rt::cpu

#endif // DEEPC_RUNTIME_CPU_CPUKERNELS_H
