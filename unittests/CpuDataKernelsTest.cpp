//===- CpuDataKernelsTest.cpp - CPU data-movement kernels and regions -----===//
//
// Each kernel against hand-computed results (mostly the examples of the ONNX
// operator docs) or a naive reference loop; error cases return a Status
// that names the op. The region interpreter's tests cover broadcasting,
// rounding to the instruction's dtype, casts and the constant instruction.
//
//===----------------------------------------------------------------------===//

#include "deepc/rt/Kernel.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace deepc::rt;

namespace {

/// A tensor that owns its bytes.
struct Buffer {
  DType dtype = DType::Invalid;
  Shape shape;
  std::vector<unsigned char> bytes;
  bool hasData = true;

  TensorRef ref() {
    TensorRef r;
    r.dtype = dtype;
    r.shape = shape;
    r.data = hasData && dtype != DType::Invalid ? bytes.data() : nullptr;
    return r;
  }
};

json::Value ints(std::initializer_list<int64_t> values) {
  json::Value a = json::Value::array();
  for (int64_t v : values)
    a.push(json::Value(v));
  return a;
}

/// Builds one step, runs infer() and run() on it, and reads the results.
class OpRunner {
public:
  explicit OpRunner(std::string op) { step_.op = std::move(op); }

  OpRunner &attr(const char *name, json::Value value) {
    step_.attrs[name] = std::move(value);
    return *this;
  }
  OpRunner &input(DType t, Shape shape, std::vector<double> values) {
    Buffer b = alloc(t, shape);
    for (size_t i = 0; i < values.size(); ++i)
      storeFromDouble(b.bytes.data(), t, int64_t(i), values[i]);
    inputs_.push_back(std::move(b));
    return *this;
  }
  OpRunner &inputInts(DType t, Shape shape, std::vector<int64_t> values) {
    Buffer b = alloc(t, shape);
    for (size_t i = 0; i < values.size(); ++i)
      storeFromInt64(b.bytes.data(), t, int64_t(i), values[i]);
    inputs_.push_back(std::move(b));
    return *this;
  }
  /// An input whose shape is known but whose values are not (compile time).
  OpRunner &unknownInput(DType t, Shape shape) {
    Buffer b = alloc(t, shape);
    b.hasData = false;
    inputs_.push_back(std::move(b));
    return *this;
  }
  OpRunner &absent() {
    inputs_.push_back(Buffer());
    return *this;
  }
  /// Output dtype, and the result type's dims as the executor presets them
  /// (-1 where dynamic).
  OpRunner &output(DType t, Shape preset = Shape()) {
    TensorRef r;
    r.dtype = t;
    r.shape = preset;
    outputs_.push_back(r);
    return *this;
  }
  OpRunner &instr(const char *op, std::vector<int> args, DType t,
                  json::Value attrs = json::Value::object()) {
    RegionInstr in;
    in.op = op;
    in.args = std::move(args);
    in.dtype = t;
    in.attrs = std::move(attrs);
    step_.body.push_back(std::move(in));
    return *this;
  }

  Status infer() {
    prepare();
    KernelContext ctx(step_, refs_.data(), int(refs_.size()), outputs_.data(),
                      int(outputs_.size()));
    if (step_.op == "region")
      return inferRegion(ctx);
    const KernelDef *def = cpuKernels().lookup(step_.op);
    if (!def)
      return notFound("no kernel for " + step_.op);
    return def->infer(ctx);
  }

  Status run() {
    DEEPC_RETURN_IF_ERROR(infer());
    outBytes_.resize(outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) {
      // Poisoned, so a kernel that leaves an element unwritten is caught.
      outBytes_[i].assign(outputs_[i].bytes() + 1, 0xA5);
      outputs_[i].data = outBytes_[i].data();
    }
    KernelContext ctx(step_, refs_.data(), int(refs_.size()), outputs_.data(),
                      int(outputs_.size()));
    if (step_.op == "region")
      return interpretRegion(ctx);
    return cpuKernels().lookup(step_.op)->run(ctx);
  }

  Shape shape(int i = 0) const { return outputs_[i].shape; }
  std::vector<double> values(int i = 0) const {
    std::vector<double> v;
    for (int64_t e = 0; e < outputs_[i].numel(); ++e)
      v.push_back(loadAsDouble(outputs_[i].data, outputs_[i].dtype, e));
    return v;
  }
  std::vector<int64_t> intValues(int i = 0) const {
    std::vector<int64_t> v;
    for (int64_t e = 0; e < outputs_[i].numel(); ++e)
      v.push_back(loadAsInt64(outputs_[i].data, outputs_[i].dtype, e));
    return v;
  }
  const TensorRef &out(int i = 0) const { return outputs_[i]; }
  TensorRef in(int i) { return inputs_[i].ref(); }

private:
  static Buffer alloc(DType t, Shape shape) {
    Buffer b;
    b.dtype = t;
    b.shape = shape;
    b.bytes.assign(size_t(shape.numel()) * dtypeSize(t) + 1, 0);
    return b;
  }
  void prepare() {
    refs_.clear();
    for (Buffer &b : inputs_)
      refs_.push_back(b.ref());
    if (step_.op == "region")
      for (size_t i = 0; i < inputs_.size(); ++i)
        step_.inputs.push_back(int(i));
  }

  PlanStep step_;
  std::vector<Buffer> inputs_;
  std::vector<TensorRef> refs_;
  std::vector<TensorRef> outputs_;
  std::vector<std::vector<unsigned char>> outBytes_;
};

std::vector<double> iota(int64_t n, double start = 0) {
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i)
    v[size_t(i)] = start + double(i);
  return v;
}

#define EXPECT_ERROR_MENTIONS(status, text)                                    \
  do {                                                                         \
    Status s_ = (status);                                                      \
    EXPECT_FALSE(s_.ok());                                                     \
    EXPECT_NE(s_.message().find(text), std::string::npos) << s_.message();     \
  } while (false)

//===----------------------------------------------------------------------===//
// gather, gather_elements, gather_nd
//===----------------------------------------------------------------------===//

TEST(CpuDataGather, EmbeddingLookupWrapsNegativeIndices) {
  OpRunner r("deepc.gather");
  r.input(DType::F32, {4, 3}, iota(12))
      .inputInts(DType::I64, {2, 2}, {0, 3, -1, 1})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 2, 3}));
  EXPECT_EQ(r.values(),
            (std::vector<double>{0, 1, 2, 9, 10, 11, 9, 10, 11, 3, 4, 5}));
}

