//===- Resampling.cpp - Resize (and Upsample), GridSample as linalg -*- C++ -*-===//
//
// Resize in every mode of opset 13: nearest (each nearest_mode), linear and
// cubic (cubic_coeff_a, exclude_outside), with each coordinate
// transformation (tf_crop_and_resize with its roi and extrapolation value).
// The importer turns the deprecated Upsample into Resize (asymmetric,
// floor).
//
// Scales, sizes and roi may be run-time values: the output sizes, each
// output coordinate's source position and the interpolation weights are
// computed in the generated code (constants fold). Positions and weights are
// f64, as ONNX's reference computes them, so that ties (a position exactly
// half-way, which nearest_mode decides) fall the same way.
//
// Nearest is one gather over the output. Linear and cubic are separable:
// one pass per resized axis, the last axis first (the order of ONNX's
// reference), each output element blending 2 or 4 input elements along that
// axis. Axes that a constant scale of 1 leaves unchanged get no pass.
//
// GridSample (2-D) reads the image at the positions a grid gives, as
// PyTorch's grid_sample does (bilinear, nearest, bicubic; zeros, border,
// reflection padding).
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

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::constantInts;

namespace {

/// The Resize attributes that shape the computation.
struct ResizeForm {
  StringRef mode = "nearest";                  // nearest | linear | cubic
  StringRef transform = "half_pixel";          // coordinate_transformation_mode
  StringRef nearestMode = "round_prefer_floor";
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
};

StringRef stringAttr(Operation *op, StringRef name, StringRef fallback) {
  if (auto attr = op->getAttrOfType<StringAttr>(name))
    return attr.getValue();
  return fallback;
}

double floatAttr(Operation *op, StringRef name, double fallback) {
  if (auto attr = op->getAttrOfType<FloatAttr>(name))
    return attr.getValueAsDouble();
  return fallback;
}

ResizeForm formOf(Operation *op) {
  ResizeForm f;
  f.mode = stringAttr(op, "mode", f.mode);
  f.transform = stringAttr(op, "coordinate_transformation_mode", f.transform);
  f.nearestMode = stringAttr(op, "nearest_mode", f.nearestMode);
  f.cubicA = floatAttr(op, "cubic_coeff_a", f.cubicA);
  f.excludeOutside = onnx_attributes::intAttr(op, "exclude_outside").value_or(0) != 0;
  f.extrapolation = floatAttr(op, "extrapolation_value", f.extrapolation);
  return f;
}

/// An optional 1-D input that is present and not empty (exporters pass an
/// empty `scales` next to `sizes`).
Value presentInput(Value v) {
  if (!v)
    return v;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (type && type.getRank() == 1 && type.getDimSize(0) == 0)
    return Value();
  return v;
}

/// Float values of a constant (onnx.Constant or arith.constant).
std::optional<SmallVector<double>> constantFloats(Value v) {
  Operation *def = v ? v.getDefiningOp() : nullptr;
  if (!def)
    return std::nullopt;
  auto attr = def->getAttrOfType<DenseFPElementsAttr>("value");
  if (!attr)
    return std::nullopt;
  SmallVector<double> out;
  for (const APFloat &x : attr.getValues<APFloat>())
    out.push_back(x.convertToDouble());
  return out;
}

/// Whether `axis` of `op` certainly keeps its size and its elements: a
/// constant scale of 1 (or size equal to the static input size) under a
/// transformation that maps every output position onto itself then.
bool isIdentityAxis(Operation *op, const ResizeForm &f, int64_t axis) {
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric"},
                          f.transform))
    return false;
  auto resize = cast<onnx::ResizeOp>(op);
  if (Value scales = presentInput(resize.getScales())) {
    auto values = constantFloats(scales);
    return values && axis < int64_t(values->size()) && (*values)[axis] == 1.0;
  }
  auto inType = cast<RankedTensorType>(resize.getX().getType());
  auto sizes = constantInts(presentInput(resize.getSizes()));
  return sizes && axis < int64_t(sizes->size()) && !inType.isDynamicDim(axis) &&
         (*sizes)[axis] == inType.getDimSize(axis);
}

