//===- Passes.h - onnx dialect passes ---------------------------*- C++ -*-===//

#ifndef LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_H
#define LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_H

#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace loom::onnx {

#define GEN_PASS_DECL
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"

/// Refines the result types of `func` (see LoomOnnxRefineShapesPass); also
/// used by the importer, which runs it on every imported graph.
mlir::LogicalResult refineShapes(mlir::func::FuncOp func);

/// Patterns that forward the operand of onnx.Identity and of casts to the
/// operand's own type (see LoomOnnxEraseNoOpCastsPass).
void populateEraseNoOpCastsPatterns(mlir::RewritePatternSet &patterns);

/// Applies those patterns to `func` and nothing else (no folding, no region
/// simplification); also used by loom-decode-wrap-step.
mlir::LogicalResult eraseNoOpCasts(mlir::func::FuncOp func);

/// The work of loom-onnx-widen-half-precision on `func`.
void widenHalfPrecision(mlir::func::FuncOp func);

} // namespace loom::onnx

#endif // LOOM_DIALECT_ONNX_TRANSFORMS_PASSES_H
