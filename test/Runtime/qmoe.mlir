// Tests ONNX Runtime's com.microsoft QMoE end to end: small models with
// 8- and 4-bit experts, per-row and block-wise scales, with and without
// zero points, compile to one deepc.moe over the dequantized (folded)
// weights and match a reference. The reference is onnxruntime's CPU
// provider where it computes in float; for 8-bit block-wise experts it
// quantizes activations to int8 and for unfused swiglu it has no kernel,
// so those use the numpy reference of the documented semantics, which the
// script checks against onnxruntime wherever onnxruntime is exact.
//
// The model builder is the `PY:` lines of this file.
// RUN: rm -rf %t && mkdir -p %t
// RUN: sed -n 's|^// PY: \{0,1\}||p' %s > %t/make_qmoe.py

// 8-bit, per-row scales, default zero points, relu, 2-D tokens.
// RUN: %python %t/make_qmoe.py %t/a --bits 8 --act relu
// RUN: deepc %t/a/model.onnx --emit=deepc | FileCheck %s --check-prefix=PLAN
// RUN: deepc %t/a/model.onnx -o %t/a.deepc
// RUN: deepc-run %t/a.deepc --inputs %t/a/ref --check | FileCheck %s
// PLAN-COUNT-2: deepc.dequantize
// PLAN: deepc.moe
// PLAN-NOT: deepc.matmul

// 4-bit, per-row scales and zero points, silu, 3-D tokens.
// RUN: %python %t/make_qmoe.py %t/b --bits 4 --act silu --zero-points --batch 2
// RUN: deepc %t/b/model.onnx -o %t/b.deepc
// RUN: deepc-run %t/b.deepc --inputs %t/b/ref --check | FileCheck %s

// 4-bit, block-wise scales and zero points, interleaved fused swiglu with
// biases.
// RUN: %python %t/make_qmoe.py %t/c --bits 4 --act swiglu --fusion 1 --block 16 --zero-points --bias
// RUN: deepc %t/c/model.onnx -o %t/c.deepc
// RUN: deepc-run %t/c.deepc --inputs %t/c/ref --check | FileCheck %s

// 8-bit block-wise gelu (numpy reference).
// RUN: %python %t/make_qmoe.py %t/d --bits 8 --act gelu --block 16 --zero-points --numpy-ref
// RUN: deepc %t/d/model.onnx -o %t/d.deepc
// RUN: deepc-run %t/d.deepc --inputs %t/d/ref --check | FileCheck %s

// Unfused swiglu (fc1 gate, fc3 up) with per-projection widths: fc2 is
// 8-bit, fc1 and fc3 4-bit (numpy reference).
// RUN: %python %t/make_qmoe.py %t/e --bits 4 --fc2-bits 8 --act swiglu --fusion 0 --zero-points --numpy-ref
// RUN: deepc %t/e/model.onnx -o %t/e.deepc
// RUN: deepc-run %t/e.deepc --inputs %t/e/ref --check | FileCheck %s

// CHECK: check passed: 1 outputs within tolerance

