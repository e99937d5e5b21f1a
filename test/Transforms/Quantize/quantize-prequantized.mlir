// A model whose matmuls are quantized already (what loom-fold-quantized-weights
// makes of a pre-quantized import) is not an error for loom-quantize: there is
// nothing left to do, and the quantized matmul stays as it is.
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int8}))' | FileCheck %s

// CHECK-LABEL: func @prequantized
// CHECK: loom.quantized_matmul %arg0, %arg1, %arg2 {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64}
func.func @prequantized(%x: tensor<3x64xf32>, %w: tensor<16x32xi8>, %s: tensor<16x2xf32>) -> tensor<3x16xf32> {
  %0 = loom.quantized_matmul %x, %w, %s {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64}
      : tensor<3x64xf32>, tensor<16x32xi8>, tensor<16x2xf32> -> tensor<3x16xf32>
  return %0 : tensor<3x16xf32>
}
