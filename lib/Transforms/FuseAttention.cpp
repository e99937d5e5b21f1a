//===- FuseAttention.cpp - exported attention -> loom.attention -----------===//
//
// torch.onnx.export writes scaled dot-product attention as five or six ops
// (and three more per K and V for grouped-query attention's repeat_kv); run
// as written, they materialize the [heads, q_len, kv_len] scores and copy the
// repeated K/V. This pass finds that chain and replaces it with one
// loom.attention, which the CPU lowering runs as a single pass over K/V.
// ONNX Runtime's contrib attention ops are fused by FuseContribAttention.cpp.
//
//===----------------------------------------------------------------------===//

#include "AttentionFusion.h"
#include "FusionUtils.h"
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
using loom::attention_fusion::createOnnx;

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
        fused |= loom::attention_fusion::fuseMultiHeadAttention(mha);
      else if (auto gqa = dyn_cast<loom::onnx::MsGroupQueryAttentionOp>(op))
        fused |= loom::attention_fusion::fuseGroupQueryAttention(gqa);
      else
        fused |= loom::attention_fusion::fuseContribAttention(cast<loom::onnx::MsAttentionOp>(op));
    }
    for (Operation *softmax : softmaxes)
      fused |= tryFuse(softmax);
    // The chains' ops (scores, repeated K/V) are dead now, and so are the
    // masks built for a chain that did not fuse after all.
    (void)fused;
    loom::fusion::eraseDeadOnnxOps(getOperation().getBody());
  }

  /// `scaled` = where(cond, s, c) / k (or * k, either side) with s the
  /// scores, c a scalar and k a positive finite scalar, rewritten as
  /// where(cond, s / k, c / k); null (nothing changed) when it is not that.
  Value scaleBeforeMasking(Operation *scaled, function_ref<bool(Value)> isScores) {
    bool div = scaled->getName().getStringRef() == "onnx.Div";
    for (int side : {0, 1}) {
      if (div && side != 0)
        break; // k / where(...) is not a scale
      Value masked = scaled->getOperand(side);
      std::optional<double> k = scalarValue(scaled->getOperand(1 - side));
      if (!is(masked, "onnx.Where") || !masked.hasOneUse() || !k || !std::isfinite(*k) ||
          *k <= 0)
        continue;
      Operation *where = masked.getDefiningOp();
      for (int scoresSide : {1, 2}) {
        Value scores = where->getOperand(scoresSide);
        std::optional<double> fill = scalarValue(where->getOperand(3 - scoresSide));
        if (!isScores(scores) || !fill || scores.getType() != masked.getType())
          continue;
        OpBuilder b(scaled);
        Location loc = scaled->getLoc();
        auto elementType = cast<RankedTensorType>(scores.getType()).getElementType();
        auto scalar = RankedTensorType::get({}, elementType);
        double newFill = div ? *fill / *k : *fill * *k;
        OperationState constant(loc, "onnx.Constant");
        constant.addTypes(scalar);
        constant.addAttribute("value",
                              DenseElementsAttr::get(scalar, b.getFloatAttr(elementType, newFill)));
        Value fillValue = b.create(constant)->getResult(0);
        OperationState scale(loc, scaled->getName().getStringRef());
        scale.addOperands({scores, scaled->getOperand(1 - side)});
        scale.addTypes(scores.getType());
        Value scaledScores = b.create(scale)->getResult(0);
        OperationState select(where->getLoc(), "onnx.Where");
        select.addOperands({where->getOperand(0), scoresSide == 1 ? scaledScores : fillValue,
                            scoresSide == 1 ? fillValue : scaledScores});
        select.addTypes(scaled->getResult(0).getType());
        Value result = b.create(select)->getResult(0);
        scaled->getResult(0).replaceAllUsesWith(result);
        scaled->erase();
        where->erase();
        return result;
      }
    }
    return nullptr;
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
    // GPT-J masks before it scales: where(cond, s, c) / k. That is
    // where(cond, s / k, c / k), the order the rest matches.
    if ((is(x, "onnx.Div") || is(x, "onnx.Mul")) && x.hasOneUse())
      if (Value swapped = scaleBeforeMasking(x.getDefiningOp(), isScores))
        x = swapped;
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
    // loom.attention's kernel is f32: f16, bf16 and f64 attention stays as
    // the exported ops, which lower in their own type.
    if (!q || !k || !v || !resultType || k.getDimSize(1) != v.getDimSize(1) ||
        q.getElementType() != k.getElementType() || !q.getElementType().isF32())
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

Value loom::attention_fusion::createOnnx(OpBuilder &b, Location loc, StringRef name,
                                        ValueRange operands, Type type,
                                        ArrayRef<NamedAttribute> attrs) {
  OperationState state(loc, name);
  state.addOperands(operands);
  state.addTypes(type);
  state.addAttributes(attrs);
  return b.create(state)->getResult(0);
}
