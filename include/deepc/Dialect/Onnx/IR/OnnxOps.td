//===- OnnxOps.td - the imported-ONNX dialect --------------*- tablegen -*-===//
//
// The `onnx` dialect holds a model exactly as it was imported: one generic op
// per ONNX node. The importer knows no op semantics, so adding support for an
// ONNX op never touches it; meaning is given by legalization to `deepc`.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_ONNX_IR_ONNXOPS_TD
#define DEEPC_DIALECT_ONNX_IR_ONNXOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::mlir::onnx";
  let summary = "ONNX nodes as imported, before legalization";
  let description = [{
    One generic op, `onnx.node`, stands for every ONNX node. It records the
    node's domain, op type, the opset version in force for that domain, its
    attributes, and its inputs and outputs. Legalization to `deepc` dispatches
    on (domain, op_type, version).
  }];
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

def Onnx_NodeOp : Onnx_Op<"node"> {
  let summary = "one imported ONNX node";
  let description = [{
    A node of an ONNX graph, kept generic. `op_type` is the ONNX operator
    name, `domain` its operator set domain (`""` is the default ONNX domain,
    also written `ai.onnx`; `com.microsoft` holds ONNX Runtime's contrib
    ops), and `version` the opset version the model imports for that domain.
    `attrs` holds the node's ONNX attributes by name, converted to builtin
    attributes (ints as `si64`, floats as `f32`, strings, tensors as
    elements attributes, lists as arrays).

    The op makes no claim about side effects, since it may stand for any
    operator; passes should treat it as opaque until it is legalized.

    ```mlir
    %y = onnx.node "MatMul" version 13 (%a, %b)
        : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %m = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %r, %w1, %w2)
        {activation_type = "silu", k = 2 : si64}
        : (tensor<?x64xf32>, tensor<?x8xf32>, tensor<8x64x128xf32>,
           tensor<8x128x64xf32>) -> tensor<?x64xf32>
    ```
  }];

  let arguments = (ins
    StrAttr:$op_type,
    DefaultValuedStrAttr<StrAttr, "">:$domain,
    I64Attr:$version,
    OptionalAttr<DictionaryAttr>:$attrs,
    Variadic<AnyType>:$inputs
  );
  let results = (outs Variadic<AnyType>:$outputs);

  // The ONNX attributes are a bare `{...}`, so any other (discardable)
  // attribute needs the `attributes` keyword; a second bare dictionary would
  // read back as the ONNX attributes.
  let assemblyFormat = [{
    $op_type (`domain` $domain^)? `version` $version ` ` `(` $inputs `)`
    ($attrs^)? attr-dict-with-keyword `:` functional-type($inputs, $outputs)
  }];
  let hasVerifier = 1;

  let extraClassDeclaration = [{
    /// Returns the ONNX attribute `name`, or null when the node has none.
    ::mlir::Attribute getOnnxAttr(::llvm::StringRef name) {
      ::mlir::DictionaryAttr dict = getAttrsAttr();
      return dict ? dict.get(name) : ::mlir::Attribute();
    }
    /// True for the default ONNX domain, spelled "" or "ai.onnx".
    bool isDefaultDomain() {
      return getDomain().empty() || getDomain() == "ai.onnx";
    }
  }];
}

#endif // DEEPC_DIALECT_ONNX_IR_ONNXOPS_TD
