//===- DataMovement.cpp - ops that move or select elements ------------------===//
//
// Transpose, Concat, Slice, Split, Expand, Tile, Trilu, CumSum, Pad,
// DepthToSpace, SpaceToDepth and
// the reshapes (Reshape, Squeeze, Unsqueeze, Flatten); Identity and Dropout
// at inference (or training with ratio 0) are their input. The ops that
// index with values (gathers and scatters) are in Indexing.cpp.
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

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intAttr;
using loom::onnx_attributes::scalarConstant;

/// Run-time size checks of a result shape computed from input values: a
/// size out of range is reported as such, and otherwise a mismatch with the
/// input as a shape error (one error per run, the more basic first).
static void reportSizeOrShapeError(OpBuilder &b, Location loc, func::FuncOp report,
                                   Value tooBig, Value mismatch) {
  reportIf(b, loc, tooBig, report, LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
  Value notTooBig = arith::XOrIOp::create(
      b, loc, tooBig, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  reportIf(b, loc, arith::AndIOp::create(b, loc, mismatch, notTooBig), report,
           LOOM_ABI_ERROR_SHAPE_MISMATCH);
}

/// Expand's shape is a list of sizes (the lowering reads its length; a
/// scalar shape crashed it).
static std::string checkExpand(Operation *op, const LoweringState &) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(1).getType()).getRank();
  if (rank != 1)
    return "the shape input must be a 1-D list of sizes, but it has rank " +
           std::to_string(rank);
  // The result has at least the input's rank (a fuzzed declaration of fewer
  // dimensions made the lowering build invalid indexing maps).
  int64_t inRank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  int64_t resultRank = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
  if (resultRank < inRank)
    return "the output is declared with " + std::to_string(resultRank) +
           " dimension(s), but Expand's result has at least its input's " +
           std::to_string(inRank);
  return "";
}

static FailureOr<Value> lowerExpand(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // Broadcast to the result; a dynamic result size comes from the shape
  // operand (or from the input where the shape has 1 or no entry).
  Value in = op->getOperand(0), shape = op->getOperand(1);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = resultType.getRank(), offset = rank - inType.getRank();
  // The shape operand may be shorter than the result (the input's rank wins).
  int64_t shapeLength = cast<RankedTensorType>(shape.getType()).getDimSize(0);
  int64_t shapeOffset = ShapedType::isDynamic(shapeLength) ? 0 : rank - shapeLength;
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) -> Value { return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v)); };
  // Sizes come from input values: negative or huge ones, and a shape the
  // input does not broadcast to, fail the run (reading the input at indices
  // past its sizes, or allocating 2^40 elements, would crash).
  Value mismatch = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  SmallVector<Value> dyn, resultSizes(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t j = i - offset, k = i - shapeOffset;
    Value fromInput = j >= 0 ? arith::IndexCastOp::create(b, loc, i64,
                                                          tensor::DimOp::create(b, loc, in, j))
                                   .getResult()
                             : Value();
    Value fromShape = k >= 0 ? extractI64(b, loc, shape, k) : Value();
    bool broadcastInput = j >= 0 && inType.getDimSize(j) == 1 && resultType.getDimSize(i) != 1;
    Value size;
    if (!resultType.isDynamicDim(i))
      size = c(resultType.getDimSize(i));
    else if (!fromShape)
      size = fromInput;
    else if (!fromInput || broadcastInput)
      size = fromShape;
    else // ONNX's broadcast: a 1 in the shape keeps the input's size.
      size = arith::SelectOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, fromShape, c(1)),
          fromInput, fromShape);
    resultSizes[i] = size;
    // The input is read at the result's index along this dimension: their
    // sizes must agree (a run-time input size of 1 that would broadcast is
    // not supported either).
    if (fromInput && !broadcastInput && inType.isDynamicDim(j))
      mismatch = arith::OrIOp::create(
          b, loc, mismatch,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, fromInput, size));
    else if (fromInput && !broadcastInput && fromShape && resultType.isDynamicDim(i))
      mismatch = arith::OrIOp::create(
          b, loc, mismatch,
          arith::AndIOp::create(
              b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, fromShape, c(1)),
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, fromShape, fromInput)));
    if (resultType.isDynamicDim(i))
      dyn.push_back(size);
  }
  func::FuncOp report = runtimeErrorReporter(op);
  Value tooBig = dyn.empty() ? Value(arith::ConstantOp::create(b, loc, b.getBoolAttr(false)))
                             : sizesOutOfRange(b, loc, dyn, resultType);
  reportSizeOrShapeError(b, loc, report, tooBig, mismatch);
  Value bad = arith::OrIOp::create(b, loc, tooBig, mismatch);
  SmallVector<Value> dynIndex;
  for (Value v : zeroSizesIf(b, loc, bad, dyn))
    dynIndex.push_back(toIndex(b, loc, v));
  if (!inType.hasStaticShape()) {
    // After an error the input is replaced by a tensor of the (safe)
    // result's sizes, so that nothing is read past the real input.
    SmallVector<Value> safeIn;
    int64_t next = 0;
    for (int64_t i = 0; i < rank; ++i) {
      Value size = resultType.isDynamicDim(i) ? dynIndex[next++] : Value();
      int64_t j = i - offset;
      if (j >= 0 && inType.isDynamicDim(j))
        safeIn.push_back(size ? size : arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(i)).getResult());
    }
    Value placeholder = tensor::EmptyOp::create(b, loc, inType.getShape(), inType.getElementType(), safeIn);
    in = arith::SelectOp::create(b, loc, bad, placeholder, in);
  }
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType(), dynIndex);
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> exprs;
  for (int64_t i = 0; i < inType.getRank(); ++i)
    exprs.push_back(inType.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1
                        ? getAffineConstantExpr(0, ctx)
                        : getAffineDimExpr(offset + i, ctx));
  SmallVector<AffineMap> maps = {AffineMap::get(rank, 0, exprs, ctx),
                                 AffineMap::getMultiDimIdentityMap(rank, ctx)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, TypeRange{resultType}, ValueRange{in},
                                   ValueRange{init}, maps, iters,
                                   [](OpBuilder &nb, Location nloc, ValueRange a) {
                                     linalg::YieldOp::create(nb, nloc, a[0]);
                                   })
      .getResult(0);
}

/// Trilu keeps a triangle of the last two dimensions, which must exist
/// (a rank below 2 built linalg.index of a negative dimension).
static std::string checkTrilu(Operation *op, const LoweringState &) {
  if (cast<RankedTensorType>(op->getOperand(0).getType()).getRank() < 2)
    return "the input must have at least two dimensions";
  return "";
}

