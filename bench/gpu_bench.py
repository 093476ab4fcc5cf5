#!/usr/bin/env python3
"""deepc's GPU kernel benchmarks in one call, on a machine with an NVIDIA GPU.

Run by scripts/gpu-check.sh after the model checks (`--bundle B --out O`),
or by hand. It

1. runs `deepc-gpu-bench --check`: every benchmarked CUDA kernel once on
   small random inputs against a host reference (`check <name> result=ok`);
2. runs `deepc-gpu-bench`: the MoE grouped GEMM and layer, and flash
   attention, at the sizes of issue 7 (`peak ...` and `bench ...` lines);
3. when PyTorch with CUDA is importable, times the same MoE layer shapes in
   PyTorch (bf16, the same weights layout and balanced routing) and prints
   `ratio moe_layer_prefill tokens=T deepc/torch=X ...`, X being PyTorch's
   median time over deepc's: above 1, deepc is faster;
4. writes everything to OUT/gpu-bench.json.

It fails soft: whatever is missing (the binary, a GPU, PyTorch) is printed
as a `bench skipped ...` line and the rest still runs. Exit status: 1 when
a kernel check failed, else 0.
"""

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading

BINARY = "deepc-gpu-bench"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def say(line):
    print(line, flush=True)


def find_binary(args):
    """The deepc-gpu-bench to run: --bin, the bundle's, the build's, PATH."""
    candidates = [args.bin] if args.bin else []
    if args.bundle:
        candidates.append(os.path.join(args.bundle, "bin", BINARY))
    candidates.append(os.path.join(ROOT, "build", "bin", BINARY))
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    return shutil.which(BINARY)


def run_binary(cmd, timeout):
    """Runs cmd, echoing its output line by line; returns (rc, lines). A
    watchdog kills it after `timeout` seconds (rc is then negative)."""
    lines = []
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)
    except OSError as e:
        say(f"bench skipped: cannot start {cmd[0]}: {e}")
        return None, lines
    watchdog = threading.Timer(timeout, proc.kill)
    watchdog.start()
    try:
        for line in proc.stdout:
            line = line.rstrip("\n")
            lines.append(line)
            say(line)
        rc = proc.wait()
    finally:
        watchdog.cancel()
    if rc is not None and rc < 0:
        say(f"bench incomplete: {os.path.basename(cmd[0])} killed "
            f"(signal {-rc}; the watchdog fires after {timeout} s)")
    return rc, lines


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return []


# --------------------------------------------------------------------------
# PyTorch: the same MoE layer, straightforwardly
# --------------------------------------------------------------------------

def torch_moe_loop(torch, F, x, logits, wg, wu, wd, top_k):
    """Mixtral-style routed experts: softmax, top-k, renormalize, then one
    gather and three matmuls per expert and a weighted index_add."""
    experts = wg.shape[0]
    probs = torch.softmax(logits, dim=-1)
    weights, chosen = torch.topk(probs, top_k, dim=-1)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    flat = chosen.reshape(-1)
    order = torch.argsort(flat, stable=True)
    counts = torch.bincount(flat, minlength=experts).tolist()
    token = order // top_k
    rows = x.index_select(0, token)
    ys = torch.empty_like(rows)
    start = 0
    for e, n in enumerate(counts):
        if n:
            xe = rows[start:start + n]
            h = F.silu(xe @ wg[e].t()) * (xe @ wu[e].t())
            ys[start:start + n] = h @ wd[e].t()
            start += n
    scale = weights.reshape(-1).index_select(0, order).to(x.dtype)
    out = torch.zeros_like(x)
    out.index_add_(0, token, ys * scale[:, None])
    return out


def torch_moe_grouped(torch, F, x, logits, wgu_t, wd_t, inter, top_k):
    """The same with torch._grouped_mm: one grouped GEMM for gate|up and one
    for down over the rows sorted by expert."""
    experts = wgu_t.shape[0]
    probs = torch.softmax(logits, dim=-1)
    weights, chosen = torch.topk(probs, top_k, dim=-1)
    weights = weights / weights.sum(dim=-1, keepdim=True)
    flat = chosen.reshape(-1)
    order = torch.argsort(flat, stable=True)
    offs = torch.cumsum(torch.bincount(flat, minlength=experts), 0)
    offs = offs.to(torch.int32)
    token = order // top_k
    rows = x.index_select(0, token)
    gu = torch._grouped_mm(rows, wgu_t, offs=offs)
    h = F.silu(gu[:, :inter]) * gu[:, inter:]
    ys = torch._grouped_mm(h, wd_t, offs=offs)
    scale = weights.reshape(-1).index_select(0, order).to(x.dtype)
    out = torch.zeros_like(x)
    out.index_add_(0, token, ys * scale[:, None])
    return out


