#!/usr/bin/env python3
"""CPU latency of deepc against ONNX Runtime on the same ONNX files and inputs.

For every model and every batch x seq shape:

  1. deepc compiles the model once (`deepc MODEL.onnx -o NAME.deepc
     --max-dims batch=B,seq=S` for the largest shape that is run);
  2. ONNX Runtime (CPU provider, default graph optimizations, intra-op
     threads = --threads) runs the inputs: one run whose outputs are kept,
     --warmup untimed runs, then timed runs; the median is reported;
  3. `deepc-run NAME.deepc --inputs DIR --bench --dump-outputs OUT --json F`
     runs the very same inputs (written as TensorProtos to DIR) with the same
     thread count; its JSON gives the median;
  4. the first run's outputs of both are compared (max abs difference, and
     that divided by max(1, max |ort|)), so that a fast but wrong result shows.

One table is printed (model, shape, ort ms, deepc ms, ort/deepc: above 1 means
deepc is faster, tokens/s of both, the difference), and --json FILE writes the
rows.

Inputs are generated from the ONNX graph: token ids (int64 inputs named like
*ids*) uniform below the vocabulary, read from the first dim of the embedding
initializer that a Gather indexes with them; attention masks all ones;
position ids 0..seq-1; token type ids zero; floats uniform in [-1, 1).

A shape is skipped, with the reason in the table, when deepc's memory plan
for it (`deepc --emit=plan --max-dims ...`: arena plus weights) exceeds
--mem-limit-gib, or when the previous shape's time scaled by the token count
(of 32 tokens or more) predicts more than --max-iter-s a run (per engine;
an engine that runs much longer anyway is stopped). Slow shapes get fewer
timed runs: as many as fit in --budget-s, at least 3. ONNX Runtime runs in
a child process, so that its memory arena is freed before deepc-run starts.

Not run in CI. From the repository root, with nothing else running:

    .venv/bin/python bench/cpu_vs_ort.py --quick
    .venv/bin/python bench/cpu_vs_ort.py --bench-dir /tmp/deepc-bench \\
        --models bench_mixtral_per_expert --json /tmp/moe.json

See bench/README.md and docs/benchmarks.md.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "test" / "models"
DEFAULT_SHAPES = "1x1,1x128,8x512"
QUICK_SHAPES = "1x1,1x128"
GIB = 2**30

# --------------------------------------------------------------------------
# Models and inputs


def find_models(args):
    """[(name, model.onnx path)], corpus first, then --bench-dir."""
    found = []
    if CORPUS.is_dir():
        found += [(d.name, d / "model.onnx") for d in sorted(CORPUS.iterdir())
                  if (d / "model.onnx").is_file()]
    if args.bench_dir and not args.quick:
        found += [(d.name, d / "model.onnx") for d in sorted(Path(args.bench_dir).iterdir())
                  if (d / "model.onnx").is_file()]
    if not args.models:
        return found
    by_name = dict(found)
    chosen = []
    for m in args.models:
        if m in by_name:
            chosen.append((m, by_name[m]))
        elif Path(m).is_file():
            chosen.append((Path(m).parent.name, Path(m)))
        else:
            sys.exit(f"unknown model '{m}': neither a model under {CORPUS} or --bench-dir "
                     f"nor a file; known: {', '.join(by_name)}")
    return chosen


def graph_inputs(model):
    """[(name, numpy dtype, [int or dim name])] of the non-initializer inputs."""
    inits = {t.name for t in model.graph.initializer}
    result = []
    for i in model.graph.input:
        if i.name in inits:
            continue
        t = i.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in t.shape.dim]
        result.append((i.name, onnx.helper.tensor_dtype_to_np_dtype(t.elem_type), dims))
    return result


def vocab_size(model, input_name):
    """First dim of an initializer that a Gather indexes with input_name."""
    inits = {t.name: t for t in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Gather" and len(n.input) > 1 and n.input[1] == input_name:
            table = inits.get(n.input[0])
            if table is not None and table.dims:
                return int(table.dims[0])
    return None


def make_inputs(model, batch, seq, rng):
    """{name: array} for the given shape, the same for both engines."""
    dim_values = {"batch": batch, "seq": seq}
    inputs = {}
    for name, dtype, dims in graph_inputs(model):
        shape = []
        for d in dims:
            if isinstance(d, str):
                if d not in dim_values:
                    raise ValueError(f"input '{name}' has symbolic dim '{d}' (only batch, seq known)")
                d = dim_values[d]
            shape.append(d)
        lname = name.lower()
        if dtype.kind == "f":
            inputs[name] = rng.uniform(-1, 1, size=shape).astype(dtype)
        elif dtype.kind == "b" or "mask" in lname:
            inputs[name] = np.ones(shape, dtype=dtype)
        elif "position" in lname:
            inputs[name] = np.broadcast_to(np.arange(shape[-1], dtype=dtype), shape).copy()
        elif "type" in lname:
            inputs[name] = np.zeros(shape, dtype=dtype)
        else:
            high = vocab_size(model, name) or 2
            inputs[name] = rng.integers(0, high, size=shape).astype(dtype)
    return inputs


def write_inputs(directory, model, inputs):
    directory.mkdir(parents=True, exist_ok=True)
    for i, (name, _, _) in enumerate(graph_inputs(model)):
        t = numpy_helper.from_array(inputs[name], name)
        (directory / f"input_{i}.pb").write_bytes(t.SerializeToString())


# --------------------------------------------------------------------------
# deepc


def run_cmd(cmd, timeout=None):
    """(returncode, combined output); a timeout gives returncode None."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return None, out


