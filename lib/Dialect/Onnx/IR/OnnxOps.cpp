//===- OnnxOps.cpp - onnx dialect -------------------------------*- C++ -*-===//
//
// Registration of the generated ONNX operators and the verifier of the ops that
// are written by hand.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace loom::onnx;

#include "loom/Dialect/Onnx/IR/OnnxDialect.cpp.inc"

void OnnxDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "loom/Dialect/Onnx/IR/OnnxOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// UnsupportedOp
//===----------------------------------------------------------------------===//

LogicalResult UnsupportedOp::verify() {
  if (getOpType().empty())
    return emitOpError("needs a non-empty ONNX op_type");
  return success();
}

#define GET_OP_CLASSES
#include "loom/Dialect/Onnx/IR/OnnxOps.cpp.inc"
