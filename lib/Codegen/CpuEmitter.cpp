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
    ;

namespace {

/// What a region function returns when its body faulted (an integer
/// division or modulo by zero); see RegionAbi.h.
constexpr int kRegionFault = DEEPC_REGION_FAULT;

/// The C++ type a value of `t` is stored as.
const char *storageType(DType t) {
  switch (t) {
  case DType::F32:
    return "float";
  case DType::F16:
  case DType::BF16:
    return "uint16_t";
  case DType::F8E4M3FN:
  case DType::Bool:
    return "uint8_t";
  case DType::I4:
  case DType::I8:
    return "int8_t";
  case DType::I32:
    return "int32_t";
  case DType::I64:
    return "int64_t";
  case DType::Invalid:
    break;
  }
  return "void";
}

/// The C++ type a value of `t` is computed in.
const char *computeType(DType t) {
  if (rt::isFloat(t))
    return "float";
  if (t == DType::Bool)
    return "bool";
  return storageType(t);
}

const char *unsignedType(DType t) {
  switch (t) {
  case DType::I4:
  case DType::I8:
    return "uint8_t";
  case DType::I32:
    return "uint32_t";
  default:
    return "uint64_t";
  }
}

int bitWidth(DType t) {
  return t == DType::I4 ? 4 : t == DType::Bool ? 1 : int(rt::dtypeSize(t) * 8);
}

std::string load(DType t, const std::string &element) {
  switch (t) {
  case DType::F16:
    return "h2f(" + element + ")";
  case DType::BF16:
    return "bf2f(" + element + ")";
  case DType::F8E4M3FN:
    return "f82f(" + element + ")";
  case DType::Bool:
    return "(" + element + " != 0)";
  default:
    return element;
  }
}

std::string store(DType t, const std::string &value) {
  switch (t) {
  case DType::F16:
    return "f2h(" + value + ")";
  case DType::BF16:
    return "f2bf(" + value + ")";
  case DType::F8E4M3FN:
    return "f2f8(" + value + ")";
  case DType::Bool:
    return "uint8_t(" + value + " ? 1 : 0)";
  default:
    return value;
  }
}

/// Rounds a computed value to its dtype, as storing and reloading it would.
std::string roundTo(DType t, const std::string &value) {
  switch (t) {
  case DType::F16:
    return "roundH(" + value + ")";
  case DType::BF16:
    return "roundBF(" + value + ")";
  case DType::F8E4M3FN:
    return "roundF8(" + value + ")";
  case DType::I4:
    return "wrap4(" + value + ")";
  default:
    return value;
  }
}

std::string floatLiteral(double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%af", float(v));
  return buffer;
}

class RegionEmitter {
public:
  RegionEmitter(const rt::Plan &plan, const rt::PlanStep &step,
                llvm::raw_ostream &os)
      : plan(plan), step(step), os(os) {}
  llvm::Error emit(const std::string &symbol);

private:
  llvm::Expected<std::string> expression(const rt::RegionInstr &instr);
  /// The value of argument `i` of `instr` when a body constant defines it.
  std::optional<double> constantArg(const rt::RegionInstr &instr,
                                    size_t i) const {
    int a = instr.args[i] - int(step.inputs.size());
    if (a < 0 || size_t(a) >= step.body.size() ||
        step.body[a].op != "deepc.constant")
      return std::nullopt;
    const rt::json::Value *value = step.body[a].attrs.get("value");
    if (!value || !value->isNumber())
      return std::nullopt;
    return value->asDouble();
  }
  llvm::Error fail(const rt::RegionInstr &instr, const llvm::Twine &why) {
    return llvm::createStringError("cannot generate code for " + instr.op +
                                   " in the region of step '" + step.loc +
                                   "': " + why.str());
  }
  /// `out[index] = body(in0[...], ...)`, reading input i at `offset(i)`.
  std::string callBody(const std::string &index,
                       const std::function<std::string(size_t)> &offset);
  void emitFlatLoop(const std::string &statement, bool simd,
                    const std::string &indent);
  /// The OpenMP clause that ORs the threads' and lanes' `fault` together.
  std::string faultReduction() const {
    return mayFault ? " reduction(|:fault)" : "";
  }
  std::string returnStatement() const {
    return mayFault ? "return fault ? " + std::to_string(kRegionFault) + " : 0;"
                    : "return 0;";
  }

