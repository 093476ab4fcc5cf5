//===- DeepcRunTest.cpp - deepc-run's tensor files and comparisons --------===//
//
// The parts of tools/deepc-run that need no runtime: element conversions,
// TensorProto reading and writing, output comparison and latency statistics.
//
//===----------------------------------------------------------------------===//

#include "deepc-run/Compare.h"
#include "deepc-run/Elements.h"
#include "deepc-run/Stats.h"
#include "deepc-run/TensorFiles.h"

#include "onnx.pb.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>

using namespace deepc::run;

namespace {

//===--- Element conversions ------------------------------------------===//

TEST(DeepcRunElements, HalfRoundTripsEveryPattern) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float value = halfToFloat(uint16_t(bits));
    if (std::isnan(value))
      EXPECT_TRUE(std::isnan(halfToFloat(floatToHalf(value))));
    else
      EXPECT_EQ(floatToHalf(value), bits) << "pattern " << bits;
  }
}

TEST(DeepcRunElements, HalfRoundsToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(floatToHalf(65504.0f), 0x7bff);
  EXPECT_EQ(floatToHalf(65519.0f), 0x7bff);
  // Halfway between 65504 and 65536: the even neighbour is infinity.
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00);
  EXPECT_EQ(floatToHalf(-1e10f), 0xfc00);
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties to even (1).
  EXPECT_EQ(floatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  EXPECT_EQ(floatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  // Subnormals: 1.5 and 0.5 units of 2^-24 tie to 2 and 0 units.
  EXPECT_EQ(floatToHalf(1.5f * std::ldexp(1.0f, -24)), 0x0002);
  EXPECT_EQ(floatToHalf(0.5f * std::ldexp(1.0f, -24)), 0x0000);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
}

TEST(DeepcRunElements, Bf16RoundTripsAndRounds) {
  for (uint32_t bits = 0; bits <= 0xffff; ++bits) {
    float value = bf16ToFloat(uint16_t(bits));
    if (!std::isnan(value))
      EXPECT_EQ(floatToBf16(value), bits) << "pattern " << bits;
  }
  EXPECT_EQ(floatToBf16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(floatToBf16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bf16ToFloat(floatToBf16(NAN))));
}

TEST(DeepcRunElements, F8e4m3fnRoundTripsAndSaturates) {
  for (uint32_t bits = 0; bits <= 0xff; ++bits) {
    float value = f8e4m3fnToFloat(uint8_t(bits));
    if (std::isnan(value))
      EXPECT_TRUE((bits & 0x7f) == 0x7f);
    else
      EXPECT_EQ(floatToF8e4m3fn(value), bits) << "pattern " << bits;
  }
  EXPECT_EQ(f8e4m3fnToFloat(0x7e), 448.0f);
  EXPECT_EQ(floatToF8e4m3fn(1000.0f), 0x7e);
  EXPECT_EQ(floatToF8e4m3fn(-INFINITY), 0xfe);
  // 1 + 2^-4 is halfway between 1 (0x38) and 1.125 (0x39): ties to even.
  EXPECT_EQ(floatToF8e4m3fn(1.0625f), 0x38);
  EXPECT_EQ(floatToF8e4m3fn(1.1875f), 0x3a);
  EXPECT_TRUE(std::isnan(f8e4m3fnToFloat(floatToF8e4m3fn(NAN))));
}

//===--- TensorProto files --------------------------------------------===//

std::string rawProto(const std::string &name, int32_t dataType,
                     std::vector<int64_t> dims, const void *data,
                     size_t bytes) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(dataType);
  for (int64_t dim : dims)
    proto.add_dims(dim);
  proto.set_raw_data(data, bytes);
  return proto.SerializeAsString();
}

std::string errorOf(llvm::Expected<HostTensor> tensor) {
  if (tensor)
    return "";
  return llvm::toString(tensor.takeError());
}

