//===- ControlFlow.cpp - If and Loop as scf --------------------------------===//
//
// ONNX's control flow keeps its subgraphs as regions (the importer's
// onnx.If / onnx.Loop with onnx.yield terminators). The ops inside are
// lowered like any others (the driver visits them first); these patterns
// then move the regions into scf.if / scf.while and turn each onnx.yield
// into the scf terminator. Tensors stay values, so bufferization decides
// where they live.
//
// Loop: carried values and scan outputs (stacked along a new leading
// dimension). Scan outputs need the trip count M: they are written into a
// tensor of M slices and cut to the iterations that ran.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace loom;

/// `v` as `type` (a tensor.cast where only static sizes differ).
static Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  return v.getType() == type ? v : Value(tensor::CastOp::create(b, loc, type, v));
}

/// If: scf.if with the two branch regions moved in (the onnx op keeps them
/// in attribute-name order: else_branch, then then_branch).
static FailureOr<Value> lowerIf(Operation *op, RankedTensorType, PatternRewriter &b,
                                const LoweringState &) {
  Location loc = op->getLoc();
  auto ifOp = scf::IfOp::create(b, loc, op->getResultTypes(), scalarOf(b, loc, op->getOperand(0)),
                                /*addThenBlock=*/false, /*addElseBlock=*/false);
  auto onnxIf = cast<onnx::IfOp>(op);
  for (auto [from, to] : {std::pair<Region *, Region *>{&onnxIf.getThenBranch(), &ifOp.getThenRegion()},
                          {&onnxIf.getElseBranch(), &ifOp.getElseRegion()}}) {
    b.inlineRegionBefore(*from, *to, to->end());
    Region &region = *to;
    Operation *yield = region.front().getTerminator();
    b.setInsertionPoint(yield);
    SmallVector<Value> values;
    for (auto [v, type] : llvm::zip(yield->getOperands(), op->getResultTypes()))
      values.push_back(castTo(b, yield->getLoc(), v, type));
    b.replaceOpWithNewOp<scf::YieldOp>(yield, values);
  }
  b.setInsertionPointAfter(ifOp);
  for (unsigned i = 1; i < op->getNumResults(); ++i)
    b.replaceAllUsesWith(op->getResult(i), ifOp.getResult(i));
  return ifOp.getResult(0);
}

static std::string checkIf(Operation *op, const LoweringState &) {
  auto cond = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!cond.getElementType().isInteger(1) || !cond.hasStaticShape() || cond.getNumElements() != 1)
    return "the condition must be one boolean";
  if (op->getNumResults() == 0)
    return "an If without outputs does nothing; loom does not lower it";
  for (unsigned i = 0; i < 2; ++i) {
    Region &region = op->getRegion(i);
    if (!region.hasOneBlock() || region.front().getNumArguments() != 0)
      return "each branch must be one subgraph without inputs";
    Operation *yield = region.front().getTerminator();
    if (!yield || yield->getNumOperands() != op->getNumResults())
      return "each branch must produce one value per output";
    for (auto [v, result] : llvm::zip(yield->getOperands(), op->getResults()))
      if (!isa<RankedTensorType>(v.getType()) ||
          !tensor::CastOp::areCastCompatible(v.getType(), result.getType()))
        return "a branch output's type does not fit the If's output (branches whose shapes "
               "differ need a dynamic output shape)";
  }
  return "";
}

