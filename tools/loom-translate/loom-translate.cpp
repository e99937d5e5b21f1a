//===- loom-translate.cpp - translations into and out of MLIR ---*- C++ -*-===//
//
// mlir-translate with loom's translations; today `--import-onnx`, which reads
// an ONNX model and prints it in the onnx dialect.
//
//===----------------------------------------------------------------------===//

#include "loom/Import/OnnxImporter.h"
#include "loom/InitAllDialects.h"
#include "loom/Support/RegularFile.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Debug/CLOptionsSetup.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/Timing.h"
#include "mlir/InitAllTranslations.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
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

/// Whether argv names a translation (or asks for help or the version).
/// mlirTranslateMain's own check of its required option says so once per
/// translation name (nine lines of the same message); this says it once.
static bool namesTranslation(int argc, char **argv) {
  llvm::cl::opt<bool> probe("loom-translate-probe", llvm::cl::ReallyHidden);
  TranslationParser translations(probe);
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (!arg.consume_front("-"))
      continue;
    arg.consume_front("-");
    arg = arg.split('=').first;
    if (arg.starts_with("help") || arg == "h" || arg == "version")
      return true;
    for (unsigned t = 0, e = translations.getNumOptions(); t < e; ++t)
      if (arg == translations.getOption(t))
        return true;
  }
  return false;
}

/// Whether every input file of an --import-onnx translation is a regular
/// file; prints why not. mlirTranslateMain reads its input whole before the
/// importer sees it, which would block on a FIFO or never end on a device
/// (stdin, "-", stays allowed: a pipe there is what the user asked for).
static bool importInputsAreFiles(int argc, char **argv) {
  bool import = false;
  for (int i = 1; i < argc; ++i)
    import |= StringRef(argv[i]) == "--import-onnx" || StringRef(argv[i]) == "-import-onnx";
  if (!import)
    return true;
  for (int i = 1; i < argc; ++i) {
    StringRef arg = argv[i];
    if (arg == "-o" || arg == "--o") {
      ++i; // the output, which may well be a pipe
      continue;
    }
    if (arg.starts_with("-"))
      continue;
    llvm::sys::fs::file_status status;
    if (!llvm::sys::fs::status(arg, status) &&
        status.type() != llvm::sys::fs::file_type::regular_file) {
      llvm::errs() << arg << ": cannot read the model: " << loom::notRegularFileMessage()
                   << "\n";
      return false;
    }
  }
  return true;
}

int main(int argc, char **argv) {
  registerAllTranslations();
  registerOnnxImport();
  // --help shows the translations, the files and the import's options; the
  // options LLVM and MLIR register for every tool go to --help-hidden. Those
  // registered here are the ones mlirTranslateMain would register itself.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerDefaultTimingManagerCLOptions();
  tracing::DebugConfig::registerCLOptions();
  for (auto &entry : llvm::cl::getRegisteredOptions())
    if (!llvm::any_of(entry.second->Categories, [](llvm::cl::OptionCategory *c) {
          return c == &importCategory || c->getName() == "Generic Options"; // --help, --version
        }))
      entry.second->setHiddenFlag(llvm::cl::Hidden);
  if (!namesTranslation(argc, argv)) {
    llvm::errs() << "loom-translate: no translation given: --import-onnx model.onnx (see "
                    "--help for the others)\n";
    return 1;
  }
  if (!importInputsAreFiles(argc, argv))
    return 1;
  return failed(mlirTranslateMain(argc, argv, "loom translation driver\n"));
}
