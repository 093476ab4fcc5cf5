//===- CpuEmitter.cpp - region steps to C++ for the CPU -------------------===//
//
// Each region becomes a scalar body function (one element in, one out) and
// an entry point that loops it over the output in one of three ways:
//   - every input dense with the output's shape: out[i] = f(a[i], b[i]);
//   - every input dense or one broadcast element: the same flat loop with a
//     stride of 0 or 1 per input;
//   - otherwise: rows of the last dim, each row's start computed from its
//     coordinates, the inner loop striding along the last dim.
// The flat loops are `omp parallel for simd`, so GCC and Clang vectorize
// them and split large ones across threads. Everything the body computes
// follows ONNX (and the runtime's region interpreter): floats in float,
// 16- and 8-bit floats rounded back after every instruction, integers
// wrapping, float-to-int casts truncating and saturating.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/CpuEmitter.h"
#include "RegionBody.h"
#include "deepc/rt/RegionAbi.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <thread>

using namespace mlir;
using namespace mlir::deepc;
using ::deepc::rt::DType;

static const char *const kPrelude =
#include "CpuPrelude.inc"
#include "CpuPreludeTail.inc"
#include "RegionScalarHelpers.inc"
    ;

namespace {

using codegen::storageType;

/// The entry point of one region for the CPU: the scalar body looped over
/// the output with OpenMP threads and SIMD lanes.
class RegionEmitter {
public:
  RegionEmitter(const rt::Plan &plan, const rt::PlanStep &step,
                llvm::raw_ostream &os)
      : plan(plan), step(step), os(os) {}
  llvm::Error emit(const std::string &symbol);

private:
  std::string callBody(const std::string &index,
                       const std::function<std::string(size_t)> &offset) {
    return body.assignment(index, offset);
  }
  void emitFlatLoop(const std::string &statement, bool simd,
                    const std::string &indent);
  /// The OpenMP clause that ORs the threads' and lanes' `fault` together.
  std::string faultReduction() const {
    return mayFault ? " reduction(|:fault)" : "";
  }
  std::string returnStatement() const {
    return mayFault ? "return fault ? " + std::to_string(DEEPC_REGION_FAULT) +
                          " : 0;"
                    : "return 0;";
  }

