//===- Fusion.cpp - elementwise ops into region steps ---------------------===//
//
// Chains of elementwise ops (an RMSNorm's x * rsqrt(mean + eps) * w, a
// SwiGLU's silu(gate) * up) become one "region" step: one loop over the
// output instead of one pass over memory per op, and no temporaries in
// between. Fusion works on the plan, not on the IR, so that every target
// gets the same regions and only generates code for them.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/Fusion.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <set>

using namespace mlir;
using namespace mlir::deepc;
namespace json = ::deepc::rt::json;

bool mlir::deepc::isElementwiseOp(llvm::StringRef op) {
  if (!op.consume_front("deepc."))
    return false;
  return llvm::StringSwitch<bool>(op)
      .Cases("neg", "abs", "exp", "log", "sqrt", "rsqrt", "reciprocal", true)
      .Cases("tanh", "sigmoid", "silu", "relu", "erf", "sin", "cos", true)
      .Cases("floor", "ceil", "not", "gelu", "add", "sub", "mul", true)
      .Cases("div", "pow", "max", "min", "equal", "less", "less_equal", true)
      .Cases("greater", "greater_equal", "and", "or", "xor", "select", true)
      .Cases("mod", "cast", true)
      .Default(false);
}

namespace {

/// The value of a one-element constant as a JSON number, or null when it
/// should stay a region input (a non-finite float, which JSON cannot hold
/// as a number).
json::Value scalarConstant(const rt::PlanValue &value,
                           llvm::ArrayRef<char> bytes) {
  const void *data = bytes.data();
  switch (value.dtype) {
  case rt::DType::F32: {
    float f;
    std::memcpy(&f, data, 4);
    return std::isfinite(f) ? json::Value(double(f)) : json::Value();
  }
  case rt::DType::F16:
  case rt::DType::BF16:
  case rt::DType::F8E4M3FN: {
    uint16_t bits = 0;
    std::memcpy(&bits, data, rt::dtypeSize(value.dtype));
    float f = value.dtype == rt::DType::F16    ? rt::halfToFloat(bits)
              : value.dtype == rt::DType::BF16 ? rt::bf16ToFloat(bits)
                                               : rt::f8e4m3fnToFloat(bits);
    return std::isfinite(f) ? json::Value(double(f)) : json::Value();
  }
  case rt::DType::Bool:
  case rt::DType::I4:
  case rt::DType::I8:
    return json::Value(int64_t(*static_cast<const int8_t *>(data)));
  case rt::DType::I32: {
    int32_t v;
    std::memcpy(&v, data, 4);
    return json::Value(int64_t(v));
  }
  case rt::DType::I64: {
    int64_t v;
    std::memcpy(&v, data, 8);
    return json::Value(v);
  }
  case rt::DType::Invalid:
    break;
  }
  return json::Value();
}

class Fuser {
public:
  Fuser(ModelPlan &model, bool fuse) : model(model), fuse(fuse) {}
  void run();

private:
  /// Whether value `id` is a one-element constant that a region rooted at
  /// an output of rank `rootRank` may fold into its body.
  bool isBodyConstant(int id, size_t rootRank) const;
  /// Whether step `index` computes each element of its one output from the
  /// same element of its (broadcast) inputs, so that it can join a region.
  bool isFusible(int index) const;
  /// Whether every step reading value `id` is in `members` (and the model
  /// does not return it).
  bool onlyReadBy(int id, const std::vector<int> &members) const;
  rt::PlanStep makeRegion(const std::vector<int> &members);

