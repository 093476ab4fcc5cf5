//===- Region.cpp - shape function and interpreter of regions -------------===//
//
// A region is a fused elementwise computation (PlanStep::body). The
// interpreter is the numeric reference for compiled regions and computes
// shape values at compile time, so it favours exactness over speed: every
// instruction computes in double (float results) or int64 (integer
// results) and its result is converted to the instruction's dtype with the
// Cast semantics of DType.h (storeFromDouble / storeFromInt64), exactly as
// if it were stored to a tensor of that dtype. Choices where ONNX leaves
// room, following onnxruntime:
//   - integer div truncates toward zero; division by zero is an error
//     Status ("integer division by zero"), as onnxruntime reports;
//     INT_MIN / -1 wraps;
//   - mod with fmod = false is floor-mod (the divisor's sign, Python's %),
//     with fmod = true C's fmod (the dividend's sign); an integer modulo by
//     zero is an error ("integer modulo by zero", onnxruntime's words);
//     INT_MIN mod -1 is 0; floats need fmod = true;
//   - integer add/sub/mul/neg/abs wrap in the result's width;
//   - float max/min propagate NaN;
//   - bool results of arithmetic are `!= 0` (add acts as `or`).
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Kernel.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <omp.h>
#include <vector>

namespace deepc::rt {
namespace {

enum class Op {
  // Float math: always computed in double.
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Reciprocal,
  Tanh,
  Sigmoid,
  Silu,
  Erf,
  Sin,
  Cos,
  Floor,
  Ceil,
  Gelu,
  Pow,
  // Arithmetic: in the result's domain (double or int64).
  Neg,
  Abs,
  Relu,
  Add,
  Sub,
  Mul,
  Div,
  Mod,
  Max,
  Min,
  // Comparisons: in the operands' domain, giving 0 or 1.
  Equal,
  Less,
  LessEqual,
  Greater,
  GreaterEqual,
  // Logic on `!= 0`.
  Not,
  And,
  Or,
  Xor,
  Select,
  Cast,
  // ONNX QuantizeLinear / DequantizeLinear with one scale and zero point
  // per element (operands x, scale, zero_point), in f32 as the kernels.
  Quantize,
  Dequantize,
  Constant,
};

struct OpInfo {
  const char *name;
  Op op;
  int arity;
};

constexpr OpInfo kOps[] = {
    {"deepc.exp", Op::Exp, 1},
    {"deepc.log", Op::Log, 1},
    {"deepc.sqrt", Op::Sqrt, 1},
    {"deepc.rsqrt", Op::Rsqrt, 1},
    {"deepc.reciprocal", Op::Reciprocal, 1},
    {"deepc.tanh", Op::Tanh, 1},
    {"deepc.sigmoid", Op::Sigmoid, 1},
    {"deepc.silu", Op::Silu, 1},
    {"deepc.erf", Op::Erf, 1},
    {"deepc.sin", Op::Sin, 1},
    {"deepc.cos", Op::Cos, 1},
    {"deepc.floor", Op::Floor, 1},
    {"deepc.ceil", Op::Ceil, 1},
    {"deepc.gelu", Op::Gelu, 1},
    {"deepc.pow", Op::Pow, 2},
    {"deepc.neg", Op::Neg, 1},
    {"deepc.abs", Op::Abs, 1},
    {"deepc.relu", Op::Relu, 1},
    {"deepc.add", Op::Add, 2},
    {"deepc.sub", Op::Sub, 2},
    {"deepc.mul", Op::Mul, 2},
    {"deepc.div", Op::Div, 2},
    {"deepc.mod", Op::Mod, 2},
    {"deepc.max", Op::Max, 2},
    {"deepc.min", Op::Min, 2},
    {"deepc.equal", Op::Equal, 2},
    {"deepc.less", Op::Less, 2},
    {"deepc.less_equal", Op::LessEqual, 2},
    {"deepc.greater", Op::Greater, 2},
    {"deepc.greater_equal", Op::GreaterEqual, 2},
    {"deepc.not", Op::Not, 1},
    {"deepc.and", Op::And, 2},
    {"deepc.or", Op::Or, 2},
    {"deepc.xor", Op::Xor, 2},
    {"deepc.select", Op::Select, 3},
    {"deepc.cast", Op::Cast, 1},
    {"deepc.quantize", Op::Quantize, 3},
    {"deepc.dequantize", Op::Dequantize, 3},
    {"deepc.constant", Op::Constant, 0},
};

/// A value of the region at one element: `f` when its dtype is a float,
/// `i` otherwise.
union Scalar {
  double f;
  int64_t i;
};

/// A body instruction, decoded once per call.
struct Instr {
  Op op;
  int args[3];
  DType dtype;
  bool tanhGelu = false;
  bool fmod = false;
  Scalar constant{};
  bool constantIsFloat = false;
};

/// Converts a raw result to dtype `t` as a store to a tensor of that dtype
/// would, and reads it back in t's domain.
Scalar fromDouble(double v, DType t) {
  Scalar s;
  if (t == DType::F32) {
    s.f = double(float(v));
    return s;
  }
  unsigned char buf[8];
  storeFromDouble(buf, t, 0, v);
  if (isFloat(t))
    s.f = loadAsDouble(buf, t, 0);
  else
    s.i = loadAsInt64(buf, t, 0);
  return s;
}

Scalar fromInt64(int64_t v, DType t) {
  Scalar s;
  if (t == DType::I64) {
    s.i = v;
    return s;
  }
  unsigned char buf[8];
  storeFromInt64(buf, t, 0, v);
  if (isFloat(t))
    s.f = loadAsDouble(buf, t, 0);
  else
    s.i = loadAsInt64(buf, t, 0);
  return s;
}

/// Float to int64 as DType.h converts: truncate, NaN to 0, saturate.
int64_t truncToInt64(double v) {
  if (std::isnan(v))
    return 0;
  if (v >= 9.2233720368547758e18)
    return std::numeric_limits<int64_t>::max();
  if (v <= -9.2233720368547758e18)
    return std::numeric_limits<int64_t>::min();
  return int64_t(v);
}

double geluOf(double x, bool tanhForm) {
  if (tanhForm) {
    const double kSqrt2OverPi = 0.79788456080286535588;
    return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
  }
  return 0.5 * x * (1 + std::erf(x * 0.70710678118654752440));
}

/// Evaluates one region over a range of output elements.
class Evaluator {
public:
  Evaluator(const std::vector<Instr> &body, const std::vector<DType> &dtypes,
            int numInputs)
      : body_(body), isFloat_(dtypes.size()), numInputs_(numInputs) {
    for (size_t v = 0; v < dtypes.size(); ++v)
      isFloat_[v] = isFloat(dtypes[v]);
  }

