// Threading off: the functions are rewritten one after another, so the
// resource blobs they create are named in order (with threads, which of two
// same-named blobs got the _1 suffix was a race).
// RUN: loom-opt %s -mlir-disable-threading --pass-pipeline='builtin.module(func.func(loom-fold-quantized-weights))' | FileCheck %s

// 4 bits, one block of 32: ONNX Runtime packs q[2i] | q[2i+1] << 4, loom
// q[j] | q[j + 16] << 4 (loom-c/QuantizedWeights.h). With q[k] = k % 16 the
// ORT bytes are 0x10, 0x32, ..., 0xFE twice and loom's are 0x00, 0x11, ...,
// 0xFF: the same integers, repacked (checked in the blob at the end).
// CHECK-LABEL: func @nbits4
// CHECK-DAG: %[[W:.*]] = "onnx.Constant"() <{value = dense_resource<[[W4:.*]]> : tensor<1x16xi8>}>
// CHECK-DAG: %[[S:.*]] = "onnx.Constant"() <{value = dense_resource<{{.*}}> : tensor<1x1xf32>}>
// CHECK: %[[Y:.*]] = loom.quantized_matmul %arg0, %[[W]], %[[S]] {bits = 4 : i32, group_size = 32 : i64, in_features = 32 : i64} : tensor<2x32xf32>, tensor<1x16xi8>, tensor<1x1xf32> -> tensor<2x1xf32>
// CHECK-NOT: MatMulNBits
// CHECK: return %[[Y]]
func.func @nbits4(%a: tensor<2x32xf32>) -> tensor<2x1xf32> {
  %b = "onnx.Constant"() <{value = dense<[[[16, 50, 84, 118, 152, 186, 220, 254, 16, 50, 84, 118, 152, 186, 220, 254]]]> : tensor<1x1x16xui8>}> : () -> tensor<1x1x16xui8>
  %s = "onnx.Constant"() <{value = dense<0.5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x16xui8>, tensor<1xf32>) -> tensor<2x1xf32> loc("fc")
  return %y : tensor<2x1xf32>
}

// Packed 4-bit zero points (block 0 in the low nibble: 3, block 1 in the
// high one: 12) become loom's [N, groups] zero points; the bias an Add.
// CHECK-LABEL: func @nbits4_zero_points_bias
// CHECK: %[[Y:.*]] = loom.quantized_matmul %arg0, %{{.*}}, %{{.*}} zero_points %{{.*}} {bits = 4 : i32, group_size = 32 : i64, in_features = 64 : i64} : tensor<1x3x64xf32>, tensor<1x32xi8>, tensor<1x2xf32>, tensor<1x2xi8> -> tensor<1x3x1xf32>
// CHECK: %[[R:.*]] = "onnx.Add"(%[[Y]], %arg1)
// CHECK: return %[[R]]
func.func @nbits4_zero_points_bias(%a: tensor<1x3x64xf32>, %bias: tensor<1xf32>) -> tensor<1x3x1xf32> {
  %b = "onnx.Constant"() <{value = dense<119> : tensor<1x2x16xui8>}> : () -> tensor<1x2x16xui8>
  %s = "onnx.Constant"() <{value = dense<[[0.25, 0.125]]> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %z = "onnx.Constant"() <{value = dense<[195]> : tensor<1xui8>}> : () -> tensor<1xui8>
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %z, %bias) <{K = 64 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 1>}> : (tensor<1x3x64xf32>, tensor<1x2x16xui8>, tensor<1x2xf32>, tensor<1xui8>, tensor<1xf32>) -> tensor<1x3x1xf32>
  return %y : tensor<1x3x1xf32>
}

// 8 bits: the default zero point 128 is subtracted at compile time (q =
// 100..131 becomes -28..3, bytes 0xE4..0x03).
// CHECK-LABEL: func @nbits8
// CHECK: loom.quantized_matmul %arg0, %{{.*}}, %{{.*}} {bits = 8 : i32, group_size = 32 : i64, in_features = 32 : i64} : tensor<4x32xf32>, tensor<1x32xi8>, tensor<1x1xf32> -> tensor<4x1xf32>
func.func @nbits8(%a: tensor<4x32xf32>) -> tensor<4x1xf32> {
  %b = "onnx.Constant"() <{value = dense<[[[100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131]]]> : tensor<1x1x32xui8>}> : () -> tensor<1x1x32xui8>
  %s = "onnx.Constant"() <{value = dense<0.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s) <{K = 32 : si64, N = 1 : si64, bits = 8 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<4x32xf32>, tensor<1x1x32xui8>, tensor<1x1xf32>) -> tensor<4x1xf32> loc("fc8")
  return %y : tensor<4x1xf32>
}

