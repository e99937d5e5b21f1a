//===- FuseAttention.cpp - exported attention -> loom.attention -----------===//
//
// torch.onnx.export writes scaled dot-product attention as five or six ops
// (and three more per K and V for grouped-query attention's repeat_kv); run
// as written, they materialize the [heads, q_len, kv_len] scores and copy the
// repeated K/V. This pass finds that chain and replaces it with one
// loom.attention, which the CPU lowering runs as a single pass over K/V.
//
//===----------------------------------------------------------------------===//

#include "FusionUtils.h"
#include "IndexedFill.h"
#include "RotaryAngles.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <functional>
#include <limits>

namespace loom {
#define GEN_PASS_DEF_LOOMFUSEATTENTIONPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

RankedTensorType rank4(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 4 ? type : RankedTensorType();
}

using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::is;
using loom::onnx_attributes::scalarConstant;
using loom::fusion::verifyQuietly;
using loom::onnx_attributes::intArrayAttr;

/// The value of a one-element float tensor computed from constants only, as
/// GPT-2 writes its scale: torch.full([], v.size(-1) ** 0.5) exports as
/// Add(ConstantOfShape([]), Pow(Cast(16), 0.5)). Evaluated in double: it
/// becomes loom.attention's f32 scale or is compared with a threshold.
std::optional<double> scalarValue(Value v, int depth = 0) {
  if (auto c = scalarConstant(v))
    return c;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  Operation *op = v.getDefiningOp();
  if (!op || depth > 8 || !type || !type.hasStaticShape() || type.getNumElements() != 1)
    return std::nullopt;
  StringRef name = op->getName().getStringRef();
  // Integer arithmetic rounds differently: only a Cast's operand may be an
  // integer (a constant).
  if (!isa<FloatType>(type.getElementType()) && name != "onnx.Constant")
    return std::nullopt;
  if (name == "onnx.Constant") {
    // An integer scalar, as the operand of a Cast to float.
    auto ints = constantInts(v);
    if (ints && ints->size() == 1)
      return double((*ints)[0]);
    return std::nullopt;
  }
  if (name == "onnx.ConstantOfShape") {
    auto value = op->getAttrOfType<DenseElementsAttr>("value");
    if (!value)
      return 0.0; // ONNX's default fill
    if (value.getNumElements() != 1 || !isa<FloatType>(value.getElementType()))
      return std::nullopt;
    return (*value.getValues<APFloat>().begin()).convertToDouble();
  }
  if ((name == "onnx.Cast" || name == "onnx.Identity" || name == "onnx.Sqrt") &&
      op->getNumOperands() == 1) {
    auto x = scalarValue(op->getOperand(0), depth + 1);
    if (!x)
      return std::nullopt;
    return name == "onnx.Sqrt" ? std::sqrt(*x) : *x;
  }
  if ((name == "onnx.Add" || name == "onnx.Sub" || name == "onnx.Mul" ||
       name == "onnx.Div" || name == "onnx.Pow") &&
      op->getNumOperands() == 2) {
    auto a = scalarValue(op->getOperand(0), depth + 1);
    auto b = scalarValue(op->getOperand(1), depth + 1);
    if (!a || !b)
      return std::nullopt;
    if (name == "onnx.Add")
      return *a + *b;
    if (name == "onnx.Sub")
      return *a - *b;
    if (name == "onnx.Mul")
      return *a * *b;
    if (name == "onnx.Div")
      return *b == 0 ? std::nullopt : std::optional<double>(*a / *b);
    return std::pow(*a, *b);
  }
  return std::nullopt;
}

/// x itself, or, for repeat_kv(x) = Reshape(Expand(Unsqueeze(x, [2])))
/// taking [b, kvh, T, d] to [b, kvh * n, T, d], x (with kv heads kvh).
Value unrepeat(Value v) {
  if (!is(v, "onnx.Reshape"))
    return v;
  Value expanded = v.getDefiningOp()->getOperand(0);
  if (!is(expanded, "onnx.Expand"))
    return v;
  Value unsqueezed = expanded.getDefiningOp()->getOperand(0);
  if (!is(unsqueezed, "onnx.Unsqueeze"))
    return v;
  Operation *unsqueeze = unsqueezed.getDefiningOp();
  SmallVector<int64_t> axes;
  if (auto attr = intArrayAttr(unsqueeze, "axes"))
    axes = *attr; // opset < 13
  else if (unsqueeze->getNumOperands() > 1)
    axes = constantInts(unsqueeze->getOperand(1)).value_or(SmallVector<int64_t>());
  Value x = unsqueeze->getOperand(0);
  auto xType = rank4(x), outType = rank4(v);
  auto eType = dyn_cast<RankedTensorType>(expanded.getType());
  if (axes.size() != 1 || (axes[0] != 2 && axes[0] != -3) || !xType || !outType || !eType ||
      eType.getRank() != 5)
    return v;
  // [b, kvh, 1, T, d] expanded to [b, kvh, n, T, d] and merged to kvh * n heads.
  int64_t kvh = xType.getDimSize(1), n = eType.getDimSize(2);
  if (ShapedType::isDynamic(kvh) || ShapedType::isDynamic(n) ||
      eType.getDimSize(1) != kvh || outType.getDimSize(1) != kvh * n ||
      eType.getDimSize(4) != xType.getDimSize(3) || outType.getDimSize(3) != xType.getDimSize(3))
    return v;
  return x;
}

//===----------------------------------------------------------------------===//
// ONNX Runtime's contrib attention ops
//===----------------------------------------------------------------------===//

/// A generic onnx op (the lowering and shape refinement know them by name).
Value createOnnx(OpBuilder &b, Location loc, StringRef name, ValueRange operands, Type type,
                 ArrayRef<NamedAttribute> attrs = {}) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addTypes(type);
  state.addAttributes(attrs);
  return b.create(state)->getResult(0);
}

/// [b, s, heads * d] -> [b, heads, s, d] (reshape, then swap axes 1 and 2).
Value splitHeads(OpBuilder &b, Location loc, Value x, int64_t heads) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t hidden = type.getDimSize(2);
  int64_t d = hidden / heads;
  auto split = RankedTensorType::get({type.getDimSize(0), type.getDimSize(1), heads, d},
                                     type.getElementType());
  SmallVector<OpFoldResult> shape = {tensor::getMixedSize(b, loc, x, 0),
                                     tensor::getMixedSize(b, loc, x, 1)};
  shape.push_back(b.getIndexAttr(heads));
  shape.push_back(b.getIndexAttr(d));
  Value expanded = tensor::ExpandShapeOp::create(
      b, loc, split, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}, shape);
  auto transposed = RankedTensorType::get({type.getDimSize(0), heads, type.getDimSize(1), d},
                                          type.getElementType());
  return createOnnx(b, loc, "onnx.Transpose", expanded, transposed,
                    {b.getNamedAttr("perm", b.getI64ArrayAttr({0, 2, 1, 3}))});
}