static FailureOr<Value> lowerTrilu(Operation *op, RankedTensorType resultType,
                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // Keep element (i, j) of each trailing matrix when j - i >= k (upper) or
  // j - i <= k (lower); zero the rest.
  Value k = op->getNumOperands() > 1
                ? toIndex(b, loc, extractI64(b, loc, op->getOperand(1), 0))
                : arith::ConstantIndexOp::create(b, loc, 0).getResult();
  bool upper = intAttr(op, "upper").value_or(1) != 0;
  int64_t rank = resultType.getRank();
  Type elem = resultType.getElementType();
  return buildElementwise(b, loc, resultType, op->getOperand(0),
                          [=](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            Value i = linalg::IndexOp::create(nb, nloc, rank - 2);
                            Value j = linalg::IndexOp::create(nb, nloc, rank - 1);
                            Value diff = arith::SubIOp::create(nb, nloc, j, i);
                            Value keep = arith::CmpIOp::create(
                                nb, nloc, upper ? arith::CmpIPredicate::sge
                                                : arith::CmpIPredicate::sle,
                                diff, k);
                            Value zero = arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem));
                            return arith::SelectOp::create(nb, nloc, keep, a[0], zero);
                          });
}

static FailureOr<Value> lowerConcat(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // One generic over the result: along `axis`, each position reads the
  // input whose range holds it (every input is read at a clamped index and
  // the right one is selected). Avoids strided slice copies, which would
  // need a memref-copy runtime helper.
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, 0);
  SmallVector<Value> inputs;
  for (Value v : op->getOperands()) // inputs empty along the axis add nothing
    if (cast<RankedTensorType>(v.getType()).getDimSize(axis) != 0)
      inputs.push_back(v);
  if (inputs.empty())
    return failure();
  SmallVector<Value> starts, sizes;
  Value total = arith::ConstantIndexOp::create(b, loc, 0);
  for (Value v : inputs) {
    starts.push_back(total);
    sizes.push_back(tensor::DimOp::create(b, loc, v, axis));
    total = arith::AddIOp::create(b, loc, total, sizes.back());
  }
  // Sizes off the axis that are only known at run time must agree (an
  // export traced at other sizes can disagree): a disagreement is reported,
  // and nothing is read out of bounds after it - a dynamic result is made
  // empty, a static size clamps the reads of the input that may be smaller.
  SmallVector<Value> mismatches;
  SmallVector<SmallVector<Value>> clampTo(inputs.size(), SmallVector<Value>(rank));
  auto first = cast<RankedTensorType>(inputs[0].getType());
  for (auto [k, v] : llvm::enumerate(inputs)) {
    auto type = cast<RankedTensorType>(v.getType());
    for (int64_t i = 0; i < rank; ++i) {
      // Input k's size must be the result's when that is static, else
      // input 0's (which the result takes); static pairs are checked when
      // the op is verified.
      bool resultStatic = !resultType.isDynamicDim(i);
      if (i == axis || (k == 0 && !resultStatic) ||
          (!type.isDynamicDim(i) && (resultStatic || !first.isDynamicDim(i))))
        continue;
      Value size = tensor::DimOp::create(b, loc, v, i);
      Value expected =
          resultStatic ? Value(arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(i)))
                       : Value(tensor::DimOp::create(b, loc, inputs[0], i));
      mismatches.push_back(
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, size, expected));
      if (!resultType.isDynamicDim(i))
        clampTo[k][size_t(i)] = arith::SubIOp::create(
            b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
    }
  }
  SmallVector<Value> dyn;
  for (int64_t i = 0; i < rank; ++i)
    if (resultType.isDynamicDim(i))
      dyn.push_back(i == axis ? total : Value(tensor::DimOp::create(b, loc, inputs[0], i)));
  if (!mismatches.empty()) {
    Value bad = mismatches.front();
    for (Value m : llvm::drop_begin(mismatches))
      bad = arith::OrIOp::create(b, loc, bad, m);
    reportIf(b, loc, bad, runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
    dyn = zeroSizesIf(b, loc, bad, dyn);
  }
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType(), dyn);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> coords;
               for (int64_t i = 0; i < rank; ++i)
                 coords.push_back(linalg::IndexOp::create(nb, nloc, i));
               Value pos = coords[axis];
               Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
               Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
               Value result;
               for (int64_t k = inputs.size() - 1; k >= 0; --k) {
                 Value local = arith::SubIOp::create(nb, nloc, pos, starts[k]);
                 Value last = arith::SubIOp::create(nb, nloc, sizes[k], one);
                 Value clamped = arith::MinSIOp::create(
                     nb, nloc, arith::MaxSIOp::create(nb, nloc, local, zero), last);
                 SmallVector<Value> at = coords;
                 at[axis] = clamped;
                 for (int64_t i = 0; i < rank; ++i)
                   if (Value limit = clampTo[size_t(k)][size_t(i)])
                     at[size_t(i)] = arith::MinSIOp::create(nb, nloc, at[size_t(i)], limit);
                 Value v = tensor::ExtractOp::create(nb, nloc, inputs[k], at);
                 if (!result) {
                   result = v;
                   continue;
                 }
                 Value inside = arith::CmpIOp::create(
                     nb, nloc, arith::CmpIPredicate::slt, pos,
                     arith::AddIOp::create(nb, nloc, starts[k], sizes[k]));
                 result = arith::SelectOp::create(nb, nloc, inside, v, result);
               }
               linalg::YieldOp::create(nb, nloc, result);
             })
      .getResult(0);
}

/// Slice's data has an axis, and its starts, ends, axes and steps are lists
/// of one length, at most one entry per input axis when axes are implied
/// (the lowering reads their length; scalars crashed it).
static std::string checkSlice(Operation *op, const LoweringState &) {
  auto slice = cast<loom::onnx::SliceOp>(op);
  int64_t dataRank = cast<RankedTensorType>(slice.getData().getType()).getRank();
  if (dataRank == 0)
    return "the input must have at least one dimension";
  std::optional<int64_t> length;
  std::pair<const char *, Value> lists[] = {{"starts", slice.getStarts()},
                                            {"ends", slice.getEnds()},
                                            {"axes", slice.getAxes()},
                                            {"steps", slice.getSteps()}};
  for (auto [name, list] : lists) {
    if (!list)
      continue;
    auto type = cast<RankedTensorType>(list.getType());
    if (type.getRank() != 1)
      return std::string(name) + " must be a 1-D list, but it has rank " +
             std::to_string(type.getRank());
    if (type.isDynamicDim(0))
      continue;
    if (length && *length != type.getDimSize(0))
      return "starts, ends, axes and steps must have one length, but " + std::string(name) +
             " has " + std::to_string(type.getDimSize(0)) + " entries where another has " +
             std::to_string(*length);
    length = type.getDimSize(0);
  }
  if (!slice.getAxes() && length && *length > dataRank)
    return "starts has " + std::to_string(*length) + " entries, more than the input's " +
           std::to_string(dataRank) + " axes";
  return "";
}

