//===- Pipelines.cpp - loom's named pass pipelines --------------*- C++ -*-===//
//
// The stages of the flow, in order. Where later work plugs in is marked here:
// quantization and partitioning are graph rewrites (graph stage), speculation
// and sampling branches rewrite the decode loop (generate stage), the CUDA
// target is a sibling of the CPU lowering.
//
//===----------------------------------------------------------------------===//

#include "loom/Pipelines/Pipelines.h"

#include "loom/Conversion/Passes.h"
#include "loom/Dialect/Onnx/Transforms/Passes.h"
#include "loom/Pipelines/Passes.h"
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void loom::buildGraphPassPipeline(OpPassManager &pm, const GraphPipelineOptions &options) {
  pm.addNestedPass<func::FuncOp>(onnx::createLoomOnnxRefineShapesPass());
  // After refinement, which types a same-type cast like its operand; before
  // fusion and wrap-step, which match the chains such casts interrupt.
  pm.addNestedPass<func::FuncOp>(onnx::createLoomOnnxEraseNoOpCastsPass());
  // f16/bf16 sums in f32 (as PyTorch and ONNX Runtime compute them), before
  // fusion matches the ops in their widened form.
  pm.addNestedPass<func::FuncOp>(onnx::createLoomOnnxWidenHalfPrecisionPass());
  if (options.fuseTransformerOps)
    pm.addNestedPass<func::FuncOp>(createLoomFuseTransformerOpsPass());
  if (options.fuseAttention)
    pm.addNestedPass<func::FuncOp>(createLoomFuseAttentionPass());
  // The model's own quantized weights (MatMulNBits, DequantizeLinear into a
  // MatMul) run packed; always, and before loom-quantize, so that
  // --quantize only sees the f32 weights left.
  pm.addNestedPass<func::FuncOp>(createLoomFoldQuantizedWeightsPass());
  // Quantization after fusion: the matmuls fusion leaves or makes (ONNX
  // Runtime's Attention becomes a projection MatMul) are the ones with
  // constant weights.
  if (options.quantize != "none") {
    LoomQuantizePassOptions quantize;
    quantize.mode = options.quantize;
    quantize.groupSize = options.quantizeGroupSize;
    quantize.zeroPoints = options.quantizeZeroPoints;
    quantize.keep.assign(options.quantizeKeep.begin(), options.quantizeKeep.end());
    quantize.lmHead = options.quantizeLmHead;
    pm.addNestedPass<func::FuncOp>(createLoomQuantizePass(quantize));
  }
  pm.addNestedPass<func::FuncOp>(createLoomSelectSoftmaxPass({options.softmax}));
  // Partitioning on the fused graph, where attention heads and MLP blocks
  // are single ops.
  if (options.partition > 1)
    buildPartitionPassPipeline(pm, options.partition, options.partitionAttention);
  if (options.checkContract)
    pm.addPass(createLoomCheckGraphContractPass());
}

void loom::buildPartitionPassPipeline(OpPassManager &pm, int64_t ranks, bool attention) {
  pm.addPass(createLoomPartitionPass({ranks, attention}));
}

/// The generate stage after its first pass, `wrap` (loom-decode-wrap-step with
/// its options set): shared by the builder and loom-opt's registration, which
/// lets the pass parse its own options.
static void addGenerateStage(OpPassManager &pm, std::unique_ptr<Pass> wrap,
                             std::unique_ptr<Pass> speculate) {
  pm.addPass(std::move(wrap));
  // Speculation (draft, tree verification, commit) rewrites the decode.loop
  // built above; sampling branches will too.
  if (speculate)
    pm.addPass(std::move(speculate));
}

void loom::buildSpeculationPassPipeline(OpPassManager &pm,
                                        const SpeculationOptions &speculation) {
  pm.addPass(decode::createLoomDecodeSpeculatePass(speculation));
}

void loom::buildGeneratePassPipeline(OpPassManager &pm, const GeneratePipelineOptions &options,
                                     const SpeculationOptions *speculation) {
  addGenerateStage(pm, decode::createLoomDecodeWrapStepPass(options),
                   speculation ? decode::createLoomDecodeSpeculatePass(*speculation) : nullptr);
}

