"""Checks deepc-embed-example's output against onnxruntime.

Usage: check_embed.py MODEL.onnx DIM=N... < embed-output

Feeds onnxruntime the inputs examples/embed/embed.c makes (integer inputs
zeros, float inputs (i % 17 - 8) / 16, symbolic dims from the arguments, 1
otherwise) and compares every `NAME: dtype[dims] sum=S abs_sum=A` line with
the same sums of onnxruntime's outputs (relative tolerance 1e-4).
"""
import re
import sys

import numpy as np
import onnx
import onnxruntime as ort

model_path, dim_args = sys.argv[1], dict(a.split("=") for a in sys.argv[2:])
model = onnx.load(model_path)
feeds = {}
for inp in model.graph.input:
    t = inp.type.tensor_type
    shape = [d.dim_value if d.HasField("dim_value") else int(dim_args.get(d.dim_param, 1))
             for d in t.shape.dim]
    dtype = onnx.helper.tensor_dtype_to_np_dtype(t.elem_type)
    n = int(np.prod(shape))
    if np.issubdtype(dtype, np.floating):
        value = ((np.arange(n) % 17 - 8) / 16.0).astype(dtype)
    else:
        value = np.zeros(n, dtype)
    feeds[inp.name] = value.reshape(shape)
session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
names = [o.name for o in session.get_outputs()]
expected = dict(zip(names, session.run(None, feeds)))

seen = 0
for line in sys.stdin:
    m = re.match(r"(\S+): \w+\[([\d, ]*)\] sum=(\S+) abs_sum=(\S+)", line.strip())
    if not m:
        continue
    name, dims, s, a = m.group(1), m.group(2), float(m.group(3)), float(m.group(4))
    ref = expected[name].astype(np.float64)
    shape = [int(d) for d in dims.split(",") if d.strip()]
    assert list(ref.shape) == shape, f"{name}: shape {shape} != onnxruntime's {list(ref.shape)}"
    scale = max(1.0, float(np.abs(ref).sum()))
    for what, got, want in (("sum", s, ref.sum()), ("abs_sum", a, np.abs(ref).sum())):
        assert abs(got - want) <= 1e-4 * scale, f"{name}: {what} {got} != onnxruntime's {want}"
    seen += 1
assert seen == len(names), f"checked {seen} of {len(names)} outputs"
print(f"embed example matches onnxruntime on {seen} output(s)")
