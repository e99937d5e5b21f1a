// Round trip through the custom assembly twice, and once through the generic form.
// RUN: loom-opt %s | loom-opt | FileCheck %s
// RUN: loom-opt %s --mlir-print-op-generic | loom-opt | FileCheck %s

!cache = !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>

// The model's step: token ids at a position, the cache in, logits and the cache out.
func.func private @step(tensor<?xi64>, index, !cache) -> (tensor<512xf32>, !cache)

// CHECK-LABEL: func @greedy_generation
// CHECK-SAME: -> tensor<?xi64>
func.func @greedy_generation(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  // CHECK: %[[C:.*]] = decode.empty_cache : !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>
  %c = decode.empty_cache : !cache
  // CHECK: %[[T:.*]], %{{.*}} = decode.loop %{{.*}}, %[[C]], %{{.*}} stop [2] : tensor<?xi64>, !decode.kv_cache<{{.*}}> -> tensor<?xi64> {
  // CHECK: ^bb0(%[[IDS:.*]]: tensor<?xi64>, %[[POS:.*]]: index, %[[CACHE:.*]]: !decode.kv_cache
  // CHECK: %[[L:.*]]:2 = func.call @step(%[[IDS]], %[[POS]], %[[CACHE]])
  // CHECK: %[[TOK:.*]] = decode.sample greedy %[[L]]#0 : tensor<512xf32> -> i64
  // CHECK: decode.yield %[[TOK]], %[[L]]#1 : i64, !decode.kv_cache
  %tokens, %final = decode.loop %prompt, %c, %max stop [2] : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %logits, %next = func.call @step(%ids, %pos, %cache) : (tensor<?xi64>, index, !cache) -> (tensor<512xf32>, !cache)
    %tok = decode.sample greedy %logits : tensor<512xf32> -> i64
    decode.yield %tok, %next : i64, !cache
  }
  // CHECK: return %[[T]]
  return %tokens : tensor<?xi64>
}

// Sampling branches: the prompt's prefill once, then as many branches as the
// caller asks for.
// CHECK-LABEL: func @branches
func.func @branches(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  %c = decode.empty_cache : !cache
  // CHECK: decode.loop %{{.*}}, %{{.*}}, %{{.*}} fork stop [2] : tensor<?xi64>
  %tokens, %final = decode.loop %prompt, %c, %max fork stop [2] : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %logits, %next = func.call @step(%ids, %pos, %cache) : (tensor<?xi64>, index, !cache) -> (tensor<512xf32>, !cache)
    // CHECK: decode.sample caller
    %tok = decode.sample caller %logits, %pos : tensor<512xf32> -> i64
    decode.yield %tok, %next : i64, !cache
  }
  return %tokens : tensor<?xi64>
}

// CHECK-LABEL: func @seeded_sampling
func.func @seeded_sampling(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  %c = decode.empty_cache : !cache
  // No stop tokens: the loop runs to max_new_tokens or a full cache.
  // CHECK: decode.loop %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xi64>
  %tokens, %final = decode.loop %prompt, %c, %max : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %logits, %next = func.call @step(%ids, %pos, %cache) : (tensor<?xi64>, index, !cache) -> (tensor<512xf32>, !cache)
    // CHECK: decode.sample categorical %{{.*}}, %{{.*}} {min_p = 5.000000e-02 : f32, seed = 42 : i64, temperature = 8.000000e-01 : f32, top_k = 40 : i64, top_p = 0.949999988 : f32} : tensor<512xf32> -> i64
    %tok = decode.sample categorical %logits, %pos {temperature = 0.8 : f32, top_k = 40 : i64, top_p = 0.95 : f32, min_p = 0.05 : f32, seed = 42 : i64} : tensor<512xf32> -> i64
    decode.yield %tok, %next : i64, !cache
  }
  return %tokens : tensor<?xi64>
}

// A batch of logit rows gives one token per row.
// CHECK-LABEL: func @batched_greedy
func.func @batched_greedy(%logits: tensor<4x?xbf16>) -> tensor<4xi64> {
  // CHECK: decode.sample greedy %{{.*}} : tensor<4x?xbf16> -> tensor<4xi64>
  %t = decode.sample greedy %logits : tensor<4x?xbf16> -> tensor<4xi64>
  return %t : tensor<4xi64>
}

// CHECK-LABEL: @cache_types
// CHECK-SAME: !decode.kv_cache<layers = 32, kv_heads = 8, head_dim = 128, max_len = 4096, f16>
func.func private @cache_types(!decode.kv_cache<layers = 32, kv_heads = 8, head_dim = 128, max_len = 4096, f16>)

// The in-place form of Concat(past, new): present and the updated cache.
// CHECK-LABEL: func @append
func.func @append(%c: !cache, %k: tensor<1x4x?x8xf32>, %pos: index) -> (tensor<1x4x?x8xf32>, !cache) {
  // CHECK: %[[P:.*]], %[[N:.*]] = decode.cache_append %{{.*}}[3, value], %{{.*}} at %{{.*}} : tensor<1x4x?x8xf32>, !decode.kv_cache<{{.*}}> -> tensor<1x4x?x8xf32>
  %present, %next = decode.cache_append %c[3, value], %k at %pos : tensor<1x4x?x8xf32>, !cache -> tensor<1x4x?x8xf32>
  return %present, %next : tensor<1x4x?x8xf32>, !cache
}

