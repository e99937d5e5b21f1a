//===- DeclareRuntimeKernels.cpp - loomrt kernels for the lowerings ------===//
//
// The lowerings of loom.attention, loom.softmax and loom.quantized_matmul, and of the onnx ops that
// report run-time errors (integer Div and Mod, the gathers and scatters,
// sizes and axes taken from input values), run on each function and must not add
// symbols to the module, so the loomrt functions they call are declared here
// first.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"
#include "loom/Conversion/RuntimeKernels.h"

namespace loom {
#define GEN_PASS_DEF_LOOMDECLARERUNTIMEKERNELSPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

struct LoomDeclareRuntimeKernelsPass
    : loom::impl::LoomDeclareRuntimeKernelsPassBase<LoomDeclareRuntimeKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool attention = false, softmax = false, runErrors = false, quantized = false,
         conv = false, nms = false, det = false, unique = false;
    module.walk([&](Operation *op) {
      attention |= isa<loom::AttentionOp>(op);
      quantized |= isa<loom::QuantizedMatmulOp>(op);
      softmax |= isa<loom::SoftmaxOp>(op);
      StringRef name = op->getName().getStringRef();
      conv |= name == "onnx.Conv";
      nms |= name == "onnx.NonMaxSuppression";
      det |= name == "onnx.Det";
      unique |= name == "onnx.Unique";
      if ((name == "onnx.Div" || name == "onnx.Mod") && op->getNumResults() == 1)
        if (auto type = dyn_cast<ShapedType>(op->getResult(0).getType()))
          runErrors |= isa<IntegerType>(type.getElementType());
      runErrors |= llvm::is_contained(
          {"onnx.Gather", "onnx.GatherElements", "onnx.GatherND", "onnx.ScatterND",
           "onnx.ScatterElements", "onnx.Scatter", "onnx.NegativeLogLikelihoodLoss",
           "onnx.SoftmaxCrossEntropyLoss", "onnx.ConstantOfShape", "onnx.Range",
           "onnx.Expand", "onnx.Tile", "onnx.Reshape", "onnx.ReverseSequence",
           "onnx.Concat", "onnx.Slice", "onnx.TopK"},
          name);
      // ReduceSum's axes given at run time.
      runErrors |= name == "onnx.ReduceSum" && op->getNumOperands() > 1;
      // Elementwise lowerings check that dynamic sizes agree at run time
      // (buildElementwise): any onnx or loom op on a dynamically shaped tensor.
      if (!runErrors && (name.starts_with("onnx.") || name.starts_with("loom.")))
        runErrors |= llvm::any_of(op->getOperandTypes(), [](Type t) {
          auto ranked = dyn_cast<RankedTensorType>(t);
          return ranked && !ranked.hasStaticShape();
        });
    });
    // Integer Div and Mod report a zero divisor; the gathers, scatters and
    // the losses' class targets an index out of range; ConstantOfShape and
    // Range, Expand, Tile and Reshape a size out of range or a shape that
    // does not fit; ReverseSequence lengths that are not one per batch
    // entry; ReduceSum run-time axes outside the input or giving another
    // shape than the declared one; Concat inputs whose sizes off the axis
    // differ at run time (the onnx lowering); Slice a run-time size other
    // than its static result size; TopK an axis shorter than k; any
    // elementwise op dynamic sizes that differ at run time.
    if (runErrors)
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_report_error);
    // f32 Conv with one or two spatial axes calls loomrt's convolution.
    if (conv)
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_conv2d_f32);
    // NonMaxSuppression, Det and Unique have no linalg form: loomrt's kernel or
    // nothing.
    if (unique) {
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_unique_f32);
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_unique_i64);
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_report_error);
    }
    if (det) {
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_det_f32);
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_report_error);
    }
    if (nms) {
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_non_max_suppression_f32);
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_report_error);
    }
    if (quantized)
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_quantized_matmul_f32);
    if (!attention && !softmax)
      return;
    // The prototypes come from loom-c/Abi.h's kernel table.
    if (softmax)
      loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_softmax_f32);
    if (!attention)
      return;
    loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_attention_f32);
    loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_attention_masked_f32);
  }
};

} // namespace
