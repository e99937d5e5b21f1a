//===- LoomToLinalg.cpp - loom ops to linalg and loomrt calls ---------------===//
//
// The fused transformer ops: attention and (f32, last-axis) softmax become
// calls to loomrt's kernels on buffers; rms_norm, rotary, layer_norm, gelu
// and silu become linalg generics; softmax elsewhere uses the generic
// builders of its algorithm.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

namespace loom {
#define GEN_PASS_DEF_LOOMCONVERTLOOMTOLINALGPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

/// loom.attention becomes a call to loomrt's fused kernel (one pass over K/V
/// per query row, online softmax; lib/Runtime/Kernels/Attention.cpp). The
/// operands are handed over as buffers of any layout (K/V are often views of
/// the KV cache: no copy), the result is a fresh buffer.
static FailureOr<Value> lowerAttention(OpBuilder &b, loom::AttentionOp op) {
  Location loc = op.getLoc();
  auto resultType = op.getResult().getType();
  if (!resultType.getElementType().isF32()) {
    op.emitError() << "loom.attention is lowered for f32 only, got "
                   << resultType.getElementType();
    return failure();
  }
  // The kernel takes fully dynamic [?, ?, ?, ?] views.
  auto buffer = [&](Value tensor) { return kernelView(b, loc, tensor); };
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
  args.push_back(
      memref::CastOp::create(b, loc, kernelViewType(resultType.getElementType(), 4), out));
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
static Value lowerRMSNorm(OpBuilder &b, loom::RMSNormOp op) {
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
static Value lowerRotary(OpBuilder &b, loom::RotaryOp op) {
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
static FailureOr<Value> callSoftmaxKernel(OpBuilder &b, loom::SoftmaxOp op,
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

/// loom.quantized_matmul becomes a call to loomrt's kernel
/// (lib/Runtime/Kernels/QuantizedMatmul.cpp) on the input's rows ([M, K],
/// the leading axes collapsed) and the packed constants as they are; the
/// output is a fresh [M, N] buffer seen in the result's shape.
static FailureOr<Value> lowerQuantizedMatmul(OpBuilder &b, loom::QuantizedMatmulOp op) {
  Location loc = op.getLoc();
  MLIRContext *ctx = op.getContext();
  auto module = op->getParentOfType<ModuleOp>();
  auto callee = module.lookupSymbol<func::FuncOp>("loomrt_quantized_matmul_f32");
  if (!callee) {
    op.emitError("loomrt's @loomrt_quantized_matmul_f32 is not declared: run "
                 "loom-declare-runtime-kernels first (the CPU pipeline does)");
    return failure();
  }
  const int64_t dyn = ShapedType::kDynamic;
  auto view2d = [&](Type elem) {
    return MemRefType::get({dyn, dyn}, elem, StridedLayoutAttr::get(ctx, dyn, {dyn, dyn}));
  };
  auto buffer = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    SmallVector<int64_t> strides(type.getRank(), dyn);
    Value m = bufferization::ToBufferOp::create(
        b, loc,
        MemRefType::get(type.getShape(), type.getElementType(),
                        StridedLayoutAttr::get(ctx, dyn, strides)),
        tensor, /*read_only=*/true);
    return memref::CastOp::create(b, loc, view2d(type.getElementType()), m);
  };
  Value in = op.getInput();
  auto resultType = op.getResult().getType();
  int64_t rank = resultType.getRank();
  SmallVector<ReassociationIndices> groups;
  if (rank > 2) {
    ReassociationIndices leading;
    for (int64_t i = 0; i + 1 < rank; ++i)
      leading.push_back(i);
    groups = {leading, {rank - 1}};
  }
  Value rows = rank > 2 ? Value(tensor::CollapseShapeOp::create(b, loc, in, groups)) : in;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d + 1 < rank; ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, in, d));
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultType.getShape(), b.getF32Type()), dynamicSizes);
  Value outRows = rank > 2 ? Value(memref::CollapseShapeOp::create(b, loc, out, groups)) : out;
  Value zeros = op.getZeroPoints();
  Value zeroView;
  if (zeros) {
    zeroView = buffer(zeros);
  } else {
    // Symmetric weights: an empty [0, 0] view says so.
    Value empty = memref::AllocaOp::create(b, loc, MemRefType::get({0, 0}, b.getI8Type()));
    zeroView = memref::CastOp::create(b, loc, view2d(b.getI8Type()), empty);
  }
  SmallVector<Value> args = {
      buffer(rows),
      buffer(op.getWeights()),
      buffer(op.getScales()),
      zeroView,
      memref::CastOp::create(b, loc, view2d(b.getF32Type()), outRows),
      arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(int32_t(op.getBits()))),
      arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(op.getGroupSize()))};
  if (TypeRange(callee.getFunctionType().getInputs()) != TypeRange(ValueRange(args))) {
    op.emitError("loomrt's @loomrt_quantized_matmul_f32 is declared with an unexpected type");
    return failure();
  }
  func::CallOp::create(b, loc, callee, args);
  return Value(bufferization::ToTensorOp::create(b, loc, resultType, out, /*restrict=*/true,
                                                 /*writable=*/true));
}

