//===- Passes.td - decode dialect passes -------------------*- tablegen -*-===//

#ifndef LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_TD
#define LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomDecodeWrapStepPass : Pass<"loom-decode-wrap-step", "mlir::ModuleOp"> {
  let summary = "Turn an exported decoder step into a decode.loop with an in-place KV cache";
  let description = [{
    Takes an imported decoder (`main_graph`) with past key/value inputs and
    present outputs and makes the generation procedure IR:

    - the inputs and outputs are matched by name (Hugging Face's convention by
      default: `input_ids`, optional `position_ids` and `attention_mask`,
      `past_key_values.N.key/value` -> `logits`, `present.N.key/value`; the
      options name them for other conventions, `{}` standing for the layer);
    - every `present = Concat(past, new)` on the sequence axis becomes a
      `decode.cache_append` into one `!decode.kv_cache`, so the step writes its
      new keys and values in place and never copies the cache;
    - the step is specialized twice: `@decode_step_tokens` takes any number of
      tokens (the prompt: prefill) and `@decode_step_token` exactly one (decode),
      with static shapes refined through the graph;
    - `@loom_generate(prompt, max_new_tokens)` holds the `decode.loop` whose
      body picks the step by the number of tokens fed and samples with
      `decode.sample caller` (options chosen by the caller at run time).

    `main_graph` is removed. A model that does not fit fails with a message
    naming the input, output or node that does not.
  }];
  let options = [
    Option<"contextLength", "context-length", "int64_t", /*default=*/"2048",
           "positions the KV cache holds (prompt and generated tokens)">,
    Option<"inputIds", "input-ids", "std::string", "\"input_ids\"",
           "the input with the token ids [batch, sequence]">,
    Option<"positionIds", "position-ids", "std::string", "\"position_ids\"",
           "the optional input with positions [batch, sequence]">,
    Option<"attentionMask", "attention-mask", "std::string", "\"attention_mask\"",
           "the optional input with the mask [batch, past + sequence]">,
    Option<"pastKey", "past-key", "std::string", "\"past_key_values.{}.key\"",
           "past keys of layer {}">,
    Option<"pastValue", "past-value", "std::string", "\"past_key_values.{}.value\"",
           "past values of layer {}">,
    Option<"logits", "logits", "std::string", "\"logits\"",
           "the output with logits [batch, sequence, vocab]">,
    Option<"presentKey", "present-key", "std::string", "\"present.{}.key\"",
           "present keys of layer {}">,
    Option<"presentValue", "present-value", "std::string", "\"present.{}.value\"",
           "present values of layer {}">,
    ListOption<"stopTokens", "stop-tokens", "int64_t",
               "tokens that end generation (they are emitted)">
  ];
  let dependentDialects = ["::loom::decode::DecodeDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def LoomDecodeSpeculatePass : Pass<"loom-decode-speculate", "mlir::ModuleOp"> {
  let summary = "Make @loom_generate's decode steps speculative: draft a tree, verify it in one step, commit";
  let description = [{
    Runs after `loom-decode-wrap-step`. Each one-token step of the decode loop
    becomes a speculation step:

    - `decode.draft` proposes a token for each node of the tree (`tree`: a
      parent index per node, node 0 the root; `-1,0,1,2` is a chain of three
      drafts) from the history (`ngram`: prompt lookup, no extra model), or
      `decode.draft_steps` runs `@decode_step_draft` greedily (`self`:
      self-speculation, a copy of the one-token step that keeps the first
      `draft-layers` layers, then the final norm and the classifier, sharing
      the target's cache), or `decode.draft_model` runs a separate draft
      model's steps greedily (`model`: `@draft_model_decode_step_token` and
      `@draft_model_decode_step_tokens`, which `loom-compile
      --speculate=draft=FILE.onnx` links into the module from a second
      decoder with the target's vocabulary; the draft keeps its own cache);
    - the drafted nodes that fit in the cache are fed at once to
      `@decode_step_verify` (a copy of the prefill step that returns every
      position's logits), written into the cache at `position + node`;
    - `decode.verify` accepts the longest path the target agrees with (greedy,
      or speculative sampling with the caller's options) plus the target's own
      token after it;
    - `decode.commit` moves the accepted path's keys and values behind the
      prefix (nothing moves for a chain);
    - the step yields the accepted tokens and the bonus token.

    When nothing is drafted the step runs the one-token step as before. The
    prefill is unchanged. For a tree with branches the verify step gets tree
    attention: its position_ids become `position + depth` of each node and
    every `loom.attention` mask also hides the nodes that are not the query
    node's ancestors (models without a position_ids input or without fused
    attention are refused for such trees).
  }];
  let options = [
    Option<"draft", "draft", "std::string", "\"ngram\"",
           "where drafts come from: ngram (prompt lookup), self (the target's first "
           "draft-layers layers, its final norm and classifier; chains only) or model (a "
           "separate draft model's steps, @draft_model_decode_step_token(s), in the "
           "module; chains only)">,
    Option<"draftLayers", "draft-layers", "int64_t", /*default=*/"1",
           "with draft=self: the target's layers the draft keeps">,
    Option<"maxNgram", "max-ngram", "int64_t", /*default=*/"3",
           "ngram drafting matches the last 1 to max-ngram tokens">,
    ListOption<"tree", "tree", "int64_t",
               "the speculation tree, a parent index per node (default: a chain of 4 drafts, "
               "-1,0,1,2,3)">
  ];
  let dependentDialects = ["::loom::decode::DecodeDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::linalg::LinalgDialect"];
}

#endif // LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_TD
