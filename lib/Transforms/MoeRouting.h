//===- MoeRouting.h - match an exported MoE router --------------*- C++ -*-===//
//
// Both exported MoE forms (a gather of stacked expert weights, and the
// unrolled per-expert loop) start from the same router: a matmul against
// the router weight, softmax or sigmoid scores, optionally group-limited
// top-k on bias-corrected scores, renormalization and scaling. This header
// is the contract between the two raising passes: matchMoeRouting() reads
// that router back from the top-k weights and indices the experts consume,
// and buildMoe() creates the deepc.moe from it and the expert weights.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_LIB_TRANSFORMS_MOEROUTING_H
#define DEEPC_LIB_TRANSFORMS_MOEROUTING_H

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::deepc {

/// The router of an MoE layer, as deepc.moe's attributes and operands.
struct MoeRouting {
  /// The tokens the router reads, `[T, H]` (or `[..., H]`).
  Value hidden;
  /// The router weight as found in the graph.
  Value routerWeight;
  /// Whether `routerWeight` is `[H, E]` (x · W) rather than `[E, H]`
  /// (x · Wᵀ); buildMoe() transposes it then.
  bool routerWeightIsInputMajor = false;
  RouterFunction router = RouterFunction::softmax;
  int64_t topK = 0;
  bool renormalize = false;
  int64_t nGroup = 1;
  int64_t topkGroup = 1;
  GroupScore groupScore = GroupScore::top2_sum;
  /// `[E]`, or null.
  Value correctionBias;
  double routedScalingFactor = 1.0;
};

/// Matches the router that produced the routing `weights` and the expert
/// `indices` (`[T, k]` each) that an MoE's experts consume. On failure,
/// `reason` says which part did not match (for --report).
FailureOr<MoeRouting> matchMoeRouting(Value weights, Value indices,
                                      std::string &reason);

/// The expert weights of an MoE layer in deepc.moe's layout (see its
/// description); unset ones are null.
struct MoeExperts {
  Value wGate, wUp, wGateUp, wDown;
  Value gateBias, upBias, gateUpBias, downBias;
  Activation activation = Activation::silu;
  bool gated = true;
  Value sharedGate, sharedUp, sharedDown, sharedExpertGate;
};

/// Creates the deepc.moe computing `routing` with `experts` over
/// `routing.hidden`.
MoeOp buildMoe(OpBuilder &builder, Location loc, const MoeRouting &routing,
               const MoeExperts &experts);

} // namespace mlir::deepc

#endif // DEEPC_LIB_TRANSFORMS_MOEROUTING_H
