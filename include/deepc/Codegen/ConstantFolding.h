//===- ConstantFolding.h - run constant steps at compile time ---*- C++ -*-===//

#ifndef DEEPC_CODEGEN_CONSTANTFOLDING_H
#define DEEPC_CODEGEN_CONSTANTFOLDING_H

#include "deepc/Codegen/ModelPlan.h"

namespace mlir::deepc {

/// Runs every step whose operands are all constants once, at compile time,
/// with the CPU kernels (or the region interpreter), and makes its results
/// constants: an exporter's gather of one expert's weights, a transposed or
/// reshaped weight, then cost nothing per call. A step is left to run time
/// when a result would be larger than the constants it reads (a broadcast,
/// or int8 weights dequantized to f32: weights.bin would grow) or than
/// `maxResultBytes`, or when its kernel fails (the executor then reports
/// the error). Returns the number of steps folded.
unsigned foldConstantSteps(ModelPlan &model, uint64_t maxResultBytes);

} // namespace mlir::deepc

#endif // DEEPC_CODEGEN_CONSTANTFOLDING_H
