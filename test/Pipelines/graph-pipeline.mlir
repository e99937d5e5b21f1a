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
