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
  for (int member : members) {
    const rt::PlanStep &step = steps[member];
    rt::RegionInstr instr;
    instr.op = step.op;
    instr.attrs = step.attrs;
    instr.dtype = model.plan.values[step.outputs[0]].dtype;
    for (int input : step.inputs)
      instr.args.push_back(local.lookup(input));
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

  // Walking backward, every elementwise step not yet absorbed is a root;
  // its region grows over producers that only it reads.
  std::vector<bool> absorbed(plan.steps.size(), false);
  std::vector<std::vector<int>> regionAt(plan.steps.size());
  for (int index = int(plan.steps.size()) - 1; index >= 0; --index) {
    if (absorbed[index] || !isElementwiseOp(plan.steps[index].op))
      continue;
    std::vector<int> members{index};
    for (size_t i = 0; fuse && i < members.size(); ++i)
      for (int input : plan.steps[members[i]].inputs) {
        int from = input >= 0 ? producer[input] : -1;
        if (from < 0 || absorbed[from] || users[input] != 1 ||
            !isElementwiseOp(plan.steps[from].op) ||
            plan.steps[from].outputs.size() != 1)
          continue;
        absorbed[from] = true;
        members.push_back(from);
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

  // epilogueOf[region]: the matmul whose epilogue it becomes. A region that
  // reads two matmuls (SwiGLU's silu(gate) * up) takes the later one: the
  // other one's result is complete before it runs anyway.
  std::vector<int> epilogueOf(plan.steps.size(), -1);
  std::vector<bool> moved(plan.steps.size(), false);
  for (auto [index, step] : llvm::enumerate(plan.steps)) {
    if (step.op != "region" || step.outputs.size() != 1)
      continue;
    const rt::PlanValue &output = plan.values[step.outputs[0]];
    for (int input : step.inputs) {
      int from = producer[input];
      if (from < 0 || plan.steps[from].op != "deepc.matmul" ||
          plan.steps[from].outputs.size() != 1 || readers[input] != 1)
        continue;
      // Same dims (the same symbolic ones too): the region reads the
      // result at its own index, never broadcast. The runtime checks the
      // actual shapes again.
      if (plan.values[input].dims != output.dims)
        continue;
      epilogueOf[index] = std::max(epilogueOf[index], from);
    }
    if (epilogueOf[index] >= 0)
      moved[epilogueOf[index]] = true;
  }

  // The matmul moves down to just before its region: its operands are
  // defined earlier still, and nothing in between reads its result.
  unsigned fused = 0;
  std::vector<rt::PlanStep> steps;
  for (size_t index = 0; index < plan.steps.size(); ++index) {
    if (moved[index])
      continue;
    if (int matmul = epilogueOf[index]; matmul >= 0) {
      steps.push_back(std::move(plan.steps[matmul]));
      steps.back().epilogue = true;
      ++fused;
    }
    steps.push_back(std::move(plan.steps[index]));
  }
  plan.steps = std::move(steps);
  return fused;
}
