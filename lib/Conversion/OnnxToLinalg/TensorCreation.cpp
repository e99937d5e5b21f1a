//===- TensorCreation.cpp - ops that make new tensors -----------------------===//
//
// Constant, ConstantOfShape, Range, EyeLike, OneHot, the window functions (Hann,
// Hamming, Blackman), and the shape queries Shape and Size.
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

/// The tensor that a Constant's value_int, value_ints, value_float or
/// value_floats attribute stands for, when it has `type`'s element count.
static DenseElementsAttr constantFromScalarAttributes(Operation *op, RankedTensorType type) {
  Type elem = type.getElementType();
  SmallVector<Attribute> elements;
  if (auto i = op->getAttrOfType<IntegerAttr>("value_int")) {
    if (elem.isSignlessInteger(64))
      elements.push_back(IntegerAttr::get(elem, i.getValue().getSExtValue()));
  } else if (auto f = op->getAttrOfType<FloatAttr>("value_float")) {
    if (elem.isF32())
      elements.push_back(FloatAttr::get(elem, f.getValueAsDouble()));
  } else if (auto list = op->getAttrOfType<ArrayAttr>("value_ints")) {
    for (Attribute a : list)
      if (auto i = dyn_cast<IntegerAttr>(a); i && elem.isSignlessInteger(64))
        elements.push_back(IntegerAttr::get(elem, i.getValue().getSExtValue()));
  } else if (auto list = op->getAttrOfType<ArrayAttr>("value_floats")) {
    for (Attribute a : list)
      if (auto f = dyn_cast<FloatAttr>(a); f && elem.isF32())
        elements.push_back(FloatAttr::get(elem, f.getValueAsDouble()));
  }
  if (elements.empty() || !type.hasStaticShape() ||
      type.getNumElements() != int64_t(elements.size()))
    return {};
  return DenseElementsAttr::get(type, elements);
}

static FailureOr<Value> lowerConstant(Operation *op, RankedTensorType resultType,
                                      PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto value = dyn_cast_or_null<TypedAttr>(op->getAttr("value"));
  if (!value)
    value = constantFromScalarAttributes(op, resultType);
  if (!value || value.getType() != resultType)
    return failure();
  return Value(arith::ConstantOp::create(b, loc, value));
}

static std::string checkConstant(Operation *op, const LoweringState &) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  auto value = dyn_cast_or_null<TypedAttr>(op->getAttr("value"));
  if (!value)
    value = constantFromScalarAttributes(op, resultType);
  if (!value)
    return "only the value, value_int(s) and value_float(s) forms are supported";
  if (value.getType() != resultType)
    return "its value does not have the node's result type";
  return "";
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
  if (resultType.isDynamicDim(0) && !f) {
    // Integers: ceil(|limit - start| / |delta|) in unsigned 64-bit
    // arithmetic, exact for any int64 operands (f64 rounds spans past 2^53:
    // Range(INT64_MIN, INT64_MAX, INT64_MAX) has 3 elements, not 2).
    Type i64 = b.getI64Type();
    auto c = [&](int64_t v) -> Value {
      return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(v));
    };
    Value s = castScalar(b, loc, s0, i64), d = castScalar(b, loc, d0, i64);
    Value l = castScalar(b, loc, tensor::ExtractOp::create(b, loc, op->getOperand(1), ValueRange{}),
                         i64);
    Value up = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, d, c(0));
    Value span = arith::SelectOp::create(b, loc, up, arith::SubIOp::create(b, loc, l, s),
                                         arith::SubIOp::create(b, loc, s, l));
    Value step = arith::SelectOp::create(b, loc, up, d, arith::SubIOp::create(b, loc, c(0), d));
    Value nonEmpty = arith::SelectOp::create(
        b, loc, up, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, l, s),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, l, s));
    Value noStep = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, d, c(0));
    Value safeStep = arith::SelectOp::create(b, loc, noStep, c(1), step);
    Value n = arith::AddIOp::create(
        b, loc, arith::DivUIOp::create(b, loc, span, safeStep),
        arith::ExtUIOp::create(
            b, loc, i64,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                  arith::RemUIOp::create(b, loc, span, safeStep), c(0))));
    n = arith::SelectOp::create(b, loc, nonEmpty, n, c(0));
    Value tooLong = arith::CmpFOp::create(
        b, loc, arith::CmpFPredicate::OGT, arith::UIToFPOp::create(b, loc, b.getF64Type(), n),
        tensorElementLimit(b, loc, resultType.getElementType()));
    Value bad = arith::OrIOp::create(b, loc, noStep, tooLong);
    reportIf(b, loc, bad, runtimeErrorReporter(op), LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
    length.push_back(toIndex(b, loc, arith::SelectOp::create(b, loc, bad, c(0), n)));
  } else if (resultType.isDynamicDim(0)) {
    // max(ceil((limit - start) / delta), 0), computed in f64.
    Value l0 = tensor::ExtractOp::create(b, loc, op->getOperand(1), ValueRange{});
    Type f64 = b.getF64Type();
    Value span = arith::SubFOp::create(b, loc, castScalar(b, loc, l0, f64),
                                       castScalar(b, loc, s0, f64));
    Value steps = math::CeilOp::create(
        b, loc, arith::DivFOp::create(b, loc, span, castScalar(b, loc, d0, f64)));
    // A delta of 0 (an endless range) or a length past 2^32 fails the run
    // (checked in f64, before the conversion to an integer can overflow).
    Value zero = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(0));
    Value noStep = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                         castScalar(b, loc, d0, f64), zero);
    Value tooLong = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UGT, steps,
                                          tensorElementLimit(b, loc, resultType.getElementType()));
    Value bad = arith::OrIOp::create(b, loc, noStep, tooLong);
    reportIf(b, loc, bad, runtimeErrorReporter(op), LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
    steps = arith::SelectOp::create(b, loc, bad, zero, steps);
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

/// ConstantOfShape's input is a 1-D list of int64 sizes (the lowering reads
/// its elements as integers).
static std::string checkConstantOfShape(Operation *op, const LoweringState &) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (type.getRank() != 1 || !type.getElementType().isInteger(64))
    return "the shape input must be a 1-D int64 tensor";
  return "";
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
  dynamicSizes = guardResultSizes(b, loc, dynamicSizes, resultType, runtimeErrorReporter(op));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), elem, dynamicSizes);
  Value c = arith::ConstantOp::create(b, loc, fill);
  return linalg::FillOp::create(b, loc, c, init).getResult(0);
}

