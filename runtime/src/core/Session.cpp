//===- Session.cpp - binding inputs and running a plan --------------------===//
//
// A run walks the plan's steps in order. For each step the kernel's shape
// function gives the output shapes of this run; bounded outputs then live in
// their arena slot (checked against its capacity), dynamic ones in a buffer
// of their own, and views (aliases) point into their source's buffer.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Session.h"
#include "core/Epilogue.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <omp.h>
#include <sys/mman.h>

namespace deepc::rt {

namespace {

std::string valueName(const Plan &plan, int id) {
  const std::string &name = plan.values[id].name;
  return name.empty() ? "value " + std::to_string(id)
                      : "'" + name + "' (value " + std::to_string(id) + ")";
}

std::string stepName(const PlanStep &step) {
  std::string name = step.op;
  if (!step.loc.empty())
    name += " (node '" + step.loc + "')";
  return name;
}

/// A zero-byte tensor still gets a non-null, aligned pointer: kernels may
/// test `data` for null to mean "values unknown".
alignas(kBufferAlignment) unsigned char gEmptyBuffer[kBufferAlignment];

} // namespace

ExecutionSession::~ExecutionSession() = default;

std::string Session::summary() const {
  const Plan &plan = model_->plan();
  size_t compiled = 0, interpreted = 0;
  for (size_t s = 0; s < plan.steps.size(); ++s)
    if (plan.steps[s].op == "region")
      ++(model_->regionFunction(s) ? compiled : interpreted);
  std::string text = "cpu: " + std::to_string(plan.steps.size()) + " steps";
  if (compiled || interpreted)
    text += " (" + std::to_string(compiled) + " compiled regions, " +
            std::to_string(interpreted) + " interpreted)";
  return text;
}

Status Session::create(std::shared_ptr<const Model> model,
                       std::unique_ptr<Session> &out) {
  std::unique_ptr<Session> session(new Session(std::move(model)));
  const Plan &plan = session->model_->plan();
  if (const char *profile = std::getenv("DEEPC_PROFILE");
      profile && *profile && std::string(profile) != "0") {
    session->profile_ = true;
    session->stepSeconds_.assign(plan.steps.size(), 0.0);
  }
  // MAP_NORESERVE: the plan is sized for the largest allowed dims; pages
  // that a smaller run never touches cost address space only.
  size_t bytes = plan.arenaBytes ? size_t(plan.arenaBytes) : 1;
  void *p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return resourceExhausted("cannot reserve the " +
                             std::to_string(plan.arenaBytes) +
                             "-byte memory arena of the model");
  session->arena_ = static_cast<unsigned char *>(p);
  session->arenaMapped_ = bytes;
  session->dynamic_.resize(plan.values.size());
  session->values_.resize(plan.values.size());
  session->bound_.resize(plan.inputs.size());
  session->isBound_.assign(plan.inputs.size(), false);
  out = std::move(session);
  return okStatus();
}

Session::~Session() {
  if (profile_ && runs_)
    printProfile();
  if (arena_)
    ::munmap(arena_, arenaMapped_);
  for (DynamicBuffer &b : dynamic_)
    std::free(b.data);
}

/// Input `index` against the compiled input: dtype, rank, static dims,
/// symbolic dims within their bounds, data present.
Status checkBoundInput(const Model &model, size_t index,
                       const TensorRef &input) {
  if (index >= model.numInputs())
    return invalidArgument("input index " + std::to_string(index) +
                           " out of range: the model has " +
                           std::to_string(model.numInputs()) + " inputs");
  const deepc_tensor_info &info = model.inputInfo(index);
  std::string where = std::string("input '") + info.name + "'";
  if (input.dtype != DType(info.dtype))
    return invalidArgument(where + " expects dtype " +
                           dtypeName(DType(info.dtype)) + ", got " +
                           dtypeName(input.dtype));
  if (input.shape.rank != info.rank)
    return invalidArgument(where + " expects rank " +
                           std::to_string(info.rank) + ", got rank " +
                           std::to_string(input.shape.rank));
  for (int d = 0; d < info.rank; ++d) {
    int64_t dim = input.shape.dims[d];
    if (info.dims[d] >= 0) {
      if (dim != info.dims[d])
        return invalidArgument(where + " expects dim " + std::to_string(d) +
                               " to be " + std::to_string(info.dims[d]) +
                               ", got " + std::to_string(dim));
      continue;
    }
    if (dim < 0)
      return invalidArgument(where + ": dim " + std::to_string(d) + " ('" +
                             info.dim_names[d] + "') is negative");
    if (dim > info.dim_bounds[d])
      return outOfRange(where + ": dim " + std::to_string(d) + " ('" +
                        info.dim_names[d] + "') is " + std::to_string(dim) +
                        ", beyond its compiled bound " +
                        std::to_string(info.dim_bounds[d]) +
                        "; recompile with a larger --max-dims");
  }
  if (!input.data && input.numel() > 0)
    return invalidArgument(where + ": data is null");
  return okStatus();
}

Status Session::bindInput(size_t index, const TensorRef &input) {
  DEEPC_RETURN_IF_ERROR(checkBoundInput(*model_, index, input));
  bound_[index] = input;
  isBound_[index] = true;
  return okStatus();
}

/// Inputs that share a symbolic dim must agree on it. Checked at run time
/// rather than at bind time, so that a caller may rebind inputs one by one
/// to a new length.
Status checkSharedInputDims(const Model &model,
                            const std::vector<TensorRef> &bound) {
  std::map<std::string, std::pair<int64_t, size_t>> seen;
  for (size_t i = 0; i < bound.size(); ++i) {
    const deepc_tensor_info &info = model.inputInfo(i);
    for (int d = 0; d < info.rank; ++d) {
      if (info.dims[d] >= 0)
        continue;
      int64_t dim = bound[i].shape.dims[d];
      auto [it, inserted] =
          seen.emplace(info.dim_names[d], std::make_pair(dim, i));
      if (!inserted && it->second.first != dim)
        return invalidArgument(
            std::string("dim '") + info.dim_names[d] + "' is " +
            std::to_string(it->second.first) + " in input '" +
            model.inputInfo(it->second.second).name + "' but " +
            std::to_string(dim) + " in input '" + info.name + "'");
    }
  }
  return okStatus();
}

Status Session::checkInputDims() const {
  return checkSharedInputDims(*model_, bound_);
}

Status Session::run() {
  hasRun_ = false;
  // Counters describe one run; keeping the names spares the allocations.
  for (auto &entry : counters_)
    entry.second = 0;
  const Plan &plan = model_->plan();
  for (size_t i = 0; i < bound_.size(); ++i)
    if (!isBound_[i])
      return Status(DEEPC_FAILED_PRECONDITION, std::string("input '") +
                                                   model_->inputInfo(i).name +
                                                   "' is not bound");
  DEEPC_RETURN_IF_ERROR(checkInputDims());

  for (size_t id = 0; id < plan.values.size(); ++id) {
    const PlanValue &v = plan.values[id];
    values_[id] = TensorRef();
    if (v.kind != ValueKind::Constant)
      continue;
    TensorRef &t = values_[id];
    t.dtype = v.dtype;
    for (int64_t d : v.dims)
      t.shape.push(d);
    t.data = t.bytes() ? const_cast<unsigned char *>(model_->weights()) +
                             v.weightsOffset
                       : gEmptyBuffer;
  }
  for (size_t i = 0; i < bound_.size(); ++i) {
    TensorRef t = bound_[i];
    if (!t.data)
      t.data = gEmptyBuffer;
    values_[plan.inputs[i].value] = t;
  }

  // A step with an epilogue runs with the steps after it as one chain
  // (core/Epilogue.h); the profile counts the chain under its head.
  for (size_t s = 0; s < plan.steps.size();) {
    size_t last = epilogueChainEnd(plan, s);
    auto start = std::chrono::steady_clock::now();
    DEEPC_RETURN_IF_ERROR(last == s ? runStep(s) : runChain(s, last));
    if (profile_)
      stepSeconds_[s] += std::chrono::duration<double>(
                             std::chrono::steady_clock::now() - start)
                             .count();
    s = last + 1;
  }
  if (profile_)
    ++runs_;
  hasRun_ = true;
  return okStatus();
}

/// Time per run by op (regions by their compiled function), largest first.
void Session::printProfile() const {
  const Plan &plan = model_->plan();
  std::map<std::string, std::pair<double, int>> byOp;
  double total = 0;
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const PlanStep &step = plan.steps[s];
    std::string key = step.op == "region" && !step.symbol.empty()
                          ? "region " + step.symbol
                          : step.op;
    byOp[key].first += stepSeconds_[s];
    byOp[key].second += 1;
    total += stepSeconds_[s];
  }
  std::vector<std::pair<std::string, std::pair<double, int>>> rows(byOp.begin(),
                                                                   byOp.end());
  std::sort(rows.begin(), rows.end(), [](const auto &a, const auto &b) {
    return a.second.first > b.second.first;
  });
  std::fprintf(stderr,
               "deepc profile: %lld run(s), %.3f ms a run in %zu steps\n"
               "  %10s %6s %6s  %s\n",
               (long long)runs_, 1e3 * total / double(runs_), plan.steps.size(),
               "ms/run", "%", "steps", "op");
  for (const auto &[op, entry] : rows)
    std::fprintf(
        stderr, "  %10.3f %5.1f%% %6d  %s\n", 1e3 * entry.first / double(runs_),
        total > 0 ? 100 * entry.first / total : 0.0, entry.second, op.c_str());
}