TEST(CpuDataGather, MiddleAxisMatchesNaiveLoop) {
  OpRunner r("deepc.gather");
  r.input(DType::BF16, {2, 3, 2}, iota(12))
      .inputInts(DType::I32, {4}, {2, 0, -3, 1})
      .attr("axis", json::Value(int64_t(-2)))
      .output(DType::BF16);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 4, 2}));
  int64_t idx[] = {2, 0, 0, 1};
  std::vector<double> expected;
  for (int a = 0; a < 2; ++a)
    for (int j = 0; j < 4; ++j)
      for (int c = 0; c < 2; ++c)
        expected.push_back(a * 6 + idx[j] * 2 + c);
  EXPECT_EQ(r.values(), expected);
}

TEST(CpuDataGather, OutOfRangeIndexIsAnError) {
  OpRunner r("deepc.gather");
  r.input(DType::F32, {4, 3}, iota(12))
      .inputInts(DType::I64, {2}, {1, 4})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::F32);
  Status s = r.run();
  EXPECT_ERROR_MENTIONS(s, "deepc.gather");
  EXPECT_ERROR_MENTIONS(s, "index 4 is out of range");
}

TEST(CpuDataGather, BadAxisIsAnError) {
  OpRunner r("deepc.gather");
  r.input(DType::F32, {4, 3}, iota(12))
      .inputInts(DType::I64, {1}, {0})
      .attr("axis", json::Value(int64_t(2)))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "axis 2 is out of range");
}

TEST(CpuDataGatherElements, OnnxExampleWithNegativeIndex) {
  OpRunner r("deepc.gather_elements");
  r.input(DType::I32, {2, 2}, {1, 2, 3, 4})
      .inputInts(DType::I64, {2, 2}, {0, 0, -1, 0})
      .attr("axis", json::Value(int64_t(1)))
      .output(DType::I32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{1, 1, 4, 3}));
}

TEST(CpuDataGatherElements, Axis0SmallerIndices) {
  // ONNX doc example 2: indices smaller than data along the other axis.
  OpRunner r("deepc.gather_elements");
  r.input(DType::F32, {3, 3}, iota(9, 1))
      .inputInts(DType::I32, {2, 3}, {1, 2, 0, 2, 0, 0})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.values(), (std::vector<double>{4, 8, 3, 7, 2, 3}));
}

TEST(CpuDataGatherElements, ErrorsNameTheProblem) {
  OpRunner bad("deepc.gather_elements");
  bad.input(DType::F32, {2, 2}, iota(4))
      .inputInts(DType::I64, {2, 2}, {0, 2, 0, 0})
      .attr("axis", json::Value(int64_t(1)))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(bad.run(), "index 2 is out of range");
  OpRunner rank("deepc.gather_elements");
  rank.input(DType::F32, {2, 2}, iota(4))
      .inputInts(DType::I64, {4}, {0, 0, 0, 0})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(rank.infer(), "same rank");
}

TEST(CpuDataGatherNd, OnnxExamples) {
  OpRunner elems("deepc.gather_nd");
  elems.inputInts(DType::I64, {2, 2}, {0, 1, 2, 3})
      .inputInts(DType::I64, {2, 2}, {0, 0, 1, 1})
      .output(DType::I64);
  ASSERT_TRUE(elems.run().ok());
  EXPECT_EQ(elems.shape(), (Shape{2}));
  EXPECT_EQ(elems.intValues(), (std::vector<int64_t>{0, 3}));

  OpRunner rows("deepc.gather_nd");
  rows.inputInts(DType::I64, {2, 2}, {0, 1, 2, 3})
      .inputInts(DType::I32, {2, 1}, {1, -2})
      .output(DType::I64);
  ASSERT_TRUE(rows.run().ok());
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.intValues(), (std::vector<int64_t>{2, 3, 0, 1}));

  OpRunner batched("deepc.gather_nd");
  batched.input(DType::F16, {2, 2, 2}, iota(8))
      .inputInts(DType::I64, {2, 1}, {1, 0})
      .attr("batch_dims", json::Value(int64_t(1)))
      .output(DType::F16);
  ASSERT_TRUE(batched.run().ok());
  EXPECT_EQ(batched.shape(), (Shape{2, 2}));
  EXPECT_EQ(batched.values(), (std::vector<double>{2, 3, 4, 5}));
}

TEST(CpuDataGatherNd, ErrorsNameTheProblem) {
  OpRunner r("deepc.gather_nd");
  r.input(DType::F32, {2, 2}, iota(4))
      .inputInts(DType::I64, {1, 2}, {0, 5})
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.run(), "index 5 is out of range for dimension 1");
  OpRunner tooLong("deepc.gather_nd");
  tooLong.input(DType::F32, {2, 2}, iota(4))
      .inputInts(DType::I64, {1, 3}, {0, 0, 0})
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(tooLong.infer(), "do not fit data");
}

//===----------------------------------------------------------------------===//
// scatter, scatter_elements
//===----------------------------------------------------------------------===//

TEST(CpuDataScatter, OnnxScatterNdExample) {
  OpRunner r("deepc.scatter");
  r.input(DType::F32, {8}, iota(8, 1))
      .inputInts(DType::I64, {4, 1}, {4, 3, 1, 7})
      .input(DType::F32, {4}, {9, 10, 11, 12})
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.values(), (std::vector<double>{1, 11, 3, 10, 9, 6, 7, 12}));
}

TEST(CpuDataScatter, SlicesAndReductions) {
  // Rows of a [3, 2] matrix; index 0 repeats (once as -3), so the
  // reductions combine twice.
  struct Case {
    const char *reduction;
    std::vector<double> expected;
  } cases[] = {
      {"add", {1 + 10 + 30, 2 + 20 + 40, 3, 4, 5 + 50, 6 + 60}},
      {"mul", {1 * 10 * 30, 2 * 20 * 40, 3, 4, 5 * 50, 6 * 60}},
      {"max", {30, 40, 3, 4, 50, 60}},
      {"min", {1, 2, 3, 4, 5, 6}},
  };
  for (const Case &c : cases) {
    OpRunner r("deepc.scatter");
    r.input(DType::F32, {3, 2}, iota(6, 1))
        .inputInts(DType::I32, {3, 1}, {0, 2, -3})
        .input(DType::F32, {3, 2}, {10, 20, 50, 60, 30, 40})
        .attr("reduction", json::Value(c.reduction))
        .output(DType::F32);
    ASSERT_TRUE(r.run().ok()) << c.reduction;
    EXPECT_EQ(r.values(), c.expected) << c.reduction;
  }
}

