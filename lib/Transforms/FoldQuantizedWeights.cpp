//===- FoldQuantizedWeights.cpp - a model's quantized weights, packed -----===//
//
// A pre-quantized model (ONNX Runtime's MatMulNBits, or a QDQ graph's
// DequantizeLinear feeding a MatMul) already has integer weights and their
// scales. Dequantizing them to f32 would read four to eight times the bytes
// per token; this pass instead repacks the same integers into
// loom-c/QuantizedWeights.h's layout for loom.quantized_matmul. Nothing is
// re-quantized: every weight loom's kernel sees is exactly the model's
// (q - zero_point) * scale. Forms that layout cannot hold are left to the
// general lowering. See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/MatMulNBits.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

#include "FusionUtils.h"
#include "QuantizeUtils.h"

#include "loom-c/QuantizedWeights.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <cmath>

namespace loom {
#define GEN_PASS_DEF_LOOMFOLDQUANTIZEDWEIGHTSPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using loom::onnx_attributes::intAttr;
using loom::quantize::constantBytes;
using loom::quantize::constantFloats;
using loom::quantize::addBias;
using loom::quantize::makeConstant;
using loom::quantize::nodeName;

namespace {

/// Packed weights of loom.quantized_matmul, filled channel by channel.
struct PackedWeights {
  int bits;
  int64_t n, k, group, rowBytes, groups;
  std::vector<char> rows;
  std::vector<float> scales;
  std::vector<char> zeros; // 4 bits with zero points only

  PackedWeights(int bits, int64_t n, int64_t k, int64_t group, bool withZeros)
      : bits(bits), n(n), k(k), group(group), rowBytes(loom_qw_row_bytes(k, bits)),
        groups(loom_qw_groups(k, group)), rows(size_t(n * rowBytes)), scales(size_t(n * groups)),
        zeros(withZeros ? size_t(n * groups) : 0) {}

  uint8_t *row(int64_t channel) {
    return reinterpret_cast<uint8_t *>(rows.data() + channel * rowBytes);
  }

