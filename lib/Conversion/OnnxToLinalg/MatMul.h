//===- MatMul.h - the matrix product the onnx lowerings share ---*- C++ -*-===//
//
// Private to lib/Conversion/OnnxToLinalg: lowerings that end in a plain
// matrix product (MatMulNBits after dequantizing) build it like MatMul does.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_CONVERSION_ONNXTOLINALG_MATMUL_H
#define LOOM_LIB_CONVERSION_ONNXTOLINALG_MATMUL_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace loom {

/// a x b with numpy batch broadcasting ([.., M, K] x [.., K, N]): the named
/// form where it applies, else a linalg.generic.
mlir::Value buildMatMul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value a, mlir::Value bm,
                        mlir::RankedTensorType resultType);

} // namespace loom

#endif // LOOM_LIB_CONVERSION_ONNXTOLINALG_MATMUL_H
