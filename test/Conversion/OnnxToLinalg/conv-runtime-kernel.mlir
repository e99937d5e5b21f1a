// With loomrt's convolution declared (loom-declare-runtime-kernels; the CPU
// pipeline runs it), f32 Conv with one or two spatial axes becomes one call:
// the weight seen as [M, C / groups * kernel], a fresh output buffer, the
// window as i64 (height first; a 1-D convolution has height 1) and the
// group count. 3-D convolutions keep their linalg lowering.
// RUN: loom-opt %s -split-input-file --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg))' | FileCheck %s

// CHECK-LABEL: func.func @conv2d
// CHECK-DAG: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<8x2x3x3xf32> into tensor<8x18xf32>
// CHECK-DAG: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x8x5x4xf32>
// CHECK-DAG: %[[KH:.*]] = arith.constant 3 : i64
// CHECK-DAG: %[[S:.*]] = arith.constant 2 : i64
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK-DAG: %[[G:.*]] = arith.constant 2 : i64
// CHECK: call @loomrt_conv2d_f32({{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK: bufferization.to_tensor %[[OUT]]
// CHECK-NOT: linalg.generic
func.func @conv2d(%x: tensor<?x4x10x8xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>) -> tensor<?x8x5x4xf32> {
  %y = "onnx.Conv"(%x, %w, %b) {group = 2 : si64, kernel_shape = [3, 3], pads = [1, 1, 1, 1], strides = [2, 2]} : (tensor<?x4x10x8xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<?x8x5x4xf32>
  return %y : tensor<?x8x5x4xf32>
}

// -----

// CHECK-LABEL: func.func @conv1d
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] {{.*}} : tensor<2x3x16xf32> into tensor<2x3x1x16xf32>
// CHECK: memref.alloc() : memref<0xf32>
// CHECK: call @loomrt_conv2d_f32
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x5x1x14xf32> into tensor<2x5x14xf32>
func.func @conv1d(%x: tensor<2x3x16xf32>, %w: tensor<5x3x3xf32>) -> tensor<2x5x14xf32> {
  %y = "onnx.Conv"(%x, %w) {kernel_shape = [3]} : (tensor<2x3x16xf32>, tensor<5x3x3xf32>) -> tensor<2x5x14xf32>
  return %y : tensor<2x5x14xf32>
}

// -----

// CHECK-LABEL: func.func @conv3d
// CHECK-NOT: call @loomrt_conv2d_f32
// CHECK: linalg.matmul
func.func @conv3d(%x: tensor<1x2x4x4x4xf32>, %w: tensor<4x2x3x3x3xf32>) -> tensor<1x4x2x2x2xf32> {
  %y = "onnx.Conv"(%x, %w) {kernel_shape = [3, 3, 3]} : (tensor<1x2x4x4x4xf32>, tensor<4x2x3x3x3xf32>) -> tensor<1x4x2x2x2xf32>
  return %y : tensor<1x4x2x2x2xf32>
}

// -----

// MaxPool and AveragePool with one or two spatial axes call loomrt's pool
// kernel: the window (height first), leading then trailing pads, and the
// mode (0 max, 1 average inside the input, 2 average counting pads); a
// ceil_mode output keeps its size. 3-D pooling keeps the loops.
// CHECK-LABEL: func.func @pools
// CHECK: %[[MAX:.*]] = memref.alloc(%{{.*}}) : memref<?x3x4x4xf32>
// CHECK: call @loomrt_pool2d_f32({{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i32) -> ()
// CHECK: call @loomrt_pool2d_f32
// CHECK: tensor.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]] {{.*}} : tensor<2x3x9xf32> into tensor<2x3x1x9xf32>
// CHECK: call @loomrt_pool2d_f32
// CHECK: tensor.collapse_shape %{{.*}} {{\[}}[0], [1], [2, 3]] : tensor<2x3x1x5xf32> into tensor<2x3x5xf32>
// CHECK-NOT: call @loomrt_pool2d_f32
// CHECK: return
func.func @pools(%x: tensor<?x3x7x7xf32>, %s: tensor<2x3x9xf32>, %v: tensor<1x2x4x4x4xf32>) -> (tensor<?x3x4x4xf32>, tensor<?x3x7x7xf32>, tensor<2x3x5xf32>, tensor<1x2x2x2x2xf32>) {
  %m = "onnx.MaxPool"(%x) {kernel_shape = [3, 3], strides = [2, 2], ceil_mode = 1 : si64} : (tensor<?x3x7x7xf32>) -> tensor<?x3x4x4xf32>
  %a = "onnx.AveragePool"(%x) {kernel_shape = [3, 3], pads = [1, 1, 1, 1], count_include_pad = 1 : si64} : (tensor<?x3x7x7xf32>) -> tensor<?x3x7x7xf32>
  %o = "onnx.AveragePool"(%s) {kernel_shape = [3], strides = [2], pads = [1, 0]} : (tensor<2x3x9xf32>) -> tensor<2x3x5xf32>
  %t = "onnx.MaxPool"(%v) {kernel_shape = [2, 2, 2], strides = [2, 2, 2]} : (tensor<1x2x4x4x4xf32>) -> tensor<1x2x2x2x2xf32>
  return %m, %a, %o, %t : tensor<?x3x4x4xf32>, tensor<?x3x7x7xf32>, tensor<2x3x5xf32>, tensor<1x2x2x2x2xf32>
}