/// [b, heads, s, d] -> [b, s, heads * d].
Value mergeHeads(OpBuilder &b, Location loc, Value x, Type resultType) {
  auto type = cast<RankedTensorType>(x.getType());
  auto transposed = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(2), type.getDimSize(1), type.getDimSize(3)},
      type.getElementType());
  Value t = createOnnx(b, loc, "onnx.Transpose", x, transposed,
                       {b.getNamedAttr("perm", b.getI64ArrayAttr({0, 2, 1, 3}))});
  Value merged = tensor::CollapseShapeOp::create(
      b, loc, t, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  if (merged.getType() != resultType)
    merged = tensor::CastOp::create(b, loc, resultType, merged);
  return merged;
}

/// Whether `v` is all zeros: torch's baddbmm(zeros, q, k^T) exports its
/// first input as ConstantOfShape(0), times beta.
bool isZeros(Value v) {
  if (is(v, "onnx.Mul")) {
    Operation *mul = v.getDefiningOp();
    for (int side : {0, 1}) {
      auto c = scalarValue(mul->getOperand(1 - side));
      if (isZeros(mul->getOperand(side)) && c && std::isfinite(*c))
        return true;
    }
    return false;
  }
  if (is(v, "onnx.ConstantOfShape")) {
    auto value = v.getDefiningOp()->getAttrOfType<DenseElementsAttr>("value");
    if (!value)
      return true; // ONNX's default is a float 0
    if (!value.isSplat() || !isa<FloatType>(value.getElementType()))
      return false;
    return value.getSplatValue<APFloat>().isZero();
  }
  auto c = scalarValue(v);
  return c && *c == 0.0;
}

/// mask + bias (both additive, rank 4), numpy-broadcast.
Value addMasks(OpBuilder &b, Value mask, Value bias) {
  auto m = cast<RankedTensorType>(mask.getType()), c = cast<RankedTensorType>(bias.getType());
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < m.getRank(); ++d) {
    int64_t x = m.getDimSize(d), y = c.getDimSize(d);
    shape.push_back(x == 1 ? y : (y == 1 ? x : (ShapedType::isDynamic(x) ? y : x)));
  }
  return createOnnx(b, bias.getLoc(), "onnx.Add", ValueRange{mask, bias},
                    RankedTensorType::get(shape, m.getElementType()));
}

/// [n, s, d] -> [n / heads, heads, s, d]: the heads that torch's bmm-based
/// attention folds into the batch, unfolded (heads = 1 adds a head axis).
/// Built from onnx ops (Unsqueeze, then Reshape to [-1, heads, 0, 0]) so
/// that shape refinement of the specialized generation steps refines them
/// too. Null if a static n is not a multiple of `heads`.
Value unfoldHeads(OpBuilder &b, Value x, int64_t heads) {
  auto t = dyn_cast<RankedTensorType>(x.getType());
  if (!t || t.getRank() != 3 || (!t.isDynamicDim(0) && t.getDimSize(0) % heads != 0))
    return Value();
  Location loc = x.getLoc();
  auto ints = [&](ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({int64_t(values.size())}, b.getI64Type());
    return createOnnx(b, loc, "onnx.Constant", {}, type,
                      {b.getNamedAttr("value", DenseElementsAttr::get(type, values))});
  };
  int64_t n = t.getDimSize(0);
  Value withAxis = createOnnx(
      b, loc, "onnx.Unsqueeze", {x, ints({1})},
      RankedTensorType::get({n, 1, t.getDimSize(1), t.getDimSize(2)}, t.getElementType()));
  if (heads == 1)
    return withAxis;
  return createOnnx(b, loc, "onnx.Reshape", {withAxis, ints({-1, heads, 0, 0})},
                    RankedTensorType::get({ShapedType::isDynamic(n) ? n : n / heads, heads,
                                           t.getDimSize(1), t.getDimSize(2)},
                                          t.getElementType()));
}

/// Whether `v` is [b, s, hidden] with a static hidden size that `heads`
/// divides, in float.
bool isSplittable(Value v, int64_t heads) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 3 && isa<FloatType>(t.getElementType()) &&
         !t.isDynamicDim(2) && heads > 0 && t.getDimSize(2) % heads == 0;
}

/// Builds loom.attention on a [b, s, heads * d] query and [b, heads, l, d]
/// keys/values and replaces `output` with its [b, s, heads * dv] result. Returns false (and builds
/// nothing that stays) if loom.attention's verifier rejects the shapes.
bool replaceWithAttention(OpBuilder &b, Operation *root, Value output, Value query, Value k,
                          Value v, Value mask, int64_t heads, bool causal,
                          std::optional<float> scale) {
  Location loc = root->getLoc();
  auto outType = dyn_cast<RankedTensorType>(output.getType());
  if (!outType || outType.getRank() != 3)
    return false;
  Value q = splitHeads(b, loc, query, heads);
  auto qt = cast<RankedTensorType>(q.getType()), vt = cast<RankedTensorType>(v.getType());
  auto attnType = RankedTensorType::get(
      {qt.getDimSize(0), heads, qt.getDimSize(2), vt.getDimSize(3)}, qt.getElementType());
  auto attention = loom::AttentionOp::create(b, loc, attnType, q, k, v, mask, causal,
                                             scale ? b.getF32FloatAttr(*scale) : FloatAttr(),
                                             /*softcap=*/FloatAttr());
  if (failed(verifyQuietly(attention)) || !tensor::CastOp::areCastCompatible(
                           RankedTensorType::get({qt.getDimSize(0), qt.getDimSize(2),
                                                  heads * vt.getDimSize(3)},
                                                 qt.getElementType()),
                           outType)) {
    // The split heads are dead and go with the cleanup.
    attention.erase();
    return false;
  }
  output.replaceAllUsesWith(mergeHeads(b, loc, attention.getResult(), outType));
  return true;
}

/// MultiHeadAttention's key_padding_mask as onnxruntime reads it: [b, l]
/// (1 keeps key j of sequence b, 0 masks it) or [b] (the first n_b keys are
/// kept). Other forms (3 b + 2 values) are not taken.
bool isKeyPaddingMask(Value mask, Value query) {
  auto t = dyn_cast<RankedTensorType>(mask.getType());
  if (!t || !t.getElementType().isInteger() || (t.getRank() != 1 && t.getRank() != 2))
    return false;
  int64_t batch = cast<RankedTensorType>(query.getType()).getDimSize(0);
  // A [b] mask must be seen to be one entry per sequence.
  return t.getRank() == 2 || (!t.isDynamicDim(0) && t.getDimSize(0) == batch);
}

