#!/usr/bin/env python3
"""Runs a compiled deepc artifact through the runtime's C API, from Python.

The GPU machine has CUDA, Python, numpy and onnx but no LLVM, so deepc-run
(which links LLVM) cannot travel there; this script does deepc-run's job
for the checks of scripts/gpu-check.sh with ctypes over
libdeepc_runtime.so (runtime/include/deepc_runtime.h):

  gpu_run.py ARTIFACT [--lib PATH/libdeepc_runtime.so] --inputs DIR
             [--check [--tolerance T]] [--device cuda|cpu] [--bench N]

DIR is an ONNX test-data folder: input_<i>.pb and output_<i>.pb, each a
TensorProto named after the graph input or output it belongs to (bound by
name when the name is one of the model's, else by position, as deepc-run
does). --check compares every output with its output_<i>.pb by deepc-run's
rule: floats pass when max |actual - expected| <= T * max(1, max|expected|)
with NaNs in the same places; integers must be equal. --bench N times N
runs after a warm-up and prints the median; deepc_session_run returns once
the device is done, so the host clock measures the whole run.

Exit status: 0 when everything ran (and the check passed), 1 on a failed
check or any error, 2 on bad arguments.
"""

import argparse
import ctypes
import os
import re
import statistics
import sys
import time

import ml_dtypes
import numpy as np
from onnx import TensorProto, numpy_helper

PROG = "gpu_run.py"
MAX_RANK = 8  # DEEPC_MAX_RANK
HERE = os.path.dirname(os.path.abspath(__file__))

# deepc_status_code, for messages.
STATUS_NAMES = {
    1: "INVALID_ARGUMENT", 2: "NOT_FOUND", 3: "CORRUPT_ARTIFACT",
    4: "OUT_OF_RANGE", 5: "UNSUPPORTED", 6: "RESOURCE_EXHAUSTED",
    7: "FAILED_PRECONDITION", 8: "INTERNAL"}
NOT_FOUND = 2

# deepc_dtype -> numpy dtype of its in-memory layout. bool and i4 take one
# byte per element (i4 sign-extended), so int8 holds i4.
DTYPES = {
    1: np.dtype(np.float32), 2: np.dtype(np.float16),
    3: np.dtype(ml_dtypes.bfloat16), 4: np.dtype(ml_dtypes.float8_e4m3fn),
    5: np.dtype(np.bool_), 6: np.dtype(np.int8), 7: np.dtype(np.int8),
    8: np.dtype(np.int32), 9: np.dtype(np.int64)}
FLOAT_DTYPES = {1, 2, 3, 4}

# ONNX TensorProto.DataType -> deepc_dtype, for the types deepc reads.
FROM_ONNX = {
    TensorProto.FLOAT: 1, TensorProto.FLOAT16: 2, TensorProto.BFLOAT16: 3,
    TensorProto.FLOAT8E4M3FN: 4, TensorProto.BOOL: 5, TensorProto.INT4: 6,
    TensorProto.INT8: 7, TensorProto.INT32: 8, TensorProto.INT64: 9}

DEVICES = {"default": 0, "cpu": 1, "cuda": 2}  # deepc_device


class Failure(Exception):
    """An error to report as `gpu_run.py: error: <message>`, exit 1."""


class TensorInfo(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_RANK),
                ("dim_names", ctypes.c_char_p * MAX_RANK),
                ("dim_bounds", ctypes.c_int64 * MAX_RANK)]


class TensorView(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("dtype", ctypes.c_int),
                ("rank", ctypes.c_int32), ("dims", ctypes.c_int64 * MAX_RANK)]


#===------------------------------------------------------------------------===#
# The C API
#===------------------------------------------------------------------------===#


