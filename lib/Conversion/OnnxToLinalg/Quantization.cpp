//===- Quantization.cpp - QuantizeLinear, DequantizeLinear, dynamic -------===//
//
// ONNX's linear quantization ops, elementwise:
//   QuantizeLinear    y = saturate(round_half_even(x / scale) + zero_point)
//   DequantizeLinear  y = (x - zero_point) * scale
//   DynamicQuantizeLinear: uint8 with scale and zero point from the input's
//                      range (extended to include 0).
//   MatMulInteger     int32 sum of (a - a_zero_point) * (b - b_zero_point)
//   QLinearMatMul     that product requantized by a_scale * b_scale / y_scale
//   com.microsoft.MatMulNBits  A x ((q - zero_point) * scale)^T (+ bias),
//                      dequantized exactly to an f32 [K, N] matrix, then a
//                      MatMul: the general path for what
//                      loom-fold-quantized-weights cannot run packed (2
//                      bits, block_size 16, g_idx, B computed at run time).
// Scale and zero point are scalars (per tensor) or vectors along `axis`
// (per axis). The quantized type is the zero point's (uint8 without one);
// int8 and uint8 are signless here, the lowering state says which is which.
//
//===----------------------------------------------------------------------===//

#include "MatMul.h"

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/MatMulNBits.h"
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
using loom::onnx_attributes::intAttr;

/// The optional operand `i`, or null.
static Value optionalOperand(Operation *op, unsigned i) {
  return op->getNumOperands() > i ? op->getOperand(i) : Value();
}

/// Whether a scale or zero point holds one value per position along an axis:
/// a vector, unless it has a single element (torch exports per-tensor
/// parameters as [1]; onnxruntime reads any one-element tensor as
/// per-tensor, whatever the axis).
static bool isPerAxis(Value parameter) {
  auto type = cast<RankedTensorType>(parameter.getType());
  return type.getRank() == 1 && type.getDimSize(0) != 1;
}

/// Maps for (x, scale[, zero point], result) over x's dimensions: the
/// identity for x and the result, a scalar or the `axis` dimension for the
/// quantization parameters.
static SmallVector<AffineMap> parameterMaps(MLIRContext *ctx, int64_t rank, int64_t axis,
                                            ArrayRef<Value> parameters) {
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps = {identity};
  for (Value p : parameters) {
    if (isPerAxis(p))
      maps.push_back(AffineMap::get(rank, 0, {getAffineDimExpr(axis, ctx)}, ctx));
    else if (cast<RankedTensorType>(p.getType()).getRank() == 1)
      maps.push_back(AffineMap::get(rank, 0, {getAffineConstantExpr(0, ctx)}, ctx));
    else
      maps.push_back(AffineMap::get(rank, 0, {}, ctx));
  }
  maps.push_back(identity);
  return maps;
}

/// Two dimensions the lowering takes to be equal: (a, da) and (b, db); with
/// b null, a's dimension da and the static size db.
struct SizeTie {
  Value a;
  int64_t da;
  Value b;
  int64_t db;
};

/// Operands whose sizes the ties relate, checked at run time where a size is
/// dynamic (a per-axis scale against a dynamic axis, K of a product): on a
/// mismatch the node reports a shape error (loomrt fails the run) and every
/// tied operand with a dynamic size is replaced by zeros of consistent
/// sizes, so that no loop reads past a buffer. Returns the operands to use
/// (the same values when nothing is dynamic).
static DenseMap<Value, Value> guardTiedSizes(OpBuilder &b, Location loc, Operation *op,
                                             ArrayRef<SizeTie> ties) {
  DenseMap<Value, Value> use;
  auto size = [&](Value t, int64_t d) -> Value {
    auto type = cast<RankedTensorType>(t.getType());
    if (!type.isDynamicDim(d))
      return arith::ConstantIndexOp::create(b, loc, type.getDimSize(d));
    return tensor::DimOp::create(b, loc, t, d);
  };
  auto isDynamic = [](Value t, int64_t d) {
    return t && cast<RankedTensorType>(t.getType()).isDynamicDim(d);
  };
  // Each tied (value, dimension) and the size it must have.
  SmallVector<std::pair<std::pair<Value, int64_t>, Value>> reference;
  Value bad;
  for (const SizeTie &tie : ties) {
    if (!isDynamic(tie.a, tie.da) && !isDynamic(tie.b, tie.db))
      continue; // static: the check before lowering compared them
    Value sa = size(tie.a, tie.da);
    Value sb = tie.b ? size(tie.b, tie.db)
                     : Value(arith::ConstantIndexOp::create(b, loc, tie.db));
    Value differs = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, sa, sb);
    bad = bad ? arith::OrIOp::create(b, loc, bad, differs).getResult() : differs;
    Value ref = isDynamic(tie.a, tie.da) ? sb : sa;
    reference.push_back({{tie.a, tie.da}, ref});
    if (tie.b)
      reference.push_back({{tie.b, tie.db}, ref});
  }
  if (!bad)
    return use;
  reportIf(b, loc, bad, runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
  for (auto &[key, ref] : reference) {
    Value t = key.first;
    if (use.count(t) || !isDynamic(t, key.second))
      continue;
    auto type = cast<RankedTensorType>(t.getType());
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d))
        continue;
      Value s = size(t, d);
      for (auto &[other, otherRef] : reference)
        if (other.first == t && other.second == d)
          s = otherRef;
      dynamicSizes.push_back(s);
    }
    auto standIn = scf::IfOp::create(
        b, loc, bad,
        [&](OpBuilder &tb, Location tl) {
          Value empty = tensor::EmptyOp::create(tb, tl, type.getShape(), type.getElementType(),
                                                dynamicSizes);
          Value zero = arith::ConstantOp::create(tb, tl, tb.getZeroAttr(type.getElementType()));
          scf::YieldOp::create(
              tb, tl, linalg::FillOp::create(tb, tl, zero, empty).getResult(0));
        },
        [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, t); });
    use[t] = standIn.getResult(0);
  }
  return use;
}

