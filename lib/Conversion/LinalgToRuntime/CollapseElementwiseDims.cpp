//===- CollapseElementwiseDims.cpp - fewer loops for elementwise ops ------===//
//
// See LoomCollapseElementwiseDimsPass. The merging itself is linalg's
// (collapseOpIterationDims); this file decides which dimensions merge: the
// longest runs of adjacent loop dimensions that every indexing map holds
// contiguously and in order. It runs after bufferization.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"

namespace loom {
#define GEN_PASS_DEF_LOOMCOLLAPSEELEMENTWISEDIMSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// The runs of adjacent loops to merge (only runs of two or more), or none.
SmallVector<ReassociationIndices> collapsibleRuns(linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (loops < 2 || !op.hasPureBufferSemantics())
    return {};
  // Reductions merge too (an instance norm's sums over H and W): a run
  // keeps one iterator type, so parallel and reduced loops stay apart.
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  // On buffers: the operands are viewed collapsed (memref.collapse_shape)
  // and the op writes its output buffer in place, so nothing is expanded
  // back (LLVM 22's expand-strided-metadata crashes on a memref.expand_shape
  // with two dynamic sizes in a group). The views need contiguous buffers:
  // identity layouts only (kernel views and subviews are strided).
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.getLayout().isIdentity())
      return {};
  }
  // Merged loops get one index: a body that reads indices would need them
  // split again (divisions: what the merge is meant to remove).
  if (!op.getBody()->getOps<linalg::IndexOp>().empty())
    return {};
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  // Operands indexed by loop dimensions only: a constant index (a size-1
  // dimension broadcast as `0`) would need its own extent in the merged
  // loop, which the collapsed view does not have.
  if (!llvm::all_of(maps, [](AffineMap map) { return map.isProjectedPermutation(); }))
    return {};
  SmallVector<ReassociationIndices> runs;
  ReassociationIndices run = {0};
  for (unsigned d = 1; d < loops; ++d) {
    ReassociationIndices longer = run;
    longer.push_back(d);
    if (iterators[d] == iterators[run.front()] &&
        linalg::areDimSequencesPreserved(maps, {longer})) {
      run = longer;
      continue;
    }
    if (run.size() > 1)
      runs.push_back(run);
    run = {int64_t(d)};
  }
  if (run.size() > 1)
    runs.push_back(run);
  return runs;
}

/// An input broadcast from size-1 dimensions by constant indices (a [C, 1, 1]
/// scale over NCHW: (d0, d1, d2, d3) -> (d1, 0, 0)) viewed without them
/// ((d1) over [C]), so that the op's maps become projected permutations and
/// its loops can merge. Returns the rewritten op, or `op` unchanged.
linalg::GenericOp dropUnitBroadcasts(linalg::GenericOp op, IRRewriter &rewriter) {
  if (!op.hasPureBufferSemantics())
    return op;
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool changed = false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    Value value = input->get();
    auto type = dyn_cast<MemRefType>(value.getType());
    AffineMap map = maps[input->getOperandNumber()];
    SmallVector<bool> drop(map.getNumResults(), false);
    bool any = false;
    if (type && type.getLayout().isIdentity())
      for (unsigned r = 0; r < map.getNumResults(); ++r) {
        auto constant = dyn_cast<AffineConstantExpr>(map.getResult(r));
        if (constant && constant.getValue() == 0 && type.getDimSize(r) == 1)
          drop[r] = any = true;
      }
    if (!any) {
      inputs.push_back(value);
      continue;
    }
    // Each dropped dimension joins the group of the next kept one (or of
    // the last kept one, at the end).
    SmallVector<ReassociationIndices> groups;
    ReassociationIndices pending;
    SmallVector<AffineExpr> kept;
    for (unsigned r = 0; r < map.getNumResults(); ++r) {
      pending.push_back(r);
      if (drop[r])
        continue;
      groups.push_back(pending);
      pending.clear();
      kept.push_back(map.getResult(r));
    }
    if (!pending.empty() && !groups.empty())
      groups.back().append(pending.begin(), pending.end());
    rewriter.setInsertionPoint(op);
    inputs.push_back(memref::CollapseShapeOp::create(rewriter, op.getLoc(), value, groups));
    maps[input->getOperandNumber()] =
        AffineMap::get(map.getNumDims(), 0, kept, op.getContext());
    changed = true;
  }
  if (!changed)
    return op;
  SmallVector<Value> outputs(op.getDpsInits());
  rewriter.setInsertionPoint(op);
  auto rewritten = linalg::GenericOp::create(rewriter, op.getLoc(), TypeRange{}, inputs, outputs,
                                             maps, op.getIteratorTypesArray());
  rewriter.inlineRegionBefore(op.getRegion(), rewritten.getRegion(),
                              rewritten.getRegion().begin());
  rewriter.eraseOp(op);
  return rewritten;
}

