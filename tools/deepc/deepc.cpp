//===- deepc.cpp - the deepc compiler driver ------------------------------===//
//
// `deepc MODEL.onnx [-o model.deepc]`: imports an ONNX model, legalizes it
// to the deepc dialect, builds the execution plan (fusing elementwise ops
// into regions and planning memory at the --max-dims bounds), generates and
// compiles the regions' code and writes the model.deepc artifact. --emit
// stops earlier: after import (onnx), legalization (deepc) or planning
// (plan, printing plan.json). A `.mlir` input is parsed instead of
// imported, and legalized first when it still holds onnx ops. --pipeline
// replaces the MLIR passes run after import, --report says what the raising
// passes raised and what they left (docs/passes.md).
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
#include "deepc/rt/Executor.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/GlobPattern.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

cl::OptionCategory deepcCategory("deepc options");

cl::opt<std::string> inputFilename(cl::Positional, cl::Optional,
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

cl::opt<std::string> target(
    "target",
    cl::desc("Target to compile for: cpu, or cuda:sm_XX[,sm_YY...] (e.g. "
             "cuda:sm_90a, cuda:sm_80,sm_90a): the regions also become CUDA "
             "kernels compiled with nvcc for those GPUs"),
    cl::value_desc("target"), cl::init("cpu"), cl::cat(deepcCategory));

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

cl::opt<bool> noFuseEpilogue(
    "no-fuse-epilogue",
    cl::desc("Run the regions that read a matmul's, norm's or rotary's "
             "result as steps of their own instead of as its epilogue (for "
             "measurements)"),
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

cl::opt<bool> dummyWeights(
    "dummy-weights",
    cl::desc("Compile without reading the weights, for benchmarks at full "
             "size: large initializers are left unread (their external-data "
             "files may be absent) and the runtime fills them with random "
             "values; outputs are meaningless, timings are not"),
    cl::init(false), cl::cat(deepcCategory));

/// The passes run after import, in the syntax of --pipeline and of
/// deepc-opt's --pass-pipeline: legalize, let the folders clean up what
/// legalization leaves (constant shape arithmetic, identity reshapes,
/// duplicate shape_of), raise norms, rotary, attention, MoE layers (after
/// the MoE passes, so that shared experts join their deepc.moe first) and
/// dense gated MLPs, and clean up again (docs/passes.md draws the stages).
constexpr const char *kDefaultPipeline =
    "builtin.module(deepc-legalize-onnx,canonicalize,cse,"
    "deepc-raise-rms-norm,deepc-raise-layer-norm,deepc-raise-rotary,"
    "canonicalize,"
    "deepc-raise-attention,deepc-simplify-attention-mask,"
    "deepc-raise-moe,deepc-raise-moe-loop,deepc-raise-gated-mlp,canonicalize,"
    "cse)";

cl::opt<std::string> passPipeline(
    "pipeline",
    cl::desc("Run this pass pipeline after import instead of the default "
             "(see --print-pipeline), e.g. "
             "'builtin.module(deepc-legalize-onnx,cse)'; the same text "
             "deepc-opt --pass-pipeline takes"),
    cl::value_desc("pipeline"), cl::init(""), cl::cat(deepcCategory));

cl::opt<double> moeCapacityFactor(
    "moe-capacity-factor",
    cl::desc("Cap every MoE layer's experts at ceil(F * tokens * top_k / "
             "experts) tokens each, dropping the rest (deepc-run reports how "
             "many): appends deepc-set-moe-capacity{capacity-factor=F} to "
             "the pipeline (default or --pipeline). 0 drops nothing"),
    cl::value_desc("F"), cl::init(0.0), cl::cat(deepcCategory));

cl::opt<std::string> precision(
    "precision",
    cl::desc("Element type to compute in: f32 (the default), bf16 or f16. "
             "Weights are stored and activations flow in bf16/f16, kernels "
             "accumulate in f32, the model's inputs and outputs keep their "
             "types: appends deepc-set-precision{precision=P} to the "
             "pipeline (default or --pipeline)"),
    cl::value_desc("f32|bf16|f16"), cl::init("f32"), cl::cat(deepcCategory));

cl::opt<std::string> precisionKeepF32(
    "precision-keep-f32",
    cl::desc("With --precision=bf16|f16, keep in f32 the ops whose ONNX node "
             "name matches one of these globs (e.g. "
             "'*lm_head*,/model/layers.0/*')"),
    cl::value_desc("glob,..."), cl::init(""), cl::cat(deepcCategory));

cl::opt<bool>
    printPipeline("print-pipeline",
                  cl::desc("Print the default pass pipeline and exit"),
                  cl::cat(deepcCategory));

cl::opt<bool> printIRBefore("print-ir-before-all",
                            cl::desc("Print the module on stderr before each "
                                     "pass of the pipeline"),
                            cl::cat(deepcCategory));

cl::opt<bool> printIRAfter("print-ir-after-all",
                           cl::desc("Print the module on stderr after each "
                                    "pass of the pipeline that changed it"),
                           cl::cat(deepcCategory));

cl::opt<bool> timePasses("pass-timing",
                         cl::desc("Print the time each pass of the pipeline "
                                  "took on stderr"),
                         cl::cat(deepcCategory));

cl::opt<bool> report("report",
                     cl::desc("Print on stderr what each raising pass raised "
                              "and what it left alone, and why"),
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
    options.dummyWeights = dummyWeights;
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

/// What --report collects: the remarks each pass emitted, by pass.
struct PassReport {
  /// The pass running now (passes on the module run one at a time).
  std::string currentPass;
  std::map<std::string, std::vector<std::string>> raised, notRaised;
};

/// Tells the report which pass emits the remarks that follow.
struct ReportInstrumentation : PassInstrumentation {
  explicit ReportInstrumentation(PassReport &report) : report(report) {}
  void runBeforePass(Pass *pass, Operation *) override {
    report.currentPass = pass->getArgument().str();
  }
  void runAfterPass(Pass *, Operation *) override { report.currentPass = ""; }
  void runAfterPassFailed(Pass *, Operation *) override {
    report.currentPass = "";
  }
  PassReport &report;
};

/// The ONNX node names a location carries (NameLoc), else the location.
std::string describeLocation(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return "'" + name.getName().str() + "'";
  if (auto fileLoc = dyn_cast<FileLineColLoc>(loc))
    return (fileLoc.getFilename().strref() + ":" + Twine(fileLoc.getLine()) +
            ":" + Twine(fileLoc.getColumn()))
        .str();
  std::string text;
  llvm::raw_string_ostream os(text);
  loc.print(os);
  return text;
}

/// Files a remark of a raising pass under raised or not raised. Remarks
/// the passes emit with report on read "raised to ..." or "... not ...".
void addRemark(PassReport &report, Diagnostic &diag) {
  std::string where = describeLocation(diag.getLocation());
  std::string message = diag.str();
  std::string pass = report.currentPass.empty() ? "deepc" : report.currentPass;
  if (StringRef(message).starts_with("raised"))
    report.raised[pass].push_back(where);
  else
    report.notRaised[pass].push_back(where + ": " + message);
}

void printReport(const PassReport &report) {
  llvm::raw_ostream &os = llvm::errs();
  for (const auto &[pass, where] : report.raised)
    os << "deepc: report: " << pass << ": raised " << where.size() << ": "
       << llvm::join(where, ", ") << "\n";
  for (const auto &[pass, misses] : report.notRaised) {
    // A raising pass reports what it left alone; another (precision) what
    // it did.
    bool raising = StringRef(pass).starts_with("deepc-raise-") ||
                   pass == "deepc-simplify-attention-mask";
    os << "deepc: report: " << pass << (raising ? ": left " : ": notes ")
       << misses.size() << ":\n";
    for (const std::string &miss : misses)
      os << "  " << miss << "\n";
  }
  if (report.raised.empty() && report.notRaised.empty())
    os << "deepc: report: no raising pass raised or considered anything\n";
}

/// The shortest text that reads back as the same double ("0.5", "nan").
std::string formatFactor(double factor) {
  char text[32];
  for (int precision = 6; precision <= 17; ++precision) {
    std::snprintf(text, sizeof(text), "%.*g", precision, factor);
    if (std::strtod(text, nullptr) == factor)
      break;
  }
  return text;
}

/// `text`, a pipeline anchored on builtin.module, with the pass that
/// --moe-capacity-factor asks for appended inside the anchor; `text` itself
/// when the flag is not given.
std::string withMoeCapacity(StringRef text) {
  if (!moeCapacityFactor.getNumOccurrences())
    return text.str();
  StringRef body = text.rtrim();
  if (!body.consume_back(")"))
    return text.str(); // not a pipeline; its parser reports that
  bool empty = body.rtrim().ends_with("(");
  return (body + (empty ? "" : ",") +
          "deepc-set-moe-capacity{capacity-factor=" +
          formatFactor(moeCapacityFactor) + "})")
      .str();
}

/// What is wrong with --precision-keep-f32, or "". The globs travel as a
/// pass option, whose parser cannot take braces, blanks or an unbalanced
/// bracket (MLIR's never returns on a lone '['): each is checked here.
std::string checkKeepF32Globs() {
  if (precisionKeepF32.empty())
    return "";
  if (precision == "f32")
    return "--precision-keep-f32 needs --precision=bf16 or f16";
  SmallVector<StringRef> globs;
  StringRef(precisionKeepF32).split(globs, ',');
  for (StringRef glob : globs) {
    if (glob.empty())
      return "--precision-keep-f32 has an empty glob in '" + precisionKeepF32 +
             "'";
    if (glob.find_first_of("{} \t\n\"'") != StringRef::npos)
      return "--precision-keep-f32 glob '" + glob.str() +
             "' may not hold braces, blanks or quotes";
    if (llvm::Expected<llvm::GlobPattern> pattern =
            llvm::GlobPattern::create(glob);
        !pattern)
      return "--precision-keep-f32 glob '" + glob.str() +
             "' is invalid: " + llvm::toString(pattern.takeError());
    // GlobPattern accepts a ']' with no '[' as a literal; the pass-option
    // parser does not.
    if (glob.count('[') != glob.count(']'))
      return "--precision-keep-f32 glob '" + glob.str() +
             "' has unbalanced brackets";
  }
  return "";
}

/// Whether --precision asks for deepc-set-precision.
bool setsPrecision() { return precision != "f32"; }

/// `text` with the pass --precision asks for appended inside the anchor;
/// `text` itself at f32.
std::string withPrecision(StringRef text) {
  if (!setsPrecision())
    return text.str();
  StringRef body = text.rtrim();
  if (!body.consume_back(")"))
    return text.str(); // not a pipeline; its parser reports that
  bool empty = body.rtrim().ends_with("(");
  std::string pass = "deepc-set-precision{precision=" + precision;
  if (!precisionKeepF32.empty())
    pass += " keep-f32=" + precisionKeepF32;
  return (body + (empty ? "" : ",") + pass + "})").str();
}

/// Runs the pass pipeline (--pipeline, else kDefaultPipeline) on the
/// imported module and appends it to `pipeline`. The default runs only
/// when the module holds onnx ops, so a `.mlir` input already in the deepc
/// dialect is kept exactly as written; a pipeline given runs always, and
/// so does the pass --moe-capacity-factor appends.
LogicalResult runPassPipeline(ModuleOp module, MLIRContext &context,
                              std::string &pipeline, PassReport &passReport) {
  bool hasOnnxOps = false;
  module.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() ==
        onnx::OnnxDialect::getDialectNamespace())
      hasOnnxOps = true;
  });
  bool setCapacity = moeCapacityFactor.getNumOccurrences() > 0;
  if (!hasOnnxOps && passPipeline.empty() && !setCapacity && !setsPrecision())
    return success();

  // A deepc-dialect module without --pipeline gets the capacity pass alone.
  std::string fullText = withPrecision(
      withMoeCapacity(!passPipeline.empty() ? StringRef(passPipeline)
                      : hasOnnxOps          ? StringRef(kDefaultPipeline)
                                            : StringRef("builtin.module()")));
  StringRef text = fullText;
  // MLIR 19's parser never returns from a list option with a '[' left
  // open: an unbalanced text is refused before it gets there.
  if (text.count('[') != text.count(']')) {
    fail("invalid --pipeline '" + passPipeline +
         "': its '[' and ']' do not pair up");
    return failure();
  }
  std::string parseError;
  llvm::raw_string_ostream errorStream(parseError);
  FailureOr<OpPassManager> parsed = parsePassPipeline(text, errorStream);
  if (failed(parsed)) {
    // The parser's message is `<source>:1:C: error: WHY` and then the text
    // with a caret; WHY is what the user needs.
    StringRef why = StringRef(parseError).split('\n').first;
    if (size_t at = why.find("error: "); at != StringRef::npos)
      why = why.drop_front(at + strlen("error: "));
    // Quoted as the user wrote it, without the capacity pass.
    fail("invalid --pipeline '" +
         (passPipeline.empty() ? text : StringRef(passPipeline)) + "': " + why);
    return failure();
  }
  if (parsed->getOpAnchorName() != ModuleOp::getOperationName()) {
    fail("--pipeline must be anchored on builtin.module, as in "
         "'builtin.module(cse)', not on '" +
         parsed->getOpAnchorName() + "'");
    return failure();
  }
  PassManager pm(&context);
  static_cast<OpPassManager &>(pm) = std::move(*parsed);

  if (report) {
    // Turns on the remarks of each raising pass the pipeline runs on the
    // module itself (one nested under another op is not reported).
    for (Pass &pass : pm.getPasses())
      if ((pass.getArgument().starts_with("deepc-raise-") ||
           pass.getArgument() == "deepc-simplify-attention-mask" ||
           pass.getArgument() == "deepc-set-precision") &&
          failed(pass.initializeOptions("report=true", [](const Twine &msg) {
            fail(msg);
            return failure();
          })))
        return failure();
    pm.addInstrumentation(std::make_unique<ReportInstrumentation>(passReport));
  }
  if (printIRBefore || printIRAfter) {
    OpPrintingFlags flags;
    if (elideWeightsIfLarger >= 0)
      flags.elideLargeResourceString(elideWeightsIfLarger);
    // Printing from passes running in parallel would interleave.
    context.disableMultithreading();
    pm.enableIRPrinting([](Pass *, Operation *) { return bool(printIRBefore); },
                        [](Pass *, Operation *) { return bool(printIRAfter); },
                        /*printModuleScope=*/true,
                        /*printAfterOnlyOnChange=*/true,
                        /*printAfterOnlyOnFailure=*/false, llvm::errs(), flags);
  }
  if (timePasses)
    pm.enableTiming();
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  pipeline += ",";
  pipeline += text;
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
  // After folding, so that no step on constants keeps an epilogue. For
  // CUDA after the memory plan instead (below).
  bool cudaTarget = StringRef(target).starts_with("cuda");
  bool epilogues = !noFuse && !noFuseEpilogue;
  if (epilogues && !cudaTarget) {
    unsigned fused = mlir::deepc::fuseEpilogues(model);
    pipeline += ",fuse-epilogues";
    if (verbose)
      llvm::errs() << "deepc: fused " << fused
                   << " region(s) into the epilogue of their matmul, norm "
                      "or rotary\n";
  }

  std::map<std::string, int64_t> bounds;
  if (llvm::Error error = mlir::deepc::parseDimBounds(maxDims, bounds))
    return fail(llvm::toString(std::move(error)));
  if (llvm::Error error = mlir::deepc::planMemory(model, bounds, defaultMaxDim))
    return fail(llvm::toString(std::move(error)));
  pipeline += ",plan-memory";
  // CUDA marks matmul epilogues once memory is sized, so that each result
  // keeps its arena slot: a region cuBLASLt cannot fuse runs as a second
  // step, and graph capture needs fixed buffers. Only a matmul followed by
  // a region has a fused form there (cuBLASLt's epilogue). Moving a step
  // down changes lifetimes: repack.
  if (epilogues && cudaTarget) {
    mlir::deepc::fuseEpilogues(model);
    std::vector<::deepc::rt::PlanStep> &steps = model.plan.steps;
    for (size_t s = 0; s < steps.size(); ++s)
      steps[s].epilogue = steps[s].epilogue && steps[s].op == "deepc.matmul" &&
                          s + 1 < steps.size() && steps[s + 1].op == "region";
    ::deepc::rt::assignArenaOffsets(model.plan);
    pipeline += ",fuse-epilogues";
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  // MLIR's printing flags (--mlir-print-debuginfo shows the ONNX names as
  // locations) stay available, but --help shows only ours.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  // Every pass a --pipeline may name: upstream's generic ones (canonicalize,
  // cse, ...) and ours, as in deepc-opt.
  registerTransformsPasses();
  mlir::deepc::registerDeepcPasses();
  mlir::deepc::registerDeepcConversionPasses();
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

  if (printPipeline) {
    llvm::outs() << withPrecision(withMoeCapacity(kDefaultPipeline)) << "\n";
    return 0;
  }
  if (inputFilename.empty())
    return fail("no input file (see --help)");
  std::optional<std::vector<std::string>> cudaArchitectures;
  if (StringRef cudaTarget = target; cudaTarget.consume_front("cuda")) {
    if (cudaTarget.empty())
      cudaTarget = ":sm_90a";
    if (!cudaTarget.consume_front(":"))
      return fail("unknown target '" + target +
                  "': expected cpu or cuda:sm_XX[,sm_YY...]");
    llvm::Expected<std::vector<std::string>> parsed =
        mlir::deepc::parseCudaArchitectures(cudaTarget);
    if (!parsed)
      return fail("--target=" + target + ": " +
                  llvm::toString(parsed.takeError()));
    cudaArchitectures = std::move(*parsed);
  } else if (target != "cpu") {
    return fail("unknown target '" + target +
                "': expected cpu or cuda:sm_XX[,sm_YY...]");
  }
  if (moeCapacityFactor.getNumOccurrences() &&
      (!(moeCapacityFactor >= 0) || !std::isfinite(moeCapacityFactor)))
    return fail("--moe-capacity-factor must be a finite number, 0 or more, "
                "not " +
                formatFactor(moeCapacityFactor));
  if (precision != "f32" && precision != "bf16" && precision != "f16")
    return fail("--precision must be f32, bf16 or f16, not '" + precision +
                "'");
  if (std::string error = checkKeepF32Globs(); !error.empty())
    return fail(error);
  if (cpuKind != "native" && cpuKind != "generic")
    return fail("--cpu must be native or generic, not '" + cpuKind + "'");

  DialectRegistry registry;
  registry.insert<mlir::deepc::DeepcDialect, onnx::OnnxDialect,
                  func::FuncDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  PassReport passReport;
  context.getDiagEngine().registerHandler([&](Diagnostic &diag) {
    if (report && diag.getSeverity() == DiagnosticSeverity::Remark)
      addRemark(passReport, diag);
    else
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
  if (failed(runPassPipeline(**module, context, pipeline, passReport)))
    return 1;
  if (report)
    printReport(passReport);
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
  if (cudaArchitectures) {
    options.cuda.emplace();
    options.cuda->architectures = *cudaArchitectures;
    options.cuda->verbose = verbose;
    options.pipeline += ",emit-cuda";
  }
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
