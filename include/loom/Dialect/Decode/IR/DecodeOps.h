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
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "loom/Dialect/Decode/IR/DecodeDialect.h.inc"
#include "loom/Dialect/Decode/IR/DecodeEnums.h.inc"

#define GET_TYPEDEF_CLASSES
#include "loom/Dialect/Decode/IR/DecodeTypes.h.inc"

#define GET_OP_CLASSES
#include "loom/Dialect/Decode/IR/DecodeOps.h.inc"

namespace loom::decode {

/// A speculation tree is a parent index per node: node 0 is the root (parent
/// -1) and every other node's parent is an earlier node. Trees larger than
/// this are refused (verifying one costs a prefill of that many tokens).
inline constexpr int64_t kMaxTreeNodes = 1024;

/// Checks the parent list; the diagnostic names the first bad node.
mlir::LogicalResult verifyTokenTree(llvm::ArrayRef<int64_t> parents,
                                    llvm::function_ref<mlir::InFlightDiagnostic()> emitError);

/// Each node's depth (the root's is 0) of a valid tree.
llvm::SmallVector<int64_t> tokenTreeDepths(llvm::ArrayRef<int64_t> parents);

/// The longest root-to-leaf path of a valid tree, in nodes.
int64_t tokenTreeHeight(llvm::ArrayRef<int64_t> parents);

/// Whether every node is the child of the one before (a single draft chain).
bool isTokenChain(llvm::ArrayRef<int64_t> parents);

} // namespace loom::decode

#endif // LOOM_DIALECT_DECODE_IR_DECODEOPS_H
