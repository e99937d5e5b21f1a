//===- OnnxMicrosoftOps.td - ONNX Runtime contrib ops -------*- tablegen -*-===//
//
// The com.microsoft operators that real LLM exports contain (ONNX Runtime's
// contrib ops, which libonnx has no schemas for), written by hand from ONNX
// Runtime's ContribOperators documentation. Ops of the com.microsoft domain are
// named `onnx.com.microsoft.<OpType>`; SimplifiedLayerNormalization lives in
// the default domain in ONNX Runtime and is `onnx.SimplifiedLayerNormalization`.
// Trailing optional inputs cover the newest documented versions; attributes
// not declared here are kept as discardable attributes.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_IR_ONNXMICROSOFTOPS_TD
#define LOOM_DIALECT_ONNX_IR_ONNXMICROSOFTOPS_TD

class Onnx_MicrosoftOp<string opType, list<Trait> traits = []>
    : Onnx_Op<"com.microsoft." # opType, traits> {
  let summary = "ONNX Runtime contrib operator com.microsoft." # opType;
}

def Onnx_MsMatMulNBitsOp : Onnx_MicrosoftOp<"MatMulNBits", [AttrSizedOperandSegments]> {
  let description = [{
    `Y = A × dequantize(B)ᵀ` with B quantized to `bits` bits in blocks of
    `block_size` along K, packed into uint8 as [N, K/block_size, blob_size],
    with per-block `scales` and optional `zero_points`.
  }];
  let arguments = (ins AnyType:$A, AnyType:$B, AnyType:$scales,
                       Optional<AnyType>:$zero_points, Optional<AnyType>:$g_idx,
                       Optional<AnyType>:$bias,
                       SI64Attr:$K, SI64Attr:$N, SI64Attr:$block_size,
                       DefaultValuedAttr<SI64Attr, "4">:$bits,
                       DefaultValuedAttr<SI64Attr, "0">:$accuracy_level);
  let results = (outs AnyType:$Y);
}

def Onnx_MsGroupQueryAttentionOp
    : Onnx_MicrosoftOp<"GroupQueryAttention", [AttrSizedOperandSegments]> {
  let description = [{
    Grouped-query attention over a BNSH KV cache: `num_heads` query heads
    share `kv_num_heads` K/V heads; optional rotary embedding (`do_rotary`
    with `cos_cache`/`sin_cache`) and a local window.
  }];
  let arguments = (ins AnyType:$query, Optional<AnyType>:$key,
                       Optional<AnyType>:$value, Optional<AnyType>:$past_key,
                       Optional<AnyType>:$past_value, AnyType:$seqlens_k,
                       AnyType:$total_sequence_length,
                       Optional<AnyType>:$cos_cache, Optional<AnyType>:$sin_cache,
                       Optional<AnyType>:$position_ids,
                       Optional<AnyType>:$attention_bias,
                       Optional<AnyType>:$head_sink,
                       SI64Attr:$num_heads, SI64Attr:$kv_num_heads,
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<SI64Attr, "-1">:$local_window_size,
                       DefaultValuedAttr<SI64Attr, "0">:$do_rotary,
                       DefaultValuedAttr<SI64Attr, "0">:$rotary_interleaved,
                       OptionalAttr<F32Attr>:$softcap);
  let results = (outs AnyType:$output, AnyType:$present_key,
                      AnyType:$present_value, Optional<AnyType>:$output_qk);
}

