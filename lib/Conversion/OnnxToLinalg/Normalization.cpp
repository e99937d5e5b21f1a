//===- Normalization.cpp - Softmax, LogSoftmax, LayerNormalization ----------===//
//
// The onnx normalizations, built by the shared row-wise builders
// (lib/Conversion/LoweringSupport/NormalizationBuilders.cpp).
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"

using namespace mlir;
using namespace loom;

void loom::populateNormalizationLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add({"onnx.Softmax", "onnx.LogSoftmax"},
               [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 bool logarithm = op->getName().getStringRef() == "onnx.LogSoftmax";
                 int64_t axis = axisAttr(op, resultType.getRank(), -1);
                 return buildSoftmax(b, op->getLoc(), op->getOperand(0), axis, resultType,
                                     logarithm);
               });
  patterns.add("onnx.LayerNormalization",
               [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return buildLayerNorm(b, op, resultType);
               });
}
