//===- OnnxToLinalg.cpp - onnx ops to linalg on tensors ---------*- C++ -*-===//
//
// The first CPU lowering of the onnx dialect. Each supported op becomes
// linalg.generic (or a named linalg/tensor op) on tensors; bufferization and
// the LLVM lowering take it from there. Everything this file cannot lower is
// reported with its node name before anything is rewritten.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/InputSizeConditions.h"
#include "loom/Conversion/Passes.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringSet.h"

#include <functional>
#include <cmath>
#include <limits>

namespace loom {
#define GEN_PASS_DEF_LOOMCONVERTONNXTOLINALGPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange)>;

/// "node 'NAME' (OpType)" for ops imported from ONNX (their location is the
/// node name), else just the op type.
std::string describeNode(Operation *op) {
  std::string type = op->getName().getStringRef().drop_front(5).str();
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return "node '" + name.getName().str() + "' (" + type + ")";
  return type;
}

using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intAttr;

/// The op's `axis` attribute (default `fallback`), negative values counted
/// from the end of a `rank`-dimensional operand.
int64_t axisAttr(Operation *op, int64_t rank, int64_t fallback) {
  int64_t axis = intAttr(op, "axis").value_or(fallback);
  return axis < 0 ? axis + rank : axis;
}

bool isFloat(Type t) { return isa<FloatType>(t); }

/// 1 / sqrt(x). Not math.rsqrt: math-to-libm would call rsqrtf, which libm
/// does not have.
Value reciprocalSqrt(OpBuilder &b, Location loc, Value x) {
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 1.0));
  return arith::DivFOp::create(b, loc, one, math::SqrtOp::create(b, loc, x));
}

/// Sizes of `type` for tensor.empty: dynamic ones are read from `source`,
/// whose dimension `map[i]` matches result dimension i.
Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type,
                ArrayRef<std::pair<Value, int64_t>> dynamicSources) {
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, dynamicSources[i].first,
                                                   dynamicSources[i].second));
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType(),
                                 dynamicSizes);
}

/// Elementwise op with numpy broadcasting over `inputs` into `resultType`.
/// A static 1 broadcasts; dynamic sizes are taken to agree.
/// `dynamicSizes`, when given, are the result's dynamic sizes (for results
/// whose sizes no input has: Range, Slice, ConstantOfShape).
Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, const ScalarFn &body,
                       ValueRange dynamicSizes = {}) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  if (dynamicSizes.empty()) {
    // A result type less refined than its inputs (a dynamic size that no
    // input has dynamic): the static size an input has is the result's,
    // and the result is cast back to the declared type.
    SmallVector<int64_t> shape(resultType.getShape());
    for (int64_t d = 0; d < rank; ++d) {
      if (!ShapedType::isDynamic(shape[d]))
        continue;
      int64_t known = 1;
      bool dynamicInput = false;
      for (Value in : inputs) {
        auto type = cast<RankedTensorType>(in.getType());
        int64_t i = d - (rank - type.getRank());
        if (i < 0)
          continue;
        if (type.isDynamicDim(i))
          dynamicInput = true;
        else if (type.getDimSize(i) != 1)
          known = type.getDimSize(i);
      }
      if (!dynamicInput)
        shape[d] = known;
    }
    auto refined = RankedTensorType::get(shape, resultType.getElementType());
    if (refined != resultType)
      return tensor::CastOp::create(
          b, loc, resultType, buildElementwise(b, loc, refined, inputs, body, dynamicSizes));
  }
  SmallVector<AffineMap> maps;
  SmallVector<std::pair<Value, int64_t>> sources(rank, {Value(), 0});
  for (Value in : inputs) {
    auto type = cast<RankedTensorType>(in.getType());
    int64_t offset = rank - type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      bool broadcast = type.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(offset + i, ctx));
      if (!broadcast && type.isDynamicDim(i) && !sources[offset + i].first)
        sources[offset + i] = {in, i};
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = dynamicSizes.empty()
                   ? emptyLike(b, loc, resultType, sources)
                   : tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                             resultType.getElementType(), dynamicSizes)
                         .getResult();
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value r = body(nb, nloc, args.drop_back());
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

/// An index into a dimension of `size`: negative values count from the end
/// (ONNX), and anything still outside is clamped in, so that bad indices read
/// a wrong element instead of memory outside the tensor (generated code has
/// no way to report an error yet).
Value wrapIndex(OpBuilder &b, Location loc, Value idx, Value size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  idx = arith::SelectOp::create(b, loc, negative, arith::AddIOp::create(b, loc, idx, size), idx);
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, idx, last), zero);
}

/// The dimensions of `in` other than `axis`: the shape of a per-row result
/// (one value per position along the other axes), its map from the full
/// iteration space, and where its dynamic sizes come from (for emptyLike).
struct RowSpace {
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> exprs;
  SmallVector<std::pair<Value, int64_t>> sources;
};

RowSpace rowSpaceWithout(Value in, int64_t axis) {
  auto type = cast<RankedTensorType>(in.getType());
  RowSpace rows;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (i != axis) {
      rows.shape.push_back(type.getDimSize(i));
      rows.exprs.push_back(getAffineDimExpr(i, in.getContext()));
      rows.sources.push_back({in, i});
    }
  return rows;
}

/// Element `i` of a 1-D integer tensor (index 0 of a 0-D one) as an i64.
Value extractI64(OpBuilder &b, Location loc, Value tensor, int64_t i) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> at;
  if (type.getRank() == 1)
    at.push_back(arith::ConstantIndexOp::create(b, loc, i));
  Value v = tensor::ExtractOp::create(b, loc, tensor, at);
  if (v.getType() != b.getI64Type())
    v = arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  return v;
}

Value toIndex(OpBuilder &b, Location loc, Value i64) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), i64);
}

/// `in` reshaped to `resultType` (same element count, row-major order) by a
/// copy: output element i reads the input element at the same linear
/// position. `outSizes` are all result sizes as index values. Used where a
/// view would need an expand_shape group with several dynamic sizes, which
/// MLIR 22's expand-strided-metadata crashes on.
Value reshapeByCopy(OpBuilder &b, Location loc, Value in, RankedTensorType resultType,
                    ArrayRef<Value> outSizes);

/// `in` reshaped to `resultType` without a copy where the two shapes have one
/// dynamic size each and the static sizes around it group into equal
/// products (e.g. [1, 4, 4, ?, 64] -> [1, 16, ?, 64], the repeat_kv reshape
/// of grouped-query attention): a collapse_shape to the groups, then an
/// expand_shape, each group holding at most the one dynamic size, which is
/// then the same on both sides. Null when the shapes do not fit that form.
Value reshapeAsView(OpBuilder &b, Location loc, Value in, RankedTensorType resultType,
                    ArrayRef<Value> outSizes) {
  auto inType = cast<RankedTensorType>(in.getType());
  if (inType.getNumDynamicDims() != 1 || resultType.getNumDynamicDims() != 1)
    return nullptr;
  ArrayRef<int64_t> from = inType.getShape(), to = resultType.getShape();
  SmallVector<ReassociationIndices> collapse, expand;
  SmallVector<int64_t> groupSizes;
  size_t i = 0, j = 0;
  while (i < from.size() || j < to.size()) {
    ReassociationIndices gi, gj;
    // A group: take dimensions from both sides until the static products
    // agree; a dynamic size must be alone with unit sizes on each side.
    int64_t pi = 1, pj = 1;
    bool dynI = false, dynJ = false;
    auto takeI = [&] {
      if (ShapedType::isDynamic(from[i]))
        dynI = true;
      else
        pi *= from[i];
      gi.push_back(int64_t(i++));
    };
    auto takeJ = [&] {
      if (ShapedType::isDynamic(to[j]))
        dynJ = true;
      else
        pj *= to[j];
      gj.push_back(int64_t(j++));
    };
    if (i < from.size())
      takeI();
    if (j < to.size())
      takeJ();
    while (pi != pj || dynI != dynJ) {
      if (pi < pj && i < from.size() && !(dynI && !dynJ))
        takeI();
      else if (pj < pi && j < to.size())
        takeJ();
      else if (dynI != dynJ && !dynJ && j < to.size())
        takeJ();
      else if (dynI != dynJ && !dynI && i < from.size())
        takeI();
      else
        return nullptr;
    }
    // Trailing unit sizes join the group that precedes them.
    while (i < from.size() && from[i] == 1 && (j == to.size() || to[j] != 1))
      takeI();
    while (j < to.size() && to[j] == 1 && (i == from.size() || from[i] != 1))
      takeJ();
    if (gi.empty() || gj.empty())
      return nullptr;
    collapse.push_back(gi);
    expand.push_back(gj);
    groupSizes.push_back(dynI ? ShapedType::kDynamic : pi);
  }
  auto middleType = RankedTensorType::get(groupSizes, inType.getElementType());
  Value middle = collapse.size() == from.size()
                     ? in
                     : Value(tensor::CollapseShapeOp::create(b, loc, middleType, in, collapse));
  if (expand.size() == to.size())
    return tensor::CastOp::create(b, loc, resultType, middle);
  SmallVector<OpFoldResult> shape;
  for (int64_t k = 0; k < resultType.getRank(); ++k)
    shape.push_back(resultType.isDynamicDim(k) ? OpFoldResult(outSizes[k])
                                               : OpFoldResult(b.getIndexAttr(to[k])));
  return tensor::ExpandShapeOp::create(b, loc, resultType, middle, expand, shape);
}

