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

#endif // LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_TD
