// RUN: loom-opt %s --split-input-file --verify-diagnostics --mlir-print-op-on-diagnostic=false \
// RUN:   --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// The general path of com.microsoft.MatMulNBits (block_size 16 here, which
// loom.quantized_matmul cannot hold): the weights dequantized to an f32
// [K, N] matrix (value (q - zero point) * scale, the field of each k cut out
// of its byte), a matmul, then the bias.
// CHECK-LABEL: func @block16
// CHECK: %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<32x4xf32>)
// CHECK: arith.shrui
// CHECK: arith.andi
// CHECK: arith.uitofp
// CHECK: arith.subf
// CHECK: arith.mulf
// CHECK: linalg.matmul ins(%arg0, %[[W]] : tensor<3x32xf32>, tensor<32x4xf32>)
// CHECK: arith.addf
func.func @block16(%a: tensor<3x32xf32>, %b: tensor<4x2x8xui8>, %s: tensor<4x2xf32>, %z: tensor<4x1xui8>, %c: tensor<4xf32>) -> tensor<3x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %z, %c) <{K = 32 : si64, N = 4 : si64, bits = 4 : si64, block_size = 16 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1>}> : (tensor<3x32xf32>, tensor<4x2x8xui8>, tensor<4x2xf32>, tensor<4x1xui8>, tensor<4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// A bad node is refused with the graph rewrite's reason.
func.func @bits3(%a: tensor<2x32xf32>, %b: tensor<1x1x12xui8>, %s: tensor<1xf32>) -> tensor<2x1xf32> {
  // expected-error @+1 {{bits must be 2, 4 or 8, got 3}}
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 3 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x12xui8>, tensor<1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

func.func @f16(%a: tensor<2x32xf16>, %b: tensor<1x1x16xui8>, %s: tensor<1xf16>) -> tensor<2x1xf16> {
  // expected-error @+1 {{A and Y must be float32 with rank 2 or more}}
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf16>, tensor<1x1x16xui8>, tensor<1xf16>) -> tensor<2x1xf16>
  return %y : tensor<2x1xf16>
}
