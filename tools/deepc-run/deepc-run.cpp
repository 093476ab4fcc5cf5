//===- deepc-run.cpp - run, check and benchmark a compiled model ----------===//
//
// `deepc-run MODEL.deepc (--inputs DIR | --random-inputs) [--check]
// [--bench] [--dump-outputs DIR]`: loads an artifact through the runtime's C
// API, binds inputs read from ONNX test-data files or generated at random,
// runs the model once, then optionally compares the outputs with the
// expected ones, writes them out, and times further runs. A model compiled
// with a MoE capacity factor also gets a line saying how many token-expert
// assignments the capacity dropped (the runtime's moe.* counters).
//
// Every error is one `deepc-run: error: ...` line on stderr and exit code 1;
// a failed --check also exits 1, after its report.
//
//===----------------------------------------------------------------------===//

#include "Compare.h"
#include "Elements.h"
#include "Stats.h"
#include "TensorFiles.h"

#include "deepc_runtime.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <utility>

using namespace deepc::run;
namespace cl = llvm::cl;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;
using llvm::Twine;

namespace {

cl::OptionCategory runCategory("deepc-run options");

cl::opt<std::string> modelPath(cl::Positional, cl::Required,
                               cl::desc("<model.deepc>"), cl::cat(runCategory));

cl::opt<std::string> inputsDir(
    "inputs",
    cl::desc("Read the inputs from DIR/input_<i>.pb (ONNX TensorProtos, bound "
             "by name when the name is a model input, else by position)"),
    cl::value_desc("dir"), cl::cat(runCategory));

cl::opt<bool> randomInputs(
    "random-inputs",
    cl::desc("Generate the inputs: floats uniform in [-1, 1), integers "
             "uniform in [0, --int-max), random bools"),
    cl::cat(runCategory));

cl::list<std::string> dimValues(
    "dims",
    cl::desc("With --random-inputs: values of symbolic dims (default 1)"),
    cl::value_desc("name=N,..."), cl::CommaSeparated, cl::cat(runCategory));

cl::opt<int64_t> intMax(
    "int-max",
    cl::desc("With --random-inputs: integers are drawn from [0, N) (token "
             "ids must stay below the vocabulary size)"),
    cl::value_desc("N"), cl::init(2), cl::cat(runCategory));

cl::opt<uint64_t> seed("seed",
                       cl::desc("With --random-inputs: the random seed"),
                       cl::value_desc("N"), cl::init(0), cl::cat(runCategory));

cl::opt<bool> check(
    "check",
    cl::desc("Compare the outputs with DIR/output_<i>.pb (needs --inputs)"),
    cl::cat(runCategory));

cl::opt<double> tolerance(
    "tolerance",
    cl::desc("With --check: floats pass when max |actual - expected| <= "
             "tolerance * max(1, max |expected|)"),
    cl::value_desc("t"), cl::init(1e-4), cl::cat(runCategory));

cl::opt<bool> bench("bench",
                    cl::desc("Time --iterations runs after --warmup runs"),
                    cl::cat(runCategory));

cl::opt<unsigned> warmup("warmup", cl::desc("With --bench: untimed runs first"),
                         cl::value_desc("N"), cl::init(3),
                         cl::cat(runCategory));

cl::opt<unsigned> iterations("iterations", cl::desc("With --bench: timed runs"),
                             cl::value_desc("N"), cl::init(20),
                             cl::cat(runCategory));

cl::opt<int64_t>
    tokens("tokens",
           cl::desc("With --bench: tokens a run, for tokens/s (default: the "
                    "product of the first input's symbolic dims)"),
           cl::value_desc("N"), cl::init(0), cl::cat(runCategory));

cl::opt<std::string>
    jsonFile("json",
             cl::desc("With --bench: also write the numbers to FILE as JSON"),
             cl::value_desc("file"), cl::cat(runCategory));

cl::opt<std::string>
    dumpDir("dump-outputs",
            cl::desc("Write the outputs to DIR/output_<i>.pb (creating DIR)"),
            cl::value_desc("dir"), cl::cat(runCategory));

/// --threads. libLLVM.so registers a hidden -threads of its own (for LTO,
/// which we never run), and a second option of one name aborts at startup:
/// main() unregisters LLVM's before this one is first constructed.
cl::opt<int> &numThreads() {
  static cl::opt<int> option(
      "threads", cl::desc("Threads the kernels may use (0: default)"),
      cl::value_desc("N"), cl::init(0), cl::cat(runCategory));
  return option;
}

cl::opt<deepc_device>
    device("device",
           cl::desc("Where to run (default: the artifact's target); a CUDA "
                    "artifact also runs on the CPU"),
           cl::values(clEnumValN(DEEPC_DEVICE_CPU, "cpu", "the CPU kernels"),
                      clEnumValN(DEEPC_DEVICE_CUDA, "cuda",
                                 "an NVIDIA GPU (--device-index picks which)")),
           cl::init(DEEPC_DEVICE_DEFAULT), cl::cat(runCategory));

cl::opt<int32_t>
    deviceIndex("device-index",
                cl::desc("With --device=cuda: the GPU's CUDA device ordinal"),
                cl::value_desc("N"), cl::init(0), cl::cat(runCategory));

cl::opt<bool> verbose("v",
                      cl::desc("Say where the steps run (on a GPU: how many "
                               "on the device, which ops fall back to the "
                               "host)"),
                      cl::cat(runCategory));

cl::opt<bool> printIO(
    "print-io",
    cl::desc("List the model's inputs and outputs (dtypes, dims, bounds) "
             "and exit"),
    cl::cat(runCategory));

Error makeError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// C API handles
//===----------------------------------------------------------------------===//

struct StatusFree {
  void operator()(deepc_status status) const { deepc_status_free(status); }
};
struct ModelRelease {
  void operator()(deepc_model model) const { deepc_model_release(model); }
};
struct SessionRelease {
  void operator()(deepc_session session) const {
    deepc_session_release(session);
  }
};
using ModelPtr = std::unique_ptr<deepc_model_s, ModelRelease>;
using SessionPtr = std::unique_ptr<deepc_session_s, SessionRelease>;

/// Takes ownership of `status`: success, or an error carrying the runtime's
/// message after `context` (when given).
Error checkStatus(deepc_status status, const Twine &context = "") {
  std::unique_ptr<deepc_status_s, StatusFree> owned(status);
  if (!status)
    return Error::success();
  std::string message = deepc_status_message(status);
  if (message.empty())
    message = "the runtime failed with code " +
              std::to_string(int(deepc_status_get_code(status)));
  if (context.isTriviallyEmpty())
    return makeError(message);
  return makeError(context + ": " + message);
}

struct ModelIO {
  std::vector<deepc_tensor_info> inputs, outputs;
};

Expected<ModelIO> describeModel(deepc_model model) {
  ModelIO io;
  io.inputs.resize(deepc_model_num_inputs(model));
  io.outputs.resize(deepc_model_num_outputs(model));
  for (size_t i = 0; i < io.inputs.size(); ++i)
    if (Error error =
            checkStatus(deepc_model_input_info(model, i, &io.inputs[i])))
      return std::move(error);
  for (size_t i = 0; i < io.outputs.size(); ++i)
    if (Error error =
            checkStatus(deepc_model_output_info(model, i, &io.outputs[i])))
      return std::move(error);
  return io;
}

//===----------------------------------------------------------------------===//
// Flags
//===----------------------------------------------------------------------===//

/// Rejects flags that contradict each other or that the chosen mode would
/// silently ignore.
Error validateFlags() {
  auto given = [](const cl::Option &option) {
    return option.getNumOccurrences() > 0;
  };
  auto usage = [](const Twine &message) {
    return makeError(message + " (see --help)");
  };
  if (printIO) {
    for (const cl::Option *option : std::initializer_list<const cl::Option *>{
             &inputsDir, &randomInputs, &check, &bench, &dumpDir})
      if (given(*option))
        return usage("--print-io cannot be combined with --" + option->ArgStr);
    return Error::success();
  }
  if (given(inputsDir) && randomInputs)
    return usage("--inputs and --random-inputs cannot be combined");
  if (!given(inputsDir) && !randomInputs)
    return usage("give the inputs with --inputs DIR or --random-inputs");
  if (check && !given(inputsDir))
    return usage("--check needs --inputs DIR, whose output_<i>.pb it "
                 "compares with");
  // cl::list overloads operator& to give its storage, hence addressof.
  for (const cl::Option *option : std::initializer_list<const cl::Option *>{
           std::addressof(dimValues), &intMax, &seed})
    if (given(*option) && !randomInputs)
      return usage("--" + option->ArgStr + " needs --random-inputs");
  if (given(tolerance) && !check)
    return usage("--tolerance needs --check");
  for (const cl::Option *option : std::initializer_list<const cl::Option *>{
           &warmup, &iterations, &tokens, &jsonFile})
    if (given(*option) && !bench)
      return usage("--" + option->ArgStr + " needs --bench");
  if (!(tolerance >= 0))
    return usage("--tolerance must be a non-negative number");
  if (intMax < 1)
    return usage("--int-max must be at least 1");
  if (bench && iterations < 1)
    return usage("--iterations must be at least 1");
  if (given(tokens) && tokens < 1)
    return usage("--tokens must be at least 1");
  if (numThreads() < 0)
    return usage("--threads must be 0 (the default) or more");
  if (given(deviceIndex) && device != DEEPC_DEVICE_CUDA)
    return usage("--device-index needs --device=cuda");
  if (deviceIndex < 0)
    return usage("--device-index must be 0 or more");
  return Error::success();
}

//===----------------------------------------------------------------------===//
// --print-io
//===----------------------------------------------------------------------===//

/// "[batch, seq, 256]" with "(batch <= 8, seq <= 512)" for the bounds.
std::string describeTensor(const deepc_tensor_info &info) {
  std::string dims = "[", bounds;
  for (int32_t i = 0; i < info.rank; ++i) {
    if (i)
      dims += ", ";
    if (info.dims[i] >= 0) {
      dims += std::to_string(info.dims[i]);
      continue;
    }
    std::string name =
        info.dim_names[i] && *info.dim_names[i] ? info.dim_names[i] : "?";
    dims += name;
    bounds += (bounds.empty() ? "" : ", ") + name +
              " <= " + std::to_string(info.dim_bounds[i]);
  }
  dims += "]";
  std::string text = std::string(dtypeName(info.dtype)) + " " + dims;
  if (!bounds.empty())
    text += " (" + bounds + ")";
  return text;
}

void printModelIO(const ModelIO &io) {
  llvm::raw_ostream &os = llvm::outs();
  os << io.inputs.size() << " input(s):\n";
  for (size_t i = 0; i < io.inputs.size(); ++i)
    os << "  input " << i << " '" << io.inputs[i].name
       << "': " << describeTensor(io.inputs[i]) << "\n";
  os << io.outputs.size() << " output(s):\n";
  for (size_t i = 0; i < io.outputs.size(); ++i)
    os << "  output " << i << " '" << io.outputs[i].name
       << "': " << describeTensor(io.outputs[i]) << "\n";
}

//===----------------------------------------------------------------------===//
// Inputs
//===----------------------------------------------------------------------===//

/// An input tensor and where it came from, for error messages.
struct BoundInput {
  HostTensor tensor;
  std::string origin;
};

/// Reads DIR/input_<i>.pb and orders them as the model's inputs.
Expected<std::vector<BoundInput>> readInputs(deepc_model model,
                                             const ModelIO &io) {
  Expected<std::vector<std::string>> files =
      listTensorFiles(inputsDir, "input_");
  if (!files)
    return makeError("--inputs: " + llvm::toString(files.takeError()));
  std::vector<BoundInput> inputs(io.inputs.size());
  std::vector<bool> bound(io.inputs.size(), false);
  for (size_t position = 0; position < files->size(); ++position) {
    const std::string &file = (*files)[position];
    Expected<HostTensor> tensor = readTensorFile(file);
    if (!tensor)
      return tensor.takeError();
    size_t index = position;
    if (deepc_status status =
            deepc_model_find_input(model, tensor->name().c_str(), &index)) {
      // Not a model input's name: bind by position.
      deepc_status_free(status);
      index = position;
    }
    if (index >= io.inputs.size())
      return makeError(file + ": tensor '" + tensor->name() +
                       "' names no model input, and the model has only " +
                       Twine(uint64_t(io.inputs.size())) +
                       " input(s) to bind it to by position");
    if (bound[index])
      return makeError(file + ": model input '" + io.inputs[index].name +
                       "' is already bound by " + inputs[index].origin);
    bound[index] = true;
    inputs[index] = {std::move(*tensor), file};
  }
  for (size_t i = 0; i < io.inputs.size(); ++i)
    if (!bound[i])
      return makeError("--inputs: no input_<i>.pb in '" + inputsDir +
                       "' binds model input '" + io.inputs[i].name + "' (" +
                       Twine(uint64_t(files->size())) + " file(s) found)");
  return inputs;
}

/// Parses --dims into name -> value, checking the names against the
/// model's symbolic dims.
Expected<llvm::StringMap<int64_t>> parseDimValues(const ModelIO &io) {
  llvm::StringSet<> known;
  std::string knownList;
  for (const auto *infos : {&io.inputs, &io.outputs})
    for (const deepc_tensor_info &info : *infos)
      for (int32_t i = 0; i < info.rank; ++i)
        if (info.dims[i] < 0 && known.insert(info.dim_names[i]).second)
          knownList +=
              (knownList.empty() ? "" : ", ") + std::string(info.dim_names[i]);

  llvm::StringMap<int64_t> values;
  for (StringRef item : dimValues) {
    auto [name, number] = item.split('=');
    int64_t value;
    if (name.empty() || number.getAsInteger(10, value) || value < 0)
      return makeError("--dims: '" + item +
                       "' is not name=N with N a non-negative integer");
    if (!known.contains(name))
      return makeError("--dims: the model has no symbolic dim '" + name +
                       "' (it has " + (knownList.empty() ? "none" : knownList) +
                       ")");
    values[name] = value;
  }
  return values;
}

/// Fills `tensor` with random values: floats in [-1, 1), integers in
/// [0, --int-max), bools 0 or 1.
Error fillRandom(HostTensor &tensor, std::mt19937_64 &rng) {
  deepc_dtype dtype = tensor.dtype();
  int64_t count = tensor.numElements();
  if (isFloatDType(dtype)) {
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    for (int64_t i = 0; i < count; ++i)
      storeFloat(tensor.data(), dtype, i, uniform(rng));
    return Error::success();
  }
  int64_t limit = intMax;
  if (dtype == DEEPC_DTYPE_BOOL) {
    limit = 2;
  } else {
    int64_t largest = dtype == DEEPC_DTYPE_I4    ? 7
                      : dtype == DEEPC_DTYPE_I8  ? INT8_MAX
                      : dtype == DEEPC_DTYPE_I32 ? INT32_MAX
                                                 : INT64_MAX;
    if (limit - 1 > largest)
      return makeError("--int-max " + Twine(limit) + " does not fit input '" +
                       tensor.name() + "' of dtype " + dtypeName(dtype));
  }
  std::uniform_int_distribution<int64_t> uniform(0, limit - 1);
  for (int64_t i = 0; i < count; ++i)
    storeInt(tensor.data(), dtype, i, uniform(rng));
  return Error::success();
}

Expected<std::vector<BoundInput>> makeRandomInputs(const ModelIO &io) {
  Expected<llvm::StringMap<int64_t>> values = parseDimValues(io);
  if (!values)
    return values.takeError();
  std::mt19937_64 rng(seed);
  std::vector<BoundInput> inputs;
  for (const deepc_tensor_info &info : io.inputs) {
    std::vector<int64_t> dims;
    for (int32_t i = 0; i < info.rank; ++i) {
      if (info.dims[i] >= 0) {
        dims.push_back(info.dims[i]);
        continue;
      }
      auto given = values->find(info.dim_names[i]);
      int64_t value = given == values->end() ? 1 : given->second;
      // Checked before allocating, which an absurd dim would abort.
      if (value > info.dim_bounds[i])
        return makeError("random input '" + Twine(info.name) + "': dim " +
                         Twine(i) + " ('" + info.dim_names[i] + "') is " +
                         Twine(value) + ", beyond its compiled bound " +
                         Twine(info.dim_bounds[i]) + " (see --print-io)");
      dims.push_back(value);
    }
    HostTensor tensor(info.name, info.dtype, std::move(dims));
    if (Error error = fillRandom(tensor, rng))
      return std::move(error);
    inputs.push_back(
        {std::move(tensor), "random input '" + std::string(info.name) + "'"});
  }
  return inputs;
}

Error bindInputs(deepc_session session, const ModelIO &io,
                 std::vector<BoundInput> &inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    HostTensor &tensor = inputs[i].tensor;
    const deepc_tensor_info &info = io.inputs[i];
    // Checked here too so that the message names the file.
    if (tensor.dtype() != info.dtype)
      return makeError(inputs[i].origin + ": tensor '" + tensor.name() +
                       "' is " + dtypeName(tensor.dtype()) +
                       ", but model input '" + info.name + "' is " +
                       dtypeName(info.dtype));
    if (tensor.dims().size() != size_t(info.rank))
      return makeError(inputs[i].origin + ": tensor '" + tensor.name() + "' " +
                       formatDims(tensor.dims()) + " has rank " +
                       Twine(uint64_t(tensor.dims().size())) +
                       ", but model input '" + info.name + "' has rank " +
                       Twine(info.rank));
    deepc_tensor_view view = tensor.view();
    if (Error error = checkStatus(deepc_session_bind_input(session, i, &view),
                                  inputs[i].origin))
      return error;
  }
  return Error::success();
}

