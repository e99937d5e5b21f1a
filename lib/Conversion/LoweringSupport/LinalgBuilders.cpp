//===- LinalgBuilders.cpp - building blocks of the tensor lowerings ---------===//
//
// Broadcasting elementwise generics, sized tensor.empty, reshapes and ONNX's
// casts (documented in loom/Conversion/LinalgBuilders.h).
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/RuntimeKernels.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using loom::onnx_attributes::intAttr;

namespace loom {

int64_t axisAttr(Operation *op, int64_t rank, int64_t fallback) {
  int64_t axis = intAttr(op, "axis").value_or(fallback);
  return axis < 0 ? axis + rank : axis;
}

Value reciprocalSqrt(OpBuilder &b, Location loc, Value x) {
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(x.getType(), 1.0));
  return arith::DivFOp::create(b, loc, one, math::SqrtOp::create(b, loc, x));
}

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

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      text += ", ";
    text += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return text + "]";
}

std::string broadcastMismatch(ValueRange inputs, RankedTensorType resultType) {
  int64_t rank = resultType.getRank();
  auto describe = [&](int64_t index) {
    ShapedType type = index < 0 ? cast<ShapedType>(resultType)
                                : cast<ShapedType>(inputs[index].getType());
    return (index < 0 ? std::string("the result") : "input " + std::to_string(index)) +
           " of shape " + shapeText(type.getShape());
  };
  for (auto [index, in] : llvm::enumerate(inputs))
    if (cast<RankedTensorType>(in.getType()).getRank() > rank)
      return describe(index) + " has more dimensions than " + describe(-1);
  for (int64_t d = 0; d < rank; ++d) {
    // The one size other than 1 that the inputs (and a static result)
    // agree on, and who has it (-1: the result).
    int64_t size = resultType.isDynamicDim(d) ? ShapedType::kDynamic : resultType.getDimSize(d);
    int64_t owner = -1;
    for (auto [index, in] : llvm::enumerate(inputs)) {
      auto type = cast<RankedTensorType>(in.getType());
      int64_t i = d - (rank - type.getRank());
      if (i < 0 || type.isDynamicDim(i) || type.getDimSize(i) == 1)
        continue;
      int64_t s = type.getDimSize(i);
      if (ShapedType::isDynamic(size) || (size == 1 && owner < 0)) {
        size = s;
        owner = int64_t(index);
      } else if (s != size) {
        return describe(index) + " does not broadcast with " + describe(owner) +
               " (sizes " + std::to_string(s) + " and " + std::to_string(size) + ")";
      }
    }
  }
  return "";
}

/// An elementwise op takes an input's dynamic size to be the result's (only
/// a static 1 broadcasts): the result's size along a dynamic dimension is the
/// first such input's (`sources`). A run-time size that differs — a dynamic
/// size of 1 that the model meant to broadcast, or sizes that do not
/// broadcast at all — would read past that input or give wrong numbers; it
/// fails the run with a shape error instead (loomrt_report_error, where the
/// CPU pipeline declared it). Constant sizes fold the checks away.
static void checkDynamicSizesAgree(OpBuilder &b, Location loc, RankedTensorType resultType,
                                   ValueRange inputs,
                                   ArrayRef<std::pair<Value, int64_t>> sources) {
  Block *block = b.getInsertionBlock();
  func::FuncOp report =
      block && block->getParentOp() ? runtimeErrorReporter(block->getParentOp()) : func::FuncOp();
  if (!report)
    return;
  int64_t rank = resultType.getRank();
  Value mismatch;
  for (Value in : inputs) {
    auto type = cast<RankedTensorType>(in.getType());
    int64_t offset = rank - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i) {
      int64_t d = offset + i;
      if (!type.isDynamicDim(i))
        continue;
      Value expected;
      if (!resultType.isDynamicDim(d)) {
        if (resultType.getDimSize(d) == 1)
          continue;
        expected = arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(d));
      } else {
        auto [source, axis] = sources[d];
        if (!source || (source == in && axis == i))
          continue;
        expected = tensor::DimOp::create(b, loc, source, axis);
      }
      Value differs = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                            tensor::DimOp::create(b, loc, in, i), expected);
      mismatch = mismatch ? arith::OrIOp::create(b, loc, mismatch, differs).getResult() : differs;
    }
  }
  if (mismatch)
    reportIf(b, loc, mismatch, report, LOOM_ABI_ERROR_SHAPE_MISMATCH);
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, const ScalarFn &body,
                       ValueRange dynamicSizes) {
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
  if (dynamicSizes.empty())
    checkDynamicSizesAgree(b, loc, resultType, inputs, sources);
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

Value reduceToScalar(OpBuilder &b, Location loc, Value in, TypedAttr init,
                     const ScalarFn &combine) {
  auto type = cast<RankedTensorType>(in.getType());
  Type elem = init.getType();
  MLIRContext *ctx = b.getContext();
  int64_t rank = type.getRank();
  Value acc = linalg::FillOp::create(
                  b, loc, arith::ConstantOp::create(b, loc, init).getResult(),
                  tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, elem).getResult())
                  .getResult(0);
  return linalg::GenericOp::create(
             b, loc, TypeRange{RankedTensorType::get({}, elem)}, ValueRange{in}, ValueRange{acc},
             SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(rank, ctx),
                                    AffineMap::get(rank, 0, {}, ctx)},
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::reduction),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               linalg::YieldOp::create(nb, nloc, combine(nb, nloc, a));
             })
      .getResult(0);
}