def default_library():
    """$DEEPC_RUNTIME_LIB, else the bundle's lib/ (this script in bench/),
    else the build tree's."""
    if os.environ.get("DEEPC_RUNTIME_LIB"):
        return os.environ["DEEPC_RUNTIME_LIB"]
    for candidate in (os.path.join(HERE, "..", "lib"),
                      os.path.join(HERE, "..", "build", "lib")):
        path = os.path.join(candidate, "libdeepc_runtime.so")
        if os.path.isfile(path):
            return os.path.normpath(path)
    return "libdeepc_runtime.so"


class Runtime:
    """libdeepc_runtime.so with typed entry points; calls that return a
    deepc_status raise Failure with the runtime's message."""

    def __init__(self, path):
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as e:
            raise Failure(f"cannot load the runtime '{path}': {e} (is every "
                          "library it needs on LD_LIBRARY_PATH?)") from None
        status, p, c = ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t
        self._declare("deepc_status_get_code", ctypes.c_int, [status])
        self._declare("deepc_status_message", ctypes.c_char_p, [status])
        self._declare("deepc_status_free", None, [status])
        self._declare("deepc_model_load", status,
                      [ctypes.c_char_p, ctypes.POINTER(p)])
        self._declare("deepc_model_release", None, [p])
        self._declare("deepc_model_target", ctypes.c_char_p, [p])
        self._declare("deepc_model_num_inputs", c, [p])
        self._declare("deepc_model_num_outputs", c, [p])
        for kind in ("input", "output"):
            self._declare(f"deepc_model_{kind}_info", status,
                          [p, c, ctypes.POINTER(TensorInfo)])
            self._declare(f"deepc_model_find_{kind}", status,
                          [p, ctypes.c_char_p, ctypes.POINTER(c)])
        self._declare("deepc_session_create_on", status,
                      [p, ctypes.c_int, ctypes.c_int32, ctypes.POINTER(p)])
        self._declare("deepc_session_release", None, [p])
        self._declare("deepc_session_device", ctypes.c_char_p, [p])
        self._declare("deepc_session_summary", ctypes.c_char_p, [p])
        self._declare("deepc_session_bind_input", status,
                      [p, c, ctypes.POINTER(TensorView)])
        self._declare("deepc_session_run", status, [p])
        self._declare("deepc_session_get_output", status,
                      [p, c, ctypes.POINTER(TensorView)])
        self._declare("deepc_session_get_counter", status,
                      [p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int64)])
        self._declare("deepc_runtime_version", ctypes.c_char_p, [])

    def _declare(self, name, restype, argtypes):
        try:
            function = getattr(self.lib, name)
        except AttributeError:
            raise Failure(f"the runtime has no function {name}: is it an "
                          "older libdeepc_runtime.so?") from None
        function.restype, function.argtypes = restype, argtypes
        setattr(self, name[len("deepc_"):], function)

    def take(self, status):
        """(code, message) of a status, which it frees; (0, "") for NULL."""
        if not status:
            return 0, ""
        code = self.status_get_code(status)
        message = self.status_message(status).decode(errors="replace")
        self.status_free(status)
        return code, message

    def check(self, status, context):
        code, message = self.take(status)
        if code:
            raise Failure(f"{context}: {message} "
                          f"({STATUS_NAMES.get(code, f'status {code}')})")


def text(value):
    return value.decode(errors="replace") if value else ""


def format_dims(dims):
    return "[" + ", ".join(str(d) for d in dims) + "]"


def dtype_name(code):
    names = {1: "f32", 2: "f16", 3: "bf16", 4: "f8e4m3fn", 5: "bool", 6: "i4",
             7: "i8", 8: "i32", 9: "i64"}
    return names.get(code, f"dtype {code}")


#===------------------------------------------------------------------------===#
# Tensor files
#===------------------------------------------------------------------------===#


def list_tensor_files(folder, prefix):
    """folder/<prefix><N>.pb sorted by N (input_10 after input_9)."""
    try:
        names = os.listdir(folder)
    except OSError as e:
        raise Failure(f"--inputs: cannot read '{folder}': {e.strerror}") from None
    numbered = []
    for name in names:
        match = re.fullmatch(re.escape(prefix) + r"(\d+)\.pb", name)
        if match:
            numbered.append((int(match.group(1)), os.path.join(folder, name)))
    return [path for _, path in sorted(numbered)]


