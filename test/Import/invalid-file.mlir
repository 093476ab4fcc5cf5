// Tests that files that are not ONNX models give one error naming the
// file, and no output.

// RUN: not deepc %S/Inputs/empty.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=EMPTY --implicit-check-not=error:
// EMPTY: empty.onnx: error: the file is empty, not an ONNX model

// RUN: not deepc %S/Inputs/truncated.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=TRUNCATED --implicit-check-not=error:
// TRUNCATED: truncated.onnx: error: the file is not a valid ONNX model: the protobuf is malformed or truncated

// RUN: not deepc %S/Inputs/random.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=RANDOM --implicit-check-not=error:
// RANDOM: random.onnx: error: the file is not a valid ONNX model: the protobuf is malformed or truncated

// RUN: not deepc %S/Inputs/text.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=TEXT --implicit-check-not=error:
// TEXT: text.onnx: error: the file is not a valid ONNX model: the protobuf is malformed or truncated

// RUN: not deepc %S/Inputs/no_graph.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=NO-GRAPH --implicit-check-not=error:
// NO-GRAPH: no_graph.onnx: error: the file is not a valid ONNX model: it has no graph

// RUN: not deepc %S/Inputs/does_not_exist.onnx --emit=onnx 2>&1 | FileCheck %s --check-prefix=MISSING --implicit-check-not=error:
// MISSING: does_not_exist.onnx: error: cannot open the file: No such file or directory

// RUN: not deepc %S/Inputs --emit=onnx 2>&1 | FileCheck %s --check-prefix=DIRECTORY --implicit-check-not=error:
// DIRECTORY: Inputs: error: not a regular file

// Tests that a failed run leaves no output file behind.
// RUN: rm -f %t.mlir
// RUN: not deepc %S/Inputs/truncated.onnx --emit=onnx -o %t.mlir
// RUN: not ls %t.mlir
