#!/usr/bin/env bash
# scripts/setup.sh - set up a Debian 12 machine to build and test deepc.
#
#   1. installs the Debian packages deepc needs (apt-get update runs only when
#      one is missing);
#   2. creates .venv with the exact PyPI versions pinned in requirements.txt
#      (skipped when the venv already matches the file);
#   3. configures and builds through scripts/build.sh.
#
# Idempotent: a second run checks and returns in seconds. Needs root (or
# sudo) only when a package is missing. Non-interactive, no TTY needed.
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

start=$SECONDS

# MLIR/LLVM 19 and its tools (mlir-tblgen, FileCheck, not), the build tools,
# GoogleTest, and protobuf with ONNX's onnx.proto (libonnx-dev: only the
# schema is used, libonnx is never linked), and clang-14 with its sanitizer
# and libFuzzer runtimes (libclang-rt-14-dev) for scripts/fuzz.sh, and the
# OpenMP build of OpenBLAS for the CPU runtime's GEMMs (it shares the
# kernels' OpenMP threads), and LLVM's OpenMP for the clang fuzz build. Keep in sync with DESIGN.md's dependency table.
apt_packages=(
  libmlir-19-dev mlir-19-tools llvm-19-dev llvm-19-tools
  cmake ninja-build ccache g++ libgtest-dev
  libprotobuf-dev protobuf-compiler libonnx-dev
  clang-14 libclang-rt-14-dev
  libopenblas-openmp-dev libomp-14-dev
)

#===--- Python: which interpreter makes the venv ---------------------===//

# A usable base interpreter: 3.11 or newer (the pinned numpy needs it) with
# the venv and ensurepip modules (Debian splits those into python3-venv).
python_works() {
  "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' \
    >/dev/null 2>&1
}

base_python=""
if venv_is_current; then
  : # nothing to create
elif [[ -n "${DEEPC_PYTHON:-}" ]]; then
  python_works "$DEEPC_PYTHON" ||
    die "DEEPC_PYTHON=$DEEPC_PYTHON is not Python >= 3.11 with venv and ensurepip"
  base_python="$DEEPC_PYTHON"
elif command -v python3 >/dev/null && python_works "$(command -v python3)"; then
  base_python="$(command -v python3)" # e.g. pyenv's shim
elif python_works /usr/bin/python3; then
  base_python=/usr/bin/python3
else
  # Debian's own interpreter; python3-venv brings ensurepip.
  apt_packages+=(python3 python3-venv)
  base_python=/usr/bin/python3
fi

#===--- 1. Debian packages -------------------------------------------===//

missing=()
for pkg in "${apt_packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  step "apt packages: all ${#apt_packages[@]} installed"
else
  step "installing apt packages: ${missing[*]}"
  command -v apt-get >/dev/null ||
    die "apt-get not found: install these packages by hand: ${missing[*]}"
  sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null ||
      die "not root and no sudo: install these packages as root: ${missing[*]}"
    sudo=(sudo DEBIAN_FRONTEND=noninteractive)
  fi
  # Wait for another apt/dpkg (e.g. unattended-upgrades) instead of failing.
  apt_opts=(-q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
  "${sudo[@]}" apt-get "${apt_opts[@]}" update ||
    die "apt-get update failed (are the Debian mirrors reachable?)"
  "${sudo[@]}" apt-get "${apt_opts[@]}" install --no-install-recommends \
    "${missing[@]}" ||
    die "apt-get install failed for: ${missing[*]}"
fi

#===--- 2. Python venv -----------------------------------------------===//

if venv_is_current; then
  step "python venv: up to date (${DEEPC_VENV_DIR#"$DEEPC_ROOT"/})"
else
  # A venv whose interpreter no longer runs (its base Python went away) is
  # rebuilt from scratch; otherwise pip brings it in line with the file.
  if [[ -e "$DEEPC_VENV_DIR" ]] &&
    ! "$DEEPC_VENV_DIR/bin/python" -c 'import sys' >/dev/null 2>&1; then
    step "python venv: interpreter broken, recreating"
    rm -rf -- "$DEEPC_VENV_DIR"
  fi
  if [[ ! -x "$DEEPC_VENV_DIR/bin/python" ]]; then
    python_works "$base_python" ||
      die "$base_python cannot create a venv (need Python >= 3.11 with venv and ensurepip; try: apt-get install python3-venv)"
    step "creating python venv with $("$base_python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
    "$base_python" -m venv "$DEEPC_VENV_DIR"
  fi
  step "installing python packages from requirements.txt"
  rm -f "$DEEPC_VENV_STAMP"
  "$DEEPC_VENV_DIR/bin/python" -m pip install -q -r "$DEEPC_REQUIREMENTS" ||
    die "pip install -r requirements.txt failed (is PyPI reachable?)"
  sha256sum <"$DEEPC_REQUIREMENTS" | cut -d' ' -f1 >"$DEEPC_VENV_STAMP"
fi

#===--- 3. Configure and build ---------------------------------------===//

"$DEEPC_ROOT/scripts/build.sh"

step "setup done in $((SECONDS - start))s"
