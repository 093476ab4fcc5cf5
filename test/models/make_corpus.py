#!/usr/bin/env python3
"""Build deepc's model corpus: tiny random-weight transformer and MoE models.

Run by hand (not in CI), from anywhere:

    python3 test/models/make_corpus.py --make-venv /tmp/deepc-models-venv   # once: pinned venv
    /tmp/deepc-models-venv/bin/python test/models/make_corpus.py          # all models
    /tmp/deepc-models-venv/bin/python test/models/make_corpus.py llama bert  # some models
    /tmp/deepc-models-venv/bin/python test/models/make_corpus.py --bench-configs /tmp/deepc-bench
        # larger random-weight benchmark models, not the corpus (bench/README.md)

Each model goes into test/models/<name>/ in the ONNX backend-test layout:
model.onnx (plus model.onnx.data for the external-data one) and two data sets
test_data_set_{0,1}/input_<i>.pb, output_<i>.pb (TensorProtos named after the
graph's inputs and outputs) with different batch and sequence lengths.
Reference outputs come from PyTorch for the exported models and from ONNX
Runtime's CPU provider for the hand-built and quantized graphs; before anything
is written, every data set is run through ONNX Runtime and compared with the
reference (and hand-built contrib/quantized graphs are also checked against a
numpy implementation of the op's documented semantics). At the end OPS.md is
rewritten with every (domain, op_type, opset) in the corpus.

Everything is seeded; no weights or data are downloaded (configs are built in
code, weights are random).
"""

import argparse
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Exact versions this corpus was made with (Python 3.11, x86_64 Linux). torch
# from PyPI pulls its CUDA 13 runtime wheels (~5 GB installed); only the CPU is
# used. See README.md.
PINNED = [
    "torch==2.15.0",
    "transformers==5.23.0",
    "onnx==1.23.2",
    "onnxruntime==1.32.0",
    "onnxscript==0.7.2",
    "onnx-ir==1.1.0",
    "numpy==2.4.6",
    "protobuf==7.36.2",
    "ml_dtypes==0.6.0",
]

OPSET = 18
VOCAB, HIDDEN, LAYERS, HEADS, KV_HEADS = 256, 64, 2, 4, 2
# (batch, seq) of the two data sets, and of the example used for export.
DATA_SHAPES = [(2, 5), (3, 12)]
EXPORT_SHAPE = (2, 7)
MISTRAL_WINDOW = 8  # data set 0 fits inside the window, data set 1 does not