static FailureOr<Value> lowerSlice(Operation *op, RankedTensorType resultType,
                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // Starts, ends, axes and steps may be run-time values: each output
  // dimension reads first + i * step of its input dimension, with ONNX's
  // clamping applied at run time (constants fold away).
  Value data = op->getOperand(0);
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  auto slice = cast<loom::onnx::SliceOp>(op);
  int64_t count = cast<RankedTensorType>(slice.getStarts().getType()).getDimSize(0);
  if (ShapedType::isDynamic(count))
    return failure();
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i64, v));
  };
  auto clamp = [&](Value v, Value lo, Value hi) -> Value {
    return arith::MinSIOp::create(b, loc, arith::MaxSIOp::create(b, loc, v, lo), hi);
  };
  auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
    return arith::CmpIOp::create(b, loc, p, x, y);
  };
  auto select = [&](Value cond, Value x, Value y) -> Value {
    return arith::SelectOp::create(b, loc, cond, x, y);
  };
  SmallVector<Value> dims, first, step, size;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(arith::IndexCastOp::create(
        b, loc, i64, tensor::DimOp::create(b, loc, data, d).getResult()));
    first.push_back(c(0));
    step.push_back(c(1));
    size.push_back(dims.back());
  }
  // An axis outside the input's dimensions or a step of 0 (run-time values)
  // fails the run; the entry is then ignored (axis 0, step 1 for the
  // arithmetic) and nothing is read.
  Value badEntry = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (int64_t j = 0; j < count; ++j) {
    Value axis = slice.getAxes() ? extractI64(b, loc, slice.getAxes(), j) : c(j);
    axis = select(cmp(arith::CmpIPredicate::slt, axis, c(0)),
                  arith::AddIOp::create(b, loc, axis, c(rank)), axis);
    Value st = slice.getSteps() ? extractI64(b, loc, slice.getSteps(), j) : c(1);
    Value bad = arith::OrIOp::create(
        b, loc,
        arith::OrIOp::create(b, loc, cmp(arith::CmpIPredicate::slt, axis, c(0)),
                             cmp(arith::CmpIPredicate::sge, axis, c(rank))),
        cmp(arith::CmpIPredicate::eq, st, c(0)));
    badEntry = arith::OrIOp::create(b, loc, badEntry, bad);
    axis = select(bad, c(0), axis);
    st = select(bad, c(1), st);
    Value dim = arith::IndexCastOp::create(
        b, loc, i64, tensor::DimOp::create(b, loc, data, toIndex(b, loc, axis)).getResult());
    Value forward = cmp(arith::CmpIPredicate::sgt, st, c(0));
    auto normalize = [&](Value v, Value lowBackward, Value highBackward) {
      v = select(cmp(arith::CmpIPredicate::slt, v, c(0)), arith::AddIOp::create(b, loc, v, dim),
                 v);
      return select(forward, clamp(v, c(0), dim), clamp(v, lowBackward, highBackward));
    };
    Value dimMinus1 = arith::SubIOp::create(b, loc, dim, c(1));
    Value sv = normalize(extractI64(b, loc, slice.getStarts(), j), c(0), dimMinus1);
    Value ev = normalize(extractI64(b, loc, slice.getEnds(), j), c(-1), dimMinus1);
    // ceil((end - start) / step), at least 0, for either sign of step.
    Value span = arith::SubIOp::create(b, loc, ev, sv);
    Value n = arith::CeilDivSIOp::create(b, loc, span, st);
    n = arith::MaxSIOp::create(b, loc, n, c(0));
    Value good = arith::XOrIOp::create(b, loc, bad,
                                       arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    for (int64_t d = 0; d < rank; ++d) {
      Value here = arith::AndIOp::create(b, loc, good, cmp(arith::CmpIPredicate::eq, axis, c(d)));
      first[d] = select(here, sv, first[d]);
      step[d] = select(here, st, step[d]);
      size[d] = select(here, n, size[d]);
    }
  }
  SmallVector<Value> dynamicSizes;
  // A static result size is the inferred or declared one (x[:, -1:] of a
  // dynamic axis is typed 1): the size the run-time bounds give must be it,
  // else the run fails with a shape error and every read goes to position 0
  // (nothing outside the input is read).
  Value mismatch;
  for (int64_t d = 0; d < rank; ++d) {
    if (resultType.isDynamicDim(d)) {
      dynamicSizes.push_back(toIndex(b, loc, size[d]));
      continue;
    }
    Value differs = cmp(arith::CmpIPredicate::ne, size[d], c(resultType.getDimSize(d)));
    mismatch = mismatch ? arith::OrIOp::create(b, loc, mismatch, differs).getResult() : differs;
  }
  if (mismatch)
    reportIf(b, loc, mismatch, runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
  if (count > 0 && (slice.getAxes() || slice.getSteps())) {
    // Reported last: the cause of any mismatch it made.
    reportIf(b, loc, badEntry, runtimeErrorReporter(op), LOOM_ABI_ERROR_BAD_AXIS_OR_STEP);
    dynamicSizes = zeroSizesIf(b, loc, badEntry, dynamicSizes);
    mismatch = mismatch ? arith::OrIOp::create(b, loc, mismatch, badEntry).getResult() : badEntry;
  }
  if (mismatch) {
    for (int64_t d = 0; d < rank; ++d) {
      first[d] = select(mismatch, c(0), first[d]);
      step[d] = select(mismatch, c(0), step[d]);
    }
  }
  SmallVector<Value> firstIndex, stepIndex;
  for (int64_t d = 0; d < rank; ++d) {
    firstIndex.push_back(toIndex(b, loc, first[d]));
    stepIndex.push_back(toIndex(b, loc, step[d]));
  }
  Value nonEmpty = mismatch ? nonEmptyCondition(b, loc, data) : Value();
  Type element = resultType.getElementType();
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> coords;
        for (int64_t i = 0; i < rank; ++i) {
          Value iv = linalg::IndexOp::create(nb, nloc, i);
          coords.push_back(arith::AddIOp::create(
              nb, nloc, arith::MulIOp::create(nb, nloc, iv, stepIndex[i]), firstIndex[i]));
        }
        if (!nonEmpty)
          return tensor::ExtractOp::create(nb, nloc, data, coords);
        return extractIfNonEmpty(nb, nloc, data, coords, nonEmpty,
                                 arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(element)));
      },
      dynamicSizes);
}

