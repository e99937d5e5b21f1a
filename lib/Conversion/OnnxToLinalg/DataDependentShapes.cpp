//===- DataDependentShapes.cpp - Compress, NonZero, NonMaxSuppression, ... ===//
//
// Ops whose result size depends on the input's values. Compress and NonZero
// count first (one reduction), allocate the result at that size, then fill
// it in one sequential loop with the tensor as the carried value
// (bufferization makes that stores into the one result buffer).
// NonMaxSuppression calls loomrt's kernel on the largest possible result and
// keeps the rows it reports.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::intAttr;

/// Whether scalar `v` is non-zero (true for booleans).
static Value isNonZero(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  if (t.isInteger(1))
    return v;
  if (isFloat(t))
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                 arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0)));
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                               arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 0)));
}

/// The number of non-zero elements of `t` among those whose position along
/// dimension 0 is below `limit` (all when `limit` is null), as an index.
static Value countNonZero(OpBuilder &b, Location loc, Value t, Value limit) {
  Type i64 = b.getI64Type();
  Value count = reduceToScalar(
      b, loc,
      buildElementwise(b, loc, cast<RankedTensorType>(t.getType()).clone(i64), ValueRange{t},
                       [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                         Value keep = isNonZero(nb, nloc, a[0]);
                         if (limit)
                           keep = arith::AndIOp::create(
                               nb, nloc, keep,
                               arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                                     linalg::IndexOp::create(nb, nloc, 0), limit));
                         return arith::ExtUIOp::create(nb, nloc, i64, keep);
                       }),
      b.getI64IntegerAttr(0), [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
        return arith::AddIOp::create(nb, nloc, a[0], a[1]);
      });
  return toIndex(b, loc, tensor::ExtractOp::create(b, loc, count, ValueRange{}));
}

/// Compress: the slices of the input along `axis` whose condition is true
/// (positions past the condition's end are dropped); without an axis, the
/// elements of the flattened input.
static FailureOr<Value> lowerCompress(Operation *op, RankedTensorType resultType,
                                      PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0), condition = op->getOperand(1);
  auto inType = cast<RankedTensorType>(in.getType());
  std::optional<int64_t> axisValue = intAttr(op, "axis");
  int64_t axis = 0;
  if (axisValue) {
    axis = *axisValue < 0 ? *axisValue + inType.getRank() : *axisValue;
  } else if (inType.getRank() != 1) {
    // Flattened: one collapse group of every dimension.
    ReassociationIndices all;
    for (int64_t d = 0; d < inType.getRank(); ++d)
      all.push_back(d);
    int64_t elements = inType.hasStaticShape() ? inType.getNumElements() : ShapedType::kDynamic;
    in = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({elements}, inType.getElementType()), in,
        SmallVector<ReassociationIndices>{all});
    inType = cast<RankedTensorType>(in.getType());
  }
  int64_t rank = inType.getRank();
  Value axisSize = tensor::DimOp::create(b, loc, in, axis);
  Value used = arith::MinSIOp::create(b, loc, axisSize, tensor::DimOp::create(b, loc, condition, 0));
  Value kept = countNonZero(b, loc, condition, used);
  SmallVector<Value> sizes;
  SmallVector<int64_t> shape(inType.getShape());
  shape[axis] = ShapedType::kDynamic;
  for (int64_t d = 0; d < rank; ++d)
    if (ShapedType::isDynamic(shape[d]))
      sizes.push_back(d == axis ? kept : Value(tensor::DimOp::create(b, loc, in, d)));
  auto outType = RankedTensorType::get(shape, inType.getElementType());
  Value out = tensor::EmptyOp::create(b, loc, outType, sizes);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0), one = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zero, used, one, ValueRange{out, zero},
      [&](OpBuilder &lb, Location, Value i, ValueRange acc) {
        Value take = isNonZero(lb, loc, tensor::ExtractOp::create(lb, loc, condition, ValueRange{i}));
        auto branch = scf::IfOp::create(
            lb, loc, take,
            [&](OpBuilder &tb, Location) {
              SmallVector<OpFoldResult> from(rank, tb.getIndexAttr(0)), to(rank, tb.getIndexAttr(0)),
                  sliceSizes, strides(rank, tb.getIndexAttr(1));
              from[axis] = i;
              to[axis] = acc[1];
              for (int64_t d = 0; d < rank; ++d)
                sliceSizes.push_back(d == axis ? OpFoldResult(tb.getIndexAttr(1))
                                     : inType.isDynamicDim(d)
                                         ? OpFoldResult(tensor::DimOp::create(tb, loc, in, d).getResult())
                                         : OpFoldResult(tb.getIndexAttr(inType.getDimSize(d))));
              Value slice = tensor::ExtractSliceOp::create(tb, loc, in, from, sliceSizes, strides);
              Value next = tensor::InsertSliceOp::create(tb, loc, slice, acc[0], to, sliceSizes, strides);
              scf::YieldOp::create(tb, loc, ValueRange{next, arith::AddIOp::create(tb, loc, acc[1], one)});
            },
            [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, acc); });
        scf::YieldOp::create(lb, loc, branch.getResults());
      });
  Value result = loop.getResult(0);
  return result.getType() == resultType ? result
                                        : Value(tensor::CastOp::create(b, loc, resultType, result));
}

