//===- CudaEmitter.cpp - region steps to CUDA C++ -------------------------===//
//
// Each region becomes the same scalar body as on the CPU (RegionBody.h),
// compiled as a __device__ function, and two grid-stride kernels that loop
// it over the output:
//   - flat: every input dense with the output's shape or one broadcast
//     element, read at `i` or `0` (coalesced, no index arithmetic);
//   - strided: any broadcast, each input's offset computed from the
//     element's coordinates.
// A host launcher (CudaRegionAbi.h) checks the arguments, picks the kernel
// and enqueues it on the caller's stream.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/CudaEmitter.h"
#include "RegionBody.h"
#include "deepc/rt/CudaRegionAbi.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <map>

using namespace mlir;
using namespace mlir::deepc;
using ::deepc::rt::DType;

static const char *const kPrelude =
#include "CudaPrelude.inc"
#include "RegionScalarHelpers.inc"
    "} // namespace\n";

namespace {

using codegen::storageType;

class CudaRegionEmitter {
public:
  CudaRegionEmitter(const rt::Plan &plan, const rt::PlanStep &step,
                    llvm::raw_ostream &os)
      : plan(plan), step(step), os(os) {}
  llvm::Error emit(const std::string &symbol);

private:
  /// The parameters every kernel of the region takes.
  std::string kernelParameters() const;
  /// Declares `int fault` when the body may fault.
  void emitKernelStart(const std::string &indent);
  void emitKernelEnd();

  const rt::Plan &plan;
  const rt::PlanStep &step;
  llvm::raw_ostream &os;
  codegen::RegionBody body;
};

std::string CudaRegionEmitter::kernelParameters() const {
  std::string params;
  for (size_t i = 0; i < body.inputTypes.size(); ++i)
    params += "const " + std::string(storageType(body.inputTypes[i])) +
              " *__restrict__ in" + std::to_string(i) + ", ";
  params += std::string(storageType(body.outputType)) +
            " *__restrict__ out, int64_t n, int *faultFlag";
  return params;
}

void CudaRegionEmitter::emitKernelStart(const std::string &indent) {
  if (body.mayFault)
    os << indent << "int fault = 0;\n";
  os << indent
     << "for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; "
        "i < n;\n"
     << indent << "     i += int64_t(gridDim.x) * blockDim.x)\n";
}

void CudaRegionEmitter::emitKernelEnd() {
  // One atomic per thread that faulted, not per element.
  if (body.mayFault)
    os << "  if (fault)\n    atomicOr(faultFlag, 1);\n";
  os << "}\n";
}

llvm::Error CudaRegionEmitter::emit(const std::string &symbol) {
  llvm::Expected<codegen::RegionBody> emitted = codegen::emitRegionBody(
      plan, step, symbol + "_body", "__device__ inline");
  if (!emitted)
    return emitted.takeError();
  body = std::move(*emitted);
  size_t numInputs = body.inputTypes.size();

  os << "\nnamespace {\n" << body.definition;

  // flat: input i read at i * f_i, f_i = 1 when dense, 0 when broadcast.
  os << "__global__ void __launch_bounds__(kBlockThreads) " << symbol
     << "_flat(" << kernelParameters();
  for (size_t i = 0; i < numInputs; ++i)
    os << ", int64_t f" << i;
  os << ") {\n";
  emitKernelStart("  ");
  os << "    " << body.assignment("i", [](size_t i) {
    return "i * f" + std::to_string(i);
  }) << "\n";
  emitKernelEnd();

  os << "__global__ void __launch_bounds__(kBlockThreads) " << symbol
     << "_strided(" << kernelParameters() << ", Shape shape";
  for (size_t i = 0; i < numInputs; ++i)
    os << ", Strides s" << i;
  os << ") {\n";
  emitKernelStart("  ");
  os << "    " << body.assignment("i", [](size_t i) {
    return "offsetOf(i, shape, s" + std::to_string(i) + ")";
  }) << "\n";
  emitKernelEnd();
  os << "} // namespace\n";

  // The launcher.
  os << "extern \"C\" int " << symbol
     << "(const deepc_region_args *args, void *stream, int *fault) {\n"
     << "  if (args->num_inputs != " << numInputs
     << " || args->rank < 0 || args->rank > DEEPC_REGION_MAX_RANK)\n"
     << "    return " << DEEPC_REGION_BAD_CALL << ";\n"
     << "  const int rank = args->rank;\n"
     << "  Shape shape;\n"
     << "  shape.rank = rank;\n"
     << "  int64_t n = 1;\n"
     << "  for (int d = 0; d < rank; ++d)\n"
     << "    n *= shape.dims[d] = args->dims[d];\n"
     << "  if (n == 0)\n"
     << "    return 0;\n"
     << "  cudaStream_t s = static_cast<cudaStream_t>(stream);\n";
  std::string pointers;
  for (size_t i = 0; i < numInputs; ++i) {
    std::string type = storageType(body.inputTypes[i]);
    os << "  const " << type << " *in" << i << " = static_cast<const " << type
       << " *>(args->inputs[" << i << "]);\n"
       << "  Strides s" << i << ";\n"
       << "  for (int d = 0; d < rank; ++d)\n"
       << "    s" << i << ".s[d] = args->input_strides[" << i
       << " * DEEPC_REGION_MAX_RANK + d];\n"
       << "  const int k" << i << " = strideKind(s" << i
       << ".s, shape.dims, rank);\n";
    pointers += "in" + std::to_string(i) + ", ";
  }
  std::string outType = storageType(body.outputType);
  os << "  " << outType << " *out = static_cast<" << outType
     << " *>(args->output);\n";
  std::string flatCondition;
  for (size_t i = 0; i < numInputs; ++i)
    flatCondition += (i ? " && k" : "k") + std::to_string(i) + " != 2";
  if (flatCondition.empty())
    flatCondition = "true";
  os << "  if (" << flatCondition << ")\n"
     << "    " << symbol << "_flat<<<blocksFor(n), kBlockThreads, 0, s>>>("
     << pointers << "out, n, fault";
  for (size_t i = 0; i < numInputs; ++i)
    os << ", k" << i << " == 0 ? 1 : 0";
  os << ");\n"
     << "  else\n"
     << "    " << symbol << "_strided<<<blocksFor(n), kBlockThreads, 0, s>>>("
     << pointers << "out, n, fault, shape";
  for (size_t i = 0; i < numInputs; ++i)
    os << ", s" << i;
  os << ");\n"
     << "  return cudaGetLastError() == cudaSuccess ? 0 : "
     << DEEPC_REGION_LAUNCH_FAILED << ";\n}\n";
  return llvm::Error::success();
}

} // namespace