def read_tensor_file(path):
    """(name, deepc dtype, array in that dtype's layout) of a TensorProto."""
    proto = TensorProto()
    try:
        with open(path, "rb") as f:
            proto.ParseFromString(f.read())
        array = numpy_helper.to_array(proto)
    except Exception as e:  # a truncated file, an unknown data type, ...
        raise Failure(f"{path}: not a readable TensorProto: {e}") from None
    dtype = FROM_ONNX.get(proto.data_type)
    if dtype is None:
        type_name = TensorProto.DataType.Name(proto.data_type) \
            if proto.data_type in TensorProto.DataType.values() \
            else f"data type {proto.data_type}"
        raise Failure(f"{path}: tensor '{proto.name}' is {type_name}, "
                      "which deepc does not read")
    return proto.name, dtype, np.ascontiguousarray(array, DTYPES[dtype])


def match_files(runtime, model, files, infos, kind):
    """Orders the tensors of `files` as the model's inputs or outputs: by
    name where it is one of theirs, else by position. Returns a list with
    (file, array) or None per model tensor."""
    find = getattr(runtime, f"model_find_{kind}")
    matched = [None] * len(infos)
    for position, path in enumerate(files):
        name, dtype, array = read_tensor_file(path)
        index = ctypes.c_size_t(position)
        code, _ = runtime.take(find(model, name.encode(), ctypes.byref(index)))
        if code:
            index.value = position
        i = index.value
        if i >= len(infos):
            raise Failure(f"{path}: tensor '{name}' names no model {kind}, and "
                          f"the model has only {len(infos)} {kind}(s) to "
                          "match it with by position")
        if matched[i] is not None:
            raise Failure(f"{path}: model {kind} '{text(infos[i].name)}' "
                          f"already comes from {matched[i][0]}")
        matched[i] = (path, dtype, array)
    return matched


#===------------------------------------------------------------------------===#
# Running
#===------------------------------------------------------------------------===#


def tensor_infos(runtime, model, kind):
    count = getattr(runtime, f"model_num_{kind}s")(model)
    infos = []
    for i in range(count):
        info = TensorInfo()
        runtime.check(getattr(runtime, f"model_{kind}_info")(
            model, i, ctypes.byref(info)), f"{kind} {i}")
        infos.append(info)
    return infos


def bind_inputs(runtime, session, infos, matched, folder):
    """Binds every input; returns the arrays, which must outlive the runs."""
    arrays = []
    for i, (info, entry) in enumerate(zip(infos, matched)):
        name = text(info.name)
        if entry is None:
            raise Failure(f"--inputs: no input_<i>.pb in '{folder}' binds "
                          f"model input '{name}'")
        path, dtype, array = entry
        if dtype != info.dtype:
            raise Failure(f"{path}: tensor is {dtype_name(dtype)}, but model "
                          f"input '{name}' is {dtype_name(info.dtype)}")
        if array.ndim != info.rank or array.ndim > MAX_RANK:
            raise Failure(f"{path}: tensor {format_dims(array.shape)} has rank "
                          f"{array.ndim}, but model input '{name}' has rank "
                          f"{info.rank}")
        view = TensorView(data=array.ctypes.data, dtype=dtype, rank=array.ndim)
        for d, extent in enumerate(array.shape):
            view.dims[d] = extent
        runtime.check(runtime.session_bind_input(session, i, ctypes.byref(view)),
                      f"binding {path} to input '{name}'")
        arrays.append(array)
    return arrays