static FailureOr<Value> lowerSplit(Operation *op, RankedTensorType resultType,
                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // Consecutive slices along `axis`: sizes from the `split` input (run-time
  // values allowed) or equal parts, the last one smaller if need be.
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  int64_t axis = axisAttr(op, rank, 0);
  unsigned parts = op->getNumResults();
  SmallVector<Value> sizes;
  if (op->getNumOperands() > 1 && op->getOperand(1)) {
    for (unsigned i = 0; i < parts; ++i)
      sizes.push_back(toIndex(b, loc, extractI64(b, loc, op->getOperand(1), i)));
  } else {
    int64_t dim = inType.getDimSize(axis);
    int64_t each = (dim + parts - 1) / parts;
    for (unsigned i = 0; i < parts; ++i)
      sizes.push_back(arith::ConstantIndexOp::create(
          b, loc, std::max<int64_t>(0, std::min<int64_t>(each, dim - i * each))));
  }
  Value offset = arith::ConstantIndexOp::create(b, loc, 0);
  SmallVector<Value> results;
  for (unsigned i = 0; i < parts; ++i) {
    auto partType = cast<RankedTensorType>(op->getResult(i).getType());
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), partSizes, strides(rank, b.getIndexAttr(1));
    offsets[axis] = offset;
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        partSizes.push_back(partType.isDynamicDim(d)
                                ? OpFoldResult(sizes[i])
                                : OpFoldResult(b.getIndexAttr(partType.getDimSize(d))));
      else if (inType.isDynamicDim(d))
        partSizes.push_back(tensor::DimOp::create(b, loc, in, d).getResult());
      else
        partSizes.push_back(b.getIndexAttr(inType.getDimSize(d)));
    }
    // The slice's own type may know more sizes than the (unrefined)
    // result type; a cast keeps the users' type.
    Value part = tensor::ExtractSliceOp::create(b, loc, in, offsets, partSizes, strides);
    if (part.getType() != partType)
      part = tensor::CastOp::create(b, loc, partType, part);
    results.push_back(part);
    offset = arith::AddIOp::create(b, loc, offset, sizes[i]);
  }
  for (unsigned i = 1; i < parts; ++i)
    b.replaceAllUsesWith(op->getResult(i), results[i]);
  return results[0];
}

/// `perm` must name each of the input's axes once (ONNX's inference leaves
/// other lists untyped or wrong; linalg.transpose's verifier rejected them
/// with internal IR).
static std::string checkTranspose(Operation *op, const LoweringState &) {
  auto attr = op->getAttrOfType<ArrayAttr>("perm");
  if (!attr)
    return "";
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  SmallVector<bool> seen(rank, false);
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleaveComma(attr, os, [&](Attribute a) { os << cast<IntegerAttr>(a).getInt(); });
  auto refuse = [&] {
    return "perm [" + text + "] is not a permutation of the input's " + std::to_string(rank) +
           " axes";
  };
  if (int64_t(attr.size()) != rank)
    return refuse();
  for (Attribute a : attr) {
    int64_t p = cast<IntegerAttr>(a).getInt();
    if (p < 0 || p >= rank || seen[p])
      return refuse();
    seen[p] = true;
  }
  return "";
}

static FailureOr<Value> lowerTranspose(Operation *op, RankedTensorType resultType,
                                       PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank();
  // A scalar has nothing to permute (a linalg.transpose of rank 0 crashed
  // the CPU lowering).
  if (rank == 0)
    return in;
  SmallVector<int64_t> perm;
  if (auto attr = op->getAttrOfType<ArrayAttr>("perm"))
    for (Attribute a : attr)
      perm.push_back(cast<IntegerAttr>(a).getInt());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  // A size one side knows and the other does not (the declared result type
  // can be more static than its operand's, or the reverse) is taken by
  // both: linalg.transpose wants the permuted sizes equal.
  auto inType = cast<RankedTensorType>(in.getType());
  SmallVector<int64_t> inShape(inType.getShape()), outShape(resultType.getShape());
  for (int64_t i = 0; i < rank; ++i) {
    int64_t &from = inShape[perm[i]], &to = outShape[i];
    if (ShapedType::isDynamic(from))
      from = to;
    else if (ShapedType::isDynamic(to))
      to = from;
  }
  auto refinedIn = RankedTensorType::get(inShape, inType.getElementType());
  auto refinedOut = RankedTensorType::get(outShape, resultType.getElementType());
  if (refinedIn != inType)
    in = tensor::CastOp::create(b, loc, refinedIn, in);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t p : perm)
    sources.push_back({in, p});
  Value init = emptyLike(b, loc, refinedOut, sources);
  Value out = linalg::TransposeOp::create(b, loc, in, init, perm).getResult()[0];
  return refinedOut == resultType ? out : tensor::CastOp::create(b, loc, resultType, out).getResult();
}

