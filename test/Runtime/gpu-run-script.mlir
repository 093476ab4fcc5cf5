// bench/gpu_run.py: deepc-run's --check over the C API with ctypes, for the
// GPU machine, which has Python but no LLVM (scripts/gpu-check.sh runs it
// there). Tested here on the host: a CPU artifact, then a CUDA artifact on
// the host (--device cpu) and on a GPU (--device cuda: a passed check where
// there is one, else the runtime's "no CUDA device" and a non-zero exit).
// The CUDA artifact needs nvcc, hence the `%if nvcc` lines.

// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx -o %t/cpu.deepc
// RUN: %python %deepc_src_root/bench/gpu_run.py %t/cpu.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --device cpu --inputs %deepc_src_root/test/models/llama/test_data_set_0 --check --tolerance 1e-4 --bench 2 | FileCheck %s --check-prefix=CPU
// CPU: device: cpu: {{[0-9]+}} steps
// CPU-NEXT: output 'logits' [2, 5, 256] f32: max abs err {{.*}}: ok
// CPU-NEXT: check passed: 1 outputs within tolerance 0.0001
// CPU-NEXT: bench: median {{[0-9.]+}} ms over 2 runs

// A tolerance of 0 fails on PyTorch's rounding: exit 1, the worst error.
// RUN: not %python %deepc_src_root/bench/gpu_run.py %t/cpu.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --device cpu --inputs %deepc_src_root/test/models/llama/test_data_set_1 --check --tolerance 0 | FileCheck %s --check-prefix=STRICT
// STRICT: output 'logits' [3, 12, 256] f32: max abs err {{[0-9.e-]+}}, {{.*}}: FAIL
// STRICT-NEXT: check failed: 1 of 1 outputs out of tolerance

// Errors are one line naming the culprit, with the status code.
// RUN: not %python %deepc_src_root/bench/gpu_run.py %t/missing.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --inputs %deepc_src_root/test/models/llama/test_data_set_0 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: gpu_run.py: error: loading '{{.*}}missing.deepc': {{.*}} (NOT_FOUND)
// RUN: not %python %deepc_src_root/bench/gpu_run.py %t/cpu.deepc --lib %t/no-such-lib.so --inputs %deepc_src_root/test/models/llama/test_data_set_0 2>&1 | FileCheck %s --check-prefix=NOLIB
// NOLIB: gpu_run.py: error: cannot load the runtime '{{.*}}no-such-lib.so'
// RUN: not %python %deepc_src_root/bench/gpu_run.py %t/cpu.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --inputs %deepc_src_root/test/models/bert/test_data_set_0 --check 2>&1 | FileCheck %s --check-prefix=WRONG
// WRONG: gpu_run.py: error: {{.*}}input_1.pb: tensor 'attention_mask' names no model input

// RUN: %if nvcc %{ deepc %deepc_src_root/test/models/llama/model.onnx --target=cuda:sm_90a -o %t/cuda.deepc %}
// RUN: %if nvcc %{ %python %deepc_src_root/bench/gpu_run.py %t/cuda.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --device cpu --inputs %deepc_src_root/test/models/llama/test_data_set_1 --check | FileCheck %s --check-prefix=HOST %}
// HOST: device: cpu:
// HOST: check passed: 1 outputs within tolerance 0.0001

// --device cuda: the status line records a non-zero exit, so that the
// message alone cannot pass.
// RUN: %if nvcc %{ %python %deepc_src_root/bench/gpu_run.py %t/cuda.deepc --lib %deepc_obj_root/lib/libdeepc_runtime.so --device cuda --inputs %deepc_src_root/test/models/llama/test_data_set_0 --check > %t/cuda.out 2>&1 || echo "exit status non-zero" >> %t/cuda.out %}
// RUN: %if nvcc %{ FileCheck %s --check-prefix=CUDA < %t/cuda.out %}
// RUN: %if nvcc %{ FileCheck %s --check-prefix=CUDA-EXIT < %t/cuda.out %}
// CUDA: {{check passed|gpu_run.py: error: session on cuda: no CUDA device: .* \(FAILED_PRECONDITION\)|gpu_run.py: error: session on cuda: .*without CUDA.* \(UNSUPPORTED\)}}
// CUDA-EXIT: {{check passed|^exit status non-zero$}}