def read_outputs(runtime, session, infos):
    """Copies every output of the last run out of session memory."""
    outputs = []
    for i, info in enumerate(infos):
        view = TensorView()
        runtime.check(runtime.session_get_output(session, i, ctypes.byref(view)),
                      f"output '{text(info.name)}'")
        dtype = DTYPES.get(view.dtype)
        if dtype is None:
            raise Failure(f"output '{text(info.name)}' has unknown dtype "
                          f"{view.dtype}")
        shape = tuple(view.dims[d] for d in range(view.rank))
        count = int(np.prod(shape, dtype=np.int64))
        if count == 0:
            outputs.append((view.dtype, np.zeros(shape, dtype)))
            continue
        buffer = (ctypes.c_char * (count * dtype.itemsize)).from_address(view.data)
        outputs.append((view.dtype,
                        np.frombuffer(buffer, dtype).reshape(shape).copy()))
    return outputs


def compare(actual, actual_dtype, expected, expected_dtype, tolerance):
    """deepc-run's rule (tools/deepc-run/Compare.cpp); returns (ok, line)."""
    if actual_dtype != expected_dtype or actual.shape != expected.shape:
        return False, (f"FAIL: expected {format_dims(expected.shape)} "
                       f"{dtype_name(expected_dtype)}, got "
                       f"{format_dims(actual.shape)} {dtype_name(actual_dtype)}")
    if actual_dtype not in FLOAT_DTYPES:
        # Exact, as integers so that large int64 values keep every bit.
        a, e = actual.astype(np.int64), expected.astype(np.int64)
        wrong = int(np.count_nonzero(a != e))
        line = f"{wrong} element(s) differ" if wrong else "equal"
        return wrong == 0, line + (": ok" if wrong == 0 else ": FAIL")
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    nan_mismatches = int(np.count_nonzero(nan_a != nan_e))
    both = ~(nan_a | nan_e)
    a, e = a[both], e[both]
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(a == e, 0.0, np.abs(a - e))  # equal infinities agree
    finite = np.isfinite(e)
    max_abs = float(err.max()) if err.size else 0.0
    nonzero = finite & (e != 0)
    max_rel = float((err[nonzero] / np.abs(e[nonzero])).max()) \
        if nonzero.any() else 0.0
    scale = max(1.0, float(np.abs(e[finite]).max()) if finite.any() else 1.0)
    ok = nan_mismatches == 0 and max_abs <= tolerance * scale
    line = f"max abs err {max_abs:g}, max rel err {max_rel:g}, scale {scale:g}"
    if nan_mismatches:
        line += f", {nan_mismatches} element(s) NaN in one but not the other"
    return ok, line + (": ok" if ok else ": FAIL")


def check_outputs(runtime, model, infos, outputs, folder, tolerance):
    """Prints a line per output; True when every checked one passed."""
    files = list_tensor_files(folder, "output_")
    if not files:
        raise Failure(f"--check: '{folder}' has no output_<i>.pb to compare "
                      "with")
    expected = match_files(runtime, model, files, infos, "output")
    checked = failed = 0
    for info, (dtype, actual), entry in zip(infos, outputs, expected):
        title = (f"output '{text(info.name)}' {format_dims(actual.shape)} "
                 f"{dtype_name(dtype)}: ")
        if entry is None:
            print(title + "not checked (no output_<i>.pb for it)")
            continue
        checked += 1
        ok, line = compare(actual, dtype, entry[2], entry[1], tolerance)
        failed += not ok
        print(title + line)
    if failed:
        print(f"check failed: {failed} of {checked} outputs out of tolerance")
    else:
        print(f"check passed: {checked} outputs within tolerance {tolerance:g}")
    return failed == 0


def print_summaries(infos, outputs):
    """min, max and mean of each output, for runs without --check."""
    for info, (dtype, array) in zip(infos, outputs):
        line = (f"output '{text(info.name)}' {format_dims(array.shape)} "
                f"{dtype_name(dtype)}")
        values = array.astype(np.float64)
        finite = values[~np.isnan(values)]
        if finite.size:
            line += (f": min {finite.min():g}, max {finite.max():g}, "
                     f"mean {finite.mean():g}")
        if finite.size < values.size:
            line += f", {values.size - finite.size} NaN(s)"
        print(line)


