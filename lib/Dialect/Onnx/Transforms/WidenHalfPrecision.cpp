//===- WidenHalfPrecision.cpp - f16/bf16 sums computed in f32 -------------===//
//
// Each op that sums many terms (products, convolutions, reductions, pooling,
// normalizations, softmax) gets its f16/bf16 float operands cast to f32 and
// its f16/bf16 results cast back. See LoomOnnxWidenHalfPrecisionPass.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringSet.h"

namespace loom::onnx {
#define GEN_PASS_DEF_LOOMONNXWIDENHALFPRECISIONPASS
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"
} // namespace loom::onnx

using namespace mlir;

namespace {

/// Ops whose result elements are sums of many operand elements.
const llvm::StringSet<> kAccumulating = {
    "onnx.MatMul", "onnx.Gemm", "onnx.Conv", "onnx.ConvTranspose", "onnx.Einsum",
    "onnx.ReduceSum", "onnx.ReduceMean", "onnx.ReduceSumSquare", "onnx.ReduceL1",
    "onnx.ReduceL2", "onnx.ReduceLogSum", "onnx.ReduceLogSumExp", "onnx.GlobalAveragePool",
    "onnx.AveragePool", "onnx.LpPool", "onnx.GlobalLpPool", "onnx.LayerNormalization",
    "onnx.InstanceNormalization", "onnx.GroupNormalization", "onnx.MeanVarianceNormalization",
    "onnx.LpNormalization", "onnx.Softmax", "onnx.LogSoftmax", "onnx.CumSum", "onnx.LRN",
    "onnx.SimplifiedLayerNormalization", "onnx.com.microsoft.SkipSimplifiedLayerNormalization"};

bool isHalf(Type element) { return element.isF16() || element.isBF16(); }

/// `type` (a tensor, ranked or not) with element type `element`.
Type withElement(Type type, Type element) {
  if (auto ranked = dyn_cast<RankedTensorType>(type))
    return ranked.clone(element);
  if (isa<UnrankedTensorType>(type))
    return UnrankedTensorType::get(element);
  return type;
}

Type elementOf(Type type) {
  auto shaped = dyn_cast<TensorType>(type);
  return shaped ? shaped.getElementType() : Type();
}

/// ONNX's TensorProto data type number of a float element type.
int64_t onnxDataType(Type element) {
  if (element.isF16())
    return 10;
  if (element.isBF16())
    return 16;
  return 1; // f32
}

Value castTo(OpBuilder &b, Location loc, Value v, Type element) {
  auto to = b.getIntegerAttr(b.getIntegerType(64, /*isSigned=*/true), onnxDataType(element));
  return loom::onnx::CastOp::create(b, loc, withElement(v.getType(), element), v, to);
}

void widen(Operation *op) {
  OpBuilder b(op);
  Location loc = op->getLoc();
  Type f32 = b.getF32Type();
  for (OpOperand &operand : op->getOpOperands())
    if (Type element = elementOf(operand.get().getType()); element && isHalf(element))
      operand.set(castTo(b, loc, operand.get(), f32));
  b.setInsertionPointAfter(op);
  for (OpResult result : op->getResults()) {
    Type element = elementOf(result.getType());
    if (!element || !isHalf(element))
      continue;
    result.setType(withElement(result.getType(), f32));
    Value back = castTo(b, loc, result, element);
    result.replaceAllUsesExcept(back, back.getDefiningOp());
  }
}

struct LoomOnnxWidenHalfPrecisionPass
    : loom::onnx::impl::LoomOnnxWidenHalfPrecisionPassBase<LoomOnnxWidenHalfPrecisionPass> {
  void runOnOperation() override { loom::onnx::widenHalfPrecision(getOperation()); }
};

} // namespace

void loom::onnx::widenHalfPrecision(func::FuncOp func) {
  SmallVector<Operation *> found;
  func.walk([&](Operation *op) {
    if (!kAccumulating.contains(op->getName().getStringRef()))
      return;
    auto isHalfValue = [](Value v) {
      Type element = elementOf(v.getType());
      return element && isHalf(element);
    };
    if (llvm::any_of(op->getOperands(), isHalfValue) || llvm::any_of(op->getResults(), isHalfValue))
      found.push_back(op);
  });
  for (Operation *op : found)
    widen(op);
}