/// Converts scalar `v` to element type `to` the way ONNX's Cast does.
/// Integers are signless here; `fromUnsigned`/`toUnsigned` say how ONNX
/// typed them (uint8 and friends).
Value castScalar(OpBuilder &b, Location loc, Value v, Type to, bool fromUnsigned = false,
                 bool toUnsigned = false) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (isFloat(from) && isFloat(to))
    return cast<FloatType>(to).getWidth() > cast<FloatType>(from).getWidth()
               ? Value(arith::ExtFOp::create(b, loc, to, v))
               : Value(arith::TruncFOp::create(b, loc, to, v));
  if (isFloat(from)) {
    if (to.isInteger(1))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   arith::ConstantOp::create(b, loc, b.getFloatAttr(from, 0.0)));
    return toUnsigned ? Value(arith::FPToUIOp::create(b, loc, to, v))
                      : Value(arith::FPToSIOp::create(b, loc, to, v));
  }
  if (isFloat(to))
    return from.isInteger(1) || fromUnsigned ? Value(arith::UIToFPOp::create(b, loc, to, v))
                                             : Value(arith::SIToFPOp::create(b, loc, to, v));
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (tw == 1)
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 arith::ConstantOp::create(b, loc, b.getIntegerAttr(from, 0)));
  if (tw > fw)
    return fw == 1 || fromUnsigned ? Value(arith::ExtUIOp::create(b, loc, to, v))
                                   : Value(arith::ExtSIOp::create(b, loc, to, v));
  return arith::TruncIOp::create(b, loc, to, v);
}

Value reshapeByCopy(OpBuilder &b, Location loc, Value in, RankedTensorType resultType,
                    ArrayRef<Value> outSizes) {
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = resultType.getRank();
  SmallVector<Value> dynamicSizes, inSizes;
  for (int64_t i = 0; i < rank; ++i)
    if (resultType.isDynamicDim(i))
      dynamicSizes.push_back(outSizes[i]);
  for (int64_t d = 0; d < inType.getRank(); ++d)
    inSizes.push_back(tensor::DimOp::create(b, loc, in, d));
  return buildElementwise(
      b, loc, resultType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        Value linear = arith::ConstantIndexOp::create(nb, nloc, 0);
        for (int64_t i = 0; i < rank; ++i)
          linear = arith::AddIOp::create(nb, nloc,
                                         arith::MulIOp::create(nb, nloc, linear, outSizes[i]),
                                         linalg::IndexOp::create(nb, nloc, i));
        SmallVector<Value> coords(inType.getRank());
        for (int64_t d = inType.getRank() - 1; d >= 0; --d) {
          coords[d] = arith::RemUIOp::create(nb, nloc, linear, inSizes[d]);
          linear = arith::DivUIOp::create(nb, nloc, linear, inSizes[d]);
        }
        return tensor::ExtractOp::create(nb, nloc, in, coords);
      },
      dynamicSizes);
}

/// The scalar body of a supported elementwise op, or null. `unsignedValues`
/// holds the values ONNX typed as unsigned integers (now signless).
std::optional<ScalarFn> elementwiseBody(Operation *op,
                                        const llvm::DenseSet<Value> &unsignedValues) {
  StringRef name = op->getName().getStringRef();
  Value first = op->getOperand(name == "onnx.Where" ? 1 : 0);
  Type elem = cast<RankedTensorType>(first.getType()).getElementType();
  bool f = isFloat(elem);
  bool u = unsignedValues.contains(first);
  auto binary = [&](auto floatOp, auto intOp) -> std::optional<ScalarFn> {
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return decltype(floatOp)::create(b, loc, a[0], a[1]);
      return decltype(intOp)::create(b, loc, a[0], a[1]);
    });
  };
  auto floatUnary = [&](auto opTag) -> std::optional<ScalarFn> {
    if (!f)
      return std::nullopt;
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return decltype(opTag)::create(b, loc, a[0]);
    });
  };
  auto compare = [&](arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::CmpFOp::create(b, loc, fp, a[0], a[1]);
      return arith::CmpIOp::create(b, loc, ip, a[0], a[1]);
    });
  };
  if (name == "onnx.Add")
    return binary(arith::AddFOp(), arith::AddIOp());
  if (name == "onnx.Sub")
    return binary(arith::SubFOp(), arith::SubIOp());
  if (name == "onnx.Mul")
    return binary(arith::MulFOp(), arith::MulIOp());
  if (name == "onnx.Div")
    return u ? binary(arith::DivFOp(), arith::DivUIOp()) : binary(arith::DivFOp(), arith::DivSIOp());
  if (name == "onnx.Sum" || name == "onnx.Mean") {
    // Variadic: a fold over all inputs; Mean divides by their count.
    bool mean = name == "onnx.Mean";
    unsigned count = op->getNumOperands();
    if (mean && !f)
      return std::nullopt;
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value r = a[0];
      for (Value v : a.drop_front())
        r = f ? Value(arith::AddFOp::create(b, loc, r, v))
              : Value(arith::AddIOp::create(b, loc, r, v));
      if (mean)
        r = arith::DivFOp::create(
            b, loc, r, arith::ConstantOp::create(b, loc, b.getFloatAttr(r.getType(), count)));
      return r;
    });
  }
  if (name == "onnx.Sign")
    return ScalarFn([f](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
      Value one = f ? arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 1.0)).getResult()
                    : arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 1)).getResult();
      Value minusOne =
          f ? arith::ConstantOp::create(b, loc, b.getFloatAttr(t, -1.0)).getResult()
            : arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, -1)).getResult();
      Value pos = f ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero)
                          .getResult()
                    : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero)
                          .getResult();
      Value neg = f ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0], zero)
                          .getResult()
                    : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[0], zero)
                          .getResult();
      // NaN stays NaN: neither comparison holds, and x is returned.
      Value rest = f ? arith::SelectOp::create(
                           b, loc,
                           arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]),
                           a[0], zero)
                           .getResult()
                     : zero;
      return arith::SelectOp::create(b, loc, pos, one,
                                     arith::SelectOp::create(b, loc, neg, minusOne, rest));
    });
  if (name == "onnx.Max" || name == "onnx.Min") {
    // Variadic in ONNX: fold over all inputs (one input is the identity).
    bool isMax = name == "onnx.Max";
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value r = a[0];
      for (Value v : a.drop_front()) {
        if (f)
          r = isMax ? Value(arith::MaximumFOp::create(b, loc, r, v))
                    : Value(arith::MinimumFOp::create(b, loc, r, v));
        else if (u)
          r = isMax ? Value(arith::MaxUIOp::create(b, loc, r, v))
                    : Value(arith::MinUIOp::create(b, loc, r, v));
        else
          r = isMax ? Value(arith::MaxSIOp::create(b, loc, r, v))
                    : Value(arith::MinSIOp::create(b, loc, r, v));
      }
      return r;
    });
  }
  if (name == "onnx.Pow") {
    Type expElem = cast<RankedTensorType>(op->getOperand(1).getType()).getElementType();
    if (!isFloat(expElem) && !isa<IntegerType>(expElem))
      return std::nullopt;
    // Float bases: powf in the base's type. Integer bases (the result is an
    // integer too): computed in f64, exact while results stay below 2^53.
    bool uExp = unsignedValues.contains(op->getOperand(1));
    return ScalarFn([f, u, uExp](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type work = f ? a[0].getType() : b.getF64Type();
      Value base = castScalar(b, loc, a[0], work, u);
      Value exponent = castScalar(b, loc, a[1], work, uExp);
      Value r = math::PowFOp::create(b, loc, base, exponent);
      return f ? r : castScalar(b, loc, r, a[0].getType(), false, u);
    });
  }
  if (name == "onnx.Mod") {
    // fmod=1: C's fmod; fmod=0 (integers only): the result takes the divisor's sign.
    bool fmod = intAttr(op, "fmod").value_or(0) != 0;
    if (f != fmod)
      return std::nullopt;
    return ScalarFn([f, u](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::RemFOp::create(b, loc, a[0], a[1]);
      if (u) // no signs to reconcile
        return arith::RemUIOp::create(b, loc, a[0], a[1]);
      Value r = arith::RemSIOp::create(b, loc, a[0], a[1]);
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(a[0].getType(), 0));
      Value rNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
      Value dNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[1], zero);
      Value rNonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
      Value fix = arith::AndIOp::create(b, loc, rNonZero,
                                        arith::XOrIOp::create(b, loc, rNeg, dNeg));
      return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, a[1]), r);
    });
  }
  if (name == "onnx.BitShift" && !f) {
    auto direction = op->getAttrOfType<StringAttr>("direction");
    if (!direction || (direction.getValue() != "LEFT" && direction.getValue() != "RIGHT"))
      return std::nullopt;
    bool left = direction.getValue() == "LEFT";
    return ScalarFn([left, u](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (left)
        return arith::ShLIOp::create(b, loc, a[0], a[1]);
      return u ? Value(arith::ShRUIOp::create(b, loc, a[0], a[1]))
               : Value(arith::ShRSIOp::create(b, loc, a[0], a[1]));
    });
  }
  using IP = arith::CmpIPredicate;
  if (name == "onnx.Equal")
    return compare(arith::CmpFPredicate::OEQ, IP::eq);
  if (name == "onnx.Less")
    return compare(arith::CmpFPredicate::OLT, u ? IP::ult : IP::slt);
  if (name == "onnx.LessOrEqual")
    return compare(arith::CmpFPredicate::OLE, u ? IP::ule : IP::sle);
  if (name == "onnx.Greater")
    return compare(arith::CmpFPredicate::OGT, u ? IP::ugt : IP::sgt);
  if (name == "onnx.GreaterOrEqual")
    return compare(arith::CmpFPredicate::OGE, u ? IP::uge : IP::sge);
  if (name == "onnx.And" || name == "onnx.Or" || name == "onnx.Xor") {
    if (!elem.isInteger(1))
      return std::nullopt;
    return ScalarFn([name](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (name == "onnx.And")
        return arith::AndIOp::create(b, loc, a[0], a[1]);
      if (name == "onnx.Or")
        return arith::OrIOp::create(b, loc, a[0], a[1]);
      return arith::XOrIOp::create(b, loc, a[0], a[1]);
    });
  }
  if (name == "onnx.Not" && elem.isInteger(1))
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::XOrIOp::create(b, loc, a[0],
                                   arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    });
  if (name == "onnx.Where")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
    });
  if (name == "onnx.Neg")
    return ScalarFn([f](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::NegFOp::create(b, loc, a[0]);
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(a[0].getType(), 0));
      return arith::SubIOp::create(b, loc, zero, a[0]);
    });
  if (name == "onnx.Abs")
    return f ? floatUnary(math::AbsFOp())
             : std::optional<ScalarFn>(ScalarFn([](OpBuilder &b, Location loc,
                                                   ValueRange a) -> Value {
                 return math::AbsIOp::create(b, loc, a[0]);
               }));
  if (name == "onnx.Exp")
    return floatUnary(math::ExpOp());
  if (name == "onnx.Log")
    return floatUnary(math::LogOp());
  if (name == "onnx.Sqrt")
    return floatUnary(math::SqrtOp());
  if (name == "onnx.Tanh")
    return floatUnary(math::TanhOp());
  if (name == "onnx.Erf")
    return floatUnary(math::ErfOp());
  if (name == "onnx.Sin")
    return floatUnary(math::SinOp());
  if (name == "onnx.Cos")
    return floatUnary(math::CosOp());
  if (name == "onnx.Floor")
    return floatUnary(math::FloorOp());
  if (name == "onnx.Round") // halves to even, as ONNX specifies
    return floatUnary(math::RoundEvenOp());
  if (name == "onnx.Tan")
    return floatUnary(math::TanOp());
  if (name == "onnx.Sinh")
    return floatUnary(math::SinhOp());
  if (name == "onnx.Cosh")
    return floatUnary(math::CoshOp());
  if (name == "onnx.Asin")
    return floatUnary(math::AsinOp());
  if (name == "onnx.Acos")
    return floatUnary(math::AcosOp());
  if (name == "onnx.Atan")
    return floatUnary(math::AtanOp());
  if (name == "onnx.Asinh")
    return floatUnary(math::AsinhOp());
  if (name == "onnx.Acosh")
    return floatUnary(math::AcoshOp());
  if (name == "onnx.Atanh")
    return floatUnary(math::AtanhOp());
  if (name == "onnx.IsNaN" && f)
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
    });
  if (name == "onnx.IsInf" && f) {
    bool positive = intAttr(op, "detect_positive").value_or(1) != 0;
    bool negative = intAttr(op, "detect_negative").value_or(1) != 0;
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      auto inf = [&](bool neg) {
        return arith::ConstantOp::create(
            b, loc, b.getFloatAttr(t, neg ? -std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::infinity()));
      };
      Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
      if (positive)
        result = arith::OrIOp::create(
            b, loc, result, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf(false)));
      if (negative)
        result = arith::OrIOp::create(
            b, loc, result, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf(true)));
      return result;
    });
  }
  if (name == "onnx.Ceil")
    return floatUnary(math::CeilOp());
  if (!f)
    return std::nullopt;
  if (name == "onnx.Reciprocal")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 1.0));
      return arith::DivFOp::create(b, loc, one, a[0]);
    });
  if (name == "onnx.Relu")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 0.0));
      return arith::MaximumFOp::create(b, loc, a[0], zero);
    });
  if (name == "onnx.Sigmoid")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 1.0));
      Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
      return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
    });
  if (name == "onnx.PRelu")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 0.0));
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
      return arith::SelectOp::create(b, loc, positive, a[0],
                                     arith::MulFOp::create(b, loc, a[0], a[1]));
    });
  auto floatAttr = [&](StringRef attr, double fallback) {
    if (auto a = op->getAttrOfType<FloatAttr>(attr))
      return a.getValueAsDouble();
    return fallback;
  };
  // x -> body(x, constant(c)...) for the activations below.
  auto activation = [&](auto body) -> std::optional<ScalarFn> {
    return ScalarFn([body](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      auto c = [&](double v) -> Value {
        return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
      };
      return body(b, loc, a[0], c);
    });
  };
  using C = std::function<Value(double)>;
  if (name == "onnx.Elu" || name == "onnx.Celu" || name == "onnx.Selu") {
    // Elu: x > 0 ? x : alpha (e^x - 1); Celu: max(0,x) + min(0, alpha (e^(x/alpha) - 1));
    // Selu: gamma * (x > 0 ? x : alpha e^x - alpha).
    bool celu = name == "onnx.Celu", selu = name == "onnx.Selu";
    double alpha = floatAttr("alpha", selu ? 1.67326319217681884765625 : 1.0);
    double gamma = floatAttr("gamma", 1.05070102214813232421875);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value inner = celu ? Value(arith::DivFOp::create(b, loc, x, c(alpha))) : x;
      Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, inner), c(1.0));
      Value negative = arith::MulFOp::create(b, loc, c(alpha), em1);
      Value positive =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
      Value r = arith::SelectOp::create(b, loc, positive, x, negative);
      return selu ? Value(arith::MulFOp::create(b, loc, c(gamma), r)) : r;
    });
  }
  if (name == "onnx.HardSigmoid" || name == "onnx.HardSwish") {
    // max(0, min(1, alpha x + beta)); HardSwish is x times that (1/6, 1/2).
    bool swish = name == "onnx.HardSwish";
    double alpha = swish ? 1.0 / 6 : floatAttr("alpha", 0.2);
    double beta = swish ? 0.5 : floatAttr("beta", 0.5);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value y = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, c(alpha), x),
                                      c(beta));
      y = arith::MaximumFOp::create(b, loc, c(0.0),
                                    arith::MinimumFOp::create(b, loc, c(1.0), y));
      return swish ? Value(arith::MulFOp::create(b, loc, x, y)) : y;
    });
  }
  if (name == "onnx.ThresholdedRelu") {
    double alpha = floatAttr("alpha", 1.0);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(alpha));
      return arith::SelectOp::create(b, loc, above, x, c(0.0));
    });
  }
  if (name == "onnx.Softsign")
    return activation([](OpBuilder &b, Location loc, Value x, C c) -> Value {
      return arith::DivFOp::create(
          b, loc, x, arith::AddFOp::create(b, loc, c(1.0), math::AbsFOp::create(b, loc, x)));
    });
  if (name == "onnx.Softplus")
    return activation([](OpBuilder &b, Location loc, Value x, C c) -> Value {
      return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
    });
  if (name == "onnx.Shrink") {
    double bias = floatAttr("bias", 0.0), lambd = floatAttr("lambd", 0.5);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(-lambd));
      Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(lambd));
      return arith::SelectOp::create(
          b, loc, below, arith::AddFOp::create(b, loc, x, c(bias)),
          arith::SelectOp::create(b, loc, above, arith::SubFOp::create(b, loc, x, c(bias)),
                                  c(0.0)));
    });
  }
  if (name == "onnx.LeakyRelu") {
    double alpha = 0.01;
    if (auto attr = op->getAttrOfType<FloatAttr>("alpha"))
      alpha = attr.getValueAsDouble();
    return ScalarFn([alpha](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0));
      Value scaled = arith::MulFOp::create(
          b, loc, a[0], arith::ConstantOp::create(b, loc, b.getFloatAttr(t, alpha)));
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
      return arith::SelectOp::create(b, loc, positive, a[0], scaled);
    });
  }
  return std::nullopt;
}

