//===- Indexing.cpp - ops that read or write at indices given as values ----===//
//
// Gather, GatherElements, GatherND, ScatterND and ScatterElements (and the
// deprecated Scatter). Indices come from the model's inputs: negative ones
// count from the end, and one out of range is reported at run time (the
// read or write is skipped), as ONNX requires, never clamped.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::intAttr;

static FailureOr<Value> lowerGather(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  func::FuncOp report = runtimeErrorReporter(op);
  Location loc = op->getLoc();
  // out[i_0..i_{a-1}, j..., i_{a+1}..] = data[i_0.., idx[j...], i_{a+1}..];
  // negative indices count from the end.
  Value data = op->getOperand(0), indices = op->getOperand(1);
  auto dataType = cast<RankedTensorType>(data.getType());
  auto idxType = cast<RankedTensorType>(indices.getType());
  int64_t axis = axisAttr(op, dataType.getRank(), 0);
  int64_t q = idxType.getRank(), rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> idxExprs;
  for (int64_t j = 0; j < q; ++j)
    idxExprs.push_back(getAffineDimExpr(axis + j, ctx));
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t i = 0; i < rank; ++i) {
    if (i < axis)
      sources.push_back({data, i});
    else if (i < axis + q)
      sources.push_back({indices, i - axis});
    else
      sources.push_back({data, i - q + 1});
  }
  Value init = emptyLike(b, loc, resultType, sources);
  Value axisSize = tensor::DimOp::create(b, loc, data, axis);
  reportIndicesOutOfRange(b, loc, indices, axisSize, report);
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, idxExprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value idx = wrapIndex(
                   nb, nloc, arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), a[0]), axisSize);
               SmallVector<Value> coords;
               for (int64_t i = 0; i < dataType.getRank(); ++i) {
                 if (i < axis)
                   coords.push_back(linalg::IndexOp::create(nb, nloc, i));
                 else if (i == axis)
                   coords.push_back(idx);
                 else
                   coords.push_back(linalg::IndexOp::create(nb, nloc, i - 1 + q));
               }
               linalg::YieldOp::create(nb, nloc,
                                       tensor::ExtractOp::create(nb, nloc, data, coords).getResult());
             })
      .getResult(0);
}

/// GatherElements' indices have the data's rank (the lowering indexes the
/// data with one coordinate per indices dimension).
static std::string checkGatherElements(Operation *op, const LoweringState &) {
  int64_t dataRank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  int64_t indicesRank = cast<RankedTensorType>(op->getOperand(1).getType()).getRank();
  if (dataRank == 0 || indicesRank != dataRank)
    return "the indices must have the data's rank, at least 1 (data rank " +
           std::to_string(dataRank) + ", indices rank " + std::to_string(indicesRank) + ")";
  return "";
}

static FailureOr<Value> lowerGatherElements(Operation *op, RankedTensorType resultType,
                                            PatternRewriter &b, const LoweringState &) {
  func::FuncOp report = runtimeErrorReporter(op);
  Location loc = op->getLoc();
  // out[i] = data[i with i[axis] replaced by indices[i]] (negative indices
  // count from the end of the axis).
  Value data = op->getOperand(0), indices = op->getOperand(1);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, 0);
  Value dim = tensor::DimOp::create(b, loc, data, axis);
  reportIndicesOutOfRange(b, loc, indices, dim, report);
  // Off the axis the indices may not be longer than the data (ONNX); at
  // run time that is a shape error, and every read stays inside the data
  // (none from empty data).
  Value longer = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  SmallVector<Value> dataDims;
  for (int64_t d = 0; d < rank; ++d) {
    dataDims.push_back(tensor::DimOp::create(b, loc, data, d));
    if (d != axis)
      longer = arith::OrIOp::create(
          b, loc, longer,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt,
                                tensor::DimOp::create(b, loc, indices, d), dataDims[d]));
  }
  reportIf(b, loc, longer, report, LOOM_ABI_ERROR_SHAPE_MISMATCH);
  Value nonEmpty = nonEmptyCondition(b, loc, data);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(resultType.getElementType()));
  return buildElementwise(b, loc, resultType, ValueRange{indices},
                          [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            Value idx = wrapIndex(
                                nb, nloc, arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), a[0]),
                                dim);
                            Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
                            SmallVector<Value> coords;
                            for (int64_t d = 0; d < rank; ++d)
                              coords.push_back(
                                  d == axis ? idx
                                            : arith::MinSIOp::create(
                                                  nb, nloc, linalg::IndexOp::create(nb, nloc, d),
                                                  arith::SubIOp::create(nb, nloc, dataDims[d], one))
                                                  .getResult());
                            return extractIfNonEmpty(nb, nloc, data, coords, nonEmpty, zero);
                          });
}

