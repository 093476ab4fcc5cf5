/*===- deepc_runtime.h - the deepc runtime's C API ---------------*- C -*-===//
 *
 * Loads a compiled artifact (`model.deepc/`), binds inputs, runs it and reads
 * the outputs. Handles are opaque; every call that can fail returns a
 * `deepc_status`: NULL on success, otherwise an object that carries a code
 * and a message and that the caller frees with deepc_status_free(). No C++
 * exception crosses this API.
 *
 * Threading: a deepc_model is immutable once loaded and may be shared by any
 * number of threads and sessions. A deepc_session holds the memory of one
 * execution; use each session from one thread at a time.
 *
 *===----------------------------------------------------------------------===*/

#ifndef DEEPC_RUNTIME_H
#define DEEPC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEEPC_MAX_RANK 8

/*---------------------------------------------------------------- status --*/

typedef enum deepc_status_code {
  /* One code and its meaning per line: */
  /* clang-format off */
  DEEPC_OK = 0,
  DEEPC_INVALID_ARGUMENT = 1, /* a bad argument: wrong input name, dtype, shape */
  DEEPC_NOT_FOUND = 2,        /* a missing artifact or file in it */
  DEEPC_CORRUPT_ARTIFACT = 3, /* an artifact that does not parse or is inconsistent */
  DEEPC_OUT_OF_RANGE = 4,     /* a dim beyond the bounds the model was compiled for */
  DEEPC_UNSUPPORTED = 5,      /* something this runtime cannot execute */
  DEEPC_RESOURCE_EXHAUSTED = 6, /* out of memory */
  DEEPC_FAILED_PRECONDITION = 7, /* e.g. running before every input is bound */
  DEEPC_INTERNAL = 8
  /* clang-format on */
} deepc_status_code;

typedef struct deepc_status_s *deepc_status;

deepc_status_code deepc_status_get_code(deepc_status status);
/* The message; valid until the status is freed. "" for NULL (success). */
const char *deepc_status_message(deepc_status status);
void deepc_status_free(deepc_status status);

/*----------------------------------------------------------------- dtypes --*/

/* Element types. Values match deepc::rt::DType. */
typedef enum deepc_dtype {
  DEEPC_DTYPE_INVALID = 0,
  DEEPC_DTYPE_F32 = 1,
  DEEPC_DTYPE_F16 = 2,
  DEEPC_DTYPE_BF16 = 3,
  DEEPC_DTYPE_F8E4M3FN = 4,
  DEEPC_DTYPE_BOOL = 5, /* one byte per element, 0 or 1 */
  DEEPC_DTYPE_I4 = 6,   /* one byte per element, sign-extended */
  DEEPC_DTYPE_I8 = 7,
  DEEPC_DTYPE_I32 = 8,
  DEEPC_DTYPE_I64 = 9
} deepc_dtype;

/* "f32", "f16", "bf16", "f8e4m3fn", "bool", "i4", "i8", "i32", "i64". */
const char *deepc_dtype_name(deepc_dtype dtype);
/* Bytes per element (1 for bool and i4); 0 for an invalid dtype. */
size_t deepc_dtype_size(deepc_dtype dtype);

/*----------------------------------------------------------------- models --*/

typedef struct deepc_model_s *deepc_model;

/* Loads the artifact directory at `path` (manifest.json, plan.json,
 * weights.bin memory-mapped, model.so when the plan has generated code). */
deepc_status deepc_model_load(const char *path, deepc_model *out_model);
void deepc_model_release(deepc_model model);

/* An input or output as compiled. dims[i] is -1 for a symbolic dim, whose
 * name is dim_names[i] and whose largest allowed value is dim_bounds[i]. */
typedef struct deepc_tensor_info {
  const char *name;
  deepc_dtype dtype;
  int32_t rank;
  int64_t dims[DEEPC_MAX_RANK];
  const char *dim_names[DEEPC_MAX_RANK]; /* "" for static dims */
  int64_t dim_bounds[DEEPC_MAX_RANK];    /* == dims[i] for static dims */
} deepc_tensor_info;

/* The target the artifact was compiled for: "cpu" or "cuda" (manifest.json's
 * "target"); "" for NULL. A "cuda" artifact runs on the CPU too. */
const char *deepc_model_target(deepc_model model);

size_t deepc_model_num_inputs(deepc_model model);
size_t deepc_model_num_outputs(deepc_model model);
/* Strings in the info live as long as the model. */
deepc_status deepc_model_input_info(deepc_model model, size_t index,
                                    deepc_tensor_info *out_info);
