// RUN: loom-opt %s --loom-linalg-to-runtime-calls --split-input-file | FileCheck %s

// f32 matmul on buffers becomes a call to loomrt's GEMM, operands cast to
// fully dynamic strided views; the callee uses MLIR's C interface.
// CHECK-LABEL: func.func private @loomrt_matmul_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>) attributes {llvm.emit_c_interface}
// CHECK-LABEL: func @matmul
// CHECK: %[[A:.*]] = memref.cast %arg0 : memref<6x4xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[B:.*]] = memref.cast %arg1
// CHECK: %[[C:.*]] = memref.cast %arg2
// CHECK: call @loomrt_matmul_f32(%[[A]], %[[B]], %[[C]])
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<6x4xf32>, %b: memref<4x5xf32>, %c: memref<6x5xf32>) {
  linalg.matmul ins(%a, %b : memref<6x4xf32>, memref<4x5xf32>) outs(%c : memref<6x5xf32>)
  return
}

// -----

// CHECK-LABEL: func @batch
// CHECK: call @loomrt_batch_matmul_f32
func.func @batch(%a: memref<2x6x4xf32>, %b: memref<2x4x5xf32>, %c: memref<2x6x5xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<2x6x4xf32>, memref<2x4x5xf32>) outs(%c : memref<2x6x5xf32>)
  return
}

// -----

// Other element types and ops on tensors keep their linalg form.
// CHECK-LABEL: func @kept
// CHECK: linalg.matmul ins(%arg0, %arg1 : memref<6x4xi32>
// CHECK: linalg.matmul ins(%arg3, %arg4 : tensor<6x4xf32>
// CHECK-NOT: call
func.func @kept(%a: memref<6x4xi32>, %b: memref<4x5xi32>, %c: memref<6x5xi32>,
                %ta: tensor<6x4xf32>, %tb: tensor<4x5xf32>, %tc: tensor<6x5xf32>) -> tensor<6x5xf32> {
  linalg.matmul ins(%a, %b : memref<6x4xi32>, memref<4x5xi32>) outs(%c : memref<6x5xi32>)
  %r = linalg.matmul ins(%ta, %tb : tensor<6x4xf32>, tensor<4x5xf32>) outs(%tc : tensor<6x5xf32>) -> tensor<6x5xf32>
  return %r : tensor<6x5xf32>
}

// -----

// A B that is a constant global (a weight), directly or through a view at a
// fixed place, calls the constant-B entry (loomrt keeps it packed); a
// mutable global, or a view at an offset known only at run time, does not.
// CHECK-LABEL: func @weights
// CHECK: call @loomrt_matmul_f32_constant_b
// CHECK: call @loomrt_matmul_f32_constant_b
// CHECK: call @loomrt_matmul_f32(
// CHECK: call @loomrt_matmul_f32(
memref.global "private" constant @w : memref<8x5xf32> = dense<1.0>
memref.global "private" @state : memref<4x5xf32> = dense<0.0>
func.func @weights(%a: memref<6x4xf32>, %c: memref<6x5xf32>, %i: index) {
  %w = memref.get_global @w : memref<8x5xf32>
  %top = memref.subview %w[0, 0] [4, 5] [1, 1] : memref<8x5xf32> to memref<4x5xf32, strided<[5, 1]>>
  linalg.matmul ins(%a, %top : memref<6x4xf32>, memref<4x5xf32, strided<[5, 1]>>) outs(%c : memref<6x5xf32>)
  %wide = memref.get_global @w : memref<8x5xf32>
  %a8 = memref.alloc() : memref<6x8xf32>
  linalg.matmul ins(%a8, %wide : memref<6x8xf32>, memref<8x5xf32>) outs(%c : memref<6x5xf32>)
  %s = memref.get_global @state : memref<4x5xf32>
  linalg.matmul ins(%a, %s : memref<6x4xf32>, memref<4x5xf32>) outs(%c : memref<6x5xf32>)
  %moving = memref.subview %w[%i, 0] [4, 5] [1, 1] : memref<8x5xf32> to memref<4x5xf32, strided<[5, 1], offset: ?>>
  linalg.matmul ins(%a, %moving : memref<6x4xf32>, memref<4x5xf32, strided<[5, 1], offset: ?>>) outs(%c : memref<6x5xf32>)
  memref.dealloc %a8 : memref<6x8xf32>
  return
}
