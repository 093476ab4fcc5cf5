//===- Executor.cpp - memory planning: capacities and arena offsets -------===//
//
// computeCapacities runs the plan symbolically at the maximum dims: each
// step's shape function gives its outputs' sizes at the bounds, and the
// small integer computations that shapes depend on (shape_of, range,
// concat of dims, ...) are executed for real so that later shape functions
// see their values. assignArenaOffsets then packs the bounded temporaries
// into one arena by liveness.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Executor.h"

#include <algorithm>

namespace deepc::rt {

namespace {

/// Integer tensors at most this large are computed at compile time, so that
/// shapes computed from shapes are known; bigger ones are data, not shapes.
constexpr int64_t kMaxShapeTensorElements = 4096;

/// What the planner knows about a value at the bounds.
struct PlannedValue {
  bool shapeKnown = false;
  TensorRef ref; // data is null unless the values are known
};

Shape shapeFromDims(const std::vector<int64_t> &dims) {
  Shape s;
  for (int64_t d : dims)
    s.push(d);
  return s;
}

bool isShapeTensor(const TensorRef &t) {
  return isInteger(t.dtype) && t.numel() <= kMaxShapeTensorElements;
}

class CapacityPlanner {
public:
  CapacityPlanner(Plan &plan, const std::vector<const void *> &constantData,
                  const KernelRegistry &kernels)
      : plan_(plan), kernels_(kernels), values_(plan.values.size()) {
    for (size_t id = 0; id < plan.values.size(); ++id) {
      const PlanValue &v = plan.values[id];
      if (v.kind == ValueKind::Constant) {
        values_[id].shapeKnown = true;
        values_[id].ref.dtype = v.dtype;
        values_[id].ref.shape = shapeFromDims(v.dims);
        if (id < constantData.size())
          values_[id].ref.data = const_cast<void *>(constantData[id]);
      }
    }
    for (const PlanIO &io : plan.inputs) {
      if (io.value < 0 || size_t(io.value) >= plan.values.size())
        continue;
      const PlanValue &v = plan.values[io.value];
      PlannedValue &pv = values_[io.value];
      pv.shapeKnown = true;
      pv.ref.dtype = v.dtype;
      for (size_t d = 0; d < v.dims.size(); ++d) {
        int64_t dim = v.dims[d];
        if (dim < 0) {
          auto it = d < io.dimNames.size() ? plan.dimBounds.find(io.dimNames[d])
                                           : plan.dimBounds.end();
          if (it == plan.dimBounds.end()) {
            pv.shapeKnown = false;
            break;
          }
          dim = it->second;
        }
        pv.ref.shape.push(dim);
      }
    }
  }

  void planStep(const PlanStep &step) {
    bool isRegion = step.op == "region";
    const KernelDef *kernel = isRegion ? nullptr : kernels_.lookup(step.op);

    std::vector<TensorRef> ins(step.inputs.size()), outs(step.outputs.size());
    bool allInputsHaveValues = true;
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      int id = step.inputs[i];
      if (id < 0)
        continue; // absent optional operand: dtype Invalid
      if (!values_[id].shapeKnown)
        return markDynamic(step);
      ins[i] = values_[id].ref;
      allInputsHaveValues &= ins[i].data != nullptr;
    }
    // As at run time, outputs start with the plan's dtype and dims.
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      outs[i].dtype = plan_.values[step.outputs[i]].dtype;
      outs[i].shape = shapeFromDims(plan_.values[step.outputs[i]].dims);
    }

    KernelContext ctx(step, ins.data(), int(ins.size()), outs.data(),
                      int(outs.size()));
    if (!isRegion && (!kernel || !kernel->infer))
      return markDynamic(step);
    Status inferred = isRegion ? inferRegion(ctx) : kernel->infer(ctx);
    // Anything infer() cannot answer at the bounds (values it needs, or a
    // shape it rejects only at the extremes) is sized at run time instead.
    if (!inferred.ok())
      return markDynamic(step);

    bool allAliases = true, allShapeTensors = true;
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      PlanValue &v = plan_.values[step.outputs[i]];
      v.capacity = outs[i].bytes();
      v.dynamic = false;
      values_[step.outputs[i]].shapeKnown = true;
      values_[step.outputs[i]].ref = outs[i];
      values_[step.outputs[i]].ref.data = nullptr;
      allAliases &= v.aliasOf >= 0;
      allShapeTensors &= isShapeTensor(outs[i]);
    }

    // A view has its source's values, whatever their size.
    if (allAliases) {
      for (size_t i = 0; i < step.outputs.size(); ++i)
        values_[step.outputs[i]].ref.data =
            valuesOf(plan_.values[step.outputs[i]].aliasOf, outs[i]);
      return;
    }

    bool readsShapesOnly = kernel && kernel->readsShapesOnly;
    if (!allShapeTensors || !(allInputsHaveValues || readsShapesOnly))
      return;
    if (!isRegion && !kernel->run)
      return;
    for (size_t i = 0; i < outs.size(); ++i) {
      storage_.emplace_back(outs[i].bytes() + 1);
      outs[i].data = storage_.back().data();
    }
    Status ran = isRegion ? interpretRegion(ctx) : kernel->run(ctx);
    if (!ran.ok())
      return; // the sizes stand; only the values stay unknown
    for (size_t i = 0; i < step.outputs.size(); ++i)
      values_[step.outputs[i]].ref = outs[i];
  }

