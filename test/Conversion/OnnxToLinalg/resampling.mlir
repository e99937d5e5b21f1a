// RUN: loom-opt %s --split-input-file --verify-diagnostics --mlir-print-op-on-diagnostic=false \
// RUN:   --pass-pipeline='builtin.module(loom-declare-runtime-kernels,func.func(loom-convert-onnx-to-linalg),loom-erase-unused-runtime-kernels)' | FileCheck %s

// Nearest is one gather over the output; positions are computed in f64 and
// rounded per nearest_mode (floor here). Axes with a constant scale of 1 read
// the output index as it is.
// CHECK-LABEL: func @resize_nearest
// CHECK: linalg.generic
// CHECK: arith.divf {{.*}} : f64
// CHECK: math.floor
// CHECK: tensor.extract
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @resize_nearest(%x: tensor<?x3x?x?xf32>) -> tensor<?x3x?x?xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "onnx.Resize"(%x, %s) <{coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<?x3x?x?xf32>, tensor<4xf32>) -> tensor<?x3x?x?xf32>
  return %y : tensor<?x3x?x?xf32>
}

// -----

// Linear is separable: one pass per resized axis, the last one first; the
// batch and channel axes (scale 1) get none.
// CHECK-LABEL: func @resize_linear
// CHECK: linalg.generic
// CHECK: } -> tensor<?x3x?x?xf32>
// CHECK: linalg.generic
// CHECK: } -> tensor<?x3x?x?xf32>
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @resize_linear(%x: tensor<?x3x?x?xf32>) -> tensor<?x3x?x?xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "onnx.Resize"(%x, %s) <{coordinate_transformation_mode = "align_corners", mode = "linear", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<?x3x?x?xf32>, tensor<4xf32>) -> tensor<?x3x?x?xf32>
  return %y : tensor<?x3x?x?xf32>
}

// -----

