/*===- RegionAbi.h - how the runtime calls compiled regions ------*- C -*-===//
 *
 * A region (a fused elementwise computation, PlanStep::body) compiles to one
 * function with C linkage in the artifact's code library:
 *
 *   int <symbol>(const deepc_region_args *args);
 *
 * returning 0 on success, DEEPC_REGION_BAD_CALL when the arguments do not
 * fit the region, DEEPC_REGION_FAULT when an element faulted (an integer
 * division or modulo by zero). The runtime computes the output shape (the
 * broadcast of the inputs) and, per input, the element strides that read it
 * as if broadcast to that shape; the function only loops. Kept in C so that
 * every target's generated code (C++ for CPU, CUDA later) can include it.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DEEPC_RT_REGIONABI_H
#define DEEPC_RT_REGIONABI_H

#include <stdint.h>

#define DEEPC_REGION_ABI_VERSION 1
#define DEEPC_REGION_MAX_RANK 8

typedef struct deepc_region_args {
  int32_t num_inputs;
  const void *const *inputs; /* num_inputs pointers */
  /* inputs_strides[i * DEEPC_REGION_MAX_RANK + d]: element stride of input
   * i along output dim d; 0 where input i is broadcast along d. */
  const int64_t *input_strides;
  void *output; /* dense row-major, `rank` dims of `dims` */
  int32_t rank;
  const int64_t *dims;
  int32_t num_threads; /* 0: OpenMP's default */
} deepc_region_args;

#define DEEPC_REGION_BAD_CALL 1
#define DEEPC_REGION_FAULT 2

typedef int (*deepc_region_fn)(const deepc_region_args *args);

/* Every code library exports this, returning DEEPC_REGION_ABI_VERSION, so the
 * runtime refuses a library built for another ABI. */
#define DEEPC_REGION_ABI_SYMBOL "deepc_region_abi_version"

#endif /* DEEPC_RT_REGIONABI_H */
