// The graph stage as loom-opt runs it: the same builder and options as
// loom-compile (--fuse-transformer-ops, --fuse-attention, --softmax).
// RUN: loom-opt %s --split-input-file --loom-graph-pipeline | FileCheck %s
// RUN: loom-opt %s --split-input-file --loom-graph-pipeline="softmax=online fuse-transformer-ops=false" | FileCheck %s --check-prefix=OPTIONS
// RUN: not loom-opt %s --split-input-file --loom-graph-pipeline="softmax=fast" 2>&1 | FileCheck %s --check-prefix=BAD

// Shape refinement, SiLU fused into loom.silu, softmax selected (auto: two-pass
// on the last axis of f32).
// CHECK-LABEL: func @block
// CHECK: loom.silu
// CHECK: loom.softmax two_pass
// CHECK-NOT: onnx.Sigmoid
// OPTIONS-LABEL: func @block
// OPTIONS: onnx.Sigmoid
// OPTIONS: loom.softmax online
// BAD: error: unknown softmax algorithm 'fast'
func.func @block(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %s = "onnx.Sigmoid"(%x) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %m = "onnx.Mul"(%x, %s) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %y = "onnx.Softmax"(%m) {axis = -1 : si64} : (tensor<2x8xf32>) -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Casts to the type a tensor already has (LLaMA's softmax(dtype=float32)
// .to(q.dtype), Phi's q.to(float32)) and Identity are forwarded before
// fusion: the attention chain they interrupt becomes one loom.attention.
// CHECK-LABEL: func @attention_through_casts
// CHECK: loom.attention
// CHECK-NOT: onnx.Cast
// CHECK-NOT: onnx.Identity
// CHECK-NOT: onnx.Softmax
// OPTIONS-LABEL: func @attention_through_casts
// OPTIONS: loom.attention
func.func @attention_through_casts(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>, %v: tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32> {
  %q32 = "onnx.Cast"(%q) {to = 1 : si64} : (tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  %k32 = "onnx.Cast"(%k) {to = 1 : si64} : (tensor<?x4x?x16xf32>) -> tensor<*xf32>
  %kt = "onnx.Transpose"(%k32) <{perm = [0, 1, 3, 2]}> : (tensor<*xf32>) -> tensor<?x4x16x?xf32>
  %s = "onnx.MatMul"(%q32, %kt) : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %c = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
  %m = "onnx.Mul"(%s, %c) : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %p = "onnx.Softmax"(%m) {axis = -1 : si64} : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %p32 = "onnx.Cast"(%p) {to = 1 : si64} : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %pi = "onnx.Identity"(%p32) : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %o = "onnx.MatMul"(%pi, %v) : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  return %o : tensor<?x4x?x16xf32>
}
