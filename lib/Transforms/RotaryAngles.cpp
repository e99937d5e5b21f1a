//===- RotaryAngles.cpp - cos/sin caches to loom.rotary operands ----------===//

#include "RotaryAngles.h"
#include "IndexedFill.h"

#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

Value loom::rotary::gatherAngles(OpBuilder &b, Location loc, Value cache, RankedTensorType type,
                                 ValueRange dynamicSizes, int64_t batchDim, int64_t seqDim,
                                 bool pairs, int64_t rotaryDim, PositionFn position) {
  Value rows = tensor::DimOp::create(b, loc, cache, 0);
  return loom::fillFromIndices(
      b, loc, type, dynamicSizes,
      [&](OpBuilder &nb, Location nloc, ValueRange idx) -> Value {
        Value at = position(nb, nloc, idx[batchDim], idx[seqDim]);
        Value last = arith::SubIOp::create(
            nb, nloc, rows, arith::ConstantIndexOp::create(nb, nloc, 1));
        at = arith::MaxSIOp::create(
            nb, nloc, arith::MinSIOp::create(nb, nloc, at, last),
            arith::ConstantIndexOp::create(nb, nloc, 0));
        Value col =
            pairs ? idx[3]
                  : Value(arith::RemUIOp::create(nb, nloc, idx[3],
                                                 arith::ConstantIndexOp::create(
                                                     nb, nloc, rotaryDim / 2)));
        return tensor::ExtractOp::create(nb, nloc, cache, ValueRange{at, col});
      });
}

Value loom::rotary::rotateLeading(OpBuilder &b, Location loc, Value x, Value cos, Value sin,
                                  bool pairs, int64_t rotaryDim) {
  auto type = cast<RankedTensorType>(x.getType());
  if (type.getDimSize(3) == rotaryDim)
    return loom::RotaryOp::create(b, loc, type, x, cos, sin, pairs);
  auto partType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), type.getDimSize(2), rotaryDim},
      type.getElementType());
  SmallVector<OpFoldResult> zeros(4, b.getIndexAttr(0)), ones(4, b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, x, 0),
                                     tensor::getMixedSize(b, loc, x, 1),
                                     tensor::getMixedSize(b, loc, x, 2),
                                     b.getIndexAttr(rotaryDim)};
  Value part = tensor::ExtractSliceOp::create(b, loc, partType, x, zeros, sizes, ones);
  Value turned = loom::RotaryOp::create(b, loc, partType, part, cos, sin, pairs);
  return tensor::InsertSliceOp::create(b, loc, turned, x, zeros, sizes, ones);
}
