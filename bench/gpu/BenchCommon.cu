//===- BenchCommon.cu - what every deepc GPU benchmark shares -------------===//

#include "BenchCommon.h"
#include "References.h"

#include <cuda_bf16.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace deepc::bench {
namespace {

/// Dense BF16 tensor-core peaks from the datasheets (TFLOP/s, no sparsity).
/// Checked in order: the first name fragment the device name contains wins.
struct PeakEntry {
  const char *fragment;
  double tflops;
};
constexpr PeakEntry kBf16Peaks[] = {
    {"H100 PCIe", 756.0}, {"H100 NVL", 835.5}, {"H200 NVL", 835.5},
    {"H100", 989.4},      {"H200", 989.4},     {"A100", 312.0},
};

/// Dense BF16 FLOP per clock per SM, for devices not in the table: an
/// estimate (A100 and H100 SXM give 2048 and 4096 from their datasheets;
/// other Ampere/Ada parts issue half as many; Blackwell doubles Hopper).
double bf16FlopPerClockPerSm(int major, int minor) {
  if (major == 8)
    return minor == 0 ? 2048 : 1024;
  if (major == 9)
    return 4096;
  if (major >= 10)
    return 8192;
  if (major == 7)
    return 1024; // fp16 only: Volta and Turing have no bf16 tensor cores
  return 0;
}

__device__ __forceinline__ float hashUniform(uint64_t seed, uint64_t i) {
  // splitmix64 of (seed, index): independent of the launch shape.
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return float(z >> 40) * (1.0f / 16777216.0f); // 24 bits: [0, 1)
}

__global__ void fillBf16Kernel(__nv_bfloat16 *data, size_t n, float lo,
                               float hi, uint64_t seed) {
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x)
    data[i] = __float2bfloat16_rn(lo + (hi - lo) * hashUniform(seed, i));
}

__global__ void fillF32Kernel(float *data, size_t n, float lo, float hi,
                              uint64_t seed) {
  for (size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += size_t(gridDim.x) * blockDim.x)
    data[i] = lo + (hi - lo) * hashUniform(seed, i);
}

unsigned fillBlocks(size_t n) {
  return unsigned(std::clamp<size_t>((n + 255) / 256, 1, 65536));
}

std::string formatNumber(double v, int precision) {
  if (!std::isfinite(v))
    return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", precision, v);
  return buf;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\')
      out += '\\';
    if (static_cast<unsigned char>(c) < 0x20)
      continue;
    out += c;
  }
  return out + "\"";
}

} // namespace

bool queryDevice(int device, DeviceInfo &info) {
  cudaDeviceProp prop;
  BENCH_CUDA(cudaGetDeviceProperties(&prop, device));
  int clockKHz = 0, memClockKHz = 0;
  BENCH_CUDA(cudaDeviceGetAttribute(&clockKHz, cudaDevAttrClockRate, device));
  BENCH_CUDA(
      cudaDeviceGetAttribute(&memClockKHz, cudaDevAttrMemoryClockRate, device));
  info.name = prop.name;
  info.major = prop.major;
  info.minor = prop.minor;
  info.smCount = prop.multiProcessorCount;
  info.smClockGHz = clockKHz * 1e-6;
  info.l2Bytes = size_t(prop.l2CacheSize);
  info.globalBytes = prop.totalGlobalMem;
  info.hbmPeakGBps = memClockKHz * 1e3 * (prop.memoryBusWidth / 8.0) * 2 / 1e9;
  info.bf16PeakTflops = 0;
  for (const PeakEntry &e : kBf16Peaks)
    if (info.name.find(e.fragment) != std::string::npos) {
      info.bf16PeakTflops = e.tflops;
      break;
    }
  info.bf16PeakEstimated = info.bf16PeakTflops == 0;
  if (info.bf16PeakEstimated)
    info.bf16PeakTflops = info.smCount * info.smClockGHz * 1e9 *
                          bf16FlopPerClockPerSm(info.major, info.minor) / 1e12;
  return true;
}

Record &Record::num(const std::string &key, double value, int precision) {
  fields_.push_back({key, formatNumber(value, precision), false});
  return *this;
}

Record &Record::text(const std::string &key, const std::string &value) {
  fields_.push_back({key, value, true});
  return *this;
}