  /// loom.quantized_matmul of `input` by these weights, with `resultType`.
  Value build(OpBuilder &b, Location loc, StringRef name, Value input,
              RankedTensorType resultType) {
    std::string key = loom::quantize::blobKey(name);
    Type i8 = b.getI8Type();
    Value packed = makeConstant(b, loc, RankedTensorType::get({n, rowBytes}, i8), key + "_q", rows);
    Value scaleValue = makeConstant(
        b, loc, RankedTensorType::get({n, groups}, b.getF32Type()), key + "_scales",
        ArrayRef<char>(reinterpret_cast<const char *>(scales.data()), scales.size() * 4));
    Value zeroValue;
    if (!zeros.empty())
      zeroValue =
          makeConstant(b, loc, RankedTensorType::get({n, groups}, i8), key + "_zero_points", zeros);
    return loom::QuantizedMatmulOp::create(b, loc, resultType, input, packed, scaleValue, zeroValue,
                                           b.getI32IntegerAttr(bits), b.getI64IntegerAttr(group),
                                           b.getI64IntegerAttr(k));
  }
};

/// Whether loom.quantized_matmul can take `input` and give `result`: f32,
/// [rows..., features].
bool isFloatMatrices(Value input, Value result) {
  auto in = dyn_cast<RankedTensorType>(input.getType());
  auto out = dyn_cast<RankedTensorType>(result.getType());
  return in && out && in.getRank() >= 2 && out.getRank() == in.getRank() &&
         in.getElementType().isF32() && out.getElementType().isF32();
}

//===----------------------------------------------------------------------===//
// com.microsoft.MatMulNBits
//===----------------------------------------------------------------------===//

/// The zero point of each (channel, block), from MatMulNBits' optional
/// zero_points: packed uint8, or floats that are whole numbers in
/// [0, 2^bits); nullopt when they are neither (left to the general path).
std::optional<std::vector<int>> nbitsZeroPoints(loom::onnx::MsMatMulNBitsOp op,
                                                const loom::onnx::MatMulNBitsLayout &l) {
  int64_t blocks = l.blocks();
  std::vector<int> zeros(size_t(l.n * blocks), 1 << (l.bits - 1));
  Value z = op.getZeroPoints();
  if (!z)
    return zeros;
  if (auto bytes = constantBytes(z)) {
    int64_t rowBytes = l.zeroPointBytes();
    if (int64_t(bytes->size()) != l.n * rowBytes)
      return std::nullopt;
    unsigned mask = (1u << l.bits) - 1;
    for (int64_t n = 0; n < l.n; ++n)
      for (int64_t g = 0; g < blocks; ++g) {
        int64_t bit = g * l.bits;
        zeros[n * blocks + g] = ((*bytes)[n * rowBytes + bit / 8] >> (bit % 8)) & mask;
      }
    return zeros;
  }
  auto floats = constantFloats(z);
  if (!floats || int64_t(floats->size()) != l.n * blocks)
    return std::nullopt;
  for (size_t i = 0; i < floats->size(); ++i) {
    float v = (*floats)[i];
    if (v != std::nearbyint(v) || v < 0.0f || v >= float(1 << l.bits))
      return std::nullopt;
    zeros[i] = int(v);
  }
  return zeros;
}

/// MatMulNBits as loom.quantized_matmul; failure when its form is one
/// loom's layout cannot hold exactly (the op then stays).
LogicalResult foldMatMulNBits(loom::onnx::MsMatMulNBitsOp op,
                              const loom::onnx::MatMulNBitsLayout &l) {
  // A's last dimension must be K; a dynamic one is checked at run time by
  // the general lowering, which the op then keeps.
  if ((l.bits != 4 && l.bits != 8) || l.blockSize % LOOM_QW_BLOCK != 0 || op.getGIdx() ||
      !isFloatMatrices(op.getA(), op.getY()) ||
      cast<RankedTensorType>(op.getA().getType()).getShape().back() != l.k)
    return failure();
  auto b = constantBytes(op.getB());
  auto scales = constantFloats(op.getScales());
  int64_t blocks = l.blocks(), blob = l.blobBytes();
  if (!b || !scales || int64_t(b->size()) != l.n * blocks * blob ||
      int64_t(scales->size()) != l.n * blocks)
    return failure();
  std::optional<std::vector<int>> zeros = nbitsZeroPoints(op, l);
  if (!zeros)
    return failure();

  // Groups are ONNX Runtime's blocks: block_size is a multiple of 32, so
  // loom's groups over K padded to 32 are the same ceil(K / block_size).
  PackedWeights w(int(l.bits), l.n, l.k, l.blockSize, l.bits == 4 && op.getZeroPoints());
  if (w.groups != blocks)
    return failure();
  int64_t paddedK = loom_qw_padded_k(l.k);
  for (int64_t n = 0; n < l.n; ++n) {
    uint8_t *row = w.row(n);
    for (int64_t k = 0; k < paddedK; ++k) {
      int64_t block = k / l.blockSize, j = k % l.blockSize;
      int zero = (*zeros)[n * blocks + block];
      // Past K: the zero point, a weight of 0 (the kernel's activations are
      // 0 there too).
      int q = zero;
      if (k < l.k) {
        uint8_t byte = (*b)[(n * blocks + block) * blob + j * l.bits / 8];
        q = l.bits == 8 ? byte : (j % 2 == 0 ? byte & 0x0F : byte >> 4);
      }
      if (l.bits == 4) {
        loom_qw_store(row, 4, k, unsigned(q));
        continue;
      }
      // 8 bits: loom's int8 weights are symmetric, so the zero point goes
      // into the integer; -128 is outside the kernel's range.
      int d = q - zero;
      if (d < -127 || d > 127)
        return failure();
      loom_qw_store(row, 8, k, unsigned(uint8_t(int8_t(d))));
    }
    for (int64_t g = 0; g < blocks; ++g) {
      w.scales[n * blocks + g] = (*scales)[n * blocks + g];
      if (!w.zeros.empty())
        w.zeros[n * blocks + g] = char(uint8_t((*zeros)[n * blocks + g]));
    }
  }

  OpBuilder builder(op);
  Location loc = op.getLoc();
  auto resultType = cast<RankedTensorType>(op.getY().getType());
  Value result = w.build(builder, loc, nodeName(op), op.getA(), resultType);
  op.getY().replaceAllUsesWith(addBias(builder, loc, result, op.getBias()));
  op.erase();
  return success();
}

//===----------------------------------------------------------------------===//
// MatMul / Gemm of DequantizeLinear
//===----------------------------------------------------------------------===//

/// MatMul(x, DequantizeLinear(W)) or Gemm(x, DequantizeLinear(W), C) as an
/// int8 per-channel loom.quantized_matmul; failure when the weights are not
/// a constant 8-bit matrix quantized per output channel (or per tensor)
/// with every q - zero_point in [-127, 127].
LogicalResult foldDequantizedMatMul(Operation *op) {
  bool gemm = op->getName().getStringRef() == "onnx.Gemm";
  Value a = op->getOperand(0), bias;
  Value result = op->getResult(0);
  if (!isFloatMatrices(a, result))
    return failure();
  bool channelsAreRows = false; // W is [K, N] unless Gemm's transB makes it [N, K]
  if (gemm) {
    auto floatAttr = [&](StringRef name) {
      auto f = op->getAttrOfType<FloatAttr>(name);
      return f ? f.getValueAsDouble() : 1.0;
    };
    if (intAttr(op, "transA").value_or(0) != 0 || floatAttr("alpha") != 1.0)
      return failure();
    channelsAreRows = intAttr(op, "transB").value_or(0) != 0;
    if (op->getNumOperands() > 2 && op->getOperand(2)) {
      bias = op->getOperand(2);
      if (floatAttr("beta") != 1.0)
        return failure();
    }
  }
  Operation *dq = op->getOperand(1).getDefiningOp();
  if (!dq || dq->getName().getStringRef() != "onnx.DequantizeLinear")
    return failure();
  auto wType = dyn_cast<RankedTensorType>(dq->getOperand(0).getType());
  if (!wType || wType.getRank() != 2 || !wType.hasStaticShape())
    return failure();
  bool isUnsigned = wType.getElementType().isUnsignedInteger(8);
  auto q = constantBytes(dq->getOperand(0));
  auto scales = constantFloats(dq->getOperand(1));
  std::optional<std::vector<uint8_t>> zeroBytes;
  if (dq->getNumOperands() > 2 && dq->getOperand(2)) {
    zeroBytes = constantBytes(dq->getOperand(2));
    if (!zeroBytes)
      return failure();
  }
  if (!q || !scales)
    return failure();
  int64_t k = wType.getDimSize(channelsAreRows ? 1 : 0);
  int64_t n = wType.getDimSize(channelsAreRows ? 0 : 1);
  auto inType = cast<RankedTensorType>(a.getType());
  if (inType.getDimSize(inType.getRank() - 1) != k)
    return failure();
  // Per axis, the parameters must run along the output channels: W's axis
  // 1 for [K, N], 0 for [N, K]. Per tensor is per channel with equal ones.
  int64_t axis = intAttr(dq, "axis").value_or(1);
  if (axis < 0)
    axis += 2;
  int64_t channelAxis = channelsAreRows ? 0 : 1;
  auto perChannel = [&](size_t size) {
    return size == 1 || (size == size_t(n) && axis == channelAxis);
  };
  if (!perChannel(scales->size()) || (zeroBytes && !perChannel(zeroBytes->size())))
    return failure();
  auto valueAt = [&](int64_t channel, int64_t input) {
    uint8_t byte = (*q)[channelsAreRows ? channel * k + input : input * n + channel];
    return isUnsigned ? int(byte) : int(int8_t(byte));
  };
  auto zeroAt = [&](int64_t channel) {
    if (!zeroBytes)
      return 0;
    uint8_t byte = (*zeroBytes)[zeroBytes->size() == 1 ? 0 : channel];
    return isUnsigned ? int(byte) : int(int8_t(byte));
  };

  // Per channel: one group over K padded to 32.
  PackedWeights w(8, n, k, loom_qw_padded_k(k), /*withZeros=*/false);
  for (int64_t c = 0; c < n; ++c) {
    uint8_t *row = w.row(c);
    int zero = zeroAt(c);
    for (int64_t i = 0; i < k; ++i) {
      int d = valueAt(c, i) - zero;
      if (d < -127 || d > 127)
        return failure();
      loom_qw_store(row, 8, i, unsigned(uint8_t(int8_t(d))));
    }
    w.scales[c] = (*scales)[scales->size() == 1 ? 0 : c];
  }

  OpBuilder builder(op);
  Location loc = op->getLoc();
  Value folded = w.build(builder, loc, nodeName(op), a, cast<RankedTensorType>(result.getType()));
  result.replaceAllUsesWith(addBias(builder, loc, folded, bias));
  op->erase();
  return success();
}

struct LoomFoldQuantizedWeightsPass
    : loom::impl::LoomFoldQuantizedWeightsPassBase<LoomFoldQuantizedWeightsPass> {
  void runOnOperation() override {
    if (getOperation().isExternal())
      return;
    SmallVector<Operation *> candidates;
    getOperation().walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if (isa<loom::onnx::MsMatMulNBitsOp>(op) || name == "onnx.MatMul" || name == "onnx.Gemm")
        candidates.push_back(op);
    });
    bool bad = false;
    for (Operation *op : candidates) {
      auto nbits = dyn_cast<loom::onnx::MsMatMulNBitsOp>(op);
      if (!nbits) {
        (void)foldDequantizedMatMul(op);
        continue;
      }
      loom::onnx::MatMulNBitsLayout layout;
      std::string reason = loom::onnx::checkMatMulNBits(nbits, &layout);
      if (!reason.empty()) {
        emitError(op->getLoc()) << "node '" << nodeName(op)
                                << "' (com.microsoft.MatMulNBits): " << reason;
        bad = true;
        continue;
      }
      (void)foldMatMulNBits(nbits, layout);
    }
    // The integer weights and DequantizeLinear ops only the matmuls read.
    loom::fusion::eraseDeadOnnxOps(getOperation().getBody());
    if (bad)
      signalPassFailure();
  }
};

} // namespace
