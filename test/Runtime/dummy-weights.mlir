// Tests `deepc --dummy-weights` end to end on bench/make_moe_model.py's MoE
// transformer at a tiny size: compiled without its weights file, it has the
// plan a compilation with the weights has, runs on deterministic random
// weights, and refuses --check; compiled with the weights, it matches
// onnxruntime.

// RUN: rm -rf %t && mkdir -p %t/real %t/nofile
// RUN: %python %deepc_src_root/bench/make_moe_model.py %t/real/moe.onnx \
// RUN:   --hidden 32 --heads 4 --experts 4 --top-k 2 --intermediate 48 \
// RUN:   --layers 2 --vocab 64 --write-weights --reference %t/ref
// RUN: cp %t/real/moe.onnx %t/nofile/moe.onnx

// Without --dummy-weights, the missing external-data file stays an error.
// RUN: not deepc %t/nofile/moe.onnx -o %t/fail.deepc 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING
// MISSING: error: initializer '{{.*}}' is stored in 'moe.onnx.weights', which does not exist
// RUN: test ! -e %t/fail.deepc

// With it, the weights are never read: the manifest says so and weights.bin
// holds only the small real constants before dummyWeightsOffset.
// RUN: deepc %t/nofile/moe.onnx --dummy-weights -o %t/dummy.deepc
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/dummy.deepc/manifest.json
// MANIFEST: "dummyWeights": true,
// MANIFEST: "dummyWeightsOffset": {{[1-9][0-9]*}},
// RUN: %python -c "import json, os; d = '%t/dummy.deepc'; \
// RUN:   m = json.load(open(d + '/manifest.json')); \
// RUN:   n = os.path.getsize(d + '/weights.bin'); \
// RUN:   assert n == m['dummyWeightsOffset'] < 1024, (n, m); \
// RUN:   assert m['weightsBytes'] > 190000, m"

// The plan is the one the real weights give: the same steps (a deepc.moe
// per layer), the same weight sizes.
// RUN: deepc %t/real/moe.onnx -o %t/real.deepc
// RUN: %python -c "import json; \
// RUN:   plan = lambda d: json.load(open(d + '/plan.json')); \
// RUN:   real, dummy = plan('%t/real.deepc'), plan('%t/dummy.deepc'); \
// RUN:   ops = lambda p: [s['op'] for s in p['steps']]; \
// RUN:   assert ops(real) == ops(dummy), (ops(real), ops(dummy)); \
// RUN:   assert ops(real).count('deepc.moe') == 2, ops(real); \
// RUN:   sizes = lambda p: sorted(v['dims'] for v in p['values'] if v['kind'] == 'constant'); \
// RUN:   assert sizes(real) == sizes(dummy), (sizes(real), sizes(dummy))"

// It runs, says that its outputs are meaningless, and gives the same
// outputs every time.
// RUN: deepc-run %t/dummy.deepc --inputs %t/ref --dump-outputs %t/out1 2>&1 \
// RUN:   | FileCheck %s --check-prefix=RANDOM
// RANDOM-DAG: deepc-run: note: weights are dummy (random): outputs are meaningless, timings are not
// RANDOM-DAG: output 'logits' [1, 5, 64] f32: min {{.*}}, max {{.*}}, mean {{.*}}
// RUN: deepc-run %t/dummy.deepc --inputs %t/ref --threads 1 --dump-outputs %t/out2
// RUN: cmp %t/out1/output_0.pb %t/out2/output_0.pb
// RUN: not cmp %t/out1/output_0.pb %t/ref/output_0.pb

// --check is refused before anything runs.
// RUN: not deepc-run %t/dummy.deepc --inputs %t/ref --check 2>&1 \
// RUN:   | FileCheck %s --check-prefix=REFUSED
// REFUSED: deepc-run: error: --check: '{{.*}}dummy.deepc' was compiled with --dummy-weights, so its outputs cannot match a reference; recompile it without --dummy-weights to check it
// REFUSED-NOT: check passed

// The loader checks what the manifest says against weights.bin.
// RUN: cp -r %t/dummy.deepc %t/short.deepc
// RUN: truncate -s 64 %t/short.deepc/weights.bin
// RUN: not deepc-run %t/short.deepc --inputs %t/ref 2>&1 \
// RUN:   | FileCheck %s --check-prefix=SHORT
// SHORT: error: {{.*}}weights.bin' is not {{[0-9]+}} bytes, the real weights before dummyWeightsOffset
// RUN: cp -r %t/dummy.deepc %t/offset.deepc
// RUN: %python -c "import json; f = '%t/offset.deepc/manifest.json'; \
// RUN:   m = json.load(open(f)); m['dummyWeightsOffset'] = m['weightsBytes'] + 1; \
// RUN:   json.dump(m, open(f, 'w'))"
// RUN: not deepc-run %t/offset.deepc --inputs %t/ref 2>&1 \
// RUN:   | FileCheck %s --check-prefix=OFFSET
// OFFSET: error: {{.*}}dummyWeightsOffset{{.*}}must be an integer from 0 to weightsBytes

// Initializers that a node reads as a shape stay real: stored in an absent
// file, a Reshape's target shape is an error even with --dummy-weights.
// RUN: mkdir -p %t/shape
// RUN: %python -c "import onnx; \
// RUN:   m = onnx.load('%t/nofile/moe.onnx', load_external_data=False); \
// RUN:   shape = next(n.input[1] for n in m.graph.node if n.op_type == 'Reshape'); \
// RUN:   t = next(t for t in m.graph.initializer if t.name == shape); \
// RUN:   onnx.external_data_helper.set_external_data(t, 'shapes.bin'); \
// RUN:   t.ClearField('raw_data'); t.data_location = onnx.TensorProto.EXTERNAL; \
// RUN:   onnx.save(m, '%t/shape/moe.onnx'); print('shape', shape)" \
// RUN:   > %t/shape/name.txt
// RUN: not deepc %t/shape/moe.onnx --dummy-weights -o %t/shape.deepc 2>&1 \
// RUN:   | cat %t/shape/name.txt - | FileCheck %s --check-prefix=SHAPE
// SHAPE: shape [[NAME:.*]]
// SHAPE: error: initializer '[[NAME]]' is stored in 'shapes.bin', which does not exist

// With the weights, the same model matches onnxruntime.
// RUN: deepc-run %t/real.deepc --inputs %t/ref --check \
// RUN:   | FileCheck %s --check-prefix=PASS
// PASS: check passed: 1 outputs within tolerance