/// The additive mask [b, h|1, s, l] of a key padding mask (masked keys get
/// `filter`, onnxruntime's mask_filter_value) plus the attention bias
/// [b|1, h|1, s, l] when there is one; k is [b, heads, l, d], q [b, s, ..].
/// Indices are clamped into the mask, so a mask of the wrong size at run
/// time reads no memory outside it.
Value keyPaddingMask(OpBuilder &b, Location loc, Value padding, Value bias, Value query,
                     Value k, float filter) {
  auto qType = cast<RankedTensorType>(query.getType());
  auto kType = cast<RankedTensorType>(k.getType());
  Type elem = kType.getElementType();
  auto biasType = bias ? cast<RankedTensorType>(bias.getType()) : RankedTensorType();
  int64_t biasHeads = biasType ? biasType.getDimSize(1) : 1;
  auto maskType = RankedTensorType::get(
      {qType.getDimSize(0), biasHeads, qType.getDimSize(1), kType.getDimSize(2)}, elem);
  SmallVector<Value> dynamic;
  if (maskType.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, query, 0));
  if (maskType.isDynamicDim(1))
    dynamic.push_back(tensor::DimOp::create(b, loc, bias, 1));
  if (maskType.isDynamicDim(2))
    dynamic.push_back(tensor::DimOp::create(b, loc, query, 1));
  if (maskType.isDynamicDim(3))
    dynamic.push_back(tensor::DimOp::create(b, loc, k, 2));
  auto padType = cast<RankedTensorType>(padding.getType());
  return loom::fillFromIndices(
      b, loc, maskType, dynamic,
      [&](OpBuilder &nb, Location nloc, ValueRange idx) -> Value {
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
        // min(i, size - 1) along dimension d of t (0 when size is 1).
        auto clampTo = [&](Value i, Value t, int64_t d) -> Value {
          Value last = arith::SubIOp::create(
              nb, nloc, tensor::DimOp::create(nb, nloc, t, d), one);
          return arith::MaxSIOp::create(
              nb, nloc, arith::MinSIOp::create(nb, nloc, i, last), zero);
        };
        Value keep;
        if (padType.getRank() == 2) {
          Value flag = tensor::ExtractOp::create(
              nb, nloc, padding,
              ValueRange{clampTo(idx[0], padding, 0),
                         clampTo(idx[3], padding, 1)});
          Value inRange = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, idx[3],
              tensor::DimOp::create(nb, nloc, padding, 1));
          keep = arith::AndIOp::create(
              nb, nloc, inRange,
              arith::CmpIOp::create(
                  nb, nloc, arith::CmpIPredicate::ne, flag,
                  arith::ConstantOp::create(
                      nb, nloc, nb.getIntegerAttr(flag.getType(), 0))));
        } else {
          Value count = tensor::ExtractOp::create(
              nb, nloc, padding, ValueRange{clampTo(idx[0], padding, 0)});
          Value j =
              arith::IndexCastOp::create(nb, nloc, count.getType(), idx[3]);
          keep = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, j,
                                       count);
        }
        Value y = arith::SelectOp::create(
            nb, nloc, keep,
            arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 0.0)),
            arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, filter)));
        if (bias) {
          SmallVector<Value> at;
          for (int64_t d = 0; d < 4; ++d)
            at.push_back(biasType.getDimSize(d) == 1 &&
                                 maskType.getDimSize(d) != 1
                             ? zero
                             : clampTo(idx[d], bias, d));
          y = arith::AddFOp::create(
              nb, nloc, y, tensor::ExtractOp::create(nb, nloc, bias, at));
        }
        return y;
      });
}

/// com.microsoft.MultiHeadAttention with separate [b, s, hidden] Q, K, V,
/// an optional additive attention_bias, an optional key_padding_mask ([b, l]
/// or [b] lengths), `unidirectional`, and optional past key/value ([b,
/// heads, past, d]: present = past followed by the new keys/values). Not
/// (yet): the packed or 4-D key/value forms, bias, past_sequence_length,
/// the qk output.
bool fuseMultiHeadAttention(loom::onnx::MsMultiHeadAttentionOp op) {
  int64_t heads = op.getNumHeads();
  bool past = op.getPastKey() && op.getPastValue();
  Value padding = op.getKeyPaddingMask();
  auto biasType = op.getAttentionBias()
                      ? dyn_cast<RankedTensorType>(op.getAttentionBias().getType())
                      : RankedTensorType();
  if (padding && (!isKeyPaddingMask(padding, op.getQuery()) ||
                  (op.getAttentionBias() && (!biasType || biasType.getRank() != 4))))
    return false;
  if (!op.getKey() || !op.getValue() || op.getBias() ||
      bool(op.getPastKey()) != bool(op.getPastValue()) || op.getPastSequenceLength() ||
      op.getCacheIndirection() || op->getNumResults() > 3 || op->getNumResults() == 2 ||
      !isSplittable(op.getQuery(), heads) || !isSplittable(op.getKey(), heads) ||
      !isSplittable(op.getValue(), heads))
    return false;
  // unidirectional: onnxruntime's mask is the usual causal one (aligned to
  // the last key) when the new keys are the queries' own tokens; for other
  // key lengths it is neither aligned to the first nor to the last key, so
  // only provably equal lengths are fused.
  if (op.getUnidirectional() != 0) {
    int64_t s = cast<RankedTensorType>(op.getQuery().getType()).getDimSize(1);
    int64_t l = cast<RankedTensorType>(op.getKey().getType()).getDimSize(1);
    if (ShapedType::isDynamic(s) || s != l)
      return false;
  }
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value k = splitHeads(b, loc, op.getKey(), heads), v = splitHeads(b, loc, op.getValue(), heads);
  if (past) {
    auto withPast = [&](Value cache, Value fresh) -> Value {
      auto ct = dyn_cast<RankedTensorType>(cache.getType());
      auto ft = cast<RankedTensorType>(fresh.getType());
      if (!ct || ct.getRank() != 4 || ct.getElementType() != ft.getElementType())
        return {};
      int64_t p = ct.getDimSize(2), n = ft.getDimSize(2);
      auto type = RankedTensorType::get(
          {ft.getDimSize(0), heads,
           ShapedType::isDynamic(p) || ShapedType::isDynamic(n) ? ShapedType::kDynamic : p + n,
           ft.getDimSize(3)},
          ft.getElementType());
      return createOnnx(b, loc, "onnx.Concat", {cache, fresh}, type,
                        {b.getNamedAttr("axis", b.getIntegerAttr(b.getIntegerType(64, /*isSigned=*/true), 2))});
    };
    k = withPast(op.getPastKey(), k);
    v = withPast(op.getPastValue(), v);
    if (!k || !v)
      return false;
  }
  // present_key / present_value, when the node has them.
  Value presents[2];
  if (op->getNumResults() == 3) {
    Value heads4[2] = {k, v};
    for (int i : {0, 1}) {
      auto t = dyn_cast<RankedTensorType>(op->getResult(1 + i).getType());
      if (!t || !tensor::CastOp::areCastCompatible(cast<RankedTensorType>(heads4[i].getType()), t))
        return false;
      presents[i] = heads4[i].getType() == t
                        ? heads4[i]
                        : tensor::CastOp::create(b, loc, t, heads4[i]).getResult();
    }
  }
  std::optional<float> scale;
  if (auto attr = op.getScaleAttr())
    scale = attr.getValueAsDouble();
  Value mask = op.getAttentionBias();
  if (padding) {
    float filter = -10000.0f; // onnxruntime's default mask_filter_value
    if (auto attr = op.getMaskFilterValueAttr())
      filter = float(attr.getValueAsDouble());
    mask = keyPaddingMask(b, loc, padding, op.getAttentionBias(), op.getQuery(), k, filter);
  }
  if (!replaceWithAttention(b, op, op->getResult(0), op.getQuery(), k, v, mask, heads,
                            op.getUnidirectional() != 0, scale))
    return false;
  if (presents[0]) {
    op->getResult(1).replaceAllUsesWith(presents[0]);
    op->getResult(2).replaceAllUsesWith(presents[1]);
  }
  op->erase();
  return true;
}

