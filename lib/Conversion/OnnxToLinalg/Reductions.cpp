//===- Reductions.cpp - reductions, ArgMax/ArgMin and TopK ------------------===//
//
// Reduce* over constant axes as one linalg.generic with reduction iterators
// (ReduceSum also over axes known only at run time), ArgMax/ArgMin as a
// (value, index) reduction (Hardmax marks the first ArgMax), TopK as a scan
// that keeps each row's best k.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <limits>

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intAttr;

/// ReduceSum whose axes are only known at run time. Each output element
/// sums the input elements that agree with it on the kept dimensions: a
/// loop over the product of the reduced sizes, whose counter is split into
/// coordinates of the reduced dimensions only. Without keepdims, output
/// coordinate k belongs to the k-th kept input dimension, also decided at
/// run time. Coordinates are clamped into the input, so an output type that
/// disagrees with the axes cannot read out of bounds.
static Value lowerReduceSumRuntimeAxes(OpBuilder &b, Operation *op, RankedTensorType resultType) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0), axesTensor = op->getOperand(1);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank(), outRank = resultType.getRank();
  int64_t count = cast<RankedTensorType>(axesTensor.getType()).getDimSize(0);
  bool keep = intAttr(op, "keepdims").value_or(1) != 0;
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) -> Value { return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i64, v)); };
  SmallVector<Value> reduced(rank), dims(rank);
  for (int64_t d = 0; d < rank; ++d) {
    reduced[d] = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    dims[d] = tensor::DimOp::create(b, loc, in, d);
  }
  for (int64_t j = 0; j < count; ++j) {
    Value axis = extractI64(b, loc, axesTensor, j);
    axis = arith::SelectOp::create(b, loc,
                                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, c(0)),
                                   arith::AddIOp::create(b, loc, axis, c(rank)), axis);
    for (int64_t d = 0; d < rank; ++d)
      reduced[d] = arith::OrIOp::create(
          b, loc, reduced[d], arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, axis, c(d)));
  }
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  // Radix of each dimension in the reduction counter: its size if reduced, else 1.
  SmallVector<Value> radix(rank);
  Value total = one;
  for (int64_t d = 0; d < rank; ++d) {
    radix[d] = arith::SelectOp::create(b, loc, reduced[d], dims[d], one);
    total = arith::MulIOp::create(b, loc, total, radix[d]);
  }
  // Without keepdims: the output position of each kept input dimension.
  SmallVector<Value> outPos(rank);
  Value kept = zero;
  for (int64_t d = 0; d < rank; ++d) {
    outPos[d] = kept;
    kept = arith::AddIOp::create(b, loc, kept, arith::SelectOp::create(b, loc, reduced[d], zero, one));
  }
  // The result type is static (unsupportedReason checks it) and was
  // declared by the model: run-time axes that give another shape (or lie
  // outside the input) fail the run instead of filling the declared shape
  // with sums over the wrong dimensions.
  auto ci = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
    return arith::CmpIOp::create(b, loc, p, x, y);
  };
  auto negate = [&](Value flag) -> Value {
    return arith::XOrIOp::create(b, loc, flag, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  };
  Value mismatch = arith::ConstantOp::create(b, loc, b.getBoolAttr(keep && outRank != rank));
  if (keep && outRank == rank) {
    for (int64_t d = 0; d < rank; ++d) {
      Value expected = arith::SelectOp::create(b, loc, reduced[d], one, dims[d]);
      mismatch = arith::OrIOp::create(
          b, loc, mismatch, cmp(arith::CmpIPredicate::ne, expected, ci(resultType.getDimSize(d))));
    }
  } else if (!keep) {
    mismatch = cmp(arith::CmpIPredicate::ne, kept, ci(outRank));
    for (int64_t d = 0; d < rank; ++d)
      for (int64_t k = 0; k < outRank; ++k) {
        Value here = arith::AndIOp::create(b, loc, negate(reduced[d]),
                                           cmp(arith::CmpIPredicate::eq, outPos[d], ci(k)));
        Value differs = cmp(arith::CmpIPredicate::ne, dims[d], ci(resultType.getDimSize(k)));
        mismatch = arith::OrIOp::create(b, loc, mismatch, arith::AndIOp::create(b, loc, here, differs));
      }
  }
  Value axisOutside = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (int64_t j = 0; j < count; ++j) {
    Value axis = extractI64(b, loc, axesTensor, j);
    axisOutside = arith::OrIOp::create(
        b, loc, axisOutside,
        arith::OrIOp::create(b, loc, cmp(arith::CmpIPredicate::slt, axis, c(-rank)),
                             cmp(arith::CmpIPredicate::sge, axis, c(rank))));
  }
  func::FuncOp report = runtimeErrorReporter(op);
  reportIf(b, loc, axisOutside, report, LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE);
  reportIf(b, loc, arith::AndIOp::create(b, loc, mismatch, negate(axisOutside)), report,
           LOOM_ABI_ERROR_SHAPE_MISMATCH);
  Type elem = resultType.getElementType();
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> outCoords;
        for (int64_t i = 0; i < outRank; ++i)
          outCoords.push_back(linalg::IndexOp::create(nb, nloc, i));
        // The kept coordinate of input dimension d.
        SmallVector<Value> keptCoord(rank);
        for (int64_t d = 0; d < rank; ++d) {
          if (keep) {
            keptCoord[d] = d < outRank ? outCoords[d] : zero;
            continue;
          }
          Value v = zero;
          for (int64_t k = 0; k < outRank; ++k)
            v = arith::SelectOp::create(
                nb, nloc, arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, outPos[d],
                                                arith::ConstantIndexOp::create(nb, nloc, k)),
                outCoords[k], v);
          keptCoord[d] = v;
        }
        Value init = arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem));
        auto loop = scf::ForOp::create(
            nb, nloc, zero, total, one, ValueRange{init},
            [&](OpBuilder &lb, Location lloc, Value r, ValueRange acc) {
              SmallVector<Value> coords(rank);
              Value rest = r;
              for (int64_t d = rank - 1; d >= 0; --d) {
                Value digit = arith::RemUIOp::create(lb, lloc, rest, radix[d]);
                rest = arith::DivUIOp::create(lb, lloc, rest, radix[d]);
                Value last = arith::SubIOp::create(lb, lloc, dims[d], one);
                Value at = arith::SelectOp::create(lb, lloc, reduced[d], digit, keptCoord[d]);
                coords[d] = arith::MinUIOp::create(lb, lloc, at, last);
              }
              Value x = tensor::ExtractOp::create(lb, lloc, in, coords);
              scf::YieldOp::create(lb, lloc,
                                   ValueRange{arith::AddFOp::create(lb, lloc, acc[0], x).getResult()});
            });
        return loop.getResult(0);
      });
}