class OnnxToLinalgLowering {
public:
  explicit OnnxToLinalgLowering(func::FuncOp func) : func(func), b(func.getContext()) {}

  LogicalResult run();

private:
  /// Why `op` cannot be lowered, or an empty string.
  std::string unsupportedReason(Operation *op);
  FailureOr<Value> lower(Operation *op);
  Value lowerMatMul(Location loc, Value a, Value bm, RankedTensorType resultType);
  Value lowerReduce(Operation *op, RankedTensorType resultType);
  FailureOr<Value> lowerAttention(loom::AttentionOp op);
  FailureOr<Value> callSoftmaxKernel(loom::SoftmaxOp op, RankedTensorType resultType);
  Value lowerRMSNorm(loom::RMSNormOp op);
  Value lowerRotary(loom::RotaryOp op);
  Value lowerSoftmax(Operation *op, RankedTensorType resultType, bool logarithm,
                     loom::SoftmaxAlgorithm algorithm = loom::SoftmaxAlgorithm::three_pass);
  Value lowerTopK(Operation *op);
  Value lowerReduceSumRuntimeAxes(Operation *op, RankedTensorType resultType);

  func::FuncOp func;
  OpBuilder b;
  /// Values ONNX typed as unsigned integers; run() makes every type
  /// signless (arith and linalg want that) and ops consult this set.
  llvm::DenseSet<Value> unsignedValues;
};

} // namespace

static const llvm::StringSet<> kElementwise = {
    "onnx.Add",  "onnx.Sub",  "onnx.Mul",     "onnx.Div",   "onnx.Max",
    "onnx.Min",  "onnx.Pow",  "onnx.Equal",   "onnx.Less",  "onnx.LessOrEqual",
    "onnx.Greater", "onnx.GreaterOrEqual", "onnx.And", "onnx.Or", "onnx.Xor",
    "onnx.Not",  "onnx.Where", "onnx.Neg",    "onnx.Abs",   "onnx.Exp",
    "onnx.Log",  "onnx.Sqrt", "onnx.Tanh",    "onnx.Erf",   "onnx.Sin",
    "onnx.Cos",  "onnx.Floor", "onnx.Ceil",   "onnx.Reciprocal", "onnx.Relu",
    "onnx.Sigmoid", "onnx.LeakyRelu", "onnx.Mod", "onnx.PRelu", "onnx.Sum",
    "onnx.Mean", "onnx.Sign", "onnx.Round", "onnx.Tan", "onnx.Sinh", "onnx.Cosh",
    "onnx.Asin", "onnx.Acos", "onnx.Atan", "onnx.Asinh", "onnx.Acosh", "onnx.Atanh",
    "onnx.IsNaN", "onnx.IsInf", "onnx.Elu", "onnx.Celu", "onnx.Selu",
    "onnx.HardSigmoid", "onnx.HardSwish", "onnx.ThresholdedRelu", "onnx.Softsign",
    "onnx.Softplus", "onnx.Shrink", "onnx.BitShift"};
