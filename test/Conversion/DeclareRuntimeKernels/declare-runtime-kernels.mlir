// loom-declare-runtime-kernels declares loomrt's attention kernels (C
// interface, views of any layout) when the module has a loom.attention, and
// nothing otherwise.
// RUN: loom-opt %s -split-input-file --loom-declare-runtime-kernels | FileCheck %s

// CHECK-LABEL: module
// CHECK-DAG: func.func private @loomrt_attention_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i1, f32) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @loomrt_attention_masked_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i1, f32) attributes {llvm.emit_c_interface}
func.func @attend(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32> {
  %o = loom.attention %q, %k, %v : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32> -> tensor<1x4x2x8xf32>
  return %o : tensor<1x4x2x8xf32>
}

// -----

// CHECK-LABEL: module
// CHECK-NOT: loomrt_attention
func.func @no_attention(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
