// Tests deepc-run end to end on a tiny hand-made artifact (see
// Inputs/make_tiny_artifact.py: y[seq, 4] = (x + [1, 2, 3, 4]) * x, seq <= 8),
// so that it needs neither the compiler nor generated code.

// RUN: rm -rf %t && mkdir -p %t
// RUN: %python %S/Inputs/make_tiny_artifact.py %t/tiny.deepc --data %t/data --seq 3
// RUN: %python %S/Inputs/make_tiny_artifact.py %t/unused.deepc --data %t/other --seq 3 --seed 1
// RUN: %python %S/Inputs/make_tiny_artifact.py %t/unused.deepc --data %t/seq4 --seq 4

// RUN: deepc-run %t/tiny.deepc --print-io | FileCheck %s --check-prefix=PRINT-IO
// PRINT-IO:      1 input(s):
// PRINT-IO-NEXT:   input 0 'x': f32 [seq, 4] (seq <= 8)
// PRINT-IO-NEXT: 1 output(s):
// PRINT-IO-NEXT:   output 0 'y': f32 [seq, 4] (seq <= 8)

// RUN: deepc-run %t/tiny.deepc --inputs %t/data --check --threads 1 | FileCheck %s --check-prefix=PASS
// PASS:      output 'y' [3, 4] f32: max abs err {{.*}}, max rel err {{.*}}, scale {{.*}}: ok
// PASS-NEXT: check passed: 1 outputs within tolerance 0.0001

// Expected outputs of other inputs fail; so does a shape mismatch.
// RUN: rm -rf %t/wrong && mkdir %t/wrong
// RUN: cp %t/data/input_0.pb %t/wrong/ && cp %t/other/output_0.pb %t/wrong/
// RUN: not deepc-run %t/tiny.deepc --inputs %t/wrong --check | FileCheck %s --check-prefix=TOO-FAR
// TOO-FAR:      output 'y' [3, 4] f32: max abs err {{.*}}: FAIL
// TOO-FAR-NEXT: check failed: 1 of 1 outputs out of tolerance
// ... unless the tolerance is huge.
// RUN: deepc-run %t/tiny.deepc --inputs %t/wrong --check --tolerance 100 | FileCheck %s --check-prefix=LOOSE
// LOOSE: check passed: 1 outputs within tolerance 100
// RUN: cp %t/seq4/output_0.pb %t/wrong/
// RUN: not deepc-run %t/tiny.deepc --inputs %t/wrong --check | FileCheck %s --check-prefix=SHAPE
// SHAPE:      output 'y' [3, 4] f32: FAIL: expected [4, 4] f32, got [3, 4] f32
// SHAPE-NEXT: check failed: 1 of 1 outputs out of tolerance

// --dump-outputs writes TensorProtos named after the outputs that match the
// expected ones.
// RUN: deepc-run %t/tiny.deepc --inputs %t/data --dump-outputs %t/dump/nested
// RUN: %python -c "import sys, numpy as np, onnx; from onnx import numpy_helper as h; \
// RUN:   load = lambda p: onnx.load_tensor(p); got, want = load('%t/dump/nested/output_0.pb'), load('%t/data/output_0.pb'); \
// RUN:   assert got.name == 'y', got.name; \
// RUN:   err = np.abs(h.to_array(got) - h.to_array(want)).max(); print('max err', err); sys.exit(int(err > 1e-4))" \
// RUN:   | FileCheck %s --check-prefix=DUMP
// DUMP: max err 0.0

// Random inputs take their symbolic dims from --dims.
// RUN: deepc-run %t/tiny.deepc --random-inputs --dims seq=5 --seed 7 | FileCheck %s --check-prefix=RANDOM
// RANDOM: output 'y' [5, 4] f32: min {{.*}}, max {{.*}}, mean
// RUN: deepc-run %t/tiny.deepc --random-inputs | FileCheck %s --check-prefix=DEFAULT-DIMS
// DEFAULT-DIMS: output 'y' [1, 4] f32
// RUN: not deepc-run %t/tiny.deepc --random-inputs --dims batch=2 2>&1 | FileCheck %s --check-prefix=UNKNOWN-DIM --implicit-check-not=error:
// UNKNOWN-DIM: deepc-run: error: --dims: the model has no symbolic dim 'batch' (it has seq)
// RUN: not deepc-run %t/tiny.deepc --random-inputs --dims seq 2>&1 | FileCheck %s --check-prefix=BAD-DIM --implicit-check-not=error:
// BAD-DIM: deepc-run: error: --dims: 'seq' is not name=N with N a non-negative integer
// A dim beyond its bound is the runtime's error, reported as such.
// RUN: not deepc-run %t/tiny.deepc --random-inputs --dims seq=9 2>&1 | FileCheck %s --check-prefix=BOUND --implicit-check-not=error:
// BOUND: deepc-run: error: random input 'x': {{.*}}seq

