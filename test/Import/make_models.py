#!/usr/bin/env python3
"""Writes the small ONNX models the importer's lit tests read (test/Import/Inputs).

Run by hand after changing a model, from the repository root:

    .venv/bin/python test/Import/make_models.py

and commit the files under test/Import/Inputs. Needs `onnx` and `numpy`
(the project venv has both). The output is deterministic: running the script
twice gives the same bytes, so `git status` shows only real changes.

Most models are built with onnx.helper; the malformed ones are written field
by field, since onnx.helper and onnx.checker refuse to make them.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs")

# The default-domain opset most models import; deepc accepts 13 to 23.
OPSET = 17
IR_VERSION = 8


def opsets(*extra, default=OPSET):
    result = []
    if default is not None:
        result.append(helper.make_opsetid("", default))
    for domain, version in extra:
        result.append(helper.make_opsetid(domain, version))
    return result


def model(graph, opset_imports=None, functions=(), ir_version=IR_VERSION):
    m = helper.make_model(
        graph,
        opset_imports=opset_imports if opset_imports is not None else opsets(),
        functions=list(functions),
        producer_name="deepc-tests",
        producer_version="1",
    )
    m.ir_version = ir_version
    return m


def save(m, name):
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(m.SerializeToString())
    return path


def write_bytes(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def identity_graph(name="g", elem=TensorProto.FLOAT, shape=(2,)):
    return helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="id")],
        name,
        [vi("x", elem, list(shape))],
        [vi("y", elem, list(shape))],
    )


# --- Valid models ----------------------------------------------------------


def make_types():
    """One Identity per ONNX data type; dims static, symbolic and unknown."""
    types = [
        ("f32", TensorProto.FLOAT),
        ("f16", TensorProto.FLOAT16),
        ("bf16", TensorProto.BFLOAT16),
        ("f64", TensorProto.DOUBLE),
        ("i8", TensorProto.INT8),
        ("i16", TensorProto.INT16),
        ("i32", TensorProto.INT32),
        ("i64", TensorProto.INT64),
        ("u8", TensorProto.UINT8),
        ("u16", TensorProto.UINT16),
        ("u32", TensorProto.UINT32),
        ("u64", TensorProto.UINT64),
        ("b", TensorProto.BOOL),
        ("c64", TensorProto.COMPLEX64),
        ("c128", TensorProto.COMPLEX128),
        ("f8e4m3fn", 17),
        ("f8e4m3fnuz", 18),
        ("f8e5m2", 19),
        ("f8e5m2fnuz", 20),
        ("u4", 21),
        ("i4", 22),
    ]
    nodes, inputs, outputs = [], [], []
    for name, elem in types:
        inputs.append(vi(name, elem, [2, 3]))
        outputs.append(vi(name + "_out", elem, [2, 3]))
        nodes.append(helper.make_node("Identity", [name], [name + "_out"],
                                      name="id_" + name))
    # Symbolic, static and unknown dims; a scalar; an unranked tensor.
    inputs.append(vi("tokens", TensorProto.INT64, ["batch", "seq"]))
    inputs.append(vi("hidden", TensorProto.FLOAT, ["batch", None, 64]))
    inputs.append(vi("scalar", TensorProto.FLOAT, []))
    unranked = helper.make_tensor_value_info("unranked", TensorProto.FLOAT,
                                             None)
    inputs.append(unranked)
    nodes.append(helper.make_node("Shape", ["tokens"], ["tokens_shape"],
                                  name="shape"))
    nodes.append(helper.make_node("Add", ["hidden", "scalar"], ["sum"],
                                  name="add"))
    nodes.append(helper.make_node("Neg", ["unranked"], ["neg"], name="neg"))
    outputs.append(vi("tokens_shape", TensorProto.INT64, [2]))
    outputs.append(vi("sum", TensorProto.FLOAT, ["batch", None, 64]))
    outputs.append(vi("neg", TensorProto.FLOAT, None))
    graph = helper.make_graph(nodes, "types", inputs, outputs)
    save(model(graph), "types.onnx")


def make_attributes():
    """A node with an attribute of every supported kind, a Constant node,
    an omitted optional input and output, and results whose type the file
    records fully, partly (elem type only) or not at all."""
    small = numpy_helper.from_array(np.array([1.5, -2.0], np.float32), "t")
    small_i = numpy_helper.from_array(np.array([[1, 2], [3, 4]], np.int64),
                                      "ti")
    node = helper.make_node(
        "Everything", ["x", "", "x"], ["a", "", "c"], name="every",
        domain="test.custom",
        f=0.25, i=-7, s="hello", t=small,
        floats=[1.0, 2.5], ints=[3, -4, 5], strings=["p", "q"],
        tensors=[small, small_i],
    )
    const = helper.make_node(
        "Constant", [], ["k"], name="const",
        value=numpy_helper.from_array(np.array([7, 8, 9], np.int32), "kv"))
    clip = helper.make_node("Clip", ["x", "", "k"], ["clipped"], name="clip")
    empty_ints = helper.make_node("Everything", ["x"], ["e"], name="empty",
                                  domain="test.custom")
    empty_ints.attribute.append(
        helper.make_attribute("axes", [], attr_type=onnx.AttributeProto.INTS))
    # As a proto3 writer leaves it: an INT attribute whose zero is omitted.
    zero = empty_ints.attribute.add()
    zero.name = "zero"
    zero.type = onnx.AttributeProto.INT
    graph = helper.make_graph(
        [node, const, clip, empty_ints], "attributes",
        [vi("x", TensorProto.FLOAT, [2])],
        [vi("a", TensorProto.FLOAT, [2]), vi("clipped", TensorProto.FLOAT,
                                               [2]),
         vi("e", TensorProto.FLOAT, None)],
        value_info=[helper.make_tensor_value_info("c", TensorProto.FLOAT,
                                                  None)],
    )
    save(model(graph, opsets(("test.custom", 3))), "attributes.onnx")


def make_initializers():
    """Small initializers inline, large ones as resources, raw and typed."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(np.array([1.0, 2.0, 3.0, 4.0], np.float32),
                                "small_f32"),
        numpy_helper.from_array(np.array([0, -1], np.int64), "shape_i64"),
        numpy_helper.from_array(np.array([True, False, True]), "mask_bool"),
        # 32x32 float32 = 4 KiB of raw_data: a resource into the model file.
        numpy_helper.from_array(
            rng.standard_normal((32, 32)).astype(np.float32), "big.weight"),
        # Typed fields instead of raw_data.
        helper.make_tensor("typed_f32", TensorProto.FLOAT, [3],
                           [0.5, 1.5, 2.5]),
        helper.make_tensor("typed_u8", TensorProto.UINT8, [2], [7, 255]),
        helper.make_tensor("typed_f16", TensorProto.FLOAT16, [2],
                           np.array([1.0, -2.0], np.float16)),
        helper.make_tensor("typed_i4", 22, [3], [-1, 2, 7]),
        # 600 float16 in int32_data: 1200 bytes, a resource copied out of
        # the proto.
        helper.make_tensor("typed_big_f16", TensorProto.FLOAT16, [600],
                           np.arange(600).astype(np.float16)),
        helper.make_tensor("empty_f32", TensorProto.FLOAT, [0, 4], []),
    ]
    raw_u4 = helper.make_tensor("raw_u4", 21, [3], b"\x21\x03", raw=True)
    inits.append(raw_u4)
    nodes = [helper.make_node("MatMul", ["x", "big.weight"], ["y"],
                              name="mm")]
    outputs = [vi("y", TensorProto.FLOAT, ["n", 32])]
    for t in inits:
        if t.name == "big.weight":
            continue
        nodes.append(helper.make_node("Identity", [t.name], [t.name + "_id"],
                                      name="use_" + t.name))
        outputs.append(helper.make_tensor_value_info(
            t.name + "_id", t.data_type, list(t.dims)))
    # IR < 4 style: an initializer also listed as a graph input stays an
    # initializer.
    graph = helper.make_graph(
        nodes, "initializers",
        [vi("x", TensorProto.FLOAT, ["n", 32]),
         vi("small_f32", TensorProto.FLOAT, [4])],
        outputs, initializer=inits)
    save(model(graph), "initializers.onnx")


