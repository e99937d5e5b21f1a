//===- EraseNoOpCasts.cpp - forward identities and same-type casts -------===//
//
// An exported `.to(dtype)` of a tensor that already has that dtype is an
// onnx.Cast to its own type; it computes nothing but hides the producer from
// the passes that match op chains (attention fusion, the decoder's present
// outputs). So does the Flatten/Reshape wrapper that an opset-11 softmax over
// the last axis is imported with before its rank is known. See
// LoomOnnxEraseNoOpCastsPass.
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

/// Softmax, LogSoftmax or Hardmax of an opset below 13, imported before its
/// input's rank was known: Reshape(op(Flatten(x, axis = a), axis = 1),
/// Shape(x)). Once x is ranked and a is its last axis, the wrapper changes
/// nothing: op(x, axis = -1), which attention fusion recognizes (torch
/// writes softmax(dim=-1) as a positive axis at opsets 11 and 12).
struct UnwrapLastAxisLegacySoftmax : OpRewritePattern<loom::onnx::ReshapeOp> {
  using OpRewritePattern<loom::onnx::ReshapeOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(loom::onnx::ReshapeOp reshape,
                                PatternRewriter &rewriter) const override {
    Operation *normalize = reshape->getOperand(0).getDefiningOp();
    if (!normalize ||
        !isa<loom::onnx::SoftmaxOp, loom::onnx::LogSoftmaxOp, loom::onnx::HardmaxOp>(normalize) ||
        normalize->getNumOperands() != 1 || !normalize->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(reshape, "not a legacy softmax wrapper");
    auto flatten = normalize->getOperand(0).getDefiningOp<loom::onnx::FlattenOp>();
    auto shape = reshape->getOperand(1).getDefiningOp<loom::onnx::ShapeOp>();
    if (!flatten || !shape || shape->getOperand(0) != flatten->getOperand(0))
      return rewriter.notifyMatchFailure(reshape, "not a legacy softmax wrapper");
    auto axisOf = [](Operation *op, int64_t otherwise, StringRef name = "axis") {
      auto attr = op->getAttrOfType<IntegerAttr>(name);
      return attr ? attr.getInt() : otherwise;
    };
    Value x = flatten->getOperand(0);
    auto type = dyn_cast<RankedTensorType>(x.getType());
    if (!type || type.getRank() < 1 || axisOf(normalize, 1) != 1 ||
        axisOf(shape, 0, "start") != 0 ||
        axisOf(shape, type.getRank(), "end") < type.getRank())
      return rewriter.notifyMatchFailure(reshape, "unranked input or another axis");
    int64_t axis = axisOf(flatten, 1);
    if ((axis < 0 ? axis + type.getRank() : axis) != type.getRank() - 1)
      return rewriter.notifyMatchFailure(reshape, "not the last axis");
    OperationState state(normalize->getLoc(), normalize->getName());
    state.addOperands(x);
    state.addAttribute("axis", rewriter.getIntegerAttr(
                                   rewriter.getIntegerType(64, /*isSigned=*/true), -1));
    state.addTypes(reshape.getType());
    rewriter.replaceOp(reshape, rewriter.create(state)->getResults());
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
               ForwardSameTypeOperand<IdentityOp>, UnwrapLastAxisLegacySoftmax>(
      patterns.getContext());
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
