// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax{algorithm=two-pass}))' | FileCheck %s
// RUN: loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax))' | FileCheck %s --check-prefix=DEFAULT
// RUN: not loom-opt %s --pass-pipeline='builtin.module(func.func(loom-select-softmax{algorithm=fast}))' 2>&1 | FileCheck %s --check-prefix=BAD

// CHECK-LABEL: func @softmax
// CHECK: loom.softmax two_pass %arg0 {axis = 1 : i64} : tensor<4x10xf32>
// CHECK-NOT: onnx.Softmax
// DEFAULT: loom.softmax three_pass
// BAD: error: unknown softmax algorithm 'fast' (three-pass, two-pass or online)
func.func @softmax(%x: tensor<4x10xf32>) -> tensor<4x10xf32> {
  %0 = "onnx.Softmax"(%x) {axis = 1 : si64} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return %0 : tensor<4x10xf32>
}
