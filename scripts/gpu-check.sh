#!/usr/bin/env bash
# scripts/gpu-check.sh - check deepc's CUDA target on a machine with an
# NVIDIA GPU, in one call: numerics of every corpus model against its
# reference outputs, then the GPU benchmarks; results in one file.
#
# The GPU machine cannot build deepc nor run deepc-run (no LLVM/MLIR there),
# so the work is split in two halves that this one script does:
#
#   scripts/gpu-check.sh --prepare [BUNDLE]   (on the build machine)
#       compiles every corpus model with --target=cuda:$DEEPC_CUDA_ARCHS
#       (fp32, and bf16 where `deepc --help` offers --precision), and packs
#       them, libdeepc_runtime.so, the few shared libraries it needs that
#       the GPU image lacks (openblas, gfortran, ...; not CUDA's, not
#       libstdc++), the reference data, bench/ (gpu_run.py, the C API
#       over ctypes; gpu_bench.py) and the kernel tests DeepcCudaGpuTests
#       (each CUDA kernel against its CPU kernel) into
#       BUNDLE/payload.tar.xz (default
#       BUNDLE: .gpu-bundle, ignored by git; carry it to the GPU). Fails
#       when the bundle exceeds 60 MiB (the device tool carries 64 MiB,
#       working tree included).
#   scripts/gpu-check.sh [--bundle BUNDLE] [--out DIR] [--device cpu]
#                                             (on the GPU machine)
#       unpacks the bundle into a scratch folder, puts its lib/, CUDA's
#       (/usr/local/cuda/lib64, the nvidia-* pip packages) on
#       LD_LIBRARY_PATH, runs bench/gpu_run.py --device cuda --check on
#       every model and data set (fp32: max abs error <= 1e-4 x max(1,
#       max|expected|); bf16: <= 2e-2 x ..., MoE models with a TopK
#       router on a generated data set with routing margins of 0.05, see
#       test/e2e/precision-bf16.mlir), DeepcCudaGpuTests (one
#       check), then bench/gpu_bench.py, and
#       writes DIR/gpu-check.txt (the summary) and DIR/gpu-check.log
#       (everything). Needs python3 with numpy and onnx. Exits non-zero when
#       a numerics check failed. --device cpu runs the same checks on the
#       host (a dry run of the bundle, no GPU needed).
#
# With the device tool: prepare here, then
#   run(command="scripts/gpu-check.sh --out $OUT", carry=[".gpu-bundle"])
set -Eeuo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$root/.gpu-bundle"
out="${OUT:-$root/gpu-check-results}"
archs="${DEEPC_CUDA_ARCHS:-sm_90a}"
device=cuda
mode=run
while [[ $# -gt 0 ]]; do
  case "$1" in
    --prepare) mode=prepare; if [[ $# -gt 1 && "$2" != --* ]]; then bundle="$(realpath -m "$2")"; shift; fi ;;
    --bundle) bundle="$(realpath -m "$2")"; shift ;;
    --out) out="$(realpath -m "$2")"; shift ;;
    --device) device="$2"; shift
      [[ "$device" == cuda || "$device" == cpu ]] || { echo "gpu-check.sh: --device is cuda or cpu, not '$device'" >&2; exit 2; } ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "gpu-check.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

