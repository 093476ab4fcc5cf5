//===- BenchCommon.h - what every deepc GPU benchmark shares ----*- C++ -*-===//
//
// The measuring method of deepc-gpu-bench (docs/benchmarks.md, "GPU"):
// CUDA events around the timed region only, warm-up runs first, the median
// of N timed runs, and L2 flushed before each timed run where the working
// set could otherwise stay in cache. Also the device's peaks, random data,
// and the result lines (`bench ...`, `check ...`, `peak ...`) with their
// JSON twin.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_BENCH_GPU_BENCHCOMMON_H
#define DEEPC_BENCH_GPU_BENCHCOMMON_H

#include <cuda_runtime_api.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

/// Returns false from the enclosing function, after naming the call and
/// the error, when a CUDA call fails. Every CUDA call of the benchmarks
/// goes through it: an exit code of 0 must mean every call succeeded.
#define BENCH_CUDA(call)                                                       \
  do {                                                                         \
    cudaError_t benchErr_ = (call);                                            \
    if (benchErr_ != cudaSuccess) {                                            \
      std::fprintf(stderr, "error: %s failed: %s (%s:%d)\n", #call,            \
                   cudaGetErrorString(benchErr_), __FILE__, __LINE__);         \
      return false;                                                            \
    }                                                                          \
  } while (0)

namespace deepc::bench {

/// The device and the two ceilings results are compared with.
struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0, smCount = 0;
  double smClockGHz = 0; ///< peak SM clock
  size_t l2Bytes = 0;
  size_t globalBytes = 0;
  /// Dense BF16 tensor-core peak: a datasheet figure when the device is in
  /// the table, otherwise SMs × clock × the architecture's rate per SM.
  double bf16PeakTflops = 0;
  bool bf16PeakEstimated = false;
  /// memory clock × bus width × 2 (double data rate).
  double hbmPeakGBps = 0;
};

bool queryDevice(int device, DeviceInfo &info);

/// One result: printed at once as `<kind> <name> key=value ...` and kept
/// for the JSON file, where it becomes {"kind", "name", key: value, ...}.
class Record {
public:
  Record(std::string kind, std::string name)
      : kind_(std::move(kind)), name_(std::move(name)) {}
  Record &num(const std::string &key, double value, int precision = 3);
  Record &text(const std::string &key, const std::string &value);
  std::string line() const;
  std::string json() const;

private:
  struct Field {
    std::string key, value;
    bool quoted;
  };
  std::string kind_, name_;
  std::vector<Field> fields_;
};

/// Prints records as they come and writes them all as one JSON array.
class Reporter {
public:
  void add(const Record &r);
  bool writeJson(const std::string &path) const;

private:
  std::vector<Record> records_;
};

/// Median-of-N timing with CUDA events on one stream.
class Timer {
public:
  Timer(cudaStream_t stream, int warmup, int iterations)
      : stream_(stream), warmup_(warmup), iterations_(iterations) {}
  ~Timer();
  /// Allocates the buffer whose overwrite evicts L2 (twice the L2 size).
  bool init(const DeviceInfo &device);
  /// Runs `work` (enqueues on the stream, returns the launch's error)
  /// warm-up times, then `iterations` timed times, each after an L2 flush
  /// when `flushL2`, and stores the median in `ms`.
  template <typename Work> bool median(Work &&work, bool flushL2, double &ms);

private:
  bool flush();
  bool medianOf(std::vector<float> &times, double &ms);
  cudaStream_t stream_;
  int warmup_, iterations_;
  void *flushBuffer_ = nullptr;
  size_t flushBytes_ = 0;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

template <typename Work>
bool Timer::median(Work &&work, bool flushL2, double &ms) {
  for (int i = 0; i < warmup_; ++i)
    BENCH_CUDA(work());
  BENCH_CUDA(cudaStreamSynchronize(stream_));
  std::vector<float> times;
  for (int i = 0; i < iterations_; ++i) {
    if (flushL2 && !flush())
      return false;
    BENCH_CUDA(cudaEventRecord(start_, stream_));
    BENCH_CUDA(work());
    BENCH_CUDA(cudaEventRecord(stop_, stream_));
    BENCH_CUDA(cudaEventSynchronize(stop_));
    float t = 0;
    BENCH_CUDA(cudaEventElapsedTime(&t, start_, stop_));
    times.push_back(t);
  }
  return medianOf(times, ms);
}

/// Captures what `work` enqueues on `stream` into an executable graph, so
/// that a run of many small launches is timed without the gaps between
/// them (the CUDA backend replays graphs when shapes are fixed). False,
/// after printing why, when the capture fails.
template <typename Work>
bool captureGraph(cudaStream_t stream, Work &&work, cudaGraphExec_t &exec) {
  cudaGraph_t graph = nullptr;
  BENCH_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeRelaxed));
  cudaError_t launched = work();
  cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  BENCH_CUDA(launched);
  BENCH_CUDA(ended);
  cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  BENCH_CUDA(instantiated);
  return true;
}

/// Fills `n` bf16 elements with uniform values in [lo, hi), from a hash of
/// (seed, index): reproducible, different for every seed, never all zero.
bool fillUniformBf16(void *data, size_t n, float lo, float hi, uint64_t seed,
                     cudaStream_t stream);
/// The same for f32.
bool fillUniformF32(float *data, size_t n, float lo, float hi, uint64_t seed,
                    cudaStream_t stream);

/// Host-side random bf16 data for the checks: `bits` (to upload) and the
/// same values as float (for the reference).
void randomBf16(size_t n, float lo, float hi, uint64_t seed,
                std::vector<uint16_t> &bits, std::vector<float> &values);

/// ‖out − ref‖ / ‖ref‖, or +inf when any output is not finite.
double relativeError(const std::vector<float> &out,
                     const std::vector<double> &ref);

/// A device buffer freed on scope exit.
class DeviceBuffer {
public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer &) = delete;
  DeviceBuffer &operator=(const DeviceBuffer &) = delete;
  ~DeviceBuffer() { release(); }
  bool allocate(size_t bytes);
  void release();
  void *get() const { return ptr_; }
  template <typename T> T *as() const { return static_cast<T *>(ptr_); }
  size_t bytes() const { return bytes_; }

private:
  void *ptr_ = nullptr;
  size_t bytes_ = 0;
};

/// What every suite gets.
struct Context {
  DeviceInfo device;
  cudaStream_t stream = nullptr;
  Timer *timer = nullptr;
  Reporter *reporter = nullptr;
  bool quick = false;
  /// --only: run just the benchmarks and checks whose name contains one of
  /// these (all when empty).
  std::vector<std::string> only;
  bool wants(const std::string &name) const {
    if (only.empty())
      return true;
    for (const std::string &o : only)
      if (name.find(o) != std::string::npos)
        return true;
    return false;
  }
};

} // namespace deepc::bench

#endif // DEEPC_BENCH_GPU_BENCHCOMMON_H
