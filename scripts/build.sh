#!/usr/bin/env bash
# scripts/build.sh - configure (when needed) and build deepc.
#
# Configures build/ (or $DEEPC_BUILD_DIR) with Ninja, Release, ccache and the
# venv's lit, unless it is already configured that way; CMake re-runs itself
# when a CMakeLists.txt changes. Then builds everything plus `mlir-doc` (the
# generated references under build/docs, which test/docs-up-to-date.mlir
# compares with docs/). Holds $DEEPC_BUILD_LOCK while it works, so that
# concurrent builds of one tree take turns.
#
# Arguments, if any, replace the default targets and go to ninja as they
# are: `scripts/build.sh deepc-opt`, `scripts/build.sh -j1 all mlir-doc`.
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

mlir_cmake_dir=/usr/lib/llvm-19/lib/cmake/mlir
lit="$DEEPC_VENV_DIR/bin/lit"

command -v cmake >/dev/null || die "cmake not found: run scripts/setup.sh first"
command -v ninja >/dev/null || die "ninja not found: run scripts/setup.sh first"
[[ -f "$mlir_cmake_dir/MLIRConfig.cmake" ]] ||
  die "MLIR 19 not found in $mlir_cmake_dir: run scripts/setup.sh first"
[[ -x "$lit" ]] || die "no lit in $DEEPC_VENV_DIR: run scripts/setup.sh first"

setup_ccache

# name=value pairs that must hold in CMakeCache.txt.
cache_settings=(
  "CMAKE_BUILD_TYPE=Release"
  "CMAKE_C_COMPILER_LAUNCHER=$launcher"
  "CMAKE_CXX_COMPILER_LAUNCHER=$launcher"
  "CMAKE_CUDA_COMPILER_LAUNCHER=$launcher"
  "LLVM_EXTERNAL_LIT=$lit"
)

check_build_dir "$DEEPC_BUILD_DIR" DEEPC_BUILD_DIR
take_build_lock

reason="$(configure_reason "$DEEPC_BUILD_DIR" "${cache_settings[@]}")"
if [[ -n "$reason" ]]; then
  step "configuring ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/ ($reason)"
  cmake_configure "$DEEPC_BUILD_DIR" "${cache_settings[@]}"
fi

# `all` is ninja's default target; mlir-doc is not part of it.
targets=("$@")
((${#targets[@]})) || targets=(all mlir-doc)
step "building ${targets[*]} in ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/"
ninja -C "$DEEPC_BUILD_DIR" "${targets[@]}" ||
  die "build failed (compiler output above)"
