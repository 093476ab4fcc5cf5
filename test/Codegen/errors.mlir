// RUN: not deepc %s --emit=plan --max-dims=tokens=4,batch=2 2>&1 | FileCheck %s --check-prefix=DIMS
// RUN: not deepc %s --emit=plan --max-dims=tokens=0 2>&1 | FileCheck %s --check-prefix=ZERO
// RUN: not deepc %s --target=opencl 2>&1 | FileCheck %s --check-prefix=TARGET
// RUN: not deepc %s -o %t.missing/dir/model.deepc 2>&1 | FileCheck %s --check-prefix=UNWRITABLE
// RUN: rm -rf %t.file && echo precious > %t.file
// RUN: not deepc %s -o %t.file 2>&1 | FileCheck %s --check-prefix=NOTARTIFACT
// RUN: FileCheck %s --input-file=%t.file --check-prefix=KEPT
// Tests the driver's errors for a model it could compile: bounds for dims
// the model does not have, targets it lacks, outputs it cannot write.

// DIMS: deepc: error: --max-dims names 'batch', which is not a symbolic dim of the model's inputs; they are: tokens
// ZERO: deepc: error: --max-dims entry 'tokens=0' is not NAME=N with N a positive integer
// TARGET: deepc: error: unknown target 'opencl': expected cpu or cuda:sm_XX[,sm_YY...]
// UNWRITABLE: deepc: error: cannot write the artifact '{{.*}}.missing/dir/model.deepc': cannot create '{{.*}}.missing/dir/model.deepc.tmp.{{[0-9]+}}': No such file or directory
// NOTARTIFACT: deepc: error: cannot write the artifact '{{.*}}.file': it exists and is not a deepc artifact; not replacing it
// KEPT: precious
func.func @main(%x: tensor<?x8xf32> {onnx.name = "x", onnx.dim_params = ["tokens", ""]})
    -> (tensor<?x8xf32> {onnx.name = "y"}) {
  %0 = deepc.exp %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}