/// What one resized axis needs at run time (computed once, outside loops).
struct AxisInfo {
  Value inSize, outSize;     // index
  Value inSizeF, scale;      // f64
  Value outLength;           // f64: scale * in (ONNX's reference uses it, not
                             // the rounded size, in align_corners and friends)
  Value roiStart, roiEnd;    // f64, tf_crop_and_resize only
};

Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
}

Value toF64(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  if (t.isF64())
    return v;
  if (t.isIndex())
    v = arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
  if (isa<IntegerType>(v.getType()))
    return arith::SIToFPOp::create(b, loc, b.getF64Type(), v);
  return arith::ExtFOp::create(b, loc, b.getF64Type(), v);
}

/// Element `i` of a 1-D tensor.
Value element(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  return tensor::ExtractOp::create(b, loc, tensor,
                                   ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
}

SmallVector<AxisInfo> axisInfos(OpBuilder &b, Location loc, Operation *op,
                                RankedTensorType resultType, const ResizeForm &f) {
  auto resize = cast<onnx::ResizeOp>(op);
  Value in = resize.getX();
  Value scales = presentInput(resize.getScales()), sizes = presentInput(resize.getSizes());
  int64_t rank = resultType.getRank();
  SmallVector<AxisInfo> infos(rank);
  for (int64_t d = 0; d < rank; ++d) {
    AxisInfo &a = infos[d];
    a.inSize = tensor::DimOp::create(b, loc, in, d);
    a.inSizeF = toF64(b, loc, a.inSize);
    if (scales) {
      a.scale = toF64(b, loc, element(b, loc, scales, d));
      a.outLength = arith::MulFOp::create(b, loc, a.scale, a.inSizeF);
      // floor(scale * in), as the reference's astype(int) of a positive value.
      a.outSize = resultType.isDynamicDim(d)
                      ? Value(arith::IndexCastOp::create(
                            b, loc, b.getIndexType(),
                            arith::FPToSIOp::create(b, loc, b.getI64Type(), a.outLength)))
                      : Value(arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(d)));
    } else {
      a.outSize = resultType.isDynamicDim(d)
                      ? toIndex(b, loc, extractI64(b, loc, sizes, d))
                      : Value(arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(d)));
      a.outLength = toF64(b, loc, a.outSize);
      a.scale = arith::DivFOp::create(b, loc, a.outLength, a.inSizeF);
    }
    // A run-time size or scale that is negative (or NaN) gives no elements,
    // not a negative allocation.
    if (resultType.isDynamicDim(d))
      a.outSize = arith::MaxSIOp::create(b, loc, a.outSize, arith::ConstantIndexOp::create(b, loc, 0));
    if (f.transform == "tf_crop_and_resize") {
      a.roiStart = toF64(b, loc, element(b, loc, resize.getRoi(), d));
      a.roiEnd = toF64(b, loc, element(b, loc, resize.getRoi(), rank + d));
    }
  }
  return infos;
}

/// The source position (f64) of output index `x` along an axis, and whether
/// it lies outside the input (tf_crop_and_resize's extrapolation; false
/// otherwise).
std::pair<Value, Value> sourcePosition(OpBuilder &b, Location loc, const ResizeForm &f,
                                       const AxisInfo &a, Value x) {
  Value xf = toF64(b, loc, x);
  auto c = [&](double v) { return f64Const(b, loc, v); };
  auto add = [&](Value p, Value q) -> Value { return arith::AddFOp::create(b, loc, p, q); };
  auto sub = [&](Value p, Value q) -> Value { return arith::SubFOp::create(b, loc, p, q); };
  auto mul = [&](Value p, Value q) -> Value { return arith::MulFOp::create(b, loc, p, q); };
  auto div = [&](Value p, Value q) -> Value { return arith::DivFOp::create(b, loc, p, q); };
  auto isOne = [&](Value v) -> Value {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, v, c(1.0));
  };
  auto select = [&](Value cond, Value p, Value q) -> Value {
    return arith::SelectOp::create(b, loc, cond, p, q);
  };
  Value inLast = sub(a.inSizeF, c(1.0));
  Value outside = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  Value pos;
  if (f.transform == "asymmetric") {
    pos = div(xf, a.scale);
  } else if (f.transform == "tf_half_pixel_for_nn") {
    pos = div(add(xf, c(0.5)), a.scale);
  } else if (f.transform == "align_corners") {
    pos = select(isOne(a.outLength), c(0.0),
                 div(mul(xf, inLast), sub(a.outLength, c(1.0))));
  } else if (f.transform == "tf_crop_and_resize") {
    Value span = mul(sub(a.roiEnd, a.roiStart), inLast);
    pos = select(isOne(a.outLength), div(span, c(2.0)),
                 div(mul(xf, span), sub(a.outLength, c(1.0))));
    pos = add(pos, mul(a.roiStart, inLast));
    outside = arith::OrIOp::create(
        b, loc, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, pos, c(0.0)),
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, pos, inLast));
  } else {
    pos = sub(div(add(xf, c(0.5)), a.scale), c(0.5));
    if (f.transform == "pytorch_half_pixel")
      pos = select(isOne(a.outLength), c(-0.5), pos);
  }
  return {pos, outside};
}

