// Tests --pipeline and --print-pipeline: the default pipeline prints as the
// text --pipeline and deepc-opt --pass-pipeline take, and running it by hand
// gives what deepc gives by default; a custom pipeline replaces it (without
// deepc-raise-rms-norm, the RMSNorms stay primitive ops); the manifest
// records the pipeline that ran; a bad pipeline is one error and exit 1.

// RUN: deepc --print-pipeline | FileCheck %s --check-prefix=DEFAULT --match-full-lines
// DEFAULT: builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,deepc-raise-layer-norm,deepc-raise-rotary,canonicalize,deepc-raise-attention,deepc-simplify-attention-mask,deepc-raise-moe,deepc-raise-moe-loop,deepc-raise-gated-mlp,canonicalize,cse)

// RUN: deepc %S/../models/llama/model.onnx --emit=deepc -o %t.default.mlir
// RUN: deepc %S/../models/llama/model.onnx --emit=deepc -o %t.explicit.mlir \
// RUN:   --pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,deepc-raise-layer-norm,deepc-raise-rotary,canonicalize,deepc-raise-attention,deepc-simplify-attention-mask,deepc-raise-moe,deepc-raise-moe-loop,deepc-raise-gated-mlp,canonicalize,cse)'
// RUN: diff %t.default.mlir %t.explicit.mlir

// deepc-opt runs the same text on the imported model to the same result.
// RUN: deepc %S/../models/llama/model.onnx --emit=onnx -o %t.onnx.mlir
// RUN: deepc-opt %t.onnx.mlir --pass-pipeline='builtin.module(deepc-legalize-onnx,canonicalize,cse,deepc-raise-rms-norm,deepc-raise-layer-norm,deepc-raise-rotary,canonicalize,deepc-raise-attention,deepc-simplify-attention-mask,deepc-raise-moe,deepc-raise-moe-loop,deepc-raise-gated-mlp,canonicalize,cse)' \
// RUN:   | FileCheck %s --check-prefix=RAISED
// RUN: FileCheck %s --check-prefix=RAISED < %t.default.mlir
// RAISED-COUNT-5: deepc.rms_norm
// RAISED-NOT: deepc.reduce_mean

// RUN: deepc %S/../models/llama/model.onnx --emit=deepc \
// RUN:   --pipeline='builtin.module(deepc-legalize-onnx)' | FileCheck %s --check-prefix=CUSTOM
// CUSTOM-NOT: deepc.rms_norm
// CUSTOM-COUNT-5: deepc.reduce_mean {{.*}} axes = [2] keep_dims
// CUSTOM-NOT: deepc.rms_norm

// RUN: rm -rf %t.deepc
// RUN: deepc %S/../Import/Inputs/unsorted.onnx -o %t.deepc --pipeline='builtin.module(deepc-legalize-onnx,cse)'
// RUN: FileCheck %s --check-prefix=MANIFEST < %t.deepc/manifest.json
// MANIFEST: "pipeline": "import-onnx,builtin.module(deepc-legalize-onnx,cse),plan,

// RUN: not deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc \
// RUN:   --pipeline='builtin.module(no-such-pass)' 2>&1 | FileCheck %s --check-prefix=BAD --match-full-lines
// BAD: deepc: error: invalid --pipeline 'builtin.module(no-such-pass)': 'no-such-pass' does not refer to a registered pass or pass pipeline
// BAD-EMPTY:

// A list option left open would hang MLIR's parser: refused first.
// RUN: not deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc \
// RUN:   --pipeline='builtin.module(deepc-set-precision{precision=bf16 keep-f32=[})' 2>&1 | FileCheck %s --check-prefix=OPEN
// OPEN: deepc: error: invalid --pipeline 'builtin.module(deepc-set-precision{precision=bf16 keep-f32=[})': its '[' and ']' do not pair up

// RUN: not deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc \
// RUN:   --pipeline='func.func(cse)' 2>&1 | FileCheck %s --check-prefix=ANCHOR
// ANCHOR: deepc: error: --pipeline must be anchored on builtin.module, as in 'builtin.module(cse)', not on 'func.func'

// RUN: not deepc 2>&1 | FileCheck %s --check-prefix=NOINPUT
// NOINPUT: deepc: error: no input file (see --help)

// RUN: deepc --help | FileCheck %s --check-prefix=HELP
// HELP: --pass-timing
// HELP: --pipeline=<pipeline>
// HELP: --print-ir-after-all
// HELP: --print-ir-before-all
// HELP: --print-pipeline
// HELP: --report