bool loom::isElementwiseOnnxOp(llvm::StringRef opName) { return kElementwise.contains(opName); }

static const llvm::StringSet<> kOthers = {
    "onnx.Constant", "onnx.Identity", "onnx.Cast",     "onnx.MatMul",
    "onnx.Gemm",     "onnx.Softmax",  "onnx.LogSoftmax", "onnx.Transpose",
    "onnx.ReduceSum", "onnx.ReduceMean", "onnx.ReduceMax", "onnx.ReduceMin",
    "onnx.ReduceProd", "onnx.ReduceL1", "onnx.ReduceL2", "onnx.ReduceSumSquare",
    "onnx.ReduceLogSum", "onnx.ReduceLogSumExp", "onnx.Size", "onnx.ArgMax",
    "onnx.ArgMin", "onnx.LayerNormalization", "onnx.Range", "onnx.Shape",
    "onnx.Expand",
    "onnx.Clip",     "onnx.Dropout",  "onnx.CastLike", "onnx.ConstantOfShape",
    "onnx.Trilu",    "onnx.Concat",   "onnx.Gather",   "onnx.Slice",
    "onnx.Split",    "onnx.TopK",     "onnx.GatherElements"};
/// Ops whose lowering knows unsigned integers: arithmetic with unsigned
/// semantics where it differs, and ops that only move data.
static const llvm::StringSet<> kUnsignedOk = {
    "onnx.Add", "onnx.Sub", "onnx.Mul", "onnx.Div", "onnx.Mod", "onnx.Max", "onnx.Min",
    "onnx.Sum", "onnx.Equal", "onnx.Less", "onnx.LessOrEqual", "onnx.Greater",
    "onnx.GreaterOrEqual", "onnx.Pow", "onnx.Where", "onnx.Cast", "onnx.Identity",
    "onnx.Constant", "onnx.Transpose", "onnx.Concat", "onnx.Gather", "onnx.Slice",
    "onnx.Expand", "onnx.Split", "onnx.Reshape", "onnx.Unsqueeze", "onnx.Squeeze",
    "onnx.Flatten", "onnx.Shape", "onnx.Size", "onnx.BitShift"};
/// Ops that only reinterpret the shape; their (static) result type says how.
static const llvm::StringSet<> kReshapes = {
    "onnx.Reshape", "onnx.Unsqueeze", "onnx.Squeeze", "onnx.Flatten"};

std::string OnnxToLinalgLowering::unsupportedReason(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (!kElementwise.contains(name) && !kOthers.contains(name) && !kReshapes.contains(name) &&
      op->getName().getDialectNamespace() != "loom")
    return "no CPU lowering for " + name.drop_front(5).str() + " yet";
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    auto ranked = dyn_cast<RankedTensorType>(t);
    if (!ranked)
      return "its operand and result types must be ranked tensors";
    Type e = ranked.getElementType();
    bool unsignedOk = e.isUnsignedInteger() && kUnsignedOk.contains(name);
    if (!isa<FloatType>(e) && !e.isSignlessInteger() && !unsignedOk) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "element type " << e << " is not supported yet";
      return text;
    }
  }
  if (kElementwise.contains(name) && !elementwiseBody(op, unsignedValues))
    return "no lowering for this element type";
  if (name == "onnx.MatMul" || name == "onnx.Gemm") {
    for (Value v : op->getOperands().take_front(2))
      if (cast<RankedTensorType>(v.getType()).getRank() < 2)
        return "one-dimensional MatMul operands are not supported yet";
  }
  if (kReshapes.contains(name) && name != "onnx.Reshape") {
    // Dynamic results: their dynamic sizes are the input's, in order, or one
    // size that the element count determines.
    auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
    auto outType = cast<RankedTensorType>(op->getResult(0).getType());
    if (!outType.hasStaticShape() && outType.getNumDynamicDims() != 1 &&
        outType.getNumDynamicDims() != inType.getNumDynamicDims())
      return name.drop_front(5).str() + " with these dynamic sizes is not supported yet";
  }
  if (name == "onnx.Dropout") {
    if (op->getNumResults() > 1 && !op->getResult(1).use_empty())
      return "Dropout's mask output is not supported yet";
    if (op->getNumOperands() > 2) {
      auto training = constantInts(op->getOperand(2));
      if (!training || (*training)[0] != 0)
        return "Dropout in training mode is not supported";
    }
  }
  if (name == "onnx.Gather" &&
      cast<RankedTensorType>(op->getOperand(1).getType()).getElementType().isInteger(1))
    return "boolean indices";
  if (name == "onnx.Split") {
    auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
    int64_t axis = axisAttr(op, inType.getRank(), 0);
    if (op->getNumOperands() < 2 && inType.isDynamicDim(axis))
      return "Split into equal parts of a dynamic dimension is not supported yet";
  }
  if (name == "onnx.TopK") {
    auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
    if (!isFloat(inType.getElementType()) && !inType.getElementType().isSignlessInteger())
      return "TopK of this element type is not supported";
    if (!cast<RankedTensorType>(op->getResult(0).getType()).hasStaticShape())
      return "TopK needs a static result shape (a constant k)";
  }
  if ((name == "onnx.ReduceL2" || name.starts_with("onnx.ReduceLog")) &&
      !isa<FloatType>(cast<RankedTensorType>(op->getOperand(0).getType()).getElementType()))
    return "this reduction needs a float input";
  if (name.starts_with("onnx.Reduce")) {
    // A run-time `axes` input of static length 0 is known to be empty.
    auto axesType = op->getNumOperands() > 1
                        ? cast<RankedTensorType>(op->getOperand(1).getType())
                        : RankedTensorType();
    bool runtimeAxes = axesType && !constantInts(op->getOperand(1)) &&
                       axesType.getDimSize(0) != 0;
    if (runtimeAxes && (name != "onnx.ReduceSum" || axesType.isDynamicDim(0) ||
                        !cast<RankedTensorType>(op->getResult(0).getType()).hasStaticShape() ||
                        !isFloat(cast<RankedTensorType>(op->getOperand(0).getType())
                                     .getElementType())))
      return "reduction axes must be constant (run-time axes: float ReduceSum with a "
             "static result only)";
  }
  return "";
}

/// MatMul as linalg.matmul or linalg.batch_matmul when the operands allow
/// it, so that the CPU lowering can hand it to loomrt's GEMM: [.., M, K] x
/// [K, N] folds the leading dimensions into M; equal static batch
/// dimensions fold into one batch. Null when neither applies (broadcast
/// batches, dynamic batch sizes), for the generic form below.
static Value lowerMatMulNamed(OpBuilder &b, Location loc, Value a, Value bm,
                              RankedTensorType resultType) {
  auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank();
  Type elem = resultType.getElementType();
  if (at.getElementType() != elem || bt.getElementType() != elem || rank < 2)
    return nullptr;
  // [d0, .., dn-1] collapsed into [d0 * .. * d(split-1), d(split), ..].
  auto collapse = [&](Value v, int64_t split) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (split <= 1)
      return v;
    SmallVector<ReassociationIndices> groups(1);
    for (int64_t i = 0; i < split; ++i)
      groups[0].push_back(i);
    for (int64_t i = split; i < t.getRank(); ++i)
      groups.push_back({i});
    return tensor::CollapseShapeOp::create(b, loc, v, groups);
  };
  auto zeroInit = [&](RankedTensorType type, ArrayRef<std::pair<Value, int64_t>> sources) {
    Value init = emptyLike(b, loc, type, sources);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
    return linalg::FillOp::create(b, loc, zero, init).getResult(0);
  };
  // Expands `flat` (leading dimensions folded at `split`) back to resultType.
  auto expand = [&](Value flat, int64_t split) -> Value {
    if (split <= 1)
      return flat;
    SmallVector<ReassociationIndices> groups(1);
    for (int64_t i = 0; i < split; ++i)
      groups[0].push_back(i);
    for (int64_t i = split; i < rank; ++i)
      groups.push_back({i});
    // Result sizes: leading and M from A, N from B.
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i)) {
        sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
        continue;
      }
      Value src = i == rank - 1 ? bm : a;
      int64_t dim = i == rank - 1 ? bt.getRank() - 1 : i - (rank - at.getRank());
      sizes.push_back(tensor::DimOp::create(b, loc, src, dim).getResult());
    }
    int64_t dynamicInGroup = 0;
    for (int64_t i = 0; i < split; ++i)
      dynamicInGroup += resultType.isDynamicDim(i);
    if (dynamicInGroup > 1) {
      SmallVector<Value> outSizes;
      for (OpFoldResult size : sizes)
        outSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
      return reshapeByCopy(b, loc, flat, resultType, outSizes);
    }
    return tensor::ExpandShapeOp::create(b, loc, resultType, flat, groups, sizes);
  };
  if (bt.getRank() == 2 && at.getRank() == rank) {
    Value flatA = collapse(a, rank - 1);
    auto flatAType = cast<RankedTensorType>(flatA.getType());
    auto flatType = RankedTensorType::get({flatAType.getDimSize(0), bt.getDimSize(1)}, elem);
    Value init = zeroInit(flatType, {{flatA, 0}, {bm, 1}});
    Value product =
        linalg::MatmulOp::create(b, loc, TypeRange{flatType}, ValueRange{flatA, bm},
                                 ValueRange{init})
            .getResult(0);
    return expand(product, rank - 1);
  }
  if (rank >= 3 && at.getRank() == rank && bt.getRank() == rank) {
    for (int64_t i = 0; i < rank - 2; ++i)
      if (at.isDynamicDim(i) || at.getDimSize(i) != bt.getDimSize(i))
        return nullptr;
    Value flatA = collapse(a, rank - 2), flatB = collapse(bm, rank - 2);
    auto fa = cast<RankedTensorType>(flatA.getType());
    auto fb = cast<RankedTensorType>(flatB.getType());
    auto flatType =
        RankedTensorType::get({fa.getDimSize(0), fa.getDimSize(1), fb.getDimSize(2)}, elem);
    Value init = zeroInit(flatType, {{flatA, 0}, {flatA, 1}, {flatB, 2}});
    Value product =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{flatType}, ValueRange{flatA, flatB},
                                      ValueRange{init})
            .getResult(0);
    return expand(product, rank - 2);
  }
  return nullptr;
}