  /// Computes every instruction for the element whose inputs are already in
  /// `values[0..numInputs)`. Returns false on an integer division or
  /// modulo by zero, with the op in `faulted`.
  bool run(Scalar *values, Op &faulted) const {
    for (size_t k = 0; k < body_.size(); ++k)
      if (!step(body_[k], values, values[numInputs_ + k])) {
        faulted = body_[k].op;
        return false;
      }
    return true;
  }

private:
  double asDouble(const Scalar *values, int v) const {
    return isFloat_[v] ? values[v].f : double(values[v].i);
  }
  int64_t asInt(const Scalar *values, int v) const {
    return isFloat_[v] ? truncToInt64(values[v].f) : values[v].i;
  }
  bool truthy(const Scalar *values, int v) const {
    return isFloat_[v] ? values[v].f != 0 : values[v].i != 0;
  }

  bool step(const Instr &in, const Scalar *values, Scalar &out) const {
    DType t = in.dtype;
    auto f = [&](int a) { return asDouble(values, in.args[a]); };
    auto i = [&](int a) { return asInt(values, in.args[a]); };
    auto u = [&](int a) { return uint64_t(asInt(values, in.args[a])); };
    bool resultFloat = isFloat(t);
    // Comparisons look at the operands' type, not the (bool) result's.
    bool operandsFloat = in.op >= Op::Equal && in.op <= Op::GreaterEqual &&
                         (isFloat_[in.args[0]] || isFloat_[in.args[1]]);
    switch (in.op) {
    case Op::Exp:
      out = fromDouble(std::exp(f(0)), t);
      break;
    case Op::Log:
      out = fromDouble(std::log(f(0)), t);
      break;
    case Op::Sqrt:
      out = fromDouble(std::sqrt(f(0)), t);
      break;
    case Op::Rsqrt:
      out = fromDouble(1 / std::sqrt(f(0)), t);
      break;
    case Op::Reciprocal:
      out = fromDouble(1 / f(0), t);
      break;
    case Op::Tanh:
      out = fromDouble(std::tanh(f(0)), t);
      break;
    case Op::Sigmoid:
      out = fromDouble(1 / (1 + std::exp(-f(0))), t);
      break;
    case Op::Silu:
      out = fromDouble(f(0) / (1 + std::exp(-f(0))), t);
      break;
    case Op::Erf:
      out = fromDouble(std::erf(f(0)), t);
      break;
    case Op::Sin:
      out = fromDouble(std::sin(f(0)), t);
      break;
    case Op::Cos:
      out = fromDouble(std::cos(f(0)), t);
      break;
    case Op::Floor:
      out = fromDouble(std::floor(f(0)), t);
      break;
    case Op::Ceil:
      out = fromDouble(std::ceil(f(0)), t);
      break;
    case Op::Gelu:
      out = fromDouble(geluOf(f(0), in.tanhGelu), t);
      break;
    case Op::Pow:
      out = fromDouble(std::pow(f(0), f(1)), t);
      break;

    case Op::Neg:
      out =
          resultFloat ? fromDouble(-f(0), t) : fromInt64(int64_t(0 - u(0)), t);
      break;
    case Op::Abs:
      out = resultFloat ? fromDouble(std::fabs(f(0)), t)
                        : fromInt64(i(0) < 0 ? int64_t(0 - u(0)) : i(0), t);
      break;
    case Op::Relu:
      // max(NaN, 0) is NaN, as in max below.
      out = resultFloat
                ? fromDouble(f(0) > 0 || std::isnan(f(0)) ? f(0) : 0.0, t)
                : fromInt64(i(0) > 0 ? i(0) : 0, t);
      break;
    case Op::Add:
      out = resultFloat ? fromDouble(f(0) + f(1), t)
                        : fromInt64(int64_t(u(0) + u(1)), t);
      break;
    case Op::Sub:
      out = resultFloat ? fromDouble(f(0) - f(1), t)
                        : fromInt64(int64_t(u(0) - u(1)), t);
      break;
    case Op::Mul:
      out = resultFloat ? fromDouble(f(0) * f(1), t)
                        : fromInt64(int64_t(u(0) * u(1)), t);
      break;
    case Op::Div:
      if (resultFloat) {
        out = fromDouble(f(0) / f(1), t);
      } else {
        int64_t a = i(0), b = i(1);
        if (b == 0)
          return false;
        // INT64_MIN / -1 overflows; it wraps to INT64_MIN.
        out = fromInt64(b == -1 ? int64_t(0 - uint64_t(a)) : a / b, t);
      }
      break;
    case Op::Mod:
      if (resultFloat) {
        // decodeBody admits floats only with fmod = true.
        out = fromDouble(std::fmod(f(0), f(1)), t);
      } else {
        int64_t a = i(0), b = i(1);
        if (b == 0)
          return false;
        // INT64_MIN % -1 overflows; every integer is a multiple of -1.
        int64_t r = b == -1 ? 0 : a % b;
        // Floor-mod moves a remainder of the other sign over by b; |r| < |b|
        // and opposite signs, so r + b cannot overflow.
        if (!in.fmod && r != 0 && (r < 0) != (b < 0))
          r += b;
        out = fromInt64(r, t);
      }
      break;
    case Op::Max:
      if (resultFloat) {
        double a = f(0), b = f(1);
        out = fromDouble(std::isnan(a) || std::isnan(b)
                             ? std::numeric_limits<double>::quiet_NaN()
                             : (a > b ? a : b),
                         t);
      } else {
        out = fromInt64(i(0) > i(1) ? i(0) : i(1), t);
      }
      break;
    case Op::Min:
      if (resultFloat) {
        double a = f(0), b = f(1);
        out = fromDouble(std::isnan(a) || std::isnan(b)
                             ? std::numeric_limits<double>::quiet_NaN()
                             : (a < b ? a : b),
                         t);
      } else {
        out = fromInt64(i(0) < i(1) ? i(0) : i(1), t);
      }
      break;

    case Op::Equal:
      out = fromInt64(operandsFloat ? f(0) == f(1) : i(0) == i(1), t);
      break;
    case Op::Less:
      out = fromInt64(operandsFloat ? f(0) < f(1) : i(0) < i(1), t);
      break;
    case Op::LessEqual:
      out = fromInt64(operandsFloat ? f(0) <= f(1) : i(0) <= i(1), t);
      break;
    case Op::Greater:
      out = fromInt64(operandsFloat ? f(0) > f(1) : i(0) > i(1), t);
      break;
    case Op::GreaterEqual:
      out = fromInt64(operandsFloat ? f(0) >= f(1) : i(0) >= i(1), t);
      break;

    case Op::Not:
      out = fromInt64(!truthy(values, in.args[0]), t);
      break;
    case Op::And:
      out = fromInt64(truthy(values, in.args[0]) && truthy(values, in.args[1]),
                      t);
      break;
    case Op::Or:
      out = fromInt64(truthy(values, in.args[0]) || truthy(values, in.args[1]),
                      t);
      break;
    case Op::Xor:
      out = fromInt64(truthy(values, in.args[0]) != truthy(values, in.args[1]),
                      t);
      break;

    case Op::Select:
    case Op::Cast: {
      // Either way one operand is converted to the result's dtype.
      int chosen = in.op == Op::Cast            ? in.args[0]
                   : truthy(values, in.args[0]) ? in.args[1]
                                                : in.args[2];
      out = isFloat_[chosen] ? fromDouble(values[chosen].f, t)
                             : fromInt64(values[chosen].i, t);
      break;
    }
    case Op::Quantize: {
      float v = float(f(0)) / float(f(1));
      if (t == DType::F8E4M3FN) {
        out = fromDouble(v, t); // saturates; f8 has no zero point
        break;
      }
      // Round half to even, add the zero point, saturate; NaN gives the
      // zero point.
      float r = (std::isnan(v) ? 0.0f : std::nearbyint(v)) + float(f(2));
      float lo = t == DType::I4 ? -8.0f : -128.0f;
      float hi = t == DType::I4 ? 7.0f : 127.0f;
      out = fromInt64(int64_t(std::min(hi, std::max(lo, r))), t);
      break;
    }
    case Op::Dequantize:
      out = fromDouble((float(f(0)) - float(f(2))) * float(f(1)), t);
      break;
    case Op::Constant:
      out = in.constantIsFloat ? fromDouble(in.constant.f, t)
                               : fromInt64(in.constant.i, t);
      break;
    }
    return true;
  }

