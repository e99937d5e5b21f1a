//===- Quantize.cpp - MatMul/Gemm weights packed to 8, 4 or 2 bits --------===//
//
// Decode reads every weight once per token, so its speed is the bytes of
// weights: this pass replaces f32 constant weights by packed int8, int4 or
// ternary ones (loom-c/QuantizedWeights.h), at compile time, and the matmul
// by loom.quantized_matmul, whose kernel reads the packed bytes directly.
// See the pass description in Passes.td for what is matched.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

#include "FusionUtils.h"
#include "QuantizeUtils.h"

#include "loom-c/QuantizedWeights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"



namespace loom {
#define GEN_PASS_DEF_LOOMQUANTIZEPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using loom::onnx_attributes::intAttr;
using loom::quantize::constantFloats;
using loom::quantize::makeConstant;
using loom::quantize::nodeName;

namespace {

/// A weight matrix as output channels: row n of [N, K] is `at(n, k)`.
struct Weights {
  std::vector<float> values;
  int64_t n = 0, k = 0;
  bool channelsAreRows = false; // values is [N, K] (else [K, N])
  float at(int64_t channel, int64_t input) const {
    return channelsAreRows ? values[channel * k + input] : values[input * n + channel];
  }
};

/// B of a MatMul/Gemm as weights: a constant [K, N], a constant [N, K]
/// (`transposed`, Gemm's transB), or the Transpose of a constant [N, K].
std::optional<Weights> weightsOf(Value b, bool transposed) {
  auto type = dyn_cast<RankedTensorType>(b.getType());
  if (!type || type.getRank() != 2 || !type.hasStaticShape())
    return std::nullopt;
  Weights w;
  if (!transposed && loom::onnx_attributes::is(b, "onnx.Transpose")) {
    Operation *t = b.getDefiningOp();
    auto perm = loom::onnx_attributes::intArrayAttr(t, "perm");
    if (perm && *perm != SmallVector<int64_t>{1, 0})
      return std::nullopt;
    b = t->getOperand(0);
    transposed = true;
  }
  auto values = constantFloats(b);
  if (!values)
    return std::nullopt;
  w.values = std::move(*values);
  w.channelsAreRows = transposed;
  return w; // the caller sets n and k from B's type
}

/// Whether `v` is returned by the function, directly or through reshapes
/// (the classifier's logits).
bool reachesReturn(Value v) {
  for (int depth = 0; depth < 4; ++depth) {
    if (!v.hasOneUse())
      return llvm::any_of(v.getUsers(), [](Operation *u) { return isa<func::ReturnOp>(u); });
    Operation *user = *v.getUsers().begin();
    if (isa<func::ReturnOp>(user))
      return true;
    StringRef name = user->getName().getStringRef();
    if (name != "onnx.Reshape" && name != "onnx.Squeeze" && name != "onnx.Unsqueeze" &&
        name != "onnx.Identity")
      return false;
    v = user->getResult(0);
  }
  return false;
}

struct LoomQuantizePass : loom::impl::LoomQuantizePassBase<LoomQuantizePass> {
  using Base::Base;

  static int bitsOf(StringRef format) {
    return format == "int8" ? 8 : format == "int4" ? 4 : format == "ternary" ? 2 : 0;
  }

  void runOnOperation() override {
    int bits = bitsOf(mode);
    if (bits == 0) {
      getOperation().emitError() << "unknown quantization mode '" << mode
                                 << "' (int8, int4 or ternary)";
      return signalPassFailure();
    }
    // auto: the classifier is the most sensitive matmul; at 4 bits and
    // below it keeps 8 (on stories260K: +8.9% perplexity with an int4
    // classifier, +5.7% with an int8 one).
    lmHeadBits = lmHead == "auto"   ? (bits < 8 ? 8 : bits)
                 : lmHead == "same" ? bits
                 : lmHead == "f32"  ? 0
                                    : bitsOf(lmHead);
    if (lmHeadBits == 0 && lmHead != "f32") {
      getOperation().emitError() << "unknown classifier format '" << lmHead
                                 << "' (auto, same, f32, int8, int4 or ternary)";
      return signalPassFailure();
    }
    if (groupSize < 0 || groupSize % LOOM_QW_BLOCK != 0) {
      getOperation().emitError() << "quantization group size must be a positive multiple of "
                                 << LOOM_QW_BLOCK << " (or 0 for the default), got "
                                 << int64_t(groupSize);
      return signalPassFailure();
    }
    if (zeroPoints && bits != 4) {
      getOperation().emitError("zero points are for int4 only");
      return signalPassFailure();
    }
    if (getOperation().isExternal())
      return;
    SmallVector<Operation *> matmuls;
    getOperation().walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if (name == "onnx.MatMul" || name == "onnx.Gemm")
        matmuls.push_back(op);
    });
    int64_t quantized = 0;
    for (Operation *op : matmuls)
      if (succeeded(quantize(op, bits)))
        ++quantized;
    // The f32 weights (and transposes) that only the matmuls read.
    loom::fusion::eraseDeadOnnxOps(getOperation().getBody());
    // A pre-quantized model (loom-fold-quantized-weights made its matmuls
    // quantized already) has nothing left to do: not an error.
    bool preQuantized = false;
    getOperation().walk([&](loom::QuantizedMatmulOp) { preQuantized = true; });
    if (quantized == 0 && !preQuantized) {
      getOperation().emitError()
          << "--quantize=" << mode << " found no MatMul or Gemm with a constant f32 weight "
          << "matrix of at least " << int64_t(minElements) << " elements to quantize ("
          << matmuls.size() << " matmul node(s) in the model"
          << (keep.empty() ? "" : ", some kept by the keep list") << ")";
      return signalPassFailure();
    }
  }

