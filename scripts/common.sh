# shellcheck shell=bash
# scripts/common.sh - paths and helpers shared by the deepc scripts.
# Source it (`source scripts/common.sh`); running it does nothing useful.
#
# Environment overrides:
#   DEEPC_BUILD_DIR   build directory            (default: <repo>/build)
#   DEEPC_VENV_DIR    Python virtual environment (default: <repo>/.venv)
#   DEEPC_PYTHON      interpreter that creates the venv (default: python3 on
#                     PATH if it has venv + ensurepip, else Debian's)
#   DEEPC_BUILD_LOCK  lock file that serializes configure+build
#                     (default: /tmp/deepc-build.lock)

DEEPC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Absolute paths, so that cmake, ninja and lit agree whatever the caller's cwd.
abspath() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$PWD/$1" ;;
  esac
}
DEEPC_BUILD_DIR="$(abspath "${DEEPC_BUILD_DIR:-$DEEPC_ROOT/build}")"
DEEPC_VENV_DIR="$(abspath "${DEEPC_VENV_DIR:-$DEEPC_ROOT/.venv}")"
DEEPC_REQUIREMENTS="$DEEPC_ROOT/requirements.txt"
# Written into the venv once `pip install -r requirements.txt` succeeded;
# holds the requirements file's hash so a second setup skips pip.
DEEPC_VENV_STAMP="$DEEPC_VENV_DIR/.deepc-requirements.sha256"
DEEPC_BUILD_LOCK="${DEEPC_BUILD_LOCK:-/tmp/deepc-build.lock}"
export DEEPC_BUILD_DIR DEEPC_VENV_DIR DEEPC_BUILD_LOCK

# No prompts from apt, pip or debconf, with or without a TTY.
export DEBIAN_FRONTEND=noninteractive
export PIP_NO_INPUT=1
export PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# With `set -E`, any failing command that `set -e` would exit on first says
# what failed and where.
on_error() {
  local rc=$1 line=$2 cmd=$3 script
  script="${BASH_SOURCE[1]:-$0}"
  printf 'error: "%s" failed with exit code %s (%s, line %s)\n' \
    "$cmd" "$rc" "${script#"$DEEPC_ROOT"/}" "$line" >&2
  exit "$rc"
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

# True when the venv's interpreter runs and its packages match
# requirements.txt (by hash).
venv_is_current() {
  [[ -x "$DEEPC_VENV_DIR/bin/python" ]] &&
    "$DEEPC_VENV_DIR/bin/python" -c 'import sys' 2>/dev/null &&
    [[ -f "$DEEPC_VENV_STAMP" ]] &&
    [[ "$(cat "$DEEPC_VENV_STAMP")" == "$(sha256sum <"$DEEPC_REQUIREMENTS" | cut -d' ' -f1)" ]]
}
