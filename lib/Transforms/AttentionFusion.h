//===- AttentionFusion.h - shared by the attention fusions ------*- C++ -*-===//
//
// loom-fuse-attention's parts: the exported-attention matcher
// (FuseAttention.cpp) and the ONNX Runtime contrib ops
// (FuseContribAttention.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_LIB_TRANSFORMS_ATTENTIONFUSION_H
#define LOOM_LIB_TRANSFORMS_ATTENTIONFUSION_H

#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/IR/Builders.h"

namespace loom::attention_fusion {

/// A generic onnx op (the lowering and shape refinement know them by name).
mlir::Value createOnnx(mlir::OpBuilder &b, mlir::Location loc, llvm::StringRef name,
                       mlir::ValueRange operands, mlir::Type type,
                       llvm::ArrayRef<mlir::NamedAttribute> attrs = {});

/// com.microsoft.MultiHeadAttention, Attention and GroupQueryAttention as
/// loom.attention (with the present caches they return); false, with
/// nothing changed that stays, where their form is not one loom.attention
/// expresses.
bool fuseMultiHeadAttention(loom::onnx::MsMultiHeadAttentionOp op);
bool fuseContribAttention(loom::onnx::MsAttentionOp op);
bool fuseGroupQueryAttention(loom::onnx::MsGroupQueryAttentionOp op);

} // namespace loom::attention_fusion

#endif // LOOM_LIB_TRANSFORMS_ATTENTIONFUSION_H
