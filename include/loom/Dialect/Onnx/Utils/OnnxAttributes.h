//===- OnnxAttributes.h - reading onnx op attributes and constants -*- C++ -*-===//
//
// Onnx ops keep ONNX's attributes as they were imported (plain integer and
// array attributes) and their constants in onnx.Constant: these read them,
// for the onnx lowering (lib/Conversion/OnnxToLinalg) and the fusions
// (lib/Transforms).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_UTILS_ONNXATTRIBUTES_H
#define LOOM_DIALECT_ONNX_UTILS_ONNXATTRIBUTES_H

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

/// Whether `v` is the result of an op named `name` ("onnx.Mul").
inline bool is(mlir::Value v, llvm::StringRef name) {
  mlir::Operation *op = v.getDefiningOp();
  return op && op->getName().getStringRef() == name;
}

/// The single float of a constant scalar (or one-element tensor): an
/// onnx.Constant, or the arith.constant it becomes when lowered before its
/// users.
inline std::optional<double> scalarConstant(mlir::Value v) {
  mlir::Operation *op = v.getDefiningOp();
  if (!op || (op->getName().getStringRef() != "onnx.Constant" &&
              op->getName().getStringRef() != "arith.constant"))
    return std::nullopt;
  auto dense = op->getAttrOfType<mlir::DenseElementsAttr>("value");
  if (!dense || dense.getNumElements() != 1 ||
      !mlir::isa<mlir::FloatType>(dense.getElementType()))
    return std::nullopt;
  return (*dense.getValues<llvm::APFloat>().begin()).convertToDouble();
}

} // namespace loom::onnx_attributes

#endif // LOOM_DIALECT_ONNX_UTILS_ONNXATTRIBUTES_H