/// Loop: scf.while carrying (iteration, condition, values..., scan
/// buffers...). The body region's inputs (iteration number, condition,
/// values) become the after-region's arguments; each scan output of an
/// iteration is inserted as slice `iteration` of its buffer.
static FailureOr<Value> lowerLoop(Operation *op, RankedTensorType, PatternRewriter &b,
                                  const LoweringState &) {
  Location loc = op->getLoc();
  auto loop = cast<onnx::LoopOp>(op);
  Value tripCount = loop.getM(), condition = loop.getCond();
  ValueRange initial = loop.getVInitial();
  unsigned carried = initial.size();
  unsigned scans = op->getNumResults() - carried;
  Block &body = op->getRegion(0).front();
  Operation *yield = body.getTerminator();
  Value zero = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
  Value trips = tripCount ? scalarOf(b, loc, tripCount)
                          : arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(INT64_MAX));
  Value cond0 = condition ? scalarOf(b, loc, condition)
                          : arith::ConstantOp::create(b, loc, b.getBoolAttr(true));
  // Scan buffers: M slices of each scan output's per-iteration shape (the
  // body's; the declared result may say less: torch writes symbolic sizes
  // there). A size known only at run time (a batch the body reads from
  // outside) is 0 until the first iteration allocates the buffer with the
  // sizes it produced.
  SmallVector<Value> buffers;
  Value tripsIndex = toIndex(b, loc, trips);
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  for (unsigned s = 0; s < scans; ++s) {
    auto resultType = cast<RankedTensorType>(op->getResult(carried + s).getType());
    auto sliceType = cast<RankedTensorType>(yield->getOperand(1 + carried + s).getType());
    auto bufferType = RankedTensorType::get(
        [&] {
          SmallVector<int64_t> shape = {ShapedType::kDynamic};
          shape.append(sliceType.getShape().begin(), sliceType.getShape().end());
          return shape;
        }(),
        resultType.getElementType());
    SmallVector<Value> sizes = {tripsIndex};
    sizes.append(sliceType.getNumDynamicDims(), zeroIndex);
    buffers.push_back(tensor::EmptyOp::create(b, loc, bufferType, sizes));
  }
  SmallVector<Value> inits = {zero, cond0};
  for (auto [v, arg] : llvm::zip(initial, body.getArguments().drop_front(2)))
    inits.push_back(castTo(b, loc, v, arg.getType()));
  inits.append(buffers.begin(), buffers.end());
  SmallVector<Type> types = llvm::map_to_vector(inits, [](Value v) { return v.getType(); });
  SmallVector<Location> locs(types.size(), loc);
  auto whileOp = scf::WhileOp::create(b, loc, types, inits);
  // before: go on while iteration < M and the condition holds.
  Block *before = b.createBlock(&whileOp.getBefore(), {}, types, locs);
  Value more = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, before->getArgument(0), trips),
      before->getArgument(1));
  scf::ConditionOp::create(b, loc, more, before->getArguments());
  // after: the body, with its inputs as 0-D tensors.
  Block *after = b.createBlock(&whileOp.getAfter(), {}, types, locs);
  Value iteration = after->getArgument(0);
  SmallVector<Value> bodyInputs = {
      tensor::FromElementsOp::create(b, loc, body.getArgument(0).getType(), ValueRange{iteration}),
      tensor::FromElementsOp::create(b, loc, body.getArgument(1).getType(),
                                     ValueRange{after->getArgument(1)})};
  for (unsigned i = 0; i < carried; ++i)
    bodyInputs.push_back(after->getArgument(2 + i));
  b.inlineBlockBefore(&body, after, after->end(), bodyInputs);
  b.setInsertionPoint(yield);
  SmallVector<Value> next = {
      arith::AddIOp::create(b, loc, iteration, arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(1))),
      scalarOf(b, loc, yield->getOperand(0))};
  for (unsigned i = 0; i < carried; ++i)
    next.push_back(castTo(b, loc, yield->getOperand(1 + i), types[2 + i]));
  func::FuncOp report = runtimeErrorReporter(op);
  for (unsigned s = 0; s < scans; ++s) {
    Value slice = yield->getOperand(1 + carried + s);
    auto sliceType = cast<RankedTensorType>(slice.getType());
    Value buffer = after->getArgument(2 + carried + s);
    auto bufferType = cast<RankedTensorType>(buffer.getType());
    int64_t rank = sliceType.getRank() + 1;
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides(rank, b.getIndexAttr(1));
    offsets[0] = toIndex(b, loc, iteration);
    sizes.push_back(b.getIndexAttr(1));
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < sliceType.getRank(); ++d) {
      if (!sliceType.isDynamicDim(d)) {
        sizes.push_back(b.getIndexAttr(sliceType.getDimSize(d)));
        continue;
      }
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, slice, d));
      sizes.push_back(dynamicSizes.back());
    }
    if (dynamicSizes.empty()) {
      next.push_back(tensor::InsertSliceOp::create(b, loc, slice, buffer, offsets, sizes, strides));
      continue;
    }
    // Sizes known at run time: the first iteration allocates the buffer,
    // later ones must give the same sizes (ONNX's rule; a different one
    // would write outside the buffer): a shape error, and no write.
    Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, iteration, zero);
    SmallVector<Value> allocSizes = {tripsIndex};
    allocSizes.append(dynamicSizes);
    auto allocated = scf::IfOp::create(
        b, loc, first,
        [&](OpBuilder &nb, Location nloc) {
          scf::YieldOp::create(nb, nloc,
                               ValueRange{tensor::EmptyOp::create(nb, nloc, bufferType, allocSizes)});
        },
        [&](OpBuilder &nb, Location nloc) { scf::YieldOp::create(nb, nloc, ValueRange{buffer}); });
    Value target = allocated.getResult(0);
    Value differs = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    for (int64_t d = 0, k = 0; d < sliceType.getRank(); ++d) {
      if (!sliceType.isDynamicDim(d))
        continue;
      Value held = tensor::DimOp::create(b, loc, target, d + 1);
      differs = arith::OrIOp::create(
          b, loc, differs,
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, held, dynamicSizes[k++]));
    }
    reportIf(b, loc, differs, report, LOOM_ABI_ERROR_SHAPE_MISMATCH);
    auto written = scf::IfOp::create(
        b, loc, differs,
        [&](OpBuilder &nb, Location nloc) { scf::YieldOp::create(nb, nloc, ValueRange{target}); },
        [&](OpBuilder &nb, Location nloc) {
          scf::YieldOp::create(
              nb, nloc,
              ValueRange{tensor::InsertSliceOp::create(nb, nloc, slice, target, offsets, sizes,
                                                       strides)});
        });
    next.push_back(written.getResult(0));
  }
  b.replaceOpWithNewOp<scf::YieldOp>(yield, next);
  b.setInsertionPointAfter(whileOp);
  // Results: the carried values, then each buffer cut to the iterations run.
  SmallVector<Value> results;
  for (unsigned i = 0; i < carried; ++i)
    results.push_back(castTo(b, loc, whileOp.getResult(2 + i), op->getResult(i).getType()));
  Value ran = toIndex(b, loc, whileOp.getResult(0));
  for (unsigned s = 0; s < scans; ++s) {
    Value buffer = whileOp.getResult(2 + carried + s);
    auto bufferType = cast<RankedTensorType>(buffer.getType());
    int64_t rank = bufferType.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes, strides(rank, b.getIndexAttr(1));
    sizes.push_back(ran);
    for (int64_t d = 1; d < rank; ++d)
      sizes.push_back(bufferType.isDynamicDim(d)
                          ? OpFoldResult(tensor::DimOp::create(b, loc, buffer, d).getResult())
                          : OpFoldResult(b.getIndexAttr(bufferType.getDimSize(d))));
    Value cut = tensor::ExtractSliceOp::create(b, loc, buffer, offsets, sizes, strides);
    results.push_back(castTo(b, loc, cut, op->getResult(carried + s).getType()));
  }
  for (unsigned i = 1; i < results.size(); ++i)
    b.replaceAllUsesWith(op->getResult(i), results[i]);
  return results[0];
}

