/*===- embed.c - run a compiled deepc model from C -----------------------===//
 *
 * Usage: deepc-embed-example model.deepc [dim=value ...]
 *
 * Loads the artifact, prints its inputs and outputs, binds deterministic
 * inputs (symbolic dims are 1 unless given on the command line, e.g. seq=4;
 * integer inputs are zeros, float inputs a small repeating pattern), runs it
 * and prints each output's shape and a checksum. Uses only deepc_runtime.h.
 *
 *===----------------------------------------------------------------------===*/

#include "deepc_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DIM_ARGS 32

typedef struct dim_arg {
  const char *name;
  size_t name_len;
  int64_t value;
} dim_arg;

/* Prints the status's message, frees it and says whether it failed. */
static int failed(deepc_status status, const char *what) {
  if (!status)
    return 0;
  fprintf(stderr, "error: %s: %s\n", what, deepc_status_message(status));
  deepc_status_free(status);
  return 1;
}

static void print_info(const char *kind, const deepc_tensor_info *info) {
  int32_t d;
  printf("%s %s: %s[", kind, info->name, deepc_dtype_name(info->dtype));
  for (d = 0; d < info->rank; ++d) {
    if (d)
      printf(", ");
    if (info->dims[d] >= 0)
      printf("%lld", (long long)info->dims[d]);
    else if (info->dim_names[d][0])
      printf("%s<=%lld", info->dim_names[d], (long long)info->dim_bounds[d]);
    else
      printf("?");
  }
  printf("]\n");
}

static int parse_dim_args(int argc, char **argv, dim_arg *args, int *num_args) {
  int i;
  *num_args = 0;
  for (i = 2; i < argc; ++i) {
    const char *eq = strchr(argv[i], '=');
    char *end = NULL;
    long long value;
    if (!eq || eq == argv[i] || *num_args >= MAX_DIM_ARGS) {
      fprintf(stderr, "error: expected name=value, got '%s'\n", argv[i]);
      return 1;
    }
    value = strtoll(eq + 1, &end, 10);
    if (end == eq + 1 || *end != '\0' || value < 0) {
      fprintf(stderr, "error: '%s' needs a non-negative integer value\n",
              argv[i]);
      return 1;
    }
    args[*num_args].name = argv[i];
    args[*num_args].name_len = (size_t)(eq - argv[i]);
    args[*num_args].value = value;
    ++*num_args;
  }
  return 0;
}

static int64_t dim_value(const char *name, const dim_arg *args, int n) {
  int i;
  for (i = 0; i < n; ++i)
    if (strlen(name) == args[i].name_len &&
        strncmp(name, args[i].name, args[i].name_len) == 0)
      return args[i].value;
  return 1;
}

/* Integers are zeros (valid indices for any gather); floats follow a small
 * pattern in [-0.5, 0.5). */
static void fill_input(void *data, deepc_dtype dtype, size_t numel) {
  size_t i;
  memset(data, 0, numel * deepc_dtype_size(dtype));
  if (dtype != DEEPC_DTYPE_F32)
    return; /* half formats: zero is a fine deterministic value too */
  for (i = 0; i < numel; ++i)
    ((float *)data)[i] = (float)((int)(i % 17) - 8) / 16.0f;
}

static double element_as_double(const deepc_tensor_view *v, size_t i) {
  switch (v->dtype) {
  case DEEPC_DTYPE_F32:
    return ((const float *)v->data)[i];
  case DEEPC_DTYPE_I64:
    return (double)((const int64_t *)v->data)[i];
  case DEEPC_DTYPE_I32:
    return ((const int32_t *)v->data)[i];
  case DEEPC_DTYPE_I8:
  case DEEPC_DTYPE_I4:
    return ((const int8_t *)v->data)[i];
  default: /* bool, and the bit patterns of the narrow float formats */
    if (deepc_dtype_size(v->dtype) == 2)
      return ((const uint16_t *)v->data)[i];
    return ((const uint8_t *)v->data)[i];
  }
}