def external_tensor(name, shape, location, offset=None, length=None,
                    elem=TensorProto.FLOAT):
    t = TensorProto()
    t.name = name
    t.data_type = elem
    t.dims.extend(shape)
    t.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", offset),
                       ("length", length)):
        if value is not None:
            entry = t.external_data.add()
            entry.key = key
            entry.value = str(value)
    return t


def external_model(tensors, name):
    nodes = [helper.make_node("Identity", [t.name], [t.name + "_out"],
                              name="use_" + t.name) for t in tensors]
    outputs = [vi(t.name + "_out", t.data_type, list(t.dims))
               for t in tensors]
    graph = helper.make_graph(nodes, name, [], outputs, initializer=tensors)
    save(model(graph), name + ".onnx")


def make_external_data():
    # ext.bin: 16 float32 (64 bytes) then 512 float32 (2 KiB).
    first = np.arange(16, dtype=np.float32)
    second = np.linspace(-1, 1, 512, dtype=np.float32)
    write_bytes("ext.bin", first.tobytes() + second.tobytes())
    os.makedirs(os.path.join(OUT, "weights"), exist_ok=True)
    write_bytes(os.path.join("weights", "w.bin"),
                np.arange(4, dtype=np.float32).tobytes())
    external_model([
        external_tensor("ext_small", [4, 4], "ext.bin", 0, 64),
        external_tensor("ext_big", [512], "ext.bin", 64, 2048),
        # No offset or length: the whole file.
        external_tensor("ext_subdir", [4], "weights/w.bin"),
    ], "ext_good")
    external_model([external_tensor("w", [4], "/etc/passwd")],
                   "ext_absolute")
    external_model([external_tensor("w", [4], "../Inputs/ext.bin")],
                   "ext_escape")
    external_model([external_tensor("w", [4], "weights/../../ext.bin")],
                   "ext_escape_inner")
    external_model([external_tensor("w", [4], "missing.bin")],
                   "ext_missing")
    external_model([external_tensor("w", [4], "ext.bin", 4096, 16)],
                   "ext_offset_past_end")
    external_model([external_tensor("w", [4], "ext.bin", 2096, 64)],
                   "ext_length_past_end")
    external_model([external_tensor("w", [4], "ext.bin", 0, 12)],
                   "ext_length_mismatch")
    external_model([external_tensor("w", [4], "ext.bin", "12x", 16)],
                   "ext_bad_offset")