// The upstream part is spelled as a pipeline string: it is exactly what one
// would pass to mlir-opt, and it is checked when parsed (the caller must have
// registered upstream passes, as every loom tool does).
static constexpr const char *kCpuBufferize =
    "one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops "
    "function-boundary-type-conversion=identity-layout-map},"
    // (Loops may yield new buffers: an ONNX Loop body builds its carried
    // values afresh each iteration.)
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
    // Heap buffers through MLIR's generic allocation functions, which
    // loom-use-runtime-buffers points at loomrt's buffer cache.
    "finalize-memref-to-llvm{use-generic-functions},convert-arith-to-llvm,"
    "convert-index-to-llvm,convert-func-to-llvm,convert-openmp-to-llvm,convert-cf-to-llvm,"
    "reconcile-unrealized-casts";

LogicalResult loom::buildCpuLoweringPassPipeline(OpPassManager &pm) {
  // Generation first: the decode ops become buffers, loops and loomrt calls
  // around the step functions (a no-op for a model without a decode loop).
  pm.addPass(createLoomLowerDecodePass());
  pm.addPass(createLoomDeclareRuntimeKernelsPass());
  pm.addNestedPass<func::FuncOp>(createLoomConvertOnnxToLinalgPass());
  pm.addNestedPass<func::FuncOp>(createLoomConvertLoomToLinalgPass());
  pm.addPass(createLoomEraseUnusedRuntimeKernelsPass());
  pm.addPass(createLoomNameErrorSitesPass());
  pm.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createLoomApproximateMathPass());
  // Huge graphs (tens of thousands of operations in one function) are cut
  // into runs first: buffer deallocation's simplification compares the
  // buffers of a block pairwise, so its time grew with the square of the
  // graph (13.7 of 33.5 s lowering a chain of 8,000 nodes). Decode steps of
  // 8 layers have about 5,000 operations here and stay whole; the cut after
  // the loops (below) bounds what LLVM sees.
  {
    LoomSplitLargeFunctionsPassOptions cut;
    cut.minOps = 20000;
    cut.maxOps = 2000;
    pm.addPass(createLoomSplitLargeFunctionsPass(cut));
  }
  if (failed(parsePassPipeline(kCpuBufferize, pm)))
    return failure();
  // Elementwise ops over N-D buffers as few loops as their operands allow:
  // one dimension vectorizes, OpenMP's collapsed N-D loop does not.
  pm.addNestedPass<func::FuncOp>(createLoomCollapseElementwiseDimsPass());
  // GEMMs go to loomrt's kernels; the rest of linalg becomes loops.
  pm.addPass(createLoomLinalgToRuntimeCallsPass());
  if (failed(parsePassPipeline(kCpuToLoops, pm)))
    return failure();
  pm.addNestedPass<func::FuncOp>(createLoomSerializeSmallParallelLoopsPass());
  // Bounded functions for LLVM: code generation time linear in the model.
  pm.addPass(createLoomSplitLargeFunctionsPass());
  if (failed(parsePassPipeline(kCpuToLLVM, pm)))
    return failure();
  pm.addPass(createLoomUseRuntimeBuffersPass());
  pm.addPass(createLoomCheckLLVMContractPass());
  return success();
}

void loom::registerPipelines() {
  registerLoomPipelinesPasses();
  PassPipelineRegistration<GraphPipelineOptions>(
      "loom-graph-pipeline",
      "loom's graph stage: shape refinement, no-op casts erased, fusion into loom ops, "
      "softmax selection, the graph contract",
      buildGraphPassPipeline);
  // The generate stage's options are loom-decode-wrap-step's, parsed by the
  // pass itself so that they are defined once (its Passes.td).
  registerPassPipeline(
      "loom-generate-pipeline",
      "loom's generate stage: the decoder step becomes a decode.loop with an in-place KV "
      "cache and sampling (options: those of loom-decode-wrap-step; for speculation, "
      "add loom-decode-speculate after it)",
      [](OpPassManager &pm, StringRef options,
         function_ref<LogicalResult(const Twine &)> errorHandler) -> LogicalResult {
        std::unique_ptr<Pass> wrap = decode::createLoomDecodeWrapStepPass();
        if (failed(wrap->initializeOptions(options, errorHandler)))
          return failure();
        addGenerateStage(pm, std::move(wrap), nullptr);
        return success();
      },
      [](function_ref<void(const mlir::detail::PassOptions &)>) {});
  PassPipelineRegistration<>(
      "loom-cpu-lowering-pipeline",
      "loom's CPU lowering stage: decode, loom and onnx ops to the LLVM dialect",
      [](OpPassManager &pm) { (void)buildCpuLoweringPassPipeline(pm); });
}
