// Tests that deepc-run reports every error as one `deepc-run: error:` line
// and exit code 1, without crashing, for mistakes that need no compiled
// model: usage errors, a missing or corrupt artifact.

// RUN: not deepc-run %t.missing.deepc --random-inputs 2>&1 | FileCheck %s --check-prefix=MISSING --implicit-check-not=error:
// MISSING: deepc-run: error: {{.*}}missing.deepc

// A directory whose manifest.json is not JSON.
// RUN: rm -rf %t.corrupt.deepc && mkdir -p %t.corrupt.deepc
// RUN: echo '{not json' > %t.corrupt.deepc/manifest.json
// RUN: not deepc-run %t.corrupt.deepc --random-inputs 2>&1 | FileCheck %s --check-prefix=CORRUPT --implicit-check-not=error:
// RUN: not deepc-run %t.corrupt.deepc --print-io 2>&1 | FileCheck %s --check-prefix=CORRUPT --implicit-check-not=error:
// CORRUPT: deepc-run: error: {{.*}}manifest.json

// A manifest that parses but is not a deepc artifact's.
// RUN: echo '{"format": "something-else", "version": 1}' > %t.corrupt.deepc/manifest.json
// RUN: not deepc-run %t.corrupt.deepc --random-inputs 2>&1 | FileCheck %s --check-prefix=FORMAT --implicit-check-not=error:
// FORMAT: deepc-run: error: {{.*}}format

// Flags are checked before the artifact is opened.
// RUN: not deepc-run %t.missing.deepc 2>&1 | FileCheck %s --check-prefix=NO-INPUTS --implicit-check-not=error:
// NO-INPUTS: deepc-run: error: give the inputs with --inputs DIR or --random-inputs (see --help)

// RUN: not deepc-run %t.missing.deepc --inputs %t --random-inputs 2>&1 | FileCheck %s --check-prefix=BOTH-INPUTS --implicit-check-not=error:
// BOTH-INPUTS: deepc-run: error: --inputs and --random-inputs cannot be combined (see --help)

// RUN: not deepc-run %t.missing.deepc --random-inputs --check 2>&1 | FileCheck %s --check-prefix=CHECK-RANDOM --implicit-check-not=error:
// CHECK-RANDOM: deepc-run: error: --check needs --inputs DIR, whose output_<i>.pb it compares with (see --help)

// RUN: not deepc-run %t.missing.deepc --print-io --bench 2>&1 | FileCheck %s --check-prefix=PRINT-IO --implicit-check-not=error:
// PRINT-IO: deepc-run: error: --print-io cannot be combined with --bench (see --help)

// RUN: not deepc-run %t.missing.deepc --inputs %t --dims seq=2 2>&1 | FileCheck %s --check-prefix=DIMS --implicit-check-not=error:
// DIMS: deepc-run: error: --dims needs --random-inputs (see --help)

// RUN: not deepc-run %t.missing.deepc --random-inputs --iterations 5 2>&1 | FileCheck %s --check-prefix=ITERATIONS --implicit-check-not=error:
// ITERATIONS: deepc-run: error: --iterations needs --bench (see --help)

// RUN: not deepc-run %t.missing.deepc --random-inputs --bench --iterations 0 2>&1 | FileCheck %s --check-prefix=ZERO --implicit-check-not=error:
// ZERO: deepc-run: error: --iterations must be at least 1 (see --help)

// RUN: not deepc-run %t.missing.deepc --inputs %t --tolerance 1e-3 2>&1 | FileCheck %s --check-prefix=TOLERANCE --implicit-check-not=error:
// TOLERANCE: deepc-run: error: --tolerance needs --check (see --help)

// RUN: not deepc-run %t.missing.deepc --random-inputs --threads -1 2>&1 | FileCheck %s --check-prefix=THREADS --implicit-check-not=error:
// THREADS: deepc-run: error: --threads must be 0 (the default) or more (see --help)

// RUN: not deepc-run %t.missing.deepc --random-inputs --no-such-flag 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: Unknown command line argument '--no-such-flag'

// --help lists deepc-run's own options, --threads among them (libLLVM.so
// has a hidden -threads of its own, which deepc-run replaces).
// RUN: deepc-run --help | FileCheck %s --check-prefix=HELP
// HELP: deepc-run options:
// HELP: --bench
// HELP: --threads=<N>
