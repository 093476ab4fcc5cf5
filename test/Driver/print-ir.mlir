// Tests --print-ir-before-all and --print-ir-after-all: MLIR's IR printing
// on stderr, naming each pass (after: only passes that changed the module),
// and --pass-timing's report; stdout keeps only the output.

// RUN: deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc --print-ir-after-all 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=AFTER
// AFTER: IR Dump After ConvertOnnxToDeepcPass (deepc-legalize-onnx)
// AFTER: deepc.abs

// RUN: deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc --print-ir-before-all 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=BEFORE
// BEFORE: IR Dump Before ConvertOnnxToDeepcPass (deepc-legalize-onnx)
// BEFORE: onnx.node "Abs"
// BEFORE: IR Dump Before Canonicalizer (canonicalize)
// BEFORE: IR Dump Before CSE (cse)
// BEFORE: IR Dump Before DeepcRaiseRmsNormPass (deepc-raise-rms-norm)

// RUN: deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc --pass-timing 2>&1 >/dev/null \
// RUN:   | FileCheck %s --check-prefix=TIMING
// TIMING: Execution time report
// TIMING: ConvertOnnxToDeepcPass
// TIMING: DeepcRaiseRmsNormPass

// RUN: deepc %S/../Import/Inputs/unsorted.onnx --emit=deepc 2>&1 >/dev/null | count 0
