/*===- CudaRegionAbi.h - how the runtime launches CUDA regions ---*- C -*-===//
 *
 * With --target=cuda a region compiles to a host function in the artifact's
 * CUDA library (model_cuda.so, which embeds the fatbin of its kernels):
 *
 *   int <symbol>(const deepc_region_args *args, void *stream, int *fault);
 *
 * The arguments are RegionAbi.h's, except that `inputs` and `output` point
 * to device memory (dims and strides stay host memory: the launcher copies
 * them into the kernel's parameters) and `num_threads` is ignored. It
 * enqueues the kernel on `stream` (a cudaStream_t) and returns at once: 0,
 * DEEPC_REGION_BAD_CALL when the arguments do not fit the region, or
 * DEEPC_REGION_LAUNCH_FAILED when CUDA refused the launch. A faulting
 * element (an integer division or modulo by zero) sets the device int
 * `*fault` to 1 while the kernel runs; the runtime zeroes it before and
 * reads it after synchronizing.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DEEPC_RT_CUDAREGIONABI_H
#define DEEPC_RT_CUDAREGIONABI_H

#include "deepc/rt/RegionAbi.h"

#define DEEPC_REGION_LAUNCH_FAILED 3

typedef int (*deepc_cuda_region_fn)(const deepc_region_args *args, void *stream,
                                    int *fault);

#endif /* DEEPC_RT_CUDAREGIONABI_H */