TEST(CpuDataScatter, IntegerAddWraps) {
  OpRunner r("deepc.scatter");
  r.inputInts(DType::I8, {2}, {127, 0})
      .inputInts(DType::I64, {1, 1}, {0})
      .inputInts(DType::I8, {1}, {1})
      .attr("reduction", json::Value("add"))
      .output(DType::I8);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{-128, 0}));
}

TEST(CpuDataScatter, ErrorsNameTheProblem) {
  OpRunner shape("deepc.scatter");
  shape.input(DType::F32, {3, 2}, iota(6))
      .inputInts(DType::I64, {2, 1}, {0, 1})
      .input(DType::F32, {2, 3}, iota(6))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(shape.infer(), "need [2, 2]");
  OpRunner index("deepc.scatter");
  index.input(DType::F32, {3, 2}, iota(6))
      .inputInts(DType::I64, {1, 1}, {3})
      .input(DType::F32, {1, 2}, iota(2))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(index.run(), "deepc.scatter");
  OpRunner reduction("deepc.scatter");
  reduction.input(DType::F32, {3}, iota(3))
      .inputInts(DType::I64, {1, 1}, {0})
      .input(DType::F32, {1}, {1})
      .attr("reduction", json::Value("avg"))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(reduction.infer(), "unknown reduction 'avg'");
}

TEST(CpuDataScatterElements, OnnxExampleAxis0) {
  OpRunner r("deepc.scatter_elements");
  r.input(DType::F32, {3, 3}, std::vector<double>(9, 0.0))
      .inputInts(DType::I64, {2, 3}, {1, 0, 2, 0, 2, 1})
      .input(DType::F32, {2, 3}, {1.0, 1.5, 1.25, 2.0, 2.5, 2.25})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.values(),
            (std::vector<double>{2.0, 1.5, 0, 1.0, 0, 2.25, 0, 2.5, 1.25}));
}

TEST(CpuDataScatterElements, Axis1NegativeIndicesWithAdd) {
  OpRunner r("deepc.scatter_elements");
  r.inputInts(DType::I32, {2, 3}, {1, 2, 3, 4, 5, 6})
      .inputInts(DType::I64, {2, 2}, {-1, -1, 0, 1})
      .inputInts(DType::I32, {2, 2}, {10, 20, 30, 40})
      .attr("axis", json::Value(int64_t(1)))
      .attr("reduction", json::Value("add"))
      .output(DType::I32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{1, 2, 33, 34, 45, 6}));
}

TEST(CpuDataScatterElements, OutOfRangeIndexIsAnError) {
  OpRunner r("deepc.scatter_elements");
  r.input(DType::F32, {2, 3}, iota(6))
      .inputInts(DType::I64, {1, 1}, {-4})
      .input(DType::F32, {1, 1}, {1})
      .attr("axis", json::Value(int64_t(1)))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.run(), "index -4 is out of range for axis 1");
}

//===----------------------------------------------------------------------===//
// reshape, shape_of, expand, range, nonzero
//===----------------------------------------------------------------------===//

TEST(CpuDataReshape, ShapeOperand) {
  OpRunner r("deepc.reshape");
  r.input(DType::F32, {2, 3}, iota(6))
      .inputInts(DType::I64, {3}, {3, 1, 2})
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{3, 1, 2}));
  EXPECT_EQ(r.values(), iota(6));
}

TEST(CpuDataReshape, PresetResultDimsResolveTheDynamicOne) {
  OpRunner r("deepc.reshape");
  r.input(DType::I64, {4, 6}, iota(24)).absent().output(DType::I64, {-1, 2, 3});
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(r.intValues()[23], 23);
}

TEST(CpuDataReshape, ErrorsAndUnknownValues) {
  OpRunner count("deepc.reshape");
  count.input(DType::F32, {2, 3}, iota(6))
      .inputInts(DType::I64, {2}, {4, 2})
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(count.infer(), "cannot reshape 6 elements [2, 3]");
  OpRunner unknown("deepc.reshape");
  unknown.input(DType::F32, {2, 3}, iota(6))
      .unknownInput(DType::I64, {2})
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(unknown.infer(), "operand 1");
}

TEST(CpuDataShapeOf, ReadsOnlyTheShape) {
  const KernelDef *def = cpuKernels().lookup("deepc.shape_of");
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->readsShapesOnly);
  OpRunner r("deepc.shape_of");
  r.unknownInput(DType::F32, {2, 5, 7}).output(DType::I64);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{3}));
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{2, 5, 7}));
}

TEST(CpuDataExpand, BidirectionalWithShapeOperand) {
  // [3, 1] with shape [2, 1, 4] -> [2, 3, 4]: the 1 in shape keeps the 3.
  OpRunner r("deepc.expand");
  r.input(DType::F32, {3, 1}, {1, 2, 3})
      .inputInts(DType::I64, {3}, {2, 1, 4})
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 3, 4}));
  std::vector<double> expected;
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 4; ++j)
        expected.push_back(i + 1);
  EXPECT_EQ(r.values(), expected);
}

TEST(CpuDataExpand, PresetDimsAndLargeCopyMatchNaive) {
  // A KV-head broadcast [1, 2, 1, 64, 16] -> [1, 2, 4, 64, 16]; the dynamic
  // dim keeps the input's extent. Large enough for the threaded path.
  OpRunner r("deepc.expand");
  r.input(DType::F16, {1, 2, 1, 64, 16}, iota(2 * 64 * 16))
      .absent()
      .output(DType::F16, {1, 2, 4, -1, 16});
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{1, 2, 4, 64, 16}));
  std::vector<double> values = r.values(), inputs = iota(2 * 64 * 16);
  bool same = true;
  for (int h = 0; h < 2; ++h)
    for (int g = 0; g < 4; ++g)
      for (int s = 0; s < 64 * 16; ++s) {
        // f16 holds integers up to 2048 exactly.
        same &= values[size_t((h * 4 + g) * 1024 + s)] ==
                inputs[size_t(h * 1024 + s)];
      }
  EXPECT_TRUE(same);
}