def make_venv(path):
    path = Path(path)
    subprocess.check_call([sys.executable, "-m", "venv", str(path)])
    pip = [str(path / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check"]
    subprocess.check_call(pip + ["--upgrade", "pip"])
    subprocess.check_call(pip + PINNED)
    print(f"venv ready: {path}/bin/python {Path(__file__).resolve()}")


# --------------------------------------------------------------------------
# Writing and checking


def strip_export_metadata(model):
    """Drop the exporter's per-node debug metadata (module paths, FX nodes,
    stack traces with local file names): a third of the file, no semantics."""
    import onnx

    def strip_graph(g):
        for n in g.node:
            del n.metadata_props[:]
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    strip_graph(a.g)
                for sg in a.graphs:
                    strip_graph(sg)

    strip_graph(model.graph)
    for f in model.functions:
        for n in f.node:
            del n.metadata_props[:]
    return model


def ort_session(model_path, disable_opt=False):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    if disable_opt:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(model_path), so, providers=["CPUExecutionProvider"])


def check_close(name, what, ref, got, atol, rtol):
    import numpy as np

    ref = np.asarray(ref)
    got = np.asarray(got)
    assert ref.shape == got.shape, f"{name}: {what}: shape {got.shape} != reference {ref.shape}"
    if ref.dtype.kind in "iub":
        assert (ref == got).all(), f"{name}: {what}: integer outputs differ"
        return 0.0
    err = float(np.abs(ref.astype(np.float64) - got.astype(np.float64)).max()) if ref.size else 0.0
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    assert err <= atol + rtol * scale, (
        f"{name}: {what}: max abs err {err:.3g} > {atol} + {rtol} * {scale:.3g}")
    return err


def save_float_weights_external(model, model_path):
    """Save model with every float initializer (weights, norms, inv_freq: any
    size) in <model_path>.data; integer shape constants (axes, shapes) stay
    inline, because ONNX Runtime cannot load a model whose shape-inference
    inputs are external ("Cannot parse data from external tensors").
    Moves the initializers of model itself: pass a copy to keep them."""
    import onnx
    from onnx import numpy_helper
    from onnx.external_data_helper import set_external_data

    data_name = Path(model_path).name + ".data"
    for t in model.graph.initializer:
        if t.data_type in (onnx.TensorProto.FLOAT, onnx.TensorProto.FLOAT16,
                           onnx.TensorProto.BFLOAT16):
            if not t.HasField("raw_data"):
                t.raw_data = numpy_helper.to_array(t).tobytes()
                del t.float_data[:]
            set_external_data(t, data_name)
    onnx.save_model(model, str(model_path))
    assert (Path(model_path).parent / data_name).is_file()


def write_case(name, model, datasets, atol=1e-4, rtol=1e-4, external_data=False,
               reference_is_ort=False):
    """Save model + data sets after checking every data set with ONNX Runtime.

    datasets: list of (inputs: dict name->ndarray, outputs: dict name->ndarray or
    None). With outputs None (reference_is_ort) the ORT CPU outputs are the
    reference."""
    import copy

    import onnx
    from onnx import numpy_helper

    out_dir = HERE / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    model_path = out_dir / "model.onnx"
    onnx.checker.check_model(model)
    if external_data:
        save_float_weights_external(copy.deepcopy(model), model_path)
    else:
        onnx.save_model(model, str(model_path))
    # (onnx's shape inference cannot read external tensors: no full check there)
    onnx.checker.check_model(str(model_path), full_check=not external_data)

    sess = ort_session(model_path)
    in_names = [i.name for i in sess.get_inputs()]
    out_names = [o.name for o in sess.get_outputs()]
    report = []
    for k, (inputs, outputs) in enumerate(datasets):
        assert sorted(inputs) == sorted(in_names), (name, sorted(inputs), in_names)
        got = sess.run(out_names, inputs)
        if outputs is None:
            assert reference_is_ort
            outputs = dict(zip(out_names, got))
        else:
            assert sorted(outputs) == sorted(out_names), (name, sorted(outputs), out_names)
            for o, g in zip(out_names, got):
                err = check_close(name, f"data set {k} output {o}", outputs[o], g, atol, rtol)
                report.append(f"ds{k} {o} max_abs_err={err:.2g}")
        ds_dir = out_dir / f"test_data_set_{k}"
        ds_dir.mkdir()
        for i, n in enumerate(in_names):
            t = numpy_helper.from_array(inputs[n], n)
            (ds_dir / f"input_{i}.pb").write_bytes(t.SerializeToString())
        for i, n in enumerate(out_names):
            t = numpy_helper.from_array(outputs[n], n)
            (ds_dir / f"output_{i}.pb").write_bytes(t.SerializeToString())
    size = sum(f.stat().st_size for f in out_dir.rglob("*") if f.is_file())
    msg = "; ".join(report) if report else "reference = onnxruntime CPU"
    print(f"[{name}] wrote {size / 1024:.0f} KiB ({msg})", flush=True)


# --------------------------------------------------------------------------
# PyTorch export


def torch_export(module, example_args, input_names, output_names, dyn_axes):
    """dynamo exporter, opset 18; dyn_axes: per input {axis: dim name}."""
    import onnx
    import torch

    dims = {}

    def dim(n):
        if n not in dims:
            dims[n] = torch.export.Dim(n, min=1, max=1024)
        return dims[n]

    dynamic_shapes = tuple({a: dim(n) for a, n in d.items()} for d in dyn_axes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prog = torch.onnx.export(module, tuple(example_args), dynamo=True, opset_version=OPSET,
                                 input_names=input_names, output_names=output_names,
                                 dynamic_shapes=dynamic_shapes, verbose=False)
    model = prog.model_proto
    model = onnx.shape_inference.infer_shapes(model)
    return strip_export_metadata(model)


def seeded(seed):
    import numpy as np
    import torch

    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def token_datasets(rng, fn, with_mask=False):
    """Data sets for a token model; fn(inputs) -> reference logits."""
    import numpy as np

    sets = []
    for b, s in DATA_SHAPES:
        ids = rng.integers(0, VOCAB, size=(b, s), dtype=np.int64)
        inputs = {"input_ids": ids}
        if with_mask:
            mask = np.ones((b, s), dtype=np.int64)
            mask[0, s - 2:] = 0  # right padding on the first row
            inputs["attention_mask"] = mask
        sets.append((inputs, {"logits": fn(inputs)}))
    return sets


def logits_only(model, with_mask):
    """Wrap a transformers model: forward(input_ids[, attention_mask]) -> logits."""
    import torch

    class Ids(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids):
            return self.m(input_ids=input_ids, use_cache=False).logits

    class IdsMask(Ids):
        def forward(self, input_ids, attention_mask):
            return self.m(input_ids=input_ids, attention_mask=attention_mask,
                          use_cache=False).logits

    return (IdsMask if with_mask else Ids)(model).eval()


def export_hf(name, model, with_mask=False, seed=0, datasets_hook=None):
    import numpy as np
    import torch

    names = ["input_ids"] + (["attention_mask"] if with_mask else [])
    w = logits_only(model.eval(), with_mask)
    b, s = EXPORT_SHAPE
    ex = [torch.randint(0, VOCAB, (b, s))]
    if with_mask:
        ex.append(torch.ones(b, s, dtype=torch.int64))
    onnx_model = torch_export(w, ex, names, ["logits"], [{0: "batch", 1: "seq"}] * len(names))
    rng = np.random.default_rng(seed + 1000)

    def ref(inputs):
        with torch.no_grad():
            return w(*[torch.from_numpy(inputs[n]) for n in names]).numpy()

    sets = token_datasets(rng, ref, with_mask)
    if datasets_hook:
        datasets_hook(sets)
    write_case(name, onnx_model, sets)
    return onnx_model, sets


def hf_common(**over):
    c = dict(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
             num_attention_heads=HEADS, num_key_value_heads=KV_HEADS,
             max_position_embeddings=256, initializer_range=0.1, tie_word_embeddings=False)
    c.update(over)
    return c


_LLAMA = {}


def build_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    seeded(1)
    m = LlamaForCausalLM(LlamaConfig(**hf_common(intermediate_size=128)))
    _LLAMA["model"], _LLAMA["sets"] = export_hf("llama", m, seed=1)


def build_mistral():
    import torch
    from transformers import MistralConfig, MistralForCausalLM

    seeded(2)
    cfg = MistralConfig(**hf_common(intermediate_size=128, sliding_window=MISTRAL_WINDOW))
    m = MistralForCausalLM(cfg).eval()
    # Same weights without the window: data set 0 (seq <= window) must match
    # it, data set 1 (seq > window) must not -- the window really is applied.
    cfg_full = MistralConfig(**hf_common(intermediate_size=128, sliding_window=None))
    m_full = MistralForCausalLM(cfg_full).eval()
    m_full.load_state_dict(m.state_dict())

    def hook(sets):
        for k, (inputs, outputs) in enumerate(sets):
            with torch.no_grad():
                full = m_full(input_ids=torch.from_numpy(inputs["input_ids"]),
                              use_cache=False).logits.numpy()
            diff = abs(full - outputs["logits"]).max()
            seq = inputs["input_ids"].shape[1]
            if seq <= MISTRAL_WINDOW:
                assert diff < 1e-5, f"mistral: window changed a short sequence ({diff})"
            else:
                assert diff > 1e-3, f"mistral: window had no effect at seq {seq} ({diff})"

    export_hf("mistral_sliding_window", m, seed=2, datasets_hook=hook)


def build_bert():
    from transformers import BertConfig, BertForMaskedLM

    seeded(3)
    cfg = BertConfig(vocab_size=VOCAB, hidden_size=HIDDEN, num_hidden_layers=LAYERS,
                     num_attention_heads=HEADS, intermediate_size=128,
                     max_position_embeddings=256, initializer_range=0.1)
    export_hf("bert", BertForMaskedLM(cfg), with_mask=True, seed=3)


def build_gpt2():
    from transformers import GPT2Config, GPT2LMHeadModel

    seeded(4)
    cfg = GPT2Config(vocab_size=VOCAB, n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS,
                     n_positions=256, initializer_range=0.1)
    export_hf("gpt2", GPT2LMHeadModel(cfg), seed=4)


# -- MoE ---------------------------------------------------------------------


def per_expert_forward(self, hidden_states, top_k_index, top_k_weights):
    """Experts implementation that visits every expert index (a static loop):
    exports as NonZero/Gather/MatMul/ScatterND per expert. Same math as
    transformers' eager loop, which only visits the hit experts and so has a
    data-dependent trip count that torch.export cannot trace."""
    import torch

    out = torch.zeros_like(hidden_states)
    for e in range(self.num_experts):
        tok, pos = torch.where(top_k_index == e)
        x = hidden_states[tok]
        gate, up = torch.nn.functional.linear(x, self.gate_up_proj[e]).chunk(2, dim=-1)
        h = torch.nn.functional.linear(self.act_fn(gate) * up, self.down_proj[e])
        h = h * top_k_weights[tok, pos, None]
        out = out.index_add(0, tok, h.to(out.dtype))
    return out


def register_per_expert():
    from transformers.integrations.moe import ALL_EXPERTS_FUNCTIONS

    if "per_expert" not in ALL_EXPERTS_FUNCTIONS:
        ALL_EXPERTS_FUNCTIONS.register("per_expert", per_expert_forward)


def export_moe(base, make_model, seed):
    """Two exported forms of the same weights: batched_mm and per_expert."""
    register_per_expert()
    for impl in ("batched_mm", "per_expert"):
        seeded(seed)
        m = make_model()
        m.set_experts_implementation(impl)
        export_hf(f"{base}_{impl}", m, seed=seed)


def build_mixtral():
    from transformers import MixtralConfig, MixtralForCausalLM

    cfg = MixtralConfig(**hf_common(intermediate_size=64, num_local_experts=4,
                                    num_experts_per_tok=2))
    export_moe("mixtral", lambda: MixtralForCausalLM(cfg), seed=5)


def build_qwen2_moe():
    from transformers import Qwen2MoeConfig, Qwen2MoeForCausalLM

    cfg = Qwen2MoeConfig(**hf_common(intermediate_size=128, moe_intermediate_size=32,
                                     shared_expert_intermediate_size=64, num_experts=8,
                                     num_experts_per_tok=2, norm_topk_prob=False))

    def make():
        m = Qwen2MoeForCausalLM(cfg)
        assert all(hasattr(l.mlp, "shared_expert_gate") for l in m.model.layers)
        return m

    export_moe("qwen2_moe", make, seed=6)


def build_deepseek_v3():
    import torch
    from transformers import DeepseekV3Config, DeepseekV3ForCausalLM

    # MLA has no GQA: every head gets its own K/V from the low-rank latent.
    cfg = DeepseekV3Config(**hf_common(num_key_value_heads=HEADS, intermediate_size=128,
                                       moe_intermediate_size=32, n_routed_experts=8,
                                       n_group=4, topk_group=2, num_experts_per_tok=2,
                                       n_shared_experts=1, first_k_dense_replace=1,
                                       q_lora_rank=32, kv_lora_rank=32, qk_rope_head_dim=8,
                                       qk_nope_head_dim=16, v_head_dim=16,
                                       norm_topk_prob=True, routed_scaling_factor=2.5))

    def make():
        m = DeepseekV3ForCausalLM(cfg)
        layers = m.model.layers
        assert not hasattr(layers[0].mlp, "experts") and hasattr(layers[1].mlp, "experts")
        # The correction bias starts at zero; make it matter for the choice.
        with torch.no_grad():
            for l in layers[1:]:
                l.mlp.gate.e_score_correction_bias.copy_(torch.randn(8) * 0.5)
        return m

    export_moe("deepseek_v3", make, seed=7)


# -- Attention with a dynamic sigmoid gate, local+global masks ---------------


def attention_module(kind):
    import math
    import torch
    from torch import nn

    D = HIDDEN // HEADS

    class Attn(nn.Module):
        """Self-attention on x [batch, seq, hidden] with GQA (4 q heads, 2 kv heads).

        gated: causal; scores = (q k^T * scale) * sigmoid(q G), G [H, D, 1]
               (one learned gate vector per head, one gate value per query).
        local_global: bidirectional; position i sees j when |i - j| <= WINDOW
               or either of them is one of the first GLOBAL tokens."""

        WINDOW, GLOBAL = 2, 2

        def __init__(self):
            super().__init__()
            self.q = nn.Linear(HIDDEN, HEADS * D)
            self.k = nn.Linear(HIDDEN, KV_HEADS * D)
            self.v = nn.Linear(HIDDEN, KV_HEADS * D)
            self.o = nn.Linear(HEADS * D, HIDDEN)
            if kind == "gated":
                self.G = nn.Parameter(torch.randn(HEADS, D, 1) * 0.5)

        def forward(self, x):
            b, s, _ = x.shape
            q = self.q(x).view(b, s, HEADS, D).transpose(1, 2)
            k = self.k(x).view(b, s, KV_HEADS, D).transpose(1, 2)
            v = self.v(x).view(b, s, KV_HEADS, D).transpose(1, 2)
            k = k.repeat_interleave(HEADS // KV_HEADS, dim=1)
            v = v.repeat_interleave(HEADS // KV_HEADS, dim=1)
            scores = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(D))
            pos = torch.arange(s, device=x.device)
            i, j = pos[:, None], pos[None, :]
            if kind == "gated":
                scores = scores * torch.sigmoid(torch.matmul(q, self.G))  # [b,H,s,1]
                allowed = j <= i
            else:
                allowed = ((i - j).abs() <= self.WINDOW) | (i < self.GLOBAL) | (j < self.GLOBAL)
            scores = scores.masked_fill(~allowed, float("-inf"))
            p = torch.softmax(scores, dim=-1)
            y = torch.matmul(p, v).transpose(1, 2).reshape(b, s, HEADS * D)
            return self.o(y)

    return Attn().eval()


def float_datasets(rng, fn, names=("x",), shapes=DATA_SHAPES):
    import numpy as np

    sets = []
    for b, s in shapes:
        inputs = {n: rng.standard_normal((b, s, HIDDEN)).astype(np.float32) for n in names}
        sets.append((inputs, fn(inputs)))
    return sets


def export_float_module(name, module, seed, out_name="y"):
    import numpy as np
    import torch

    b, s = EXPORT_SHAPE
    model = torch_export(module, [torch.randn(b, s, HIDDEN)], ["x"], [out_name],
                         [{0: "batch", 1: "seq"}])
    rng = np.random.default_rng(seed + 1000)

    def ref(inputs):
        with torch.no_grad():
            return {out_name: module(torch.from_numpy(inputs["x"])).numpy()}

    sets = float_datasets(rng, ref)
    write_case(name, model, sets)
    return model, sets


def build_gated_attention():
    seeded(8)
    export_float_module("gated_attention", attention_module("gated"), seed=8)


def build_local_global_attention():
    seeded(9)
    export_float_module("local_global_attention", attention_module("local_global"), seed=9)


# -- ONNX Runtime contrib MoE --------------------------------------------------


def np_moe_reference(x, logits, fc1, fc2, fc3, b1, b2, k, act, normalize, fusion):
    """numpy version of com.microsoft MoE (activation_alpha=1, beta=0, no limit)."""
    import numpy as np

    shape = x.shape
    x = x.reshape(-1, shape[-1]).astype(np.float64)
    logits = logits.reshape(x.shape[0], -1).astype(np.float64)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    top = np.argsort(-p, axis=-1, kind="stable")[:, :k]
    y = np.zeros_like(x)
    for t in range(x.shape[0]):
        w = p[t, top[t]]
        if normalize:
            w = w / w.sum()
        for e, we in zip(top[t], w):
            h = fc1[e].astype(np.float64) @ x[t]
            if b1 is not None:
                h = h + b1[e]
            if act == "swiglu":
                if fusion == 1:
                    g, l = h[0::2], h[1::2]
                elif fusion == 2:
                    g, l = np.split(h, 2)
                else:
                    g, l = h, fc3[e].astype(np.float64) @ x[t]
                h = g / (1 + np.exp(-g)) * l
            elif act == "relu":
                h = np.maximum(h, 0)
            elif act == "silu":
                h = h / (1 + np.exp(-h))
            o = fc2[e].astype(np.float64) @ h
            if b2 is not None:
                o = o + b2[e]
            y[t] += we * o
    return y.reshape(shape)


def build_ort_moe(name, act, normalize, k, experts, inter, bias, fusion, seed):
    """x [batch, seq, 64] -> router MatMul -> com.microsoft MoE -> y.

    ORT's CPU kernel only runs SwiGLU with swiglu_fusion=1 (gate/up interleaved
    by row in fc1); separate fc3 or concatenated [gate | up] are CUDA-only."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    f = lambda *s: (rng.standard_normal(s) * 0.2).astype(np.float32)
    fc1_rows = 2 * inter if (act == "swiglu" and fusion) else inter
    inits = {
        "router_w": f(HIDDEN, experts),
        "fc1": f(experts, fc1_rows, HIDDEN),
        "fc2": f(experts, HIDDEN, inter),
        "flat_shape": np.array([-1, HIDDEN], dtype=np.int64),
    }
    if bias:
        inits["fc1_b"] = f(experts, fc1_rows)
        inits["fc2_b"] = f(experts, HIDDEN)
    fc3 = f(experts, inter, HIDDEN) if (act == "swiglu" and not fusion) else None
    if fc3 is not None:
        inits["fc3"] = fc3
    moe_inputs = ["x", "router_logits", "fc1", "fc1_b" if bias else "",
                  "fc2", "fc2_b" if bias else ""]
    if fc3 is not None:
        moe_inputs += ["fc3"]
    attrs = dict(k=k, activation_type=act, normalize_routing_weights=int(normalize))
    if act == "swiglu":
        attrs["swiglu_fusion"] = fusion
    nodes = [
        helper.make_node("Reshape", ["x", "flat_shape"], ["x2d"], name="flatten_tokens"),
        helper.make_node("MatMul", ["x2d", "router_w"], ["router_logits"], name="router"),
        helper.make_node("MoE", moe_inputs, ["y"], name="moe", domain="com.microsoft", **attrs),
    ]
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", HIDDEN])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", HIDDEN])],
        [numpy_helper.from_array(v, n) for n, v in inits.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                    helper.make_opsetid("com.microsoft", 1)],
                              producer_name="deepc make_corpus.py")
    model.ir_version = 10

    def ref(inputs):
        x = inputs["x"]
        logits = x.reshape(-1, HIDDEN) @ inits["router_w"]
        y = np_moe_reference(x, logits, inits["fc1"], inits["fc2"], fc3,
                             inits.get("fc1_b"), inits.get("fc2_b"), k, act, normalize, fusion)
        return {"y": y.astype(np.float32)}

    sets = float_datasets(np.random.default_rng(seed + 1000), ref)
    # ORT's output is the reference; the numpy version (checked here with a
    # tolerance) documents the semantics.
    sess_check(name, model, sets, atol=1e-4, rtol=1e-4)
    write_case(name, model, [(i, None) for i, _ in sets], reference_is_ort=True)


def sess_check(name, model, sets, atol, rtol, disable_opt=False):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    if disable_opt:
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    errs = []
    for k, (inputs, outputs) in enumerate(sets):
        got = sess.run(out_names, inputs)
        for o, g in zip(out_names, got):
            errs.append(check_close(name, f"numpy/float check, data set {k} {o}",
                                    outputs[o], g, atol, rtol))
    print(f"[{name}] independent check ok (max abs err {max(errs):.2g})", flush=True)


def build_ort_moe_all():
    build_ort_moe("ort_moe_swiglu", "swiglu", normalize=True, k=2, experts=8, inter=32,
                  bias=False, fusion=1, seed=10)
    build_ort_moe("ort_moe_relu", "relu", normalize=False, k=2, experts=4, inter=64,
                  bias=True, fusion=0, seed=11)
    # Switch-style top-1, output scaled by the softmax probability.
    build_ort_moe("ort_moe_silu_top1", "silu", normalize=False, k=1, experts=4, inter=64,
                  bias=True, fusion=0, seed=12)


# -- Quantized and large-format ----------------------------------------------


def ffn_module():
    import torch
    from torch import nn

    class FFN(nn.Module):
        """Pre-norm transformer FFN block: y = x + W2 gelu(W1 LN(x))."""

        def __init__(self):
            super().__init__()
            self.ln = nn.LayerNorm(HIDDEN)
            self.w1 = nn.Linear(HIDDEN, 2 * HIDDEN)
            self.w2 = nn.Linear(2 * HIDDEN, HIDDEN)

        def forward(self, x):
            return x + self.w2(torch.nn.functional.gelu(self.w1(self.ln(x))))

    return FFN().eval()


def build_qdq_ffn():
    """int8 QDQ: ONNX Runtime's static quantizer (QDQ format, per-channel int8
    weights, int8 activations) applied to an exported float FFN block."""
    import tempfile

    import numpy as np
    import onnx
    import torch
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat, QuantType,
                                          quantize_static)

    seeded(12)
    module = ffn_module()
    b, s = EXPORT_SHAPE
    float_model = torch_export(module, [torch.randn(b, s, HIDDEN)], ["x"], ["y"],
                               [{0: "batch", 1: "seq"}])
    calib_rng = np.random.default_rng(12)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": calib_rng.standard_normal((2, 8, HIDDEN)).astype(np.float32)}
                                 for _ in range(8)])

        def get_next(self):
            return next(self.batches, None)

    with tempfile.TemporaryDirectory() as td:
        src, dst = Path(td) / "f.onnx", Path(td) / "q.onnx"
        onnx.save_model(float_model, str(src))
        quantize_static(str(src), str(dst), Reader(), quant_format=QuantFormat.QDQ,
                        per_channel=True, activation_type=QuantType.QInt8,
                        weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gemm"],
                        extra_options={"ActivationSymmetric": False})
        model = onnx.load(str(dst))
    ops = {n.op_type for n in model.graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops, ops

    def ref(inputs):
        with torch.no_grad():
            return {"y": module(torch.from_numpy(inputs["x"])).numpy()}

    sets = float_datasets(np.random.default_rng(1012), ref)
    # Quantization error against the float module stays small (loose check).
    sess_check("qdq_ffn", model, sets, atol=0.15, rtol=0.05)
    # Reference: ORT with graph optimizations off (plain Q/DQ semantics, no
    # QLinear fusion); the optimized session must agree closely.
    plain = []
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    sess = ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])
    for inputs, _ in sets:
        plain.append((inputs, {"y": sess.run(["y"], inputs)[0]}))
    write_case("qdq_ffn", model, plain, atol=0.1, rtol=0.02)


def dequantize_matmulnbits(model):
    """Replace each com.microsoft MatMulNBits by MatMul with the float weight
    dequantized in numpy (documented packing: low nibble first along K,
    per-block scales, default zero point 2^(bits-1))."""
    import copy

    import numpy as np
    from onnx import helper, numpy_helper

    model = copy.deepcopy(model)
    inits = {t.name: t for t in model.graph.initializer}
    nodes = []
    for n in model.graph.node:
        if n.op_type != "MatMulNBits":
            nodes.append(n)
            continue
        a = {x.name: helper.get_attribute_value(x) for x in n.attribute}
        K, N, bits, bs = a["K"], a["N"], a.get("bits", 4), a["block_size"]
        assert bits == 4
        B = numpy_helper.to_array(inits[n.input[1]])  # [N, k_blocks, bs/2]
        scales = numpy_helper.to_array(inits[n.input[2]]).reshape(N, -1)
        q = np.stack([B & 0xF, B >> 4], axis=-1).reshape(N, -1)  # [N, k_blocks*bs]
        if len(n.input) > 3 and n.input[3]:
            zp_t = numpy_helper.to_array(inits[n.input[3]])
            if zp_t.dtype == np.uint8:
                zp = np.stack([zp_t & 0xF, zp_t >> 4], axis=-1).reshape(N, -1)[:, :scales.shape[1]]
            else:
                zp = zp_t.reshape(N, -1)
        else:
            zp = np.full(scales.shape, 8)
        w = (q.reshape(N, -1, bs).astype(np.float32) - zp[:, :, None]) * scales[:, :, None]
        w = w.reshape(N, -1)[:, :K].T.astype(np.float32)  # [K, N]
        wname = n.output[0] + "_deq_w"
        model.graph.initializer.append(numpy_helper.from_array(w, wname))
        bias = n.input[5] if len(n.input) > 5 else ""
        out = n.output[0] + "_nobias" if bias else n.output[0]
        nodes.append(helper.make_node("MatMul", [n.input[0], wname], [out]))
        if bias:
            nodes.append(helper.make_node("Add", [out, bias], [n.output[0]]))
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    return model


def build_llama_int4():
    """The llama model with every MatMul against a constant weight replaced by
    com.microsoft MatMulNBits (4 bits, block 32, asymmetric: uint8 zero points)."""
    import numpy as np
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    if "model" not in _LLAMA:
        build_llama()
    import copy

    q = MatMulNBitsQuantizer(copy.deepcopy(_LLAMA["model"]), bits=4, block_size=32, is_symmetric=False,
                             accuracy_level=0)
    q.process()
    model = q.model.model
    n = sum(1 for x in model.graph.node if x.op_type == "MatMulNBits")
    assert n >= 10, n
    # The same model with numpy-dequantized float weights must agree with ORT.
    sets = [(inputs, None) for inputs, _ in _LLAMA["sets"]]
    deq = dequantize_matmulnbits(model)
    sess = ort_session_bytes(deq)
    ref_sets = [(inputs, {"logits": sess.run(["logits"], inputs)[0]}) for inputs, _ in sets]
    sess_check("llama_int4_matmulnbits", model, ref_sets, atol=1e-3, rtol=1e-4)
    float_ref = _LLAMA["sets"][0][1]["logits"]
    qerr = np.abs(ref_sets[0][1]["logits"] - float_ref).max()
    print(f"[llama_int4_matmulnbits] int4 vs float logits max diff {qerr:.3g}", flush=True)
    write_case("llama_int4_matmulnbits", model, sets, reference_is_ort=True)


def ort_session_bytes(model):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), so, providers=["CPUExecutionProvider"])


def build_llama_external():
    """The llama model re-saved with every initializer in model.onnx.data."""
    if "model" not in _LLAMA:
        build_llama()
    write_case("llama_external_data", _LLAMA["model"], _LLAMA["sets"], external_data=True)


# --------------------------------------------------------------------------
# Larger benchmark configurations (--bench-configs OUT_DIR; not committed)

# Mixtral-style MoE: hidden 1024, 4 layers, 8 experts of 2816, top-2 (~1.1 GB
# of f32 weights); a dense Llama with the same hidden size and layers and an
# MLP of 2 x 2816, so it does the same FLOPs per token as the MoE's two experts.
BENCH_COMMON = dict(vocab_size=1024, hidden_size=1024, num_hidden_layers=4,
                    num_attention_heads=16, num_key_value_heads=8,
                    max_position_embeddings=1024, initializer_range=0.02,
                    tie_word_embeddings=False)
BENCH_EXPERT_INTER = 2816
BENCH_CHECK_SHAPE = (1, 8)


def export_bench(out_dir, name, model, seed):
    """Export like export_hf (same wrapper, exporter and dynamic batch/seq),
    check one small data set against PyTorch with ONNX Runtime, and save to
    out_dir/name/model.onnx with the float weights in model.onnx.data."""
    import numpy as np
    import torch

    w = logits_only(model.eval(), with_mask=False)
    b, s = EXPORT_SHAPE
    vocab = BENCH_COMMON["vocab_size"]
    onnx_model = torch_export(w, [torch.randint(0, vocab, (b, s))], ["input_ids"], ["logits"],
                              [{0: "batch", 1: "seq"}])
    d = Path(out_dir) / name
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    save_float_weights_external(onnx_model, d / "model.onnx")
    del onnx_model
    ids = np.random.default_rng(seed).integers(0, vocab, size=BENCH_CHECK_SHAPE, dtype=np.int64)
    with torch.no_grad():
        ref = w(torch.from_numpy(ids)).numpy()
    got = ort_session(d / "model.onnx").run(["logits"], {"input_ids": ids})[0]
    err = check_close(name, "check set", ref, got, 1e-3, 1e-4)
    size = sum(f.stat().st_size for f in d.iterdir())
    print(f"[{name}] wrote {size / 2**20:.0f} MiB to {d} (max_abs_err={err:.2g})", flush=True)


def build_bench_configs(out_dir):
    from transformers import LlamaConfig, LlamaForCausalLM, MixtralConfig, MixtralForCausalLM

    register_per_expert()
    cfg = MixtralConfig(**BENCH_COMMON, intermediate_size=BENCH_EXPERT_INTER,
                        num_local_experts=8, num_experts_per_tok=2)
    for impl in ("batched_mm", "per_expert"):
        seeded(105)
        m = MixtralForCausalLM(cfg)
        m.set_experts_implementation(impl)
        export_bench(out_dir, f"bench_mixtral_{impl}", m, seed=105)
        del m
    seeded(101)
    cfg = LlamaConfig(**BENCH_COMMON, intermediate_size=2 * BENCH_EXPERT_INTER)
    export_bench(out_dir, "bench_llama_dense", LlamaForCausalLM(cfg), seed=101)


# --------------------------------------------------------------------------
# OPS.md


def write_ops_md():
    import onnx

    ops = {}
    sizes = []
    n_functions = 0
    for d in sorted(p for p in HERE.iterdir() if (p / "model.onnx").is_file()):
        m = onnx.load(str(d / "model.onnx"), load_external_data=False)
        opsets = {o.domain or "ai.onnx": o.version for o in m.opset_import}
        size = sum(f.stat().st_size for f in d.iterdir() if f.is_file())
        sizes.append((d.name, size, len(m.graph.node), opsets))
        n_functions += len(m.functions)

        def visit(g):
            for n in g.node:
                dom = n.domain or "ai.onnx"
                ops.setdefault((dom, n.op_type, opsets.get(dom)), set()).add(d.name)
                for a in n.attribute:
                    if a.type == onnx.AttributeProto.GRAPH:
                        visit(a.g)
                    for sg in a.graphs:
                        visit(sg)

        visit(m.graph)
    lines = ["# Ops in the model corpus", "",
             "Written by make_corpus.py; every (domain, op_type, opset) used by a",
             f"test/models/*/model.onnx (local functions in the corpus: {n_functions}).",
             "The opset is the model's import for the node's domain.", "",
             "| domain | op_type | opset | models |", "| --- | --- | --- | --- |"]
    for (dom, op, ver), models in sorted(ops.items()):
        ms = sorted(models)
        shown = ", ".join(ms) if len(ms) <= 4 else f"{len(ms)} models"
        lines.append(f"| {dom} | {op} | {ver} | {shown} |")
    lines += ["", "## Models", "", "| model | files (bytes) | nodes | opset imports |",
              "| --- | --- | --- | --- |"]
    for name, size, nn, opsets in sizes:
        imp = ", ".join(f"{k} {v}" for k, v in sorted(opsets.items()))
        lines.append(f"| {name} | {size} | {nn} | {imp} |")
    (HERE / "OPS.md").write_text("\n".join(lines) + "\n")
    print(f"wrote {HERE / 'OPS.md'}: {len(ops)} distinct (domain, op, opset)")


BUILDERS = {
    "llama": build_llama,
    "mistral_sliding_window": build_mistral,
    "bert": build_bert,
    "gpt2": build_gpt2,
    "mixtral": build_mixtral,
    "qwen2_moe": build_qwen2_moe,
    "deepseek_v3": build_deepseek_v3,
    "ort_moe": build_ort_moe_all,
    "gated_attention": build_gated_attention,
    "local_global_attention": build_local_global_attention,
    "qdq_ffn": build_qdq_ffn,
    "llama_int4_matmulnbits": build_llama_int4,
    "llama_external_data": build_llama_external,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("only", nargs="*", help=f"builders to run (default all): {', '.join(BUILDERS)}")
    ap.add_argument("--make-venv", metavar="DIR", help="create a venv with the pinned packages and exit")
    ap.add_argument("--bench-configs", metavar="OUT_DIR",
                    help="instead of the corpus, write the larger random-weight benchmark models "
                         "(MoE and dense, ~1-1.5 GB each) to OUT_DIR/<name>/ (see bench/README.md)")
    args = ap.parse_args()
    if args.make_venv:
        make_venv(args.make_venv)
        return
    try:
        import onnx, onnxruntime, onnxscript, torch, transformers  # noqa: F401
    except ImportError as e:
        sys.exit(f"{e}: run with a venv made by --make-venv (see README.md)")
    import torch
    import transformers
    import logging

    torch.set_num_threads(max(1, os.cpu_count() or 1))
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    transformers.logging.set_verbosity_error()
    if args.bench_configs:
        build_bench_configs(args.bench_configs)
        return
    names = args.only or list(BUILDERS)
    for n in names:
        if n not in BUILDERS:
            sys.exit(f"unknown builder {n}; known: {', '.join(BUILDERS)}")
    for n in names:
        BUILDERS[n]()
    write_ops_md()


if __name__ == "__main__":
    main()
