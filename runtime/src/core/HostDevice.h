//===- HostDevice.h - functions both host and device code call --*- C++ -*-===//
//
// DEEPC_HOST_DEVICE marks a small inline function that the CPU kernels, the
// CUDA host plans and the CUDA kernels all call, so that one definition
// serves the three. It expands to nothing outside nvcc, which keeps the
// headers that use it free of CUDA includes.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RUNTIME_CORE_HOSTDEVICE_H
#define DEEPC_RUNTIME_CORE_HOSTDEVICE_H

#ifndef DEEPC_HOST_DEVICE
#if defined(__CUDACC__)
#define DEEPC_HOST_DEVICE __host__ __device__
#else
#define DEEPC_HOST_DEVICE
#endif
#endif

#endif // DEEPC_RUNTIME_CORE_HOSTDEVICE_H
