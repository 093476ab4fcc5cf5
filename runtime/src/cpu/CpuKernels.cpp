//===- CpuKernels.cpp - the CPU kernel registry ---------------------------===//

#include "cpu/CpuKernels.h"

namespace deepc::rt {

const KernelRegistry &cpuKernels() {
  static const KernelRegistry registry = [] {
    KernelRegistry r;
    cpu::registerMatmulKernels(r);
    cpu::registerReduceKernels(r);
    cpu::registerSoftmaxKernels(r);
    cpu::registerNormKernels(r);
    cpu::registerRotaryKernels(r);
    cpu::registerAttentionKernels(r);
    cpu::registerMoeKernels(r);
    cpu::registerGatedMlpKernels(r);
    cpu::registerQuantKernels(r);
    cpu::registerGatherKernels(r);
    cpu::registerScatterKernels(r);
    cpu::registerShapeKernels(r);
    cpu::registerLayoutKernels(r);
    cpu::registerCollectiveKernels(r);
    return r;
  }();
  return registry;
}

} // namespace deepc::rt
