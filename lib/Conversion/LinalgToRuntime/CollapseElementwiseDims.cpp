//===- CollapseElementwiseDims.cpp - fewer loops for elementwise ops ------===//
//
// See LoomCollapseElementwiseDimsPass. The merging itself is linalg's
// (collapseOpIterationDims); this file decides which dimensions merge: the
// longest runs of adjacent loop dimensions that every indexing map holds
// contiguously and in order. It runs after bufferization.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

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
  if (loops < 2 || !op.hasPureBufferSemantics() ||
      !llvm::all_of(op.getIteratorTypesArray(), linalg::isParallelIterator))
    return {};
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
    if (linalg::areDimSequencesPreserved(maps, {longer})) {
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

struct CollapseElementwiseDims
    : loom::impl::LoomCollapseElementwiseDimsPassBase<CollapseElementwiseDims> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : ops) {
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
