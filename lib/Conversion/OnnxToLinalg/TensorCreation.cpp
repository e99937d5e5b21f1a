//===- TensorCreation.cpp - ops that make new tensors -----------------------===//
//
// Constant, ConstantOfShape, Range, and the shape queries Shape and Size.
//
//===----------------------------------------------------------------------===//

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

static FailureOr<Value> lowerConstant(Operation *op, RankedTensorType resultType,
                                      PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto value = dyn_cast_or_null<TypedAttr>(op->getAttr("value"));
  if (!value || value.getType() != resultType)
    return failure();
  return Value(arith::ConstantOp::create(b, loc, value));
}

static FailureOr<Value> lowerShape(Operation *op, RankedTensorType resultType,
                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  int64_t rank = cast<RankedTensorType>(in.getType()).getRank();
  int64_t start = intAttr(op, "start").value_or(0), end = intAttr(op, "end").value_or(rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<Value> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(arith::IndexCastOp::create(b, loc, resultType.getElementType(),
                                              tensor::DimOp::create(b, loc, in, i)));
  if (dims.empty())
    return failure();
  return Value(tensor::FromElementsOp::create(b, loc, resultType, dims));
}

static FailureOr<Value> lowerSize(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (int64_t i = 0; i < cast<RankedTensorType>(in.getType()).getRank(); ++i)
    count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, in, i));
  Value n = arith::IndexCastOp::create(b, loc, resultType.getElementType(), count);
  return Value(tensor::FromElementsOp::create(b, loc, resultType, ValueRange{n}));
}

/// start + i * delta for the result's length.
static FailureOr<Value> lowerRange(Operation *op, RankedTensorType resultType,
                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // start + i * delta for the static length of the result.
  Value start = op->getOperand(0), delta = op->getOperand(2);
  Type elem = resultType.getElementType();
  bool f = isFloat(elem);
  Value s0 = tensor::ExtractOp::create(b, loc, start, ValueRange{});
  Value d0 = tensor::ExtractOp::create(b, loc, delta, ValueRange{});
  SmallVector<Value> length;
  if (resultType.isDynamicDim(0)) {
    // max(ceil((limit - start) / delta), 0), computed in f64.
    Value l0 = tensor::ExtractOp::create(b, loc, op->getOperand(1), ValueRange{});
    Type f64 = b.getF64Type();
    Value span = arith::SubFOp::create(b, loc, castScalar(b, loc, l0, f64),
                                       castScalar(b, loc, s0, f64));
    Value steps = math::CeilOp::create(
        b, loc, arith::DivFOp::create(b, loc, span, castScalar(b, loc, d0, f64)));
    Value n = arith::FPToSIOp::create(b, loc, b.getI64Type(), steps);
    n = arith::MaxSIOp::create(b, loc, n,
                               arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)));
    length.push_back(toIndex(b, loc, n));
  }
  return buildElementwise(b, loc, resultType, ValueRange{},
                          [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
                            Value i = linalg::IndexOp::create(nb, nloc, 0);
                            Value iv = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), i);
                            Value ie = castScalar(nb, nloc, iv, elem);
                            return f ? Value(arith::AddFOp::create(
                                           nb, nloc, s0, arith::MulFOp::create(nb, nloc, ie, d0)))
                                     : Value(arith::AddIOp::create(
                                           nb, nloc, s0, arith::MulIOp::create(nb, nloc, ie, d0)));
                          },
                          length);
}

static FailureOr<Value> lowerConstantOfShape(Operation *op, RankedTensorType resultType,
                                             PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Type elem = resultType.getElementType();
  TypedAttr fill = b.getZeroAttr(elem);
  if (auto value = op->getAttrOfType<DenseElementsAttr>("value"))
    fill = cast<TypedAttr>(*value.getValues<Attribute>().begin());
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < resultType.getRank(); ++i)
    if (resultType.isDynamicDim(i))
      dynamicSizes.push_back(toIndex(b, loc, extractI64(b, loc, op->getOperand(0), i)));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), elem, dynamicSizes);
  Value c = arith::ConstantOp::create(b, loc, fill);
  return linalg::FillOp::create(b, loc, c, init).getResult(0);
}

void loom::populateTensorCreationLoweringPatterns(LoweringPatternSet &patterns) {
  const UnsignedIntegers any = UnsignedIntegers::accepted;
  patterns.add("onnx.Constant", lowerConstant, {}, any);
  patterns.add("onnx.Shape", lowerShape, {}, any);
  patterns.add("onnx.Size", lowerSize, {}, any);
  patterns.add("onnx.Range", lowerRange);
  patterns.add("onnx.ConstantOfShape", lowerConstantOfShape);
}