// --bench prints latencies and tokens/s, and --json writes them.
// RUN: deepc-run %t/tiny.deepc --random-inputs --dims seq=6 --bench --warmup 1 --iterations 3 --json %t/bench.json | FileCheck %s --check-prefix=BENCH
// BENCH:      bench: 3 timed runs after 1 warmup runs, 6 tokens a run
// BENCH-NEXT: latency: median {{[0-9.]+}} ms, p90 {{[0-9.]+}} ms, p99 {{[0-9.]+}} ms
// BENCH-NEXT: throughput: {{[0-9.]+}} tokens/s at the median
// RUN: %python -c "import json; b = json.load(open('%t/bench.json')); \
// RUN:   print(b['iterations'], b['warmup'], b['tokens'], b['inputs']['x'], b['median_ms'] > 0, b['tokens_per_s'] > 0, b['p99_ms'] >= b['p90_ms'] >= b['min_ms'])" \
// RUN:   | FileCheck %s --check-prefix=JSON
// JSON: 3 1 6 [6, 4] True True True
// RUN: deepc-run %t/tiny.deepc --random-inputs --bench --iterations 1 --tokens 128 | FileCheck %s --check-prefix=TOKENS
// TOKENS: bench: 1 timed runs after 3 warmup runs, 128 tokens a run

// Input files bind by name, else by position; wrong dtypes, ranks, names
// and malformed files are errors that name the file.
// RUN: rm -rf %t/bad && mkdir %t/bad
// RUN: %python -c "import numpy as np; from onnx import numpy_helper as h; \
// RUN:   open('%t/bad/input_0.pb', 'wb').write(h.from_array(np.zeros((3, 4), np.int32), 'x').SerializeToString())"
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=DTYPE --implicit-check-not=error:
// DTYPE: deepc-run: error: {{.*}}input_0.pb: tensor 'x' is i32, but model input 'x' is f32
// RUN: %python -c "import numpy as np; from onnx import numpy_helper as h; \
// RUN:   open('%t/bad/input_0.pb', 'wb').write(h.from_array(np.zeros((12,), np.float32), 'renamed').SerializeToString())"
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=RANK --implicit-check-not=error:
// RANK: deepc-run: error: {{.*}}input_0.pb: tensor 'renamed' [12] has rank 1, but model input 'x' has rank 2
// RUN: %python -c "import numpy as np; from onnx import numpy_helper as h; \
// RUN:   open('%t/bad/input_0.pb', 'wb').write(h.from_array(np.ones((2, 4), np.float32), 'renamed').SerializeToString())"
// RUN: deepc-run %t/tiny.deepc --inputs %t/bad | FileCheck %s --check-prefix=BY-POSITION
// BY-POSITION: output 'y' [2, 4] f32: min 2, max 5, mean 3.5
// RUN: %python -c "import numpy as np; from onnx import numpy_helper as h; \
// RUN:   open('%t/bad/input_0.pb', 'wb').write(h.from_array(np.ones((2,), np.float64), 'x').SerializeToString())"
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=DOUBLE --implicit-check-not=error:
// DOUBLE: deepc-run: error: {{.*}}input_0.pb: tensor 'x' has dtype double, which deepc does not support
// RUN: cp %t/data/input_0.pb %t/bad/input_0.pb && cp %t/data/input_0.pb %t/bad/input_1.pb
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=TWICE --implicit-check-not=error:
// TWICE: deepc-run: error: {{.*}}input_1.pb: model input 'x' is already bound by {{.*}}input_0.pb
// RUN: rm %t/bad/input_1.pb && echo garbage > %t/bad/input_0.pb
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=MALFORMED --implicit-check-not=error:
// MALFORMED: deepc-run: error: {{.*}}input_0.pb: not a valid ONNX TensorProto
// RUN: rm %t/bad/input_0.pb
// RUN: not deepc-run %t/tiny.deepc --inputs %t/bad 2>&1 | FileCheck %s --check-prefix=NO-FILES --implicit-check-not=error:
// NO-FILES: deepc-run: error: --inputs: no input_<i>.pb in '{{.*}}bad' binds model input 'x' (0 file(s) found)
// RUN: not deepc-run %t/tiny.deepc --inputs %t/no-such-dir 2>&1 | FileCheck %s --check-prefix=NO-DIR --implicit-check-not=error:
// NO-DIR: deepc-run: error: --inputs: '{{.*}}no-such-dir' is not a directory: no such file or directory