/// ReduceSum whose axes are only known at run time. Each output element
/// sums the input elements that agree with it on the kept dimensions: a
/// loop over the product of the reduced sizes, whose counter is split into
/// coordinates of the reduced dimensions only. Without keepdims, output
/// coordinate k belongs to the k-th kept input dimension, also decided at
/// run time. Coordinates are clamped into the input, so an output type that
/// disagrees with the axes cannot read out of bounds.
Value OnnxToLinalgLowering::lowerReduceSumRuntimeAxes(Operation *op,
                                                      RankedTensorType resultType) {
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
  Type elem = resultType.getElementType();
  // The result type is static (unsupportedReason checks it).
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
Value OnnxToLinalgLowering::lowerTopK(Operation *op) {
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
  int64_t k = valuesType.getDimSize(axis);

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
  int64_t rows = 1;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      rows *= inType.getDimSize(d);
  int64_t n = inType.getDimSize(axis);
  SmallVector<ReassociationIndices> toRows(2);
  for (int64_t d = 0; d + 1 < rank; ++d)
    toRows[0].push_back(d);
  toRows[1].push_back(rank - 1);
  auto flatType = [&](Type e, int64_t cols) { return RankedTensorType::get({rows, cols}, e); };
  if (rank == 1) {
    x = tensor::ExpandShapeOp::create(b, loc, flatType(elem, n), x,
                                      SmallVector<ReassociationIndices>{{0, 1}});
  } else if (rank > 2) {
    x = tensor::CollapseShapeOp::create(b, loc, x, toRows);
  }

  auto cIndex = [&](OpBuilder &nb, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(nb, loc, v);
  };
  Value values = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, k}, elem);
  Value indices = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{rows, k}, b.getI64Type());
  // (a, ia) comes before (v, iv) with ia < iv: a is better or equal.
  auto before = [&](OpBuilder &nb, Value a, Value v) -> Value {
    if (f)
      return arith::CmpFOp::create(nb, loc, largest ? arith::CmpFPredicate::OGE
                                                     : arith::CmpFPredicate::OLE, a, v);
    return arith::CmpIOp::create(nb, loc, largest ? arith::CmpIPredicate::sge
                                                   : arith::CmpIPredicate::sle, a, v);
  };
  auto outer = scf::ForOp::create(
      b, loc, cIndex(b, 0), cIndex(b, rows), cIndex(b, 1), ValueRange{values, indices},
      [&](OpBuilder &ob, Location, Value row, ValueRange rowArgs) {
        auto scan = scf::ForOp::create(
            ob, loc, cIndex(ob, 0), cIndex(ob, n), cIndex(ob, 1),
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
                                                 cIndex(sb, k));
              auto insert = scf::IfOp::create(
                  sb, loc, fits,
                  [&](OpBuilder &tb, Location) {
                    // Shift entries [pos, last) one place right; drop the k-th.
                    Value last = arith::MinSIOp::create(tb, loc, filled, cIndex(tb, k - 1));
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
                        cIndex(tb, k));
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
    else if (rank > 2)
      v = tensor::ExpandShapeOp::create(b, loc, permutedType, flat, toRows);
    if (axis == rank - 1)
      return v;
    SmallVector<int64_t> inverse(rank);
    for (int64_t d = 0; d < rank; ++d)
      inverse[perm[d]] = d;
    Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                         resultType.getElementType());
    return linalg::TransposeOp::create(b, loc, v, init, inverse).getResult()[0];
  };
  op->getResult(1).replaceAllUsesWith(restore(outer.getResult(1), indicesType));
  return restore(outer.getResult(0), valuesType);
}

Value OnnxToLinalgLowering::lowerMatMul(Location loc, Value a, Value bm,
                                        RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  if (Value named = lowerMatMulNamed(b, loc, a, bm, resultType))
    return named;
  auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank(); // batch..., M, N
  int64_t loops = rank + 1;            // + K
  AffineExpr m = getAffineDimExpr(rank - 2, ctx), n = getAffineDimExpr(rank - 1, ctx),
             k = getAffineDimExpr(rank, ctx);
  auto operandMap = [&](RankedTensorType t, AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    int64_t batch = t.getRank() - 2, offset = (rank - 2) - batch;
    for (int64_t i = 0; i < batch; ++i)
      exprs.push_back(t.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(offset + i, ctx));
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {operandMap(at, m, k), operandMap(bt, k, n),
                                 AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<std::pair<Value, int64_t>> sources(rank);
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t ai = i - ((rank - 2) - (at.getRank() - 2));
    int64_t bi = i - ((rank - 2) - (bt.getRank() - 2));
    if (ai >= 0 && at.isDynamicDim(ai))
      sources[i] = {a, ai};
    else if (bi >= 0)
      sources[i] = {bm, bi};
  }
  sources[rank - 2] = {a, at.getRank() - 2};
  sources[rank - 1] = {bm, bt.getRank() - 1};
  Type elem = resultType.getElementType();
  Value init = emptyLike(b, loc, resultType, sources);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  bool f = isFloat(elem);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{a, bm}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value prod = f ? Value(arith::MulFOp::create(nb, nloc, args[0], args[1]))
                              : Value(arith::MulIOp::create(nb, nloc, args[0], args[1]));
               Value sum = f ? Value(arith::AddFOp::create(nb, nloc, args[2], prod))
                             : Value(arith::AddIOp::create(nb, nloc, args[2], prod));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

/// Reduction over `axes` (ONNX semantics: all axes when none are given).
/// `kind` picks the combiner; Mean divides by the reduced element count.
Value OnnxToLinalgLowering::lowerReduce(Operation *op, RankedTensorType resultType) {
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

/// loom.attention becomes a call to loomrt's fused kernel (one pass over K/V
/// per query row, online softmax; lib/Runtime/Kernels/Attention.cpp). The
/// operands are handed over as buffers of any layout (K/V are often views of
/// the KV cache: no copy), the result is a fresh buffer.
FailureOr<Value> OnnxToLinalgLowering::lowerAttention(loom::AttentionOp op) {
  Location loc = op.getLoc();
  auto resultType = op.getResult().getType();
  if (!resultType.getElementType().isF32()) {
    op.emitError() << "loom.attention is lowered for f32 only, got "
                   << resultType.getElementType();
    return failure();
  }
  MLIRContext *ctx = op.getContext();
  auto anyLayout = [&](RankedTensorType t) {
    SmallVector<int64_t> strides(t.getRank(), ShapedType::kDynamic);
    return MemRefType::get(t.getShape(), t.getElementType(),
                           StridedLayoutAttr::get(ctx, ShapedType::kDynamic, strides));
  };
  auto buffer = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    Value m = bufferization::ToBufferOp::create(b, loc, anyLayout(type), tensor,
                                                /*read_only=*/true);
    // The kernel takes fully dynamic [?, ?, ?, ?] views.
    auto dynamic = RankedTensorType::get(SmallVector<int64_t>(type.getRank(), ShapedType::kDynamic),
                                         type.getElementType());
    return memref::CastOp::create(b, loc, anyLayout(dynamic), m);
  };
  SmallVector<Value> args = {buffer(op.getQuery()), buffer(op.getKey()), buffer(op.getValue())};
  if (Value mask = op.getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (!maskType.getElementType().isF32()) {
      op.emitError() << "loom.attention's lowering takes an additive f32 mask, got "
                     << maskType.getElementType();
      return failure();
    }
    if (maskType.getRank() == 2) {
      // [q, kv] -> [1, 1, q, kv]
      auto expanded = RankedTensorType::get(
          {1, 1, maskType.getDimSize(0), maskType.getDimSize(1)}, maskType.getElementType());
      SmallVector<OpFoldResult> shape = {b.getIndexAttr(1), b.getIndexAttr(1)};
      for (int64_t d = 0; d < 2; ++d)
        shape.push_back(maskType.isDynamicDim(d)
                            ? OpFoldResult(tensor::DimOp::create(b, loc, mask, d).getResult())
                            : OpFoldResult(b.getIndexAttr(maskType.getDimSize(d))));
      mask = tensor::ExpandShapeOp::create(b, loc, expanded, mask,
                                           SmallVector<ReassociationIndices>{{0, 1, 2}, {3}},
                                           shape);
    }
    args.push_back(buffer(mask));
  }
  // The result: [batch, q_heads, q_len, v_head_dim].
  SmallVector<Value> dynamicSizes;
  Value sources[4] = {op.getQuery(), op.getQuery(), op.getQuery(), op.getValue()};
  for (int64_t d = 0; d < 4; ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, sources[d], d));
  auto outType = MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value out = memref::AllocOp::create(b, loc, outType, dynamicSizes);
  auto dynamicOut = RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic,
                                           ShapedType::kDynamic, ShapedType::kDynamic},
                                          resultType.getElementType());
  args.push_back(memref::CastOp::create(b, loc, anyLayout(dynamicOut), out));
  double scale = op.getEffectiveScale();
  if (scale == 0.0) {
    op.emitError("loom.attention needs a scale attribute or a static head_dim");
    return failure();
  }
  args.push_back(arith::ConstantOp::create(b, loc, b.getF32FloatAttr(float(scale))));
  args.push_back(arith::ConstantOp::create(b, loc, b.getBoolAttr(op.getCausal())));
  float softcap = op.getSoftcapAttr() ? float(op.getSoftcapAttr().getValueAsDouble()) : 0.0f;
  args.push_back(arith::ConstantOp::create(b, loc, b.getF32FloatAttr(softcap)));

  // Declared by loom-declare-runtime-kernels (a function pass must not add
  // symbols to the module).
  auto module = op->getParentOfType<ModuleOp>();
  StringRef name = op.getMask() ? "loomrt_attention_masked_f32" : "loomrt_attention_f32";
  auto callee = module.lookupSymbol<func::FuncOp>(name);
  if (!callee || TypeRange(callee.getFunctionType().getInputs()) != TypeRange(ValueRange(args))) {
    op.emitError() << "loomrt's @" << name
                   << " is not declared as expected: run loom-declare-runtime-kernels "
                      "first (the CPU pipeline does)";
    return failure();
  }
  func::CallOp::create(b, loc, callee, args);
  return Value(bufferization::ToTensorOp::create(b, loc, resultType, out, /*restrict=*/true,
                                                 /*writable=*/true));
}