/// com.microsoft.Attention: Q, K, V = input x weights + bias (three equal
/// slices), then multi-head attention, causal if `unidirectional`, with an
/// optional mask_index of [b, l] flags or [b] valid key counts (as
/// MultiHeadAttention's key padding mask). Not (yet): the other mask_index
/// forms, past, attention_bias, unequal qkv_hidden_sizes.
bool fuseContribAttention(loom::onnx::MsAttentionOp op) {
  int64_t heads = op.getNumHeads();
  auto inType = dyn_cast<RankedTensorType>(op.getInput().getType());
  auto wType = dyn_cast<RankedTensorType>(op.getWeights().getType());
  Value maskIndex = op.getMaskIndex();
  if ((maskIndex && (!inType || !isKeyPaddingMask(maskIndex, op.getInput()))) || op.getPast() ||
      op.getAttentionBias() ||
      op.getPastSequenceLength() || op->getNumResults() != 1 || !inType || !wType ||
      inType.getRank() != 3 || wType.getRank() != 2 || wType.isDynamicDim(1) ||
      wType.getDimSize(1) % 3 != 0 || !isa<FloatType>(inType.getElementType()))
    return false;
  int64_t hidden = wType.getDimSize(1) / 3;
  if (auto sizes = op.getQkvHiddenSizes()) {
    for (Attribute a : *sizes)
      if (cast<IntegerAttr>(a).getInt() != hidden)
        return false;
  }
  if (hidden % heads != 0)
    return false;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type elem = inType.getElementType();
  auto projType = RankedTensorType::get({inType.getDimSize(0), inType.getDimSize(1), 3 * hidden},
                                        elem);
  Value proj = createOnnx(b, loc, "onnx.MatMul", {op.getInput(), op.getWeights()}, projType);
  if (Value bias = op.getBias())
    proj = createOnnx(b, loc, "onnx.Add", {proj, bias}, projType);
  // Q, K, V: [b, s, hidden] slices of the projection.
  SmallVector<Value> parts;
  for (int64_t i = 0; i < 3; ++i) {
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                         b.getIndexAttr(i * hidden)};
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, proj, 0),
                                       tensor::getMixedSize(b, loc, proj, 1),
                                       b.getIndexAttr(hidden)};
    SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
    parts.push_back(tensor::ExtractSliceOp::create(
        b, loc, RankedTensorType::get({inType.getDimSize(0), inType.getDimSize(1), hidden}, elem),
        proj, offsets, sizes, strides));
  }
  std::optional<float> scale;
  if (auto attr = op.getScaleAttr())
    scale = attr.getValueAsDouble();
  Value k = splitHeads(b, loc, parts[1], heads), v = splitHeads(b, loc, parts[2], heads);
  Value mask;
  if (maskIndex) {
    float filter = -10000.0f; // onnxruntime's default mask_filter_value
    if (auto attr = op.getMaskFilterValueAttr())
      filter = float(attr.getValueAsDouble());
    mask = keyPaddingMask(b, loc, maskIndex, Value(), parts[0], k, filter);
  }
  if (!replaceWithAttention(b, op, op->getResult(0), parts[0], k, v, mask, heads,
                            op.getUnidirectional() != 0, scale))
    return false;
  op->erase();
  return true;
}

/// An index read from element 0 of a small integer tensor (a run-time
/// scalar input such as total_sequence_length).
Value scalarIndex(OpBuilder &b, Location loc, Value t) {
  auto type = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(type.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
  Value x = tensor::ExtractOp::create(b, loc, t, zeros);
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), x);
}

/// GroupQueryAttention's KV bookkeeping, from ONNX Runtime's CPU kernel
/// (checked against onnxruntime 1.30): sequence b has seqlens_k[b] + 1
/// valid positions; its new keys go at past_b = seqlens_k[b] + 1 - S, or
/// at 0 for the first prompt (total_sequence_length == S, right padding
/// allowed); the present cache has total_sequence_length positions: the
/// past before past_b, the new keys, zeros after.
struct GqaPositions {
  Value seqlens, seqLen, prompt;
  /// past_b and the valid length of sequence b (index values).
  std::pair<Value, Value> of(OpBuilder &b, Location loc, Value batch) const {
    Value raw = tensor::ExtractOp::create(b, loc, seqlens, ValueRange{batch});
    Value valid = arith::AddIOp::create(
        b, loc, arith::IndexCastOp::create(b, loc, b.getIndexType(), raw),
        arith::ConstantIndexOp::create(b, loc, 1));
    Value past = arith::SelectOp::create(b, loc, prompt, arith::ConstantIndexOp::create(b, loc, 0),
                                         arith::SubIOp::create(b, loc, valid, seqLen));
    return {past, valid};
  }
};

/// present[b, n, j] = j < past_b ? past[b, n, j] : j < past_b + S ?
/// new[b, n, j - past_b] : 0, over total positions. Reads are guarded
/// (scf.if), so inconsistent inputs cannot read outside a tensor.
Value buildPresent(OpBuilder &b, Location loc, Value past, Value fresh, Value total,
                   const GqaPositions &pos) {
  auto type = cast<RankedTensorType>(fresh.getType()); // [B, Nkv, S, H]
  auto presentType = RankedTensorType::get(
      {type.getDimSize(0), type.getDimSize(1), ShapedType::kDynamic, type.getDimSize(3)},
      type.getElementType());
  SmallVector<Value> dynamic;
  if (type.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, fresh, 0));
  dynamic.push_back(total);
  Value pastLen = past ? Value(tensor::DimOp::create(b, loc, past, 2))
                       : Value(arith::ConstantIndexOp::create(b, loc, 0));
  return loom::
      fillFromIndices(
          b, loc, presentType, dynamic,
          [&](OpBuilder &nb, Location nloc, ValueRange idx) -> Value {
            Value bi = idx[0], n = idx[1], j = idx[2], h = idx[3];
            auto [pastB, valid] = pos.of(nb, nloc, bi);
            (void)valid;
            Type elem = presentType.getElementType();
            Value zero =
                arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 0.0));
            Value inPast = arith::AndIOp::create(
                nb, nloc,
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, j,
                                      pastB),
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, j,
                                      pastLen));
            Value offset = arith::SubIOp::create(nb, nloc, j, pastB);
            Value inNew = arith::AndIOp::create(
                nb, nloc,
                arith::CmpIOp::create(
                    nb, nloc, arith::CmpIPredicate::sge, offset,
                    arith::ConstantIndexOp::create(nb, nloc, 0)),
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt,
                                      offset, pos.seqLen));
            auto fromNew = [&](OpBuilder &ib, Location iloc) {
              auto inner = scf::IfOp::create(
                  ib, iloc, inNew,
                  [&](OpBuilder &tb, Location tloc) {
                    Value x = tensor::ExtractOp::create(
                        tb, tloc, fresh, ValueRange{bi, n, offset, h});
                    scf::YieldOp::create(tb, tloc, x);
                  },
                  [&](OpBuilder &eb, Location eloc) {
                    scf::YieldOp::create(eb, eloc, zero);
                  });
              return inner.getResult(0);
            };
            Value result;
            if (past) {
              result =
                  scf::
                      IfOp::
                          create(
                              nb, nloc, inPast,
                              [&](OpBuilder &tb, Location tloc) {
                                Value x = tensor::ExtractOp::create(tb, tloc, past,
                                                                    ValueRange{bi, n, j, h});
                                scf::YieldOp::create(tb, tloc, x);
                              },
                              [&](OpBuilder &eb, Location eloc) {
                                scf::YieldOp::create(eb, eloc, fromNew(eb, eloc));
                              })
                              .getResult(0);
            } else {
              result = fromNew(nb, nloc);
            }
            return result;
          });
}