TEST(CpuDataExpand, IncompatibleShapeIsAnError) {
  OpRunner r("deepc.expand");
  r.input(DType::F32, {3}, iota(3))
      .inputInts(DType::I64, {2}, {2, 4})
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "does not broadcast");
}

TEST(CpuDataRange, IntegerAndFloatCounts) {
  OpRunner up("deepc.range");
  up.inputInts(DType::I64, {}, {0})
      .inputInts(DType::I64, {}, {10})
      .inputInts(DType::I64, {}, {3})
      .output(DType::I64);
  ASSERT_TRUE(up.run().ok());
  EXPECT_EQ(up.intValues(), (std::vector<int64_t>{0, 3, 6, 9}));

  OpRunner down("deepc.range");
  down.inputInts(DType::I32, {}, {10})
      .inputInts(DType::I32, {}, {0})
      .inputInts(DType::I32, {}, {-3})
      .output(DType::I32);
  ASSERT_TRUE(down.run().ok());
  EXPECT_EQ(down.intValues(), (std::vector<int64_t>{10, 7, 4, 1}));

  OpRunner floats("deepc.range");
  floats.input(DType::F32, {}, {0.5})
      .input(DType::F32, {}, {2.0})
      .input(DType::F32, {}, {0.5})
      .output(DType::F32);
  ASSERT_TRUE(floats.run().ok());
  EXPECT_EQ(floats.values(), (std::vector<double>{0.5, 1.0, 1.5}));

  OpRunner empty("deepc.range");
  empty.inputInts(DType::I64, {}, {5})
      .inputInts(DType::I64, {}, {0})
      .inputInts(DType::I64, {}, {1})
      .output(DType::I64);
  ASSERT_TRUE(empty.run().ok());
  EXPECT_EQ(empty.shape(), (Shape{0}));
}

TEST(CpuDataRange, ZeroDeltaAndUnknownBounds) {
  OpRunner zero("deepc.range");
  zero.inputInts(DType::I64, {}, {0})
      .inputInts(DType::I64, {}, {5})
      .inputInts(DType::I64, {}, {0})
      .output(DType::I64);
  EXPECT_ERROR_MENTIONS(zero.infer(), "delta is 0");
  OpRunner unknown("deepc.range");
  unknown.inputInts(DType::I64, {}, {0})
      .unknownInput(DType::I64, {})
      .inputInts(DType::I64, {}, {1})
      .output(DType::I64);
  EXPECT_ERROR_MENTIONS(unknown.infer(), "operand 1");
}

TEST(CpuDataNonZero, RowMajorCoordinatesAndUpperBound) {
  const KernelDef *def = cpuKernels().lookup("deepc.nonzero");
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->dataDependentShape);
  OpRunner r("deepc.nonzero");
  r.input(DType::F16, {2, 3}, {1, 0, -0.0, 0, 3, 2}).output(DType::I64);
  ASSERT_TRUE(r.infer().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 6}));
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{0, 1, 1, 0, 1, 2}));
}

TEST(CpuDataNonZero, ScalarGivesOneRow) {
  OpRunner r("deepc.nonzero");
  r.inputInts(DType::Bool, {}, {1}).output(DType::I64);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{1, 1}));
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{0}));
}

//===----------------------------------------------------------------------===//
// transpose, concat, slice, trilu
//===----------------------------------------------------------------------===//

/// Naive transpose of a row-major tensor of `dims` by `perm`.
std::vector<double> naiveTranspose(const std::vector<double> &in,
                                   const std::vector<int64_t> &dims,
                                   const std::vector<int64_t> &perm) {
  size_t rank = dims.size();
  std::vector<int64_t> inStrides(rank), outDims(rank);
  int64_t n = 1;
  for (size_t d = rank; d-- > 0;) {
    inStrides[d] = n;
    n *= dims[d];
  }
  for (size_t d = 0; d < rank; ++d)
    outDims[d] = dims[size_t(perm[d])];
  std::vector<double> out(static_cast<size_t>(n));
  for (int64_t e = 0; e < n; ++e) {
    int64_t rest = e, offset = 0;
    for (size_t d = rank; d-- > 0;) {
      offset += (rest % outDims[d]) * inStrides[size_t(perm[d])];
      rest /= outDims[d];
    }
    out[size_t(e)] = in[size_t(offset)];
  }
  return out;
}

TEST(CpuDataTranspose, PermutationsMatchNaive) {
  struct Case {
    std::vector<int64_t> dims, perm;
    DType dtype;
  } cases[] = {
      {{2, 3, 4}, {2, 0, 1}, DType::F32},
      {{2, 3, 4}, {0, 2, 1}, DType::I8},
      {{2, 8, 16, 32}, {0, 2, 1, 3}, DType::BF16}, // heads split, threaded
      {{64, 48}, {1, 0}, DType::I64},
      {{3, 1, 5}, {1, 2, 0}, DType::F16},
  };
  for (const Case &c : cases) {
    Shape shape;
    int64_t n = 1;
    for (int64_t d : c.dims) {
      shape.push(d);
      n *= d;
    }
    // Values that every dtype under test holds exactly.
    std::vector<double> in(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i)
      in[size_t(i)] = double(i % 97);
    json::Value perm = json::Value::array();
    for (int64_t p : c.perm)
      perm.push(json::Value(p));
    OpRunner r("deepc.transpose");
    r.input(c.dtype, shape, in).attr("permutation", perm).output(c.dtype);
    ASSERT_TRUE(r.run().ok());
    EXPECT_EQ(r.values(), naiveTranspose(in, c.dims, c.perm))
        << shape.str() << " " << dtypeName(c.dtype);
  }
}

TEST(CpuDataTranspose, BadPermutationIsAnError) {
  OpRunner r("deepc.transpose");
  r.input(DType::F32, {2, 3}, iota(6))
      .attr("permutation", ints({0, 0}))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "permutation [0, 0]");
}

