//===- DeepcCollectiveOps.td - deepc collectives -------------*- tablegen -*-===//
//
// Communication between the ranks of a parallel group, inserted by expert-
// and tensor-parallel partitioning. Each rank runs the same program; an op
// here is a rendezvous of all `group_size` ranks. None of these ops is Pure:
// removing or duplicating one on some ranks only would deadlock the others.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCCOLLECTIVEOPS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCCOLLECTIVEOPS_TD

include "deepc/Dialect/Deepc/IR/DeepcBase.td"
include "deepc/Dialect/Deepc/IR/DeepcEnums.td"

def Deepc_AllReduceOp : Deepc_Op<"all_reduce",
    [AllTypesMatch<["input", "result"]>]> {
  let summary = "combine a tensor across all ranks of a group";
  let description = [{
    Every rank receives the elementwise `reduction` (`sum`, the default,
    `prod`, `max` or `min`) of all ranks' `input` (tensor-parallel partial
    sums).

    ```mlir
    %0 = deepc.all_reduce %partial group_size = 2 : tensor<?x64xf32>
    %1 = deepc.all_reduce %m reduction = <max> group_size = 8 : tensor<4xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input,
                       DefaultValuedAttr<Deepc_CollectiveReductionAttr,
                           "CollectiveReduction::sum">:$reduction,
                       Deepc_I64Attr:$group_size);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input (`reduction` `=` $reduction^)? `group_size` `=` $group_size
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Deepc_AllGatherOp : Deepc_Op<"all_gather", [Deepc_InferResultType,
    SameOperandsAndResultElementType]> {
  let summary = "concatenate every rank's tensor along an axis";
  let description = [{
    Every rank receives the concatenation, in rank order along `axis`, of
    all ranks' `input`; that dimension grows by a factor of `group_size`.

    ```mlir
    %0 = deepc.all_gather %shard axis = 0 group_size = 4 : tensor<16x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, Deepc_I64Attr:$axis,
                       Deepc_I64Attr:$group_size);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input `axis` `=` $axis `group_size` `=` $group_size attr-dict `:`
    type($input)
  }];
}

def Deepc_AllToAllOp : Deepc_Op<"all_to_all", [Deepc_InferResultType,
    SameOperandsAndResultElementType]> {
  let summary = "exchange slices between all ranks of a group";
  let description = [{
    Each rank splits `input` into `group_size` equal chunks along
    `split_axis` and sends chunk `r` to rank `r`; the chunks it receives are
    concatenated in rank order along `concat_axis`. This is expert-parallel
    token dispatch and combine.

    ```mlir
    %0 = deepc.all_to_all %tokens split_axis = 0 concat_axis = 0 group_size = 2
        : tensor<8x16x64xf32>
    ```
  }];
  let arguments = (ins Deepc_Tensor:$input, Deepc_I64Attr:$split_axis,
                       Deepc_I64Attr:$concat_axis, Deepc_I64Attr:$group_size);
  let results = (outs Deepc_Tensor:$result);
  let assemblyFormat = [{
    $input `split_axis` `=` $split_axis `concat_axis` `=` $concat_axis
    `group_size` `=` $group_size attr-dict `:` type($input)
  }];
}

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCCOLLECTIVEOPS_TD
