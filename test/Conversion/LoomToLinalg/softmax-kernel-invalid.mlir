// A module that declares loomrt_softmax_f32 with another signature (not
// loom-declare-runtime-kernels' declaration) gets an error, not a bad call.
// RUN: %expect_exit 1 loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg))' -o /dev/null 2>&1 | FileCheck %s
// CHECK: error: loomrt's @loomrt_softmax_f32 is declared with an unexpected type
func.func private @loomrt_softmax_f32(memref<?x?xf32>, memref<?x?xf32>)
func.func @rows(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %y = loom.softmax three_pass %x {axis = -1 : i64} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