TEST(DeepcRunTensorFiles, ReadsRawData) {
  float values[] = {1.5f, -2.0f, 0.25f, 8.0f, 0.0f, -1.0f};
  llvm::Expected<HostTensor> tensor = parseTensorProto(
      rawProto("x", 1, {2, 3}, values, sizeof(values)), "x.pb");
  ASSERT_TRUE(bool(tensor)) << llvm::toString(tensor.takeError());
  EXPECT_EQ(tensor->name(), "x");
  EXPECT_EQ(tensor->dtype(), DEEPC_DTYPE_F32);
  EXPECT_EQ(tensor->dims(), llvm::ArrayRef<int64_t>({2, 3}));
  EXPECT_EQ(std::memcmp(tensor->data(), values, sizeof(values)), 0);
}

TEST(DeepcRunTensorFiles, ReadsTypedFields) {
  onnx::TensorProto proto;
  proto.set_name("h");
  proto.set_data_type(10); // float16: bit patterns in int32_data
  proto.add_dims(2);
  proto.add_int32_data(0x3c00);
  proto.add_int32_data(0xc000);
  llvm::Expected<HostTensor> half =
      parseTensorProto(proto.SerializeAsString(), "h.pb");
  ASSERT_TRUE(bool(half)) << llvm::toString(half.takeError());
  EXPECT_EQ(loadFloat(half->data(), DEEPC_DTYPE_F16, 0), 1.0);
  EXPECT_EQ(loadFloat(half->data(), DEEPC_DTYPE_F16, 1), -2.0);

  proto.Clear();
  proto.set_data_type(9); // bool
  proto.add_dims(3);
  for (int value : {0, 1, 7})
    proto.add_int32_data(value);
  llvm::Expected<HostTensor> flags =
      parseTensorProto(proto.SerializeAsString(), "b.pb");
  ASSERT_TRUE(bool(flags)) << llvm::toString(flags.takeError());
  const uint8_t *bytes = static_cast<const uint8_t *>(flags->data());
  EXPECT_EQ(bytes[0], 0);
  EXPECT_EQ(bytes[1], 1);
  EXPECT_EQ(bytes[2], 1);

  proto.Clear();
  proto.set_data_type(7); // int64
  proto.add_dims(1);
  proto.add_int64_data(int64_t(1) << 40);
  llvm::Expected<HostTensor> wide =
      parseTensorProto(proto.SerializeAsString(), "i.pb");
  ASSERT_TRUE(bool(wide)) << llvm::toString(wide.takeError());
  EXPECT_EQ(loadInt(wide->data(), DEEPC_DTYPE_I64, 0), int64_t(1) << 40);
}

TEST(DeepcRunTensorFiles, UnpacksInt4) {
  // [1, -2, 7]: two to a byte, the first element in the low nibble.
  const unsigned char packed[] = {0xE1, 0x07};
  llvm::Expected<HostTensor> t =
      parseTensorProto(rawProto("q", 22, {3}, packed, 2), "q.pb");
  ASSERT_TRUE(bool(t)) << llvm::toString(t.takeError());
  ASSERT_EQ(t->dtype(), DEEPC_DTYPE_I4);
  const auto *v = static_cast<const int8_t *>(t->data());
  EXPECT_EQ(v[0], 1);
  EXPECT_EQ(v[1], -2);
  EXPECT_EQ(v[2], 7);
  EXPECT_EQ(errorOf(parseTensorProto(rawProto("q", 22, {3}, packed, 1), "q.pb")),
            "q.pb: tensor 'q' [3] int4 has 1 packed bytes, expected 2");
}

