//===- Plan.cpp - plan.json reading, writing and validation ---------------===//
//
// The plan is read from a file that may be damaged or hostile: every id,
// offset and size is checked here, so the executor can index without
// checking again.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Plan.h"

#include <algorithm>

namespace deepc::rt {

namespace {

const char *kindName(ValueKind kind) {
  switch (kind) {
  case ValueKind::Input:
    return "input";
  case ValueKind::Constant:
    return "constant";
  case ValueKind::Temp:
    return "temp";
  }
  return "temp";
}

json::Value intArray(const std::vector<int64_t> &xs) {
  json::Value a = json::Value::array();
  for (int64_t x : xs)
    a.push(x);
  return a;
}

json::Value intArray(const std::vector<int> &xs) {
  json::Value a = json::Value::array();
  for (int x : xs)
    a.push(x);
  return a;
}

json::Value stringArray(const std::vector<std::string> &xs) {
  json::Value a = json::Value::array();
  for (const std::string &x : xs)
    a.push(x);
  return a;
}

json::Value ioToJson(const PlanIO &io) {
  json::Value v = json::Value::object();
  v["name"] = io.name;
  v["value"] = io.value;
  v["dimNames"] = stringArray(io.dimNames);
  return v;
}

/// Field readers: each names the field and where it is on failure.
class Reader {
public:
  explicit Reader(std::string where) : where_(std::move(where)) {}

  Status fail(const std::string &message) const {
    return corruptArtifact("plan.json: " + where_ + ": " + message);
  }

  Status object(const json::Value &v) const {
    return v.isObject() ? okStatus() : fail("expected an object");
  }

  Status integer(const json::Value &obj, const char *key, int64_t &out,
                 bool required = true) const {
    const json::Value *v = obj.get(key);
    if (!v)
      return required ? fail(std::string("missing \"") + key + "\"")
                      : okStatus();
    if (!v->isInt())
      return fail(std::string("\"") + key + "\" must be an integer");
    out = v->asInt();
    return okStatus();
  }

  Status unsignedInt(const json::Value &obj, const char *key, uint64_t &out,
                     bool required = true) const {
    int64_t x = 0;
    DEEPC_RETURN_IF_ERROR(integer(obj, key, x, required));
    if (x < 0)
      return fail(std::string("\"") + key + "\" must not be negative");
    if (obj.get(key))
      out = uint64_t(x);
    return okStatus();
  }

  Status string(const json::Value &obj, const char *key, std::string &out,
                bool required = true) const {
    const json::Value *v = obj.get(key);
    if (!v)
      return required ? fail(std::string("missing \"") + key + "\"")
                      : okStatus();
    if (!v->isString())
      return fail(std::string("\"") + key + "\" must be a string");
    out = v->asString();
    return okStatus();
  }

  Status boolean(const json::Value &obj, const char *key, bool &out) const {
    const json::Value *v = obj.get(key);
    if (!v)
      return okStatus();
    if (!v->isBool())
      return fail(std::string("\"") + key + "\" must be a boolean");
    out = v->asBool();
    return okStatus();
  }

  Status array(const json::Value &obj, const char *key, const json::Value *&out,
               bool required = true) const {
    out = obj.get(key);
    if (!out) {
      static const json::Value empty = json::Value::array();
      out = &empty;
      return required ? fail(std::string("missing \"") + key + "\"")
                      : okStatus();
    }
    if (!out->isArray())
      return fail(std::string("\"") + key + "\" must be an array");
    return okStatus();
  }

  Status ints(const json::Value &obj, const char *key, std::vector<int> &out,
              bool required = true) const {
    const json::Value *a;
    DEEPC_RETURN_IF_ERROR(array(obj, key, a, required));
    out.clear();
    for (const json::Value &e : a->elements()) {
      if (!e.isInt() || e.asInt() < -1 || e.asInt() > INT32_MAX)
        return fail(std::string("\"") + key + "\" must hold value ids");
      out.push_back(int(e.asInt()));
    }
    return okStatus();
  }

