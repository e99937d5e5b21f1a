//===- UseRuntimeBuffers.cpp - heap buffers from loomrt's buffer cache ----===//
//
// finalize-memref-to-llvm with use-generic-functions calls MLIR's generic
// allocation functions instead of malloc and free; this pass points those
// calls at loomrt's definitions (loom-c/Abi.h), which keep large blocks
// between runs (lib/Runtime/BufferCache.cpp).
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "loom-c/Abi.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace loom {
#define GEN_PASS_DEF_LOOMUSERUNTIMEBUFFERSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

struct LoomUseRuntimeBuffersPass
    : loom::impl::LoomUseRuntimeBuffersPassBase<LoomUseRuntimeBuffersPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // MLIR's generic names (MemRefToLLVM) -> loomrt's.
    const std::pair<StringRef, StringRef> renames[] = {
        {"_mlir_memref_to_llvm_alloc", LOOM_ABI_BUFFER_ALLOC_SYMBOL},
        {"_mlir_memref_to_llvm_aligned_alloc", LOOM_ABI_BUFFER_ALIGNED_ALLOC_SYMBOL},
        {"_mlir_memref_to_llvm_free", LOOM_ABI_BUFFER_FREE_SYMBOL}};
    SymbolTable symbols(module);
    for (auto [generic, loomrt] : renames) {
      auto func = symbols.lookup<LLVM::LLVMFuncOp>(generic);
      if (!func)
        continue;
      if (symbols.lookup(loomrt)) {
        func.emitError() << "the module already defines '" << loomrt << "'";
        return signalPassFailure();
      }
      if (failed(symbols.rename(func, StringAttr::get(&getContext(), loomrt))))
        return signalPassFailure();
    }
  }
};

} // namespace