deepc_status deepc_model_output_info(deepc_model model, size_t index,
                                     deepc_tensor_info *out_info);
/* Index of the input or output called `name`; DEEPC_NOT_FOUND otherwise. */
deepc_status deepc_model_find_input(deepc_model model, const char *name,
                                    size_t *out_index);
deepc_status deepc_model_find_output(deepc_model model, const char *name,
                                     size_t *out_index);

/*--------------------------------------------------------------- sessions --*/

typedef struct deepc_session_s *deepc_session;

/* A dense, row-major tensor in caller or session memory. */
typedef struct deepc_tensor_view {
  void *data;
  deepc_dtype dtype;
  int32_t rank;
  int64_t dims[DEEPC_MAX_RANK];
} deepc_tensor_view;

/* Where a session runs. */
typedef enum deepc_device {
  DEEPC_DEVICE_DEFAULT = 0, /* the artifact's target (deepc_model_target) */
  DEEPC_DEVICE_CPU = 1,
  DEEPC_DEVICE_CUDA = 2 /* an NVIDIA GPU; steps without a CUDA kernel run
                           on the CPU, with copies in between */
} deepc_device;

/* Creates a session on the artifact's target: reserves the model's memory
 * plan. Same as deepc_session_create_on(model, DEEPC_DEVICE_DEFAULT, 0). */
deepc_status deepc_session_create(deepc_model model,
                                  deepc_session *out_session);
/* Creates a session on `device`; `device_index` picks the GPU (CUDA device
 * ordinal) and must be 0 for the CPU. Fails with DEEPC_FAILED_PRECONDITION
 * and a message starting "no CUDA device:" where no GPU can be used, and
 * with DEEPC_UNSUPPORTED when this runtime was built without CUDA. Inputs
 * are always bound and outputs returned in host memory. */
deepc_status deepc_session_create_on(deepc_model model, deepc_device device,
                                     int32_t device_index,
                                     deepc_session *out_session);
void deepc_session_release(deepc_session session);

/* "cpu" or "cuda:<index>"; "" for NULL. Valid as long as the session. */
const char *deepc_session_device(deepc_session session);
/* One line on where the steps run, for users: "cpu: 42 steps ...", or on a
 * GPU the device and its launch plan ("cuda:0 (NVIDIA H100 ... (sm_90)): 40
 * device, 2 view, 1 host steps (host: deepc.topk x1); ..."). Valid until
 * the next call on the session; "" for NULL. */
const char *deepc_session_summary(deepc_session session);

/* Binds input `index` to caller memory, which must stay valid and unchanged
 * until the next deepc_session_run() returns. The dtype, rank and static dims
 * must match the compiled input; symbolic dims must be within their bounds
 * and agree with the other inputs that share them. */
deepc_status deepc_session_bind_input(deepc_session session, size_t index,
                                      const deepc_tensor_view *view);

/* Runs the model on the bound inputs. */
deepc_status deepc_session_run(deepc_session session);

/* Output `index` of the last run, in session memory that stays valid until
 * the next run or the session's release. */
deepc_status deepc_session_get_output(deepc_session session, size_t index,
                                      deepc_tensor_view *out_view);

/* Caps the threads that kernels use (0: the machine's default). */
deepc_status deepc_session_set_num_threads(deepc_session session,
                                           int32_t num_threads);

/* Reads run statistic `name` into *out_value: what the kernels counted
 * during the last run (a failed run counts up to the step that failed).
 * Names so far:
 *   "moe.routed_tokens"  token-expert assignments (tokens x top_k, summed
 *                        over layers) of the deepc.moe layers that have a
 *                        capacity factor;
 *   "moe.dropped_tokens" how many of those the capacity dropped.
 * A counter exists once a kernel has reported it in some run of the
 * session (the MoE ones only in models compiled with a capacity factor);
 * otherwise, and before the first run, the call returns DEEPC_NOT_FOUND
 * and leaves *out_value unchanged. */
deepc_status deepc_session_get_counter(deepc_session session, const char *name,
                                       int64_t *out_value);

/* The runtime's version, e.g. "0.1.0". */
const char *deepc_runtime_version(void);

/* 1 when this runtime was built with the CUDA backend (whether or not the
 * machine has a GPU), else 0. */
int deepc_runtime_has_cuda(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* DEEPC_RUNTIME_H */
