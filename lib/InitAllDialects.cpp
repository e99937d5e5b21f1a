//===- InitAllDialects.cpp - register loom's dialects -----------*- C++ -*-===//

#include "loom/InitAllDialects.h"

#include "loom/Dialect/Decode/IR/DecodeOps.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/IR/DialectRegistry.h"

void loom::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<loom::onnx::OnnxDialect, loom::LoomDialect,
                  loom::decode::DecodeDialect>();
}
