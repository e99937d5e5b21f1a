//===- Pipelines.cpp - loom's named pass pipelines --------------*- C++ -*-===//

#include "loom/Pipelines/Pipelines.h"

#include "loom/Conversion/Passes.h"
#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void loom::buildGraphPassPipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(onnx::createLoomOnnxRefineShapesPass());
}

// The upstream part is spelled as a pipeline string: it is exactly what one
// would pass to mlir-opt, and it is checked when parsed (the caller must have
// registered upstream passes, as every loom tool does).
static constexpr const char *kCpuBufferize =
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    // Results are owned by the caller: the deallocation pipeline clones
    // returned arguments and globals, and the clones become alloc + copy.
    "buffer-deallocation-pipeline,convert-bufferization-to-memref";
static constexpr const char *kCpuToLoops = "func.func(convert-linalg-to-parallel-loops)";
static constexpr const char *kCpuToLLVM =
    // Outermost large parallel loops run on OpenMP threads (libomp; loomrt
    // sets their count).
    "convert-scf-to-openmp,"
    // ... which wraps loop bodies in memref.alloca_scope; without allocas
    // inside, canonicalization inlines them (they must go before scf-to-cf).
    "canonicalize,"
    // LLVM intrinsics first (fma, exp, ... vectorize), libm for the rest.
    "convert-math-to-llvm,convert-math-to-libm,convert-scf-to-cf,expand-strided-metadata,"
    "lower-affine,"
    "finalize-memref-to-llvm,convert-arith-to-llvm,"
    "convert-index-to-llvm,convert-func-to-llvm,convert-openmp-to-llvm,convert-cf-to-llvm,"
    "reconcile-unrealized-casts";

LogicalResult loom::buildCpuLoweringPassPipeline(OpPassManager &pm) {
  pm.addPass(createLoomDeclareRuntimeKernelsPass());
  pm.addNestedPass<func::FuncOp>(createLoomConvertOnnxToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createLoomApproximateMathPass());
  if (failed(parsePassPipeline(kCpuBufferize, pm)))
    return failure();
  // GEMMs go to loomrt's kernels; the rest of linalg becomes loops.
  pm.addPass(createLoomLinalgToRuntimeCallsPass());
  if (failed(parsePassPipeline(kCpuToLoops, pm)))
    return failure();
  pm.addNestedPass<func::FuncOp>(createLoomSerializeSmallParallelLoopsPass());
  return parsePassPipeline(kCpuToLLVM, pm);
}

void loom::registerPipelines() {
  PassPipelineRegistration<>(
      "loom-graph-pipeline", "loom's graph-level passes (shape refinement)",
      [](OpPassManager &pm) { buildGraphPassPipeline(pm); });
  PassPipelineRegistration<>(
      "loom-cpu-lowering-pipeline",
      "lower onnx ops on tensors to the LLVM dialect for the CPU",
      [](OpPassManager &pm) { (void)buildCpuLoweringPassPipeline(pm); });
}
