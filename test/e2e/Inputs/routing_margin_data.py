"""Writes a data set for a corpus MoE model whose routing has clear margins.

Usage: routing_margin_data.py MODEL_DIR OUT_DIR [--margin M] [--batch B --seq S]

bf16 compute perturbs router logits by ~2e-2 on the corpus models, so a
token whose k-th and (k+1)-th expert logits lie closer than that may pick
another expert than the f32 reference: a discontinuity, not an accuracy
loss. test/e2e/precision-bf16.mlir checks bf16 numerics of the MoE models
on inputs where every routing decision has at least --margin between the
chosen and the first unchosen logit (f32, onnxruntime), so that a failure
means wrong numerics, not a near-tie. Seeds are tried in order; the first
that qualifies is written (input_0.pb, output_0.pb, as in test_data_set_*).
"""

import argparse
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper


def router_logits(model):
    """Adds each TopK's input (the router scores) as a graph output."""
    names = [n.input[0] for n in model.graph.node if n.op_type == "TopK"]
    for name in names:
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    ks = []
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    consts = {n.output[0]: numpy_helper.to_array(n.attribute[0].t)
              for n in model.graph.node if n.op_type == "Constant"}
    for n in model.graph.node:
        if n.op_type == "TopK":
            k = inits.get(n.input[1], consts.get(n.input[1]))
            ks.append(int(np.asarray(k).reshape(-1)[0]))
    return names, ks


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--margin", type=float, default=0.05)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--seq", type=int, default=6)
    parser.add_argument("--vocab", type=int, default=256)
    args = parser.parse_args()

    model = onnx.load(os.path.join(args.model_dir, "model.onnx"))
    num_outputs = len(model.graph.output)
    names, ks = router_logits(model)
    if not names:
        sys.exit("no TopK (router) in " + args.model_dir)
    session = ort.InferenceSession(model.SerializeToString())
    inputs = session.get_inputs()
    for seed in range(1000):
        rng = np.random.default_rng(seed)
        ids = rng.integers(0, args.vocab, (args.batch, args.seq), dtype=np.int64)
        feed = {inputs[0].name: ids}
        results = session.run(None, feed)
        worst = np.inf
        for scores, k in zip(results[num_outputs:], ks):
            ranked = -np.sort(-scores.reshape(-1, scores.shape[-1]), axis=-1)
            # Softmax is monotonic: compare logits, recovered up to a shift.
            logits = np.log(np.maximum(ranked, 1e-30)) if scores.min() >= 0 else ranked
            worst = min(worst, float((logits[:, k - 1] - logits[:, k]).min()))
        if worst >= args.margin:
            break
    else:
        sys.exit("no seed below 1000 gives routing margins of %g" % args.margin)
    os.makedirs(args.out_dir, exist_ok=True)
    tensor = numpy_helper.from_array(ids, inputs[0].name)
    onnx.save_tensor(tensor, os.path.join(args.out_dir, "input_0.pb"))
    for i in range(num_outputs):
        out = numpy_helper.from_array(results[i], model.graph.output[i].name)
        onnx.save_tensor(out, os.path.join(args.out_dir, "output_%d.pb" % i))
    print("seed %d: smallest routing margin %.3f" % (seed, worst))


if __name__ == "__main__":
    main()
