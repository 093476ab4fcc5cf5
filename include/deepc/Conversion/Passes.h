//===- Passes.h - deepc conversion passes -----------------------*- C++ -*-===//

#ifndef DEEPC_CONVERSION_PASSES_H
#define DEEPC_CONVERSION_PASSES_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace deepc {

#define GEN_PASS_DECL
#include "deepc/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "deepc/Conversion/Passes.h.inc"

} // namespace deepc
} // namespace mlir

#endif // DEEPC_CONVERSION_PASSES_H