/// EyeLike: ones on the k-th diagonal (column - row == k), zeros elsewhere,
/// in the input's shape.
static FailureOr<Value> lowerEyeLike(Operation *op, RankedTensorType resultType,
                                     PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  int64_t k = intAttr(op, "k").value_or(0);
  Type elem = resultType.getElementType();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < 2; ++d)
    if (resultType.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, op->getOperand(0), d));
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        Value row = linalg::IndexOp::create(nb, nloc, 0);
        Value col = linalg::IndexOp::create(nb, nloc, 1);
        Value diagonal = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::eq, arith::SubIOp::create(nb, nloc, col, row),
            arith::ConstantIndexOp::create(nb, nloc, k));
        TypedAttr one = isFloat(elem) ? TypedAttr(nb.getFloatAttr(elem, 1.0))
                                      : TypedAttr(nb.getIntegerAttr(elem, 1));
        return arith::SelectOp::create(nb, nloc, diagonal,
                                       arith::ConstantOp::create(nb, nloc, one),
                                       arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
      },
      sizes);
}

static std::string checkEyeLike(Operation *op, const LoweringState &) {
  if (cast<RankedTensorType>(op->getResult(0).getType()).getRank() != 2)
    return "EyeLike needs a 2-D input";
  return "";
}

/// HannWindow, HammingWindow, BlackmanWindow: the generalized cosine window
/// a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N) of `size` points, with N the
/// size when periodic, else size - 1. Computed in f64, then converted.
static FailureOr<Value> lowerWindow(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  StringRef name = op->getName().getStringRef();
  double a0 = 0.5, a1 = 0.5, a2 = 0.0;
  if (name == "onnx.HammingWindow") {
    a0 = 25.0 / 46.0;
    a1 = 1.0 - a0;
  } else if (name == "onnx.BlackmanWindow") {
    a0 = 0.42;
    a1 = 0.5;
    a2 = 0.08;
  }
  bool periodic = intAttr(op, "periodic").value_or(1) != 0;
  Value size = extractI64(b, loc, op->getOperand(0), 0);
  Type f64 = b.getF64Type();
  Value n = arith::SIToFPOp::create(b, loc, f64, size);
  if (!periodic)
    n = arith::SubFOp::create(b, loc, n, arith::ConstantOp::create(b, loc, b.getF64FloatAttr(1)));
  SmallVector<Value> sizes;
  if (resultType.isDynamicDim(0))
    sizes.push_back(toIndex(b, loc,
                            arith::MaxSIOp::create(b, loc, size,
                                                   arith::ConstantOp::create(
                                                       b, loc, b.getI64IntegerAttr(0)))));
  Type elem = resultType.getElementType();
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        auto c = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, nb.getF64FloatAttr(v));
        };
        Value i = arith::SIToFPOp::create(
            nb, nloc, f64,
            arith::IndexCastOp::create(nb, nloc, nb.getI64Type(),
                                       linalg::IndexOp::create(nb, nloc, 0)));
        Value angle = arith::DivFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, i, c(2 * M_PI)), n);
        Value w = arith::SubFOp::create(
            nb, nloc, c(a0), arith::MulFOp::create(nb, nloc, c(a1), math::CosOp::create(nb, nloc, angle)));
        if (a2 != 0.0)
          w = arith::AddFOp::create(
              nb, nloc, w,
              arith::MulFOp::create(
                  nb, nloc, c(a2),
                  math::CosOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, angle, c(2)))));
        return castScalar(nb, nloc, w, elem);
      },
      sizes);
}