/// `linear` as coordinates of a row-major space of `sizes`.
static SmallVector<Value> delinearize(OpBuilder &b, Location loc, Value linear,
                                      ArrayRef<Value> sizes) {
  SmallVector<Value> coords(sizes.size());
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    coords[d] = arith::RemUIOp::create(b, loc, linear, sizes[d]);
    linear = arith::DivUIOp::create(b, loc, linear, sizes[d]);
  }
  return coords;
}

/// A scatter's `reduction` (add, mul, max, min) of the element already there
/// and the update.
static Value combineScattered(OpBuilder &b, Location loc, StringRef reduction, Value old,
                              Value value) {
  bool f = isFloat(value.getType());
  if (reduction == "add")
    return f ? Value(arith::AddFOp::create(b, loc, old, value))
             : Value(arith::AddIOp::create(b, loc, old, value));
  if (reduction == "mul")
    return f ? Value(arith::MulFOp::create(b, loc, old, value))
             : Value(arith::MulIOp::create(b, loc, old, value));
  if (reduction == "max")
    return f ? Value(arith::MaximumFOp::create(b, loc, old, value))
             : Value(arith::MaxSIOp::create(b, loc, old, value));
  return f ? Value(arith::MinimumFOp::create(b, loc, old, value))
           : Value(arith::MinSIOp::create(b, loc, old, value));
}