/// The tokens a run processes: the product of the first input's symbolic
/// dims (batch * seq for a language model).
int64_t tokensPerRun(const ModelIO &io, const std::vector<BoundInput> &inputs) {
  if (tokens.getNumOccurrences())
    return tokens;
  int64_t count = 1;
  if (!inputs.empty())
    for (int32_t i = 0; i < io.inputs[0].rank; ++i)
      if (io.inputs[0].dims[i] < 0)
        count *= inputs[0].tensor.dims()[i];
  return count;
}

//===----------------------------------------------------------------------===//
// Outputs
//===----------------------------------------------------------------------===//

TensorRef refOf(const deepc_tensor_view &view) {
  return {view.data, view.dtype,
          llvm::ArrayRef<int64_t>(view.dims, size_t(std::max(view.rank, 0)))};
}

/// `output 'logits' [2, 5, 256] f32`.
std::string outputTitle(const deepc_tensor_info &info, TensorRef tensor) {
  return std::string("output '") + info.name + "' " + formatDims(tensor.dims) +
         " " + dtypeName(tensor.dtype);
}

/// A line per output with its range, for runs without --check.
void printOutputSummaries(const ModelIO &io,
                          const std::vector<deepc_tensor_view> &views) {
  for (size_t i = 0; i < views.size(); ++i) {
    TensorRef tensor = refOf(views[i]);
    llvm::outs() << outputTitle(io.outputs[i], tensor);
    int64_t count = numElements(tensor.dims);
    if (count == 0) {
      llvm::outs() << ": empty\n";
      continue;
    }
    double low = INFINITY, high = -INFINITY, sum = 0;
    int64_t nans = 0;
    for (int64_t j = 0; j < count; ++j) {
      double value = loadFloat(tensor.data, tensor.dtype, j);
      if (std::isnan(value)) {
        ++nans;
        continue;
      }
      low = std::min(low, value);
      high = std::max(high, value);
      sum += value;
    }
    llvm::outs() << llvm::format(": min %g, max %g, mean %g", low, high,
                                 count > nans ? sum / double(count - nans)
                                              : NAN);
    if (nans)
      llvm::outs() << ", " << nans << " NaN(s)";
    llvm::outs() << "\n";
  }
}

