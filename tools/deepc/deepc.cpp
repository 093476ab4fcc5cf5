//===- deepc.cpp - the deepc compiler driver ------------------------------===//
//
// `deepc MODEL.onnx [--emit=...] [-o OUT]`: imports an ONNX model and, in
// time, legalizes, optimizes and compiles it into a model.deepc artifact.
// Today it stops after import (`--emit=onnx`) or legalization
// (`--emit=deepc`); compiling to an artifact reports that it is not
// implemented yet.
//
// Every error is one message on stderr and a non-zero exit. Output files
// are written to a temporary file in the same directory and renamed into
// place only on success, so a failed run never leaves a partial file.
//
//===----------------------------------------------------------------------===//

#include "deepc/Conversion/Passes.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"
#include "deepc/Import/OnnxImporter.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory deepcCategory("deepc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                   cl::desc("<model.onnx>"),
                                   cl::cat(deepcCategory));

cl::opt<std::string> outputFilename(
    "o",
    cl::desc("Write the output here (default: stdout; written to a "
             "temporary file and renamed into place on success)"),
    cl::value_desc("file"), cl::init("-"), cl::cat(deepcCategory));

enum class EmitKind { Onnx, Deepc, Artifact };

cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to produce:"), cl::init(EmitKind::Artifact),
    cl::values(clEnumValN(EmitKind::Onnx, "onnx",
                          "the imported model: MLIR text in the onnx dialect"),
               clEnumValN(EmitKind::Deepc, "deepc",
                          "the model legalized to the deepc dialect"),
               clEnumValN(EmitKind::Artifact, "artifact",
                          "a compiled model.deepc artifact (the default; not "
                          "implemented yet)")),
    cl::cat(deepcCategory));

cl::opt<int64_t> elideWeightsIfLarger(
    "elide-weights-if-larger",
    cl::desc("Leave weights (dense_resource blobs) of more than this many "
             "bytes out of printed IR, so that printing a large model "
             "neither reads nor copies its weights; -1 prints them all"),
    cl::value_desc("bytes"), cl::init(1 << 20), cl::cat(deepcCategory));

cl::opt<uint64_t> inlineWeightsUpTo(
    "inline-weights-up-to",
    cl::desc("Import tensors of at most this many bytes as dense elements "
             "attributes; larger ones stay in the mapped file as resource "
             "blobs"),
    cl::value_desc("bytes"),
    cl::init(mlir::deepc::OnnxImportOptions().inlineElementsLimit),
    cl::cat(deepcCategory));

