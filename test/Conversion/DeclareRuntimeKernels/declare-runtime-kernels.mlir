// loom-declare-runtime-kernels declares every kernel of loom-c/Abi.h's table
// (C interface where the table says so), whatever the module holds, so no
// lowering depends on a hand-kept list; loom-erase-unused-runtime-kernels then
// removes the kernel declarations nothing calls, and only those.
// RUN: loom-opt %s -split-input-file --loom-declare-runtime-kernels | FileCheck %s
// RUN: loom-opt %s -split-input-file --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s --check-prefix=LOWERED

// CHECK-LABEL: module
// CHECK-DAG: func.func private @loomrt_attention_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i1, f32) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @loomrt_attention_masked_f32(memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, f32, i1, f32) attributes {llvm.emit_c_interface}
// CHECK-DAG: func.func private @loomrt_softmax_f32(
// CHECK-DAG: func.func private @loomrt_report_error(i32, i32)
// CHECK-DAG: func.func private @loomrt_conv2d_f32(
// CHECK-DAG: func.func private @loomrt_decode_emit(i64) -> i1
// LOWERED-LABEL: module
// LOWERED-DAG: func.func private @loomrt_attention_f32(
// LOWERED-DAG: func.func private @unrelated_declaration(f32)
// LOWERED-NOT: loomrt_attention_masked_f32
// LOWERED-NOT: loomrt_report_error
// LOWERED-NOT: loomrt_softmax_f32
func.func private @unrelated_declaration(f32)
func.func @attend(%q: tensor<1x4x2x8xf32>, %k: tensor<1x4x2x8xf32>, %v: tensor<1x4x2x8xf32>) -> tensor<1x4x2x8xf32> {
  %o = loom.attention %q, %k, %v : tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32>, tensor<1x4x2x8xf32> -> tensor<1x4x2x8xf32>
  return %o : tensor<1x4x2x8xf32>
}

// -----

// An integer Div may fail the run (a zero divisor): its error reporter stays,
// the kernels go.
// CHECK-LABEL: module
// CHECK: func.func private @loomrt_report_error(i32, i32)
// LOWERED-LABEL: module
// LOWERED-NOT: loomrt_attention
// LOWERED: func.func private @loomrt_report_error(i32, i32)
// LOWERED-NOT: loomrt_
// LOWERED: func.func @divide
// LOWERED: call @loomrt_report_error
func.func @divide(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %q = "onnx.Div"(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %q : tensor<4xi32>
}

// -----

// Nothing calls loomrt: no declaration is left.
// LOWERED-LABEL: module
// LOWERED-NOT: loomrt_
// LOWERED: func.func @identity
func.func @identity(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
