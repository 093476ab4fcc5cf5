//===- Passes.td - deepc transformation passes ---------------*- tablegen -*-===//

#ifndef DEEPC_TRANSFORMS_PASSES_TD
#define DEEPC_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def DeepcRefineTypesPass : Pass<"deepc-refine-types"> {
  let summary = "make result types as static as the operands allow";
  let description = [{
    Importers and legalization often produce `?` dimensions that the operands
    already pin down (for example a broadcast of `?x64` with `8x64`). This
    pass walks the IR in order and replaces each deepc result type with the
    one its op infers, when the inferred type is strictly more static and
    every user of the result re-infers its own types (so no user's verifier
    depends on the old type). Refinements cascade in one walk.

    Before:
    ```mlir
    %0 = deepc.add %a, %b : tensor<?x64xf32>, tensor<8x64xf32>  // -> ?x64?
    ```
    A result declared `tensor<?x64xf32>` becomes `tensor<8x64xf32>`.
  }];
  let dependentDialects = ["::mlir::deepc::DeepcDialect"];
}

#endif // DEEPC_TRANSFORMS_PASSES_TD
