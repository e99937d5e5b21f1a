//===- OnnxImporter.h - ONNX protobuf to the onnx dialect -------*- C++ -*-===//
//
// The front door of the compiler: reads an ONNX model and produces a module in
// the onnx dialect, one op per node, node names as locations.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_IMPORT_ONNXIMPORTER_H
#define LOOM_IMPORT_ONNXIMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

#include <cstdint>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace loom {

struct OnnxImportOptions {
  /// Run ONNX's own shape inference (with data propagation, which folds the
  /// Shape/Gather/Concat chains exporters write) before importing, so results
  /// get ranked types instead of unknown ones.
  bool inferShapes = true;
  /// Then run loom's own refinement (loom-onnx-refine-shapes), which evaluates
  /// the shape arithmetic ONNX's inference leaves unknown and folds it.
  bool refineShapes = true;
  /// Directory that external-data locations are relative to; by default the
  /// directory of the model file.
  std::string externalDataDir;
  /// Tensors with more elements than this are rejected as corrupt rather than
  /// allocated (2^33 elements: 32 GiB of f32).
  int64_t maxTensorElements = int64_t(1) << 33;
  /// Initializers with at most this many elements stay inline dense attributes
  /// (readable, foldable); larger ones become dense_resource blobs.
  int64_t maxInlineElements = 64;
};

/// Imports the serialized ONNX model `bytes`; `fileName` names it in
/// diagnostics. Every problem is reported through the context's diagnostic
/// handler with the file, node and value it concerns, and yields a null module.
/// Never aborts on malformed input.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(llvm::StringRef bytes, llvm::StringRef fileName,
                mlir::MLIRContext *context,
                const OnnxImportOptions &options = {});

/// Reads and imports the model at `path`; external data is looked up next to it.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModelFile(llvm::StringRef path, mlir::MLIRContext *context,
                    OnnxImportOptions options = {});

/// Lists every onnx.unsupported op in `module` as one error naming each node,
/// its domain and op type. Returns failure if there was any.
mlir::LogicalResult reportUnsupportedOps(mlir::ModuleOp module);

} // namespace loom

#endif // LOOM_IMPORT_ONNXIMPORTER_H
