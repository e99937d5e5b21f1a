// One case per verifier error of the decode dialect.
// RUN: loom-opt %s -split-input-file -verify-diagnostics

// expected-error @+1 {{kv_cache kv_heads must be positive, got 0}}
func.func private @zero_heads(!decode.kv_cache<layers = 2, kv_heads = 0, head_dim = 8, max_len = 64, f32>)

// -----

// expected-error @+1 {{kv_cache max_len must be positive, got -4}}
func.func private @negative_len(!decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_len = -4, f32>)

// -----

// expected-error @+1 {{kv_cache element type must be a float type, got 'i32'}}
func.func private @int_cache(!decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 8, max_len = 64, i32>)

// -----

// expected-error @+1 {{kv_cache needs 131072 GiB, over the 1 TiB limit}}
func.func private @absurd_cache(!decode.kv_cache<layers = 1024, kv_heads = 1024, head_dim = 1024, max_len = 16384, f32>)

// -----

!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @stop_token(%p: tensor<?xi64>, %c: !cache, %n: index, %l: tensor<16xf32>) {
  // expected-error @+1 {{stop token -1 is negative}}
  %t, %f = decode.loop %p, %c, %n stop [2, -1] : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %tok = decode.sample greedy %l : tensor<16xf32> -> i64
    decode.yield %tok, %cache : i64, !cache
  }
  return
}

// -----

!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @body_arity(%p: tensor<?xi64>, %c: !cache, %n: index, %l: tensor<16xf32>) {
  // expected-error @+1 {{body must take (token ids, position, cache) and optionally the history, got 2 arguments}}
  %t, %f = decode.loop %p, %c, %n : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %cache: !cache):
    %tok = decode.sample greedy %l : tensor<16xf32> -> i64
    decode.yield %tok, %cache : i64, !cache
  }
  return
}

// -----

!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @body_types(%p: tensor<?xi64>, %c: !cache, %n: index, %l: tensor<16xf32>) {
  // expected-error @+1 {{body argument #1 must be 'index', got 'i64'}}
  %t, %f = decode.loop %p, %c, %n : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: i64, %cache: !cache):
    %tok = decode.sample greedy %l : tensor<16xf32> -> i64
    decode.yield %tok, %cache : i64, !cache
  }
  return
}

// -----

!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
!other = !decode.kv_cache<layers = 2, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @yield_cache(%p: tensor<?xi64>, %c: !cache, %n: index, %l: tensor<16xf32>, %o: !other) {
  // expected-error @+1 {{body yields cache type '!decode.kv_cache<layers = 2, kv_heads = 1, head_dim = 4, max_len = 8, f32>', expected '!decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>'}}
  %t, %f = decode.loop %p, %c, %n : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %tok = decode.sample greedy %l : tensor<16xf32> -> i64
    decode.yield %tok, %o : i64, !other
  }
  return
}

// -----

!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @yield_outside(%t: i64, %c: !cache) {
  // expected-error @+1 {{expects parent op 'decode.loop'}}
  decode.yield %t, %c : i64, !cache
}

// -----

func.func @logits_rank(%l: tensor<2x3x16xf32>) {
  // expected-error @+1 {{logits must be [vocab] or [batch, vocab], got rank 3}}
  %t = decode.sample greedy %l : tensor<2x3x16xf32> -> i64
  return
}

// -----

func.func @token_type(%l: tensor<16xf32>) {
  // expected-error @+1 {{one row of logits gives an i64 token, not 'tensor<1xi64>'}}
  %t = decode.sample greedy %l : tensor<16xf32> -> tensor<1xi64>
  return
}

// -----

func.func @batch_token_type(%l: tensor<2x16xf32>) {
  // expected-error @+1 {{[batch, vocab] logits give tensor<batch x i64>, not 'i64'}}
  %t = decode.sample greedy %l : tensor<2x16xf32> -> i64
  return
}

// -----

func.func @batch_count(%l: tensor<2x16xf32>) {
  // expected-error @+1 {{result has 3 tokens for 2 rows of logits}}
  %t = decode.sample greedy %l : tensor<2x16xf32> -> tensor<3xi64>
  return
}

// -----

func.func @greedy_counter(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{greedy sampling is deterministic and takes no counter}}
  %t = decode.sample greedy %l, %i : tensor<16xf32> -> i64
  return
}

// -----

func.func @greedy_temperature(%l: tensor<16xf32>) {
  // expected-error @+1 {{greedy sampling takes no 'temperature'}}
  %t = decode.sample greedy %l {temperature = 0.5 : f32} : tensor<16xf32> -> i64
  return
}

// -----

func.func @categorical_counter(%l: tensor<16xf32>) {
  // expected-error @+1 {{categorical sampling needs a counter operand}}
  %t = decode.sample categorical %l : tensor<16xf32> -> i64
  return
}

// -----

func.func @negative_temperature(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{temperature must be positive and finite, got -5.000000e-01 (use greedy for temperature 0)}}
  %t = decode.sample categorical %l, %i {temperature = -0.5 : f32} : tensor<16xf32> -> i64
  return
}