def make_functions():
    """Local functions: attribute references with defaults, nested calls,
    an omitted optional output; and a recursive one."""
    # custom.Scale(x) = Mul(x, Constant(alpha)); alpha defaults to 2.0.
    scale = helper.make_function(
        "custom", "Scale", ["x"], ["y"],
        [helper.make_node("Constant", [], ["a"], name="alpha_const",
                          value_float=0.0),
         helper.make_node("Mul", ["x", "a"], ["y"], name="mul")],
        opset_imports=[helper.make_opsetid("", 18)],
        attributes=[],
    )
    # value_float refers to the function attribute "alpha".
    scale.node[0].attribute[0].ref_attr_name = "alpha"
    alpha_default = helper.make_attribute("alpha", 2.0)
    scale.attribute_proto.append(alpha_default)
    # custom.Twice(x) = Scale(Scale(x)), with a second, unused output.
    twice = helper.make_function(
        "custom", "Twice", ["x"], ["y", "unused"],
        [helper.make_node("Scale", ["x"], ["t"], name="first",
                          domain="custom"),
         helper.make_node("Scale", ["t"], ["y"], name="second",
                          domain="custom", alpha=3.0),
         helper.make_node("Identity", ["t"], ["unused"], name="copy")],
        opset_imports=[helper.make_opsetid("", 18),
                       helper.make_opsetid("custom", 1)],
        attributes=[],
    )
    graph = helper.make_graph(
        [helper.make_node("Twice", ["x"], ["y"], name="call",
                          domain="custom"),
         helper.make_node("Scale", ["y"], ["z"], domain="custom", alpha=0.5)],
        "functions",
        [vi("x", TensorProto.FLOAT, [4])],
        [vi("z", TensorProto.FLOAT, [4])],
    )
    save(model(graph, opsets(("custom", 1)), functions=[scale, twice],
               ir_version=9), "functions.onnx")

    ping = helper.make_function(
        "custom", "Ping", ["x"], ["y"],
        [helper.make_node("Pong", ["x"], ["y"], name="to_pong",
                          domain="custom")],
        opset_imports=[helper.make_opsetid("custom", 1)], attributes=[])
    pong = helper.make_function(
        "custom", "Pong", ["x"], ["y"],
        [helper.make_node("Ping", ["x"], ["y"], name="to_ping",
                          domain="custom")],
        opset_imports=[helper.make_opsetid("custom", 1)], attributes=[])
    graph = helper.make_graph(
        [helper.make_node("Ping", ["x"], ["y"], name="start",
                          domain="custom")],
        "recursive", [vi("x", TensorProto.FLOAT, [4])],
        [vi("y", TensorProto.FLOAT, [4])])
    save(model(graph, opsets(("custom", 1)), functions=[ping, pong],
               ir_version=9), "function_recursive.onnx")

    # An inlining bomb: F0 calls F1 twice, F1 calls F2 twice, ..., F32 is
    # one Identity: 2^32 nodes from 2 KB. (An empty F32 would hang the same
    # way, with no node at all.)
    depth = 32
    bomb = [helper.make_function(
        "custom", f"F{depth}", ["x"], ["y"],
        [helper.make_node("Identity", ["x"], ["y"], name="id")],
        opset_imports=[helper.make_opsetid("", 18)], attributes=[])]
    for i in range(depth):
        bomb.append(helper.make_function(
            "custom", f"F{i}", ["x"], ["y"],
            [helper.make_node(f"F{i + 1}", ["x"], ["t"], name="a",
                              domain="custom"),
             helper.make_node(f"F{i + 1}", ["t"], ["y"], name="b",
                              domain="custom")],
            opset_imports=[helper.make_opsetid("custom", 1)], attributes=[]))
    graph = helper.make_graph(
        [helper.make_node("F0", ["x"], ["y"], name="call", domain="custom")],
        "bomb", [vi("x", TensorProto.FLOAT, [4])],
        [vi("y", TensorProto.FLOAT, [4])])
    save(model(graph, opsets(("custom", 1)), functions=bomb, ir_version=9),
         "function_bomb.onnx")


