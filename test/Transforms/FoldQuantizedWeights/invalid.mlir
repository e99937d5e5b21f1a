// RUN: not loom-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(loom-fold-quantized-weights))' 2>&1 | FileCheck %s

// Each MatMulNBits whose attributes and tensors do not fit together is an
// error naming the node.

// CHECK: error: {{.*}}node 'bits3' (com.microsoft.MatMulNBits): bits must be 2, 4 or 8, got 3
func.func @bits(%a: tensor<2x32xf32>, %b: tensor<1x1x12xui8>, %s: tensor<1xf32>) -> tensor<2x1xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 3 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x12xui8>, tensor<1xf32>) -> tensor<2x1xf32> loc("bits3")
  return %y : tensor<2x1xf32>
}

// -----

// CHECK: error: {{.*}}node 'block48' (com.microsoft.MatMulNBits): block_size must be a power of two of at least 16, got 48
func.func @block_size(%a: tensor<2x96xf32>, %b: tensor<1x2x24xui8>, %s: tensor<1x2xf32>) -> tensor<2x1xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 96 : si64, N = 1 : si64, bits = 4 : si64, block_size = 48 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x96xf32>, tensor<1x2x24xui8>, tensor<1x2xf32>) -> tensor<2x1xf32> loc("block48")
  return %y : tensor<2x1xf32>
}

// -----

// CHECK: error: {{.*}}node 'block8' (com.microsoft.MatMulNBits): block_size must be a power of two of at least 16, got 8
func.func @block_size_small(%a: tensor<2x32xf32>, %b: tensor<1x4x4xui8>, %s: tensor<1x4xf32>) -> tensor<2x1xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 8 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x4x4xui8>, tensor<1x4xf32>) -> tensor<2x1xf32> loc("block8")
  return %y : tensor<2x1xf32>
}

// -----

// CHECK: error: {{.*}}node 'k_vs_a' (com.microsoft.MatMulNBits): A's last dimension is 64 but K = 32
func.func @k_against_a(%a: tensor<2x64xf32>, %b: tensor<1x1x16xui8>, %s: tensor<1xf32>) -> tensor<2x1xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x64xf32>, tensor<1x1x16xui8>, tensor<1xf32>) -> tensor<2x1xf32> loc("k_vs_a")
  return %y : tensor<2x1xf32>
}

// -----

// CHECK: error: {{.*}}node 'n_vs_b' (com.microsoft.MatMulNBits): B must be uint8 [N, k_blocks, blob_size] = [4, 2, 16] (K = 64, N = 4, block_size = 32), got tensor<3x2x16xui8>
func.func @n_against_b(%a: tensor<2x64xf32>, %b: tensor<3x2x16xui8>, %s: tensor<4x2xf32>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 64 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x64xf32>, tensor<3x2x16xui8>, tensor<4x2xf32>) -> tensor<2x4xf32> loc("n_vs_b")
  return %y : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}node 'scales' (com.microsoft.MatMulNBits): scales must be floats of shape [N, k_blocks] = [4, 2] (K = 64, N = 4, block_size = 32), got tensor<4xf32>
func.func @scales(%a: tensor<2x64xf32>, %b: tensor<4x2x16xui8>, %s: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 64 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x64xf32>, tensor<4x2x16xui8>, tensor<4xf32>) -> tensor<2x4xf32> loc("scales")
  return %y : tensor<2x4xf32>
}

// -----

// Two 4-bit zero points per byte: 3 blocks take 2 bytes per channel.
// CHECK: error: {{.*}}node 'zeros' (com.microsoft.MatMulNBits): packed uint8 zero_points must be [N, ceil(k_blocks * bits / 8)] = [4, 2] (K = 96, N = 4, block_size = 32), got tensor<4x3xui8>
func.func @zero_points(%a: tensor<2x96xf32>, %b: tensor<4x3x16xui8>, %s: tensor<4x3xf32>, %z: tensor<4x3xui8>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %z) <{K = 96 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>}> : (tensor<2x96xf32>, tensor<4x3x16xui8>, tensor<4x3xf32>, tensor<4x3xui8>) -> tensor<2x4xf32> loc("zeros")
  return %y : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}node 'float_zeros' (com.microsoft.MatMulNBits): zero_points must be packed uint8 or floats of shape [N, k_blocks] = [4, 3] (K = 96, N = 4, block_size = 32), got tensor<4x2xf32>
func.func @float_zero_points(%a: tensor<2x96xf32>, %b: tensor<4x3x16xui8>, %s: tensor<4x3xf32>, %z: tensor<4x2xf32>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %z) <{K = 96 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>}> : (tensor<2x96xf32>, tensor<4x3x16xui8>, tensor<4x3xf32>, tensor<4x2xf32>) -> tensor<2x4xf32> loc("float_zeros")
  return %y : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}node 'bias' (com.microsoft.MatMulNBits): bias must be [N] = [4], got tensor<5xf32>
func.func @bias(%a: tensor<2x32xf32>, %b: tensor<4x1x16xui8>, %s: tensor<4x1xf32>, %c: tensor<5xf32>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %c) <{K = 32 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>}> : (tensor<2x32xf32>, tensor<4x1x16xui8>, tensor<4x1xf32>, tensor<5xf32>) -> tensor<2x4xf32> loc("bias")
  return %y : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}node 'g_idx' (com.microsoft.MatMulNBits): g_idx must be int32 [K] = [32], got tensor<16xi32>
func.func @g_idx(%a: tensor<2x32xf32>, %b: tensor<4x1x16xui8>, %s: tensor<4x1xf32>, %g: tensor<16xi32>) -> tensor<2x4xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %g) <{K = 32 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>}> : (tensor<2x32xf32>, tensor<4x1x16xui8>, tensor<4x1xf32>, tensor<16xi32>) -> tensor<2x4xf32> loc("g_idx")
  return %y : tensor<2x4xf32>
}

// -----

// CHECK: error: {{.*}}node 'n_vs_y' (com.microsoft.MatMulNBits): Y's last dimension is 8 but N = 4
func.func @n_against_y(%a: tensor<2x32xf32>, %b: tensor<4x1x16xui8>, %s: tensor<4x1xf32>) -> tensor<2x8xf32> {
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 4 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<4x1x16xui8>, tensor<4x1xf32>) -> tensor<2x8xf32> loc("n_vs_y")
  return %y : tensor<2x8xf32>
}
