//===- SerializeSmallParallelLoops.cpp - parallel only where it pays ------===//
//
// convert-linalg-to-parallel-loops makes every parallel dimension of every
// linalg op an scf.parallel; convert-scf-to-openmp then turns each into a
// thread fork and join. That pays for big loops only, and only once per loop
// nest: inner parallel loops and small ones become sequential scf.for nests,
// and loops whose size is known only at run time check it there.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// The iterations each of the loop's iterations runs (the longest static
/// scf.for in its body), or -1 if a loop in its body has a dynamic count.
int64_t staticInnerWork(scf::ParallelOp loop) {
  int64_t inner = 1;
  bool dynamic = false;
  loop.getBody()->walk([&](scf::ForOp nested) {
    int64_t trips = staticTripCount(nested);
    if (trips < 0)
      dynamic = true;
    else
      inner = std::max(inner, trips); // the deepest chain is what repeats
  });
  return dynamic ? -1 : inner;
}

/// Whether the loop's total work (its iterations times those of the loops
/// in its body) is known and below minIterations. A dynamic count anywhere
/// counts as large here (see guardBySize for a dynamic outer count).
bool isSmallWork(scf::ParallelOp loop, int64_t minIterations) {
  int64_t work = staticTripCount(loop), inner = staticInnerWork(loop);
  return work >= 0 && inner >= 0 && work * inner < minIterations;
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

/// A loop whose iteration count is known only at run time, over a body of
/// static work, runs in parallel only when its work reaches minIterations:
/// `scf.if` picks the loop or a sequential copy of it. A step over two
/// tokens is as small as a one-token step but its sizes are dynamic; every
/// OpenMP loop costs a fork, a join and a libomp work-sharing call (in
/// Debian's libomp, whose debug build formats a trace string per call,
/// also a malloc and a vsnprintf), about 45% of stories260K's two-token
/// step on one thread before this guard.
void guardBySize(scf::ParallelOp loop, int64_t inner, int64_t minIterations) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value work = arith::ConstantIndexOp::create(b, loc, inner);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value trips = arith::CeilDivSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), step);
    work = arith::MulIOp::create(b, loc, work, arith::MaxSIOp::create(b, loc, trips, zero));
  }
  Value large = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, work,
                                      arith::ConstantIndexOp::create(b, loc, minIterations));
  auto choice = scf::IfOp::create(b, loc, large, /*withElseRegion=*/true);
  OpBuilder elseBuilder = OpBuilder::atBlockTerminator(choice.elseBlock());
  auto sequential = cast<scf::ParallelOp>(elseBuilder.clone(*loop.getOperation()));
  loop->moveBefore(choice.thenBlock()->getTerminator());
  serialize(sequential);
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
    // Then the outermost loops left with a dynamic count over static work.
    SmallVector<std::pair<scf::ParallelOp, int64_t>> dynamic;
    getOperation().walk([&](scf::ParallelOp loop) {
      int64_t inner = staticInnerWork(loop);
      if (loop.getNumReductions() == 0 && staticTripCount(loop) < 0 && inner >= 0)
        dynamic.emplace_back(loop, inner);
    });
    for (auto [loop, inner] : dynamic)
      guardBySize(loop, inner, minIterations);
  }
};

} // namespace
