#!/usr/bin/env python3
"""Writes an ONNX MoE transformer of any size, for benchmarks.

The model is a Mixtral-like decoder: token embedding, then per layer an
RMSNorm, causal multi-head attention with rotary embeddings, an RMSNorm and
a mixture of experts in the "batched gather" form transformers' batched_mm
experts export (the form deepc-raise-moe recognizes: the tokens repeated
top-k times, the stacked expert weights gathered by the flattened top-k
indices, batched matmuls, SiLU gating, the routing weights and a sum over
top-k); a final RMSNorm and the LM head. Input `input_ids` [batch, seq]
int64, output `logits` [batch, seq, vocab] float32.

Every weight is external data in `<model>.weights`, which is written only
with --write-weights: without it the .onnx stays small (kilobytes) however
large the model, for `deepc --dummy-weights`, e.g. the GPU benchmark size:

    bench/make_moe_model.py /tmp/moe.onnx --hidden 4096 --experts 8 \\
        --top-k 2 --intermediate 14336 --layers 2 --vocab 32000
    deepc /tmp/moe.onnx --dummy-weights -o /tmp/moe.deepc

--write-weights writes random weights (seeded) and --reference DIR, with
them, an ONNX test data set (input_0.pb, output_0.pb) computed by
onnxruntime, for `deepc-run --check`. Only onnx and numpy are needed
(onnxruntime for --reference).
"""

import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 18


