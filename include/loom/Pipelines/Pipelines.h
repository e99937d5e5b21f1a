//===- Pipelines.h - loom's named pass pipelines ----------------*- C++ -*-===//
//
// The one definition of loom's flow. Each stage is a pipeline builder with an
// options struct; loom-compile, loom-opt (registered pipelines taking the same
// options) and the Python package (through loom-compile) all call these
// builders, so `loom-opt --loom-graph-pipeline --loom-generate-pipeline`
// prints exactly what `loom-compile --generate --emit=mlir` prints.
//
//   import (lib/Import)  ->  graph  ->  [generate]  ->  cpu lowering  ->  target
//
// Each stage ends with a check of its output contract, so a model that a
// later stage cannot take fails with one diagnostic naming every offending
// node instead of an internal error further down.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_PIPELINES_PIPELINES_H
#define LOOM_PIPELINES_PIPELINES_H

#include "loom/Dialect/Decode/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace loom {

/// Options of the graph stage (`loom-graph-pipeline{...}` in loom-opt, the
/// options of the same names in loom-compile).
struct GraphPipelineOptions : mlir::PassPipelineOptions<GraphPipelineOptions> {
  Option<bool> fuseTransformerOps{
      *this, "fuse-transformer-ops",
      llvm::cl::desc("Rewrite exported RMSNorm, LayerNorm, GELU, SiLU and rotary "
                     "embeddings into loom ops"),
      llvm::cl::init(true)};
  Option<bool> fuseAttention{
      *this, "fuse-attention",
      llvm::cl::desc("Rewrite exported attention into loom.attention"), llvm::cl::init(true)};
  Option<std::string> softmax{
      *this, "softmax",
      llvm::cl::desc("Softmax algorithm: auto, three-pass, two-pass or online"),
      llvm::cl::init("auto")};
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc("Quantize MatMul/Gemm weights: none, int8, int4 or ternary "
                     "(loom-quantize)"),
      llvm::cl::init("none")};
  Option<int64_t> quantizeGroupSize{
      *this, "quantize-group-size",
      llvm::cl::desc("Inputs per quantization scale, a multiple of 32 (0: int8 and ternary "
                     "per channel, int4 32)"),
      llvm::cl::init(0)};
  Option<bool> quantizeZeroPoints{
      *this, "quantize-zero-points",
      llvm::cl::desc("int4 with a zero point per group"), llvm::cl::init(false)};
  ListOption<std::string> quantizeKeep{
      *this, "quantize-keep",
      llvm::cl::desc("Node-name substrings whose matmuls stay in f32")};
  Option<std::string> quantizeLmHead{
      *this, "quantize-lm-head",
      llvm::cl::desc("Format of the matmul producing a function result (the classifier): "
                     "auto (int8 under int4 and ternary), same, f32, int8, int4 or ternary"),
      llvm::cl::init("auto")};
  Option<int64_t> partition{
      *this, "partition",
      llvm::cl::desc("Tensor-parallel ranks to split the MLP blocks across "
                     "(loom-partition); 0 or 1: not partitioned"),
      llvm::cl::init(0)};
  Option<bool> partitionAttention{
      *this, "partition-attention",
      llvm::cl::desc("With partition: split attention by heads too (the KV cache "
                     "arguments then hold each rank's heads; loom-compile does for "
                     "--generate)"),
      llvm::cl::init(false)};
  Option<bool> checkContract{
      *this, "check-contract",
      llvm::cl::desc("End with the graph contract: every onnx and loom op has ranked "
                     "tensor types (false: print whatever the stage produced)"),
      llvm::cl::init(true)};
};

/// Graph stage, on a freshly imported module: shape refinement, fusion into
/// loom ops (transformer ops, attention), softmax selection, the graph
/// contract. Output: onnx and loom ops on ranked tensors.
void buildGraphPassPipeline(mlir::OpPassManager &pm, const GraphPipelineOptions &options);

/// The graph stage's partitioning step alone (loom-partition for `ranks`
/// processes; `attention`: split attention by heads too), which buildGraphPassPipeline includes for options.partition
/// > 1: loom-compile runs it on its own after the rest of the stage, so that
/// a model that cannot be split as asked is told apart (exit 2) from one
/// that does not compile.
void buildPartitionPassPipeline(mlir::OpPassManager &pm, int64_t ranks, bool attention);

/// Options of the generate stage: which inputs and outputs of the exported
/// step are the token ids, positions, mask, past and present caches and
/// logits, the KV cache's length and the compiled-in stop tokens. They are
/// loom-decode-wrap-step's options (one definition, in its Passes.td).
using GeneratePipelineOptions = decode::LoomDecodeWrapStepPassOptions;

/// Options of speculative decoding: the draft source and the tree
/// (loom-decode-speculate's options).
using SpeculationOptions = decode::LoomDecodeSpeculatePassOptions;

/// Generate stage, after the graph stage on a decoder step: the step becomes
/// the body of a decode.loop with an in-place KV cache and sampling
/// (`@loom_generate`); with `speculation`, its one-token steps become
/// draft-verify-commit steps. Sampling branches will rewrite the loop here
/// too.
void buildGeneratePassPipeline(mlir::OpPassManager &pm,
                               const GeneratePipelineOptions &options,
                               const SpeculationOptions *speculation = nullptr);

/// The speculation part of the generate stage alone (what
/// buildGeneratePassPipeline adds with `speculation`): for loom-compile, which
/// links a separate draft model in between and reports a request the
/// speculation cannot serve (exit status 2) apart from a model it cannot
/// wrap.
void buildSpeculationPassPipeline(mlir::OpPassManager &pm,
                                  const SpeculationOptions &speculation);

/// CPU lowering stage, after the graph (and optionally the generate) stage:
/// decode ops to buffers and loomrt calls, loom and onnx ops to linalg on
/// tensors, one-shot bufferization, loomrt's kernels for what it implements,
/// loops (outermost ones on OpenMP threads), the LLVM dialect; ends with the
/// contract that only the LLVM dialect (and OpenMP's, for the parallel loops) is left (failure: an upstream pass it
/// names is not registered; every loom tool registers them). Entry functions marked
/// `llvm.emit_c_interface` keep a C interface (`_mlir_ciface_NAME`). A CUDA
/// target will be a sibling of this stage.
mlir::LogicalResult buildCpuLoweringPassPipeline(mlir::OpPassManager &pm);

/// Registers `loom-graph-pipeline`, `loom-generate-pipeline` and
/// `loom-cpu-lowering-pipeline` for loom-opt, and the contract passes.
void registerPipelines();

} // namespace loom

#endif // LOOM_PIPELINES_PIPELINES_H