// -----

func.func @negative_top_k(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{top_k must be >= 0 (0 keeps every token), got -1}}
  %t = decode.sample categorical %l, %i {top_k = -1 : i64} : tensor<16xf32> -> i64
  return
}

// -----

func.func @large_top_k(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{top_k 17 exceeds the vocabulary of 16}}
  %t = decode.sample categorical %l, %i {top_k = 17 : i64} : tensor<16xf32> -> i64
  return
}

// -----

func.func @zero_top_p(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{top_p must be in (0, 1], got 0}}
  %t = decode.sample categorical %l, %i {top_p = 0.0 : f32} : tensor<16xf32> -> i64
  return
}

// -----

func.func @large_top_p(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{top_p must be in (0, 1], got 1.5}}
  %t = decode.sample categorical %l, %i {top_p = 1.5 : f32} : tensor<16xf32> -> i64
  return
}

// -----

func.func @min_p(%l: tensor<16xf32>, %i: index) {
  // expected-error @+1 {{min_p must be in [0, 1), got 1}}
  %t = decode.sample categorical %l, %i {min_p = 1.0 : f32} : tensor<16xf32> -> i64
  return
}

// -----

func.func @strategy(%l: tensor<16xf32>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'strategy' [greedy, categorical, caller]}}
  %t = decode.sample beam %l : tensor<16xf32> -> i64
  return
}

// -----

func.func @caller_with_attributes(%l: tensor<16xf32>, %pos: index) -> i64 {
  // expected-error @+1 {{caller sampling takes its 'temperature' from the generate call, not from an attribute}}
  %t = decode.sample caller %l, %pos {temperature = 0.5 : f32} : tensor<16xf32> -> i64
  return %t : i64
}

// -----

func.func @caller_without_counter(%l: tensor<16xf32>) -> i64 {
  // expected-error @+1 {{caller sampling needs a counter operand (the position)}}
  %t = decode.sample caller %l : tensor<16xf32> -> i64
  return %t : i64
}

// -----

!cache = !decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, max_len = 8, f32>
func.func @append_layer(%c: !cache, %k: tensor<1x2x1x4xf32>, %pos: index) {
  // expected-error @+1 {{layer 2 is outside the cache's 2 layers}}
  %p, %n = decode.cache_append %c[2, key], %k at %pos : tensor<1x2x1x4xf32>, !cache -> tensor<1x2x?x4xf32>
  return
}

// -----

!cache = !decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, max_len = 8, f32>
func.func @append_heads(%c: !cache, %k: tensor<1x3x1x4xf32>, %pos: index) {
  // expected-error @+1 {{new entries dimension 1 is 3, the cache needs 2}}
  %p, %n = decode.cache_append %c[0, value], %k at %pos : tensor<1x3x1x4xf32>, !cache -> tensor<1x2x?x4xf32>
  return
}

// -----

!cache = !decode.kv_cache<layers = 2, kv_heads = 2, head_dim = 4, max_len = 8, f32>
func.func @append_type(%c: !cache, %k: tensor<1x2x1x4xf16>, %pos: index) {
  // expected-error @+1 {{new entries have element type 'f16', the cache holds 'f32'}}
  %p, %n = decode.cache_append %c[0, key], %k at %pos : tensor<1x2x1x4xf16>, !cache -> tensor<1x2x?x4xf32>
  return
}

// -----

func.func @empty_tree(%h: tensor<?xi64>) {
  // expected-error @+1 {{the speculation tree is empty: it needs at least the root}}
  %t, %n = decode.draft ngram %h {tree = array<i64>} : tensor<?xi64> -> tensor<0xi64>
  return
}

// -----