static FailureOr<Value> lowerReshape(Operation *op, RankedTensorType resultType,
                                     PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // tensor.reshape to the result's sizes: static ones from the type (ONNX's
  // 0 and -1, and the axes of (Un)squeeze and Flatten, are resolved there),
  // dynamic ones computed at run time.
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = resultType.getRank();
  Type i64 = b.getI64Type();
  auto c = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i64, v));
  };
  auto inDim = [&](int64_t d) -> Value {
    return arith::IndexCastOp::create(b, loc, i64, tensor::DimOp::create(b, loc, in, d).getResult());
  };
  SmallVector<Value> sizes(rank);
  // Sizes taken from the shape operand's values, or divided out of the
  // input's, are checked at run time against the input's element count.
  bool checkCount = !inType.hasStaticShape() && resultType.hasStaticShape();
  Value twoInferred;
  if (isa<onnx::ReshapeOp>(op) && !resultType.hasStaticShape()) {
    checkCount = true;
    // The shape operand at run time: 0 copies the input's size (unless
    // allowzero), -1 takes what the other sizes leave.
    bool allowZero = intAttr(op, "allowzero").value_or(0) != 0;
    Value total = c(1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      total = arith::MulIOp::create(b, loc, total, inDim(d));
    Value known = c(1), inferredCount = c(0);
    for (int64_t i = 0; i < rank; ++i) {
      Value v = extractI64(b, loc, op->getOperand(1), i);
      if (!allowZero && i < inType.getRank())
        v = arith::SelectOp::create(
            b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c(0)), inDim(i), v);
      sizes[i] = v;
      Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c(-1));
      inferredCount = arith::AddIOp::create(
          b, loc, inferredCount, arith::ExtUIOp::create(b, loc, i64, isInferred));
      known = arith::MulIOp::create(b, loc, known,
                                    arith::SelectOp::create(b, loc, isInferred, c(1), v));
    }
    Value inferred = arith::DivSIOp::create(b, loc, total, arith::MaxSIOp::create(b, loc, known, c(1)));
    for (int64_t i = 0; i < rank; ++i)
      sizes[i] = arith::SelectOp::create(
          b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, sizes[i], c(-1)),
          inferred, sizes[i]);
    twoInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, inferredCount, c(1));
  } else if (isa<onnx::FlattenOp>(op) && rank == 2) {
    // Each result size is the product of the input sizes it merges, static
    // ones included ([b, 3, w] at axis 1 is [b, 3 * w]). A static result
    // size the type declares is checked against them at run time.
    checkCount = !inType.hasStaticShape();
    int64_t axis = intAttr(op, "axis").value_or(1);
    if (axis < 0)
      axis += inType.getRank();
    sizes[0] = c(1);
    sizes[1] = c(1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      sizes[d < axis ? 0 : 1] = arith::MulIOp::create(b, loc, sizes[d < axis ? 0 : 1], inDim(d));
  } else if (resultType.getNumDynamicDims() == inType.getNumDynamicDims()) {
    // (Un)squeeze keep the order of the dynamic sizes.
    int64_t next = 0;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i))
        continue;
      while (!inType.isDynamicDim(next))
        ++next;
      sizes[i] = inDim(next++);
    }
  } else if (resultType.getNumDynamicDims() == 1) {
    checkCount = true;
    Value total = c(1), rest = c(1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      total = arith::MulIOp::create(b, loc, total, inDim(d));
    for (int64_t i = 0; i < rank; ++i)
      if (!resultType.isDynamicDim(i))
        rest = arith::MulIOp::create(b, loc, rest, c(resultType.getDimSize(i)));
    for (int64_t i = 0; i < rank; ++i)
      if (resultType.isDynamicDim(i))
        sizes[i] = arith::DivSIOp::create(b, loc, total, arith::MaxSIOp::create(b, loc, rest, c(1)));
  }
  for (int64_t i = 0; i < rank; ++i)
    if (!resultType.isDynamicDim(i))
      sizes[i] = c(resultType.getDimSize(i));
  // A negative or huge size, or sizes that do not hold exactly the input's
  // elements, fail the run; the result is then empty (dynamic sizes 0) or a
  // placeholder, so that nothing reads past the input.
  Value bad;
  if (checkCount && rank > 0) {
    SmallVector<Value> dynamicSizes;
    for (int64_t i = 0; i < rank; ++i)
      if (resultType.isDynamicDim(i))
        dynamicSizes.push_back(sizes[i]);
    Value total = c(1), product = c(1);
    for (int64_t d = 0; d < inType.getRank(); ++d)
      total = arith::MulIOp::create(b, loc, total, inDim(d));
    for (int64_t i = 0; i < rank; ++i)
      product = arith::MulIOp::create(b, loc, product, sizes[i]);
    Value tooBig = dynamicSizes.empty()
                       ? Value(arith::ConstantOp::create(b, loc, b.getBoolAttr(false)))
                       : sizesOutOfRange(b, loc, dynamicSizes, resultType);
    Value mismatch = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, product, total);
    if (twoInferred)
      mismatch = arith::OrIOp::create(b, loc, mismatch, twoInferred);
    func::FuncOp report = runtimeErrorReporter(op);
    reportSizeOrShapeError(b, loc, report, tooBig, mismatch);
    bad = arith::OrIOp::create(b, loc, tooBig, mismatch);
    for (int64_t i = 0; i < rank; ++i)
      if (resultType.isDynamicDim(i))
        sizes[i] = arith::SelectOp::create(b, loc, bad, c(0), sizes[i]);
  }
  if (!resultType.hasStaticShape()) {
    SmallVector<Value> outSizes;
    for (int64_t i = 0; i < rank; ++i)
      outSizes.push_back(toIndex(b, loc, sizes[i]));
    if (Value view = reshapeAsView(b, loc, in, resultType, outSizes))
      return view;
    // Otherwise a copy (memref.reshape and multi-dynamic expand_shape
    // views both crash MLIR 22's expand-strided-metadata; a view can
    // replace this once they do not).
    return reshapeByCopy(b, loc, in, resultType, outSizes);
  }
  auto shapeType = RankedTensorType::get({rank}, i64);
  Value shape = tensor::FromElementsOp::create(b, loc, shapeType, sizes);
  Value reshaped = tensor::ReshapeOp::create(b, loc, resultType, in, shape);
  if (!bad)
    return reshaped;
  // A view of fewer elements than the static result's must not be read.
  Value placeholder = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                              resultType.getElementType());
  return Value(arith::SelectOp::create(b, loc, bad, placeholder, reshaped));
}

/// Tile: output element i reads input element i mod size along every
/// dimension (the output's sizes are the input's times the repeats).
static FailureOr<Value> lowerTile(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0), repeats = op->getOperand(1);
  int64_t rank = resultType.getRank();
  SmallVector<Value> inSizes, dynamicSizes, factors;
  for (int64_t d = 0; d < rank; ++d) {
    inSizes.push_back(tensor::DimOp::create(b, loc, in, d));
    if (!resultType.isDynamicDim(d))
      continue;
    Value count = toIndex(b, loc, extractI64(b, loc, repeats, d));
    factors.append({inSizes[d], count});
    dynamicSizes.push_back(arith::MulIOp::create(b, loc, inSizes[d], count));
  }
  // Negative repeats or a result of more than 2^32 elements fail the run
  // (checked on the factors: their product may wrap around).
  if (!factors.empty()) {
    Value bad = sizesOutOfRange(b, loc, factors, resultType);
    reportIf(b, loc, bad, runtimeErrorReporter(op), LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
    dynamicSizes = zeroSizesIf(b, loc, bad, dynamicSizes);
  }
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(arith::RemUIOp::create(nb, nloc, linalg::IndexOp::create(nb, nloc, d),
                                                  inSizes[d]));
        return tensor::ExtractOp::create(nb, nloc, in, coords);
      },
      dynamicSizes);
}