int main(int argc, char **argv) {
  deepc_model model = NULL;
  deepc_session session = NULL;
  dim_arg dims[MAX_DIM_ARGS];
  int num_dims = 0;
  void **buffers = NULL;
  size_t num_inputs, num_outputs, i;
  int status = 1;

  if (argc < 2) {
    fprintf(stderr, "usage: %s model.deepc [dim=value ...]\n", argv[0]);
    return 1;
  }
  if (parse_dim_args(argc, argv, dims, &num_dims))
    return 1;
  if (failed(deepc_model_load(argv[1], &model), "loading the model"))
    return 1;
  printf("deepc runtime %s\n", deepc_runtime_version());

  num_inputs = deepc_model_num_inputs(model);
  num_outputs = deepc_model_num_outputs(model);
  for (i = 0; i < num_inputs; ++i) {
    deepc_tensor_info info;
    if (failed(deepc_model_input_info(model, i, &info), "input info"))
      goto done;
    print_info("input", &info);
  }
  for (i = 0; i < num_outputs; ++i) {
    deepc_tensor_info info;
    if (failed(deepc_model_output_info(model, i, &info), "output info"))
      goto done;
    print_info("output", &info);
  }

  if (failed(deepc_session_create(model, &session), "creating a session"))
    goto done;
  buffers = (void **)calloc(num_inputs ? num_inputs : 1, sizeof(void *));
  if (!buffers) {
    fprintf(stderr, "error: out of memory\n");
    goto done;
  }
  for (i = 0; i < num_inputs; ++i) {
    deepc_tensor_info info;
    deepc_tensor_view view;
    size_t numel = 1;
    int32_t d;
    char what[256];
    if (failed(deepc_model_input_info(model, i, &info), "input info"))
      goto done;
    memset(&view, 0, sizeof(view));
    view.dtype = info.dtype;
    view.rank = info.rank;
    for (d = 0; d < info.rank; ++d) {
      view.dims[d] = info.dims[d] >= 0
                         ? info.dims[d]
                         : dim_value(info.dim_names[d], dims, num_dims);
      numel *= (size_t)view.dims[d];
    }
    buffers[i] = malloc(numel * deepc_dtype_size(info.dtype) + 1);
    if (!buffers[i]) {
      fprintf(stderr, "error: out of memory for input '%s'\n", info.name);
      goto done;
    }
    fill_input(buffers[i], info.dtype, numel);
    view.data = buffers[i];
    snprintf(what, sizeof(what), "binding input '%s'", info.name);
    if (failed(deepc_session_bind_input(session, i, &view), what))
      goto done;
  }

  if (failed(deepc_session_run(session), "running the model"))
    goto done;

  for (i = 0; i < num_outputs; ++i) {
    deepc_tensor_info info;
    deepc_tensor_view view;
    size_t numel = 1, e;
    double sum = 0, abs_sum = 0;
    int32_t d;
    if (failed(deepc_model_output_info(model, i, &info), "output info") ||
        failed(deepc_session_get_output(session, i, &view), "output"))
      goto done;
    printf("%s: %s[", info.name, deepc_dtype_name(view.dtype));
    for (d = 0; d < view.rank; ++d) {
      printf(d ? ", %lld" : "%lld", (long long)view.dims[d]);
      numel *= (size_t)view.dims[d];
    }
    for (e = 0; e < numel; ++e) {
      double x = element_as_double(&view, e);
      sum += x;
      abs_sum += x < 0 ? -x : x;
    }
    printf("] sum=%.6g abs_sum=%.6g\n", sum, abs_sum);
  }
  status = 0;

done:
  if (buffers)
    for (i = 0; i < num_inputs; ++i)
      free(buffers[i]);
  free(buffers);
  deepc_session_release(session);
  deepc_model_release(model);
  return status;
}