models=()
for m in "$root"/test/models/*/model.onnx; do models+=("$(basename "$(dirname "$m")")"); done

# Never packed: glibc (the GPU image's is newer), libstdc++ and libgcc_s
# (an older copy on LD_LIBRARY_PATH would shadow the one numpy and onnx
# need), and CUDA's libraries (the GPU image has them, matching its driver;
# cuBLASLt alone is 540 MB).
never_packed='/(ld-linux[^/]*|lib(c|m|dl|rt|pthread|util|resolv|stdc\+\+|gcc_s)|libcuda|libcudart|libcublas(Lt)?|libnvrtc[^/]*|libnvJitLink|libcu(fft|rand|solver|sparse|dnn)[^/]*)\.so'
max_bundle_mib=60

prepare() {
  local build="${DEEPC_BUILD_DIR:-$root/build}"
  local deepc="$build/bin/deepc" runtime="$build/lib/libdeepc_runtime.so"
  [[ -x "$deepc" ]] || { echo "no $deepc: run scripts/build.sh first" >&2; exit 1; }
  [[ -f "$runtime" ]] || { echo "no $runtime: build the deepc_runtime target first" >&2; exit 1; }
  local stage="$bundle.tmp/payload"
  rm -rf "$bundle.tmp" && mkdir -p "$stage"/{bin,lib,models}
  # onnxruntime (for the routing-margin data sets) is in the project's venv.
  local py="$root/.venv/bin/python"
  [[ -x "$py" ]] || py=python3
  local precisions=(fp32)
  # grep reads all of the help (no -q): an early exit would fail the pipe.
  if "$deepc" --help | grep -- '--precision' >/dev/null; then precisions+=(bf16); fi
  for m in "${models[@]}"; do
    for p in "${precisions[@]}"; do
      local flags=(--target="cuda:$archs")
      [[ "$p" == bf16 ]] && flags+=(--precision=bf16)
      echo "==> compiling $m ($p) for cuda:$archs"
      "$deepc" "$root/test/models/$m/model.onnx" "${flags[@]}" \
        -o "$stage/models/$m.$p.deepc"
      # The generated sources are for reading, not running.
      rm -f "$stage/models/$m.$p.deepc"/model.{cpp,cu}
    done
    mkdir -p "$stage/models/$m.data"
    cp -r "$root/test/models/$m"/test_data_set_* "$stage/models/$m.data/"
    # bf16 moves router logits by ~1e-2: a recorded near-tie between two
    # experts may flip, a discontinuity rather than an accuracy loss. Models
    # with a TopK router are checked in bf16 on inputs whose every routing
    # decision has a margin (as test/e2e/precision-bf16.mlir does).
    if [[ " ${precisions[*]} " == *" bf16 "* ]] &&
      "$py" "$root/test/e2e/Inputs/routing_margin_data.py" "$root/test/models/$m" \
        "$stage/models/$m.bf16data/test_data_set_0" >/dev/null 2>&1; then
      echo "==> $m (bf16): checked on a routing-margin data set"
    fi
  done
  cp "$runtime" "$stage/lib/"
  # The kernel benchmarks (bench/gpu; CUDA runtime linked statically).
  if [[ -x "$build/bin/deepc-gpu-bench" ]]; then cp "$build/bin/deepc-gpu-bench" "$stage/bin/"; fi
  # The kernel-against-CPU tests (each CUDA kernel on the step its CPU
  # kernel ran, unittests/Cuda*GpuTest.cu); they skip without a GPU.
  if [[ -x "$build/unittests/DeepcCudaGpuTests" ]]; then cp "$build/unittests/DeepcCudaGpuTests" "$stage/bin/"; fi
  # What the runtime, the tests and the models' code load, less what the
  # GPU image has.
  ldd "$runtime" "$stage"/bin/DeepcCudaGpuTests "$stage"/models/*.deepc/*.so 2>/dev/null | awk '/=> \// {print $3}' | sort -u |
    { grep -Ev "$never_packed" || true; } |
    while read -r lib; do echo "==> packing $lib"; cp -L "$lib" "$stage/lib/"; done
  mkdir -p "$stage/bench"
  cp "$root"/bench/*.py "$stage/bench/"
  printf 'archs=%s\nprecisions=%s\ncommit=%s\n' "$archs" "${precisions[*]}" \
    "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
    >"$bundle.tmp/BUNDLE"
  # openblas alone is 36 MB; xz makes the whole payload a fraction of that.
  echo "==> packing $bundle/payload.tar.xz"
  XZ_OPT="-6 -T0" tar -C "$stage" -cJf "$bundle.tmp/payload.tar.xz" .
  rm -rf "$stage"
  rm -rf "$bundle" && mv "$bundle.tmp" "$bundle"
  local bytes
  bytes="$(du -sb "$bundle" | cut -f1)"
  echo "bundle: $bundle, $((bytes / 1024)) KiB ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"
  if ((bytes > max_bundle_mib * 1048576)); then
    echo "gpu-check.sh: the bundle exceeds ${max_bundle_mib} MiB: the device tool could not carry it" >&2
    exit 1
  fi
}

# The folders of CUDA's libraries on the GPU machine: the toolkit's, then
# those of the nvidia-* pip packages that PyTorch brings (nvidia/*/lib,
# nvidia/cu13/lib), best effort.
cuda_library_path() {
  local dirs=(/usr/local/cuda/lib64 /usr/local/cuda/lib)
  local pip_dirs
  pip_dirs="$(python3 -c '
import glob, os, nvidia
found = []
for top in nvidia.__path__:
    for d in sorted(glob.glob(os.path.join(top, "*", "lib")) + glob.glob(os.path.join(top, "*", "*", "lib"))):
        if os.path.isdir(d) and d not in found:
            found.append(d)
print(":".join(found))' 2>/dev/null || true)"
  local path="" d
  for d in "${dirs[@]}"; do [[ -d "$d" ]] && path+="${path:+:}$d"; done
  [[ -n "$pip_dirs" ]] && path+="${path:+:}$pip_dirs"
  echo "$path"
}

