// RUN: loom-opt %s --split-input-file --verify-diagnostics \
// RUN:   --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// Broadcasting: the [8] operand is indexed by the last loop only; the dynamic
// batch is read from the operand that has it.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @add_broadcast
// CHECK: %[[DIM:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[INIT:.*]] = tensor.empty(%[[DIM]]) : tensor<?x8xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: arith.addf
func.func @add_broadcast(%a: tensor<?x8xf32>, %b: tensor<8xf32>) -> tensor<?x8xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// MatMul of [.., M, K] by [K, N]: the leading dimensions fold into M and
// the product is a named linalg.matmul (which loomrt's GEMM implements).
// CHECK-LABEL: func @matmul
// CHECK: %[[A:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[C:.*]] = linalg.fill
// CHECK: %[[P:.*]] = linalg.matmul ins(%[[A]], %{{.*}} : tensor<6x4xf32>, tensor<4x5xf32>) outs(%[[C]] : tensor<6x5xf32>)
// CHECK: tensor.expand_shape %[[P]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 5]
func.func @matmul(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Equal static batches fold into one batch of linalg.batch_matmul.
// CHECK-LABEL: func @matmul_batched
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x3x4x5xf32> into tensor<6x4x5xf32>
// CHECK: linalg.batch_matmul {{.*}} -> tensor<6x4x6xf32>
// CHECK: tensor.expand_shape
func.func @matmul_batched(%a: tensor<2x3x4x5xf32>, %b: tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x3x4x5xf32>, tensor<2x3x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// -----

// Broadcast batches stay a generic contraction: a reduction over K into a
// zero-filled accumulator.
// CHECK-LABEL: func @matmul_broadcast
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @matmul_broadcast(%a: tensor<2x1x4x5xf32>, %b: tensor<1x3x5x6xf32>) -> tensor<2x3x4x6xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<2x1x4x5xf32>, tensor<1x3x5x6xf32>) -> tensor<2x3x4x6xf32>
  return %0 : tensor<2x3x4x6xf32>
}

// Softmax: three passes (maximum, sum of exp(x - max), normalize).
// CHECK-LABEL: func @softmax
// CHECK: linalg.generic {{.*}} ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: linalg.generic {{.*}} ["parallel", "reduction"]
// CHECK: math.exp
// CHECK: linalg.generic {{.*}} ["parallel", "parallel"]
// CHECK: arith.divf
func.func @softmax(%x: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %0 = "onnx.Softmax"(%x) {axis = -1 : si64} : (tensor<4x16xf32>) -> tensor<4x16xf32>
  return %0 : tensor<4x16xf32>
}

// -----

// Everything unsupported is reported at once (imported ops name their ONNX
// node: see test/e2e/node-tests.test).
func.func @unsupported(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>, %s: tensor<?xf32>) {
  // expected-error @+1 {{Bernoulli: no CPU lowering for Bernoulli yet}}
  %0 = "onnx.Bernoulli"(%x) : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32>
  // expected-error @+1 {{Relu: its operand and result types must be ranked tensors}}
  %1 = "onnx.Relu"(%s) : (tensor<?xf32>) -> tensor<*xf32>
  return
}

// -----

// A result type less refined than the inputs (a dynamic size no input has):
// the static size is used and the result cast back (it used to crash).
// CHECK-LABEL: func @less_refined_result
// CHECK: %[[G:.*]] = linalg.generic
// CHECK: } -> tensor<4x64xf32>
// CHECK: tensor.cast %[[G]] : tensor<4x64xf32> to tensor<?x64xf32>
func.func @less_refined_result(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = "onnx.Mul"(%x, %w) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Forms of the newer lowerings that are refused, each by node and reason.
func.func @refused_forms(%x: tensor<1x1x4x4xf32>, %w: tensor<?x1x3x3xf32>, %v: tensor<4xf32>,
                         %r: tensor<2xi64>, %i32: tensor<1x1xi32>, %u: tensor<1xf32>,
                         %s: tensor<1xf32>) {
  // expected-error @+1 {{Conv: the weight's shape must be static}}
  %0 = "onnx.Conv"(%x, %w) : (tensor<1x1x4x4xf32>, tensor<?x1x3x3xf32>) -> tensor<1x?x2x2xf32>
  // expected-error @+1 {{MaxPool: storage_order 1 is not supported yet}}
  %1 = "onnx.MaxPool"(%x) {kernel_shape = [2, 2], storage_order = 1 : si64} : (tensor<1x1x4x4xf32>) -> tensor<1x1x3x3xf32>
  %axis = arith.constant dense<5> : tensor<1xi64>
  // expected-error @+1 {{CumSum: the axis must be one value in [-rank, rank)}}
  %2 = "onnx.CumSum"(%v, %axis) : (tensor<4xf32>, tensor<1xi64>) -> tensor<4xf32>
  // expected-error @+1 {{Tile: repeats must hold one count per input dimension}}
  %3 = "onnx.Tile"(%v, %r) : (tensor<4xf32>, tensor<2xi64>) -> tensor<8xf32>
  // expected-error @+1 {{ScatterND: indices must be int64}}
  %4 = "onnx.ScatterND"(%v, %i32, %u) : (tensor<4xf32>, tensor<1x1xi32>, tensor<1xf32>) -> tensor<4xf32>
  // expected-error @+1 {{BatchNormalization: the running statistics outputs exist only in training mode}}
  %5:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {resultSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> (tensor<1x1x4x4xf32>, tensor<1xf32>, tensor<1xf32>)
  %6 = "onnx.Neg"(%5#1) : (tensor<1xf32>) -> tensor<1xf32>
  return
}

// -----

// A Transpose whose declared result knows a size its operand does not (an
// operand typed before a rewrite refined it): both sides take the size, so
// linalg.transpose verifies; the result is cast back to the declared type.
// CHECK-LABEL: func.func @transpose_refines
// CHECK: %[[IN:.*]] = tensor.cast %{{.*}} : tensor<?x?xi64> to tensor<2x?xi64>
// CHECK: linalg.transpose ins(%[[IN]] : tensor<2x?xi64>) outs(%{{.*}} : tensor<?x2xi64>) permutation = [1, 0]
func.func @transpose_refines(%x: tensor<?x?xi64>) -> tensor<?x2xi64> {
  %0 = "onnx.Transpose"(%x) <{perm = [1, 0]}> : (tensor<?x?xi64>) -> tensor<?x2xi64>
  return %0 : tensor<?x2xi64>
}
