#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] - build the ONNX importer's libFuzzer target and
# run it for SECONDS (default 60).
#
# The fuzzer needs clang (Debian's clang-14 with libclang-rt-14-dev) while
# the main build uses g++, so it has a build dir of its own, build-fuzz/ (or
# $DEEPC_FUZZ_BUILD_DIR), configured with -DDEEPC_BUILD_FUZZERS=ON: deepc's
# own code gets libFuzzer's coverage instrumentation, ASan and UBSan, and
# only the fuzzer and what it links are built. Configure runs only when
# needed and ccache keeps rebuilds cheap, so a second run goes straight to
# fuzzing.
#
# Everything the run writes stays under build-fuzz/fuzz/:
#   seeds/      fresh copies of test/Import/Inputs/**/*.onnx and
#               test/models/**/model.onnx (never fuzzed in place)
#   corpus/     what the fuzzer found interesting; kept between runs
#   work/       the fuzzer's working directory, with copies of the seeds'
#               external-data files so that those seeds import too
#   artifacts/  crashing, leaking, timing-out and out-of-memory inputs
#   fuzz.log    the fuzzer's full output
#
# Prints one summary line. Exits non-zero when the fuzzer found a crash (or
# a leak, a timeout, an out-of-memory), after printing the report and the
# path of the input, which reproduces it with
#   cd build-fuzz/fuzz/work && ../../bin/onnx-import-fuzzer PATH
#
# Environment overrides:
#   DEEPC_FUZZ_BUILD_DIR      build directory (default: <repo>/build-fuzz)
#   DEEPC_FUZZ_CC/_CXX        compilers (default: clang-14/clang++-14, else
#                             clang/clang++)
#   DEEPC_FUZZ_MAX_LEN        largest input in bytes (default: 1 MiB; larger
#                             seeds are left out)
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

seconds="${1:-60}"
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "usage: scripts/fuzz.sh [SECONDS] (a positive number of seconds, not '$seconds')"
max_len="${DEEPC_FUZZ_MAX_LEN:-1048576}"

build_dir="$(abspath "${DEEPC_FUZZ_BUILD_DIR:-$DEEPC_ROOT/build-fuzz}")"
fuzzer="$build_dir/bin/onnx-import-fuzzer"
state="$build_dir/fuzz"
mlir_cmake_dir=/usr/lib/llvm-19/lib/cmake/mlir
lit="$DEEPC_VENV_DIR/bin/lit"

command -v cmake >/dev/null || die "cmake not found: run scripts/setup.sh first"
command -v ninja >/dev/null || die "ninja not found: run scripts/setup.sh first"
[[ -f "$mlir_cmake_dir/MLIRConfig.cmake" ]] ||
  die "MLIR 19 not found in $mlir_cmake_dir: run scripts/setup.sh first"

pick() { # first of the commands given that exists
  local c
  for c in "$@"; do
    if command -v "$c" >/dev/null; then
      command -v "$c"
      return
    fi
  done
}
cc="${DEEPC_FUZZ_CC:-$(pick clang-14 clang)}"
cxx="${DEEPC_FUZZ_CXX:-$(pick clang++-14 clang++)}"
[[ -n "$cc" && -n "$cxx" ]] ||
  die "clang not found: run scripts/setup.sh (it installs clang-14 and libclang-rt-14-dev)"

# libFuzzer and the sanitizer runtimes come in libclang-rt-14-dev, which
# clang does not depend on: check up front rather than at the final link.
probe_dir="$(mktemp -d)"
trap 'rm -rf -- "$probe_dir"' EXIT
printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
  'extern "C" int LLVMFuzzerTestOneInput(const uint8_t *, size_t) { return 0; }' \
  >"$probe_dir/probe.cpp"
"$cxx" -fsanitize=fuzzer,address,undefined "$probe_dir/probe.cpp" \
  -o "$probe_dir/probe" >"$probe_dir/log" 2>&1 || {
  cat "$probe_dir/log" >&2
  die "$cxx cannot link a libFuzzer target (is libclang-rt-14-dev installed? run scripts/setup.sh)"
}

#===--- Configure and build ------------------------------------------===//

setup_ccache

# name=value pairs that must hold in CMakeCache.txt.
cache_settings=(
  "CMAKE_BUILD_TYPE=Release"
  "CMAKE_C_COMPILER=$cc"
  "CMAKE_CXX_COMPILER=$cxx"
  "CMAKE_C_COMPILER_LAUNCHER=$launcher"
  "CMAKE_CXX_COMPILER_LAUNCHER=$launcher"
  "DEEPC_BUILD_FUZZERS=ON"
)
# Only to configure test/; no test runs from this build dir.
[[ -x "$lit" ]] && cache_settings+=("LLVM_EXTERNAL_LIT=$lit")

check_build_dir "$build_dir" DEEPC_FUZZ_BUILD_DIR
# Builds take turns with the main build (2 cores in CI); fuzzing does not
# hold the lock.
take_build_lock

