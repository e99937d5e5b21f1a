//===- DecodeTest.cpp - decode dialect C++ API ------------------*- C++ -*-===//

#include "DialectTestBase.h"

#include "loom/Dialect/Decode/IR/DecodeOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

using namespace mlir;
using namespace loom;

namespace {

class DecodeTest : public test::DialectTest {};

TEST_F(DecodeTest, KVCacheSizeCountsKeysAndValuesOfEveryLayer) {
  auto type = decode::KVCacheType::get(&context, /*layers=*/5, /*kvHeads=*/4,
                                       /*headDim=*/8, /*maxLength=*/512,
                                       Float32Type::get(&context));
  EXPECT_EQ(type.getSizeInBytes(), 2u * 5 * 4 * 8 * 512 * 4);
  auto half = decode::KVCacheType::get(&context, 32, 8, 128, 4096,
                                       Float16Type::get(&context));
  EXPECT_EQ(half.getSizeInBytes(), 2ull * 32 * 8 * 128 * 4096 * 2);
}

TEST_F(DecodeTest, KVCacheGetCheckedRejectsBadParameters) {
  auto emitAtUnknown = [&] { return emitError(UnknownLoc::get(&context)); };
  llvm::function_ref<InFlightDiagnostic()> emit = emitAtUnknown;
  Type f32 = Float32Type::get(&context);
  auto bad = decode::KVCacheType::getChecked(emit, &context, int64_t(2), int64_t(0),
                                             int64_t(8), int64_t(64), f32);
  EXPECT_FALSE(bad);
  EXPECT_NE(diagnostics.find("kv_heads must be positive, got 0"), std::string::npos)
      << diagnostics;
}

TEST_F(DecodeTest, BuildsSampleOpAndVerifies) {
  OpBuilder builder(&context);
  auto module = ModuleOp::create(UnknownLoc::get(&context));
  builder.setInsertionPointToEnd(module.getBody());
  auto f32 = builder.getF32Type();
  auto fn = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                 builder.getFunctionType({RankedTensorType::get({16}, f32)}, {}));
  Block *entry = fn.addEntryBlock();
  builder.setInsertionPointToEnd(entry);
  auto sample = decode::SampleOp::create(
      builder, builder.getUnknownLoc(), builder.getI64Type(), entry->getArgument(0),
      /*counter=*/Value(), decode::SamplingStrategy::greedy, nullptr, nullptr,
      nullptr, nullptr, nullptr);
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_TRUE(succeeded(verify(module))) << diagnostics;

  // The same op with a temperature is rejected: greedy sampling has none.
  sample.setTemperatureAttr(builder.getF32FloatAttr(0.7f));
  EXPECT_TRUE(failed(verify(module)));
  EXPECT_NE(diagnostics.find("greedy sampling takes no 'temperature'"), std::string::npos)
      << diagnostics;
  module->erase();
}

TEST_F(DecodeTest, ParsesLoopAndExposesItsBody) {
  auto module = parse(R"mlir(
    !cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
    func.func @g(%p: tensor<?xi64>, %n: index, %l: tensor<16xf32>) -> tensor<?xi64> {
      %c = decode.empty_cache : !cache
      %t, %f = decode.loop %p, %c, %n stop [2, 7] : tensor<?xi64>, !cache -> tensor<?xi64> {
      ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
        %tok = decode.sample greedy %l : tensor<16xf32> -> i64
        decode.yield %tok, %cache : i64, !cache
      }
      return %t : tensor<?xi64>
    })mlir");
  ASSERT_TRUE(module) << diagnostics;
  decode::LoopOp loop;
  module->walk([&](decode::LoopOp op) { loop = op; });
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop.getStopTokens().size(), 2u);
  EXPECT_EQ(loop.getStopTokens()[1], 7);
  EXPECT_EQ(loop.getBody().front().getNumArguments(), 3u);
  EXPECT_EQ(loop.getFinalCache().getType(), loop.getCache().getType());
}

} // namespace
