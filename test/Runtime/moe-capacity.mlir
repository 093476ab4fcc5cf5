// Issue 6: `deepc --moe-capacity-factor=F` caps the experts of every MoE
// layer, and deepc-run reports how many token-expert assignments the caps
// dropped. ort_moe_swiglu has one layer of 8 experts, top_k 2; its
// test_data_set_0 has 2 x 5 = 10 tokens, so 20 assignments.

// RUN: rm -rf %t && mkdir -p %t
// RUN: cp %deepc_src_root/test/models/ort_moe_swiglu/model.onnx %t/moe.onnx

// Factor 0.5: each expert takes ceil(0.5 * 10 * 2 / 8) = 2 tokens, 16 in
// all, so at least 4 of the 20 assignments are dropped.
// RUN: deepc %t/moe.onnx --moe-capacity-factor=0.5 --emit=deepc | FileCheck %s --check-prefix=IR
// IR: deepc.moe {{.*}}capacity_factor = 5.000000e-01 : f32
// RUN: deepc %t/moe.onnx --moe-capacity-factor=0.5 -o %t/capped.deepc
// RUN: FileCheck %s --check-prefix=MANIFEST < %t/capped.deepc/manifest.json
// MANIFEST: "pipeline": "import-onnx,builtin.module({{.*}},deepc-set-moe-capacity{capacity-factor=0.5}),plan
// RUN: deepc-run %t/capped.deepc --inputs %deepc_src_root/test/models/ort_moe_swiglu/test_data_set_0 | FileCheck %s --check-prefix=CAPPED
// CAPPED: output 'y' [2, 5, 64] f32
// CAPPED-NEXT: moe: {{([4-9]|1[0-9])}} of 20 token-expert assignments dropped by capacity ({{[0-9]+\.[0-9]}}%)

// With --bench --json the counts of the last run are in the JSON.
// RUN: deepc-run %t/capped.deepc --random-inputs --dims batch=2,seq=16 --bench --warmup 0 --iterations 1 --json %t/bench.json
// RUN: FileCheck %s --check-prefix=JSON < %t/bench.json
// JSON: "moe_dropped_tokens": {{[1-9][0-9]*}},
// JSON-NEXT: "moe_routed_tokens": 64,

// Factor 4: room for every token (ceil(4 * 20 / 8) = 10 each): nothing is
// dropped, and the outputs are onnxruntime's.
// RUN: deepc %t/moe.onnx --moe-capacity-factor=4 -o %t/roomy.deepc
// RUN: deepc-run %t/roomy.deepc --inputs %deepc_src_root/test/models/ort_moe_swiglu/test_data_set_0 --check | FileCheck %s --check-prefix=ROOMY
// ROOMY: check passed
// ROOMY-NEXT: moe: 0 of 20 token-expert assignments dropped by capacity (0.0%)

// No factor: no capacity, and no moe line.
// RUN: deepc %t/moe.onnx -o %t/plain.deepc
// RUN: deepc-run %t/plain.deepc --inputs %deepc_src_root/test/models/ort_moe_swiglu/test_data_set_0 --check | FileCheck %s --check-prefix=PLAIN
// PLAIN: check passed
// PLAIN-NOT: moe:

// The pass also runs after --pipeline, and alone on a module already in the
// deepc dialect (which the default pipeline leaves as written).
// RUN: deepc %t/moe.onnx --pipeline='builtin.module(deepc-legalize-onnx)' --moe-capacity-factor=1.5 --emit=deepc | FileCheck %s --check-prefix=GIVEN
// GIVEN: deepc.moe {{.*}}capacity_factor = 1.500000e+00 : f32
// RUN: deepc %t/moe.onnx --emit=deepc -o %t/moe.mlir
// RUN: deepc %t/moe.mlir --moe-capacity-factor=0.25 --emit=deepc | FileCheck %s --check-prefix=DEEPC-IR
// DEEPC-IR: deepc.moe {{.*}}capacity_factor = 2.500000e-01 : f32
// RUN: deepc --print-pipeline --moe-capacity-factor=0.1 | FileCheck %s --check-prefix=PRINT
// PRINT: builtin.module(deepc-legalize-onnx,{{.*}},deepc-set-moe-capacity{capacity-factor=0.1})

// Factors that cap nothing sensible are refused.
// RUN: not deepc %t/moe.onnx --moe-capacity-factor=-1 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: deepc: error: --moe-capacity-factor must be a finite number, 0 or more, not -1
// RUN: not deepc %t/moe.onnx --moe-capacity-factor=inf 2>&1 | FileCheck %s --check-prefix=INF
// INF: deepc: error: --moe-capacity-factor must be a finite number, 0 or more, not inf