/// `i` (an f64 holding an integer) as an index clamped into [0, size).
Value clampedIndex(OpBuilder &b, Location loc, Value i, Value size) {
  Value idx = arith::IndexCastOp::create(
      b, loc, b.getIndexType(), arith::FPToSIOp::create(b, loc, b.getI64Type(), i));
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, idx, last),
                                arith::ConstantIndexOp::create(b, loc, 0));
}

/// The nearest input index to `pos` per nearest_mode.
Value nearestIndex(OpBuilder &b, Location loc, const ResizeForm &f, Value pos, Value size) {
  Value r;
  Value half = f64Const(b, loc, 0.5);
  if (f.nearestMode == "floor")
    r = math::FloorOp::create(b, loc, pos);
  else if (f.nearestMode == "ceil")
    r = math::CeilOp::create(b, loc, pos);
  else if (f.nearestMode == "round_prefer_ceil")
    r = math::FloorOp::create(b, loc, arith::AddFOp::create(b, loc, pos, half));
  else // round_prefer_floor
    r = math::CeilOp::create(b, loc, arith::SubFOp::create(b, loc, pos, half));
  return clampedIndex(b, loc, r, size);
}

/// tensor.empty of `type` whose dynamic sizes are `sizes[d]`.
Value emptyOf(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<Value> sizes) {
  SmallVector<Value> dyn;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dyn.push_back(sizes[d]);
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(), dyn);
}

} // namespace

/// Nearest: output element x reads the input at each axis's nearest index.
static Value lowerNearest(OpBuilder &b, Location loc, Operation *op, RankedTensorType resultType,
                          const ResizeForm &f, ArrayRef<AxisInfo> infos) {
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank();
  SmallVector<Value> outSizes;
  for (const AxisInfo &a : infos)
    outSizes.push_back(a.outSize);
  SmallVector<bool> identity;
  for (int64_t d = 0; d < rank; ++d)
    identity.push_back(isIdentityAxis(op, f, d));
  Type elem = resultType.getElementType();
  Value nonEmpty = nonEmptyCondition(b, loc, in);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{},
             ValueRange{emptyOf(b, loc, resultType, outSizes)},
             SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
             iters,
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               SmallVector<Value> coords;
               Value outside = arith::ConstantOp::create(nb, nloc, nb.getBoolAttr(false));
               for (int64_t d = 0; d < rank; ++d) {
                 Value x = linalg::IndexOp::create(nb, nloc, d);
                 if (identity[d]) {
                   coords.push_back(x);
                   continue;
                 }
                 auto [pos, out] = sourcePosition(nb, nloc, f, infos[d], x);
                 outside = arith::OrIOp::create(nb, nloc, outside, out);
                 coords.push_back(nearestIndex(nb, nloc, f, pos, infos[d].inSize));
               }
               Value v = extractIfNonEmpty(
                   nb, nloc, in, coords, nonEmpty,
                   arith::ConstantOp::create(nb, nloc, nb.getZeroAttr(elem)));
               if (f.transform == "tf_crop_and_resize") {
                 Value e = isFloat(elem)
                               ? Value(arith::ConstantOp::create(
                                     nb, nloc, nb.getFloatAttr(elem, f.extrapolation)))
                               : Value(arith::ConstantOp::create(
                                     nb, nloc, nb.getIntegerAttr(elem, int64_t(f.extrapolation))));
                 v = arith::SelectOp::create(nb, nloc, outside, e, v);
               }
               linalg::YieldOp::create(nb, nloc, v);
             })
      .getResult(0);
}