/// ScatterND: the data, then for each index tuple of `indices` (its last
/// dimension k long) the slice of `updates` written (or combined, with a
/// reduction) at data[tuple, ...]. Two loops with the tensor as their
/// carried value, which bufferizes to stores into one copy of the data.
/// Tuples are applied in order, so repeated ones keep the last update.
static FailureOr<Value> lowerScatterND(Operation *op, RankedTensorType resultType,
                                       PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  func::FuncOp report = runtimeErrorReporter(op);
  Value data = op->getOperand(0), indices = op->getOperand(1), updates = op->getOperand(2);
  auto dataType = cast<RankedTensorType>(data.getType());
  auto indicesType = cast<RankedTensorType>(indices.getType());
  int64_t rank = dataType.getRank(), q = indicesType.getRank();
  int64_t k = indicesType.getDimSize(q - 1);
  StringRef reduction = "none";
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    reduction = attr.getValue();
  auto c = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  SmallVector<Value> tupleSizes, sliceSizes, dataSizes;
  Value tuples = c(b, 1), slice = c(b, 1);
  for (int64_t d = 0; d + 1 < q; ++d) {
    tupleSizes.push_back(tensor::DimOp::create(b, loc, indices, d));
    tuples = arith::MulIOp::create(b, loc, tuples, tupleSizes.back());
  }
  for (int64_t d = 0; d < rank; ++d)
    dataSizes.push_back(tensor::DimOp::create(b, loc, data, d));
  for (int64_t d = k; d < rank; ++d) {
    sliceSizes.push_back(dataSizes[d]);
    slice = arith::MulIOp::create(b, loc, slice, dataSizes[d]);
  }
  // Column t of the tuples indexes data dimension t.
  for (int64_t t = 0; t < k; ++t) {
    SmallVector<OpFoldResult> offsets(q, b.getIndexAttr(0)), sizes, strides(q, b.getIndexAttr(1));
    for (int64_t d = 0; d + 1 < q; ++d)
      sizes.push_back(tupleSizes[d]);
    sizes.push_back(b.getIndexAttr(1));
    offsets[q - 1] = b.getIndexAttr(t);
    Value column = tensor::ExtractSliceOp::create(b, loc, indices, offsets, sizes, strides);
    reportIndicesOutOfRange(b, loc, column, dataSizes[t], report);
  }
  // The updates must be [tuples..., data's dimensions from k on] (ONNX): at
  // run time another shape is a shape error. Then, or when an indexed data
  // dimension is empty (every index is out of range: reported above),
  // nothing is read or written.
  Value wrongUpdates = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto differs = [&](Value x, Value y) {
    wrongUpdates = arith::OrIOp::create(
        b, loc, wrongUpdates, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, x, y));
  };
  for (int64_t d = 0; d + 1 < q; ++d)
    differs(tensor::DimOp::create(b, loc, updates, d), tupleSizes[d]);
  for (int64_t d = k; d < rank; ++d)
    differs(tensor::DimOp::create(b, loc, updates, q - 1 + d - k), dataSizes[d]);
  reportIf(b, loc, wrongUpdates, report, LOOM_ABI_ERROR_SHAPE_MISMATCH);
  Value skip = wrongUpdates;
  for (int64_t t = 0; t < k; ++t)
    skip = arith::OrIOp::create(
        b, loc, skip, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dataSizes[t], c(b, 0)));
  tuples = arith::SelectOp::create(b, loc, skip, c(b, 0), tuples);
  auto outer = scf::ForOp::create(
      b, loc, c(b, 0), tuples, c(b, 1), ValueRange{data},
      [&](OpBuilder &ob, Location, Value j, ValueRange acc) {
        SmallVector<Value> tuple = delinearize(ob, loc, j, tupleSizes);
        SmallVector<Value> target;
        for (int64_t t = 0; t < k; ++t) {
          SmallVector<Value> at = tuple;
          at.push_back(c(ob, t));
          Value index = arith::IndexCastOp::create(
              ob, loc, ob.getIndexType(), tensor::ExtractOp::create(ob, loc, indices, at));
          target.push_back(wrapIndex(ob, loc, index, dataSizes[t]));
        }
        auto inner = scf::ForOp::create(
            ob, loc, c(ob, 0), slice, c(ob, 1), acc,
            [&](OpBuilder &ib, Location, Value s, ValueRange current) {
              SmallVector<Value> within = delinearize(ib, loc, s, sliceSizes);
              SmallVector<Value> from = tuple, to = target;
              from.append(within.begin(), within.end());
              to.append(within.begin(), within.end());
              Value value = tensor::ExtractOp::create(ib, loc, updates, from);
              if (reduction != "none")
                value = combineScattered(ib, loc, reduction,
                                         tensor::ExtractOp::create(ib, loc, current[0], to),
                                         value);
              scf::YieldOp::create(
                  ib, loc, ValueRange{tensor::InsertOp::create(ib, loc, value, current[0], to)});
            });
        scf::YieldOp::create(ob, loc, inner.getResults());
      });
  return outer.getResult(0);
}

static std::string checkScatterND(Operation *op, const LoweringState &) {
  auto dataType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto indicesType = cast<RankedTensorType>(op->getOperand(1).getType());
  int64_t q = indicesType.getRank();
  if (q < 1 || indicesType.isDynamicDim(q - 1) || indicesType.getDimSize(q - 1) > dataType.getRank())
    return "the last dimension of indices must be static and at most the data's rank";
  if (!indicesType.getElementType().isInteger(64))
    return "indices must be int64";
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, attr.getValue()))
      return "reduction '" + attr.getValue().str() + "' is not an ONNX value";
  auto updatesType = cast<RankedTensorType>(op->getOperand(2).getType());
  if (updatesType.getRank() != q - 1 + dataType.getRank() - indicesType.getDimSize(q - 1))
    return "updates must have the rank of indices' tuples plus the data's remaining dimensions";
  return "";
}

