//===- LinalgToRuntime.cpp - linalg ops on buffers to loomrt calls --------===//
//
// Code generation gives loops; for the ops where a hand-tuned kernel wins by
// a wide margin (GEMM: packing, register tiling, threads), the lowering calls
// loomrt instead. The kernels read MLIR memref descriptors, so the call takes
// the buffers as they are: no copies, any strides.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace loom {
#define GEN_PASS_DEF_LOOMLINALGTORUNTIMECALLSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// memref<?x..x?xf32, strided<[?, ..], offset: ?>>: every view casts to it.
MemRefType fullyDynamic(MemRefType type) {
  MLIRContext *ctx = type.getContext();
  SmallVector<int64_t> shape(type.getRank(), ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(ctx, ShapedType::kDynamic,
                                       SmallVector<int64_t>(type.getRank(),
                                                            ShapedType::kDynamic));
  return MemRefType::get(shape, type.getElementType(), layout, type.getMemorySpace());
}

bool allF32Memrefs(ValueRange values) {
  for (Value v : values) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getElementType().isF32())
      return false;
  }
  return true;
}

struct LinalgToRuntimeCalls
    : loom::impl::LoomLinalgToRuntimeCallsPassBase<LinalgToRuntimeCalls> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Operation *> targets;
    module.walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) &&
          cast<linalg::LinalgOp>(op).hasPureBufferSemantics() &&
          allF32Memrefs(op->getOperands()) && !cast<linalg::LinalgOp>(op).hasUserDefinedMaps())
        targets.push_back(op);
    });
    for (Operation *op : targets) {
      StringRef callee =
          isa<linalg::MatmulOp>(op) ? "loomrt_matmul_f32" : "loomrt_batch_matmul_f32";
      OpBuilder b(op);
      SmallVector<Value> args;
      for (Value v : op->getOperands()) {
        auto type = cast<MemRefType>(v.getType());
        args.push_back(memref::CastOp::create(b, op->getLoc(), fullyDynamic(type), v));
      }
      func::FuncOp decl = declare(symbols, module, callee, TypeRange(ValueRange(args)));
      func::CallOp::create(b, op->getLoc(), decl, args);
      op->erase();
    }
  }

  func::FuncOp declare(SymbolTable &symbols, ModuleOp module, StringRef name,
                       TypeRange argTypes) {
    if (auto existing = symbols.lookup<func::FuncOp>(name))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    auto decl = func::FuncOp::create(b, module.getLoc(), name,
                                     b.getFunctionType(argTypes, {}));
    decl.setPrivate();
    // The runtime takes descriptors by pointer: _mlir_ciface_<name>.
    decl->setAttr("llvm.emit_c_interface", b.getUnitAttr());
    symbols.insert(decl);
    return decl;
  }
};

} // namespace