  Status dims(const json::Value &obj, std::vector<int64_t> &out) const {
    const json::Value *a;
    DEEPC_RETURN_IF_ERROR(array(obj, "dims", a));
    if (a->size() > size_t(kMaxRank))
      return fail("rank " + std::to_string(a->size()) +
                  " exceeds the runtime's maximum of " +
                  std::to_string(kMaxRank));
    out.clear();
    for (const json::Value &e : a->elements()) {
      if (!e.isInt() || e.asInt() < -1)
        return fail("\"dims\" must hold sizes >= 0, or -1 for a dynamic dim");
      out.push_back(e.asInt());
    }
    return okStatus();
  }

  Status dtype(const json::Value &obj, DType &out) const {
    std::string name;
    DEEPC_RETURN_IF_ERROR(string(obj, "dtype", name));
    out = parseDType(name);
    if (out == DType::Invalid)
      return fail("unknown dtype \"" + name + "\"");
    return okStatus();
  }

private:
  std::string where_;
};

Status valueFromJson(const json::Value &v, size_t id, PlanValue &out) {
  Reader r("value " + std::to_string(id));
  DEEPC_RETURN_IF_ERROR(r.object(v));
  DEEPC_RETURN_IF_ERROR(r.dtype(v, out.dtype));
  DEEPC_RETURN_IF_ERROR(r.dims(v, out.dims));
  std::string kind;
  DEEPC_RETURN_IF_ERROR(r.string(v, "kind", kind));
  if (kind == "input")
    out.kind = ValueKind::Input;
  else if (kind == "constant")
    out.kind = ValueKind::Constant;
  else if (kind == "temp")
    out.kind = ValueKind::Temp;
  else
    return r.fail("unknown kind \"" + kind + "\"");
  DEEPC_RETURN_IF_ERROR(r.unsignedInt(v, "weightsOffset", out.weightsOffset,
                                      /*required=*/false));
  DEEPC_RETURN_IF_ERROR(
      r.unsignedInt(v, "arenaOffset", out.arenaOffset, /*required=*/false));
  DEEPC_RETURN_IF_ERROR(
      r.unsignedInt(v, "capacity", out.capacity, /*required=*/false));
  DEEPC_RETURN_IF_ERROR(r.boolean(v, "dynamic", out.dynamic));
  int64_t aliasOf = -1;
  DEEPC_RETURN_IF_ERROR(r.integer(v, "aliasOf", aliasOf, /*required=*/false));
  if (aliasOf < -1 || aliasOf > INT32_MAX)
    return r.fail("\"aliasOf\" must be a value id or -1");
  out.aliasOf = int(aliasOf);
  DEEPC_RETURN_IF_ERROR(r.string(v, "name", out.name, /*required=*/false));
  return okStatus();
}

Status instrFromJson(const json::Value &v, const std::string &where,
                     RegionInstr &out) {
  Reader r(where);
  DEEPC_RETURN_IF_ERROR(r.object(v));
  DEEPC_RETURN_IF_ERROR(r.string(v, "op", out.op));
  DEEPC_RETURN_IF_ERROR(r.ints(v, "args", out.args));
  DEEPC_RETURN_IF_ERROR(r.dtype(v, out.dtype));
  if (const json::Value *attrs = v.get("attrs")) {
    if (!attrs->isObject())
      return r.fail("\"attrs\" must be an object");
    out.attrs = *attrs;
  }
  return okStatus();
}

Status stepFromJson(const json::Value &v, size_t index, PlanStep &out) {
  Reader r("step " + std::to_string(index));
  DEEPC_RETURN_IF_ERROR(r.object(v));
  DEEPC_RETURN_IF_ERROR(r.string(v, "op", out.op));
  DEEPC_RETURN_IF_ERROR(r.ints(v, "inputs", out.inputs));
  DEEPC_RETURN_IF_ERROR(r.ints(v, "outputs", out.outputs));
  DEEPC_RETURN_IF_ERROR(r.string(v, "loc", out.loc, /*required=*/false));
  DEEPC_RETURN_IF_ERROR(r.string(v, "symbol", out.symbol, /*required=*/false));
  DEEPC_RETURN_IF_ERROR(r.boolean(v, "epilogue", out.epilogue));
  if (const json::Value *attrs = v.get("attrs")) {
    if (!attrs->isObject())
      return r.fail("\"attrs\" must be an object");
    out.attrs = *attrs;
  }
  const json::Value *body;
  DEEPC_RETURN_IF_ERROR(r.array(v, "body", body, /*required=*/false));
  out.body.resize(body->size());
  for (size_t k = 0; k < body->size(); ++k)
    DEEPC_RETURN_IF_ERROR(instrFromJson((*body)[k],
                                        "step " + std::to_string(index) +
                                            " body instruction " +
                                            std::to_string(k),
                                        out.body[k]));
  return okStatus();
}

Status ioFromJson(const json::Value &v, const std::string &where, PlanIO &out) {
  Reader r(where);
  DEEPC_RETURN_IF_ERROR(r.object(v));
  DEEPC_RETURN_IF_ERROR(r.string(v, "name", out.name));
  int64_t value = -1;
  DEEPC_RETURN_IF_ERROR(r.integer(v, "value", value));
  if (value < 0 || value > INT32_MAX)
    return r.fail("\"value\" must be a value id");
  out.value = int(value);
  const json::Value *names;
  DEEPC_RETURN_IF_ERROR(r.array(v, "dimNames", names, /*required=*/false));
  out.dimNames.clear();
  for (const json::Value &n : names->elements()) {
    if (!n.isString())
      return r.fail("\"dimNames\" must hold strings");
    out.dimNames.push_back(n.asString());
  }
  return okStatus();
}

/// Bytes of a value with fully static dims; false on overflow or a dynamic
/// dim.
bool staticBytes(const PlanValue &v, uint64_t &bytes) {
  uint64_t n = dtypeSize(v.dtype);
  for (int64_t d : v.dims) {
    if (d < 0)
      return false;
    if (d != 0 && n > UINT64_MAX / uint64_t(d))
      return false;
    n *= uint64_t(d);
  }
  bytes = n;
  return true;
}

std::string stepName(const Plan &plan, size_t s) {
  const PlanStep &step = plan.steps[s];
  std::string name = "step " + std::to_string(s) + " (" + step.op;
  if (!step.loc.empty())
    name += " '" + step.loc + "'";
  return name + ")";
}

Status validateRegion(const Plan &plan, size_t s) {
  const PlanStep &step = plan.steps[s];
  auto fail = [&](const std::string &m) {
    return corruptArtifact("plan.json: " + stepName(plan, s) + ": " + m);
  };
  if (step.body.empty())
    return fail("region has an empty body");
  if (step.outputs.size() != 1)
    return fail("region must have exactly one output");
  for (int in : step.inputs)
    if (in < 0)
      return fail("region inputs cannot be absent");
  size_t numLocals = step.inputs.size();
  for (size_t k = 0; k < step.body.size(); ++k) {
    const RegionInstr &instr = step.body[k];
    if (instr.op.empty())
      return fail("body instruction " + std::to_string(k) + " has no op");
    for (int a : instr.args)
      if (a < 0 || size_t(a) >= numLocals + k)
        return fail("body instruction " + std::to_string(k) +
                    " reads local value " + std::to_string(a) +
                    " before it is defined");
  }
  if (step.body.back().dtype != plan.values[step.outputs[0]].dtype)
    return fail("the body's result dtype differs from the output's");
  return okStatus();
}

/// A step with an epilogue hands its result to the step right after it (a
/// region, or a row-wise step that may hand its result on in turn) and to
/// nothing else, so that they can run as one.
Status validateEpilogue(const Plan &plan, size_t s) {
  const PlanStep &step = plan.steps[s];
  auto fail = [&](const std::string &m) {
    return corruptArtifact("plan.json: " + stepName(plan, s) + ": " + m);
  };
  if (!isEpilogueProducer(step.op) || step.outputs.size() != 1)
    return fail("only a deepc.matmul, rms_norm, layer_norm or rotary with "
                "one output has an epilogue");
  // The next step: a region, or a row-wise step reading the result as its
  // input 0 (a norm, a rotary), which may hand its own result on in turn.
  const PlanStep *next =
      s + 1 < plan.steps.size() ? &plan.steps[s + 1] : nullptr;
  bool rowWiseNext =
      next && isEpilogueProducer(next->op) && next->op != "deepc.matmul";
  if (!next || (next->op != "region" && !rowWiseNext))
    return fail("an epilogue needs a region, norm or rotary step right "
                "after the " +
                step.op);
  int result = step.outputs[0];
  if (std::count(next->inputs.begin(), next->inputs.end(), result) != 1 ||
      (rowWiseNext && next->inputs[0] != result))
    return fail("the step after it must read the " + step.op +
                "'s result once" +
                (rowWiseNext ? std::string(", as its input 0") : ""));
  for (size_t t = s + 2; t < plan.steps.size(); ++t)
    for (int in : plan.steps[t].inputs)
      if (in == result)
        return fail("the result of a step with an epilogue is read by " +
                    stepName(plan, t) + " too");
  for (const PlanIO &io : plan.outputs)
    if (io.value == result)
      return fail("the result of a step with an epilogue is a model output");
  for (const PlanValue &v : plan.values)
    if (v.aliasOf == result)
      return fail("the result of a step with an epilogue has a view");
  return okStatus();
}

Status validateIO(const Plan &plan, const PlanIO &io, bool isInput,
                  const std::vector<bool> &defined) {
  std::string where = std::string("plan.json: ") +
                      (isInput ? "input" : "output") + " '" + io.name + "'";
  if (size_t(io.value) >= plan.values.size())
    return corruptArtifact(where + ": value id " + std::to_string(io.value) +
                           " out of range");
  const PlanValue &v = plan.values[io.value];
  if (!io.dimNames.empty() && io.dimNames.size() != v.dims.size())
    return corruptArtifact(where + ": " + std::to_string(io.dimNames.size()) +
                           " dim names for rank " +
                           std::to_string(v.dims.size()));
  if (isInput) {
    if (v.kind != ValueKind::Input)
      return corruptArtifact(where + ": value " + std::to_string(io.value) +
                             " is not an input value");
    for (size_t d = 0; d < v.dims.size(); ++d) {
      if (v.dims[d] >= 0)
        continue;
      std::string name = d < io.dimNames.size() ? io.dimNames[d] : "";
      if (name.empty())
        return corruptArtifact(where + ": dynamic dim " + std::to_string(d) +
                               " has no name");
      if (!plan.dimBounds.count(name))
        return corruptArtifact(where + ": dim '" + name + "' has no bound");
    }
  } else if (!defined[io.value]) {
    return corruptArtifact(where + ": value " + std::to_string(io.value) +
                           " is never computed");
  }
  return okStatus();
}

Status validate(const Plan &plan) {
  size_t n = plan.values.size();
  for (const auto &[name, bound] : plan.dimBounds)
    if (bound < 0)
      return corruptArtifact("plan.json: dim '" + name +
                             "' has a negative bound");

  // Storage of each value.
  for (size_t id = 0; id < n; ++id) {
    const PlanValue &v = plan.values[id];
    std::string where = "plan.json: value " + std::to_string(id);
    if (!v.name.empty())
      where += " ('" + v.name + "')";
    if (v.aliasOf >= 0) {
      if (v.kind != ValueKind::Temp)
        return corruptArtifact(where + ": only temporaries can alias");
      if (size_t(v.aliasOf) >= n || size_t(v.aliasOf) == id)
        return corruptArtifact(where + ": bad \"aliasOf\" " +
                               std::to_string(v.aliasOf));
      continue;
    }
    if (v.kind == ValueKind::Constant) {
      uint64_t bytes;
      if (!staticBytes(v, bytes))
        return corruptArtifact(where + ": a constant needs static dims");
      if (v.weightsOffset > plan.weightsBytes ||
          bytes > plan.weightsBytes - v.weightsOffset)
        return corruptArtifact(
            where + ": bytes [" + std::to_string(v.weightsOffset) + ", +" +
            std::to_string(bytes) + ") lie outside weights.bin (" +
            std::to_string(plan.weightsBytes) + " bytes)");
    }
    if (v.kind == ValueKind::Temp && !v.dynamic &&
        (v.arenaOffset > plan.arenaBytes ||
         v.capacity > plan.arenaBytes - v.arenaOffset))
      return corruptArtifact(
          where + ": arena slot [" + std::to_string(v.arenaOffset) + ", +" +
          std::to_string(v.capacity) + ") lies outside the arena (" +
          std::to_string(plan.arenaBytes) + " bytes)");
  }

  // Steps read only what is defined before them; each temp is defined once.
  std::vector<bool> defined(n, false);
  for (size_t id = 0; id < n; ++id)
    defined[id] = plan.values[id].kind != ValueKind::Temp;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep &step = plan.steps[s];
    if (step.op.empty())
      return corruptArtifact("plan.json: step " + std::to_string(s) +
                             " has no op");
    for (int in : step.inputs) {
      if (in == -1)
        continue;
      if (size_t(in) >= n)
        return corruptArtifact("plan.json: " + stepName(plan, s) +
                               ": input value id " + std::to_string(in) +
                               " out of range");
      if (!defined[in])
        return corruptArtifact("plan.json: " + stepName(plan, s) +
                               ": reads value " + std::to_string(in) +
                               " before it is defined");
    }
    for (int out : step.outputs) {
      if (out < 0 || size_t(out) >= n)
        return corruptArtifact("plan.json: " + stepName(plan, s) +
                               ": output value id " + std::to_string(out) +
                               " out of range");
      if (plan.values[out].kind != ValueKind::Temp || defined[out])
        return corruptArtifact("plan.json: " + stepName(plan, s) + ": value " +
                               std::to_string(out) + " is defined twice");
      int alias = plan.values[out].aliasOf;
      if (alias >= 0 && !defined[alias])
        return corruptArtifact("plan.json: " + stepName(plan, s) + ": value " +
                               std::to_string(out) + " aliases value " +
                               std::to_string(alias) +
                               ", which is not defined yet");
    }
    for (int out : step.outputs)
      defined[out] = true;
    if (step.op == "region")
      DEEPC_RETURN_IF_ERROR(validateRegion(plan, s));
    else if (!step.body.empty())
      return corruptArtifact("plan.json: " + stepName(plan, s) +
                             ": only regions have a body");
    if (step.epilogue)
      DEEPC_RETURN_IF_ERROR(validateEpilogue(plan, s));
  }

