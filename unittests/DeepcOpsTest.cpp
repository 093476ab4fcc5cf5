//===- DeepcOpsTest.cpp - deepc ops built from C++ ------------------------===//
//
// What lit cannot reach: builders and accessors used by passes, and folds
// checked on programmatically built IR.
//
//===----------------------------------------------------------------------===//

#include "deepc/Dialect/Deepc/IR/Deepc.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir;
using namespace mlir::deepc;

namespace {

class DeepcOpsTest : public ::testing::Test {
protected:
  DeepcOpsTest() : builder(&context) {
    context.loadDialect<DeepcDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToStart(module->getBody());
  }

  RankedTensorType f32Tensor(ArrayRef<int64_t> shape) {
    return RankedTensorType::get(shape, builder.getF32Type());
  }

  Value splat(ArrayRef<int64_t> shape, float value) {
    auto type = f32Tensor(shape);
    return builder.create<ConstantOp>(
        builder.getUnknownLoc(),
        DenseElementsAttr::get(type, builder.getF32FloatAttr(value)));
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(DeepcOpsTest, AddInfersTheBroadcastResultType) {
  Value a = splat({4, 1, 64}, 1.0f);
  Value b = splat({8, 64}, 2.0f);
  auto add = builder.create<AddOp>(builder.getUnknownLoc(), a, b);
  EXPECT_EQ(add.getType(), f32Tensor({4, 8, 64}));
}

TEST_F(DeepcOpsTest, AddOfTwoSplatsFoldsToTheirSum) {
  Value a = splat({2, 2}, 1.5f);
  Value b = splat({2, 2}, 2.0f);
  auto add = builder.create<AddOp>(builder.getUnknownLoc(), a, b);
  SmallVector<OpFoldResult> folded;
  ASSERT_TRUE(succeeded(add->fold(folded)));
  ASSERT_EQ(folded.size(), 1u);
  auto attr = dyn_cast<SplatElementsAttr>(folded[0].dyn_cast<Attribute>());
  ASSERT_TRUE(attr);
  EXPECT_EQ(attr.getSplatValue<APFloat>().convertToFloat(), 3.5f);
}

TEST_F(DeepcOpsTest, AttentionDefaultScaleIsInverseSqrtHeadDim) {
  Location loc = builder.getUnknownLoc();
  Value q = splat({1, 8, 4, 64}, 0.0f);
  Value kv = splat({1, 2, 4, 64}, 0.0f);
  auto attention = builder.create<AttentionOp>(
      loc, q, kv, kv, /*mask=*/Value(), /*gate=*/Value(), /*sinks=*/Value(),
      /*num_heads=*/8, /*num_kv_heads=*/2, /*scale=*/nullptr,
      /*causal=*/true, /*window_left=*/-1, /*window_right=*/-1,
      /*num_global_tokens=*/0, /*softcap=*/0.0f);
  EXPECT_TRUE(succeeded(verify(attention)));
  EXPECT_FLOAT_EQ(attention.getEffectiveScale(), 1.0f / 8.0f);
  EXPECT_EQ(attention.getType(), f32Tensor({1, 8, 4, 64}));
}

TEST_F(DeepcOpsTest, MoeVerifierNamesTopKAndExpertCount) {
  Location loc = builder.getUnknownLoc();
  Value hidden = splat({4, 16}, 0.0f);
  Value router = splat({8, 16}, 0.0f);
  Value up = splat({8, 32, 16}, 0.0f);
  Value down = splat({8, 16, 32}, 0.0f);
  auto moe = builder.create<MoeOp>(
      loc, hidden.getType(), hidden, router, /*w_gate=*/up, /*w_up=*/up,
      /*w_gate_up=*/Value(), down, /*gate_bias=*/Value(), /*up_bias=*/Value(),
      /*gate_up_bias=*/Value(), /*down_bias=*/Value(),
      /*correction_bias=*/Value(),
      /*shared_gate=*/Value(), /*shared_up=*/Value(), /*shared_down=*/Value(),
      /*shared_expert_gate=*/Value(), /*top_k=*/9);
  EXPECT_EQ(moe.getNumExperts(), 8);

  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  EXPECT_TRUE(failed(verify(moe)));
  EXPECT_EQ(message, "'deepc.moe' op top_k (9) exceeds the number of experts "
                     "(8)");
}

TEST_F(DeepcOpsTest, RotaryResolvesRotaryDimZeroToTheHeadDim) {
  Location loc = builder.getUnknownLoc();
  Value x = splat({1, 4, 6, 32}, 0.0f);
  Value table = splat({6, 16}, 0.0f);
  auto rotary = builder.create<RotaryOp>(loc, x, table, table,
                                         RotaryLayout::half, /*rotary_dim=*/0);
  EXPECT_EQ(rotary.getEffectiveRotaryDim(), 32);
  EXPECT_TRUE(succeeded(verify(rotary)));
}

} // namespace
