// Requests loom-partition cannot serve are errors that say why.
// RUN: loom-opt %s -split-input-file -verify-diagnostics --loom-partition=ranks=3

func.func @indivisible(%x: tensor<2x32xf32>) -> tensor<2x32xf32> {
  %w1 = "onnx.Constant"() <{value = dense<1.0> : tensor<32x128xf32>}> : () -> tensor<32x128xf32>
  %w2 = "onnx.Constant"() <{value = dense<1.0> : tensor<128x32xf32>}> : () -> tensor<128x32xf32>
  %a = "onnx.MatMul"(%x, %w1) : (tensor<2x32xf32>, tensor<32x128xf32>) -> tensor<2x128xf32>
  %r = "onnx.Relu"(%a) : (tensor<2x128xf32>) -> tensor<2x128xf32>
  // expected-error @+1 {{cannot split the model's MLP blocks across 3 ranks: this one's hidden size, 128, is not a multiple of 3}}
  %d = "onnx.MatMul"(%r, %w2) : (tensor<2x128xf32>, tensor<128x32xf32>) -> tensor<2x32xf32>
  return %d : tensor<2x32xf32>
}

// -----

// expected-error @+1 {{loom-partition found nothing to split across 3 ranks: no MLP block (MatMul with constant weights, elementwise ops, MatMul with constant weights) and no LM head}}
module {
  func.func @no_block(%x: tensor<2x32xf32>, %w: tensor<32x96xf32>) -> tensor<2x96xf32> {
    %a = "onnx.MatMul"(%x, %w) : (tensor<2x32xf32>, tensor<32x96xf32>) -> tensor<2x96xf32>
    return %a : tensor<2x96xf32>
  }
}
