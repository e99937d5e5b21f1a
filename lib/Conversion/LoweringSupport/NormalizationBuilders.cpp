//===- NormalizationBuilders.cpp - softmax and layer norm as linalg ---------===//
//
// Row-wise normalizations shared by the onnx ops (Softmax, LogSoftmax,
// LayerNormalization) and the loom ops (softmax when no kernel takes it,
// layer_norm).
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;

namespace loom {

/// The three-pass algorithm: maximum, sum of exp(x - max), normalize.
Value buildSoftmax(OpBuilder &b, Location loc, Value in, int64_t axis,
                   RankedTensorType resultType, bool logarithm, SoftmaxAlgorithm algorithm) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  Type elem = resultType.getElementType();
  RowSpace rows = rowSpaceWithout(in, axis);
  SmallVector<AffineExpr> &rowExprs = rows.exprs;
  SmallVector<std::pair<Value, int64_t>> &sources = rows.sources;
  auto rowType = RankedTensorType::get(rows.shape, elem);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = AffineMap::get(rank, 0, rowExprs, ctx);
  SmallVector<utils::IteratorType> reduceIters(rank, utils::IteratorType::parallel);
  reduceIters[axis] = utils::IteratorType::reduction;
  SmallVector<utils::IteratorType> parallelIters(rank, utils::IteratorType::parallel);

