//===- Pipelines.h - loom's named pass pipelines ----------------*- C++ -*-===//
//
// One definition of each stage, shared by loom-compile, loom-opt and tests.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_PIPELINES_PIPELINES_H
#define LOOM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace loom {

/// Graph level: shape refinement (later: fusion into loom ops). Output: onnx
/// (and loom) ops on tensors; what `loom-compile --emit=mlir` prints.
void buildGraphPassPipeline(mlir::OpPassManager &pm);

/// CPU lowering: onnx -> linalg on tensors -> one-shot bufferization -> loops
/// -> LLVM dialect. Entry functions keep a C interface (`_mlir_ciface_NAME`).
mlir::LogicalResult buildCpuLoweringPassPipeline(mlir::OpPassManager &pm);

/// Registers `loom-graph-pipeline` and `loom-cpu-lowering-pipeline` for loom-opt.
void registerPipelines();

} // namespace loom

#endif // LOOM_PIPELINES_PIPELINES_H