  ModelPlan &model;
  bool fuse;
  /// producer[value]: the step defining it, -1 for inputs and constants.
  std::vector<int> producer;
  /// users[value]: the distinct steps reading it, plus one if it is
  /// returned.
  std::vector<int> users;
};

bool Fuser::isBodyConstant(int id, size_t rootRank) const {
  const rt::PlanValue &value = model.plan.values[id];
  if (value.kind != rt::ValueKind::Constant || value.dims.size() > rootRank)
    return false;
  for (int64_t dim : value.dims)
    if (dim != 1)
      return false;
  return !scalarConstant(value, model.constantBytes[id]).isNull();
}

static int64_t intAttr(const rt::PlanStep &step, const char *name,
                       int64_t otherwise) {
  const json::Value *value = step.attrs.get(name);
  return value && value->isInt() ? value->asInt() : otherwise;
}

/// Whether a quantize or dequantize step has one scale (and zero point)
/// per element once broadcast: per tensor, or per channel of the last
/// axis. Other axes and blocked scales index the scale in ways numpy
/// broadcasting cannot express; they keep their kernel.
static bool hasBroadcastScale(const rt::Plan &plan, const rt::PlanStep &step) {
  if (step.inputs.size() < 2 || step.inputs.size() > 3 ||
      intAttr(step, "block_size", 0) != 0 || step.inputs[0] < 0 ||
      step.inputs[1] < 0)
    return false;
  const std::vector<int64_t> &x = plan.values[step.inputs[0]].dims;
  const std::vector<int64_t> &scale = plan.values[step.inputs[1]].dims;
  if (step.inputs.size() == 3 && step.inputs[2] >= 0 &&
      plan.values[step.inputs[2]].dims != scale)
    return false;
  if (scale.size() > x.size())
    return false;
  if (llvm::all_of(scale, [](int64_t d) { return d == 1; }))
    return true;
  int64_t axis = intAttr(step, "axis", -1);
  if (axis < 0)
    axis += int64_t(x.size());
  return scale.size() == 1 && axis == int64_t(x.size()) - 1 &&
         scale[0] == x.back() && scale[0] >= 0;
}

static bool isQuantizeOrDequantize(llvm::StringRef op) {
  return op == "deepc.quantize" || op == "deepc.dequantize";
}

bool Fuser::isFusible(int index) const {
  const rt::PlanStep &step = model.plan.steps[index];
  if (step.outputs.size() != 1)
    return false;
  if (isQuantizeOrDequantize(step.op))
    return hasBroadcastScale(model.plan, step);
  return isElementwiseOp(step.op);
}

bool Fuser::onlyReadBy(int id, const std::vector<int> &members) const {
  int readers = 0;
  for (int member : members) {
    const std::vector<int> &inputs = model.plan.steps[member].inputs;
    readers += llvm::is_contained(inputs, id);
  }
  return readers == users[id];
}

rt::PlanStep Fuser::makeRegion(const std::vector<int> &members) {
  std::vector<rt::PlanStep> &steps = model.plan.steps;
  const rt::PlanStep &root = steps[members.back()];
  size_t rootRank = model.plan.values[root.outputs[0]].dims.size();
  std::set<int> defined;
  for (int member : members)
    defined.insert(steps[member].outputs[0]);

  rt::PlanStep region;
  region.op = "region";
  region.outputs = root.outputs;
  region.loc = root.loc;
  // Region-local numbering: inputs first, then body constants, then one
  // value per member step.
  llvm::DenseMap<int, int> local;
  std::vector<int> constants;
  for (int member : members)
    for (int input : steps[member].inputs) {
      if (defined.count(input) || local.count(input))
        continue;
      if (fuse && isBodyConstant(input, rootRank)) {
        local[input] = -1; // numbered below, after the inputs
        constants.push_back(input);
        continue;
      }
      local[input] = region.inputs.size();
      region.inputs.push_back(input);
    }
  int next = region.inputs.size();
  for (int constant : constants) {
    rt::RegionInstr instr;
    instr.op = "deepc.constant";
    instr.dtype = model.plan.values[constant].dtype;
    instr.attrs["value"] = scalarConstant(model.plan.values[constant],
                                          model.constantBytes[constant]);
    region.body.push_back(std::move(instr));
    local[constant] = next++;
  }
  // In a region, quantize and dequantize always take a zero point: 0 when
  // the op has none.
  int zeroPoint = -1;
  for (int member : members) {
    const rt::PlanStep &step = steps[member];
    if (!isQuantizeOrDequantize(step.op) ||
        (step.inputs.size() == 3 && step.inputs[2] >= 0) || zeroPoint >= 0)
      continue;
    rt::RegionInstr instr;
    instr.op = "deepc.constant";
    instr.dtype = rt::DType::I8;
    instr.attrs["value"] = json::Value(int64_t(0));
    region.body.push_back(std::move(instr));
    zeroPoint = next++;
  }
  for (int member : members) {
    const rt::PlanStep &step = steps[member];
    rt::RegionInstr instr;
    instr.op = step.op;
    instr.attrs = step.attrs;
    instr.dtype = model.plan.values[step.outputs[0]].dtype;
    for (int input : step.inputs)
      if (input >= 0)
        instr.args.push_back(local.lookup(input));
    if (isQuantizeOrDequantize(step.op) && instr.args.size() == 2)
      instr.args.push_back(zeroPoint);
    region.body.push_back(std::move(instr));
    local[step.outputs[0]] = next++;
  }
  return region;
}

void Fuser::run() {
  rt::Plan &plan = model.plan;
  producer.assign(plan.values.size(), -1);
  users.assign(plan.values.size(), 0);
  for (auto [index, step] : llvm::enumerate(plan.steps)) {
    for (int output : step.outputs)
      producer[output] = index;
    std::set<int> read(step.inputs.begin(), step.inputs.end());
    for (int input : read)
      if (input >= 0)
        ++users[input];
  }
  for (const rt::PlanIO &output : plan.outputs)
    ++users[output.value];

  // Walking backward, every fusible step not yet absorbed is a root; its
  // region grows over producers that only its members read (a value read
  // twice inside the region, as gelu's x in x * Φ(x), is computed once
  // per element there), until nothing more joins.
  std::vector<bool> absorbed(plan.steps.size(), false);
  std::vector<std::vector<int>> regionAt(plan.steps.size());
  for (int index = int(plan.steps.size()) - 1; index >= 0; --index) {
    if (absorbed[index] || !isFusible(index))
      continue;
    std::vector<int> members{index};
    for (bool grew = fuse; grew;) {
      grew = false;
      for (size_t i = 0; i < members.size(); ++i)
        for (int input : plan.steps[members[i]].inputs) {
          int from = input >= 0 ? producer[input] : -1;
          if (from < 0 || absorbed[from] || from == index || !isFusible(from) ||
              !onlyReadBy(input, members))
            continue;
          absorbed[from] = true;
          members.push_back(from);
          grew = true;
        }
    }
    std::sort(members.begin(), members.end());
    regionAt[index] = std::move(members);
  }

  std::vector<rt::PlanStep> steps;
  for (size_t index = 0; index < plan.steps.size(); ++index) {
    if (absorbed[index])
      continue;
    if (regionAt[index].empty())
      steps.push_back(std::move(plan.steps[index]));
    else
      steps.push_back(makeRegion(regionAt[index]));
  }
  plan.steps = std::move(steps);
}

} // namespace

