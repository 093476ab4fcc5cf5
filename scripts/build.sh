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

# ccache keeps rebuilds (and fresh clones on the same machine) cheap. The base
# dir makes its hashes independent of where the checkout lives.
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$DEEPC_ROOT}"
launcher=""
if command -v ccache >/dev/null; then
  launcher=ccache
  mkdir -p "$CCACHE_DIR"
else
  warn "ccache not found: building without it"
fi

# name=value pairs that must hold in CMakeCache.txt.
cache_settings=(
  "CMAKE_BUILD_TYPE=Release"
  "CMAKE_C_COMPILER_LAUNCHER=$launcher"
  "CMAKE_CXX_COMPILER_LAUNCHER=$launcher"
  "LLVM_EXTERNAL_LIT=$lit"
)

cache_get() { # VAR -> value in CMakeCache.txt, or nothing
  { sed -n "s|^$1:[A-Z]*=||p" "$DEEPC_BUILD_DIR/CMakeCache.txt" 2>/dev/null || true; } | head -n1
}

# Why configure is needed, or nothing when the existing build dir will do.
configure_reason() {
  if [[ ! -f "$DEEPC_BUILD_DIR/build.ninja" || ! -f "$DEEPC_BUILD_DIR/CMakeCache.txt" ]]; then
    echo "no build.ninja yet"
    return
  fi
  local setting
  for setting in "${cache_settings[@]}"; do
    if [[ "$(cache_get "${setting%%=*}")" != "${setting#*=}" ]]; then
      echo "${setting%%=*} changed"
      return
    fi
  done
}

# A build dir made for another checkout or by another generator cannot be
# reused; say so instead of letting cmake fail cryptically.
if [[ -f "$DEEPC_BUILD_DIR/CMakeCache.txt" ]]; then
  home="$(cache_get CMAKE_HOME_DIRECTORY)"
  [[ -z "$home" || "$home" -ef "$DEEPC_ROOT" ]] ||
    die "$DEEPC_BUILD_DIR was configured for $home, not $DEEPC_ROOT: remove it or set DEEPC_BUILD_DIR"
  generator="$(cache_get CMAKE_GENERATOR)"
  [[ -z "$generator" || "$generator" == Ninja ]] ||
    die "$DEEPC_BUILD_DIR uses the '$generator' generator, not Ninja: remove it or set DEEPC_BUILD_DIR"
fi

mkdir -p "$(dirname "$DEEPC_BUILD_LOCK")"
exec 9>>"$DEEPC_BUILD_LOCK"
if ! flock -n 9; then
  step "waiting for another build to finish ($DEEPC_BUILD_LOCK)"
  flock 9
fi

reason="$(configure_reason)"
if [[ -n "$reason" ]]; then
  step "configuring ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/ ($reason)"
  cmake_args=(-G Ninja -S "$DEEPC_ROOT" -B "$DEEPC_BUILD_DIR")
  for setting in "${cache_settings[@]}"; do
    cmake_args+=("-D$setting")
  done
  # The full output stays in configure.log; it is shown only on failure.
  mkdir -p "$DEEPC_BUILD_DIR"
  log="$DEEPC_BUILD_DIR/configure.log"
  cmake "${cmake_args[@]}" >"$log" 2>&1 || {
    cat "$log" >&2
    die "cmake configure failed (output above, also in $log)"
  }
fi

# `all` is ninja's default target; mlir-doc is not part of it.
targets=("$@")
((${#targets[@]})) || targets=(all mlir-doc)
step "building ${targets[*]} in ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/"
ninja -C "$DEEPC_BUILD_DIR" "${targets[@]}" ||
  die "build failed (compiler output above)"
