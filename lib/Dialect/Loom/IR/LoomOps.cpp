//===- LoomOps.cpp - loom dialect -------------------------------*- C++ -*-===//
//
// Verifiers and helpers of the fused transformer ops.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "loom-c/Abi.h"
#include "loom-c/QuantizedWeights.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace loom;

// loomrt reads the algorithm as a number (loom-c/Abi.h).
static_assert(int(SoftmaxAlgorithm::three_pass) == LOOM_ABI_SOFTMAX_THREE_PASS &&
                  int(SoftmaxAlgorithm::two_pass) == LOOM_ABI_SOFTMAX_TWO_PASS &&
                  int(SoftmaxAlgorithm::online) == LOOM_ABI_SOFTMAX_ONLINE,
              "loom.softmax's algorithms must be numbered as loom-c/Abi.h says");

#include "loom/Dialect/Loom/IR/LoomDialect.cpp.inc"
#include "loom/Dialect/Loom/IR/LoomEnums.cpp.inc"

void LoomDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "loom/Dialect/Loom/IR/LoomOps.cpp.inc"
      >();
}

/// Two dimensions agree unless both are static and different.
static bool dimsCompatible(int64_t a, int64_t b) {
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

static std::string dimToString(int64_t d) {
  return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
}

//===----------------------------------------------------------------------===//
// AttentionOp
//===----------------------------------------------------------------------===//

LogicalResult AttentionOp::verify() {
  auto q = getQuery().getType();
  auto k = getKey().getType();
  auto v = getValue().getType();
  auto out = getResult().getType();
  for (auto [name, type] : {std::pair<StringRef, RankedTensorType>{"query", q},
                            {"key", k}, {"value", v}, {"result", out}}) {
    if (type.getRank() != 4)
      return emitOpError() << name
                           << " must be [batch, heads, seq, head_dim] (rank 4), got rank "
                           << type.getRank();
  }
  Type elemType = q.getElementType();
  if (k.getElementType() != elemType || v.getElementType() != elemType ||
      out.getElementType() != elemType)
    return emitOpError("query, key, value and result must share one element type");

  int64_t qHeads = q.getDimSize(1), kvHeads = k.getDimSize(1);
  if (ShapedType::isDynamic(qHeads) || ShapedType::isDynamic(kvHeads))
    return emitOpError("head counts must be static, got ")
           << dimToString(qHeads) << " query heads and " << dimToString(kvHeads)
           << " key/value heads";
  if (v.getDimSize(1) != kvHeads)
    return emitOpError("key has ") << kvHeads << " heads but value has "
                                   << dimToString(v.getDimSize(1));
  if (kvHeads <= 0 || qHeads % kvHeads != 0)
    return emitOpError("query heads (")
           << qHeads << ") must be a multiple of key/value heads (" << kvHeads << ")";

  if (!dimsCompatible(q.getDimSize(0), k.getDimSize(0)) ||
      !dimsCompatible(k.getDimSize(0), v.getDimSize(0)))
    return emitOpError("batch sizes of query, key and value differ");
  if (!dimsCompatible(q.getDimSize(3), k.getDimSize(3)))
    return emitOpError("query head_dim (")
           << dimToString(q.getDimSize(3)) << ") differs from key head_dim ("
           << dimToString(k.getDimSize(3)) << ")";
  if (!dimsCompatible(k.getDimSize(2), v.getDimSize(2)))
    return emitOpError("key and value lengths differ: ")
           << dimToString(k.getDimSize(2)) << " vs " << dimToString(v.getDimSize(2));

  int64_t expected[4] = {q.getDimSize(0), qHeads, q.getDimSize(2), v.getDimSize(3)};
  for (int i = 0; i < 4; ++i)
    if (!dimsCompatible(out.getDimSize(i), expected[i]))
      return emitOpError("result dimension ")
             << i << " is " << dimToString(out.getDimSize(i)) << ", expected "
             << dimToString(expected[i]);

  if (Value mask = getMask()) {
    auto m = cast<RankedTensorType>(mask.getType());
    if (!m.getElementType().isInteger(1) && m.getElementType() != elemType)
      return emitOpError("mask must be i1 or the query's element type, got ")
             << m.getElementType();
    if (m.getRank() != 2 && m.getRank() != 4)
      return emitOpError("mask must be [q_len, kv_len] or "
                         "[batch, heads, q_len, kv_len], got rank ")
             << m.getRank();
    int64_t r = m.getRank();
    // A q_len of 1 broadcasts over the query rows (a key padding mask).
    if ((m.getDimSize(r - 2) != 1 && !dimsCompatible(m.getDimSize(r - 2), q.getDimSize(2))) ||
        !dimsCompatible(m.getDimSize(r - 1), k.getDimSize(2)))
      return emitOpError("mask's last two dimensions must be [q_len or 1, kv_len]");
    if (r == 4) {
      int64_t b = m.getDimSize(0), h = m.getDimSize(1);
      if ((b != 1 && !dimsCompatible(b, q.getDimSize(0))) ||
          (h != 1 && !dimsCompatible(h, qHeads)))
        return emitOpError("mask's batch and head dimensions must be 1 or match the query");
    }
  }
  if (auto softcap = getSoftcapAttr()) {
    double c = softcap.getValueAsDouble();
    if (!(c > 0.0) || !std::isfinite(c))
      return emitOpError("softcap must be positive and finite, got ") << c;
  }
  if (auto scale = getScaleAttr()) {
    double s = scale.getValueAsDouble();
    if (!std::isfinite(s) || s <= 0.0)
      return emitOpError("scale must be positive and finite, got ") << s;
  }
  return success();
}

int64_t AttentionOp::getGroupSize() {
  return getQuery().getType().getDimSize(1) / getKey().getType().getDimSize(1);
}

double AttentionOp::getEffectiveScale() {
  if (auto scale = getScaleAttr())
    return scale.getValueAsDouble();
  int64_t headDim = getQuery().getType().getDimSize(3);
  // A dynamic head_dim is resolved at run time by the lowering.
  return ShapedType::isDynamic(headDim) ? 0.0 : 1.0 / std::sqrt(double(headDim));
}

//===----------------------------------------------------------------------===//
// SoftmaxOp
//===----------------------------------------------------------------------===//

LogicalResult SoftmaxOp::verify() {
  int64_t rank = getInput().getType().getRank();
  int64_t axis = getAxis();
  if (rank == 0)
    return emitOpError("input must have at least one dimension");
  if (axis < -rank || axis >= rank)
    return emitOpError("axis ") << axis << " is out of range for rank " << rank;
  return success();
}

int64_t SoftmaxOp::getNormalizedAxis() {
  int64_t axis = getAxis();
  return axis < 0 ? axis + getInput().getType().getRank() : axis;
}

//===----------------------------------------------------------------------===//
// RMSNormOp
//===----------------------------------------------------------------------===//

LogicalResult RMSNormOp::verify() {
  auto in = getInput().getType();
  auto w = getWeight().getType();
  if (getResult().getType() != in)
    return emitOpError("result type ") << getResult().getType()
                                       << " must equal the input type " << in;
  if (in.getRank() == 0)
    return emitOpError("input must have at least one dimension");
  if (w.getRank() != 1)
    return emitOpError("weight must be one-dimensional, got rank ") << w.getRank();
  if (w.getElementType() != in.getElementType())
    return emitOpError("weight element type ")
           << w.getElementType() << " differs from input element type "
           << in.getElementType();
  if (!dimsCompatible(w.getDimSize(0), in.getDimSize(in.getRank() - 1)))
    return emitOpError("weight has ")
           << w.getDimSize(0) << " elements but the normalized dimension has "
           << in.getDimSize(in.getRank() - 1);
  double eps = getEpsilon().convertToDouble();
  if (!std::isfinite(eps) || eps <= 0.0)
    return emitOpError("epsilon must be positive and finite, got ") << eps;
  return success();
}

//===----------------------------------------------------------------------===//
// LayerNormOp
//===----------------------------------------------------------------------===//

LogicalResult LayerNormOp::verify() {
  auto in = getInput().getType();
  if (getResult().getType() != in)
    return emitOpError("result type ") << getResult().getType()
                                       << " must equal the input type " << in;
  if (in.getRank() == 0)
    return emitOpError("input must have at least one dimension");
  for (auto [name, value] : {std::pair<StringRef, Value>{"weight", getWeight()},
                             std::pair<StringRef, Value>{"bias", getBias()}}) {
    if (!value)
      continue;
    auto t = cast<RankedTensorType>(value.getType());
    if (t.getRank() != 1)
      return emitOpError() << name << " must be one-dimensional, got rank " << t.getRank();
    if (t.getElementType() != in.getElementType())
      return emitOpError() << name << " element type " << t.getElementType()
                           << " differs from input element type " << in.getElementType();
    if (!dimsCompatible(t.getDimSize(0), in.getDimSize(in.getRank() - 1)))
      return emitOpError() << name << " has " << t.getDimSize(0)
                           << " elements but the normalized dimension has "
                           << in.getDimSize(in.getRank() - 1);
  }
  double eps = getEpsilon().convertToDouble();
  if (!std::isfinite(eps) || eps <= 0.0)
    return emitOpError("epsilon must be positive and finite, got ") << eps;
  return success();
}

//===----------------------------------------------------------------------===//
// RotaryOp
//===----------------------------------------------------------------------===//

LogicalResult RotaryOp::verify() {
  auto in = getInput().getType();
  auto cos = getCos().getType();
  auto result = getResult().getType();
  if (in.getRank() == 0)
    return emitOpError("input must have at least one dimension");
  if (result.getElementType() != in.getElementType() || result.getRank() != in.getRank() ||
      failed(verifyCompatibleShape(result.getShape(), in.getShape())))
    return emitOpError("result type ") << result << " must match the input type " << in;
  if (getSin().getType() != cos)
    return emitOpError("sin type ") << getSin().getType() << " differs from cos type " << cos;
  if (cos.getElementType() != in.getElementType())
    return emitOpError("cos element type ")
           << cos.getElementType() << " differs from input element type " << in.getElementType();
  if (cos.getRank() == 0 || cos.getRank() > in.getRank())
    return emitOpError("cos/sin must have between 1 and ")
           << in.getRank() << " dimensions, got " << cos.getRank();
  int64_t d = in.getDimSize(in.getRank() - 1);
  if (!ShapedType::isDynamic(d) && d % 2 != 0)
    return emitOpError("the rotated dimension must be even, got ") << d;
  int64_t angles = getPairs() && !ShapedType::isDynamic(d) ? d / 2 : d;
  int64_t last = cos.getDimSize(cos.getRank() - 1);
  if (last != 1 && !dimsCompatible(last, angles))
    return emitOpError("cos/sin last dimension must be ")
           << dimToString(angles) << (getPairs() ? " (half the rotated dimension)" : "")
           << " or 1, got " << last;
  for (int64_t i = 0; i + 1 < cos.getRank(); ++i) {
    int64_t c = cos.getDimSize(i), x = in.getDimSize(in.getRank() - cos.getRank() + i);
    if (c != 1 && !dimsCompatible(c, x))
      return emitOpError("cos/sin dimension ")
             << i << " (" << c << ") does not broadcast to the input's " << x;
  }
  return success();
}

#define GET_OP_CLASSES
#include "loom/Dialect/Loom/IR/LoomOps.cpp.inc"

//===----------------------------------------------------------------------===//
// QuantizedMatmulOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizedMatmulOp::verify() {
  auto in = getInput().getType();
  auto w = getWeights().getType();
  auto s = getScales().getType();
  auto result = getResult().getType();
  int bits = getBits();
  int64_t k = getInFeatures(), group = getGroupSize();
  if (in.getRank() < 2)
    return emitOpError("input must be [rows..., in_features], got ") << in;
  if (in.getDimSize(in.getRank() - 1) != k)
    return emitOpError("input's last dimension must be in_features = ")
           << k << ", got " << in.getDimSize(in.getRank() - 1);
  if (group % LOOM_QW_BLOCK != 0)
    return emitOpError("group_size must be a multiple of ")
           << LOOM_QW_BLOCK << ", got " << group;
  if (w.getRank() != 2 || !w.hasStaticShape())
    return emitOpError("weights must be a static [out_features, row bytes] tensor, got ") << w;
  int64_t n = w.getDimSize(0);
  if (w.getDimSize(1) != loom_qw_row_bytes(k, bits))
    return emitOpError("weights rows must have ")
           << loom_qw_row_bytes(k, bits) << " bytes for " << k << " inputs at " << bits
           << " bits, got " << w.getDimSize(1);
  int64_t groups = loom_qw_groups(k, group);
  if (s.getRank() != 2 || s.getDimSize(0) != n || s.getDimSize(1) != groups)
    return emitOpError("scales must be [") << n << ", " << groups << "], got " << s;
  if (Value zeros = getZeroPoints()) {
    if (bits != 4)
      return emitOpError("zero_points are only for 4-bit weights, got ") << bits << " bits";
    if (cast<RankedTensorType>(zeros.getType()).getShape() != s.getShape())
      return emitOpError("zero_points must have the scales' shape ") << s;
  }
  SmallVector<int64_t> expected(in.getShape());
  expected.back() = n;
  if (result.getRank() != in.getRank() ||
      failed(verifyCompatibleShape(result.getShape(), expected)))
    return emitOpError("result must be the input's shape with its last dimension ")
           << n << ", got " << result;
  return success();
}