/// TopK: the axis is moved last and the other dimensions folded into rows;
/// each row is scanned once, keeping its best k (value, index) pairs sorted
/// by insertion into the result rows (O(n k) per row at worst, about O(n)
/// for typical data). Ties keep the lower index first, as ONNX specifies.
static Value lowerTopK(OpBuilder &b, Operation *op) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  auto valuesType = cast<RankedTensorType>(op->getResult(0).getType());
  auto indicesType = cast<RankedTensorType>(op->getResult(1).getType());
  int64_t rank = inType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
  bool largest = intAttr(op, "largest").value_or(1) != 0;
  Type elem = inType.getElementType();
  bool f = isFloat(elem);
  // k: static when the result's axis size is (a constant k input), else
  // read from the k input at run time (argsort: k = Shape(x)[axis]).
  int64_t k = valuesType.getDimSize(axis);
  Value kValue =
      ShapedType::isDynamic(k)
          ? toIndex(b, loc, extractI64(b, loc, op->getOperand(1), 0))
          : arith::ConstantIndexOp::create(b, loc, k).getResult();

  // Axis last, then [rows, n].
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  auto permuted = [&](RankedTensorType t) {
    SmallVector<int64_t> shape;
    for (int64_t p : perm)
      shape.push_back(t.getDimSize(p));
    return RankedTensorType::get(shape, t.getElementType());
  };
  Value x = in;
  if (axis != rank - 1) {
    SmallVector<std::pair<Value, int64_t>> sources;
    for (int64_t p : perm)
      sources.push_back({in, p});
    x = linalg::TransposeOp::create(b, loc, in, emptyLike(b, loc, permuted(inType), sources),
                                    perm)
            .getResult()[0];
  }
  // Rows and the axis length may be run-time sizes; k is static.
  auto dimOf = [&](int64_t d) -> OpFoldResult {
    return inType.isDynamicDim(d)
               ? OpFoldResult(tensor::DimOp::create(b, loc, in, d).getResult())
               : OpFoldResult(b.getIndexAttr(inType.getDimSize(d)));
  };
  int64_t rows = 1;
  Value rowCount = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < rank; ++d) {
    if (d == axis)
      continue;
    if (inType.isDynamicDim(d) || ShapedType::isDynamic(rows))
      rows = ShapedType::kDynamic;
    else
      rows *= inType.getDimSize(d);
    rowCount = arith::MulIOp::create(b, loc, rowCount,
                                     getValueOrCreateConstantIndexOp(b, loc, dimOf(d)));
  }
  int64_t n = inType.getDimSize(axis);
  Value length = getValueOrCreateConstantIndexOp(b, loc, dimOf(axis));
  if (ShapedType::isDynamic(n) || ShapedType::isDynamic(k)) {
    // ONNX requires k <= the axis length; a shorter axis fails the run
    // (the rows' unfilled tail would be undefined).
    reportIf(b, loc,
             arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, length, kValue),
             runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
  }
  SmallVector<ReassociationIndices> toRows(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    toRows[0].push_back(d);
  toRows[1].push_back(rank - 1);
  auto flatType = [&](Type e, int64_t cols) { return RankedTensorType::get({rows, cols}, e); };
  if (rank == 1) {
    x = tensor::ExpandShapeOp::create(b, loc, flatType(elem, n), x,
                                      SmallVector<ReassociationIndices>{{0, 1}},
                                      SmallVector<OpFoldResult>{b.getIndexAttr(1), dimOf(0)});
  } else if (rank > 2) {
    x = tensor::CollapseShapeOp::create(b, loc, x, toRows);
  }

  auto cIndex = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  SmallVector<Value> rowSizes;
  if (ShapedType::isDynamic(rows))
    rowSizes.push_back(rowCount);
  if (ShapedType::isDynamic(k)) {
    // A negative k reads as 0 columns, one past the axis as the axis (both
    // fail the run above; a k of 2^63 - 1 sized the results from it).
    kValue = arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, kValue, cIndex(b, 0)),
                                    length);
    rowSizes.push_back(kValue);
  }
  Value values = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, k}, elem, rowSizes);
  Value indices =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, k}, b.getI64Type(), rowSizes);
  // (a, ia) comes before (v, iv) with ia < iv: a is better or equal.
  auto before = [&](OpBuilder &nb, Value a, Value v) -> Value {
    if (f)
      return arith::CmpFOp::create(nb, loc, largest ? arith::CmpFPredicate::OGE
                                                     : arith::CmpFPredicate::OLE, a, v);
    return arith::CmpIOp::create(nb, loc, largest ? arith::CmpIPredicate::sge
                                                   : arith::CmpIPredicate::sle, a, v);
  };
  auto outer = scf::ForOp::create(
      b, loc, cIndex(b, 0), rowCount, cIndex(b, 1), ValueRange{values, indices},
      [&](OpBuilder &ob, Location, Value row, ValueRange rowArgs) {
        auto scan = scf::ForOp::create(
            ob, loc, cIndex(ob, 0), length, cIndex(ob, 1),
            ValueRange{rowArgs[0], rowArgs[1], cIndex(ob, 0)},
            [&](OpBuilder &sb, Location, Value i, ValueRange args) {
              Value vals = args[0], idxs = args[1], filled = args[2];
              Value v = tensor::ExtractOp::create(sb, loc, x, ValueRange{row, i});
              // Insertion point: how many kept entries come before v.
              auto count = scf::ForOp::create(
                  sb, loc, cIndex(sb, 0), filled, cIndex(sb, 1), ValueRange{cIndex(sb, 0)},
                  [&](OpBuilder &cb, Location, Value j, ValueRange c) {
                    Value kept = tensor::ExtractOp::create(cb, loc, vals, ValueRange{row, j});
                    Value inc = arith::SelectOp::create(cb, loc, before(cb, kept, v),
                                                        cIndex(cb, 1), cIndex(cb, 0));
                    scf::YieldOp::create(cb, loc,
                                         ValueRange{arith::AddIOp::create(cb, loc, c[0], inc)});
                  });
              Value pos = count.getResult(0);
              Value fits = arith::CmpIOp::create(sb, loc, arith::CmpIPredicate::slt, pos,
                                                 kValue);
              auto insert = scf::IfOp::create(
                  sb, loc, fits,
                  [&](OpBuilder &tb, Location) {
                    // Shift entries [pos, last) one place right; drop the k-th.
                    Value last = arith::MinSIOp::create(
                        tb, loc, filled, arith::SubIOp::create(tb, loc, kValue, cIndex(tb, 1)));
                    Value moves = arith::SubIOp::create(tb, loc, last, pos);
                    auto shift = scf::ForOp::create(
                        tb, loc, cIndex(tb, 0), moves, cIndex(tb, 1), ValueRange{vals, idxs},
                        [&](OpBuilder &mb, Location, Value t, ValueRange m) {
                          Value to = arith::SubIOp::create(mb, loc, last, t);
                          Value from = arith::SubIOp::create(mb, loc, to, cIndex(mb, 1));
                          Value fv = tensor::ExtractOp::create(mb, loc, m[0], ValueRange{row, from});
                          Value fi = tensor::ExtractOp::create(mb, loc, m[1], ValueRange{row, from});
                          Value nv = tensor::InsertOp::create(mb, loc, fv, m[0], ValueRange{row, to});
                          Value ni = tensor::InsertOp::create(mb, loc, fi, m[1], ValueRange{row, to});
                          scf::YieldOp::create(mb, loc, ValueRange{nv, ni});
                        });
                    Value iv = arith::IndexCastOp::create(tb, loc, tb.getI64Type(), i);
                    Value nv = tensor::InsertOp::create(tb, loc, v, shift.getResult(0),
                                                        ValueRange{row, pos});
                    Value ni = tensor::InsertOp::create(tb, loc, iv, shift.getResult(1),
                                                        ValueRange{row, pos});
                    Value grown = arith::MinSIOp::create(
                        tb, loc, arith::AddIOp::create(tb, loc, filled, cIndex(tb, 1)),
                        kValue);
                    scf::YieldOp::create(tb, loc, ValueRange{nv, ni, grown});
                  },
                  [&](OpBuilder &eb, Location) {
                    scf::YieldOp::create(eb, loc, ValueRange{vals, idxs, filled});
                  });
              scf::YieldOp::create(sb, loc, insert.getResults());
            });
        scf::YieldOp::create(ob, loc, ValueRange{scan.getResult(0), scan.getResult(1)});
      });

  // Back to the result shapes: unfold the rows, move the axis back.
  auto restore = [&](Value flat, RankedTensorType resultType) -> Value {
    RankedTensorType permutedType = permuted(resultType);
    Value v = flat;
    if (rank == 1)
      v = tensor::CollapseShapeOp::create(b, loc, flat,
                                          SmallVector<ReassociationIndices>{{0, 1}});
    else if (rank > 2) {
      // The input's sizes (which may know more than the result type), then
      // a cast to the result's permuted type.
      SmallVector<OpFoldResult> sizes;
      SmallVector<int64_t> shape;
      for (int64_t i = 0; i + 1 < rank; ++i) {
        sizes.push_back(dimOf(perm[i]));
        shape.push_back(inType.getDimSize(perm[i]));
      }
      sizes.push_back(ShapedType::isDynamic(k) ? OpFoldResult(kValue) : b.getIndexAttr(k));
      shape.push_back(k);
      auto expandedType = RankedTensorType::get(shape, permutedType.getElementType());
      v = tensor::ExpandShapeOp::create(b, loc, expandedType, flat, toRows, sizes);
      if (expandedType != permutedType)
        v = tensor::CastOp::create(b, loc, permutedType, v);
    }
    if (axis == rank - 1)
      return v;
    SmallVector<int64_t> inverse(rank);
    for (int64_t d = 0; d < rank; ++d)
      inverse[perm[d]] = d;
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, dimOf(d)));
    Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                         resultType.getElementType(), dynamicSizes);
    return linalg::TransposeOp::create(b, loc, v, init, inverse).getResult()[0];
  };
  op->getResult(1).replaceAllUsesWith(restore(outer.getResult(1), indicesType));
  return restore(outer.getResult(0), valuesType);
}

