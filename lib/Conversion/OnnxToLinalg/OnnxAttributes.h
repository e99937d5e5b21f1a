//===- OnnxAttributes.h - reading onnx op attributes and constants -*- C++ -*-===//
//
// Shared by the onnx lowering (OnnxToLinalg.cpp) and the fusions
// (FuseAttention.cpp, FuseTransformerOps.cpp), which also share the small
// graph-matching helpers at the end.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H
#define LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Verifier.h"

#include <optional>

namespace loom::onnx_attributes {

/// The op's integer attribute `name`, if present.
inline std::optional<int64_t> intAttr(mlir::Operation *op, llvm::StringRef name) {
  if (auto attr = op->getAttrOfType<mlir::IntegerAttr>(name))
    return attr.getInt();
  return std::nullopt;
}

/// The op's integer-array attribute `name` (perm, axes, ...), if present.
inline std::optional<llvm::SmallVector<int64_t>> intArrayAttr(mlir::Operation *op,
                                                               llvm::StringRef name) {
  auto attr = op->getAttrOfType<mlir::ArrayAttr>(name);
  if (!attr)
    return std::nullopt;
  llvm::SmallVector<int64_t> out;
  for (mlir::Attribute a : attr)
    out.push_back(mlir::cast<mlir::IntegerAttr>(a).getInt());
  return out;
}

/// Constant integer values of `v` (an onnx.Constant or arith.constant).
inline std::optional<llvm::SmallVector<int64_t>> constantInts(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  if (!def)
    return std::nullopt;
  auto attr = def->getAttrOfType<mlir::DenseIntElementsAttr>("value");
  if (!attr)
    return std::nullopt;
  llvm::SmallVector<int64_t> values;
  for (const llvm::APInt &x : attr.getValues<llvm::APInt>())
    values.push_back(x.getSExtValue());
  return values;
}

/// Whether `v` is the result of an op named `name` ("onnx.Mul").
inline bool is(mlir::Value v, llvm::StringRef name) {
  mlir::Operation *op = v.getDefiningOp();
  return op && op->getName().getStringRef() == name;
}

/// The single float of a constant scalar (or one-element tensor).
inline std::optional<double> scalarConstant(mlir::Value v) {
  mlir::Operation *op = v.getDefiningOp();
  if (!op || op->getName().getStringRef() != "onnx.Constant")
    return std::nullopt;
  auto dense = op->getAttrOfType<mlir::DenseElementsAttr>("value");
  if (!dense || dense.getNumElements() != 1 ||
      !mlir::isa<mlir::FloatType>(dense.getElementType()))
    return std::nullopt;
  return (*dense.getValues<llvm::APFloat>().begin()).convertToDouble();
}

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

} // namespace loom::onnx_attributes

#endif // LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H
