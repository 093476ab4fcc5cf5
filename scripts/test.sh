#!/usr/bin/env bash
# scripts/test.sh - build deepc and run every test with one lit invocation.
#
# Runs the FileCheck suite (build/test) and the GoogleTest binaries
# (build/test/Unit) together, so one summary counts everything, and ends with
# the line `N passed, N failed` (`, N skipped` when lit skipped some).
# Exits non-zero when a test failed, lit itself failed, or no test ran.
#
# DEEPC_EXTRA_FAILURES=N adds N failures of checks run before it (CI's fuzz
# run) to the summary.
#
# Arguments go to lit: `scripts/test.sh --filter rotary`, `scripts/test.sh -a`.
# Without a venv or a build dir it runs scripts/setup.sh first.
set -Eeuo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

if [[ ! -x "$DEEPC_VENV_DIR/bin/lit" || ! -f "$DEEPC_BUILD_DIR/build.ninja" ]]; then
  step "no venv or build dir yet: running scripts/setup.sh first"
  "$DEEPC_ROOT/scripts/setup.sh"
else
  "$DEEPC_ROOT/scripts/build.sh"
fi

results="$DEEPC_BUILD_DIR/test/lit-results.xml"
rm -f "$results"
step "running lit on ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/test and ${DEEPC_BUILD_DIR#"$DEEPC_ROOT"/}/test/Unit"
lit_rc=0
"$DEEPC_VENV_DIR/bin/lit" -sv --xunit-xml-output "$results" "$@" \
  "$DEEPC_BUILD_DIR/test" "$DEEPC_BUILD_DIR/test/Unit" || lit_rc=$?

# Count from lit's own report: a <failure> is FAIL, XPASS, UNRESOLVED or
# TIMEOUT; <skipped> is UNSUPPORTED (tests left out by --filter are not
# counted); anything else (PASS, XFAIL, FLAKYPASS) passed.
counts="0 0 0"
if [[ -s "$results" ]]; then
  counts="$("$DEEPC_VENV_DIR/bin/python" - "$results" <<'PY'
import sys
import xml.etree.ElementTree as ET

passed = failed = skipped = 0
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    skip = case.find("skipped")
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif skip is not None:
        if not skip.get("message", "").startswith("Test not selected"):
            skipped += 1
    else:
        passed += 1
print(passed, failed, skipped)
PY
)" || counts="0 0 0"
fi
read -r passed failed skipped <<<"$counts"

# ONNX's backend node tests (test/onnx-node/run.py): every case listed in
# test/onnx-node/expected-passes.txt counts as one test. Skipped when lit was
# given arguments (a filtered run) or DEEPC_SKIP_NODE_TESTS=1.
if (($# == 0)) && [[ "${DEEPC_SKIP_NODE_TESTS:-0}" != 1 ]]; then
  step "running the ONNX node tests (test/onnx-node/run.py)"
  node_summary="$DEEPC_BUILD_DIR/onnx-node/summary.json"
  rm -f "$node_summary"
  "$DEEPC_VENV_DIR/bin/python" "$DEEPC_ROOT/test/onnx-node/run.py" \
    --build-dir "$DEEPC_BUILD_DIR" --summary-json "$node_summary" || true
  node_counts="$("$DEEPC_VENV_DIR/bin/python" -c '
import json, sys
try:
    s = json.load(open(sys.argv[1]))
    print(s["expected_passed"], s["regressions"])
except Exception:
    print(0, 1)
' "$node_summary")"
  read -r node_passed node_failed <<<"$node_counts"
  passed=$((passed + node_passed))
  failed=$((failed + node_failed))
fi
# Checks run before the tests (CI's fuzz run) report their failures here so
# that the summary line counts them too.
extra="${DEEPC_EXTRA_FAILURES:-0}"
if [[ "$extra" =~ ^[0-9]+$ ]] && ((extra > 0)); then
  echo "error: $extra check(s) run before the tests failed (see above)" >&2
  failed=$((failed + extra))
fi

status=0
if ((lit_rc != 0 && failed == 0)); then
  # lit stopped before reporting a failing test (bad config, no tests found,
  # a crash): count the run itself as one failure.
  echo "error: lit exited with code $lit_rc without reporting a failed test" >&2
  failed=1
fi
if ((failed > 0)); then
  status=1
elif ((passed == 0)); then
  echo "error: no test ran" >&2
  status=1
fi

summary="$passed passed, $failed failed"
((skipped == 0)) || summary+=", $skipped skipped"
echo "$summary"
exit "$status"
