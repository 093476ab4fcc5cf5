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

#include <optional>
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

//===----------------------------------------------------------------------===//
// Helpers both MoE raisings share
//===----------------------------------------------------------------------===//

/// Whether `value` is a ranked tensor `[?, trailing...]`: any number of
/// tokens (the first dimension, static or not), then `trailing`.
bool hasTrailingShape(Value value, ArrayRef<int64_t> trailing);

/// The value whose elements `value` holds in the same row-major order: the
/// source of a chain of deepc.reshape ops (a reshape never moves an element,
/// so only the shape the caller checks at each end decides what a row is).
Value lookThroughReshapes(Value value);

/// Whether `a` and `b` hold the same tokens in the same order: the same
/// elements (up to reshapes) and the same static last dimension, the hidden
/// size, so that row `t` of one is row `t` of the other.
bool haveSameTokenRows(Value a, Value b);

/// The value of a float or integer splat constant, seen through deepc.expand
/// (which only repeats it).
std::optional<double> getSplatValue(Value value);

/// Matches `out = act(in)` for an activation deepc.moe has (silu as
/// deepc.silu or `x * sigmoid(x)` in either order, gelu, relu) and returns
/// `in`.
Value matchActivation(Value out, Activation &activation);

} // namespace mlir::deepc

#endif // DEEPC_LIB_TRANSFORMS_MOEROUTING_H
