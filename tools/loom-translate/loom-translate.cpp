//===- loom-translate.cpp - translations into and out of MLIR ---*- C++ -*-===//
//
// mlir-translate with loom's translations; today `--import-onnx`, which reads
// an ONNX model and prints it in the onnx dialect.
//
//===----------------------------------------------------------------------===//

#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::OptionCategory importCategory("ONNX import options");

static llvm::cl::opt<bool> allowUnsupported(
    "allow-unsupported",
    llvm::cl::desc("Import operators loom does not define as onnx.unsupported "
                   "instead of failing with a list of them"),
    llvm::cl::init(false), llvm::cl::cat(importCategory));

static llvm::cl::opt<bool> noShapeInference(
    "no-shape-inference",
    llvm::cl::desc("Skip ONNX shape inference before import (types come only "
                   "from the model's own value_info)"),
    llvm::cl::init(false), llvm::cl::cat(importCategory));

static llvm::cl::opt<bool> noShapeRefinement(
    "no-shape-refinement",
    llvm::cl::desc("Skip loom-onnx-refine-shapes after import (leaves the shape "
                   "arithmetic of exported graphs unevaluated)"),
    llvm::cl::init(false), llvm::cl::cat(importCategory));

static void registerOnnxImport() {
  TranslateToMLIRRegistration importOnnx(
      "import-onnx", "import an ONNX model (.onnx) into the onnx dialect",
      [](llvm::SourceMgr &sourceMgr, MLIRContext *context) -> OwningOpRef<Operation *> {
        // Import errors name the ONNX node; the op's IR would mean nothing to a user.
        context->printOpOnDiagnostic(false);
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        loom::OnnxImportOptions options;
        options.inferShapes = !noShapeInference;
        options.refineShapes = !noShapeRefinement;
        StringRef name = buffer->getBufferIdentifier();
        options.externalDataDir = llvm::sys::path::parent_path(name).str();
        if (options.externalDataDir.empty())
          options.externalDataDir = ".";
        OwningOpRef<ModuleOp> module =
            loom::importOnnxModel(buffer->getBuffer(), name, context, options);
        if (!module)
          return nullptr;
        if (!allowUnsupported && failed(loom::reportUnsupportedOps(*module)))
          return nullptr;
        return OwningOpRef<Operation *>(module.release());
      },
      [](DialectRegistry &registry) {
        loom::registerAllDialects(registry);
        registry.insert<func::FuncDialect>();
      });
}

int main(int argc, char **argv) {
  registerAllTranslations();
  registerOnnxImport();
  return failed(mlirTranslateMain(argc, argv, "loom translation driver\n"));
}
