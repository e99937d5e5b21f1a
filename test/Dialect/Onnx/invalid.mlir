// Verifier errors of the onnx dialect: the generated ops check their ONNX
// attributes and operand counts; onnx.unsupported checks its op type.
// RUN: loom-opt %s -split-input-file -verify-diagnostics

func.func @missing_required_attribute(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'onnx.Transpose' op attribute 'perm' failed to satisfy constraint}}
  %0 = "onnx.Transpose"(%x) {perm = 3 : si64} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @required_attribute(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'onnx.Cast' op requires attribute 'to'}}
  %0 = "onnx.Cast"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf16>
  return
}

// -----

func.func @wrong_attribute_kind(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'onnx.Softmax' op attribute 'axis' failed to satisfy constraint: 64-bit signed integer attribute}}
  %0 = "onnx.Softmax"(%x) {axis = 1.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @operand_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'onnx.MatMul' op expected 2 operands, but found 1}}
  %0 = "onnx.MatMul"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @empty_op_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.unsupported' op needs a non-empty ONNX op_type}}
  %0 = onnx.unsupported "" "" (%x) : (tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @yield_outside(%x: tensor<4xf32>) {
  // expected-error @+1 {{'onnx.yield' op must be the last operation in the parent block}}
  onnx.yield %x : tensor<4xf32>
  return
}