def last_line(text):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return lines[-1] if lines else "(no output)"


def plan_bytes(args, model_path, batch, seq, work):
    """Arena + weight bytes of deepc's memory plan for this shape, or an error string."""
    plan = work / f"plan_{batch}x{seq}.json"
    rc, out = run_cmd([args.deepc, str(model_path), "--emit=plan",
                       f"--max-dims=batch={batch},seq={seq}", "-o", str(plan)], timeout=600)
    if rc != 0:
        return f"deepc --emit=plan failed: {last_line(out)}"
    p = json.loads(plan.read_text())
    return int(p["arenaBytes"]) + int(p.get("weightsBytes", 0))


def compile_model(args, model_path, artifact, batch, seq):
    """Seconds the compile took, None for a reused artifact, or an error string."""
    if args.reuse_artifacts and (artifact / "manifest.json").is_file():
        bounds = json.loads((artifact / "manifest.json").read_text()).get("dimBounds", {})
        if bounds.get("batch", 0) >= batch and bounds.get("seq", 0) >= seq:
            return None
    t0 = time.perf_counter()
    rc, out = run_cmd([args.deepc, str(model_path), "-o", str(artifact),
                       f"--max-dims=batch={batch},seq={seq}"], timeout=1800)
    if rc != 0:
        return f"deepc failed: {last_line(out)}"
    return time.perf_counter() - t0


def run_deepc(args, artifact, in_dir, out_dir, tokens, probe_s):
    """deepc-run --bench; {median_ms, tokens_per_s, iterations, outputs} or an error string."""
    iterations, warmup = timed_runs(args, probe_s)
    bench_json = out_dir / "bench.json"
    cmd = [args.deepc_run, str(artifact), "--inputs", str(in_dir),
           "--dump-outputs", str(out_dir), "--bench", f"--warmup={warmup}",
           f"--iterations={iterations}", f"--threads={args.threads}",
           f"--tokens={tokens}", "--json", str(bench_json)]
    limit = (2 + warmup + iterations) * args.max_iter_s + 60
    rc, out = run_cmd(cmd, timeout=limit)
    if rc is None:
        return f"deepc-run timed out after {limit:.0f} s"
    if rc != 0:
        return f"deepc-run failed: {last_line(out)}"
    b = json.loads(bench_json.read_text())
    outputs = {}
    for f in sorted(out_dir.glob("output_*.pb")):
        t = onnx.load_tensor(str(f))
        outputs[t.name] = numpy_helper.to_array(t)
    return {"median_ms": b["median_ms"], "p90_ms": b["p90_ms"],
            "tokens_per_s": b["tokens_per_s"], "iterations": b["iterations"],
            "outputs": outputs}


