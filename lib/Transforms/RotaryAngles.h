//===- RotaryAngles.h - cos/sin caches to loom.rotary operands --*- C++ -*-===//
//
// ONNX Runtime's contrib ops (GroupQueryAttention with do_rotary,
// RotaryEmbedding) carry rotary angles as cos/sin caches of
// [max positions, rotary_dim / 2] rows and a position per token; loom.rotary
// takes the angles laid out against its input. These build that layout and
// rotate the leading rotary_dim entries of each head.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_TRANSFORMS_ROTARYANGLES_H
#define LOOM_LIB_TRANSFORMS_ROTARYANGLES_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace loom::rotary {

/// The position of the token at (batch index, sequence index), as an index.
using PositionFn = llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                  mlir::Value batch, mlir::Value seq)>;

/// Rows of `cache` ([positions, rotaryDim / 2]) gathered into `type` (rank
/// 4): element (i0, i1, i2, j) is row position(i[batchDim], i[seqDim]),
/// column j for interleaved pairs or j mod rotaryDim / 2 for halves (each
/// half repeats the row). Positions outside the cache are clamped into it.
/// `dynamicSizes` are the type's dynamic sizes, in order.
mlir::Value gatherAngles(mlir::OpBuilder &b, mlir::Location loc, mlir::Value cache,
                         mlir::RankedTensorType type, mlir::ValueRange dynamicSizes,
                         int64_t batchDim, int64_t seqDim, bool pairs, int64_t rotaryDim,
                         PositionFn position);

/// loom.rotary on the first `rotaryDim` entries of the last dimension of
/// rank-4 `x` (the whole of it when that is rotaryDim); the rest pass
/// through unchanged.
mlir::Value rotateLeading(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                          mlir::Value cos, mlir::Value sin, bool pairs, int64_t rotaryDim);

} // namespace loom::rotary

#endif // LOOM_LIB_TRANSFORMS_ROTARYANGLES_H