// K = 40 pads to 64 in loom's rows; block 128 is one group; float zero
// points that are whole numbers are taken.
// CHECK-LABEL: func @nbits4_padded_float_zero_points
// CHECK: loom.quantized_matmul %arg0, %{{.*}}, %{{.*}} zero_points %{{.*}} {bits = 4 : i32, group_size = 128 : i64, in_features = 40 : i64} : tensor<2x40xf32>, tensor<3x32xi8>, tensor<3x1xf32>, tensor<3x1xi8> -> tensor<2x3xf32>
func.func @nbits4_padded_float_zero_points(%a: tensor<2x40xf32>) -> tensor<2x3xf32> {
  %b = "onnx.Constant"() <{value = dense<33> : tensor<3x1x64xui8>}> : () -> tensor<3x1x64xui8>
  %s = "onnx.Constant"() <{value = dense<0.5> : tensor<3xf32>}> : () -> tensor<3xf32>
  %z = "onnx.Constant"() <{value = dense<[[7.0], [8.0], [9.0]]> : tensor<3x1xf32>}> : () -> tensor<3x1xf32>
  %y = "onnx.com.microsoft.MatMulNBits"(%a, %b, %s, %z) <{K = 40 : si64, N = 3 : si64, bits = 4 : si64, block_size = 128 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>}> : (tensor<2x40xf32>, tensor<3x1x64xui8>, tensor<3xf32>, tensor<3x1xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// What loom's layout cannot hold stays for the general lowering: an 8-bit
// q - zero_point of -128, block_size 16, g_idx, fractional zero points, a
// B computed at run time.
// CHECK-LABEL: func @kept
// CHECK-COUNT-5: "onnx.com.microsoft.MatMulNBits"
// CHECK-NOT: loom.quantized_matmul
func.func @kept(%a: tensor<2x32xf32>, %rb: tensor<1x1x16xui8>) -> (tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>) {
  %b8 = "onnx.Constant"() <{value = dense<0> : tensor<1x1x32xui8>}> : () -> tensor<1x1x32xui8>
  %s1 = "onnx.Constant"() <{value = dense<0.5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y0 = "onnx.com.microsoft.MatMulNBits"(%a, %b8, %s1) <{K = 32 : si64, N = 1 : si64, bits = 8 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x32xui8>, tensor<1xf32>) -> tensor<2x1xf32>
  %b16 = "onnx.Constant"() <{value = dense<7> : tensor<1x2x8xui8>}> : () -> tensor<1x2x8xui8>
  %s2 = "onnx.Constant"() <{value = dense<0.5> : tensor<1x2xf32>}> : () -> tensor<1x2xf32>
  %y1 = "onnx.com.microsoft.MatMulNBits"(%a, %b16, %s2) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 16 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x2x8xui8>, tensor<1x2xf32>) -> tensor<2x1xf32>
  %b4 = "onnx.Constant"() <{value = dense<7> : tensor<1x1x16xui8>}> : () -> tensor<1x1x16xui8>
  %g = "onnx.Constant"() <{value = dense<0> : tensor<32xi32>}> : () -> tensor<32xi32>
  %y2 = "onnx.com.microsoft.MatMulNBits"(%a, %b4, %s1, %g) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>}> : (tensor<2x32xf32>, tensor<1x1x16xui8>, tensor<1xf32>, tensor<32xi32>) -> tensor<2x1xf32>
  %zf = "onnx.Constant"() <{value = dense<7.5> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %y3 = "onnx.com.microsoft.MatMulNBits"(%a, %b4, %s1, %zf) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x16xui8>, tensor<1xf32>, tensor<1x1xf32>) -> tensor<2x1xf32>
  %y4 = "onnx.com.microsoft.MatMulNBits"(%a, %rb, %s1) <{K = 32 : si64, N = 1 : si64, bits = 4 : si64, block_size = 32 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}> : (tensor<2x32xf32>, tensor<1x1x16xui8>, tensor<1xf32>) -> tensor<2x1xf32>
  return %y0, %y1, %y2, %y3, %y4 : tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>, tensor<2x1xf32>
}

// QDQ: an int8 [K, N] weight dequantized per output channel (axis 1, zero
// points 0) into a MatMul, and a uint8 [N, K] one per tensor (zero point
// 128) into a Gemm with transB and a bias.
// CHECK-LABEL: func @qdq
// CHECK: loom.quantized_matmul %arg0, %{{.*}}, %{{.*}} {bits = 8 : i32, group_size = 64 : i64, in_features = 48 : i64} : tensor<2x5x48xf32>, tensor<8x64xi8>, tensor<8x1xf32> -> tensor<2x5x8xf32>
// CHECK: %[[G:.*]] = loom.quantized_matmul %arg1, %{{.*}}, %{{.*}} {bits = 8 : i32, group_size = 32 : i64, in_features = 32 : i64} : tensor<3x32xf32>, tensor<4x32xi8>, tensor<4x1xf32> -> tensor<3x4xf32>
// CHECK: "onnx.Add"(%[[G]], %{{.*}})
// CHECK-NOT: onnx.DequantizeLinear
// CHECK-NOT: onnx.MatMul
// CHECK-NOT: onnx.Gemm
func.func @qdq(%x: tensor<2x5x48xf32>, %g: tensor<3x32xf32>) -> (tensor<2x5x8xf32>, tensor<3x4xf32>) {
  %w = "onnx.Constant"() <{value = dense<-3> : tensor<48x8xi8>}> : () -> tensor<48x8xi8>
  %s = "onnx.Constant"() <{value = dense<[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]> : tensor<8xf32>}> : () -> tensor<8xf32>
  %z = "onnx.Constant"() <{value = dense<0> : tensor<8xi8>}> : () -> tensor<8xi8>
  %dq = "onnx.DequantizeLinear"(%w, %s, %z) {axis = 1 : si64} : (tensor<48x8xi8>, tensor<8xf32>, tensor<8xi8>) -> tensor<48x8xf32>
  %y = "onnx.MatMul"(%x, %dq) : (tensor<2x5x48xf32>, tensor<48x8xf32>) -> tensor<2x5x8xf32>
  %wu = "onnx.Constant"() <{value = dense<200> : tensor<4x32xui8>}> : () -> tensor<4x32xui8>
  %su = "onnx.Constant"() <{value = dense<0.05> : tensor<f32>}> : () -> tensor<f32>
  %zu = "onnx.Constant"() <{value = dense<128> : tensor<ui8>}> : () -> tensor<ui8>
  %dqu = "onnx.DequantizeLinear"(%wu, %su, %zu) : (tensor<4x32xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x32xf32>
  %c = "onnx.Constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<4xf32>
  %r = "onnx.Gemm"(%g, %dqu, %c) {transB = 1 : si64} : (tensor<3x32xf32>, tensor<4x32xf32>, tensor<4xf32>) -> tensor<3x4xf32>
  return %y, %r : tensor<2x5x8xf32>, tensor<3x4xf32>
}

// Scales along K (axis 0 of a [K, N] weight) are not loom's per-channel
// ones: the DequantizeLinear and MatMul stay.
// CHECK-LABEL: func @qdq_kept
// CHECK: "onnx.DequantizeLinear"
// CHECK: "onnx.MatMul"
func.func @qdq_kept(%x: tensor<2x32xf32>) -> tensor<2x8xf32> {
  %w = "onnx.Constant"() <{value = dense<5> : tensor<32x8xi8>}> : () -> tensor<32x8xi8>
  %s = "onnx.Constant"() <{value = dense<0.1> : tensor<32xf32>}> : () -> tensor<32xf32>
  %dq = "onnx.DequantizeLinear"(%w, %s) {axis = 0 : si64} : (tensor<32x8xi8>, tensor<32xf32>) -> tensor<32x8xf32>
  %y = "onnx.MatMul"(%x, %dq) : (tensor<2x32xf32>, tensor<32x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// CHECK: [[W4]]: "0x0800000000112233445566778899AABBCCDDEEFF"
// CHECK: {{.*}}MatMulNBits_zero_points{{(_[0-9]+)?}}: "0x08000000030C"
// CHECK: fc8_q: "0x08000000E4E5E6E7E8E9EAEBECEDEEEFF0F1F2F3F4F5F6F7F8F9FAFBFCFDFEFF00010203"
// Rows of 64 nibbles for K = 40: past 40 each row holds its zero point (7, 8, 9).
// CHECK: {{.*}}MatMulNBits_q{{(_[0-9]+)?}}: "0x08000000112211221122112211221122112211227172717271727172777777777777777711221122112211221122112211221122818281828182818288888888888888881122112211221122112211221122112291929192919291929999999999999999"
