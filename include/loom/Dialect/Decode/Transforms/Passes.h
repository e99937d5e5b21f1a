//===- Passes.h - decode dialect passes -------------------------*- C++ -*-===//

#ifndef LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_H
#define LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_H

#include "loom/Dialect/Decode/IR/DecodeOps.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace loom::decode {

#define GEN_PASS_DECL
#include "loom/Dialect/Decode/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "loom/Dialect/Decode/Transforms/Passes.h.inc"

/// Names of the functions loom-decode-wrap-step creates.
inline constexpr const char *kGenerateFunction = "loom_generate";
inline constexpr const char *kPrefillStep = "decode_step_tokens";
inline constexpr const char *kTokenStep = "decode_step_token";
/// ... and loom-decode-speculate: every position's logits for a tree.
inline constexpr const char *kVerifyStep = "decode_step_verify";
/// ... and its self-speculation draft (the target's first layers).
inline constexpr const char *kDraftStep = "decode_step_draft";
/// ... and the steps of a separate draft model: its wrapped steps renamed
/// with this prefix (draft_model_decode_step_token, ..._tokens).
inline constexpr const char *kDraftModelPrefix = "draft_model_";
/// The unit attribute on the op that makes a step's position_ids.
inline constexpr const char *kPositionsMarker = "decode.positions";

/// The most positions a decoder's tables allow, when it has one: the
/// smallest static size of an axis that an onnx.Gather indexes with
/// `graph`'s input `positionArg` (through Cast, Unsqueeze, Squeeze, Reshape,
/// Flatten or Identity), as GPT-2's learned position embeddings or a rotary
/// cos/sin cache are read; `gather` is set to that Gather.
std::optional<int64_t> positionTableSize(mlir::func::FuncOp graph, unsigned positionArg,
                                         mlir::Operation **gather = nullptr);

/// Moves the functions of `draft`, a second decoder wrapped by
/// loom-decode-wrap-step, into `target` for loom-decode-speculate's
/// draft=model: its one-token and several-token steps (and what they call)
/// are renamed with kDraftModelPrefix, its own @loom_generate is dropped.
/// Fails, with an error on `draft`, when it is not such a module or its
/// names collide with the target's.
mlir::LogicalResult adoptDraftModel(mlir::ModuleOp target, mlir::ModuleOp draft);

} // namespace loom::decode

#endif // LOOM_DIALECT_DECODE_TRANSFORMS_PASSES_H