llvm::Expected<std::string> mlir::deepc::emitCudaSource(rt::Plan &plan) {
  std::string source;
  llvm::raw_string_ostream os(source);
  os << "// Generated by deepc: the elementwise regions of a model as CUDA "
        "kernels\n// (see docs/Codegen.md). Built with nvcc -std=c++17 -O3 "
        "-shared; regenerate\n// rather than edit.\n";
  os << kPrelude;
  std::map<std::string, std::string> symbols;
  for (rt::PlanStep &step : plan.steps) {
    if (step.op != "region")
      continue;
    auto [it, inserted] =
        symbols.try_emplace(codegen::regionKey(plan, step),
                            "deepc_region_" + std::to_string(symbols.size()));
    if (inserted)
      if (llvm::Error error =
              CudaRegionEmitter(plan, step, os).emit(it->second))
        return std::move(error);
    step.symbol = it->second;
  }
  return source;
}

llvm::Expected<std::vector<std::string>>
mlir::deepc::parseCudaArchitectures(llvm::StringRef list) {
  std::vector<std::string> architectures;
  llvm::SmallVector<llvm::StringRef> names;
  list.split(names, ',', -1, /*KeepEmpty=*/false);
  for (llvm::StringRef name : names) {
    llvm::StringRef arch = name.trim();
    if (!arch.consume_front("sm_") || arch.empty() ||
        !llvm::all_of(arch.drop_back(arch.ends_with("a")), llvm::isDigit) ||
        arch.drop_back(arch.ends_with("a")).empty())
      return llvm::createStringError(
          "invalid CUDA architecture '" + name.str() +
          "': expected sm_<number>[a], as in sm_80 or sm_90a");
    unsigned number = 0;
    arch.drop_back(arch.ends_with("a")).getAsInteger(10, number);
    if (number < 70)
      return llvm::createStringError(
          "CUDA architecture '" + name.str() +
          "' is too old: deepc's kernels need sm_70 or newer");
    architectures.push_back(arch.str());
  }
  if (architectures.empty())
    return llvm::createStringError(
        "no CUDA architecture given: write --target=cuda:sm_90a (or a "
        "comma-separated list such as cuda:sm_80,sm_90a)");
  return architectures;
}

llvm::Error mlir::deepc::compileCudaLibrary(llvm::StringRef sourcePath,
                                            llvm::StringRef libraryPath,
                                            const CudaCompileOptions &options) {
  std::string nvcc = options.nvcc;
  if (nvcc.empty())
    if (const char *env = std::getenv("DEEPC_NVCC"))
      nvcc = env;
  if (nvcc.empty()) {
    if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("nvcc"))
      nvcc = *found;
    else if (llvm::sys::fs::can_execute("/usr/local/cuda/bin/nvcc"))
      nvcc = "/usr/local/cuda/bin/nvcc";
    else
      return llvm::createStringError(
          "cannot find nvcc, which --target=cuda needs: install the CUDA "
          "toolkit, put nvcc on PATH or set $DEEPC_NVCC");
  }
  std::vector<std::string> command;
  if (llvm::ErrorOr<std::string> ccache =
          llvm::sys::findProgramByName("ccache"))
    command.push_back(*ccache);
  // The shared helpers a model does not call are expected (warning 177);
  // --threads compiles the architectures in parallel.
  command.insert(command.end(),
                 {nvcc, "-std=c++17", "-O3", "-shared", "-Xcompiler", "-fPIC",
                  "-lineinfo", "--diag-suppress=177", "--threads=0"});
  for (const std::string &arch : options.architectures)
    command.push_back("-gencode=arch=compute_" + arch + ",code=sm_" + arch);
  // PTX of the newest architecture too, so that a later GPU can JIT it.
  const std::string &newest = options.architectures.back();
  command.push_back("-gencode=arch=compute_" + newest + ",code=compute_" +
                    newest);
  command.insert(command.end(), {"-o", libraryPath.str(), sourcePath.str()});
  return codegen::runCompilers({command}, options.verbose);
}