Status Session::placeOutput(size_t s, int id, TensorRef &out) {
  const Plan &plan = model_->plan();
  const PlanValue &v = plan.values[id];
  size_t bytes = out.bytes();
  if (v.aliasOf >= 0) {
    const TensorRef &source = values_[v.aliasOf];
    if (source.bytes() != bytes)
      return internalError(valueName(plan, id) + " of " +
                           stepName(plan.steps[s]) + " is a view of " +
                           valueName(plan, v.aliasOf) + " but has " +
                           std::to_string(bytes) + " bytes, not " +
                           std::to_string(source.bytes()));
    out.data = source.data;
    return okStatus();
  }
  if (v.dynamic) {
    DynamicBuffer &buffer = dynamic_[id];
    if (bytes > buffer.capacity || !buffer.data) {
      void *p = nullptr;
      size_t want = bytes ? bytes : 1;
      if (::posix_memalign(&p, kBufferAlignment, want) != 0)
        return resourceExhausted("cannot allocate " + std::to_string(bytes) +
                                 " bytes for " + valueName(plan, id) + " of " +
                                 stepName(plan.steps[s]));
      std::free(buffer.data);
      buffer.data = p;
      buffer.capacity = want;
    }
    out.data = buffer.data;
    return okStatus();
  }
  if (bytes > v.capacity)
    return outOfRange(valueName(plan, id) + " of " + stepName(plan.steps[s]) +
                      " needs " + std::to_string(bytes) + " bytes (shape " +
                      out.shape.str() + ") but the memory plan reserved " +
                      std::to_string(v.capacity) +
                      "; recompile with larger --max-dims");
  out.data = bytes ? arena_ + v.arenaOffset : gEmptyBuffer;
  return okStatus();
}

