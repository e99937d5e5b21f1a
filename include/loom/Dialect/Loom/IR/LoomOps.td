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
    algorithm, RMS normalization, and (in later work) rotary embeddings,
    quantized matmuls and collectives. They operate on tensors with value
    semantics and are lowered to linalg/vector code.
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
    float mask of the query's element type.

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
                       UnitAttr:$causal, OptionalAttr<F32Attr>:$scale);
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

#endif // LOOM_DIALECT_LOOM_IR_LOOMOPS_TD