static std::string checkWindow(Operation *op, const LoweringState &) {
  auto sizeType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!sizeType.hasStaticShape() || sizeType.getNumElements() != 1 ||
      !sizeType.getElementType().isSignlessInteger())
    return "the size must be one integer";
  if (cast<RankedTensorType>(op->getResult(0).getType()).getRank() != 1)
    return "the window must be 1-D";
  return "";
}

/// OneHot: along the new dimension `axis`, values[1] where the position
/// equals the index (negative indices count from depth) and values[0]
/// elsewhere; an index outside [-depth, depth) gives a row of values[0], as
/// ONNX specifies.
static FailureOr<Value> lowerOneHot(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value indices = op->getOperand(0), values = op->getOperand(2);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
  Type i64 = b.getI64Type();
  Value depthElem = tensor::ExtractOp::create(
      b, loc, op->getOperand(1),
      SmallVector<Value>(cast<RankedTensorType>(op->getOperand(1).getType()).getRank(),
                         arith::ConstantIndexOp::create(b, loc, 0)));
  Value depth = castScalar(b, loc, depthElem, i64);
  Value off = tensor::ExtractOp::create(b, loc, values,
                                        ValueRange{arith::ConstantIndexOp::create(b, loc, 0)});
  Value on = tensor::ExtractOp::create(b, loc, values,
                                       ValueRange{arith::ConstantIndexOp::create(b, loc, 1)});
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> indexExprs;
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (d != axis)
      indexExprs.push_back(getAffineDimExpr(d, ctx));
    if (!resultType.isDynamicDim(d))
      continue;
    if (d == axis)
      sizes.push_back(toIndex(b, loc, depth));
    else
      sizes.push_back(tensor::DimOp::create(b, loc, indices, d < axis ? d : d - 1));
  }
  // A negative depth (or one making more than 2^32 elements) fails the run.
  sizes = guardResultSizes(b, loc, sizes, resultType, runtimeErrorReporter(op));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType(), sizes);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init},
             SmallVector<AffineMap>{AffineMap::get(rank, 0, indexExprs, ctx),
                                    AffineMap::getMultiDimIdentityMap(rank, ctx)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value idx = castScalar(nb, nloc, a[0], i64);
               Value zero = arith::ConstantOp::create(nb, nloc, nb.getI64IntegerAttr(0));
               Value negative = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, idx, zero);
               idx = arith::SelectOp::create(nb, nloc, negative,
                                             arith::AddIOp::create(nb, nloc, idx, depth), idx);
               Value position = arith::IndexCastOp::create(
                   nb, nloc, i64, linalg::IndexOp::create(nb, nloc, axis));
               Value hit = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, idx, position);
               linalg::YieldOp::create(nb, nloc,
                                       arith::SelectOp::create(nb, nloc, hit, on, off).getResult());
             })
      .getResult(0);
}

static std::string checkOneHot(Operation *op, const LoweringState &) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  auto depthType = cast<RankedTensorType>(op->getOperand(1).getType());
  auto valuesType = cast<RankedTensorType>(op->getOperand(2).getType());
  if (!depthType.hasStaticShape() || depthType.getNumElements() != 1)
    return "depth must hold one value";
  if (valuesType.getRank() != 1 || valuesType.getDimSize(0) != 2)
    return "values must be a vector of two elements [off_value, on_value]";
  int64_t rank = resultType.getRank();
  int64_t axis = intAttr(op, "axis").value_or(-1);
  if (axis < -rank || axis >= rank)
    return "axis " + std::to_string(axis) + " is outside the result's " + std::to_string(rank) +
           " dimensions";
  return "";
}

void loom::populateTensorCreationLoweringPatterns(LoweringPatternSet &patterns) {
  const UnsignedIntegers any = UnsignedIntegers::accepted;
  patterns.add("onnx.Constant", lowerConstant, checkConstant, any);
  patterns.add("onnx.Shape", lowerShape, {}, any);
  patterns.add("onnx.Size", lowerSize, {}, any);
  patterns.add("onnx.Range", lowerRange);
  // Fills and selects copy bit patterns: unsigned elements as well
  // (`new_ones(..., dtype=torch.uint8)` byte masks).
  patterns.add("onnx.ConstantOfShape", lowerConstantOfShape, checkConstantOfShape, any);
  patterns.add("onnx.EyeLike", lowerEyeLike, checkEyeLike, any);
  patterns.add("onnx.OneHot", lowerOneHot, checkOneHot);
  patterns.add({"onnx.HannWindow", "onnx.HammingWindow", "onnx.BlackmanWindow"}, lowerWindow,
               checkWindow);
}
