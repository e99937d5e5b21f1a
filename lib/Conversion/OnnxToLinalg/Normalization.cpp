//===- Normalization.cpp - Softmax, LogSoftmax, LayerNormalization ----------===//
//
// The onnx normalizations: Softmax, LogSoftmax and LayerNormalization by the
// shared row-wise builders (lib/Conversion/LoweringSupport/
// NormalizationBuilders.cpp); BatchNormalization at inference;
// InstanceNormalization (also what GroupNorm exports to); LRN and
// MeanVarianceNormalization.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace loom;

/// BatchNormalization at inference: per channel (dimension 1),
/// (x - mean) / sqrt(var + epsilon) * scale + B, in one elementwise pass.
/// In training mode (training_mode = 1) mean and var are the batch's own
/// (over every dimension but the channel; the population variance, from the
/// differences to the mean), and the running statistics outputs are
/// input_mean * momentum + mean * (1 - momentum), the same for var.
static Value buildBatchNorm(OpBuilder &b, Location loc, Value x, Value scale, Value bias,
                            Value mean, Value var, double epsilon, RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  Type elem = resultType.getElementType();
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{x, scale, bias, mean, var},
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

/// Per channel (dimension 1) of `x`: the sum of f(x) over every other
/// dimension, as a [C] tensor; `f` sees the element and, when `mean` is
/// given, the channel's value of it.
static Value sumPerChannel(OpBuilder &b, Location loc, Value x, Value mean,
                           const std::function<Value(OpBuilder &, Location, Value, Value)> &f) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  Type elem = type.getElementType();
  MLIRContext *ctx = b.getContext();
  auto statsType = RankedTensorType::get({type.getDimSize(1)}, elem);
  Value init = linalg::FillOp::create(
                   b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(elem)).getResult(),
                   emptyLike(b, loc, statsType, {{x, 1}}))
                   .getResult(0);
  AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<Value> inputs = {x};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx)};
  if (mean) {
    inputs.push_back(mean);
    maps.push_back(channel);
  }
  maps.push_back(channel);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  iterators[1] = utils::IteratorType::parallel;
  return linalg::GenericOp::create(
             b, loc, TypeRange{statsType}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value v = f(nb, nloc, a[0], mean ? a[1] : Value());
               linalg::YieldOp::create(nb, nloc,
                                       arith::AddFOp::create(nb, nloc, a.back(), v).getResult());
             })
      .getResult(0);
}

static FailureOr<Value> lowerBatchNorm(Operation *op, RankedTensorType resultType,
                                       PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto norm = cast<onnx::BatchNormalizationOp>(op);
  double epsilon = norm.getEpsilon().convertToDouble();
  if (loom::onnx_attributes::intAttr(op, "training_mode").value_or(0) == 0)
    return buildBatchNorm(b, loc, norm.getX(), norm.getScale(), norm.getB(),
                          norm.getInputMean(), norm.getInputVar(), epsilon, resultType);
  Value x = norm.getX();
  auto xType = cast<RankedTensorType>(x.getType());
  Type elem = xType.getElementType();
  // The number of elements per channel.
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < xType.getRank(); ++d)
    if (d != 1)
      count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, x, d));
  Value n = arith::UIToFPOp::create(b, loc, elem,
                                    arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
  auto divide = [&](Value sums) {
    return buildElementwise(b, loc, cast<RankedTensorType>(sums.getType()), ValueRange{sums},
                            [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                              return arith::DivFOp::create(nb, nloc, a[0], n);
                            });
  };
  Value mean = divide(sumPerChannel(b, loc, x, Value(),
                                    [](OpBuilder &, Location, Value v, Value) { return v; }));
  Value var = divide(sumPerChannel(b, loc, x, mean,
                                   [](OpBuilder &nb, Location nloc, Value v, Value m) -> Value {
                                     Value d = arith::SubFOp::create(nb, nloc, v, m);
                                     return arith::MulFOp::create(nb, nloc, d, d);
                                   }));
  double momentum = 0.9;
  if (auto attr = op->getAttrOfType<FloatAttr>("momentum"))
    momentum = attr.getValueAsDouble();
  auto blend = [&](Value running, Value batch, unsigned result) {
    if (op->getNumResults() <= result || op->getResult(result).use_empty())
      return;
    auto type = cast<RankedTensorType>(op->getResult(result).getType());
    Value v = buildElementwise(b, loc, type, ValueRange{running, batch},
                               [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                                 auto c = [&](double d) -> Value {
                                   return arith::ConstantOp::create(nb, nloc,
                                                                    nb.getFloatAttr(elem, d));
                                 };
                                 return arith::AddFOp::create(
                                     nb, nloc, arith::MulFOp::create(nb, nloc, a[0], c(momentum)),
                                     arith::MulFOp::create(nb, nloc, a[1], c(1.0 - momentum)));
                               });
    b.replaceAllUsesWith(op->getResult(result), v);
  };
  blend(norm.getInputMean(), mean, 1);
  blend(norm.getInputVar(), var, 2);
  return buildBatchNorm(b, loc, x, norm.getScale(), norm.getB(), mean, var, epsilon, resultType);
}