TEST(CpuDataConcat, InnerAndOuterAxes) {
  OpRunner inner("deepc.concat");
  inner.input(DType::F32, {2, 1}, {1, 2})
      .input(DType::F32, {2, 3}, {3, 4, 5, 6, 7, 8})
      .input(DType::F32, {2, 0}, {})
      .attr("axis", json::Value(int64_t(-1)))
      .output(DType::F32);
  ASSERT_TRUE(inner.run().ok());
  EXPECT_EQ(inner.shape(), (Shape{2, 4}));
  EXPECT_EQ(inner.values(), (std::vector<double>{1, 3, 4, 5, 2, 6, 7, 8}));

  OpRunner outer("deepc.concat");
  outer.inputInts(DType::I64, {1, 2}, {1, 2})
      .inputInts(DType::I64, {2, 2}, {3, 4, 5, 6})
      .attr("axis", json::Value(int64_t(0)))
      .output(DType::I64);
  ASSERT_TRUE(outer.run().ok());
  EXPECT_EQ(outer.intValues(), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
}

TEST(CpuDataConcat, LargeConcatMatchesNaive) {
  // A KV-cache append: [1, 4, 200, 64] ++ [1, 4, 1, 64] along axis 2.
  OpRunner r("deepc.concat");
  r.input(DType::F32, {1, 4, 200, 64}, iota(4 * 200 * 64))
      .input(DType::F32, {1, 4, 1, 64}, iota(4 * 64, -1000))
      .attr("axis", json::Value(int64_t(2)))
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  std::vector<double> v = r.values();
  ASSERT_EQ(v.size(), size_t(4 * 201 * 64));
  bool same = true;
  for (int h = 0; h < 4; ++h)
    for (int s = 0; s < 201; ++s)
      for (int d = 0; d < 64; ++d) {
        double expected = s < 200 ? (h * 200 + s) * 64 + d : -1000 + h * 64 + d;
        same &= v[size_t((h * 201 + s) * 64 + d)] == expected;
      }
  EXPECT_TRUE(same);
}

TEST(CpuDataConcat, MismatchIsAnError) {
  OpRunner r("deepc.concat");
  r.input(DType::F32, {2, 3}, iota(6))
      .input(DType::F32, {3, 3}, iota(9))
      .attr("axis", json::Value(int64_t(1)))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "input 1 has shape [3, 3]");
}

TEST(CpuDataSlice, ClampedBoundsAndNegativeSteps) {
  const int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t kMin = std::numeric_limits<int64_t>::min();
  // x[::-1] of a 1-D tensor.
  OpRunner reverse("deepc.slice");
  reverse.input(DType::F32, {5}, iota(5))
      .attr("axes", ints({0}))
      .attr("starts", ints({-1}))
      .attr("ends", ints({kMin}))
      .attr("steps", ints({-1}))
      .output(DType::F32);
  ASSERT_TRUE(reverse.run().ok());
  EXPECT_EQ(reverse.values(), (std::vector<double>{4, 3, 2, 1, 0}));

  // x[1:, ::2] of [3, 5]: rows 1..2, columns 0, 2, 4; ends beyond the dim.
  OpRunner strided("deepc.slice");
  strided.input(DType::I32, {3, 5}, iota(15))
      .attr("axes", ints({-1, 0}))
      .attr("starts", ints({0, 1}))
      .attr("ends", ints({kMax, 100}))
      .attr("steps", ints({2, 1}))
      .output(DType::I32);
  ASSERT_TRUE(strided.run().ok());
  EXPECT_EQ(strided.shape(), (Shape{2, 3}));
  EXPECT_EQ(strided.intValues(), (std::vector<int64_t>{5, 7, 9, 10, 12, 14}));

  // x[3:0:-2] along axis 1 of [2, 5]: columns 3, 1.
  OpRunner back("deepc.slice");
  back.input(DType::F32, {2, 5}, iota(10))
      .attr("axes", ints({1}))
      .attr("starts", ints({3}))
      .attr("ends", ints({0}))
      .attr("steps", ints({-2}))
      .output(DType::F32);
  ASSERT_TRUE(back.run().ok());
  EXPECT_EQ(back.values(), (std::vector<double>{3, 1, 8, 6}));

  // An empty slice.
  OpRunner empty("deepc.slice");
  empty.input(DType::F32, {4}, iota(4))
      .attr("axes", ints({0}))
      .attr("starts", ints({3}))
      .attr("ends", ints({1}))
      .attr("steps", ints({1}))
      .output(DType::F32);
  ASSERT_TRUE(empty.run().ok());
  EXPECT_EQ(empty.shape(), (Shape{0}));
}

TEST(CpuDataSlice, LastTokenOfLargeActivation) {
  // logits[:, -1:, :] of [2, 300, 128].
  OpRunner r("deepc.slice");
  r.input(DType::F32, {2, 300, 128}, iota(2 * 300 * 128))
      .attr("axes", ints({1}))
      .attr("starts", ints({-1}))
      .attr("ends", ints({std::numeric_limits<int64_t>::max()}))
      .attr("steps", ints({1}))
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 1, 128}));
  std::vector<double> v = r.values();
  EXPECT_EQ(v[0], 299 * 128);
  EXPECT_EQ(v[128 + 5], (300 + 299) * 128 + 5);
}

TEST(CpuDataSlice, ZeroStepIsAnError) {
  OpRunner r("deepc.slice");
  r.input(DType::F32, {4}, iota(4))
      .attr("axes", ints({0}))
      .attr("starts", ints({0}))
      .attr("ends", ints({4}))
      .attr("steps", ints({0}))
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "step for axis 0 is 0");
}

TEST(CpuDataTrilu, UpperLowerAndDiagonals) {
  auto trilu = [](bool lower, int64_t k) {
    OpRunner r("deepc.trilu");
    r.input(DType::F32, {2, 3, 4}, iota(24, 1)).attr("k", json::Value(k));
    if (lower)
      r.attr("lower", json::Value(true));
    r.output(DType::F32);
    EXPECT_TRUE(r.run().ok());
    return r.values();
  };
  // Reference: keep (i, j) when j - i >= k (upper) or <= k (lower).
  for (bool lower : {false, true})
    for (int64_t k : {-4, -1, 0, 1, 3, 5}) {
      std::vector<double> expected;
      for (int b = 0; b < 2; ++b)
        for (int i = 0; i < 3; ++i)
          for (int j = 0; j < 4; ++j) {
            bool keep = lower ? j - i <= k : j - i >= k;
            expected.push_back(keep ? b * 12 + i * 4 + j + 1 : 0);
          }
      EXPECT_EQ(trilu(lower, k), expected) << "lower=" << lower << " k=" << k;
    }
}

