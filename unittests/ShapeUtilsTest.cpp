//===- ShapeUtilsTest.cpp - shape arithmetic ------------------------------===//

#include "deepc/Support/ShapeUtils.h"

#include "mlir/IR/BuiltinTypes.h"

#include "gtest/gtest.h"

#include <limits>

using namespace mlir;
using namespace mlir::deepc;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST(ShapeUtils, BroadcastAlignsOnTheRightAndStretchesOnes) {
  auto r = broadcastShapes({8, 1, 64}, {4, 64});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{8, 4, 64}));
}

TEST(ShapeUtils, BroadcastOfScalarKeepsTheOtherShape) {
  auto r = broadcastShapes({}, {3, 5});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{3, 5}));
}

TEST(ShapeUtils, BroadcastRejectsMismatchedStaticDims) {
  EXPECT_FALSE(broadcastShapes({2, 3}, {4, 3}));
}

TEST(ShapeUtils, BroadcastDynamicDims) {
  // ? against a static n > 1 is n; against 1 or ? stays ?.
  auto r = broadcastShapes({kDyn, kDyn, kDyn}, {5, 1, kDyn});
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (SmallVector<int64_t>{5, kDyn, kDyn}));
}

TEST(ShapeUtils, BroadcastableToIsOneWay) {
  EXPECT_TRUE(isBroadcastableTo({1, 64}, {8, 4, 64}));
  EXPECT_FALSE(isBroadcastableTo({8, 4, 64}, {1, 64}));
  EXPECT_FALSE(isBroadcastableTo({3}, {4}));
  EXPECT_TRUE(isBroadcastableTo({kDyn}, {4}));
  EXPECT_TRUE(isBroadcastableTo({3}, {kDyn}));
}

TEST(ShapeUtils, NormalizeAxis) {
  EXPECT_EQ(normalizeAxis(-1, 4), 3);
  EXPECT_EQ(normalizeAxis(0, 4), 0);
  EXPECT_EQ(normalizeAxis(-4, 4), 0);
  EXPECT_FALSE(normalizeAxis(4, 4));
  EXPECT_FALSE(normalizeAxis(-5, 4));
  EXPECT_FALSE(normalizeAxis(0, 0));
}

TEST(ShapeUtils, FormatShape) {
  EXPECT_EQ(formatShape({2, kDyn, 64}), "2x?x64");
  EXPECT_EQ(formatShape({}), "scalar");
  EXPECT_EQ(formatDim(kDyn), "?");
}

TEST(ShapeUtils, ElementCountAndCeilDiv) {
  EXPECT_EQ(staticElementCount({2, 3, 4}), 24);
  EXPECT_EQ(staticElementCount({}), 1);
  EXPECT_FALSE(staticElementCount({2, kDyn}));
  EXPECT_EQ(ceilDivDim(257, 128), 3);
  EXPECT_EQ(ceilDivDim(256, 128), 2);
  EXPECT_EQ(ceilDivDim(kDyn, 128), kDyn);
  // Regression: (a + b - 1) / b overflowed for block sizes near INT64_MAX.
  EXPECT_EQ(ceilDivDim(4, std::numeric_limits<int64_t>::max()), 1);
  EXPECT_EQ(ceilDivDim(0, 7), 0);
}

} // namespace