static std::string checkTile(Operation *op, const LoweringState &) {
  auto repeatsType = cast<RankedTensorType>(op->getOperand(1).getType());
  if (repeatsType.getRank() != 1 || repeatsType.getDimSize(0) !=
                                        cast<RankedTensorType>(op->getOperand(0).getType()).getRank())
    return "repeats must hold one count per input dimension";
  return "";
}

/// CumSum: output element i sums the input elements j <= i along the axis
/// (j < i when exclusive; j >= i, or j > i, when reversed), each output
/// element with its own loop. The axis may be a run-time value (as in
/// ONNX's tests): the loop's dimension is then chosen per element by
/// selects, which fold away for a constant axis.
static FailureOr<Value> lowerCumSum(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank();
  Value axis = extractI64(b, loc, op->getOperand(1), 0);
  Value rankValue = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(rank));
  Value zero64 = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  axis = arith::SelectOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, zero64),
      arith::AddIOp::create(b, loc, axis, rankValue), axis);
  // A constant axis outside [-rank, rank) is refused (checkCumSum); a
  // run-time one is clamped in.
  axis = toIndex(b, loc, arith::MaxSIOp::create(
                             b, loc,
                             arith::MinSIOp::create(
                                 b, loc, axis,
                                 arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(rank - 1))),
                             zero64));
  bool exclusive = intAttr(op, "exclusive").value_or(0) != 0;
  bool reverse = intAttr(op, "reverse").value_or(0) != 0;
  Type elem = resultType.getElementType();
  bool f = isFloat(elem);
  Value size = tensor::DimOp::create(b, loc, in, axis);
  SmallVector<Value> isAxis;
  for (int64_t d = 0; d < rank; ++d)
    isAxis.push_back(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, axis,
                                           arith::ConstantIndexOp::create(b, loc, d)));
  return buildElementwise(
      b, loc, resultType, ValueRange{in},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d)
          coords.push_back(linalg::IndexOp::create(nb, nloc, d));
        Value i = coords[0];
        for (int64_t d = 1; d < rank; ++d)
          i = arith::SelectOp::create(nb, nloc, isAxis[d], coords[d], i);
        Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        // The range [first, last) of j along the axis.
        Value first = reverse ? (exclusive ? Value(arith::AddIOp::create(nb, nloc, i, one)) : i)
                              : zero;
        Value last = reverse ? size
                             : (exclusive ? i : Value(arith::AddIOp::create(nb, nloc, i, one)));
        Value init = arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem));
        auto loop = scf::ForOp::create(
            nb, nloc, first, last, one, ValueRange{init},
            [&](OpBuilder &lb, Location lloc, Value j, ValueRange acc) {
              SmallVector<Value> at;
              for (int64_t d = 0; d < rank; ++d)
                at.push_back(arith::SelectOp::create(lb, lloc, isAxis[d], j, coords[d]));
              Value x = tensor::ExtractOp::create(lb, lloc, in, at);
              Value sum = f ? Value(arith::AddFOp::create(lb, lloc, acc[0], x))
                            : Value(arith::AddIOp::create(lb, lloc, acc[0], x));
              scf::YieldOp::create(lb, lloc, sum);
            });
        return loop.getResult(0);
      });
}

static std::string checkCumSum(Operation *op, const LoweringState &) {
  int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  if (rank == 0)
    return "the input must have at least one dimension";
  // The lowering reads the axis as element 0 of a scalar or 1-D tensor.
  if (cast<RankedTensorType>(op->getOperand(1).getType()).getRank() > 1)
    return "the axis must be a scalar or a 1-element tensor";
  if (auto axis = constantInts(op->getOperand(1)))
    if (axis->size() != 1 || (*axis)[0] < -rank || (*axis)[0] >= rank)
      return "the axis must be one value in [-rank, rank)";
  return "";
}

/// Dropout that keeps everything: at inference, or in training with a
/// constant ratio of 0. The output is the input and the mask all true.
static FailureOr<Value> lowerDropout(Operation *op, RankedTensorType resultType,
                                     PatternRewriter &b, const LoweringState &) {
  if (op->getNumResults() > 1 && !op->getResult(1).use_empty()) {
    Location loc = op->getLoc();
    auto maskType = cast<RankedTensorType>(op->getResult(1).getType());
    SmallVector<std::pair<Value, int64_t>> sources;
    for (int64_t d = 0; d < maskType.getRank(); ++d)
      sources.push_back({op->getOperand(0), d});
    // Everything kept: true, or 1 in the data's type (the opset 7-9 mask).
    Type elem = maskType.getElementType();
    TypedAttr one = isa<FloatType>(elem) ? TypedAttr(b.getFloatAttr(elem, 1.0))
                                         : TypedAttr(b.getIntegerAttr(elem, 1));
    Value mask = linalg::FillOp::create(b, loc, arith::ConstantOp::create(b, loc, one).getResult(),
                                        emptyLike(b, loc, maskType, sources))
                     .getResult(0);
    b.replaceAllUsesWith(op->getResult(1), mask);
  }
  return op->getOperand(0);
}

static std::string checkDropout(Operation *op, const LoweringState &) {
  if (op->getNumResults() > 1 && !op->getResult(1).use_empty()) {
    Type mask = cast<RankedTensorType>(op->getResult(1).getType()).getElementType();
    if (!mask.isInteger(1) && mask != cast<RankedTensorType>(op->getOperand(0).getType()).getElementType())
      return "Dropout's mask must be boolean (or, before opset 10, of the data's type)";
  }
  auto dropout = cast<onnx::DropoutOp>(op);
  if (Value trainingMode = dropout.getTrainingMode()) {
    auto training = constantInts(trainingMode);
    if (!training)
      return "training_mode must be a constant";
    if ((*training)[0] != 0) {
      // Training drops at random; only a ratio of 0 (keep all) is exact.
      Value ratioInput = dropout.getRatio();
      auto ratio = ratioInput ? scalarConstant(ratioInput) : std::nullopt;
      if (!ratio || *ratio != 0.0)
        return "Dropout in training mode (random) is only supported with a constant ratio of 0";
    }
  }
  return "";
}

