//===- Passes.td - onnx dialect passes ---------------------*- tablegen -*-===//

#ifndef LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
#define LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomOnnxRefineShapesPass : Pass<"loom-onnx-refine-shapes", "mlir::func::FuncOp"> {
  let summary = "Evaluate the shape arithmetic of exported graphs and refine result types";
  let description = [{
    Exporters compute shapes at run time: `Shape -> Gather -> Unsqueeze ->
    Concat -> Reshape`, and torch's `expand` as `Equal(shape, -1) -> Where`.
    ONNX's own inference leaves many of those dimensions unknown. This pass
    evaluates every small integer tensor as a vector whose elements are
    constants or symbolic dimensions of some value (`dim i of %x`), uses those
    vectors to type the results of `Reshape` (including `0` and `-1`),
    `Expand`, `ConstantOfShape` and `Tile` (a shape tensor of static length
    whose values are unknown still gives the rank), propagates the refined
    types through elementwise ops, `Shape`, `Transpose`, `MatMul`, `Gemm`,
    `Split` (every result), `Concat`, `Gather`, reductions, `Range`,
    recurrent ops and normalizations, and replaces
    shape computations that turn out constant by `onnx.Constant`. Dimensions
    that stay unknown are the truly dynamic ones (batch, sequence, past length).

    Example: with `%x : tensor<?x?x64xf32>`,
    `%s = Concat(Gather(Shape(%x), 0), Gather(Shape(%x), 1), [8, 8])` and
    `Reshape(%x, %s)` gets the type `tensor<?x?x8x8xf32>` and `%s` stays (it
    depends on the batch and sequence lengths), while a fully constant `%s`
    becomes one `onnx.Constant`.
  }];
  let dependentDialects = ["::loom::onnx::OnnxDialect"];
}

def LoomOnnxWidenHalfPrecisionPass
    : Pass<"loom-onnx-widen-half-precision", "mlir::func::FuncOp"> {
  let summary = "Compute the sums of f16 and bf16 graphs in f32";
  let description = [{
    An f16 model (exported by `model.half()` or converted by
    onnxconverter-common) keeps its matrix products, convolutions,
    reductions, pooling, normalizations and softmaxes in f16. Accumulated in
    f16, a sum of a few thousand terms loses its low digits or overflows
    (65504): a 4096-term MatMul was off by 9%, a global average pool over
    64x64 values of 32 gave inf. PyTorch and ONNX Runtime accumulate in f32,
    and LayerNormalization's default `stash_type` says so. This pass gives
    each such op f32 operands (an `onnx.Cast` of each f16 or bf16 float
    operand) and casts its f16 or bf16 results back, so its arithmetic, and
    loomrt's f32 kernels, run in f32 while the graph between them keeps its
    type. Elementwise ops are left in their type (ONNX computes them there).
  }];
  let dependentDialects = ["::loom::onnx::OnnxDialect"];
}

def LoomOnnxEraseNoOpCastsPass
    : Pass<"loom-onnx-erase-no-op-casts", "mlir::func::FuncOp"> {
  let summary = "Replace onnx.Identity and casts to the operand's own type by the operand";
  let description = [{
    Modeling code converts to the type a tensor already has: LLaMA-style
    `softmax(x, dtype=torch.float32).to(q.dtype)` and Phi's `q.to(float32)`
    export as `onnx.Cast` from f32 to f32, and exporters leave `onnx.Identity`
    behind. Such ops change nothing but stand between the ops that fusion
    matches (attention's MatMul, Softmax, MatMul) and between a cache's
    Concat and the `present` output that loom-decode-wrap-step looks for.
    This pass forwards their operand. It runs after shape refinement, which
    gives a cast's result its operand's shape: only an op whose result type
    equals its operand's type goes (`onnx.Cast` and `onnx.CastLike` to the
    same element type, `onnx.Identity`).

    Example: `%y = "onnx.Cast"(%x) {to = 1 : si64} : (tensor<2x3xf32>) ->
    tensor<2x3xf32>` is replaced by `%x`.

    Likewise a Softmax, LogSoftmax or Hardmax below opset 13 whose input was
    unranked at import is Flatten -> op(axis = 1) -> Reshape (the old
    flattening meaning); once refinement ranks the input and the axis is
    its last, the three become the op with axis -1 (torch exports
    `softmax(dim=-1)` at opsets 11 and 12 with a positive axis, and the
    wrapper kept attention fusion from matching).
  }];
  let dependentDialects = ["::loom::onnx::OnnxDialect"];
}

#endif // LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_TD
