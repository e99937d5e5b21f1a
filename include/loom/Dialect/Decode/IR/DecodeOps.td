//===- DecodeOps.td - decode dialect: the generation procedure -*- tablegen -*-===//
//
// The decode loop, its KV cache and sampling as IR, so passes can rewrite the
// generation procedure the way they rewrite the model.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_DECODE_IR_DECODEOPS_TD
#define LOOM_DIALECT_DECODE_IR_DECODEOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/SymbolInterfaces.td"

def Decode_Dialect : Dialect {
  let name = "decode";
  let cppNamespace = "::loom::decode";
  let summary = "the generation procedure: decode loop, KV cache, sampling";
  let description = [{
    The `decode` dialect makes autoregressive generation a compiler concern.
    `decode.loop` runs a model's step function over a prompt (prefill) and then
    one token at a time, carrying a `!decode.kv_cache` and the position;
    `decode.sample` picks the next token from logits. Later work adds
    speculation trees (draft, verify, commit) and sampling branches that share
    one prefix cache.
  }];
  let useDefaultTypePrinterParser = 1;
}

class Decode_Op<string mnemonic, list<Trait> traits = []>
    : Op<Decode_Dialect, mnemonic, traits>;

//===----------------------------------------------------------------------===//
// KVCacheType
//===----------------------------------------------------------------------===//

