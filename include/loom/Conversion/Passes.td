//===- Passes.td - loom's conversion passes ----------------*- tablegen -*-===//

#ifndef LOOM_CONVERSION_PASSES_TD
#define LOOM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomConvertOnnxToLinalgPass
    : Pass<"loom-convert-onnx-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower onnx ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first CPU lowering: elementwise ops with ONNX (numpy) broadcasting,
    MatMul and Gemm, Softmax (three passes), reductions with constant axes,
    Transpose, Reshape to a static shape, Cast, Where, comparisons and
    constants, on ranked tensors of f32/f64/f16 and signless integers. Dynamic
    dimensions are supported where operands agree on them (a dynamic size
    never broadcasts).

    Every op it cannot lower is reported, all at once, with its ONNX node name
    and the reason, and the pass fails: nothing is silently left behind.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           // loom.attention: a loomrt call on buffers
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::func::FuncDialect"];
}

def LoomLinalgToRuntimeCallsPass
    : Pass<"loom-linalg-to-runtime-calls", "mlir::ModuleOp"> {
  let summary = "Call loomrt's kernels for linalg ops on buffers that it implements";
  let description = [{
    Runs after bufferization. `linalg.matmul` and `linalg.batch_matmul` on f32
    buffers become calls to `loomrt_matmul_f32` / `loomrt_batch_matmul_f32`
    (blocked, packed, multi-threaded GEMM in lib/Runtime/Kernels), declared
    with MLIR's C interface so that the runtime receives memref descriptors.
    Operands are cast to fully dynamic strided layouts, so any view works.
    Other element types keep their linalg form and become loops.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect"];
}

def LoomSerializeSmallParallelLoopsPass
    : Pass<"loom-serialize-small-parallel-loops", "mlir::func::FuncOp"> {
  let summary = "Keep only outermost, large scf.parallel loops parallel";
  let description = [{
    Runs before `convert-scf-to-openmp`: each remaining `scf.parallel` becomes
    one OpenMP parallel region, whose fork and join cost a few microseconds.
    Loops nested in another parallel loop, and loops with a static trip count
    below `min-iterations`, become `scf.for` nests instead. Loops with
    reductions are left alone.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"4096",
           "Static trip counts below this run sequentially">
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect"];
}

def LoomApproximateMathPass
    : Pass<"loom-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Replace f32 transcendental functions with polynomial approximations";
  let description = [{
    `math.exp`, `expm1`, `log`, `log1p`, `log2`, `tanh`, `erf`, `sin`, `cos`
    and `atan` on f32 become arithmetic (MLIR's polynomial approximations,
    accurate to a few ulp): loops over them then vectorize, where calls to
    libm would keep them scalar. Other types keep their libm calls.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
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

def LoomDeclareRuntimeKernelsPass
    : Pass<"loom-declare-runtime-kernels", "mlir::ModuleOp"> {
  let summary = "Declare the loomrt kernels that tensor-level lowerings call";
  let description = [{
    `loom-convert-onnx-to-linalg` runs on each function and must not add
    symbols to the module, so the loomrt functions its lowerings call are
    declared here first, when the module uses the ops that need them:
    `loomrt_attention_f32` and `loomrt_attention_masked_f32` for
    `loom.attention`, `loomrt_softmax_f32` for `loom.softmax` (MLIR's C
    interface: memref descriptors, any layout). Without the declaration,
    `loom.softmax` keeps its generic linalg lowering.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def LoomFuseAttentionPass : Pass<"loom-fuse-attention", "mlir::func::FuncOp"> {
  let summary = "Rewrite attention as exporters write it into loom.attention";
  let description = [{
    Matches `MatMul(Softmax(Add(Div|Mul(MatMul(Q, Transpose(K')), c), mask)), V')`
    with the softmax on the last axis, the transpose swapping the last two
    axes, a constant positive scale (optional) and an optional additive mask
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

#endif // LOOM_CONVERSION_PASSES_TD
