//===- Plan.h - the target-neutral execution plan ---------------*- C++ -*-===//
//
// A compiled model is a plan: tensor values (inputs, weights, temporaries),
// the steps that compute them in order, and a static memory plan that gives
// every bounded temporary a slot in one arena. The compiler (lib/Codegen)
// builds it from the deepc dialect; every target (CPU now, CUDA later)
// executes the same plan with its own kernels and its own compiled code for
// the `region` steps. plan.json is its serialization; docs/Artifact.md is
// the reference for the format.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_RT_PLAN_H
#define DEEPC_RT_PLAN_H

#include "deepc/rt/DType.h"
#include "deepc/rt/Json.h"
#include "deepc/rt/Status.h"
#include "deepc/rt/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deepc::rt {

constexpr int kPlanFormatVersion = 1;
/// Arena slots and weights are aligned to this many bytes.
constexpr uint64_t kBufferAlignment = 64;

enum class ValueKind {
  Input,    ///< bound by the caller (deepc_session_bind_input)
  Constant, ///< bytes in weights.bin at weightsOffset
  Temp,     ///< produced by a step; lives in the arena or, when dynamic, in
            ///< memory allocated at run time
};

struct PlanValue {
  DType dtype = DType::Invalid;
  /// Static dims, -1 where the dim is only known at run time.
  std::vector<int64_t> dims;
  ValueKind kind = ValueKind::Temp;
  /// Constants: where the bytes are in weights.bin.
  uint64_t weightsOffset = 0;
  /// Temps: the arena slot, or `dynamic` when no bound is known at compile
  /// time (a data-dependent size); `capacity` is the slot's size in bytes.
  uint64_t arenaOffset = 0;
  uint64_t capacity = 0;
  bool dynamic = false;
  /// >= 0: this value is a view of value `aliasOf`'s buffer (a reshape),
  /// not a slot of its own.
  int aliasOf = -1;
  /// For messages: the SSA name or source location that made it.
  std::string name;
};

/// One instruction of a region's body (see PlanStep::body).
struct RegionInstr {
  std::string op;               ///< an elementwise deepc op, e.g. "deepc.add"
  std::vector<int> args;        ///< region-local value numbers
  DType dtype = DType::Invalid; ///< element type of the result
  json::Value attrs = json::Value::object();
};

struct PlanStep {
  /// A deepc op name ("deepc.matmul") run by the target's kernel for it, or
  /// "region": a fused elementwise computation (see `body`).
  std::string op;
  /// Value ids, in the op's operand order. An absent optional operand is -1,
  /// so kernels index operands by their position in the op's definition.
  std::vector<int> inputs;
  std::vector<int> outputs;
  /// The op's attributes: integers as Int, floats as Double, booleans and
  /// unit attributes as Bool, strings and enum cases as String ("softmax"),
  /// integer and float arrays as Arrays.
  json::Value attrs = json::Value::object();
  /// Where the op came from (the ONNX node name when known), for messages.
  std::string loc;

  /// Regions only. Region-local values 0..inputs.size()-1 are the inputs;
  /// body instruction k defines value inputs.size()+k; the last instruction
  /// is the single output, whose shape is the broadcast of all input shapes.
  std::vector<RegionInstr> body;
  /// The compiled function implementing the region in the artifact's code
  /// library (see RegionAbi.h); empty when the target interprets it.
  std::string symbol;

  /// Steps of an epilogue producer (isEpilogueProducer: a matmul, a norm,
  /// a rotary) only: the next step is the only reader of this step's
  /// result: a region reading it elementwise at the result's own index (an
  /// epilogue: a bias or residual add, SwiGLU's silu(g) * u, a quantize
  /// after a norm), or a norm or rotary reading it as its input 0, which
  /// may have an epilogue in turn (norm, rotary, quantize). The chain runs
  /// as one: the CPU applies each next step to each row block of the
  /// result right after computing it, while it is in cache. The result is
  /// then a dynamic value with no arena slot; a target that runs the steps
  /// one after the other allocates it as any dynamic value.
  bool epilogue = false;
};

/// Whether steps of `op` may have an epilogue: the GEMM, and the ops that
/// compute their result row by row over the last dimension (KernelDef::
/// rowWise), so that it can be made one block of rows at a time.
inline bool isEpilogueProducer(const std::string &op) {
  return op == "deepc.matmul" || op == "deepc.rms_norm" ||
         op == "deepc.layer_norm" || op == "deepc.rotary";
}

struct PlanIO {
  std::string name; ///< the ONNX graph input or output name
  int value = -1;   ///< its value id
  /// Per dim: the symbol name of a symbolic dim ("batch"), "" for a static
  /// dim. Outputs may have dims with no name when no input determines them.
  std::vector<std::string> dimNames;
};

struct Plan {
  std::string target = "cpu";
  std::vector<PlanValue> values;
  std::vector<PlanStep> steps;
  std::vector<PlanIO> inputs;
  std::vector<PlanIO> outputs;
  /// The largest value each symbolic input dim may take at run time.
  std::map<std::string, int64_t> dimBounds;
  uint64_t arenaBytes = 0;
  uint64_t weightsBytes = 0;
  /// File name (in the artifact) of the compiled regions; "" when none.
  std::string codeLibrary;
};

/// The last step of the epilogue chain that starts at step `head` (`head`
/// itself when it has no epilogue): every step with `epilogue` runs with
/// the one after it.
inline size_t epilogueChainEnd(const Plan &plan, size_t head) {
  size_t last = head;
  while (plan.steps[last].epilogue && last + 1 < plan.steps.size())
    ++last;
  return last;
}

json::Value planToJson(const Plan &plan);
/// Reads and validates a plan: every value id in range, steps only reading
/// values defined before them, arena slots inside arenaBytes, constants
/// inside weightsBytes, region bodies well-formed. Errors name the step.
Status planFromJson(const json::Value &json, Plan &plan);

} // namespace deepc::rt

#endif // DEEPC_RT_PLAN_H
