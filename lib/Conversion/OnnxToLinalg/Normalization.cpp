//===- Normalization.cpp - Softmax, LogSoftmax, LayerNormalization ----------===//
//
// The onnx normalizations: Softmax, LogSoftmax and LayerNormalization by the
// shared row-wise builders (lib/Conversion/LoweringSupport/
// NormalizationBuilders.cpp); BatchNormalization at inference.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace loom;

/// BatchNormalization at inference: per channel (dimension 1),
/// (x - mean) / sqrt(var + epsilon) * scale + B, in one elementwise pass.
static FailureOr<Value> lowerBatchNorm(Operation *op, RankedTensorType resultType,
                                       PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto norm = cast<onnx::BatchNormalizationOp>(op);
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({norm.getX(), d});
  Type elem = resultType.getElementType();
  double epsilon = norm.getEpsilon().convertToDouble();
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType},
             ValueRange{norm.getX(), norm.getScale(), norm.getB(), norm.getInputMean(),
                        norm.getInputVar()},
             ValueRange{emptyLike(b, loc, resultType, sources)},
             SmallVector<AffineMap>{identity, channel, channel, channel, channel, identity},
             parallel,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value eps = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, epsilon));
               Value inv = reciprocalSqrt(nb, nloc, arith::AddFOp::create(nb, nloc, a[4], eps));
               Value y = arith::MulFOp::create(
                   nb, nloc, arith::SubFOp::create(nb, nloc, a[0], a[3]), inv);
               y = arith::AddFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, y, a[1]), a[2]);
               linalg::YieldOp::create(nb, nloc, y);
             })
      .getResult(0);
}

static std::string checkBatchNorm(Operation *op, const LoweringState &) {
  auto norm = cast<onnx::BatchNormalizationOp>(op);
  if (loom::onnx_attributes::intAttr(op, "training_mode").value_or(0) != 0)
    return "BatchNormalization in training mode is not supported";
  for (Value v : op->getResults().drop_front())
    if (!v.use_empty())
      return "BatchNormalization's running statistics outputs are not supported";
  auto xType = cast<RankedTensorType>(norm.getX().getType());
  if (xType.getRank() < 2 || !isFloat(xType.getElementType()))
    return "the input must be a float tensor with a channel dimension";
  for (Value v : op->getOperands().drop_front()) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != 1 || type.getElementType() != xType.getElementType())
      return "scale, B, mean and var must be vectors of the input's element type";
  }
  return "";
}

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
  patterns.add("onnx.BatchNormalization", lowerBatchNorm, checkBatchNorm);
}