/// Whether `v` (an operand, or its stand-in from guardTiedSizes) holds
/// unsigned integers: the lowering state knows the original values.
static bool isUnsignedOperand(const LoweringState &state, const DenseMap<Value, Value> &use,
                              Value v) {
  for (auto &[original, standIn] : use)
    if (standIn == v)
      return state.isUnsigned(original);
  return state.isUnsigned(v);
}

/// `v` as guardTiedSizes replaced it (null stays null).
static Value guarded(const DenseMap<Value, Value> &use, Value v) {
  auto it = v ? use.find(v) : use.end();
  return it == use.end() ? v : it->second;
}

/// The ties of a Quantize/DequantizeLinear: x's axis and each per-axis
/// parameter.
static SmallVector<SizeTie> linearQuantizationTies(Value x, int64_t axis,
                                                   ArrayRef<Value> parameters) {
  SmallVector<SizeTie> ties;
  for (Value p : parameters)
    if (p && isPerAxis(p))
      ties.push_back({x, axis, p, 0});
  return ties;
}

/// A scalar float rounded half to even, plus the zero point, clamped to
/// the quantized type's range and converted to it.
static Value quantizeScalar(OpBuilder &b, Location loc, Value scaled, Value zeroPoint,
                            bool zeroPointUnsigned, Type quantized, bool toUnsigned) {
  Type f = scaled.getType();
  Value q = math::RoundEvenOp::create(b, loc, scaled);
  if (zeroPoint)
    q = arith::AddFOp::create(b, loc, q,
                              castScalar(b, loc, zeroPoint, f, zeroPointUnsigned, false));
  unsigned bits = quantized.getIntOrFloatBitWidth();
  double low = toUnsigned ? 0.0 : -std::ldexp(1.0, bits - 1);
  double high = toUnsigned ? std::ldexp(1.0, bits) - 1 : std::ldexp(1.0, bits - 1) - 1;
  q = arith::MaximumFOp::create(b, loc, q, arith::ConstantOp::create(b, loc, b.getFloatAttr(f, low)));
  q = arith::MinimumFOp::create(b, loc, q, arith::ConstantOp::create(b, loc, b.getFloatAttr(f, high)));
  return castScalar(b, loc, q, quantized, false, toUnsigned);
}

static FailureOr<Value> lowerQuantizeLinear(Operation *op, RankedTensorType resultType,
                                            PatternRewriter &b, const LoweringState &state) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0), scale = op->getOperand(1), zeroPoint = optionalOperand(op, 2);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, 1);
  DenseMap<Value, Value> use =
      guardTiedSizes(b, loc, op, linearQuantizationTies(x, axis, {scale, zeroPoint}));
  x = guarded(use, x);
  scale = guarded(use, scale);
  zeroPoint = guarded(use, zeroPoint);
  SmallVector<Value> inputs = {x, scale};
  if (zeroPoint)
    inputs.push_back(zeroPoint);
  bool toUnsigned = state.isUnsigned(op->getResult(0));
  bool zeroPointUnsigned = zeroPoint && isUnsignedOperand(state, use, zeroPoint);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  Type f = cast<RankedTensorType>(x.getType()).getElementType();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs,
             ValueRange{emptyLike(b, loc, resultType, sources)},
             parameterMaps(b.getContext(), rank, axis, ArrayRef<Value>(inputs).drop_front()),
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value s = castScalar(nb, nloc, a[1], f);
               Value scaled = arith::DivFOp::create(nb, nloc, a[0], s);
               linalg::YieldOp::create(
                   nb, nloc,
                   quantizeScalar(nb, nloc, scaled, zeroPoint ? a[2] : Value(), zeroPointUnsigned,
                                  resultType.getElementType(), toUnsigned));
             })
      .getResult(0);
}

