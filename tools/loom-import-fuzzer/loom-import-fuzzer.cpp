//===- loom-import-fuzzer.cpp - libFuzzer target of the importer -*- C++ -*-===//
//
// Feeds arbitrary bytes to the ONNX importer. Every input must end in either a
// module or diagnostics; a crash, a sanitizer report or a hang is a bug.
// Built only in the sanitizer build (LOOM_SANITIZE=ON); see docs/testing.md.
//
//===----------------------------------------------------------------------===//

#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mlir::DialectRegistry registry;
  loom::registerAllDialects(registry);
  registry.insert<mlir::func::FuncDialect>();
  mlir::MLIRContext context(registry, mlir::MLIRContext::Threading::DISABLED);
  // Diagnostics are the expected outcome for most inputs: drop them.
  mlir::ScopedDiagnosticHandler silence(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  loom::OnnxImportOptions options;
  // No external data next to fuzz inputs: those paths must fail cleanly.
  options.externalDataDir = "/nonexistent-loom-fuzz-dir";
  // Keep allocations of accepted inputs small so the fuzzer stays fast.
  options.maxTensorElements = int64_t(1) << 24;
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  (void)loom::importOnnxModel(bytes, "fuzz.onnx", &context, options);
  return 0;
}