MemRefType kernelViewType(Type element, int64_t rank) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  return MemRefType::get(dynamic, element,
                         StridedLayoutAttr::get(element.getContext(), ShapedType::kDynamic,
                                                dynamic));
}

Value kernelView(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> strides(type.getRank(), ShapedType::kDynamic);
  auto anyLayout =
      MemRefType::get(type.getShape(), type.getElementType(),
                      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides));
  Value m = bufferization::ToBufferOp::create(b, loc, anyLayout, t, /*read_only=*/true);
  return memref::CastOp::create(b, loc, kernelViewType(type.getElementType(), type.getRank()), m);
}

Value scalarOf(OpBuilder &b, Location loc, Value t) {
  int64_t rank = cast<RankedTensorType>(t.getType()).getRank();
  SmallVector<Value> zeros(rank, arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, t, zeros);
}

func::FuncOp runtimeErrorReporter(Operation *op) {
  auto module = op->getParentOfType<ModuleOp>();
  return module ? module.lookupSymbol<func::FuncOp>("loomrt_report_error") : func::FuncOp();
}

void reportIfAny(OpBuilder &b, Location loc, Value flags, func::FuncOp report, int32_t code) {
  if (!report)
    return;
  Value any = reduceToScalar(b, loc, flags, b.getBoolAttr(false),
                             [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                               return arith::OrIOp::create(nb, nloc, a[0], a[1]);
                             });
  reportIf(b, loc, tensor::ExtractOp::create(b, loc, any, ValueRange{}), report, code);
}

void reportIf(OpBuilder &b, Location loc, Value flag, func::FuncOp report, int32_t code) {
  if (!report)
    return;
  scf::IfOp::create(b, loc, flag, [&](OpBuilder &tb, Location tloc) {
    Value value = arith::ConstantOp::create(tb, tloc, tb.getI32IntegerAttr(code));
    // The site (its node's name) is filled in by loom-name-error-sites.
    Value site = arith::ConstantOp::create(tb, tloc, tb.getI32IntegerAttr(-1));
    func::CallOp::create(tb, tloc, report, ValueRange{value, site});
    scf::YieldOp::create(tb, tloc);
  });
}

Value tensorElementLimit(OpBuilder &b, Location loc, Type element) {
  Type f64 = b.getF64Type();
  Operation *parent = b.getInsertionBlock() ? b.getInsertionBlock()->getParentOp() : nullptr;
  auto module = parent ? (isa<ModuleOp>(parent) ? cast<ModuleOp>(parent)
                                                : parent->getParentOfType<ModuleOp>())
                       : ModuleOp();
  // Modules that report run-time errors call loomrt; others (lit tests of
  // one pattern) keep the fixed limit.
  if (!module || !runtimeKernelsDeclared(module))
    return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(4294967296.0));
  int64_t bytes = std::max<int64_t>(1, int64_t(element.getIntOrFloatBitWidth() + 7) / 8);
  func::FuncOp limit = declareRuntimeKernel(module, RuntimeKernel::loomrt_tensor_limit);
  Value count = func::CallOp::create(b, loc, limit,
                                     ValueRange{arith::ConstantOp::create(
                                         b, loc, b.getI64IntegerAttr(bytes))})
                    .getResult(0);
  return arith::SIToFPOp::create(b, loc, f64, count);
}

