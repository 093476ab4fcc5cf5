//===- OnnxImporter.h - ONNX protobuf to the onnx dialect -------*- C++ -*-===//
//
// Step 1 of the pipeline (see DESIGN.md): reads an ONNX model file and builds
// a module of generic `onnx.node` ops. The importer knows no op semantics;
// it checks only what it must to build valid IR (types, dims, tensor data,
// graph structure) and reports everything else faithfully for legalization.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_IMPORT_ONNXIMPORTER_H
#define DEEPC_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>
#include <memory>

namespace llvm {
class MemoryBuffer;
} // namespace llvm

namespace mlir {
class MLIRContext;

namespace deepc {

/// The oldest default-domain (ai.onnx) opset deepc imports: opset 7 made
/// broadcasting multidirectional, as every later opset has it. Whether an
/// operator of an older opset version is supported is legalization's call.
inline constexpr int64_t kMinOnnxOpset = 7;
/// The newest default-domain opset deepc imports: the newest one whose
/// operator set legalization is written against. Raise it together with
/// the legalization patterns.
inline constexpr int64_t kMaxOnnxOpset = 28;

/// Knobs of the ONNX importer.
struct OnnxImportOptions {
  /// Tensors of at most this many bytes become dense elements attributes
  /// (readable in the printed IR, foldable); larger ones become
  /// `dense_resource` blobs that point into the memory-mapped file.
  uint64_t inlineElementsLimit = 1024;
  /// Upper bound on the number of nodes after inlining local functions, so
  /// that a hostile file cannot make inlining blow up exponentially.
  uint64_t maxNodes = uint64_t(1) << 22;
  /// Upper bound on what inlining local functions builds, in estimated
  /// bytes of nodes and call scopes: this, or 16 times the model's size
  /// when that is more. Functions that call each other many times over
  /// reach it long before `maxNodes`, and calls of empty functions, which
  /// make no node, count too. 256 MiB is some 500,000 inlined nodes.
  uint64_t inlineBudget = uint64_t(256) << 20;
  /// Compile without the weights, for benchmarks (include/deepc/Import/
  /// DummyWeights.h): initializers larger than `inlineElementsLimit` are
  /// not read, and their external-data files may be absent (small ones in
  /// an absent file become dummy too), unless some node reads them as a
  /// shape, axes or count.
  bool dummyWeights = false;
};

/// Imports the ONNX model at `path` into a new module holding one
/// `func.func @main` (always `main`, whatever the graph's name, so that
/// later stages and the runtime find the entry point), whose arguments are
/// the graph inputs that are not initializers and whose results are the
/// graph outputs. Loads the dialects it needs into `context`. On failure
/// emits one error diagnostic (naming the file, node, value or initializer
/// at fault) and returns failure.
///
/// What the module records besides the ops:
///  - module attributes `onnx.opset_imports` (domain -> version, the default
///    domain spelled "ai.onnx"), `onnx.ir_version`, `onnx.producer` and
///    `onnx.graph_name`;
///  - on each argument and result `onnx.name`, the ONNX value name, and,
///    when some dim is symbolic, `onnx.dim_params`: one string per dim, the
///    dim_param or "" (e.g. ["batch", "seq", ""]), so that later stages can
///    tie equal symbolic dims together;
///  - locations: `NameLoc(<name>, FileLineColLoc(path, 0, 0))`, named after
///    the value for arguments and initializers and after the node (or its
///    first output when unnamed) for nodes; nodes inlined from local
///    functions are named `<call node>/<body node>`.
///
/// The model file and any external-data files are memory-mapped; large
/// initializers become resource blobs that point into those mappings and
/// keep them alive, so the mappings live as long as the context holds the
/// blobs.
FailureOr<OwningOpRef<ModuleOp>>
importOnnxModel(llvm::StringRef path, MLIRContext &context,
                const OnnxImportOptions &options = {});

/// Imports the ONNX model held in `buffer`, as the overload above imports a
/// file (the file path is mapped into just such a buffer). The buffer's
/// identifier stands for the model's path: locations and messages name it,
/// and relative external-data locations are resolved against its directory
/// (the current directory when it has none). Large initializers point into
/// the buffer, which they keep alive. The fuzz target uses this to import
/// from memory without a file per input.
FailureOr<OwningOpRef<ModuleOp>>
importOnnxModel(std::unique_ptr<llvm::MemoryBuffer> buffer,
                MLIRContext &context, const OnnxImportOptions &options = {});

} // namespace deepc
} // namespace mlir

#endif // DEEPC_IMPORT_ONNXIMPORTER_H