static std::string checkBatchNorm(Operation *op, const LoweringState &) {
  auto norm = cast<onnx::BatchNormalizationOp>(op);
  bool training = loom::onnx_attributes::intAttr(op, "training_mode").value_or(0) != 0;
  if (!training)
    for (Value v : op->getResults().drop_front())
      if (!v.use_empty())
        return "the running statistics outputs exist only in training mode";
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

/// LRN across channels (dimension 1): x / (bias + alpha / size * sum of
/// squares over the channel window)^beta; the window of `size` channels
/// around c, cut at the edges. The window is unrolled (size is small).
static FailureOr<Value> lowerLrn(Operation *op, RankedTensorType resultType,
                                 PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0);
  int64_t size = *loom::onnx_attributes::intAttr(op, "size");
  auto floatAttr = [&](StringRef name, double fallback) {
    auto attr = op->getAttrOfType<FloatAttr>(name);
    return attr ? attr.getValueAsDouble() : fallback;
  };
  double alpha = floatAttr("alpha", 1e-4), beta = floatAttr("beta", 0.75),
         bias = floatAttr("bias", 1.0);
  int64_t before = (size - 1) / 2, rank = resultType.getRank();
  Type elem = resultType.getElementType();
  Value channels = tensor::DimOp::create(b, loc, x, 1);
  return buildElementwise(
      b, loc, resultType, ValueRange{x},
      [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        auto cst = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, v));
        };
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        Value c = coords[1];
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        Value last = arith::SubIOp::create(nb, nloc, channels,
                                           arith::ConstantIndexOp::create(nb, nloc, 1));
        Value sum = cst(0.0);
        for (int64_t k = -before; k < size - before; ++k) {
          Value at = arith::AddIOp::create(nb, nloc, c, arith::ConstantIndexOp::create(nb, nloc, k));
          Value inside = arith::AndIOp::create(
              nb, nloc, arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, at, zero),
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sle, at, last));
          coords[1] = arith::MaxSIOp::create(nb, nloc, arith::MinSIOp::create(nb, nloc, at, last), zero);
          Value v = tensor::ExtractOp::create(nb, nloc, x, coords);
          v = arith::SelectOp::create(nb, nloc, inside, v, cst(0.0));
          sum = arith::AddFOp::create(nb, nloc, sum, arith::MulFOp::create(nb, nloc, v, v));
        }
        Value denom = arith::AddFOp::create(
            nb, nloc, cst(bias), arith::MulFOp::create(nb, nloc, cst(alpha / double(size)), sum));
        denom = math::PowFOp::create(nb, nloc, denom, cst(beta));
        return arith::DivFOp::create(nb, nloc, a[0], denom);
      });
}

static std::string checkLrn(Operation *op, const LoweringState &) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(type.getElementType()) || type.getRank() < 2)
    return "the input must be a float tensor with a channel dimension";
  auto size = loom::onnx_attributes::intAttr(op, "size");
  if (!size || *size < 1 || *size > 64)
    return "size must be given and between 1 and 64";
  return "";
}

