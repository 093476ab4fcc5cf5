#!/usr/bin/env bash
# scripts/demo.sh - compile a bundled MoE model and check it against
# onnxruntime.
#
# Compiles test/models/mixtral_per_expert (a two-layer Mixtral exported from
# transformers, 4 experts, top-2) to a CPU artifact with `deepc`, then runs
# it with `deepc-run --check` on both of its recorded data sets, comparing
# with the outputs onnxruntime produced, and times it with `--bench`.
#   scripts/demo.sh                      the bundled Mixtral
#   scripts/demo.sh test/models/NAME     another corpus model
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

deepc="$DEEPC_BUILD_DIR/bin/deepc"
deepc_run="$DEEPC_BUILD_DIR/bin/deepc-run"
for tool in "$deepc" "$deepc_run"; do
  [[ -x "$tool" ]] ||
    die "$tool not found: run ./scripts/setup.sh (or ./scripts/build.sh) first"
done

model_dir="${1:-$DEEPC_ROOT/test/models/mixtral_per_expert}"
model_dir="${model_dir%/}"
[[ -f "$model_dir/model.onnx" ]] || die "no model.onnx in $model_dir"
name="$(basename "$model_dir")"
artifact="$DEEPC_BUILD_DIR/demo/$name.deepc"
mkdir -p "$(dirname "$artifact")"

shown() { printf '%s' "${1#"$DEEPC_ROOT"/}"; }

step "compiling $(shown "$model_dir")/model.onnx -> $(shown "$artifact")"
start=$SECONDS
"$deepc" "$model_dir/model.onnx" -o "$artifact" --max-dims=batch=8,seq=256
echo "compiled in $((SECONDS - start)) s: $(ls "$artifact" | tr '\n' ' ')"

for data_set in "$model_dir"/test_data_set_*; do
  step "deepc-run --check against onnxruntime's outputs in $(shown "$data_set")"
  "$deepc_run" "$artifact" --inputs "$data_set" --check
done

step "deepc-run --bench on $(shown "$model_dir")/test_data_set_0"
"$deepc_run" "$artifact" --inputs "$model_dir/test_data_set_0" --bench \
  --warmup 2 --iterations 10
