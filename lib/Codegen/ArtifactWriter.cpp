//===- ArtifactWriter.cpp - a model.deepc directory -----------------------===//
//
// The artifact is built in a temporary directory next to its destination
// and renamed into place as the very last step: a failure at any point (a
// compiler error, a full disk) leaves no partial artifact behind, and a
// process loading the old artifact never sees a half-written one.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/ArtifactWriter.h"

#include "deepc/Import/DummyWeights.h"
#include "deepc/rt/Artifact.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <functional>
#include <set>

using namespace mlir;
using namespace mlir::deepc;
namespace fs = llvm::sys::fs;
namespace path = llvm::sys::path;

static constexpr const char *kDeepcVersion = "0.1.0";
static constexpr const char *kSourceFile = "model.cpp";
static constexpr const char *kLibraryFile = "model.so";
static constexpr const char *kCudaSourceFile = "model.cu";
static constexpr const char *kCudaLibraryFile = "model_cuda.so";

/// Whether constant `id` is a dummy weight (deepc --dummy-weights): the
/// runtime makes up its bytes.
static bool isDummy(const ModelPlan &model, size_t id) {
  return isDummyWeightData(model.constantBytes[id]);
}

void mlir::deepc::layoutWeights(ModelPlan &model) {
  // Real constants first: weights.bin then holds a prefix of the weights,
  // and the dummy ones make up one range the runtime fills.
  uint64_t offset = 0;
  for (bool dummy : {false, true})
    for (auto [id, value] : llvm::enumerate(model.plan.values)) {
      if (value.kind != rt::ValueKind::Constant || isDummy(model, id) != dummy)
        continue;
      offset = llvm::alignTo(offset, rt::kBufferAlignment);
      value.weightsOffset = offset;
      offset += model.constantBytes[id].size();
    }
  model.plan.weightsBytes = offset;
}

namespace {

llvm::Error writeFile(llvm::StringRef filePath,
                      const std::function<void(llvm::raw_ostream &)> &write) {
  std::error_code ec;
  llvm::raw_fd_ostream os(filePath, ec);
  if (ec)
    return llvm::createStringError("cannot create '" + filePath.str() +
                                   "': " + ec.message());
  write(os);
  os.close();
  if (os.has_error()) {
    std::string message = os.error().message();
    os.clear_error();
    return llvm::createStringError("cannot write '" + filePath.str() +
                                   "': " + message);
  }
  return llvm::Error::success();
}

/// Where the dummy weights start: weightsBytes when there are none.
uint64_t dummyWeightsOffset(const ModelPlan &model) {
  uint64_t offset = model.plan.weightsBytes;
  for (auto [id, value] : llvm::enumerate(model.plan.values))
    if (value.kind == rt::ValueKind::Constant && isDummy(model, id))
      offset = std::min(offset, value.weightsOffset);
  return offset;
}

/// Writes the weights before `end` (all of them but the dummy ones), in
/// the order of their offsets.
void writeWeights(const ModelPlan &model, uint64_t end, llvm::raw_ostream &os) {
  static const char zeros[rt::kBufferAlignment] = {};
  std::vector<size_t> ids;
  for (auto [id, value] : llvm::enumerate(model.plan.values))
    if (value.kind == rt::ValueKind::Constant && value.weightsOffset < end)
      ids.push_back(id);
  llvm::sort(ids, [&](size_t a, size_t b) {
    return model.plan.values[a].weightsOffset <
           model.plan.values[b].weightsOffset;
  });
  uint64_t written = 0;
  for (size_t id : ids) {
    const rt::PlanValue &value = model.plan.values[id];
    os.write(zeros, value.weightsOffset - written);
    llvm::ArrayRef<char> bytes = model.constantBytes[id];
    os.write(bytes.data(), bytes.size());
    written = value.weightsOffset + bytes.size();
  }
  os.write(zeros, end - written); // alignment before the dummy weights
}

rt::ManifestTensor manifestTensor(const rt::Plan &plan, const rt::PlanIO &io) {
  rt::ManifestTensor tensor;
  tensor.name = io.name;
  tensor.dtype = plan.values[io.value].dtype;
  tensor.dims = plan.values[io.value].dims;
  tensor.dimNames = io.dimNames;
  return tensor;
}

/// Whether `dir` is something we may replace: an artifact (it has a
/// manifest) or an empty directory. Anything else at the output path is
/// more likely a mistyped -o than an old artifact.
bool isReplaceable(llvm::StringRef dir) {
  llvm::SmallString<256> manifest(dir);
  path::append(manifest, rt::kManifestFile);
  if (fs::exists(manifest))
    return true;
  std::error_code ec;
  return fs::directory_iterator(dir, ec) == fs::directory_iterator() && !ec;
}

} // namespace

