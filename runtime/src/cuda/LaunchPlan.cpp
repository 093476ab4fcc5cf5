//===- LaunchPlan.cpp - where each step of a plan runs on the CUDA backend ===//
//
// Decided once per model from the plan alone (ops, declared dtypes, alias
// and dynamic flags), so that it can be printed before anything runs and
// tested without a GPU.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/cuda/CudaBackend.h"
#include "deepc/rt/cuda/CudaKernel.h"

#include "cuda/CudaKernels.h"
#include "cuda/EpilogueMatch.h"

namespace deepc::rt::cuda {

const char *placementName(StepPlacement p) {
  switch (p) {
  case StepPlacement::Device:
    return "device";
  case StepPlacement::View:
    return "view";
  case StepPlacement::Host:
    return "host";
  }
  return "?";
}

namespace {

bool isView(const Plan &plan, const PlanStep &step) {
  if (step.outputs.empty())
    return false;
  for (int id : step.outputs)
    if (plan.values[id].aliasOf < 0)
      return false;
  return true;
}

/// The CUDA kernel that runs `step`, or null when it runs on the host.
const CudaKernelDef *deviceKernel(const Plan &plan, const PlanStep &step,
                                  const KernelRegistry &cpu,
                                  const CudaKernelRegistry &cuda) {
  const CudaKernelDef *def = nullptr;
  if (step.op == "region") {
    // Without a compiled CUDA function (buildLaunchPlan's regionFns), a
    // region runs on the device only when it is a lone cast.
    if (step.body.size() == 1 && step.body[0].op == "deepc.cast")
      def = &castRegionKernel();
  } else {
    const KernelDef *shapes = cpu.lookup(step.op);
    // The device path needs the CPU shape function, and cannot shrink an
    // output after the fact as a data-dependent kernel does.
    if (!shapes || !shapes->infer || shapes->dataDependentShape)
      return nullptr;
    def = cuda.lookup(step.op);
  }
  if (!def || !def->run || (def->supports && !def->supports(step, plan)))
    return nullptr;
  return def;
}

std::string valueLabel(const Plan &plan, int id) {
  const std::string &name = plan.values[id].name;
  return name.empty() ? "value " + std::to_string(id) : "'" + name + "'";
}

std::string graphBlocker(const Plan &plan, const KernelRegistry &cpu,
                         const LaunchPlan &launch) {
  for (const PlanIO &io : plan.inputs)
    for (int64_t d : plan.values[io.value].dims)
      if (d < 0)
        return "input '" + io.name + "' has symbolic dims";
  for (size_t id = 0; id < plan.values.size(); ++id)
    if (plan.values[id].dynamic)
      return valueLabel(plan, int(id)) + " has a data-dependent size";
  for (const PlanStep &step : plan.steps) {
    const KernelDef *def = cpu.lookup(step.op);
    if (def && def->dataDependentShape)
      return step.op + " has a data-dependent result shape";
  }
  if (launch.numHost > 0) {
    std::string ops;
    for (const auto &[op, count] : launch.hostOps)
      ops += (ops.empty() ? "" : ", ") + op;
    return std::to_string(launch.numHost) + " step(s) run on the host (" + ops +
           ")";
  }
  return "";
}

/// A matmul and its region run as one cuBLASLt call when both would run
/// on the device and cuBLASLt offers the region as an epilogue.
void markEpilogues(const Plan &plan, LaunchPlan &launch) {
  launch.fusedEpilogue.assign(plan.steps.size(), false);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    if (!plan.steps[s].epilogue)
      continue;
    GemmEpilogue epilogue;
    bool fused = s + 1 < plan.steps.size() &&
                 launch.placement[s] == StepPlacement::Device &&
                 launch.kernels[s] &&
                 launch.placement[s + 1] == StepPlacement::Device &&
                 matchGemmEpilogue(plan, s, epilogue);
    launch.fusedEpilogue[s] = fused;
    ++(fused ? launch.numEpilogueFused : launch.numEpilogueUnfused);
  }
}

} // namespace

LaunchPlan buildLaunchPlan(const Plan &plan, const KernelRegistry &cpu,
                           const CudaKernelRegistry &cuda,
                           const std::vector<deepc_cuda_region_fn> &regionFns) {
  LaunchPlan launch;
  launch.placement.resize(plan.steps.size(), StepPlacement::Host);
  launch.kernels.resize(plan.steps.size(), nullptr);
  launch.regionFns.resize(plan.steps.size(), nullptr);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep &step = plan.steps[s];
    if (isView(plan, step)) {
      launch.placement[s] = StepPlacement::View;
      ++launch.numView;
      continue;
    }
    if (step.op == "region" && s < regionFns.size() && regionFns[s]) {
      launch.placement[s] = StepPlacement::Device;
      launch.regionFns[s] = regionFns[s];
      ++launch.numDevice;
      continue;
    }
    if (const CudaKernelDef *def = deviceKernel(plan, step, cpu, cuda)) {
      launch.placement[s] = StepPlacement::Device;
      launch.kernels[s] = def;
      ++launch.numDevice;
      continue;
    }
    ++launch.numHost;
    ++launch.hostOps[step.op];
  }
  markEpilogues(plan, launch);
  launch.graphBlocker = graphBlocker(plan, cpu, launch);
  return launch;
}

std::string LaunchPlan::summary() const {
  std::string text = std::to_string(numDevice) + " device, " +
                     std::to_string(numView) + " view, " +
                     std::to_string(numHost) + " host steps";
  if (!hostOps.empty()) {
    text += " (host:";
    for (const auto &[op, count] : hostOps)
      text += " " + op + " x" + std::to_string(count);
    text += ")";
  }
  auto count = [](int n, const char *what) {
    return std::to_string(n) + (n == 1 ? " epilogue " : " epilogues ") + what;
  };
  if (numEpilogueFused + numEpilogueUnfused > 0)
    text += "; " + count(numEpilogueFused, "fused") + ", " +
            count(numEpilogueUnfused, "unfused");
  return text;
}

} // namespace deepc::rt::cuda