  const rt::Plan &plan;
  const rt::PlanStep &step;
  llvm::raw_ostream &os;
  std::vector<DType> types; ///< dtype of every region-local value
  std::string bodyName;
  /// Whether the body can fail (an integer division or modulo by zero): it
  /// then takes
  /// `int &fault`, the loops OR it together and the function returns
  /// kRegionFault when it is set.
  bool mayFault = false;
};

llvm::Expected<std::string>
RegionEmitter::expression(const rt::RegionInstr &instr) {
  auto arg = [&](size_t i) { return "v" + std::to_string(instr.args[i]); };
  std::string op = instr.op;
  llvm::StringRef name = llvm::StringRef(op).drop_front(6); // "deepc."
  size_t arity = instr.args.size();
  DType result = instr.dtype;
  DType in = arity ? types[instr.args[0]] : result;
  bool isFloat = rt::isFloat(in);
  std::string T = computeType(in), U = unsignedType(in);

  if (name == "constant") {
    const rt::json::Value *value = instr.attrs.get("value");
    if (!value || !value->isNumber())
      return fail(instr, "its 'value' is not a number");
    if (rt::isFloat(result))
      return floatLiteral(value->asDouble());
    if (result == DType::Bool)
      return std::string(value->asInt() ? "true" : "false");
    return std::string(computeType(result)) + "(INT64_C(" +
           std::to_string(value->asInt()) + "))";
  }

  unsigned expectedArity = llvm::StringSwitch<unsigned>(name)
                               .Case("select", 3)
                               .Cases("add", "sub", "mul", "div", "pow", 2)
                               .Case("mod", 2)
                               .Cases("max", "min", "equal", "less", 2)
                               .Cases("less_equal", "greater", 2)
                               .Cases("greater_equal", "and", "or", "xor", 2)
                               .Default(1);
  if (arity != expectedArity)
    return fail(instr, "expected " + llvm::Twine(expectedArity) +
                           " argument(s), found " + llvm::Twine(arity));
  for (int a : instr.args)
    if (a < 0 || size_t(a) >= types.size())
      return fail(instr, "argument " + llvm::Twine(a) + " is not defined");

  // Integer arithmetic wraps: computed in the unsigned type of the width.
  auto wrapping = [&](const char *symbol) {
    return T + "(" + U + "(" + arg(0) + ") " + symbol + " " + U + "(" + arg(1) +
           "))";
  };
  auto floatOnly = [&](const std::string &expr) -> llvm::Expected<std::string> {
    if (!isFloat)
      return fail(instr, "it needs a float operand");
    return expr;
  };

  if (name == "neg")
    return isFloat ? "-" + arg(0)
                   : T + "(" + U + "(0) - " + U + "(" + arg(0) + "))";
  if (name == "abs")
    return isFloat ? "std::fabs(" + arg(0) + ")"
                   : T + "(" + arg(0) + " < 0 ? " + U + "(0) - " + U + "(" +
                         arg(0) + ") : " + U + "(" + arg(0) + "))";
  // vexp and vtanh (the prelude) vectorize; libm's calls do not.
  if (name == "exp")
    return floatOnly("vexp(" + arg(0) + ")");
  if (name == "tanh")
    return floatOnly("vtanh(" + arg(0) + ")");
  for (const char *fn : {"log", "sqrt", "erf", "sin", "cos", "floor", "ceil"})
    if (name == fn)
      return floatOnly("std::" + name.str() + "(" + arg(0) + ")");
  if (name == "rsqrt")
    return floatOnly("1.0f / std::sqrt(" + arg(0) + ")");
  if (name == "reciprocal")
    return floatOnly("1.0f / " + arg(0));
  if (name == "sigmoid")
    return floatOnly("1.0f / (1.0f + vexp(-" + arg(0) + "))");
  if (name == "silu")
    return floatOnly(arg(0) + " / (1.0f + vexp(-" + arg(0) + "))");
  if (name == "relu")
    return arg(0) + " < 0 ? " + T + "(0) : " + arg(0);
  if (name == "not")
    return "!" + arg(0);
  if (name == "gelu") {
    const rt::json::Value *approximation = instr.attrs.get("approximation");
    if (approximation && approximation->isString() &&
        approximation->asString() == "tanh")
      return floatOnly("0.5f * " + arg(0) +
                       " * (1.0f + vtanh(0.7978845608028654f * (" + arg(0) +
                       " + 0.044715f * " + arg(0) + " * " + arg(0) + " * " +
                       arg(0) + ")))");
    return floatOnly("0.5f * " + arg(0) + " * (1.0f + std::erf(" + arg(0) +
                     " * 0.70710678118654752f))");
  }

  if (name == "add")
    return isFloat ? arg(0) + " + " + arg(1) : wrapping("+");
  if (name == "sub")
    return isFloat ? arg(0) + " - " + arg(1) : wrapping("-");
  if (name == "mul")
    return isFloat ? arg(0) + " * " + arg(1) : wrapping("*");
  if (name == "div") {
    if (isFloat)
      return arg(0) + " / " + arg(1);
    // Like the interpreter's "integer division by zero": a zero divisor
    // fails the region.
    mayFault = true;
    return "idiv<" + T + ">(" + arg(0) + ", " + arg(1) + ", fault)";
  }
  if (name == "mod") {
    const rt::json::Value *fmodAttr = instr.attrs.get("fmod");
    bool fmod = fmodAttr && (fmodAttr->isBool() || fmodAttr->isInt()) &&
                fmodAttr->asInt() != 0;
    if (isFloat)
      return fmod ? "std::fmod(" + arg(0) + ", " + arg(1) + ")"
                  : llvm::Expected<std::string>(
                        fail(instr, "floating-point mod needs fmod = true"));
    // imod/ifmod (the prelude) return 0 for MIN mod -1 and flag a zero
    // divisor in `fault`, as the interpreter's "integer modulo by zero".
    mayFault = true;
    return std::string(fmod ? "ifmod" : "imod") + "<" + T + ">(" + arg(0) +
           ", " + arg(1) + ", fault)";
  }
  if (name == "pow") {
    // The exponents exporters write (x^2 in norms, x^3 in gelu's tanh form)
    // as products: no libm call, so the loop vectorizes.
    if (std::optional<double> e = constantArg(instr, 1)) {
      if (*e == 1.0)
        return floatOnly(arg(0));
      if (*e == 2.0)
        return floatOnly(arg(0) + " * " + arg(0));
      if (*e == 3.0)
        return floatOnly(arg(0) + " * " + arg(0) + " * " + arg(0));
    }
    return floatOnly("std::pow(" + arg(0) + ", " + arg(1) + ")");
  }
  if (name == "max")
    return isFloat ? "fmaxNaN(" + arg(0) + ", " + arg(1) + ")"
                   : arg(0) + " > " + arg(1) + " ? " + arg(0) + " : " + arg(1);
  if (name == "min")
    return isFloat ? "fminNaN(" + arg(0) + ", " + arg(1) + ")"
                   : arg(0) + " < " + arg(1) + " ? " + arg(0) + " : " + arg(1);
  static const std::pair<const char *, const char *> comparisons[] = {
      {"equal", "=="},  {"less", "<"},           {"less_equal", "<="},
      {"greater", ">"}, {"greater_equal", ">="}, {"xor", "!="}};
  for (auto [fn, symbol] : comparisons)
    if (name == fn)
      return arg(0) + " " + symbol + " " + arg(1);
  if (name == "and")
    return arg(0) + " && " + arg(1);
  if (name == "or")
    return arg(0) + " || " + arg(1);
  if (name == "select")
    return arg(0) + " ? " + arg(1) + " : " + arg(2);

  if (name == "cast") {
    if (result == DType::Bool)
      return isFloat ? arg(0) + " != 0.0f" : arg(0) + " != 0";
    if (rt::isFloat(result))
      return "float(" + arg(0) + ")";
    if (isFloat)
      return "f2i<" + std::string(computeType(result)) + ">(" + arg(0) + ", " +
             std::to_string(bitWidth(result)) + ")";
    // Integer to integer wraps (wrap4 then narrows an i4 result).
    return std::string(computeType(result)) + "(" + unsignedType(result) + "(" +
           arg(0) + "))";
  }
  return fail(instr, "it is not an elementwise op the CPU target knows");
}

std::string
RegionEmitter::callBody(const std::string &index,
                        const std::function<std::string(size_t)> &offset) {
  std::string call = bodyName + "(";
  for (size_t i = 0; i < step.inputs.size(); ++i) {
    if (i)
      call += ", ";
    call += load(plan.values[step.inputs[i]].dtype,
                 "in" + std::to_string(i) + "[" + offset(i) + "]");
  }
  if (mayFault)
    call += step.inputs.empty() ? "fault" : ", fault";
  call += ")";
  DType out = plan.values[step.outputs[0]].dtype;
  return "out[" + index + "] = " + store(out, call) + ";";
}

void RegionEmitter::emitFlatLoop(const std::string &statement, bool simd,
                                 const std::string &indent) {
  os << (simd ? "#pragma omp parallel for simd" : "#pragma omp parallel for")
     << " if(n > kParallelElements) num_threads(threads)" << faultReduction()
     << "\n"
     << indent << "for (int64_t i = 0; i < n; ++i)\n"
     << indent << "  " << statement << "\n";
}

llvm::Error RegionEmitter::emit(const std::string &symbol) {
  bodyName = symbol + "_body";
  size_t numInputs = step.inputs.size();
  if (step.outputs.size() != 1 || step.body.empty())
    return llvm::createStringError("region step '" + step.loc +
                                   "' needs one output and a body");
  for (int input : step.inputs)
    types.push_back(plan.values[input].dtype);

  // The scalar body: one element of every input in, the output element out.
  std::string bodyText;
  llvm::raw_string_ostream body(bodyText);
  for (const rt::RegionInstr &instr : step.body) {
    if (!llvm::StringRef(instr.op).starts_with("deepc."))
      return fail(instr, "not a deepc op");
    llvm::Expected<std::string> expr = expression(instr);
    if (!expr)
      return expr.takeError();
    body << "  const " << computeType(instr.dtype) << " v" << types.size()
         << " = "
         << roundTo(instr.dtype,
                    std::string(computeType(instr.dtype)) + "(" + *expr + ")")
         << ";\n";
    types.push_back(instr.dtype);
  }
  DType out = types.back();
  if (out != plan.values[step.outputs[0]].dtype)
    return llvm::createStringError(
        "region step '" + step.loc + "': its body computes " +
        rt::dtypeName(out) + " but its output is " +
        rt::dtypeName(plan.values[step.outputs[0]].dtype));

  os << "\n// Region of step '" << step.loc << "': ";
  for (size_t k = 0; k < step.body.size(); ++k)
    os << (k ? ", " : "") << step.body[k].op;
  os << "\nstatic inline " << computeType(out) << " " << bodyName << "(";
  for (size_t i = 0; i < numInputs; ++i)
    os << (i ? ", " : "") << computeType(types[i]) << " v" << i;
  if (mayFault)
    os << (numInputs ? ", " : "") << "int &fault";
  os << ") {\n" << bodyText << "  return v" << types.size() - 1 << ";\n}\n";

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
    rt::json::Value key = rt::json::Value::array();
    for (const rt::RegionInstr &instr : step.body) {
      rt::json::Value entry = rt::json::Value::object();
      entry["op"] = instr.op;
      entry["dtype"] = rt::dtypeName(instr.dtype);
      rt::json::Value args = rt::json::Value::array();
      for (int a : instr.args)
        args.push(a);
      entry["args"] = std::move(args);
      entry["attrs"] = instr.attrs;
      key.push(std::move(entry));
    }
    for (int input : step.inputs)
      key.push(rt::dtypeName(plan.values[input].dtype));
    std::string text = rt::json::write(key);
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

namespace {

/// Runs the compiler commands `commands` at once and waits for all of them.
/// A failure is an error quoting the command and the first lines of what it
/// printed.
llvm::Error runCompilers(const std::vector<std::vector<std::string>> &commands,
                         bool verbose) {
  struct Job {
    llvm::sys::ProcessInfo process;
    llvm::SmallString<128> logPath;
  };
  std::vector<Job> jobs(commands.size());
  std::string launchError;
  for (size_t i = 0; i < commands.size(); ++i) {
    if (verbose)
      llvm::errs() << "deepc: " << llvm::join(commands[i], " ") << "\n";
    if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
            "deepc-cxx", "log", jobs[i].logPath))
      return llvm::createStringError("cannot create a temporary file for the "
                                     "compiler's output: " +
                                     ec.message());
    std::vector<llvm::StringRef> args(commands[i].begin(), commands[i].end());
    std::optional<llvm::StringRef> redirects[] = {
        std::nullopt, jobs[i].logPath.str(), jobs[i].logPath.str()};
    jobs[i].process = llvm::sys::ExecuteNoWait(args.front(), args, std::nullopt,
                                               redirects, 0, &launchError);
  }

  std::string message;
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::string waitError;
    int rc = -1;
    if (jobs[i].process.Pid != llvm::sys::ProcessInfo::InvalidPid)
      rc =
          llvm::sys::Wait(jobs[i].process, std::nullopt, &waitError).ReturnCode;
    else
      waitError = launchError;
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(jobs[i].logPath))
      log = (*buffer)->getBuffer().str();
    llvm::sys::fs::remove(jobs[i].logPath);
    if (rc == 0 || !message.empty())
      continue;
    // The first lines say what went wrong; the rest is usually follow-on.
    llvm::SmallVector<llvm::StringRef> lines;
    llvm::StringRef(log).split(lines, '\n', 20, /*KeepEmpty=*/false);
    if (lines.size() > 20)
      lines.pop_back();
    message =
        "compiling the generated code failed (" +
        (waitError.empty() ? "exit status " + std::to_string(rc) : waitError) +
        "): " + llvm::join(commands[i], " ");
    for (llvm::StringRef line : lines)
      message += "\n  " + line.str();
  }
  if (!message.empty())
    return llvm::createStringError(message);
  return llvm::Error::success();
}

} // namespace

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
    return runCompilers({command}, options.verbose);
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
  if (llvm::Error error = runCompilers(compiles, options.verbose))
    return error;
  std::vector<std::string> link = {*program, "-shared", "-fopenmp", "-o",
                                   libraryPath.str()};
  link.insert(link.end(), objects.begin(), objects.end());
  return runCompilers({link}, options.verbose);
}
