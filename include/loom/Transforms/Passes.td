//===- Passes.td - loom's graph rewrites -------------------*- tablegen -*-===//
//
// Passes that rewrite the graph before lowering: onnx op chains as exporters
// write them become loom ops (fusion), and choices the lowering leaves open
// are made explicit (softmax selection). Quantization and partitioning
// belong here too.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_TRANSFORMS_PASSES_TD
#define LOOM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomFuseTransformerOpsPass
    : Pass<"loom-fuse-transformer-ops", "mlir::func::FuncOp"> {
  let summary = "Rewrite exported normalizations, activations and rotary "
                "embeddings into loom ops";
  let description = [{
    The companions of attention, as torch.onnx.export writes them:

    - RMSNorm `Mul(Mul(x, 1 / Sqrt(ReduceMean(Pow(x, 2)) + eps)), w)` (also
      `Div(x, Sqrt(..))`, `Reciprocal`, `Mul(x, x)`) -> `loom.rms_norm`;
    - LayerNorm `Add(Mul(Div(x - m, Sqrt(ReduceMean(Pow(x - m, 2)) + eps)), w), b)`
      with `m = ReduceMean(x)` (bias optional), and `LayerNormalization` on
      the last axis -> `loom.layer_norm`;
    - GELU `0.5 x (1 + Erf(x / sqrt 2))` and
      `0.5 x (1 + Tanh(sqrt(2/pi) (x + 0.044715 x^3)))` -> `loom.gelu`;
    - SiLU `Mul(x, Sigmoid(x))` -> `loom.silu`;
    - rotary embeddings: Hugging Face's `x cos + rotate_half(x) sin` with
      `rotate_half(x) = Concat(Neg(x[d/2:]), x[:d/2])`, and the pairwise form
      (`Reshape` to pairs, `Gather` of elements 0 and 1, the two products,
      interleaved back by `Unsqueeze` + `Concat` + `Reshape`) -> `loom.rotary`;
    - ONNX Runtime's `com.microsoft.RotaryEmbedding` ([b, s, hidden] or
      [b, heads, s, head] input, position ids [b, s] or a [1] offset, cos/sin
      caches, halves or interleaved pairs, all or the first
      `rotary_embedding_dim` entries of each head) -> `loom.rotary` on the
      angles gathered from the caches.

    Reductions must be over the last axis with keepdims, constants must
    have the right values (to 1e-4), and the intermediates must have no
    other users; anything else is left as it is.
  }];
  let dependentDialects = ["::loom::LoomDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::arith::ArithDialect"];
}

def LoomFuseAttentionPass : Pass<"loom-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Rewrite attention as exporters write it into loom.attention";
  let description = [{
    Matches `MatMul(Softmax(Add(Div|Mul(MatMul(Q, Transpose(K')), c), mask)), V')`
    with the softmax on the last axis, the transpose swapping the last two
    axes, a constant positive scale (optional; also one computed from
    constants, as GPT-2's `torch.full([], d ** 0.5)` exports) and an
    optional additive mask
    ([q_len, kv_len] or rank 4), where K' and V' are K and V themselves or
    their repeat_kv (`Reshape(Expand(Unsqueeze(x, 2)))` from
    [b, kv_heads, T, d] to [b, kv_heads * n, T, d], as Hugging Face's
    grouped-query attention writes it). The result is one `loom.attention`
    on the un-repeated K and V: the scores are never materialized and K/V
    are never repeated. Anything else is left alone: a transpose of other
    axes, a scale that is not a constant, a softmax on another axis, an
    intermediate used elsewhere, a repeat that does not match the heads.

    ONNX Runtime's contrib ops become `loom.attention` between head
    splitting and merging (reshape + transpose): `com.microsoft.
    MultiHeadAttention` with separate [b, s, hidden] Q, K, V, an optional
    additive `attention_bias`, `unidirectional` (self-attention lengths
    only) and optional past key/value (the presents are past + new); `com.microsoft.Attention`
    (its Q/K/V projection becomes a MatMul + Add and three slices) without
    `mask_index`, `past` or `attention_bias`; `com.microsoft.
    GroupQueryAttention` with separate Q/K/V, optional (unshared) past
    key/value, optional whole-head rotary (`do_rotary`, halves or
    interleaved pairs) and local window, without softcap or attention bias:
    the present caches are built as ONNX Runtime lays them out (from
    `seqlens_k` and `total_sequence_length` at run time), Q and the new K
    go through `loom.rotary` at each token's position, and the mask follows
    each sequence's valid length. Other forms (packed QKV, MHA key padding
    masks, partial rotary) are left as they are.
  }];
  let dependentDialects = ["::loom::LoomDialect", "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect", "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def LoomSelectSoftmaxPass : Pass<"loom-select-softmax", "mlir::func::FuncOp"> {
  let summary = "Make onnx.Softmax a loom.softmax with a chosen algorithm";
  let description = [{
    Floating-point `onnx.Softmax` (one axis, opset 13 semantics) becomes
    `loom.softmax <algorithm>` on the same axis, so that the evaluation
    algorithm is in the IR: `three_pass` (maximum, sum, outputs), `two_pass`
    (Dukhan & Ablavatski: sum as mantissa/exponent pairs, no maximum pass) or
    `online` (running maximum with a rescaled sum). `auto` (the default)
    takes the fastest measured (docs/performance.md): `two_pass` where the
    lowering calls loomrt's row kernel (f32, last axis) and `three_pass`
    where it generates the loops itself. `loom-compile --softmax` sets it.
  }];
  let options = [
    Option<"algorithm", "algorithm", "std::string", /*default=*/"\"auto\"",
           "auto, three-pass, two-pass or online">
  ];
  let dependentDialects = ["::loom::LoomDialect"];
}

