//===- onnx_import_fuzzer.cpp - libFuzzer target for the ONNX importer ----===//
//
// Feeds each input to importOnnxModel as an in-memory model, prints the
// module when the import succeeds (the driver's next step, and a check that
// the IR is printable), and throws everything away. An input may fail to
// import in any way it likes; it must not crash, hang, leak or run out of
// memory. Built with ASan and UBSan by DEEPC_BUILD_FUZZERS=ON (see
// scripts/fuzz.sh, which also prepares the working directory).
//
// Each input gets a context of its own: the module's resource blobs point
// into the input, which libFuzzer frees after the call, and a shared context
// would keep them (and every uniqued attribute) forever. The buffer is not a
// copy: it refers to libFuzzer's exactly-sized allocation, so that ASan
// catches any read past the end of the input.
//
// The input is named `fuzz-input.onnx`, in the current directory, so
// relative external-data locations are looked up there: scripts/fuzz.sh
// runs the fuzzer in a directory holding copies of the external-data files
// that the seed models name, so those seeds import successfully too.
//
//===----------------------------------------------------------------------===//

#include "deepc/Import/OnnxImporter.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // No thread pool: one per input would cost more than the import.
  mlir::MLIRContext context(mlir::MLIRContext::Threading::DISABLED);
  // Errors are the expected outcome for nearly every input; swallow them so
  // that the fuzzer's own output stays readable.
  mlir::ScopedDiagnosticHandler swallow(
      &context, [](mlir::Diagnostic &) { return mlir::success(); });

  auto buffer = llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      "fuzz-input.onnx", /*RequiresNullTerminator=*/false);
  // A smaller inlining budget than the driver's 256 MiB (at least 16 times
  // the input's size all the same): a call tree that fills 256 MiB takes
  // some 12 s under ASan, past -timeout, and seeds such as
  // function_bomb.onnx would slow the whole run down.
  mlir::deepc::OnnxImportOptions options;
  options.inlineBudget = uint64_t(4) << 20;
  auto module =
      mlir::deepc::importOnnxModel(std::move(buffer), context, options);
  if (mlir::succeeded(module)) {
    mlir::OpPrintingFlags flags;
    flags.elideLargeResourceString(1024);
    (*module)->print(llvm::nulls(), flags);
  }
  return 0;
}
