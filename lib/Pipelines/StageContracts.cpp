//===- StageContracts.cpp - checks that end each pipeline -------*- C++ -*-===//
//
// What a stage promises the next one, checked where the stage ends so that a
// model the next stage cannot take is reported once, with every offending
// node, in words a user can act on.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Pipelines/Passes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

namespace loom {
#define GEN_PASS_DEF_LOOMCHECKGRAPHCONTRACTPASS
#define GEN_PASS_DEF_LOOMCHECKLLVMCONTRACTPASS
#include "loom/Pipelines/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// "node 'NAME' (dialect.Op)" for ops imported from ONNX (their location is
/// the node name), else "(dialect.Op)".
std::string describeNode(Operation *op) {
  std::string text = "(" + op->getName().getStringRef().str() + ")";
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return "node '" + name.getName().str() + "' " + text;
  return text;
}

struct LoomCheckGraphContractPass
    : loom::impl::LoomCheckGraphContractPassBase<LoomCheckGraphContractPass> {
  void runOnOperation() override {
    SmallVector<std::string> offenders;
    getOperation().walk([&](Operation *op) {
      StringRef dialect = op->getName().getDialectNamespace();
      if (dialect != "onnx" && dialect != "loom")
        return;
      auto firstUnranked = [&](TypeRange types, StringRef kind) -> std::optional<std::string> {
        for (auto [i, type] : llvm::enumerate(types)) {
          if (!isa<UnrankedTensorType>(type))
            continue;
          std::string text;
          llvm::raw_string_ostream os(text);
          os << kind << " " << i << " has type " << type;
          return text;
        }
        return std::nullopt;
      };
      std::optional<std::string> what = firstUnranked(op->getResultTypes(), "result");
      if (!what)
        what = firstUnranked(op->getOperandTypes(), "operand");
      if (what)
        offenders.push_back(describeNode(op) + ": " + *what);
    });
    if (offenders.empty()) {
      if (failed(checkLowerable()))
        signalPassFailure();
      return;
    }
    // Not getOperation().emitError(): that would attach the whole module.
    InFlightDiagnostic diag = emitError(getOperation().getLoc())
                              << offenders.size()
                              << " node(s) have tensors of unknown rank, which loom cannot "
                                 "compile yet:";
    for (const std::string &offender : offenders)
      diag << "\n  " << offender;
    signalPassFailure();
  }

  /// Every remaining op has a CPU lowering that takes it: reported as the
  /// lowerings would report them (one error per node, naming it and why),
  /// but before the generate stage and the lowering start.
  LogicalResult checkLowerable() {
    bool ok = true;
    getOperation().walk([&](func::FuncOp func) {
      loom::LoweringState state;
      state.unsignedValues = loom::collectUnsignedValues(func);
      loom::LoweringPatternSet onnxPatterns(&getContext(), state);
      loom::populateOnnxToLinalgPatterns(onnxPatterns);
      loom::LoweringPatternSet loomPatterns(&getContext(), state);
      loom::populateLoomToLinalgPatterns(loomPatterns);
      std::vector<loom::UnlowerableOp> found =
          loom::findUnlowerableOps(func, onnxPatterns, "onnx");
      for (loom::UnlowerableOp &op : loom::findUnlowerableOps(func, loomPatterns, "loom"))
        found.push_back(std::move(op));
      ok &= succeeded(loom::reportUnlowerableOps(found));
    });
    return success(ok);
  }
};

struct LoomCheckLLVMContractPass
    : loom::impl::LoomCheckLLVMContractPassBase<LoomCheckLLVMContractPass> {
  void runOnOperation() override {
    llvm::SetVector<StringRef> leftOver;
    Operation *first = nullptr;
    getOperation().walk([&](Operation *op) {
      // omp ops (the parallel loops) translate to LLVM IR alongside llvm ops.
      StringRef dialect = op->getName().getDialectNamespace();
      if (op == getOperation().getOperation() || dialect == "llvm" || dialect == "omp")
        return;
      if (!first)
        first = op;
      leftOver.insert(op->getName().getStringRef());
    });
    if (!first)
      return;
    emitError(first->getLoc()) << "internal error: the CPU lowering left "
                       << llvm::join(leftOver.getArrayRef(), ", ")
                       << " outside the LLVM and OpenMP dialects (first: " << describeNode(first)
                       << "); please report this model";
    signalPassFailure();
  }
};

} // namespace