/// One linear or cubic pass along `axis` of `in` into `type`.
static Value interpolateAxis(OpBuilder &b, Location loc, Value in, RankedTensorType type,
                             ArrayRef<Value> sizes, int64_t axis, const ResizeForm &f,
                             const AxisInfo &a) {
  int64_t rank = type.getRank();
  Type elem = type.getElementType();
  bool cubic = f.mode == "cubic";
  Value nonEmpty = nonEmptyCondition(b, loc, in);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{}, ValueRange{emptyOf(b, loc, type, sizes)},
             SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, b.getContext())},
             iters,
             [&](OpBuilder &nb, Location nloc, ValueRange) {
               auto c = [&](double v) { return f64Const(nb, nloc, v); };
               auto add = [&](Value p, Value q) -> Value {
                 return arith::AddFOp::create(nb, nloc, p, q);
               };
               auto sub = [&](Value p, Value q) -> Value {
                 return arith::SubFOp::create(nb, nloc, p, q);
               };
               auto mul = [&](Value p, Value q) -> Value {
                 return arith::MulFOp::create(nb, nloc, p, q);
               };
               SmallVector<Value> coords;
               for (int64_t d = 0; d < rank; ++d)
                 coords.push_back(linalg::IndexOp::create(nb, nloc, d));
               auto [pos, outside] = sourcePosition(nb, nloc, f, a, coords[axis]);
               // The taps lie around base = ceil(pos) - 1 (pos itself when it is
               // an integer falls on base + 1), at distance t in (0, 1].
               Value base = sub(math::CeilOp::create(nb, nloc, pos), c(1.0));
               Value t = sub(pos, base);
               SmallVector<Value> offsets, weights;
               if (!cubic) {
                 offsets = {c(0.0), c(1.0)};
                 weights = {sub(c(1.0), t), t};
               } else {
                 // Keys' cubic kernel with parameter A at distances t + 1, t,
                 // 1 - t and 2 - t.
                 Value A = c(f.cubicA);
                 auto near = [&](Value s) { // |s| <= 1
                   Value s2 = mul(s, s);
                   return add(sub(mul(mul(add(A, c(2.0)), s2), s), mul(add(A, c(3.0)), s2)),
                              c(1.0));
                 };
                 auto far = [&](Value s) { // 1 <= |s| < 2
                   Value s2 = mul(s, s);
                   return sub(add(sub(mul(mul(A, s2), s), mul(mul(c(5.0), A), s2)),
                                  mul(mul(c(8.0), A), s)),
                              mul(c(4.0), A));
                 };
                 Value oneMinusT = sub(c(1.0), t);
                 offsets = {c(-1.0), c(0.0), c(1.0), c(2.0)};
                 weights = {far(add(t, c(1.0))), near(t), near(oneMinusT),
                            far(add(oneMinusT, c(1.0)))};
               }
               Value lastF = sub(a.inSizeF, c(1.0));
               if (f.excludeOutside) {
                 Value total = c(0.0);
                 for (size_t k = 0; k < weights.size(); ++k) {
                   Value p = add(base, offsets[k]);
                   Value inside = arith::AndIOp::create(
                       nb, nloc, arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGE, p, c(0.0)),
                       arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OLE, p, lastF));
                   weights[k] = arith::SelectOp::create(nb, nloc, inside, weights[k], c(0.0));
                   total = add(total, weights[k]);
                 }
                 for (Value &w : weights)
                   w = arith::DivFOp::create(nb, nloc, w, total);
               }
               Value sum = c(0.0);
               for (size_t k = 0; k < weights.size(); ++k) {
                 SmallVector<Value> at = coords;
                 at[axis] = clampedIndex(nb, nloc, add(base, offsets[k]), a.inSize);
                 Value x = toF64(nb, nloc,
                                 extractIfNonEmpty(nb, nloc, in, at, nonEmpty,
                                                   arith::ConstantOp::create(
                                                       nb, nloc, nb.getZeroAttr(elem))));
                 sum = add(sum, mul(weights[k], x));
               }
               Value v = elem.isF64() ? sum : Value(arith::TruncFOp::create(nb, nloc, elem, sum));
               if (f.transform == "tf_crop_and_resize")
                 v = arith::SelectOp::create(
                     nb, nloc, outside,
                     arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, f.extrapolation)), v);
               linalg::YieldOp::create(nb, nloc, v);
             })
      .getResult(0);
}

