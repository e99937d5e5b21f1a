//===- InputSizeConditions.h - run-time size checks the lowering needs -*- C++ -*-===//
//
// The CPU lowering trusts that dynamic sizes it combines agree: an Add of two
// [N] tensors loops over one operand's N and reads the other's as far; a
// MatMul reads K from its first operand. When those sizes come straight from
// the model's inputs, loomrt can check them before any generated code runs,
// and a caller's mismatched shapes get an error instead of reads past the
// end of a buffer. These are the conditions loom-compile records in the
// model's signature.
//
//===----------------------------------------------------------------------===//

#ifndef LOOM_CONVERSION_INPUTSIZECONDITIONS_H
#define LOOM_CONVERSION_INPUTSIZECONDITIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace loom {

/// Input `input`'s dimension `dim` must equal input `otherInput`'s dimension
/// `otherDim`, or, when otherInput < 0, the static size `size`. `needer`
/// names the op that relies on it (e.g. "onnx.Add 'node_3'").
struct InputSizeCondition {
  unsigned input = 0;
  int64_t dim = 0;
  int64_t otherInput = -1, otherDim = 0, size = 0;
  std::string needer;
};

/// The conditions on `func`'s inputs that its elementwise ops (numpy
/// broadcasting only where a size is a static 1), same-shape ops, MatMul and
/// Gemm (K, and M and N with the result) and Concat (every dimension but the
/// axis) rely on, each input dimension tied to the first input dimension (or
/// static size) of its group.
std::vector<InputSizeCondition> findInputSizeConditions(mlir::func::FuncOp func);

/// Whether the lowering treats `opName` as elementwise with broadcasting
/// (lib/Conversion/OnnxToLinalg/OnnxToLinalg.cpp's list).
bool isElementwiseOnnxOp(llvm::StringRef opName);

} // namespace loom

#endif // LOOM_CONVERSION_INPUTSIZECONDITIONS_H