/// A buffer viewed as one dimension (identity layout, rank >= 1).
Value flatView(IRRewriter &rewriter, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return memref::CollapseShapeOp::create(rewriter, loc, buffer,
                                         ArrayRef<ReassociationIndices>{all});
}

/// reshapeByCopy's generic (kReshapeCopyAttr) between contiguous buffers:
/// a one-dimensional copy of the first min(source, output) elements, instead
/// of a loop that splits every output index into the source's by division.
/// (The output has the source's element count, or none after a failed size
/// check.)
LogicalResult flattenReshapeCopy(linalg::GenericOp op, IRRewriter &rewriter) {
  if (!op->hasAttr(loom::kReshapeCopyAttr) || !op.hasPureBufferSemantics() ||
      op.getNumDpsInputs() != 0 || op.getNumDpsInits() != 1)
    return failure();
  auto loads = op.getBody()->getOps<memref::LoadOp>();
  if (!llvm::hasSingleElement(loads))
    return failure();
  Value source = (*loads.begin()).getMemRef();
  Value output = op.getDpsInitOperand(0)->get();
  auto sourceType = dyn_cast<MemRefType>(source.getType());
  auto outputType = cast<MemRefType>(output.getType());
  if (!sourceType || op->isAncestor(source.getParentBlock()->getParentOp()) ||
      !sourceType.getLayout().isIdentity() || !outputType.getLayout().isIdentity() ||
      sourceType.getRank() == 0 || outputType.getRank() == 0 ||
      sourceType.getElementType() != outputType.getElementType())
    return failure();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value from = flatView(rewriter, loc, source), to = flatView(rewriter, loc, output);
  Value count = arith::MinUIOp::create(rewriter, loc, memref::DimOp::create(rewriter, loc, from, 0),
                                       memref::DimOp::create(rewriter, loc, to, 0));
  auto prefix = [&](Value flat) -> Value {
    return memref::SubViewOp::create(rewriter, loc, flat,
                                     ArrayRef<OpFoldResult>{rewriter.getIndexAttr(0)},
                                     ArrayRef<OpFoldResult>{count},
                                     ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
  };
  AffineMap id = rewriter.getMultiDimIdentityMap(1);
  linalg::GenericOp::create(rewriter, loc, ValueRange{prefix(from)}, ValueRange{prefix(to)},
                            ArrayRef<AffineMap>{id, id},
                            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
                            [](OpBuilder &b, Location l, ValueRange args) {
                              linalg::YieldOp::create(b, l, args[0]);
                            });
  rewriter.eraseOp(op);
  return success();
}

struct CollapseElementwiseDims
    : loom::impl::LoomCollapseElementwiseDimsPassBase<CollapseElementwiseDims> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
      if (succeeded(flattenReshapeCopy(op, rewriter)))
        continue;
      op = dropUnitBroadcasts(op, rewriter);
      SmallVector<ReassociationIndices> runs = collapsibleRuns(op);
      if (runs.empty())
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::CollapseResult> collapsed =
          linalg::collapseOpIterationDims(cast<linalg::LinalgOp>(op.getOperation()), runs, rewriter);
      if (failed(collapsed))
        continue; // left as it is: merging is an optimization
      rewriter.replaceOp(op, collapsed->results);
    }
  }
};

} // namespace
