//===- FusionUtils.h - helpers shared by the fusion passes ------*- C++ -*-===//
//
// A fusion builds its loom op on trial and lets the op's verifier decide
// whether the match holds; afterwards the matched onnx ops are left without
// uses and go.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_TRANSFORMS_FUSIONUTILS_H
#define LOOM_LIB_TRANSFORMS_FUSIONUTILS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Verifier.h"

namespace loom::fusion {

/// Verifies an op built on trial without reporting: for a fusion, a
/// failure only means that the pattern does not apply.
inline mlir::LogicalResult verifyQuietly(mlir::Operation *op) {
  mlir::ScopedDiagnosticHandler silence(op->getContext(),
                                        [](mlir::Diagnostic &) { return mlir::success(); });
  return mlir::verify(op, /*verifyRecursively=*/false);
}

/// Erases the onnx ops of `region` that fusion left without uses (in
/// reverse order, so that chains go at once). An empty region (a function
/// declaration) has nothing to erase.
inline void eraseDeadOnnxOps(mlir::Region &region) {
  bool erased = true;
  while (erased) {
    erased = false;
    for (mlir::Block &block : region)
      for (mlir::Operation &op : llvm::make_early_inc_range(llvm::reverse(block))) {
        if (op.getName().getDialectNamespace() == "onnx" && op.use_empty() &&
            op.getNumRegions() == 0 && op.getNumResults() > 0) {
          op.erase();
          erased = true;
        }
      }
  }
}

} // namespace loom::fusion

#endif // LOOM_LIB_TRANSFORMS_FUSIONUTILS_H
