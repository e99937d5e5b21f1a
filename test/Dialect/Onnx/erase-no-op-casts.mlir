// RUN: loom-opt %s --split-input-file --loom-onnx-erase-no-op-casts | FileCheck %s

// Identity and casts to the operand's own type forward their operand; a cast
// that changes the element type stays.
// CHECK-LABEL: func @no_op_casts
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[T:.*]]: tensor<1xf32>)
// CHECK-NOT: onnx.Identity
// CHECK: %[[H:.*]] = "onnx.Cast"(%[[X]]) <{to = 10 : si64}> : (tensor<2x3xf32>) -> tensor<2x3xf16>
// CHECK-NOT: onnx.Cast
// CHECK: return %[[X]], %[[H]], %[[X]]
func.func @no_op_casts(%x: tensor<2x3xf32>, %t: tensor<1xf32>) -> (tensor<2x3xf32>, tensor<2x3xf16>, tensor<2x3xf32>) {
  %i = "onnx.Identity"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %c = "onnx.Cast"(%i) {to = 1 : si64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %h = "onnx.Cast"(%c) {to = 10 : si64} : (tensor<2x3xf32>) -> tensor<2x3xf16>
  %l = "onnx.CastLike"(%c, %t) : (tensor<2x3xf32>, tensor<1xf32>) -> tensor<2x3xf32>
  return %c, %h, %l : tensor<2x3xf32>, tensor<2x3xf16>, tensor<2x3xf32>
}

// -----

// A cast whose result type is less precise than its operand's stays: the
// return needs the type it has (the graph pipeline refines shapes first, so
// there such casts are of the same type).
// CHECK-LABEL: func @different_shape
// CHECK: "onnx.Cast"
// CHECK: "onnx.Identity"
func.func @different_shape(%x: tensor<2x3xf32>) -> (tensor<?x3xf32>, tensor<*xf32>) {
  %c = "onnx.Cast"(%x) {to = 1 : si64} : (tensor<2x3xf32>) -> tensor<?x3xf32>
  %i = "onnx.Identity"(%x) : (tensor<2x3xf32>) -> tensor<*xf32>
  return %c, %i : tensor<?x3xf32>, tensor<*xf32>
}

// -----

// An opset-11 softmax imported before its input's rank was known: Flatten at
// the last axis, softmax over axis 1, Reshape back. Ranked now, it is one
// softmax over the last axis; at another axis the wrapper stays.
// CHECK-LABEL: func @legacy_softmax
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x?x?xf32>)
// CHECK: %[[S:.*]] = "onnx.Softmax"(%[[X]]) <{axis = -1 : si64}> : (tensor<2x4x?x?xf32>) -> tensor<2x4x?x?xf32>
// CHECK: %[[F:.*]] = "onnx.Flatten"(%[[X]]) <{axis = 2 : si64}>
// CHECK: %[[L:.*]] = "onnx.LogSoftmax"(%[[F]])
// CHECK: %[[R:.*]] = "onnx.Reshape"(%[[L]],
// CHECK: return %[[S]], %[[R]]
func.func @legacy_softmax(%x: tensor<2x4x?x?xf32>) -> (tensor<2x4x?x?xf32>, tensor<2x4x?x?xf32>) {
  %shape = "onnx.Shape"(%x) : (tensor<2x4x?x?xf32>) -> tensor<4xi64>
  %flat = "onnx.Flatten"(%x) {axis = 3 : si64} : (tensor<2x4x?x?xf32>) -> tensor<?x?xf32>
  %soft = "onnx.Softmax"(%flat) {axis = 1 : si64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %back = "onnx.Reshape"(%soft, %shape) : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<2x4x?x?xf32>
  %flat2 = "onnx.Flatten"(%x) {axis = 2 : si64} : (tensor<2x4x?x?xf32>) -> tensor<?x?xf32>
  %log = "onnx.LogSoftmax"(%flat2) {axis = 1 : si64} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %back2 = "onnx.Reshape"(%log, %shape) : (tensor<?x?xf32>, tensor<4xi64>) -> tensor<2x4x?x?xf32>
  return %back, %back2 : tensor<2x4x?x?xf32>, tensor<2x4x?x?xf32>
}