/// Prints one diagnostic as `FILE: error: message`, FILE being the model or
/// external-data file the location points into.
void printDiagnostic(Diagnostic &diag) {
  std::string file;
  diag.getLocation()->walk([&](Location loc) {
    if (auto fileLoc = dyn_cast<FileLineColLoc>(loc)) {
      file = fileLoc.getFilename().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  llvm::raw_ostream &os = llvm::errs();
  os << (file.empty() ? "deepc" : file) << ": ";
  switch (diag.getSeverity()) {
  case DiagnosticSeverity::Error:
    os << "error: ";
    break;
  case DiagnosticSeverity::Warning:
    os << "warning: ";
    break;
  case DiagnosticSeverity::Note:
    os << "note: ";
    break;
  case DiagnosticSeverity::Remark:
    os << "remark: ";
    break;
  }
  os << diag << "\n";
  for (Diagnostic &note : diag.getNotes())
    os << "  note: " << note << "\n";
}

int fail(const Twine &message) {
  llvm::errs() << "deepc: error: " << message << "\n";
  return 1;
}

/// Writes `data` as the hex string MLIR's parser reads for a blob: the
/// alignment as a little-endian uint32, then the bytes, without ever
/// holding the whole string in memory.
void printBlobHex(llvm::raw_ostream &os, const AsmResourceBlob &blob) {
  char align[4];
  llvm::support::endian::write32le(align, blob.getDataAlignment());
  os << "\"0x" << llvm::toHex(StringRef(align, 4));
  ArrayRef<char> data = blob.getData();
  constexpr size_t kChunk = 1 << 16;
  for (size_t i = 0; i < data.size(); i += kChunk)
    os << llvm::toHex(
        StringRef(data.data() + i, std::min(kChunk, data.size() - i)));
  os << "\"";
}

/// Prints `module` followed by the blobs of its `dense_resource` weights,
/// leaving out those of more than `limit` bytes (all kept when negative).
///
/// MLIR's own --mlir-elide-resource-strings-if-larger renders every blob
/// into a string before deciding to drop it, which reads (and doubles in
/// memory) every weight; so the module is printed without its resource
/// section and we write that section ourselves. An elided weight still
/// reads back (as a resource without data).
void printModule(ModuleOp module, llvm::raw_ostream &os, int64_t limit) {
  OpPrintingFlags flags; // honors --mlir-print-debuginfo and friends
  flags.useLocalScope();
  module->print(os, flags);
  os << "\n";

  llvm::MapVector<StringRef, const AsmResourceBlob *> blobs;
  module->walk([&](Operation *op) {
    op->getAttrDictionary().walk([&](DenseResourceElementsAttr attr) {
      DenseResourceElementsHandle handle = attr.getRawHandle();
      if (const AsmResourceBlob *blob = handle.getBlob())
        blobs.insert({handle.getKey(), blob});
    });
  });
  uint64_t elidedCount = 0, elidedBytes = 0;
  bool first = true;
  for (auto [key, blob] : blobs) {
    uint64_t size = blob->getData().size();
    if (limit >= 0 && size > uint64_t(limit)) {
      ++elidedCount;
      elidedBytes += size;
      continue;
    }
    os << (first ? "\n{-#\n  dialect_resources: {\n    builtin: {\n" : ",\n");
    first = false;
    os << "      " << key << ": ";
    printBlobHex(os, *blob);
  }
  if (!first)
    os << "\n    }\n  }\n#-}\n";
  if (elidedCount)
    os << "\n// " << elidedCount << " weight(s), " << elidedBytes
       << " bytes in all, not printed: each is larger than " << limit
       << " bytes (--elide-weights-if-larger)\n";
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // MLIR's printing flags (--mlir-print-debuginfo shows the ONNX names as
  // locations) stay available, but --help shows only ours.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  cl::HideUnrelatedOptions(deepcCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "deepc: ahead-of-time compiler for MoE and attention-heavy "
      "transformer models\n\n"
      "  deepc MODEL.onnx --emit=onnx [-o out.mlir]   print the imported "
      "model\n"
      "  deepc MODEL.onnx --emit=deepc [-o out.mlir]  print it legalized to "
      "the deepc dialect\n");

  MLIRContext context;
  context.getDiagEngine().registerHandler([](Diagnostic &diag) {
    printDiagnostic(diag);
    return success();
  });

  mlir::deepc::OnnxImportOptions options;
  options.inlineElementsLimit = inlineWeightsUpTo;
  FailureOr<OwningOpRef<ModuleOp>> module =
      mlir::deepc::importOnnxModel(inputFilename, context, options);
  if (failed(module))
    return 1;

  switch (emitKind) {
  case EmitKind::Onnx:
    break;
  case EmitKind::Deepc: {
    // Legalize, then let the folders clean up what legalization leaves
    // (constant shape arithmetic, identity reshapes, duplicate shape_of).
    PassManager pm(&context);
    pm.addPass(mlir::deepc::createConvertOnnxToDeepcPass());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
    if (failed(pm.run(**module)))
      return 1;
    break;
  }
  case EmitKind::Artifact:
    return fail("compiling to an artifact is not implemented yet; use "
                "--emit=onnx");
  }

  if (outputFilename == "-") {
    printModule(**module, llvm::outs(), elideWeightsIfLarger);
    llvm::outs().flush();
    if (llvm::outs().has_error()) {
      llvm::outs().clear_error();
      return fail("cannot write to stdout");
    }
    return 0;
  }

  // An existing non-regular output (/dev/null, a pipe) is written in place:
  // renaming a temporary file over it would replace the device.
  llvm::sys::fs::file_status outStatus;
  if (!llvm::sys::fs::status(outputFilename, outStatus) &&
      outStatus.type() != llvm::sys::fs::file_type::regular_file) {
    std::error_code ec;
    llvm::raw_fd_ostream os(outputFilename, ec);
    if (ec)
      return fail("cannot open '" + outputFilename + "': " + ec.message());
    printModule(**module, os, elideWeightsIfLarger);
    os.flush();
    if (os.has_error()) {
      std::error_code writeError = os.error();
      os.clear_error();
      return fail("cannot write '" + outputFilename +
                  "': " + writeError.message());
    }
    return 0;
  }

  // Temp file next to the output, renamed into place once complete.
  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(outputFilename + ".tmp-%%%%%%");
  if (!temp)
    return fail("cannot create a temporary file for '" + outputFilename +
                "': " + llvm::toString(temp.takeError()));
  std::error_code writeError;
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    printModule(**module, os, elideWeightsIfLarger);
    os.flush();
    writeError = os.error();
    if (os.has_error())
      os.clear_error();
  }
  if (writeError) {
    llvm::consumeError(temp->discard());
    return fail("cannot write '" + outputFilename +
                "': " + writeError.message());
  }
  if (llvm::Error error = temp->keep(outputFilename))
    return fail("cannot write '" + outputFilename +
                "': " + llvm::toString(std::move(error)));
  return 0;
}
