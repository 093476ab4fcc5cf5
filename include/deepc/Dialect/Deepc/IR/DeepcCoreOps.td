//===- DeepcCoreOps.td - deepc core tensor ops ---------------*- tablegen -*-===//
//
// Constants, elementwise math with numpy broadcasting, matmul, reductions,
// softmax, gather/scatter and the data-movement ops. Exporters produce these
// directly; the semantic ops in DeepcNNOps.td are raised from them.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCCOREOPS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCCOREOPS_TD

include "deepc/Dialect/Deepc/IR/DeepcBase.td"
include "deepc/Dialect/Deepc/IR/DeepcEnums.td"

//===----------------------------------------------------------------------===//
// deepc.constant
//===----------------------------------------------------------------------===//

def Deepc_ConstantOp : Deepc_Op<"constant",
    [ConstantLike, Pure, Deepc_InferResultType]> {
  let summary = "tensor constant";
  let description = [{
    A tensor whose value is known at compile time. Large weights are held as
    `dense_resource` blobs so they never appear in the IR text.

    ```mlir
    %0 = deepc.constant dense<[1.0, 2.0]> : tensor<2xf32>
    ```
  }];
  let arguments = (ins ElementsAttr:$value);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = "attr-dict $value";
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Elementwise unary ops
//===----------------------------------------------------------------------===//

class Deepc_UnaryOp<string mnemonic, Type operandType, string formula,
                    list<Trait> traits = []>
    : Deepc_Op<mnemonic, !listconcat(traits, [Pure, SameOperandsAndResultType])> {
  let summary = "elementwise " # formula;
  let description = "Computes `" # formula # "` for every element.";
  let arguments = (ins operandType:$input);
  let results = (outs operandType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Deepc_NegOp : Deepc_UnaryOp<"neg", Deepc_Tensor, "-x"> {
  let hasFolder = 1;
}
def Deepc_AbsOp : Deepc_UnaryOp<"abs", Deepc_Tensor, "|x|"> {
  let hasFolder = 1;
}
def Deepc_ExpOp : Deepc_UnaryOp<"exp", Deepc_FloatTensor, "e^x">;
def Deepc_LogOp : Deepc_UnaryOp<"log", Deepc_FloatTensor, "ln(x)">;
def Deepc_SqrtOp : Deepc_UnaryOp<"sqrt", Deepc_FloatTensor, "sqrt(x)">;
def Deepc_RsqrtOp : Deepc_UnaryOp<"rsqrt", Deepc_FloatTensor, "1 / sqrt(x)">;
def Deepc_ReciprocalOp : Deepc_UnaryOp<"reciprocal", Deepc_FloatTensor, "1 / x">;
def Deepc_TanhOp : Deepc_UnaryOp<"tanh", Deepc_FloatTensor, "tanh(x)">;
def Deepc_SigmoidOp : Deepc_UnaryOp<"sigmoid", Deepc_FloatTensor,
    "1 / (1 + e^-x)">;
def Deepc_SiluOp : Deepc_UnaryOp<"silu", Deepc_FloatTensor,
    "x * sigmoid(x)">;
def Deepc_ReluOp : Deepc_UnaryOp<"relu", Deepc_Tensor, "max(x, 0)"> {
  let hasFolder = 1;
}
def Deepc_ErfOp : Deepc_UnaryOp<"erf", Deepc_FloatTensor, "erf(x)">;
def Deepc_SinOp : Deepc_UnaryOp<"sin", Deepc_FloatTensor, "sin(x)">;
def Deepc_CosOp : Deepc_UnaryOp<"cos", Deepc_FloatTensor, "cos(x)">;
def Deepc_FloorOp : Deepc_UnaryOp<"floor", Deepc_FloatTensor, "floor(x)">;
def Deepc_CeilOp : Deepc_UnaryOp<"ceil", Deepc_FloatTensor, "ceil(x)">;
def Deepc_NotOp : Deepc_UnaryOp<"not", Deepc_BoolTensor, "!x"> {
  let hasFolder = 1;
}

def Deepc_GeluOp : Deepc_Op<"gelu", [Pure, SameOperandsAndResultType]> {
  let summary = "elementwise GELU";
  let description = [{
    `x * Φ(x)` with the exact erf form of Φ, or with `approximation = tanh`
    the form `0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))` that GPT-2 and
    gelu_pytorch_tanh use.

    ```mlir
    %0 = deepc.gelu %x approximation = tanh : tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input,
      DefaultValuedAttr<Deepc_GeluApproximationAttr,
                        "GeluApproximation::none">:$approximation);
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $input (`approximation` `=` $approximation^)? attr-dict `:` type($input)
  }];
}

//===----------------------------------------------------------------------===//
// Elementwise binary ops (numpy broadcasting)
//===----------------------------------------------------------------------===//

class Deepc_BinaryOp<string mnemonic, Type operandType, Type resultType,
                     string formula, list<Trait> traits = []>
    : Deepc_Op<mnemonic, !listconcat(traits,
          [Pure, SameOperandsElementType, Deepc_InferResultType])> {
  let summary = "elementwise " # formula # " with numpy broadcasting";
  let description = "Computes `" # formula # [{` for every element of the
    broadcast of the two operands. Shapes broadcast as in numpy: aligned on
    the right, a dimension of 1 stretches to match the other, and a dynamic
    dimension is assumed to match.

    ```mlir
    %0 = deepc.add %a, %b : tensor<?x1x64xf32>, tensor<4x64xf32>
    ```
  }];
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs resultType:$result);
  let assemblyFormat = "$lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs)";
}

class Deepc_ArithBinaryOp<string mnemonic, string formula,
                          list<Trait> traits = []>
    : Deepc_BinaryOp<mnemonic, Deepc_Tensor, Deepc_Tensor, formula, traits>;

def Deepc_AddOp : Deepc_ArithBinaryOp<"add", "x + y", [Commutative]> {
  let hasFolder = 1;
}
def Deepc_SubOp : Deepc_ArithBinaryOp<"sub", "x - y"> {
  let hasFolder = 1;
}
def Deepc_MulOp : Deepc_ArithBinaryOp<"mul", "x * y", [Commutative]> {
  let hasFolder = 1;
}
def Deepc_DivOp : Deepc_ArithBinaryOp<"div", "x / y"> {
  let hasFolder = 1;
}
def Deepc_ModOp : Deepc_ArithBinaryOp<"mod", "x mod y"> {
  let description = [{
    The remainder of `x / y` for every element of the broadcast of the two
    operands, with ONNX Mod's two conventions:

    - `fmod = false` (integers only): the remainder of floor division, with
      the divisor's sign, as Python's `%`: `-7 mod 3 = 2`, `7 mod -3 = -2`;
    - `fmod = true`: the remainder of truncated division, with the
      dividend's sign, as C's `fmod` and `%`: `-7 mod 3 = -1`. Floats
      require it.

    An integer remainder by zero is an error at run time, as in onnxruntime;
    `MIN mod -1` is 0.

    ```mlir
    %0 = deepc.mod %a, %b : tensor<4xi32>, tensor<4xi32>
    %1 = deepc.mod %x, %y fmod = true : tensor<4xf32>, tensor<1xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$lhs, Deepc_Tensor:$rhs,
      DefaultValuedAttr<BoolAttr, "false">:$fmod);
  let assemblyFormat = [{
    $lhs `,` $rhs (`fmod` `=` $fmod^)? attr-dict `:` type($lhs) `,` type($rhs)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}
def Deepc_PowOp : Deepc_BinaryOp<"pow", Deepc_FloatTensor, Deepc_FloatTensor,
    "x ^ y"> {
  let hasFolder = 1;
}
def Deepc_MaxOp : Deepc_ArithBinaryOp<"max", "max(x, y)", [Commutative]> {
  let hasFolder = 1;
}
def Deepc_MinOp : Deepc_ArithBinaryOp<"min", "min(x, y)", [Commutative]> {
  let hasFolder = 1;
}

class Deepc_CompareOp<string mnemonic, string formula, list<Trait> traits = []>
    : Deepc_BinaryOp<mnemonic, Deepc_Tensor, Deepc_BoolTensor, formula, traits>;

def Deepc_EqualOp : Deepc_CompareOp<"equal", "x == y", [Commutative]>;
def Deepc_LessOp : Deepc_CompareOp<"less", "x < y">;
def Deepc_LessEqualOp : Deepc_CompareOp<"less_equal", "x <= y">;
def Deepc_GreaterOp : Deepc_CompareOp<"greater", "x > y">;
def Deepc_GreaterEqualOp : Deepc_CompareOp<"greater_equal", "x >= y">;

class Deepc_LogicalOp<string mnemonic, string formula>
    : Deepc_BinaryOp<mnemonic, Deepc_BoolTensor, Deepc_BoolTensor, formula,
                     [Commutative]>;

def Deepc_AndOp : Deepc_LogicalOp<"and", "x && y">;
def Deepc_OrOp : Deepc_LogicalOp<"or", "x || y">;
def Deepc_XorOp : Deepc_LogicalOp<"xor", "x != y">;

def Deepc_SelectOp : Deepc_Op<"select", [Pure, Deepc_InferResultType,
    AllElementTypesMatch<["true_value", "false_value", "result"]>]> {
  let summary = "elementwise choice with numpy broadcasting";
  let description = [{
    `cond ? true_value : false_value` elementwise, all three operands
    broadcast together (ONNX `Where`).

    ```mlir
    %0 = deepc.select %c, %a, %b
        : tensor<1x1x8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>
    ```
  }];
  let arguments = (ins Deepc_BoolTensor:$cond, Deepc_Tensor:$true_value,
                       Deepc_Tensor:$false_value);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $cond `,` $true_value `,` $false_value attr-dict `:`
    type($cond) `,` type($true_value) `,` type($false_value)
  }];
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// deepc.matmul
//===----------------------------------------------------------------------===//

def Deepc_MatmulOp : Deepc_Op<"matmul",
    [Pure, SameOperandsElementType, Deepc_InferResultType]> {
  let summary = "matrix multiply with broadcast batch dimensions";
  let description = [{
    `lhs[..., M, K] · rhs[..., K, N] -> [..., M, N]`. Both operands have rank
    2 or more; the leading (batch) dimensions broadcast as in numpy, so one
    op covers a plain GEMM, a batched matmul and a weight shared across a
    batch. `transpose_lhs` / `transpose_rhs` read that operand's last two
    dimensions swapped, which is how `nn.Linear` weights ([N, K]) are used
    without a separate transpose.

    ```mlir
    %0 = deepc.matmul %x, %w transpose_rhs : tensor<?x64xf32>, tensor<256x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$lhs, Deepc_Tensor:$rhs,
                       UnitAttr:$transpose_lhs, UnitAttr:$transpose_rhs);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs (`transpose_lhs` $transpose_lhs^)?
    (`transpose_rhs` $transpose_rhs^)? attr-dict `:` type($lhs) `,` type($rhs)
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// Reductions
//===----------------------------------------------------------------------===//

class Deepc_ReduceOp<string mnemonic, string formula>
    : Deepc_Op<mnemonic, [Pure, SameOperandsAndResultElementType,
                          Deepc_InferResultType]> {
  let summary = formula # " over the given axes";
  let description = "Reduces `input` with " # formula # [{ over `axes`
    (negative axes count from the end). With `keep_dims` the reduced
    dimensions stay as size 1, otherwise they are removed.

    ```mlir
    %0 = deepc.reduce_sum %x axes = [-1] keep_dims : tensor<4x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, DenseI64ArrayAttr:$axes,
                       UnitAttr:$keep_dims);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes (`keep_dims` $keep_dims^)? attr-dict `:`
    type($input)
  }];
  let hasFolder = 1;
}

def Deepc_ReduceSumOp : Deepc_ReduceOp<"reduce_sum", "the sum">;
def Deepc_ReduceMeanOp : Deepc_ReduceOp<"reduce_mean", "the mean">;
def Deepc_ReduceMaxOp : Deepc_ReduceOp<"reduce_max", "the maximum">;
def Deepc_ReduceMinOp : Deepc_ReduceOp<"reduce_min", "the minimum">;
def Deepc_ReduceProdOp : Deepc_ReduceOp<"reduce_prod", "the product">;

def Deepc_ArgMaxOp : Deepc_Op<"argmax", [Pure, Deepc_InferResultType]> {
  let summary = "index of the maximum along an axis";
  let description = [{
    The index (i64) of the first maximum of `input` along `axis`; with
    `keep_dims` the axis stays as size 1.

    ```mlir
    %0 = deepc.argmax %logits axis = -1 : tensor<4x256xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, Deepc_I64Attr:$axis,
                       UnitAttr:$keep_dims);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`keep_dims` $keep_dims^)? attr-dict `:`
    type($input)
  }];
}