/// Reduction over `axes` (ONNX semantics: all axes when none are given).
/// The op name picks the combiner; Mean divides by the reduced element count.
static Value lowerReduce(OpBuilder &b, Operation *op, RankedTensorType resultType) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> axes;
  if (op->getNumOperands() > 1)
    axes = constantInts(op->getOperand(1)).value_or(SmallVector<int64_t>());
  else if (auto attr = op->getAttrOfType<ArrayAttr>("axes"))
    for (Attribute a : attr)
      axes.push_back(cast<IntegerAttr>(a).getInt());
  // No axes: all of them, or none with noop_with_empty_axes (the identity).
  if (axes.empty() && intAttr(op, "noop_with_empty_axes").value_or(0))
    return in;
  SmallVector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes)
    reduced[a < 0 ? a + rank : a] = true;
  bool keep = intAttr(op, "keepdims").value_or(1) != 0;

  // The accumulator has the result's shape without kept unit dims.
  SmallVector<AffineExpr> outExprs;
  SmallVector<int64_t> accShape;
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t i = 0; i < rank; ++i)
    if (!reduced[i]) {
      outExprs.push_back(getAffineDimExpr(i, ctx));
      accShape.push_back(inType.getDimSize(i));
      sources.push_back({in, i});
    }
  Type elem = inType.getElementType();
  auto accType = RankedTensorType::get(accShape, elem);
  StringRef name = op->getName().getStringRef();
  bool f = isFloat(elem);
  TypedAttr initAttr = b.getZeroAttr(elem);
  if (name == "onnx.ReduceProd")
    initAttr = f ? TypedAttr(b.getFloatAttr(elem, 1.0)) : TypedAttr(b.getIntegerAttr(elem, 1));
  if (name == "onnx.ReduceMax" || name == "onnx.ReduceMin") {
    bool isMax = name == "onnx.ReduceMax";
    if (f)
      initAttr = b.getFloatAttr(elem, isMax ? -std::numeric_limits<double>::infinity()
                                            : std::numeric_limits<double>::infinity());
    else
      initAttr = b.getIntegerAttr(elem, isMax ? APInt::getSignedMinValue(elem.getIntOrFloatBitWidth())
                                              : APInt::getSignedMaxValue(elem.getIntOrFloatBitWidth()));
  }
  Value init = emptyLike(b, loc, accType, sources);
  init = linalg::FillOp::create(b, loc, arith::ConstantOp::create(b, loc, initAttr).getResult(),
                                init)
             .getResult(0);
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i)
    iterators.push_back(reduced[i] ? utils::IteratorType::reduction
                                   : utils::IteratorType::parallel);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, ctx),
                                 AffineMap::get(rank, 0, outExprs, ctx)};
  Value acc =
      linalg::GenericOp::create(
          b, loc, TypeRange{accType}, ValueRange{in}, ValueRange{init}, maps, iterators,
          [&](OpBuilder &nb, Location nloc, ValueRange args) {
            Value r;
            if (name == "onnx.ReduceMax")
              r = f ? Value(arith::MaximumFOp::create(nb, nloc, args[0], args[1]))
                    : Value(arith::MaxSIOp::create(nb, nloc, args[0], args[1]));
            else if (name == "onnx.ReduceMin")
              r = f ? Value(arith::MinimumFOp::create(nb, nloc, args[0], args[1]))
                    : Value(arith::MinSIOp::create(nb, nloc, args[0], args[1]));
            else if (name == "onnx.ReduceProd")
              r = f ? Value(arith::MulFOp::create(nb, nloc, args[0], args[1]))
                    : Value(arith::MulIOp::create(nb, nloc, args[0], args[1]));
            else {
              // Sum of a per-element term: x, |x|, x², or exp(x).
              Value term = args[0];
              if (name == "onnx.ReduceL1")
                term = f ? Value(math::AbsFOp::create(nb, nloc, term))
                         : Value(math::AbsIOp::create(nb, nloc, term));
              else if (name == "onnx.ReduceL2" || name == "onnx.ReduceSumSquare")
                term = f ? Value(arith::MulFOp::create(nb, nloc, term, term))
                         : Value(arith::MulIOp::create(nb, nloc, term, term));
              else if (name == "onnx.ReduceLogSumExp")
                term = math::ExpOp::create(nb, nloc, term);
              r = f ? Value(arith::AddFOp::create(nb, nloc, args[1], term))
                    : Value(arith::AddIOp::create(nb, nloc, args[1], term));
            }
            linalg::YieldOp::create(nb, nloc, r);
          })
          .getResult(0);
  if (name == "onnx.ReduceL2" || name == "onnx.ReduceLogSum" ||
      name == "onnx.ReduceLogSumExp") {
    acc = buildElementwise(b, loc, accType, ValueRange{acc},
                           [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                             if (name == "onnx.ReduceL2")
                               return math::SqrtOp::create(nb, nloc, a[0]);
                             return math::LogOp::create(nb, nloc, a[0]);
                           });
  }
  if (name == "onnx.ReduceMean") {
    // Divide by the number of reduced elements (computed at run time when dynamic).
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t i = 0; i < rank; ++i)
      if (reduced[i])
        count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, in, i));
    Value countInt = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
    Value divisor = f ? Value(arith::SIToFPOp::create(b, loc, elem, countInt))
                      : castScalar(b, loc, countInt, elem);
    acc = buildElementwise(b, loc, accType, ValueRange{acc},
                           [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                             if (f)
                               return arith::DivFOp::create(nb, nloc, a[0], divisor);
                             return arith::DivSIOp::create(nb, nloc, a[0], divisor);
                           });
  }
  if (!keep || accType == resultType)
    return acc;
  // keepdims: expand the reduced axes back as unit dims (with the sizes the
  // input gives; the caller casts to the op's type when it says less).
  SmallVector<int64_t> keptShape;
  for (int64_t i = 0; i < rank; ++i)
    keptShape.push_back(reduced[i] ? 1 : inType.getDimSize(i));
  auto keptType = RankedTensorType::get(keptShape, elem);
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices current;
  for (int64_t i = 0; i < rank; ++i) {
    current.push_back(i);
    if (!reduced[i]) {
      groups.push_back(current);
      current.clear();
    }
  }
  if (groups.empty()) {
    return tensor::ExpandShapeOp::create(b, loc, keptType, acc,
                                         SmallVector<ReassociationIndices>{});
  }
  groups.back().append(current.begin(), current.end());
  return tensor::ExpandShapeOp::create(b, loc, keptType, acc, groups);
}