void mlir::deepc::fuseElementwise(ModelPlan &model, bool fuse) {
  Fuser(model, fuse).run();
  dropUnusedValues(model);
}

unsigned mlir::deepc::fuseEpilogues(ModelPlan &model) {
  rt::Plan &plan = model.plan;
  std::vector<int> producer(plan.values.size(), -1);
  // readers[value]: the distinct steps reading it, plus one if it is
  // returned and one per view of it.
  std::vector<int> readers(plan.values.size(), 0);
  for (auto [index, step] : llvm::enumerate(plan.steps)) {
    for (int output : step.outputs)
      producer[output] = index;
    std::set<int> read(step.inputs.begin(), step.inputs.end());
    for (int input : read)
      if (input >= 0)
        ++readers[input];
  }
  for (const rt::PlanIO &output : plan.outputs)
    ++readers[output.value];
  for (const rt::PlanValue &value : plan.values)
    if (value.aliasOf >= 0)
      ++readers[value.aliasOf];

  // epilogueOf[step]: the producer (a matmul, a norm, a rotary) whose
  // epilogue the step becomes: a region reading the producer's result
  // elementwise, or a norm or rotary reading it as its input 0 (which may
  // be a producer in turn: norm, then rotary, then a quantizing region). A
  // region that reads two producers (SwiGLU's silu(gate) * up) takes the
  // later one: the other one's result is complete before it runs anyway.
  std::vector<int> epilogueOf(plan.steps.size(), -1);
  std::vector<bool> moved(plan.steps.size(), false);
  for (auto [index, step] : llvm::enumerate(plan.steps)) {
    bool isRegion = step.op == "region";
    bool rowWise = rt::isEpilogueProducer(step.op) && step.op != "deepc.matmul";
    if ((!isRegion && !rowWise) || step.outputs.size() != 1 ||
        step.inputs.empty())
      continue;
    const rt::PlanValue &output = plan.values[step.outputs[0]];
    llvm::ArrayRef<int> candidates(step.inputs);
    if (rowWise) // the rows it normalizes or rotates
      candidates = candidates.take_front();
    for (int input : candidates) {
      int from = input >= 0 ? producer[input] : -1;
      if (from < 0 || !rt::isEpilogueProducer(plan.steps[from].op) ||
          plan.steps[from].outputs.size() != 1 || readers[input] != 1 ||
          llvm::count(step.inputs, input) != 1)
        continue;
      // Same dims (the same symbolic ones too): the step reads the result
      // at its own index, never broadcast. The runtime checks the actual
      // shapes again.
      if (plan.values[input].dims != output.dims)
        continue;
      epilogueOf[index] = std::max(epilogueOf[index], from);
    }
    if (epilogueOf[index] >= 0)
      moved[epilogueOf[index]] = true;
  }

  // A producer moves down to just before the step it hands its result to
  // (and its own producer before it): its operands are defined earlier
  // still, and nothing in between reads its result.
  unsigned fused = 0;
  std::vector<rt::PlanStep> steps;
  std::function<void(int)> emit = [&](int index) {
    if (int from = epilogueOf[index]; from >= 0) {
      emit(from);
      steps.back().epilogue = true;
      ++fused;
    }
    steps.push_back(std::move(plan.steps[index]));
  };
  for (size_t index = 0; index < plan.steps.size(); ++index)
    if (!moved[index])
      emit(int(index));
  plan.steps = std::move(steps);
  return fused;
}
