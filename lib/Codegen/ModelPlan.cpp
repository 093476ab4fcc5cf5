//===- ModelPlan.cpp - housekeeping of a plan under construction ----------===//

#include "deepc/Codegen/ModelPlan.h"

using namespace mlir::deepc;

void mlir::deepc::dropUnusedValues(ModelPlan &model) {
  rt::Plan &plan = model.plan;
  std::vector<bool> used(plan.values.size(), false);
  for (const rt::PlanStep &step : plan.steps) {
    for (int input : step.inputs)
      if (input >= 0)
        used[input] = true;
    for (int output : step.outputs)
      used[output] = true;
  }
  for (const rt::PlanIO &io : plan.inputs)
    used[io.value] = true;
  for (const rt::PlanIO &io : plan.outputs)
    used[io.value] = true;
  for (const rt::PlanValue &value : plan.values)
    if (value.aliasOf >= 0)
      used[value.aliasOf] = true;

  std::vector<int> renumbered(plan.values.size(), -1);
  std::vector<rt::PlanValue> values;
  std::vector<llvm::ArrayRef<char>> bytes;
  for (size_t id = 0; id < plan.values.size(); ++id) {
    if (!used[id] && plan.values[id].kind != rt::ValueKind::Input)
      continue;
    renumbered[id] = values.size();
    values.push_back(std::move(plan.values[id]));
    bytes.push_back(model.constantBytes[id]);
  }
  auto remap = [&](int &id) {
    if (id >= 0)
      id = renumbered[id];
  };
  for (rt::PlanValue &value : values)
    remap(value.aliasOf);
  for (rt::PlanStep &step : plan.steps) {
    for (int &input : step.inputs)
      remap(input);
    for (int &output : step.outputs)
      remap(output);
  }
  for (rt::PlanIO &io : plan.inputs)
    remap(io.value);
  for (rt::PlanIO &io : plan.outputs)
    remap(io.value);
  plan.values = std::move(values);
  model.constantBytes = std::move(bytes);
}