static FailureOr<Value> lowerDequantizeLinear(Operation *op, RankedTensorType resultType,
                                              PatternRewriter &b, const LoweringState &state) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0), scale = op->getOperand(1), zeroPoint = optionalOperand(op, 2);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, 1);
  DenseMap<Value, Value> use =
      guardTiedSizes(b, loc, op, linearQuantizationTies(x, axis, {scale, zeroPoint}));
  x = guarded(use, x);
  scale = guarded(use, scale);
  zeroPoint = guarded(use, zeroPoint);
  SmallVector<Value> inputs = {x, scale};
  if (zeroPoint)
    inputs.push_back(zeroPoint);
  bool xUnsigned = isUnsignedOperand(state, use, x);
  bool zeroPointUnsigned = zeroPoint && isUnsignedOperand(state, use, zeroPoint);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  Type f = resultType.getElementType();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs,
             ValueRange{emptyLike(b, loc, resultType, sources)},
             parameterMaps(b.getContext(), rank, axis, ArrayRef<Value>(inputs).drop_front()),
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               // int32 inputs (with no zero point, per the spec) do not fit
               // f32 exactly above 2^24; ONNX's reference converts the same way.
               Value v = castScalar(nb, nloc, a[0], f, xUnsigned, false);
               if (zeroPoint)
                 v = arith::SubFOp::create(nb, nloc, v,
                                           castScalar(nb, nloc, a[2], f, zeroPointUnsigned, false));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::MulFOp::create(nb, nloc, v, castScalar(nb, nloc, a[1], f)).getResult());
             })
      .getResult(0);
}

/// Why a QuantizeLinear / DequantizeLinear cannot be lowered.
static std::string checkLinearQuantization(Operation *op, const LoweringState &state) {
  bool quantize = op->getName().getStringRef() == "onnx.QuantizeLinear";
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  Type floatType = quantize ? xType.getElementType() : resultType.getElementType();
  Type quantized = quantize ? resultType.getElementType() : xType.getElementType();
  if (!isFloat(floatType))
    return quantize ? "the input must be a float tensor" : "the result must be a float tensor";
  if (!quantized.isSignlessInteger(8) && !quantized.isSignlessInteger(32) &&
      !quantized.isUnsignedInteger(8))
    return "only int8, uint8 (and int32 for DequantizeLinear) are supported as quantized types";
  if (quantize && quantized.isSignlessInteger(32))
    return "QuantizeLinear to int32 is not an ONNX form";
  int64_t rank = xType.getRank();
  int64_t axis = intAttr(op, "axis").value_or(1);
  for (unsigned i = 1; i < op->getNumOperands(); ++i) {
    auto type = cast<RankedTensorType>(op->getOperand(i).getType());
    bool perAxis = isPerAxis(op->getOperand(i));
    if (type.getRank() > 1 || (perAxis && (axis < -rank || axis >= rank)))
      return "scale and zero point must be scalars, or vectors along a valid axis";
    if (perAxis && !type.isDynamicDim(0) &&
        !xType.isDynamicDim(axis < 0 ? axis + rank : axis) &&
        type.getDimSize(0) != xType.getDimSize(axis < 0 ? axis + rank : axis))
      return "a per-axis scale or zero point must have one element per position along axis";
    if (i == 1 && !isFloat(type.getElementType()))
      return "the scale must be a float tensor";
    if (i == 2 && (type.getElementType() != quantized ||
                   state.isUnsigned(op->getOperand(2)) !=
                       (quantize ? state.isUnsigned(op->getResult(0))
                                 : state.isUnsigned(op->getOperand(0)))))
      return "the zero point must have the quantized element type";
  }
  return "";
}

/// The minimum or maximum of all elements of `x` as a 0-D tensor, starting
/// from 0 (DynamicQuantizeLinear's range always includes zero).
static Value rangeBound(OpBuilder &b, Location loc, Value x, bool maximum) {
  Type elem = cast<RankedTensorType>(x.getType()).getElementType();
  return reduceToScalar(b, loc, x, b.getZeroAttr(elem),
                        [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                          return maximum ? Value(arith::MaximumFOp::create(nb, nloc, a[0], a[1]))
                                         : Value(arith::MinimumFOp::create(nb, nloc, a[0], a[1]));
                        });
}

