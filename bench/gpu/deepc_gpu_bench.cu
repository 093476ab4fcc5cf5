//===- deepc_gpu_bench.cu - deepc's CUDA kernels on a GPU: speed and checks
//===//
//
// deepc-gpu-bench times the CUDA kernels of deepc.moe and deepc.attention
// at the sizes of issue 7 (see MoeBench.cu and AttentionBench.cu) and
// prints one line per result:
//
//   peak device gpu="NVIDIA H100 80GB HBM3" ... bf16_tflops=989.4
//   bench moe_layer_prefill tokens=4096 ... ms=... tflops=... peak%=...
//
// With --check it instead runs each benchmarked kernel once on small
// random inputs against a host reference and prints `check <name>
// result=ok|FAIL rel_err=...`, exiting 1 on any FAIL. --json FILE writes
// every line as a JSON array of objects. Exit codes: 0 ok, 1 a check
// failed, 2 bad arguments, 3 a CUDA error (named on stderr).
//
//===----------------------------------------------------------------------===//

#include "BenchCommon.h"
#include "Suites.h"

#include <cstdlib>
#include <cstring>
#include <sstream>

using namespace deepc::bench;

namespace {

struct Options {
  bool check = false, quick = false;
  std::string json;
  int warmup = 5, iterations = 20, device = 0;
  std::vector<std::string> only;
};

void usage(FILE *to) {
  std::fprintf(
      to,
      "usage: deepc-gpu-bench [--check] [--json FILE] [--quick]\n"
      "                       [--warmup N] [--iters N] [--only A,B,...]\n"
      "                       [--device N]\n"
      "  --check   compare each kernel with a host reference instead of\n"
      "            timing it; exit 1 when one is off\n"
      "  --json    write every result line to FILE as a JSON array\n"
      "  --quick   fewer sizes\n"
      "  --warmup  untimed runs before timing (5)\n"
      "  --iters   timed runs; the median is reported (20)\n"
      "  --only    run the benchmarks/checks whose name contains one of\n"
      "            these: moe_grouped_gemm_up, moe_grouped_gemm_down,\n"
      "            moe_layer_prefill, moe_layer_decode, attention_prefill,\n"
      "            attention_decode\n");
}

bool parsePositive(const char *text, int &out) {
  char *end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (!end || *end || v < 1 || v > 100000)
    return false;
  out = int(v);
  return true;
}

/// Parses argv into `o`; false (after saying why) on a bad argument.
bool parseArgs(int argc, char **argv, Options &o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    bool hasValue = i + 1 < argc;
    if (a == "--check") {
      o.check = true;
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--json" && hasValue) {
      o.json = argv[++i];
    } else if (a == "--warmup" && hasValue) {
      if (!parsePositive(argv[++i], o.warmup))
        return std::fprintf(stderr, "error: bad --warmup\n"), false;
    } else if (a == "--iters" && hasValue) {
      if (!parsePositive(argv[++i], o.iterations))
        return std::fprintf(stderr, "error: bad --iters\n"), false;
    } else if (a == "--device" && hasValue) {
      char *end = nullptr;
      o.device = int(std::strtol(argv[++i], &end, 10));
      if (!end || *end || o.device < 0)
        return std::fprintf(stderr, "error: bad --device\n"), false;
    } else if (a == "--only" && hasValue) {
      std::stringstream list(argv[++i]);
      for (std::string name; std::getline(list, name, ',');)
        if (!name.empty())
          o.only.push_back(name);
    } else {
      std::fprintf(stderr, "error: unknown or incomplete argument '%s'\n",
                   a.c_str());
      return false;
    }
  }
  return true;
}

Record peakRecord(const DeviceInfo &d) {
  return Record("peak", "device")
      .text("gpu", d.name)
      .text("cc", std::to_string(d.major) + "." + std::to_string(d.minor))
      .num("sms", d.smCount, 0)
      .num("sm_clock_ghz", d.smClockGHz, 3)
      .num("l2_mb", double(d.l2Bytes) / (1 << 20), 1)
      .num("memory_gb", double(d.globalBytes) / 1e9, 1)
      .num("bf16_tflops", d.bf16PeakTflops, 1)
      .text("bf16_source", d.bf16PeakEstimated
                               ? "estimate: SMs x clock x FLOP/clock/SM"
                               : "datasheet")
      .num("hbm_gbps", d.hbmPeakGBps, 1);
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    }
  Options o;
  if (!parseArgs(argc, argv, o)) {
    usage(stderr);
    return 2;
  }
  auto fail = [](const char *what) {
    std::fprintf(stderr, "error: %s\n", what);
    return 3;
  };

  int devices = 0;
  cudaError_t found = cudaGetDeviceCount(&devices);
  if (found != cudaSuccess || o.device >= devices) {
    std::fprintf(stderr, "error: no CUDA device %d (%s)\n", o.device,
                 found != cudaSuccess ? cudaGetErrorString(found)
                                      : "fewer devices");
    return 3;
  }
  if (cudaSetDevice(o.device) != cudaSuccess)
    return fail("cudaSetDevice failed");
  Context ctx;
  if (!queryDevice(o.device, ctx.device))
    return fail("cannot read the device's properties");
  cudaStream_t stream = nullptr;
  if (cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking) != cudaSuccess)
    return fail("cannot create a stream");
  Timer timer(stream, o.warmup, o.iterations);
  if (!timer.init(ctx.device))
    return fail("cannot allocate the L2 flush buffer");
  Reporter reporter;
  ctx.stream = stream;
  ctx.timer = &timer;
  ctx.reporter = &reporter;
  ctx.quick = o.quick;
  ctx.only = o.only;
  reporter.add(peakRecord(ctx.device));

  int failures = 0;
  bool ran = o.check ? checkMoe(ctx, failures) && checkAttention(ctx, failures)
                     : benchMoe(ctx) && benchAttention(ctx);
  // A kernel fault surfaces at the next synchronization: make sure one
  // cannot hide behind a finished run.
  if (ran && cudaDeviceSynchronize() != cudaSuccess)
    ran = false;
  if (!o.json.empty() && !reporter.writeJson(o.json))
    return fail("cannot write the JSON file");
  if (!ran)
    return fail("a CUDA call failed (see above); results are incomplete");
  if (o.check) {
    std::printf("check summary result=%s failures=%d\n",
                failures ? "FAIL" : "ok", failures);
    return failures ? 1 : 0;
  }
  return 0;
}
