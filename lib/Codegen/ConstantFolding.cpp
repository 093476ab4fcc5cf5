//===- ConstantFolding.cpp - run constant steps at compile time -----------===//
//
// The canonicalizer folds small constants in the IR; large ones (weights)
// stay out of MLIR attributes. This folds on the plan instead, with the very
// kernels the runtime would run, so folding cannot change a result.
//
// A step that reads a dummy weight (deepc --dummy-weights, DummyWeights.h)
// is folded without running it: its results are dummy too. The plan then
// has the steps a compilation with the real weights would have, without
// computing on (and materializing) gigabytes of zeros.
//
//===----------------------------------------------------------------------===//

#include "deepc/Codegen/ConstantFolding.h"

#include "deepc/Import/DummyWeights.h"
#include "deepc/rt/Kernel.h"

using namespace mlir::deepc;

namespace {

/// Whether `step` reads at least one operand and only constants.
bool readsOnlyConstants(const ModelPlan &model, const rt::PlanStep &step) {
  bool any = false;
  for (int id : step.inputs) {
    if (id < 0)
      continue;
    if (model.plan.values[id].kind != rt::ValueKind::Constant)
      return false;
    any = true;
  }
  return any;
}

rt::TensorRef constantRef(const ModelPlan &model, int id) {
  rt::TensorRef ref;
  if (id < 0)
    return ref;
  const rt::PlanValue &value = model.plan.values[id];
  ref.data = const_cast<char *>(model.constantBytes[id].data());
  ref.dtype = value.dtype;
  for (int64_t d : value.dims)
    ref.shape.push(d);
  return ref;
}

/// Makes value `id` a constant of `shape` whose bytes are `bytes`.
void makeConstant(ModelPlan &model, int id, const rt::Shape &shape,
                  llvm::ArrayRef<char> bytes) {
  rt::PlanValue &value = model.plan.values[id];
  value.kind = rt::ValueKind::Constant;
  value.aliasOf = -1;
  value.dims.assign(shape.dims, shape.dims + shape.rank);
  model.constantBytes[id] = bytes;
}

/// Runs `step` on its constant operands; on success makes its outputs
/// constants and returns true.
bool foldStep(ModelPlan &model, const rt::PlanStep &step,
              uint64_t maxResultBytes) {
  const rt::Plan &plan = model.plan;
  const rt::KernelDef *kernel = nullptr;
  bool isRegion = step.op == "region";
  if (!isRegion) {
    kernel = rt::cpuKernels().lookup(step.op);
    if (!kernel)
      return false;
  }

  std::vector<rt::TensorRef> ins, outs(step.outputs.size());
  uint64_t inputBytes = 0;
  bool readsDummy = false;
  for (int id : step.inputs) {
    ins.push_back(constantRef(model, id));
    if (id < 0)
      continue;
    inputBytes += model.constantBytes[id].size();
    readsDummy |= isDummyWeightData(model.constantBytes[id]);
  }
  for (size_t i = 0; i < step.outputs.size(); ++i) {
    const rt::PlanValue &value = plan.values[step.outputs[i]];
    outs[i].dtype = value.dtype;
    for (int64_t d : value.dims)
      outs[i].shape.push(d);
  }
  rt::KernelContext ctx(step, ins.data(), int(ins.size()), outs.data(),
                        int(outs.size()));
  if (!(isRegion ? rt::inferRegion(ctx) : kernel->infer(ctx)).ok())
    return false;

  uint64_t outputBytes = 0;
  for (const rt::TensorRef &out : outs) {
    for (int d = 0; d < out.shape.rank; ++d)
      if (out.shape[d] < 0)
        return false;
    outputBytes += out.bytes();
  }
  if (outputBytes > maxResultBytes ||
      outputBytes > std::max<uint64_t>(inputBytes, 4096))
    return false;

  if (readsDummy) {
    std::vector<llvm::ArrayRef<char>> dummies;
    for (const rt::TensorRef &out : outs) {
      dummies.push_back(dummyWeightBytes(out.bytes()));
      if (dummies.back().size() != out.bytes())
        return false; // no address space: leave the step to run time
    }
    for (size_t i = 0; i < outs.size(); ++i)
      makeConstant(model, step.outputs[i], outs[i].shape, dummies[i]);
    return true;
  }

  std::vector<std::vector<char>> buffers(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    buffers[i].resize(std::max<size_t>(outs[i].bytes(), 1));
    outs[i].data = buffers[i].data();
  }
  if (!(isRegion ? rt::interpretRegion(ctx) : kernel->run(ctx)).ok())
    return false;

  for (size_t i = 0; i < outs.size(); ++i) {
    buffers[i].resize(outs[i].bytes()); // a data-dependent shape may shrink
    makeConstant(model, step.outputs[i], outs[i].shape,
                 model.own(std::move(buffers[i])));
  }
  return true;
}

} // namespace

unsigned mlir::deepc::foldConstantSteps(ModelPlan &model,
                                        uint64_t maxResultBytes) {
  unsigned folded = 0;
  std::vector<rt::PlanStep> kept;
  for (rt::PlanStep &step : model.plan.steps) {
    if (readsOnlyConstants(model, step) &&
        foldStep(model, step, maxResultBytes)) {
      ++folded;
      continue;
    }
    kept.push_back(std::move(step));
  }
  model.plan.steps = std::move(kept);
  if (folded)
    dropUnusedValues(model);
  return folded;
}
