//===- KernelTestUtil.h - tensors and CPU kernel runs for tests -*- C++ -*-===//
//
// What the kernel tests of both backends build their cases from: tensors
// that own their bytes, made from values or at random, and one run of a
// CPU kernel through its KernelDef (infer, allocate the results, run), as
// the executor does it. Header-only, with no CUDA include, so that the
// GoogleTest sources and the .cu GPU tests share it.
//
//===----------------------------------------------------------------------===//

#ifndef DEEPC_UNITTESTS_KERNELTESTUTIL_H
#define DEEPC_UNITTESTS_KERNELTESTUTIL_H

#include "deepc/rt/Kernel.h"

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace deepc::test {

using namespace deepc::rt;

/// A tensor that owns its bytes; dtype Invalid stands for an absent
/// optional operand.
struct HostTensor {
  DType dtype = DType::Invalid;
  Shape shape;
  std::vector<unsigned char> bytes;

  TensorRef ref() {
    TensorRef r;
    r.dtype = dtype;
    r.shape = shape;
    r.data = bytes.empty() ? nullptr : bytes.data();
    return r;
  }
  double at(int64_t i) const { return loadAsDouble(bytes.data(), dtype, i); }
  float f(int64_t i) const { return float(at(i)); }
  int64_t i64(int64_t i) const { return loadAsInt64(bytes.data(), dtype, i); }
};

/// A zero-filled tensor. One spare byte keeps `data` non-null when empty.
inline HostTensor makeTensor(DType t, Shape s) {
  HostTensor h;
  h.dtype = t;
  h.shape = s;
  h.bytes.assign(size_t(s.numel()) * dtypeSize(t) + 1, 0);
  return h;
}

/// An absent optional operand.
inline HostTensor absent() { return HostTensor(); }

/// `v` rounded to `t`; elements past v's end stay zero.
inline HostTensor fromDoubles(DType t, Shape s, const std::vector<double> &v) {
  HostTensor h = makeTensor(t, s);
  for (size_t i = 0; i < v.size() && int64_t(i) < s.numel(); ++i)
    storeFromDouble(h.bytes.data(), t, int64_t(i), v[i]);
  return h;
}

inline HostTensor fromFloats(DType t, Shape s, const std::vector<float> &v) {
  return fromDoubles(t, s, std::vector<double>(v.begin(), v.end()));
}

/// `v` wrapped to integer type `t`; elements past v's end stay zero.
inline HostTensor fromInts(DType t, Shape s, const std::vector<int64_t> &v) {
  HostTensor h = makeTensor(t, s);
  for (size_t i = 0; i < v.size() && int64_t(i) < s.numel(); ++i)
    storeFromInt64(h.bytes.data(), t, int64_t(i), v[i]);
  return h;
}

/// `n` floats uniform in [lo, hi), the same for the same seed.
inline std::vector<float> randomFloats(int64_t n, unsigned seed, float lo = -1,
                                       float hi = 1) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float &x : v)
    x = dist(gen);
  return v;
}

/// A tensor of randomFloats(numel, seed, -range, range) rounded to `t`.
inline HostTensor randomTensor(Shape s, unsigned seed, DType t = DType::F32,
                               float range = 1) {
  return fromFloats(t, s, randomFloats(s.numel(), seed, -range, range));
}

/// A JSON array of integers, as plan attributes hold them.
inline json::Value intArray(const std::vector<int64_t> &v) {
  json::Value a = json::Value::array();
  for (int64_t x : v)
    a.push(json::Value(x));
  return a;
}

/// A step of `op` with `attrs`, located at "test".
inline PlanStep makeStep(const std::string &op,
                         json::Value attrs = json::Value::object()) {
  PlanStep step;
  step.op = op;
  step.attrs = std::move(attrs);
  step.loc = "test";
  return step;
}

/// Runs `step` through its CPU kernel as the executor does: infer, then
/// allocate each output (its dtype preset in `outputs`) at the inferred
/// shape, then run.
inline Status runCpuKernel(const PlanStep &step,
                           std::vector<HostTensor> &inputs,
                           std::vector<HostTensor> &outputs) {
  const KernelDef *def = cpuKernels().lookup(step.op);
  if (!def)
    return notFound("no kernel for " + step.op);
  std::vector<TensorRef> ins, outs;
  for (HostTensor &h : inputs)
    ins.push_back(h.ref());
  for (HostTensor &h : outputs)
    outs.push_back(h.ref());
  KernelContext ctx(step, ins.data(), int(ins.size()), outs.data(),
                    int(outs.size()));
  DEEPC_RETURN_IF_ERROR(def->infer(ctx));
  for (size_t i = 0; i < outputs.size(); ++i) {
    outputs[i] = makeTensor(outputs[i].dtype, outs[i].shape);
    outs[i].data = outputs[i].bytes.data();
  }
  return def->run(ctx);
}

} // namespace deepc::test

#endif // DEEPC_UNITTESTS_KERNELTESTUTIL_H