Status Session::runRegion(size_t s, KernelContext &ctx) {
  return runRegionFunction(model_->regionFunction(s), ctx, numThreads_);
}

Status Session::runChain(size_t head, size_t last) {
  const Plan &plan = model_->plan();
  size_t n = last - head + 1;
  // Each stage reads the previous one's result as inferred; its data is
  // the block being made (blocked) or the placed buffer (unblocked).
  std::vector<std::vector<TensorRef>> ins(n);
  std::vector<TensorRef> outs(n);
  std::vector<std::unique_ptr<KernelContext>> contexts;
  std::vector<EpilogueStage> stages(n);
  for (size_t k = 0; k < n; ++k) {
    const PlanStep &step = plan.steps[head + k];
    int previous = k ? plan.steps[head + k - 1].outputs[0] : -1;
    ins[k].resize(step.inputs.size());
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      int id = step.inputs[i];
      if (k && id == previous) {
        ins[k][i] = outs[k - 1];
        stages[k].resultInput = int(i);
      } else {
        ins[k][i] = id < 0 ? TensorRef() : values_[id];
      }
    }
    const PlanValue &v = plan.values[step.outputs[0]];
    outs[k].dtype = v.dtype;
    for (int64_t d : v.dims)
      outs[k].shape.push(d);
    contexts.push_back(std::make_unique<KernelContext>(
        step, ins[k].data(), int(ins[k].size()), &outs[k], 1));
    KernelContext &ctx = *contexts.back();
    ctx.numThreads = numThreads_;
    ctx.setCounters(&counters_);
    bool isRegion = step.op == "region";
    stages[k].ctx = &ctx;
    stages[k].kernel = isRegion ? nullptr : model_->kernel(head + k);
    stages[k].fn = isRegion ? model_->regionFunction(head + k) : nullptr;
    DEEPC_RETURN_IF_ERROR(isRegion ? inferRegion(ctx)
                                   : stages[k].kernel->infer(ctx));
  }

  int threads = numThreads_ > 0 ? numThreads_ : omp_get_max_threads();
  EpilogueBlocks blocks = planEpilogueBlocks(stages, threads);
  // An intermediate's buffer holds one block per thread, not the whole
  // result; a plan that gave it a smaller slot runs the chain unblocked.
  std::vector<TensorRef> scratch(outs.begin(), outs.end() - 1);
  bool blocked = blocks.blockRows > 0;
  for (size_t k = 0; k + 1 < n; ++k) {
    scratch[k].shape = Shape();
    scratch[k].shape.push(int64_t(threads) * blocks.blockRows);
    scratch[k].shape.push(blocks.cols);
    const PlanValue &v = plan.values[plan.steps[head + k].outputs[0]];
    blocked &= v.dynamic || scratch[k].bytes() <= v.capacity;
  }
  if (blocked) {
    std::vector<void *> buffers(n - 1);
    for (size_t k = 0; k + 1 < n; ++k) {
      DEEPC_RETURN_IF_ERROR(
          placeOutput(head + k, plan.steps[head + k].outputs[0], scratch[k]));
      buffers[k] = scratch[k].data;
    }
    DEEPC_RETURN_IF_ERROR(
        placeOutput(last, plan.steps[last].outputs[0], outs[n - 1]));
    DEEPC_RETURN_IF_ERROR(runEpilogueBlocks(stages, blocks, buffers, threads));
    ++counters_["epilogue.blocked_steps"];
  } else {
    for (size_t k = 0; k < n; ++k) {
      if (k)
        ins[k][stages[k].resultInput].data = outs[k - 1].data;
      DEEPC_RETURN_IF_ERROR(
          placeOutput(head + k, plan.steps[head + k].outputs[0], outs[k]));
      DEEPC_RETURN_IF_ERROR(stages[k].kernel
                                ? stages[k].kernel->run(*stages[k].ctx)
                                : runRegion(head + k, *stages[k].ctx));
    }
  }
  values_[plan.steps[last].outputs[0]] = outs[n - 1];
  return okStatus();
}

