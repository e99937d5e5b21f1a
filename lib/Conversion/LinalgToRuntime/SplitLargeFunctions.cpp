//===- SplitLargeFunctions.cpp - keep LLVM's input functions small --------===//
//
// Code generation time must grow linearly with the model: LLVM's instruction
// selection and register allocation do not on one huge function (a chain of
// 1,000 small ops took over two minutes). Cutting the body into runs of a
// bounded size, each its own function, keeps every function LLVM sees small.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"

namespace loom {
#define GEN_PASS_DEF_LOOMSPLITLARGEFUNCTIONSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// Operations in `op`, itself included: the measure of a run's size.
int64_t countOps(Operation *op) {
  int64_t count = 0;
  op->walk([&](Operation *) { ++count; });
  return count;
}

/// Cheap values that each run recomputes instead of receiving: constants
/// (loop bounds must stay visible to LLVM) and addresses of globals.
bool isRematerializable(Operation *op) {
  return op->getNumOperands() == 0 && op->getNumRegions() == 0 &&
         (op->hasTrait<OpTrait::ConstantLike>() || isa<memref::GetGlobalOp>(op));
}

/// Ops that must stay in their function: stack allocations (a run returning
/// one would return freed stack memory). Runs end at them.
bool mustStay(Operation *op) { return isa<memref::AllocaOp, memref::AllocaScopeOp>(op); }

struct LoomSplitLargeFunctionsPass
    : loom::impl::LoomSplitLargeFunctionsPassBase<LoomSplitLargeFunctionsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs)
      if (!func.isDeclaration() && func.getBody().hasOneBlock() &&
          countOps(func) > std::max(minOps, maxOps))
        split(func, symbols);
  }

  void split(func::FuncOp func, SymbolTable &symbols) {
    Block &body = func.front();
    SmallVector<SmallVector<Operation *>> runs(1);
    int64_t size = 0;
    for (Operation &op : body.without_terminator()) {
      // Left in place and cloned into the runs that use them.
      if (isRematerializable(&op))
        continue;
      if (mustStay(&op)) {
        if (!runs.back().empty())
          runs.emplace_back();
        size = 0;
        continue;
      }
      runs.back().push_back(&op);
      size += countOps(&op);
      if (size >= maxOps) {
        runs.emplace_back();
        size = 0;
      }
    }
    unsigned part = 0;
    Operation *last = func; // the outlined functions follow in order
    for (ArrayRef<Operation *> run : runs)
      if (run.size() > 1 || (run.size() == 1 && run[0]->getNumRegions() > 0))
        last = outline(func, run, part++, last, symbols);
  }

  /// Moves `run` into a new function placed after `after`; returns it.
  Operation *outline(func::FuncOp func, ArrayRef<Operation *> run, unsigned part,
                     Operation *after, SymbolTable &symbols) {
    Block &body = func.front();
    llvm::SmallPtrSet<Operation *, 32> inRun(run.begin(), run.end());
    auto definedOutsideRun = [&](Value v) {
      if (auto arg = dyn_cast<BlockArgument>(v))
        return arg.getOwner() == &body;
      Operation *top = body.findAncestorOpInBlock(*v.getDefiningOp());
      return top && !inRun.contains(top);
    };
    // What the run reads from before it (arguments, or clones of cheap
    // values) and what it defines that is used after it (results).
    llvm::SetVector<Value> inputs, clones, outputs;
    for (Operation *op : run) {
      op->walk([&](Operation *nested) {
        for (Value operand : nested->getOperands()) {
          if (!definedOutsideRun(operand))
            continue;
          Operation *def = operand.getDefiningOp();
          (def && isRematerializable(def) ? clones : inputs).insert(operand);
        }
      });
      for (Value result : op->getResults())
        for (Operation *user : result.getUsers()) {
          Operation *top = body.findAncestorOpInBlock(*user);
          if (!top || !inRun.contains(top))
            outputs.insert(result);
        }
    }

    OpBuilder b(func);
    b.setInsertionPointAfter(after);
    auto type = b.getFunctionType(TypeRange(inputs.getArrayRef()),
                                  TypeRange(outputs.getArrayRef()));
    auto outlined = func::FuncOp::create(b, run.front()->getLoc(),
                                         (func.getSymName() + "_part" + Twine(part)).str(),
                                         type);
    outlined.setPrivate();
    // Otherwise LLVM's inliner would put every run back (each has one caller).
    outlined->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
    symbols.insert(outlined);
    Block *entry = outlined.addEntryBlock();

    // The call takes the run's place.
    b.setInsertionPoint(run.front());
    auto call = func::CallOp::create(b, run.front()->getLoc(), outlined,
                                     inputs.getArrayRef());
    for (Operation *op : run)
      op->moveBefore(entry, entry->end());
    auto insideOutlined = [&](OpOperand &use) {
      return outlined->isProperAncestor(use.getOwner());
    };
    b.setInsertionPointToStart(entry);
    for (Value v : clones)
      v.replaceUsesWithIf(b.clone(*v.getDefiningOp())->getResult(0), insideOutlined);
    for (auto [i, v] : llvm::enumerate(inputs)) {
      Value input = v;
      input.replaceUsesWithIf(entry->getArgument(i), insideOutlined);
    }
    for (auto [i, v] : llvm::enumerate(outputs)) {
      Value output = v;
      output.replaceUsesWithIf(call.getResult(i),
                               [&](OpOperand &use) { return !insideOutlined(use); });
    }
    b.setInsertionPointToEnd(entry);
    func::ReturnOp::create(b, run.back()->getLoc(), outputs.getArrayRef());
    return outlined;
  }
};

} // namespace
