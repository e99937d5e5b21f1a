//===- ApproximateMath.cpp - vectorizable transcendental functions --------===//
//
// A loop that calls expf cannot be vectorized by LLVM without a vector math
// library; the same loop over MLIR's polynomial approximations (range
// reduction plus a minimax polynomial, a few ulp from the correctly rounded
// result) is plain arithmetic and vectorizes. Softmax, GELU, SiLU and every
// activation in between spend their time here.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace loom {
#define GEN_PASS_DEF_LOOMAPPROXIMATEMATHPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {
struct ApproximateMath : loom::impl::LoomApproximateMathPassBase<ApproximateMath> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [](StringRef name) {
      name.consume_front("math."); // either spelling
      return llvm::is_contained({"exp", "expm1", "log", "log1p", "log2", "tanh", "erf", "sin",
                                 "cos", "atan"},
                                name);
    });
    populatePolynomialApproximateTanhPattern(patterns);
    populatePolynomialApproximateErfPattern(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