/// com.microsoft.GroupQueryAttention with separate Q/K/V or Q, K and V
/// packed in the query input, optional past key/value (BNSH, not shared
/// with the present), optional rotary (of whole heads or of their first
/// dimensions), local window and softcap, and no attention bias or head
/// sink: the present caches are
/// built as ONNX Runtime lays them out, and the attention is one
/// loom.attention over them with an additive mask from seqlens_k (causal
/// within each sequence, nothing beyond its valid length).
bool fuseGroupQueryAttention(loom::onnx::MsGroupQueryAttentionOp op) {
  int64_t heads = op.getNumHeads(), kvHeads = op.getKvNumHeads();
  auto softcap = op.getSoftcapAttr();
  auto smooth = op->getAttrOfType<IntegerAttr>("smooth_softmax");
  bool rotary = op.getDoRotary() != 0;
  // Packed: query is [b, s, (heads + 2 kv_heads) d], key and value absent.
  const bool packed = !op.getKey() && !op.getValue();
  const int64_t queryHeads = packed ? heads + 2 * kvHeads : heads;
  if (bool(op.getKey()) != bool(op.getValue()) || bool(op.getCosCache()) != rotary ||
      bool(op.getSinCache()) != rotary ||
      op.getPositionIds() || op.getAttentionBias() || op.getHeadSink() ||
      (op.getLocalWindowSize() != -1 && op.getLocalWindowSize() <= 0) ||
      (softcap && !(softcap.getValueAsDouble() >= 0.0)) ||
      (smooth && smooth.getInt() != 0) || op->getNumResults() != 3 || kvHeads <= 0 ||
      heads % kvHeads != 0 || bool(op.getPastKey()) != bool(op.getPastValue()) ||
      !isSplittable(op.getQuery(), queryHeads) ||
      (!packed && (!isSplittable(op.getKey(), kvHeads) || !isSplittable(op.getValue(), kvHeads))))
    return false;
  auto seqlensType = dyn_cast<RankedTensorType>(op.getSeqlensK().getType());
  auto totalType = dyn_cast<RankedTensorType>(op.getTotalSequenceLength().getType());
  if (!seqlensType || seqlensType.getRank() != 1 || !seqlensType.getElementType().isInteger() ||
      !totalType || !totalType.hasStaticShape() || totalType.getNumElements() != 1 ||
      !totalType.getElementType().isInteger())
    return false;
  for (Value past : {op.getPastKey(), op.getPastValue()}) {
    auto t = past ? dyn_cast<RankedTensorType>(past.getType()) : RankedTensorType();
    if (past && (!t || t.getRank() != 4 || t.getElementType() !=
                                               getElementTypeOrSelf(op.getQuery().getType())))
      return false;
  }
  int64_t headDim = cast<RankedTensorType>(op.getQuery().getType()).getDimSize(2) / queryHeads;
  // Rotation of the first rotaryDim dimensions of each head (cos/sin
  // [max positions, rotaryDim / 2]; all of it when rotaryDim = head_dim).
  int64_t rotaryDim = headDim;
  if (rotary) {
    auto cosType = dyn_cast<RankedTensorType>(op.getCosCache().getType());
    if (!cosType || cosType != op.getSinCache().getType() || cosType.getRank() != 2 ||
        cosType.isDynamicDim(1) || cosType.getDimSize(1) <= 0 ||
        cosType.getDimSize(1) * 2 > headDim ||
        cosType.getElementType() != getElementTypeOrSelf(op.getQuery().getType()))
      return false;
    rotaryDim = cosType.getDimSize(1) * 2;
  }
  // softcap s: scores become s tanh(score / s) (0: none).
  const double softcapValue = softcap ? softcap.getValueAsDouble() : 0.0;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value query = op.getQuery(), key = op.getKey(), value = op.getValue();
  if (packed) {
    // Columns [0, heads d) are Q, then kv_heads d of K, then of V.
    auto slice = [&](int64_t from, int64_t columns) -> Value {
      auto type = cast<RankedTensorType>(query.getType());
      auto sliced = RankedTensorType::get({type.getDimSize(0), type.getDimSize(1), columns},
                                          type.getElementType());
      SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0),
                                           b.getIndexAttr(from)};
      SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, query, 0),
                                         tensor::getMixedSize(b, loc, query, 1),
                                         b.getIndexAttr(columns)};
      SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
      return tensor::ExtractSliceOp::create(b, loc, sliced, query, offsets, sizes, strides);
    };
    key = slice(heads * headDim, kvHeads * headDim);
    value = slice((heads + kvHeads) * headDim, kvHeads * headDim);
    query = slice(0, heads * headDim);
  }
  Value q = splitHeads(b, loc, query, heads);
  Value k = splitHeads(b, loc, key, kvHeads), v = splitHeads(b, loc, value, kvHeads);
  Value seqLen = tensor::DimOp::create(b, loc, op.getQuery(), 1);
  Value total = scalarIndex(b, loc, op.getTotalSequenceLength());
  GqaPositions pos{op.getSeqlensK(), seqLen,
                   arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, total, seqLen)};
  if (rotary) {
    // Token i of sequence b sits at past_b + i (i in a first prompt); its
    // cos/sin rows are gathered into [b, 1, S, r] (r = rotaryDim / 2 for
    // interleaved pairs, rotaryDim for halves, each half repeating the row)
    // and Q and the new K rotated by loom.rotary (their first rotaryDim
    // dimensions: the rest pass through).
    bool pairs = op.getRotaryInterleaved() != 0;
    auto qType = cast<RankedTensorType>(q.getType());
    int64_t width = pairs ? rotaryDim / 2 : rotaryDim;
    auto angleType = RankedTensorType::get({qType.getDimSize(0), 1, qType.getDimSize(2), width},
                                           qType.getElementType());
    SmallVector<Value> dynamic;
    if (qType.isDynamicDim(0))
      dynamic.push_back(tensor::DimOp::create(b, loc, q, 0));
    if (qType.isDynamicDim(2))
      dynamic.push_back(seqLen);
    auto position = [&](OpBuilder &nb, Location nloc, Value bi, Value i) -> Value {
      return arith::AddIOp::create(nb, nloc, pos.of(nb, nloc, bi).first, i);
    };
    Value cos = loom::rotary::gatherAngles(b, loc, op.getCosCache(), angleType, dynamic, 0, 2,
                                           pairs, rotaryDim, position);
    Value sin = loom::rotary::gatherAngles(b, loc, op.getSinCache(), angleType, dynamic, 0, 2,
                                           pairs, rotaryDim, position);
    q = loom::rotary::rotateLeading(b, loc, q, cos, sin, pairs, rotaryDim);
    k = loom::rotary::rotateLeading(b, loc, k, cos, sin, pairs, rotaryDim);
  }
  Value presentK = buildPresent(b, loc, op.getPastKey(), k, total, pos);
  Value presentV = buildPresent(b, loc, op.getPastValue(), v, total, pos);
  // mask[b, 0, i, j] = 0 where j <= past_b + i and j < valid_b (and, with a
  // local window of w keys, j > past_b + i - w), else -inf.
  int64_t window = op.getLocalWindowSize();
  auto qType = cast<RankedTensorType>(q.getType());
  Type elem = qType.getElementType();
  auto maskType = RankedTensorType::get(
      {qType.getDimSize(0), 1, qType.getDimSize(2), ShapedType::kDynamic}, elem);
  SmallVector<Value> dynamic;
  if (qType.isDynamicDim(0))
    dynamic.push_back(tensor::DimOp::create(b, loc, q, 0));
  if (qType.isDynamicDim(2))
    dynamic.push_back(seqLen);
  dynamic.push_back(total);
  Value mask =
      loom::fillFromIndices(
          b, loc, maskType, dynamic,
          [&](OpBuilder &nb, Location nloc, ValueRange idx) -> Value {
            Value bi = idx[0], i = idx[2], j = idx[3];
            auto [pastB, valid] = pos.of(nb, nloc, bi);
            Value at = arith::AddIOp::create(nb, nloc, pastB, i);
            Value visible = arith::AndIOp::create(
                nb, nloc, arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::sle, j, at),
                arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::slt, j, valid));
            if (window > 0)
              visible = arith::AndIOp::create(
                  nb, nloc, visible,
                  arith::CmpIOp::create(
                      nb, nloc, arith::CmpIPredicate::sgt, j,
                      arith::SubIOp::create(nb, nloc, at,
                                            arith::ConstantIndexOp::create(nb, nloc, window))));
            Value y = arith::SelectOp::create(
                nb, nloc, visible, arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, 0.0)),
                arith::ConstantOp::create(
                    nb, nloc,
                    nb.getFloatAttr(elem, -std::numeric_limits<double>::infinity())));
            return y;
          });
  std::optional<float> scale;
  if (auto attr = op.getScaleAttr())
    scale = attr.getValueAsDouble();
  auto outType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  auto vType = cast<RankedTensorType>(v.getType());
  if (!outType)
    return false;
  auto attnType = RankedTensorType::get(
      {qType.getDimSize(0), heads, qType.getDimSize(2), vType.getDimSize(3)}, elem);
  auto attention = loom::AttentionOp::create(
      b, loc, attnType, q, presentK, presentV, mask,
      /*causal=*/false, scale ? b.getF32FloatAttr(*scale) : FloatAttr(),
      softcapValue > 0.0 ? b.getF32FloatAttr(float(softcapValue)) : FloatAttr());
  // The presents replace results 1 and 2 when their types allow it.
  auto castTo = [&](Value x, Type t) -> Value {
    auto rt = dyn_cast<RankedTensorType>(t);
    if (!rt || !tensor::CastOp::areCastCompatible(cast<RankedTensorType>(x.getType()), rt))
      return {};
    return x.getType() == t ? x : tensor::CastOp::create(b, loc, t, x).getResult();
  };
  Value pk = castTo(presentK, op->getResult(1).getType());
  Value pv = castTo(presentV, op->getResult(2).getType());
  if (failed(verifyQuietly(attention)) || !pk || !pv ||
      !tensor::CastOp::areCastCompatible(
          RankedTensorType::get({qType.getDimSize(0), qType.getDimSize(2),
                                 heads * vType.getDimSize(3)},
                                elem),
          outType)) {
    attention.erase();
    return false; // what was built is dead and goes with the cleanup
  }
  op->getResult(0).replaceAllUsesWith(mergeHeads(b, loc, attention.getResult(), outType));
  op->getResult(1).replaceAllUsesWith(pk);
  op->getResult(2).replaceAllUsesWith(pv);
  op->erase();
  return true;
}

