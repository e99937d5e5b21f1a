// RUN: loom-opt %s --split-input-file --loom-onnx-refine-shapes | FileCheck %s

// Reshape to [batch, seq, 8, 8] where batch and seq come from Shape(%x): the
// symbolic dims stay dynamic, the constants become static.
// CHECK-LABEL: func @reshape_with_symbolic_dims
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x8x8xf32>
// CHECK: return {{.*}} : tensor<?x?x8x8xf32>
func.func @reshape_with_symbolic_dims(%x: tensor<?x?x64xf32>) -> tensor<?x?x?x?xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<?x?x64xf32>) -> tensor<3xi64>
  %i0 = "onnx.Constant"() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %i1 = "onnx.Constant"() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %b = "onnx.Gather"(%shape, %i0) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %s = "onnx.Gather"(%shape, %i1) {axis = 0 : si64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  %axes = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %b1 = "onnx.Unsqueeze"(%b, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %s1 = "onnx.Unsqueeze"(%s, %axes) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %heads = "onnx.Constant"() {value = dense<[8, 8]> : tensor<2xi64>} : () -> tensor<2xi64>
  %target = "onnx.Concat"(%b1, %s1, %heads) {axis = 0 : si64} : (tensor<1xi64>, tensor<1xi64>, tensor<2xi64>) -> tensor<4xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// -1 is solved with the symbols cancelling: [?, ?, 8, 8] -> [0, 0, -1, 2].
// CHECK-LABEL: func @reshape_minus_one
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?x32x2xf32>
func.func @reshape_minus_one(%x: tensor<?x?x8x8xf32>) -> tensor<?x?x?x?xf32> {
  %target = "onnx.Constant"() {value = dense<[0, 0, -1, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<?x?x8x8xf32>, tensor<4xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// torch's expand(b, 2, 4, t, 8): Where(Equal(shape, -1), ones, shape) is
// evaluated (sizes are never -1), so the repeat count 4 becomes static; the
// fully constant shape tensors fold into one onnx.Constant.
// CHECK-LABEL: func @torch_expand
// CHECK: "onnx.Expand"{{.*}} -> tensor<?x2x4x?x8xf32>
// CHECK: "onnx.Softmax"{{.*}} -> tensor<?x2x4x?x8xf32>
func.func @torch_expand(%k: tensor<?x2x1x?x8xf32>) -> tensor<?x?x?x?x?xf32> {
  %shape = "onnx.Shape"(%k) : (tensor<?x2x1x?x8xf32>) -> tensor<5xi64>
  %rep = "onnx.Constant"() {value = dense<[1, 1, 4, 1, 1]> : tensor<5xi64>} : () -> tensor<5xi64>
  %target = "onnx.Mul"(%shape, %rep) : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %neg = "onnx.Constant"() {value = dense<-1> : tensor<5xi64>} : () -> tensor<5xi64>
  %ones = "onnx.Constant"() {value = dense<1> : tensor<5xi64>} : () -> tensor<5xi64>
  %is_neg = "onnx.Equal"(%target, %neg) : (tensor<5xi64>, tensor<5xi64>) -> tensor<5xi1>
  %sizes = "onnx.Where"(%is_neg, %ones, %target) : (tensor<5xi1>, tensor<5xi64>, tensor<5xi64>) -> tensor<5xi64>
  %e = "onnx.Expand"(%k, %sizes) : (tensor<?x2x1x?x8xf32>, tensor<5xi64>) -> tensor<?x?x?x?x?xf32>
  %p = "onnx.Softmax"(%e) : (tensor<?x?x?x?x?xf32>) -> tensor<?x?x?x?x?xf32>
  return %p : tensor<?x?x?x?x?xf32>
}

// -----

// Constant shape arithmetic folds away entirely.
// CHECK-LABEL: func @fold_constant_shape
// CHECK: %[[C:.*]] = "onnx.Constant"() <{value = dense<[2, -1]> : tensor<2xi64>}>
// CHECK-NOT: onnx.Shape
// CHECK-NOT: onnx.Concat
// CHECK: "onnx.Reshape"(%{{.*}}, %[[C]]) {{.*}} -> tensor<2x12xf32>
func.func @fold_constant_shape(%x: tensor<2x3x4xf32>) -> tensor<?x?xf32> {
  %shape = "onnx.Shape"(%x) : (tensor<2x3x4xf32>) -> tensor<3xi64>
  %starts = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %ends = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %first = "onnx.Slice"(%shape, %starts, %ends) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<3xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %rest = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %target = "onnx.Concat"(%first, %rest) {axis = 0 : si64} : (tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  %y = "onnx.Reshape"(%x, %target) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Types the exporter got wrong (a rank that disagrees) are left alone, and
// unknown shape tensors leave the result as it was.
// CHECK-LABEL: func @unknown_target
// CHECK: "onnx.Reshape"{{.*}} -> tensor<?x?xf32>
func.func @unknown_target(%x: tensor<4x4xf32>, %t: tensor<2xi64>) -> tensor<?x?xf32> {
  %y = "onnx.Reshape"(%x, %t) : (tensor<4x4xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// Slice results are ranked whatever ONNX's inference said: rotate_half's
// x[..., : x.shape[-1] // 2] halves a static last dimension next to a
// dynamic sequence length; x[0:] keeps a dynamic size; run-time bounds leave
// the sliced sizes unknown but the rank known.
// CHECK-LABEL: func @slice_shapes
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x4xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x8xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<2x?x3xf32>
// CHECK: "onnx.Slice"{{.*}} -> tensor<?x?x8xf32>
func.func @slice_shapes(%x: tensor<2x?x8xf32>, %n: tensor<1xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %zero = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %four = "onnx.Constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %last = "onnx.Constant"() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %axis1 = "onnx.Constant"() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %big = "onnx.Constant"() {value = dense<9223372036854775807> : tensor<1xi64>} : () -> tensor<1xi64>
  %minus3 = "onnx.Constant"() {value = dense<-3> : tensor<1xi64>} : () -> tensor<1xi64>
  %half = "onnx.Slice"(%x, %zero, %four, %last) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %all = "onnx.Slice"(%x, %zero, %big, %axis1) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %tail = "onnx.Slice"(%x, %minus3, %big, %last) {operandSegmentSizes = array<i32: 1, 1, 1, 1, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  %runtime = "onnx.Slice"(%x, %zero, %n) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 0>} : (tensor<2x?x8xf32>, tensor<1xi64>, tensor<1xi64>) -> tensor<*xf32>
  return %half, %all, %tail, %runtime : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// A shape tensor sliced with steps but no axes (the axes input omitted):
// the steps are operand 3 here, and still count.
// CHECK-LABEL: func @slice_steps_without_axes
// CHECK: "onnx.Constant"() <{value = dense<[2, 4]> : tensor<2xi64>}>
func.func @slice_steps_without_axes(%x: tensor<2x3x4x5xf32>) -> tensor<2xi64> {
  %shape = "onnx.Shape"(%x) : (tensor<2x3x4x5xf32>) -> tensor<4xi64>
  %zero = "onnx.Constant"() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %four = "onnx.Constant"() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %two = "onnx.Constant"() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %even = "onnx.Slice"(%shape, %zero, %four, %two) {operandSegmentSizes = array<i32: 1, 1, 1, 0, 1>} : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<2xi64>
  return %even : tensor<2xi64>
}