build_start=$SECONDS
reason="$(configure_reason "$build_dir" "${cache_settings[@]}")"
if [[ -n "$reason" ]]; then
  step "configuring ${build_dir#"$DEEPC_ROOT"/}/ with $(basename "$cxx") ($reason)"
  # The compiler is fixed at the first configure: start over when it changed.
  if [[ -f "$build_dir/CMakeCache.txt" &&
    "$(cmake_cache_get "$build_dir" CMAKE_CXX_COMPILER)" != "$cxx" ]]; then
    rm -rf -- "$build_dir/CMakeCache.txt" "$build_dir/CMakeFiles"
  fi
  cmake_configure "$build_dir" "${cache_settings[@]}"
fi
step "building onnx-import-fuzzer in ${build_dir#"$DEEPC_ROOT"/}/"
ninja -C "$build_dir" onnx-import-fuzzer || die "build failed (compiler output above)"
flock -u 9
build_seconds=$((SECONDS - build_start))

#===--- Seeds and working directory ----------------------------------===//

rm -rf -- "$state/seeds" "$state/work"
mkdir -p "$state/seeds" "$state/corpus" "$state/work" "$state/artifacts"
seeds=0
skipped=0
add_seed() { # FILE NAME
  if (($(stat -c %s "$1") > max_len)); then
    skipped=$((skipped + 1))
    return
  fi
  cp -- "$1" "$state/seeds/$2"
  seeds=$((seeds + 1))
}

# The lit tests' models; their external data (ext.bin, weights/...) is
# named relative to Inputs/, so it is copied into work/ at the same paths.
inputs="$DEEPC_ROOT/test/Import/Inputs"
if [[ -d "$inputs" ]]; then
  while IFS= read -r -d '' file; do
    rel="${file#"$inputs"/}"
    if [[ "$file" == *.onnx ]]; then
      add_seed "$file" "import-${rel//\//_}"
    else
      mkdir -p "$state/work/$(dirname "$rel")"
      cp -- "$file" "$state/work/$rel"
    fi
  done < <(find "$inputs" -type f -print0 | sort -z)
fi
# The model corpus: each model.onnx, and beside it any external-data file
# it names (any file next to it that is not a test data set).
models="$DEEPC_ROOT/test/models"
if [[ -d "$models" ]]; then
  while IFS= read -r -d '' file; do
    dir="$(dirname "$file")"
    rel="${dir#"$models"/}"
    add_seed "$file" "model-${rel//\//_}.onnx"
    for extra in "$dir"/*; do
      [[ -f "$extra" && "$extra" != "$file" && "$extra" != *.onnx ]] || continue
      [[ -e "$state/work/$(basename "$extra")" ]] ||
        cp -- "$extra" "$state/work/"
    done
  done < <(find "$models" -type f -name model.onnx -print0 | sort -z)
fi
((seeds > 0)) || die "no seed models found under test/Import/Inputs or test/models"

#===--- Fuzz ---------------------------------------------------------===//

# Symbolized traces name the file and line of a crash.
symbolizer="$(pick /usr/lib/llvm-19/bin/llvm-symbolizer llvm-symbolizer)"
[[ -z "$symbolizer" ]] || export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:symbolize=1}"

left_out=""
((skipped == 0)) || left_out=", $skipped over $max_len bytes left out"
step "fuzzing the ONNX importer for ${seconds}s ($seeds seeds$left_out)"
log="$state/fuzz.log"
fuzz_rc=0
# New inputs go to corpus/ (the first directory); seeds/ is only read.
# `timeout` is a backstop: libFuzzer stops itself after -max_total_time.
(cd "$state/work" && timeout --kill-after=30 $((seconds + 300)) "$fuzzer" \
  -max_total_time="$seconds" -rss_limit_mb=2048 \
  -timeout=10 -max_len="$max_len" -print_final_stats=1 \
  -artifact_prefix="$state/artifacts/" \
  "$state/corpus" "$state/seeds") >"$log" 2>&1 || fuzz_rc=$?

stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -n1; }
runs="$(stat_of number_of_executed_units)"
rate="$(stat_of average_exec_per_sec)"
last="$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)"
cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
features="$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")"
corpus="$(find "$state/corpus" -type f | wc -l)"
artifacts="$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log")"

if ((fuzz_rc == 0)) && [[ -z "$artifacts" ]]; then
  echo "fuzz: no crash in ${seconds}s: ${runs:-?} inputs (${rate:-?}/s), ${cov:-?} edges, ${features:-?} features, corpus ${corpus} inputs; build ${build_seconds}s"
  exit 0
fi

# The report: the last 80 lines hold the sanitizer's trace and libFuzzer's
# notes about the input.
tail -n 80 "$log" >&2
echo >&2
if [[ -n "$artifacts" ]]; then
  while IFS= read -r path; do
    echo "fuzz: input kept at $path (reproduce: cd $state/work && $fuzzer $path)" >&2
  done <<<"$artifacts"
fi
echo "fuzz: FAILED after ${runs:-?} inputs: the fuzzer exited with code $fuzz_rc (full log: $log)" >&2
exit 1
