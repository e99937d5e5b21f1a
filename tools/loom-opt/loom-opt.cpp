//===- loom-opt.cpp - loom's optimizer driver -------------------*- C++ -*-===//
//
// mlir-opt with loom's dialects and passes added to every upstream dialect,
// extension and pass, so upstream pipelines run on loom IR unchanged.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"
#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Dialect/Onnx/Transforms/Passes.h"
#include "loom/InitAllDialects.h"
#include "loom/Pipelines/Pipelines.h"
#include "loom/Transforms/Passes.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/Support/CommandLine.h"

/// libLLVM registers every backend's flags (AArch64, AMDGPU, Polly, ...) when
/// it is loaded: a thousand lines of --help that no loom pipeline reads. They
/// are the options registered before main runs; MLIR's (the passes, the
/// printing and diagnostics flags) are registered later, by MlirOptMain.
/// The early ones still work and show under --help-hidden.
static void hideLibraryOptions() {
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::StringRef name = entry.first;
    if (name == "help" || name == "version" || name == "debug" || name == "debug-only")
      continue;
    entry.second->setHiddenFlag(llvm::cl::Hidden);
  }
}

int main(int argc, char **argv) {
  hideLibraryOptions();
  mlir::registerAllPasses();
  loom::onnx::registerLoomOnnxPasses();
  loom::decode::registerLoomDecodePasses();
  loom::registerLoomTransformsPasses();
  loom::registerLoomConversionPasses();
  loom::registerPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  loom::registerAllDialects(registry);

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "loom optimizer driver: loom's and MLIR's dialects and passes\n",
      registry));
}
