//===- InitAllDialects.h - register loom's dialects -------------*- C++ -*-===//

#ifndef LOOM_INITALLDIALECTS_H
#define LOOM_INITALLDIALECTS_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace loom {

/// Adds the onnx, loom and decode dialects to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);

} // namespace loom

#endif // LOOM_INITALLDIALECTS_H
