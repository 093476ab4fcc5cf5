//===- Model.cpp - loading and validating an artifact ---------------------===//
//
// Everything that can be checked once is checked here, so that a session's
// run loop only deals with the shapes of the actual inputs.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Session.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
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

//===----------------------------------------------------------------------===//
// Dummy weights
//===----------------------------------------------------------------------===//

/// splitmix64: a counter-based generator, so that every block of a weight
/// gets the same values whichever thread fills it.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// Calls `store(i, bits, u)` for the elements `first ...` of a weight whose
/// values stream `stream` draws: `bits` random, `u` uniform in [-1, 1).
template <typename Store>
void generate(int64_t first, int64_t count, uint64_t stream, Store store) {
  uint64_t state = mix(stream ^ mix(uint64_t(first)));
  for (int64_t i = 0; i < count; ++i) {
    uint64_t bits = mix(state + uint64_t(i));
    // 24 random bits make the float.
    float u = float(bits >> 40) * (1.0f / float(1 << 23)) - 1.0f;
    store(i, bits, u);
  }
}

/// Fills `count` elements of `dtype` at `out`, elements `first ...` of a
/// weight: floats uniform in [center - scale, center + scale), integers in
/// [0, 4) (valid indices for any axis of 4 or more), bools 0 or 1.
void fillDummy(unsigned char *out, DType dtype, int64_t first, int64_t count,
               uint64_t stream, float center, float scale) {
  auto floats = [&](auto convert) {
    using T = decltype(convert(0.0f));
    T *typed = reinterpret_cast<T *>(out);
    generate(first, count, stream, [&](int64_t i, uint64_t, float u) {
      typed[i] = convert(center + scale * u);
    });
  };
  auto ints = [&](auto zero) {
    using T = decltype(zero);
    T *typed = reinterpret_cast<T *>(out);
    generate(first, count, stream,
             [&](int64_t i, uint64_t bits, float) { typed[i] = T(bits & 3); });
  };
  switch (dtype) {
  case DType::F32:
    return floats([](float f) { return f; });
  case DType::F16:
    return floats([](float f) { return floatToHalf(f); });
  case DType::BF16:
    return floats([](float f) { return floatToBf16(f); });
  case DType::F8E4M3FN:
    return floats([](float f) { return floatToF8e4m3fn(f); });
  case DType::Bool:
    return generate(first, count, stream, [&](int64_t i, uint64_t bits, float) {
      out[i] = bits & 1;
    });
  case DType::I4:
  case DType::I8:
    return ints(int8_t());
  case DType::I32:
    return ints(int32_t());
  case DType::I64:
    return ints(int64_t());
  case DType::Invalid:
    return;
  }
}

/// Fills the dummy constant `value`: a matrix (or a stack of them) like a
/// freshly initialized layer, uniform in +-1/sqrt(fan_in) with fan_in its
/// next-to-last dim (the rows of an ONNX MatMul weight); a vector or scalar
/// (a norm's scale, a bias) around 1, in [0.9, 1.1).
void fillDummyConstant(unsigned char *weights, const PlanValue &value) {
  int64_t count = 1;
  for (int64_t d : value.dims)
    count *= d;
  float center = 1.0f, scale = 0.1f;
  if (value.dims.size() >= 2) {
    center = 0.0f;
    scale = 1.0f / std::sqrt(float(std::max<int64_t>(
                       1, value.dims[value.dims.size() - 2])));
  }
  unsigned char *out = weights + value.weightsOffset;
  size_t elementBytes = dtypeSize(value.dtype);
  uint64_t stream = mix(value.weightsOffset);
  constexpr int64_t kBlock = 1 << 16;
  int64_t blocks = (count + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static) if (blocks > 1)
  for (int64_t b = 0; b < blocks; ++b) {
    int64_t first = b * kBlock;
    fillDummy(out + first * elementBytes, value.dtype, first,
              std::min(kBlock, count - first), stream, center, scale);
  }
}