// PY: import argparse, os
// PY: import numpy as np
// PY: import onnx
// PY: from onnx import TensorProto, helper, numpy_helper
// PY:
// PY: p = argparse.ArgumentParser()
// PY: p.add_argument("out")
// PY: p.add_argument("--bits", type=int, default=4)
// PY: p.add_argument("--fc2-bits", type=int)
// PY: p.add_argument("--act", default="relu")
// PY: p.add_argument("--fusion", type=int, default=0)
// PY: p.add_argument("--block", type=int, default=0)
// PY: p.add_argument("--zero-points", action="store_true")
// PY: p.add_argument("--bias", action="store_true")
// PY: p.add_argument("--batch", type=int, default=0)
// PY: p.add_argument("--numpy-ref", action="store_true")
// PY: a = p.parse_args()
// PY: rng = np.random.default_rng(7)
// PY: E, H, I, K, T = 4, 32, 64, 2, 6
// PY: gated = a.act == "swiglu"
// PY: fused = gated and a.fusion != 0
// PY:
// PY: def pack(q, bits):
// PY:     """uint8 values along the last axis, packed LSB first."""
// PY:     if bits == 8:
// PY:         return q.astype(np.uint8)
// PY:     if q.shape[-1] % 2:
// PY:         q = np.concatenate([q, np.zeros(q.shape[:-1] + (1,), q.dtype)], -1)
// PY:     return (q[..., 0::2] | (q[..., 1::2] << 4)).astype(np.uint8)
// PY:
// PY: def projection(name, n, k, bits):
// PY:     """Quantized [E, n, k] weight: initializers and the float weight."""
// PY:     q = rng.integers(0, 1 << bits, size=(E, n, k)).astype(np.uint8)
// PY:     groups = k // a.block if a.block else 1
// PY:     s = (rng.random((E, n, groups)) * 0.02 + 0.01).astype(np.float32)
// PY:     z = (rng.integers(0, 1 << bits, size=s.shape) if a.zero_points
// PY:          else np.full(s.shape, 1 << (bits - 1))).astype(np.uint8)
// PY:     w = (q.astype(np.float32) - np.repeat(z, k // groups, 2)) * np.repeat(s, k // groups, 2)
// PY:     inits = {name + "_w": pack(q, bits), name + "_s": s if a.block else s[..., 0]}
// PY:     if a.zero_points:
// PY:         inits[name + "_z"] = pack(z, bits) if a.block else pack(z[..., 0], bits)
// PY:     return inits, w
// PY:
// PY: bits1, bits2 = a.bits, a.fc2_bits or a.bits
// PY: init1, w1 = projection("fc1", (2 if fused else 1) * I, H, bits1)
// PY: init2, w2 = projection("fc2", H, I, bits2)
// PY: init3, w3 = projection("fc3", I, H, bits1) if gated and not fused else ({}, None)
// PY: b1 = (rng.standard_normal((E, w1.shape[1])) * 0.1).astype(np.float32)
// PY: b2 = (rng.standard_normal((E, H)) * 0.1).astype(np.float32)
// PY: router = rng.standard_normal((H, E)).astype(np.float32)
// PY: inits = {**init1, **init2, **init3, "router": router}
// PY: if a.bias:
// PY:     inits.update(fc1_b=b1, fc2_b=b2)
// PY: names = ["x2", "logits"]
// PY: for fc, bias in (("fc1", "fc1_b"), ("fc2", "fc2_b"), ("fc3", "")):
// PY:     names += [fc + "_w" if fc + "_w" in inits else "", fc + "_s" if fc + "_s" in inits else "",
// PY:               bias if bias in inits else ""]
// PY: names += [fc + "_z" if fc + "_z" in inits else "" for fc in ("fc1", "fc2", "fc3")]
// PY: while names[-1] == "":
// PY:     names.pop()
// PY: attrs = dict(k=K, activation_type=a.act, expert_weight_bits=a.bits,
// PY:              normalize_routing_weights=1)
// PY: if a.fc2_bits:
// PY:     attrs["fc2_expert_weight_bits"] = a.fc2_bits
// PY: if gated:
// PY:     attrs["swiglu_fusion"] = a.fusion
// PY: if a.block:
// PY:     attrs["block_size"] = a.block
// PY: shape = [a.batch, T, H] if a.batch else [T, H]
// PY: nodes = [
// PY:     helper.make_node("Reshape", ["x", "flat"], ["x2"]),
// PY:     helper.make_node("MatMul", ["x2", "router"], ["logits"]),
// PY:     helper.make_node("QMoE", names, ["y2"], domain="com.microsoft", **attrs),
// PY:     helper.make_node("Reshape", ["y2", "shape"], ["y"]),
// PY: ]
// PY: inits.update(flat=np.array([-1, H], np.int64), shape=np.array(shape, np.int64))
// PY: graph = helper.make_graph(
// PY:     nodes, "qmoe", [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
// PY:     [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
// PY:     [numpy_helper.from_array(v, n) for n, v in inits.items()])
// PY: model = helper.make_model(graph, opset_imports=[
// PY:     helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)])
// PY: os.makedirs(a.out + "/ref", exist_ok=True)
// PY: onnx.save(model, a.out + "/model.onnx")
// PY:
// PY: x = rng.standard_normal(shape).astype(np.float32)
// PY: # numpy: softmax over all experts, top-k, renormalized, mixed.
// PY: xf = x.reshape(-1, H).astype(np.float64)
// PY: logits = xf @ router
// PY: probs = np.exp(logits - logits.max(1, keepdims=True))
// PY: probs /= probs.sum(1, keepdims=True)
// PY: ref = np.zeros_like(xf)
// PY: for t in range(len(xf)):
// PY:     top = np.argsort(-probs[t], kind="stable")[:K]
// PY:     for e, weight in zip(top, probs[t, top] / probs[t, top].sum()):
// PY:         h = w1[e] @ xf[t] + (b1[e] if a.bias else 0)
// PY:         if a.act == "relu":
// PY:             act = np.maximum(h, 0)
// PY:         elif a.act == "silu":
// PY:             act = h / (1 + np.exp(-h))
// PY:         elif a.act == "gelu":
// PY:             act = 0.5 * h * (1 + np.tanh(np.sqrt(2 / np.pi) * (h + 0.044715 * h**3)))
// PY:         else:
// PY:             gate, up = ((h[0::2], h[1::2]) if a.fusion == 1 else
// PY:                         (h[:I], h[I:]) if a.fusion == 2 else (h, w3[e] @ xf[t]))
// PY:             act = gate / (1 + np.exp(-gate)) * up
// PY:         ref[t] += weight * (w2[e] @ act + (b2[e] if a.bias else 0))
// PY: ref = ref.reshape(shape).astype(np.float32)
// PY: if not a.numpy_ref:
// PY:     import onnxruntime as ort
// PY:     sess = ort.InferenceSession(a.out + "/model.onnx", providers=["CPUExecutionProvider"])
// PY:     y = sess.run(None, {"x": x})[0]
// PY:     # The two references agree, so both read the format the same way.
// PY:     err = np.abs(y - ref).max() / np.abs(ref).max()
// PY:     assert err < 1e-5, ("onnxruntime and numpy differ", err)
// PY:     ref = y
// PY: for name, value in (("input_0", x), ("output_0", ref)):
// PY:     with open(a.out + "/ref/" + name + ".pb", "wb") as f:
// PY:         f.write(numpy_helper.from_array(value, name.split("_")[0]).SerializeToString())