  const std::vector<Instr> &body_;
  std::vector<bool> isFloat_;
  int numInputs_;
};

/// Decodes and checks the body: known ops, operand counts, operands
/// defined before use, valid dtypes and attributes.
Status decodeBody(KernelContext &ctx, std::vector<Instr> &body,
                  std::vector<DType> &dtypes) {
  const PlanStep &step = ctx.step();
  if (step.body.empty())
    return ctx.error("the region has an empty body");
  for (int v = 0; v < ctx.numInputs(); ++v)
    dtypes.push_back(ctx.input(v).dtype);
  for (size_t k = 0; k < step.body.size(); ++k) {
    const RegionInstr &ri = step.body[k];
    std::string where =
        "body instruction " + std::to_string(k) + " (" + ri.op + ")";
    const OpInfo *info = nullptr;
    for (const OpInfo &o : kOps)
      if (ri.op == o.name)
        info = &o;
    if (!info)
      return ctx.error(where + ": not an elementwise op the interpreter knows");
    if (int(ri.args.size()) != info->arity)
      return ctx.error(where + ": expects " + std::to_string(info->arity) +
                       " operands, got " + std::to_string(ri.args.size()));
    if (ri.dtype == DType::Invalid)
      return ctx.error(where + ": has no result dtype");
    Instr in;
    in.op = info->op;
    in.dtype = ri.dtype;
    for (int a = 0; a < info->arity; ++a) {
      int v = ri.args[a];
      if (v < 0 || v >= int(dtypes.size()))
        return ctx.error(where + ": operand " + std::to_string(v) +
                         " is not defined before it");
      in.args[a] = v;
    }
    Attrs attrs(ri.attrs);
    if (in.op == Op::Gelu) {
      std::string approx = attrs.getString("approximation", "none");
      if (approx != "none" && approx != "tanh")
        return ctx.error(where + ": unknown approximation '" + approx + "'");
      in.tanhGelu = approx == "tanh";
    }
    if (in.op == Op::Mod) {
      in.fmod = attrs.getBool("fmod", false);
      if (isFloat(in.dtype) && !in.fmod)
        return ctx.error(where + ": floating-point mod needs fmod = true");
    }
    if (in.op == Op::Constant) {
      const json::Value *value = ri.attrs.get("value");
      if (!value ||
          !(value->isNumber() || value->isBool() || value->isString()))
        return ctx.error(where + ": needs a numeric 'value' attribute");
      // Integers stay exact in int64; non-finite doubles arrive as strings.
      in.constantIsFloat = !(value->isInt() || value->isBool());
      if (in.constantIsFloat)
        in.constant.f = attrs.getFloat("value");
      else
        in.constant.i = value->asInt();
      if (value->isString() && !std::isnan(in.constant.f) &&
          !std::isinf(in.constant.f))
        return ctx.error(where + ": 'value' is the string '" +
                         value->asString() + "', not a number");
    }
    body.push_back(in);
    dtypes.push_back(ri.dtype);
  }
  return okStatus();
}

} // namespace

Status inferRegion(KernelContext &ctx) {
  Shape out;
  for (int i = 0; i < ctx.numInputs(); ++i) {
    if (broadcastShapes(out, ctx.input(i).shape, out))
      continue;
    std::string shapes;
    for (int j = 0; j < ctx.numInputs(); ++j)
      shapes += (j ? ", " : "") + ctx.input(j).shape.str();
    return ctx.error("the region's inputs do not broadcast together: " +
                     shapes);
  }
  if (ctx.numOutputs() != 1)
    return ctx.error("a region has one output, this one has " +
                     std::to_string(ctx.numOutputs()));
  ctx.output(0).shape = out;
  return okStatus();
}

Status interpretRegion(KernelContext &ctx) {
  DEEPC_RETURN_IF_ERROR(inferRegion(ctx));
  std::vector<Instr> body;
  std::vector<DType> dtypes;
  DEEPC_RETURN_IF_ERROR(decodeBody(ctx, body, dtypes));
  TensorRef &out = ctx.output(0);
  int64_t numel = out.numel();
  int numInputs = ctx.numInputs();
  if (numel == 0)
    return okStatus();
  for (int i = 0; i < numInputs; ++i)
    if (!ctx.input(i).data || ctx.input(i).dtype == DType::Invalid)
      return ctx.error("region input " + std::to_string(i) + " has no values");

  const Shape &shape = out.shape;
  std::vector<int64_t> strides(size_t(numInputs) * kMaxRank);
  for (int i = 0; i < numInputs; ++i)
    broadcastStrides(ctx.input(i).shape, shape, &strides[size_t(i) * kMaxRank]);
  Evaluator evaluator(body, dtypes, numInputs);
  DType outType = out.dtype == DType::Invalid ? body.back().dtype : out.dtype;
  bool lastIsFloat = isFloat(body.back().dtype);
  size_t numValues = dtypes.size();
  std::atomic<bool> divisionByZero{false};
  std::atomic<bool> moduloByZero{false};
  bool parallel = numel >= 16384;
  int threads = ctx.numThreads > 0 ? ctx.numThreads : omp_get_max_threads();

#pragma omp parallel if (parallel) num_threads(threads)
  {
    int numThreads = omp_get_num_threads(), thread = omp_get_thread_num();
    int64_t begin = numel * thread / numThreads;
    int64_t end = numel * (thread + 1) / numThreads;
    std::vector<Scalar> values(numValues);
    // Odometer over the output, carrying each input's element offset.
    int64_t coord[kMaxRank] = {};
    std::vector<int64_t> offsets(size_t(numInputs), 0);
    for (int64_t rest = begin, d = shape.rank - 1; d >= 0; --d) {
      coord[d] = rest % shape.dims[d];
      rest /= shape.dims[d];
    }
    for (int i = 0; i < numInputs; ++i)
      for (int d = 0; d < shape.rank; ++d)
        offsets[i] += coord[d] * strides[size_t(i) * kMaxRank + d];
    for (int64_t e = begin; e < end; ++e) {
      for (int i = 0; i < numInputs; ++i) {
        const TensorRef &in = ctx.input(i);
        if (isFloat(in.dtype))
          values[i].f = loadAsDouble(in.data, in.dtype, offsets[i]);
        else
          values[i].i = loadAsInt64(in.data, in.dtype, offsets[i]);
      }
      Op faulted = Op::Div;
      if (!evaluator.run(values.data(), faulted)) {
        (faulted == Op::Mod ? moduloByZero : divisionByZero) = true;
        break;
      }
      const Scalar &result = values[numValues - 1];
      if (lastIsFloat)
        storeFromDouble(out.data, outType, e, result.f);
      else
        storeFromInt64(out.data, outType, e, result.i);
      for (int d = shape.rank - 1; d >= 0; --d) {
        if (++coord[d] < shape.dims[d]) {
          for (int i = 0; i < numInputs; ++i)
            offsets[i] += strides[size_t(i) * kMaxRank + d];
          break;
        }
        for (int i = 0; i < numInputs; ++i)
          offsets[i] -= strides[size_t(i) * kMaxRank + d] * (shape.dims[d] - 1);
        coord[d] = 0;
      }
    }
  }
  if (divisionByZero)
    return ctx.error("integer division by zero");
  if (moduloByZero)
    return ctx.error("integer modulo by zero");
  return okStatus();
}

} // namespace deepc::rt