static std::string checkCompress(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto condType = cast<RankedTensorType>(op->getOperand(1).getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (condType.getRank() != 1)
    return "the condition must be a vector";
  std::optional<int64_t> axis = intAttr(op, "axis");
  int64_t rank = inType.getRank();
  if (axis && (*axis < -rank || *axis >= rank))
    return "axis " + std::to_string(*axis) + " is outside the input's " + std::to_string(rank) +
           " dimensions";
  if (resultType.getRank() != (axis ? rank : 1) || resultType.getElementType() != inType.getElementType())
    return "the result's type does not fit the input and axis";
  return "";
}

/// NonZero: the coordinates ([rank, count], int64) of the input's non-zero
/// elements in row-major order.
static FailureOr<Value> lowerNonZero(Operation *op, RankedTensorType resultType,
                                     PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0);
  auto inType = cast<RankedTensorType>(in.getType());
  int64_t rank = inType.getRank();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0), one = arith::ConstantIndexOp::create(b, loc, 1);
  Value total = one;
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d) {
    dims.push_back(tensor::DimOp::create(b, loc, in, d));
    total = arith::MulIOp::create(b, loc, total, dims.back());
  }
  Value count = countNonZero(b, loc, in, Value());
  auto outType = RankedTensorType::get({rank, ShapedType::kDynamic}, b.getI64Type());
  Value out = tensor::EmptyOp::create(b, loc, outType, ValueRange{count});
  auto loop = scf::ForOp::create(
      b, loc, zero, total, one, ValueRange{out, zero},
      [&](OpBuilder &lb, Location, Value linear, ValueRange acc) {
        // The coordinates of `linear`, last dimension fastest.
        SmallVector<Value> coords(rank);
        Value rest = linear;
        for (int64_t d = rank - 1; d >= 0; --d) {
          coords[d] = arith::RemUIOp::create(lb, loc, rest, dims[d]);
          rest = arith::DivUIOp::create(lb, loc, rest, dims[d]);
        }
        Value take = isNonZero(lb, loc, tensor::ExtractOp::create(lb, loc, in, coords));
        auto branch = scf::IfOp::create(
            lb, loc, take,
            [&](OpBuilder &tb, Location) {
              Value next = acc[0];
              for (int64_t d = 0; d < rank; ++d)
                next = tensor::InsertOp::create(
                    tb, loc, arith::IndexCastOp::create(tb, loc, tb.getI64Type(), coords[d]), next,
                    ValueRange{arith::ConstantIndexOp::create(tb, loc, d), acc[1]});
              scf::YieldOp::create(tb, loc, ValueRange{next, arith::AddIOp::create(tb, loc, acc[1], one)});
            },
            [&](OpBuilder &eb, Location) { scf::YieldOp::create(eb, loc, acc); });
        scf::YieldOp::create(lb, loc, branch.getResults());
      });
  Value result = loop.getResult(0);
  return result.getType() == resultType ? result
                                        : Value(tensor::CastOp::create(b, loc, resultType, result));
}