Value sizesOutOfRange(OpBuilder &b, Location loc, ArrayRef<Value> factors,
                      RankedTensorType result) {
  int64_t staticElements = 1;
  for (int64_t size : result.getShape())
    staticElements *= ShapedType::isDynamic(size) ? 1 : size;
  Type element = result.getElementType();
  // The element count in f64: exact far beyond the limit, and it cannot
  // wrap around as an integer product can.
  Type f64 = b.getF64Type(), i64 = b.getI64Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value count = arith::ConstantOp::create(b, loc, b.getF64FloatAttr(double(staticElements)));
  Value bad = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (Value factor : factors) {
    if (factor.getType().isIndex())
      factor = arith::IndexCastOp::create(b, loc, i64, factor);
    bad = arith::OrIOp::create(b, loc, bad,
                               arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, factor, zero));
    count = arith::MulFOp::create(b, loc, count, arith::SIToFPOp::create(b, loc, f64, factor));
  }
  Value limit = tensorElementLimit(b, loc, element);
  return arith::OrIOp::create(b, loc, bad,
                              arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, count, limit));
}

SmallVector<Value> zeroSizesIf(OpBuilder &b, Location loc, Value bad, ArrayRef<Value> sizes) {
  SmallVector<Value> safe;
  for (Value size : sizes) {
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(size.getType()));
    safe.push_back(arith::SelectOp::create(b, loc, bad, zero, size));
  }
  return safe;
}

SmallVector<Value> guardResultSizes(OpBuilder &b, Location loc, ArrayRef<Value> sizes,
                                    RankedTensorType result, func::FuncOp report) {
  if (sizes.empty())
    return {};
  Value bad = sizesOutOfRange(b, loc, sizes, result);
  reportIf(b, loc, bad, report, LOOM_ABI_ERROR_SIZE_OUT_OF_RANGE);
  return zeroSizesIf(b, loc, bad, sizes);
}

void reportIndicesOutOfRange(OpBuilder &b, Location loc, Value indices, Value size,
                             func::FuncOp report) {
  if (!report)
    return;
  auto type = cast<RankedTensorType>(indices.getType());
  Type elem = type.getElementType();
  Value high = arith::IndexCastOp::create(b, loc, elem, size);
  Value low = arith::SubIOp::create(
      b, loc, arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0)), high);
  Value flags = buildElementwise(
      b, loc, type.clone(b.getI1Type()), ValueRange{indices},
      [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        return arith::OrIOp::create(
            nb, nloc, arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, a[0], low),
            arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sge, a[0], high));
      });
  reportIfAny(b, loc, flags, report, LOOM_ABI_ERROR_INDEX_OUT_OF_RANGE);
}

Value wrapIndex(OpBuilder &b, Location loc, Value idx, Value size) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, idx, zero);
  idx = arith::SelectOp::create(b, loc, negative, arith::AddIOp::create(b, loc, idx, size), idx);
  Value last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  return arith::MaxSIOp::create(b, loc, arith::MinSIOp::create(b, loc, idx, last), zero);
}

Value nonEmptyCondition(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  Value all;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (type.getDimSize(d) > 0)
      continue;
    Value here = type.isDynamicDim(d)
                     ? Value(arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt,
                                                   tensor::DimOp::create(b, loc, t, d),
                                                   arith::ConstantIndexOp::create(b, loc, 0)))
                     : Value(arith::ConstantOp::create(b, loc, b.getBoolAttr(false)));
    all = all ? Value(arith::AndIOp::create(b, loc, all, here)) : here;
  }
  return all;
}

Value extractIfNonEmpty(OpBuilder &b, Location loc, Value t, ValueRange coords, Value nonEmpty,
                        Value fallback) {
  if (!nonEmpty)
    return tensor::ExtractOp::create(b, loc, t, coords);
  auto guarded = scf::IfOp::create(
      b, loc, nonEmpty,
      [&](OpBuilder &tb, Location tloc) {
        scf::YieldOp::create(tb, tloc, tensor::ExtractOp::create(tb, tloc, t, coords).getResult());
      },
      [&](OpBuilder &eb, Location eloc) { scf::YieldOp::create(eb, eloc, fallback); });
  return guarded.getResult(0);
}

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

Value castScalar(OpBuilder &b, Location loc, Value v, Type to, bool fromUnsigned,
                 bool toUnsigned) {
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
  Value copy = buildElementwise(
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
  // After bufferization, loom-collapse-elementwise-dims turns a copy between
  // contiguous buffers into one flat loop (no divisions per element).
  if (auto generic = copy.getDefiningOp<linalg::GenericOp>())
    generic->setAttr(kReshapeCopyAttr, b.getUnitAttr());
  return copy;
}

} // namespace loom