  auto filled = [&](double value) {
    Value init = emptyLike(b, loc, rowType, sources);
    Value c = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, value));
    return linalg::FillOp::create(b, loc, c, init).getResult(0);
  };
  SmallVector<std::pair<Value, int64_t>> outSources;
  for (int64_t i = 0; i < rank; ++i)
    outSources.push_back({in, i});
  // The last pass of the one-pass-statistics algorithms: y = exp(x - shift) / scale.
  auto normalize = [&](Value shift, Value scale) {
    Value init = emptyLike(b, loc, resultType, outSources);
    return linalg::GenericOp::create(
               b, loc, TypeRange{resultType}, ValueRange{in, shift, scale}, ValueRange{init},
               SmallVector<AffineMap>{identity, rowMap, rowMap, identity}, parallelIters,
               [&](OpBuilder &nb, Location nloc, ValueRange a) {
                 Value e = math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, a[0], a[1]));
                 linalg::YieldOp::create(nb, nloc,
                                         arith::DivFOp::create(nb, nloc, e, a[2]).getResult());
               })
        .getResult(0);
  };
  auto cst = [&](OpBuilder &nb, Location nloc, double v) -> Value {
    return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, v));
  };
  const double inf = std::numeric_limits<double>::infinity();
  if (!logarithm && algorithm == SoftmaxAlgorithm::online) {
    // Milakov & Gimelshein: one pass keeps the running maximum m and the sum
    // s of exp(x - m), rescaling s by exp(m_old - m_new) when m grows.
    auto stats = linalg::GenericOp::create(
        b, loc, TypeRange{rowType, rowType}, ValueRange{in}, ValueRange{filled(-inf), filled(0.0)},
        SmallVector<AffineMap>{identity, rowMap, rowMap}, reduceIters,
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value x = a[0], m = a[1], s = a[2];
          Value mNew = arith::MaximumFOp::create(nb, nloc, m, x);
          // (-inf) - (-inf) is NaN: an unchanged maximum keeps the scale 1,
          // and -inf inputs add nothing.
          Value same = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ, m, mNew);
          Value rescale = arith::SelectOp::create(
              nb, nloc, same, cst(nb, nloc, 1.0),
              math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, m, mNew)));
          Value isNegInf = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OEQ, x,
                                                 cst(nb, nloc, -inf));
          Value term = arith::SelectOp::create(
              nb, nloc, isNegInf, cst(nb, nloc, 0.0),
              math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, x, mNew)));
          Value sNew = arith::AddFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, s, rescale),
                                             term);
          linalg::YieldOp::create(nb, nloc, ValueRange{mNew, sNew});
        });
    return normalize(stats.getResult(0), stats.getResult(1));
  }
  if (!logarithm && algorithm == SoftmaxAlgorithm::two_pass && elem.isF32()) {
    // Dukhan & Ablavatski: exp(x) = 2^n e^r with n = round(x log2 e) and
    // |r| <= ln2/2; the sum is kept as (mantissa M, exponent N) with N the
    // largest n so far, so no maximum pass is needed and nothing overflows.
    // The second pass writes e^r 2^(n - N) / M.
    const double log2e = 1.442695040888963407;
    // Cody & Waite: ln 2 = kLn2Hi + kLn2Lo with n * kLn2Hi exact for |n| < 2^15.
    const double kLn2Hi = 0.693359375, kLn2Lo = -2.12194440e-4;
    Type i32 = b.getI32Type();
    auto decompose = [&](OpBuilder &nb, Location nloc, Value x) -> std::pair<Value, Value> {
      Value n = math::RoundEvenOp::create(
          nb, nloc, arith::MulFOp::create(nb, nloc, x, cst(nb, nloc, log2e)));
      // -inf inputs: a very small exponent, r = -inf, e^r = 0.
      n = arith::MaximumFOp::create(nb, nloc, n, cst(nb, nloc, -1e9));
      Value r = arith::SubFOp::create(nb, nloc, x, arith::MulFOp::create(nb, nloc, n, cst(nb, nloc, kLn2Hi)));
      r = arith::SubFOp::create(nb, nloc, r, arith::MulFOp::create(nb, nloc, n, cst(nb, nloc, kLn2Lo)));
      return {n, math::ExpOp::create(nb, nloc, r)};
    };
    // 2^k for an integral k <= 0, from the exponent bits (0 below 2^-126).
    auto pow2 = [&](OpBuilder &nb, Location nloc, Value k) -> Value {
      Value biased = arith::AddFOp::create(
          nb, nloc, arith::MaximumFOp::create(nb, nloc, k, cst(nb, nloc, -127.0)),
          cst(nb, nloc, 127.0));
      Value bits = arith::ShLIOp::create(nb, nloc, arith::FPToSIOp::create(nb, nloc, i32, biased),
                                         arith::ConstantOp::create(nb, nloc, nb.getI32IntegerAttr(23)));
      return arith::BitcastOp::create(nb, nloc, elem, bits);
    };
    auto stats = linalg::GenericOp::create(
        b, loc, TypeRange{rowType, rowType}, ValueRange{in}, ValueRange{filled(0.0), filled(-1e9)},
        SmallVector<AffineMap>{identity, rowMap, rowMap}, reduceIters,
        [&](OpBuilder &nb, Location nloc, ValueRange a) {
          Value mant = a[1], expo = a[2];
          auto [n, e] = decompose(nb, nloc, a[0]);
          Value nNew = arith::MaximumFOp::create(nb, nloc, expo, n);
          Value m = arith::AddFOp::create(
              nb, nloc,
              arith::MulFOp::create(nb, nloc, mant,
                                    pow2(nb, nloc, arith::SubFOp::create(nb, nloc, expo, nNew))),
              arith::MulFOp::create(nb, nloc, e,
                                    pow2(nb, nloc, arith::SubFOp::create(nb, nloc, n, nNew))));
          linalg::YieldOp::create(nb, nloc, ValueRange{m, nNew});
        });
    Value init = emptyLike(b, loc, resultType, outSources);
    return linalg::GenericOp::create(
               b, loc, TypeRange{resultType},
               ValueRange{in, stats.getResult(1), stats.getResult(0)}, ValueRange{init},
               SmallVector<AffineMap>{identity, rowMap, rowMap, identity}, parallelIters,
               [&](OpBuilder &nb, Location nloc, ValueRange a) {
                 auto [n, e] = decompose(nb, nloc, a[0]);
                 Value scaled = arith::MulFOp::create(
                     nb, nloc, e, pow2(nb, nloc, arith::SubFOp::create(nb, nloc, n, a[1])));
                 linalg::YieldOp::create(nb, nloc,
                                         arith::DivFOp::create(nb, nloc, scaled, a[2]).getResult());
               })
        .getResult(0);
  }
  Value max = linalg::GenericOp::create(
                  b, loc, TypeRange{rowType}, ValueRange{in},
                  ValueRange{filled(-std::numeric_limits<double>::infinity())},
                  SmallVector<AffineMap>{identity, rowMap}, reduceIters,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    linalg::YieldOp::create(
                        nb, nloc,
                        arith::MaximumFOp::create(nb, nloc, a[0], a[1], arith::FastMathFlags::reassoc)
                            .getResult());
                  })
                  .getResult(0);
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{rowType}, ValueRange{in, max}, ValueRange{filled(0.0)},
                  SmallVector<AffineMap>{identity, rowMap, rowMap}, reduceIters,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    Value e = math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, a[0], a[1]));
                    // reassoc: the sum may be split into vector lanes.
                    linalg::YieldOp::create(
                        nb, nloc,
                        arith::AddFOp::create(nb, nloc, a[2], e, arith::FastMathFlags::reassoc)
                            .getResult());
                  })
                  .getResult(0);
  Value init = emptyLike(b, loc, resultType, outSources);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{in, max, sum}, ValueRange{init},
             SmallVector<AffineMap>{identity, rowMap, rowMap, identity}, parallelIters,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value shifted = arith::SubFOp::create(nb, nloc, a[0], a[1]);
               Value r = logarithm
                             ? Value(arith::SubFOp::create(nb, nloc, shifted,
                                                           math::LogOp::create(nb, nloc, a[2])))
                             : Value(arith::DivFOp::create(
                                   nb, nloc, math::ExpOp::create(nb, nloc, shifted), a[2]));
               linalg::YieldOp::create(nb, nloc, r);
             })
      .getResult(0);
}