Status Session::runStep(size_t s) {
  const Plan &plan = model_->plan();
  const PlanStep &step = plan.steps[s];
  bool isRegion = step.op == "region";
  const KernelDef *kernel = model_->kernel(s);

  // At most a handful of operands: keep them off the heap when possible.
  TensorRef insSmall[8], outsSmall[4];
  std::vector<TensorRef> insLarge, outsLarge;
  TensorRef *ins = insSmall, *outs = outsSmall;
  if (step.inputs.size() > 8) {
    insLarge.resize(step.inputs.size());
    ins = insLarge.data();
  }
  if (step.outputs.size() > 4) {
    outsLarge.resize(step.outputs.size());
    outs = outsLarge.data();
  }
  for (size_t i = 0; i < step.inputs.size(); ++i)
    ins[i] = step.inputs[i] < 0 ? TensorRef() : values_[step.inputs[i]];
  // Outputs start with the plan's dtype and dims (-1 where dynamic): a
  // reshape without a shape operand reads its target from them.
  for (size_t i = 0; i < step.outputs.size(); ++i) {
    const PlanValue &v = plan.values[step.outputs[i]];
    outs[i] = TensorRef();
    outs[i].dtype = v.dtype;
    for (int64_t d : v.dims)
      outs[i].shape.push(d);
  }

  KernelContext ctx(step, ins, int(step.inputs.size()), outs,
                    int(step.outputs.size()));
  ctx.numThreads = numThreads_;
  ctx.setCounters(&counters_);
  DEEPC_RETURN_IF_ERROR(isRegion ? inferRegion(ctx) : kernel->infer(ctx));

  bool allAliases = !step.outputs.empty();
  for (size_t i = 0; i < step.outputs.size(); ++i) {
    DEEPC_RETURN_IF_ERROR(placeOutput(s, step.outputs[i], outs[i]));
    allAliases &= plan.values[step.outputs[i]].aliasOf >= 0;
  }
  // A view's bytes are its source's: there is nothing to compute.
  if (!allAliases)
    DEEPC_RETURN_IF_ERROR(isRegion ? runRegion(s, ctx) : kernel->run(ctx));

  for (size_t i = 0; i < step.outputs.size(); ++i)
    values_[step.outputs[i]] = outs[i];
  return okStatus();
}

Status Session::counter(std::string_view name, int64_t &out) const {
  auto it = counters_.find(name);
  if (it == counters_.end())
    return notFound("no counter named '" + std::string(name) +
                    "': no kernel of this model has reported it");
  out = it->second;
  return okStatus();
}

Status Session::output(size_t index, TensorRef &out) const {
  if (index >= model_->numOutputs())
    return invalidArgument("output index " + std::to_string(index) +
                           " out of range: the model has " +
                           std::to_string(model_->numOutputs()) + " outputs");
  if (!hasRun_)
    return Status(DEEPC_FAILED_PRECONDITION,
                  "no outputs: the session has not run successfully");
  out = values_[model_->plan().outputs[index].value];
  return okStatus();
}

} // namespace deepc::rt