  const rt::Plan &plan;
  const rt::PlanStep &step;
  llvm::raw_ostream &os;
  codegen::RegionBody body;
  std::vector<DType> types; ///< the inputs' dtypes
  DType out = DType::Invalid;
  bool mayFault = false;
};

void RegionEmitter::emitFlatLoop(const std::string &statement, bool simd,
                                 const std::string &indent) {
  os << (simd ? "#pragma omp parallel for simd" : "#pragma omp parallel for")
     << " if(n > kParallelElements) num_threads(threads)" << faultReduction()
     << "\n"
     << indent << "for (int64_t i = 0; i < n; ++i)\n"
     << indent << "  " << statement << "\n";
}

llvm::Error RegionEmitter::emit(const std::string &symbol) {
  llvm::Expected<codegen::RegionBody> emitted =
      codegen::emitRegionBody(plan, step, symbol + "_body", "static inline");
  if (!emitted)
    return emitted.takeError();
  body = std::move(*emitted);
  types = body.inputTypes;
  out = body.outputType;
  mayFault = body.mayFault;
  size_t numInputs = types.size();
  os << "\n" << body.definition;
  os << "extern \"C\" int " << symbol << "(const deepc_region_args *args) {\n"
     << "  if (args->num_inputs != " << numInputs
     << " || args->rank < 0 || args->rank > DEEPC_REGION_MAX_RANK)\n"
     << "    return " << DEEPC_REGION_BAD_CALL << ";\n"
     << "  const int rank = args->rank;\n"
     << "  const int64_t *dims = args->dims;\n"
     << "  int64_t n = 1;\n"
     << "  for (int d = 0; d < rank; ++d)\n"
     << "    n *= dims[d];\n"
     << "  if (n == 0)\n"
     << "    return 0;\n"
     << "  const int threads = args->num_threads > 0 ? args->num_threads\n"
     << "                                            : "
        "omp_get_max_threads();\n";
  if (mayFault)
    os << "  int fault = 0;\n";
  for (size_t i = 0; i < numInputs; ++i)
    os << "  const " << storageType(types[i]) << " *in" << i
       << " = static_cast<const " << storageType(types[i])
       << " *>(args->inputs[" << i << "]);\n"
       << "  const int64_t *s" << i << " = args->input_strides + " << i
       << " * DEEPC_REGION_MAX_RANK;\n"
       << "  const int k" << i << " = strideKind(s" << i << ", dims, rank);\n";
  os << "  " << storageType(out) << " *out = static_cast<" << storageType(out)
     << " *>(args->output);\n";

  auto all = [&](const char *condition) {
    std::string text;
    for (size_t i = 0; i < numInputs; ++i)
      text += (i ? " && " : "") + ("k" + std::to_string(i)) + condition;
    return text.empty() ? std::string("true") : text;
  };
  os << "  if (" << all(" == 0") << ") {\n";
  emitFlatLoop(callBody("i", [](size_t) { return std::string("i"); }),
               /*simd=*/true, "    ");
  os << "    " << returnStatement() << "\n  }\n";

  os << "  if (" << all(" != 2") << ") {\n";
  for (size_t i = 0; i < numInputs; ++i)
    os << "    const int64_t f" << i << " = k" << i << " == 0 ? 1 : 0;\n";
  emitFlatLoop(
      callBody("i", [](size_t i) { return "i * f" + std::to_string(i); }),
      /*simd=*/true, "    ");
  os << "    " << returnStatement() << "\n  }\n";

  // General strides: one row of the last dim per iteration; a row's start
  // in each input comes from its coordinates in the outer dims.
  std::string rowText;
  llvm::raw_string_ostream row(rowText);
  row << "{\n"
      << "      int64_t rest = r;\n";
  for (size_t i = 0; i < numInputs; ++i)
    row << "      int64_t o" << i << " = 0;\n";
  row << "      for (int d = rank - 2; d >= 0; --d) {\n"
      << "        const int64_t c = rest % dims[d];\n"
      << "        rest /= dims[d];\n";
  for (size_t i = 0; i < numInputs; ++i)
    row << "        o" << i << " += c * s" << i << "[d];\n";
  row << "      }\n"
      << "      const int64_t base = r * inner;\n"
      << "#pragma omp simd" << faultReduction() << "\n"
      << "      for (int64_t j = 0; j < inner; ++j)\n"
      << "        "
      << callBody("base + j",
                  [](size_t i) {
                    std::string n = std::to_string(i);
                    return "o" + n + " + j * l" + n;
                  })
      << "\n    }";
  os << "  const int64_t inner = dims[rank - 1];\n"
     << "  const int64_t rows = n / inner;\n";
  for (size_t i = 0; i < numInputs; ++i)
    os << "  const int64_t l" << i << " = s" << i << "[rank - 1];\n";
  os << "#pragma omp parallel for if(n > kParallelElements) "
        "num_threads(threads)"
     << faultReduction() << "\n"
     << "  for (int64_t r = 0; r < rows; ++r)\n"
     << "  " << rowText << "\n"
     << "  " << returnStatement() << "\n}\n";
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::string> mlir::deepc::emitCpuSource(rt::Plan &plan) {
  std::string source;
  llvm::raw_string_ostream os(source);
  os << "// Generated by deepc: the compiled elementwise regions of a model "
        "(see docs/Codegen.md).\n// Built with -std=c++17 -O3 -fPIC -shared "
        "-fopenmp, in shards; regenerate rather than edit.\n";
  os << kPrelude;
  // Regions that compute the same thing on the same dtypes (the norm of
  // every layer) share one function: less code, faster compiles.
  std::map<std::string, std::string> symbols;
  for (rt::PlanStep &step : plan.steps) {
    if (step.op != "region")
      continue;
    std::string text = codegen::regionKey(plan, step);
    auto [it, inserted] = symbols.try_emplace(
        text, "deepc_region_" + std::to_string(symbols.size()));
    if (inserted) {
      os << "\n#if DEEPC_IN_SHARD(" << symbols.size() - 1 << ")";
      if (llvm::Error error = RegionEmitter(plan, step, os).emit(it->second))
        return std::move(error);
      os << "#endif\n";
    }
    step.symbol = it->second;
  }
  return source;
}

llvm::Error mlir::deepc::compileCpuLibrary(llvm::StringRef sourcePath,
                                           llvm::StringRef libraryPath,
                                           const CpuCompileOptions &options,
                                           unsigned numFunctions) {
  // $CXX may carry arguments ("ccache g++", "clang++ -stdlib=libc++").
  std::string cxx = options.cxx;
  if (cxx.empty())
    if (const char *env = std::getenv("CXX"))
      cxx = env;
  if (cxx.empty())
    cxx = "c++";
  llvm::SmallVector<llvm::StringRef> words;
  llvm::StringRef(cxx).split(words, ' ', -1, /*KeepEmpty=*/false);
  if (words.empty())
    return llvm::createStringError("--cxx is empty");

  std::vector<std::string> compiler;
  if (words.front() != "ccache")
    if (llvm::ErrorOr<std::string> ccache =
            llvm::sys::findProgramByName("ccache"))
      compiler.push_back(*ccache);
  llvm::ErrorOr<std::string> program =
      llvm::sys::findProgramByName(words.front());
  if (!program)
    return llvm::createStringError("cannot find the C++ compiler '" +
                                   words.front().str() +
                                   "' (set --cxx or $CXX)");
  if (compiler.empty())
    compiler.push_back(*program);
  else
    compiler.push_back(words.front().str()); // ccache finds it on PATH itself
  for (llvm::StringRef word : llvm::ArrayRef(words).drop_front())
    compiler.push_back(word.str());
  std::vector<std::string> flags = {"-std=c++17", "-O3", "-fPIC", "-fopenmp"};
  if (options.cpu == "native")
    flags.push_back("-march=native");

  // A few functions compile fastest as one job; more are split into one
  // shard per core, compiled at once and linked together.
  unsigned cores = std::thread::hardware_concurrency();
  if (std::optional<std::string> jobs =
          llvm::sys::Process::GetEnv("DEEPC_JOBS"))
    cores = unsigned(std::max(1, std::atoi(jobs->c_str())));
  unsigned shards = std::clamp(numFunctions / 4, 1u, std::max(1u, cores));
  if (shards == 1) {
    std::vector<std::string> command = compiler;
    command.insert(command.end(), flags.begin(), flags.end());
    command.insert(command.end(),
                   {"-shared", "-o", libraryPath.str(), sourcePath.str()});
    return codegen::runCompilers({command}, options.verbose);
  }

  std::vector<std::vector<std::string>> compiles;
  std::vector<std::string> objects;
  for (unsigned k = 0; k < shards; ++k) {
    objects.push_back((libraryPath + "." + llvm::Twine(k) + ".o").str());
    std::vector<std::string> command = compiler;
    command.insert(command.end(), flags.begin(), flags.end());
    command.insert(command.end(),
                   {"-DDEEPC_SHARD=" + std::to_string(k),
                    "-DDEEPC_SHARDS=" + std::to_string(shards), "-c", "-o",
                    objects.back(), sourcePath.str()});
    compiles.push_back(std::move(command));
  }
  auto removeObjects = llvm::make_scope_exit([&] {
    for (const std::string &object : objects)
      llvm::sys::fs::remove(object);
  });
  if (llvm::Error error = codegen::runCompilers(compiles, options.verbose))
    return error;
  std::vector<std::string> link = {*program, "-shared", "-fopenmp", "-o",
                                   libraryPath.str()};
  link.insert(link.end(), objects.begin(), objects.end());
  return codegen::runCompilers({link}, options.verbose);
}