/// ScatterElements (and the older Scatter): the data, then each element of
/// `updates` written (or combined) at its own position with the coordinate
/// along `axis` replaced by the matching element of `indices`. One loop in
/// row-major order of `updates` with the tensor as its carried value, so
/// repeated positions keep the last update.
static FailureOr<Value> lowerScatterElements(Operation *op, RankedTensorType resultType,
                                             PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value data = op->getOperand(0), indices = op->getOperand(1), updates = op->getOperand(2);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, 0);
  StringRef reduction = "none";
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    reduction = attr.getValue();
  Value axisSize = tensor::DimOp::create(b, loc, data, axis);
  reportIndicesOutOfRange(b, loc, indices, axisSize, runtimeErrorReporter(op));
  SmallVector<Value> sizes;
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t d = 0; d < rank; ++d) {
    sizes.push_back(tensor::DimOp::create(b, loc, updates, d));
    count = arith::MulIOp::create(b, loc, count, sizes.back());
  }
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0), count,
      arith::ConstantIndexOp::create(b, loc, 1), ValueRange{data},
      [&](OpBuilder &lb, Location, Value i, ValueRange acc) {
        SmallVector<Value> from = delinearize(lb, loc, i, sizes);
        SmallVector<Value> to = from;
        Value index = arith::IndexCastOp::create(lb, loc, lb.getIndexType(),
                                                 tensor::ExtractOp::create(lb, loc, indices, from));
        to[axis] = wrapIndex(lb, loc, index, axisSize);
        Value value = tensor::ExtractOp::create(lb, loc, updates, from);
        if (reduction != "none")
          value = combineScattered(lb, loc, reduction,
                                   tensor::ExtractOp::create(lb, loc, acc[0], to), value);
        scf::YieldOp::create(lb, loc,
                             ValueRange{tensor::InsertOp::create(lb, loc, value, acc[0], to)});
      });
  return loop.getResult(0);
}

static std::string checkScatterElements(Operation *op, const LoweringState &) {
  auto dataType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto indicesType = cast<RankedTensorType>(op->getOperand(1).getType());
  auto updatesType = cast<RankedTensorType>(op->getOperand(2).getType());
  int64_t rank = dataType.getRank();
  if (rank < 1 || indicesType.getRank() != rank || updatesType.getRank() != rank)
    return "data, indices and updates must have the same rank (at least 1)";
  if (!indicesType.getElementType().isSignlessInteger())
    return "indices must be int32 or int64";
  int64_t axis = intAttr(op, "axis").value_or(0);
  if (axis < -rank || axis >= rank)
    return "axis " + std::to_string(axis) + " is outside the data's " + std::to_string(rank) +
           " dimensions";
  if (auto attr = op->getAttrOfType<StringAttr>("reduction"))
    if (!llvm::is_contained({"none", "add", "mul", "max", "min"}, attr.getValue()))
      return "reduction '" + attr.getValue().str() + "' is not an ONNX value";
  return "";
}