static std::string checkLoop(Operation *op, const LoweringState &) {
  auto loop = cast<onnx::LoopOp>(op);
  for (Value v : {loop.getM(), loop.getCond()})
    if (v && (!cast<RankedTensorType>(v.getType()).hasStaticShape() ||
              cast<RankedTensorType>(v.getType()).getNumElements() != 1))
      return "M and cond must each hold one value";
  Region &region = op->getRegion(0);
  if (!region.hasOneBlock())
    return "the body must be one subgraph";
  Block &body = region.front();
  unsigned carried = loop.getVInitial().size();
  if (body.getNumArguments() != 2 + carried)
    return "the body must take the iteration number, the condition and each carried value";
  Operation *yield = body.getTerminator();
  if (!yield || yield->getNumOperands() != 1 + op->getNumResults() ||
      op->getNumResults() < carried)
    return "the body must produce the condition, each carried value and each scan output";
  for (unsigned i = 0; i < 2; ++i) {
    auto type = dyn_cast<RankedTensorType>(body.getArgument(i).getType());
    if (!type || type.getRank() != 0)
      return "the body's iteration number and condition inputs must be scalars";
  }
  if (!cast<RankedTensorType>(body.getArgument(0).getType()).getElementType().isInteger(64) ||
      !cast<RankedTensorType>(body.getArgument(1).getType()).getElementType().isInteger(1))
    return "the body's iteration number must be int64 and its condition boolean";
  for (unsigned i = 0; i < carried; ++i) {
    Type in = body.getArgument(2 + i).getType(), out = yield->getOperand(1 + i).getType();
    if (!isa<RankedTensorType>(in) || !isa<RankedTensorType>(out) ||
        !tensor::CastOp::areCastCompatible(in, out) ||
        !tensor::CastOp::areCastCompatible(in, loop.getVInitial()[i].getType()))
      return "carried value " + std::to_string(i) +
             " changes its type between iterations, which loom does not support";
  }
  unsigned scans = op->getNumResults() - carried;
  if (scans > 0 && !loop.getM())
    return "scan outputs need the trip count M";
  for (unsigned s = 0; s < scans; ++s) {
    auto slice = dyn_cast<RankedTensorType>(yield->getOperand(1 + carried + s).getType());
    auto result = cast<RankedTensorType>(op->getResult(carried + s).getType());
    if (!slice || result.getRank() != slice.getRank() + 1)
      return "scan output " + std::to_string(s) + " needs the same rank in every iteration";
    for (int64_t d = 0; d < slice.getRank(); ++d)
      if (!result.isDynamicDim(d + 1) && !slice.isDynamicDim(d) &&
          result.getDimSize(d + 1) != slice.getDimSize(d))
        return "scan output " + std::to_string(s) + " is declared with size " +
               std::to_string(result.getDimSize(d + 1)) + " at dimension " +
               std::to_string(d + 1) + ", but the body gives " +
               std::to_string(slice.getDimSize(d));
  }
  return "";
}

void loom::populateControlFlowLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add("onnx.If", lowerIf, checkIf, UnsignedIntegers::accepted);
  patterns.add("onnx.Loop", lowerLoop, checkLoop, UnsignedIntegers::accepted);
}