/// DynamicQuantizeLinear: scale = (max - min) / 255 over the input's range
/// extended to 0, zero point = saturate(round(-min / scale)), then
/// QuantizeLinear to uint8.
static FailureOr<Value> lowerDynamicQuantizeLinear(Operation *op, RankedTensorType resultType,
                                                   PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0);
  Type f = cast<RankedTensorType>(x.getType()).getElementType();
  Type u8 = resultType.getElementType();
  Value low = tensor::ExtractOp::create(b, loc, rangeBound(b, loc, x, false), ValueRange{});
  Value high = tensor::ExtractOp::create(b, loc, rangeBound(b, loc, x, true), ValueRange{});
  Value scale = arith::DivFOp::create(b, loc, arith::SubFOp::create(b, loc, high, low),
                                      arith::ConstantOp::create(b, loc, b.getFloatAttr(f, 255.0)));
  Value zeroPoint = quantizeScalar(
      b, loc,
      arith::SubFOp::create(b, loc, arith::ConstantOp::create(b, loc, b.getZeroAttr(f)),
                            arith::DivFOp::create(b, loc, low, scale)),
      Value(), false, u8, /*toUnsigned=*/true);
  int64_t rank = resultType.getRank();
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({x, d});
  Value y = linalg::GenericOp::create(
                b, loc, TypeRange{resultType}, ValueRange{x},
                ValueRange{emptyLike(b, loc, resultType, sources)},
                SmallVector<AffineMap>(2, AffineMap::getMultiDimIdentityMap(rank, b.getContext())),
                SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                [&](OpBuilder &nb, Location nloc, ValueRange a) {
                  Value scaled = arith::DivFOp::create(nb, nloc, a[0], scale);
                  linalg::YieldOp::create(nb, nloc,
                                          quantizeScalar(nb, nloc, scaled, zeroPoint, true, u8,
                                                         /*toUnsigned=*/true));
                })
                .getResult(0);
  auto scalarResult = [&](unsigned i, Value v) {
    if (op->getResult(i).use_empty())
      return;
    auto type = cast<RankedTensorType>(op->getResult(i).getType());
    Value t = tensor::FromElementsOp::create(b, loc, RankedTensorType::get({}, v.getType()),
                                             ValueRange{v});
    if (type.getRank() != 0)
      t = tensor::ExpandShapeOp::create(b, loc, type, t, SmallVector<ReassociationIndices>{});
    b.replaceAllUsesWith(op->getResult(i), t);
  };
  scalarResult(1, scale);
  scalarResult(2, zeroPoint);
  return y;
}

static std::string checkDynamicQuantizeLinear(Operation *op, const LoweringState &state) {
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!xType.getElementType().isF32())
    return "the input must be float32";
  if (!state.isUnsigned(op->getResult(0)))
    return "the result must be uint8";
  for (unsigned i = 1; i < 3; ++i) {
    auto type = cast<RankedTensorType>(op->getResult(i).getType());
    if (!type.hasStaticShape() || type.getNumElements() != 1 || type.getRank() > 1)
      return "y_scale and y_zero_point must be scalars";
  }
  return "";
}

/// Map of a quantization parameter of `type` inside a contraction with
/// `loops` loops: a scalar (rank 0, or one element) everywhere, else the
/// vector along loop `perAxisLoop` (rows of A, columns of B).
static AffineMap contractionParameterMap(Type type, int64_t loops, int64_t perAxisLoop,
                                         MLIRContext *ctx) {
  auto t = cast<RankedTensorType>(type);
  if (t.getRank() == 0)
    return AffineMap::get(loops, 0, {}, ctx);
  if (t.getDimSize(0) == 1)
    return AffineMap::get(loops, 0, {getAffineConstantExpr(0, ctx)}, ctx);
  return AffineMap::get(loops, 0, {getAffineDimExpr(perAxisLoop, ctx)}, ctx);
}

