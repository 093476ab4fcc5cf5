// Tests a LayerNorm that an opset-13 exporter spells in primitive ops
// (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul by γ, Add of β, as
// torch.onnx writes it; then again as Mul(d, d), Reciprocal and Mul, without
// β) becomes one deepc.layer_norm each under the default pipeline, and that
// the compiled model matches onnxruntime on the same graph.

// RUN: rm -rf %t && mkdir -p %t/ref
// RUN: %python -c "import sys; exec(''.join(l[7:] if len(l) > 7 else '\n' \
// RUN:   for l in open(sys.argv[1]) if l.startswith('// PY:')))" %s %t
// RUN: deepc %t/m.onnx --emit=deepc | FileCheck %s
// RUN: deepc %t/m.onnx -o %t/m.deepc
// RUN: deepc-run %t/m.deepc --inputs %t/ref --check | FileCheck %s --check-prefix=RESULT

// CHECK-NOT: deepc.reduce_mean
// CHECK: deepc.layer_norm %{{.*}} weight %{{.*}} : tensor<16xf32> bias %{{.*}} : tensor<16xf32> epsilon = 9.99999974E-6 : tensor<2x5x16xf32>
// CHECK-NOT: deepc.reduce_mean
// CHECK: deepc.layer_norm %{{.*}} weight %{{.*}} : tensor<16xf32> epsilon = 9.99999997E-7 : tensor<2x5x16xf32>
// CHECK-NOT: deepc.reduce_mean
// CHECK-NOT: deepc.layer_norm

// RESULT: check passed

// PY: import os, sys
// PY: import numpy as np
// PY: import onnx
// PY: import onnxruntime as ort
// PY: from onnx import TensorProto, helper, numpy_helper
// PY:
// PY: out = sys.argv[2]  # after -c: argv[1] is this file
// PY: rng = np.random.default_rng(13)
// PY: shape = [2, 5, 16]
// PY: inits = [
// PY:     numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "g1"),
// PY:     numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "b1"),
// PY:     numpy_helper.from_array(rng.standard_normal(16).astype(np.float32), "g2"),
// PY:     numpy_helper.from_array(np.array(2.0, np.float32), "two"),
// PY:     numpy_helper.from_array(np.array(1e-5, np.float32), "eps1"),
// PY:     numpy_helper.from_array(np.array([1e-6], np.float32), "eps2"),
// PY: ]
// PY: node = helper.make_node
// PY: nodes = [
// PY:     # torch.onnx's opset-13 LayerNorm, with γ and β
// PY:     node("ReduceMean", ["x"], ["m1"], axes=[-1], keepdims=1),
// PY:     node("Sub", ["x", "m1"], ["d1"]),
// PY:     node("Pow", ["d1", "two"], ["sq1"]),
// PY:     node("ReduceMean", ["sq1"], ["v1"], axes=[-1], keepdims=1),
// PY:     node("Add", ["v1", "eps1"], ["s1"]),
// PY:     node("Sqrt", ["s1"], ["r1"]),
// PY:     node("Div", ["d1", "r1"], ["n1"]),
// PY:     node("Mul", ["n1", "g1"], ["w1"]),
// PY:     node("Add", ["w1", "b1"], ["h"]),
// PY:     # d * d, ε first, reciprocal and mul, γ first, no β
// PY:     node("ReduceMean", ["h"], ["m2"], axes=[2], keepdims=1),
// PY:     node("Sub", ["h", "m2"], ["d2"]),
// PY:     node("Mul", ["d2", "d2"], ["sq2"]),
// PY:     node("ReduceMean", ["sq2"], ["v2"], axes=[2], keepdims=1),
// PY:     node("Add", ["eps2", "v2"], ["s2"]),
// PY:     node("Sqrt", ["s2"], ["r2"]),
// PY:     node("Reciprocal", ["r2"], ["i2"]),
// PY:     node("Mul", ["i2", "d2"], ["n2"]),
// PY:     node("Mul", ["g2", "n2"], ["y"]),
// PY: ]
// PY: graph = helper.make_graph(
// PY:     nodes, "primitive_layer_norm",
// PY:     [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
// PY:     [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)], inits)
// PY: model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
// PY: model.ir_version = 8
// PY: onnx.checker.check_model(model)
// PY: onnx.save(model, os.path.join(out, "m.onnx"))
// PY:
// PY: x = rng.standard_normal(shape).astype(np.float32) * 3 + 1
// PY: session = ort.InferenceSession(os.path.join(out, "m.onnx"),
// PY:                                providers=["CPUExecutionProvider"])
// PY: (y,) = session.run(None, {"x": x})
// PY: for name, array, tensor in (("input_0.pb", x, "x"), ("output_0.pb", y, "y")):
// PY:     with open(os.path.join(out, "ref", name), "wb") as f:
// PY:         f.write(numpy_helper.from_array(array, tensor).SerializeToString())