Value buildLayerNorm(OpBuilder &b, Operation *op, RankedTensorType resultType) {
  Location loc = op->getLoc();
  // Normalize over axes [axis, rank): (x - mean) / sqrt(var + eps) * scale + bias,
  // mean and variance computed in the input's type.
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
  double eps = 1e-5;
  if (auto e = op->getAttrOfType<FloatAttr>("epsilon"))
    eps = e.getValueAsDouble();
  Type elem = inType.getElementType();
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> rowShape;
  SmallVector<AffineExpr> rowExprs;
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t i = 0; i < axis; ++i) {
    rowShape.push_back(inType.getDimSize(i));
    rowExprs.push_back(getAffineDimExpr(i, ctx));
    sources.push_back({in, i});
  }
  auto rowType = RankedTensorType::get(rowShape, elem);
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = AffineMap::get(rank, 0, rowExprs, ctx);
  SmallVector<utils::IteratorType> red(rank, utils::IteratorType::parallel);
  for (int64_t i = axis; i < rank; ++i)
    red[i] = utils::IteratorType::reduction;
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i = axis; i < rank; ++i)
    count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, in, i));
  Value n = arith::SIToFPOp::create(b, loc, elem,
                                    arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
  auto zeros = [&]() {
    return linalg::FillOp::create(b, loc,
                                  arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0)).getResult(),
                                  emptyLike(b, loc, rowType, sources)).getResult(0);
  };
  Value sum = linalg::GenericOp::create(
                  b, loc, TypeRange{rowType}, ValueRange{in}, ValueRange{zeros()},
                  SmallVector<AffineMap>{id, rowMap}, red,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    linalg::YieldOp::create(nb, nloc, arith::AddFOp::create(nb, nloc, a[0], a[1]).getResult());
                  }).getResult(0);
  Value var = linalg::GenericOp::create(
                  b, loc, TypeRange{rowType}, ValueRange{in, sum}, ValueRange{zeros()},
                  SmallVector<AffineMap>{id, rowMap, rowMap}, red,
                  [&](OpBuilder &nb, Location nloc, ValueRange a) {
                    Value d = arith::SubFOp::create(nb, nloc, a[0], arith::DivFOp::create(nb, nloc, a[1], n));
                    linalg::YieldOp::create(nb, nloc, arith::AddFOp::create(
                        nb, nloc, a[2], arith::MulFOp::create(nb, nloc, d, d)).getResult());
                  }).getResult(0);
  // Scale and bias broadcast over the trailing (normalized) axes.
  SmallVector<Value> ins = {in, sum, var, op->getOperand(1)};
  SmallVector<AffineMap> maps = {id, rowMap, rowMap};
  auto trailingMap = [&](Value v) {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> e;
    for (int64_t i = 0; i < t.getRank(); ++i) {
      int64_t d = rank - t.getRank() + i;
      e.push_back(t.getDimSize(i) == 1 && inType.getDimSize(d) != 1 ? getAffineConstantExpr(0, ctx)
                                                                      : getAffineDimExpr(d, ctx));
    }
    return AffineMap::get(rank, 0, e, ctx);
  };
  maps.push_back(trailingMap(op->getOperand(1)));
  bool hasBias = op->getNumOperands() > 2 && op->getOperand(2);
  if (hasBias) {
    ins.push_back(op->getOperand(2));
    maps.push_back(trailingMap(op->getOperand(2)));
  }
  maps.push_back(id);
  SmallVector<std::pair<Value, int64_t>> outSources;
  for (int64_t i = 0; i < rank; ++i)
    outSources.push_back({in, i});
  // The optional Mean and InvStdDev outputs: [d0 .. d(axis-1), 1, .., 1].
  for (unsigned r = 1; r < op->getNumResults(); ++r) {
    Value out = op->getResult(r);
    auto outType = dyn_cast<RankedTensorType>(out.getType());
    if (out.use_empty() || !outType)
      continue;
    Value stat = buildElementwise(
        b, loc, rowType, ValueRange{r == 1 ? sum : var},
        [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          Value x = arith::DivFOp::create(nb, nloc, a[0], n);
          if (r == 1)
            return x;
          Value epsilon = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, eps));
          return reciprocalSqrt(nb, nloc, arith::AddFOp::create(nb, nloc, x, epsilon));
        });
    SmallVector<ReassociationIndices> groups;
    for (int64_t i = 0; i < axis; ++i)
      groups.push_back({i});
    if (groups.empty())
      stat = tensor::ExpandShapeOp::create(b, loc, outType, stat,
                                           SmallVector<ReassociationIndices>{});
    else {
      for (int64_t i = axis; i < rank; ++i)
        groups.back().push_back(i);
      stat = tensor::ExpandShapeOp::create(b, loc, outType, stat, groups);
    }
    out.replaceAllUsesWith(stat);
  }
  Value init = emptyLike(b, loc, resultType, outSources);
  SmallVector<utils::IteratorType> par(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ins, ValueRange{init}, maps, par,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value mean = arith::DivFOp::create(nb, nloc, a[1], n);
               Value variance = arith::DivFOp::create(nb, nloc, a[2], n);
               Value epsilon = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, eps));
               Value inv = reciprocalSqrt(nb, nloc, arith::AddFOp::create(nb, nloc, variance, epsilon));
               Value y = arith::MulFOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, a[0], mean), inv);
               y = arith::MulFOp::create(nb, nloc, y, a[3]);
               if (hasBias)
                 y = arith::AddFOp::create(nb, nloc, y, a[4]);
               linalg::YieldOp::create(nb, nloc, y);
             })
      .getResult(0);
}

} // namespace loom
