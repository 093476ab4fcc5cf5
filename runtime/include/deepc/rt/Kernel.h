//===- Kernel.h - the contract between the executor and kernels -*- C++ -*-===//
//
// Every deepc op a target can run has a KernelDef: a shape function (infer)
// and an implementation (run). The executor calls infer() with the actual
// input shapes, checks the output sizes against the memory plan, points the
// outputs at their buffers and calls run(). The compiler calls the same
// infer() at the compile-time maximum dims to size the memory plan, so the
// shape semantics are written once.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_KERNEL_H
#define DEEPC_RT_KERNEL_H

#include "deepc/rt/Json.h"
#include "deepc/rt/Plan.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/Tensor.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace deepc::rt {

/// Named run statistics that kernels add to (e.g. "moe.dropped_tokens"),
/// keyed by name; std::less<> looks names up without building a string.
using CounterTable = std::map<std::string, int64_t, std::less<>>;

/// Typed access to a step's attributes (PlanStep::attrs).
class Attrs {
public:
  explicit Attrs(const json::Value &object) : object_(object) {}
  bool has(const char *name) const { return object_.get(name) != nullptr; }
  int64_t getInt(const char *name, int64_t dflt = 0) const;
  double getFloat(const char *name, double dflt = 0) const;
  bool getBool(const char *name, bool dflt = false) const;
  std::string getString(const char *name, const std::string &dflt = "") const;
  std::vector<int64_t> getInts(const char *name) const;
  std::vector<double> getFloats(const char *name) const;

private:
  const json::Value &object_;
};

class KernelContext {
public:
  KernelContext(const PlanStep &step, TensorRef *inputs, int numInputs,
                TensorRef *outputs, int numOutputs)
      : step_(step), attrs_(step.attrs), inputs_(inputs), numInputs_(numInputs),
        outputs_(outputs), numOutputs_(numOutputs) {}

  const PlanStep &step() const { return step_; }
  const Attrs &attrs() const { return attrs_; }

  int numInputs() const { return numInputs_; }
  int numOutputs() const { return numOutputs_; }
  /// Input i; an absent optional operand has dtype Invalid and null data.
  TensorRef &input(int i) { return inputs_[i]; }
  bool hasInput(int i) const {
    return i < numInputs_ && inputs_[i].dtype != DType::Invalid;
  }
  /// Output i: dtype preset from the plan; infer() sets the shape; run()
  /// finds `data` pointing at a buffer of at least that shape's size.
  TensorRef &output(int i) { return outputs_[i]; }

  /// For infer(): whether input i's values are known (always at run time;
  /// at compile time only for constants and small integer shape math).
  bool hasValues(int i) const { return hasInput(i) && inputs_[i].data; }
  /// What infer() returns when it needs the values of an input that are not
  /// known: the planner then sizes the outputs at run time.
  Status valuesUnknown(int i) const;

  /// A failed Status whose message names the op and its location:
  /// "deepc.matmul (node 'MatMul_3'): <message>".
  Status error(const std::string &message) const;

  /// Threads the kernel may use (OpenMP); 0 means the default.
  int numThreads = 0;

  /// Row-wise kernels (KernelDef::rowWise) run on one block of rows: input
  /// 0 and output 0 then hold only rows [rowBegin, rowBegin + their row
  /// count) of tensors of shape `*fullShape` (flattened to [rows, last
  /// dim]), and the other inputs are whole. Null when run on everything.
  const Shape *fullShape = nullptr;
  int64_t rowBegin = 0;

  /// Scratch memory for run(), valid until run() returns. Null when out of
  /// memory (return resourceExhausted then).
  void *scratch(size_t bytes);

  /// Adds `n` to the run statistic `name`, creating it at 0 first. Ignored
  /// when no table is attached (at compile time, in kernel tests). Not
  /// thread-safe: call it from the thread that called run(), outside any
  /// parallel region.
  void addCounter(const char *name, int64_t n);
  /// Where addCounter() adds; the session attaches its table, which must
  /// outlive the context. Null detaches.
  void setCounters(CounterTable *counters) { counters_ = counters; }

private:
  const PlanStep &step_;
  Attrs attrs_;
  TensorRef *inputs_;
  int numInputs_;
  TensorRef *outputs_;
  int numOutputs_;
  std::vector<std::vector<unsigned char>> scratch_;
  CounterTable *counters_ = nullptr;
};

struct KernelDef {
  /// Sets every output's shape from the inputs' shapes (and values, when an
  /// output's shape depends on them); checks operand shapes and dtypes and
  /// returns ctx.error(...) when they are wrong. Must not touch output data.
  Status (*infer)(KernelContext &ctx) = nullptr;
  /// Computes the outputs. Inputs and outputs never overlap.
  Status (*run)(KernelContext &ctx) = nullptr;
  /// run() may set output shapes smaller than infer()'s (e.g. nonzero, whose
  /// infer() gives the upper bound).
  bool dataDependentShape = false;
  /// run() reads only the inputs' shapes, never their data (shape_of), so it
  /// can run at compile time on inputs whose values are unknown.
  bool readsShapesOnly = false;
  /// Output 0 has input 0's shape and its row r (of [rows, last dim])
  /// depends only on row r of input 0 and on the other inputs: run() can
  /// compute a block of rows (KernelContext::fullShape), as an epilogue's
  /// producer does.
  bool rowWise = false;
};

/// Op name → kernel, for one target.
class KernelRegistry {
public:
  void add(const std::string &op, KernelDef def) { kernels_[op] = def; }
  const KernelDef *lookup(const std::string &op) const {
    auto it = kernels_.find(op);
    return it == kernels_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, KernelDef> &all() const { return kernels_; }

private:
  std::map<std::string, KernelDef> kernels_;
};

/// The CPU kernels: every deepc op except the elementwise ones (which run
/// inside regions). Each kernels/*.cpp file contributes one function.
const KernelRegistry &cpuKernels();

/// Shape function of a region: the broadcast of its inputs.
Status inferRegion(KernelContext &ctx);
/// Evaluates a region's body element by element (in double for float
/// results, int64 for integer ones, rounding to the result dtype after every
/// instruction). Used where no compiled code exists: while planning at
/// compile time and as the reference for generated code in tests.
Status interpretRegion(KernelContext &ctx);

} // namespace deepc::rt

#endif // DEEPC_RT_KERNEL_H