def print_moe_counters(runtime, session):
    """What the MoE layers with a capacity dropped, as deepc-run prints it."""
    values = {}
    for name in ("moe.routed_tokens", "moe.dropped_tokens"):
        value = ctypes.c_int64(0)
        code, message = runtime.take(runtime.session_get_counter(
            session, name.encode(), ctypes.byref(value)))
        if code == NOT_FOUND:
            return
        if code:
            raise Failure(f"counter '{name}': {message}")
        values[name] = value.value
    routed, dropped = values["moe.routed_tokens"], values["moe.dropped_tokens"]
    if routed > 0:
        print(f"moe: {dropped} of {routed} token-expert assignments dropped "
              f"by capacity ({100.0 * dropped / routed:.1f}%)")


def bench(runtime, session, runs, warmup):
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        runtime.check(runtime.session_run(session), "run")
        if i >= warmup:
            times.append((time.perf_counter() - start) * 1e3)
    print(f"bench: median {statistics.median(times):.3f} ms over {runs} runs "
          f"(min {min(times):.3f}, max {max(times):.3f}; {warmup} warm-up)")


def run(args):
    runtime = Runtime(args.lib)
    model = ctypes.c_void_p()
    runtime.check(runtime.model_load(args.artifact.encode(), ctypes.byref(model)),
                  f"loading '{args.artifact}'")
    session = ctypes.c_void_p()
    try:
        inputs = tensor_infos(runtime, model, "input")
        outputs = tensor_infos(runtime, model, "output")
        runtime.check(runtime.session_create_on(model, DEVICES[args.device],
                                                args.device_index,
                                                ctypes.byref(session)),
                      f"session on {args.device}" if args.device != "default"
                      else f"session on the artifact's target ("
                      f"{text(runtime.model_target(model))})")
        print(f"device: {text(runtime.session_summary(session))}")
        files = list_tensor_files(args.inputs, "input_")
        matched = match_files(runtime, model, files, inputs, "input")
        keep_alive = bind_inputs(runtime, session, inputs, matched, args.inputs)
        runtime.check(runtime.session_run(session), "run")
        results = read_outputs(runtime, session, outputs)
        ok = True
        if args.check:
            ok = check_outputs(runtime, model, outputs, results, args.inputs,
                               args.tolerance)
        else:
            print_summaries(outputs, results)
        print_moe_counters(runtime, session)
        if args.bench:
            bench(runtime, session, args.bench, args.warmup)
        del keep_alive
        return 0 if ok else 1
    finally:
        if session:
            runtime.session_release(session)
        runtime.model_release(model)


def main():
    parser = argparse.ArgumentParser(
        prog=PROG, description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("artifact", help="a compiled model.deepc/ folder")
    parser.add_argument("--lib", default=default_library(),
                        help="libdeepc_runtime.so to load (default: "
                        "$DEEPC_RUNTIME_LIB, ../lib or ../build/lib beside "
                        "this script)")
    parser.add_argument("--inputs", required=True, metavar="DIR",
                        help="folder with input_<i>.pb (and output_<i>.pb)")
    parser.add_argument("--check", action="store_true",
                        help="compare the outputs with DIR/output_<i>.pb")
    parser.add_argument("--tolerance", type=float, default=1e-4, metavar="T",
                        help="allowed max abs error, times max(1, "
                        "max|expected|) (default 1e-4)")
    parser.add_argument("--device", choices=sorted(DEVICES), default="default",
                        help="where to run (default: the artifact's target)")
    parser.add_argument("--device-index", type=int, default=0,
                        help="the CUDA device ordinal (default 0)")
    parser.add_argument("--bench", type=int, default=0, metavar="N",
                        help="time N runs after the warm-up; print the median")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed runs before --bench's (default 3)")
    args = parser.parse_args()
    if args.tolerance < 0 or args.bench < 0 or args.warmup < 0:
        parser.error("--tolerance, --bench and --warmup must not be negative")
    try:
        return run(args)
    except Failure as e:
        sys.stdout.flush()  # keeps a log of both streams in order
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
