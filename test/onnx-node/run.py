#!/usr/bin/env python3
"""Runs ONNX's backend node tests through deepc and deepc-run.

The onnx package ships the node test cases as code (onnx.backend.test.case.
node): each case is a one-operator model with data sets whose expected
outputs ONNX computes with numpy. This script writes them out once (into
build/onnx-node/cases, keyed by the onnx version), then for every case:

  1. `deepc model.onnx --emit=deepc`: a failure here means import or
     legalization refused the model (an operator, attribute or dtype deepc
     does not support): the case is *unsupported*;
  2. `deepc model.onnx -o case.deepc`: compiles it (failure: *fail*);
  3. `deepc-run case.deepc --inputs test_data_set_N --dump-outputs DIR` for
     every data set, and compares each output with the expected one as ONNX's
     backend runner does (numpy allclose with the case's rtol and atol, NaNs
     equal; integers and bools exactly). Any mismatch or error: *fail*.

Every case whose model legalizes must pass: a failure is a bug.
test/onnx-node/expected-passes.txt lists the cases that pass; the run fails
when one of them does not (a regression). `--update` rewrites that list and
docs/onnx-coverage.md (pass / fail / unsupported by operator).

Usage: test/onnx-node/run.py [--jobs N] [--filter REGEX] [--update]
       [--summary-json FILE] [--keep-going]
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXPECTED = os.path.join(ROOT, "test", "onnx-node", "expected-passes.txt")
COVERAGE_DOC = os.path.join(ROOT, "docs", "onnx-coverage.md")
TIMEOUT_S = 120


def case_dir_root(build_dir):
    import onnx

    return os.path.join(build_dir, "onnx-node", f"cases-onnx-{onnx.__version__}")


def write_cases(root):
    """Writes every node case as model.onnx + test_data_set_N/{input,output}_K.pb."""
    stamp = os.path.join(root, ".complete")
    if os.path.exists(stamp):
        return
    import onnx
    from onnx import numpy_helper
    from onnx.backend.test.case import node

    print(f"writing ONNX node test cases to {root} ...", flush=True)
    tmp = root + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.seterr(all="ignore")
        cases = node.collect_testcases(None)
    meta = {}
    for case in cases:
        d = os.path.join(tmp, case.name)
        os.makedirs(d)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(case.model.SerializeToString())
        graph = case.model.graph
        ok = True
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(d, f"test_data_set_{i}")
            os.makedirs(ds)
            for kind, values, infos in (("input", inputs, graph.input),
                                        ("output", outputs, graph.output)):
                for j, value in enumerate(values):
                    if not infos[j].type.HasField("tensor_type"):
                        ok = False  # sequences, maps, optionals
                        continue
                    if isinstance(value, onnx.TensorProto):
                        proto = value
                    else:
                        proto = numpy_helper.from_array(np.asarray(value), infos[j].name)
                    with open(os.path.join(ds, f"{kind}_{j}.pb"), "wb") as f:
                        f.write(proto.SerializeToString())
        meta[case.name] = {"rtol": case.rtol, "atol": case.atol,
                           "tensor_io": ok,
                           "ops": sorted({n.op_type for n in graph.node})}
    with open(os.path.join(tmp, "cases.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    open(os.path.join(tmp, ".complete"), "w").close()
    shutil.rmtree(root, ignore_errors=True)
    os.rename(tmp, root)


def run(cmd, timeout=TIMEOUT_S):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {timeout} s: {' '.join(cmd)}"
    except OSError as e:
        return -1, f"cannot run {cmd[0]}: {e}"


def first_line(text):
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:300]
    return ""


def compare(actual, expected, rtol, atol):
    """None when equal in ONNX's backend sense, else a reason."""
    if actual.shape != expected.shape:
        return f"shape {list(actual.shape)} != expected {list(expected.shape)}"
    if expected.dtype.kind in "fc":
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        if not np.allclose(a, e, rtol=rtol, atol=atol, equal_nan=True):
            with np.errstate(invalid="ignore"):
                err = np.nanmax(np.abs(a - e)) if a.size else 0
            return f"max abs error {err:.3g} beyond rtol {rtol:g} atol {atol:g}"
        return None
    if not np.array_equal(actual.astype(expected.dtype), expected):
        return f"values differ ({int(np.sum(actual.astype(expected.dtype) != expected))} elements)"
    return None