private:
  /// The values of `source` when they are known and have the same size as
  /// the view `view`.
  void *valuesOf(int source, const TensorRef &view) {
    if (source < 0 || size_t(source) >= values_.size())
      return nullptr;
    const TensorRef &src = values_[source].ref;
    if (!src.data || src.bytes() != view.bytes())
      return nullptr;
    return src.data;
  }

  void markDynamic(const PlanStep &step) {
    for (int id : step.outputs) {
      PlanValue &v = plan_.values[id];
      v.dynamic = v.aliasOf < 0;
      v.capacity = 0;
      values_[id] = PlannedValue();
    }
  }

  Plan &plan_;
  const KernelRegistry &kernels_;
  std::vector<PlannedValue> values_;
  /// Buffers of the values computed at compile time.
  std::vector<std::vector<unsigned char>> storage_;
};

/// The value whose buffer `id` uses: itself, or the end of its alias chain.
int storageRoot(const Plan &plan, int id) {
  for (size_t hops = 0; hops <= plan.values.size(); ++hops) {
    int next = plan.values[id].aliasOf;
    if (next < 0)
      return id;
    id = next;
  }
  return id; // a cycle; planFromJson refuses those plans
}

uint64_t alignUp(uint64_t x) {
  return (x + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

} // namespace

Status computeCapacities(Plan &plan,
                         const std::vector<const void *> &constantData,
                         const KernelRegistry &kernels) {
  CapacityPlanner planner(plan, constantData, kernels);
  for (const PlanStep &step : plan.steps)
    planner.planStep(step);
  // A matmul's epilogue consumes the result block by block as it is made:
  // the whole result never exists, so it gets no arena slot. Dynamic, it is
  // still allocated at run time where the pair runs unfused.
  for (const PlanStep &step : plan.steps)
    if (step.epilogue)
      for (int id : step.outputs) {
        plan.values[id].dynamic = true;
        plan.values[id].capacity = 0;
      }
  return okStatus();
}

void assignArenaOffsets(Plan &plan) {
  size_t n = plan.values.size();
  const int64_t kNever = -1;
  std::vector<int64_t> first(n, kNever), last(n, kNever);
  // The steps of an epilogue chain (PlanStep::epilogue) run interleaved,
  // block by block: each of their operands and results is in use from the
  // chain's first step to its last, so that no result takes the slot of
  // an operand another block still reads.
  for (size_t head = 0; head < plan.steps.size();) {
    size_t end = epilogueChainEnd(plan, head);
    for (size_t s = head; s <= end; ++s) {
      const PlanStep &step = plan.steps[s];
      for (int id : step.outputs) {
        int root = storageRoot(plan, id);
        if (first[root] == kNever)
          first[root] = int64_t(head);
        last[root] = std::max(last[root], int64_t(end));
      }
      for (int id : step.inputs) {
        if (id < 0)
          continue;
        int root = storageRoot(plan, id);
        last[root] = std::max(last[root], int64_t(end));
      }
    }
    head = end + 1;
  }
  // Outputs are read by the caller after the last step.
  for (const PlanIO &io : plan.outputs)
    if (io.value >= 0 && size_t(io.value) < n)
      last[storageRoot(plan, io.value)] = int64_t(plan.steps.size());

  std::vector<int> slots;
  for (size_t id = 0; id < n; ++id) {
    PlanValue &v = plan.values[id];
    v.arenaOffset = 0;
    if (v.kind == ValueKind::Temp && v.aliasOf < 0 && !v.dynamic &&
        v.capacity > 0 && first[id] != kNever)
      slots.push_back(int(id));
  }
  std::stable_sort(slots.begin(), slots.end(), [&](int a, int b) {
    return plan.values[a].capacity > plan.values[b].capacity;
  });

  struct Placed {
    uint64_t offset, size;
    int64_t first, last;
  };
  std::vector<Placed> placed;
  uint64_t arenaBytes = 0;
  for (int id : slots) {
    uint64_t size = alignUp(plan.values[id].capacity);
    std::vector<const Placed *> live;
    for (const Placed &p : placed)
      if (p.first <= last[id] && first[id] <= p.last)
        live.push_back(&p);
    std::sort(live.begin(), live.end(), [](const Placed *a, const Placed *b) {
      return a->offset < b->offset;
    });
    // The lowest gap among the time-overlapping slots that fits.
    uint64_t offset = 0;
    for (const Placed *p : live) {
      if (offset + size <= p->offset)
        break;
      offset = std::max(offset, p->offset + p->size);
    }
    plan.values[id].arenaOffset = offset;
    placed.push_back({offset, size, first[id], last[id]});
    arenaBytes = std::max(arenaBytes, offset + size);
  }
  plan.arenaBytes = arenaBytes;
}

} // namespace deepc::rt
