//===- DeepcBase.td - deepc dialect, base classes and types -*- tablegen -*-===//
//
// The dialect definition, the base op class and the tensor type constraints
// shared by every op family (DeepcCoreOps.td, DeepcNNOps.td, ...).
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCBASE_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCBASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Deepc_Dialect : Dialect {
  let name = "deepc";
  let cppNamespace = "::mlir::deepc";
  let summary = "graph-level tensor ops for MoE and attention-heavy models";
  let description = [{
    `deepc` works on ranked tensors with static or dynamic dimensions. Besides
    the core tensor math it has the semantic ops that matter for transformer
    and Mixture-of-Experts models: `deepc.attention` (windows, global tokens,
    GQA, softcap, sinks, the dynamic sigmoid gate), `deepc.moe` (softmax or
    sigmoid routing, group-limited top-k, shared experts, capacity factor),
    norms, rotary embeddings, quantized matmuls and the collectives that
    expert- and tensor-parallel partitioning inserts.

    Element types: f32, f16, bf16, f8E4M3FN, i8, i4, i32, i64 and i1
    (integers are signless).
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
  private:
    // Each op family lives in its own TableGen file and .cpp; these add its
    // ops to the dialect (defined next to the family's op definitions).
    void registerCoreOps();
    void registerNNOps();
    void registerQuantOps();
    void registerCollectiveOps();
    void registerAttributes();
  }];
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Deepc_I4 : I<4>;

def Deepc_Float : AnyTypeOf<[F32, F16, BF16, F8E4M3FN], "floating-point">;
def Deepc_Int : AnyTypeOf<[I1, Deepc_I4, I8, I32, I64], "signless integer">;
def Deepc_Index : AnyTypeOf<[I32, I64], "32- or 64-bit index integer">;
def Deepc_QuantStorage : AnyTypeOf<[I8, Deepc_I4, F8E4M3FN],
    "quantized storage type (i8, i4 or f8E4M3FN)">;
def Deepc_Element : AnyTypeOf<[F32, F16, BF16, F8E4M3FN, I1, Deepc_I4, I8, I32, I64],
    "deepc element type">;

def Deepc_Tensor : RankedTensorOf<[Deepc_Element]>;
def Deepc_FloatTensor : RankedTensorOf<[Deepc_Float]>;
def Deepc_IntTensor : RankedTensorOf<[Deepc_Int]>;
def Deepc_IndexTensor : RankedTensorOf<[Deepc_Index]>;
def Deepc_BoolTensor : RankedTensorOf<[I1]>;
def Deepc_QuantTensor : RankedTensorOf<[Deepc_QuantStorage]>;

//===----------------------------------------------------------------------===//
// Attribute constraints
//===----------------------------------------------------------------------===//

// Upstream's I64Attr reads back as uint64_t, so a negative axis would pass a
// `> 0` check; ours reads back signed.
def Deepc_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
    "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

def Deepc_F32Attr : FloatAttrBase<F32, "32-bit float attribute"> {
  let returnType = "float";
  let convertFromStorage = "$_self.getValue().convertToFloat()";
}

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class Deepc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Deepc_Dialect, mnemonic, traits>;

// Result types follow from the operands, exactly: a result type in the IR
// must equal the inferred one. This keeps the custom assembly (which omits
// result types) lossless, and a shape change upstream can always be
// propagated by re-inferring.
defvar Deepc_InferResultType = InferTypeOpAdaptor;

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCBASE_TD