/// sum_k (A[.., m, k] - a_zero_point) * (B[.., k, n] - b_zero_point) in
/// int32 over loops (batch..., m, n, k): MatMulInteger, and the first half
/// of QLinearMatMul. Zero points may be absent (null), scalars, or per row of
/// A / per column of B.
static Value buildIntegerMatMul(OpBuilder &b, Location loc, const LoweringState &state,
                                const DenseMap<Value, Value> &use, Value a, Value bm,
                                Value aZero, Value bZero, ArrayRef<int64_t> shape,
                                ArrayRef<Value> dynamicSizes) {
  auto aType = cast<RankedTensorType>(a.getType()), bType = cast<RankedTensorType>(bm.getType());
  int64_t rank = int64_t(shape.size()), loops = rank + 1, batch = rank - 2;
  int64_t m = batch, n = batch + 1, k = batch + 2;
  MLIRContext *ctx = b.getContext();
  auto operandMap = [&](RankedTensorType type, int64_t row, int64_t column) {
    SmallVector<AffineExpr> exprs;
    for (int64_t d = rank - type.getRank(); d < batch; ++d)
      exprs.push_back(getAffineDimExpr(d, ctx));
    exprs.push_back(getAffineDimExpr(row, ctx));
    exprs.push_back(getAffineDimExpr(column, ctx));
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  SmallVector<Value> inputs = {a, bm};
  SmallVector<AffineMap> maps = {operandMap(aType, m, k), operandMap(bType, k, n)};
  if (aZero) {
    inputs.push_back(aZero);
    maps.push_back(contractionParameterMap(aZero.getType(), loops, m, ctx));
  }
  if (bZero) {
    inputs.push_back(bZero);
    maps.push_back(contractionParameterMap(bZero.getType(), loops, n, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(getAffineDimExpr(d == m ? m : d == m + 1 ? n : d, ctx));
  maps.push_back(AffineMap::get(loops, 0, outExprs, ctx));
  Type i32 = b.getI32Type();
  auto accType = RankedTensorType::get(shape, i32);
  Value init = linalg::FillOp::create(
                   b, loc, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)).getResult(),
                   tensor::EmptyOp::create(b, loc, shape, i32, dynamicSizes).getResult())
                   .getResult(0);
  SmallVector<utils::IteratorType> iterators(loops, utils::IteratorType::parallel);
  iterators[k] = utils::IteratorType::reduction;
  bool aUnsigned = isUnsignedOperand(state, use, a);
  bool bUnsigned = isUnsignedOperand(state, use, bm);
  bool aZeroUnsigned = aZero && isUnsignedOperand(state, use, aZero);
  bool bZeroUnsigned = bZero && isUnsignedOperand(state, use, bZero);
  return linalg::GenericOp::create(
             b, loc, TypeRange{accType}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               unsigned next = 2;
               Value x = castScalar(nb, nloc, args[0], i32, aUnsigned, false);
               Value y = castScalar(nb, nloc, args[1], i32, bUnsigned, false);
               if (aZero)
                 x = arith::SubIOp::create(
                     nb, nloc, x, castScalar(nb, nloc, args[next++], i32, aZeroUnsigned, false));
               if (bZero)
                 y = arith::SubIOp::create(
                     nb, nloc, y, castScalar(nb, nloc, args[next++], i32, bZeroUnsigned, false));
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddIOp::create(nb, nloc, args.back(), arith::MulIOp::create(nb, nloc, x, y))
                       .getResult());
             })
      .getResult(0);
}

/// The result's dynamic sizes for a matrix product of `a` [.., M, K] and
/// `b` [.., K, N] (batch sizes from whichever operand has the dimension).
static SmallVector<Value> integerMatMulSizes(OpBuilder &b, Location loc, Value a, Value bm,
                                             RankedTensorType resultType) {
  auto aType = cast<RankedTensorType>(a.getType()), bType = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank();
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d))
      continue;
    if (d == rank - 1)
      sizes.push_back(tensor::DimOp::create(b, loc, bm, bType.getRank() - 1));
    else if (d >= rank - aType.getRank())
      sizes.push_back(tensor::DimOp::create(b, loc, a, d - (rank - aType.getRank())));
    else
      sizes.push_back(tensor::DimOp::create(b, loc, bm, d - (rank - bType.getRank())));
  }
  return sizes;
}

/// The ties of an integer product of `a` [.., M, K] and `b` [.., K, N]: K,
/// equal batch sizes (operands of one rank), and the per-row parameters of
/// A (M) and per-column ones of B (N).
static SmallVector<SizeTie> integerMatMulTies(Value a, Value bm, ArrayRef<Value> perRow,
                                              ArrayRef<Value> perColumn) {
  int64_t ra = cast<RankedTensorType>(a.getType()).getRank();
  int64_t rb = cast<RankedTensorType>(bm.getType()).getRank();
  SmallVector<SizeTie> ties = {{a, ra - 1, bm, rb - 2}};
  if (ra == rb)
    for (int64_t d = 0; d + 2 < ra; ++d)
      ties.push_back({a, d, bm, d});
  for (Value p : perRow)
    if (p && isPerAxis(p))
      ties.push_back({a, ra - 2, p, 0});
  for (Value p : perColumn)
    if (p && isPerAxis(p))
      ties.push_back({bm, rb - 1, p, 0});
  return ties;
}

static FailureOr<Value> lowerMatMulInteger(Operation *op, RankedTensorType resultType,
                                           PatternRewriter &b, const LoweringState &state) {
  Location loc = op->getLoc();
  auto mm = cast<onnx::MatMulIntegerOp>(op);
  DenseMap<Value, Value> use = guardTiedSizes(
      b, loc, op,
      integerMatMulTies(mm.getA(), mm.getB(), {mm.getAZeroPoint()}, {mm.getBZeroPoint()}));
  Value a = guarded(use, mm.getA()), bm = guarded(use, mm.getB());
  return buildIntegerMatMul(b, loc, state, use, a, bm, guarded(use, mm.getAZeroPoint()),
                            guarded(use, mm.getBZeroPoint()), resultType.getShape(),
                            integerMatMulSizes(b, loc, a, bm, resultType));
}