  /// The classifier's bits (0: kept in f32).
  int lmHeadBits = 0;

  LogicalResult quantize(Operation *op, int bits) {
    const int mainBits = bits;
    std::string name = nodeName(op);
    for (const std::string &pattern : keep)
      if (!pattern.empty() && name.find(pattern) != std::string::npos)
        return failure();
    bool gemm = op->getName().getStringRef() == "onnx.Gemm";
    Value a = op->getOperand(0), bias;
    auto aType = dyn_cast<RankedTensorType>(a.getType());
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!aType || !resultType || aType.getRank() < 2 || !aType.getElementType().isF32() ||
        !resultType.getElementType().isF32())
      return failure();
    bool transposed = false;
    if (gemm) {
      if (intAttr(op, "transA").value_or(0) != 0)
        return failure();
      auto floatAttr = [&](StringRef attr) {
        auto f = op->getAttrOfType<FloatAttr>(attr);
        return f ? f.getValueAsDouble() : 1.0;
      };
      if (floatAttr("alpha") != 1.0)
        return failure();
      transposed = intAttr(op, "transB").value_or(0) != 0;
      if (op->getNumOperands() > 2 && op->getOperand(2)) {
        bias = op->getOperand(2);
        if (floatAttr("beta") != 1.0)
          return failure();
      }
    }
    auto bType = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
    if (!bType || bType.getRank() != 2 || !bType.hasStaticShape())
      return failure();
    std::optional<Weights> w = weightsOf(op->getOperand(1), transposed);
    if (!w)
      return failure();
    // B's type is [K, N], or [N, K] for Gemm's transB.
    w->k = bType.getDimSize(transposed && gemm ? 1 : 0);
    w->n = bType.getDimSize(transposed && gemm ? 0 : 1);
    if (w->k * w->n < minElements || aType.getDimSize(aType.getRank() - 1) != w->k)
      return failure();
    bool zeroPointsHere = zeroPoints;
    if (reachesReturn(op->getResult(0)) && lmHeadBits != bits) {
      if (lmHeadBits == 0)
        return failure();
      // Another format for the classifier: its own default group, and zero
      // points only where its format has them.
      bits = lmHeadBits;
      zeroPointsHere = zeroPoints && bits == 4;
    }

    bool ownFormat = bits != mainBits;
    int64_t group = groupSize && !ownFormat ? int64_t(groupSize)
                    : bits == 4             ? 32
                                            : loom_qw_padded_k(w->k);
    int64_t rowBytes = loom_qw_row_bytes(w->k, bits), groups = loom_qw_groups(w->k, group);
    std::vector<char> packed(size_t(w->n * rowBytes));
    std::vector<float> scales(size_t(w->n * groups));
    std::vector<char> zeros(zeroPointsHere ? size_t(w->n * groups) : 0);
    std::vector<float> channel(size_t(w->k));
    for (int64_t j = 0; j < w->n; ++j) {
      for (int64_t t = 0; t < w->k; ++t)
        channel[t] = w->at(j, t);
      loom_qw_quantize_row(channel.data(), w->k, bits, group,
                           reinterpret_cast<uint8_t *>(packed.data() + j * rowBytes),
                           scales.data() + j * groups,
                           zeroPointsHere
                               ? reinterpret_cast<uint8_t *>(zeros.data() + j * groups)
                               : nullptr);
    }

    OpBuilder b(op);
    Location loc = op->getLoc();
    Type i8 = b.getI8Type(), f32 = b.getF32Type();
    std::string blob = loom::quantize::blobKey(name);
    Value packedValue = makeConstant(b, loc, RankedTensorType::get({w->n, rowBytes}, i8),
                                     blob + "_q", packed);
    Value scaleValue = makeConstant(
        b, loc, RankedTensorType::get({w->n, groups}, f32), blob + "_scales",
        ArrayRef<char>(reinterpret_cast<const char *>(scales.data()), scales.size() * 4));
    Value zeroValue;
    if (zeroPointsHere)
      zeroValue = makeConstant(b, loc, RankedTensorType::get({w->n, groups}, i8),
                               blob + "_zero_points", zeros);
    Value result = loom::QuantizedMatmulOp::create(
        b, loc, resultType, a, packedValue, scaleValue, zeroValue, b.getI32IntegerAttr(bits),
        b.getI64IntegerAttr(group), b.getI64IntegerAttr(w->k));
    result = loom::quantize::addBias(b, loc, result, bias);
    op->getResult(0).replaceAllUsesWith(result);
    op->erase();
    return success();
  }
};

} // namespace
