"""Writes the inputs for transcendentals.mlir, or checks its outputs.

  check_transcendentals.py write DIR   x: special values and a dense sweep
  check_transcendentals.py check DIR OUT
The compiled exp, tanh, sigmoid and silu must be within 4 ulp-ish (relative
2e-6, absolute 1e-36 for the subnormal range) of numpy in float64, and give
exactly inf, 0, +-1 and NaN where they should.
"""
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper


def inputs():
    special = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1e-30, -1e-30, 1e-8, 88.7,
               89.5, -87.0, -100.0, -104.5, 200.0, -200.0, 0.0625, -0.0625]
    sweep = np.linspace(-110.0, 95.0, 20011)
    fine = np.linspace(-1.0, 1.0, 4001)
    return np.concatenate([special, sweep, fine]).astype(np.float32)


def main():
    mode, d = sys.argv[1], sys.argv[2]
    x = inputs()
    if mode == "write":
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "x").SerializeToString())
        return
    out = sys.argv[3]
    got = [numpy_helper.to_array(onnx.load_tensor(os.path.join(out, f"output_{i}.pb")))
           for i in range(4)]
    x64 = x.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        want = [np.exp(x64), np.tanh(x64), 1 / (1 + np.exp(-x64)), x64 / (1 + np.exp(-x64))]
    for name, g, w in zip(("exp", "tanh", "sigmoid", "silu"), got, want):
        w32 = w.astype(np.float32)
        assert np.array_equal(np.isnan(g), np.isnan(w32)), f"{name}: NaN positions differ"
        finite = np.isfinite(w32)
        assert np.array_equal(g[~finite & ~np.isnan(w32)], w32[~finite & ~np.isnan(w32)]), \
            f"{name}: infinities differ"
        err = np.abs(g[finite].astype(np.float64) - w[finite])
        bound = 2e-6 * np.abs(w[finite]) + 1e-36
        worst = np.argmax(err - bound)
        assert np.all(err <= bound), (
            f"{name}: x={x[finite][worst]!r} got {g[finite][worst]!r} want {w[finite][worst]!r}")
    print("transcendentals ok")


main()
