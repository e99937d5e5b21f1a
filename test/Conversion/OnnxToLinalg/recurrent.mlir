// RUN: loom-opt %s --split-input-file --verify-diagnostics --mlir-print-op-on-diagnostic=false \
// RUN:   --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// LSTM: the input projection of every step is one matmul before the loop
// (biases in its accumulator); each step multiplies H by R^T into its rows of
// the projection, applies the gates one batch row at a time (a static
// [1, hidden] generic: no OpenMP region per step) updating H and C in place,
// and inserts H into Y.
// CHECK-LABEL: func @lstm
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<?x?x16xf32> into tensor<?x16xf32>
// CHECK: %[[PROJ:.*]] = linalg.matmul ins(%[[FLAT]], %{{.*}} : tensor<?x16xf32>, tensor<16x32xf32>) outs(%{{.*}} : tensor<?x32xf32>)
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[H:.*]] = %{{.*}}, %[[C:.*]] = %{{.*}}, %[[Y:.*]] = %{{.*}}) -> (tensor<?x8xf32>, tensor<?x8xf32>, tensor<?x1x?x8xf32>)
// CHECK:   %[[GX:.*]] = tensor.extract_slice %[[PROJ]]
// CHECK:   %[[GATES:.*]] = linalg.matmul ins(%[[H]], %{{.*}} : tensor<?x8xf32>, tensor<8x32xf32>) outs(%[[GX]] : tensor<?x32xf32>)
// CHECK:   %[[STATE:.*]]:2 = scf.for %[[ROW:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[HR:.*]] = %[[H]], %[[CR:.*]] = %[[C]])
// CHECK:     %[[HROW:.*]] = tensor.extract_slice %[[HR]][%[[ROW]], 0] [1, 8]
// CHECK:     %[[CROW:.*]] = tensor.extract_slice %[[CR]][%[[ROW]], 0] [1, 8]
// CHECK:     %[[NEW:.*]]:2 = linalg.generic {{.*}} outs(%[[HROW]], %[[CROW]] : tensor<1x8xf32>, tensor<1x8xf32>)
// CHECK:     tensor.insert_slice %[[NEW]]#0 into %[[HR]][%[[ROW]], 0] [1, 8]
// CHECK:     tensor.insert_slice %[[NEW]]#1 into %[[CR]][%[[ROW]], 0] [1, 8]
// CHECK:   %[[YN:.*]] = tensor.insert_slice %[[STATE]]#0 into %[[Y]][%[[T]], 0, 0, 0]
// CHECK:   scf.yield %[[STATE]]#0, %[[STATE]]#1, %[[YN]]
func.func @lstm(%x: tensor<?x?x16xf32>, %w: tensor<1x32x16xf32>, %r: tensor<1x32x8xf32>, %b: tensor<1x64xf32>) -> (tensor<?x1x?x8xf32>, tensor<1x?x8xf32>) {
  %y, %yh = "onnx.LSTM"(%x, %w, %r, %b) <{hidden_size = 8 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 1, 0, 0, 0, 0>, resultSegmentSizes = array<i32: 1, 1, 0>}> : (tensor<?x?x16xf32>, tensor<1x32x16xf32>, tensor<1x32x8xf32>, tensor<1x64xf32>) -> (tensor<?x1x?x8xf32>, tensor<1x?x8xf32>)
  return %y, %yh : tensor<?x1x?x8xf32>, tensor<1x?x8xf32>
}

// -----

// Constant weights are transposed at compile time.
// CHECK-LABEL: func @constant_weights
// CHECK-NOT: linalg.transpose
// CHECK: arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT: linalg.transpose
// CHECK: return
func.func @constant_weights(%x: tensor<?x?x2xf32>) -> tensor<1x?x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[[[1.0, 2.0], [3.0, 4.0]]]> : tensor<1x2x2xf32>}> : () -> tensor<1x2x2xf32>
  %r = "onnx.Constant"() <{value = dense<0.5> : tensor<1x2x2xf32>}> : () -> tensor<1x2x2xf32>
  %yh = "onnx.RNN"(%x, %w, %r) <{hidden_size = 2 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<?x?x2xf32>, tensor<1x2x2xf32>, tensor<1x2x2xf32>) -> tensor<1x?x2xf32>
  return %yh : tensor<1x?x2xf32>
}