def probe_deepc(args, artifact, in_dir, out_dir):
    """Seconds of one run (load included: an upper bound), or an error string."""
    t0 = time.perf_counter()
    rc, out = run_cmd([args.deepc_run, str(artifact), "--inputs", str(in_dir),
                       f"--threads={args.threads}", "--dump-outputs", str(out_dir)],
                      timeout=args.max_iter_s * 2 + 60)
    if rc is None:
        return f"one deepc-run run took over {args.max_iter_s * 2 + 60:.0f} s"
    if rc != 0:
        return f"deepc-run failed: {last_line(out)}"
    return time.perf_counter() - t0


# --------------------------------------------------------------------------
# ONNX Runtime


def ort_session(args, model_path, optimize=True):
    import onnxruntime as ort

    so = ort.SessionOptions()
    if not optimize:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = args.threads
    so.log_severity_level = 4  # a shape the model rejects is reported in the table
    return ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])


def run_ort(args, sess, inputs, tokens):
    """{median_ms, tokens_per_s, iterations, outputs} for one shape."""
    names = [o.name for o in sess.get_outputs()]
    t0 = time.perf_counter()
    try:
        first = sess.run(names, inputs)
    except Exception as e:  # onnxruntime raises its own exception types
        return f"failed: {str(e).splitlines()[0][-160:]}"
    probe = time.perf_counter() - t0
    if probe > args.max_iter_s:
        return f"one run took {probe:.0f} s (> --max-iter-s {args.max_iter_s:.0f})"
    iterations, warmup = timed_runs(args, probe)
    for _ in range(warmup):
        sess.run(names, inputs)
    times = []
    for _ in range(iterations):
        t0 = time.perf_counter()
        sess.run(names, inputs)
        times.append((time.perf_counter() - t0) * 1e3)
    median = statistics.median(times)
    times.sort()
    return {"median_ms": median, "p90_ms": times[min(len(times) - 1, int(0.9 * len(times)))],
            "tokens_per_s": tokens / (median / 1e3), "iterations": iterations,
            "probe_s": probe, "outputs": dict(zip(names, first))}


def predicted_s(prev, tokens):
    """Seconds a run of `tokens` takes, scaled linearly from prev = (tokens,
    seconds) of a smaller shape; 0 (unknown) below 32 tokens, where reading
    the weights, not per-token work, sets the time. Slower-than-predicted
    runs are still stopped by the timeouts."""
    if not prev or prev[0] < 32:
        return 0.0
    return prev[1] * tokens / prev[0]


def ort_phase(args, name, model_path, shapes, inputs):
    """{(b, s): run_ort's result or a reason} for every shape, in order."""
    results = {}
    sess = ort_session(args, model_path)
    prev = None  # (tokens, seconds a run) of the last shape that ran
    for b, s in shapes:
        guess = predicted_s(prev, b * s)
        if guess > args.max_iter_s:
            results[b, s] = f"skipped: ~{guess:.0f} s a run predicted"
            continue
        res = run_ort(args, sess, inputs[b, s], b * s)
        results[b, s] = res
        if isinstance(res, str):
            if not res.startswith("failed"):
                prev = (b * s, args.max_iter_s * 10)
            continue
        prev = (b * s, res["median_ms"] / 1e3)
        print(f"  [{name} {b}x{s}] ort {res['median_ms']:.3f} ms ({res['iterations']} runs)",
              flush=True)
    return results


def in_child(fn, *fn_args):
    """fn(*fn_args) in a fresh process, or a reason string when it died.
    ONNX Runtime keeps its memory arena until the process exits: running it
    in a child gives a large model's gigabytes back before deepc-run starts."""
    import concurrent.futures
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        try:
            return pool.submit(fn, *fn_args).result()
        except concurrent.futures.process.BrokenProcessPool:
            return "the ONNX Runtime process died (out of memory?)"


def timed_runs(args, probe_s):
    """(iterations, warmup): --iterations, fewer when a run is slow."""
    fit = int(args.budget_s / max(probe_s, 1e-6))
    iterations = max(3, min(args.iterations, fit))
    warmup = min(args.warmup, max(1, fit - iterations))
    return iterations, warmup