def LoomPartitionPass : Pass<"loom-partition", "mlir::ModuleOp"> {
  let summary = "Split the MLP blocks across ranks (tensor parallelism)";
  let description = [{
    Megatron-style tensor parallelism for `ranks` processes that run the same
    compiled model (MPI; see docs/partition.md). An MLP block is a chain
    that a `onnx.MatMul` with constant `[hidden, D]` weights closes and
    `onnx.MatMul`s with constant `[K, hidden]` weights open, with only
    elementwise ops between (`loom.silu`, `loom.gelu`, `onnx.Mul`,
    `onnx.Add`, ...; constants along the hidden axis, such as biases, are
    split with it) and no value read outside the block. Each opening matmul
    takes this rank's columns of its weights (`loom.shard` on axis 1), the
    ops between run on `hidden / ranks` columns, the closing matmul takes
    the matching rows (`loom.shard` on axis 0), and `loom.all_reduce` sums the
    ranks' partial products. The LM head (a `onnx.MatMul` with constant
    `[D, V]` weights whose result the function returns) is split by
    vocabulary: each rank computes `V / ranks` columns of the logits
    (`loom.shard` on axis 1) and `loom.all_gather` puts them side by side.
    With `attention`, each `loom.attention` whose inputs come from
    projections with constant weights through views to heads (Reshape to
    `[b, s, heads, d]`, Transpose to `[b, heads, s, d]`, rotary, the cache
    Concat with a past argument) and whose output goes back through a view
    to `[b, s, heads * d]` into an output projection is split by heads: each
    rank takes `heads / ranks` query heads and the K/V heads they read
    (grouped-query attention keeps whole groups; a single K/V head, MQA, is
    kept whole on every rank), the views' targets get the split head counts,
    the past and present caches (the function's arguments and results) hold
    this rank's K/V heads, and the output projection is split by rows and
    summed. Every rank ends with the full results, so the rest of the
    model (embedding, norms) runs replicated.

    The module gets `loom.partition_ranks`, from which the compiled library's
    signature says how many processes it needs. Errors: fewer than 2 ranks,
    a block whose hidden size is not a multiple of `ranks`, or no block at
    all.
  }];
  let options = [
    Option<"ranks", "ranks", "int64_t", /*default=*/"2",
           "The number of processes (tensor-parallel ranks)">,
    Option<"attention", "attention", "bool", /*default=*/"false",
           "Also split attention by heads (its KV cache inputs and outputs "
           "then hold this rank's heads: for generation, where the cache is "
           "internal)">
  ];
  let dependentDialects = ["::loom::LoomDialect"];
}