TEST(CpuDataTrilu, BoolCausalMaskAndRankError) {
  OpRunner r("deepc.trilu");
  r.inputInts(DType::Bool, {3, 3}, std::vector<int64_t>(9, 1))
      .attr("lower", json::Value(true))
      .output(DType::Bool);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.intValues(), (std::vector<int64_t>{1, 0, 0, 1, 1, 0, 1, 1, 1}));
  OpRunner bad("deepc.trilu");
  bad.input(DType::F32, {3}, iota(3)).output(DType::F32);
  EXPECT_ERROR_MENTIONS(bad.infer(), "rank 2 or more");
}

//===----------------------------------------------------------------------===//
// collectives (one rank)
//===----------------------------------------------------------------------===//

TEST(CpuDataCollective, OneRankIsACopy) {
  for (const char *op :
       {"deepc.all_reduce", "deepc.all_gather", "deepc.all_to_all"}) {
    OpRunner r(op);
    r.input(DType::F32, {2, 3}, iota(6))
        .attr("group_size", json::Value(int64_t(1)))
        .attr("axis", json::Value(int64_t(0)))
        .attr("split_axis", json::Value(int64_t(0)))
        .attr("concat_axis", json::Value(int64_t(1)))
        .output(DType::F32);
    ASSERT_TRUE(r.run().ok()) << op;
    EXPECT_EQ(r.shape(), (Shape{2, 3})) << op;
    EXPECT_EQ(r.values(), iota(6)) << op;
  }
}

TEST(CpuDataCollective, SeveralRanksSizeButDoNotRun) {
  OpRunner r("deepc.all_gather");
  r.input(DType::F32, {2, 3}, iota(6))
      .attr("group_size", json::Value(int64_t(4)))
      .attr("axis", json::Value(int64_t(-1)))
      .output(DType::F32);
  ASSERT_TRUE(r.infer().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 12}));
  Status s = r.run();
  EXPECT_EQ(s.code(), DEEPC_UNSUPPORTED);
  EXPECT_ERROR_MENTIONS(s, "single rank");
}

//===----------------------------------------------------------------------===//
// regions
//===----------------------------------------------------------------------===//

TEST(CpuDataRegion, BroadcastsInputs) {
  // (x[2, 3] + b[3]) * s[]
  OpRunner r("region");
  r.input(DType::F32, {2, 3}, iota(6))
      .input(DType::F32, {3}, {10, 20, 30})
      .input(DType::F32, {}, {2})
      .instr("deepc.add", {0, 1}, DType::F32)
      .instr("deepc.mul", {3, 2}, DType::F32)
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.values(), (std::vector<double>{20, 42, 64, 26, 48, 70}));
}

TEST(CpuDataRegion, BroadcastMismatchNamesTheShapes) {
  OpRunner r("region");
  r.input(DType::F32, {2, 3}, iota(6))
      .input(DType::F32, {4}, iota(4))
      .instr("deepc.add", {0, 1}, DType::F32)
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(r.infer(), "[2, 3], [4]");
}

TEST(CpuDataRegion, OuterProductBroadcastThreaded) {
  // [256, 1] - [1, 512]: both inputs broadcast, enough for the threaded
  // path; then silu, checked against a direct computation.
  OpRunner r("region");
  std::vector<double> a = iota(256), b = iota(512);
  for (double &v : a)
    v /= 64;
  for (double &v : b)
    v /= 128;
  r.input(DType::F32, {256, 1}, a)
      .input(DType::F32, {1, 512}, b)
      .instr("deepc.sub", {0, 1}, DType::F32)
      .instr("deepc.silu", {2}, DType::F32)
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  std::vector<double> v = r.values();
  bool close = true;
  for (int i = 0; i < 256; ++i)
    for (int j = 0; j < 512; ++j) {
      float x = float(a[size_t(i)]) - float(b[size_t(j)]);
      float expected = float(double(x) / (1 + std::exp(-double(x))));
      close &= v[size_t(i * 512 + j)] == double(expected);
    }
  EXPECT_TRUE(close);
}

TEST(CpuDataRegion, RoundsToTheDtypeAfterEveryInstruction) {
  // In f16, 2048 + 1 rounds to 2048, so (a + b) - a is 0 (in f32 it is 1).
  for (DType t : {DType::F16, DType::F32}) {
    OpRunner r("region");
    r.input(t, {1}, {2048})
        .input(t, {1}, {1})
        .instr("deepc.add", {0, 1}, t)
        .instr("deepc.sub", {2, 0}, t)
        .output(t);
    ASSERT_TRUE(r.run().ok());
    EXPECT_EQ(r.values()[0], t == DType::F16 ? 0.0 : 1.0) << dtypeName(t);
  }
}

TEST(CpuDataRegion, EveryDtypeAddsItself) {
  struct Case {
    DType dtype;
    std::vector<double> in, expected;
  } cases[] = {
      {DType::F32, {1.5, -2, 3}, {3, -4, 6}},
      {DType::F16, {1.5, -2, 3}, {3, -4, 6}},
      {DType::BF16, {1.5, -2, 3}, {3, -4, 6}},
      {DType::F8E4M3FN, {1.5, -2, 3}, {3, -4, 6}},
      {DType::I64, {1, -2, 3}, {2, -4, 6}},
      {DType::I32, {1, -2, 3}, {2, -4, 6}},
      {DType::I8, {1, -2, 100}, {2, -4, -56}}, // 200 wraps
      {DType::I4, {1, -2, 5}, {2, -4, -6}},    // 10 wraps to -6
      {DType::Bool, {1, 0, 1}, {1, 0, 1}},     // x + x != 0
  };
  for (const Case &c : cases) {
    OpRunner r("region");
    r.input(c.dtype, {3}, c.in)
        .instr("deepc.add", {0, 0}, c.dtype)
        .output(c.dtype);
    ASSERT_TRUE(r.run().ok()) << dtypeName(c.dtype);
    EXPECT_EQ(r.values(), c.expected) << dtypeName(c.dtype);
  }
}