/// Compares every output with DIR/output_<i>.pb; true when all pass.
Expected<bool> checkOutputs(deepc_model model, const ModelIO &io,
                            const std::vector<deepc_tensor_view> &views) {
  Expected<std::vector<std::string>> files =
      listTensorFiles(inputsDir, "output_");
  if (!files)
    return makeError("--check: " + llvm::toString(files.takeError()));
  if (files->empty())
    return makeError("--check: '" + inputsDir +
                     "' has no output_<i>.pb to compare with");

  std::vector<std::unique_ptr<HostTensor>> expected(views.size());
  for (size_t position = 0; position < files->size(); ++position) {
    const std::string &file = (*files)[position];
    Expected<HostTensor> tensor = readTensorFile(file);
    if (!tensor)
      return tensor.takeError();
    size_t index = position;
    if (deepc_status status =
            deepc_model_find_output(model, tensor->name().c_str(), &index)) {
      deepc_status_free(status);
      index = position;
    }
    if (index >= views.size())
      return makeError(file + ": tensor '" + tensor->name() +
                       "' names no model output, and the model has only " +
                       Twine(uint64_t(views.size())) +
                       " output(s) to match it with by position");
    if (expected[index])
      return makeError(file + ": model output '" + io.outputs[index].name +
                       "' already has an expected value, tensor '" +
                       expected[index]->name() + "'");
    expected[index] = std::make_unique<HostTensor>(std::move(*tensor));
  }

  size_t checked = 0, failed = 0;
  for (size_t i = 0; i < views.size(); ++i) {
    TensorRef actual = refOf(views[i]);
    llvm::outs() << outputTitle(io.outputs[i], actual) << ": ";
    if (!expected[i]) {
      llvm::outs() << "not checked (no output_<i>.pb for it)\n";
      continue;
    }
    ++checked;
    Comparison result = compareTensors(actual, expected[i]->ref(), tolerance);
    if (!result.ok)
      ++failed;
    if (!result.mismatch.empty()) {
      llvm::outs() << "FAIL: " << result.mismatch << "\n";
      continue;
    }
    llvm::outs() << llvm::format("max abs err %g, max rel err %g, scale %g",
                                 result.maxAbsErr, result.maxRelErr,
                                 result.scale);
    if (result.nanMismatches)
      llvm::outs() << ", " << result.nanMismatches
                   << " element(s) NaN in one but not the other";
    llvm::outs() << (result.ok ? ": ok\n" : ": FAIL\n");
  }
  if (failed)
    llvm::outs() << "check failed: " << failed << " of " << checked
                 << " outputs out of tolerance\n";
  else
    llvm::outs() << "check passed: " << checked << " outputs within tolerance "
                 << llvm::format("%g", double(tolerance)) << "\n";
  return failed == 0;
}

