//===- DecodeOps.h - decode dialect -----------------------------*- C++ -*-===//
//
// The decode dialect: generation loop, KV cache and sampling (see DecodeOps.td).
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_DIALECT_DECODE_IR_DECODEOPS_H
#define LOOM_DIALECT_DECODE_IR_DECODEOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "loom/Dialect/Decode/IR/DecodeDialect.h.inc"
#include "loom/Dialect/Decode/IR/DecodeEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "loom/Dialect/Decode/IR/DecodeTypes.h.inc"

#define GET_OP_CLASSES
#include "loom/Dialect/Decode/IR/DecodeOps.h.inc"

#endif // LOOM_DIALECT_DECODE_IR_DECODEOPS_H
