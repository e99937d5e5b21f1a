//===- Losses.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ----===//
//
// The two loss functions of ONNX. NegativeLogLikelihoodLoss picks, for each
// position of the target, -input[n, target, d...] times the class weight;
// positions whose target is `ignore_index` contribute nothing to the loss
// nor to the weight total that the mean divides by.
// SoftmaxCrossEntropyLoss is the same over log-softmax(scores) along the
// class axis, and can also return those log-probabilities.
//
// A target outside [0, C) (other than ignore_index) fails the run through
// the run-time error channel; its position reads a clamped class, so no
// memory outside the input is touched.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::intAttr;

/// The `reduction` attribute (ONNX's default: mean).
static StringRef reductionOf(Operation *op) {
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    return attr.getValue();
  return "mean";
}

/// The sum of all elements of `t` as a 0-D tensor.
static Value sumAll(OpBuilder &b, Location loc, Value t) {
  Type elem = cast<RankedTensorType>(t.getType()).getElementType();
  return reduceToScalar(b, loc, t, b.getZeroAttr(elem),
                        [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                          return arith::AddFOp::create(nb, nloc, a[0], a[1]);
                        });
}

/// The loss of `op` over log-probabilities `input` [N, C, d...] for integer
/// `target` [N, d...] and optional class `weight` [C], reduced as `op` says.
static Value buildNllLoss(OpBuilder &b, Location loc, Operation *op, Value input, Value target,
                          Value weight, RankedTensorType resultType) {
  auto targetType = cast<RankedTensorType>(target.getType());
  Type elem = cast<RankedTensorType>(input.getType()).getElementType();
  Type targetElem = targetType.getElementType();
  int64_t rank = targetType.getRank();
  MLIRContext *ctx = b.getContext();
  std::optional<int64_t> ignore = intAttr(op, "ignore_index");

  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({target, d});
  auto perPosition = RankedTensorType::get(targetType.getShape(), elem);
  auto flagsType = RankedTensorType::get(targetType.getShape(), b.getI1Type());
  Value classes = tensor::DimOp::create(b, loc, input, 1);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{perPosition, perPosition, flagsType}, ValueRange{target},
      ValueRange{emptyLike(b, loc, perPosition, sources), emptyLike(b, loc, perPosition, sources),
                 emptyLike(b, loc, flagsType, sources)},
      SmallVector<AffineMap>(4, identity),
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value t = a[0];
        Value ignored = arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(false));
        if (ignore)
          ignored = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::eq, t,
              arith::ConstantOp::create(nb, nloc, nb.getIntegerAttr(targetElem, *ignore)));
        Value c = arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), t);
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        Value outside = arith::OrIOp::create(
            nb, nloc, arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, c, zero),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, c, classes));
        outside = arith::AndIOp::create(
            nb, nloc, outside,
            arith::XOrIOp::create(nb, nloc, ignored,
                                  arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true))));
        Value last = arith::SubIOp::create(nb, nloc, classes,
                                           arith::ConstantIndexOp::create(nb, nloc, 1));
        c = arith::MaxSIOp::create(nb, nloc, arith::MinSIOp::create(nb, nloc, c, last), zero);
        SmallVector<Value> coords = {linalg::IndexOp::create(nb, nloc, 0), c};
        for (int64_t d = 1; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        Value logProb = tensor::ExtractOp::create(nb, nloc, input, coords);
        Value w = weight ? Value(tensor::ExtractOp::create(nb, nloc, weight, ValueRange{c}))
                         : Value(arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 1.0)));
        w = arith::SelectOp::create(
            nb, nloc, ignored, arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)), w);
        Value loss = arith::NegFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, logProb, w));
        linalg::YieldOp::create(nb, nloc, ValueRange{loss, w, outside});
      });
  reportIfAny(b, loc, generic.getResult(2), runtimeErrorReporter(op),
              LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE);
  Value loss = generic.getResult(0);
  StringRef reduction = reductionOf(op);
  if (reduction == "none")
    return loss.getType() == resultType ? loss
                                        : Value(tensor::CastOp::create(b, loc, resultType, loss));
  Value total = sumAll(b, loc, loss);
  if (reduction == "sum")
    return total;
  // mean: divided by the weight of the positions that count (0/0 is NaN,
  // as in ONNX's reference, when every target is ignored).
  Value weightTotal = sumAll(b, loc, generic.getResult(1));
  return buildElementwise(b, loc, resultType, ValueRange{total, weightTotal},
                          [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            return arith::DivFOp::create(nb, nloc, a[0], a[1]);
                          });
}

/// Why the loss `op` (input, target, optional weight) cannot be lowered.
static std::string checkLoss(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto targetType = cast<RankedTensorType>(op->getOperand(1).getType());
  StringRef reduction = reductionOf(op);
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    return "reduction '" + reduction.str() + "' is not one of none, sum, mean";
  if (!isFloat(inType.getElementType()))
    return "the input must be a float tensor";
  if (inType.getRank() < 2)
    return "the input must have a batch and a class dimension ([N, C, d1, ...])";
  if (!targetType.getElementType().isSignlessInteger() ||
      targetType.getRank() != inType.getRank() - 1)
    return "the target must be an integer tensor of the input's shape without the class "
           "dimension";
  if (op->getNumOperands() > 2 && op->getOperand(2)) {
    auto weightType = cast<RankedTensorType>(op->getOperand(2).getType());
    if (weightType.getRank() != 1 || weightType.getElementType() != inType.getElementType())
      return "the weight must be a vector of the input's element type";
  }
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (resultType.getRank() != (reduction == "none" ? targetType.getRank() : 0))
    return "the result's rank does not fit reduction '" + reduction.str() + "'";
  return "";
}

/// The optional third operand (weight), or null.
static Value weightOperand(Operation *op) {
  return op->getNumOperands() > 2 ? op->getOperand(2) : Value();
}

void loom::populateLossLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add(
      "onnx.NegativeLogLikelihoodLoss",
      [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> {
        return buildNllLoss(b, op->getLoc(), op, op->getOperand(0), op->getOperand(1),
                            weightOperand(op), resultType);
      },
      checkLoss);
  patterns.add(
      "onnx.SoftmaxCrossEntropyLoss",
      [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> {
        Location loc = op->getLoc();
        Value scores = op->getOperand(0);
        auto scoresType = cast<RankedTensorType>(scores.getType());
        Value logProb = buildSoftmax(b, loc, scores, /*axis=*/1, scoresType, /*logarithm=*/true);
        if (op->getNumResults() > 1 && !op->getResult(1).use_empty()) {
          Value out = logProb;
          if (out.getType() != op->getResult(1).getType())
            out = tensor::CastOp::create(b, loc, op->getResult(1).getType(), out);
          b.replaceAllUsesWith(op->getResult(1), out);
        }
        return buildNllLoss(b, loc, op, logProb, op->getOperand(1), weightOperand(op),
                            resultType);
      },
      checkLoss);
}