/// loom.rms_norm: one reduction (the sum of squares per row) and one
/// elementwise pass x * 1/sqrt(sum / n + eps) * weight.
Value OnnxToLinalgLowering::lowerRMSNorm(loom::RMSNormOp op) {
  Location loc = op.getLoc();
  Value in = op.getInput();
  auto type = op.getResult().getType();
  int64_t rank = type.getRank(), axis = rank - 1;
  Type elem = type.getElementType();
  MLIRContext *ctx = b.getContext();
  RowSpace rows = rowSpaceWithout(in, axis);
  auto rowType = RankedTensorType::get(rows.shape, elem);
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap rowMap = AffineMap::get(rank, 0, rows.exprs, ctx);
  AffineMap lastMap = AffineMap::get(rank, 0, {getAffineDimExpr(axis, ctx)}, ctx);
  SmallVector<utils::IteratorType> reduce(rank, utils::IteratorType::parallel);
  reduce[axis] = utils::IteratorType::reduction;
  Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(elem, 0.0));
  Value init = linalg::FillOp::create(b, loc, zero, emptyLike(b, loc, rowType, rows.sources))
                   .getResult(0);
  Value sumSquares =
      linalg::GenericOp::create(
          b, loc, TypeRange{rowType}, ValueRange{in}, ValueRange{init},
          SmallVector<AffineMap>{id, rowMap}, reduce,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, a[1], arith::MulFOp::create(nb, nloc, a[0], a[0]))
                    .getResult());
          })
          .getResult(0);
  Value count = arith::SIToFPOp::create(
      b, loc, elem,
      arith::IndexCastOp::create(b, loc, b.getI64Type(), tensor::DimOp::create(b, loc, in, axis)));
  SmallVector<std::pair<Value, int64_t>> outSources;
  for (int64_t i = 0; i < rank; ++i)
    outSources.push_back({in, i});
  double eps = op.getEpsilon().convertToDouble();
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{in, sumSquares, op.getWeight()},
             ValueRange{emptyLike(b, loc, type, outSources)},
             SmallVector<AffineMap>{id, rowMap, lastMap, id}, parallel,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value meanSquare = arith::DivFOp::create(nb, nloc, a[1], count);
               Value epsilon = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, eps));
               Value inv = reciprocalSqrt(nb, nloc, arith::AddFOp::create(nb, nloc, meanSquare, epsilon));
               Value y = arith::MulFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, a[0], inv), a[2]);
               linalg::YieldOp::create(nb, nloc, y);
             })
      .getResult(0);
}

/// loom.rotary: one elementwise pass; each output element reads its partner
/// (i +- d/2, or i xor 1 for pairs) from the input with tensor.extract, and
/// cos/sin through broadcasting maps (index floordiv 2 for pairs).
Value OnnxToLinalgLowering::lowerRotary(loom::RotaryOp op) {
  Location loc = op.getLoc();
  Value in = op.getInput();
  auto inType = op.getInput().getType();
  auto resultType = RankedTensorType::get(inType.getShape(), inType.getElementType());
  int64_t rank = inType.getRank(), last = rank - 1;
  MLIRContext *ctx = b.getContext();
  bool pairs = op.getPairs();
  auto angleType = op.getCos().getType();
  int64_t offset = rank - angleType.getRank();
  SmallVector<AffineExpr> angleExprs;
  for (int64_t j = 0; j < angleType.getRank(); ++j) {
    int64_t d = offset + j;
    if (angleType.getDimSize(j) == 1 && inType.getDimSize(d) != 1)
      angleExprs.push_back(getAffineConstantExpr(0, ctx));
    else if (d == last && pairs)
      angleExprs.push_back(getAffineDimExpr(d, ctx).floorDiv(2));
    else
      angleExprs.push_back(getAffineDimExpr(d, ctx));
  }
  AffineMap id = AffineMap::getMultiDimIdentityMap(rank, ctx);
  AffineMap angleMap = AffineMap::get(rank, 0, angleExprs, ctx);
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t i = 0; i < rank; ++i)
    sources.push_back({in, i});
  Value size = tensor::DimOp::create(b, loc, in, last);
  Value halfSize = arith::DivUIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 2));
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  Value result =
      linalg::GenericOp::create(
          b, loc, TypeRange{resultType}, ValueRange{in, op.getCos(), op.getSin()},
          ValueRange{emptyLike(b, loc, resultType, sources)},
          SmallVector<AffineMap>{id, angleMap, angleMap, id}, parallel,
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            SmallVector<Value> index;
            for (int64_t i = 0; i < rank; ++i)
              index.push_back(linalg::IndexOp::create(nb, nloc, i));
            Value i = index[last], partner, first;
            if (pairs) {
              Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
              partner = arith::XOrIOp::create(nb, nloc, i, one);
              first = arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::eq, arith::AndIOp::create(nb, nloc, i, one),
                  arith::ConstantIndexOp::create(nb, nloc, 0));
            } else {
              first = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult, i, halfSize);
              partner = arith::SelectOp::create(nb, nloc, first,
                                                arith::AddIOp::create(nb, nloc, i, halfSize),
                                                arith::SubIOp::create(nb, nloc, i, halfSize));
            }
            index[last] = partner;
            Value other = tensor::ExtractOp::create(nb, nloc, in, index);
            // First of a pair: x c - x' s; second: x c + x' s.
            Value xc = arith::MulFOp::create(nb, nloc, a[0], a[1]);
            Value os = arith::MulFOp::create(nb, nloc, other, a[2]);
            Value y = arith::SelectOp::create(nb, nloc, first,
                                              arith::SubFOp::create(nb, nloc, xc, os),
                                              arith::AddFOp::create(nb, nloc, xc, os));
            linalg::YieldOp::create(nb, nloc, y);
          })
          .getResult(0);
  if (result.getType() != op.getResult().getType())
    result = tensor::CastOp::create(b, loc, op.getResult().getType(), result);
  return result;
}

/// loom.softmax over the last axis of an f32 tensor becomes a call to
/// loomrt's row kernel (lib/Runtime/Kernels/Softmax.cpp), where each
/// algorithm keeps its partial state in vector lanes: the (value, state)
/// reductions of the two-pass and online algorithms do not vectorize as
/// linalg reductions. The rows are the other axes collapsed; the output is a
/// fresh contiguous buffer seen as [rows, cols]. Returns null (the generic
/// lowering applies) for other axes and types, or when
/// loom-declare-runtime-kernels has not declared the kernel; fails when the
/// module declares it with another signature.
FailureOr<Value> OnnxToLinalgLowering::callSoftmaxKernel(loom::SoftmaxOp op,
                                                         RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  Value in = op.getInput();
  if (rank == 0 || !resultType.getElementType().isF32() || in.getType() != resultType ||
      axisAttr(op, rank, -1) != rank - 1)
    return Value(); // not applicable: the generic lowering
  auto module = op->getParentOfType<ModuleOp>();
  auto callee = module.lookupSymbol<func::FuncOp>("loomrt_softmax_f32");
  if (!callee)
    return Value(); // not applicable: the generic lowering
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto view2d = [&](ArrayRef<int64_t> shape) {
    return MemRefType::get(shape, b.getF32Type(),
                           StridedLayoutAttr::get(ctx, ShapedType::kDynamic,
                                                  {ShapedType::kDynamic, ShapedType::kDynamic}));
  };
  const int64_t dyn = ShapedType::kDynamic;
  // [d0, ..., dn-1] -> [d0 * ... * dn-2, dn-1]; a vector is one row. The
  // same regrouping views the input tensor and the output buffer.
  SmallVector<ReassociationIndices> groups;
  if (rank == 1) {
    groups.push_back({0, 1});
  } else if (rank > 2) {
    ReassociationIndices leading;
    for (int64_t i = 0; i + 1 < rank; ++i)
      leading.push_back(i);
    groups = {leading, {rank - 1}};
  }
  SmallVector<OpFoldResult> vectorAsRow;
  if (rank == 1)
    vectorAsRow = {b.getIndexAttr(1), tensor::getMixedSize(b, loc, in, 0)};
  Value rows = in;
  if (rank == 1)
    rows = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, resultType.getDimSize(0)}, b.getF32Type()), in,
        groups, vectorAsRow);
  else if (rank > 2)
    rows = tensor::CollapseShapeOp::create(b, loc, in, groups);
  auto rowsType = cast<RankedTensorType>(rows.getType());
  Value inView = bufferization::ToBufferOp::create(b, loc, view2d(rowsType.getShape()), rows,
                                                   /*read_only=*/true);
  // The output: allocated in the result's shape (contiguous, so collapsible).
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, in, d));
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultType.getShape(), b.getF32Type()), dynamicSizes);
  Value outRows = out;
  if (rank == 1)
    outRows = memref::ExpandShapeOp::create(
        b, loc, MemRefType::get(rowsType.getShape(), b.getF32Type()), out, groups, vectorAsRow);
  else if (rank > 2)
    outRows = memref::CollapseShapeOp::create(b, loc, out, groups);
  SmallVector<Value> args = {
      memref::CastOp::create(b, loc, view2d({dyn, dyn}), inView),
      memref::CastOp::create(b, loc, view2d({dyn, dyn}), outRows),
      arith::ConstantOp::create(b, loc,
                                b.getI32IntegerAttr(static_cast<int32_t>(op.getAlgorithm())))};
  if (TypeRange(callee.getFunctionType().getInputs()) != TypeRange(ValueRange(args))) {
    op.emitError("loomrt's @loomrt_softmax_f32 is declared with an unexpected type");
    return failure();
  }
  func::CallOp::create(b, loc, callee, args);
  return Value(bufferization::ToTensorOp::create(b, loc, resultType, out, /*restrict=*/true,
                                                 /*writable=*/true));
}

