#!/usr/bin/env bash
# scripts/demo.sh - canonicalize and CSE the bundled Mixtral decoder layer.
#
# Runs `deepc-opt examples/mixtral_layer.mlir --canonicalize --cse` and prints
# the result, then a comment line with the op count before and after.
# Arguments replace the input file and/or add deepc-opt options:
#   scripts/demo.sh                             the bundled example
#   scripts/demo.sh other.mlir                  another file, same passes
#   scripts/demo.sh --mlir-print-ir-after-all   extra deepc-opt flags
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

deepc_opt="$DEEPC_BUILD_DIR/bin/deepc-opt"
[[ -x "$deepc_opt" ]] ||
  die "$deepc_opt not found: run ./scripts/setup.sh (or ./scripts/build.sh) first"

input="$DEEPC_ROOT/examples/mixtral_layer.mlir"
if [[ $# -gt 0 && "$1" != -* ]]; then
  input="$1"
  shift
fi
[[ -f "$input" ]] || die "no such file: $input"

# Ops in a module as printed by deepc-opt: lines that start with an op name,
# with or without results.
count_ops() {
  grep -cE '^\s*(%[^=]+= )?"?[a-z_0-9]+\.[a-z_0-9.]+' || true
}

shown_opt="${deepc_opt#"$PWD"/}"
shown_input="${input#"$PWD"/}"
echo "==> simplifying $shown_input: $shown_opt $shown_input --canonicalize --cse${*:+ $*}"
before="$("$deepc_opt" "$input" | count_ops)"
output="$("$deepc_opt" "$input" --canonicalize --cse "$@")"
printf '%s\n' "$output"
after="$(printf '%s\n' "$output" | count_ops)"
echo "// $before ops before, $after after --canonicalize --cse"