def balanced_logits(torch, tokens, experts, top_k, device):
    """deepc-gpu-bench's routing: token t picks experts (t*k + j) mod E."""
    gen = torch.Generator(device="cpu").manual_seed(7)
    logits = -torch.rand(tokens, experts, generator=gen)
    t = torch.arange(tokens)
    for j in range(top_k):
        logits[t, (t * top_k + j) % experts] = 4.0 - j
    return logits.to(device)


def torch_time(torch, fn, warmup, iters, flush):
    """Median ms of fn with CUDA events, L2 flushed before each timed run."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(iters):
        flush.zero_()
        start = torch.cuda.Event(enable_timing=True)
        stop = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(start.elapsed_time(stop))
    return statistics.median(times)


def torch_benchmarks(deepc_rows, args, notes):
    """PyTorch timings and deepc/torch ratios for the MoE layer rows."""
    layer_rows = [r for r in deepc_rows
                  if r.get("name") in ("moe_layer_prefill", "moe_layer_decode")
                  and r.get("ms")]
    if not layer_rows:
        notes.append("no deepc MoE layer timings to compare with PyTorch")
        say("bench skipped torch: no deepc moe_layer timings to compare")
        return [], []
    try:
        import torch
        import torch.nn.functional as F
    except Exception as e:  # ImportError, or a broken install
        notes.append(f"PyTorch not importable: {e}")
        say(f"bench skipped torch: PyTorch not importable ({e})")
        return [], []
    if not torch.cuda.is_available():
        notes.append("PyTorch sees no CUDA device")
        say("bench skipped torch: PyTorch sees no CUDA device")
        return [], []

    dev = torch.device("cuda")
    # The shape from deepc's prefill rows (decode rows carry no sizes).
    shape = next((r for r in layer_rows if r["name"] == "moe_layer_prefill"), {})
    hidden = int(shape.get("hidden", 4096))
    inter = int(shape.get("inter", 14336))
    experts = int(shape.get("experts", 8))
    top_k = int(shape.get("top_k", 2))
    bf16 = torch.bfloat16
    torch.manual_seed(0)
    a_in, a_out = hidden ** -0.5, inter ** -0.5
    wg = torch.empty(experts, inter, hidden, device=dev, dtype=bf16).uniform_(-a_in, a_in)
    wu = torch.empty(experts, inter, hidden, device=dev, dtype=bf16).uniform_(-a_in, a_in)
    wd = torch.empty(experts, hidden, inter, device=dev, dtype=bf16).uniform_(-a_out, a_out)
    max_tokens = max(int(r["tokens"]) for r in layer_rows)
    x_all = torch.empty(max_tokens, hidden, device=dev, dtype=bf16).uniform_(-1, 1)
    logits_all = balanced_logits(torch, max_tokens, experts, top_k, dev)
    l2 = torch.cuda.get_device_properties(dev).L2_cache_size
    flush = torch.empty(max(2 * l2, 64 << 20), dtype=torch.uint8, device=dev)

    impls = {"loop": lambda x, l: torch_moe_loop(torch, F, x, l, wg, wu, wd, top_k)}
    if hasattr(torch, "_grouped_mm"):
        try:
            wgu_t = torch.cat([wg, wu], dim=1).transpose(1, 2)  # [E, H, 2I]
            wd_t = wd.transpose(1, 2)                           # [E, I, H]
            grouped = lambda x, l: torch_moe_grouped(torch, F, x, l, wgu_t, wd_t, inter, top_k)
            x, l = x_all[:64], logits_all[:64]
            ref = impls["loop"](x, l).float()
            got = grouped(x, l).float()
            err = ((got - ref).norm() / ref.norm()).item()
            if err <= 2e-2:
                impls["grouped_mm"] = grouped
            else:
                notes.append(f"torch._grouped_mm disagrees with the loop: rel err {err:.3g}")
                say(f"bench skipped torch grouped_mm: disagrees with the loop (rel err {err:.3g})")
        except Exception as e:
            notes.append(f"torch._grouped_mm unusable: {e}")
            say(f"bench skipped torch grouped_mm: {str(e).splitlines()[0] if str(e) else type(e).__name__}")

    torch_rows, ratios = [], []
    for r in layer_rows:
        tokens = int(r["tokens"])
        x, l = x_all[:tokens], logits_all[:tokens]
        for impl, fn in impls.items():
            try:
                ms = torch_time(torch, lambda: fn(x, l), args.warmup, args.iters, flush)
            except Exception as e:
                notes.append(f"torch {impl} failed at {tokens} tokens: {e}")
                say(f"bench skipped torch {r['name']} tokens={tokens} impl={impl}: {type(e).__name__}")
                continue
            torch_rows.append({"name": r["name"], "impl": impl, "tokens": tokens, "ms": ms})
            ratio = ms / r["ms"]
            ratios.append({"name": r["name"], "tokens": tokens, "torch_impl": impl,
                           "deepc_ms": r["ms"], "torch_ms": ms, "deepc/torch": ratio})
            say(f"ratio {r['name']} tokens={tokens} deepc/torch={ratio:.3f} "
                f"deepc_ms={r['ms']:.4f} torch_ms={ms:.4f} torch_impl={impl} "
                f"(speed ratio: above 1, deepc is faster)")
    return torch_rows, ratios


def run_deepc(binary, args, tmp, result):
    """deepc-gpu-bench --check, then its timings, into `result`. Returns
    whether the kernel checks failed (or could not run)."""
    notes = result["notes"]
    common = ["--warmup", str(args.warmup), "--iters", str(args.iters)]
    if args.only:
        common += ["--only", args.only]
    check_json = os.path.join(tmp, "check.json")
    rc, _ = run_binary([binary, "--check", "--json", check_json] + common, 300)
    checks = [r for r in read_json(check_json) if r.get("kind") == "check"]
    result["checks"] = checks
    bad = [c["name"] for c in checks if c.get("result") != "ok"]
    failed = rc != 0 or bool(bad) or not checks
    if failed:
        why = f"failed: {', '.join(bad)}" if bad else f"exit {rc}"
        notes.append(f"kernel checks {why}")
        say(f"bench selfcheck result=FAIL ({why}; see the check lines)")
    else:
        say(f"bench selfcheck result=ok kernels={len(checks)}")
    if not checks and rc == 3:
        # deepc-gpu-bench's exit code for a CUDA error (no device, say):
        # the timing run would fail the same way.
        notes.append(f"{BINARY} could not use the GPU")
        say(f"bench skipped deepc: {BINARY} could not use the GPU (see the log)")
        return failed

    bench_json = os.path.join(tmp, "bench.json")
    cmd = [binary, "--json", bench_json] + common
    if args.quick:
        cmd.append("--quick")
    rc, _ = run_binary(cmd, args.timeout)
    rows = read_json(bench_json)
    result["device"] = next((r for r in rows if r.get("kind") == "peak"), None)
    result["deepc"] = [r for r in rows if r.get("kind") == "bench"]
    if rc != 0:
        notes.append(f"{BINARY} exited {rc}: results incomplete")
        say(f"bench incomplete: {BINARY} exited {rc} (see the log)")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bundle", help="a scripts/gpu-check.sh --prepare bundle")
    ap.add_argument("--out", default=os.environ.get("OUT", "."),
                    help="where gpu-bench.json goes (default $OUT or .)")
    ap.add_argument("--bin", help="the deepc-gpu-bench to run")
    ap.add_argument("--quick", action="store_true", help="fewer sizes")
    ap.add_argument("--only", help="comma-separated benchmark names (substrings)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    ap.add_argument("--timeout", type=int, default=420,
                    help="seconds for the deepc-gpu-bench timing run")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    result = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "command": " ".join(sys.argv), "device": None, "checks": [],
              "deepc": [], "torch": [], "ratios": [], "notes": []}
    notes = result["notes"]
    failed_checks = False

    binary = find_binary(args)
    if binary:
        with tempfile.TemporaryDirectory() as tmp:
            failed_checks = run_deepc(binary, args, tmp, result)
    else:
        notes.append(f"no {BINARY} (bundle bin/, build/bin or PATH)")
        say(f"bench skipped deepc: no {BINARY} found (build it with the CUDA "
            f"backend on and re-run scripts/gpu-check.sh --prepare)")

    if not args.no_torch:
        try:
            result["torch"], result["ratios"] = torch_benchmarks(result["deepc"], args, notes)
        except Exception as e:  # fail soft: the deepc figures stand anyway
            notes.append(f"PyTorch comparison failed: {e}")
            say(f"bench skipped torch: {type(e).__name__}: {e}")

    path = os.path.join(args.out, "gpu-bench.json")
    with open(path, "w") as f:
        json.dump(result, f, indent=1)
    say(f"bench results written to {path}")
    return 1 if failed_checks else 0


if __name__ == "__main__":
    sys.exit(main())