/// The index (i64) of the largest (`isMax`) or smallest element of `in`
/// along `axis`, one per position of the other dimensions (the axis
/// dropped); ties keep the first index unless `last`. A reduction carrying
/// (best value, its index).
static Value buildArgExtreme(OpBuilder &b, Location loc, Value in, int64_t axis, bool isMax,
                             bool last) {
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  Type elem = inType.getElementType();
  bool f = isFloat(elem);
  MLIRContext *ctx = b.getContext();
  RowSpace rows = rowSpaceWithout(in, axis);
  SmallVector<int64_t> &accShape = rows.shape;
  SmallVector<AffineExpr> &outExprs = rows.exprs;
  SmallVector<std::pair<Value, int64_t>> &sources = rows.sources;
  auto valType = RankedTensorType::get(accShape, elem);
  auto idxType = RankedTensorType::get(accShape, b.getI64Type());
  TypedAttr worst = f ? TypedAttr(b.getFloatAttr(elem, isMax ? -INFINITY : INFINITY))
                      : TypedAttr(b.getIntegerAttr(
                            elem, isMax ? APInt::getSignedMinValue(elem.getIntOrFloatBitWidth())
                                        : APInt::getSignedMaxValue(elem.getIntOrFloatBitWidth())));
  Value vals = linalg::FillOp::create(b, loc, arith::ConstantOp::create(b, loc, worst).getResult(),
                                      emptyLike(b, loc, valType, sources)).getResult(0);
  Value idxs = linalg::FillOp::create(b, loc,
                                      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(-1)).getResult(),
                                      emptyLike(b, loc, idxType, sources)).getResult(0);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters[axis] = utils::IteratorType::reduction;
  AffineMap outMap = AffineMap::get(rank, 0, outExprs, ctx);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{valType, idxType}, ValueRange{in}, ValueRange{vals, idxs},
      SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx), outMap, outMap},
      iters, [&](OpBuilder &nb, Location nloc, ValueRange a) {
        Value i = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                             linalg::IndexOp::create(nb, nloc, axis));
        Value better;
        if (f)
          better = arith::CmpFOp::create(nb, nloc,
                                         isMax ? (last ? arith::CmpFPredicate::OGE : arith::CmpFPredicate::OGT)
                                               : (last ? arith::CmpFPredicate::OLE : arith::CmpFPredicate::OLT),
                                         a[0], a[1]);
        else
          better = arith::CmpIOp::create(nb, nloc,
                                         isMax ? (last ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sgt)
                                               : (last ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt),
                                         a[0], a[1]);
        // The first element always wins (the accumulator starts empty).
        Value unset = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, a[2],
                                            arith::ConstantOp::create(nb, nloc, nb.getI64IntegerAttr(0)));
        better = arith::OrIOp::create(nb, nloc, better, unset);
        linalg::YieldOp::create(nb, nloc, ValueRange{
            arith::SelectOp::create(nb, nloc, better, a[0], a[1]).getResult(),
            arith::SelectOp::create(nb, nloc, better, i, a[2]).getResult()});
      });
  return generic.getResult(1);
}

