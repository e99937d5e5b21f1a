//===- EraseNoOpCasts.cpp - forward identities and same-type casts -------===//
//
// An exported `.to(dtype)` of a tensor that already has that dtype is an
// onnx.Cast to its own type; it computes nothing but hides the producer from
// the passes that match op chains (attention fusion, the decoder's present
// outputs). See LoomOnnxEraseNoOpCastsPass.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom::onnx {
#define GEN_PASS_DEF_LOOMONNXERASENOOPCASTSPASS
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"
} // namespace loom::onnx

using namespace mlir;

namespace {

/// Replaces a single-input op whose result type is its input's type by the
/// input. The types must be equal, not merely compatible: a use such as
/// func.return needs the exact type it had.
template <typename OpTy>
struct ForwardSameTypeOperand : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value input = op->getOperand(0);
    if (op->getNumResults() != 1 || input.getType() != op->getResult(0).getType())
      return rewriter.notifyMatchFailure(op, "changes the type");
    rewriter.replaceOp(op, input);
    return success();
  }
};

struct LoomOnnxEraseNoOpCastsPass
    : loom::onnx::impl::LoomOnnxEraseNoOpCastsPassBase<LoomOnnxEraseNoOpCastsPass> {
  void runOnOperation() override {
    if (failed(loom::onnx::eraseNoOpCasts(getOperation())))
      signalPassFailure();
  }
};

} // namespace

void loom::onnx::populateEraseNoOpCastsPatterns(RewritePatternSet &patterns) {
  patterns.add<ForwardSameTypeOperand<CastOp>, ForwardSameTypeOperand<CastLikeOp>,
               ForwardSameTypeOperand<IdentityOp>>(patterns.getContext());
}

LogicalResult loom::onnx::eraseNoOpCasts(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  populateEraseNoOpCastsPatterns(patterns);
  // Only these ops are rewritten: the rest of the graph is left as it is.
  GreedyRewriteConfig config;
  config.enableFolding(false);
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  return applyPatternsGreedily(func, std::move(patterns), config);
}
