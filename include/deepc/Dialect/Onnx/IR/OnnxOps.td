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
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Onnx_Dialect : Dialect {
  let name = "onnx";
  let cppNamespace = "::mlir::onnx";
  let summary = "ONNX nodes as imported, before legalization";
  let description = [{
    One generic op, `onnx.node`, stands for every ONNX node. It records the
    node's domain, op type, the opset version in force for that domain, its
    attributes, and its inputs and outputs. Legalization to `deepc` dispatches
    on (domain, op_type, version).

    Besides `onnx.node` the dialect has what an imported graph needs and
    builtin MLIR lacks: `onnx.constant` for initializers, `onnx.none` for
    absent optional inputs, and the `!onnx.unknown` type for values whose
    type the file does not record.

    Element types follow ONNX's data types one to one: `f32`, `f16`,
    `bf16`, `f64`, the float8 types (`f8E4M3FN`, `f8E4M3FNUZ`, `f8E5M2`,
    `f8E5M2FNUZ`), `complex<f32>`/`complex<f64>`, `i1` for bool, and
    signed or unsigned integers (`si8`...`si64`, `ui8`...`ui64`, `si4`,
    `ui4`). Integer signedness is kept in the type, not dropped to
    signless, because ONNX semantics depend on it (Div, Cast, comparisons,
    and above all uint8 versus int8 zero points of QuantizeLinear and
    DequantizeLinear); legalization turns them into signless types.
  }];
  let useDefaultTypePrinterParser = 1;
  let hasConstantMaterializer = 1;
}

class Onnx_Op<string mnemonic, list<Trait> traits = []>
    : Op<Onnx_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

def Onnx_UnknownType : TypeDef<Onnx_Dialect, "Unknown"> {
  let mnemonic = "unknown";
  let summary = "a value whose type the ONNX file does not record";
  let description = [{
    The type of an `onnx.node` result that has neither a `value_info` entry
    nor a graph-output declaration. ONNX files need not record the types
    of intermediate values, and the importer knows no op semantics, so it
    says so instead of guessing; legalization computes the real type from
    the node's inputs. A value whose element type is known but whose shape
    is not gets an unranked tensor type (`tensor<*xf32>`) instead.

    ```mlir
    %y = onnx.node "Relu" version 14 (%x) : (tensor<4xf32>) -> !onnx.unknown
    ```
  }];
}

def Onnx_NodeOp : Onnx_Op<"node"> {
  let summary = "one imported ONNX node";
  let description = [{
    A node of an ONNX graph, kept generic. `op_type` is the ONNX operator
    name, `domain` its operator set domain (`""` is the default ONNX domain,
    also written `ai.onnx`; `com.microsoft` holds ONNX Runtime's contrib
    ops), and `version` the opset version the model imports for that domain.
    `attrs` holds the node's ONNX attributes by name, converted to builtin
    attributes: ints as `i64`, floats as `f32`, strings, tensors as
    elements attributes (as for `onnx.constant`), lists as arrays of
    those. Operands are the node's inputs in order, with `onnx.none` for an
    omitted optional input; results are its outputs in order. A result's
    type comes from the graph's `value_info` or outputs: a ranked tensor
    (`?` for a symbolic or unknown dim), an unranked tensor when only the
    element type is known, `!onnx.unknown` when nothing is, and `none` for
    an omitted optional output.

    The op makes no claim about side effects, since it may stand for any
    operator; passes should treat it as opaque until it is legalized.

    ```mlir
    %y = onnx.node "MatMul" version 13 (%a, %b)
        : (tensor<?x64xf32>, tensor<64x64xf32>) -> tensor<?x64xf32>
    %m = onnx.node "MoE" domain "com.microsoft" version 1 (%x, %r, %w1, %w2)
        {activation_type = "silu", k = 2 : i64}
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

def Onnx_ConstantOp : Onnx_Op<"constant",
    [ConstantLike, Pure, AllTypesMatch<["value", "result"]>]> {
  let summary = "an ONNX initializer";
  let description = [{
    A graph initializer: a named tensor whose data the model file holds.
    The location names the initializer. Small tensors are dense elements
    attributes; large ones are `dense_resource` blobs that point into the
    memory-mapped model or external-data file, so that importing never
    copies the weights. A resource blob holds the elements in ONNX's
    little-endian layout: one byte per `i1`, and for `si4`/`ui4` two
    elements per byte, the first in the low nibble.

    ```mlir
    %shape = onnx.constant dense<[1, -1]> : tensor<2xsi64>
    %w = onnx.constant dense_resource<layer0_w> : tensor<4096x4096xbf16>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs AnyTensor:$result);
  let assemblyFormat = "attr-dict $value";
  let builders = [
    OpBuilder<(ins "::mlir::ElementsAttr":$value), [{
      build($_builder, $_state, value.getType(), value);
    }]>
  ];
  let hasFolder = 1;
}

def Onnx_NoneOp : Onnx_Op<"none", [Pure]> {
  let summary = "the absent value of an optional input or output";
  let description = [{
    ONNX marks an omitted optional input with an empty name. The importer
    passes the result of `onnx.none` in its place, so that the operand
    positions of `onnx.node` match the ONNX input positions. Omitted
    optional outputs are `onnx.node` results of type `none`.

    ```mlir
    %none = onnx.none
    %y = onnx.node "Clip" version 13 (%x, %none, %max)
        : (tensor<4xf32>, none, tensor<f32>) -> tensor<4xf32>
    ```
  }];
  let results = (outs NoneType:$result);
  let assemblyFormat = "attr-dict";
}

#endif // DEEPC_DIALECT_ONNX_IR_ONNXOPS_TD
