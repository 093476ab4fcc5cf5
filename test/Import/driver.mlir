// Tests the driver: --emit=deepc legalizes the imported model (and lists
// every operator it cannot legalize, exiting non-zero); the default output
// is an artifact directory; -o writes the output file only on
// success, through a temporary file that is renamed into place; --help shows
// deepc's options.

// RUN: deepc %S/Inputs/unsorted.onnx --emit=deepc | FileCheck %s --check-prefix=DEEPC --implicit-check-not=onnx.node
// DEEPC: func.func @main(%[[X:.*]]: tensor<2xf32> {onnx.name = "x"}) -> (tensor<2xf32> {onnx.name = "c"})
// DEEPC: %[[A:.*]] = deepc.abs %[[X]]
// DEEPC: %[[N:.*]] = deepc.neg %[[A]]
// DEEPC: %[[R:.*]] = deepc.relu %[[N]]
// DEEPC: return %[[R]]

// The MoE of com_microsoft.onnx is a stub whose expert weights do not fit
// its hidden size; legalization names the node and exits non-zero.
// RUN: not deepc %S/Inputs/com_microsoft.onnx --emit=deepc 2>&1 | FileCheck %s --check-prefix=NOLEGAL
// NOLEGAL: com_microsoft.onnx: error: cannot legalize ONNX com.microsoft.MoE node 'moe' (opset 1): 'deepc.moe' op w_down must have shape [num_experts, hidden, intermediate] = 4x8x8, got 4x16x8

// RUN: rm -rf %t.deepc
// RUN: deepc %S/Inputs/unsorted.onnx -o %t.deepc 2>&1 | count 0
// RUN: ls %t.deepc | FileCheck %s --check-prefix=ARTIFACT
// ARTIFACT: manifest.json
// ARTIFACT: plan.json
// ARTIFACT: weights.bin

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
// HELP: --max-dims=<bounds>
// HELP: -o <path>
