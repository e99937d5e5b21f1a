//===- OnnxToLinalg.cpp - onnx ops to linalg on tensors ---------*- C++ -*-===//
//
// The first CPU lowering of the onnx dialect: each supported op becomes
// linalg.generic (or a named linalg/tensor op) on tensors; bufferization and
// the LLVM lowering take it from there. The lowerings themselves are
// patterns in one file per op family (Elementwise.cpp, MatMul.cpp,
// Reductions.cpp, Normalization.cpp, DataMovement.cpp, TensorCreation.cpp,
// Convolution.cpp, Resampling.cpp, Recurrent.cpp, Losses.cpp,
// Quantization.cpp, ControlFlow.cpp, DataDependentShapes.cpp);
// this pass checks every op first, reporting each one it cannot lower with
// its node name before anything is rewritten.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

namespace loom {
#define GEN_PASS_DEF_LOOMCONVERTONNXTOLINALGPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom;

void loom::populateOnnxToLinalgPatterns(LoweringPatternSet &patterns) {
  populateElementwiseLoweringPatterns(patterns);
  populateMatMulLoweringPatterns(patterns);
  populateReductionLoweringPatterns(patterns);
  populateNormalizationLoweringPatterns(patterns);
  populateDataMovementLoweringPatterns(patterns);
  populateIndexingLoweringPatterns(patterns);
  populateTensorCreationLoweringPatterns(patterns);
  populateConvolutionLoweringPatterns(patterns);
  populateLossLoweringPatterns(patterns);
  populateQuantizationLoweringPatterns(patterns);
  populateControlFlowLoweringPatterns(patterns);
  populateDataDependentShapeLoweringPatterns(patterns);
  populateRecurrentLoweringPatterns(patterns);
  populateResamplingLoweringPatterns(patterns);
}

/// `type` with an unsigned integer element type made signless.
static Type signless(Type type) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked || !ranked.getElementType().isUnsignedInteger())
    return type;
  return ranked.clone(IntegerType::get(type.getContext(),
                                       ranked.getElementType().getIntOrFloatBitWidth()));
}

/// Makes every value in `unsignedValues` signless (arith and linalg want
/// that); constants reinterpret their bits.
static void makeSignless(func::FuncOp func, const llvm::DenseSet<Value> &unsignedValues) {
  for (Value v : unsignedValues)
    v.setType(signless(v.getType()));
  func.walk([&](Operation *op) {
    auto value = op->getAttrOfType<ElementsAttr>("value");
    if (!value || op->getNumResults() != 1 || value.getType() == op->getResult(0).getType())
      return;
    auto type = cast<ShapedType>(op->getResult(0).getType());
    if (auto dense = dyn_cast<DenseElementsAttr>(value))
      op->setAttr("value", dense.bitcast(type.getElementType()));
    else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
      op->setAttr("value", DenseResourceElementsAttr::get(type, resource.getRawHandle()));
  });
  func.setType(FunctionType::get(func.getContext(),
                                 func.front().getArgumentTypes(),
                                 llvm::map_to_vector(func.getResultTypes(), signless)));
}

namespace {
struct LoomConvertOnnxToLinalgPass
    : loom::impl::LoomConvertOnnxToLinalgPassBase<LoomConvertOnnxToLinalgPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (!loom::runtimeKernelsDeclared(func)) {
      func.emitError("loom-convert-onnx-to-linalg needs loomrt's kernels declared in the "
                     "module (its run-time checks call them): run "
                     "loom-declare-runtime-kernels first (the CPU lowering pipeline does)");
      return signalPassFailure();
    }
    LoweringState state;
    state.unsignedValues = collectUnsignedValues(func);
    LoweringPatternSet patterns(&getContext(), state);
    populateOnnxToLinalgPatterns(patterns);
    if (failed(reportUnlowerableOps(findUnlowerableOps(func, patterns, "onnx"))))
      return signalPassFailure();
    if (!state.unsignedValues.empty())
      makeSignless(func, state.unsignedValues);
    if (failed(applyLoweringPatterns(func, patterns, "onnx")))
      signalPassFailure();
  }
};
} // namespace