std::string Record::line() const {
  std::string s = kind_ + " " + name_;
  for (const Field &f : fields_) {
    bool spaced = f.value.find(' ') != std::string::npos;
    s += " " + f.key + "=" + (spaced ? "\"" + f.value + "\"" : f.value);
  }
  return s;
}

std::string Record::json() const {
  std::string s =
      "{\"kind\": " + jsonString(kind_) + ", \"name\": " + jsonString(name_);
  for (const Field &f : fields_) {
    std::string value = f.quoted           ? jsonString(f.value)
                        : f.value == "nan" ? std::string("null")
                                           : f.value;
    s += ", " + jsonString(f.key) + ": " + value;
  }
  return s + "}";
}

void Reporter::add(const Record &r) {
  std::printf("%s\n", r.line().c_str());
  std::fflush(stdout);
  records_.push_back(r);
}

bool Reporter::writeJson(const std::string &path) const {
  FILE *f = std::fopen(path.c_str(), "w");
  if (!f) {
    std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
    return false;
  }
  std::fprintf(f, "[\n");
  for (size_t i = 0; i < records_.size(); ++i)
    std::fprintf(f, "  %s%s\n", records_[i].json().c_str(),
                 i + 1 < records_.size() ? "," : "");
  std::fprintf(f, "]\n");
  return std::fclose(f) == 0;
}

Timer::~Timer() {
  cudaFree(flushBuffer_);
  if (start_)
    cudaEventDestroy(start_);
  if (stop_)
    cudaEventDestroy(stop_);
}

bool Timer::init(const DeviceInfo &device) {
  flushBytes_ = std::max<size_t>(2 * device.l2Bytes, size_t(64) << 20);
  BENCH_CUDA(cudaMalloc(&flushBuffer_, flushBytes_));
  BENCH_CUDA(cudaEventCreate(&start_));
  BENCH_CUDA(cudaEventCreate(&stop_));
  return true;
}

bool Timer::flush() {
  // Writing a buffer twice the L2's size evicts whatever the last run
  // left there; the next run then reads its inputs from device memory.
  BENCH_CUDA(cudaMemsetAsync(flushBuffer_, 0x5a, flushBytes_, stream_));
  return true;
}

bool Timer::medianOf(std::vector<float> &times, double &ms) {
  if (times.empty()) {
    std::fprintf(stderr, "error: no timed iterations\n");
    return false;
  }
  std::sort(times.begin(), times.end());
  size_t n = times.size();
  ms = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  return true;
}

bool fillUniformBf16(void *data, size_t n, float lo, float hi, uint64_t seed,
                     cudaStream_t stream) {
  fillBf16Kernel<<<fillBlocks(n), 256, 0, stream>>>(
      static_cast<__nv_bfloat16 *>(data), n, lo, hi, seed);
  BENCH_CUDA(cudaGetLastError());
  return true;
}

bool fillUniformF32(float *data, size_t n, float lo, float hi, uint64_t seed,
                    cudaStream_t stream) {
  fillF32Kernel<<<fillBlocks(n), 256, 0, stream>>>(data, n, lo, hi, seed);
  BENCH_CUDA(cudaGetLastError());
  return true;
}

void randomBf16(size_t n, float lo, float hi, uint64_t seed,
                std::vector<uint16_t> &bits, std::vector<float> &values) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  bits.resize(n);
  values.resize(n);
  for (size_t i = 0; i < n; ++i) {
    bits[i] = floatToBf16Bits(dist(rng));
    values[i] = bf16BitsToFloat(bits[i]);
  }
}

double relativeError(const std::vector<float> &out,
                     const std::vector<double> &ref) {
  if (out.size() != ref.size())
    return INFINITY;
  double diff = 0, norm = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i]))
      return INFINITY;
    diff += (out[i] - ref[i]) * (out[i] - ref[i]);
    norm += ref[i] * ref[i];
  }
  return norm > 0 ? std::sqrt(diff / norm) : std::sqrt(diff);
}

bool DeviceBuffer::allocate(size_t bytes) {
  release();
  BENCH_CUDA(cudaMalloc(&ptr_, std::max<size_t>(bytes, 1)));
  bytes_ = bytes;
  return true;
}

void DeviceBuffer::release() {
  if (ptr_)
    cudaFree(ptr_);
  ptr_ = nullptr;
  bytes_ = 0;
}

} // namespace deepc::bench
