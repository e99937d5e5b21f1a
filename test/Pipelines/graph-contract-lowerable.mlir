// The graph contract's second half: when every tensor is ranked, every onnx
// and loom op must have a CPU lowering that takes it. Each one that does not
// gets an error naming its node and why, before the generate stage or any
// lowering runs (the same checks the lowering passes make).
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-check-graph-contract 2>&1 | FileCheck %s
// RUN: not loom-opt %s --mlir-print-op-on-diagnostic=false --loom-graph-pipeline 2>&1 | FileCheck %s
// RUN: loom-opt %s --loom-graph-pipeline=check-contract=false | FileCheck %s --check-prefix=NOCHECK

// CHECK-DAG: error: {{.*}}node 'coin' (Bernoulli): no CPU lowering for Bernoulli yet
// CHECK-DAG: error: {{.*}}node 'scalar_product' (MatMul): a MatMul operand is a scalar (rank 0); MatMul needs vectors or matrices
// CHECK-DAG: error: {{.*}}node 'strings' (Neg): element type {{.*}} is not supported yet
// CHECK-NOT: node 'fine'
// CHECK-NOT: see current operation
// NOCHECK-LABEL: func @unlowerable
func.func @unlowerable(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>, %v: tensor<f32>,
                       %m: tensor<4x4xf32>, %c: tensor<2xcomplex<f32>>)
    -> (tensor<1x1x4x4xf32>, tensor<4xf32>, tensor<2xcomplex<f32>>, tensor<4x4xf32>) {
  %0 = "onnx.Bernoulli"(%x) : (tensor<1x1x4x4xf32>) -> tensor<1x1x4x4xf32> loc("coin")
  %1 = "onnx.MatMul"(%v, %m) : (tensor<f32>, tensor<4x4xf32>) -> tensor<4xf32> loc("scalar_product")
  %2 = "onnx.Neg"(%c) : (tensor<2xcomplex<f32>>) -> tensor<2xcomplex<f32>> loc("strings")
  %3 = "onnx.Relu"(%m) : (tensor<4x4xf32>) -> tensor<4x4xf32> loc("fine")
  return %0, %1, %2, %3 : tensor<1x1x4x4xf32>, tensor<4xf32>, tensor<2xcomplex<f32>>, tensor<4x4xf32>
}