static FailureOr<Value> lowerResize(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  ResizeForm f = formOf(op);
  SmallVector<AxisInfo> infos = axisInfos(b, loc, op, resultType, f);
  if (f.mode == "nearest")
    return lowerNearest(b, loc, op, resultType, f, infos);
  // Separable passes, last axis first; the sizes of the axes not yet
  // resized are the input's.
  Value cur = op->getOperand(0);
  int64_t rank = resultType.getRank();
  auto inType = cast<RankedTensorType>(cur.getType());
  SmallVector<int64_t> shape(inType.getShape());
  SmallVector<Value> sizes;
  for (const AxisInfo &a : infos)
    sizes.push_back(a.inSize);
  for (int64_t d = rank - 1; d >= 0; --d) {
    if (isIdentityAxis(op, f, d))
      continue;
    shape[d] = resultType.getDimSize(d);
    sizes[d] = infos[d].outSize;
    auto type = RankedTensorType::get(shape, resultType.getElementType());
    cur = interpolateAxis(b, loc, cur, type, sizes, d, f, infos[d]);
  }
  if (cur.getType() != resultType)
    cur = tensor::CastOp::create(b, loc, resultType, cur);
  return cur;
}

static std::string checkResize(Operation *op, const LoweringState &) {
  auto resize = cast<onnx::ResizeOp>(op);
  auto inType = cast<RankedTensorType>(resize.getX().getType());
  int64_t rank = inType.getRank();
  ResizeForm f = formOf(op);
  for (StringRef name : {"antialias", "axes", "keep_aspect_ratio_policy"})
    if (op->hasAttr(name))
      return "the opset-18 attribute '" + name.str() + "' is not supported";
  if (!llvm::is_contained({"nearest", "linear", "cubic"}, f.mode))
    return "mode '" + f.mode.str() + "' is not an ONNX value";
  if (!llvm::is_contained({"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                           "tf_half_pixel_for_nn", "tf_crop_and_resize"},
                          f.transform))
    return "coordinate_transformation_mode '" + f.transform.str() + "' is not supported";
  if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"},
                          f.nearestMode))
    return "nearest_mode '" + f.nearestMode.str() + "' is not an ONNX value";
  if (f.mode != "nearest" && !isFloat(inType.getElementType()))
    return "linear and cubic modes need float data";
  if (rank < 1)
    return "the input must have at least one dimension";
  Value scales = presentInput(resize.getScales()), sizes = presentInput(resize.getSizes());
  if (bool(scales) == bool(sizes))
    return "exactly one of scales and sizes must be given";
  Value given = scales ? scales : sizes;
  auto givenType = cast<RankedTensorType>(given.getType());
  if (givenType.getRank() != 1 || givenType.getDimSize(0) != rank)
    return std::string(scales ? "scales" : "sizes") +
           " must have one static entry per input dimension";
  if (scales && !isFloat(givenType.getElementType()))
    return "scales must be floats";
  if (sizes && !isa<IntegerType>(givenType.getElementType()))
    return "sizes must be integers";
  if (auto values = constantFloats(scales))
    for (double s : *values)
      if (!(s > 0))
        return "scales must be positive";
  if (auto values = sizes ? constantInts(sizes) : std::nullopt)
    for (int64_t v : *values)
      if (v < 0)
        return "sizes must not be negative";
  if (f.transform == "tf_crop_and_resize") {
    Value roi = resize.getRoi();
    auto roiType = roi ? dyn_cast<RankedTensorType>(roi.getType()) : RankedTensorType();
    if (!roiType || roiType.getRank() != 1 || roiType.getDimSize(0) != 2 * rank ||
        !isFloat(roiType.getElementType()))
      return "tf_crop_and_resize needs a float roi of 2 * rank static entries";
  }
  return "";
}

