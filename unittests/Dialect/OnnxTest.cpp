//===- OnnxTest.cpp - onnx dialect C++ API ----------------------*- C++ -*-===//

#include "DialectTestBase.h"

#include "loom/Dialect/Onnx/IR/OnnxOps.h"

using namespace mlir;
using namespace loom;

namespace {

class OnnxTest : public test::DialectTest {};

TEST_F(OnnxTest, GeneratedOpsKnowTheirOpset) {
  // The generated definitions track the newest opset of Debian's ONNX 1.12.
  EXPECT_EQ(onnx::SoftmaxOp::kOpsetVersion, 13);
  EXPECT_EQ(onnx::LayerNormalizationOp::kOpsetVersion, 17);
  EXPECT_EQ(onnx::ReduceSumOp::kOpsetVersion, 13);
}

TEST_F(OnnxTest, SchemaDefaultsAreVisibleThroughAccessors) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
      %0 = "onnx.Softmax"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
      return %0 : tensor<2x3xf32>
    })mlir");
  ASSERT_TRUE(module) << diagnostics;
  onnx::SoftmaxOp softmax;
  module->walk([&](onnx::SoftmaxOp op) { softmax = op; });
  ASSERT_TRUE(softmax);
  EXPECT_EQ(softmax.getAxis(), -1); // ONNX's default since opset 13
}

TEST_F(OnnxTest, OptionalOperandsOfClip) {
  auto module = parse(R"mlir(
    func.func @f(%x: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
      %0 = "onnx.Clip"(%x, %hi) <{operandSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
      return %0 : tensor<4xf32>
    })mlir");
  ASSERT_TRUE(module) << diagnostics;
  onnx::ClipOp clip;
  module->walk([&](onnx::ClipOp op) { clip = op; });
  ASSERT_TRUE(clip);
  EXPECT_FALSE(clip.getMin());
  EXPECT_TRUE(clip.getMax());
}

} // namespace
