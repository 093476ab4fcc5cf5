//===- EpilogueMatch.cpp - matmul epilogues that cuBLASLt fuses -----------===//
//
// The region is read from its root down: an optional activation, then a
// tree of adds whose leaves are the matmul's result and the tensors
// cuBLASLt adds (a bias, a residual). Anything else in the body (a
// multiply, a cast, a second reader of a value) is a region cuBLASLt
// cannot express, and the pair runs as two launches.
//
//===----------------------------------------------------------------------===//

#include "cuda/EpilogueMatch.h"

#include <vector>

namespace deepc::rt::cuda {

std::string GemmEpilogue::describe() const {
  std::string text;
  auto add = [&](const char *part) {
    text += (text.empty() ? "" : "+") + std::string(part);
  };
  if (biasInput >= 0)
    add("bias");
  if (activation == EpilogueActivation::Relu)
    add("relu");
  if (activation == EpilogueActivation::GeluTanh)
    add("gelu_tanh");
  if (residualInput >= 0)
    add("residual");
  return text.empty() ? "none" : text;
}

namespace {

bool isFloatForBlas(DType t) {
  return t == DType::F32 || t == DType::F16 || t == DType::BF16;
}

/// A bias cuBLASLt broadcasts: one value per column of a result whose
/// dims are `result`, i.e. [..., 1, N] with N the result's (static) last
/// dim. A [M, 1] tensor (one value per row) is not one.
bool isColumnBias(const std::vector<int64_t> &dims,
                  const std::vector<int64_t> &result) {
  if (dims.empty() || dims.size() > result.size() || result.back() <= 0 ||
      dims.back() != result.back())
    return false;
  for (size_t i = 0; i + 1 < dims.size(); ++i)
    if (dims[i] != 1)
      return false;
  return true;
}

bool isZeroConstant(const RegionInstr &instr) {
  if (instr.op != "deepc.constant" || !instr.args.empty())
    return false;
  const json::Value *value = instr.attrs.get("value");
  return value && value->isNumber() && value->asDouble() == 0.0;
}

/// Reads one region from the root down; fails with a reason.
class Matcher {
public:
  Matcher(const Plan &plan, const PlanStep &region, int resultInput)
      : plan_(plan), region_(region), numInputs_(int(region.inputs.size())),
        resultInput_(resultInput), dtype_(plan.values[region.outputs[0]].dtype),
        used_(region.body.size(), false) {}

  bool match(GemmEpilogue &out, std::string &why) {
    if (!countUses(why))
      return false;
    int root = numInputs_ + int(region_.body.size()) - 1;
    int sum = root;
    if (!activation(root, out.activation, sum, why))
      return false;
    std::vector<int> leaves;
    if (!addLeaves(sum, leaves, why))
      return false;
    for (size_t k = 0; k < used_.size(); ++k)
      if (!used_[k])
        return fail(why, "instruction " + std::to_string(k) + " (" +
                             region_.body[k].op +
                             ") is not part of the epilogue");
    bool sawResult = false;
    for (int leaf : leaves) {
      if (leaf == resultInput_) {
        sawResult = true;
        continue;
      }
      if (!classify(leaf, out, why))
        return false;
    }
    if (!sawResult)
      return fail(why, "the matmul's result is not one of the summed terms");
    out.resultInput = resultInput_;
    return true;
  }

private:
  static bool fail(std::string &why, std::string text) {
    why = std::move(text);
    return false;
  }

  const RegionInstr *instrOf(int local) const {
    return local >= numInputs_ ? &region_.body[local - numInputs_] : nullptr;
  }

  /// Every value the body defines or reads is used exactly once (the root
  /// by the region's output): cuBLASLt reads each operand once and keeps
  /// no intermediate.
  bool countUses(std::string &why) {
    std::vector<int> uses(numInputs_ + region_.body.size(), 0);
    for (const RegionInstr &instr : region_.body) {
      if (instr.dtype != dtype_ && instr.op != "deepc.constant")
        return fail(why, instr.op + " computes in " + dtypeName(instr.dtype) +
                             ", not the output's " + dtypeName(dtype_));
      for (int arg : instr.args) {
        if (arg < 0 || size_t(arg) >= uses.size())
          return fail(why, "malformed region body");
        ++uses[arg];
      }
    }
    ++uses.back();
    for (size_t local = 0; local < uses.size(); ++local)
      if (uses[local] != 1)
        return fail(why, "region value " + std::to_string(local) + " is read " +
                             std::to_string(uses[local]) + " times, not once");
    return true;
  }

