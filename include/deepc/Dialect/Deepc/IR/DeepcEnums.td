//===- DeepcEnums.td - deepc enum attributes -----------------*- tablegen -*-===//

#ifndef DEEPC_DIALECT_DEEPC_IR_DEEPCENUMS_TD
#define DEEPC_DIALECT_DEEPC_IR_DEEPCENUMS_TD

include "deepc/Dialect/Deepc/IR/DeepcBase.td"
include "mlir/IR/EnumAttr.td"

class Deepc_EnumAttr<EnumAttrInfo info, string name>
    : EnumAttr<Deepc_Dialect, info, name> {
  let assemblyFormat = "`<` $value `>`";
}

def Deepc_RouterFunction : I32EnumAttr<"RouterFunction",
    "how router logits become expert scores", [
      I32EnumAttrCase<"softmax", 0>,
      I32EnumAttrCase<"sigmoid", 1>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_RouterFunctionAttr : Deepc_EnumAttr<Deepc_RouterFunction, "router">;

def Deepc_GroupScore : I32EnumAttr<"GroupScore",
    "how group-limited routing scores a group of experts", [
      I32EnumAttrCase<"max", 0>,
      I32EnumAttrCase<"top2_sum", 1>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_GroupScoreAttr : Deepc_EnumAttr<Deepc_GroupScore, "group_score">;

def Deepc_Activation : I32EnumAttr<"Activation", "expert activation function", [
      I32EnumAttrCase<"silu", 0>,
      I32EnumAttrCase<"gelu", 1>,
      I32EnumAttrCase<"gelu_tanh", 2>,
      I32EnumAttrCase<"relu", 3>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_ActivationAttr : Deepc_EnumAttr<Deepc_Activation, "activation">;

def Deepc_RotaryLayout : I32EnumAttr<"RotaryLayout",
    "which elements of the head dimension form a rotated pair", [
      I32EnumAttrCase<"half", 0>,
      I32EnumAttrCase<"interleaved", 1>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_RotaryLayoutAttr : Deepc_EnumAttr<Deepc_RotaryLayout, "rotary_layout">;

def Deepc_ScatterReduction : I32EnumAttr<"ScatterReduction",
    "how scattered updates combine with the existing value", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"add", 1>,
      I32EnumAttrCase<"mul", 2>,
      I32EnumAttrCase<"max", 3>,
      I32EnumAttrCase<"min", 4>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_ScatterReductionAttr
    : Deepc_EnumAttr<Deepc_ScatterReduction, "scatter_reduction">;

def Deepc_CollectiveReduction : I32EnumAttr<"CollectiveReduction",
    "how an all-reduce combines the ranks' values", [
      I32EnumAttrCase<"sum", 0>,
      I32EnumAttrCase<"prod", 1>,
      I32EnumAttrCase<"max", 2>,
      I32EnumAttrCase<"min", 3>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_CollectiveReductionAttr
    : Deepc_EnumAttr<Deepc_CollectiveReduction, "reduction">;

def Deepc_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "exact erf GELU or its tanh approximation", [
      I32EnumAttrCase<"none", 0>,
      I32EnumAttrCase<"tanh", 1>]> {
  let cppNamespace = "::mlir::deepc";
  let genSpecializedAttr = 0;
}
def Deepc_GeluApproximationAttr
    : Deepc_EnumAttr<Deepc_GeluApproximation, "gelu_approximation">;

#endif // DEEPC_DIALECT_DEEPC_IR_DEEPCENUMS_TD