llvm::Error mlir::deepc::writeArtifact(ModelPlan &model, llvm::StringRef outDir,
                                       const ArtifactOptions &options) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError("cannot write the artifact '" +
                                   outDir.str() + "': " + why.str());
  };
  fs::file_status existing;
  bool exists = !fs::status(outDir, existing);
  if (exists && (existing.type() != fs::file_type::directory_file ||
                 !isReplaceable(outDir)))
    return fail("it exists and is not a deepc artifact; not replacing it");

  rt::Plan &plan = model.plan;
  layoutWeights(model);
  int regions = llvm::count_if(
      plan.steps, [](const rt::PlanStep &step) { return step.op == "region"; });
  plan.codeLibrary = regions ? kLibraryFile : "";

  std::string temp =
      (outDir + ".tmp." + llvm::Twine(llvm::sys::Process::getProcessId()))
          .str();
  fs::remove_directories(temp, /*IgnoreErrors=*/true);
  if (std::error_code ec = fs::create_directory(temp))
    return fail("cannot create '" + temp + "': " + ec.message());
  bool done = false;
  auto cleanup = llvm::make_scope_exit([&] {
    if (!done)
      fs::remove_directories(temp, /*IgnoreErrors=*/true);
  });
  auto inTemp = [&](llvm::StringRef file) {
    llvm::SmallString<256> filePath(temp);
    path::append(filePath, file);
    return std::string(filePath);
  };

  if (regions) {
    llvm::Expected<std::string> source = emitCpuSource(plan);
    if (!source)
      return source.takeError();
    if (llvm::Error error = writeFile(
            inTemp(kSourceFile), [&](llvm::raw_ostream &os) { os << *source; }))
      return error;
    if (options.cpu.verbose)
      llvm::errs() << "deepc: compiling " << regions << " region(s) with "
                   << (options.cpu.cxx.empty() ? "$CXX or c++"
                                               : options.cpu.cxx)
                   << "\n";
    std::set<std::string> functions;
    for (const rt::PlanStep &step : plan.steps)
      if (!step.symbol.empty())
        functions.insert(step.symbol);
    if (llvm::Error error =
            compileCpuLibrary(inTemp(kSourceFile), inTemp(kLibraryFile),
                              options.cpu, unsigned(functions.size())))
      return error;
  }
  if (regions && options.cuda) {
    // The CUDA library names its launchers like model.so's functions, so
    // that PlanStep::symbol finds a region in either.
    rt::Plan cudaPlan = plan;
    llvm::Expected<std::string> source = emitCudaSource(cudaPlan);
    if (!source)
      return source.takeError();
    for (size_t s = 0; s < plan.steps.size(); ++s)
      if (cudaPlan.steps[s].symbol != plan.steps[s].symbol)
        return fail("internal error: the CUDA and CPU region names differ "
                    "at step '" +
                    plan.steps[s].loc + "'");
    if (llvm::Error error =
            writeFile(inTemp(kCudaSourceFile),
                      [&](llvm::raw_ostream &os) { os << *source; }))
      return error;
    if (options.cuda->verbose)
      llvm::errs() << "deepc: compiling " << regions
                   << " region(s) with nvcc for sm_"
                   << llvm::join(options.cuda->architectures, ", sm_") << "\n";
    if (llvm::Error error = compileCudaLibrary(
            inTemp(kCudaSourceFile), inTemp(kCudaLibraryFile), *options.cuda))
      return error;
  }

  uint64_t dummyOffset = dummyWeightsOffset(model);
  if (llvm::Error error =
          writeFile(inTemp(rt::kWeightsFile), [&](llvm::raw_ostream &os) {
            writeWeights(model, dummyOffset, os);
          }))
    return error;
  if (llvm::Error error =
          writeFile(inTemp(rt::kPlanFile), [&](llvm::raw_ostream &os) {
            os << rt::json::write(rt::planToJson(plan), /*pretty=*/true)
               << "\n";
          }))
    return error;

  rt::Manifest manifest;
  manifest.deepcVersion = kDeepcVersion;
  manifest.target = plan.target;
  manifest.source = path::filename(options.source).str();
  manifest.pipeline = options.pipeline;
  for (const rt::PlanIO &io : plan.inputs)
    manifest.inputs.push_back(manifestTensor(plan, io));
  for (const rt::PlanIO &io : plan.outputs)
    manifest.outputs.push_back(manifestTensor(plan, io));
  manifest.dimBounds = plan.dimBounds;
  manifest.weightsBytes = plan.weightsBytes;
  manifest.codeLibrary = plan.codeLibrary;
  manifest.dummyWeights = dummyOffset < plan.weightsBytes;
  manifest.dummyWeightsOffset = manifest.dummyWeights ? dummyOffset : 0;
  if (options.cuda) {
    manifest.target = "cuda";
    manifest.cudaLibrary = regions ? kCudaLibraryFile : "";
    manifest.cudaArchitectures = options.cuda->architectures;
  }
  if (llvm::Error error =
          writeFile(inTemp(rt::kManifestFile), [&](llvm::raw_ostream &os) {
            os << rt::json::write(rt::manifestToJson(manifest),
                                  /*pretty=*/true)
               << "\n";
          }))
    return error;

  // An old artifact moves aside first, so that the rename into place is
  // the only moment the path changes.
  std::string old;
  if (exists) {
    old = (outDir + ".old." + llvm::Twine(llvm::sys::Process::getProcessId()))
              .str();
    fs::remove_directories(old, /*IgnoreErrors=*/true);
    if (std::error_code ec = fs::rename(outDir, old))
      return fail("cannot move the existing artifact aside: " + ec.message());
  }
  if (std::error_code ec = fs::rename(temp, outDir)) {
    if (!old.empty())
      (void)fs::rename(old, outDir);
    return fail(ec.message());
  }
  done = true;
  if (!old.empty())
    fs::remove_directories(old, /*IgnoreErrors=*/true);
  return llvm::Error::success();
}
