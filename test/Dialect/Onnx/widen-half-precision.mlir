// RUN: loom-opt %s --split-input-file --loom-onnx-widen-half-precision | FileCheck %s

// A sum over f16 operands runs in f32: its float operands are cast up, its
// f16 result cast back; integer operands (the axes) and elementwise ops
// stay as they are.
// CHECK-LABEL: func @sums
// CHECK-SAME: (%[[A:.*]]: tensor<2x4096xf16>, %[[B:.*]]: tensor<4096x3xf16>, %[[AX:.*]]: tensor<1xi64>)
// CHECK-DAG: %[[A32:.*]] = "onnx.Cast"(%[[A]]) <{to = 1 : si64}> : (tensor<2x4096xf16>) -> tensor<2x4096xf32>
// CHECK-DAG: %[[B32:.*]] = "onnx.Cast"(%[[B]]) <{to = 1 : si64}> : (tensor<4096x3xf16>) -> tensor<4096x3xf32>
// CHECK: %[[P:.*]] = "onnx.MatMul"(%[[A32]], %[[B32]]) : (tensor<2x4096xf32>, tensor<4096x3xf32>) -> tensor<2x3xf32>
// CHECK: %[[P16:.*]] = "onnx.Cast"(%[[P]]) <{to = 10 : si64}> : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK: %[[R:.*]] = "onnx.Relu"(%[[P16]]) : (tensor<2x3xf16>) -> tensor<2x3xf16>
// CHECK: %[[R32:.*]] = "onnx.Cast"(%[[R]]) <{to = 1 : si64}> : (tensor<2x3xf16>) -> tensor<2x3xf32>
// CHECK: %[[S:.*]] = "onnx.ReduceSum"(%[[R32]], %[[AX]]) {{.*}} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x1xf32>
// CHECK: %[[S16:.*]] = "onnx.Cast"(%[[S]]) <{to = 10 : si64}> : (tensor<2x1xf32>) -> tensor<2x1xf16>
// CHECK: return %[[S16]]
func.func @sums(%a: tensor<2x4096xf16>, %b: tensor<4096x3xf16>, %axes: tensor<1xi64>) -> tensor<2x1xf16> {
  %p = "onnx.MatMul"(%a, %b) : (tensor<2x4096xf16>, tensor<4096x3xf16>) -> tensor<2x3xf16>
  %r = "onnx.Relu"(%p) : (tensor<2x3xf16>) -> tensor<2x3xf16>
  %s = "onnx.ReduceSum"(%r, %axes) {keepdims = 1 : si64} : (tensor<2x3xf16>, tensor<1xi64>) -> tensor<2x1xf16>
  return %s : tensor<2x1xf16>
}

// -----

// bf16 the same (TensorProto type 16); LayerNormalization's statistics in
// f32, as its default stash_type says; f32 and f64 graphs are untouched.
// CHECK-LABEL: func @bf16_norm
// CHECK: "onnx.Cast"(%{{.*}}) <{to = 1 : si64}> : (tensor<4x8xbf16>) -> tensor<4x8xf32>
// CHECK: "onnx.LayerNormalization"{{.*}} -> tensor<4x8xf32>
// CHECK: "onnx.Cast"(%{{.*}}) <{to = 16 : si64}> : (tensor<4x8xf32>) -> tensor<4x8xbf16>
// CHECK-LABEL: func @wide
// CHECK-NOT: onnx.Cast
func.func @bf16_norm(%x: tensor<4x8xbf16>, %g: tensor<8xbf16>) -> tensor<4x8xbf16> {
  %y = "onnx.LayerNormalization"(%x, %g) <{axis = -1 : si64, epsilon = 1.0e-5 : f32, operandSegmentSizes = array<i32: 1, 1, 0>, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<4x8xbf16>, tensor<8xbf16>) -> tensor<4x8xbf16>
  return %y : tensor<4x8xbf16>
}
func.func @wide(%x: tensor<4x8xf32>, %d: tensor<4x8xf64>) -> (tensor<4x8xf32>, tensor<4x8xf64>) {
  %y = "onnx.Softmax"(%x) {axis = -1 : si64} : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %z = "onnx.Softmax"(%d) {axis = -1 : si64} : (tensor<4x8xf64>) -> tensor<4x8xf64>
  return %y, %z : tensor<4x8xf32>, tensor<4x8xf64>
}
