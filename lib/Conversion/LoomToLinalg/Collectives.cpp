//===- Collectives.cpp - loom.shard and loom.all_reduce to loomrt calls ---===//
//
// Tensor parallelism's two ops (loom-partition) become calls of loomrt's
// communication functions: the rank is asked at run time, so one compiled
// library serves every rank (each process reads its own block of the
// weights); the sum over ranks is loomrt's, which takes it in rank order on
// every rank.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace loom;

namespace {

/// loomrt's `name` as loom-declare-runtime-kernels declared it; null after
/// an error on `op` if it is missing.
func::FuncOp declaredCallee(Operation *op, StringRef name) {
  auto module = op->getParentOfType<ModuleOp>();
  auto callee = module ? module.lookupSymbol<func::FuncOp>(name) : func::FuncOp();
  if (!callee)
    op->emitError() << "loomrt's @" << name
                    << " is not declared: run loom-declare-runtime-kernels first (the CPU "
                       "pipeline does)";
  return callee;
}

/// This process's rank in [0, ranks) from loomrt, which fails the run if the
/// processes started are not `ranks`.
Value runTimeRank(OpBuilder &b, Location loc, func::FuncOp rankFn, int64_t ranks) {
  Value count = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(ranks));
  Value rank = func::CallOp::create(b, loc, rankFn, ValueRange{count}).getResult(0);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), rank);
}

/// loom.shard: the block [rank * n / ranks, (rank + 1) * n / ranks) of its
/// axis, a slice at a run-time offset.
FailureOr<Value> lowerShard(OpBuilder &b, ShardOp op) {
  func::FuncOp rankFn = declaredCallee(op, "loomrt_comm_rank");
  if (!rankFn)
    return failure();
  Location loc = op.getLoc();
  Value in = op.getInput();
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  int64_t axis = op.getAxis();
  Value rank = runTimeRank(b, loc, rankFn, op.getRanks());
  Value chunk = arith::ConstantIndexOp::create(b, loc, resultType.getDimSize(axis));
  SmallVector<OpFoldResult> offsets(resultType.getRank(), b.getIndexAttr(0));
  offsets[axis] = Value(arith::MulIOp::create(b, loc, rank, chunk));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, in);
  sizes[axis] = b.getIndexAttr(resultType.getDimSize(axis));
  SmallVector<OpFoldResult> strides(resultType.getRank(), b.getIndexAttr(1));
  return Value(tensor::ExtractSliceOp::create(b, loc, resultType, in, offsets, sizes, strides));
}

/// loom.all_reduce: the tensor as one contiguous vector, summed over the
/// ranks by loomrt into a fresh buffer of the same shape.
FailureOr<Value> lowerAllReduce(OpBuilder &b, AllReduceOp op) {
  func::FuncOp callee = declaredCallee(op, "loomrt_all_reduce_f32");
  if (!callee)
    return failure();
  Location loc = op.getLoc();
  Value in = op.getInput();
  auto type = cast<RankedTensorType>(in.getType());
  int64_t rank = type.getRank();
  ReassociationIndices all;
  for (int64_t d = 0; d < rank; ++d)
    all.push_back(d);
  Value flat = rank == 1 ? in : Value(tensor::CollapseShapeOp::create(b, loc, in, {all}));
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, in, d));
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()), dynamicSizes);
  Value outFlat = rank == 1 ? out : Value(memref::CollapseShapeOp::create(b, loc, out, {all}));
  MemRefType view = kernelViewType(type.getElementType(), 1);
  SmallVector<Value> args = {kernelView(b, loc, flat), memref::CastOp::create(b, loc, view, outFlat),
                             arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(op.getRanks()))};
  if (TypeRange(callee.getFunctionType().getInputs()) != TypeRange(ValueRange(args)))
    return op.emitError("loomrt's @loomrt_all_reduce_f32 is declared with an unexpected type");
  func::CallOp::create(b, loc, callee, args);
  return Value(bufferization::ToTensorOp::create(b, loc, type, out, /*restrict=*/true,
                                                 /*writable=*/true));
}

/// loom.all_gather: the input as [rows, n] (its leading axes collapsed), the
/// output a fresh buffer of the result's shape seen as [rows, n * ranks].
FailureOr<Value> lowerAllGather(OpBuilder &b, AllGatherOp op) {
  func::FuncOp callee = declaredCallee(op, "loomrt_all_gather_f32");
  if (!callee)
    return failure();
  Location loc = op.getLoc();
  Value in = op.getInput();
  auto type = cast<RankedTensorType>(in.getType());
  auto resultType = cast<RankedTensorType>(op.getResult().getType());
  int64_t rank = type.getRank();
  // [d0, ..., dn-1] -> [d0 * ... * dn-2, dn-1]; a vector is one row.
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices leading;
  for (int64_t d = 0; d + 1 < rank; ++d)
    leading.push_back(d);
  Value rows = in;
  Value out;
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (resultType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, in, d));
  out = memref::AllocOp::create(
      b, loc, MemRefType::get(resultType.getShape(), resultType.getElementType()),
      dynamicSizes);
  Value outRows = out;
  if (rank == 1) {
    auto asRow = [&](ShapedType t) { return SmallVector<int64_t>{1, t.getDimSize(0)}; };
    groups.push_back({0, 1});
    rows = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(asRow(type), type.getElementType()), in, groups);
    outRows = memref::ExpandShapeOp::create(
        b, loc, MemRefType::get(asRow(resultType), resultType.getElementType()), out, groups);
  } else if (rank > 2) {
    groups = {leading, {rank - 1}};
    rows = tensor::CollapseShapeOp::create(b, loc, in, groups);
    outRows = memref::CollapseShapeOp::create(b, loc, out, groups);
  }
  MemRefType view = kernelViewType(type.getElementType(), 2);
  SmallVector<Value> args = {kernelView(b, loc, rows), memref::CastOp::create(b, loc, view, outRows),
                             arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(op.getRanks()))};
  if (TypeRange(callee.getFunctionType().getInputs()) != TypeRange(ValueRange(args)))
    return op.emitError("loomrt's @loomrt_all_gather_f32 is declared with an unexpected type");
  func::CallOp::create(b, loc, callee, args);
  return Value(bufferization::ToTensorOp::create(b, loc, resultType, out, /*restrict=*/true,
                                                 /*writable=*/true));
}

} // namespace

void loom::populateCollectivePatterns(LoweringPatternSet &patterns) {
  patterns.add(
      "loom.shard",
      [](Operation *op, RankedTensorType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> { return lowerShard(b, cast<ShardOp>(op)); },
      {}, UnsignedIntegers::accepted);
  patterns.add(
      "loom.all_reduce",
      [](Operation *op, RankedTensorType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> {
        return lowerAllReduce(b, cast<AllReduceOp>(op));
      },
      [](Operation *op, const LoweringState &) -> std::string {
        return cast<RankedTensorType>(op->getOperand(0).getType()).getRank() == 0
                   ? "loom.all_reduce of a scalar is not lowered (sum a one-element tensor)"
                   : "";
      });
  patterns.add("loom.all_gather",
               [](Operation *op, RankedTensorType, PatternRewriter &b,
                  const LoweringState &) -> FailureOr<Value> {
                 return lowerAllGather(b, cast<AllGatherOp>(op));
               });
}
