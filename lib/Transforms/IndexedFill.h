//===- IndexedFill.h - a tensor computed from its element indices -*- C++ -*-===//
//
// The fusions build masks, caches and angle tables whose every element is a
// function of its indices (and of tensors read at them): one parallel
// linalg.generic over a tensor.empty of the result type.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_TRANSFORMS_INDEXEDFILL_H
#define LOOM_LIB_TRANSFORMS_INDEXEDFILL_H

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace loom {

/// A tensor of `type` (whose dynamic sizes are `dynamicSizes`, in order)
/// whose element at `indices` is element(builder, loc, indices), built in
/// the body of a parallel linalg.generic.
mlir::Value fillFromIndices(
    mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
    mlir::ValueRange dynamicSizes,
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                   mlir::ValueRange indices)>
        element);

} // namespace loom

#endif // LOOM_LIB_TRANSFORMS_INDEXEDFILL_H
