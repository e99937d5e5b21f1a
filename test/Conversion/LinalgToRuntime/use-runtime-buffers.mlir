// RUN: loom-opt %s --finalize-memref-to-llvm='use-generic-functions' --loom-use-runtime-buffers | FileCheck %s

// Heap buffers come from loomrt's buffer cache (loom-c/Abi.h's
// loomrt_buffer_alloc / _aligned_alloc / _free), not from MLIR's generic
// allocation functions or malloc.
// CHECK-NOT: _mlir_memref_to_llvm
// CHECK-NOT: @malloc
// CHECK-DAG: llvm.func @loomrt_buffer_alloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.func @loomrt_buffer_free(!llvm.ptr)
// CHECK-LABEL: func @scratch
// CHECK: llvm.call @loomrt_buffer_alloc
// CHECK: llvm.call @loomrt_buffer_free
// CHECK-NOT: _mlir_memref_to_llvm
func.func @scratch(%n: index) {
  %m = memref.alloc(%n) : memref<?xf32>
  memref.dealloc %m : memref<?xf32>
  return
}
