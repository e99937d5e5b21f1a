//===- ExternalWeights.h - weights in a side file ---------------*- C++ -*-===//

#ifndef LOOM_TARGET_CPU_EXTERNALWEIGHTS_H
#define LOOM_TARGET_CPU_EXTERNALWEIGHTS_H

#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace loom {

/// Moves the constant globals of at least `minBytes` out of `module` (in the
/// LLVM dialect) into `blob`, each at a 64-byte aligned offset. Every use of
/// such a global now loads its address from a pointer global, and the new
/// function `loom_model_bind_weights(ptr base)` sets those pointers from
/// the base address where loomrt maps the file. Returns how many globals
/// moved; `blob` is left empty when none did.
unsigned externalizeWeights(mlir::ModuleOp module, size_t minBytes, std::string &blob);

} // namespace loom

#endif // LOOM_TARGET_CPU_EXTERNALWEIGHTS_H