static FailureOr<Value> lowerGelu(Operation *op, RankedTensorType resultType, PatternRewriter &b,
                                  const LoweringState &) {
  Location loc = op->getLoc();
  auto gelu = cast<loom::GeluOp>(op);
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

static FailureOr<Value> lowerSilu(Operation *op, RankedTensorType resultType, PatternRewriter &b,
                                  const LoweringState &) {
  Location loc = op->getLoc();
  auto silu = cast<loom::SiluOp>(op);
  return buildElementwise(b, loc, resultType, ValueRange{silu.getInput()},
                          [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            // x / (1 + exp(-x)): -0 for very negative x, no NaN.
                            Type t = a[0].getType();
                            Value one = arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(t, 1.0));
                            Value e = math::ExpOp::create(nb, nloc, arith::NegFOp::create(nb, nloc, a[0]));
                            return arith::DivFOp::create(nb, nloc, a[0],
                                                         arith::AddFOp::create(nb, nloc, one, e));
                          });
}

void loom::populateLoomToLinalgPatterns(LoweringPatternSet &patterns) {
  patterns.add("loom.attention",
               [](Operation *op, RankedTensorType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return lowerAttention(b, cast<AttentionOp>(op));
               });
  patterns.add("loom.softmax",
               [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 auto softmax = cast<SoftmaxOp>(op);
                 FailureOr<Value> called = callSoftmaxKernel(b, softmax, resultType);
                 if (failed(called) || *called)
                   return called;
                 return buildSoftmax(b, op->getLoc(), softmax.getInput(),
                                     axisAttr(op, resultType.getRank(), -1), resultType,
                                     /*logarithm=*/false, softmax.getAlgorithm());
               });
  patterns.add("loom.rms_norm",
               [](Operation *op, RankedTensorType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return lowerRMSNorm(b, cast<RMSNormOp>(op));
               });
  patterns.add("loom.rotary",
               [](Operation *op, RankedTensorType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return lowerRotary(b, cast<RotaryOp>(op));
               });
  patterns.add("loom.layer_norm",
               [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return buildLayerNorm(b, op, resultType);
               });
  patterns.add("loom.quantized_matmul",
               [](Operation *op, RankedTensorType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return lowerQuantizedMatmul(b, cast<QuantizedMatmulOp>(op));
               });
  patterns.add("loom.gelu", lowerGelu);
  patterns.add("loom.silu", lowerSilu);
  populateCollectivePatterns(patterns);
}

namespace {
struct LoomConvertLoomToLinalgPass
    : loom::impl::LoomConvertLoomToLinalgPassBase<LoomConvertLoomToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!loom::runtimeKernelsDeclared(func)) {
      func.emitError("loom-convert-loom-to-linalg needs loomrt's kernels declared in the "
                     "module: run loom-declare-runtime-kernels first (the CPU lowering "
                     "pipeline does)");
      return signalPassFailure();
    }
    LoweringState state;
    LoweringPatternSet patterns(&getContext(), state);
    populateLoomToLinalgPatterns(patterns);
    if (failed(reportUnlowerableOps(findUnlowerableOps(func, patterns, "loom"))) ||
        failed(applyLoweringPatterns(func, patterns, "loom")))
      signalPassFailure();
  }
};
} // namespace
