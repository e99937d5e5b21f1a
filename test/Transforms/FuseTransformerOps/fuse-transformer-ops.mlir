// loom-fuse-transformer-ops: each chain as exporters write it becomes one loom
// op; each near miss (a wrong constant, axis, operand or order) stays.
// RUN: loom-opt %s -split-input-file --pass-pipeline='builtin.module(func.func(loom-fuse-transformer-ops))' | FileCheck %s

// RMSNorm, Hugging Face: weight * (x * (1 / sqrt(mean(x^2) + eps))).
// CHECK-LABEL: func @rms_norm_reciprocal
// CHECK-NEXT: %[[W:.*]] = "onnx.Constant"
// CHECK-NEXT: %[[Y:.*]] = loom.rms_norm %arg0, %[[W]] {epsilon = 9.99999997E-7 : f32} : tensor<2x?x64xf32>, tensor<64xf32> -> tensor<2x?x64xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rms_norm_reciprocal(%x: tensor<2x?x64xf32>) -> tensor<2x?x64xf32> {
  %w = "onnx.Constant"() <{value = dense<1.5> : tensor<64xf32>}> : () -> tensor<64xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %sq = "onnx.Pow"(%x, %two) : (tensor<2x?x64xf32>, tensor<f32>) -> tensor<2x?x64xf32>
  %m = "onnx.ReduceMean"(%sq) <{axes = [-1], keepdims = 1 : si64}> : (tensor<2x?x64xf32>) -> tensor<2x?x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-6> : tensor<f32>}> : () -> tensor<f32>
  %a = "onnx.Add"(%m, %eps) : (tensor<2x?x1xf32>, tensor<f32>) -> tensor<2x?x1xf32>
  %s = "onnx.Sqrt"(%a) : (tensor<2x?x1xf32>) -> tensor<2x?x1xf32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %r = "onnx.Div"(%one, %s) : (tensor<f32>, tensor<2x?x1xf32>) -> tensor<2x?x1xf32>
  %n = "onnx.Mul"(%x, %r) : (tensor<2x?x64xf32>, tensor<2x?x1xf32>) -> tensor<2x?x64xf32>
  %y = "onnx.Mul"(%w, %n) : (tensor<64xf32>, tensor<2x?x64xf32>) -> tensor<2x?x64xf32>
  return %y : tensor<2x?x64xf32>
}

// -----