TEST(DeepcRunTensorFiles, RejectsBadFilesNamingThem) {
  EXPECT_EQ(errorOf(parseTensorProto("\xff\xff\xff", "bad.pb")),
            "bad.pb: not a valid ONNX TensorProto: the protobuf is malformed "
            "or truncated");

  double d = 1.0;
  EXPECT_EQ(errorOf(parseTensorProto(rawProto("d", 11, {1}, &d, 8), "d.pb")),
            "d.pb: tensor 'd' has dtype double, which deepc does not support "
            "(it reads float, float16, bfloat16, float8e4m3fn, bool, int4, "
            "int8, int32 and int64)");

  float f[3] = {};
  EXPECT_EQ(errorOf(parseTensorProto(rawProto("s", 1, {2, 2}, f, 12), "s.pb")),
            "s.pb: tensor 's' [2, 2] f32 has 12 bytes of raw_data, expected "
            "16");
  EXPECT_EQ(errorOf(parseTensorProto(rawProto("n", 1, {-1}, f, 4), "n.pb")),
            "n.pb: tensor 'n' has a negative dim: [-1]");

  onnx::TensorProto proto;
  proto.set_name("t");
  proto.set_data_type(6);
  proto.add_dims(3);
  proto.add_int32_data(1);
  EXPECT_EQ(errorOf(parseTensorProto(proto.SerializeAsString(), "t.pb")),
            "t.pb: tensor 't' [3] has 1 values in int32_data, expected 3");

  proto.set_data_location(onnx::TensorProto_DataLocation_EXTERNAL);
  EXPECT_EQ(errorOf(parseTensorProto(proto.SerializeAsString(), "e.pb")),
            "e.pb: tensor 't' keeps its data in an external file, which "
            "deepc-run does not read");

  EXPECT_EQ(errorOf(readTensorFile("/nonexistent/input_0.pb")),
            "/nonexistent/input_0.pb: cannot read the file: No such file or "
            "directory");
}

TEST(DeepcRunTensorFiles, WritesWhatItReads) {
  HostTensor tensor("logits", DEEPC_DTYPE_BF16, {2, 1});
  storeFloat(tensor.data(), DEEPC_DTYPE_BF16, 0, 3.0f);
  storeFloat(tensor.data(), DEEPC_DTYPE_BF16, 1, -0.5f);
  llvm::Expected<HostTensor> back =
      parseTensorProto(serializeTensorProto("out", tensor.ref()), "out.pb");
  ASSERT_TRUE(bool(back)) << llvm::toString(back.takeError());
  EXPECT_EQ(back->name(), "out");
  EXPECT_EQ(back->dtype(), DEEPC_DTYPE_BF16);
  EXPECT_EQ(back->dims(), tensor.dims());
  EXPECT_EQ(std::memcmp(back->data(), tensor.data(), tensor.byteSize()), 0);
}

TEST(DeepcRunTensorFiles, ListsFilesInNumericOrder) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("deepc-run-test", dir));
  for (const char *name : {"input_10.pb", "input_2.pb", "input_0.pb",
                           "input_x.pb", "input_.pb", "output_0.pb"}) {
    llvm::SmallString<128> path(dir);
    llvm::sys::path::append(path, name);
    std::error_code ec;
    llvm::raw_fd_ostream(path, ec);
    ASSERT_FALSE(ec);
  }
  llvm::Expected<std::vector<std::string>> files =
      listTensorFiles(dir, "input_");
  ASSERT_TRUE(bool(files)) << llvm::toString(files.takeError());
  std::vector<std::string> names;
  for (const std::string &file : *files)
    names.push_back(llvm::sys::path::filename(file).str());
  EXPECT_EQ(names, (std::vector<std::string>{"input_0.pb", "input_2.pb",
                                             "input_10.pb"}));
  llvm::sys::fs::remove_directories(dir);

  llvm::Expected<std::vector<std::string>> missing =
      listTensorFiles("/nonexistent-dir", "input_");
  ASSERT_FALSE(bool(missing));
  EXPECT_EQ(llvm::toString(missing.takeError()),
            "'/nonexistent-dir' is not a directory: no such file or "
            "directory");
}

//===--- Comparison ---------------------------------------------------===//

TEST(DeepcRunCompare, ScalesTheToleranceWithTheExpectedMagnitude) {
  std::vector<int64_t> dims = {3};
  float expected[] = {100.0f, -0.5f, 0.0f};
  float close[] = {100.005f, -0.5f, 0.0f};
  float far[] = {100.02f, -0.5f, 0.0f};
  TensorRef want{expected, DEEPC_DTYPE_F32, dims};
  // Allowed: 1e-4 * 100 = 0.01.
  Comparison pass = compareTensors({close, DEEPC_DTYPE_F32, dims}, want, 1e-4);
  EXPECT_TRUE(pass.ok);
  EXPECT_NEAR(pass.maxAbsErr, 0.005, 1e-5);
  EXPECT_NEAR(pass.maxRelErr, 0.00005, 1e-6);
  EXPECT_EQ(pass.scale, 100.0);
  Comparison fail = compareTensors({far, DEEPC_DTYPE_F32, dims}, want, 1e-4);
  EXPECT_FALSE(fail.ok);
  EXPECT_NEAR(fail.maxAbsErr, 0.02, 1e-5);
}

