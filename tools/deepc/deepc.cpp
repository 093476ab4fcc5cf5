//===- deepc.cpp - the deepc compiler driver ------------------------------===//
//
// `deepc MODEL.onnx [-o model.deepc]`: imports an ONNX model, legalizes it
// to the deepc dialect, builds the execution plan (fusing elementwise ops
// into regions and planning memory at the --max-dims bounds), generates and
// compiles the regions' code and writes the model.deepc artifact. --emit
// stops earlier: after import (onnx), legalization (deepc) or planning
// (plan, printing plan.json). A `.mlir` input is parsed instead of
// imported, and legalized first when it still holds onnx ops.
//
// Every error is one message on stderr and a non-zero exit. Output files
// are written to a temporary file (or directory) next to the output and
// renamed into place only on success, so a failed run never leaves a
// partial file.
//
//===----------------------------------------------------------------------===//

#include "deepc/Dialect/Deepc/IR/Deepc.h"
#include "deepc/Codegen/ArtifactWriter.h"
#include "deepc/Codegen/ConstantFolding.h"
#include "deepc/Codegen/CpuEmitter.h"
#include "deepc/Codegen/Fusion.h"
#include "deepc/Codegen/MemoryPlan.h"
#include "deepc/Codegen/PlanBuilder.h"
#include "deepc/Conversion/Passes.h"
#include "deepc/Dialect/Onnx/IR/Onnx.h"
#include "deepc/Import/OnnxImporter.h"
#include "deepc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

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
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory deepcCategory("deepc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                   cl::desc("<model.onnx | module.mlir>"),
                                   cl::cat(deepcCategory));

cl::opt<std::string> outputFilename(
    "o",
    cl::desc("Write the output here. Artifacts: the model.deepc directory "
             "(default: <model>.deepc in the current directory; an existing "
             "artifact there is replaced). Text: default stdout. Either is "
             "written next to its destination and renamed into place on "
             "success"),
    cl::value_desc("path"), cl::init(""), cl::cat(deepcCategory));

enum class EmitKind { Onnx, Deepc, Plan, Artifact };

cl::opt<EmitKind> emitKind(
    "emit", cl::desc("What to produce:"), cl::init(EmitKind::Artifact),
    cl::values(clEnumValN(EmitKind::Onnx, "onnx",
                          "the imported model: MLIR text in the onnx dialect"),
               clEnumValN(EmitKind::Deepc, "deepc",
                          "the model legalized to the deepc dialect"),
               clEnumValN(EmitKind::Plan, "plan",
                          "the execution plan (plan.json), without weights "
                          "or compiled code"),
               clEnumValN(EmitKind::Artifact, "artifact",
                          "a compiled model.deepc artifact (the default)")),
    cl::cat(deepcCategory));

cl::opt<std::string> maxDims(
    "max-dims",
    cl::desc("Upper bounds of the inputs' symbolic dims, which size the "
             "memory plan: NAME=N,... (e.g. batch=8,seq=2048)"),
    cl::value_desc("bounds"), cl::init(""), cl::cat(deepcCategory));

cl::opt<int64_t> defaultMaxDim(
    "default-max-dim",
    cl::desc("Upper bound of every symbolic dim --max-dims does not name"),
    cl::value_desc("N"), cl::init(512), cl::cat(deepcCategory));

cl::opt<std::string> target("target",
                            cl::desc("Target to compile for (only cpu so far)"),
                            cl::value_desc("name"), cl::init("cpu"),
                            cl::cat(deepcCategory));

cl::opt<std::string>
    cxxCompiler("cxx",
                cl::desc("C++ compiler for the generated code (default: "
                         "$CXX, else c++; run through ccache when on PATH)"),
                cl::value_desc("command"), cl::init(""),
                cl::cat(deepcCategory));

cl::opt<std::string>
    cpuKind("cpu",
            cl::desc("CPU to build for: native (-march=native, the "
                     "default) or generic (runs on any CPU of the "
                     "architecture)"),
            cl::value_desc("native|generic"), cl::init("native"),
            cl::cat(deepcCategory));

cl::opt<bool> noFoldConstants(
    "no-fold-constants",
    cl::desc("Run steps whose operands are all constants at run time instead "
             "of once at compile time (for debugging and tests)"),
    cl::cat(deepcCategory));

/// The largest result folding turns into a constant (weights.bin bytes).
constexpr uint64_t kMaxFoldedBytes = uint64_t(1) << 30;