def Decode_KVCacheType : TypeDef<Decode_Dialect, "KVCache"> {
  let mnemonic = "kv_cache";
  let summary = "the key/value cache of a decoder, for every layer";
  let description = [{
    Keys and values of `layers` attention layers, each
    `[kv_heads, max_len, head_dim]` of `element_type`, for one sequence. The
    cache is written in place as tokens are added: a step appends its new keys
    and values at the current position instead of concatenating tensors.

    Example:

    ```mlir
    !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>
    ```
  }];
  let parameters = (ins "int64_t":$layers, "int64_t":$kvHeads,
                        "int64_t":$headDim, "int64_t":$maxLength,
                        "::mlir::Type":$elementType);
  let assemblyFormat = [{
    `<` `layers` `=` $layers `,` `kv_heads` `=` $kvHeads `,`
    `head_dim` `=` $headDim `,` `max_len` `=` $maxLength `,` $elementType `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Bytes the cache occupies: keys and values of every layer.
    uint64_t getSizeInBytes() const;
    /// One layer's keys or values of a sequence as a tensor:
    /// [1, kv_heads, ? (positions), head_dim] of the element type.
    ::mlir::RankedTensorType getEntriesType() const;
  }];
}

//===----------------------------------------------------------------------===//
// SamplingStrategy
//===----------------------------------------------------------------------===//

def Decode_SamplingStrategy : I32EnumAttr<"SamplingStrategy",
    "how decode.sample picks a token", [
      I32EnumAttrCase<"greedy", 0>,
      I32EnumAttrCase<"categorical", 1>,
      I32EnumAttrCase<"caller", 2>
    ]> {
  let cppNamespace = "::loom::decode";
}

def Decode_CacheKind : I32EnumAttr<"CacheKind", "keys or values of a layer", [
      I32EnumAttrCase<"key", 0>,
      I32EnumAttrCase<"value", 1>
    ]> {
  let cppNamespace = "::loom::decode";
}

//===----------------------------------------------------------------------===//
// EmptyCacheOp
//===----------------------------------------------------------------------===//

def Decode_EmptyCacheOp : Decode_Op<"empty_cache", [Pure]> {
  let summary = "a KV cache holding no tokens";
  let description = [{
    Creates the cache a `decode.loop` starts from. Lowering allocates
    `max_len` positions once; nothing is copied as the cache fills.

    Example:

    ```mlir
    %c = decode.empty_cache
        : !decode.kv_cache<layers = 2, kv_heads = 4, head_dim = 8, max_len = 64, f32>
    ```
  }];
  let results = (outs Decode_KVCacheType:$cache);
  let assemblyFormat = "attr-dict `:` qualified(type($cache))";
}

//===----------------------------------------------------------------------===//
// LoopOp
//===----------------------------------------------------------------------===//

def Decode_LoopOp : Decode_Op<"loop", [SingleBlock, RecursiveMemoryEffects,
    AllTypesMatch<["cache", "final_cache"]>]> {
  let summary = "autoregressive generation: prefill, then one token per step";
  let description = [{
    Generates up to `max_new_tokens` tokens after `prompt`. The body is the
    generation step. Its block receives the tokens to feed (the whole prompt on
    the first iteration, which is the prefill, then the one token produced
    last), the position of the first of them (how many tokens the cache
    already holds) and the cache. It yields the next token and the updated
    cache. The loop stops after `max_new_tokens` tokens, when a token in
    `stop_tokens` is produced (it is included in the result), or when the
    cache's `max_len` positions are full.

    The results are the generated tokens (without the prompt) and the final
    cache. Because the body calls the model's step function, the same step
    serves prefill and decode; passes specialize it for each.

    A body may take a fourth argument, the history: every token of the
    sequence so far (the prompt, the generated tokens and the ones being
    fed), what prompt-lookup drafting searches. A body may also yield several
    tokens (`tensor<?xi64>`, at least one): a speculative step verifies drafted
    tokens and yields the accepted ones plus the one the target chose after
    them. All but the last are then already in the cache (the step committed
    them); the last is fed next, as a single token is. The loop emits them in
    order and stops within them as it would between steps.

    With `fork`, the loop is a set of sampling branches that share the
    prompt: the prefill runs once, and its logits start every branch. How
    many branches run is the caller's choice (loomrt's
    `loom_model_generate_branches`; one when the code is called directly).
    Branch `b` samples with its own random stream (the caller's seed plus
    `b`), stops on its own, and writes its tokens' keys and values after the
    prompt's: the prompt's entries are computed and stored once, and each
    branch overwrites only the previous branch's suffix. The body must end
    with the `decode.sample caller` whose token it yields (the part that is
    repeated per branch), and take three arguments. The `tokens` result is
    the last branch's; loomrt receives every branch's through its emit
    callback.

    Example:

    ```mlir
    %tokens, %final = decode.loop %prompt, %cache, %max stop [2]
        : tensor<?xi64>, !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>
        -> tensor<?xi64> {
    ^bb0(%ids: tensor<?xi64>, %pos: index,
         %c: !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>):
      %logits, %next_cache = func.call @step(%ids, %pos, %c) : (...) -> (...)
      %tok = decode.sample greedy %logits : tensor<512xf32> -> i64
      decode.yield %tok, %next_cache : i64, !decode.kv_cache<...>
    }
    ```
  }];
  let arguments = (ins 1DTensorOf<[I64]>:$prompt, Decode_KVCacheType:$cache,
                       Index:$max_new_tokens,
                       DefaultValuedAttr<DenseI64ArrayAttr, "{}">:$stop_tokens,
                       UnitAttr:$fork);
  let results = (outs 1DTensorOf<[I64]>:$tokens,
                      Decode_KVCacheType:$final_cache);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = [{
    $prompt `,` $cache `,` $max_new_tokens (`fork` $fork^)? (`stop` $stop_tokens^)? attr-dict
    `:` type($prompt) `,` qualified(type($cache)) `->` type($tokens) $body
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// YieldOp
//===----------------------------------------------------------------------===//

def Decode_YieldOp : Decode_Op<"yield",
    [Pure, Terminator, HasParent<"LoopOp">]> {
  let summary = "ends a decode.loop step with the next token(s) and the cache";
  let description = [{
    Example:

    ```mlir
    decode.yield %tok, %cache : i64, !decode.kv_cache<layers = 1, kv_heads = 1, head_dim = 4, max_len = 8, f32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[I64, 1DTensorOf<[I64]>]>:$token,
                       Decode_KVCacheType:$cache);
  let assemblyFormat = "$token `,` $cache attr-dict `:` type($token) `,` qualified(type($cache))";
}

//===----------------------------------------------------------------------===//
// CacheAppendOp
//===----------------------------------------------------------------------===//

def Decode_CacheAppendOp : Decode_Op<"cache_append",
    [Pure, AllTypesMatch<["cache", "next_cache"]>]> {
  let summary = "write a step's new keys or values into the cache in place";
  let description = [{
    The in-place form of an exported `Concat(past, new)` on the sequence axis:
    `new` (`[1, kv_heads, n, head_dim]`) is written at positions
    `[position, position + n)` of layer `layer`'s keys or values, and
    `present` is that layer's cache contents `[0, position + n)` — exactly
    what the concatenation produced. `next_cache` is the cache after the
    write. Lowering writes into the cache buffer and reads `present` from it,
    so no token's keys or values are ever copied again.

    Example:

    ```mlir
    %present, %next = decode.cache_append %cache[0, key], %k at %pos
        : tensor<1x4x?x8xf32>, !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>
        -> tensor<1x4x?x8xf32>
    ```
  }];
  let arguments = (ins Decode_KVCacheType:$cache, I64Attr:$layer,
                       Decode_CacheKind:$kind,
                       RankedTensorOf<[AnyFloat]>:$new_entries, Index:$position);
  let results = (outs RankedTensorOf<[AnyFloat]>:$present,
                      Decode_KVCacheType:$next_cache);
  let assemblyFormat = [{
    $cache `[` $layer `,` $kind `]` `,` $new_entries `at` $position attr-dict
    `:` type($new_entries) `,` qualified(type($cache)) `->` type($present)
  }];
  let builders = [
    OpBuilder<(ins "::mlir::Value":$cache, "int64_t":$layer, "CacheKind":$kind,
                   "::mlir::Value":$newEntries, "::mlir::Value":$position,
                   "::mlir::Type":$presentType)>
  ];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// SampleOp
//===----------------------------------------------------------------------===//

def Decode_SampleOp : Decode_Op<"sample", [Pure]> {
  let summary = "pick the next token from logits";
  let description = [{
    `greedy` returns the index of the largest logit (the first one on ties).
    `caller` leaves the choice to the caller of the generated code: loomrt
    samples with the options its generate call received (greedy, temperature,
    top-k, top-p, min-p, repetition penalty, seed), so one binary serves every
    setting. `categorical` draws from `softmax(logits / temperature)` after the filters:
    `top_k` keeps the k largest (0: no limit), `top_p` keeps the smallest set
    whose probability reaches p, `min_p` drops tokens below `min_p` times the
    largest probability. The draw is a pure function of `seed` and `counter`
    (a counter-based RNG), so the same seed gives the same tokens on every run
    and with any thread count; pass the position as the counter.

    `logits` is `[vocab]` (the result is `i64`) or `[batch, vocab]` (the result
    is `tensor<batch x i64>`).

    Example:

    ```mlir
    %t = decode.sample greedy %logits : tensor<512xf32> -> i64
    %u = decode.sample categorical %logits, %pos
        {temperature = 0.8 : f32, top_k = 40 : i64, top_p = 0.95 : f32, seed = 7 : i64}
        : tensor<512xf32> -> i64
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$logits,
                       Optional<Index>:$counter,
                       Decode_SamplingStrategy:$strategy,
                       OptionalAttr<F32Attr>:$temperature,
                       OptionalAttr<I64Attr>:$top_k,
                       OptionalAttr<F32Attr>:$top_p,
                       OptionalAttr<F32Attr>:$min_p,
                       OptionalAttr<I64Attr>:$seed);
  let results = (outs AnyTypeOf<[I64, 1DTensorOf<[I64]>]>:$token);
  let assemblyFormat = [{
    $strategy $logits (`,` $counter^)? attr-dict `:` type($logits) `->` type($token)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Speculation: token trees, draft, verify, commit
//===----------------------------------------------------------------------===//

def Decode_DraftSource : I32EnumAttr<"DraftSource", "where decode.draft's tokens come from", [
      I32EnumAttrCase<"ngram", 0>
    ]> {
  let cppNamespace = "::loom::decode";
}

def Decode_DraftOp : Decode_Op<"draft", [Pure]> {
  let summary = "propose tokens for the nodes of a speculation tree";
  let description = [{
    A speculation step checks a tree of candidate continuations at once. The
    tree is the `tree` attribute: one parent index per node, node 0 being the
    root (parent -1) and every other node's parent an earlier node, so node
    order is a topological order. The root is the last token of `history`
    (the one the step feeds); every other node is a drafted token that
    follows its parent.

    `ngram` is prompt lookup: for a node, take the path of tokens that leads
    to it (the history, then its ancestors), find the latest earlier place
    where the last `max_ngram` (or fewer, down to 1) of them occur, and
    propose the token that followed there; the k-th child of a node takes the
    k-th distinct such continuation (most recent first). No extra model runs.

    `tokens` holds a token per node; `count` says how many nodes were drafted:
    nodes `[0, count)` are valid (drafting stops at the first node it has
    nothing for), so `count` is at least 1 (the root).

    Example (a chain of three drafts):

    ```mlir
    %tokens, %count = decode.draft ngram %history {tree = array<i64: -1, 0, 1, 2>, max_ngram = 3}
        : tensor<?xi64> -> tensor<4xi64>
    ```
  }];
  let arguments = (ins 1DTensorOf<[I64]>:$history, Decode_DraftSource:$source,
                       DenseI64ArrayAttr:$tree,
                       DefaultValuedAttr<I64Attr, "3">:$max_ngram);
  let results = (outs 1DTensorOf<[I64]>:$tokens, Index:$count);
  let assemblyFormat = [{
    $source $history attr-dict `:` type($history) `->` type($tokens)
  }];
  let hasVerifier = 1;
}

def Decode_DraftStepsOp : Decode_Op<"draft_steps",
    [AllTypesMatch<["cache", "next_cache"]>,
     DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "draft a chain by running a draft step greedily";
  let description = [{
    Drafts for a chain `tree` with a model: starting from `root` (the token
    being fed, `tensor<1xi64>`) at `position`, it calls `step` — a one-token
    step `(tensor<1xi64>, index, cache) -> (logits row, cache)` over the same
    cache — and takes the argmax as the next draft, as many times as the tree
    has drafts and the cache has room (each call writes at `position + i`;
    the verify step then rewrites those positions with the target's keys and
    values). The drafts are certain (argmax), so decode.verify's rule for
    certain drafts keeps sampling exact.

    `step` is a draft the compiler derived from the target
    (loom-decode-speculate's `self`: the target's first layers, its final norm
    and its classifier), so it shares the target's cache: its layers are the
    target's first ones, their keys and values for the same tokens at the
    same positions are the target's.

    Results as decode.draft's: a token per node (node 0 the root) and how many
    nodes were drafted; and the cache after the draft's writes.

    Example:

    ```mlir
    %tokens, %count, %c2 = decode.draft_steps @decode_step_draft(%root at %pos, %c)
        {tree = array<i64: -1, 0, 1, 2>}
        : tensor<1xi64>, !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>
        -> tensor<4xi64>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$step, 1DTensorOf<[I64]>:$root, Index:$position,
                       Decode_KVCacheType:$cache, DenseI64ArrayAttr:$tree);
  let results = (outs 1DTensorOf<[I64]>:$tokens, Index:$count,
                      Decode_KVCacheType:$next_cache);
  let assemblyFormat = [{
    $step `(` $root `at` $position `,` $cache `)` attr-dict `:` type($root) `,`
    qualified(type($cache)) `->` type($tokens)
  }];
  let hasVerifier = 1;
}

def Decode_DraftModelOp : Decode_Op<"draft_model",
    [MemoryEffects<[MemRead, MemWrite]>,
     DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "draft a chain with a separate draft model that keeps its own cache";
  let description = [{
    Drafts for a chain `tree` with another decoder (a smaller model with the
    target's vocabulary, compiled into the same module): starting from `root`
    (the token being fed, `tensor<1xi64>`) at `position`, it calls `step` — the
    draft's one-token step `(tensor<1xi64>, index, cache) -> (logits row,
    cache)` — and takes the argmax as the next draft, as many times as the tree
    has drafts and the target's cache (`max_len`) has room.

    Unlike decode.draft_steps, the draft has a cache of its own, of type
    `cache`: state the op keeps for the whole decode.loop (lowering allocates
    it once per generation, with a record of the token fed at each position).
    Before drafting, the op brings that cache up to `position`: it finds the
    first position where the token it fed differs from `history` (the
    sequence so far, `history[position]` being the root) and feeds
    `history` from there up to `position` in one call of `catch_up`, the
    draft's step for several tokens `(tensor<?xi64>, index, cache) -> (logits
    row, cache)`. On the first call that is the prompt (the draft's prefill);
    after a verify step, the drafts the target rejected are forgotten and the
    bonus token is fed. The drafts are certain (argmax), so decode.verify's
    rule for certain drafts keeps sampling exact.

    Results as decode.draft's: a token per node (node 0 the root) and how many
    nodes were drafted.

    Example:

    ```mlir
    %tokens, %count = decode.draft_model @draft_token, @draft_tokens(%root at %pos, %history)
        {cache = !decode.kv_cache<layers = 1, kv_heads = 2, head_dim = 8, max_len = 512, f32>,
         tree = array<i64: -1, 0, 1, 2>}
        : tensor<1xi64>, tensor<?xi64> -> tensor<4xi64>
    ```
  }];
  let arguments = (ins FlatSymbolRefAttr:$step, FlatSymbolRefAttr:$catch_up,
                       1DTensorOf<[I64]>:$root, Index:$position,
                       1DTensorOf<[I64]>:$history,
                       TypeAttrOf<Decode_KVCacheType>:$cache, DenseI64ArrayAttr:$tree);
  let results = (outs 1DTensorOf<[I64]>:$tokens, Index:$count);
  let assemblyFormat = [{
    $step `,` $catch_up `(` $root `at` $position `,` $history `)` attr-dict `:`
    type($root) `,` type($history) `->` type($tokens)
  }];
  let hasVerifier = 1;
}

def Decode_VerifyOp : Decode_Op<"verify", [Pure]> {
  let summary = "accept the longest tree path the target agrees with, plus one token";
  let description = [{
    `logits` are the target's outputs for the first `count` nodes of `tree`
    (row i: after node i, the nodes fed at `position` + depth with tree
    attention), `tokens` the drafted tree (decode.draft's result). Walking from
    the root, a child is accepted when the target would have produced its
    token there; the walk ends at a node none of whose (drafted) children is
    accepted, and the target's own choice at that node is the bonus token.

    `greedy` accepts a child whose token is the row's argmax (ties: the lower
    id), so the tokens equal plain greedy decoding. `caller` follows the
    generate call's options: greedy at temperature 0, otherwise speculative
    sampling, which keeps the sampling distribution exactly (Leviathan et al.
    2023, Chen et al. 2023; with several children, the multi-candidate rule of
    SpecInfer): the drafts are certain (a drafted token has probability 1 under
    the draft), so child c is accepted with probability p(c) under the
    distribution left by the rejected siblings before it, a rejected token's
    probability is removed and the rest renormalized, and the bonus is drawn
    from what remains. Random numbers come from the counter-based generator
    (the seed and the node's position), so runs reproduce.

    Results: `path` lists the accepted nodes from the root (`length` of them,
    at least the root; entries past `length` are unspecified), `bonus` the
    target's token after the last of them. `history` is the sequence up to and
    including the root (the repetition penalty reads it).

    Example:

    ```mlir
    %path, %length, %bonus = decode.verify caller %logits, %tokens, %count at %pos, %history
        {tree = array<i64: -1, 0, 1, 2>}
        : tensor<?x512xf32>, tensor<4xi64>, tensor<?xi64> -> tensor<4xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$logits, 1DTensorOf<[I64]>:$tokens,
                       Index:$count, Index:$position, 1DTensorOf<[I64]>:$history,
                       Decode_SamplingStrategy:$strategy, DenseI64ArrayAttr:$tree);
  let results = (outs 1DTensorOf<[I64]>:$path, Index:$length, I64:$bonus);
  let assemblyFormat = [{
    $strategy $logits `,` $tokens `,` $count `at` $position `,` $history attr-dict
    `:` type($logits) `,` type($tokens) `,` type($history) `->` type($path)
  }];
  let hasVerifier = 1;
}

def Decode_CommitOp : Decode_Op<"commit",
    [Pure, AllTypesMatch<["cache", "next_cache"]>]> {
  let summary = "keep the accepted path's keys and values, behind the prefix";
  let description = [{
    Verifying a tree wrote the keys and values of node i at cache position
    `position + i`. The accepted path (decode.verify's `path`, `length`
    nodes) must end up at `position + depth`, contiguous behind the prefix;
    this moves each accepted node's entries there, in place (every layer,
    keys and values), and forgets the rest: positions from
    `position + length` on are free again. For a chain (each node the child of
    the one before) the path is always `0, 1, ...` and nothing moves: the op
    folds away.

    Example:

    ```mlir
    %next = decode.commit %cache, %path, %length at %pos {tree = array<i64: -1, 0, 0, 1>}
        : !decode.kv_cache<layers = 5, kv_heads = 4, head_dim = 8, max_len = 512, f32>, tensor<3xi64>
    ```
  }];
  let arguments = (ins Decode_KVCacheType:$cache, 1DTensorOf<[I64]>:$path,
                       Index:$length, Index:$position, DenseI64ArrayAttr:$tree);
  let results = (outs Decode_KVCacheType:$next_cache);
  let assemblyFormat = [{
    $cache `,` $path `,` $length `at` $position attr-dict `:` qualified(type($cache)) `,`
    type($path)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

#endif // LOOM_DIALECT_DECODE_IR_DECODEOPS_TD
