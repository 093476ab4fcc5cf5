"""Writes a tiny hand-made model.deepc artifact, and ONNX test data for it.

The artifact computes y[seq, 4] = (x[seq, 4] + w) * x with w = [1, 2, 3, 4]
and seq <= 8, as two interpreted regions, so that deepc-run's tests need
neither the compiler nor generated code:

  make_tiny_artifact.py OUT.deepc [--data DIR [--seq N] [--seed S]]

--data also writes DIR/input_0.pb (x) and DIR/output_0.pb (y, computed here
with numpy).
"""

import argparse
import json
import os

import numpy as np
from onnx import numpy_helper

WEIGHTS = np.array([1, 2, 3, 4], dtype=np.float32)


def tensor(name, dims, dim_names):
    return {"name": name, "dtype": "f32", "dims": dims, "dimNames": dim_names}


def manifest():
    return {
        "format": "deepc-artifact",
        "version": 1,
        "deepcVersion": "test",
        "target": "cpu",
        "source": "",
        "pipeline": "",
        "inputs": [tensor("x", [-1, 4], ["seq", ""])],
        "outputs": [tensor("y", [-1, 4], ["seq", ""])],
        "dimBounds": {"seq": 8},
        "planFile": "plan.json",
        "weightsFile": "weights.bin",
        "weightsBytes": 64,
        "codeLibrary": "",
    }


def region(op, inputs, output, loc):
    return {
        "op": "region",
        "inputs": inputs,
        "outputs": [output],
        "loc": loc,
        "body": [{"op": op, "args": [0, 1], "dtype": "f32"}],
    }


def plan():
    return {
        "format": "deepc-plan",
        "version": 1,
        "target": "cpu",
        "codeLibrary": "",
        "dimBounds": {"seq": 8},
        "arenaBytes": 256,
        "weightsBytes": 64,
        "values": [
            {"kind": "input", "dtype": "f32", "dims": [-1, 4]},
            {"kind": "constant", "dtype": "f32", "dims": [4],
             "weightsOffset": 0},
            {"kind": "temp", "dtype": "f32", "dims": [-1, 4], "name": "sum",
             "arenaOffset": 0, "capacity": 128},
            {"kind": "temp", "dtype": "f32", "dims": [-1, 4],
             "arenaOffset": 128, "capacity": 128},
        ],
        "steps": [region("deepc.add", [0, 1], 2, "Add_0"),
                  region("deepc.mul", [2, 0], 3, "Mul_1")],
        "inputs": [{"name": "x", "value": 0, "dimNames": ["seq", ""]}],
        "outputs": [{"name": "y", "value": 3, "dimNames": ["seq", ""]}],
    }


def write_artifact(out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest(), f, indent=2)
    with open(os.path.join(out, "plan.json"), "w") as f:
        json.dump(plan(), f, indent=2)
    # Constants are padded to the runtime's 64-byte buffer alignment.
    with open(os.path.join(out, "weights.bin"), "wb") as f:
        f.write(WEIGHTS.tobytes().ljust(64, b"\0"))


def write_data(out, seq, seed):
    os.makedirs(out, exist_ok=True)
    x = np.random.default_rng(seed).uniform(-2, 2, (seq, 4)).astype(np.float32)
    y = (x + WEIGHTS) * x
    for name, array, file in (("x", x, "input_0.pb"), ("y", y, "output_0.pb")):
        with open(os.path.join(out, file), "wb") as f:
            f.write(numpy_helper.from_array(array, name).SerializeToString())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--data")
    parser.add_argument("--seq", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_artifact(args.out)
    if args.data:
        write_data(args.data, args.seq, args.seed)


if __name__ == "__main__":
    main()
