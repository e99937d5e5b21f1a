//===- LoomOps.td - loom dialect: fused transformer ops ----*- tablegen -*-===//
//
// The ops that fusion produces from exported ONNX graphs. Value semantics on
// tensors; every op states its layout and verifies it.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_LOOM_IR_LOOMOPS_TD
#define LOOM_DIALECT_LOOM_IR_LOOMOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/BuiltinAttributes.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Loom_Dialect : Dialect {
  let name = "loom";
  let cppNamespace = "::loom";
  let summary = "fused transformer graph ops: attention, softmax, normalization";
  let description = [{
    The `loom` dialect holds the ops that loom's fusion passes recognize in
    exported graphs: attention with its softmax fused in, softmax with a chosen
    algorithm, RMS and layer normalization, GELU and SiLU, rotary embeddings
    (and, in later work, quantized matmuls and collectives). They operate on
    tensors with value semantics and are lowered to linalg code or to calls
    of loomrt's kernels.
  }];
}

class Loom_Op<string mnemonic, list<Trait> traits = []>
    : Op<Loom_Dialect, mnemonic, !listconcat(traits, [Pure])>;

def Loom_FloatTensor : RankedTensorOf<[AnyFloat]>;

//===----------------------------------------------------------------------===//
// SoftmaxAlgorithm
//===----------------------------------------------------------------------===//

