//===- SelectSoftmax.cpp - onnx.Softmax -> loom.softmax <algorithm> ------===//
//
// The softmax algorithm is a choice the lowering would otherwise make
// silently; this pass writes it into the IR (see the pass description in
// Passes.td), where lit tests and later passes can see it.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

using namespace mlir;
using loom::onnx_attributes::intAttr;

namespace loom {
#define GEN_PASS_DEF_LOOMSELECTSOFTMAXPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

namespace {
struct LoomSelectSoftmaxPass
    : loom::impl::LoomSelectSoftmaxPassBase<LoomSelectSoftmaxPass> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<loom::SoftmaxAlgorithm> chosen;
    const bool automatic = algorithm == "auto";
    if (automatic || algorithm == "three-pass")
      chosen = loom::SoftmaxAlgorithm::three_pass;
    else if (algorithm == "two-pass")
      chosen = loom::SoftmaxAlgorithm::two_pass;
    else if (algorithm == "online")
      chosen = loom::SoftmaxAlgorithm::online;
    if (!chosen) {
      getOperation().emitError() << "unknown softmax algorithm '" << algorithm
                                 << "' (auto, three-pass, two-pass or online)";
      return signalPassFailure();
    }
    getOperation().walk([&](Operation *op) {
      if (op->getName().getStringRef() != "onnx.Softmax")
        return;
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      if (!type || !isa<FloatType>(type.getElementType()) ||
          op->getOperand(0).getType() != type)
        return;
      int64_t axis = intAttr(op, "axis").value_or(-1);
      // An axis outside the input (a scalar's softmax, an axis of -2^40) is
      // left to the lowering's check, which names the node; loom.softmax's
      // verifier would print internal IR instead.
      const int64_t rank = type.getRank();
      if (axis < -rank || axis >= rank)
        return;
      loom::SoftmaxAlgorithm algorithmHere = *chosen;
      // auto: two-pass where the lowering will call loomrt's row kernel (the
      // conditions of callSoftmaxKernel), three-pass for generated loops.
      if (automatic && type.getElementType().isF32() && rank > 0 &&
          (axis < 0 ? axis + rank : axis) == rank - 1)
        algorithmHere = loom::SoftmaxAlgorithm::two_pass;
      OpBuilder b(op);
      auto softmax = loom::SoftmaxOp::create(b, op->getLoc(), type, op->getOperand(0),
                                             algorithmHere, axis);
      op->getResult(0).replaceAllUsesWith(softmax.getResult());
      op->erase();
    });
  }
};
} // namespace