static std::string checkSplit(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  int64_t axis = axisAttr(op, inType.getRank(), 0);
  // A declared output the inference could not check (split sizes from a
  // graph input; found by loom-model-fuzzer): off the axis it is the input.
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    auto type = cast<RankedTensorType>(result.getType());
    if (type.getElementType() != inType.getElementType()) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "output " << i << " is declared as " << type.getElementType()
         << ", but Split's outputs have the input's type " << inType.getElementType();
      return text;
    }
    for (int64_t d = 0; d < inType.getRank() && d < type.getRank(); ++d)
      if (d != axis && !inType.isDynamicDim(d) && !type.isDynamicDim(d) &&
          inType.getDimSize(d) != type.getDimSize(d))
        return "output " + std::to_string(i) + " is declared with size " +
               std::to_string(type.getDimSize(d)) + " at dimension " + std::to_string(d) +
               ", but the input has " + std::to_string(inType.getDimSize(d)) +
               " there (Split divides only axis " + std::to_string(axis) + ")";
  }
  if (op->getNumOperands() < 2 && inType.isDynamicDim(axis))
    return "Split into equal parts of a dynamic dimension is not supported yet";
  return "";
}

/// Squeeze and Unsqueeze with dynamic results: their dynamic sizes must be
/// the input's, in order, or one size that the element count determines.
static std::string checkReshapeSizes(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto outType = cast<RankedTensorType>(op->getResult(0).getType());
  // Static shapes of different element counts (a shape with 0 under
  // allowzero, or a declared result that contradicts the input) would reach
  // tensor.reshape's verifier.
  if (inType.hasStaticShape() && outType.hasStaticShape() &&
      inType.getNumElements() != outType.getNumElements())
    return "the result shape " + shapeText(outType.getShape()) + " holds " +
           std::to_string(outType.getNumElements()) + " elements, but the input of shape " +
           shapeText(inType.getShape()) + " holds " + std::to_string(inType.getNumElements());
  // Reshape computes its sizes from the shape operand, Flatten each of its
  // two from the sizes it merges.
  if (isa<onnx::ReshapeOp, onnx::FlattenOp>(op))
    return "";
  if (!outType.hasStaticShape() && outType.getNumDynamicDims() != 1 &&
      outType.getNumDynamicDims() != inType.getNumDynamicDims())
    return op->getName().getStringRef().drop_front(5).str() +
           " with these dynamic sizes is not supported yet";
  return "";
}

/// Pad: output element i reads input element i - padBegin along each
/// dimension; outside the input it is the constant (constant mode), the
/// nearest edge element (edge) or the mirror image without repeating the
/// edge (reflect, numpy's). Pads and the constant may be run-time values;
/// negative pads crop.
static FailureOr<Value> lowerPad(Operation *op, RankedTensorType resultType,
                                 PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto pad = cast<onnx::PadOp>(op);
  Value in = pad.getData();
  int64_t rank = resultType.getRank();
  StringRef mode = pad.getMode();
  Type elem = resultType.getElementType();
  SmallVector<Value> inSizes, begins, dynamicSizes;
  // Pads beyond +-2^32 (whose sums could wrap around) fail the run, as do
  // results of a negative size or more than 2^32 elements.
  Value absurd = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  auto checkedPad = [&](int64_t i) {
    Value v = extractI64(b, loc, pad.getPads(), i);
    Value limit = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(int64_t(1) << 32));
    Value tooFar = arith::OrIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, v, limit),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, v,
                              arith::SubIOp::create(b, loc, arith::ConstantOp::create(
                                  b, loc, b.getI64IntegerAttr(0)), limit)));
    absurd = arith::OrIOp::create(b, loc, absurd, tooFar);
    return toIndex(b, loc, v);
  };
  for (int64_t d = 0; d < rank; ++d) {
    inSizes.push_back(tensor::DimOp::create(b, loc, in, d));
    begins.push_back(checkedPad(d));
    if (resultType.isDynamicDim(d)) {
      Value end = checkedPad(rank + d);
      // Pads that crop more than the dimension holds leave it empty.
      dynamicSizes.push_back(arith::MaxSIOp::create(
          b, loc, arith::AddIOp::create(b, loc, arith::AddIOp::create(b, loc, inSizes[d], begins[d]), end),
          arith::ConstantIndexOp::create(b, loc, 0)));
    }
  }
  if (!dynamicSizes.empty()) {
    func::FuncOp report = runtimeErrorReporter(op);
    reportIf(b, loc, absurd, report, LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
    dynamicSizes = guardResultSizes(b, loc, zeroSizesIf(b, loc, absurd, dynamicSizes),
                                    resultType, report);
  }
  Value fill;
  if (mode == "constant") {
    Value cv = pad.getConstantValue();
    // checkPad refused a constant of unknown size.
    if (cv && cast<RankedTensorType>(cv.getType()).getNumElements() != 0) {
      SmallVector<Value> zeros(cast<RankedTensorType>(cv.getType()).getRank(),
                               arith::ConstantIndexOp::create(b, loc, 0));
      fill = tensor::ExtractOp::create(b, loc, cv, zeros);
    } else {
      fill = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
    }
  }
  Value nonEmpty = nonEmptyCondition(b, loc, in);
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        auto c = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(nb, nloc, v); };
        auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
          return arith::CmpIOp::create(nb, nloc, p, x, y);
        };
        Value inside = arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(true));
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value src = arith::SubIOp::create(nb, nloc, linalg::IndexOp::create(nb, nloc, d),
                                            begins[d]);
          Value last = arith::SubIOp::create(nb, nloc, inSizes[d], c(1));
          if (mode == "reflect") {
            // Period 2 (n - 1): fold src into [0, period), then mirror the
            // upper half. A dimension of one element repeats it.
            Value period = arith::MaxSIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, last, c(2)), c(1));
            Value m = arith::RemSIOp::create(nb, nloc, src, period);
            m = arith::SelectOp::create(nb, nloc, cmp(arith::CmpIPredicate::slt, m, c(0)),
                                        arith::AddIOp::create(nb, nloc, m, period), m);
            src = arith::SelectOp::create(nb, nloc, cmp(arith::CmpIPredicate::sgt, m, last),
                                          arith::SubIOp::create(nb, nloc, period, m), m);
          } else if (mode == "constant") {
            inside = arith::AndIOp::create(
                nb, nloc, inside,
                arith::AndIOp::create(nb, nloc, cmp(arith::CmpIPredicate::sge, src, c(0)),
                                      cmp(arith::CmpIPredicate::sle, src, last)));
          }
          coords.push_back(arith::MaxSIOp::create(
              nb, nloc, arith::MinSIOp::create(nb, nloc, src, last), c(0)));
        }
        Value v = extractIfNonEmpty(
            nb, nloc, in, coords, nonEmpty,
            fill ? fill : Value(arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem))));
        if (mode == "constant")
          v = arith::SelectOp::create(nb, nloc, inside, v, fill);
        return v;
      },
      dynamicSizes);
}