def Deepc_SoftmaxOp : Deepc_Op<"softmax", [Pure, SameOperandsAndResultType]> {
  let summary = "softmax along one axis";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (negative counts
    from the end).

    ```mlir
    %0 = deepc.softmax %scores axis = -1 : tensor<1x4x8x8xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input, Deepc_I64Attr:$axis);
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = "$input `axis` `=` $axis attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Gather / scatter
//===----------------------------------------------------------------------===//

def Deepc_GatherOp : Deepc_Op<"gather",
    [Pure, Deepc_InferResultType,
     AllElementTypesMatch<["data", "result"]>]> {
  let summary = "gather slices along an axis";
  let description = [{
    ONNX `Gather`: `result[i..., j..., k...] = data[i..., indices[j...], k...]`
    where `axis` is the position of the indexed dimension. Negative indices
    count from the end of that dimension. The result shape is
    `data.shape[:axis] + indices.shape + data.shape[axis+1:]`.

    ```mlir
    %0 = deepc.gather %embed[%ids] axis = 0 : tensor<256x64xf32>, tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$data, Deepc_IndexTensor:$indices,
                       Deepc_I64Attr:$axis);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:` type($data) `,`
    type($indices)
  }];
}

def Deepc_ScatterOp : Deepc_Op<"scatter",
    [Pure, AllTypesMatch<["data", "result"]>,
     AllElementTypesMatch<["data", "updates"]>]> {
  let summary = "scatter slices into a copy of data by N-d index";
  let description = [{
    ONNX `ScatterND`: `indices` has shape `[..., k]`; each index tuple
    selects a slice `data[i0, ..., ik-1]`, which is replaced by (or, with a
    `reduction`, combined with) the matching slice of `updates`, whose shape
    must be `indices.shape[:-1] + data.shape[k:]`. Duplicate indices with
    `reduction = none` leave an unspecified winner, as in ONNX.

    ```mlir
    %0 = deepc.scatter %out[%idx], %upd reduction = add
        : tensor<16x64xf32>, tensor<?x1xi64>, tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$data, Deepc_IndexTensor:$indices,
                       Deepc_Tensor:$updates,
                       DefaultValuedAttr<Deepc_ScatterReductionAttr,
                                         "ScatterReduction::none">:$reduction);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `,` $updates (`reduction` `=` $reduction^)?
    attr-dict `:` type($data) `,` type($indices) `,` type($updates)
  }];
  let hasVerifier = 1;
}