def Onnx_MsMultiHeadAttentionOp
    : Onnx_MicrosoftOp<"MultiHeadAttention", [AttrSizedOperandSegments,
                                               AttrSizedResultSegments]> {
  let description = [{
    Multi-head attention on separate (or packed) Q, K, V with optional bias,
    key padding mask, attention bias and past key/value.
  }];
  let arguments = (ins AnyType:$query, Optional<AnyType>:$key,
                       Optional<AnyType>:$value, Optional<AnyType>:$bias,
                       Optional<AnyType>:$key_padding_mask,
                       Optional<AnyType>:$attention_bias,
                       Optional<AnyType>:$past_key, Optional<AnyType>:$past_value,
                       Optional<AnyType>:$past_sequence_length,
                       Optional<AnyType>:$cache_indirection,
                       SI64Attr:$num_heads, OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<F32Attr>:$mask_filter_value,
                       DefaultValuedAttr<SI64Attr, "0">:$unidirectional);
  let results = (outs AnyType:$output, Optional<AnyType>:$present_key,
                      Optional<AnyType>:$present_value, Optional<AnyType>:$qk);
}

def Onnx_MsAttentionOp
    : Onnx_MicrosoftOp<"Attention", [AttrSizedOperandSegments]> {
  let description = [{
    Self-attention with the Q/K/V projection fused in: `input × weights +
    bias` split into Q, K, V, then multi-head attention; `past` holds the
    stacked key/value cache.
  }];
  let arguments = (ins AnyType:$input, AnyType:$weights, Optional<AnyType>:$bias,
                       Optional<AnyType>:$mask_index, Optional<AnyType>:$past,
                       Optional<AnyType>:$attention_bias,
                       Optional<AnyType>:$past_sequence_length,
                       SI64Attr:$num_heads,
                       DefaultValuedAttr<SI64Attr, "0">:$unidirectional,
                       OptionalAttr<I64ArrayAttr>:$qkv_hidden_sizes,
                       OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<F32Attr>:$mask_filter_value);
  let results = (outs AnyType:$output, Optional<AnyType>:$present);
}

def Onnx_MsRotaryEmbeddingOp : Onnx_MicrosoftOp<"RotaryEmbedding"> {
  let description = [{
    Rotary position embedding of `input` at `position_ids` using the
    precomputed `cos_cache` and `sin_cache`; `interleaved` selects pairs
    (2i, 2i+1) instead of halves.
  }];
  let arguments = (ins AnyType:$input, AnyType:$position_ids,
                       AnyType:$cos_cache, AnyType:$sin_cache,
                       DefaultValuedAttr<SI64Attr, "0">:$interleaved,
                       OptionalAttr<SI64Attr>:$num_heads,
                       OptionalAttr<SI64Attr>:$rotary_embedding_dim,
                       OptionalAttr<F32Attr>:$scale,
                       DefaultValuedAttr<SI64Attr, "0">:$is_packed_batching);
  let results = (outs AnyType:$output);
}

def Onnx_MsSkipSimplifiedLayerNormalizationOp
    : Onnx_MicrosoftOp<"SkipSimplifiedLayerNormalization",
                       [AttrSizedResultSegments]> {
  let description = [{
    RMS normalization of `input + skip (+ bias)` scaled by `gamma`; the sum
    is also returned for the next residual connection.
  }];
  let arguments = (ins AnyType:$input, AnyType:$skip, AnyType:$gamma,
                       Optional<AnyType>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs AnyType:$output, Optional<AnyType>:$mean,
                      Optional<AnyType>:$inv_std_var,
                      Optional<AnyType>:$input_skip_bias_sum);
}

def Onnx_SimplifiedLayerNormalizationOp
    : Onnx_Op<"SimplifiedLayerNormalization"> {
  let summary = "ONNX Runtime's RMS normalization (default domain)";
  let description = [{
    `Y = X / sqrt(mean(X², axis..) + epsilon) * scale`, registered by ONNX
    Runtime in the default domain although ONNX itself has no such operator.
  }];
  let arguments = (ins AnyType:$X, AnyType:$scale,
                       DefaultValuedAttr<SI64Attr, "-1">:$axis,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon,
                       DefaultValuedAttr<SI64Attr, "1">:$stash_type);
  let results = (outs AnyType:$Y, Optional<AnyType>:$inv_std_var);
}

#endif // LOOM_DIALECT_ONNX_IR_ONNXMICROSOFTOPS_TD
