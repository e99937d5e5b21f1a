//===- LoomTest.cpp - loom dialect C++ API ----------------------*- C++ -*-===//

#include "DialectTestBase.h"

#include "loom/Dialect/Loom/IR/LoomOps.h"

#include <cmath>

using namespace mlir;
using namespace loom;

namespace {

class LoomTest : public test::DialectTest {};

TEST_F(LoomTest, AttentionGroupSizeAndDefaultScale) {
  auto module = parse(R"mlir(
    func.func @f(%q: tensor<1x8x4x64xf32>, %k: tensor<1x2x9x64xf32>, %v: tensor<1x2x9x64xf32>) -> tensor<1x8x4x64xf32> {
      %0 = loom.attention %q, %k, %v causal : tensor<1x8x4x64xf32>, tensor<1x2x9x64xf32>, tensor<1x2x9x64xf32> -> tensor<1x8x4x64xf32>
      return %0 : tensor<1x8x4x64xf32>
    })mlir");
  ASSERT_TRUE(module) << diagnostics;
  AttentionOp attention;
  module->walk([&](AttentionOp op) { attention = op; });
  ASSERT_TRUE(attention);
  EXPECT_EQ(attention.getGroupSize(), 4);
  EXPECT_TRUE(attention.getCausal());
  EXPECT_DOUBLE_EQ(attention.getEffectiveScale(), 1.0 / std::sqrt(64.0));
}

TEST_F(LoomTest, SoftmaxNormalizesNegativeAxis) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
      %0 = loom.softmax online %x {axis = -2 : i64} : tensor<2x3x5xf32>
      return %0 : tensor<2x3x5xf32>
    })mlir");
  ASSERT_TRUE(module) << diagnostics;
  SoftmaxOp softmax;
  module->walk([&](SoftmaxOp op) { softmax = op; });
  ASSERT_TRUE(softmax);
  EXPECT_EQ(softmax.getNormalizedAxis(), 1);
  EXPECT_EQ(softmax.getAlgorithm(), SoftmaxAlgorithm::online);
}

TEST_F(LoomTest, RMSNormRejectsMismatchedWeight) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<2x64xf32>, %w: tensor<63xf32>) -> tensor<2x64xf32> {
      %0 = loom.rms_norm %x, %w : tensor<2x64xf32>, tensor<63xf32> -> tensor<2x64xf32>
      return %0 : tensor<2x64xf32>
    })mlir");
  EXPECT_FALSE(module);
  EXPECT_NE(diagnostics.find("weight has 63 elements but the normalized dimension has 64"),
            std::string::npos)
      << diagnostics;
}

} // namespace