def run_case(args):
    name, case_dir, meta, tools, work = args
    from onnx import numpy_helper, TensorProto

    model = os.path.join(case_dir, "model.onnx")
    if not meta["tensor_io"]:
        return name, "unsupported", "inputs or outputs that are not tensors"
    rc, out = run([tools["deepc"], model, "--emit=deepc", "-o", os.devnull])
    if rc != 0:
        return name, "unsupported", first_line(out)
    artifact = os.path.join(work, name + ".deepc")
    rc, out = run([tools["deepc"], model, "-o", artifact])
    if rc != 0:
        return name, "fail", "compile: " + first_line(out)
    try:
        i = 0
        while os.path.isdir(os.path.join(case_dir, f"test_data_set_{i}")):
            ds = os.path.join(case_dir, f"test_data_set_{i}")
            dump = os.path.join(work, f"{name}.out{i}")
            rc, out = run([tools["deepc-run"], artifact, "--inputs", ds,
                           "--dump-outputs", dump])
            if rc != 0:
                return name, "fail", f"run (data set {i}): " + first_line(out)
            j = 0
            while os.path.exists(os.path.join(ds, f"output_{j}.pb")):
                expected = TensorProto()
                with open(os.path.join(ds, f"output_{j}.pb"), "rb") as f:
                    expected.ParseFromString(f.read())
                got_path = os.path.join(dump, f"output_{j}.pb")
                if not os.path.exists(got_path):
                    return name, "fail", f"data set {i}: no output {j}"
                got = TensorProto()
                with open(got_path, "rb") as f:
                    got.ParseFromString(f.read())
                why = compare(numpy_helper.to_array(got),
                              numpy_helper.to_array(expected),
                              meta["rtol"], meta["atol"])
                if why:
                    return name, "fail", f"data set {i}, output {j}: {why}"
                j += 1
            i += 1
        return name, "pass", ""
    finally:
        shutil.rmtree(artifact, ignore_errors=True)
        for d in os.listdir(work):
            if d.startswith(name + ".out"):
                shutil.rmtree(os.path.join(work, d), ignore_errors=True)


# Abbreviations ONNX's case names use for their operator.
CASE_ALIASES = {"mvn": "MeanVarianceNormalization",
                "nllloss": "NegativeLogLikelihoodLoss",
                "sce": "SoftmaxCrossEntropyLoss"}


def op_of(name, ops, schema_names):
    """The operator a case tests, for the coverage table."""
    base = re.sub(r"^test_", "", name)
    for alias, op in CASE_ALIASES.items():
        if base == alias or base.startswith(alias + "_"):
            return op
    best = None
    for op in schema_names:
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", op)
        for spelling in (op.lower(), re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower(),
                         words.lower()):
            if base == spelling or base.startswith(spelling + "_"):
                if best is None or len(spelling) > len(best[1]):
                    best = (op, spelling)
    if best:
        return best[0]
    return ops[0] if len(ops) == 1 else "+".join(ops)