def LoomQuantizePass : Pass<"loom-quantize", "mlir::func::FuncOp"> {
  let summary = "Quantize the weights of MatMul and Gemm to 8, 4 or 2 bits";
  let description = [{
    Weight-only quantization at compile time: each `onnx.MatMul` whose right
    operand is a constant f32 `[K, N]` matrix (directly, or through a
    `Transpose` swapping its axes, as a tied LM head exports), and each
    `onnx.Gemm` with a constant B (`transA` = 0, `alpha` = 1; B either way
    round; C added after in f32), becomes `loom.quantized_matmul` on weights
    packed as `loom-c/QuantizedWeights.h` lays them out:

    - `int8`: symmetric, one scale per output channel (or per `group-size`
      inputs);
    - `int4`: symmetric in groups of `group-size` inputs (default 32), or
      with a zero point per group (`zero-points`);
    - `ternary`: BitNet b1.58's {-1, 0, +1} with the group's mean magnitude
      as its scale (one group per channel unless `group-size` is set). A
      model not trained for it loses most of its quality: this is for
      ternary-trained weights.

    Node names containing one of `keep` (comma-separated) are left in f32,
    which is how the first and last layers are kept in higher precision.
    `lm-head` sets the format of the matmul whose result is a function
    result (the classifier), which is the most sensitive one: `auto` (the
    default: int8 when `mode` is int4 or ternary, else `mode`), `same`
    (`mode`), `f32` (kept), `int8`, `int4` or `ternary`. Matmuls with fewer than `min-elements` weights stay
    in f32: their weights are too few to matter. A mode other than these is
    an error, and so is a function with quantization asked for and no
    matmul to quantize.
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"int8\"",
           "int8, int4 or ternary">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"0",
           "inputs per scale, a multiple of 32 (0: int8 and ternary per channel, "
           "int4 32)">,
    Option<"zeroPoints", "zero-points", "bool", /*default=*/"false",
           "int4 with a zero point per group (asymmetric)">,
    ListOption<"keep", "keep", "std::string",
               "node-name substrings whose matmuls stay in f32">,
    Option<"lmHead", "lm-head", "std::string", /*default=*/"\"auto\"",
           "the classifier's format: auto, same, f32, int8, int4 or ternary">,
    Option<"minElements", "min-elements", "int64_t", /*default=*/"1024",
           "smallest weight matrix (K * N) to quantize">
  ];
  let dependentDialects = ["::loom::LoomDialect"];
}

def LoomFoldQuantizedWeightsPass
    : Pass<"loom-fold-quantized-weights", "mlir::func::FuncOp"> {
  let summary = "Run the model's own quantized weights with loom.quantized_matmul";
  let description = [{
    Pre-quantized models carry integer weights and their scales; this pass
    repacks them, exactly (the same integers and scales, no re-quantization),
    into `loom-c/QuantizedWeights.h`'s layout and replaces the matmul by
    `loom.quantized_matmul`, so that they run quantized instead of
    dequantized to f32 first:

    - `com.microsoft.MatMulNBits` (ONNX Runtime's weight-only format) with
      constant B and scales, 4 or 8 bits, `block_size` of at least 32, no
      `g_idx`; zero points absent, packed uint8, or floats that are whole
      numbers in range; a bias becomes an `onnx.Add` after. At 8 bits the
      zero point is subtracted at compile time, so every `q - zero_point`
      must lie in [-127, 127] (loom's int8 weights are symmetric).
    - `MatMul(x, DequantizeLinear(W, scale, zero_point))` and `Gemm`
      (`transA` = 0, `alpha` = `beta` = 1, either `transB`) with a constant
      int8 or uint8 W, per output channel (or per tensor) scales and zero
      points, and every `q - zero_point` in [-127, 127]: an int8
      per-channel `loom.quantized_matmul`.

    Anything else (2 bits, `block_size` 16, `g_idx`, a non-constant B,
    scales along K) is left in place for the general lowering, which
    dequantizes exactly and multiplies in f32. A MatMulNBits node whose
    attributes and tensors do not fit together (bits other than 2, 4 or 8,
    a block size that is not a power of two of at least 16, shapes that
    contradict K and N) is an error naming the node.
  }];
  let dependentDialects = ["::loom::LoomDialect"];
}

#endif // LOOM_TRANSFORMS_PASSES_TD
