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

#===--- Build directories (scripts/build.sh, scripts/fuzz.sh) ------------===//

# Exports the ccache settings and sets `launcher` to ccache, or to nothing
# when ccache is missing. The base dir makes ccache's hashes independent of
# where the checkout lives, so fresh clones on one machine share the cache.
# shellcheck disable=SC2034 # launcher is read by the scripts that call this
setup_ccache() {
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$DEEPC_ROOT}"
  launcher=""
  if command -v ccache >/dev/null; then
    launcher=ccache
    mkdir -p "$CCACHE_DIR"
  else
    warn "ccache not found: building without it"
  fi
}

# cmake_cache_get DIR VAR: VAR's value in DIR/CMakeCache.txt, or nothing.
cmake_cache_get() {
  { sed -n "s|^$2:[A-Z]*=||p" "$1/CMakeCache.txt" 2>/dev/null || true; } | head -n1
}

# configure_reason DIR NAME=VALUE...: why DIR needs configuring (no
# build.ninja yet, or a setting whose cached value differs), or nothing.
configure_reason() {
  local dir=$1 setting
  shift
  if [[ ! -f "$dir/build.ninja" || ! -f "$dir/CMakeCache.txt" ]]; then
    echo "no build.ninja yet"
    return
  fi
  for setting in "$@"; do
    if [[ "$(cmake_cache_get "$dir" "${setting%%=*}")" != "${setting#*=}" ]]; then
      echo "${setting%%=*} changed"
      return
    fi
  done
}

# check_build_dir DIR OVERRIDE: a build dir made for another checkout or by
# another generator cannot be reused; say so (naming the OVERRIDE variable
# that picks another dir) instead of letting cmake fail cryptically.
check_build_dir() {
  local dir=$1 override=$2 home generator
  [[ -f "$dir/CMakeCache.txt" ]] || return 0
  home="$(cmake_cache_get "$dir" CMAKE_HOME_DIRECTORY)"
  [[ -z "$home" || "$home" -ef "$DEEPC_ROOT" ]] ||
    die "$dir was configured for $home, not $DEEPC_ROOT: remove it or set $override"
  generator="$(cmake_cache_get "$dir" CMAKE_GENERATOR)"
  [[ -z "$generator" || "$generator" == Ninja ]] ||
    die "$dir uses the '$generator' generator, not Ninja: remove it or set $override"
}

# Takes $DEEPC_BUILD_LOCK on fd 9, so that builds of one tree take turns
# (2 cores in CI); `flock -u 9` gives it back early.
take_build_lock() {
  mkdir -p "$(dirname "$DEEPC_BUILD_LOCK")"
  exec 9>>"$DEEPC_BUILD_LOCK"
  if ! flock -n 9; then
    step "waiting for another build to finish ($DEEPC_BUILD_LOCK)"
    flock 9
  fi
}

# cmake_configure DIR NAME=VALUE...: configures DIR with Ninja and the given
# cache settings. The full output stays in DIR/configure.log and is shown
# only on failure.
cmake_configure() {
  local dir=$1 setting log
  shift
  local args=(-G Ninja -S "$DEEPC_ROOT" -B "$dir")
  for setting in "$@"; do
    args+=("-D$setting")
  done
  mkdir -p "$dir"
  log="$dir/configure.log"
  cmake "${args[@]}" >"$log" 2>&1 || {
    cat "$log" >&2
    die "cmake configure failed (output above, also in $log)"
  }
}