/// Reads `size` bytes of `path` into `out`.
Status readInto(const std::string &path, unsigned char *out, uint64_t size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return notFound("cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || uint64_t(st.st_size) != size) {
    ::close(fd);
    return corruptArtifact("'" + path + "' is not " + std::to_string(size) +
                           " bytes, the real weights before "
                           "dummyWeightsOffset");
  }
  uint64_t done = 0;
  while (done < size) {
    ssize_t n = ::pread(fd, out + done, size - done, off_t(done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return corruptArtifact("cannot read '" + path +
                             "': " + std::strerror(err));
    }
    done += uint64_t(n);
  }
  ::close(fd);
  return okStatus();
}

/// Maps in the pages of `size` bytes at `memory` (a fresh anonymous
/// mapping, all of which is about to be written) with all threads: the
/// kernel populates pages in bulk about twice as fast as it serves page
/// faults one by one, and zeroes them in parallel. Where the kernel cannot
/// (before Linux 5.14), the writes fault the pages in instead.
void populate(unsigned char *memory, size_t size) {
#ifdef MADV_POPULATE_WRITE
  constexpr size_t kChunk = size_t(64) << 20;
  int64_t chunks = int64_t((size + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(dynamic) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    size_t start = size_t(c) * kChunk;
    (void)::madvise(memory + start, std::min(kChunk, size - start),
                    MADV_POPULATE_WRITE);
  }
#else
  (void)memory;
  (void)size;
#endif
}

/// An artifact compiled with --dummy-weights: weights.bin holds the real
/// constants before dummyWeightsOffset (possibly none: then the file may be
/// absent), and the constants after it get random values. They live in an
/// anonymous mapping, read-only once filled like the mapped weights.bin.
Status makeDummyWeights(const std::string &dir, const Manifest &manifest,
                        const Plan &plan, unsigned char *&weights,
                        size_t &mapped) {
  if (plan.weightsBytes == 0)
    return okStatus();
  void *p = ::mmap(nullptr, size_t(plan.weightsBytes), PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return resourceExhausted(
        "cannot allocate " + std::to_string(plan.weightsBytes) +
        " bytes for the dummy weights: " + std::strerror(errno));
  weights = static_cast<unsigned char *>(p);
  mapped = size_t(plan.weightsBytes);
  populate(weights, mapped);
  uint64_t realBytes = manifest.dummyWeightsOffset;
  if (realBytes > 0)
    DEEPC_RETURN_IF_ERROR(
        readInto(joinPath(dir, manifest.weightsFile), weights, realBytes));
  for (const PlanValue &value : plan.values)
    if (value.kind == ValueKind::Constant && value.weightsOffset >= realBytes)
      fillDummyConstant(weights, value);
  ::mprotect(p, mapped, PROT_READ);
  return okStatus();
}

} // namespace

Status Model::load(const std::string &dir, const KernelRegistry &kernels,
                   std::shared_ptr<Model> &out) {
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return notFound("no artifact directory at '" + dir + "'");
  std::shared_ptr<Model> model(new Model());
  model->dir_ = dir;
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
  if (cudaLibrary_)
    ::dlclose(cudaLibrary_);
}

Status Model::loadFiles(const std::string &dir) {
  json::Value manifest, plan;
  DEEPC_RETURN_IF_ERROR(readJson(dir, kManifestFile, manifest));
  DEEPC_RETURN_IF_ERROR(manifestFromJson(manifest, manifest_));
  // A CUDA artifact carries the CPU plan and model.so as well: it runs on
  // either device (the session picks one).
  if (manifest_.target != "cpu" && manifest_.target != "cuda")
    return unsupported("the artifact was compiled for target '" +
                       manifest_.target +
                       "'; this runtime runs 'cpu' and "
                       "'cuda'");
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
  if (manifest_.dummyWeights)
    return makeDummyWeights(dir, manifest_, plan_, weights_, weightsMapped_);
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

Status
Model::cudaRegionFunctions(std::vector<deepc_cuda_region_fn> &out) const {
  std::lock_guard<std::mutex> lock(cudaLibraryMutex_);
  if (manifest_.cudaLibrary.empty() || cudaLibrary_) {
    out = cudaRegionFns_;
    return okStatus();
  }
  std::string path = joinPath(dir_, manifest_.cudaLibrary);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    return notFound("cannot find the CUDA code library '" + path + "'");
  void *library = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *err = ::dlerror();
    return corruptArtifact("cannot load the CUDA code library '" + path +
                           "': " + (err ? err : "unknown error"));
  }
  auto fail = [&](Status status) {
    ::dlclose(library);
    return status;
  };
  using VersionFn = int (*)();
  auto version =
      reinterpret_cast<VersionFn>(::dlsym(library, DEEPC_REGION_ABI_SYMBOL));
  if (!version)
    return fail(corruptArtifact("the CUDA code library '" + path + "' lacks '" +
                                DEEPC_REGION_ABI_SYMBOL + "'"));
  if (int v = version(); v != DEEPC_REGION_ABI_VERSION)
    return fail(unsupported("the CUDA code library '" + path +
                            "' uses region ABI " + std::to_string(v) +
                            "; this runtime speaks " +
                            std::to_string(DEEPC_REGION_ABI_VERSION)));
  std::vector<deepc_cuda_region_fn> fns(plan_.steps.size(), nullptr);
  for (size_t s = 0; s < plan_.steps.size(); ++s) {
    const PlanStep &step = plan_.steps[s];
    if (step.op != "region" || step.symbol.empty())
      continue;
    fns[s] = reinterpret_cast<deepc_cuda_region_fn>(
        ::dlsym(library, step.symbol.c_str()));
    if (!fns[s])
      return fail(corruptArtifact("the CUDA code library '" + path +
                                  "' lacks '" + step.symbol + "' for region " +
                                  opName(step)));
  }
  cudaLibrary_ = library;
  cudaRegionFns_ = std::move(fns);
  out = cudaRegionFns_;
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
