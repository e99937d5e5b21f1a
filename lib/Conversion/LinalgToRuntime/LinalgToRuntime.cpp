//===- LinalgToRuntime.cpp - linalg ops on buffers to loomrt calls --------===//
//
// Code generation gives loops; for the ops where a hand-tuned kernel wins by
// a wide margin (GEMM: packing, register tiling, threads), the lowering calls
// loomrt instead. The kernels read MLIR memref descriptors, so the call takes
// the buffers as they are: no copies, any strides.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"

namespace loom {
#define GEN_PASS_DEF_LOOMLINALGTORUNTIMECALLSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

bool allF32Memrefs(ValueRange values) {
  for (Value v : values) {
    auto type = dyn_cast<MemRefType>(v.getType());
    if (!type || !type.getElementType().isF32())
      return false;
  }
  return true;
}

/// Whether `v` is a constant global (a weight of the model) or a view of one
/// at a fixed place: loomrt may then keep it packed between calls. Views at
/// offsets that vary at run time are not: each offset would be a copy.
bool isConstantData(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto get = dyn_cast<memref::GetGlobalOp>(def)) {
      auto global =
          SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(def, get.getNameAttr());
      return global && global.getConstant();
    }
    if (auto subview = dyn_cast<memref::SubViewOp>(def)) {
      if (!subview.getOffsets().empty() || !subview.getSizes().empty() ||
          !subview.getStrides().empty())
        return false;
      v = subview.getSource();
    } else if (isa<memref::CastOp, memref::CollapseShapeOp, memref::ExpandShapeOp,
                   memref::TransposeOp>(def)) {
      v = def->getOperand(0);
    } else {
      return false;
    }
  }
  return false;
}

struct LinalgToRuntimeCalls
    : loom::impl::LoomLinalgToRuntimeCallsPassBase<LinalgToRuntimeCalls> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> targets;
    module.walk([&](Operation *op) {
      if (isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) &&
          cast<linalg::LinalgOp>(op).hasPureBufferSemantics() &&
          allF32Memrefs(op->getOperands()) && !cast<linalg::LinalgOp>(op).hasUserDefinedMaps())
        targets.push_back(op);
    });
    for (Operation *op : targets) {
      auto kernel = loom::RuntimeKernel::loomrt_batch_matmul_f32;
      if (isa<linalg::MatmulOp>(op))
        kernel = isConstantData(op->getOperand(1))
                     ? loom::RuntimeKernel::loomrt_matmul_f32_constant_b
                     : loom::RuntimeKernel::loomrt_matmul_f32;
      func::FuncOp decl = loom::declareRuntimeKernel(module, kernel);
      OpBuilder b(op);
      SmallVector<Value> args;
      for (auto [v, type] : llvm::zip_equal(op->getOperands(), decl.getArgumentTypes()))
        args.push_back(memref::CastOp::create(b, op->getLoc(), type, v));
      func::CallOp::create(b, op->getLoc(), decl, args);
      op->erase();
    }
  }
};

} // namespace