// -----

// GRU with linear_before_reset 0: r * H is multiplied by Rh in a second
// product; the reverse direction counts steps down from the last.
// CHECK-LABEL: func @gru_reverse
// CHECK: scf.for
// CHECK:   arith.subi
// CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x8xf32>)
// CHECK:   linalg.generic
// CHECK:   linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x4xf32>)
// CHECK:   linalg.generic
func.func @gru_reverse(%x: tensor<?x?x3xf32>, %w: tensor<1x12x3xf32>, %r: tensor<1x12x4xf32>) -> tensor<1x?x4xf32> {
  %yh = "onnx.GRU"(%x, %w, %r) <{direction = "reverse", hidden_size = 4 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<?x?x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> tensor<1x?x4xf32>
  return %yh : tensor<1x?x4xf32>
}

// -----

// The forms that are refused, each by node and reason.
func.func @refused_forms(%x: tensor<5x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>,
                         %wd: tensor<?x4x3xf32>, %hd: tensor<1x2x?xf32>, %lf: tensor<2xf32>,
                         %xi: tensor<5x2x3xi32>, %wi: tensor<1x4x3xi32>, %ri: tensor<1x4x4xi32>,
                         %x2: tensor<5x3xf32>, %w16: tensor<1x4x3xf16>) {
  // expected-error @+1 {{RNN: direction 'sideways' is not forward, reverse or bidirectional}}
  %0 = "onnx.RNN"(%x, %w, %r) <{direction = "sideways", operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: layout 2 is not 0 or 1}}
  %1 = "onnx.RNN"(%x, %w, %r) <{layout = 2 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: clip must be positive}}
  %2 = "onnx.RNN"(%x, %w, %r) <{clip = -1.0 : f32, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: activation function 'Gelu' is not supported}}
  %3 = "onnx.RNN"(%x, %w, %r) <{activations = ["Gelu"], operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: activations must list 1 functions, not 2}}
  %4 = "onnx.RNN"(%x, %w, %r) <{activations = ["Tanh", "Tanh"], operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: the weights' shapes must be static (except W's input size)}}
  %5 = "onnx.RNN"(%x, %wd, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<?x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: hidden_size 5 does not match R's shape [1, 4, 4]}}
  %6 = "onnx.RNN"(%x, %w, %r) <{hidden_size = 5 : si64, operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{GRU: W's shape [1, 4, 3] is not [1, 12, 3]}}
  %7 = "onnx.GRU"(%x, %w, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: initial_h's shape [1, 2, ?] must be static but for the batch size}}
  %8 = "onnx.RNN"(%x, %w, %r, %hd) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 1>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<1x2x?xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: sequence_lens must be an integer vector of one length per batch row}}
  %9 = "onnx.RNN"(%x, %w, %r, %lf) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 1, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, tensor<2xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: RNN of integers is not supported}}
  %10 = "onnx.RNN"(%xi, %wi, %ri) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xi32>, tensor<1x4x3xi32>, tensor<1x4x4xi32>) -> tensor<1x2x4xi32>
  // expected-error @+1 {{RNN: X must have rank 3}}
  %11 = "onnx.RNN"(%x2, %w, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  // expected-error @+1 {{RNN: Y_h's type [1, 3, 4] does not match [1, 2, 4]}}
  %12 = "onnx.RNN"(%x, %w, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>) -> tensor<1x3x4xf32>
  // expected-error @+1 {{RNN: W and R must have X's element type}}
  %13 = "onnx.RNN"(%x, %w16, %r) <{operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>, resultSegmentSizes = array<i32: 0, 1>}> : (tensor<5x2x3xf32>, tensor<1x4x3xf16>, tensor<1x4x4xf32>) -> tensor<1x2x4xf32>
  return
}