namespace {
/// How GridSample maps a normalized grid coordinate to a pixel coordinate
/// and treats coordinates outside the image (PyTorch's grid_sample, which
/// ONNX's GridSample follows).
struct GridSampling {
  bool alignCorners;
  StringRef padding; // zeros, border, reflection
};
} // namespace

/// Reflects `x` into [low, high] / 2 (the doubled bounds PyTorch uses).
static Value reflectCoordinate(OpBuilder &b, Location loc, Value x, double twiceLow,
                               double twiceHigh) {
  Type t = x.getType();
  auto c = [&](double v) -> Value { return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v)); };
  if (twiceLow == twiceHigh)
    return c(0.0);
  double low = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
  Value in = math::AbsFOp::create(b, loc, arith::SubFOp::create(b, loc, x, c(low)));
  Value extra = arith::RemFOp::create(b, loc, in, c(span));
  Value flips = math::FloorOp::create(b, loc, arith::DivFOp::create(b, loc, in, c(span)));
  Value half = arith::MulFOp::create(b, loc, flips, c(0.5));
  Value even = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, half,
                                     math::FloorOp::create(b, loc, half));
  return arith::SelectOp::create(b, loc, even, arith::AddFOp::create(b, loc, extra, c(low)),
                                 arith::AddFOp::create(b, loc, arith::SubFOp::create(b, loc, c(span), extra),
                                                       c(low)));
}

/// The padding mode applied to a (pixel) coordinate along a dimension of
/// `size` (a float): clamped (border), reflected then clamped (reflection).
static Value padCoordinate(OpBuilder &b, Location loc, Value x, Value size, int64_t staticSize,
                           const GridSampling &s) {
  Type t = x.getType();
  auto c = [&](double v) -> Value { return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v)); };
  if (s.padding == "zeros")
    return x;
  Value last = arith::SubFOp::create(b, loc, size, c(1.0));
  if (s.padding == "reflection")
    x = s.alignCorners ? reflectCoordinate(b, loc, x, 0, 2.0 * double(staticSize - 1))
                       : reflectCoordinate(b, loc, x, -1, 2.0 * double(staticSize) - 1);
  return arith::MinimumFOp::create(b, loc, arith::MaximumFOp::create(b, loc, x, c(0.0)), last);
}

