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
                           "::mlir::scf::SCFDialect"];
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

#endif // LOOM_CONVERSION_PASSES_TD
