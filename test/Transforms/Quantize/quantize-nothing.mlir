// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-quantize{mode=int8}))' 2>&1 | FileCheck %s

// Activations times activations (attention scores) and weights below
// min-elements stay as they are; a function with nothing to quantize is an
// error naming what it found.
// CHECK: error: --quantize=int8 found no MatMul or Gemm with a constant f32 weight matrix of at least 1024 elements to quantize (2 matmul node(s) in the model)
func.func @nothing(%q: tensor<4x8xf32>, %k: tensor<8x4xf32>) -> (tensor<4x4xf32>, tensor<4x2xf32>) {
  %s = "onnx.MatMul"(%q, %k) : (tensor<4x8xf32>, tensor<8x4xf32>) -> tensor<4x4xf32>
  %w = "onnx.Constant"() <{value = dense<1.0> : tensor<8x2xf32>}> : () -> tensor<8x2xf32>
  %y = "onnx.MatMul"(%q, %w) : (tensor<4x8xf32>, tensor<8x2xf32>) -> tensor<4x2xf32>
  return %s, %y : tensor<4x4xf32>, tensor<4x2xf32>
}