//===----------------------------------------------------------------------===//
// ShardOp
//===----------------------------------------------------------------------===//

LogicalResult ShardOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  int64_t axis = getAxis(), ranks = getRanks();
  if (axis >= in.getRank())
    return emitOpError("axis ") << axis << " is outside the input's " << in.getRank()
                                << " dimensions";
  int64_t n = in.getDimSize(axis);
  if (ShapedType::isDynamic(n) || n % ranks != 0)
    return emitOpError("the sharded axis must have a static size that is a multiple of the ")
           << ranks << " ranks, got " << in;
  SmallVector<int64_t> expected(in.getShape());
  expected[axis] = n / ranks;
  if (result.getElementType() != in.getElementType() ||
      failed(verifyCompatibleShape(result.getShape(), expected)) ||
      result.getRank() != in.getRank())
    return emitOpError("result must be the input with dimension ")
           << axis << " of size " << n / ranks << ", got " << result;
  return success();
}

//===----------------------------------------------------------------------===//
// AllGatherOp
//===----------------------------------------------------------------------===//

LogicalResult AllGatherOp::verify() {
  auto in = cast<RankedTensorType>(getInput().getType());
  auto result = cast<RankedTensorType>(getResult().getType());
  if (in.getRank() < 1 || ShapedType::isDynamic(in.getShape().back()))
    return emitOpError("input must have a static last dimension, got ") << in;
  SmallVector<int64_t> expected(in.getShape());
  expected.back() *= getRanks();
  if (result.getRank() != in.getRank() ||
      failed(verifyCompatibleShape(result.getShape(), expected)))
    return emitOpError("result must be the input with its last dimension times ")
           << getRanks() << " (" << expected.back() << "), got " << result;
  return success();
}