def Loom_SoftmaxAlgorithm : I32EnumAttr<"SoftmaxAlgorithm",
    "how softmax is evaluated", [
      I32EnumAttrCase<"three_pass", 0>,
      I32EnumAttrCase<"two_pass", 1>,
      I32EnumAttrCase<"online", 2>
    ]> {
  let cppNamespace = "::loom";
  let description = [{
    - `three_pass`: the maximum, then the sum of exp(x - max), then the outputs.
    - `two_pass`: Dukhan & Ablavatski: one pass accumulates exp(x) as
      (mantissa, exponent) pairs, needing no maximum; a second writes outputs.
    - `online`: Milakov & Gimelshein: one pass keeps a running maximum and
      rescales the running sum when it grows; a second writes outputs.
  }];
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

def Loom_AttentionOp : Loom_Op<"attention"> {
  let summary = "scaled dot-product attention with the softmax fused in";
  let description = [{
    Computes `softmax(scale * Q Kᵀ + mask) V` per batch and query head without
    naming the score matrix, so lowering is free to tile it away
    (FlashAttention's online softmax).

    Layouts: `query` is `[batch, q_heads, q_len, head_dim]`, `key` is
    `[batch, kv_heads, kv_len, head_dim]`, `value` is
    `[batch, kv_heads, kv_len, v_head_dim]` and the result is
    `[batch, q_heads, q_len, v_head_dim]`. `q_heads` must be a multiple of
    `kv_heads`: query head `h` reads K/V head `h / (q_heads / kv_heads)`, which
    covers multi-head (equal counts), grouped-query and multi-query (one K/V
    head) attention without repeating K/V. Both head counts must be static.

    `scale` defaults to `1/sqrt(head_dim)`. `causal` masks keys that lie after
    the query: query row `i` sits at position `kv_len - q_len + i` (bottom-right
    alignment, as when new tokens attend to a KV cache that already holds the
    past). The optional `mask` is `[q_len, kv_len]` or
    `[batch|1, q_heads|1, q_len, kv_len]`: `i1` (true = attend) or an additive
    float mask of the query's element type. A `q_len` of 1 applies the same
    row to every query (a key padding mask).

    `softcap` (Gemma 2's logit soft-capping) replaces each scaled score `s`
    by `softcap * tanh(s / softcap)` before the mask is added.

    Example:

    ```mlir
    %o = loom.attention %q, %k, %v causal {scale = 0.125 : f32}
        : tensor<1x8x16x64xf32>, tensor<1x2x16x64xf32>, tensor<1x2x16x64xf32>
        -> tensor<1x8x16x64xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$query, Loom_FloatTensor:$key,
                       Loom_FloatTensor:$value,
                       Optional<RankedTensorOf<[I1, AnyFloat]>>:$mask,
                       UnitAttr:$causal, OptionalAttr<F32Attr>:$scale,
                       OptionalAttr<F32Attr>:$softcap);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` $mask^)? (`causal` $causal^)? attr-dict
    `:` type($query) `,` type($key) `,` type($value) (`,` type($mask)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// Number of query heads sharing one K/V head (1 for multi-head attention).
    int64_t getGroupSize();
    /// The scale applied to Q Kᵀ: the attribute, or 1/sqrt(head_dim).
    double getEffectiveScale();
  }];
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

def Loom_SoftmaxOp : Loom_Op<"softmax", [SameOperandsAndResultType]> {
  let summary = "softmax along one axis with a chosen evaluation algorithm";
  let description = [{
    `exp(x - max(x)) / sum(exp(x - max(x)))` along `axis` (negative counts from
    the back). All three algorithms are exact to the element type's tolerance
    and never overflow; they differ in how many times they read the input.

    Example:

    ```mlir
    %y = loom.softmax two_pass %x {axis = -1 : i64} : tensor<4x32000xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$input,
                       Loom_SoftmaxAlgorithm:$algorithm,
                       DefaultValuedAttr<I64Attr, "-1">:$axis);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = "$algorithm $input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The softmax axis as a non-negative dimension index.
    int64_t getNormalizedAxis();
  }];
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

def Loom_RMSNormOp : Loom_Op<"rms_norm"> {
  let summary = "root-mean-square normalization over the last dimension";
  let description = [{
    `y = x / sqrt(mean(x², last axis) + epsilon) * weight`, as in LLaMA.
    `weight` is one-dimensional with the size of `input`'s last dimension.

    Example:

    ```mlir
    %y = loom.rms_norm %x, %w {epsilon = 1.0e-05 : f32}
        : tensor<1x16x64xf32>, tensor<64xf32> -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$input, Loom_FloatTensor:$weight,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight attr-dict `:` type($input) `,` type($weight) `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// LayerNormOp
//===----------------------------------------------------------------------===//

def Loom_LayerNormOp : Loom_Op<"layer_norm"> {
  let summary = "layer normalization over the last dimension";
  let description = [{
    `y = (x - mean(x)) / sqrt(var(x) + epsilon) * weight + bias` over the last
    axis (biased variance), as in GPT-2. `weight` and the optional `bias` are
    one-dimensional with the size of `input`'s last dimension.

    Example:

    ```mlir
    %y = loom.layer_norm %x, %w, %b {epsilon = 1.0e-05 : f32}
        : tensor<1x16x64xf32>, tensor<64xf32>, tensor<64xf32> -> tensor<1x16x64xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$input, Loom_FloatTensor:$weight,
                       Optional<Loom_FloatTensor>:$bias,
                       DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:` type($input) `,` type($weight)
    (`,` type($bias)^)? `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// GeluOp, SiluOp
//===----------------------------------------------------------------------===//

def Loom_GeluApproximation : I32EnumAttr<"GeluApproximation",
    "how GELU is written", [
      I32EnumAttrCase<"erf", 0>,
      I32EnumAttrCase<"tanh", 1>
    ]> {
  let cppNamespace = "::loom";
}

def Loom_GeluOp : Loom_Op<"gelu", [SameOperandsAndResultType]> {
  let summary = "Gaussian error linear unit, exact (erf) or tanh-approximated";
  let description = [{
    `erf`:  `0.5 x (1 + erf(x / sqrt(2)))` (PyTorch's default, BERT).
    `tanh`: `0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))` (GPT-2).

    ```mlir
    %y = loom.gelu tanh %x : tensor<1x16x256xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$input, Loom_GeluApproximation:$approximation);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = "$approximation $input attr-dict `:` type($input)";
}

def Loom_SiluOp : Loom_Op<"silu", [SameOperandsAndResultType]> {
  let summary = "x * sigmoid(x) (swish), as in LLaMA's feed-forward";
  let arguments = (ins Loom_FloatTensor:$input);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

//===----------------------------------------------------------------------===//
// RotaryOp
//===----------------------------------------------------------------------===//

def Loom_RotaryOp : Loom_Op<"rotary", [AllTypesMatch<["cos", "sin"]>]> {
  let summary = "rotary position embedding of the last dimension";
  let description = [{
    Rotates pairs of elements of the last axis (size d) by the angles whose
    cosines and sines are given:

    - default (halves; GPT-NeoX, Hugging Face LLaMA): element i pairs with
      i + d/2: `y = x * cos + rotate_half(x) * sin` with
      `rotate_half(x) = concat(-x[d/2:], x[:d/2])`; `cos` and `sin` have d
      (or 1) elements on their last axis.
    - `pairs` (GPT-J, Meta's LLaMA, llama2.c): element 2i pairs with 2i + 1:
      `y[2i] = x[2i] cos[i] - x[2i+1] sin[i]`,
      `y[2i+1] = x[2i] sin[i] + x[2i+1] cos[i]`; `cos` and `sin` have d/2
      (or 1) elements on their last axis.

    `cos` and `sin` have one type and broadcast (numpy rules, from the back)
    against `input`, their last axis as above.

    ```mlir
    %y = loom.rotary %x, %cos, %sin pairs
        : tensor<1x8x?x64xf32>, tensor<?x32xf32> -> tensor<1x8x?x64xf32>
    ```
  }];
  let arguments = (ins Loom_FloatTensor:$input, Loom_FloatTensor:$cos,
                       Loom_FloatTensor:$sin, UnitAttr:$pairs);
  let results = (outs Loom_FloatTensor:$result);
  let assemblyFormat = [{
    $input `,` $cos `,` $sin (`pairs` $pairs^)? attr-dict `:` type($input) `,` type($cos)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// QuantizedMatmulOp
//===----------------------------------------------------------------------===//

def Loom_QuantizedMatmulOp : Loom_Op<"quantized_matmul"> {
  let summary = "matrix product with packed 8-, 4- or 2-bit (ternary) weights";
  let description = [{
    `y[..., n] = sum_k input[..., k] * w[n, k]` where `w` is stored packed,
    one row of bytes per output channel, as `loom-c/QuantizedWeights.h`
    defines it: `bits` = 8 (signed int8), 4 (unsigned nibbles with a zero
    point: 8 when `zero_points` is absent) or 2 (ternary: -1, 0, +1), K padded
    to a multiple of 32, and one f32 scale per `group_size` inputs of a
    channel (`scales` is `[N, groups]`, groups = ceil(padded K / group_size)).
    `zero_points` (4 bits only) is `[N, groups]` of uint8 values stored as
    i8. The weights are constants packed at compile time by
    `loom-quantize`; the kernel quantizes `input` to int8 per block of 32
    values and multiplies with integer instructions, so results differ from
    f32 by that rounding too.

    `in_features` is K (the input's last dimension, which must be static).

    Example (int4 in groups of 32: 64 inputs are 32 bytes per channel):

    ```mlir
    %y = loom.quantized_matmul %x, %w, %s {bits = 4 : i32, group_size = 32 : i64,
                                           in_features = 64 : i64}
        : tensor<1x?x64xf32>, tensor<128x32xi8>, tensor<128x2xf32> -> tensor<1x?x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, RankedTensorOf<[I8]>:$weights,
                       RankedTensorOf<[F32]>:$scales,
                       Optional<RankedTensorOf<[I8]>>:$zero_points,
                       ConfinedAttr<I32Attr, [IntIsOneOf<[2, 4, 8]>]>:$bits,
                       ConfinedAttr<I64Attr, [IntPositive]>:$group_size,
                       ConfinedAttr<I64Attr, [IntPositive]>:$in_features);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $input `,` $weights `,` $scales (`zero_points` $zero_points^)? attr-dict `:`
    type($input) `,` type($weights) `,` type($scales) (`,` type($zero_points)^)?
    `->` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Tensor parallelism: ShardOp, AllReduceOp
//===----------------------------------------------------------------------===//

def Loom_ShardOp : Loom_Op<"shard"> {
  let summary = "this rank's block of a tensor split across ranks";
  let description = [{
    The model runs as `ranks` processes (tensor parallelism, `loom-partition`);
    each takes the block `[r * n / ranks, (r + 1) * n / ranks)` of `axis`
    (size `n`), where `r` is the process's rank, known only at run time (from
    MPI). The other axes are kept. `n` must be static and a multiple of
    `ranks`. Used on weights: a column-split matrix is sharded on its last
    axis, a row-split one on its first, so each rank reads only its part of
    the weights file.

    Example (two ranks, the gate projection of an MLP split by columns):

    ```mlir
    %w0 = loom.shard %w {axis = 1 : i64, ranks = 2 : i64}
        : tensor<64x172xf32> -> tensor<64x86xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$axis,
                       ConfinedAttr<I64Attr, [IntMinValue<2>]>:$ranks);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

def Loom_AllReduceOp : Op<Loom_Dialect, "all_reduce", [SameOperandsAndResultType]> {
  let summary = "the sum of a tensor over all ranks, on every rank";
  let description = [{
    Every one of the `ranks` processes contributes its `input` (partial sums,
    such as the output of a row-split matrix product) and receives the
    element-wise sum of all of them. The sum is taken in rank order on every
    rank, so all ranks hold bitwise the same result (and the same tokens
    follow from it), whatever algorithm the communication library uses. A
    collective: every rank must reach it, in the same order, so it is not
    `Pure` (never removed, duplicated or moved).

    Example:

    ```mlir
    %sum = loom.all_reduce %partial {ranks = 2 : i64} : tensor<1x?x64xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<2>]>:$ranks);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def Loom_AllGatherOp : Op<Loom_Dialect, "all_gather"> {
  let summary = "every rank's tensor, concatenated in rank order along the last axis";
  let description = [{
    Every one of the `ranks` processes contributes its `input` (its columns of
    a result, such as the logits of a vocabulary-parallel LM head) and receives
    all of them side by side: rank `r`'s block is columns
    `[r * n, (r + 1) * n)` of the result's last axis (`n` is the input's, which
    must be static). A collective like `loom.all_reduce`: not `Pure`.

    Example (two ranks, 32000 logits):

    ```mlir
    %logits = loom.all_gather %mine {ranks = 2 : i64}
        : tensor<1x?x16000xf32> -> tensor<1x?x32000xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input,
                       ConfinedAttr<I64Attr, [IntMinValue<2>]>:$ranks);
  let results = (outs RankedTensorOf<[F32]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `->` type($result)";
  let hasVerifier = 1;
}

#endif // LOOM_DIALECT_LOOM_IR_LOOMOPS_TD