// Sampling with the options of the generate call.
// CHECK-LABEL: func @caller_sampling
func.func @caller_sampling(%logits: tensor<512xf32>, %pos: index) -> i64 {
  // CHECK: decode.sample caller %{{.*}}, %{{.*}} : tensor<512xf32> -> i64
  %t = decode.sample caller %logits, %pos : tensor<512xf32> -> i64
  return %t : i64
}

// Speculation: a tree of drafts, verified and committed; the loop body reads
// the history and yields several tokens.
!small = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 64, f32>
func.func private @verify_step(tensor<?xi64>, index, !small) -> (tensor<?x16xf32>, !small)
// CHECK-LABEL: func @speculation
func.func @speculation(%prompt: tensor<?xi64>, %max: index) -> tensor<?xi64> {
  %c = decode.empty_cache : !small
  // CHECK: decode.loop
  // CHECK: ^bb0(%{{.*}}: tensor<?xi64>, %[[POS:.*]]: index, %[[C:.*]]: !decode.kv_cache<{{.*}}>, %[[H:.*]]: tensor<?xi64>):
  %tokens, %final = decode.loop %prompt, %c, %max : tensor<?xi64>, !small -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !small, %history: tensor<?xi64>):
    // CHECK: %[[T:.*]], %[[N:.*]] = decode.draft ngram %[[H]] {max_ngram = 2 : i64, tree = array<i64: -1, 0, 0, 1>} : tensor<?xi64> -> tensor<4xi64>
    %drafted, %count = decode.draft ngram %history {tree = array<i64: -1, 0, 0, 1>, max_ngram = 2} : tensor<?xi64> -> tensor<4xi64>
    %nodes = tensor.extract_slice %drafted[0] [%count] [1] : tensor<4xi64> to tensor<?xi64>
    %logits, %next = func.call @verify_step(%nodes, %pos, %cache) : (tensor<?xi64>, index, !small) -> (tensor<?x16xf32>, !small)
    // CHECK: %[[P:.*]], %[[L:.*]], %{{.*}} = decode.verify greedy %{{.*}}, %[[T]], %[[N]] at %[[POS]], %[[H]] {tree = array<i64: -1, 0, 0, 1>} : tensor<?x16xf32>, tensor<4xi64>, tensor<?xi64> -> tensor<3xi64>
    %path, %length, %bonus = decode.verify greedy %logits, %drafted, %count at %pos, %history {tree = array<i64: -1, 0, 0, 1>} : tensor<?x16xf32>, tensor<4xi64>, tensor<?xi64> -> tensor<3xi64>
    // CHECK: decode.commit %{{.*}}, %[[P]], %[[L]] at %[[POS]] {tree = array<i64: -1, 0, 0, 1>} : !decode.kv_cache<{{.*}}>, tensor<3xi64>
    %kept = decode.commit %next, %path, %length at %pos {tree = array<i64: -1, 0, 0, 1>} : !small, tensor<3xi64>
    %out = tensor.from_elements %bonus : tensor<1xi64>
    %list = tensor.cast %out : tensor<1xi64> to tensor<?xi64>
    // CHECK: decode.yield %{{.*}}, %{{.*}} : tensor<?xi64>, !decode.kv_cache
    decode.yield %list, %kept : tensor<?xi64>, !small
  }
  return %tokens : tensor<?xi64>
}

// Self-speculation's draft: a step function run greedily over the same cache.
func.func private @draft_step(tensor<1xi64>, index, !small) -> (tensor<16xf32>, !small)
// CHECK-LABEL: func @draft_steps
func.func @draft_steps(%root: tensor<1xi64>, %pos: index, %c: !small) -> tensor<3xi64> {
  // CHECK: decode.draft_steps @draft_step(%{{.*}} at %{{.*}}, %{{.*}}) {tree = array<i64: -1, 0, 1>} : tensor<1xi64>, !decode.kv_cache<{{.*}}> -> tensor<3xi64>
  %t, %n, %next = decode.draft_steps @draft_step(%root at %pos, %c) {tree = array<i64: -1, 0, 1>} : tensor<1xi64>, !small -> tensor<3xi64>
  return %t : tensor<3xi64>
}

// A separate draft model: its own steps and cache (an attribute: the op keeps
// that cache as state), the history to catch up from.
!draft = !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_len = 512, f32>
func.func private @draft_token(tensor<1xi64>, index, !draft) -> (tensor<16xf32>, !draft)
func.func private @draft_tokens(tensor<?xi64>, index, !draft) -> (tensor<16xf32>, !draft)
// CHECK-LABEL: func @draft_model
func.func @draft_model(%root: tensor<1xi64>, %pos: index, %history: tensor<?xi64>) -> tensor<4xi64> {
  // CHECK: decode.draft_model @draft_token, @draft_tokens(%{{.*}} at %{{.*}}, %{{.*}}) {cache = !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_len = 512, f32>, tree = array<i64: -1, 0, 1, 2>} : tensor<1xi64>, tensor<?xi64> -> tensor<4xi64>
  %t, %n = decode.draft_model @draft_token, @draft_tokens(%root at %pos, %history) {cache = !draft, tree = array<i64: -1, 0, 1, 2>} : tensor<1xi64>, tensor<?xi64> -> tensor<4xi64>
  return %t : tensor<4xi64>
}
