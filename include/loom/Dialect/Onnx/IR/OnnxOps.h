//===- OnnxOps.h - onnx dialect ---------------------------------*- C++ -*-===//
//
// The onnx dialect: one op per ONNX operator (see OnnxDialect.td).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_ONNX_IR_ONNXOPS_H
#define LOOM_DIALECT_ONNX_IR_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"

#include "loom/Dialect/Onnx/IR/OnnxDialect.h.inc"

#define GET_OP_CLASSES
#include "loom/Dialect/Onnx/IR/OnnxOps.h.inc"

#endif // LOOM_DIALECT_ONNX_IR_ONNXOPS_H
