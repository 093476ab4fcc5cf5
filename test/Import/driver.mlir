// Tests the driver: the stages after import say they are not implemented
// yet; -o writes the output file only on success, through a temporary file
// that is renamed into place; --help shows deepc's options.

// RUN: not deepc %S/Inputs/unsorted.onnx --emit=deepc 2>&1 | FileCheck %s --check-prefix=DEEPC --implicit-check-not=error:
// DEEPC: deepc: error: --emit=deepc (legalization to the deepc dialect) is not implemented yet; use --emit=onnx

// RUN: not deepc %S/Inputs/unsorted.onnx -o %t.deepc 2>&1 | FileCheck %s --check-prefix=ARTIFACT --implicit-check-not=error:
// ARTIFACT: deepc: error: compiling to an artifact is not implemented yet; use --emit=onnx

// RUN: rm -rf %t.dir && mkdir -p %t.dir
// RUN: deepc %S/Inputs/unsorted.onnx --emit=onnx -o %t.dir/out.mlir
// RUN: FileCheck %s --check-prefix=OUTPUT < %t.dir/out.mlir
// RUN: ls %t.dir | FileCheck %s --check-prefix=FILES --implicit-check-not=tmp
// OUTPUT: onnx.node "Relu" version 17
// FILES: out.mlir

// An existing device is written in place, not replaced by a renamed file.
// RUN: deepc %S/Inputs/unsorted.onnx --emit=onnx -o /dev/null
// RUN: test -c /dev/null

// RUN: deepc --help | FileCheck %s --check-prefix=HELP
// HELP: deepc options:
// HELP: --elide-weights-if-larger=<bytes>
// HELP: --emit=<value>
// HELP: =onnx
// HELP: =deepc
// HELP: --inline-weights-up-to=<bytes>
// HELP: -o <file>
