//===- Model.cpp - loading and validating an artifact ---------------------===//
//
// Everything that can be checked once is checked here, so that a session's
// run loop only deals with the shapes of the actual inputs.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Session.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace deepc::rt {

namespace {

std::string joinPath(const std::string &dir, const std::string &file) {
  if (dir.empty() || dir.back() == '/')
    return dir + file;
  return dir + "/" + file;
}

Status readFile(const std::string &path, std::string &out) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return notFound("cannot open '" + path + "': " + std::strerror(errno));
  out.clear();
  char buf[1 << 16];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR)
        continue;
      int err = errno;
      ::close(fd);
      return corruptArtifact("cannot read '" + path +
                             "': " + std::strerror(err));
    }
    if (n == 0)
      break;
    out.append(buf, size_t(n));
  }
  ::close(fd);
  return okStatus();
}

Status readJson(const std::string &dir, const std::string &file,
                json::Value &out) {
  std::string text;
  DEEPC_RETURN_IF_ERROR(readFile(joinPath(dir, file), text));
  return json::parse(text, file, out);
}

std::string opName(const PlanStep &step) {
  std::string name = "'" + step.op + "'";
  if (!step.loc.empty())
    name += " (node '" + step.loc + "')";
  return name;
}

} // namespace

Status Model::load(const std::string &dir, const KernelRegistry &kernels,
                   std::shared_ptr<Model> &out) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return notFound("no artifact directory at '" + dir + "'");
  std::shared_ptr<Model> model(new Model());
  DEEPC_RETURN_IF_ERROR(model->loadFiles(dir));
  DEEPC_RETURN_IF_ERROR(model->checkConsistency());
  DEEPC_RETURN_IF_ERROR(model->mapWeights(dir));
  DEEPC_RETURN_IF_ERROR(model->bindKernels(kernels));
  DEEPC_RETURN_IF_ERROR(model->openCodeLibrary(dir));
  model->buildInfos();
  out = std::move(model);
  return okStatus();
}

Model::~Model() {
  if (weights_)
    ::munmap(weights_, weightsMapped_);
  if (codeLibrary_)
    ::dlclose(codeLibrary_);
}

Status Model::loadFiles(const std::string &dir) {
  json::Value manifest, plan;
  DEEPC_RETURN_IF_ERROR(readJson(dir, kManifestFile, manifest));
  DEEPC_RETURN_IF_ERROR(manifestFromJson(manifest, manifest_));
  if (manifest_.target != "cpu")
    return unsupported("the artifact was compiled for target '" +
                       manifest_.target + "'; this runtime runs 'cpu'");
  DEEPC_RETURN_IF_ERROR(readJson(dir, manifest_.planFile, plan));
  return planFromJson(plan, plan_);
}

/// manifest.json repeats what plan.json says about the interface: a
/// mismatch means files from two different compilations.
Status Model::checkConsistency() const {
  auto fail = [](const std::string &m) {
    return corruptArtifact("manifest.json and plan.json disagree: " + m);
  };
  if (manifest_.weightsBytes != plan_.weightsBytes)
    return fail("weightsBytes " + std::to_string(manifest_.weightsBytes) +
                " vs " + std::to_string(plan_.weightsBytes));
  if (manifest_.codeLibrary != plan_.codeLibrary)
    return fail("codeLibrary '" + manifest_.codeLibrary + "' vs '" +
                plan_.codeLibrary + "'");
  if (plan_.target != "cpu")
    return unsupported("plan.json targets '" + plan_.target +
                       "'; this runtime runs 'cpu'");
  auto sameIO = [&](const std::vector<ManifestTensor> &ts,
                    const std::vector<PlanIO> &ios,
                    const char *what) -> Status {
    if (ts.size() != ios.size())
      return fail(std::string("number of ") + what);
    for (size_t i = 0; i < ts.size(); ++i) {
      const PlanValue &v = plan_.values[ios[i].value];
      if (ts[i].name != ios[i].name || ts[i].dtype != v.dtype ||
          ts[i].dims != v.dims)
        return fail(std::string(what) + " '" + ts[i].name + "'");
    }
    return okStatus();
  };
  DEEPC_RETURN_IF_ERROR(sameIO(manifest_.inputs, plan_.inputs, "inputs"));
  return sameIO(manifest_.outputs, plan_.outputs, "outputs");
}

