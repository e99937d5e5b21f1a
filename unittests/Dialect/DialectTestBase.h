//===- DialectTestBase.h - shared fixture of the dialect tests --*- C++ -*-===//

#ifndef LOOM_UNITTESTS_DIALECT_DIALECTTESTBASE_H
#define LOOM_UNITTESTS_DIALECT_DIALECTTESTBASE_H

#include "loom/InitAllDialects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

#include <string>

namespace loom::test {

/// A context with loom's dialects and func loaded, which collects diagnostics
/// instead of printing them so tests can assert on them.
class DialectTest : public ::testing::Test {
protected:
  DialectTest() {
    mlir::DialectRegistry registry;
    loom::registerAllDialects(registry);
    registry.insert<mlir::func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    handler = std::make_unique<mlir::ScopedDiagnosticHandler>(
        &context, [this](mlir::Diagnostic &diag) {
          diagnostics += diag.str() + "\n";
          return mlir::success();
        });
  }

  /// Parses `source`; a null module means it did not parse or verify, and
  /// `diagnostics` says why.
  mlir::OwningOpRef<mlir::ModuleOp> parse(llvm::StringRef source) {
    return mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  }

  mlir::MLIRContext context;
  std::string diagnostics;
  std::unique_ptr<mlir::ScopedDiagnosticHandler> handler;
};

} // namespace loom::test

#endif // LOOM_UNITTESTS_DIALECT_DIALECTTESTBASE_H
