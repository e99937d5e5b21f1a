//===- Passes.td - stage contract checks -------------------*- tablegen -*-===//
//
// Each of loom's pipelines ends with the check of what it promises the next
// stage, so a model the next stage cannot take fails with one diagnostic that
// names every offending node, never deep inside a later pass.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_PIPELINES_PASSES_TD
#define LOOM_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def LoomCheckGraphContractPass
    : Pass<"loom-check-graph-contract", "mlir::ModuleOp"> {
  let summary = "Check the graph stage's output: onnx and loom ops on ranked tensors, each lowerable";
  let description = [{
    Ends `loom-graph-pipeline`. Every operand and result of an `onnx` or
    `loom` op must be a ranked tensor (or `none`, ONNX's absent optional
    input): the lowerings and the generation rewrite index sizes by dimension.
    Otherwise the pass fails with one error that lists every offending node by
    its ONNX name, op and the value whose rank is unknown. When every tensor
    is ranked, every op must also have a CPU lowering that takes it (the
    lowering patterns' own checks: op, attributes, element types); each one
    that does not gets an error naming the node and why, worded as the
    lowering would word it, before any later stage runs.

    Example error:

    ```
    error: 2 node(s) have tensors of unknown rank, which loom cannot compile yet:
      node '/model/Slice_1' (onnx.Slice): result 0 has type tensor<*xf32>
      node '/model/Concat' (onnx.Concat): operand 0 has type tensor<*xf32>
    ```
  }];
}

def LoomCheckLLVMContractPass : Pass<"loom-check-llvm-contract", "mlir::ModuleOp"> {
  let summary = "Check the CPU lowering's output: only the LLVM and OpenMP dialects";
  let description = [{
    Ends `loom-cpu-lowering-pipeline`: translation to LLVM IR needs every op
    in the `llvm` dialect, or `omp` for the parallel loops. Anything else left behind is a gap in loom's
    lowering, reported with the op names that remain (and the ONNX node of the
    first) rather than as a translation failure.
  }];
}

#endif // LOOM_PIPELINES_PASSES_TD
