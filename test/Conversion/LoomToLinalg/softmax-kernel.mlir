// loom.softmax over the last axis of an f32 tensor: one call to loomrt's row
// kernel with the algorithm as an i32 (0 three-pass, 1 two-pass, 2 online),
// the leading axes collapsed into rows. Other axes and other types keep the
// generic linalg lowering. The lowering refuses a module in which
// loom-declare-runtime-kernels has not declared loomrt's kernels.
// RUN: loom-opt %s --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg,loom-convert-loom-to-linalg))' | FileCheck %s
// RUN: %expect_exit 1 loom-opt %s --pass-pipeline='builtin.module(func.func(loom-convert-loom-to-linalg))' -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNDECLARED
// UNDECLARED: error: loom-convert-loom-to-linalg needs loomrt's kernels declared in the module: run loom-declare-runtime-kernels first

// CHECK: func.func private @loomrt_softmax_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i32) attributes {llvm.emit_c_interface}

// CHECK-LABEL: func @rank3_two_pass
func.func @rank3_two_pass(%x: tensor<2x?x32xf32>) -> tensor<2x?x32xf32> {
  // CHECK: %[[ROWS:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2]] : tensor<2x?x32xf32> into tensor<?x32xf32>
  // CHECK: %[[IN:.*]] = bufferization.to_buffer %[[ROWS]] read_only : tensor<?x32xf32> to memref<?x32xf32, strided<[?, ?], offset: ?>>
  // CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<2x?x32xf32>
  // CHECK: %[[OUTROWS:.*]] = memref.collapse_shape %[[OUT]] {{\[\[}}0, 1], [2]] : memref<2x?x32xf32> into memref<?x32xf32>
  // CHECK: %[[A:.*]] = memref.cast %[[IN]]
  // CHECK: %[[B:.*]] = memref.cast %[[OUTROWS]]
  // CHECK: %[[ALG:.*]] = arith.constant 1 : i32
  // CHECK: call @loomrt_softmax_f32(%[[A]], %[[B]], %[[ALG]])
  // CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<2x?x32xf32> to tensor<2x?x32xf32>
  %y = loom.softmax two_pass %x {axis = -1 : i64} : tensor<2x?x32xf32>
  return %y : tensor<2x?x32xf32>
}

// CHECK-LABEL: func @vector_online
func.func @vector_online(%x: tensor<10xf32>) -> tensor<10xf32> {
  // CHECK: tensor.expand_shape %arg0 {{\[\[}}0, 1]] output_shape [1, 10] : tensor<10xf32> into tensor<1x10xf32>
  // CHECK: memref.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 10] : memref<10xf32> into memref<1x10xf32>
  // CHECK: arith.constant 2 : i32
  // CHECK: call @loomrt_softmax_f32
  %y = loom.softmax online %x {axis = 0 : i64} : tensor<10xf32>
  return %y : tensor<10xf32>
}

// Not the last axis: generic linalg.
// CHECK-LABEL: func @first_axis
func.func @first_axis(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK-NOT: call @loomrt_softmax_f32
  // CHECK: linalg.generic
  %y = loom.softmax three_pass %x {axis = 0 : i64} : tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// f16: generic linalg.
// CHECK-LABEL: func @half
func.func @half(%x: tensor<4x8xf16>) -> tensor<4x8xf16> {
  // CHECK-NOT: call @loomrt_softmax_f32
  // CHECK: linalg.generic
  %y = loom.softmax three_pass %x {axis = -1 : i64} : tensor<4x8xf16>
  return %y : tensor<4x8xf16>
}