def make_com_microsoft():
    """ONNX Runtime's contrib MoE op next to default-domain ops."""
    e, h, f = 4, 8, 16
    rng = np.random.default_rng(1)
    w1 = numpy_helper.from_array(
        rng.standard_normal((e, h, f)).astype(np.float32) * 0.1, "fc1")
    w2 = numpy_helper.from_array(
        rng.standard_normal((e, f, h)).astype(np.float32) * 0.1, "fc2")
    router = numpy_helper.from_array(
        rng.standard_normal((h, e)).astype(np.float32), "router_w")
    nodes = [
        helper.make_node("MatMul", ["x", "router_w"], ["logits"],
                         name="router"),
        helper.make_node("MoE", ["x", "logits", "fc1", "", "fc2"], ["y"],
                         name="moe", domain="com.microsoft", k=2,
                         activation_type="relu", normalize_routing_weights=1),
    ]
    graph = helper.make_graph(
        nodes, "moe", [vi("x", TensorProto.FLOAT, ["tokens", h])],
        [vi("y", TensorProto.FLOAT, ["tokens", h])],
        initializer=[router, w1, w2],
        value_info=[vi("logits", TensorProto.FLOAT, ["tokens", e])])
    save(model(graph, opsets(("com.microsoft", 1))), "com_microsoft.onnx")


def make_unsorted():
    """Nodes out of topological order (ONNX forbids it; we sort)."""
    nodes = [
        helper.make_node("Relu", ["b"], ["c"], name="third"),
        helper.make_node("Neg", ["a"], ["b"], name="second"),
        helper.make_node("Abs", ["x"], ["a"], name="first"),
    ]
    graph = helper.make_graph(nodes, "unsorted",
                              [vi("x", TensorProto.FLOAT, [2])],
                              [vi("c", TensorProto.FLOAT, [2])])
    save(model(graph), "unsorted.onnx")


# --- Invalid models --------------------------------------------------------


def make_opset_errors():
    save(model(identity_graph(), opsets(("com.microsoft", 1), default=None)),
         "opset_missing.onnx")
    save(model(identity_graph(), opsets(default=29)), "opset_too_new.onnx")
    save(model(identity_graph(), opsets(default=6)), "opset_too_old.onnx")
    save(model(identity_graph(), opsets(("com.microsoft", 0))),
         "opset_bad_contrib.onnx")
    # A node in a domain the model does not import.
    graph = helper.make_graph(
        [helper.make_node("Foo", ["x"], ["y"], name="foo", domain="nowhere")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "domain_not_imported.onnx")


def make_type_errors():
    # FLOAT4E2M1 (23) is newer than MLIR 19; 99 is no data type at all.
    save(model(identity_graph(elem=23)), "dtype_float4.onnx")
    save(model(identity_graph(elem=99)), "dtype_unknown.onnx")
    save(model(identity_graph(elem=TensorProto.STRING)), "dtype_string.onnx")
    save(model(identity_graph(shape=(2, -3))), "dim_negative.onnx")
    save(model(identity_graph(shape=(2**41,))), "dim_huge.onnx")
    graph = identity_graph()
    graph.input[0].type.CopyFrom(
        helper.make_sequence_type_proto(
            helper.make_tensor_type_proto(TensorProto.FLOAT, [2])))
    save(model(graph), "input_sequence.onnx")


def make_tensor_errors():
    def with_init(t, name):
        graph = helper.make_graph(
            [helper.make_node("Identity", [t.name], ["y"], name="use")],
            "g", [], [vi("y", t.data_type, list(t.dims))], initializer=[t])
        save(model(graph), name)

    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 4],
                    raw_data=b"\0" * 60)
    with_init(t, "raw_too_short.onnx")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4],
                    raw_data=b"\0" * 20)
    with_init(t, "raw_too_long.onnx")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4],
                    float_data=[1.0, 2.0, 3.0])
    with_init(t, "typed_too_short.onnx")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3])
    with_init(t, "no_data.onnx")
    t = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[2**30, 2**30])
    with_init(t, "too_many_elements.onnx")
    t = TensorProto(name="w", data_type=23, dims=[2], raw_data=b"\x11")
    with_init(t, "init_dtype_float4.onnx")


