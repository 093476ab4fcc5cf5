// Tests deepc-run on a compiled model: test/models/llama (input_ids i64
// [batch, seq], logits f32 [batch, seq, 256]) compiled by deepc, run on its
// ONNX test data, on random inputs, and benchmarked.

// RUN: rm -rf %t && mkdir -p %t
// RUN: deepc %deepc_src_root/test/models/llama/model.onnx -o %t/llama.deepc

// RUN: deepc-run %t/llama.deepc --print-io | FileCheck %s --check-prefix=PRINT-IO
// PRINT-IO:      1 input(s):
// PRINT-IO-NEXT:   input 0 'input_ids': i64 [batch, seq] (batch <= {{[0-9]+}}, seq <= {{[0-9]+}})
// PRINT-IO-NEXT: 1 output(s):
// PRINT-IO-NEXT:   output 0 'logits': f32 [batch, seq, 256] (batch <= {{[0-9]+}}, seq <= {{[0-9]+}})

// RUN: deepc-run %t/llama.deepc --inputs %deepc_src_root/test/models/llama/test_data_set_0 --check | FileCheck %s --check-prefix=CHECK0
// CHECK0:      output 'logits' [2, 5, 256] f32: max abs err {{.*}}: ok
// CHECK0-NEXT: check passed: 1 outputs within tolerance 0.0001
// RUN: deepc-run %t/llama.deepc --inputs %deepc_src_root/test/models/llama/test_data_set_1 --check --threads 1 | FileCheck %s --check-prefix=CHECK1
// CHECK1:      output 'logits' [3, 12, 256] f32: max abs err {{.*}}: ok
// CHECK1-NEXT: check passed: 1 outputs within tolerance 0.0001

// The dumped logits match the reference within 1e-4 (numpy reads them).
// RUN: deepc-run %t/llama.deepc --inputs %deepc_src_root/test/models/llama/test_data_set_0 --dump-outputs %t/dump
// RUN: %python -c "import sys, numpy as np, onnx; from onnx import numpy_helper as h; \
// RUN:   got = onnx.load_tensor('%t/dump/output_0.pb'); want = onnx.load_tensor('%deepc_src_root/test/models/llama/test_data_set_0/output_0.pb'); \
// RUN:   a, e = h.to_array(got), h.to_array(want); assert got.name == 'logits' and a.shape == e.shape, (got.name, a.shape); \
// RUN:   err = float(np.abs(a - e).max()); print('within 1e-4:', err <= 1e-4); sys.exit(int(err > 1e-4))" \
// RUN:   | FileCheck %s --check-prefix=DUMP
// DUMP: within 1e-4: True

// RUN: deepc-run %t/llama.deepc --random-inputs --dims batch=2,seq=3 | FileCheck %s --check-prefix=RANDOM
// RANDOM: output 'logits' [2, 3, 256] f32: min {{.*}}, max {{.*}}, mean

// RUN: deepc-run %t/llama.deepc --random-inputs --dims batch=1,seq=4 --bench --iterations 2 --warmup 1 --json %t/bench.json | FileCheck %s --check-prefix=BENCH
// BENCH:      bench: 2 timed runs after 1 warmup runs, 4 tokens a run
// BENCH-NEXT: latency: median {{[0-9.]+}} ms, p90 {{[0-9.]+}} ms, p99 {{[0-9.]+}} ms
// BENCH-NEXT: throughput: {{[0-9.]+}} tokens/s at the median
// RUN: %python -c "import json; b = json.load(open('%t/bench.json')); print(b['tokens'], b['iterations'], b['inputs'])" | FileCheck %s --check-prefix=JSON
// JSON: 4 2 {'input_ids': [1, 4]}

// Token ids as int32 instead of int64.
// RUN: rm -rf %t/int32 && mkdir %t/int32
// RUN: %python -c "import numpy as np; from onnx import numpy_helper as h; \
// RUN:   open('%t/int32/input_0.pb', 'wb').write(h.from_array(np.zeros((2, 5), np.int32), 'input_ids').SerializeToString())"
// RUN: not deepc-run %t/llama.deepc --inputs %t/int32 2>&1 | FileCheck %s --check-prefix=DTYPE --implicit-check-not=error:
// DTYPE: deepc-run: error: {{.*}}input_0.pb: tensor 'input_ids' is i32, but model input 'input_ids' is i64

// Dims beyond the compiled bounds are the runtime's error.
// RUN: not deepc-run %t/llama.deepc --random-inputs --dims batch=1,seq=100000 2>&1 | FileCheck %s --check-prefix=BOUND --implicit-check-not=error:
// BOUND: deepc-run: error: random input 'input_ids': {{.*}}seq