/// MeanVarianceNormalization over `axes` (default 0, 2, 3), as ONNX's
/// function defines it: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9).
static FailureOr<Value> lowerMvn(Operation *op, RankedTensorType resultType,
                                 PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0);
  int64_t rank = resultType.getRank();
  SmallVector<int64_t> axes =
      loom::onnx_attributes::intArrayAttr(op, "axes").value_or(SmallVector<int64_t>{0, 2, 3});
  llvm::SmallDenseSet<int64_t> reduced;
  for (int64_t a : axes)
    reduced.insert(a < 0 ? a + rank : a);
  MLIRContext *ctx = b.getContext();
  Type elem = resultType.getElementType();
  SmallVector<int64_t> statsShape;
  SmallVector<AffineExpr> statsExprs;
  SmallVector<std::pair<Value, int64_t>> statsSources;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool r = reduced.contains(d);
    iterators.push_back(r ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (r)
      continue;
    statsShape.push_back(resultType.getDimSize(d));
    statsExprs.push_back(getAffineDimExpr(d, ctx));
    statsSources.push_back({x, d});
  }
  auto statsType = RankedTensorType::get(statsShape, elem);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  Value init = linalg::FillOp::create(b, loc, zero, emptyLike(b, loc, statsType, statsSources))
                   .getResult(0);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap statsMap = AffineMap::get(rank, 0, statsExprs, ctx);
  auto sums = linalg::GenericOp::create(
      b, loc, TypeRange{statsType, statsType}, ValueRange{x}, ValueRange{init, init},
      SmallVector<AffineMap>{identity, statsMap, statsMap}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange a) {
        linalg::YieldOp::create(
            nb, nloc,
            ValueRange{arith::AddFOp::create(nb, nloc, a[1], a[0]).getResult(),
                       arith::AddFOp::create(nb, nloc, a[2],
                                             arith::MulFOp::create(nb, nloc, a[0], a[0]))
                           .getResult()});
      });
  // The number of elements each statistic covers.
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d : reduced)
    count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, x, d));
  Value n = arith::UIToFPOp::create(
      b, loc, elem, arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType},
             ValueRange{x, sums.getResult(0), sums.getResult(1)},
             ValueRange{emptyLike(b, loc, resultType, sources)},
             SmallVector<AffineMap>{identity, statsMap, statsMap, identity},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value mean = arith::DivFOp::create(nb, nloc, a[1], n);
               Value meanSquare = arith::DivFOp::create(nb, nloc, a[2], n);
               Value variance = arith::SubFOp::create(
                   nb, nloc, meanSquare, arith::MulFOp::create(nb, nloc, mean, mean));
               Value std = math::SqrtOp::create(nb, nloc, variance);
               std = arith::AddFOp::create(
                   nb, nloc, std, arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 1e-9)));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::DivFOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, a[0], mean), std)
                       .getResult());
             })
      .getResult(0);
}

static std::string checkMvn(Operation *op, const LoweringState &) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(type.getElementType()))
    return "the input must be a float tensor";
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes =
      loom::onnx_attributes::intArrayAttr(op, "axes").value_or(SmallVector<int64_t>{0, 2, 3});
  llvm::SmallDenseSet<int64_t> seen;
  for (int64_t a : axes)
    if (a < -rank || a >= rank || !seen.insert(a < 0 ? a + rank : a).second)
      return "axes must be distinct dimensions of the input";
  return "";
}

