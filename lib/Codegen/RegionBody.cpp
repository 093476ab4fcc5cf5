//===- RegionBody.cpp - the scalar body of a generated region -------------===//
//
// Everything the body computes follows ONNX (and the runtime's region
// interpreter): floats in float, 16- and 8-bit floats rounded back after
// every instruction, integers wrapping, float-to-int casts truncating and
// saturating. The helpers it calls (vexp, idiv, f2h, ...) are in
// RegionScalarHelpers.inc, which both preludes include.
//
//===----------------------------------------------------------------------===//

#include "RegionBody.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <optional>

using namespace mlir::deepc;
using ::deepc::rt::DType;
namespace rt = ::deepc::rt;

/// The C++ type a value of `t` is stored as.
const char *codegen::storageType(DType t) {
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
const char *codegen::computeType(DType t) {
  if (rt::isFloat(t))
    return "float";
  if (t == DType::Bool)
    return "bool";
  return storageType(t);
}

namespace {
using codegen::computeType;
using codegen::storageType;

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

class BodyEmitter {
public:
  BodyEmitter(const rt::Plan &plan, const rt::PlanStep &step)
      : plan(plan), step(step) {}
  llvm::Expected<codegen::RegionBody> emit(const std::string &name,
                                           const std::string &qualifier);

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

  const rt::Plan &plan;
  const rt::PlanStep &step;
  std::vector<DType> types; ///< dtype of every region-local value
  bool mayFault = false;
};

llvm::Expected<std::string>
BodyEmitter::expression(const rt::RegionInstr &instr) {
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
                               .Cases("select", "quantize", "dequantize", 3)
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
  // ONNX QuantizeLinear / DequantizeLinear (x, scale, zero_point), in f32
  // as the interpreter and the kernels compute them.
  if (name == "quantize") {
    if (!isFloat)
      return fail(instr, "it quantizes a float operand");
    std::string scaled = "float(" + arg(0) + ") / float(" + arg(1) + ")";
    if (result == DType::F8E4M3FN)
      return scaled; // roundF8 saturates; f8 has no zero point
    if (result != DType::I8 && result != DType::I4)
      return fail(instr, "its result must be i8, i4 or f8E4M3FN");
    const char *range = result == DType::I4 ? "-8.0f, 7.0f" : "-128.0f, 127.0f";
    return "quantizeToInt(" + scaled + ", float(" + arg(2) + "), " + range +
           ")";
  }
  if (name == "dequantize")
    return "(float(" + arg(0) + ") - float(" + arg(2) + ")) * float(" + arg(1) +
           ")";
  return fail(instr, "it is not an elementwise op deepc generates code for");
}

llvm::Expected<codegen::RegionBody>
BodyEmitter::emit(const std::string &name, const std::string &qualifier) {
  size_t numInputs = step.inputs.size();
  if (step.outputs.size() != 1 || step.body.empty())
    return llvm::createStringError("region step '" + step.loc +
                                   "' needs one output and a body");
  for (int input : step.inputs)
    types.push_back(plan.values[input].dtype);

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

  codegen::RegionBody result;
  result.name = name;
  result.inputTypes.assign(types.begin(), types.begin() + numInputs);
  result.outputType = out;
  result.mayFault = mayFault;
  llvm::raw_string_ostream os(result.definition);
  os << "// Region of step '" << step.loc << "': ";
  for (size_t k = 0; k < step.body.size(); ++k)
    os << (k ? ", " : "") << step.body[k].op;
  os << "\n" << qualifier << " " << computeType(out) << " " << name << "(";
  for (size_t i = 0; i < numInputs; ++i)
    os << (i ? ", " : "") << computeType(types[i]) << " v" << i;
  if (mayFault)
    os << (numInputs ? ", " : "") << "int &fault";
  os << ") {\n" << bodyText << "  return v" << types.size() - 1 << ";\n}\n";
  return result;
}

} // namespace

std::string codegen::RegionBody::assignment(
    const std::string &index,
    const std::function<std::string(size_t)> &element) const {
  std::string call = name + "(";
  for (size_t i = 0; i < inputTypes.size(); ++i) {
    if (i)
      call += ", ";
    call +=
        load(inputTypes[i], "in" + std::to_string(i) + "[" + element(i) + "]");
  }
  if (mayFault)
    call += inputTypes.empty() ? "fault" : ", fault";
  call += ")";
  return "out[" + index + "] = " + store(outputType, call) + ";";
}

llvm::Expected<codegen::RegionBody>
codegen::emitRegionBody(const rt::Plan &plan, const rt::PlanStep &step,
                        const std::string &name, const std::string &qualifier) {
  return BodyEmitter(plan, step).emit(name, qualifier);
}

std::string codegen::regionKey(const rt::Plan &plan, const rt::PlanStep &step) {
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
  return rt::json::write(key);
}

llvm::Error
codegen::runCompilers(const std::vector<std::vector<std::string>> &commands,
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