cl::opt<bool> noFuse("no-fuse",
                     cl::desc("Give every elementwise op a region of its own "
                              "(for debugging and tests)"),
                     cl::init(false), cl::cat(deepcCategory));

cl::opt<bool> verbose("verbose", cl::desc("Report progress on stderr"),
                      cl::init(false), cl::cat(deepcCategory));
cl::alias verboseShort("v", cl::desc("Alias for --verbose"),
                       cl::aliasopt(verbose), cl::cat(deepcCategory));

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
      // Imported ONNX ops sit at 0:0; parsed MLIR has real positions.
      if (fileLoc.getLine())
        file += ":" + std::to_string(fileLoc.getLine()) + ":" +
                std::to_string(fileLoc.getColumn());
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

/// Writes text produced by `print` to -o (stdout by default): through a
/// temporary file renamed into place for a regular file, in place for an
/// existing device or pipe (renaming over /dev/null would replace it).
int writeText(const std::function<void(llvm::raw_ostream &)> &print) {
  std::string output =
      outputFilename.empty() ? std::string("-") : outputFilename.getValue();
  if (output == "-") {
    print(llvm::outs());
    llvm::outs().flush();
    if (llvm::outs().has_error()) {
      llvm::outs().clear_error();
      return fail("cannot write to stdout");
    }
    return 0;
  }

  llvm::sys::fs::file_status outStatus;
  if (!llvm::sys::fs::status(output, outStatus) &&
      outStatus.type() != llvm::sys::fs::file_type::regular_file) {
    std::error_code ec;
    llvm::raw_fd_ostream os(output, ec);
    if (ec)
      return fail("cannot open '" + output + "': " + ec.message());
    print(os);
    os.flush();
    if (os.has_error()) {
      std::error_code writeError = os.error();
      os.clear_error();
      return fail("cannot write '" + output + "': " + writeError.message());
    }
    return 0;
  }

  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(output + ".tmp-%%%%%%");
  if (!temp)
    return fail("cannot create a temporary file for '" + output +
                "': " + llvm::toString(temp.takeError()));
  std::error_code writeError;
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    print(os);
    os.flush();
    writeError = os.error();
    if (os.has_error())
      os.clear_error();
  }
  if (writeError) {
    llvm::consumeError(temp->discard());
    return fail("cannot write '" + output + "': " + writeError.message());
  }
  if (llvm::Error error = temp->keep(output))
    return fail("cannot write '" + output +
                "': " + llvm::toString(std::move(error)));
  return 0;
}

/// Imports an ONNX model, or parses a `.mlir` file (onnx and deepc ops).
FailureOr<OwningOpRef<ModuleOp>> loadModule(MLIRContext &context) {
  if (!StringRef(inputFilename).ends_with(".mlir")) {
    mlir::deepc::OnnxImportOptions options;
    options.inlineElementsLimit = inlineWeightsUpTo;
    return mlir::deepc::importOnnxModel(inputFilename, context, options);
  }
  llvm::SourceMgr sourceMgr;
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> file =
      openInputFile(inputFilename, &error);
  if (!file) {
    fail(error);
    return failure();
  }
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return failure();
  return module;
}

/// Legalizes to the deepc dialect, then lets the folders clean up what
/// legalization leaves (constant shape arithmetic, identity reshapes,
/// duplicate shape_of). A `.mlir` input already in the deepc dialect is
/// kept exactly as written.
LogicalResult legalize(ModuleOp module, MLIRContext &context,
                       std::string &pipeline) {
  bool hasOnnxOps = false;
  module.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() ==
        onnx::OnnxDialect::getDialectNamespace())
      hasOnnxOps = true;
  });
  if (!hasOnnxOps)
    return success();
  PassManager pm(&context);
  pm.addPass(mlir::deepc::createConvertOnnxToDeepcPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(mlir::deepc::createDeepcRaiseRmsNormPass());
  pm.addPass(createCanonicalizerPass());
  pipeline += ",convert-onnx-to-deepc,canonicalize,cse,deepc-raise-rms-norm,"
              "canonicalize";
  return pm.run(module);
}