/// InstanceNormalization: per (n, c), the mean and the (population) variance
/// over the spatial dimensions, in two passes (the second sums squared
/// differences from the mean, which stays accurate when the mean is large),
/// then (x - mean) / sqrt(var + epsilon) * scale[c] + B[c]. Sums are kept in
/// f32 at least (f16 data).
static FailureOr<Value> lowerInstanceNorm(Operation *op, RankedTensorType resultType,
                                          PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto norm = cast<onnx::InstanceNormalizationOp>(op);
  Value x = norm.getInput();
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  Type elem = resultType.getElementType();
  Type acc = elem.getIntOrFloatBitWidth() < 32 ? Type(b.getF32Type()) : elem;
  auto widen = [&](OpBuilder &nb, Location nloc, Value v) -> Value {
    return v.getType() == acc ? v : Value(arith::ExtFOp::create(nb, nloc, acc, v));
  };
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rows = AffineMap::get(rank, 0, {getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)}, ctx);
  AffineMap channel = AffineMap::get(rank, 0, {getAffineDimExpr(1, ctx)}, ctx);
  auto rowsType = RankedTensorType::get(
      {resultType.getDimSize(0), resultType.getDimSize(1)}, acc);
  SmallVector<utils::IteratorType> reduce(2, utils::IteratorType::parallel);
  reduce.append(rank - 2, utils::IteratorType::reduction);
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  auto zeros = [&]() {
    return linalg::FillOp::create(b, loc,
                                  arith::ConstantOp::create(b, loc, b.getZeroAttr(acc)).getResult(),
                                  emptyLike(b, loc, rowsType, {{x, 0}, {x, 1}}))
        .getResult(0);
  };
  // The element count of each instance, as a float.
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 2; d < rank; ++d)
    count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, x, d));
  Value countF = castScalar(b, loc, arith::IndexCastOp::create(b, loc, b.getI64Type(), count), acc);
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{rowsType}, ValueRange{x}, ValueRange{zeros()},
                  SmallVector<AffineMap>{identity, rows}, reduce,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    linalg::YieldOp::create(
                        nb, nloc,
                        arith::AddFOp::create(nb, nloc, a[1], widen(nb, nloc, a[0])).getResult());
                  })
                  .getResult(0);
  Value mean = buildElementwise(b, loc, rowsType, ValueRange{sum},
                                [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                                  return arith::DivFOp::create(nb, nloc, a[0], countF);
                                });
  Value squares = linalg::GenericOp::create(
                      b, loc, TypeRange{rowsType}, ValueRange{x, mean}, ValueRange{zeros()},
                      SmallVector<AffineMap>{identity, rows, rows}, reduce,
                      [&](OpBuilder &nb, Location nloc, ValueRange a) {
                        Value d = arith::SubFOp::create(nb, nloc, widen(nb, nloc, a[0]), a[1]);
                        linalg::YieldOp::create(
                            nb, nloc,
                            arith::AddFOp::create(nb, nloc, a[2],
                                                  arith::MulFOp::create(nb, nloc, d, d))
                                .getResult());
                      })
                      .getResult(0);
  double epsilon = norm.getEpsilon().convertToDouble();
  Value invStd = buildElementwise(
      b, loc, rowsType, ValueRange{squares},
      [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        Value var = arith::DivFOp::create(nb, nloc, a[0], countF);
        Value eps = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(acc, epsilon));
        return reciprocalSqrt(nb, nloc, arith::AddFOp::create(nb, nloc, var, eps));
      });
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType},
             ValueRange{x, mean, invStd, norm.getScale(), norm.getB()},
             ValueRange{emptyLike(b, loc, resultType, sources)},
             SmallVector<AffineMap>{identity, rows, rows, channel, channel, identity}, parallel,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value y = arith::MulFOp::create(
                   nb, nloc, arith::SubFOp::create(nb, nloc, widen(nb, nloc, a[0]), a[1]), a[2]);
               y = arith::AddFOp::create(
                   nb, nloc, arith::MulFOp::create(nb, nloc, y, widen(nb, nloc, a[3])),
                   widen(nb, nloc, a[4]));
               if (y.getType() != elem)
                 y = arith::TruncFOp::create(nb, nloc, elem, y);
               linalg::YieldOp::create(nb, nloc, y);
             })
      .getResult(0);
}

static std::string checkInstanceNorm(Operation *op, const LoweringState &) {
  auto norm = cast<onnx::InstanceNormalizationOp>(op);
  auto xType = cast<RankedTensorType>(norm.getInput().getType());
  if (xType.getRank() < 3 || !isFloat(xType.getElementType()))
    return "the input must be a float tensor [N, C, D1, ...] with a spatial dimension";
  for (Value v : {norm.getScale(), norm.getB()}) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != 1 || type.getElementType() != xType.getElementType())
      return "scale and B must be vectors of the input's element type";
  }
  return "";
}

/// LayerNormalization's scale and B are read at the input's trailing axes,
/// broadcast where their size is 1: each must fit there.
static std::string checkLayerNorm(Operation *op, const LoweringState &) {
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  for (unsigned i = 1; i < op->getNumOperands() && i < 3; ++i) {
    Value v = op->getOperand(i);
    if (!v)
      continue;
    auto type = cast<RankedTensorType>(v.getType());
    StringRef what = i == 1 ? "scale" : "B";
    if (type.getElementType() != xType.getElementType())
      return (what + " must have the input's element type").str();
    if (type.getRank() > xType.getRank())
      return (what + " has rank " + Twine(type.getRank()) + ", more than the input's " +
              Twine(xType.getRank()))
          .str();
    for (int64_t d = 0; d < type.getRank(); ++d) {
      int64_t size = type.getDimSize(d);
      int64_t inputSize = xType.getDimSize(xType.getRank() - type.getRank() + d);
      if (size != 1 && !ShapedType::isDynamic(size) && !ShapedType::isDynamic(inputSize) &&
          size != inputSize)
        return (what + " of shape " + shapeText(type.getShape()) +
                " does not broadcast to the input's shape " + shapeText(xType.getShape()))
            .str();
    }
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
               },
               checkLayerNorm);
  patterns.add("onnx.BatchNormalization", lowerBatchNorm, checkBatchNorm);
  patterns.add("onnx.LRN", lowerLrn, checkLrn);
  patterns.add("onnx.MeanVarianceNormalization", lowerMvn, checkMvn);
  patterns.add("onnx.InstanceNormalization", lowerInstanceNorm, checkInstanceNorm);
}
