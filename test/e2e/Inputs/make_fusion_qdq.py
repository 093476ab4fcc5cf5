"""Writes a small ONNX model whose norms and rotary feed QuantizeLinear /
DequantizeLinear pairs (the QDQ form quantization tools export), with one
data set whose reference output comes from onnxruntime.

Usage: make_fusion_qdq.py OUT_DIR

deepc fuses each quantize/dequantize pair into a region and runs it as
the epilogue of the norm or rotary before it (test/e2e/fusion-qdq.mlir):
  y_ln:   LayerNormalization -> Q/DQ per tensor (int8, zero point) -> MatMul
  y_rms:  RMSNormalization -> Q/DQ per channel of the last axis
  y_rope: rotary (the Hugging Face rotate_half form, constant tables)
          -> Q/DQ per tensor without a zero point
  y_qk:   per-head RMSNormalization (a q/k norm) -> the same rotary -> Q/DQ:
          three steps, one chain
Writes OUT_DIR/model.onnx and OUT_DIR/test_data_set_0/{input,output}_*.pb.
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

B, S, H, HEADS = 2, 24, 64, 4
D = H // HEADS


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def build(rng):
    inits = []
    nodes = []

    def init(name, array):
        inits.append(const(name, array))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    # LayerNorm -> QDQ per tensor -> MatMul.
    ln = node("LayerNormalization",
              ["x", init("ln_w", rng.uniform(0.5, 1.5, H).astype(np.float32)),
               init("ln_b", rng.uniform(-0.2, 0.2, H).astype(np.float32))],
              "ln", axis=-1, epsilon=1e-5)
    q = node("QuantizeLinear", [ln, init("ln_s", np.float32(0.03)),
                                init("ln_z", np.int8(-5))], "ln_q")
    dq = node("DequantizeLinear", [q, "ln_s", "ln_z"], "ln_dq")
    node("MatMul", [dq, init("w", rng.uniform(-0.2, 0.2, (H, 32))
                             .astype(np.float32))], "y_ln")

    # RMSNorm -> QDQ per channel of the last axis.
    rms = node("RMSNormalization",
               ["x", init("rms_w", rng.uniform(0.5, 1.5, H).astype(np.float32))],
               "rms", axis=-1, epsilon=1e-6)
    scales = np.linspace(0.01, 0.05, H).astype(np.float32)
    zeros = (np.arange(H) % 9 - 4).astype(np.int8)
    q = node("QuantizeLinear", [rms, init("rms_s", scales),
                                init("rms_z", zeros)], "rms_q", axis=-1)
    node("DequantizeLinear", [q, "rms_s", "rms_z"], "y_rms", axis=-1)

    # Rotary on [B, HEADS, S, D]: x * cos + rotate_half(x) * sin.
    r = node("Reshape", ["x", init("heads_shape",
                                   np.array([B, S, HEADS, D], np.int64))], "r")
    t = node("Transpose", [r], "t", perm=[0, 2, 1, 3])
    freqs = np.outer(np.arange(S), 10000.0 ** (-np.arange(0, D, 2) / D))
    angles = np.concatenate([freqs, freqs], axis=-1).astype(np.float32)
    init("cos", np.cos(angles))
    init("sin", np.sin(angles))
    init("zero", np.array([0], np.int64))
    init("half", np.array([D // 2], np.int64))
    init("last", np.array([-1], np.int64))
    init("end", np.array([D], np.int64))

    def rotary(x, prefix):
        x1 = node("Slice", [x, "zero", "half", "last"], prefix + "x1")
        x2 = node("Slice", [x, "half", "end", "last"], prefix + "x2")
        neg = node("Neg", [x2], prefix + "neg_x2")
        rot = node("Concat", [neg, x1], prefix + "rotate_half", axis=-1)
        a = node("Mul", [x, "cos"], prefix + "x_cos")
        b = node("Mul", [rot, "sin"], prefix + "rot_sin")
        return node("Add", [a, b], prefix + "rope")

    q = node("QuantizeLinear", [rotary(t, ""),
                                init("rope_s", np.float32(0.02))], "rope_q")
    node("DequantizeLinear", [q, "rope_s"], "y_rope")

    qk = node("RMSNormalization",
              [t, init("qk_w", rng.uniform(0.5, 1.5, D).astype(np.float32))],
              "qk_norm", axis=-1, epsilon=1e-6)
    q = node("QuantizeLinear", [rotary(qk, "qk_"),
                                init("qk_s", np.float32(0.04)),
                                init("qk_z", np.int8(2))], "qk_q")
    node("DequantizeLinear", [q, "qk_s", "qk_z"], "y_qk")

    outputs = [
        helper.make_tensor_value_info("y_ln", TensorProto.FLOAT, [B, S, 32]),
        helper.make_tensor_value_info("y_rms", TensorProto.FLOAT, [B, S, H]),
        helper.make_tensor_value_info("y_rope", TensorProto.FLOAT,
                                      [B, HEADS, S, D]),
        helper.make_tensor_value_info("y_qk", TensorProto.FLOAT,
                                      [B, HEADS, S, D]),
    ]
    graph = helper.make_graph(
        nodes, "fusion_qdq",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [B, S, H])],
        outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 23)],
                              producer_name="deepc-test")
    model.ir_version = 10
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(3)
    model = build(rng)
    data = os.path.join(out, "test_data_set_0")
    os.makedirs(data, exist_ok=True)
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = rng.standard_normal((B, S, H)).astype(np.float32)
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    results = session.run(None, {"x": x})
    with open(os.path.join(data, "input_0.pb"), "wb") as f:
        f.write(numpy_helper.from_array(x, "x").SerializeToString())
    for i, (info, value) in enumerate(zip(session.get_outputs(), results)):
        with open(os.path.join(data, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(value, info.name)
                    .SerializeToString())


if __name__ == "__main__":
    main()
