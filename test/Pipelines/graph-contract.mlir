// The graph stage ends with its contract: every onnx and loom op on ranked
// tensors. One error lists every offending node by its ONNX name.
// RUN: not loom-opt %s --loom-graph-pipeline 2>&1 | FileCheck %s
// RUN: loom-opt %s --loom-graph-pipeline=check-contract=false | FileCheck %s --check-prefix=NOCHECK
// RUN: not loom-opt %s --loom-check-graph-contract 2>&1 | FileCheck %s

// CHECK: error: 2 node(s) have tensors of unknown rank, which loom cannot compile yet:
// CHECK-NEXT: node 'opaque' (onnx.Relu): result 0 has type tensor<*xf32>
// CHECK-NEXT: node 'after' (onnx.Neg): operand 0 has type tensor<*xf32>
// CHECK-NOT: node 'ranked'
// CHECK-NOT: see current operation
// NOCHECK-LABEL: func @unranked
func.func @unranked(%x: tensor<*xf32>, %r: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0 = "onnx.Relu"(%x) : (tensor<*xf32>) -> tensor<*xf32> loc("opaque")
  %1 = "onnx.Neg"(%0) : (tensor<*xf32>) -> tensor<4xf32> loc("after")
  %2 = "onnx.Abs"(%r) : (tensor<4xf32>) -> tensor<4xf32> loc("ranked")
  return %2, %1 : tensor<4xf32>, tensor<4xf32>
}
