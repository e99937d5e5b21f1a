// loom-decode-lower: the cache becomes one buffer written in place, the loop
// a prefill plus an scf.while of one-token steps, sampling and the per-token
// report calls into loomrt.
// RUN: loom-opt %s --allow-unregistered-dialect --loom-decode-lower | FileCheck %s

!cache = !decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, max_len = 64, f32>

// The step's cache argument becomes the buffer [layers, k/v, 1, heads, max_len,
// head_dim]; it is no longer returned (callers keep the buffer they passed).
// CHECK-LABEL: func.func private @step(
// CHECK-SAME: %[[IDS:.*]]: tensor<?xi64>, %[[POS:.*]]: index, %[[BUF:.*]]: memref<2x2x1x2x64x4xf32>) -> tensor<16xf32>
func.func private @step(%ids: tensor<?xi64>, %pos: index, %c: !cache) -> (tensor<16xf32>, !cache) {
  %new = "test.new_keys"(%ids) : (tensor<?xi64>) -> tensor<1x2x?x4xf32>
  // The new keys of layer 1 go to positions [pos, pos + n) of the buffer ...
  // CHECK: %[[NEW:.*]] = "test.new_keys"
  // CHECK: %[[N:.*]] = tensor.dim %[[NEW]], %c2
  // CHECK: %[[SLOT:.*]] = memref.subview %[[BUF]][1, 0, 0, 0, %[[POS]], 0] [1, 1, 1, 2, %[[N]], 4] [1, 1, 1, 1, 1, 1] : memref<2x2x1x2x64x4xf32> to memref<1x2x?x4xf32, strided<[{{[0-9]+}}, 256, 4, 1], offset: ?>>
  // CHECK: bufferization.materialize_in_destination %[[NEW]] in restrict writable %[[SLOT]]
  // ... and present is a view of [0, pos + n): nothing is copied.
  // CHECK: %[[END:.*]] = arith.addi %[[POS]], %[[N]]
  // CHECK: %[[FILLED:.*]] = memref.subview %[[BUF]][1, 0, 0, 0, 0, 0] [1, 1, 1, 2, %[[END]], 4]
  // CHECK: %[[PRESENT:.*]] = bufferization.to_tensor %[[FILLED]] restrict
  // CHECK: "test.attend"(%[[PRESENT]])
  %present, %next = decode.cache_append %c[1, key], %new at %pos : tensor<1x2x?x4xf32>, !cache -> tensor<1x2x?x4xf32>
  %logits = "test.attend"(%present) : (tensor<1x2x?x4xf32>) -> tensor<16xf32>
  // CHECK: return %{{.*}} : tensor<16xf32>
  return %logits, %next : tensor<16xf32>, !cache
}

// CHECK-LABEL: func.func @generate(
// CHECK-SAME: %[[PROMPT:.*]]: tensor<?xi64>, %[[MAX:.*]]: index) -> tensor<?xi64>
func.func @generate(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  // CHECK: %[[CACHE:.*]] = memref.alloc() : memref<2x2x1x2x64x4xf32>
  // CHECK: %[[N:.*]] = tensor.dim %[[PROMPT]]
  // CHECK: cf.assert %{{.*}}, "decode.loop: the prompt must hold 1 to max_len tokens"
  // CHECK: cf.assert %{{.*}}, "decode.loop: max_new_tokens must be at least 1"
  // The token buffer holds what the cache allows, however large max_new_tokens.
  // CHECK: %[[ROOM:.*]] = arith.subi %c65, %[[N]]
  // CHECK: %[[CAPACITY:.*]] = arith.minui %[[MAX]], %[[ROOM]]
  // CHECK: %[[OUT:.*]] = memref.alloc(%[[CAPACITY]]) : memref<?xi64>
  // Prefill: the body on the whole prompt at position 0.
  // CHECK: %[[L0:.*]] = call @step(%[[PROMPT]], %c0{{.*}}, %[[CACHE]])
  // CHECK: %[[B0:.*]] = bufferization.to_buffer %[[L0]] read_only
  // CHECK: %[[R0:.*]] = memref.cast %[[B0]] : memref<16xf32> to memref<?xf32, strided<[?], offset: ?>>
  // CHECK: %[[T0:.*]] = call @loomrt_decode_sample(%[[R0]], %{{.*}}, %c2_i32
  // Each token is stored, reported, and checked against the stop tokens, the
  // cache's room and max_new_tokens.
  // CHECK: %[[W:.*]]:3 = scf.while (%[[TOK:.*]] = %[[T0]], %[[P:.*]] = %[[N]], %[[K:.*]] = %c0{{.*}})
  // CHECK: memref.store %[[TOK]], %[[OUT]][%[[K]]]
  // CHECK: %[[GO:.*]] = func.call @loomrt_decode_emit(%[[TOK]]) : (i64) -> i1
  // CHECK: arith.cmpi ne, %[[TOK]], %c2_i64
  // CHECK: arith.cmpi ult, %[[P]], %c64
  // CHECK: scf.condition
  // The next step feeds the one token just produced.
  // CHECK: } do {
  // CHECK: ^bb0(%[[LAST:.*]]: i64, %[[AT:.*]]: index, %{{.*}}: index):
  // CHECK: %[[ONE:.*]] = tensor.from_elements %[[LAST]] : tensor<1xi64>
  // CHECK: %[[IDS:.*]] = tensor.cast %[[ONE]] : tensor<1xi64> to tensor<?xi64>
  // CHECK: func.call @step(%[[IDS]], %[[AT]], %[[CACHE]])
  // CHECK: call @loomrt_decode_sample
  // CHECK: scf.yield
  // CHECK: %[[VIEW:.*]] = memref.subview %[[OUT]][0] [%[[W]]#2] [1]
  // CHECK: %[[TOKENS:.*]] = bufferization.to_tensor %[[VIEW]] restrict
  // CHECK: return %[[TOKENS]]
  %c = decode.empty_cache : !cache
  %tokens, %final = decode.loop %prompt, %c, %max stop [2] : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %logits, %next = func.call @step(%ids, %pos, %cache) : (tensor<?xi64>, index, !cache) -> (tensor<16xf32>, !cache)
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %at = arith.addi %pos, %n : index
    %tok = decode.sample caller %logits, %at : tensor<16xf32> -> i64
    decode.yield %tok, %next : i64, !cache
  }
  return %tokens : tensor<?xi64>
}

