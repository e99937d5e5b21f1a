//===- RuntimeKernels.cpp - declarations of loomrt's kernels ----*- C++ -*-===//
//
// Expands loom-c/Abi.h's kernel table into MLIR function types. loomrt
// expands the same table into C++ function types and checks its definitions
// against them (lib/Runtime/AbiCheck.cpp).
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/RuntimeKernels.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace {

/// One row of the table, as MLIR sees it.
struct KernelInfo {
  StringRef name;
  bool cInterface;
  FunctionType type;
};

/// A memref of `rank` with every size, stride and the offset dynamic.
MemRefType view(Type element, int64_t rank) {
  SmallVector<int64_t> dynamic(rank, ShapedType::kDynamic);
  return MemRefType::get(dynamic, element,
                         StridedLayoutAttr::get(element.getContext(), ShapedType::kDynamic,
                                                dynamic));
}

KernelInfo kernelInfo(MLIRContext *ctx, loom::RuntimeKernel kernel) {
  Builder b(ctx);
  // The table's parameter kinds as MLIR types (see loom-c/Abi.h).
#define LOOM_ABI_VIEW(rank) Type(view(b.getF32Type(), rank))
#define LOOM_ABI_VIEW_I64(rank) Type(view(b.getI64Type(), rank))
#define LOOM_ABI_VIEW_I8(rank) Type(view(b.getI8Type(), rank))
#define LOOM_ABI_F32 Type(b.getF32Type())
#define LOOM_ABI_I1 Type(b.getI1Type())
#define LOOM_ABI_I32 Type(b.getI32Type())
#define LOOM_ABI_I64 Type(b.getI64Type())
#define LOOM_ABI_VOID
#define LOOM_ABI_CIFACE true
#define LOOM_ABI_PLAIN false
#define LOOM_KERNEL_CASE(name, convention, result, params)                                   \
  case loom::RuntimeKernel::name: {                                                         \
    SmallVector<Type> results = {result};                                                   \
    return {#name, convention,                                                               \
            b.getFunctionType(SmallVector<Type>{LOOM_ABI_UNPAREN params}, results)};         \
  }
  switch (kernel) { LOOM_ABI_KERNELS(LOOM_KERNEL_CASE) }
#undef LOOM_KERNEL_CASE
#undef LOOM_ABI_VIEW
#undef LOOM_ABI_VIEW_I64
#undef LOOM_ABI_VIEW_I8
#undef LOOM_ABI_F32
#undef LOOM_ABI_I1
#undef LOOM_ABI_I32
#undef LOOM_ABI_I64
#undef LOOM_ABI_VOID
#undef LOOM_ABI_CIFACE
#undef LOOM_ABI_PLAIN
  llvm_unreachable("every kernel is in the table");
}

} // namespace

StringRef loom::runtimeKernelName(RuntimeKernel kernel) {
  switch (kernel) {
#define LOOM_KERNEL_NAME(name, ...)                                                          \
  case RuntimeKernel::name:                                                                 \
    return #name;
    LOOM_ABI_KERNELS(LOOM_KERNEL_NAME)
#undef LOOM_KERNEL_NAME
  }
  llvm_unreachable("every kernel is in the table");
}

ArrayRef<loom::RuntimeKernel> loom::allRuntimeKernels() {
  static const loom::RuntimeKernel kernels[] = {
#define LOOM_KERNEL_ENUMERATOR(name, ...) loom::RuntimeKernel::name,
      LOOM_ABI_KERNELS(LOOM_KERNEL_ENUMERATOR)
#undef LOOM_KERNEL_ENUMERATOR
  };
  return kernels;
}

FunctionType loom::runtimeKernelType(MLIRContext *context, RuntimeKernel kernel) {
  return kernelInfo(context, kernel).type;
}

func::FuncOp loom::declareRuntimeKernel(ModuleOp module, RuntimeKernel kernel) {
  KernelInfo info = kernelInfo(module.getContext(), kernel);
  if (auto existing = module.lookupSymbol<func::FuncOp>(info.name))
    return existing;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto decl = func::FuncOp::create(b, module.getLoc(), info.name, info.type);
  decl.setPrivate();
  // Descriptors by pointer: the runtime defines _mlir_ciface_NAME.
  if (info.cInterface)
    decl->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return decl;
}

bool loom::runtimeKernelsDeclared(Operation *op) {
  auto module = isa<ModuleOp>(op) ? cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  return module &&
         module.lookupSymbol<func::FuncOp>(runtimeKernelName(loom::RuntimeKernel::loomrt_report_error));
}
