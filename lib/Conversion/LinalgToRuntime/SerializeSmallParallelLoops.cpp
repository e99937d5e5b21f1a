//===- SerializeSmallParallelLoops.cpp - parallel only where it pays ------===//
//
// convert-linalg-to-parallel-loops makes every parallel dimension of every
// linalg op an scf.parallel; convert-scf-to-openmp then turns each into a
// thread fork and join. That pays for big loops only, and only once per loop
// nest: inner parallel loops and small ones become sequential scf.for nests.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"

namespace loom {
#define GEN_PASS_DEF_LOOMSERIALIZESMALLPARALLELLOOPSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// The loop's static iteration count, or -1 if any bound is dynamic.
int64_t staticTripCount(scf::ParallelOp loop) {
  int64_t count = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    APInt l, u, s;
    if (!matchPattern(lb, m_ConstantInt(&l)) || !matchPattern(ub, m_ConstantInt(&u)) ||
        !matchPattern(step, m_ConstantInt(&s)) || s.getSExtValue() <= 0)
      return -1;
    int64_t n = (u.getSExtValue() - l.getSExtValue() + s.getSExtValue() - 1) / s.getSExtValue();
    count *= std::max<int64_t>(n, 0);
  }
  return count;
}

/// The static trip count of an scf.for, or -1.
int64_t staticTripCount(scf::ForOp loop) {
  APInt l, u, st;
  if (!matchPattern(loop.getLowerBound(), m_ConstantInt(&l)) ||
      !matchPattern(loop.getUpperBound(), m_ConstantInt(&u)) ||
      !matchPattern(loop.getStep(), m_ConstantInt(&st)) || st.getSExtValue() <= 0)
    return -1;
  return std::max<int64_t>(0, (u.getSExtValue() - l.getSExtValue() + st.getSExtValue() - 1) /
                                  st.getSExtValue());
}

/// Whether the loop's total work (its iterations times those of the loops
/// in its body) is known and below minIterations. A dynamic count anywhere
/// counts as large: parallel is the safe guess for run-time sizes.
bool isSmallWork(scf::ParallelOp loop, int64_t minIterations) {
  int64_t work = staticTripCount(loop);
  if (work < 0)
    return false;
  int64_t inner = 1;
  bool dynamic = false;
  loop.getBody()->walk([&](scf::ForOp nested) {
    int64_t trips = staticTripCount(nested);
    if (trips < 0)
      dynamic = true;
    else
      inner = std::max(inner, trips); // the deepest chain is what repeats
  });
  if (dynamic)
    return false;
  return work * inner < minIterations;
}

void serialize(scf::ParallelOp loop) {
  OpBuilder b(loop);
  scf::buildLoopNest(b, loop.getLoc(), loop.getLowerBound(), loop.getUpperBound(),
                     loop.getStep(), [&](OpBuilder &nb, Location, ValueRange ivs) {
                       IRMapping map;
                       map.map(loop.getInductionVars(), ivs);
                       for (Operation &op : loop.getBody()->without_terminator())
                         nb.clone(op, map);
                     });
  loop.erase();
}

struct SerializeSmallParallelLoops
    : loom::impl::LoomSerializeSmallParallelLoopsPassBase<SerializeSmallParallelLoops> {
  using Base::Base;
  bool isSmall(scf::ParallelOp loop) { return isSmallWork(loop, minIterations); }
  void runOnOperation() override {
    SmallVector<scf::ParallelOp> targets;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop.getNumReductions() != 0)
        return;
      bool nested = loop->getParentOfType<scf::ParallelOp>() != nullptr;
      if (nested || isSmall(loop))
        targets.push_back(loop);
    });
    // Inner loops first (the walk is post-order), so clones carry no
    // parallel loops that are themselves about to be erased.
    for (scf::ParallelOp loop : targets)
      serialize(loop);
  }
};

} // namespace