static std::string checkPad(Operation *op, const LoweringState &) {
  auto pad = cast<onnx::PadOp>(op);
  auto inType = cast<RankedTensorType>(pad.getData().getType());
  int64_t rank = inType.getRank();
  StringRef mode = pad.getMode();
  if (!llvm::is_contained({"constant", "reflect", "edge"}, mode))
    return "mode '" + mode.str() + "' is not supported";
  if (op->getNumOperands() > 3 || op->hasAttr("axes"))
    return "the opset-18 axes input is not supported";
  auto padsType = cast<RankedTensorType>(pad.getPads().getType());
  if (padsType.getRank() != 1 || padsType.getDimSize(0) != 2 * rank)
    return "pads must have 2 * rank static entries";
  if (Value cv = pad.getConstantValue()) {
    auto cvType = cast<RankedTensorType>(cv.getType());
    if (cvType.getElementType() != inType.getElementType() ||
        !cvType.hasStaticShape() || cvType.getNumElements() > 1)
      return "constant_value must be one element of the data's type (of a size known "
             "at compile time)";
  }
  if (mode != "constant")
    for (int64_t d = 0; d < rank; ++d)
      if (inType.getDimSize(d) == 0)
        return "reflect and edge modes need non-empty dimensions";
  return "";
}

/// DepthToSpace [N, C, H, W] -> [N, C / b^2, H b, W b]: output (c, h b + i,
/// w b + j) reads channel (i b + j) C/b^2 + c (DCR) or c b^2 + i b + j (CRD).
/// SpaceToDepth is its inverse in DCR order.
static FailureOr<Value> lowerDepthSpace(Operation *op, RankedTensorType resultType,
                                        PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t block = intAttr(op, "blocksize").value_or(1);
  bool toSpace = isa<onnx::DepthToSpaceOp>(op);
  bool crd = toSpace && op->getAttrOfType<StringAttr>("mode") &&
             op->getAttrOfType<StringAttr>("mode").getValue() == "CRD";
  Value bb = arith::ConstantIndexOp::create(b, loc, block);
  Value blockArea = arith::ConstantIndexOp::create(b, loc, block * block);
  Value inChannels = tensor::DimOp::create(b, loc, in, 1);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < 4; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    Value size = tensor::DimOp::create(b, loc, in, d);
    if (d == 1)
      size = toSpace ? Value(arith::DivUIOp::create(b, loc, size, blockArea))
                     : Value(arith::MulIOp::create(b, loc, size, blockArea));
    else if (d > 1)
      size = toSpace ? Value(arith::MulIOp::create(b, loc, size, bb))
                     : Value(arith::DivUIOp::create(b, loc, size, bb));
    dynamicSizes.push_back(size);
  }
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        auto div = [&](Value x, Value y) -> Value { return arith::DivUIOp::create(nb, nloc, x, y); };
        auto rem = [&](Value x, Value y) -> Value { return arith::RemUIOp::create(nb, nloc, x, y); };
        auto mul = [&](Value x, Value y) -> Value { return arith::MulIOp::create(nb, nloc, x, y); };
        auto add = [&](Value x, Value y) -> Value { return arith::AddIOp::create(nb, nloc, x, y); };
        Value n = linalg::IndexOp::create(nb, nloc, 0), c = linalg::IndexOp::create(nb, nloc, 1);
        Value h = linalg::IndexOp::create(nb, nloc, 2), w = linalg::IndexOp::create(nb, nloc, 3);
        SmallVector<Value> at;
        if (toSpace) {
          Value i = rem(h, bb), j = rem(w, bb);
          Value offset = add(mul(i, bb), j);
          Value channel = crd ? add(mul(c, blockArea), offset)
                              : add(mul(offset, div(inChannels, blockArea)), c);
          at = {n, channel, div(h, bb), div(w, bb)};
        } else {
          Value offset = div(c, inChannels);
          Value i = div(offset, bb), j = rem(offset, bb);
          at = {n, rem(c, inChannels), add(mul(h, bb), i), add(mul(w, bb), j)};
        }
        return tensor::ExtractOp::create(nb, nloc, in, at);
      },
      dynamicSizes);
}

static std::string checkDepthSpace(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (inType.getRank() != 4)
    return "the input must be 4-D [N, C, H, W]";
  int64_t block = intAttr(op, "blocksize").value_or(0);
  if (block < 1)
    return "blocksize must be positive";
  if (auto mode = op->getAttrOfType<StringAttr>("mode"))
    if (mode.getValue() != "DCR" && mode.getValue() != "CRD")
      return "mode '" + mode.getValue().str() + "' is not an ONNX value";
  if (isa<onnx::DepthToSpaceOp>(op)) {
    if (!inType.isDynamicDim(1) && inType.getDimSize(1) % (block * block) != 0)
      return "the channels must be a multiple of blocksize squared";
  } else {
    for (int64_t d = 2; d < 4; ++d)
      if (!inType.isDynamicDim(d) && inType.getDimSize(d) % block != 0)
        return "the height and width must be multiples of blocksize";
  }
  return "";
}

void loom::populateDataMovementLoweringPatterns(LoweringPatternSet &patterns) {
  const UnsignedIntegers any = UnsignedIntegers::accepted;
  LowerFn input = [](Operation *op, RankedTensorType, PatternRewriter &,
                     const LoweringState &) -> FailureOr<Value> { return op->getOperand(0); };
  patterns.add("onnx.Identity", input, {}, any);
  patterns.add("onnx.Dropout", lowerDropout, checkDropout);
  patterns.add("onnx.Expand", lowerExpand, checkExpand, any);
  // Bit patterns only (a select with zero): unsigned elements as well
  // (Transformer-XL's `triu` of a uint8 mask).
  patterns.add("onnx.Trilu", lowerTrilu, checkTrilu, any);
  patterns.add("onnx.Concat", lowerConcat, {}, any);
  patterns.add("onnx.Slice", lowerSlice, checkSlice, any);
  patterns.add("onnx.Split", lowerSplit, checkSplit, any);
  patterns.add("onnx.Transpose", lowerTranspose, checkTranspose, any);
  patterns.add("onnx.Tile", lowerTile, checkTile, any);
  patterns.add("onnx.CumSum", lowerCumSum, checkCumSum);
  patterns.add("onnx.Pad", lowerPad, checkPad, any);
  patterns.add({"onnx.DepthToSpace", "onnx.SpaceToDepth"}, lowerDepthSpace, checkDepthSpace, any);
  patterns.add({"onnx.Reshape", "onnx.Unsqueeze", "onnx.Squeeze", "onnx.Flatten"}, lowerReshape,
               checkReshapeSizes, any);
}