run_checks() {
  [[ -f "$bundle/BUNDLE" && -f "$bundle/payload.tar.xz" ]] || { echo "no bundle at $bundle: run scripts/gpu-check.sh --prepare on the build machine and carry it" >&2; exit 1; }
  mkdir -p "$out"
  local log="$out/gpu-check.log" summary="$out/gpu-check.txt"
  : >"$log"
  # python3's tarfile, since the image may have no xz.
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/deepc-gpu-check.XXXXXX")"
  python3 -c '
import sys, tarfile
safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
tarfile.open(sys.argv[1]).extractall(sys.argv[2], **safe)' \
    "$bundle/payload.tar.xz" "$work"
  local cuda_path
  cuda_path="$(cuda_library_path)"
  export LD_LIBRARY_PATH="$work/lib${cuda_path:+:$cuda_path}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  local passed=0 failed=0
  {
    echo "# deepc gpu-check, $(date -u +%FT%TZ)"
    cat "$bundle/BUNDLE"
    echo "device=$device"
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 || true
  } | tee "$summary"
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH" >>"$log"
  local result="$work/result.txt"
  for artifact in "$work"/models/*.deepc; do
    local name precision m tol
    name="$(basename "$artifact" .deepc)"; m="${name%.*}"; precision="${name##*.}"
    tol=1e-4; [[ "$precision" == bf16 ]] && tol=2e-2
    local datadir="$work/models/$m.data"
    if [[ "$precision" == bf16 && -d "$work/models/$m.bf16data" ]]; then datadir="$work/models/$m.bf16data"; fi
    for data in "$datadir"/test_data_set_*; do
      # A hung kernel costs one model, not the whole lease.
      local cmd=(timeout 300 python3 "$work/bench/gpu_run.py" "$artifact" --lib "$work/lib/libdeepc_runtime.so"
                 --device "$device" --inputs "$data" --check --tolerance "$tol" --bench 10)
      echo "==> $name $(basename "$data"): ${cmd[*]}" >>"$log"
      if "${cmd[@]}" >"$result" 2>&1; then
        echo "PASS $name $(basename "$data") ($(grep -o 'median [0-9.]* ms' "$result" || echo 'no timing'))" | tee -a "$summary"
        passed=$((passed + 1))
      else
        echo "FAIL $name $(basename "$data"): $(tail -n 1 "$result")" | tee -a "$summary"
        failed=$((failed + 1))
      fi
      cat "$result" >>"$log"
    done
  done
  if [[ "$device" != cpu && -x "$work/bin/DeepcCudaGpuTests" ]]; then
    echo "==> DeepcCudaGpuTests" >>"$log"
    if timeout 600 "$work/bin/DeepcCudaGpuTests" --gtest_brief=1 >"$result" 2>&1; then
      echo "PASS DeepcCudaGpuTests ($(grep -Eo '[0-9]+ tests?' "$result" | tail -n 1) passed)" | tee -a "$summary"
      passed=$((passed + 1))
    else
      echo "FAIL DeepcCudaGpuTests: $(grep -E '^\[  FAILED  \]' "$result" | head -n 5 | tr '\n' ' ')" | tee -a "$summary"
      failed=$((failed + 1))
    fi
    cat "$result" >>"$log"
  fi
  if [[ "$device" == cpu ]]; then
    echo "==> benchmarks skipped: --device cpu" | tee -a "$summary"
  elif [[ -f "$work/bench/gpu_bench.py" ]]; then
    echo "==> benchmarks" | tee -a "$summary"
    python3 "$work/bench/gpu_bench.py" --bundle "$work" --out "$out" 2>&1 | tee -a "$log" | grep -E '^(bench|ratio|peak)' | tee -a "$summary" || true
  fi
  rm -rf "$work"
  echo "$passed passed, $failed failed" | tee -a "$summary"
  [[ "$failed" == 0 && "$passed" -gt 0 ]]
}

if [[ "$mode" == prepare ]]; then prepare; else run_checks; fi