/// GridSample (2-D): each output pixel (n, c, h, w) samples X[n, c] at the
/// grid's normalized (x, y) = grid[n, h, w], by bilinear, nearest or
/// bicubic (A = -0.75) interpolation; pixels outside the image read 0 after
/// the padding mode has moved the coordinate (border: clamped; reflection:
/// mirrored). Follows PyTorch's grid_sample, which ONNX's test data is.
static FailureOr<Value> lowerGridSample(Operation *op, RankedTensorType resultType,
                                        PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value x = op->getOperand(0), grid = op->getOperand(1);
  auto xType = cast<RankedTensorType>(x.getType());
  GridSampling s;
  s.alignCorners = loom::onnx_attributes::intAttr(op, "align_corners").value_or(0) != 0;
  s.padding = "zeros";
  if (auto attr = op->getAttrOfType<StringAttr>("padding_mode"))
    s.padding = attr.getValue();
  StringRef mode = "bilinear";
  if (auto attr = op->getAttrOfType<StringAttr>("mode"))
    mode = attr.getValue();
  Type elem = resultType.getElementType();
  Value heightIndex = tensor::DimOp::create(b, loc, x, 2);
  Value widthIndex = tensor::DimOp::create(b, loc, x, 3);
  auto toFloat = [&](OpBuilder &nb, Location nloc, Value index) -> Value {
    return arith::SIToFPOp::create(nb, nloc, elem,
                                   arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), index));
  };
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < 4; ++d)
    if (resultType.isDynamicDim(d))
      sizes.push_back(d < 2 ? Value(tensor::DimOp::create(b, loc, x, d))
                            : Value(tensor::DimOp::create(b, loc, grid, d - 1)));
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        auto c = [&](double v) -> Value {
          return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, v));
        };
        Value n = linalg::IndexOp::create(nb, nloc, 0), ch = linalg::IndexOp::create(nb, nloc, 1);
        Value h = linalg::IndexOp::create(nb, nloc, 2), w = linalg::IndexOp::create(nb, nloc, 3);
        Value width = toFloat(nb, nloc, widthIndex), height = toFloat(nb, nloc, heightIndex);
        auto gridAt = [&](int64_t i) {
          Value g = tensor::ExtractOp::create(
              nb, nloc, grid, ValueRange{n, h, w, arith::ConstantIndexOp::create(nb, nloc, i)});
          return castScalar(nb, nloc, g, elem);
        };
        // Normalized [-1, 1] to pixel coordinates.
        auto unnormalize = [&](Value g, Value size) -> Value {
          Value plusOne = arith::AddFOp::create(nb, nloc, g, c(1.0));
          if (s.alignCorners)
            return arith::MulFOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, plusOne, c(0.5)),
                arith::SubFOp::create(nb, nloc, size, c(1.0)));
          return arith::MulFOp::create(
              nb, nloc,
              arith::SubFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, plusOne, size), c(1.0)),
              c(0.5));
        };
        // The pixel at integral float coordinates (px, py), 0 outside.
        auto pixel = [&](Value px, Value py) -> Value {
          Value xi = arith::IndexCastOp::create(
              nb, nloc, nb.getIndexType(), arith::FPToSIOp::create(nb, nloc, nb.getI64Type(), px));
          Value yi = arith::IndexCastOp::create(
              nb, nloc, nb.getIndexType(), arith::FPToSIOp::create(nb, nloc, nb.getI64Type(), py));
          auto inRange = [&](Value f, Value size) -> Value {
            return arith::AndIOp::create(
                nb, nloc, arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGE, f, c(0.0)),
                arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OLT, f, size));
          };
          Value inside = arith::AndIOp::create(nb, nloc, inRange(px, width), inRange(py, height));
          Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
          auto clampIndex = [&](Value i, Value size) -> Value {
            Value last = arith::SubIOp::create(nb, nloc, size, arith::ConstantIndexOp::create(nb, nloc, 1));
            return arith::MaxSIOp::create(nb, nloc, arith::MinSIOp::create(nb, nloc, i, last), zero);
          };
          Value v = tensor::ExtractOp::create(
              nb, nloc, x,
              ValueRange{n, ch, clampIndex(yi, heightIndex), clampIndex(xi, widthIndex)});
          return arith::SelectOp::create(nb, nloc, inside, v, c(0.0));
        };
        Value gx = unnormalize(gridAt(0), width), gy = unnormalize(gridAt(1), height);
        if (mode == "bicubic") {
          Value x0 = math::FloorOp::create(nb, nloc, gx), y0 = math::FloorOp::create(nb, nloc, gy);
          Value tx = arith::SubFOp::create(nb, nloc, gx, x0), ty = arith::SubFOp::create(nb, nloc, gy, y0);
          const double a = -0.75;
          auto near = [&](Value t) -> Value { // |t| <= 1
            Value p = arith::SubFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, c(a + 2), t), c(a + 3));
            return arith::AddFOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, p, t), t), c(1.0));
          };
          auto far = [&](Value t) -> Value { // 1 < |t| < 2
            Value p = arith::SubFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, c(a), t), c(5 * a));
            p = arith::AddFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, p, t), c(8 * a));
            return arith::SubFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, p, t), c(4 * a));
          };
          auto weights = [&](Value t) -> SmallVector<Value> {
            return {far(arith::AddFOp::create(nb, nloc, t, c(1.0))), near(t),
                    near(arith::SubFOp::create(nb, nloc, c(1.0), t)),
                    far(arith::SubFOp::create(nb, nloc, c(2.0), t))};
          };
          SmallVector<Value> wx = weights(tx), wy = weights(ty);
          Value sum = c(0.0);
          for (int64_t j = 0; j < 4; ++j) {
            Value row = c(0.0);
            Value py = padCoordinate(nb, nloc, arith::AddFOp::create(nb, nloc, y0, c(double(j - 1))),
                                     height, xType.getDimSize(2), s);
            for (int64_t i = 0; i < 4; ++i) {
              Value px = padCoordinate(nb, nloc, arith::AddFOp::create(nb, nloc, x0, c(double(i - 1))),
                                       width, xType.getDimSize(3), s);
              row = arith::AddFOp::create(nb, nloc, row,
                                          arith::MulFOp::create(nb, nloc, pixel(px, py), wx[i]));
            }
            sum = arith::AddFOp::create(nb, nloc, sum, arith::MulFOp::create(nb, nloc, row, wy[j]));
          }
          return sum;
        }
        gx = padCoordinate(nb, nloc, gx, width, xType.getDimSize(3), s);
        gy = padCoordinate(nb, nloc, gy, height, xType.getDimSize(2), s);
        if (mode == "nearest")
          return pixel(math::RoundEvenOp::create(nb, nloc, gx), math::RoundEvenOp::create(nb, nloc, gy));
        Value x0 = math::FloorOp::create(nb, nloc, gx), y0 = math::FloorOp::create(nb, nloc, gy);
        Value x1 = arith::AddFOp::create(nb, nloc, x0, c(1.0)), y1 = arith::AddFOp::create(nb, nloc, y0, c(1.0));
        Value dx = arith::SubFOp::create(nb, nloc, gx, x0), dy = arith::SubFOp::create(nb, nloc, gy, y0);
        Value ex = arith::SubFOp::create(nb, nloc, c(1.0), dx), ey = arith::SubFOp::create(nb, nloc, c(1.0), dy);
        auto term = [&](Value px, Value py, Value wxv, Value wyv) -> Value {
          return arith::MulFOp::create(nb, nloc, pixel(px, py), arith::MulFOp::create(nb, nloc, wxv, wyv));
        };
        Value v = arith::AddFOp::create(nb, nloc, term(x0, y0, ex, ey), term(x1, y0, dx, ey));
        v = arith::AddFOp::create(nb, nloc, v, term(x0, y1, ex, dy));
        return arith::AddFOp::create(nb, nloc, v, term(x1, y1, dx, dy));
      },
      sizes);
}