TEST(CpuDataRegion, IntegerArithmetic) {
  // i32: wrap on overflow, division truncates toward zero.
  OpRunner r("region");
  r.inputInts(DType::I32, {4}, {2147483647, -7, 7, -2147483648LL})
      .inputInts(DType::I32, {4}, {1, 2, -2, -1})
      .instr("deepc.add", {0, 1}, DType::I32)
      .instr("deepc.div", {0, 1}, DType::I32)
      .output(DType::I32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.intValues(),
            (std::vector<int64_t>{2147483647, -3, -3, -2147483648LL}));

  OpRunner sum("region");
  sum.inputInts(DType::I32, {2}, {2147483647, -7})
      .inputInts(DType::I32, {2}, {1, 2})
      .instr("deepc.add", {0, 1}, DType::I32)
      .output(DType::I32);
  ASSERT_TRUE(sum.run().ok());
  EXPECT_EQ(sum.intValues(), (std::vector<int64_t>{-2147483648LL, -5}));

  OpRunner zero("region");
  zero.inputInts(DType::I64, {2}, {1, 2})
      .inputInts(DType::I64, {2}, {1, 0})
      .instr("deepc.div", {0, 1}, DType::I64)
      .output(DType::I64);
  EXPECT_ERROR_MENTIONS(zero.run(), "integer division by zero");
}

/// The attrs of a deepc.mod instruction.
json::Value fmodAttrs(bool fmod) {
  json::Value attrs = json::Value::object();
  attrs["fmod"] = fmod;
  return attrs;
}

TEST(CpuDataRegion, ModTakesTheDivisorsSignUnlessFmod) {
  // Mixed signs, MIN mod -1 (no trap), and each dtype's width.
  for (DType t : {DType::I8, DType::I32, DType::I64}) {
    int64_t min = t == DType::I8    ? -128
                  : t == DType::I32 ? -2147483648LL
                                    : std::numeric_limits<int64_t>::min();
    std::vector<int64_t> a{-7, 7, -7, 7, 0, min, min};
    std::vector<int64_t> b{3, -3, -3, 3, -5, -1, 3};
    OpRunner floor("region");
    floor.inputInts(t, {7}, a)
        .inputInts(t, {7}, b)
        .instr("deepc.mod", {0, 1}, t)
        .output(t);
    ASSERT_TRUE(floor.run().ok()) << dtypeName(t);
    // min mod 3: -128 -> 1, -2^31 -> 1, -2^63 -> 1 (all are -1 mod 3).
    EXPECT_EQ(floor.intValues(), (std::vector<int64_t>{2, -2, -1, 1, 0, 0, 1}))
        << dtypeName(t);

    OpRunner trunc("region");
    trunc.inputInts(t, {7}, a)
        .inputInts(t, {7}, b)
        .instr("deepc.mod", {0, 1}, t, fmodAttrs(true))
        .output(t);
    ASSERT_TRUE(trunc.run().ok()) << dtypeName(t);
    EXPECT_EQ(trunc.intValues(), (std::vector<int64_t>{-1, 1, -1, 1, 0, 0, -2}))
        << dtypeName(t);
  }

  OpRunner zero("region");
  zero.inputInts(DType::I32, {2}, {5, 6})
      .inputInts(DType::I32, {2}, {2, 0})
      .instr("deepc.mod", {0, 1}, DType::I32)
      .output(DType::I32);
  EXPECT_ERROR_MENTIONS(zero.run(), "integer modulo by zero");
}

TEST(CpuDataRegion, FloatModIsFmod) {
  const double kInf = std::numeric_limits<double>::infinity();
  // C fmod: the dividend's sign; x mod 0 and inf mod y are NaN; x mod inf
  // is x. A broadcast scalar divisor, in f32 and f16.
  for (DType t : {DType::F32, DType::F16}) {
    OpRunner r("region");
    r.input(t, {4}, {-5.5, 5.5, 3, 2.5})
        .input(t, {4}, {2, -2, kInf, 0})
        .instr("deepc.mod", {0, 1}, t, fmodAttrs(true))
        .output(t);
    ASSERT_TRUE(r.run().ok()) << dtypeName(t);
    std::vector<double> v = r.values();
    EXPECT_EQ(v[0], -1.5) << dtypeName(t);
    EXPECT_EQ(v[1], 1.5) << dtypeName(t);
    EXPECT_EQ(v[2], 3) << dtypeName(t);
    EXPECT_TRUE(std::isnan(v[3])) << dtypeName(t);
  }

  // Floor-mod of floats is not an ONNX Mod before opset 28: refused.
  OpRunner floor("region");
  floor.input(DType::F32, {1}, {1})
      .instr("deepc.mod", {0, 0}, DType::F32)
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(floor.run(), "needs fmod = true");
}

TEST(CpuDataRegion, ComparisonsLogicAndSelect) {
  // select(x > 0 and not (x == 2), x, -x) over f32 x.
  OpRunner r("region");
  r.input(DType::F32, {4}, {-1, 0, 2, 3})
      .input(DType::F32, {}, {0})
      .input(DType::F32, {}, {2})
      .instr("deepc.greater", {0, 1}, DType::Bool)  // 3
      .instr("deepc.equal", {0, 2}, DType::Bool)    // 4
      .instr("deepc.not", {4}, DType::Bool)         // 5
      .instr("deepc.and", {3, 5}, DType::Bool)      // 6
      .instr("deepc.neg", {0}, DType::F32)          // 7
      .instr("deepc.select", {6, 0, 7}, DType::F32) // 8
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_EQ(r.values(), (std::vector<double>{1, 0, -2, 3}));

  OpRunner logic("region");
  logic.inputInts(DType::Bool, {4}, {0, 0, 1, 1})
      .inputInts(DType::Bool, {4}, {0, 1, 0, 1})
      .instr("deepc.xor", {0, 1}, DType::Bool)
      .instr("deepc.or", {2, 0}, DType::Bool)
      .output(DType::Bool);
  ASSERT_TRUE(logic.run().ok());
  EXPECT_EQ(logic.intValues(), (std::vector<int64_t>{0, 1, 1, 1}));

  // Integer comparisons are exact beyond 2^53.
  OpRunner big("region");
  big.inputInts(DType::I64, {1}, {(int64_t(1) << 53) + 1})
      .inputInts(DType::I64, {1}, {int64_t(1) << 53})
      .instr("deepc.greater", {0, 1}, DType::Bool)
      .output(DType::Bool);
  ASSERT_TRUE(big.run().ok());
  EXPECT_EQ(big.intValues(), (std::vector<int64_t>{1}));
}