static FailureOr<Value> lowerArgMaxMin(Operation *op, RankedTensorType resultType,
                                       PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
  int64_t axis = axisAttr(op, rank, 0);
  bool keep = intAttr(op, "keepdims").value_or(1) != 0;
  bool last = intAttr(op, "select_last_index").value_or(0) != 0;
  Value result = buildArgExtreme(b, loc, in, axis, op->getName().getStringRef() == "onnx.ArgMax",
                                 last);
  if (keep) {
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices current;
    for (int64_t i = 0; i < rank; ++i) {
      current.push_back(i);
      if (i != axis) {
        groups.push_back(current);
        current.clear();
      }
    }
    if (groups.empty())
      return Value(tensor::ExpandShapeOp::create(b, loc, resultType, result,
                                                 SmallVector<ReassociationIndices>{}));
    groups.back().append(current.begin(), current.end());
    result = tensor::ExpandShapeOp::create(b, loc, resultType, result, groups);
  }
  return result;
}

/// Hardmax: 1 where an element is the first largest along `axis`, else 0.
static FailureOr<Value> lowerHardmax(Operation *op, RankedTensorType resultType,
                                     PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
  Value best = buildArgExtreme(b, loc, in, axis, /*isMax=*/true, /*last=*/false);
  MLIRContext *ctx = b.getContext();
  RowSpace rows = rowSpaceWithout(in, axis);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({in, d});
  Type elem = resultType.getElementType();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{best},
             ValueRange{emptyLike(b, loc, resultType, sources)},
             SmallVector<AffineMap>{AffineMap::get(rank, 0, rows.exprs, ctx),
                                    AffineMap::getMultiDimIdentityMap(rank, ctx)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value i = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                                    linalg::IndexOp::create(nb, nloc, axis));
               Value hit = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, i, a[0]);
               Value one = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 1.0));
               Value zero = arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem));
               linalg::YieldOp::create(
                   nb, nloc, arith::SelectOp::create(nb, nloc, hit, one, zero).getResult());
             })
      .getResult(0);
}