/// Three passes over the axis: maximum, sum of exp(x - max), normalize.
Value OnnxToLinalgLowering::lowerSoftmax(Operation *op, RankedTensorType resultType,
                                         bool logarithm, loom::SoftmaxAlgorithm algorithm) {
  Location loc = op->getLoc();
  MLIRContext *ctx = b.getContext();
  Value in = op->getOperand(0);
  int64_t rank = resultType.getRank();
  int64_t axis = axisAttr(op, rank, -1);
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
  if (!logarithm && algorithm == loom::SoftmaxAlgorithm::online) {
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
  if (!logarithm && algorithm == loom::SoftmaxAlgorithm::two_pass && elem.isF32()) {
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

FailureOr<Value> OnnxToLinalgLowering::lower(Operation *op) {
  Location loc = op->getLoc();
  StringRef name = op->getName().getStringRef();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  b.setInsertionPoint(op);

  if (kElementwise.contains(name)) {
    ScalarFn body = *elementwiseBody(op, unsignedValues);
    return buildElementwise(b, loc, resultType, op->getOperands(), body);
  }
  if (name == "onnx.Constant") {
    auto value = dyn_cast_or_null<TypedAttr>(op->getAttr("value"));
    if (!value || value.getType() != resultType)
      return failure();
    return Value(arith::ConstantOp::create(b, loc, value));
  }
  if (name == "onnx.Identity")
    return op->getOperand(0);
  if (name == "onnx.Cast") {
    Type to = resultType.getElementType();
    bool fromU = unsignedValues.contains(op->getOperand(0));
    bool toU = unsignedValues.contains(op->getResult(0));
    return buildElementwise(b, loc, resultType, op->getOperands(),
                            [=](OpBuilder &nb, Location nloc, ValueRange a) {
                              return castScalar(nb, nloc, a[0], to, fromU, toU);
                            });
  }
  if (name == "onnx.MatMul")
    return lowerMatMul(loc, op->getOperand(0), op->getOperand(1), resultType);
  if (name == "onnx.Gemm") {
    // alpha * op(A) × op(B) + beta * C; transA/transB transpose first.
    auto transposed = [&](Value m) -> Value {
      auto mt = cast<RankedTensorType>(m.getType());
      auto tt = RankedTensorType::get({mt.getDimSize(1), mt.getDimSize(0)}, mt.getElementType());
      Value init = emptyLike(b, loc, tt, {{m, 1}, {m, 0}});
      return linalg::TransposeOp::create(b, loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
    };
    Value am = op->getOperand(0), bm = op->getOperand(1);
    if (intAttr(op, "transA").value_or(0))
      am = transposed(am);
    if (intAttr(op, "transB").value_or(0))
      bm = transposed(bm);
    Value y = lowerMatMul(loc, am, bm, resultType);
    double alpha = 1.0, beta = 1.0;
    if (auto a = op->getAttrOfType<FloatAttr>("alpha"))
      alpha = a.getValueAsDouble();
    if (auto a = op->getAttrOfType<FloatAttr>("beta"))
      beta = a.getValueAsDouble();
    Type elem = resultType.getElementType();
    SmallVector<Value> ins = {y};
    if (op->getNumOperands() > 2)
      ins.push_back(op->getOperand(2));
    bool hasC = ins.size() > 1;
    return buildElementwise(b, loc, resultType, ins,
                            [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                              Value r = a[0];
                              if (alpha != 1.0)
                                r = arith::MulFOp::create(nb, nloc, r,
                                    arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, alpha)));
                              if (!hasC)
                                return r;
                              Value c = a[1];
                              if (beta != 1.0)
                                c = arith::MulFOp::create(nb, nloc, c,
                                    arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, beta)));
                              return arith::AddFOp::create(nb, nloc, r, c);
                            });
  }
  if (name == "onnx.Softmax" || name == "onnx.LogSoftmax")
    return lowerSoftmax(op, resultType, name == "onnx.LogSoftmax");
  if (auto softmax = dyn_cast<loom::SoftmaxOp>(op)) {
    FailureOr<Value> called = callSoftmaxKernel(softmax, resultType);
    if (failed(called))
      return failure();
    if (*called)
      return *called;
    return lowerSoftmax(op, resultType, /*logarithm=*/false, softmax.getAlgorithm());
  }
  if (auto attention = dyn_cast<loom::AttentionOp>(op))
    return lowerAttention(attention);
  if (auto norm = dyn_cast<loom::RMSNormOp>(op))
    return lowerRMSNorm(norm);
  if (auto rotary = dyn_cast<loom::RotaryOp>(op))
    return lowerRotary(rotary);
  if (auto gelu = dyn_cast<loom::GeluOp>(op)) {
    bool tanh = gelu.getApproximation() == loom::GeluApproximation::tanh;
    return buildElementwise(
        b, loc, resultType, ValueRange{gelu.getInput()},
        [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
          Type t = a[0].getType();
          auto c = [&](double v) -> Value {
            return arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(t, v));
          };
          Value x = a[0], inner;
          if (tanh) { // tanh(sqrt(2/pi) (x + 0.044715 x^3))
            Value x3 = arith::MulFOp::create(nb, nloc, arith::MulFOp::create(nb, nloc, x, x), x);
            Value sum = arith::AddFOp::create(nb, nloc, x,
                                              arith::MulFOp::create(nb, nloc, c(0.044715), x3));
            inner = math::TanhOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, c(0.7978845608028654), sum));
          } else { // erf(x / sqrt(2))
            inner = math::ErfOp::create(
                nb, nloc, arith::MulFOp::create(nb, nloc, x, c(0.7071067811865476)));
          }
          Value half = arith::MulFOp::create(nb, nloc, c(0.5), x);
          return arith::MulFOp::create(nb, nloc, half,
                                       arith::AddFOp::create(nb, nloc, c(1.0), inner));
        });
  }
  if (auto silu = dyn_cast<loom::SiluOp>(op))
    return buildElementwise(b, loc, resultType, ValueRange{silu.getInput()},
                            [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                              // x / (1 + exp(-x)): -0 for very negative x, no NaN.
                              Type t = a[0].getType();
                              Value one = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(t, 1.0));
                              Value e = math::ExpOp::create(nb, nloc, arith::NegFOp::create(nb, nloc, a[0]));
                              return arith::DivFOp::create(nb, nloc, a[0],
                                                           arith::AddFOp::create(nb, nloc, one, e));
                            });
  if (name == "onnx.Dropout")
    return op->getOperand(0); // inference: the identity
  if (name == "onnx.Shape") {
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
  if (name == "onnx.Expand") {
    // Broadcast to the result; a dynamic result size comes from the shape
    // operand (or from the input where it is not 1).
    Value in = op->getOperand(0), shape = op->getOperand(1);
    auto inType = cast<RankedTensorType>(in.getType());
    int64_t rank = resultType.getRank(), offset = rank - inType.getRank();
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i))
        continue;
      Value fromShape = arith::IndexCastOp::create(
          b, loc, b.getIndexType(),
          tensor::ExtractOp::create(b, loc, shape,
                                    ValueRange{arith::ConstantIndexOp::create(b, loc, i)}));
      if (i >= offset && inType.getDimSize(i - offset) != 1) {
        // max(shape[i], input dim): the one that is not 1 wins.
        Value fromInput = tensor::DimOp::create(b, loc, in, i - offset);
        fromShape = arith::MaxSIOp::create(b, loc, fromShape, fromInput);
      }
      dyn.push_back(fromShape);
    }
    Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                         resultType.getElementType(), dyn);
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
  if (name == "onnx.Size") {
    Value in = op->getOperand(0);
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t i = 0; i < cast<RankedTensorType>(in.getType()).getRank(); ++i)
      count = arith::MulIOp::create(b, loc, count, tensor::DimOp::create(b, loc, in, i));
    Value n = arith::IndexCastOp::create(b, loc, resultType.getElementType(), count);
    return Value(tensor::FromElementsOp::create(b, loc, resultType, ValueRange{n}));
  }
  if (name == "onnx.Range") {
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
  if (name == "onnx.ArgMax" || name == "onnx.ArgMin") {
    // A reduction carrying (best value, its index); ties keep the first
    // index unless select_last_index.
    Value in = op->getOperand(0);
    auto inType = cast<RankedTensorType>(in.getType());
    int64_t rank = inType.getRank();
    int64_t axis = axisAttr(op, rank, 0);
    bool keep = intAttr(op, "keepdims").value_or(1) != 0;
    bool last = intAttr(op, "select_last_index").value_or(0) != 0;
    bool isMax = name == "onnx.ArgMax";
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
    Value result = generic.getResult(1);
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
  if (name == "onnx.LayerNormalization" || isa<loom::LayerNormOp>(op)) {
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
  if (name == "onnx.CastLike") {
    Type to = resultType.getElementType();
    return buildElementwise(b, loc, resultType, op->getOperand(0),
                            [to](OpBuilder &nb, Location nloc, ValueRange a) {
                              return castScalar(nb, nloc, a[0], to);
                            });
  }
  if (name == "onnx.Clip") {
    // Optional scalar bounds; absent ones do not clip.
    SmallVector<Value> ins = {op->getOperand(0)};
    auto clip = cast<loom::onnx::ClipOp>(op);
    bool hasMin = bool(clip.getMin()), hasMax = bool(clip.getMax());
    if (hasMin)
      ins.push_back(clip.getMin());
    if (hasMax)
      ins.push_back(clip.getMax());
    bool f = isFloat(resultType.getElementType());
    return buildElementwise(b, loc, resultType, ins,
                            [=](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                              Value r = a[0];
                              if (hasMin)
                                r = f ? Value(arith::MaximumFOp::create(nb, nloc, r, a[1]))
                                      : Value(arith::MaxSIOp::create(nb, nloc, r, a[1]));
                              if (hasMax) {
                                Value hi = a[hasMin ? 2 : 1];
                                r = f ? Value(arith::MinimumFOp::create(nb, nloc, r, hi))
                                      : Value(arith::MinSIOp::create(nb, nloc, r, hi));
                              }
                              return r;
                            });
  }
  if (name == "onnx.ConstantOfShape") {
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
  if (name == "onnx.Trilu") {
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
  if (name == "onnx.Concat") {
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
    SmallVector<Value> dyn;
    for (int64_t i = 0; i < rank; ++i)
      if (resultType.isDynamicDim(i))
        dyn.push_back(i == axis ? total : Value(tensor::DimOp::create(b, loc, inputs[0], i)));
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
  if (name == "onnx.Gather") {
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
  if (name == "onnx.Slice") {
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
    for (int64_t j = 0; j < count; ++j) {
      Value axis = slice.getAxes() ? extractI64(b, loc, slice.getAxes(), j) : c(j);
      axis = select(cmp(arith::CmpIPredicate::slt, axis, c(0)),
                    arith::AddIOp::create(b, loc, axis, c(rank)), axis);
      Value st = slice.getSteps() ? extractI64(b, loc, slice.getSteps(), j) : c(1);
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
      for (int64_t d = 0; d < rank; ++d) {
        Value here = cmp(arith::CmpIPredicate::eq, axis, c(d));
        first[d] = select(here, sv, first[d]);
        step[d] = select(here, st, step[d]);
        size[d] = select(here, n, size[d]);
      }
    }
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamicSizes.push_back(toIndex(b, loc, size[d]));
    SmallVector<Value> firstIndex, stepIndex;
    for (int64_t d = 0; d < rank; ++d) {
      firstIndex.push_back(toIndex(b, loc, first[d]));
      stepIndex.push_back(toIndex(b, loc, step[d]));
    }
    return buildElementwise(
        b, loc, resultType, ValueRange{},
        [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
          SmallVector<Value> coords;
          for (int64_t i = 0; i < rank; ++i) {
            Value iv = linalg::IndexOp::create(nb, nloc, i);
            coords.push_back(arith::AddIOp::create(
                nb, nloc, arith::MulIOp::create(nb, nloc, iv, stepIndex[i]), firstIndex[i]));
          }
          return tensor::ExtractOp::create(nb, nloc, data, coords);
        },
        dynamicSizes);
  }
  if (name == "onnx.TopK")
    return lowerTopK(op);
  if (name == "onnx.GatherElements") {
    // out[i] = data[i with i[axis] replaced by indices[i]] (negative indices
    // count from the end of the axis).
    Value data = op->getOperand(0), indices = op->getOperand(1);
    int64_t rank = resultType.getRank();
    int64_t axis = axisAttr(op, rank, 0);
    Value dim = tensor::DimOp::create(b, loc, data, axis);
    return buildElementwise(b, loc, resultType, ValueRange{indices},
                            [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                              Value idx = wrapIndex(
                                  nb, nloc, arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), a[0]),
                                  dim);
                              SmallVector<Value> coords;
                              for (int64_t d = 0; d < rank; ++d)
                                coords.push_back(d == axis ? idx
                                                           : linalg::IndexOp::create(nb, nloc, d).getResult());
                              return tensor::ExtractOp::create(nb, nloc, data, coords);
                            });
  }
  if (name == "onnx.Split") {
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
      op->getResult(i).replaceAllUsesWith(results[i]);
    return results[0];
  }
  if (name == "onnx.ReduceSum" && op->getNumOperands() > 1 &&
      !constantInts(op->getOperand(1)) &&
      cast<RankedTensorType>(op->getOperand(1).getType()).getDimSize(0) != 0)
    return lowerReduceSumRuntimeAxes(op, resultType);
  if (name.starts_with("onnx.Reduce"))
    return lowerReduce(op, resultType);
  if (name == "onnx.Transpose") {
    Value in = op->getOperand(0);
    int64_t rank = resultType.getRank();
    SmallVector<int64_t> perm;
    if (auto attr = op->getAttrOfType<ArrayAttr>("perm"))
      for (Attribute a : attr)
        perm.push_back(cast<IntegerAttr>(a).getInt());
    else
      for (int64_t i = rank - 1; i >= 0; --i)
        perm.push_back(i);
    SmallVector<std::pair<Value, int64_t>> sources;
    for (int64_t p : perm)
      sources.push_back({in, p});
    Value init = emptyLike(b, loc, resultType, sources);
    return linalg::TransposeOp::create(b, loc, in, init, perm).getResult()[0];
  }
  if (kReshapes.contains(name)) {
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
    if (name == "onnx.Reshape" && !resultType.hasStaticShape()) {
      // The shape operand at run time: 0 copies the input's size (unless
      // allowzero), -1 takes what the other sizes leave.
      bool allowZero = intAttr(op, "allowzero").value_or(0) != 0;
      Value total = c(1);
      for (int64_t d = 0; d < inType.getRank(); ++d)
        total = arith::MulIOp::create(b, loc, total, inDim(d));
      Value known = c(1);
      for (int64_t i = 0; i < rank; ++i) {
        Value v = extractI64(b, loc, op->getOperand(1), i);
        if (!allowZero && i < inType.getRank())
          v = arith::SelectOp::create(
              b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c(0)), inDim(i), v);
        sizes[i] = v;
        Value isInferred = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v, c(-1));
        known = arith::MulIOp::create(b, loc, known,
                                      arith::SelectOp::create(b, loc, isInferred, c(1), v));
      }
      Value inferred = arith::DivSIOp::create(b, loc, total, arith::MaxSIOp::create(b, loc, known, c(1)));
      for (int64_t i = 0; i < rank; ++i)
        sizes[i] = arith::SelectOp::create(
            b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, sizes[i], c(-1)),
            inferred, sizes[i]);
    } else if (resultType.getNumDynamicDims() == inType.getNumDynamicDims()) {
      // (Un)squeeze and friends keep the order of the dynamic sizes.
      int64_t next = 0;
      for (int64_t i = 0; i < rank; ++i) {
        if (!resultType.isDynamicDim(i))
          continue;
        while (!inType.isDynamicDim(next))
          ++next;
        sizes[i] = inDim(next++);
      }
    } else if (resultType.getNumDynamicDims() == 1) {
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
    return Value(tensor::ReshapeOp::create(b, loc, resultType, in, shape));
  }
  return failure();
}

/// `type` with an unsigned integer element type made signless.
static Type signless(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.getElementType().isUnsignedInteger())
    return type;
  return ranked.clone(IntegerType::get(type.getContext(),
                                       ranked.getElementType().getIntOrFloatBitWidth()));
}

LogicalResult OnnxToLinalgLowering::run() {
  func.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (signless(v.getType()) != v.getType())
        unsignedValues.insert(v);
  });
  for (BlockArgument arg : func.getArguments())
    if (signless(arg.getType()) != arg.getType())
      unsignedValues.insert(arg);
  SmallVector<Operation *> ops;
  bool ok = true;
  func.walk([&](Operation *op) {
    StringRef dialect = op->getName().getDialectNamespace();
    if (dialect != "onnx" && dialect != "loom")
      return;
    std::string reason = unsupportedReason(op);
    if (!reason.empty()) {
      op->emitError() << describeNode(op) << ": " << reason;
      ok = false;
      return;
    }
    ops.push_back(op);
  });
  if (!ok)
    return failure();
  if (!unsignedValues.empty()) {
    // Signless from here on; constants reinterpret their bits.
    for (Value v : unsignedValues)
      v.setType(signless(v.getType()));
    func.walk([&](Operation *op) {
      auto value = op->getAttrOfType<ElementsAttr>("value");
      if (!value || op->getNumResults() != 1 || value.getType() == op->getResult(0).getType())
        return;
      auto type = cast<ShapedType>(op->getResult(0).getType());
      if (auto dense = dyn_cast<DenseElementsAttr>(value))
        op->setAttr("value", dense.bitcast(type.getElementType()));
      else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
        op->setAttr("value", DenseResourceElementsAttr::get(type, resource.getRawHandle()));
    });
    func.setType(FunctionType::get(func.getContext(),
                                   func.front().getArgumentTypes(),
                                   llvm::map_to_vector(func.getResultTypes(), signless)));
  }
  for (Operation *op : ops) {
    FailureOr<Value> replacement = lower(op);
    if (failed(replacement))
      return op->emitError() << describeNode(op) << ": lowering failed";
    Value value = *replacement;
    Type expected = op->getResult(0).getType();
    // A lowering may know more static sizes than the op's (unrefined) result
    // type says, or fewer: a cast keeps the users' types.
    if (value.getType() != expected && isa<RankedTensorType>(expected) &&
        tensor::CastOp::areCastCompatible(value.getType(), expected)) {
      OpBuilder b(op);
      value = tensor::CastOp::create(b, op->getLoc(), expected, value);
    }
    op->getResult(0).replaceAllUsesWith(value);
    op->erase();
  }
  return success();
}

namespace {
struct LoomConvertOnnxToLinalgPass
    : loom::impl::LoomConvertOnnxToLinalgPassBase<LoomConvertOnnxToLinalgPass> {
  void runOnOperation() override {
    if (failed(OnnxToLinalgLowering(getOperation()).run()))
      signalPassFailure();
  }
};
} // namespace
