// The CPU lowering stage: onnx (and loom) ops on tensors to the LLVM dialect
// only, ending with that contract.
// RUN: loom-opt %s --loom-cpu-lowering-pipeline | FileCheck %s
// RUN: not loom-opt %s --loom-check-llvm-contract 2>&1 | FileCheck %s --check-prefix=CONTRACT

// CHECK: llvm.func @main_graph
// CHECK: llvm.func @_mlir_ciface_main_graph
// CHECK-NOT: onnx.
// CHECK-NOT: func.func
// CONTRACT: error: internal error: the CPU lowering left onnx.Relu, func.return, func.func outside the LLVM and OpenMP dialects (first: (onnx.Relu)); please report this model
// CONTRACT-NOT: see current operation
func.func @main_graph(%x: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {llvm.emit_c_interface} {
  %0 = "onnx.Relu"(%x) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}