Status Model::mapWeights(const std::string &dir) {
  std::string path = joinPath(dir, manifest_.weightsFile);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return notFound("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return corruptArtifact("cannot stat '" + path + "'");
  }
  if (uint64_t(st.st_size) != plan_.weightsBytes) {
    ::close(fd);
    return corruptArtifact(
        manifest_.weightsFile + " is " + std::to_string(st.st_size) +
        " bytes but the artifact expects " +
        std::to_string(plan_.weightsBytes) + " ('" + path + "')");
  }
  if (st.st_size > 0) {
    void *p =
        ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return resourceExhausted("cannot map '" + path +
                               "': " + std::strerror(err));
    }
    weights_ = static_cast<unsigned char *>(p);
    weightsMapped_ = size_t(st.st_size);
  }
  ::close(fd);
  return okStatus();
}

Status Model::bindKernels(const KernelRegistry &registry) {
  kernels_.assign(plan_.steps.size(), nullptr);
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep &step = plan_.steps[s];
    if (step.op == "region")
      continue;
    const KernelDef *kernel = registry.lookup(step.op);
    if (!kernel || !kernel->infer || !kernel->run)
      return unsupported("op " + opName(step) +
                         " has no CPU kernel in this runtime");
    kernels_[s] = kernel;
  }
  return okStatus();
}

Status Model::openCodeLibrary(const std::string &dir) {
  regionFns_.assign(plan_.steps.size(), nullptr);
  if (manifest_.codeLibrary.empty()) {
    for (const PlanStep &step : plan_.steps)
      if (step.op == "region" && !step.symbol.empty())
        return corruptArtifact("region " + opName(step) + " calls '" +
                               step.symbol +
                               "' but the artifact has no code library");
    return okStatus();
  }
  std::string path = joinPath(dir, manifest_.codeLibrary);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return notFound("cannot find the code library '" + path + "'");
  codeLibrary_ = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!codeLibrary_) {
    const char *err = ::dlerror();
    return corruptArtifact("cannot load the code library '" + path +
                           "': " + (err ? err : "unknown error"));
  }
  using VersionFn = int (*)();
  auto version = reinterpret_cast<VersionFn>(
      ::dlsym(codeLibrary_, DEEPC_REGION_ABI_SYMBOL));
  if (!version)
    return corruptArtifact("the code library '" + path + "' lacks '" +
                           DEEPC_REGION_ABI_SYMBOL + "'");
  if (int v = version(); v != DEEPC_REGION_ABI_VERSION)
    return unsupported("the code library '" + path + "' uses region ABI " +
                       std::to_string(v) + "; this runtime speaks " +
                       std::to_string(DEEPC_REGION_ABI_VERSION));
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep &step = plan_.steps[s];
    if (step.op != "region" || step.symbol.empty())
      continue;
    regionFns_[s] = reinterpret_cast<deepc_region_fn>(
        ::dlsym(codeLibrary_, step.symbol.c_str()));
    if (!regionFns_[s])
      return corruptArtifact("the code library '" + path + "' lacks '" +
                             step.symbol + "' for region " + opName(step));
  }
  return okStatus();
}

void Model::buildInfos() {
  auto build = [&](const PlanIO &io) {
    deepc_tensor_info info;
    std::memset(&info, 0, sizeof(info));
    const PlanValue &v = plan_.values[io.value];
    info.name = io.name.c_str();
    info.dtype = deepc_dtype(v.dtype);
    info.rank = int32_t(v.dims.size());
    static const char kNoName[] = "";
    for (size_t d = 0; d < v.dims.size(); ++d) {
      const char *dimName =
          d < io.dimNames.size() ? io.dimNames[d].c_str() : kNoName;
      info.dims[d] = v.dims[d];
      info.dim_names[d] = dimName;
      info.dim_bounds[d] = v.dims[d];
      if (v.dims[d] < 0) {
        // An output dim no input determines has no name and no bound (-1).
        auto it = plan_.dimBounds.find(dimName);
        info.dim_bounds[d] = it == plan_.dimBounds.end() ? -1 : it->second;
      } else {
        info.dim_names[d] = kNoName;
      }
    }
    return info;
  };
  for (const PlanIO &io : plan_.inputs)
    inputInfo_.push_back(build(io));
  for (const PlanIO &io : plan_.outputs)
    outputInfo_.push_back(build(io));
}

} // namespace deepc::rt