static std::string checkGridSample(Operation *op, const LoweringState &) {
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto gridType = cast<RankedTensorType>(op->getOperand(1).getType());
  if (xType.getRank() != 4 || gridType.getRank() != 4 ||
      (!gridType.isDynamicDim(3) && gridType.getDimSize(3) != 2))
    return "only 2-D sampling is supported: X [N, C, H, W] and grid [N, H_out, W_out, 2]";
  if (!isFloat(xType.getElementType()) || !isFloat(gridType.getElementType()))
    return "X and grid must be float tensors";
  StringRef mode = "bilinear", padding = "zeros";
  if (auto attr = op->getAttrOfType<StringAttr>("mode"))
    mode = attr.getValue();
  if (auto attr = op->getAttrOfType<StringAttr>("padding_mode"))
    padding = attr.getValue();
  if (!llvm::is_contained({"bilinear", "nearest", "bicubic"}, mode))
    return "mode '" + mode.str() + "' is not bilinear, nearest or bicubic";
  if (!llvm::is_contained({"zeros", "border", "reflection"}, padding))
    return "padding_mode '" + padding.str() + "' is not zeros, border or reflection";
  if (padding == "reflection" && (xType.isDynamicDim(2) || xType.isDynamicDim(3)))
    return "reflection padding needs static image sizes";
  return "";
}

void loom::populateResamplingLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add("onnx.Resize", lowerResize, checkResize, UnsignedIntegers::accepted);
  patterns.add("onnx.GridSample", lowerGridSample, checkGridSample);
}