static std::string checkNonZero(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (inType.getRank() == 0)
    return "NonZero of a scalar is not supported";
  if (resultType.getRank() != 2 || !resultType.getElementType().isInteger(64) ||
      (!resultType.isDynamicDim(0) && resultType.getDimSize(0) != inType.getRank()))
    return "the result must be an int64 tensor [rank, count]";
  return "";
}

/// ReverseSequence: along time_axis, the first sequence_lens[b] elements of
/// each batch entry b reversed, the rest kept. (Its shape is the input's;
/// it lives here with the other ops that read lengths from the data.)
static FailureOr<Value> lowerReverseSequence(Operation *op, RankedTensorType resultType,
                                             PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Value in = op->getOperand(0), lengths = op->getOperand(1);
  int64_t batchAxis = intAttr(op, "batch_axis").value_or(1);
  int64_t timeAxis = intAttr(op, "time_axis").value_or(0);
  int64_t rank = resultType.getRank();
  Value steps = tensor::DimOp::create(b, loc, in, timeAxis);
  MLIRContext *ctx = b.getContext();
  SmallVector<std::pair<Value, int64_t>> sources;
  for (int64_t d = 0; d < rank; ++d)
    sources.push_back({in, d});
  // With a dynamic batch or lengths size, the two may differ at run time:
  // that is reported, and the body then reads no length past the vector's
  // end (an entry without a length is kept as it is).
  int64_t batch = resultType.getDimSize(batchAxis);
  int64_t count = cast<RankedTensorType>(lengths.getType()).getDimSize(0);
  bool checked = ShapedType::isDynamic(batch) || ShapedType::isDynamic(count);
  Value lengthCount = tensor::DimOp::create(b, loc, lengths, 0);
  if (checked)
    reportIf(b, loc,
             arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, lengthCount,
                                   tensor::DimOp::create(b, loc, in, batchAxis)),
             runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
  SmallVector<Value> ins;
  SmallVector<AffineMap> maps;
  if (!checked) {
    ins.push_back(lengths);
    maps.push_back(AffineMap::get(rank, 0, {getAffineDimExpr(batchAxis, ctx)}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ins,
             ValueRange{emptyLike(b, loc, resultType, sources)}, maps,
             SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               SmallVector<Value> coords;
               for (int64_t d = 0; d < rank; ++d)
                 coords.push_back(linalg::IndexOp::create(nb, nloc, d));
               Value raw = a[0];
               if (checked) {
                 Value has = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                                   coords[batchAxis], lengthCount);
                 auto read = scf::IfOp::create(
                     nb, nloc, has,
                     [&](OpBuilder &tb, Location tloc) {
                       Value v = tensor::ExtractOp::create(tb, tloc, lengths,
                                                           ValueRange{coords[batchAxis]});
                       scf::YieldOp::create(tb, tloc, v);
                     },
                     [&](OpBuilder &eb, Location eloc) {
                       Value all = arith::IndexCastOp::create(eb, eloc, eb.getI64Type(), steps);
                       scf::YieldOp::create(eb, eloc, all);
                     });
                 raw = read.getResult(0);
               }
               // A length outside [0, steps] is clamped into it.
               Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
               Value length = arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), raw);
               length = arith::MaxSIOp::create(nb, nloc,
                                               arith::MinSIOp::create(nb, nloc, length, steps), zero);
               Value t = coords[timeAxis];
               Value inside = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, t, length);
               Value mirrored = arith::SubIOp::create(
                   nb, nloc, arith::SubIOp::create(nb, nloc, length, t),
                   arith::ConstantIndexOp::create(nb, nloc, 1));
               coords[timeAxis] = arith::SelectOp::create(nb, nloc, inside, mirrored, t);
               linalg::YieldOp::create(nb, nloc,
                                       tensor::ExtractOp::create(nb, nloc, in, coords).getResult());
             })
      .getResult(0);
}