/// QLinearMatMul: the int32 product of the zero-point-shifted operands,
/// scaled by a_scale * b_scale / y_scale and quantized with y_zero_point.
static FailureOr<Value> lowerQLinearMatMul(Operation *op, RankedTensorType resultType,
                                           PatternRewriter &b, const LoweringState &state) {
  Location loc = op->getLoc();
  auto mm = cast<onnx::QLinearMatMulOp>(op);
  DenseMap<Value, Value> use = guardTiedSizes(
      b, loc, op,
      integerMatMulTies(mm.getA(), mm.getB(), {mm.getAScale(), mm.getAZeroPoint()},
                        {mm.getBScale(), mm.getBZeroPoint(), mm.getYScale(),
                         mm.getYZeroPoint()}));
  Value a = guarded(use, mm.getA()), bm = guarded(use, mm.getB());
  Value acc = buildIntegerMatMul(b, loc, state, use, a, bm, guarded(use, mm.getAZeroPoint()),
                                 guarded(use, mm.getBZeroPoint()), resultType.getShape(),
                                 integerMatMulSizes(b, loc, a, bm, resultType));
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  Value aScale = guarded(use, mm.getAScale()), bScale = guarded(use, mm.getBScale());
  Value yScale = guarded(use, mm.getYScale()), yZero = guarded(use, mm.getYZeroPoint());
  SmallVector<Value> inputs = {acc, aScale, bScale, yScale, yZero};
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps = {
      identity, contractionParameterMap(aScale.getType(), rank, rank - 2, ctx),
      contractionParameterMap(bScale.getType(), rank, rank - 1, ctx),
      contractionParameterMap(yScale.getType(), rank, rank - 1, ctx),
      contractionParameterMap(yZero.getType(), rank, rank - 1, ctx), identity};
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({acc, d});
  bool toUnsigned = state.isUnsigned(op->getResult(0));
  bool zeroUnsigned = isUnsignedOperand(state, use, yZero);
  Type f32 = b.getF32Type();
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs,
             ValueRange{emptyLike(b, loc, resultType, sources)}, maps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value scale = arith::DivFOp::create(
                   nb, nloc, arith::MulFOp::create(nb, nloc, a[1], a[2]), a[3]);
               Value scaled =
                   arith::MulFOp::create(nb, nloc, castScalar(nb, nloc, a[0], f32), scale);
               linalg::YieldOp::create(nb, nloc,
                                       quantizeScalar(nb, nloc, scaled, a[4], zeroUnsigned,
                                                      resultType.getElementType(), toUnsigned));
             })
      .getResult(0);
}