# --------------------------------------------------------------------------
# Comparison and report


def compare(ort_out, deepc_out):
    """(max abs diff, that / max(1, max |ort|)) over all outputs, or an error string."""
    worst_abs, worst_rel = 0.0, 0.0
    for name, ref in ort_out.items():
        got = deepc_out.get(name)
        if got is None:
            return f"deepc wrote no output '{name}'"
        if got.shape != ref.shape:
            return f"output '{name}': deepc shape {list(got.shape)} != ort {list(ref.shape)}"
        if ref.size == 0:
            continue
        diff = float(np.abs(got.astype(np.float64) - ref.astype(np.float64)).max())
        if np.isnan(diff):
            return f"output '{name}': NaN where ONNX Runtime has none"
        scale = max(1.0, float(np.abs(ref).max()))
        worst_abs = max(worst_abs, diff)
        worst_rel = max(worst_rel, diff / scale)
    return worst_abs, worst_rel


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_table(rows):
    head = ["model", "shape", "ort ms", "deepc ms", "ort/deepc", "ort tok/s", "deepc tok/s",
            "max|diff|", "note"]
    lines = [head]
    for r in rows:
        lines.append([r["model"], r["shape"], fmt(r["ort_ms"], ".3f"), fmt(r["deepc_ms"], ".3f"),
                      fmt(r["ratio"], ".3g"), fmt(r["ort_tokens_per_s"], ".0f"),
                      fmt(r["deepc_tokens_per_s"], ".0f"), fmt(r["max_abs_diff"], ".2g"),
                      r["note"]])
    widths = [max(len(l[i]) for l in lines) for i in range(len(head) - 1)]
    for l in lines:
        print("  ".join(c.ljust(w) for c, w in zip(l, widths)) + "  " + l[-1], flush=True)


def row(model, b, s, note=""):
    return {"model": model, "shape": f"{b}x{s}", "batch": b, "seq": s, "ort_ms": None,
            "deepc_ms": None, "ratio": None, "ort_tokens_per_s": None,
            "deepc_tokens_per_s": None, "ort_iterations": None, "deepc_iterations": None,
            "max_abs_diff": None, "max_scaled_diff": None, "note": note}


def add_note(r, text):
    r["note"] = f"{r['note']}; {text}" if r["note"] else text


# --------------------------------------------------------------------------
# One model