/// Builds the plan from the legalized module: steps, regions, memory plan,
/// weights layout and region symbols. Returns 0 or the exit status.
int planModel(ModuleOp module, mlir::deepc::ModelPlan &model,
              std::string &pipeline) {
  FailureOr<mlir::deepc::ModelPlan> built = mlir::deepc::buildPlan(module);
  if (failed(built))
    return 1;
  model = std::move(*built);
  mlir::deepc::fuseElementwise(model, /*fuse=*/!noFuse);
  pipeline += noFuse ? ",plan" : ",plan,fuse-elementwise";
  if (!noFoldConstants) {
    unsigned folded = mlir::deepc::foldConstantSteps(model, kMaxFoldedBytes);
    pipeline += ",fold-constant-steps";
    if (verbose)
      llvm::errs() << "deepc: folded " << folded
                   << " step(s) on constants at compile time\n";
  }

  std::map<std::string, int64_t> bounds;
  if (llvm::Error error = mlir::deepc::parseDimBounds(maxDims, bounds))
    return fail(llvm::toString(std::move(error)));
  if (llvm::Error error = mlir::deepc::planMemory(model, bounds, defaultMaxDim))
    return fail(llvm::toString(std::move(error)));
  pipeline += ",plan-memory";
  return 0;
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
      "  deepc MODEL.onnx [-o model.deepc]            compile to an artifact "
      "(default: MODEL.deepc here)\n"
      "  deepc MODEL.onnx --emit=onnx [-o out.mlir]   print the imported "
      "model\n"
      "  deepc MODEL.onnx --emit=deepc [-o out.mlir]  print it legalized to "
      "the deepc dialect\n"
      "  deepc MODEL.onnx --emit=plan [-o plan.json]  print the execution "
      "plan\n"
      "  MODEL may also be a .mlir file in the onnx or deepc dialect.\n");

  if (target != "cpu")
    return fail("target '" + target +
                "' is not supported yet; the only "
                "target is cpu");
  if (cpuKind != "native" && cpuKind != "generic")
    return fail("--cpu must be native or generic, not '" + cpuKind + "'");

  DialectRegistry registry;
  registry.insert<mlir::deepc::DeepcDialect, onnx::OnnxDialect,
                  func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.getDiagEngine().registerHandler([](Diagnostic &diag) {
    printDiagnostic(diag);
    return success();
  });

  FailureOr<OwningOpRef<ModuleOp>> module = loadModule(context);
  if (failed(module))
    return 1;
  std::string pipeline = StringRef(inputFilename).ends_with(".mlir")
                             ? "parse-mlir"
                             : "import-onnx";

  if (emitKind == EmitKind::Onnx)
    return writeText([&](llvm::raw_ostream &os) {
      printModule(**module, os, elideWeightsIfLarger);
    });
  if (failed(legalize(**module, context, pipeline)))
    return 1;
  if (emitKind == EmitKind::Deepc)
    return writeText([&](llvm::raw_ostream &os) {
      printModule(**module, os, elideWeightsIfLarger);
    });

  mlir::deepc::ModelPlan model;
  if (int status = planModel(**module, model, pipeline))
    return status;

  if (emitKind == EmitKind::Plan) {
    // What the artifact's plan.json would hold: weights laid out, regions
    // named, but nothing written or compiled.
    mlir::deepc::layoutWeights(model);
    bool hasRegions = llvm::any_of(
        model.plan.steps, [](const auto &step) { return step.op == "region"; });
    model.plan.codeLibrary = hasRegions ? "model.so" : "";
    llvm::Expected<std::string> source = mlir::deepc::emitCpuSource(model.plan);
    if (!source)
      return fail(llvm::toString(source.takeError()));
    return writeText([&](llvm::raw_ostream &os) {
      os << ::deepc::rt::json::write(::deepc::rt::planToJson(model.plan),
                                     /*pretty=*/true)
         << "\n";
    });
  }

  std::string output = outputFilename;
  if (output.empty() || output == "-")
    output = llvm::sys::path::stem(inputFilename).str() + ".deepc";
  mlir::deepc::ArtifactOptions options;
  options.source = inputFilename;
  options.pipeline = pipeline + ",emit-cpu";
  options.cpu.cxx = cxxCompiler;
  options.cpu.cpu = cpuKind;
  options.cpu.verbose = verbose;
  if (verbose)
    llvm::errs() << "deepc: " << model.plan.steps.size() << " steps, "
                 << model.plan.values.size() << " values, arena "
                 << model.plan.arenaBytes << " bytes\n";
  if (llvm::Error error = mlir::deepc::writeArtifact(model, output, options))
    return fail(llvm::toString(std::move(error)));
  if (verbose)
    llvm::errs() << "deepc: wrote " << output << "\n";
  return 0;
}