static std::string checkReverseSequence(Operation *op, const LoweringState &) {
  auto inType = cast<RankedTensorType>(op->getOperand(0).getType());
  auto lengthsType = cast<RankedTensorType>(op->getOperand(1).getType());
  int64_t batchAxis = intAttr(op, "batch_axis").value_or(1);
  int64_t timeAxis = intAttr(op, "time_axis").value_or(0);
  if (inType.getRank() < 2)
    return "the input needs at least two dimensions";
  if (!llvm::is_contained({0, 1}, batchAxis) || !llvm::is_contained({0, 1}, timeAxis) ||
      batchAxis == timeAxis)
    return "batch_axis and time_axis must be 0 and 1 in some order";
  if (lengthsType.getRank() != 1 || !lengthsType.getElementType().isInteger(64))
    return "sequence_lens must be an int64 vector";
  int64_t batch = inType.getDimSize(batchAxis), count = lengthsType.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !ShapedType::isDynamic(count) && batch != count)
    return "sequence_lens has " + std::to_string(count) + " entries, but the input's batch axis " +
           std::to_string(batchAxis) + " has " + std::to_string(batch);
  return "";
}

static std::string checkScalarInput(Value t, Type element, StringRef what) {
  if (!t)
    return "";
  auto type = cast<RankedTensorType>(t.getType());
  if (type.getElementType() != element)
    return (what + " must be " + (element.isF32() ? "f32" : "i64")).str();
  if (!type.hasStaticShape() || type.getNumElements() != 1)
    return (what + " must be one value").str();
  return "";
}

/// NonMaxSuppression: [rows, 3] (image, class, box) from loomrt's kernel
/// (lib/Runtime/Kernels/Detection.cpp), written into a buffer of
/// images x classes x boxes rows, of which the first `rows` are the result.
static FailureOr<Value> lowerNonMaxSuppression(Operation *op, RankedTensorType resultType,
                                               PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto nms = cast<onnx::NonMaxSuppressionOp>(op);
  auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(
      "loomrt_non_max_suppression_f32");
  // No linalg form: only the CPU pipeline, which declares loomrt's kernels
  // (loom-declare-runtime-kernels), lowers it.
  if (!callee)
    return op->emitError("NonMaxSuppression needs loomrt's kernel; run "
                         "loom-declare-runtime-kernels before the lowering");
  Value boxes = nms.getBoxes(), scores = nms.getScores();
  Value images = tensor::DimOp::create(b, loc, boxes, 0);
  Value count = tensor::DimOp::create(b, loc, boxes, 1);
  Value classes = tensor::DimOp::create(b, loc, scores, 1);
  Value rows = arith::MulIOp::create(b, loc, arith::MulIOp::create(b, loc, images, classes), count);
  Type i64 = b.getI64Type();
  Value buffer = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic, 3}, i64), ValueRange{rows});
  Value maxPerClass = nms.getMaxOutputBoxesPerClass()
                          ? scalarOf(b, loc, nms.getMaxOutputBoxesPerClass())
                          : arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)).getResult();
  Value iou = nms.getIouThreshold()
                  ? scalarOf(b, loc, nms.getIouThreshold())
                  : arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0)).getResult();
  Value scoreThreshold =
      nms.getScoreThreshold()
          ? scalarOf(b, loc, nms.getScoreThreshold())
          : arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0)).getResult();
  Value hasScoreThreshold =
      arith::ConstantOp::create(b, loc, b.getBoolAttr(bool(nms.getScoreThreshold())));
  Value center = arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(int32_t(intAttr(op, "center_point_box").value_or(0))));
  Value written =
      func::CallOp::create(
          b, loc, callee,
          ValueRange{kernelView(b, loc, boxes), kernelView(b, loc, scores),
                     memref::CastOp::create(b, loc, kernelViewType(i64, 2), buffer), maxPerClass,
                     iou, scoreThreshold, hasScoreThreshold, center})
          .getResult(0);
  Value all = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic, 3}, i64), buffer,
      /*restrict=*/true, /*writable=*/true);
  Value kept = tensor::ExtractSliceOp::create(
      b, loc, all, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(0)},
      ArrayRef<OpFoldResult>{toIndex(b, loc, written), b.getIndexAttr(3)},
      ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
  return kept.getType() == resultType ? kept
                                      : Value(tensor::CastOp::create(b, loc, resultType, kept));
}

