//===- deepc-opt.cpp - run deepc passes on MLIR files ---------------------===//
//
// The mlir-opt of deepc: parses a module holding onnx, deepc and the upstream
// dialects deepc builds on, runs a textual pass pipeline over it, and prints
// the result. Everything mlir-opt offers (--split-input-file,
// --verify-diagnostics, --mlir-print-ir-after-all, ...) works here.
//
//===----------------------------------------------------------------------===//

#include "deepc/Conversion/Passes.h"
#include "deepc/Dialect/Deepc/IR/Deepc.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"
#include "deepc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::deepc::DeepcDialect, mlir::onnx::OnnxDialect,
                  mlir::func::FuncDialect, mlir::arith::ArithDialect,
                  mlir::tensor::TensorDialect>();

  // Upstream's generic passes (canonicalize, cse, inline, symbol-dce, ...)
  // and ours: transformations and the ONNX legalization.
  mlir::registerTransformsPasses();
  mlir::deepc::registerDeepcPasses();
  mlir::deepc::registerDeepcConversionPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "deepc optimizer driver: runs deepc passes on MLIR\n",
      registry));
}