  for (const PlanIO &io : plan.inputs)
    DEEPC_RETURN_IF_ERROR(validateIO(plan, io, /*isInput=*/true, defined));
  for (const PlanIO &io : plan.outputs)
    DEEPC_RETURN_IF_ERROR(validateIO(plan, io, /*isInput=*/false, defined));
  // An input value no one can bind would be read uninitialized.
  std::vector<bool> bound(n, false);
  for (const PlanIO &io : plan.inputs) {
    if (bound[io.value])
      return corruptArtifact("plan.json: input '" + io.name + "' binds value " +
                             std::to_string(io.value) + " a second time");
    bound[io.value] = true;
  }
  for (size_t id = 0; id < n; ++id)
    if (plan.values[id].kind == ValueKind::Input && !bound[id])
      return corruptArtifact("plan.json: input value " + std::to_string(id) +
                             " is not a graph input");
  return okStatus();
}

} // namespace

json::Value planToJson(const Plan &plan) {
  json::Value root = json::Value::object();
  root["format"] = "deepc-plan";
  root["version"] = kPlanFormatVersion;
  root["target"] = plan.target;
  root["arenaBytes"] = int64_t(plan.arenaBytes);
  root["weightsBytes"] = int64_t(plan.weightsBytes);
  root["codeLibrary"] = plan.codeLibrary;
  json::Value bounds = json::Value::object();
  for (const auto &[name, bound] : plan.dimBounds)
    bounds[name] = bound;
  root["dimBounds"] = std::move(bounds);

  json::Value values = json::Value::array();
  for (const PlanValue &v : plan.values) {
    json::Value jv = json::Value::object();
    jv["dtype"] = dtypeName(v.dtype);
    jv["dims"] = intArray(v.dims);
    jv["kind"] = kindName(v.kind);
    if (!v.name.empty())
      jv["name"] = v.name;
    if (v.kind == ValueKind::Constant)
      jv["weightsOffset"] = int64_t(v.weightsOffset);
    if (v.kind == ValueKind::Temp) {
      if (v.aliasOf >= 0) {
        jv["aliasOf"] = v.aliasOf;
      } else if (v.dynamic) {
        jv["dynamic"] = true;
      } else {
        jv["arenaOffset"] = int64_t(v.arenaOffset);
        jv["capacity"] = int64_t(v.capacity);
      }
    }
    values.push(std::move(jv));
  }
  root["values"] = std::move(values);

  json::Value steps = json::Value::array();
  for (const PlanStep &s : plan.steps) {
    json::Value js = json::Value::object();
    js["op"] = s.op;
    js["inputs"] = intArray(s.inputs);
    js["outputs"] = intArray(s.outputs);
    if (!s.attrs.members().empty())
      js["attrs"] = s.attrs;
    if (!s.loc.empty())
      js["loc"] = s.loc;
    if (!s.body.empty()) {
      json::Value body = json::Value::array();
      for (const RegionInstr &instr : s.body) {
        json::Value ji = json::Value::object();
        ji["op"] = instr.op;
        ji["args"] = intArray(instr.args);
        ji["dtype"] = dtypeName(instr.dtype);
        if (!instr.attrs.members().empty())
          ji["attrs"] = instr.attrs;
        body.push(std::move(ji));
      }
      js["body"] = std::move(body);
    }
    if (!s.symbol.empty())
      js["symbol"] = s.symbol;
    if (s.epilogue)
      js["epilogue"] = true;
    steps.push(std::move(js));
  }
  root["steps"] = std::move(steps);

  json::Value inputs = json::Value::array();
  for (const PlanIO &io : plan.inputs)
    inputs.push(ioToJson(io));
  root["inputs"] = std::move(inputs);
  json::Value outputs = json::Value::array();
  for (const PlanIO &io : plan.outputs)
    outputs.push(ioToJson(io));
  root["outputs"] = std::move(outputs);
  return root;
}