def bench_model(args, name, model_path, shapes):
    """Rows for one model, every shape."""
    work = Path(args.work) / name
    work.mkdir(parents=True, exist_ok=True)
    model = onnx.load(str(model_path), load_external_data=False)
    rows = {(b, s): row(name, b, s) for b, s in shapes}

    # Which shapes fit in memory, by deepc's plan for each.
    runnable = []
    for b, s in shapes:
        need = plan_bytes(args, model_path, b, s, work)
        if isinstance(need, str):
            add_note(rows[b, s], need)
            runnable.append((b, s))  # ONNX Runtime may still run it
        elif need > args.mem_limit_gib * GIB:
            add_note(rows[b, s], f"skipped: deepc's plan needs {need / GIB:.1f} GiB "
                                 f"(> {args.mem_limit_gib:g} GiB)")
        else:
            runnable.append((b, s))
    if not runnable:
        return list(rows.values())

    # Inputs, written once for deepc-run and kept in memory for ONNX Runtime.
    rng = np.random.default_rng(args.seed)
    inputs = {}
    for b, s in runnable:
        try:
            inputs[b, s] = make_inputs(model, b, s, rng)
        except ValueError as e:
            add_note(rows[b, s], f"skipped: {e}")
            continue
        write_inputs(work / f"{b}x{s}" / "inputs", model, inputs[b, s])
    runnable = [sh for sh in runnable if sh in inputs]
    del model

    ort_outputs = {}
    rejected = set()
    results = in_child(ort_phase, args, name, model_path, runnable, inputs)
    for b, s in runnable:
        r = rows[b, s]
        res = results if isinstance(results, str) else results[b, s]
        if isinstance(res, str):
            add_note(r, f"ort: {res}")
            if res.startswith("failed"):
                # The model itself rejects the shape (e.g. seq beyond a
                # learned position table): no reference, no deepc run.
                add_note(r, "deepc not run")
                rejected.add((b, s))
            continue
        r["ort_ms"], r["ort_tokens_per_s"] = res["median_ms"], res["tokens_per_s"]
        r["ort_iterations"] = res["iterations"]
        ort_outputs[b, s] = res["outputs"]
    runnable = [sh for sh in runnable if sh not in rejected]
    if not runnable:
        return list(rows.values())

    max_b = max(b for b, _ in runnable)
    max_s = max(s for _, s in runnable)
    artifact = work / "model.deepc"
    compiled = compile_model(args, model_path, artifact, max_b, max_s)
    if isinstance(compiled, str):
        for b, s in runnable:
            add_note(rows[b, s], compiled)
        return list(rows.values())
    how = "reused the artifact" if compiled is None else f"compiled in {compiled:.1f} s"
    print(f"  [{name}] {how} (batch<={max_b}, seq<={max_s})", flush=True)

    prev = None
    for b, s in runnable:
        r = rows[b, s]
        guess = predicted_s(prev, b * s)
        if guess > args.max_iter_s:
            add_note(r, f"deepc skipped: ~{guess:.0f} s a run predicted")
            continue
        in_dir = work / f"{b}x{s}" / "inputs"
        out_dir = work / f"{b}x{s}" / "deepc_out"
        shutil.rmtree(out_dir, ignore_errors=True)
        probe = probe_deepc(args, artifact, in_dir, out_dir)
        if isinstance(probe, str):
            add_note(r, probe)
            prev = (b * s, args.max_iter_s * 10)
            continue
        res = run_deepc(args, artifact, in_dir, out_dir, b * s, probe)
        if isinstance(res, str):
            add_note(r, res)
            continue
        r["deepc_ms"], r["deepc_tokens_per_s"] = res["median_ms"], res["tokens_per_s"]
        r["deepc_iterations"] = res["iterations"]
        prev = (b * s, res["median_ms"] / 1e3)
        print(f"  [{name} {b}x{s}] deepc {res['median_ms']:.3f} ms ({res['iterations']} runs)",
              flush=True)
        if r["ort_ms"]:
            r["ratio"] = r["ort_ms"] / r["deepc_ms"]
        if (b, s) in ort_outputs:
            diff = compare(ort_outputs[b, s], res["outputs"])
            if isinstance(diff, str):
                add_note(r, f"WRONG: {diff}")
            else:
                r["max_abs_diff"], r["max_scaled_diff"] = diff
                if diff[1] > args.tolerance:
                    judge_against_unoptimized(args, r, model_path, inputs[b, s],
                                              res["outputs"], diff)
    return list(rows.values())


def run_unoptimized(args, model_path, inputs):
    sess = ort_session(args, model_path, optimize=False)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, inputs)))


def judge_against_unoptimized(args, r, model_path, inputs, deepc_outputs, diff):
    """deepc differs from optimized ONNX Runtime: compare it with ONNX Runtime
    without graph optimizations too. Fusions change numerics on purpose (the
    QDQ graphs become QLinear kernels that requantize differently), and the
    unoptimized graph is the model's plain ONNX semantics."""
    plain = in_child(run_unoptimized, args, model_path, inputs)
    if not isinstance(plain, str):
        plain = compare(plain, deepc_outputs)
    r["max_scaled_diff_unoptimized_ort"] = None if isinstance(plain, str) else plain[1]
    if isinstance(plain, str) or plain[1] > args.tolerance:
        plain_text = plain if isinstance(plain, str) else f"{plain[1]:.2g}"
        add_note(r, f"WRONG: diff {diff[1]:.2g} x max(1, max|ort|) > {args.tolerance:g}; "
                    f"against unoptimized ort: {plain_text}")
    else:
        add_note(r, f"optimized ort differs by {diff[1]:.2g} x max(1, max|ort|); "
                    f"unoptimized ort by {plain[1]:.2g}")


# --------------------------------------------------------------------------