static std::string checkNonMaxSuppression(Operation *op, const LoweringState &) {
  auto nms = cast<onnx::NonMaxSuppressionOp>(op);
  auto boxes = cast<RankedTensorType>(nms.getBoxes().getType());
  auto scores = cast<RankedTensorType>(nms.getScores().getType());
  if (!boxes.getElementType().isF32() || !scores.getElementType().isF32())
    return "boxes and scores must be f32";
  if (boxes.getRank() != 3 || boxes.getDimSize(2) != 4)
    return "boxes must be [batches, boxes, 4]";
  if (scores.getRank() != 3)
    return "scores must be [batches, classes, boxes]";
  auto differ = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (differ(boxes.getDimSize(0), scores.getDimSize(0)) ||
      differ(boxes.getDimSize(1), scores.getDimSize(2)))
    return "scores' batches and boxes must match the boxes' [batches, boxes]";
  int64_t center = intAttr(op, "center_point_box").value_or(0);
  if (center != 0 && center != 1)
    return "center_point_box must be 0 or 1";
  Builder b(op->getContext());
  for (auto [value, element, what] :
       {std::tuple{nms.getMaxOutputBoxesPerClass(), Type(b.getI64Type()),
                   "max_output_boxes_per_class"},
        std::tuple{nms.getIouThreshold(), Type(b.getF32Type()), "iou_threshold"},
        std::tuple{nms.getScoreThreshold(), Type(b.getF32Type()), "score_threshold"}})
    if (std::string why = checkScalarInput(value, element, what); !why.empty())
      return why;
  return "";
}

