//===- Passes.td - deepc conversion passes -------------------*- tablegen -*-===//
//
// Passes that move a module from one dialect to another: step 2 of the
// pipeline (DESIGN.md), the legalization of imported ONNX to deepc.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_CONVERSION_PASSES_TD
#define DEEPC_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertOnnxToDeepcPass
    : Pass<"deepc-legalize-onnx", "::mlir::ModuleOp"> {
  let summary = "legalize imported ONNX nodes to deepc ops";
  let description = [{
    Rewrites every `onnx.node`, `onnx.constant` and `onnx.none` of the module
    into `deepc` ops on ranked tensors with signless element types, and
    converts the signatures of the functions that hold them.

    Each node is legalized by the handler registered for its
    `(domain, op_type)` with the largest since-version not above the node's
    opset version, as ONNX defines which operator version a model uses.
    Handlers are grouped by op family under lib/Conversion/OnnxToDeepc.

    Before anything is rewritten the pass checks that every node has a
    handler. If some do not, it reports every unsupported
    `(domain, op_type, opset)` at once, one note each listing the node
    names, and fails. A node that has a handler but cannot be legalized
    (a run-time value where a constant is required, an attribute out of
    range, an element type deepc lacks) gets one error naming the node and
    the reason, and the pass fails after trying every node.

    Shape computations fold while legalizing: `Shape` of a tensor yields
    its static dims as constants and its dynamic dims as symbols, and
    `Gather`, `Concat`, `Slice`, `Unsqueeze`, `Squeeze`, `Cast` and integer
    arithmetic on such values stay symbolic, so that the
    Shape→Gather→Concat→Reshape chains exporters emit become static result
    types, or a `deepc.shape_of` feeding the reshape's `shape` operand when
    a dim is only known at run time.

    Before:
    ```mlir
    func.func @main(%x: tensor<?x64xf32>) -> tensor<?x4x16xf32> {
      %s = onnx.constant dense<[0, 4, 16]> : tensor<3xsi64>
      %y = onnx.node "Reshape" version 14 (%x, %s)
          : (tensor<?x64xf32>, tensor<3xsi64>) -> tensor<?x4x16xf32>
      return %y : tensor<?x4x16xf32>
    }
    ```
    After:
    ```mlir
    func.func @main(%x: tensor<?x64xf32>) -> tensor<?x4x16xf32> {
      %y = deepc.reshape %x : tensor<?x64xf32> -> tensor<?x4x16xf32>
      return %y : tensor<?x4x16xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_CONVERSION_PASSES_TD