static std::string checkHardmax(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(inType.getElementType()))
    return "Hardmax needs a float input";
  if (inType.getRank() == 0)
    return "Hardmax needs an input with at least one dimension";
  int64_t axis = intAttr(op, "axis").value_or(-1);
  if (axis < -inType.getRank() || axis >= inType.getRank())
    return "axis " + std::to_string(axis) + " is outside the input's " +
           std::to_string(inType.getRank()) + " dimensions";
  return "";
}

/// Whether `op` (a Reduce*) takes its axes from a run-time tensor that is
/// not known to be empty.
static bool hasRuntimeAxes(Operation *op) {
  if (op->getNumOperands() < 2)
    return false;
  auto axesType = cast<RankedTensorType>(op->getOperand(1).getType());
  return !constantInts(op->getOperand(1)) &&
         (axesType.getRank() != 1 || axesType.getDimSize(0) != 0);
}

static std::string checkReduction(Operation *op, const LoweringState &) {
  StringRef name = op->getName().getStringRef();
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if ((name == "onnx.ReduceL2" || name.starts_with("onnx.ReduceLog")) &&
      !isFloat(inType.getElementType()))
    return "this reduction needs a float input";
  // ONNX's axes input is 1-D (a fuzzed model gave a scalar).
  if (op->getNumOperands() >= 2) {
    auto axesType = cast<RankedTensorType>(op->getOperand(1).getType());
    if (axesType.getRank() != 1)
      return "the axes input must be a 1-D tensor, not of rank " +
             std::to_string(axesType.getRank());
    if (!axesType.getElementType().isSignlessInteger(64))
      return "the axes input must hold int64 values";
    // Each axis at most once: more entries than dimensions cannot be valid
    // (a fuzzed model's 2^20 run-time axes exhausted memory in the lowering).
    if (!axesType.isDynamicDim(0) &&
        axesType.getDimSize(0) > std::max<int64_t>(inType.getRank(), 1))
      return "the axes input has " + std::to_string(axesType.getDimSize(0)) +
             " entries, more than the input's " + std::to_string(inType.getRank()) +
             " dimensions";
  }
  // Constant axes (the attribute, or a constant input) inside the input's
  // dimensions: lowerReduce indexes by them (a fuzzed axes of -2^63 read
  // outside its vector).
  SmallVector<int64_t> axes;
  if (op->getNumOperands() > 1)
    axes = constantInts(op->getOperand(1)).value_or(SmallVector<int64_t>());
  else if (auto attr = op->getAttrOfType<ArrayAttr>("axes"))
    for (Attribute a : attr)
      if (auto value = dyn_cast<IntegerAttr>(a))
        axes.push_back(value.getInt());
  for (int64_t axis : axes)
    if (axis < -inType.getRank() || axis >= inType.getRank())
      return "axis " + std::to_string(axis) + " is outside the input's " +
             std::to_string(inType.getRank()) + " dimensions";
  if (hasRuntimeAxes(op) &&
      (name != "onnx.ReduceSum" ||
       cast<RankedTensorType>(op->getOperand(1).getType()).isDynamicDim(0) ||
       !cast<RankedTensorType>(op->getResult(0).getType()).hasStaticShape() ||
       !isFloat(inType.getElementType())))
    return "reduction axes must be constant (run-time axes: float ReduceSum with a "
           "static result only)";
  return "";
}