def write_coverage(results, metas, path):
    from onnx import defs

    schema_names = {s.name for s in defs.get_all_schemas_with_history()}
    table = {}
    for name, (status, _) in results.items():
        op = op_of(name, metas[name]["ops"], schema_names)
        table.setdefault(op, {"pass": 0, "fail": 0, "unsupported": 0})[status] += 1
    totals = {k: sum(v[k] for v in table.values()) for k in ("pass", "fail", "unsupported")}
    import onnx

    lines = [
        "# ONNX backend node tests",
        "",
        "Generated by `test/onnx-node/run.py --update` from the node test cases of",
        f"onnx {onnx.__version__} (`onnx.backend.test.case.node`); do not edit.",
        "A case is *unsupported* when import or legalization refuses its model",
        "(an operator, attribute or dtype deepc does not handle); every other",
        "case compiles to a CPU artifact and must match ONNX's expected outputs",
        "within the case's own rtol/atol.",
        "",
        f"**{totals['pass']} pass, {totals['fail']} fail, {totals['unsupported']} unsupported"
        f" of {len(results)} cases.**",
        "",
        "| operator | pass | fail | unsupported |",
        "| --- | ---: | ---: | ---: |",
    ]
    for op in sorted(table, key=str.lower):
        t = table[op]
        lines.append(f"| {op} | {t['pass']} | {t['fail']} | {t['unsupported']} |")
    fails = sorted(n for n, (s, _) in results.items() if s == "fail")
    if fails:
        lines += ["", "## Failing cases", ""]
        for n in fails:
            lines.append(f"- `{n}`: {results[n][1]}")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--filter", help="only cases whose name matches this regex")
    parser.add_argument("--update", action="store_true",
                        help="rewrite expected-passes.txt and docs/onnx-coverage.md")
    parser.add_argument("--summary-json", help="write the counts to this file")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="print every case's result")
    args = parser.parse_args()

    tools = {t: os.path.join(args.build_dir, "bin", t) for t in ("deepc", "deepc-run")}
    for t, path in tools.items():
        if not os.access(path, os.X_OK):
            sys.exit(f"run.py: error: {path} is missing: build deepc first")

    root = case_dir_root(args.build_dir)
    write_cases(root)
    with open(os.path.join(root, "cases.json")) as f:
        metas = json.load(f)
    names = sorted(metas)
    if args.filter:
        names = [n for n in names if re.search(args.filter, n)]
    expected = set()
    if os.path.exists(EXPECTED):
        with open(EXPECTED) as f:
            expected = {l.strip() for l in f if l.strip() and not l.startswith("#")}

    start = time.time()
    results = {}
    with tempfile.TemporaryDirectory(prefix="deepc-onnx-node-") as work:
        jobs = [(n, os.path.join(root, n), metas[n], tools, work) for n in names]
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            for k, (name, status, why) in enumerate(pool.map(run_case, jobs), 1):
                results[name] = (status, why)
                if args.verbose or (status == "fail") or (name in expected and status != "pass"):
                    print(f"[{k}/{len(jobs)}] {status.upper()}: {name}" + (f": {why}" if why else ""),
                          flush=True)
    counts = {s: sum(1 for v in results.values() if v[0] == s) for s in ("pass", "fail", "unsupported")}
    considered = expected & set(names)
    regressions = sorted(n for n in considered if results[n][0] != "pass")
    new_passes = sorted(n for n, v in results.items() if v[0] == "pass" and n not in expected)
    print(f"onnx node tests: {counts['pass']} pass, {counts['fail']} fail, "
          f"{counts['unsupported']} unsupported of {len(results)} cases "
          f"in {time.time() - start:.0f} s")
    if new_passes and not args.update:
        print(f"{len(new_passes)} cases pass that expected-passes.txt does not list "
              "(run with --update to add them)")
    for n in regressions:
        print(f"REGRESSION: {n}: {results[n][1] or results[n][0]}")
    if args.update:
        if args.filter:
            sys.exit("run.py: error: --update needs the whole suite (no --filter)")
        with open(EXPECTED, "w") as f:
            f.write("# ONNX node test cases that pass; written by test/onnx-node/run.py --update\n")
            for n in sorted(n for n, v in results.items() if v[0] == "pass"):
                f.write(n + "\n")
        write_coverage(results, metas, COVERAGE_DOC)
        print(f"wrote {EXPECTED} and {COVERAGE_DOC}")
    if args.summary_json:
        with open(args.summary_json, "w") as f:
            json.dump({"expected_passed": len(considered) - len(regressions),
                       "regressions": len(regressions), **counts}, f)
    return 1 if regressions and not args.update else 0


if __name__ == "__main__":
    sys.exit(main())