TEST(DeepcRunCompare, SmallValuesUseAScaleOfOne) {
  std::vector<int64_t> dims = {1};
  float expected[] = {1e-3f}, actual[] = {1e-3f + 5e-5f};
  Comparison result = compareTensors({actual, DEEPC_DTYPE_F32, dims},
                                     {expected, DEEPC_DTYPE_F32, dims}, 1e-4);
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.scale, 1.0);
}

TEST(DeepcRunCompare, NaNsMustMatchPositions) {
  std::vector<int64_t> dims = {2};
  float expected[] = {NAN, 1.0f};
  float same[] = {NAN, 1.0f}, moved[] = {0.0f, NAN};
  TensorRef want{expected, DEEPC_DTYPE_F32, dims};
  EXPECT_TRUE(compareTensors({same, DEEPC_DTYPE_F32, dims}, want, 1e-4).ok);
  Comparison result =
      compareTensors({moved, DEEPC_DTYPE_F32, dims}, want, 1e-4);
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.nanMismatches, 2);
}

TEST(DeepcRunCompare, InfinitiesMustBeEqual) {
  std::vector<int64_t> dims = {1};
  float inf[] = {INFINITY}, minusInf[] = {-INFINITY};
  TensorRef want{inf, DEEPC_DTYPE_F32, dims};
  EXPECT_TRUE(compareTensors({inf, DEEPC_DTYPE_F32, dims}, want, 1e-4).ok);
  EXPECT_FALSE(
      compareTensors({minusInf, DEEPC_DTYPE_F32, dims}, want, 1e-4).ok);
}

TEST(DeepcRunCompare, IntegersMustBeExact) {
  std::vector<int64_t> dims = {2};
  int64_t expected[] = {(int64_t(1) << 60) + 1, 5};
  int64_t offByOne[] = {int64_t(1) << 60, 5};
  TensorRef want{expected, DEEPC_DTYPE_I64, dims};
  EXPECT_TRUE(compareTensors(want, want, 1.0).ok);
  // 2^60 + 1 and 2^60 are the same double: still a mismatch.
  Comparison result =
      compareTensors({offByOne, DEEPC_DTYPE_I64, dims}, want, 1.0);
  EXPECT_FALSE(result.ok);
  EXPECT_GE(result.maxAbsErr, 1.0);
}

TEST(DeepcRunCompare, ShapeAndDTypeMismatchesNameBoth) {
  std::vector<int64_t> small = {2}, large = {3};
  float values[3] = {};
  Comparison shape = compareTensors({values, DEEPC_DTYPE_F32, large},
                                    {values, DEEPC_DTYPE_F32, small}, 1e-4);
  EXPECT_FALSE(shape.ok);
  EXPECT_EQ(shape.mismatch, "expected [2] f32, got [3] f32");
  Comparison dtype = compareTensors({values, DEEPC_DTYPE_I32, small},
                                    {values, DEEPC_DTYPE_F32, small}, 1e-4);
  EXPECT_FALSE(dtype.ok);
  EXPECT_EQ(dtype.mismatch, "expected [2] f32, got [2] i32");
}

//===--- Latency statistics -------------------------------------------===//

TEST(DeepcRunStats, NearestRankPercentiles) {
  std::vector<double> latencies;
  for (int i = 100; i >= 1; --i)
    latencies.push_back(i);
  LatencyStats stats = summarizeLatencies(latencies);
  EXPECT_EQ(stats.minMs, 1);
  EXPECT_EQ(stats.maxMs, 100);
  EXPECT_EQ(stats.medianMs, 50.5);
  EXPECT_EQ(stats.p90Ms, 90);
  EXPECT_EQ(stats.p99Ms, 99);
  EXPECT_EQ(stats.meanMs, 50.5);

  LatencyStats two = summarizeLatencies({3.0, 1.0});
  EXPECT_EQ(two.medianMs, 2.0);
  EXPECT_EQ(two.p90Ms, 3.0);
  EXPECT_EQ(summarizeLatencies({}).medianMs, 0);
}

} // namespace