def parse_shapes(text):
    shapes = []
    for part in text.split(","):
        b, _, s = part.strip().partition("x")
        if not (b.isdigit() and s.isdigit()):
            sys.exit(f"bad shape '{part}': expected BATCHxSEQ, e.g. 1x128")
        shapes.append((int(b), int(s)))
    return sorted(shapes, key=lambda bs: (bs[0] * bs[1], bs))


def machine():
    name = "unknown"
    try:
        for line in subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                name = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpu": name, "cores": os.cpu_count()}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", metavar="NAME",
                    help="model folder names (corpus or --bench-dir) or model.onnx paths "
                         "(default: the corpus, plus --bench-dir)")
    ap.add_argument("--bench-dir", metavar="DIR",
                    help="also run DIR/*/model.onnx (make_corpus.py --bench-configs DIR)")
    ap.add_argument("--shapes", default=DEFAULT_SHAPES,
                    help=f"BATCHxSEQ,... (default {DEFAULT_SHAPES})")
    ap.add_argument("--quick", action="store_true",
                    help=f"shapes {QUICK_SHAPES}, corpus models only")
    ap.add_argument("--iterations", type=int, default=20, help="timed runs (default 20)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="threads for both engines (default: the machine's cores)")
    ap.add_argument("--budget-s", type=float, default=30,
                    help="at most this many seconds of timed runs per engine and shape, "
                         "but at least 3 runs (default 30)")
    ap.add_argument("--max-iter-s", type=float, default=60,
                    help="skip a shape predicted to take longer a run (default 60)")
    ap.add_argument("--mem-limit-gib", type=float, default=8,
                    help="skip a shape whose deepc memory plan exceeds this (default 8)")
    ap.add_argument("--tolerance", type=float, default=1e-3,
                    help="flag a row WRONG above this max|diff| / max(1, max|ort|) "
                         "(default 1e-3)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    ap.add_argument("--work", default="/tmp/deepc-cpu-vs-ort",
                    help="artifacts, inputs and outputs (default /tmp/deepc-cpu-vs-ort)")
    ap.add_argument("--reuse-artifacts", action="store_true",
                    help="keep a compiled artifact from an earlier run when its bounds cover "
                         "the shapes")
    ap.add_argument("--deepc", default=str(ROOT / "build" / "bin" / "deepc"))
    ap.add_argument("--deepc-run", default=str(ROOT / "build" / "bin" / "deepc-run"))
    args = ap.parse_args()
    shapes = parse_shapes(QUICK_SHAPES if args.quick else args.shapes)
    for tool in (args.deepc, args.deepc_run):
        if not os.access(tool, os.X_OK):
            sys.exit(f"{tool} not found: build it (ninja -C build deepc deepc-run) or pass "
                     "--deepc/--deepc-run")

    info = machine()
    info.update(date=time.strftime("%Y-%m-%d"), threads=args.threads,
                command=" ".join(sys.argv))
    import onnxruntime

    info["onnxruntime"] = onnxruntime.__version__
    info["load_average_1min"] = os.getloadavg()[0]
    print(f"# {info['cpu']}, {info['cores']} cores, {args.threads} threads, "
          f"onnxruntime {info['onnxruntime']}, {info['date']}, "
          f"load average {info['load_average_1min']:.2f}", flush=True)
    if info["load_average_1min"] > 0.5:
        print("# warning: the machine is busy; timings with all cores in use are noisy",
              flush=True)

    rows = []
    started = time.perf_counter()
    for name, path in find_models(args):
        print(f"[{name}]", flush=True)
        rows += bench_model(args, name, path, shapes)
        if args.json:  # after every model, so that an interrupted run keeps its rows
            Path(args.json).write_text(json.dumps({"machine": info, "rows": rows}, indent=1) + "\n")
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["load_average_1min_end"] = os.getloadavg()[0]
    print()
    print_table(rows)
    print(f"# {info['seconds']:.0f} s in all; ort/deepc > 1: deepc is faster")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": info, "rows": rows}, indent=1) + "\n")
    wrong = [r for r in rows if "WRONG" in r["note"]]
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
