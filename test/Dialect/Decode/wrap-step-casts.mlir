// A present output that is a same-type Cast (`.to(dtype)` of a tensor of
// that dtype) or an Identity of the cache's Concat is still the Concat: both
// are forwarded before the convention is matched, and each layer's keys and
// values become cache appends.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=32" | FileCheck %s

// CHECK-LABEL: func.func private @decode_step_tokens(
// CHECK-NOT: onnx.Concat
// CHECK-NOT: onnx.Identity
// CHECK: decode.cache_append %{{.*}}[0, key]
// CHECK: decode.cache_append %{{.*}}[0, value]
// CHECK-LABEL: func.func private @decode_step_token(
// CHECK: decode.cache_append %{{.*}}[0, key]
// CHECK: decode.cache_append %{{.*}}[0, value]
// CHECK-LABEL: func.func @loom_generate(

func.func @main_graph(%ids: tensor<?x?xi64> {onnx.name = "input_ids"},
                      %pk: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<?x?x16xf32> {onnx.name = "logits"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %emb = "onnx.Constant"() <{value = dense<0.5> : tensor<16x8xf32>}> : () -> tensor<16x8xf32>
  %x = "onnx.Gather"(%emb, %ids) <{axis = 0 : si64}> : (tensor<16x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  %shape = "onnx.Constant"() <{value = dense<[1, -1, 2, 4]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %r = "onnx.Reshape"(%x, %shape) <{allowzero = 0 : si64}> : (tensor<?x?x8xf32>, tensor<4xi64>) -> tensor<?x?x2x4xf32>
  %new = "onnx.Transpose"(%r) <{perm = [0, 2, 1, 3]}> : (tensor<?x?x2x4xf32>) -> tensor<?x2x?x4xf32>
  %k = "onnx.Concat"(%pk, %new) <{axis = 2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %new) <{axis = 2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %k_out = "onnx.Identity"(%k) : (tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %v_out = "onnx.Cast"(%v) <{to = 1 : si64}> : (tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %w = "onnx.Constant"() <{value = dense<0.25> : tensor<8x16xf32>}> : () -> tensor<8x16xf32>
  %logits = "onnx.MatMul"(%x, %w) : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  return %logits, %k_out, %v_out : tensor<?x?x16xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
}