/// GatherND: output[i..., j...] = data[batch..., indices[i..., :]..., j...],
/// where the first batch_dims coordinates of i are shared with the data and
/// each index tuple (indices' last dimension, k long) picks the next k
/// data coordinates; negative indices count from the end.
static FailureOr<Value> lowerGatherND(Operation *op, RankedTensorType resultType,
                                      PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value data = op->getOperand(0), indices = op->getOperand(1);
  auto indicesType = cast<RankedTensorType>(indices.getType());
  int64_t q = indicesType.getRank(), k = indicesType.getDimSize(q - 1);
  int64_t batchDims = intAttr(op, "batch_dims").value_or(0);
  int64_t dataRank = cast<RankedTensorType>(data.getType()).getRank();
  func::FuncOp report = runtimeErrorReporter(op);
  SmallVector<Value> dataSizes;
  for (int64_t d = 0; d < dataRank; ++d)
    dataSizes.push_back(tensor::DimOp::create(b, loc, data, d));
  for (int64_t t = 0; t < k; ++t) {
    SmallVector<OpFoldResult> offsets(q, b.getIndexAttr(0)), sizes, strides(q, b.getIndexAttr(1));
    for (int64_t d = 0; d + 1 < q; ++d)
      sizes.push_back(tensor::DimOp::create(b, loc, indices, d).getResult());
    sizes.push_back(b.getIndexAttr(1));
    offsets[q - 1] = b.getIndexAttr(t);
    Value column = tensor::ExtractSliceOp::create(b, loc, indices, offsets, sizes, strides);
    reportIndicesOutOfRange(b, loc, column, dataSizes[batchDims + t], report);
  }
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < resultType.getRank(); ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(d < q - 1 ? Value(tensor::DimOp::create(b, loc, indices, d))
                                       : dataSizes[batchDims + k + d - (q - 1)]);
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> outer, coords;
        for (int64_t d = 0; d + 1 < q; ++d)
          outer.push_back(linalg::IndexOp::create(nb, nloc, d));
        coords.append(outer.begin(), outer.begin() + batchDims);
        for (int64_t t = 0; t < k; ++t) {
          SmallVector<Value> at = outer;
          at.push_back(arith::ConstantIndexOp::create(nb, nloc, t));
          Value index = arith::IndexCastOp::create(
              nb, nloc, nb.getIndexType(), tensor::ExtractOp::create(nb, nloc, indices, at));
          coords.push_back(wrapIndex(nb, nloc, index, dataSizes[batchDims + t]));
        }
        for (int64_t d = q - 1; d < resultType.getRank(); ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        return tensor::ExtractOp::create(nb, nloc, data, coords);
      },
      dynamicSizes);
}

static std::string checkGatherND(Operation *op, const LoweringState &) {
  auto dataType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto indicesType = cast<RankedTensorType>(op->getOperand(1).getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  int64_t q = indicesType.getRank(), r = dataType.getRank();
  int64_t batchDims = intAttr(op, "batch_dims").value_or(0);
  if (q < 1 || indicesType.isDynamicDim(q - 1))
    return "the last dimension of indices must be static";
  if (!indicesType.getElementType().isInteger(64))
    return "indices must be int64";
  int64_t k = indicesType.getDimSize(q - 1);
  if (batchDims < 0 || batchDims >= std::min(q, r) || batchDims + k > r)
    return "batch_dims plus the index tuple's length must fit in the data's rank";
  if (resultType.getRank() != q - 1 + r - batchDims - k)
    return "the result's rank does not fit the data, indices and batch_dims";
  return "";
}

static std::string checkGather(Operation *op, const LoweringState &) {
  if (cast<RankedTensorType>(op->getOperand(1).getType()).getElementType().isInteger(1))
    return "boolean indices";
  return "";
}


void loom::populateIndexingLoweringPatterns(LoweringPatternSet &patterns) {
  const UnsignedIntegers any = UnsignedIntegers::accepted;
  patterns.add("onnx.Gather", lowerGather, checkGather, any);
  patterns.add("onnx.GatherElements", lowerGatherElements, checkGatherElements);
  patterns.add("onnx.ScatterND", lowerScatterND, checkScatterND, any);
  patterns.add({"onnx.ScatterElements", "onnx.Scatter"}, lowerScatterElements,
               checkScatterElements);
  patterns.add("onnx.GatherND", lowerGatherND, checkGatherND, any);
}
