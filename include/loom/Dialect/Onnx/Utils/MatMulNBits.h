//===- MatMulNBits.h - ONNX Runtime's MatMulNBits, its checks ---*- C++ -*-===//
//
// com.microsoft.MatMulNBits (ONNX Runtime's contrib operator) computes
// Y = A x dequantize(B)^T with B quantized along K in blocks:
//   B       uint8 [N, k_blocks, blob_size], k_blocks = ceil(K / block_size),
//           blob_size = block_size * bits / 8; within a block, value j sits
//           at bit (j * bits) % 8 of byte (j * bits) / 8 (low bits first);
//   scales  [N, k_blocks] (or flat [N * k_blocks]), A's float type;
//   zero_points (optional) uint8 packed like B, [N, ceil(k_blocks * bits / 8)]
//           (or flat), or unpacked floats [N, k_blocks]; 2^(bits - 1) when
//           absent;
//   g_idx (optional, deprecated) int32 [K]: the block of each k;
//   bias (optional) [N], added to Y.
// Weight (n, k) = (q - zero_point) * scale of its block. Both the graph
// rewrite (loom-fold-quantized-weights) and the general lowering
// (lib/Conversion/OnnxToLinalg/Quantization.cpp) check a node with
// checkMatMulNBits, so a bad node gets one message whichever path meets it.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_UTILS_MATMULNBITS_H
#define LOOM_DIALECT_ONNX_UTILS_MATMULNBITS_H

#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace loom::onnx {

/// The sizes a MatMulNBits node's attributes imply.
struct MatMulNBitsLayout {
  int64_t k = 0, n = 0, bits = 4, blockSize = 0;
  int64_t blocks() const { return (k + blockSize - 1) / blockSize; }
  int64_t blobBytes() const { return blockSize * bits / 8; }
  /// Bytes of one channel's packed uint8 zero points.
  int64_t zeroPointBytes() const { return (blocks() * bits + 7) / 8; }
};

namespace matmul_nbits_detail {
/// Whether `type` (ranked) is [rows * cols] or [rows, cols], unknown
/// dimensions accepted.
inline bool isMatrixOrFlat(mlir::RankedTensorType type, int64_t rows, int64_t cols) {
  auto fits = [](int64_t dim, int64_t size) {
    return mlir::ShapedType::isDynamic(dim) || dim == size;
  };
  if (type.getRank() == 1)
    return fits(type.getDimSize(0), rows * cols);
  return type.getRank() == 2 && fits(type.getDimSize(0), rows) && fits(type.getDimSize(1), cols);
}
inline std::string typeString(mlir::Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}
} // namespace matmul_nbits_detail

/// Why `op`'s attributes and operands do not fit together (bits, block
/// size, K and N against the tensors' shapes and types), or "" when they
/// do. Operands of unknown rank or size are not held against it. Fills
/// `layout` when given.
inline std::string checkMatMulNBits(MsMatMulNBitsOp op, MatMulNBitsLayout *layout = nullptr) {
  using matmul_nbits_detail::isMatrixOrFlat;
  using matmul_nbits_detail::typeString;
  using onnx_attributes::intAttr;
  MatMulNBitsLayout l;
  l.k = intAttr(op, "K").value_or(0);
  l.n = intAttr(op, "N").value_or(0);
  l.bits = intAttr(op, "bits").value_or(4);
  l.blockSize = intAttr(op, "block_size").value_or(0);
  if (layout)
    *layout = l;
  if (l.bits != 2 && l.bits != 4 && l.bits != 8)
    return "bits must be 2, 4 or 8, got " + std::to_string(l.bits);
  if (l.blockSize < 16 || (l.blockSize & (l.blockSize - 1)) != 0)
    return "block_size must be a power of two of at least 16, got " + std::to_string(l.blockSize);
  if (l.k <= 0 || l.n <= 0)
    return "K and N must be positive, got K = " + std::to_string(l.k) +
           ", N = " + std::to_string(l.n);
  std::string kn = "(K = " + std::to_string(l.k) + ", N = " + std::to_string(l.n) +
                   ", block_size = " + std::to_string(l.blockSize) + ")";
  auto ranked = [](mlir::Value v) { return mlir::dyn_cast<mlir::RankedTensorType>(v.getType()); };
  if (auto a = ranked(op.getA())) {
    int64_t last = a.getRank() ? a.getDimSize(a.getRank() - 1) : 1;
    if (!mlir::ShapedType::isDynamic(last) && last != l.k)
      return "A's last dimension is " + std::to_string(last) + " but K = " + std::to_string(l.k);
  }
  if (auto y = ranked(op.getY())) {
    int64_t last = y.getRank() ? y.getDimSize(y.getRank() - 1) : 1;
    if (!mlir::ShapedType::isDynamic(last) && last != l.n)
      return "Y's last dimension is " + std::to_string(last) + " but N = " + std::to_string(l.n);
  }
  if (auto b = ranked(op.getB())) {
    int64_t expected[3] = {l.n, l.blocks(), l.blobBytes()};
    bool fits = b.getRank() == 3 && b.getElementType().isInteger(8);
    for (int64_t d = 0; fits && d < 3; ++d)
      fits = mlir::ShapedType::isDynamic(b.getDimSize(d)) || b.getDimSize(d) == expected[d];
    if (!fits)
      return "B must be uint8 [N, k_blocks, blob_size] = [" + std::to_string(expected[0]) + ", " +
             std::to_string(expected[1]) + ", " + std::to_string(expected[2]) + "] " + kn +
             ", got " + typeString(b);
  }
  std::string blockShape = "[" + std::to_string(l.n) + ", " + std::to_string(l.blocks()) + "]";
  if (auto s = ranked(op.getScales())) {
    if (!mlir::isa<mlir::FloatType>(s.getElementType()) || !isMatrixOrFlat(s, l.n, l.blocks()))
      return "scales must be floats of shape [N, k_blocks] = " + blockShape + " " + kn + ", got " +
             typeString(s);
  }
  if (mlir::Value zeroPoints = op.getZeroPoints())
    if (auto z = ranked(zeroPoints)) {
      bool packed = z.getElementType().isInteger(8);
      if (packed && !isMatrixOrFlat(z, l.n, l.zeroPointBytes()))
        return "packed uint8 zero_points must be [N, ceil(k_blocks * bits / 8)] = [" +
               std::to_string(l.n) + ", " + std::to_string(l.zeroPointBytes()) + "] " + kn +
               ", got " + typeString(z);
      if (!packed &&
          (!mlir::isa<mlir::FloatType>(z.getElementType()) || !isMatrixOrFlat(z, l.n, l.blocks())))
        return "zero_points must be packed uint8 or floats of shape [N, k_blocks] = " + blockShape +
               " " + kn + ", got " + typeString(z);
    }
  if (mlir::Value gIdx = op.getGIdx())
    if (auto g = ranked(gIdx))
      if (!g.getElementType().isInteger(32) || g.getRank() != 1 || !isMatrixOrFlat(g, l.k, 1))
        return "g_idx must be int32 [K] = [" + std::to_string(l.k) + "], got " + typeString(g);
  if (mlir::Value bias = op.getBias())
    if (auto c = ranked(bias))
      if (!isMatrixOrFlat(c, l.n, 1) || c.getRank() != 1)
        return "bias must be [N] = [" + std::to_string(l.n) + "], got " + typeString(c);
  return "";
}

} // namespace loom::onnx

#endif // LOOM_DIALECT_ONNX_UTILS_MATMULNBITS_H