// RMSNorm as x / sqrt(mean(x * x) + eps) * w, with a less refined result
// type than the input's: a cast keeps the function's types.
// CHECK-LABEL: func @rms_norm_div
// CHECK: %[[Y:.*]] = loom.rms_norm %arg0, %arg1 : tensor<4x64xf32>, tensor<64xf32> -> tensor<4x64xf32>
// CHECK-NEXT: %[[C:.*]] = tensor.cast %[[Y]] : tensor<4x64xf32> to tensor<?x64xf32>
// CHECK-NEXT: return %[[C]]
func.func @rms_norm_div(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> tensor<?x64xf32> {
  %sq = "onnx.Mul"(%x, %x) : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %m = "onnx.ReduceMean"(%sq) <{axes = [1], keepdims = 1 : si64}> : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<1xf32>}> : () -> tensor<1xf32>
  %a = "onnx.Add"(%eps, %m) : (tensor<1xf32>, tensor<4x1xf32>) -> tensor<4x1xf32>
  %s = "onnx.Sqrt"(%a) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %n = "onnx.Div"(%x, %s) : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %y = "onnx.Mul"(%n, %w) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Near misses: the mean over the first axis; x cubed; no weight.
// CHECK-LABEL: func @rms_norm_near_misses
// CHECK-NOT: loom.rms_norm
// CHECK: return
func.func @rms_norm_near_misses(%x: tensor<4x64xf32>, %w: tensor<64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>) {
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %three = "onnx.Constant"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  // mean over axis 0
  %sq0 = "onnx.Pow"(%x, %two) : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %m0 = "onnx.ReduceMean"(%sq0) <{axes = [0], keepdims = 1 : si64}> : (tensor<4x64xf32>) -> tensor<1x64xf32>
  %a0 = "onnx.Add"(%m0, %eps) : (tensor<1x64xf32>, tensor<f32>) -> tensor<1x64xf32>
  %s0 = "onnx.Sqrt"(%a0) : (tensor<1x64xf32>) -> tensor<1x64xf32>
  %n0 = "onnx.Div"(%x, %s0) : (tensor<4x64xf32>, tensor<1x64xf32>) -> tensor<4x64xf32>
  %y0 = "onnx.Mul"(%n0, %w) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  // x^3
  %sq1 = "onnx.Pow"(%x, %three) : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %m1 = "onnx.ReduceMean"(%sq1) <{axes = [-1], keepdims = 1 : si64}> : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %a1 = "onnx.Add"(%m1, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s1 = "onnx.Sqrt"(%a1) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %n1 = "onnx.Div"(%x, %s1) : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  %y1 = "onnx.Mul"(%n1, %w) : (tensor<4x64xf32>, tensor<64xf32>) -> tensor<4x64xf32>
  // no weight
  %sq2 = "onnx.Pow"(%x, %two) : (tensor<4x64xf32>, tensor<f32>) -> tensor<4x64xf32>
  %m2 = "onnx.ReduceMean"(%sq2) <{axes = [-1], keepdims = 1 : si64}> : (tensor<4x64xf32>) -> tensor<4x1xf32>
  %a2 = "onnx.Add"(%m2, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %s2 = "onnx.Sqrt"(%a2) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %n2 = "onnx.Div"(%x, %s2) : (tensor<4x64xf32>, tensor<4x1xf32>) -> tensor<4x64xf32>
  return %y0, %y1, %n2 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// LayerNorm decomposed (torch, opset < 17), without bias.
// CHECK-LABEL: func @layer_norm_no_bias
// CHECK-NEXT: %[[Y:.*]] = loom.layer_norm %arg0, %arg1 {epsilon = 9.99999996E-13 : f32} : tensor<3x32xf32>, tensor<32xf32> -> tensor<3x32xf32>
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm_no_bias(%x: tensor<3x32xf32>, %w: tensor<32xf32>) -> tensor<3x32xf32> {
  %m = "onnx.ReduceMean"(%x) <{axes = [-1], keepdims = 1 : si64}> : (tensor<3x32xf32>) -> tensor<3x1xf32>
  %d = "onnx.Sub"(%x, %m) : (tensor<3x32xf32>, tensor<3x1xf32>) -> tensor<3x32xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %sq = "onnx.Pow"(%d, %two) : (tensor<3x32xf32>, tensor<f32>) -> tensor<3x32xf32>
  %v = "onnx.ReduceMean"(%sq) <{axes = [-1], keepdims = 1 : si64}> : (tensor<3x32xf32>) -> tensor<3x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-12> : tensor<f32>}> : () -> tensor<f32>
  %a = "onnx.Add"(%v, %eps) : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %s = "onnx.Sqrt"(%a) : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %n = "onnx.Div"(%d, %s) : (tensor<3x32xf32>, tensor<3x1xf32>) -> tensor<3x32xf32>
  %y = "onnx.Mul"(%n, %w) : (tensor<3x32xf32>, tensor<32xf32>) -> tensor<3x32xf32>
  return %y : tensor<3x32xf32>
}

// -----

// Near miss: the variance of a different tensor than the one centered.
// CHECK-LABEL: func @layer_norm_other_variance
// CHECK-NOT: loom.layer_norm
// CHECK: return
func.func @layer_norm_other_variance(%x: tensor<3x32xf32>, %z: tensor<3x32xf32>, %w: tensor<32xf32>) -> tensor<3x32xf32> {
  %m = "onnx.ReduceMean"(%x) <{axes = [-1], keepdims = 1 : si64}> : (tensor<3x32xf32>) -> tensor<3x1xf32>
  %d = "onnx.Sub"(%x, %m) : (tensor<3x32xf32>, tensor<3x1xf32>) -> tensor<3x32xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %sq = "onnx.Pow"(%z, %two) : (tensor<3x32xf32>, tensor<f32>) -> tensor<3x32xf32>
  %v = "onnx.ReduceMean"(%sq) <{axes = [-1], keepdims = 1 : si64}> : (tensor<3x32xf32>) -> tensor<3x1xf32>
  %eps = "onnx.Constant"() <{value = dense<1.0e-5> : tensor<f32>}> : () -> tensor<f32>
  %a = "onnx.Add"(%v, %eps) : (tensor<3x1xf32>, tensor<f32>) -> tensor<3x1xf32>
  %s = "onnx.Sqrt"(%a) : (tensor<3x1xf32>) -> tensor<3x1xf32>
  %n = "onnx.Div"(%d, %s) : (tensor<3x32xf32>, tensor<3x1xf32>) -> tensor<3x32xf32>
  %y = "onnx.Mul"(%n, %w) : (tensor<3x32xf32>, tensor<32xf32>) -> tensor<3x32xf32>
  return %y : tensor<3x32xf32>
}

// -----

// LayerNormalization (opset 17) on the last axis; on axis 0 it stays.
// CHECK-LABEL: func @layer_normalization
// CHECK: loom.layer_norm %arg0, %arg1, %arg2 :
// CHECK: "onnx.LayerNormalization"(%arg0, %arg1, %arg2) <{axis = 0 : si64
func.func @layer_normalization(%x: tensor<3x32xf32>, %w: tensor<32xf32>, %b: tensor<32xf32>) -> (tensor<3x32xf32>, tensor<3x32xf32>) {
  %y = "onnx.LayerNormalization"(%x, %w, %b) <{axis = -1 : si64, epsilon = 1.0e-5 : f32, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<3x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<3x32xf32>
  %z = "onnx.LayerNormalization"(%x, %w, %b) <{axis = 0 : si64, epsilon = 1.0e-5 : f32, resultSegmentSizes = array<i32: 1, 0, 0>}> : (tensor<3x32xf32>, tensor<32xf32>, tensor<32xf32>) -> tensor<3x32xf32>
  return %y, %z : tensor<3x32xf32>, tensor<3x32xf32>
}

// -----

// GELU, tanh form with Pow(x, 3) and 0.5 * x first; exact form with
// x * (1 / sqrt 2).
// CHECK-LABEL: func @gelus
// CHECK-DAG: loom.gelu tanh %arg0 : tensor<8xf32>
// CHECK-DAG: loom.gelu erf %arg0 : tensor<8xf32>
// CHECK-NOT: onnx.Tanh
// CHECK-NOT: onnx.Erf
func.func @gelus(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %three = "onnx.Constant"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  %c1 = "onnx.Constant"() <{value = dense<0.044715> : tensor<f32>}> : () -> tensor<f32>
  %c2 = "onnx.Constant"() <{value = dense<0.7978845608> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %x3 = "onnx.Pow"(%x, %three) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t0 = "onnx.Mul"(%c1, %x3) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %t1 = "onnx.Add"(%x, %t0) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t2 = "onnx.Mul"(%t1, %c2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t3 = "onnx.Tanh"(%t2) : (tensor<8xf32>) -> tensor<8xf32>
  %t4 = "onnx.Add"(%t3, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %hx = "onnx.Mul"(%half, %x) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %g1 = "onnx.Mul"(%hx, %t4) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %r2 = "onnx.Constant"() <{value = dense<0.70710678> : tensor<f32>}> : () -> tensor<f32>
  %e0 = "onnx.Mul"(%x, %r2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e1 = "onnx.Erf"(%e0) : (tensor<8xf32>) -> tensor<8xf32>
  %e2 = "onnx.Add"(%one, %e1) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %e3 = "onnx.Mul"(%x, %e2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %g2 = "onnx.Mul"(%e3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %g1, %g2 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Near misses: 0.05 instead of 0.044715; erf(x / 2).
// CHECK-LABEL: func @gelu_near_misses
// CHECK-NOT: loom.gelu
// CHECK: return
func.func @gelu_near_misses(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %three = "onnx.Constant"() <{value = dense<3.0> : tensor<f32>}> : () -> tensor<f32>
  %c1 = "onnx.Constant"() <{value = dense<0.05> : tensor<f32>}> : () -> tensor<f32>
  %c2 = "onnx.Constant"() <{value = dense<0.7978845608> : tensor<f32>}> : () -> tensor<f32>
  %one = "onnx.Constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
  %half = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %x3 = "onnx.Pow"(%x, %three) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t0 = "onnx.Mul"(%c1, %x3) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %t1 = "onnx.Add"(%x, %t0) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %t2 = "onnx.Mul"(%t1, %c2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %t3 = "onnx.Tanh"(%t2) : (tensor<8xf32>) -> tensor<8xf32>
  %t4 = "onnx.Add"(%t3, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %hx = "onnx.Mul"(%half, %x) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %g1 = "onnx.Mul"(%hx, %t4) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %two = "onnx.Constant"() <{value = dense<2.0> : tensor<f32>}> : () -> tensor<f32>
  %e0 = "onnx.Div"(%x, %two) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %e1 = "onnx.Erf"(%e0) : (tensor<8xf32>) -> tensor<8xf32>
  %e2 = "onnx.Add"(%one, %e1) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %e3 = "onnx.Mul"(%x, %e2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %g2 = "onnx.Mul"(%e3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %g1, %g2 : tensor<8xf32>, tensor<8xf32>
}

// -----

// SiLU: x * sigmoid(x) (either order); y * sigmoid(x) is not SiLU.
// CHECK-LABEL: func @silu
// CHECK: loom.silu %arg0 : tensor<8xf32>
// CHECK: %[[S:.*]] = "onnx.Sigmoid"(%arg0)
// CHECK: "onnx.Mul"(%arg1, %[[S]])
func.func @silu(%x: tensor<8xf32>, %y: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %s = "onnx.Sigmoid"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %a = "onnx.Mul"(%s, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %s2 = "onnx.Sigmoid"(%x) : (tensor<8xf32>) -> tensor<8xf32>
  %b = "onnx.Mul"(%y, %s2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %a, %b : tensor<8xf32>, tensor<8xf32>
}

// -----

// Rotary, Hugging Face: x * cos + Concat(-x[4:], x[:4]) * sin.
// CHECK-LABEL: func @rotary_halves
// CHECK-NEXT: %[[Y:.*]] = loom.rotary %arg0, %arg1, %arg2 : tensor<1x2x?x8xf32>, tensor<?x8xf32> -> tensor<1x2x?x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rotary_halves(%x: tensor<1x2x?x8xf32>, %cos: tensor<?x8xf32>, %sin: tensor<?x8xf32>) -> tensor<1x2x?x8xf32> {
  %c0 = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %c4 = "onnx.Constant"() <{value = dense<4> : tensor<1xi64>}> : () -> tensor<1xi64>
  %cmax = "onnx.Constant"() <{value = dense<9223372036854775807> : tensor<1xi64>}> : () -> tensor<1xi64>
  %axis = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}> : () -> tensor<1xi64>
  %one = "onnx.Constant"() <{value = dense<1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %hi = "onnx.Slice"(%x, %c4, %cmax, %axis, %one) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<1x2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x?x4xf32>
  %neg = "onnx.Neg"(%hi) : (tensor<1x2x?x4xf32>) -> tensor<1x2x?x4xf32>
  %lo = "onnx.Slice"(%x, %c0, %c4, %axis, %one) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 1>}> : (tensor<1x2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x?x4xf32>
  %rot = "onnx.Concat"(%neg, %lo) <{axis = -1 : si64}> : (tensor<1x2x?x4xf32>, tensor<1x2x?x4xf32>) -> tensor<1x2x?x8xf32>
  %a = "onnx.Mul"(%x, %cos) : (tensor<1x2x?x8xf32>, tensor<?x8xf32>) -> tensor<1x2x?x8xf32>
  %b = "onnx.Mul"(%rot, %sin) : (tensor<1x2x?x8xf32>, tensor<?x8xf32>) -> tensor<1x2x?x8xf32>
  %y = "onnx.Add"(%a, %b) : (tensor<1x2x?x8xf32>, tensor<1x2x?x8xf32>) -> tensor<1x2x?x8xf32>
  return %y : tensor<1x2x?x8xf32>
}

// -----

// Near miss: the negated half is the lower one: rotate_half's inverse.
// CHECK-LABEL: func @rotary_halves_wrong_sign
// CHECK-NOT: loom.rotary
// CHECK: return
func.func @rotary_halves_wrong_sign(%x: tensor<1x2x3x8xf32>, %cos: tensor<3x8xf32>, %sin: tensor<3x8xf32>) -> tensor<1x2x3x8xf32> {
  %c0 = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}> : () -> tensor<1xi64>
  %c4 = "onnx.Constant"() <{value = dense<4> : tensor<1xi64>}> : () -> tensor<1xi64>
  %c8 = "onnx.Constant"() <{value = dense<8> : tensor<1xi64>}> : () -> tensor<1xi64>
  %axis = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %hi = "onnx.Slice"(%x, %c4, %c8, %axis) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<1x2x3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
  %lo = "onnx.Slice"(%x, %c0, %c4, %axis) <{operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>}> : (tensor<1x2x3x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x2x3x4xf32>
  %neg = "onnx.Neg"(%lo) : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %rot = "onnx.Concat"(%neg, %hi) <{axis = -1 : si64}> : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x8xf32>
  %a = "onnx.Mul"(%x, %cos) : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %b = "onnx.Mul"(%rot, %sin) : (tensor<1x2x3x8xf32>, tensor<3x8xf32>) -> tensor<1x2x3x8xf32>
  %y = "onnx.Add"(%a, %b) : (tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// Rotary on pairs (llama2.c / Meta LLaMA as loom.models exports it).
// CHECK-LABEL: func @rotary_pairs
// CHECK: %[[Y:.*]] = loom.rotary %arg0, %arg1, %arg2 pairs : tensor<1x2x3x8xf32>, tensor<3x4xf32> -> tensor<1x2x3x8xf32>
// CHECK-NEXT: return %[[Y]]
func.func @rotary_pairs(%x: tensor<1x2x3x8xf32>, %cos: tensor<3x4xf32>, %sin: tensor<3x4xf32>) -> tensor<1x2x3x8xf32> {
  %shape5 = "onnx.Constant"() <{value = dense<[1, 2, 3, 4, 2]> : tensor<5xi64>}> : () -> tensor<5xi64>
  %p = "onnx.Reshape"(%x, %shape5) <{allowzero = 0 : si64}> : (tensor<1x2x3x8xf32>, tensor<5xi64>) -> tensor<1x2x3x4x2xf32>
  %i0 = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %i1 = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %e = "onnx.Gather"(%p, %i0) <{axis = 4 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %o = "onnx.Gather"(%p, %i1) <{axis = -1 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %ec = "onnx.Mul"(%e, %cos) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %os = "onnx.Mul"(%o, %sin) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %first = "onnx.Sub"(%ec, %os) : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %es = "onnx.Mul"(%sin, %e) : (tensor<3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %oc = "onnx.Mul"(%o, %cos) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %second = "onnx.Add"(%oc, %es) : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %m1 = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %u0 = "onnx.Unsqueeze"(%first, %m1) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %u1 = "onnx.Unsqueeze"(%second, %m1) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %c = "onnx.Concat"(%u0, %u1) <{axis = -1 : si64}> : (tensor<1x2x3x4x1xf32>, tensor<1x2x3x4x1xf32>) -> tensor<1x2x3x4x2xf32>
  %shape4 = "onnx.Constant"() <{value = dense<[1, 2, 3, 8]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %y = "onnx.Reshape"(%c, %shape4) <{allowzero = 0 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<4xi64>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// Near miss: the second element uses e * cos + o * sin (not a rotation).
// CHECK-LABEL: func @rotary_pairs_not_a_rotation
// CHECK-NOT: loom.rotary
// CHECK: return
func.func @rotary_pairs_not_a_rotation(%x: tensor<1x2x3x8xf32>, %cos: tensor<3x4xf32>, %sin: tensor<3x4xf32>) -> tensor<1x2x3x8xf32> {
  %shape5 = "onnx.Constant"() <{value = dense<[1, 2, 3, 4, 2]> : tensor<5xi64>}> : () -> tensor<5xi64>
  %p = "onnx.Reshape"(%x, %shape5) <{allowzero = 0 : si64}> : (tensor<1x2x3x8xf32>, tensor<5xi64>) -> tensor<1x2x3x4x2xf32>
  %i0 = "onnx.Constant"() <{value = dense<0> : tensor<i64>}> : () -> tensor<i64>
  %i1 = "onnx.Constant"() <{value = dense<1> : tensor<i64>}> : () -> tensor<i64>
  %e = "onnx.Gather"(%p, %i0) <{axis = 4 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %o = "onnx.Gather"(%p, %i1) <{axis = 4 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<i64>) -> tensor<1x2x3x4xf32>
  %ec = "onnx.Mul"(%e, %cos) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %os = "onnx.Mul"(%o, %sin) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %first = "onnx.Sub"(%ec, %os) : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %ec2 = "onnx.Mul"(%e, %cos) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %os2 = "onnx.Mul"(%o, %sin) : (tensor<1x2x3x4xf32>, tensor<3x4xf32>) -> tensor<1x2x3x4xf32>
  %second = "onnx.Add"(%ec2, %os2) : (tensor<1x2x3x4xf32>, tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
  %m1 = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}> : () -> tensor<1xi64>
  %u0 = "onnx.Unsqueeze"(%first, %m1) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %u1 = "onnx.Unsqueeze"(%second, %m1) : (tensor<1x2x3x4xf32>, tensor<1xi64>) -> tensor<1x2x3x4x1xf32>
  %c = "onnx.Concat"(%u0, %u1) <{axis = -1 : si64}> : (tensor<1x2x3x4x1xf32>, tensor<1x2x3x4x1xf32>) -> tensor<1x2x3x4x2xf32>
  %shape4 = "onnx.Constant"() <{value = dense<[1, 2, 3, 8]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %y = "onnx.Reshape"(%c, %shape4) <{allowzero = 0 : si64}> : (tensor<1x2x3x4x2xf32>, tensor<4xi64>) -> tensor<1x2x3x8xf32>
  return %y : tensor<1x2x3x8xf32>
}

// -----

// A function declaration (no body) is left alone.
// CHECK-LABEL: func.func private @declared
func.func private @declared(tensor<8xf32>) -> tensor<8xf32>