def Deepc_GatherElementsOp : Deepc_Op<"gather_elements",
    [Pure, Deepc_InferResultType,
     AllElementTypesMatch<["data", "result"]>]> {
  let summary = "gather single elements along an axis by a same-rank index";
  let description = [{
    ONNX `GatherElements`: `indices` has the rank of `data`, and
    `result[i0, ..., ik, ...] = data[i0, ..., indices[i0, ..., ik, ...], ...]`
    with the index replacing the coordinate along `axis`. Negative indices
    count from the end of that dimension. The result has the shape of
    `indices`, which may be smaller than `data` along any dimension.

    ```mlir
    %0 = deepc.gather_elements %scores[%idx] axis = 1
        : tensor<?x8xf32>, tensor<?x2xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$data, Deepc_IndexTensor:$indices,
                       Deepc_I64Attr:$axis);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `axis` `=` $axis attr-dict `:` type($data) `,`
    type($indices)
  }];
}

def Deepc_ScatterElementsOp : Deepc_Op<"scatter_elements",
    [Pure, AllTypesMatch<["data", "result"]>,
     AllElementTypesMatch<["data", "updates"]>]> {
  let summary = "scatter single elements into a copy of data along an axis";
  let description = [{
    ONNX `ScatterElements`, the inverse of `gather_elements`: `indices` and
    `updates` have the same shape and the rank of `data`, and each update
    goes to the element of `data` at its own coordinates with the one along
    `axis` replaced by the index:
    `result[i0, ..., indices[i0, ..., ik, ...], ...] = updates[i0, ..., ik, ...]`.
    Elements no index names keep their value from `data`. Negative indices
    count from the end of the axis. With a `reduction` (`add`, `mul`,
    `max`, `min`) each update is combined with the value already there, in
    any order; with `none`, duplicate indices leave an unspecified winner,
    as in ONNX. `indices` may be smaller than `data` in any dimension, and
    only on the axis may it be larger. Routers use it to mask the experts
    a token may not choose (scattering the kept group scores into a tensor
    of zeros).

    ```mlir
    %0 = deepc.scatter_elements %mask[%idx], %ones axis = 1
        : tensor<?x8xf32>, tensor<?x2xi64>, tensor<?x2xf32>
    %1 = deepc.scatter_elements %acc[%idx], %upd axis = 0 reduction = <add>
        : tensor<16x4xf32>, tensor<32x4xi32>, tensor<32x4xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$data, Deepc_IndexTensor:$indices,
                       Deepc_Tensor:$updates, Deepc_I64Attr:$axis,
                       DefaultValuedAttr<Deepc_ScatterReductionAttr,
                                         "ScatterReduction::none">:$reduction);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` `,` $updates `axis` `=` $axis
    (`reduction` `=` $reduction^)? attr-dict `:` type($data) `,`
    type($indices) `,` type($updates)
  }];
  let hasVerifier = 1;
}

def Deepc_GatherNdOp : Deepc_Op<"gather_nd",
    [Pure, Deepc_InferResultType,
     AllElementTypesMatch<["data", "result"]>]> {
  let summary = "gather slices by N-d index tuples";
  let description = [{
    ONNX `GatherND`: `indices` has shape `[..., k]`, and each index tuple
    selects the slice `data[b..., i0, ..., ik-1]`, where the first
    `batch_dims` dimensions of `data` and `indices` are shared batch
    dimensions. The result shape is
    `indices.shape[:-1] + data.shape[batch_dims + k:]`. `k` (the last
    dimension of `indices`) must be static. Negative indices count from the
    end of their dimension. This is how exporters gather stacked expert
    weights by the routed expert ids.

    ```mlir
    %0 = deepc.gather_nd %w[%ids] : tensor<8x128x64xf32>, tensor<?x2x1xi64>
    %1 = deepc.gather_nd %x[%pos] batch_dims = 1
        : tensor<2x16x64xf32>, tensor<2x4x1xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$data, Deepc_IndexTensor:$indices,
                       DefaultValuedAttr<Deepc_I64Attr, "0">:$batch_dims);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $data `[` $indices `]` (`batch_dims` `=` $batch_dims^)? attr-dict `:`
    type($data) `,` type($indices)
  }];
}

