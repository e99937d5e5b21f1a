//===- InvalidIRGuardTest.cpp - verifier failures as internal errors -----===//
//
// Passes written here break the IR on purpose (a func.return that drops the
// function's result); the guard must turn that into one internal error at
// the node, stop the pipeline, and stay out of the way of passes that fail
// with their own message or do nothing wrong.
//
//===----------------------------------------------------------------------===//

#include "../Dialect/DialectTestBase.h"

#include "loom/Pipelines/InvalidIRGuard.h"

#include "mlir/IR/Builders.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <atomic>

using namespace mlir;

namespace {

/// Replaces the return of @broken (only) by one without operands.
struct DropReturnedValuePass
    : PassWrapper<DropReturnedValuePass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(DropReturnedValuePass)
  StringRef getArgument() const override { return "test-drop-returned-value"; }
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    if (fn.getName() != "broken")
      return;
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    OpBuilder builder(ret);
    func::ReturnOp::create(builder, ret.getLoc());
    ret.erase();
  }
};

/// Fails with its own message, leaving the IR broken as well.
struct RefusePass : PassWrapper<RefusePass, OperationPass<func::FuncOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(RefusePass)
  StringRef getArgument() const override { return "test-refuse"; }
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    auto ret = cast<func::ReturnOp>(fn.getBody().front().getTerminator());
    OpBuilder builder(ret);
    func::ReturnOp::create(builder, ret.getLoc());
    ret.erase();
    fn.emitError("the model's node cannot be compiled");
    signalPassFailure();
  }
};

/// Counts its runs: nothing may run after a pass that broke the IR.
struct CountPass : PassWrapper<CountPass, OperationPass<>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(CountPass)
  explicit CountPass(std::atomic<int> *runs) : runs(runs) {}
  StringRef getArgument() const override { return "test-count"; }
  void runOnOperation() override { ++*runs; }
  std::atomic<int> *runs;
};

constexpr const char *kModule = R"mlir(
func.func @broken(%x: f32) -> f32 {
  return %x : f32 loc("node_A")
}
func.func @fine(%x: f32) -> f32 {
  return %x : f32 loc("node_B")
}
)mlir";

class InvalidIRGuardTest : public loom::test::DialectTest {
protected:
  static size_t count(const std::string &text, const std::string &what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
      ++n;
    return n;
  }
};

TEST_F(InvalidIRGuardTest, BrokenIRBecomesOneInternalErrorAndStopsThePipeline) {
  for (bool threads : {false, true}) {
    SCOPED_TRACE(threads ? "multithreaded" : "one thread");
    context.enableMultithreading(threads);
    diagnostics.clear();
    OwningOpRef<ModuleOp> module = parse(kModule);
    ASSERT_TRUE(module) << diagnostics;
    std::atomic<int> runsAfter{0};
    loom::InvalidIRGuard guard(&context);
    PassManager pm(&context);
    pm.addNestedPass<func::FuncOp>(std::make_unique<DropReturnedValuePass>());
    pm.addNestedPass<func::FuncOp>(std::make_unique<CountPass>(&runsAfter));
    pm.addPass(std::make_unique<CountPass>(&runsAfter)); // not nested: never runs
    EXPECT_TRUE(failed(pm.run(*module)));
    EXPECT_TRUE(guard.tripped());
    EXPECT_NE(diagnostics.find("internal error: loom's pass 'test-drop-returned-value' built "
                               "invalid IR here (for the report: 'func.return' op has 0 "
                               "operands, but enclosing function (@broken) returns 1); please "
                               "report this model"),
              std::string::npos)
        << diagnostics;
    // The verifier's own message is not repeated after the report.
    EXPECT_EQ(count(diagnostics, "'func.return' op"), 1u) << diagnostics;
    EXPECT_EQ(count(diagnostics, "\n"), 1u) << diagnostics;
    // @fine may have gone through the nested pipeline on another thread; the
    // module-level pass after it must not run.
    EXPECT_LE(runsAfter.load(), 1);
  }
}

TEST_F(InvalidIRGuardTest, ReportsAtTheNodeOfTheInvalidOp) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module) << diagnostics;
  context.disableMultithreading();
  std::optional<Location> reportedAt;
  ScopedDiagnosticHandler where(&context, [&](Diagnostic &diag) {
    reportedAt = diag.getLocation();
    return success();
  });
  loom::InvalidIRGuard guard(&context);
  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(std::make_unique<DropReturnedValuePass>());
  EXPECT_TRUE(failed(pm.run(*module)));
  ASSERT_TRUE(reportedAt);
  EXPECT_EQ(*reportedAt, Location(NameLoc::get(StringAttr::get(&context, "node_A"))));
}

TEST_F(InvalidIRGuardTest, APassThatFailsWithItsOwnMessageIsNotAnInternalError) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module) << diagnostics;
  context.disableMultithreading();
  loom::InvalidIRGuard guard(&context);
  PassManager pm(&context);
  pm.addNestedPass<func::FuncOp>(std::make_unique<RefusePass>());
  EXPECT_TRUE(failed(pm.run(*module)));
  EXPECT_FALSE(guard.tripped());
  EXPECT_NE(diagnostics.find("the model's node cannot be compiled"), std::string::npos)
      << diagnostics;
  EXPECT_EQ(diagnostics.find("internal error"), std::string::npos) << diagnostics;
}

TEST_F(InvalidIRGuardTest, PassesThatKeepTheIRValidRunAsBefore) {
  OwningOpRef<ModuleOp> module = parse(kModule);
  ASSERT_TRUE(module) << diagnostics;
  std::atomic<int> runs{0};
  {
    loom::InvalidIRGuard guard(&context);
    PassManager pm(&context);
    pm.addNestedPass<func::FuncOp>(std::make_unique<CountPass>(&runs));
    pm.addPass(std::make_unique<CountPass>(&runs));
    EXPECT_TRUE(succeeded(pm.run(*module)));
    EXPECT_FALSE(guard.tripped());
  }
  EXPECT_EQ(runs.load(), 3); // two functions, then the module
  EXPECT_TRUE(diagnostics.empty()) << diagnostics;
  // Gone with the guard: the context has no action handler left.
  EXPECT_FALSE(context.hasActionHandler());
}

} // namespace