class Builder:
    """Collects nodes, inline constants and external weights."""

    def __init__(self, weights_file):
        self.nodes = []
        self.initializers = []
        self.weights_file = weights_file
        self.weights = []  # (name, shape) in file order
        self.offset = 0
        self.counter = 0

    def name(self, base):
        self.counter += 1
        return f"{base}_{self.counter}"

    def op(self, op_type, inputs, outs=1, **attrs):
        outputs = [self.name(op_type.lower()) for _ in range(outs)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs,
                                           name=self.name("node_" + op_type),
                                           **attrs))
        return outputs[0] if outs == 1 else outputs

    def const(self, value, dtype=np.int64):
        """A small inline initializer (shapes, axes, scalars)."""
        name = self.name("const")
        self.initializers.append(
            numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def weight(self, name, shape):
        """A float32 weight stored as external data, 64-byte aligned."""
        tensor = TensorProto()
        tensor.name = name
        tensor.data_type = TensorProto.FLOAT
        tensor.dims.extend(shape)
        size = int(np.prod(shape)) * 4
        self.offset = (self.offset + 63) // 64 * 64
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", self.weights_file),
                           ("offset", str(self.offset)),
                           ("length", str(size))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        self.initializers.append(tensor)
        self.weights.append((name, shape, self.offset))
        self.offset += size
        return name


def rms_norm(b, x, weight, eps):
    pow2 = b.op("Pow", [x, b.const(2.0, np.float32)])
    mean = b.op("ReduceMean", [pow2, b.const([-1])], keepdims=1)
    rsqrt = b.op("Reciprocal",
                 [b.op("Sqrt", [b.op("Add", [mean, b.const(eps, np.float32)])])])
    return b.op("Mul", [weight, b.op("Mul", [x, rsqrt])])


def rotate(b, x, cos, sin, half):
    """x * cos + rotate_half(x) * sin on [B, heads, S, D]."""
    axis = b.const([3])
    first = b.op("Slice", [x, b.const([0]), b.const([half]), axis])
    second = b.op("Slice", [x, b.const([half]), b.const([2**63 - 1]), axis])
    rotated = b.op("Concat", [b.op("Neg", [second]), first], axis=-1)
    return b.op("Add", [b.op("Mul", [x, cos]), b.op("Mul", [rotated, sin])])


def attention(b, x, layer, a, cos, sin, mask):
    h, heads = a.hidden, a.heads
    d = h // heads
    split = b.const([0, 0, heads, d])

    def project(name):
        w = b.weight(f"layers.{layer}.attn.{name}.weight", [h, h])
        y = b.op("Reshape", [b.op("MatMul", [x, w]), split])
        return b.op("Transpose", [y], perm=[0, 2, 1, 3])

    q = rotate(b, project("q"), cos, sin, d // 2)
    k = rotate(b, project("k"), cos, sin, d // 2)
    v = project("v")
    scores = b.op("MatMul", [q, b.op("Transpose", [k], perm=[0, 1, 3, 2])])
    scores = b.op("Mul", [scores, b.const(1.0 / np.sqrt(d), np.float32)])
    probs = b.op("Softmax", [b.op("Add", [scores, mask])], axis=-1)
    out = b.op("Transpose", [b.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
    out = b.op("Reshape", [out, b.const([0, 0, h])])
    wo = b.weight(f"layers.{layer}.attn.o.weight", [h, h])
    return b.op("MatMul", [out, wo])


def moe(b, x, layer, a, out_shape):
    """transformers' batched_mm experts: every (token, choice) row runs its
    expert's gathered weights as a batched matmul."""
    h, e, k, inter = a.hidden, a.experts, a.top_k, a.intermediate
    flat = b.op("Reshape", [x, b.const([-1, h])])
    router = b.weight(f"layers.{layer}.moe.router.weight", [e, h])
    logits = b.op("Gemm", [flat, router], transB=1)
    probs = b.op("Softmax", [logits], axis=-1)
    top, idx = b.op("TopK", [probs, b.const([k])], outs=2, axis=-1)
    top = b.op("Div", [top, b.op("ReduceSum", [top, b.const([-1])],
                                 keepdims=1)])
    rows = b.op("Expand", [b.op("Unsqueeze", [flat, b.const([1])]),
                           b.const([1, k, 1])])
    rows = b.op("Reshape", [rows, b.const([-1, h])])
    flat_idx = b.op("Unsqueeze", [b.op("Reshape", [idx, b.const([-1])]),
                                  b.const([-1])])
    last = b.const([-1])

    def batched_linear(weight, inputs):
        gathered = b.op("GatherND", [weight, flat_idx])
        product = b.op("MatMul", [gathered, b.op("Unsqueeze", [inputs, last])])
        return b.op("Squeeze", [product, last])

    gate_up = b.weight(f"layers.{layer}.moe.gate_up.weight", [e, 2 * inter, h])
    gate, up = b.op("Split", [batched_linear(gate_up, rows)], outs=2,
                    num_outputs=2, axis=1)
    act = b.op("Mul", [b.op("Mul", [gate, b.op("Sigmoid", [gate])]), up])
    down = b.weight(f"layers.{layer}.moe.down.weight", [e, h, inter])
    out = batched_linear(down, act)
    scale = b.op("Unsqueeze", [b.op("Reshape", [top, b.const([-1])]), last])
    out = b.op("Mul", [out, scale])
    out = b.op("Reshape", [out, b.const([-1, k, h])])
    out = b.op("ReduceSum", [out, b.const([1])], keepdims=0)
    return b.op("Reshape", [out, out_shape])


def build(a, weights_file):
    b = Builder(weights_file)
    h, d = a.hidden, a.hidden // a.heads
    ids = "input_ids"
    batch = b.op("Shape", [ids], start=0, end=1)
    seq = b.op("Shape", [ids], start=1, end=2)
    out_shape = b.op("Concat", [batch, seq, b.const([h])], axis=0)

    # Rotary tables [1, 1, S, D] and the causal mask [S, S].
    positions = b.op("Range", [b.const(0), b.op("Squeeze", [seq]), b.const(1)])
    inv_freq = b.const(
        1.0 / (a.rope_theta ** (np.arange(0, d, 2, dtype=np.float32) / d)),
        np.float32)
    freqs = b.op("Mul", [b.op("Cast", [b.op("Unsqueeze", [positions,
                                                          b.const([1])])],
                              to=TensorProto.FLOAT), inv_freq])
    angles = b.op("Concat", [freqs, freqs], axis=-1)
    cos = b.op("Unsqueeze", [b.op("Cos", [angles]), b.const([0, 1])])
    sin = b.op("Unsqueeze", [b.op("Sin", [angles]), b.const([0, 1])])
    allowed = b.op("LessOrEqual",
                   [b.op("Unsqueeze", [positions, b.const([0])]),
                    b.op("Unsqueeze", [positions, b.const([1])])])
    mask = b.op("Where", [allowed, b.const(0.0, np.float32),
                          b.const(np.finfo(np.float32).min, np.float32)])

    x = b.op("Gather", [b.weight("embed.weight", [a.vocab, h]), ids], axis=0)
    for layer in range(a.layers):
        norm = b.weight(f"layers.{layer}.attn_norm.weight", [h])
        x = b.op("Add", [x, attention(b, rms_norm(b, x, norm, a.eps), layer,
                                      a, cos, sin, mask)])
        norm = b.weight(f"layers.{layer}.moe_norm.weight", [h])
        x = b.op("Add", [x, moe(b, rms_norm(b, x, norm, a.eps), layer, a,
                                out_shape)])
    x = rms_norm(b, x, b.weight("norm.weight", [h]), a.eps)
    logits = b.op("MatMul", [x, b.weight("lm_head.weight", [h, a.vocab])])
    b.nodes[-1].output[0] = "logits"

    graph = helper.make_graph(
        b.nodes, "moe_transformer",
        [helper.make_tensor_value_info(ids, TensorProto.INT64,
                                       ["batch", "seq"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT,
                                       ["batch", "seq", a.vocab])],
        b.initializers)
    model = helper.make_model(graph, producer_name="deepc make_moe_model.py",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model, b


def write_weights(path, builder, seed):
    """Random weights in the external-data file, like a fresh model's:
    uniform in +-1/sqrt(fan_in), norm scales in [0.9, 1.1] (not all ones,
    which the compiler would fold away)."""
    rng = np.random.default_rng(seed)
    with open(path, "wb") as f:
        for name, shape, offset in builder.weights:
            if len(shape) == 1:
                w = rng.uniform(0.9, 1.1, shape).astype(np.float32)
            else:
                fan_in = shape[-1] if "moe." in name else shape[-2]
                bound = 1.0 / np.sqrt(fan_in)
                w = rng.uniform(-bound, bound, shape).astype(np.float32)
            f.seek(offset)
            f.write(w.tobytes())


def write_reference(model_path, out_dir, a, seed):
    import onnxruntime as ort

    rng = np.random.default_rng(seed + 1)
    ids = rng.integers(0, a.vocab, (a.ref_batch, a.ref_seq), dtype=np.int64)
    session = ort.InferenceSession(model_path,
                                   providers=["CPUExecutionProvider"])
    (logits,) = session.run(None, {"input_ids": ids})
    os.makedirs(out_dir, exist_ok=True)
    for name, array in (("input_0.pb", ("input_ids", ids)),
                        ("output_0.pb", ("logits", logits))):
        tensor = numpy_helper.from_array(array[1], array[0])
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(tensor.SerializeToString())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("output", help="the .onnx file to write")
    p.add_argument("--hidden", type=int, default=4096)
    p.add_argument("--heads", type=int, default=32)
    p.add_argument("--experts", type=int, default=8)
    p.add_argument("--top-k", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=14336)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--eps", type=float, default=1e-5)
    p.add_argument("--rope-theta", type=float, default=1e6)
    p.add_argument("--write-weights", action="store_true",
                   help="also write the external-data file, random weights")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--reference", metavar="DIR",
                   help="with --write-weights: write an ONNX test data set "
                        "(input_0.pb, output_0.pb) computed by onnxruntime")
    p.add_argument("--ref-batch", type=int, default=1)
    p.add_argument("--ref-seq", type=int, default=5)
    a = p.parse_args()
    if a.hidden % a.heads or (a.hidden // a.heads) % 2:
        p.error("--hidden must be --heads times an even head size")
    if not 1 <= a.top_k <= a.experts:
        p.error("--top-k must be from 1 to --experts")
    if a.reference and not a.write_weights:
        p.error("--reference needs --write-weights")

    weights_file = os.path.basename(a.output) + ".weights"
    model, builder = build(a, weights_file)
    onnx.save(model, a.output)
    total = builder.offset
    print(f"wrote {a.output}: {len(builder.weights)} weights, "
          f"{total / 2**30:.2f} GiB of float32 in {weights_file}"
          + ("" if a.write_weights else " (not written)"))
    if a.write_weights:
        path = os.path.join(os.path.dirname(os.path.abspath(a.output)),
                            weights_file)
        write_weights(path, builder, a.seed)
        # The checker wants the external-data file to exist.
        onnx.checker.check_model(a.output, full_check=True)
        if a.reference:
            write_reference(a.output, a.reference, a, a.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
