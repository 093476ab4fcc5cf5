//===- DeepcQuantOps.td - deepc quantization ops -------------*- tablegen -*-===//
//
// Linear quantization of activations and weights (int8, int4, FP8 e4m3) and
// the matmul that consumes quantized weights directly.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCQUANTOPS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCQUANTOPS_TD

include "deepc/Dialect/Deepc/IR/DeepcBase.td"

// Only `input` and `result` share a shape: `scale` and `zero_point` have the
// granularity's shape, which the verifier checks.
class Deepc_QuantizationOp<string mnemonic, Type inputType, Type resultType>
    : Deepc_Op<mnemonic, [Pure, AllShapesMatch<["input", "result"]>]> {
  let arguments = (ins inputType:$input, Deepc_FloatTensor:$scale,
                       Optional<Deepc_QuantTensor>:$zero_point,
                       DefaultValuedAttr<Deepc_I64Attr, "-1">:$axis,
                       DefaultValuedAttr<Deepc_I64Attr, "0">:$block_size);
  let results = (outs resultType:$result);
  let assemblyFormat = [{
    $input `,` $scale (`,` $zero_point^)? attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
  code granularityDoc = [{
    The granularity follows the shape of `scale` (and of `zero_point`, which
    must match it): a scalar or one-element tensor is per-tensor; a 1-D tensor
    of `input.shape[axis]` elements is per-axis; with `block_size > 0`, a
    tensor of `input`'s rank whose `axis` dimension is
    `ceil(input.shape[axis] / block_size)` (the others equal to `input`'s) is
    blocked, one scale for each `block_size` consecutive elements along
    `axis`. `axis` counts from the end when negative.
  }];
}

def Deepc_QuantizeOp : Deepc_QuantizationOp<"quantize", Deepc_FloatTensor,
                                            Deepc_QuantTensor> {
  let summary = "linear quantization to int8, int4 or FP8";
  let description = [{
    ONNX `QuantizeLinear`: `y = saturate(round(x / scale) + zero_point)`,
    rounding half to even; for f8E4M3FN `y = saturate(x / scale)` with no
    zero point. The storage type is the result's element type.
  }] # granularityDoc # [{

    ```mlir
    %0 = deepc.quantize %x, %s {axis = 0 : i64}
        : (tensor<64x256xf32>, tensor<64xf32>) -> tensor<64x256xi8>
    ```
  }];
}

def Deepc_DequantizeOp : Deepc_QuantizationOp<"dequantize", Deepc_QuantTensor,
                                              Deepc_FloatTensor> {
  let summary = "linear dequantization from int8, int4 or FP8";
  let description = [{
    ONNX `DequantizeLinear`: `y = (x - zero_point) * scale`, computed in the
    result's float type; for f8E4M3FN, which takes no zero point,
    `y = x * scale`.
  }] # granularityDoc # [{

    ```mlir
    %0 = deepc.dequantize %w, %s, %z {axis = 1 : i64, block_size = 32 : i64}
        : (tensor<64x256xi4>, tensor<64x8xf16>, tensor<64x8xi4>)
        -> tensor<64x256xf16>
    ```
  }];
}

def Deepc_QMatmulOp : Deepc_Op<"qmatmul", [Pure, Deepc_InferResultType]> {
  let summary = "matmul with block-quantized weights";
  let description = [{
    `x[..., K] · dequant(weight)ᵀ -> [..., N]` for a weight stored `[N, K]`
    (the `nn.Linear` layout) as i8, i4 or f8E4M3FN. Scales (and, for integer
    weights, optional zero points) cover blocks of `block = [bn, bk]`
    weight elements, so `scales` has shape `[ceil(N/bn), ceil(K/bk)]`:

    - int8 per output channel: `block = [1, K]`;
    - int4/int8 group-wise along K (`MatMulNBits`, GPTQ, AWQ):
      `block = [1, group]`;
    - FP8 block-scaled (DeepSeek-V3, DeepGEMM): `block = [128, 128]`.

    `dequant(w)[n, k] = (w[n, k] - zp[n/bn, k/bk]) * scales[n/bn, k/bk]`.
    The result has `x`'s element type.

    ```mlir
    %0 = deepc.qmatmul %x, %w, %s block = [1, 32]
        : tensor<?x256xf32>, tensor<512x256xi4>, tensor<512x8xf32>
    ```
  }];
  let arguments = (ins Deepc_FloatTensor:$input, Deepc_QuantTensor:$weight,
                       Deepc_FloatTensor:$scales,
                       Optional<Deepc_IntTensor>:$zero_points,
                       DenseI64ArrayAttr:$block);
  let results = (outs Deepc_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight `,` $scales (`,` $zero_points^)? `block` `=` $block
    attr-dict `:` type($input) `,` type($weight) `,` type($scales)
    (`,` type($zero_points)^)?
  }];
  let hasVerifier = 1;
}

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCQUANTOPS_TD
