//===- OnnxAttributes.h - reading onnx op attributes and constants -*- C++ -*-===//
//
// Shared by the onnx lowering (OnnxToLinalg.cpp) and attention fusion
// (FuseAttention.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H
#define LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

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

} // namespace loom::onnx_attributes

#endif // LOOM_LIB_CONVERSION_ONNXTOLINALG_ONNXATTRIBUTES_H