def make_graph_errors():
    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "ghost"], ["y"], name="add")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "dangling.onnx")

    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"], name="id")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("nowhere", TensorProto.FLOAT, [2])])
    save(model(graph), "dangling_output.onnx")

    graph = helper.make_graph(
        [helper.make_node("Add", ["x", "c"], ["a"], name="a_node"),
         helper.make_node("Relu", ["a"], ["b"], name="b_node"),
         helper.make_node("Neg", ["b"], ["c"], name="c_node"),
         helper.make_node("Abs", ["x"], ["y"], name="y_node")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "cycle.onnx")

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"], name="first"),
         helper.make_node("Neg", ["x"], ["y"], name="second")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "duplicate_output.onnx")

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["x"], name="shadow")],
        "g", [vi("x", TensorProto.FLOAT, [2])],
        [vi("x", TensorProto.FLOAT, [2])])
    save(model(graph), "duplicate_input_output.onnx")

    then_graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["t"])], "then", [],
        [vi("t", TensorProto.FLOAT, [2])])
    graph = helper.make_graph(
        [helper.make_node("If", ["cond"], ["y"], name="branch",
                          then_branch=then_graph, else_branch=then_graph)],
        "g", [vi("cond", TensorProto.BOOL, []),
              vi("x", TensorProto.FLOAT, [2])],
        [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "graph_attribute.onnx")

    # An attribute declared INT that holds a float.
    node = helper.make_node("Foo", ["x"], ["y"], name="foo")
    attr = node.attribute.add()
    attr.name = "axis"
    attr.type = onnx.AttributeProto.INT
    attr.f = 1.5
    graph = helper.make_graph([node], "g", [vi("x", TensorProto.FLOAT, [2])],
                              [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "attribute_wrong_type.onnx")

    node = helper.make_node("Foo", ["x"], ["y"], name="foo")
    attr = node.attribute.add()
    attr.name = "value"
    attr.type = onnx.AttributeProto.TENSOR
    graph = helper.make_graph([node], "g", [vi("x", TensorProto.FLOAT, [2])],
                              [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "attribute_missing_tensor.onnx")

    node = helper.make_node("Foo", ["x"], ["y"], name="foo")
    attr = node.attribute.add()
    attr.name = "mystery"
    attr.i = 3  # no type
    graph = helper.make_graph([node], "g", [vi("x", TensorProto.FLOAT, [2])],
                              [vi("y", TensorProto.FLOAT, [2])])
    save(model(graph), "attribute_no_type.onnx")


def make_file_errors():
    write_bytes("empty.onnx", b"")
    good = model(identity_graph()).SerializeToString()
    write_bytes("truncated.onnx", good[: len(good) * 2 // 3])
    write_bytes("random.onnx", np.random.default_rng(7).bytes(2048))
    write_bytes("text.onnx", b"this is not an onnx model\n" * 8)
    # A valid protobuf of some other message: no graph.
    write_bytes("no_graph.onnx",
                helper.make_opsetid("", 17).SerializeToString())


def main():
    os.makedirs(OUT, exist_ok=True)
    make_types()
    make_attributes()
    make_initializers()
    make_external_data()
    make_functions()
    make_com_microsoft()
    make_unsorted()
    make_opset_errors()
    make_type_errors()
    make_tensor_errors()
    make_graph_errors()
    make_file_errors()
    return 0


if __name__ == "__main__":
    sys.exit(main())
