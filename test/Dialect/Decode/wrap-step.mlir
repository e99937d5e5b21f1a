// loom-decode-wrap-step on a minimal exported decoder: one layer, 2 KV heads
// of size 4, a vocabulary of 16. The step's Concat(past, new) -> present
// become in-place cache appends; the past is only measured (Shape) besides.
// RUN: loom-opt %s --loom-decode-wrap-step="context-length=64 stop-tokens=2" | FileCheck %s

// The prefill step takes any number of tokens ...
// CHECK-LABEL: func.func private @decode_step_tokens(
// CHECK-SAME: %[[IDS:.*]]: tensor<?xi64>, %[[POS:.*]]: index, %[[C:.*]]: !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, max_len = 64, f32>)
// CHECK-SAME: -> (tensor<16xf32>, !decode.kv_cache
// CHECK: %[[N:.*]] = tensor.dim %[[IDS]]
// CHECK: tensor.expand_shape %[[IDS]] {{\[\[}}0, 1]] output_shape [1, %[[N]]] : tensor<?xi64> into tensor<1x?xi64>
// Positions pos, pos + 1, ... replace the position_ids input.
// CHECK: tensor.generate %[[N]]
// CHECK: arith.addi %[[POS]]
// The past is only measured: an empty tensor of the cached length stands in.
// CHECK: %[[PAST:.*]] = tensor.empty(%[[POS]]) : tensor<1x2x?x4xf32>
// CHECK: "onnx.Shape"(%[[PAST]])
// CHECK-NOT: onnx.Concat
// CHECK: %{{.*}}, %[[C1:.*]] = decode.cache_append %[[C]][0, key], %{{.*}} at %[[POS]]
// CHECK: %{{.*}}, %[[C2:.*]] = decode.cache_append %[[C1]][0, value], %{{.*}} at %[[POS]]
// Only the last position's logits are returned, with the cache.
// CHECK: %[[LAST:.*]] = tensor.extract_slice %{{.*}}[0, %{{.*}}, 0] [1, 1, 16] [1, 1, 1] : tensor<{{.*}}x16xf32> to tensor<16xf32>
// CHECK: return %[[LAST]], %[[C2]]

// ... and the decode step exactly one, with the shapes refined from it.
// CHECK-LABEL: func.func private @decode_step_token(
// CHECK-SAME: tensor<1xi64>
// CHECK: tensor.expand_shape %{{.*}} output_shape [1, 1] : tensor<1xi64> into tensor<1x1xi64>
// CHECK: "onnx.Gather"(%{{.*}}, %{{.*}}) <{axis = 0 : si64}> : (tensor<16x8xf32>, tensor<1x1xi64>) -> tensor<1x1x8xf32>
// CHECK: decode.cache_append
// CHECK: decode.cache_append

// The generation procedure: one loop, the step chosen by the number of tokens.
// CHECK-LABEL: func.func @loom_generate(
// CHECK-SAME: %[[PROMPT:.*]]: tensor<?xi64>, %[[MAX:.*]]: index) -> tensor<?xi64>
// CHECK: %[[EMPTY:.*]] = decode.empty_cache : !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 4, max_len = 64, f32>
// The loop forks: the caller of the generated code chooses how many branches.
// CHECK: %[[TOKENS:.*]], %{{.*}} = decode.loop %[[PROMPT]], %[[EMPTY]], %[[MAX]] fork stop [2]
// CHECK: ^bb0(%[[BIDS:.*]]: tensor<?xi64>, %[[BPOS:.*]]: index, %[[BC:.*]]: !decode.kv_cache
// CHECK: %[[BN:.*]] = tensor.dim %[[BIDS]]
// CHECK: %[[ONE:.*]] = arith.cmpi eq, %[[BN]], %c1
// CHECK: %[[STEP:.*]]:2 = scf.if %[[ONE]]
// CHECK: func.call @decode_step_token(
// CHECK: } else {
// CHECK: func.call @decode_step_tokens(%[[BIDS]], %[[BPOS]], %[[BC]])
// CHECK: %[[AT:.*]] = arith.addi %[[BPOS]], %[[BN]]
// CHECK: %[[TOK:.*]] = decode.sample caller %[[STEP]]#0, %[[AT]] : tensor<16xf32> -> i64
// CHECK: decode.yield %[[TOK]], %[[STEP]]#1
// CHECK: return %[[TOKENS]]
// CHECK-NOT: main_graph

func.func @main_graph(%ids: tensor<?x?xi64> {onnx.name = "input_ids"},
                      %positions: tensor<?x?xi64> {onnx.name = "position_ids"},
                      %pk: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.key"},
                      %pv: tensor<?x2x?x4xf32> {onnx.name = "past_key_values.0.value"})
    -> (tensor<?x?x16xf32> {onnx.name = "logits"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.key"},
        tensor<?x2x?x4xf32> {onnx.name = "present.0.value"}) {
  %emb = "onnx.Constant"() <{value = dense<0.5> : tensor<16x8xf32>}> : () -> tensor<16x8xf32>
  %x = "onnx.Gather"(%emb, %ids) <{axis = 0 : si64}> : (tensor<16x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32>
  %pf = "onnx.Cast"(%positions) <{to = 1 : si64}> : (tensor<?x?xi64>) -> tensor<?x?xf32>
  %shape = "onnx.Constant"() <{value = dense<[1, -1, 2, 4]> : tensor<4xi64>}> : () -> tensor<4xi64>
  %r = "onnx.Reshape"(%x, %shape) <{allowzero = 0 : si64}> : (tensor<?x?x8xf32>, tensor<4xi64>) -> tensor<?x?x2x4xf32>
  %new = "onnx.Transpose"(%r) <{perm = [0, 2, 1, 3]}> : (tensor<?x?x2x4xf32>) -> tensor<?x2x?x4xf32>
  %past_shape = "onnx.Shape"(%pk) <{start = 0 : si64}> : (tensor<?x2x?x4xf32>) -> tensor<4xi64>
  %past_f = "onnx.Cast"(%past_shape) <{to = 1 : si64}> : (tensor<4xi64>) -> tensor<4xf32>
  %k = "onnx.Concat"(%pk, %new) <{axis = 2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %v = "onnx.Concat"(%pv, %new) <{axis = -2 : si64}> : (tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>) -> tensor<?x2x?x4xf32>
  %w = "onnx.Constant"() <{value = dense<0.25> : tensor<8x16xf32>}> : () -> tensor<8x16xf32>
  %logits0 = "onnx.MatMul"(%x, %w) : (tensor<?x?x8xf32>, tensor<8x16xf32>) -> tensor<?x?x16xf32>
  %sixteen = "onnx.Concat"(%past_f, %past_f, %past_f, %past_f) <{axis = 0 : si64}> : (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<16xf32>
  %logits = "onnx.Add"(%logits0, %sixteen) : (tensor<?x?x16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  return %logits, %k, %v : tensor<?x?x16xf32>, tensor<?x2x?x4xf32>, tensor<?x2x?x4xf32>
}