static std::string checkTopK(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!isFloat(inType.getElementType()) && !inType.getElementType().isSignlessInteger())
    return "TopK of this element type is not supported";
  auto valuesType = cast<RankedTensorType>(op->getResult(0).getType());
  auto indicesType = cast<RankedTensorType>(op->getResult(1).getType());
  int64_t rank = inType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
  auto kType = cast<RankedTensorType>(op->getOperand(1).getType());
  if (!kType.hasStaticShape() || kType.getNumElements() != 1)
    return "k must be one value";
  int64_t k = valuesType.getDimSize(axis), n = inType.getDimSize(axis);
  if (!ShapedType::isDynamic(n) && !ShapedType::isDynamic(k) && k > n)
    return "k is " + std::to_string(k) + ", more than the " + std::to_string(n) +
           " elements along the axis";
  // Off the axis, a static result size must be the input's.
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && ((!valuesType.isDynamicDim(d) && !inType.isDynamicDim(d) &&
                       valuesType.getDimSize(d) != inType.getDimSize(d)) ||
                      (!indicesType.isDynamicDim(d) && !inType.isDynamicDim(d) &&
                       indicesType.getDimSize(d) != inType.getDimSize(d))))
      return "the result's shape does not fit the input's off the axis";
  return "";
}

void loom::populateReductionLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add({"onnx.ReduceSum", "onnx.ReduceMean", "onnx.ReduceMax", "onnx.ReduceMin",
                "onnx.ReduceProd", "onnx.ReduceL1", "onnx.ReduceL2", "onnx.ReduceSumSquare",
                "onnx.ReduceLogSum", "onnx.ReduceLogSumExp"},
               [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 if (hasRuntimeAxes(op))
                   return lowerReduceSumRuntimeAxes(b, op, resultType);
                 return lowerReduce(b, op, resultType);
               },
               checkReduction);
  patterns.add({"onnx.ArgMax", "onnx.ArgMin"}, lowerArgMaxMin);
  patterns.add("onnx.Hardmax", lowerHardmax, checkHardmax);
  patterns.add(
      "onnx.TopK",
      [](Operation *op, RankedTensorType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> { return lowerTopK(b, op); },
      checkTopK);
}
