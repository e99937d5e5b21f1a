// RUN: loom-opt %s --split-input-file --verify-diagnostics --mlir-print-op-on-diagnostic=false \
// RUN:   --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// Einsum "bij,bjk->bik": one generic over the letters (b, i, j, k) in order
// of appearance; j, absent from the output, is summed.
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func @einsum_batch_matmul
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @einsum_batch_matmul(%a: tensor<?x2x3xf32>, %b: tensor<?x3x4xf32>) -> tensor<?x2x4xf32> {
  %0 = "onnx.Einsum"(%a, %b) {equation = "bij, bjk -> bik"} : (tensor<?x2x3xf32>, tensor<?x3x4xf32>) -> tensor<?x2x4xf32>
  return %0 : tensor<?x2x4xf32>
}

// -----

// The loss with mean reduction: per position -x[n, t] * w[t] and the weight,
// then the two sums divided.
// CHECK-LABEL: func @nll_mean
// CHECK: linalg.generic {{.*}} outs({{.*}} : tensor<3xf32>, tensor<3xf32>, tensor<3xi1>)
// CHECK: arith.negf
// CHECK: arith.divf
func.func @nll_mean(%x: tensor<3x5xf32>, %t: tensor<3xi64>, %w: tensor<5xf32>) -> tensor<f32> {
  %0 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %w) {reduction = "mean"} : (tensor<3x5xf32>, tensor<3xi64>, tensor<5xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Forms of these lowerings that are refused, each by node and reason.
func.func @refused_forms(%x: tensor<3x5xf32>, %t: tensor<3xi64>, %i: tensor<3x5xi32>,
                         %w: tensor<5xf64>, %v: tensor<4xf32>, %idx: tensor<2x1xi32>,
                         %cube: tensor<2x2x2xf32>, %s: tensor<3xf32>,
                         %y: tensor<4x2xf32>) {
  // expected-error @+1 {{NegativeLogLikelihoodLoss: reduction 'average' is not one of none, sum, mean}}
  %0 = "onnx.NegativeLogLikelihoodLoss"(%x, %t) {reduction = "average"} : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<f32>
  // expected-error @+1 {{NegativeLogLikelihoodLoss: the weight must be a vector of the input's element type}}
  %1 = "onnx.NegativeLogLikelihoodLoss"(%x, %t, %w) : (tensor<3x5xf32>, tensor<3xi64>, tensor<5xf64>) -> tensor<f32>
  // expected-error @+1 {{SoftmaxCrossEntropyLoss: the result's rank does not fit reduction 'none'}}
  %2 = "onnx.SoftmaxCrossEntropyLoss"(%x, %t) {reduction = "none"} : (tensor<3x5xf32>, tensor<3xi64>) -> tensor<f32>
  // expected-error @+1 {{Einsum: equation 'ij,jk->ik': operand 1 dimension 0 has size 4 where another operand's matching dimension has 5}}
  %3 = "onnx.Einsum"(%x, %y) {equation = "ij,jk->ik"} : (tensor<3x5xf32>, tensor<4x2xf32>) -> tensor<3x2xf32>
  // expected-error @+1 {{Einsum: equation 'ij->iz': output subscript 'z' is not an operand subscript or is repeated}}
  %4 = "onnx.Einsum"(%x) {equation = "ij->iz"} : (tensor<3x5xf32>) -> tensor<3x5xf32>
  // expected-error @+1 {{Hardmax: Hardmax needs a float input}}
  %5 = "onnx.Hardmax"(%i) : (tensor<3x5xi32>) -> tensor<3x5xi32>
  // expected-error @+1 {{GatherND: indices must be int64}}
  %6 = "onnx.GatherND"(%v, %idx) : (tensor<4xf32>, tensor<2x1xi32>) -> tensor<2xf32>
  // expected-error @+1 {{EyeLike: EyeLike needs a 2-D input}}
  %7 = "onnx.EyeLike"(%cube) : (tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  // expected-error @+1 {{QuantizeLinear: a per-axis scale or zero point must have one element per position along axis}}
  %8 = "onnx.QuantizeLinear"(%x, %s) {axis = 1 : si64} : (tensor<3x5xf32>, tensor<3xf32>) -> tensor<3x5xi8>
  // expected-error @+1 {{DequantizeLinear: the result must be a float tensor}}
  %9 = "onnx.DequantizeLinear"(%i, %s) {axis = 0 : si64} : (tensor<3x5xi32>, tensor<3xf32>) -> tensor<3x5xi32>
  return
}

// -----

// Refused forms of Dropout, LRN and the control flow.
func.func @refused_control_flow(%x: tensor<1x4x2x2xf32>, %c: tensor<i1>, %a: tensor<2xf32>,
                                %b: tensor<3xf32>, %r: tensor<f32>) {
  %half = "onnx.Constant"() {value = dense<5.000000e-01> : tensor<f32>} : () -> tensor<f32>
  %on = "onnx.Constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  // expected-error @+1 {{Dropout: Dropout in training mode (random) is only supported with a constant ratio of 0}}
  %0 = "onnx.Dropout"(%x, %half, %on) {operandSegmentSizes = array<i32: 1, 1, 1>} : (tensor<1x4x2x2xf32>, tensor<f32>, tensor<i1>) -> tensor<1x4x2x2xf32>
  // expected-error @+1 {{LRN: size must be given and between 1 and 64}}
  %1 = "onnx.LRN"(%x) {size = 100 : si64} : (tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  // expected-error @+1 {{If: a branch output's type does not fit the If's output}}
  %2 = "onnx.If"(%c) ({
    onnx.yield %a : tensor<2xf32>
  }, {
    onnx.yield %b : tensor<3xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  // expected-error @+1 {{Loop: scan outputs need the trip count M}}
  %3:2 = "onnx.Loop"(%c, %a) <{operandSegmentSizes = array<i32: 0, 1, 1>}> ({
  ^bb0(%i: tensor<i64>, %cond: tensor<i1>, %v: tensor<2xf32>):
    onnx.yield %cond, %v, %v : tensor<i1>, tensor<2xf32>, tensor<2xf32>
  }) : (tensor<i1>, tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>)
  return
}

// -----

// GridSample's refused forms.
func.func @refused_grid_sample(%x: tensor<1x1x4x4xf32>, %g: tensor<1x2x2x2xf32>,
                               %v: tensor<1x1x2x4x4xf32>, %g3: tensor<1x2x2x2x3xf32>,
                               %d: tensor<1x1x?x4xf32>) {
  // expected-error @+1 {{GridSample: mode 'area' is not bilinear, nearest or bicubic}}
  %0 = "onnx.GridSample"(%x, %g) {mode = "area"} : (tensor<1x1x4x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  // expected-error @+1 {{GridSample: only 2-D sampling is supported}}
  %1 = "onnx.GridSample"(%v, %g3) : (tensor<1x1x2x4x4xf32>, tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32>
  // expected-error @+1 {{GridSample: reflection padding needs static image sizes}}
  %2 = "onnx.GridSample"(%d, %g) {padding_mode = "reflection"} : (tensor<1x1x?x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return
}

// -----

// A one-group f32 Conv with enough output channels and more spatial axes
// than loomrt's convolution takes (three here) is one GEMM: the windows as
// columns (im2col, [C * kd * kh * kw, N * od * oh * ow]), the weight as
// [M, C * kd * kh * kw].
// CHECK-LABEL: func @conv_as_gemm
// CHECK-NOT: loomrt_conv2d_f32
// CHECK: tensor.collapse_shape {{.*}} tensor<2x3x3x3x?x4x4x4xf32> into tensor<54x?xf32>
// CHECK: tensor.collapse_shape {{.*}} tensor<8x2x3x3x3xf32> into tensor<8x54xf32>
// CHECK: linalg.matmul
// CHECK: tensor.expand_shape {{.*}} tensor<8x?xf32> into tensor<8x?x4x4x4xf32>
func.func @conv_as_gemm(%x: tensor<?x2x4x4x4xf32>, %w: tensor<8x2x3x3x3xf32>) -> tensor<?x8x4x4x4xf32> {
  %0 = "onnx.Conv"(%x, %w) {pads = [1, 1, 1, 1, 1, 1]} : (tensor<?x2x4x4x4xf32>, tensor<8x2x3x3x3xf32>) -> tensor<?x8x4x4x4xf32>
  return %0 : tensor<?x8x4x4x4xf32>
}
