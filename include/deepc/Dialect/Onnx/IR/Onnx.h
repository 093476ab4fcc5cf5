//===- Onnx.h - the imported-ONNX dialect -----------------------*- C++ -*-===//
#ifndef DEEPC_DIALECT_ONNX_IR_ONNX_H
#define DEEPC_DIALECT_ONNX_IR_ONNX_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "deepc/Dialect/Onnx/IR/OnnxDialect.h.inc"

#define GET_TYPEDEF_CLASSES
#include "deepc/Dialect/Onnx/IR/OnnxTypes.h.inc"

#define GET_OP_CLASSES
#include "deepc/Dialect/Onnx/IR/OnnxOps.h.inc"

#endif // DEEPC_DIALECT_ONNX_IR_ONNX_H
