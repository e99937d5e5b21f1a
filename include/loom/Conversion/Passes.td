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

#endif // LOOM_CONVERSION_PASSES_TD