//===----------------------------------------------------------------------===//
// Selection and scans
//===----------------------------------------------------------------------===//

def Deepc_TopKOp : Deepc_Op<"topk", [Pure, Deepc_InferResultType,
    AllElementTypesMatch<["input", "values"]>]> {
  let summary = "the k largest or smallest elements along an axis";
  let description = [{
    ONNX `TopK` with a compile-time `k`: `values` holds the `k` largest
    (or, without `largest`, smallest) elements of `input` along `axis`, and
    `indices` (i64) their positions along that axis. Both results have the
    input's shape with `axis` of size `k`. With `sorted` the elements come
    in order (descending for `largest`), otherwise in an unspecified order.
    Equal elements keep their input order: the lower index comes first.
    This is the selection step of top-k MoE routing.

    ```mlir
    %values, %indices = deepc.topk %probs k = 2 axis = -1
        : tensor<?x8xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, Deepc_I64Attr:$k,
                       DefaultValuedAttr<Deepc_I64Attr, "-1">:$axis,
                       DefaultValuedAttr<BoolAttr, "true">:$largest,
                       DefaultValuedAttr<BoolAttr, "true">:$sorted);
  let results = (outs Deepc_Tensor:$values, RankedTensorOf<[I64]>:$indices);
  let assemblyFormat = [{
    $input `k` `=` $k `axis` `=` $axis attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def Deepc_CumSumOp : Deepc_Op<"cumsum", [Pure, SameOperandsAndResultType]> {
  let summary = "cumulative sum along an axis";
  let description = [{
    ONNX `CumSum`: `result[..., i, ...] = sum(input[..., j, ...])` along
    `axis` for `j <= i`; with `exclusive`, `j < i` (the first element is 0);
    with `reverse`, the sum runs from the end (`j >= i`, or `j > i` when
    also exclusive). Exporters use it for position ids from attention masks
    and for MoE token offsets.

    ```mlir
    %0 = deepc.cumsum %mask axis = 1 exclusive : tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, Deepc_I64Attr:$axis,
                       UnitAttr:$exclusive, UnitAttr:$reverse);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis (`exclusive` $exclusive^)? (`reverse` $reverse^)?
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Deepc_TriluOp : Deepc_Op<"trilu", [Pure, SameOperandsAndResultType]> {
  let summary = "keep the upper or lower triangle of the last two dims";
  let description = [{
    ONNX `Trilu` over the last two dimensions `[..., M, N]` of `input`
    (rank 2 or more): element `(i, j)` is kept when `j - i >= k` (the upper
    triangle, the default) or, with `lower`, when `j - i <= k`; the others
    become 0. `k = 0` is the main diagonal, positive `k` above it. Causal
    masks are built this way.

    ```mlir
    %0 = deepc.trilu %ones k = 1 : tensor<8x8xf32>
    %1 = deepc.trilu %x lower : tensor<?x?xi1>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, UnitAttr:$lower,
                       DefaultValuedAttr<Deepc_I64Attr, "0">:$k);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input (`lower` $lower^)? (`k` `=` $k^)? attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Deepc_NonZeroOp : Deepc_Op<"nonzero", [Pure, Deepc_InferResultType]> {
  let summary = "coordinates of the non-zero elements";
  let description = [{
    ONNX `NonZero`: a `[rank(input), n]` i64 tensor whose column `c` holds
    the coordinates of the `c`-th non-zero element of `input` in row-major
    order; `n`, the number of non-zero elements, is known only at run time.
    Per-expert MoE loops find each expert's tokens this way.

    ```mlir
    %0 = deepc.nonzero %hit : tensor<?x8xi1>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Deepc_RangeOp : Deepc_Op<"range",
    [Pure, AllTypesMatch<["start", "limit", "delta"]>,
     AllElementTypesMatch<["start", "result"]>]> {
  let summary = "a 1-D arithmetic sequence with run-time bounds";
  let description = [{
    ONNX `Range`: `result[i] = start + i * delta` for
    `i < max(0, ceil((limit - start) / delta))`, where `start`, `limit` and
    `delta` are rank-0 tensors of the result's element type. The result is
    1-D; its length is dynamic unless the bounds are known, in which case
    legalization emits a constant instead. A static length given in the
    result type must agree with constant bounds. Position ids for a
    sequence whose length is a dynamic dimension come from here.

    ```mlir
    %0 = deepc.range %zero, %seq, %one : tensor<i64> -> tensor<?xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$start, Deepc_Tensor:$limit,
                       Deepc_Tensor:$delta);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $start `,` $limit `,` $delta attr-dict `:` type($start) `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

def Deepc_ReshapeOp : Deepc_Op<"reshape",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "reinterpret the shape, keeping element order";
  let description = [{
    The result holds the elements of `input` in row-major order with the
    shape of the result type. When the result has more than one dynamic
    dimension, a 1-D `shape` operand gives the runtime extents.

    ```mlir
    %0 = deepc.reshape %x : tensor<?x64xf32> -> tensor<?x4x16xf32>
    %1 = deepc.reshape %y shape %s : tensor<?xf32>, tensor<3xi64> -> tensor<?x?x16xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input,
                       Optional<RankedTensorOf<[I64]>>:$shape);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input (`shape` $shape^)? attr-dict `:` type($input)
    (`,` type($shape)^)? `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Deepc_TransposeOp : Deepc_Op<"transpose",
    [Pure, SameOperandsAndResultElementType, Deepc_InferResultType]> {
  let summary = "permute dimensions";
  let description = [{
    `result.shape[i] = input.shape[permutation[i]]`.

    ```mlir
    %0 = deepc.transpose %x [0, 2, 1, 3] : tensor<1x8x4x16xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, DenseI64ArrayAttr:$permutation);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = "$input $permutation attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Deepc_ConcatOp : Deepc_Op<"concat",
    [Pure, SameOperandsAndResultElementType, Deepc_InferResultType]> {
  let summary = "concatenate along an axis";
  let description = [{
    Joins `inputs` along `axis`; every other dimension must agree.

    ```mlir
    %0 = deepc.concat %a, %b axis = -1 : tensor<?x32xf32>, tensor<?x32xf32>
    ```
  }];
  let arguments = (ins Variadic<Deepc_Tensor>:$inputs, Deepc_I64Attr:$axis);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $inputs `axis` `=` $axis attr-dict `:` type($inputs)
  }];
  let hasFolder = 1;
}

def Deepc_SliceOp : Deepc_Op<"slice",
    [Pure, SameOperandsAndResultElementType, Deepc_InferResultType]> {
  let summary = "strided slice with ONNX clamping";
  let description = [{
    ONNX `Slice` with constant bounds: for each listed axis, take
    `starts[i]` to `ends[i]` (exclusive) by `steps[i]`. Negative starts and
    ends count from the end of the dimension; both are clamped to the
    dimension, so `ends = [9223372036854775807]` means "to the end". Axes
    not listed are kept whole.

    ```mlir
    %0 = deepc.slice %x axes = [1] starts = [0] ends = [32] steps = [1]
        : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, DenseI64ArrayAttr:$axes,
                       DenseI64ArrayAttr:$starts, DenseI64ArrayAttr:$ends,
                       DenseI64ArrayAttr:$steps);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input `axes` `=` $axes `starts` `=` $starts `ends` `=` $ends
    `steps` `=` $steps attr-dict `:` type($input)
  }];
  let hasFolder = 1;
}

def Deepc_ExpandOp : Deepc_Op<"expand",
    [Pure, AllElementTypesMatch<["input", "result"]>]> {
  let summary = "broadcast to a larger shape";
  let description = [{
    Broadcasts `input` to the result type's shape with numpy rules. A
    dynamic result dimension that the input does not determine takes its
    extent from the optional 1-D `shape` operand. With a `shape` operand,
    the result has exactly the extents it holds, so a dynamic input
    dimension may also be 1 at run time and broadcast; without one, each
    dynamic input dimension keeps its extent.

    ```mlir
    %0 = deepc.expand %kv : tensor<1x2x1x8x16xf32> -> tensor<1x2x4x8x16xf32>
    %1 = deepc.expand %ids shape %s : tensor<1x?xi64>, tensor<2xi64>
        -> tensor<?x?xi64>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input,
                       Optional<RankedTensorOf<[I64]>>:$shape);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input (`shape` $shape^)? attr-dict `:` type($input)
    (`,` type($shape)^)? `->` type($result)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Deepc_ShapeOfOp : Deepc_Op<"shape_of", [Pure, Deepc_InferResultType]> {
  let summary = "the extents of a tensor as a 1-D i64 tensor";
  let description = [{
    `result[i]` is the extent of dimension `i` of `input` at run time; the
    result has one element per input dimension. This is ONNX `Shape` for
    tensors with dynamic dimensions: legalization folds the static
    dimensions to constants and uses `shape_of` (sliced to the dimensions it
    needs) only for the dynamic ones, for example to build the `shape`
    operand of `deepc.reshape`. On a statically shaped input it folds to a
    constant.

    ```mlir
    %0 = deepc.shape_of %x : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input);
  let results = (outs RankedTensorOf<[I64]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasFolder = 1;
}

def Deepc_CastOp : Deepc_Op<"cast", [Pure, SameOperandsAndResultShape]> {
  let summary = "convert the element type";
  let description = [{
    Converts every element to the result's element type: floats round to
    nearest even, float to integer truncates toward zero and saturates,
    integer to integer wraps, and anything to i1 tests for non-zero.

    ```mlir
    %0 = deepc.cast %x : tensor<4x64xf32> to tensor<4x64xbf16>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCCOREOPS_TD
