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