  /// An activation at the root, or none; `sum` is what it applies to.
  bool activation(int root, EpilogueActivation &act, int &sum,
                  std::string &why) {
    const RegionInstr *instr = instrOf(root);
    act = EpilogueActivation::None;
    if (!instr)
      return true;
    if (instr->op == "deepc.relu" && instr->args.size() == 1) {
      act = EpilogueActivation::Relu;
      sum = instr->args[0];
    } else if (instr->op == "deepc.gelu" && instr->args.size() == 1) {
      // cuBLASLt's GELU is the tanh approximation; the exact erf form
      // differs by up to ~1e-3 and must keep its own kernel.
      if (instr->attrs.get("approximation") == nullptr ||
          !instr->attrs.get("approximation")->isString() ||
          instr->attrs.get("approximation")->asString() != "tanh")
        return fail(why, "exact (erf) gelu: cuBLASLt's GELU is the tanh form");
      act = EpilogueActivation::GeluTanh;
      sum = instr->args[0];
    } else if (instr->op == "deepc.max" && instr->args.size() == 2) {
      // relu written as max(x, 0), in either operand order.
      for (int side = 0; side < 2; ++side) {
        const RegionInstr *zero = instrOf(instr->args[side]);
        if (zero && isZeroConstant(*zero)) {
          used_[instr->args[side] - numInputs_] = true;
          act = EpilogueActivation::Relu;
          sum = instr->args[1 - side];
        }
      }
      if (act == EpilogueActivation::None)
        return fail(why, "deepc.max with no constant 0 is no relu");
    } else {
      return true; // no activation: the root is the sum itself
    }
    used_[root - numInputs_] = true;
    return true;
  }

  /// The leaves of the tree of deepc.add rooted at `local`.
  bool addLeaves(int local, std::vector<int> &leaves, std::string &why) {
    const RegionInstr *instr = instrOf(local);
    if (!instr) {
      leaves.push_back(local);
      // The result plus a bias plus a residual, at most.
      if (leaves.size() > 3)
        return fail(why, "the epilogue sums more than a bias and a residual");
      return true;
    }
    if (instr->op != "deepc.add" || instr->args.size() != 2)
      return fail(why, instr->op + " is not an epilogue cuBLASLt fuses");
    used_[local - numInputs_] = true;
    return addLeaves(instr->args[0], leaves, why) &&
           addLeaves(instr->args[1], leaves, why);
  }

  /// A summed region input: the bias or the residual.
  bool classify(int input, GemmEpilogue &out, std::string &why) {
    const PlanValue &value = plan_.values[region_.inputs[input]];
    const std::vector<int64_t> &result =
        plan_.values[region_.inputs[resultInput_]].dims;
    std::string name = "input " + std::to_string(input) +
                       (value.name.empty() ? "" : " ('" + value.name + "')");
    if (value.dtype != dtype_)
      return fail(why, name + " is " + dtypeName(value.dtype) + ", not " +
                           dtypeName(dtype_));
    if (value.dims == result) {
      if (out.residualInput >= 0)
        return fail(why, "two residuals");
      out.residualInput = input;
      return true;
    }
    if (isColumnBias(value.dims, result)) {
      if (out.biasInput >= 0)
        return fail(why, "two biases");
      out.biasInput = input;
      return true;
    }
    return fail(why, name + " is broadcast other than as a bias along the "
                            "result's last dim");
  }

  const Plan &plan_;
  const PlanStep &region_;
  int numInputs_;
  int resultInput_;
  DType dtype_;
  /// Body instructions that belong to the epilogue.
  std::vector<bool> used_;
};

} // namespace

bool matchGemmEpilogue(const Plan &plan, size_t producer, GemmEpilogue &out,
                       std::string *whyNot) {
  std::string why;
  auto fail = [&](std::string text) {
    if (whyNot)
      *whyNot = std::move(text);
    return false;
  };
  out = GemmEpilogue();
  if (producer + 1 >= plan.steps.size())
    return fail("no region follows the step");
  const PlanStep &step = plan.steps[producer];
  const PlanStep &region = plan.steps[producer + 1];
  if (step.op != "deepc.matmul")
    return fail(step.op + " has no cuBLASLt epilogue");
  if (!step.epilogue || step.outputs.size() != 1)
    return fail("the step has no epilogue");
  if (region.op != "region" || region.outputs.size() != 1 ||
      region.body.empty())
    return fail("the next step is no region");
  int result = step.outputs[0];
  int resultInput = -1;
  for (size_t i = 0; i < region.inputs.size(); ++i)
    if (region.inputs[i] == result) {
      if (resultInput >= 0)
        return fail("the region lists the result twice");
      resultInput = int(i);
    }
  if (resultInput < 0)
    return fail("the region does not read the matmul's result");
  const PlanValue &resultValue = plan.values[result];
  const PlanValue &output = plan.values[region.outputs[0]];
  if (!isFloatForBlas(output.dtype) || resultValue.dtype != output.dtype)
    return fail("the region turns the " +
                std::string(dtypeName(resultValue.dtype)) + " result into " +
                dtypeName(output.dtype));
  if (resultValue.dims.size() < 2 || output.dims != resultValue.dims)
    return fail("the region's output does not have the result's dims");
  if (!Matcher(plan, region, resultInput).match(out, why)) {
    out = GemmEpilogue();
    return fail(why);
  }
  return true;
}

bool epilogueShapesFit(const GemmEpilogue &epilogue, const Shape &result,
                       const Shape &output, const Shape &bias,
                       const Shape &residual) {
  if (result.rank < 2 || !(output == result))
    return false;
  if (epilogue.residualInput >= 0 && !(residual == result))
    return false;
  if (epilogue.biasInput >= 0) {
    if (bias.rank < 1 || bias.rank > result.rank ||
        bias[bias.rank - 1] != result[result.rank - 1])
      return false;
    for (int i = 0; i + 1 < bias.rank; ++i)
      if (bias[i] != 1)
        return false;
  }
  return true;
}

} // namespace deepc::rt::cuda