/// Unique: x seen as [outer, n, inner] around the axis (no axis: [1, N, 1]
/// of the flattened input); loomrt's kernel (lib/Runtime/Kernels/Unique.cpp)
/// finds the k distinct slices and writes each one's first index and count
/// and each slice's unique's position into n-entry buffers; Y gathers the
/// slices at the first indices.
static FailureOr<Value> lowerUnique(Operation *op, RankedTensorType, PatternRewriter &b,
                                    const LoweringState &) {
  Location loc = op->getLoc();
  auto unique = cast<onnx::UniqueOp>(op);
  Value x = unique.getX();
  auto xType = cast<RankedTensorType>(x.getType());
  Type elem = xType.getElementType(), i64 = b.getI64Type();
  bool isFloatInput = elem.isF32();
  auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>(
      isFloatInput ? "loomrt_unique_f32" : "loomrt_unique_i64");
  if (!callee)
    return op->emitError("Unique needs loomrt's kernel; run loom-declare-runtime-kernels "
                         "before the lowering");
  int64_t rank = xType.getRank();
  std::optional<int64_t> axisAttr = intAttr(op, "axis");
  int64_t axis = axisAttr ? (*axisAttr < 0 ? *axisAttr + rank : *axisAttr) : -1;
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> dims;
  for (int64_t d = 0; d < rank; ++d)
    dims.push_back(tensor::DimOp::create(b, loc, x, d));
  // Each of outer, n, inner as a run-time value and, where every dimension
  // in it is static, its static size (MLIR's strided-metadata expansion
  // wants the static sizes in the type, not as constant operands).
  Value outer = one, n = one, inner = one;
  int64_t staticSizes[3] = {1, 1, 1};
  for (int64_t d = 0; d < rank; ++d) {
    int part = axis < 0 ? 1 : d < axis ? 0 : d == axis ? 1 : 2;
    Value &value = part == 0 ? outer : part == 1 ? n : inner;
    value = arith::MulIOp::create(b, loc, value, dims[d]);
    staticSizes[part] = xType.isDynamicDim(d) || ShapedType::isDynamic(staticSizes[part])
                            ? ShapedType::kDynamic
                            : staticSizes[part] * xType.getDimSize(d);
  }
  auto sizeOf = [&](int part, Value value) -> OpFoldResult {
    return ShapedType::isDynamic(staticSizes[part]) ? OpFoldResult(value)
                                                    : OpFoldResult(b.getIndexAttr(staticSizes[part]));
  };
  // [outer, n, inner]: the dimensions around the axis collapsed into one
  // each (none: the whole input in n), then unit dimensions added where a
  // side is empty. (MLIR's strided-metadata expansion crashed on a collapse
  // to one dimension expanded back into three dynamic ones.)
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices before, middle, after;
  for (int64_t d = 0; d < rank; ++d)
    (axis < 0 ? middle : d < axis ? before : d == axis ? middle : after).push_back(d);
  for (ReassociationIndices *g : {&before, &middle, &after})
    if (!g->empty())
      groups.push_back(*g);
  Value grouped = x;
  if (int64_t(groups.size()) != rank)
    grouped = tensor::CollapseShapeOp::create(b, loc, x, groups);
  // Without an axis, Y reads the flattened input.
  Value flat = axis < 0 ? grouped : Value();
  Value slices = grouped;
  if (groups.size() != 3) {
    // Add the missing outer and/or inner unit dimension.
    SmallVector<ReassociationIndices> expand;
    SmallVector<OpFoldResult> sizes;
    int64_t next = 0;
    for (unsigned g = 0; g < groups.size(); ++g) {
      ReassociationIndices group;
      bool isMiddle = groups[g] == middle;
      if (isMiddle && before.empty()) {
        group.push_back(next++);
        sizes.push_back(b.getIndexAttr(1));
      }
      group.push_back(next++);
      sizes.push_back(sizeOf(g == 0 && !before.empty() ? 0 : isMiddle ? 1 : 2,
                             g == 0 && !before.empty() ? outer : isMiddle ? n : inner));
      if (isMiddle && after.empty()) {
        group.push_back(next++);
        sizes.push_back(b.getIndexAttr(1));
      }
      expand.push_back(group);
    }
    slices = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({staticSizes[0], staticSizes[1], staticSizes[2]}, elem),
        grouped, expand, sizes);
  }
  auto buffer = [&]() {
    return memref::AllocOp::create(b, loc, MemRefType::get({ShapedType::kDynamic}, i64),
                                   ValueRange{n})
        .getResult();
  };
  Value first = buffer(), inverse = buffer(), counts = buffer();
  auto view = [&](Value m) {
    return memref::CastOp::create(b, loc, kernelViewType(i64, 1), m).getResult();
  };
  Value sorted = arith::ConstantOp::create(b, loc, b.getBoolAttr(intAttr(op, "sorted").value_or(1) != 0));
  Value k = toIndex(b, loc,
                    func::CallOp::create(b, loc, callee,
                                         ValueRange{kernelView(b, loc, slices), sorted, view(first),
                                                    view(inverse), view(counts)})
                        .getResult(0));
  auto asTensor = [&](Value m) {
    return bufferization::ToTensorOp::create(
               b, loc, RankedTensorType::get({ShapedType::kDynamic}, i64), m,
               /*restrict=*/true, /*writable=*/true)
        .getResult();
  };
  auto prefix = [&](Value t, Value size) {
    return tensor::ExtractSliceOp::create(b, loc, t, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
                                          ArrayRef<OpFoldResult>{size},
                                          ArrayRef<OpFoldResult>{b.getIndexAttr(1)})
        .getResult();
  };
  Value firstT = prefix(asTensor(first), k), inverseT = prefix(asTensor(inverse), n),
        countsT = prefix(asTensor(counts), k);
  // Y: the input with the axis (or the flattened input) cut to the k
  // unique slices, each read at its first occurrence.
  SmallVector<int64_t> yShape;
  SmallVector<Value> ySizes;
  if (axis < 0) {
    yShape.push_back(ShapedType::kDynamic);
    ySizes.push_back(k);
  } else {
    for (int64_t d = 0; d < rank; ++d) {
      yShape.push_back(d == axis ? ShapedType::kDynamic : xType.getDimSize(d));
      if (d == axis)
        ySizes.push_back(k);
      else if (xType.isDynamicDim(d))
        ySizes.push_back(dims[d]);
    }
  }
  auto yType = RankedTensorType::get(yShape, elem);
  Value y = buildElementwise(
      b, loc, yType, ValueRange{},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        if (axis < 0) {
          Value at = toIndex(nb, nloc, tensor::ExtractOp::create(
                                           nb, nloc, firstT,
                                           ValueRange{linalg::IndexOp::create(nb, nloc, 0)}));
          return tensor::ExtractOp::create(nb, nloc, flat, ValueRange{at});
        }
        SmallVector<Value> coords;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(nb, nloc, d);
          coords.push_back(d == axis ? toIndex(nb, nloc, tensor::ExtractOp::create(
                                                             nb, nloc, firstT, ValueRange{i}))
                                     : i);
        }
        return tensor::ExtractOp::create(nb, nloc, x, coords);
      },
      ySizes);
  // The outputs present, in order (each optional after Y); a declared
  // static size that the data contradicts fails the run.
  SmallVector<Value> values = {y, firstT, inverseT, countsT};
  SmallVector<int32_t> present(4, 1);
  if (auto segments = op->getAttrOfType<DenseI32ArrayAttr>("resultSegmentSizes"))
    present.assign(segments.asArrayRef().begin(), segments.asArrayRef().end());
  Value mismatch;
  SmallVector<Value> results;
  for (unsigned out = 0, result = 0; out < 4 && result < op->getNumResults(); ++out) {
    if (present.size() <= out || present[out] == 0)
      continue;
    auto type = cast<RankedTensorType>(op->getResult(result).getType());
    Value v = values[out];
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (type.isDynamicDim(d))
        continue;
      Value differs = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::ne, tensor::DimOp::create(b, loc, v, d),
          arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)));
      mismatch = mismatch ? arith::OrIOp::create(b, loc, mismatch, differs).getResult() : differs;
    }
    results.push_back(v.getType() == type ? v : Value(tensor::CastOp::create(b, loc, type, v)));
    ++result;
  }
  if (mismatch)
    reportIf(b, loc, mismatch, runtimeErrorReporter(op), LOOM_ABI_ERROR_SHAPE_MISMATCH);
  for (unsigned i = 1; i < results.size(); ++i)
    b.replaceAllUsesWith(op->getResult(i), results[i]);
  return results[0];
}