// With fork, the prefill (up to its sample) runs once, before the branches
// or the beam search. A beam search (if loomrt starts one with the prefill's
// logits) feeds the token and position loomrt names and hands back each
// step's logits. Otherwise each branch that loomrt starts samples the
// prefill's logits and runs its one-token steps from position n on, in the
// same cache buffer.
// CHECK-LABEL: func.func @branches(
// CHECK-SAME: %[[PROMPT:.*]]: tensor<?xi64>, %[[MAX:.*]]: index) -> tensor<?xi64>
func.func @branches(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  // CHECK: %[[CACHE:.*]] = memref.alloc() : memref<2x2x1x2x64x4xf32>
  // CHECK: %[[N:.*]] = tensor.dim %[[PROMPT]]
  // CHECK: %[[OUT:.*]] = memref.alloc(%{{.*}}) : memref<?xi64>
  // CHECK: %[[L0:.*]] = call @step(%[[PROMPT]], %c0{{.*}}, %[[CACHE]])
  // CHECK-NOT: @step
  // CHECK: %[[B0:.*]] = bufferization.to_buffer %[[L0]] read_only
  // CHECK: %[[R0:.*]] = memref.cast %[[B0]]
  // CHECK: %[[BEAMS:.*]] = call @loomrt_decode_beam_start(%[[R0]])
  // CHECK: %[[PRODUCED:.*]] = scf.if %[[BEAMS]] -> (index) {
  // CHECK: %[[IO:.*]] = memref.alloc() : memref<2xi64>
  // CHECK: %[[VIEW:.*]] = memref.cast %[[CACHE]] : memref<2x2x1x2x64x4xf32> to memref<?x?x?x?x?x?xf32
  // CHECK: scf.while : () -> () {
  // CHECK: func.call @loomrt_decode_beam_next(%[[VIEW]],
  // CHECK: } do {
  // CHECK: %[[TOK:.*]] = memref.load %[[IO]][%c0
  // CHECK: %[[AT:.*]] = memref.load %[[IO]][%c1
  // CHECK: %[[BL:.*]] = func.call @step(%{{.*}}, %{{.*}}, %[[CACHE]])
  // CHECK: %[[BB:.*]] = bufferization.to_buffer %[[BL]]
  // CHECK: func.call @loomrt_decode_beam_logits(%{{.*}}, %[[VIEW]])
  // CHECK: } else {
  // CHECK: %[[B:.*]]:2 = scf.while (%[[BRANCH:.*]] = %c0{{.*}}, %{{.*}} = %c0{{.*}})
  // CHECK: %[[I:.*]] = arith.index_cast %[[BRANCH]] : index to i64
  // CHECK: %[[GO:.*]] = func.call @loomrt_decode_branch(%[[I]]) : (i64) -> i1
  // CHECK: scf.condition(%[[GO]])
  // CHECK: } do {
  // CHECK: bufferization.to_buffer %[[L0]] read_only
  // CHECK: %[[T0:.*]] = func.call @loomrt_decode_sample(
  // CHECK: %[[W:.*]]:3 = scf.while (%{{.*}} = %[[T0]], %{{.*}} = %[[N]], %{{.*}} = %c0{{.*}})
  // CHECK: func.call @loomrt_decode_emit
  // CHECK: } do {
  // CHECK: func.call @step(%{{.*}}, %{{.*}}, %[[CACHE]])
  // CHECK: scf.yield
  // CHECK: scf.yield %{{.*}}, %[[W]]#2 : index, index
  // CHECK: scf.yield %[[B]]#1 : index
  // CHECK: memref.subview %[[OUT]][0] [%[[PRODUCED]]] [1]
  %c = decode.empty_cache : !cache
  %tokens, %final = decode.loop %prompt, %c, %max fork stop [2] : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %logits, %next = func.call @step(%ids, %pos, %cache) : (tensor<?xi64>, index, !cache) -> (tensor<16xf32>, !cache)
    %c0 = arith.constant 0 : index
    %n = tensor.dim %ids, %c0 : tensor<?xi64>
    %at = arith.addi %pos, %n : index
    %tok = decode.sample caller %logits, %at : tensor<16xf32> -> i64
    decode.yield %tok, %next : i64, !cache
  }
  return %tokens : tensor<?xi64>
}