TEST(CpuDataRegion, CastSemantics) {
  const double kNan = std::numeric_limits<double>::quiet_NaN();
  // f32 -> i32 truncates toward zero; -> bool tests != 0 (NaN is true);
  // -> bf16 and f16 round to nearest even.
  OpRunner toInt("region");
  toInt.input(DType::F32, {3}, {-2.7, 2.7, 0.5})
      .instr("deepc.cast", {0}, DType::I32)
      .output(DType::I32);
  ASSERT_TRUE(toInt.run().ok());
  EXPECT_EQ(toInt.intValues(), (std::vector<int64_t>{-2, 2, 0}));

  OpRunner toBool("region");
  toBool.input(DType::F32, {3}, {0, kNan, -0.25})
      .instr("deepc.cast", {0}, DType::Bool)
      .output(DType::Bool);
  ASSERT_TRUE(toBool.run().ok());
  EXPECT_EQ(toBool.intValues(), (std::vector<int64_t>{0, 1, 1}));

  // 2049 is halfway between f16's 2048 and 2050: ties to even gives 2048.
  OpRunner toHalf("region");
  toHalf.inputInts(DType::I64, {2}, {2049, 2051})
      .instr("deepc.cast", {0}, DType::F16)
      .output(DType::F16);
  ASSERT_TRUE(toHalf.run().ok());
  EXPECT_EQ(toHalf.values(), (std::vector<double>{2048, 2052}));

  // i32 -> i8 wraps; bf16 -> f32 is exact.
  OpRunner narrow("region");
  narrow.inputInts(DType::I32, {2}, {300, -129})
      .instr("deepc.cast", {0}, DType::I8)
      .output(DType::I8);
  ASSERT_TRUE(narrow.run().ok());
  EXPECT_EQ(narrow.intValues(), (std::vector<int64_t>{44, 127}));
}

TEST(CpuDataRegion, ConstantInstruction) {
  json::Value half = json::Value::object();
  half["value"] = json::Value(0.5);
  json::Value big = json::Value::object();
  big["value"] = json::Value((int64_t(1) << 53) + 1);
  json::Value inf = json::Value::object();
  inf["value"] = json::Value("-inf");

  OpRunner scale("region");
  scale.input(DType::BF16, {2}, {3, -5})
      .instr("deepc.constant", {}, DType::BF16, half)
      .instr("deepc.mul", {0, 1}, DType::BF16)
      .output(DType::BF16);
  ASSERT_TRUE(scale.run().ok());
  EXPECT_EQ(scale.values(), (std::vector<double>{1.5, -2.5}));

  // An integer literal stays exact in i64.
  OpRunner exact("region");
  exact.inputInts(DType::I64, {1}, {0})
      .instr("deepc.constant", {}, DType::I64, big)
      .instr("deepc.add", {0, 1}, DType::I64)
      .output(DType::I64);
  ASSERT_TRUE(exact.run().ok());
  EXPECT_EQ(exact.intValues()[0], (int64_t(1) << 53) + 1);

  // A constant-only region is a scalar; non-finite values come as strings.
  OpRunner ninf("region");
  ninf.instr("deepc.constant", {}, DType::F32, inf).output(DType::F32);
  ASSERT_TRUE(ninf.run().ok());
  EXPECT_EQ(ninf.shape(), Shape());
  EXPECT_EQ(ninf.values()[0], -std::numeric_limits<double>::infinity());
}

TEST(CpuDataRegion, FloatFunctions) {
  json::Value tanhForm = json::Value::object();
  tanhForm["approximation"] = json::Value("tanh");
  OpRunner r("region");
  r.input(DType::F32, {1}, {1.0})
      .instr("deepc.gelu", {0}, DType::F32)           // 1
      .instr("deepc.gelu", {0}, DType::F32, tanhForm) // 2
      .instr("deepc.sub", {1, 2}, DType::F32)         // 3
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  // gelu(1) = 0.8413447; the tanh form gives 0.8411920.
  EXPECT_NEAR(r.values()[0], 0.8413447 - 0.8411920, 1e-6);

  struct Case {
    const char *op;
    double x, expected;
  } cases[] = {
      {"deepc.exp", 1, std::exp(1.0)},
      {"deepc.log", 2, std::log(2.0)},
      {"deepc.sqrt", 4, 2},
      {"deepc.rsqrt", 4, 0.5},
      {"deepc.reciprocal", 8, 0.125},
      {"deepc.tanh", 0.5, std::tanh(0.5)},
      {"deepc.sigmoid", 0, 0.5},
      {"deepc.erf", 0.5, std::erf(0.5)},
      {"deepc.sin", 1, std::sin(1.0)},
      {"deepc.cos", 1, std::cos(1.0)},
      {"deepc.floor", -1.5, -2},
      {"deepc.ceil", -1.5, -1},
      {"deepc.abs", -3, 3},
      {"deepc.relu", -3, 0},
  };
  for (const Case &c : cases) {
    OpRunner u("region");
    u.input(DType::F32, {1}, {c.x})
        .instr(c.op, {0}, DType::F32)
        .output(DType::F32);
    ASSERT_TRUE(u.run().ok()) << c.op;
    EXPECT_EQ(u.values()[0], double(float(c.expected))) << c.op;
  }
}

TEST(CpuDataRegion, MaxMinPropagateNan) {
  const double kNan = std::numeric_limits<double>::quiet_NaN();
  OpRunner r("region");
  r.input(DType::F32, {2}, {1, kNan})
      .input(DType::F32, {2}, {kNan, 1})
      .instr("deepc.max", {0, 1}, DType::F32)
      .output(DType::F32);
  ASSERT_TRUE(r.run().ok());
  EXPECT_TRUE(std::isnan(r.values()[0]) && std::isnan(r.values()[1]));
}

TEST(CpuDataRegion, MalformedBodiesAreErrors) {
  OpRunner unknown("region");
  unknown.input(DType::F32, {1}, {1})
      .instr("deepc.matmul", {0, 0}, DType::F32)
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(unknown.run(), "deepc.matmul");
  OpRunner arity("region");
  arity.input(DType::F32, {1}, {1})
      .instr("deepc.add", {0}, DType::F32)
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(arity.run(), "expects 2 operands");
  OpRunner forward("region");
  forward.input(DType::F32, {1}, {1})
      .instr("deepc.neg", {1}, DType::F32)
      .output(DType::F32);
  EXPECT_ERROR_MENTIONS(forward.run(), "not defined before");
}

} // namespace