// Pad with run-time pads: the output sizes are computed from them; reflect
// folds each source index into the input.
// CHECK-LABEL: func @pad_reflect
// CHECK: tensor.extract %{{.*}} : tensor<8xi64>
// CHECK: linalg.generic
// CHECK: arith.remsi
// CHECK: tensor.extract %{{.*}} : tensor<?x4x?x?xf32>
func.func @pad_reflect(%x: tensor<?x4x?x?xf32>, %pads: tensor<8xi64>) -> tensor<?x?x?x?xf32> {
  %y = "onnx.Pad"(%x, %pads) <{mode = "reflect"}> : (tensor<?x4x?x?xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// ConvTranspose in f32 with two spatial axes: loomrt's kernel (a GEMM and
// col2im), the weight as [C, M / groups * kernel], the window height first,
// the groups. Other types: a gather over (n, m, outputs, c, kernel); the
// bias is added afterwards.
// CHECK-LABEL: func @conv_transpose
// CHECK-DAG: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?x16x?x?xf32>
// CHECK-DAG: tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2, 3]] : tensor<32x8x3x3xf32> into tensor<32x72xf32>
// CHECK: call @loomrt_conv_transpose2d_f32({{.*}}) : (memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?x?x?xf32, strided<[?, ?, ?, ?], offset: ?>>, i64, i64, i64, i64, i64, i64, i64, i64, i64) -> ()
// CHECK: bufferization.to_tensor %[[OUT]]
// CHECK-LABEL: func @conv_transpose_f64
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]
// CHECK: arith.remsi
// CHECK: } -> tensor<?x16x?x?xf64>
// CHECK: linalg.generic
// CHECK: arith.addf
func.func @conv_transpose(%x: tensor<?x32x?x?xf32>, %w: tensor<32x8x3x3xf32>, %b: tensor<16xf32>) -> tensor<?x16x?x?xf32> {
  %y = "onnx.ConvTranspose"(%x, %w, %b) <{group = 2 : si64, strides = [2, 2], pads = [1, 1, 1, 1], output_padding = [1, 1]}> : (tensor<?x32x?x?xf32>, tensor<32x8x3x3xf32>, tensor<16xf32>) -> tensor<?x16x?x?xf32>
  return %y : tensor<?x16x?x?xf32>
}
func.func @conv_transpose_f64(%x: tensor<?x32x?x?xf64>, %w: tensor<32x8x3x3xf64>, %b: tensor<16xf64>) -> tensor<?x16x?x?xf64> {
  %y = "onnx.ConvTranspose"(%x, %w, %b) <{group = 2 : si64, strides = [2, 2], pads = [1, 1, 1, 1], output_padding = [1, 1]}> : (tensor<?x32x?x?xf64>, tensor<32x8x3x3xf64>, tensor<16xf64>) -> tensor<?x16x?x?xf64>
  return %y : tensor<?x16x?x?xf64>
}

// -----

// Forms of Resize, Pad, ConvTranspose, InstanceNormalization, DepthToSpace
// and SpaceToDepth that are refused, each by node and reason.
func.func @refused_forms(%x: tensor<1x4x4x4xf32>, %i: tensor<1x4x4x4xi32>, %s4: tensor<4xf32>,
                         %s3: tensor<3xf32>, %n4: tensor<4xi64>, %p8: tensor<8xi64>,
                         %p6: tensor<6xi64>, %c: tensor<i32>, %w: tensor<4x?x3x3xf32>,
                         %wd: tensor<4x2x3x3xf32>, %xd: tensor<1x4x?x?xf32>, %v: tensor<4xf32>,
                         %m: tensor<2x4xf32>, %d3: tensor<1x4x4xf32>, %d5: tensor<1x5x4x4xf32>) {
  // expected-error @+1 {{Resize: the opset-18 attribute 'antialias' is not supported}}
  %0 = "onnx.Resize"(%x, %s4) <{mode = "linear", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> {antialias = 1 : si64} : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // expected-error @+1 {{Resize: coordinate_transformation_mode 'half_pixel_symmetric' is not supported}}
  %1 = "onnx.Resize"(%x, %s4) <{coordinate_transformation_mode = "half_pixel_symmetric", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  // expected-error @+1 {{Resize: linear and cubic modes need float data}}
  %2 = "onnx.Resize"(%i, %s4) <{mode = "cubic", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<1x4x4x4xi32>, tensor<4xf32>) -> tensor<1x4x8x8xi32>
  // expected-error @+1 {{Resize: exactly one of scales and sizes must be given}}
  %3 = "onnx.Resize"(%x, %s4, %n4) <{operandSegmentSizes = array<i32: 1, 0, 1, 1>}> : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xi64>) -> tensor<1x4x8x8xf32>
  // expected-error @+1 {{Resize: scales must have one static entry per input dimension}}
  %4 = "onnx.Resize"(%x, %s3) <{operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<1x4x4x4xf32>, tensor<3xf32>) -> tensor<1x4x8x8xf32>
  // expected-error @+1 {{Resize: tf_crop_and_resize needs a float roi of 2 * rank static entries}}
  %5 = "onnx.Resize"(%x, %s4) <{coordinate_transformation_mode = "tf_crop_and_resize", operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %zero = "onnx.Constant"() {value = dense<[1.0, 1.0, 0.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  // expected-error @+1 {{Resize: scales must be positive}}
  %6 = "onnx.Resize"(%x, %zero) <{operandSegmentSizes = array<i32: 1, 0, 1, 0>}> : (tensor<1x4x4x4xf32>, tensor<4xf32>) -> tensor<1x4x0x8xf32>
  %neg = "onnx.Constant"() {value = dense<[1, 4, -8, 8]> : tensor<4xi64>} : () -> tensor<4xi64>
  // expected-error @+1 {{Resize: sizes must not be negative}}
  %18 = "onnx.Resize"(%x, %neg) <{operandSegmentSizes = array<i32: 1, 0, 0, 1>}> : (tensor<1x4x4x4xf32>, tensor<4xi64>) -> tensor<1x4x?x8xf32>
  // expected-error @+1 {{Pad: mode 'wrap' is not supported}}
  %7 = "onnx.Pad"(%x, %p8) <{mode = "wrap"}> : (tensor<1x4x4x4xf32>, tensor<8xi64>) -> tensor<?x?x?x?xf32>
  // expected-error @+1 {{Pad: pads must have 2 * rank static entries}}
  %8 = "onnx.Pad"(%x, %p6) <{mode = "constant"}> : (tensor<1x4x4x4xf32>, tensor<6xi64>) -> tensor<?x?x?x?xf32>
  // expected-error @+1 {{Pad: constant_value must be one element of the data's type}}
  %9 = "onnx.Pad"(%x, %p8, %c) <{mode = "constant"}> : (tensor<1x4x4x4xf32>, tensor<8xi64>, tensor<i32>) -> tensor<?x?x?x?xf32>
  // expected-error @+1 {{ConvTranspose: the weight's shape must be static}}
  %10 = "onnx.ConvTranspose"(%x, %w) : (tensor<1x4x4x4xf32>, tensor<4x?x3x3xf32>) -> tensor<1x?x6x6xf32>
  // expected-error @+1 {{ConvTranspose: output_shape with a dynamic spatial input size is not supported}}
  %11 = "onnx.ConvTranspose"(%xd, %wd) <{output_shape = [8, 8], strides = [2, 2]}> : (tensor<1x4x?x?xf32>, tensor<4x2x3x3xf32>) -> tensor<1x2x8x8xf32>
  // expected-error @+1 {{ConvTranspose: group must divide the weight's first dimension (the input channels)}}
  %12 = "onnx.ConvTranspose"(%x, %wd) <{group = 3 : si64}> : (tensor<1x4x4x4xf32>, tensor<4x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  // expected-error @+1 {{InstanceNormalization: the input must be a float tensor [N, C, D1, ...] with a spatial dimension}}
  %13 = "onnx.InstanceNormalization"(%m, %v, %v) : (tensor<2x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  // expected-error @+1 {{DepthToSpace: the input must be 4-D [N, C, H, W]}}
  %14 = "onnx.DepthToSpace"(%d3) <{blocksize = 2 : si64}> : (tensor<1x4x4xf32>) -> tensor<1x1x8xf32>
  // expected-error @+1 {{DepthToSpace: the channels must be a multiple of blocksize squared}}
  %15 = "onnx.DepthToSpace"(%d5) <{blocksize = 2 : si64}> : (tensor<1x5x4x4xf32>) -> tensor<1x1x8x8xf32>
  // expected-error @+1 {{SpaceToDepth: the height and width must be multiples of blocksize}}
  %16 = "onnx.SpaceToDepth"(%x) <{blocksize = 3 : si64}> : (tensor<1x4x4x4xf32>) -> tensor<1x36x1x1xf32>
  // expected-error @+1 {{DepthToSpace: mode 'RCD' is not an ONNX value}}
  %17 = "onnx.DepthToSpace"(%x) <{blocksize = 2 : si64, mode = "RCD"}> : (tensor<1x4x4x4xf32>) -> tensor<1x1x8x8xf32>
  return
}