/// Why an integer matrix product cannot be lowered.
static std::string checkIntegerMatMul(Operation *op, const LoweringState &) {
  bool qlinear = op->getName().getStringRef() == "onnx.QLinearMatMul";
  Value a = op->getOperand(0), bm = op->getOperand(qlinear ? 3 : 1);
  auto aType = cast<RankedTensorType>(a.getType()), bType = cast<RankedTensorType>(bm.getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  auto is8Bit = [](Type t) { return t.isSignlessInteger(8) || t.isUnsignedInteger(8); };
  if (!is8Bit(aType.getElementType()) || !is8Bit(bType.getElementType()))
    return "A and B must be int8 or uint8";
  if (aType.getRank() < 2 || bType.getRank() < 2 || resultType.getRank() != std::max(aType.getRank(), bType.getRank()))
    return "A and B must be matrices or stacks of them (no vector operands)";
  if (aType.getRank() != bType.getRank() && bType.getRank() != 2 && aType.getRank() != 2)
    return "batched operands must have the same rank, or one of them be a matrix";
  int64_t rank = resultType.getRank();
  for (int64_t d = 0; d + 2 < rank; ++d) {
    int64_t x = d >= rank - aType.getRank() ? aType.getDimSize(d - (rank - aType.getRank())) : 1;
    int64_t y = d >= rank - bType.getRank() ? bType.getDimSize(d - (rank - bType.getRank())) : 1;
    if (aType.getRank() == bType.getRank() && x != y)
      return "batch dimensions must agree (no broadcasting between them)";
  }
  if (!qlinear && !resultType.getElementType().isSignlessInteger(32))
    return "MatMulInteger's result must be int32";
  auto known = [](int64_t x, int64_t y) {
    return !ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y;
  };
  int64_t k = aType.getDimSize(aType.getRank() - 1), kb = bType.getDimSize(bType.getRank() - 2);
  if (known(k, kb))
    return "A's last dimension (" + std::to_string(k) + ") must equal B's second last (" +
           std::to_string(kb) + ")";
  int64_t m = aType.getDimSize(aType.getRank() - 2), n = bType.getDimSize(bType.getRank() - 1);
  // (owner, is a scale, per row of A) for each parameter present; absent
  // optional operands are not operands, so they are named, not counted.
  struct Parameter {
    Value value;
    const char *owner;
    bool scale, ofA;
  };
  SmallVector<Parameter> parameters;
  if (auto mm = dyn_cast<onnx::MatMulIntegerOp>(op)) {
    parameters = {{mm.getAZeroPoint(), "A's", false, true},
                  {mm.getBZeroPoint(), "B's", false, false}};
  } else {
    auto q = cast<onnx::QLinearMatMulOp>(op);
    parameters = {{q.getAScale(), "A's", true, true},     {q.getAZeroPoint(), "A's", false, true},
                  {q.getBScale(), "B's", true, false},    {q.getBZeroPoint(), "B's", false, false},
                  {q.getYScale(), "y's", true, false},    {q.getYZeroPoint(), "y's", false, false}};
  }
  for (const Parameter &p : parameters) {
    if (!p.value)
      continue;
    auto type = cast<RankedTensorType>(p.value.getType());
    if (type.getRank() > 1)
      return "scales and zero points must be scalars or vectors";
    if (p.scale && !type.getElementType().isF32())
      return "scales must be float32";
    if (isPerAxis(p.value) && known(type.getDimSize(0), p.ofA ? m : n))
      return std::string(p.owner) + " per-axis scale or zero point must have one element per " +
             (p.ofA ? "row of A (" + std::to_string(m) : "column of B (" + std::to_string(n)) +
             "), got " + std::to_string(type.getDimSize(0));
  }
  return "";
}

/// Why a MatMulNBits node cannot be lowered: its own inconsistencies
/// (checkMatMulNBits), then what this lowering does not take.
static std::string checkMatMulNBits(Operation *op, const LoweringState &) {
  auto nbits = cast<onnx::MsMatMulNBitsOp>(op);
  std::string reason = onnx::checkMatMulNBits(nbits);
  if (!reason.empty())
    return reason;
  auto a = cast<RankedTensorType>(nbits.getA().getType());
  if (a.getRank() < 2 || !a.getElementType().isF32() ||
      !cast<RankedTensorType>(nbits.getY().getType()).getElementType().isF32())
    return "A and Y must be float32 with rank 2 or more";
  if (!cast<RankedTensorType>(nbits.getScales().getType()).getElementType().isF32())
    return "scales must be float32";
  if (Value z = nbits.getZeroPoints()) {
    Type e = cast<RankedTensorType>(z.getType()).getElementType();
    if (!e.isInteger(8) && !e.isF32())
      return "zero_points must be uint8 or float32";
  }
  if (Value c = nbits.getBias())
    if (!cast<RankedTensorType>(c.getType()).getElementType().isF32())
      return "bias must be float32";
  return "";
}

/// MatMulNBits as a dequantized f32 [K, N] weight matrix (every weight
/// exactly (q - zero_point) * scale of its block) times A, plus the bias.
static FailureOr<Value> lowerMatMulNBits(Operation *op, RankedTensorType resultType,
                                         PatternRewriter &b, const LoweringState &) {
  auto nbits = cast<onnx::MsMatMulNBitsOp>(op);
  onnx::MatMulNBitsLayout l;
  (void)onnx::checkMatMulNBits(nbits, &l);
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value quantized = nbits.getB(), scales = nbits.getScales(), zeros = nbits.getZeroPoints(),
        groupIndex = nbits.getGIdx();
  bool packedZeros = zeros && cast<RankedTensorType>(zeros.getType()).getElementType().isInteger(8);
  auto weightsType = RankedTensorType::get({l.k, l.n}, f32);
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  Value weights =
      linalg::GenericOp::create(
          b, loc, TypeRange{weightsType}, ValueRange{},
          ValueRange{tensor::EmptyOp::create(b, loc, weightsType.getShape(), f32)},
          ArrayRef<AffineMap>{identity},
          SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange) {
            auto index = [&](int64_t c) -> Value {
              return arith::ConstantIndexOp::create(nb, nl, c);
            };
            Value k = linalg::IndexOp::create(nb, nl, 0);
            Value n = linalg::IndexOp::create(nb, nl, 1);
            Value block = arith::DivUIOp::create(nb, nl, k, index(l.blockSize));
            Value inBlock = arith::RemUIOp::create(nb, nl, k, index(l.blockSize));
            // g_idx (GPTQ's act-order) picks the scale and zero point of each
            // k; the integers stay where k puts them. Out-of-range entries
            // are clamped rather than read past the tensors.
            Value group = block;
            if (groupIndex) {
              Value g = tensor::ExtractOp::create(nb, nl, groupIndex, ValueRange{k});
              g = arith::MaxSIOp::create(nb, nl, g,
                                         arith::ConstantIntOp::create(nb, nl, g.getType(), 0));
              group = arith::MinUIOp::create(
                  nb, nl, arith::IndexCastOp::create(nb, nl, b.getIndexType(), g),
                  index(l.blocks() - 1));
            }
            // Bits [bit, bit + bits) of a packed byte row, as an i32.
            auto field = [&](Value tensor, SmallVector<Value> indices, Value bit) {
              Value byteIndex = arith::DivUIOp::create(nb, nl, bit, index(8));
              indices.push_back(byteIndex);
              Value byte = tensor::ExtractOp::create(nb, nl, tensor, indices);
              Value wide = arith::ExtUIOp::create(nb, nl, i32, byte);
              Value shift = arith::IndexCastOp::create(
                  nb, nl, i32, arith::RemUIOp::create(nb, nl, bit, index(8)));
              return arith::AndIOp::create(
                  nb, nl, arith::ShRUIOp::create(nb, nl, wide, shift),
                  arith::ConstantIntOp::create(nb, nl, i32, (1 << l.bits) - 1));
            };
            // [N, columns] parameters, or flat [N * columns] ones.
            auto rowIndices = [&](Value tensor, int64_t columns,
                                  Value column) -> SmallVector<Value> {
              if (cast<RankedTensorType>(tensor.getType()).getRank() == 2)
                return {n, column};
              return {arith::AddIOp::create(
                  nb, nl, arith::MulIOp::create(nb, nl, n, index(columns)), column)};
            };
            Value q =
                field(quantized, {n, block}, arith::MulIOp::create(nb, nl, inBlock, index(l.bits)));
            Value value = arith::UIToFPOp::create(nb, nl, f32, q);
            Value zero;
            if (!zeros) {
              zero =
                  arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(float(1 << (l.bits - 1))));
            } else if (packedZeros) {
              // A flat [N * bytes] row starts at n * bytes; the bit offset
              // within the row is group * bits.
              Value bit = arith::MulIOp::create(nb, nl, group, index(l.bits));
              bool flat = cast<RankedTensorType>(zeros.getType()).getRank() == 1;
              if (flat)
                bit = arith::AddIOp::create(
                    nb, nl, bit, arith::MulIOp::create(nb, nl, n, index(8 * l.zeroPointBytes())));
              zero = arith::UIToFPOp::create(
                  nb, nl, f32,
                  field(zeros, flat ? SmallVector<Value>{} : SmallVector<Value>{n}, bit));
            } else {
              zero = tensor::ExtractOp::create(nb, nl, zeros, rowIndices(zeros, l.blocks(), group));
            }
            Value scale =
                tensor::ExtractOp::create(nb, nl, scales, rowIndices(scales, l.blocks(), group));
            Value w =
                arith::MulFOp::create(nb, nl, arith::SubFOp::create(nb, nl, value, zero), scale);
            linalg::YieldOp::create(nb, nl, w);
          })
          .getResult(0);
  // A's last dimension is K (the attribute): checked at run time when dynamic.
  Value a = nbits.getA();
  int64_t kAxis = cast<RankedTensorType>(a.getType()).getRank() - 1;
  a = guarded(guardTiedSizes(b, loc, op, {{a, kAxis, Value(), l.k}}), a);
  Value y = buildMatMul(b, loc, a, weights, resultType);
  Value bias = nbits.getBias();
  if (!bias)
    return y;
  int64_t rank = resultType.getRank();
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({y, d});
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap last = AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx);
  return linalg::GenericOp::create(
             b, loc, TypeRange{y.getType()}, ValueRange{y, bias},
             ValueRange{emptyLike(b, loc, cast<RankedTensorType>(y.getType()), sources)},
             ArrayRef<AffineMap>{all, last, all},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nl, ValueRange a) {
               linalg::YieldOp::create(nb, nl, Value(arith::AddFOp::create(nb, nl, a[0], a[1])));
             })
      .getResult(0);
}

void loom::populateQuantizationLoweringPatterns(LoweringPatternSet &patterns) {
  const UnsignedIntegers uint8 = UnsignedIntegers::accepted;
  patterns.add("onnx.QuantizeLinear", lowerQuantizeLinear, checkLinearQuantization, uint8);
  patterns.add("onnx.DequantizeLinear", lowerDequantizeLinear, checkLinearQuantization, uint8);
  patterns.add("onnx.DynamicQuantizeLinear", lowerDynamicQuantizeLinear,
               checkDynamicQuantizeLinear, uint8);
  patterns.add("onnx.MatMulInteger", lowerMatMulInteger, checkIntegerMatMul, uint8);
  patterns.add("onnx.QLinearMatMul", lowerQLinearMatMul, checkIntegerMatMul, uint8);
  patterns.add("onnx.com.microsoft.MatMulNBits", lowerMatMulNBits, checkMatMulNBits, uint8);
}
