//===- Passes.h - stage contract checks -------------------------*- C++ -*-===//

#ifndef LOOM_PIPELINES_PASSES_H
#define LOOM_PIPELINES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace loom {

#define GEN_PASS_DECL
#include "loom/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "loom/Pipelines/Passes.h.inc"

} // namespace loom

#endif // LOOM_PIPELINES_PASSES_H
