//===- FuseContribAttention.cpp - ONNX Runtime's attention ops ------------===//
//
// loom-fuse-attention's part for ONNX Runtime's contrib ops: MultiHeadAttention
// (with past key/value, an attention bias, a key padding mask), Attention
// (packed QKV weights, mask_index) and GroupQueryAttention (present caches
// laid out as onnxruntime lays them, optional rotary, local window and
// softcap) become loom.attention.
//
//===----------------------------------------------------------------------===//

#include "AttentionFusion.h"
#include "FusionUtils.h"
#include "IndexedFill.h"
#include "RotaryAngles.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Verifier.h"

#include <cmath>
#include <limits>

using namespace mlir;
using loom::attention_fusion::createOnnx;
using loom::fusion::verifyQuietly;

namespace {

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

/// Whether `v` is [b, s, hidden] with a static hidden size that `heads`
/// divides, in float.
/// (f32 only: loom.attention's kernel is f32; an f16 contrib op stays and
/// gets the lowering's "not supported" message naming it.)
bool isSplittable(Value v, int64_t heads) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 3 && t.getElementType().isF32() &&
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
bool fuseMultiHeadAttentionImpl(loom::onnx::MsMultiHeadAttentionOp op) {
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
bool fuseContribAttentionImpl(loom::onnx::MsAttentionOp op) {
  int64_t heads = op.getNumHeads();
  auto inType = dyn_cast<RankedTensorType>(op.getInput().getType());
  auto wType = dyn_cast<RankedTensorType>(op.getWeights().getType());
  Value maskIndex = op.getMaskIndex();
  if ((maskIndex && (!inType || !isKeyPaddingMask(maskIndex, op.getInput()))) || op.getPast() ||
      op.getAttentionBias() ||
      op.getPastSequenceLength() || op->getNumResults() != 1 || !inType || !wType ||
      inType.getRank() != 3 || wType.getRank() != 2 || wType.isDynamicDim(1) ||
      wType.getDimSize(1) % 3 != 0 || !inType.getElementType().isF32())
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
bool fuseGroupQueryAttentionImpl(loom::onnx::MsGroupQueryAttentionOp op) {
  int64_t heads = op.getNumHeads(), kvHeads = op.getKvNumHeads();
  auto softcap = op.getSoftcapAttr();
  auto smooth = op->getAttrOfType<IntegerAttr>("smooth_softmax");
  bool rotary = op.getDoRotary() != 0;
  // Head counts from a hostile file can be anything; no real model has
  // more than a few hundred (and heads + 2 kv_heads must not overflow).
  constexpr int64_t kMostHeads = int64_t(1) << 20;
  if (heads <= 0 || heads > kMostHeads || kvHeads <= 0 || kvHeads > kMostHeads)
    return false;
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

} // namespace

bool loom::attention_fusion::fuseMultiHeadAttention(loom::onnx::MsMultiHeadAttentionOp op) {
  return ::fuseMultiHeadAttentionImpl(op);
}
bool loom::attention_fusion::fuseContribAttention(loom::onnx::MsAttentionOp op) {
  return ::fuseContribAttentionImpl(op);
}
bool loom::attention_fusion::fuseGroupQueryAttention(loom::onnx::MsGroupQueryAttentionOp op) {
  return ::fuseGroupQueryAttentionImpl(op);
}
