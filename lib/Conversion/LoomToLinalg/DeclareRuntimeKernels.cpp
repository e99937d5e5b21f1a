//===- DeclareRuntimeKernels.cpp - loomrt kernels for the lowerings ------===//
//
// The tensor-level lowerings (onnx and loom ops to linalg) run on each
// function and must not add symbols to the module, so the loomrt functions
// they call are declared before them. Every kernel of loom-c/Abi.h's table is
// declared, whatever the module holds: a lowering never has to be listed
// here to get its kernel or its error reporter, so a new lowering cannot
// silently lose a run-time check by being missing from a list.
// loom-erase-unused-runtime-kernels removes the declarations nothing called
// once the lowerings have run.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"

#include "mlir/IR/SymbolTable.h"

namespace loom {
#define GEN_PASS_DEF_LOOMDECLARERUNTIMEKERNELSPASS
#define GEN_PASS_DEF_LOOMERASEUNUSEDRUNTIMEKERNELSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

struct LoomDeclareRuntimeKernelsPass
    : loom::impl::LoomDeclareRuntimeKernelsPassBase<LoomDeclareRuntimeKernelsPass> {
  void runOnOperation() override {
    for (loom::RuntimeKernel kernel : loom::allRuntimeKernels())
      loom::declareRuntimeKernel(getOperation(), kernel);
  }
};

struct LoomEraseUnusedRuntimeKernelsPass
    : loom::impl::LoomEraseUnusedRuntimeKernelsPassBase<LoomEraseUnusedRuntimeKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    for (loom::RuntimeKernel kernel : loom::allRuntimeKernels()) {
      auto decl = symbols.lookup<func::FuncOp>(loom::runtimeKernelName(kernel));
      if (decl && decl.isDeclaration() && decl.isPrivate() &&
          SymbolTable::symbolKnownUseEmpty(decl, module))
        symbols.erase(decl);
    }
  }
};

} // namespace
