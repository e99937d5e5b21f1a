// Round trip of the generated ONNX ops (generic form) and onnx.unsupported.
// RUN: loom-opt %s | loom-opt | FileCheck %s
// RUN: loom-opt %s --mlir-print-op-generic | loom-opt | FileCheck %s

// CHECK-LABEL: func @mlp
func.func @mlp(%x: tensor<?x4xf32>, %w: tensor<4x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  // CHECK: %[[MM:.*]] = "onnx.MatMul"(%{{.*}}, %{{.*}}) : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  %0 = "onnx.MatMul"(%x, %w) : (tensor<?x4xf32>, tensor<4x8xf32>) -> tensor<?x8xf32>
  // CHECK: "onnx.Add"(%[[MM]], %{{.*}})
  %1 = "onnx.Add"(%0, %b) : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  // ONNX attributes are inherent attributes of the op.
  // CHECK: "onnx.Softmax"(%{{.*}}) <{axis = 1 : si64}>
  %2 = "onnx.Softmax"(%1) {axis = 1 : si64} : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %2 : tensor<?x8xf32>
}

// Ops with several optional operands carry operand segment sizes.
// CHECK-LABEL: func @clip
func.func @clip(%x: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  // CHECK: "onnx.Clip"(%{{.*}}, %{{.*}}) <{operandSegmentSizes = array<i32: 1, 0, 1>}>
  %0 = "onnx.Clip"(%x, %hi) <{operandSegmentSizes = array<i32: 1, 0, 1>}> : (tensor<4xf32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Constants carry their tensor as an elements attribute.
// CHECK-LABEL: func @constant
func.func @constant() -> tensor<2xi64> {
  // CHECK: "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}>
  %0 = "onnx.Constant"() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// GRAPH attributes become regions.
// CHECK-LABEL: func @if
func.func @if(%c: tensor<i1>, %a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: "onnx.If"(%{{.*}}) ({
  // CHECK-NEXT: onnx.yield %{{.*}} : tensor<2xf32>
  // CHECK-NEXT: }, {
  // CHECK-NEXT: onnx.yield %{{.*}} : tensor<2xf32>
  %0 = "onnx.If"(%c) ({
    onnx.yield %b : tensor<2xf32>
  }, {
    onnx.yield %a : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// An operator loom does not define keeps its domain, type and attributes.
// CHECK-LABEL: func @unsupported
func.func @unsupported(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: onnx.unsupported "com.example" "FancyOp"(%{{.*}}) {alpha = 1.000000e+00 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %0 = onnx.unsupported "com.example" "FancyOp" (%x) {alpha = 1.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
