//===- QuantizeUtils.h - shared by the quantization passes ------*- C++ -*-===//
//
// loom-quantize (f32 weights quantized at compile time) and
// loom-fold-quantized-weights (weights that come quantized in the model)
// both read constants and write the packed weights of loom.quantized_matmul
// as onnx.Constant ops holding resource blobs.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_TRANSFORMS_QUANTIZEUTILS_H
#define LOOM_LIB_TRANSFORMS_QUANTIZEUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"

#include <optional>
#include <string>
#include <vector>

namespace loom::quantize {

/// The raw bytes of an onnx.Constant whose elements are one byte wide
/// (int8, uint8), row-major; nullopt for anything else.
inline std::optional<std::vector<uint8_t>> constantBytes(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  if (!def || def->getName().getStringRef() != "onnx.Constant")
    return std::nullopt;
  auto attr = def->getAttrOfType<mlir::ElementsAttr>("value");
  auto intType = attr ? mlir::dyn_cast<mlir::IntegerType>(attr.getElementType()) : nullptr;
  if (!intType || intType.getWidth() != 8)
    return std::nullopt;
  std::vector<uint8_t> bytes(size_t(attr.getNumElements()));
  if (auto dense = mlir::dyn_cast<mlir::DenseElementsAttr>(attr)) {
    llvm::ArrayRef<char> raw = dense.getRawData();
    // A splat stores its one element once.
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = uint8_t(raw[dense.isSplat() ? 0 : i]);
    return bytes;
  }
  if (auto resource = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != bytes.size())
      return std::nullopt;
    std::memcpy(bytes.data(), blob->getData().data(), bytes.size());
    return bytes;
  }
  return std::nullopt;
}

/// The f32 values of an onnx.Constant, row-major; nullopt for anything else.
inline std::optional<std::vector<float>> constantFloats(mlir::Value v) {
  mlir::Operation *def = v.getDefiningOp();
  if (!def || def->getName().getStringRef() != "onnx.Constant")
    return std::nullopt;
  auto attr = def->getAttrOfType<mlir::ElementsAttr>("value");
  if (!attr || !attr.getElementType().isF32())
    return std::nullopt;
  std::vector<float> values(size_t(attr.getNumElements()));
  if (auto dense = mlir::dyn_cast<mlir::DenseElementsAttr>(attr)) {
    size_t i = 0;
    for (float x : dense.getValues<float>())
      values[i++] = x;
    return values;
  }
  if (auto resource = mlir::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    mlir::AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != values.size() * sizeof(float))
      return std::nullopt;
    // Resource blobs hold the tensor's bytes as ONNX stores them: little-endian.
    const char *data = blob->getData().data();
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = llvm::support::endian::read<float, llvm::endianness::little>(data + 4 * i);
    return values;
  }
  return std::nullopt;
}

/// The ONNX node name of `op` (its location), else its op name.
inline std::string nodeName(mlir::Operation *op) {
  if (auto name = mlir::dyn_cast<mlir::NameLoc>(op->getLoc()))
    return name.getName().str();
  return op->getName().getStringRef().str();
}

/// `name` with the characters a resource blob key cannot hold replaced.
inline std::string blobKey(llvm::StringRef name) {
  std::string key = name.str();
  for (char &c : key)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  return key;
}

/// An onnx.Constant of `type` holding `bytes` (little-endian elements) as a
/// resource blob named after `name`.
inline mlir::Value makeConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                                llvm::StringRef name, llvm::ArrayRef<char> bytes) {
  auto blob = mlir::HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, alignof(uint64_t));
  auto value = mlir::DenseResourceElementsAttr::get(type, name, std::move(blob));
  mlir::OperationState state(loc, "onnx.Constant");
  state.addAttribute("value", value);
  state.addTypes(type);
  return b.create(state)->getResult(0);
}

/// `result` plus `bias` (an onnx.Add, which broadcasts [N] over [..., N]);
/// `result` itself when there is no bias.
inline mlir::Value addBias(mlir::OpBuilder &b, mlir::Location loc, mlir::Value result,
                           mlir::Value bias) {
  if (!bias)
    return result;
  mlir::OperationState add(loc, "onnx.Add");
  add.addOperands({result, bias});
  add.addTypes(result.getType());
  return b.create(add)->getResult(0);
}

} // namespace loom::quantize

#endif // LOOM_LIB_TRANSFORMS_QUANTIZEUTILS_H