func.func @later_parent(%h: tensor<?xi64>) {
  // expected-error @+1 {{node 1 of the speculation tree has parent 1; a parent must be an earlier node (0 to 0)}}
  %t, %n = decode.draft ngram %h {tree = array<i64: -1, 1>} : tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @draft_size(%h: tensor<?xi64>) {
  // expected-error @+1 {{tokens must be tensor<3xi64> (one per tree node), got 'tensor<2xi64>'}}
  %t, %n = decode.draft ngram %h {tree = array<i64: -1, 0, 1>} : tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @draft_ngram(%h: tensor<?xi64>) {
  // expected-error @+1 {{max_ngram must be in [1, 64], got 0}}
  %t, %n = decode.draft ngram %h {tree = array<i64: -1, 0>, max_ngram = 0} : tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @path_size(%l: tensor<?x16xf32>, %t: tensor<3xi64>, %n: index, %p: index, %h: tensor<?xi64>) {
  // A chain of three nodes has three levels.
  // expected-error @+1 {{path must be tensor<3xi64> (one node per level of the tree), got 'tensor<2xi64>'}}
  %path, %len, %bonus = decode.verify greedy %l, %t, %n at %p, %h {tree = array<i64: -1, 0, 1>} : tensor<?x16xf32>, tensor<3xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @too_many_rows(%l: tensor<5x16xf32>, %t: tensor<3xi64>, %n: index, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{logits have 5 rows for a tree of 3 nodes}}
  %path, %len, %bonus = decode.verify greedy %l, %t, %n at %p, %h {tree = array<i64: -1, 0, 0>} : tensor<5x16xf32>, tensor<3xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @fixed_sampling(%l: tensor<?x16xf32>, %t: tensor<2xi64>, %n: index, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{verification is greedy or follows the caller's options (caller)}}
  %path, %len, %bonus = decode.verify categorical %l, %t, %n at %p, %h {tree = array<i64: -1, 0>} : tensor<?x16xf32>, tensor<2xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

!c = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @commit_path(%c: !c, %path: tensor<3xi64>, %n: index, %p: index) {
  // expected-error @+1 {{path must be tensor<2xi64> (one node per level of the tree), got 'tensor<3xi64>'}}
  %k = decode.commit %c, %path, %n at %p {tree = array<i64: -1, 0, 0>} : !c, tensor<3xi64>
  return
}

// -----

!c = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @draft_step(tensor<1xi64>, index, !c) -> (tensor<16xf32>, !c)
func.func @draft_branches(%r: tensor<1xi64>, %p: index, %c: !c) {
  // expected-error @+1 {{drafts a chain (each node the child of the one before)}}
  %t, %n, %next = decode.draft_steps @draft_step(%r at %p, %c) {tree = array<i64: -1, 0, 0>} : tensor<1xi64>, !c -> tensor<3xi64>
  return
}

// -----

!c = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @not_a_step(tensor<1xi64>, index) -> tensor<16xf32>
func.func @draft_step_type(%r: tensor<1xi64>, %p: index, %c: !c) {
  // expected-error @+1 {{step 'not_a_step' must be (tensor<1xi64>, index, cache) -> (logits row, cache)}}
  %t, %n, %next = decode.draft_steps @not_a_step(%r at %p, %c) {tree = array<i64: -1, 0>} : tensor<1xi64>, !c -> tensor<2xi64>
  return
}

// -----

// A forking loop samples once per branch: the sample must be the caller's
// (a fixed seed would give every branch the same tokens).
!cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func @fork_fixed_sampler(%p: tensor<?xi64>, %c: !cache, %n: index, %l: tensor<16xf32>) {
  // expected-error @+1 {{with fork, the body must take (token ids, position, cache) and yield the one token of a decode.sample caller used nowhere else}}
  %t, %f = decode.loop %p, %c, %n fork : tensor<?xi64>, !cache -> tensor<?xi64> {
  ^bb0(%ids: tensor<?xi64>, %pos: index, %cache: !cache):
    %tok = decode.sample greedy %l : tensor<16xf32> -> i64
    decode.yield %tok, %cache : i64, !cache
  }
  return
}

// -----

!d = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @dt(tensor<1xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func private @dts(tensor<?xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func @draft_model_branches(%r: tensor<1xi64>, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{drafts a chain (each node the child of the one before)}}
  %t, %n = decode.draft_model @dt, @dts(%r at %p, %h) {cache = !d, tree = array<i64: -1, 0, 0>} : tensor<1xi64>, tensor<?xi64> -> tensor<3xi64>
  return
}

// -----

!d = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @dt(tensor<1xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func private @dts(tensor<?xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func @draft_model_tokens(%r: tensor<1xi64>, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{tokens must be tensor<2xi64> (one per tree node), got 'tensor<3xi64>'}}
  %t, %n = decode.draft_model @dt, @dts(%r at %p, %h) {cache = !d, tree = array<i64: -1, 0>} : tensor<1xi64>, tensor<?xi64> -> tensor<3xi64>
  return
}

// -----

// The catch-up step feeds several tokens: a one-token step does not do.
!d = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @dt(tensor<1xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func @draft_model_catch_up(%r: tensor<1xi64>, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{catch_up 'dt' must be (tensor<?xi64>, index, cache) -> (logits row, cache) with the op's cache type}}
  %t, %n = decode.draft_model @dt, @dt(%r at %p, %h) {cache = !d, tree = array<i64: -1, 0>} : tensor<1xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

// The steps' cache must be the op's.
!d = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
!e = !decode.kv_cache<layers = 2, kv_heads = 1, head_dim = 4, max_len = 8, f32>
func.func private @dt(tensor<1xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func private @dts(tensor<?xi64>, index, !d) -> (tensor<16xf32>, !d)
func.func @draft_model_cache(%r: tensor<1xi64>, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{step 'dt' must be (tensor<1xi64>, index, cache) -> (logits row, cache) with the op's cache type}}
  %t, %n = decode.draft_model @dt, @dts(%r at %p, %h) {cache = !e, tree = array<i64: -1, 0>} : tensor<1xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}

// -----

func.func @draft_model_missing(%r: tensor<1xi64>, %p: index, %h: tensor<?xi64>) {
  // expected-error @+1 {{step 'nowhere' is not a function}}
  %t, %n = decode.draft_model @nowhere, @nowhere(%r at %p, %h) {cache = !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>, tree = array<i64: -1, 0>} : tensor<1xi64>, tensor<?xi64> -> tensor<2xi64>
  return
}
