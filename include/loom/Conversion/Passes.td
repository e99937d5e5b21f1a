//===- Passes.td - loom's conversion passes ----------------*- tablegen -*-===//

#ifndef LOOM_CONVERSION_PASSES_TD
#define LOOM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomConvertOnnxToLinalgPass
    : Pass<"loom-convert-onnx-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower onnx ops to linalg, tensor, arith and math on tensors";
  let description = [{
    The first CPU lowering: elementwise ops with ONNX (numpy) broadcasting,
    MatMul and Gemm, Softmax, reductions, data movement (Transpose, Concat,
    Gather, Slice, Split, Expand, reshapes), Cast, constants and shape
    queries, on ranked tensors of floats and integers. Dynamic dimensions are
    supported where operands agree on them (a dynamic size never
    broadcasts). One pattern per op, in a file per op family
    (lib/Conversion/OnnxToLinalg).

    Every op it cannot lower is reported, all at once, with its ONNX node name
    and the reason, and the pass fails: nothing is silently left behind. loom
    ops are left for loom-convert-loom-to-linalg.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           // integer Div/Mod: loomrt_report_error
                           "::mlir::func::FuncDialect",
                           // Conv: loomrt_conv2d_f32 on buffers
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::memref::MemRefDialect"];
}

def LoomConvertLoomToLinalgPass
    : Pass<"loom-convert-loom-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Lower loom's fused ops to loomrt kernel calls and linalg on tensors";
  let description = [{
    loom.attention, and loom.softmax over the last axis of f32 tensors,
    become calls to loomrt's kernels (declared by
    loom-declare-runtime-kernels) on buffers; rms_norm, rotary, layer_norm,
    gelu and silu become linalg generics, as does softmax where no kernel
    takes it (with its algorithm: three-pass, two-pass or online). Ops it
    cannot lower are all reported by node name before anything is rewritten.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
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
    A `linalg.matmul` whose B is a constant `memref.global` (a weight), or a
    view of one at a fixed place, calls `loomrt_matmul_f32_constant_b`
    instead: loomrt packs that B once and keeps the packed copy.
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
    below `min-iterations`, become `scf.for` nests instead. A loop whose trip
    count is dynamic (over a body of static work) gets an `scf.if` that runs
    it in parallel when its work reaches `min-iterations` at run time and a
    sequential copy otherwise. Loops with reductions are left alone.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"4096",
           "Work (iterations) below this runs sequentially">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"];
}

def LoomSplitLargeFunctionsPass
    : Pass<"loom-split-large-functions", "mlir::ModuleOp"> {
  let summary = "Outline consecutive runs of a long function body into functions";
  let description = [{
    LLVM's instruction selection and register allocation grow faster than
    linearly with the size of a function (and of a basic block, once small
    loops are unrolled), so a model of thousands of nodes lowered into one
    function took minutes and gigabytes to compile. This pass cuts the top
    level of each function body (after the loops are formed, before the LLVM
    lowering) into runs of about `max-ops` operations (nested ones counted)
    and moves each run into a private `noinline` function called in its
    place: values from earlier runs come in as arguments, values later runs
    use go out as results. Only functions of more than `min-ops` operations
    are cut: a split decode step of a LLaMA-style model measured about 10%
    slower per token (the cause is not known yet); an 8-layer step has about
    3,000-4,500 operations and stays whole under the default, a 32-layer one
    is split. Constants and global buffers are cloned into each
    run instead (loop bounds stay constants for LLVM); stack allocations
    (`memref.alloca`) are never moved out of their function.

    The CPU pipeline also runs it earlier, on tensors before bufferization,
    for huge functions only (`min-ops=20000 max-ops=2000`): buffer
    deallocation's simplification compares a function's buffers pairwise, so
    lowering one function of tens of thousands of operations took time
    quadratic in the graph. Runs on tensors return fresh tensors; one-shot
    bufferization across the function boundaries makes each run allocate its
    results and the caller free them, without copies.
  }];
  let options = [
    Option<"minOps", "min-ops", "int64_t", /*default=*/"5000",
           "Functions with fewer operations (nested ones included) stay whole">,
    Option<"maxOps", "max-ops", "int64_t", /*default=*/"200",
           "Operations (nested ones included) per outlined run">
  ];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def LoomUseRuntimeBuffersPass
    : Pass<"loom-use-runtime-buffers", "mlir::ModuleOp"> {
  let summary = "Allocate generated code's heap buffers through loomrt's buffer cache";
  let description = [{
    Runs after `finalize-memref-to-llvm{use-generic-functions}`, whose
    allocation and deallocation calls (`_mlir_memref_to_llvm_alloc`,
    `_mlir_memref_to_llvm_aligned_alloc`, `_mlir_memref_to_llvm_free`) it
    renames to loomrt's `loomrt_buffer_alloc`, `loomrt_buffer_aligned_alloc`
    and `loomrt_buffer_free` (named in loom-c/Abi.h). loomrt keeps freed large
    blocks and reuses them on the next run (lib/Runtime/BufferCache.cpp):
    with malloc, every run of a convnet faulted in megabytes of fresh pages.
    The blocks are malloc blocks, so results the caller owns may still be
    released with free().
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def LoomCollapseElementwiseDimsPass
    : Pass<"loom-collapse-elementwise-dims", "mlir::func::FuncOp"> {
  let summary = "Merge the contiguous dimensions of elementwise linalg.generic ops";
  let description = [{
    An elementwise op over a [1, 3, 120, 160] tensor becomes a 4-deep
    parallel loop; OpenMP runs it as one collapsed loop whose body recomputes
    the four indices with divisions and remainders, and LLVM leaves it
    scalar: 35x slower than the same op on the 57,600 elements as one
    dimension, which vectorizes. Each linalg.generic whose body does not
    read its indices and whose buffers are contiguous (identity layouts)
    gets every run of dimensions of one iterator type that all its operands
    hold contiguously (in the same order) merged into one
    (memref.collapse_shape views of its buffers; it runs after
    bufferization): identity-mapped ops become one dimension, a per-channel
    bias over NCHW keeps N and C and merges H and W, an instance norm's sums
    over H and W become one reduction loop. A Reshape with dynamic sizes is
    a copy (a view would need MLIR 22's expand_shape with several dynamic
    sizes in a group) whose body splits every output index into the
    input's by divisions; between contiguous buffers it becomes a flat copy.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
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

def LoomDeclareRuntimeKernelsPass
    : Pass<"loom-declare-runtime-kernels", "mlir::ModuleOp"> {
  let summary = "Declare every loomrt kernel, for the tensor-level lowerings";
  let description = [{
    `loom-convert-onnx-to-linalg` and `loom-convert-loom-to-linalg` run on
    each function and must not add symbols to the module, so the loomrt
    functions their lowerings call (kernels such as `loomrt_attention_f32`,
    `loomrt_softmax_f32`, `loomrt_conv2d_f32`, and `loomrt_report_error`,
    through which generated code fails a run with an error code) are declared
    here first: every kernel of loom-c/Abi.h's table, private, with MLIR's C
    interface where the table says so. Declaring all of them, whatever the
    module holds, means no lowering depends on a list kept by hand; the two
    lowerings refuse to run on a module without the declarations, and
    `loom-erase-unused-runtime-kernels` removes the ones nothing called.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect"];
}

def LoomEraseUnusedRuntimeKernelsPass
    : Pass<"loom-erase-unused-runtime-kernels", "mlir::ModuleOp"> {
  let summary = "Erase the declarations of loomrt kernels that nothing calls";
  let description = [{
    Removes the private declarations of loom-c/Abi.h's kernels that have no
    use left in the module: what `loom-declare-runtime-kernels` declared for
    lowerings that turned out not to need it.
  }];
}

def LoomNameErrorSitesPass : Pass<"loom-name-error-sites", "mlir::ModuleOp"> {
  let summary = "Number the places that report run-time errors and name their nodes";
  let description = [{
    The lowerings report a run-time error (an index out of range, a shape
    that does not fit) by calling `loomrt_report_error(code, site)` with
    site -1. This pass, run once the lowerings are done (module-wide, where
    the per-function lowerings could not write), gives each call the index of
    its node in the module attribute `loom.error_sites`: "node 'NAME'" from
    the call's location, the ONNX node's name (calls of the same node share
    an index). The CPU target writes the list into the signature ("site"
    lines, loom-c/Abi.h), so loomrt's message names the node whose inputs
    were wrong. Calls whose location names no node keep -1.
  }];
}

def LoomLowerDecodePass : Pass<"loom-decode-lower", "mlir::ModuleOp"> {
  let summary = "Lower the decode dialect to buffers, loops and loomrt calls";
  let description = [{
    - `!decode.kv_cache` becomes one buffer
      `memref<layers x 2 x 1 x kv_heads x max_len x head_dim>`
      (`decode.empty_cache` allocates it once);
    - `decode.cache_append` writes its new entries into that buffer
      (`bufferization.materialize_in_destination` into a subview) and reads
      `present` as a view of the filled positions; functions stop returning
      the cache, which is the buffer they were given;
    - `decode.loop` becomes the prefill (the body on the prompt) followed by
      an `scf.while` feeding one token per iteration; tokens are stored in a
      result buffer and reported to loomrt (`loomrt_decode_emit`, which
      runs the caller's callback and its stop tokens); the loop ends at
      `max_new_tokens`, a stop token or a full cache;
    - `decode.sample` calls loomrt's sampler (`loomrt_decode_sample`).
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::cf::ControlFlowDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // LOOM_CONVERSION_PASSES_TD