Error dumpOutputs(const ModelIO &io,
                  const std::vector<deepc_tensor_view> &views) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dumpDir))
    return makeError("--dump-outputs: cannot create '" + dumpDir +
                     "': " + ec.message());
  for (size_t i = 0; i < views.size(); ++i) {
    llvm::SmallString<256> path(dumpDir);
    llvm::sys::path::append(path, "output_" + Twine(uint64_t(i)) + ".pb");
    if (Error error =
            writeTensorFile(path, io.outputs[i].name, refOf(views[i])))
      return error;
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Run statistics
//===----------------------------------------------------------------------===//

/// What the MoE layers with a capacity factor did in the last run.
struct MoeCapacityStats {
  int64_t dropped = 0; ///< token-expert assignments dropped by capacity
  int64_t routed = 0;  ///< token-expert assignments made
};

/// The MoE counters of the last run; none when the model has no MoE layer
/// with a capacity factor (its kernels then report no such counters).
Expected<std::optional<MoeCapacityStats>>
readMoeCapacityStats(deepc_session session) {
  MoeCapacityStats stats;
  for (auto [name, value] : {std::pair{"moe.routed_tokens", &stats.routed},
                             std::pair{"moe.dropped_tokens", &stats.dropped}}) {
    deepc_status status = deepc_session_get_counter(session, name, value);
    if (deepc_status_get_code(status) == DEEPC_NOT_FOUND) {
      deepc_status_free(status);
      return std::nullopt;
    }
    if (Error error = checkStatus(status, Twine("counter '") + name + "'"))
      return std::move(error);
  }
  if (stats.routed <= 0)
    return std::nullopt;
  return stats;
}

/// `moe: 12 of 64 token-expert assignments dropped by capacity (18.8%)`.
void printMoeCapacityStats(const MoeCapacityStats &stats) {
  llvm::outs() << "moe: " << stats.dropped << " of " << stats.routed
               << " token-expert assignments dropped by capacity"
               << llvm::format(" (%.1f%%)\n", 100.0 * double(stats.dropped) /
                                                  double(stats.routed));
}

//===----------------------------------------------------------------------===//
// --bench
//===----------------------------------------------------------------------===//

Error runBench(deepc_session session, const ModelIO &io,
               const std::vector<BoundInput> &inputs) {
  using Clock = std::chrono::steady_clock;
  for (unsigned i = 0; i < warmup; ++i)
    if (Error error = checkStatus(deepc_session_run(session)))
      return error;
  std::vector<double> latenciesMs;
  // deepc_session_run returns once the outputs are in host memory, on a GPU
  // too (it synchronizes the stream), so wall time is the run's latency.
  for (unsigned i = 0; i < iterations; ++i) {
    Clock::time_point start = Clock::now();
    deepc_status status = deepc_session_run(session);
    Clock::time_point end = Clock::now();
    if (Error error = checkStatus(status))
      return error;
    latenciesMs.push_back(
        std::chrono::duration<double, std::milli>(end - start).count());
  }
  LatencyStats stats = summarizeLatencies(latenciesMs);
  int64_t tokenCount = tokensPerRun(io, inputs);
  double tokensPerSecond =
      stats.medianMs > 0 ? double(tokenCount) * 1000.0 / stats.medianMs : 0;

  llvm::outs() << "bench: " << iterations << " timed runs after " << warmup
               << " warmup runs, " << tokenCount << " tokens a run\n";
  llvm::outs() << llvm::format("latency: median %.3f ms, p90 %.3f ms, p99 "
                               "%.3f ms (min %.3f, mean %.3f, max %.3f)\n",
                               stats.medianMs, stats.p90Ms, stats.p99Ms,
                               stats.minMs, stats.meanMs, stats.maxMs);
  llvm::outs() << llvm::format("throughput: %.1f tokens/s at the median\n",
                               tokensPerSecond);
  // Counters describe the last timed run: the same inputs, so the same
  // routing as the first run's report unless the model is stochastic.
  Expected<std::optional<MoeCapacityStats>> moe = readMoeCapacityStats(session);
  if (!moe)
    return moe.takeError();

  if (jsonFile.empty())
    return Error::success();
  std::error_code ec;
  llvm::raw_fd_ostream os(jsonFile, ec);
  if (ec)
    return makeError("--json: cannot open '" + jsonFile + "': " + ec.message());
  llvm::json::OStream json(os, /*IndentSize=*/2);
  json.object([&] {
    json.attribute("model", modelPath);
    json.attribute("device", deepc_session_device(session));
    json.attribute("threads", int64_t(numThreads()));
    json.attribute("warmup", int64_t(warmup));
    json.attribute("iterations", int64_t(iterations));
    json.attribute("tokens", tokenCount);
    json.attribute("median_ms", stats.medianMs);
    json.attribute("p90_ms", stats.p90Ms);
    json.attribute("p99_ms", stats.p99Ms);
    json.attribute("min_ms", stats.minMs);
    json.attribute("mean_ms", stats.meanMs);
    json.attribute("max_ms", stats.maxMs);
    json.attribute("tokens_per_s", tokensPerSecond);
    if (*moe) {
      json.attribute("moe_dropped_tokens", (*moe)->dropped);
      json.attribute("moe_routed_tokens", (*moe)->routed);
    }
    json.attributeObject("inputs", [&] {
      for (const BoundInput &input : inputs) {
        json.attributeArray(input.tensor.name(), [&] {
          for (int64_t dim : input.tensor.dims())
            json.value(dim);
        });
      }
    });
  });
  os << "\n";
  os.close();
  if (os.has_error()) {
    std::error_code writeError = os.error();
    os.clear_error();
    return makeError("--json: cannot write '" + jsonFile +
                     "': " + writeError.message());
  }
  return Error::success();
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

/// Whether the artifact was compiled with `deepc --dummy-weights`
/// (manifest.json "dummyWeights"). A manifest that cannot be read counts as
/// not dummy: loading the model reports what is wrong with it.
bool hasDummyWeights(StringRef artifact) {
  llvm::SmallString<256> manifestPath(artifact);
  llvm::sys::path::append(manifestPath, "manifest.json");
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> text =
      llvm::MemoryBuffer::getFile(manifestPath);
  if (!text)
    return false;
  Expected<llvm::json::Value> manifest =
      llvm::json::parse((*text)->getBuffer());
  if (!manifest) {
    llvm::consumeError(manifest.takeError());
    return false;
  }
  const llvm::json::Object *object = manifest->getAsObject();
  return object && object->getBoolean("dummyWeights").value_or(false);
}

/// Runs the tool; returns its exit code, or an error to report.
Expected<int> runTool() {
  if (Error error = validateFlags())
    return std::move(error);
  if (!printIO && hasDummyWeights(modelPath)) {
    // Refused before the weights are made up: comparing random weights'
    // outputs with a reference can only fail.
    if (check)
      return makeError("--check: '" + modelPath +
                       "' was compiled with --dummy-weights, so its outputs "
                       "cannot match a reference; recompile it without "
                       "--dummy-weights to check it");
    llvm::errs() << "deepc-run: note: weights are dummy (random): outputs "
                    "are meaningless, timings are not\n";
  }

  deepc_model rawModel = nullptr;
  if (Error error = checkStatus(deepc_model_load(modelPath.c_str(), &rawModel)))
    return std::move(error);
  ModelPtr model(rawModel);
  Expected<ModelIO> io = describeModel(model.get());
  if (!io)
    return io.takeError();
  if (printIO) {
    printModelIO(*io);
    return 0;
  }

  deepc_session rawSession = nullptr;
  if (Error error = checkStatus(deepc_session_create_on(
          model.get(), device, deviceIndex, &rawSession)))
    return std::move(error);
  SessionPtr session(rawSession);
  if (numThreads().getNumOccurrences())
    if (Error error = checkStatus(
            deepc_session_set_num_threads(session.get(), numThreads()),
            "--threads"))
      return std::move(error);

  Expected<std::vector<BoundInput>> inputs =
      randomInputs ? makeRandomInputs(*io) : readInputs(model.get(), *io);
  if (!inputs)
    return inputs.takeError();
  if (Error error = bindInputs(session.get(), *io, *inputs))
    return std::move(error);
  if (Error error = checkStatus(deepc_session_run(session.get())))
    return std::move(error);
  // After the run: on a GPU it also says whether later runs replay a graph.
  if (verbose)
    llvm::outs() << "device: " << deepc_session_summary(session.get()) << "\n";

  std::vector<deepc_tensor_view> views(io->outputs.size());
  for (size_t i = 0; i < views.size(); ++i)
    if (Error error =
            checkStatus(deepc_session_get_output(session.get(), i, &views[i]),
                        Twine("output '") + io->outputs[i].name + "'"))
      return std::move(error);

  bool passed = true;
  if (check) {
    Expected<bool> result = checkOutputs(model.get(), *io, views);
    if (!result)
      return result.takeError();
    passed = *result;
  } else {
    printOutputSummaries(*io, views);
  }
  Expected<std::optional<MoeCapacityStats>> moe =
      readMoeCapacityStats(session.get());
  if (!moe)
    return moe.takeError();
  if (*moe)
    printMoeCapacityStats(**moe);
  if (!dumpDir.empty())
    if (Error error = dumpOutputs(*io, views))
      return std::move(error);
  // Outputs live in session memory until the next run: benchmark last.
  if (bench)
    if (Error error = runBench(session.get(), *io, *inputs))
      return std::move(error);
  return passed ? 0 : 1;
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::StringMap<cl::Option *> &registered = cl::getRegisteredOptions();
  if (auto llvmThreads = registered.find("threads");
      llvmThreads != registered.end())
    llvmThreads->second->removeArgument();
  numThreads(); // registers ours
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "deepc-run: run, check and benchmark a compiled deepc model\n\n"
      "  deepc-run model.deepc --inputs test_data_set_0 --check\n"
      "  deepc-run model.deepc --random-inputs --dims batch=2,seq=128 "
      "--bench\n"
      "  deepc-run model.deepc --print-io\n");
  Expected<int> exitCode = runTool();
  llvm::outs().flush();
  if (!exitCode) {
    llvm::errs() << "deepc-run: error: " << llvm::toString(exitCode.takeError())
                 << "\n";
    return 1;
  }
  return *exitCode;
}
