// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax{algorithm=two-pass}))' | FileCheck %s
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax))' | FileCheck %s --check-prefix=DEFAULT
// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax{algorithm=fast}))' 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func @softmax
// CHECK: loom.softmax two_pass %arg0 {axis = 1 : i64} : tensor<4x10xf32>
// CHECK-NOT: onnx.Softmax
// DEFAULT-LABEL: func @softmax
// DEFAULT: loom.softmax two_pass
// BAD: error: unknown softmax algorithm 'fast' (auto, three-pass, two-pass or online)
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = "onnx.Softmax"(%x) {axis = 1 : si64} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}

// The default (auto) takes two-pass only where loomrt's row kernel runs
// (f32, last axis, also written -1); elsewhere the generated loops, where
// three-pass is fastest.
// DEFAULT-LABEL: func @auto_choices
// DEFAULT: loom.softmax two_pass %arg0 : tensor<4x10xf32>
// DEFAULT: loom.softmax three_pass %arg0 {axis = 0 : i64} : tensor<4x10xf32>
// DEFAULT: loom.softmax three_pass %arg1 {axis = 1 : i64} : tensor<4x10xf16>
// DEFAULT: loom.softmax two_pass %arg2 {axis = 0 : i64} : tensor<10xf32>
func.func @auto_choices(%x: tensor<4x10xf32>, %h: tensor<4x10xf16>, %v: tensor<10xf32>)
    -> (tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf16>, tensor<10xf32>) {
  %0 = "onnx.Softmax"(%x) {axis = -1 : si64} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  %1 = "onnx.Softmax"(%x) {axis = 0 : si64} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  %2 = "onnx.Softmax"(%h) {axis = 1 : si64} : (tensor<4x10xf16>) -> tensor<4x10xf16>
  %3 = "onnx.Softmax"(%v) {axis = 0 : si64} : (tensor<10xf32>) -> tensor<10xf32>
  return %0, %1, %2, %3 : tensor<4x10xf32>, tensor<4x10xf32>, tensor<4x10xf16>, tensor<10xf32>
}