static std::string checkUnique(Operation *op, const LoweringState &) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  Type elem = type.getElementType();
  if (!elem.isF32() && !elem.isSignlessInteger(64))
    return "only f32 and int64 inputs are supported";
  if (type.getRank() == 0)
    return "the input must have at least one dimension";
  if (std::optional<int64_t> axis = intAttr(op, "axis"))
    if (*axis < -type.getRank() || *axis >= type.getRank())
      return "axis " + std::to_string(*axis) + " is outside the input's " +
             std::to_string(type.getRank()) + " dimensions";
  if (auto segments = op->getAttrOfType<DenseI32ArrayAttr>("resultSegmentSizes"))
    if (segments.size() != 4 || segments[0] != 1 ||
        llvm::any_of(segments.asArrayRef(), [](int32_t c) { return c < 0 || c > 1; }))
      return "the outputs must be Y and any of indices, inverse_indices, counts";
  int64_t expectedRank = intAttr(op, "axis") ? type.getRank() : 1;
  auto yType = cast<RankedTensorType>(op->getResult(0).getType());
  if (yType.getRank() != expectedRank || yType.getElementType() != elem)
    return "Y's type does not fit the input and axis";
  for (unsigned i = 1; i < op->getNumResults(); ++i) {
    auto t = cast<RankedTensorType>(op->getResult(i).getType());
    if (t.getRank() != 1 || !t.getElementType().isSignlessInteger(64))
      return "indices, inverse_indices and counts must be int64 vectors";
  }
  return "";
}

void loom::populateDataDependentShapeLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add("onnx.Unique", lowerUnique, checkUnique);
  patterns.add("onnx.NonMaxSuppression", lowerNonMaxSuppression, checkNonMaxSuppression);
  patterns.add("onnx.Compress", lowerCompress, checkCompress, UnsignedIntegers::accepted);
  patterns.add("onnx.NonZero", lowerNonZero, checkNonZero, UnsignedIntegers::accepted);
  patterns.add("onnx.ReverseSequence", lowerReverseSequence, checkReverseSequence,
               UnsignedIntegers::accepted);
}
