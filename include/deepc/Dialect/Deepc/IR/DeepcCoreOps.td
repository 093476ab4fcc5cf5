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
    extent from the optional 1-D `shape` operand.

    ```mlir
    %0 = deepc.expand %kv : tensor<1x2x1x8x16xf32> -> tensor<1x2x4x8x16xf32>
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