struct LoomFuseAttentionPass : loom::impl::LoomFuseAttentionPassBase<LoomFuseAttentionPass> {
  void runOnOperation() override {
    SmallVector<Operation *> softmaxes, contrib;
    getOperation().walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if (name == "onnx.Softmax" || name == "loom.softmax")
        softmaxes.push_back(op);
      else if (isa<loom::onnx::MsMultiHeadAttentionOp, loom::onnx::MsAttentionOp,
                   loom::onnx::MsGroupQueryAttentionOp>(op))
        contrib.push_back(op);
    });
    bool fused = false;
    for (Operation *op : contrib) {
      if (auto mha = dyn_cast<loom::onnx::MsMultiHeadAttentionOp>(op))
        fused |= fuseMultiHeadAttention(mha);
      else if (auto gqa = dyn_cast<loom::onnx::MsGroupQueryAttentionOp>(op))
        fused |= fuseGroupQueryAttention(gqa);
      else
        fused |= fuseContribAttention(cast<loom::onnx::MsAttentionOp>(op));
    }
    for (Operation *softmax : softmaxes)
      fused |= tryFuse(softmax);
    // The chains' ops (scores, repeated K/V) are dead now, and so are the
    // masks built for a chain that did not fuse after all.
    (void)fused;
    loom::fusion::eraseDeadOnnxOps(getOperation().getBody());
  }

  bool tryFuse(Operation *softmax) {
    // Softmax over the last axis of [b, h, q, kv] scores, used by one MatMul
    // as its left operand; or of [b * h, q, kv] scores, the heads folded into
    // the batch as torch.nn.MultiheadAttention (and Hugging Face's OPT and
    // BART) compute them with bmm: those become one head of a batch b * h.
    auto scoresType = dyn_cast<RankedTensorType>(softmax->getResult(0).getType());
    bool folded = scoresType && scoresType.getRank() == 3;
    auto axis = softmax->getAttrOfType<IntegerAttr>("axis");
    if (!scoresType || (!folded && scoresType.getRank() != 4) || !axis ||
        (axis.getInt() != -1 && axis.getInt() != scoresType.getRank() - 1) ||
        !softmax->getResult(0).hasOneUse())
      return false;
    // The ranks a mask may have: [q, kv] or one per score dimension.
    // Hugging Face's OPT and BART add their [b, 1, q, kv] mask on a
    // [b, h, q, kv] view of the folded scores (and OPT clamps the sum at
    // finfo.min), then fold the heads again for the softmax: those heads are
    // unfolded, so that the op sees h heads of a batch b.
    int64_t unfoldHeads = 0;
    Value clampAt; // OPT's torch.max(scores, finfo.min)
    Value x = softmax->getOperand(0), mask;
    if (folded && is(x, "onnx.Reshape") && x.hasOneUse()) {
      Value view = x.getDefiningOp()->getOperand(0);
      auto viewType = rank4(view);
      if (viewType && !viewType.isDynamicDim(1) &&
          viewType.getShape().take_back(2) == scoresType.getShape().take_back(2)) {
        if (is(view, "onnx.Max") && view.hasOneUse() &&
            view.getDefiningOp()->getNumOperands() == 2) {
          Operation *max = view.getDefiningOp();
          auto c = scalarValue(max->getOperand(1));
          if (!c || *c > -1e30)
            return false;
          clampAt = max->getOperand(1);
          view = max->getOperand(0);
        }
        if (is(view, "onnx.Add") && view.hasOneUse()) {
          unfoldHeads = viewType.getDimSize(1);
          x = view;
        }
      }
    }
    auto maskRank = [&](RankedTensorType t) {
      return t.getRank() == 2 || t.getRank() == (unfoldHeads ? 4 : scoresType.getRank());
    };
    Operation *output = *softmax->getResult(0).getUsers().begin();
    // BLOOM folds the [b, h, q, kv] probabilities back into the batch for
    // its bmm with V.
    Value probabilities = softmax->getResult(0);
    bool outputView = false;
    if (!folded && output->getName().getStringRef() == "onnx.Reshape" &&
        output->getResult(0).hasOneUse()) {
      auto t = dyn_cast<RankedTensorType>(output->getResult(0).getType());
      if (t && t.getRank() == 3) {
        probabilities = output->getResult(0);
        output = *probabilities.getUsers().begin();
        outputView = true;
      }
    }
    if (output->getName().getStringRef() != "onnx.MatMul" || output->getOperand(0) != probabilities)
      return false;

    // Optional additive mask, then an optional masking Where (HF GPT-2:
    // where(causal, scores, finfo.min) + attention_mask), then the
    // optional scale.
    auto isScores = [&](Value v) {
      if (unfoldHeads)
        return is(v, "onnx.Reshape"); // the [b, h, q, kv] view of the scores
      return is(v, "onnx.Div") || is(v, "onnx.Mul") || is(v, "onnx.MatMul") ||
             is(v, "onnx.Where");
    };
    // GPT-NeoX's [b, h, q, kv] scores: a view of scores on folded heads.
    auto isScoresView = [&](Value v) {
      if (folded || !is(v, "onnx.Reshape"))
        return false;
      auto t = dyn_cast<RankedTensorType>(v.getDefiningOp()->getOperand(0).getType());
      return t && t.getRank() == 3;
    };
    if (is(x, "onnx.Add") && x.hasOneUse()) {
      Operation *add = x.getDefiningOp();
      // Scores computed here first; a view of them only if neither side is.
      for (auto scoresLike : {std::function<bool(Value)>(isScores),
                              std::function<bool(Value)>(isScoresView)}) {
        for (int side : {0, 1}) {
          if (scoresLike(add->getOperand(side))) {
            mask = add->getOperand(1 - side);
            x = add->getOperand(side);
            break;
          }
        }
        if (mask)
          break;
      }
      if (!mask)
        return false;
      auto maskType = dyn_cast<RankedTensorType>(mask.getType());
      if (!maskType || !maskRank(maskType) ||
          maskType.getElementType() != scoresType.getElementType())
        return false;
    }
    if (is(x, "onnx.Where") && x.hasOneUse()) {
      // where(cond, s, c) with c very negative (or -inf) equals s + where(cond,
      // 0, c): exactly when s is small against c (s + c rounds to c), and
      // rows that are all masked stay uniform either way.
      Operation *where = x.getDefiningOp();
      Value cond = where->getOperand(0);
      int scoresSide = -1;
      for (int side : {1, 2}) {
        auto c = scalarValue(where->getOperand(3 - side));
        if ((isScores(where->getOperand(side)) || isScoresView(where->getOperand(side))) && c &&
            *c <= -1e4)
          scoresSide = side;
      }
      auto condType = dyn_cast<RankedTensorType>(cond.getType());
      if (scoresSide < 0 || !condType || !condType.getElementType().isInteger(1) ||
          !maskRank(condType))
        return false;
      OpBuilder b(where);
      Location loc = where->getLoc();
      Type elem = scoresType.getElementType();
      auto scalar = RankedTensorType::get({}, elem);
      auto constant = [&](double v) {
        OperationState state(loc, "onnx.Constant");
        state.addTypes(scalar);
        state.addAttribute("value", DenseElementsAttr::get(scalar, b.getFloatAttr(elem, v)));
        return b.create(state)->getResult(0);
      };
      Value zero = constant(0.0), blocked = where->getOperand(3 - scoresSide);
      auto additiveType = RankedTensorType::get(condType.getShape(), elem);
      OperationState state(loc, "onnx.Where");
      state.addOperands({cond, scoresSide == 1 ? zero : blocked, scoresSide == 1 ? blocked : zero});
      state.addTypes(additiveType);
      Value additive = b.create(state)->getResult(0);
      if (mask) {
        auto maskType = cast<RankedTensorType>(mask.getType());
        if (maskType.getRank() != condType.getRank())
          return false; // the sum's rank would not be one the op takes
        SmallVector<int64_t> shape;
        for (int64_t d = 0; d < condType.getRank(); ++d) {
          int64_t a = condType.getDimSize(d), m = maskType.getDimSize(d);
          shape.push_back(a == 1 ? m : (m == 1 ? a : (ShapedType::isDynamic(a) ? m : a)));
        }
        OperationState sum(loc, "onnx.Add");
        sum.addOperands({additive, mask});
        sum.addTypes(RankedTensorType::get(shape, elem));
        mask = b.create(sum)->getResult(0);
      } else {
        mask = additive;
      }
      x = where->getOperand(scoresSide);
    }
    if (unfoldHeads) {
      if (!mask || !is(x, "onnx.Reshape") || !x.hasOneUse())
        return false;
      x = x.getDefiningOp()->getOperand(0);
      auto t = dyn_cast<RankedTensorType>(x.getType());
      if (!t || t.getRank() != 3)
        return false;
    }
    // Hugging Face's GPT-NeoX and BLOOM: the [b, h, q, kv] scores are a view
    // of baddbmm(c, q, k^T, alpha = scale) on folded heads; q and k are
    // unfolded (NeoX's v is [b, h, kv, d] already). NeoX's c is zeros;
    // BLOOM's is the ALiBi bias [b * h, 1, kv], which joins the mask.
    bool foldedScores = folded;
    Value bias;
    if (!folded && is(x, "onnx.Reshape") && x.hasOneUse() && !scoresType.isDynamicDim(1)) {
      Value flat = x.getDefiningOp()->getOperand(0);
      auto t = dyn_cast<RankedTensorType>(flat.getType());
      if (t && t.getRank() == 3 &&
          t.getShape().take_back(2) == scoresType.getShape().take_back(2)) {
        unfoldHeads = scoresType.getDimSize(1);
        foldedScores = true;
        x = flat;
        if (is(x, "onnx.Add") && x.hasOneUse()) {
          Operation *add = x.getDefiningOp();
          // The side that is the scaled q k^T.
          auto product = [](Value v) {
            if (is(v, "onnx.Mul") || is(v, "onnx.Div"))
              return llvm::any_of(v.getDefiningOp()->getOperands(),
                                  [](Value w) { return is(w, "onnx.MatMul"); });
            return is(v, "onnx.MatMul");
          };
          for (int side : {0, 1}) {
            Value other = add->getOperand(1 - side);
            auto otherType = dyn_cast<RankedTensorType>(other.getType());
            if (!product(add->getOperand(side)) ||
                add->getOperand(side).getType() != add->getResult(0).getType() || !otherType ||
                otherType.getElementType() != scoresType.getElementType())
              continue;
            if (!isZeros(other)) {
              if (otherType.getRank() != 3)
                break;
              bias = other;
            }
            x = add->getOperand(side);
            break;
          }
        }
      }
    }
    double scale = 1.0;
    if ((is(x, "onnx.Div") || is(x, "onnx.Mul")) && x.hasOneUse()) {
      Operation *op = x.getDefiningOp();
      bool div = op->getName().getStringRef() == "onnx.Div";
      int scoresSide = is(op->getOperand(0), "onnx.MatMul") ? 0 : 1;
      if (div && scoresSide != 0)
        return false; // c / scores is not a scale
      auto c = scalarValue(op->getOperand(1 - scoresSide));
      if (!c || !std::isfinite(*c) || *c <= 0)
        return false;
      scale = div ? 1.0 / *c : *c;
      x = op->getOperand(scoresSide);
    }
    if (!is(x, "onnx.MatMul") || !x.hasOneUse())
      return false;
    Operation *scores = x.getDefiningOp();
    Value query = scores->getOperand(0), keyT = scores->getOperand(1);
    if (!is(keyT, "onnx.Transpose"))
      return false;
    auto perm = intArrayAttr(keyT.getDefiningOp(), "perm");
    Value key;
    if (foldedScores) {
      // bmm(q, k.transpose(1, 2)) on [b * h, kv, d] keys; nn.MultiheadAttention
      // transposes its [kv, b * h, d] view straight to [b * h, d, kv].
      Value source = keyT.getDefiningOp()->getOperand(0);
      auto t = dyn_cast<RankedTensorType>(source.getType());
      if (!perm || !t || t.getRank() != 3)
        return false;
      if (*perm == SmallVector<int64_t>{0, 2, 1}) {
        key = source;
      } else if (*perm == SmallVector<int64_t>{1, 2, 0}) {
        OpBuilder kb(keyT.getDefiningOp());
        key = createOnnx(kb, keyT.getLoc(), "onnx.Transpose", source,
                         RankedTensorType::get({t.getDimSize(1), t.getDimSize(0), t.getDimSize(2)},
                                               t.getElementType()),
                         {kb.getNamedAttr("perm", kb.getI64ArrayAttr({1, 0, 2}))});
      } else {
        return false;
      }
    } else if (perm && *perm == SmallVector<int64_t>{0, 1, 3, 2}) {
      key = unrepeat(keyT.getDefiningOp()->getOperand(0));
    } else if (perm && *perm == SmallVector<int64_t>{0, 2, 3, 1}) {
      // torch folds view(b, s, h, d).transpose(1, 2).transpose(-1, -2) into
      // one transpose of [b, s, h, d]: K itself is that tensor with the
      // middle axes swapped.
      Value bshd = keyT.getDefiningOp()->getOperand(0);
      auto t = rank4(bshd);
      if (!t)
        return false;
      OpBuilder kb(keyT.getDefiningOp());
      OperationState state(keyT.getLoc(), "onnx.Transpose");
      state.addOperands(bshd);
      state.addAttribute("perm", kb.getI64ArrayAttr({0, 2, 1, 3}));
      state.addTypes(RankedTensorType::get(
          {t.getDimSize(0), t.getDimSize(2), t.getDimSize(1), t.getDimSize(3)},
          t.getElementType()));
      key = kb.create(state)->getResult(0);
    } else {
      return false;
    }
    if (outputView && !foldedScores)
      return false;
    Value value =
        folded || outputView ? output->getOperand(1) : unrepeat(output->getOperand(1));
    OpBuilder b(output);
    if (foldedScores && !folded) {
      query = ::unfoldHeads(b, query, unfoldHeads), key = ::unfoldHeads(b, key, unfoldHeads);
      if (outputView)
        value = ::unfoldHeads(b, value, unfoldHeads);
      Value bias4 = bias ? ::unfoldHeads(b, bias, unfoldHeads) : Value();
      if (!query || !key || !value || (bias && !bias4))
        return false; // what was built is dead and goes with the cleanup
      if (bias4)
        mask = mask ? addMasks(b, mask, bias4) : bias4;
    }
    Type foldedResultType;
    if (outputView)
      foldedResultType = output->getResult(0).getType();
    if (folded) {
      // [n, s, d] -> [n, 1, s, d]: the folded batch with one head, or
      // [n / h, h, s, d] where the heads are unfolded. A mask of rank 3 gets
      // its head axis the same way.
      int64_t heads = unfoldHeads ? unfoldHeads : 1;
      auto outType = dyn_cast<RankedTensorType>(output->getResult(0).getType());
      if (!outType || outType.getRank() != 3)
        return false;
      query = ::unfoldHeads(b, query, heads), key = ::unfoldHeads(b, key, heads),
      value = ::unfoldHeads(b, value, heads);
      if (!query || !key || !value)
        return false; // what was built is dead and goes with the cleanup
      if (mask && cast<RankedTensorType>(mask.getType()).getRank() == 3)
        mask = ::unfoldHeads(b, mask, 1);
      // max(s + m, c) = s + max(m, c) for c = finfo.min: where m is c or
      // -inf both sides are c (s is small against c), elsewhere s + m > c.
      if (clampAt)
        mask = createOnnx(b, clampAt.getLoc(), "onnx.Max", ValueRange{mask, clampAt},
                          mask.getType());
      foldedResultType = outType;
    }
    auto q = rank4(query), k = rank4(key), v = rank4(value);
    auto resultType = folded || outputView ? RankedTensorType::get({q.getDimSize(0), q.getDimSize(1), q.getDimSize(2),
                                                      v ? v.getDimSize(3) : ShapedType::kDynamic},
                                                     q.getElementType())
                             : rank4(output->getResult(0));
    if (!q || !k || !v || !resultType || k.getDimSize(1) != v.getDimSize(1) ||
        q.getElementType() != k.getElementType() || !isa<FloatType>(q.getElementType()))
      return false;

    // The mask's type must name [q_len, kv_len] as the op expects.
    auto attention = loom::AttentionOp::create(
        b, output->getLoc(), resultType, query, key, value, mask, /*causal=*/false,
        b.getF32FloatAttr(float(scale)), /*softcap=*/FloatAttr());
    // The op's verifier is the judge of heads and shapes; a failed trial is
    // not an error, so its diagnostics are dropped.
    if (failed(verifyQuietly(attention))) {
      attention.erase();
      return false; // heads or shapes that loom.attention cannot express
    }
    Value result = attention.getResult();
    if (folded || outputView) {
      result = tensor::CollapseShapeOp::create(
          b, output->getLoc(), result, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      if (result.getType() != foldedResultType) {
        if (!tensor::CastOp::areCastCompatible(result.getType(), foldedResultType)) {
          result.getDefiningOp()->erase();
          attention.erase();
          return false;
        }
        result = tensor::CastOp::create(b, output->getLoc(), foldedResultType, result);
      }
    }
    output->getResult(0).replaceAllUsesWith(result);
    output->erase();
    if (outputView)
      probabilities.getDefiningOp()->erase();
    softmax->erase();
    return true;
  }
};

} // namespace