Status planFromJson(const json::Value &root, Plan &plan) {
  plan = Plan();
  Reader r("top level");
  DEEPC_RETURN_IF_ERROR(r.object(root));
  std::string format;
  DEEPC_RETURN_IF_ERROR(r.string(root, "format", format));
  if (format != "deepc-plan")
    return r.fail("\"format\" is \"" + format + "\", expected \"deepc-plan\"");
  int64_t version = 0;
  DEEPC_RETURN_IF_ERROR(r.integer(root, "version", version));
  if (version != kPlanFormatVersion)
    return unsupported("plan.json: format version " + std::to_string(version) +
                       ", this runtime reads version " +
                       std::to_string(kPlanFormatVersion));
  DEEPC_RETURN_IF_ERROR(r.string(root, "target", plan.target));
  DEEPC_RETURN_IF_ERROR(r.unsignedInt(root, "arenaBytes", plan.arenaBytes));
  DEEPC_RETURN_IF_ERROR(r.unsignedInt(root, "weightsBytes", plan.weightsBytes));
  DEEPC_RETURN_IF_ERROR(r.string(root, "codeLibrary", plan.codeLibrary,
                                 /*required=*/false));
  if (const json::Value *bounds = root.get("dimBounds")) {
    if (!bounds->isObject())
      return r.fail("\"dimBounds\" must be an object");
    for (const auto &[name, bound] : bounds->members()) {
      if (!bound.isInt())
        return r.fail("bound of dim '" + name + "' must be an integer");
      plan.dimBounds[name] = bound.asInt();
    }
  }

  const json::Value *values, *steps, *inputs, *outputs;
  DEEPC_RETURN_IF_ERROR(r.array(root, "values", values));
  DEEPC_RETURN_IF_ERROR(r.array(root, "steps", steps));
  DEEPC_RETURN_IF_ERROR(r.array(root, "inputs", inputs));
  DEEPC_RETURN_IF_ERROR(r.array(root, "outputs", outputs));
  plan.values.resize(values->size());
  for (size_t i = 0; i < values->size(); ++i)
    DEEPC_RETURN_IF_ERROR(valueFromJson((*values)[i], i, plan.values[i]));
  plan.steps.resize(steps->size());
  for (size_t i = 0; i < steps->size(); ++i)
    DEEPC_RETURN_IF_ERROR(stepFromJson((*steps)[i], i, plan.steps[i]));
  plan.inputs.resize(inputs->size());
  for (size_t i = 0; i < inputs->size(); ++i)
    DEEPC_RETURN_IF_ERROR(
        ioFromJson((*inputs)[i], "input " + std::to_string(i), plan.inputs[i]));
  plan.outputs.resize(outputs->size());
  for (size_t i = 0; i < outputs->size(); ++i)
    DEEPC_RETURN_IF_ERROR(ioFromJson(
        (*outputs)[i], "output " + std::to_string(i), plan.outputs[i]));
  return validate(plan);
}

} // namespace deepc::rt
