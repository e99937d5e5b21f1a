//===- RuntimeKernels.h - declarations of loomrt's kernels ------*- C++ -*-===//
//
// The compiler's side of loom-c/Abi.h's kernel table: every lowering that
// calls loomrt declares the callee through here, so the declaration is made
// from the same table that loomrt's definitions are checked against.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_CONVERSION_RUNTIMEKERNELS_H
#define LOOM_CONVERSION_RUNTIMEKERNELS_H

#include "loom-c/Abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace loom {

/// loomrt's kernels, in the order of LOOM_ABI_KERNELS.
enum class RuntimeKernel {
#define LOOM_RUNTIME_KERNEL_ENUMERATOR(name, ...) name,
  LOOM_ABI_KERNELS(LOOM_RUNTIME_KERNEL_ENUMERATOR)
#undef LOOM_RUNTIME_KERNEL_ENUMERATOR
};

/// Every kernel of the table, in its order.
llvm::ArrayRef<RuntimeKernel> allRuntimeKernels();

/// The kernel's symbol without the C interface prefix ("loomrt_matmul_f32").
llvm::StringRef runtimeKernelName(RuntimeKernel kernel);

/// The kernel's function type: memrefs are f32 of the table's rank with
/// dynamic sizes, strides and offset (callers memref.cast to it).
mlir::FunctionType runtimeKernelType(mlir::MLIRContext *context, RuntimeKernel kernel);

/// The private declaration of `kernel` in `module`, created at the start of
/// its body the first time (with `llvm.emit_c_interface` for kernels taking
/// descriptors).
mlir::func::FuncOp declareRuntimeKernel(mlir::ModuleOp module, RuntimeKernel kernel);

/// Whether loom-declare-runtime-kernels has run on the module holding `op`
/// (the tensor-level lowerings refuse to run without it: their run-time
/// checks would be lost).
bool runtimeKernelsDeclared(mlir::Operation *op);

} // namespace loom

#endif // LOOM_CONVERSION_RUNTIMEKERNELS_H
