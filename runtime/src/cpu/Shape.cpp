//===- Shape.cpp - reshape, shape_of, expand, range and nonzero -----------===//
//
// The ops whose output shape is computed rather than copied. Two of them
// read the static dims of their result type, which attributes do not carry:
// reshape and expand without a `shape` operand. The executor presets
// ctx.output(0).shape from the result's PlanValue::dims before infer()
// (-1 for a dynamic dim, the rank being the result's), and these kernels
// resolve the -1s: reshape from the element count, expand from the input.
//
//===----------------------------------------------------------------------===//

#include "cpu/CpuKernels.h"
#include "cpu/StridedCopy.h"

#include <cmath>
#include <cstring>

namespace deepc::rt::cpu {
namespace {

/// Reads a 1-D i64 (or i32) operand holding dims into `out`.
Status readDims(KernelContext &ctx, int operand, Shape &out) {
  const TensorRef &t = ctx.input(operand);
  if (t.shape.rank != 1 || (t.dtype != DType::I64 && t.dtype != DType::I32))
    return ctx.error(std::string("the shape operand must be a 1-D i64 "
                                 "tensor, got ") +
                     dtypeName(t.dtype) + " " + t.shape.str());
  if (t.shape.dims[0] > kMaxRank)
    return ctx.error("the shape operand has " + std::to_string(t.shape[0]) +
                     " entries, more than the maximum rank");
  out = Shape();
  for (int64_t i = 0; i < t.shape.dims[0]; ++i)
    out.push(loadAsInt64(t.data, t.dtype, i));
  return okStatus();
}

//===----------------------------------------------------------------------===//
// reshape
//===----------------------------------------------------------------------===//

Status reshapeInfer(KernelContext &ctx) {
  const TensorRef &input = ctx.input(0);
  Shape target;
  if (ctx.hasInput(1)) {
    if (!ctx.hasValues(1))
      return ctx.valuesUnknown(1);
    DEEPC_RETURN_IF_ERROR(readDims(ctx, 1, target));
  } else {
    target = ctx.output(0).shape;
  }
  // At most one -1, resolved from the element count. The legalizer gives
  // exact extents, so 0 is a zero-sized dim, not ONNX's "copy the input".
  int inferred = -1;
  int64_t known = 1;
  for (int d = 0; d < target.rank; ++d) {
    if (target.dims[d] == -1 && inferred < 0) {
      inferred = d;
      continue;
    }
    if (target.dims[d] < 0)
      return ctx.error("cannot reshape " + input.shape.str() + " into " +
                       target.str() + ": a dim is negative");
    known *= target.dims[d];
  }
  int64_t numel = input.numel();
  if (inferred >= 0) {
    if (known == 0 || numel % known != 0)
      return ctx.error("cannot reshape " + input.shape.str() + " into " +
                       target.str() + ": the element counts do not divide");
    target.dims[inferred] = numel / known;
  } else if (known != numel) {
    if (!ctx.hasInput(1) && target.rank == 0)
      return ctx.error("cannot reshape " + input.shape.str() +
                       " without the result dims: the executor must preset "
                       "the output shape from the result's PlanValue::dims");
    return ctx.error("cannot reshape " + std::to_string(numel) + " elements " +
                     input.shape.str() + " into " + target.str());
  }
  ctx.output(0).shape = target;
  return okStatus();
}

Status reshapeRun(KernelContext &ctx) {
  const TensorRef &input = ctx.input(0);
  // A reshape the planner aliased to its input has nothing to move.
  if (ctx.output(0).data != input.data)
    std::memcpy(ctx.output(0).data, input.data, input.bytes());
  return okStatus();
}

//===----------------------------------------------------------------------===//
// shape_of
//===----------------------------------------------------------------------===//

Status shapeOfInfer(KernelContext &ctx) {
  ctx.output(0).shape = Shape{ctx.input(0).shape.rank};
  return okStatus();
}

Status shapeOfRun(KernelContext &ctx) {
  const Shape &shape = ctx.input(0).shape;
  TensorRef &out = ctx.output(0);
  for (int d = 0; d < shape.rank; ++d)
    storeFromInt64(out.data, out.dtype, d, shape.dims[d]);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// expand
//===----------------------------------------------------------------------===//

Status expandInfer(KernelContext &ctx) {
  const Shape &input = ctx.input(0).shape;
  Shape out;
  if (ctx.hasInput(1)) {
    if (!ctx.hasValues(1))
      return ctx.valuesUnknown(1);
    Shape target;
    DEEPC_RETURN_IF_ERROR(readDims(ctx, 1, target));
    // ONNX Expand broadcasts both ways: a 1 in `shape` keeps the input dim.
    if (!broadcastShapes(input, target, out))
      return ctx.error("input of shape " + input.str() +
                       " does not broadcast with " + target.str());
  } else {
    // Dynamic result dims keep the input's extent.
    out = ctx.output(0).shape;
    if (out.rank < input.rank)
      return ctx.error("cannot expand " + input.str() + " to rank " +
                       std::to_string(out.rank));
    for (int d = 0; d < out.rank; ++d) {
      int id = d - (out.rank - input.rank);
      if (out.dims[d] < 0)
        out.dims[d] = id >= 0 ? input.dims[id] : 1;
    }
    for (int d = 0; d < input.rank; ++d) {
      int64_t in = input.dims[d], to = out.dims[d + out.rank - input.rank];
      if (in != to && in != 1)
        return ctx.error("input of shape " + input.str() +
                         " does not broadcast to " + out.str());
    }
  }
  ctx.output(0).shape = out;
  return okStatus();
}

Status expandRun(KernelContext &ctx) {
  const TensorRef &input = ctx.input(0);
  TensorRef &out = ctx.output(0);
  int64_t strides[kMaxRank];
  broadcastStrides(input.shape, out.shape, strides);
  stridedCopy(input.data, strides, out.shape, dtypeSize(input.dtype), out.data);
  return okStatus();
}

//===----------------------------------------------------------------------===//
// range
//===----------------------------------------------------------------------===//

/// max(0, ceil((limit - start) / delta)) for the three rank-0 operands.
Status rangeLength(KernelContext &ctx, int64_t &length) {
  for (int i = 0; i < 3; ++i) {
    if (ctx.input(i).numel() != 1)
      return ctx.error("start, limit and delta must hold one element, "
                       "operand " +
                       std::to_string(i) + " has shape " +
                       ctx.input(i).shape.str());
    if (ctx.input(i).dtype != ctx.input(0).dtype)
      return ctx.error("start, limit and delta must have the same dtype");
  }
  DType t = ctx.input(0).dtype;
  if (isFloat(t)) {
    double start = loadAsDouble(ctx.input(0).data, t, 0);
    double limit = loadAsDouble(ctx.input(1).data, t, 0);
    double delta = loadAsDouble(ctx.input(2).data, t, 0);
    if (delta == 0)
      return ctx.error("delta is 0");
    double n = std::ceil((limit - start) / delta);
    if (!(n < 9.0e18))
      return ctx.error("the range from " + std::to_string(start) + " to " +
                       std::to_string(limit) + " by " + std::to_string(delta) +
                       " is too long");
    length = n > 0 ? int64_t(n) : 0;
    return okStatus();
  }
  int64_t start = loadAsInt64(ctx.input(0).data, t, 0);
  int64_t limit = loadAsInt64(ctx.input(1).data, t, 0);
  int64_t delta = loadAsInt64(ctx.input(2).data, t, 0);
  if (delta == 0)
    return ctx.error("delta is 0");
  // Exact ceil division in 128 bits, so extreme bounds cannot overflow.
  __int128 span = __int128(limit) - start;
  __int128 n = span / delta;
  if (n * delta != span && ((span > 0) == (delta > 0)))
    ++n;
  length = n > 0 ? int64_t(n) : 0;
  return okStatus();
}

Status rangeInfer(KernelContext &ctx) {
  for (int i = 0; i < 3; ++i)
    if (!ctx.hasValues(i))
      return ctx.valuesUnknown(i);
  int64_t length;
  DEEPC_RETURN_IF_ERROR(rangeLength(ctx, length));
  ctx.output(0).shape = Shape{length};
  return okStatus();
}

Status rangeRun(KernelContext &ctx) {
  int64_t length;
  DEEPC_RETURN_IF_ERROR(rangeLength(ctx, length));
  TensorRef &out = ctx.output(0);
  DType t = ctx.input(0).dtype;
  if (t == DType::F32) {
    // Accumulate in float, as the ONNX reference and onnxruntime do.
    float v = ctx.input(0).as<const float>()[0];
    float delta = ctx.input(2).as<const float>()[0];
    for (int64_t i = 0; i < length; ++i, v += delta)
      out.as<float>()[i] = v;
  } else if (isFloat(t)) {
    // 16-bit accumulation would drift; step in double and round once.
    double start = loadAsDouble(ctx.input(0).data, t, 0);
    double delta = loadAsDouble(ctx.input(2).data, t, 0);
    for (int64_t i = 0; i < length; ++i)
      storeFromDouble(out.data, out.dtype, i, start + double(i) * delta);
  } else {
    uint64_t start = uint64_t(loadAsInt64(ctx.input(0).data, t, 0));
    uint64_t delta = uint64_t(loadAsInt64(ctx.input(2).data, t, 0));
    for (int64_t i = 0; i < length; ++i)
      storeFromInt64(out.data, out.dtype, i,
                     int64_t(start + uint64_t(i) * delta));
  }
  return okStatus();
}

//===----------------------------------------------------------------------===//
// nonzero
//===----------------------------------------------------------------------===//

/// The coordinates need at least one row: ONNX gives a scalar input a
/// [1, n] result (of zeros).
int nonZeroRows(const Shape &input) { return input.rank > 0 ? input.rank : 1; }

Status nonZeroInfer(KernelContext &ctx) {
  const Shape &input = ctx.input(0).shape;
  // The upper bound; run() sets the real count.
  ctx.output(0).shape = Shape{nonZeroRows(input), input.numel()};
  return okStatus();
}

bool isNonZero(const TensorRef &t, int64_t i) {
  switch (t.dtype) {
  case DType::F32:
    return t.as<const float>()[i] != 0.0f;
  case DType::Bool:
  case DType::I4:
  case DType::I8:
    return t.as<const uint8_t>()[i] != 0;
  case DType::I32:
    return t.as<const int32_t>()[i] != 0;
  case DType::I64:
    return t.as<const int64_t>()[i] != 0;
  default: // -0.0 is zero, NaN is not
    return loadAsDouble(t.data, t.dtype, i) != 0.0;
  }
}

Status nonZeroRun(KernelContext &ctx) {
  const TensorRef &input = ctx.input(0);
  int64_t numel = input.numel();
  int64_t count = 0;
  for (int64_t i = 0; i < numel; ++i)
    count += isNonZero(input, i);
  TensorRef &out = ctx.output(0);
  out.shape = Shape{nonZeroRows(input.shape), count};
  int64_t *coords = out.as<int64_t>();
  if (input.shape.rank == 0) {
    if (count)
      coords[0] = 0;
    return okStatus();
  }
  int64_t strides[kMaxRank];
  contiguousStrides(input.shape, strides);
  for (int64_t i = 0, c = 0; i < numel; ++i) {
    if (!isNonZero(input, i))
      continue;
    for (int d = 0; d < input.shape.rank; ++d)
      coords[d * count + c] = (i / strides[d]) % input.shape.dims[d];
    ++c;
  }
  return okStatus();
}

} // namespace

void registerShapeKernels(KernelRegistry &registry) {
  registry.add("deepc.reshape", {reshapeInfer, reshapeRun});
  KernelDef shapeOf{shapeOfInfer, shapeOfRun};
  shapeOf.readsShapesOnly = true;
  registry.add("deepc.shape_of", shapeOf);
  registry.add("deepc.expand", {expandInfer, expandRun});
  registry.add("deepc.range", {rangeInfer, rangeRun});
  KernelDef nonZero{nonZeroInfer, nonZeroRun};
  nonZero.dataDependentShape = true;
  registry.add("deepc.nonzero", nonZero);
}

} // namespace deepc::rt::cpu
