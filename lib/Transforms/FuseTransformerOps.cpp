//===- FuseTransformerOps.cpp - norms, activations, rotary -> loom ops ----===//
//
// Exporters spell RMSNorm, LayerNorm, GELU, SiLU and rotary embeddings as
// chains of five to fifteen elementwise ops and reductions, each of which
// the op-by-op lowering materializes. This pass recognizes the chains (see
// the pass description in Passes.td for the forms) and replaces each with
// one loom op, which the CPU lowering evaluates in one or two passes over
// the data.
//
// Every matcher starts from the most distinctive op of its chain (the
// reduction, Tanh, Erf, Sigmoid, the final Reshape or Add), walks to the
// chain's ends checking constants and single uses, and gives up silently
// on anything else: a near miss stays as exported.
//
//===----------------------------------------------------------------------===//

#include "FusionUtils.h"
#include "RotaryAngles.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"

#include <cmath>

namespace loom {
#define GEN_PASS_DEF_LOOMFUSETRANSFORMEROPSPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intArrayAttr;
using loom::onnx_attributes::intAttr;
using loom::onnx_attributes::is;
using loom::onnx_attributes::scalarConstant;
using loom::fusion::verifyQuietly;

namespace {

/// The op of `v` if it is named `name`.
Operation *defOf(Value v, StringRef name) {
  return is(v, name) ? v.getDefiningOp() : nullptr;
}

/// The only user of `v`, if `v` has exactly one use.
Operation *onlyUser(Value v) {
  return v.hasOneUse() ? *v.getUsers().begin() : nullptr;
}

bool named(Operation *op, StringRef name) {
  return op && op->getName().getStringRef() == name;
}

/// Whether `v` is a constant scalar equal to `expected` (relative 1e-4).
bool isConstant(Value v, double expected) {
  auto c = scalarConstant(v);
  return c && std::fabs(*c - expected) <= 1e-4 * std::fabs(expected);
}

/// For a binary op, the operand that is not `known` (either side), or null.
Value otherOperand(Operation *op, Value known) {
  if (op->getNumOperands() != 2)
    return {};
  if (op->getOperand(0) == known)
    return op->getOperand(1);
  if (op->getOperand(1) == known)
    return op->getOperand(0);
  return {};
}

/// For a binary op with one constant scalar operand equal to `expected`,
/// the other operand.
Value operandBesideConstant(Operation *op, double expected) {
  if (!op || op->getNumOperands() != 2)
    return {};
  for (int side : {0, 1})
    if (isConstant(op->getOperand(side), expected))
      return op->getOperand(1 - side);
  return {};
}

int64_t rankOf(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t ? t.getRank() : -1;
}

/// Whether `reduce` is a ReduceMean over the last axis only, keeping it.
bool isLastAxisMean(Operation *reduce) {
  if (!named(reduce, "onnx.ReduceMean") || intAttr(reduce, "keepdims").value_or(1) != 1)
    return false;
  int64_t rank = rankOf(reduce->getOperand(0));
  SmallVector<int64_t> axes;
  if (auto attr = intArrayAttr(reduce, "axes"))
    axes = *attr; // opset < 18
  else if (reduce->getNumOperands() > 1)
    axes = constantInts(reduce->getOperand(1)).value_or(SmallVector<int64_t>());
  return rank > 0 && axes.size() == 1 && (axes[0] == -1 || axes[0] == rank - 1);
}

/// x for Pow(x, 2) or Mul(x, x).
Value squared(Value v) {
  if (Operation *pow = defOf(v, "onnx.Pow"))
    return isConstant(pow->getOperand(1), 2.0) ? pow->getOperand(0) : Value();
  if (Operation *mul = defOf(v, "onnx.Mul"))
    return mul->getOperand(0) == mul->getOperand(1) ? mul->getOperand(0) : Value();
  return {};
}

/// Whether `v` is x^3: Pow(x, 3), Mul(x, Mul(x, x)) or Mul(Mul(x, x), x).
bool isCube(Value v, Value x) {
  if (Operation *pow = defOf(v, "onnx.Pow"))
    return pow->getOperand(0) == x && isConstant(pow->getOperand(1), 3.0);
  Operation *mul = defOf(v, "onnx.Mul");
  if (!mul)
    return false;
  Value rest = otherOperand(mul, x);
  return rest && squared(rest) == x;
}

/// Whether `w` is a vector of the size of `x`'s last axis (an affine weight).
bool isLastAxisVector(Value w, Value x) {
  auto wt = dyn_cast<RankedTensorType>(w.getType());
  auto xt = dyn_cast<RankedTensorType>(x.getType());
  if (!wt || !xt || wt.getRank() != 1 || xt.getRank() == 0 ||
      wt.getElementType() != xt.getElementType())
    return false;
  int64_t a = wt.getDimSize(0), b = xt.getDimSize(xt.getRank() - 1);
  return ShapedType::isDynamic(a) || ShapedType::isDynamic(b) || a == b;
}

/// Replaces `root`'s result with `replacement`, casting when the exported
/// type is less (or more) refined than the fused op's.
void replace(Operation *root, Value replacement) {
  Value result = root->getResult(0);
  if (replacement.getType() != result.getType()) {
    OpBuilder b(root);
    replacement = tensor::CastOp::create(b, root->getLoc(), result.getType(), replacement);
  }
  result.replaceAllUsesWith(replacement);
  root->erase();
}

bool castable(Value a, Type b) {
  auto at = dyn_cast<RankedTensorType>(a.getType());
  auto bt = dyn_cast<RankedTensorType>(b);
  return at && bt && tensor::CastOp::areCastCompatible(at, bt);
}

/// The end of a normalization: `normalized * w` (w a last-axis vector);
/// returns (root, w) or (nullptr, {}) when there is no such product.
std::pair<Operation *, Value> affineScale(Value normalized, Value x) {
  Operation *mul = onlyUser(normalized);
  if (!named(mul, "onnx.Mul"))
    return {nullptr, {}};
  Value w = otherOperand(mul, normalized);
  if (!w || !isLastAxisVector(w, x))
    return {nullptr, {}};
  return {mul, w};
}

/// Sqrt(mean + eps) with eps a positive constant, each op the previous
/// one's only user: the Sqrt and eps, or (nullptr, 0).
std::pair<Operation *, double> sqrtPlusEpsilon(Operation *mean) {
  Operation *add = onlyUser(mean->getResult(0));
  if (!named(add, "onnx.Add"))
    return {nullptr, 0.0};
  auto eps = scalarConstant(otherOperand(add, mean->getResult(0)));
  Operation *sqrt = onlyUser(add->getResult(0));
  if (!eps || *eps <= 0 || !named(sqrt, "onnx.Sqrt"))
    return {nullptr, 0.0};
  return {sqrt, *eps};
}

/// RMSNorm from its ReduceMean(x^2).
bool fuseRMSNorm(Operation *mean) {
  if (!isLastAxisMean(mean))
    return false;
  Value x = squared(mean->getOperand(0));
  if (!x || !mean->getOperand(0).hasOneUse() || !isa<FloatType>(getElementTypeOrSelf(x)))
    return false;
  auto [sqrt, eps] = sqrtPlusEpsilon(mean);
  if (!sqrt)
    return false;
  // x / sqrt(..), x * (1 / sqrt(..)) or x * Reciprocal(sqrt(..)).
  Operation *next = onlyUser(sqrt->getResult(0));
  Value normalized;
  if (named(next, "onnx.Div") && next->getOperand(1) == sqrt->getResult(0)) {
    if (next->getOperand(0) == x) {
      normalized = next->getResult(0);
    } else if (isConstant(next->getOperand(0), 1.0)) {
      Operation *mul = onlyUser(next->getResult(0));
      if (named(mul, "onnx.Mul") && otherOperand(mul, next->getResult(0)) == x)
        normalized = mul->getResult(0);
    }
  } else if (named(next, "onnx.Reciprocal")) {
    Operation *mul = onlyUser(next->getResult(0));
    if (named(mul, "onnx.Mul") && otherOperand(mul, next->getResult(0)) == x)
      normalized = mul->getResult(0);
  }
  if (!normalized)
    return false;
  auto [root, weight] = affineScale(normalized, x);
  if (!root || !castable(x, root->getResult(0).getType()))
    return false;
  OpBuilder b(root);
  auto fused = loom::RMSNormOp::create(b, root->getLoc(), x.getType(), x, weight,
                                       b.getF32FloatAttr(float(eps)));
  replace(root, fused.getResult());
  return true;
}

/// LayerNorm from its first ReduceMean(x).
bool fuseLayerNorm(Operation *mean) {
  if (!isLastAxisMean(mean) || !mean->getResult(0).hasOneUse())
    return false;
  Value x = mean->getOperand(0);
  Operation *sub = onlyUser(mean->getResult(0));
  if (!named(sub, "onnx.Sub") || sub->getOperand(0) != x ||
      !isa<FloatType>(getElementTypeOrSelf(x)))
    return false;
  Value centered = sub->getResult(0);
  // centered feeds the variance (Pow or Mul(c, c)) and the division.
  Operation *square = nullptr, *div = nullptr;
  for (Operation *user : centered.getUsers()) {
    if (named(user, "onnx.Div") && user->getOperand(0) == centered)
      div = user;
    else if (squared(user->getResult(0)) == centered)
      square = user;
    else
      return false;
  }
  if (!square || !div || !square->getResult(0).hasOneUse())
    return false;
  Operation *variance = onlyUser(square->getResult(0));
  if (!isLastAxisMean(variance))
    return false;
  auto [sqrt, eps] = sqrtPlusEpsilon(variance);
  if (!sqrt || onlyUser(sqrt->getResult(0)) != div || div->getOperand(1) != sqrt->getResult(0))
    return false;
  auto [root, weight] = affineScale(div->getResult(0), x);
  if (!root)
    return false;
  Value bias;
  if (Operation *biasAdd = onlyUser(root->getResult(0)); named(biasAdd, "onnx.Add")) {
    Value b = otherOperand(biasAdd, root->getResult(0));
    if (b && isLastAxisVector(b, x)) {
      bias = b;
      root = biasAdd;
    }
  }
  if (!castable(x, root->getResult(0).getType()))
    return false;
  OpBuilder b(root);
  auto fused = loom::LayerNormOp::create(b, root->getLoc(), x.getType(), x, weight, bias,
                                         b.getF32FloatAttr(float(eps)));
  replace(root, fused.getResult());
  return true;
}

/// onnx.LayerNormalization over the last axis (only its first result used).
bool fuseLayerNormalization(Operation *op) {
  Value x = op->getOperand(0);
  int64_t rank = rankOf(x);
  int64_t axis = intAttr(op, "axis").value_or(-1);
  if (rank <= 0 || (axis != -1 && axis != rank - 1) || op->getNumOperands() < 2)
    return false;
  for (unsigned r = 1; r < op->getNumResults(); ++r)
    if (!op->getResult(r).use_empty())
      return false;
  Value weight = op->getOperand(1);
  Value bias = op->getNumOperands() > 2 ? op->getOperand(2) : Value();
  if (!isLastAxisVector(weight, x) || (bias && !isLastAxisVector(bias, x)) ||
      !castable(x, op->getResult(0).getType()))
    return false;
  double eps = 1e-5;
  if (auto e = op->getAttrOfType<FloatAttr>("epsilon"))
    eps = e.getValueAsDouble();
  OpBuilder b(op);
  auto fused = loom::LayerNormOp::create(b, op->getLoc(), x.getType(), x, weight, bias,
                                         b.getF32FloatAttr(float(eps)));
  Value result = op->getResult(0);
  Value replacement = fused.getResult();
  if (replacement.getType() != result.getType())
    replacement = tensor::CastOp::create(b, op->getLoc(), result.getType(), replacement);
  result.replaceAllUsesWith(replacement);
  op->erase();
  return true;
}

/// The common end of both GELU forms, from `onePlus` = 1 + erf(..) or
/// 1 + tanh(..): 0.5 * x * onePlus in the orders exporters write.
Operation *geluEnd(Value onePlus, Value x) {
  Operation *mul = onlyUser(onePlus);
  if (!named(mul, "onnx.Mul"))
    return nullptr;
  Value other = otherOperand(mul, onePlus);
  if (other == x) { // (x * (1 + ..)) * 0.5
    Operation *half = onlyUser(mul->getResult(0));
    return named(half, "onnx.Mul") && operandBesideConstant(half, 0.5) == mul->getResult(0)
               ? half
               : nullptr;
  }
  // (0.5 * x) * (1 + ..)
  Operation *halfX = other ? other.getDefiningOp() : nullptr;
  if (named(halfX, "onnx.Mul") && other.hasOneUse() && operandBesideConstant(halfX, 0.5) == x)
    return mul;
  return nullptr;
}

bool fuseGelu(Operation *op, bool tanh) {
  Value x;
  if (tanh) {
    // tanh(sqrt(2/pi) * (x + 0.044715 * x^3))
    Operation *scaled = defOf(op->getOperand(0), "onnx.Mul");
    Value inner = operandBesideConstant(scaled, 0.7978845608028654 /* sqrt(2 / pi) */);
    Operation *sum = inner ? defOf(inner, "onnx.Add") : nullptr;
    if (!sum || !inner.hasOneUse() || !op->getOperand(0).hasOneUse())
      return false;
    for (int side : {0, 1}) {
      Value candidate = sum->getOperand(side);
      Operation *cubic = defOf(sum->getOperand(1 - side), "onnx.Mul");
      Value cube = operandBesideConstant(cubic, 0.044715);
      if (cube && isCube(cube, candidate)) {
        x = candidate;
        break;
      }
    }
  } else {
    // erf(x / sqrt(2)) or erf(x * (1 / sqrt(2)))
    Operation *arg = op->getOperand(0).getDefiningOp();
    if (named(arg, "onnx.Div") && isConstant(arg->getOperand(1), std::sqrt(2.0)))
      x = arg->getOperand(0);
    else if (named(arg, "onnx.Mul"))
      x = operandBesideConstant(arg, 1.0 / std::sqrt(2.0));
    if (!op->getOperand(0).hasOneUse())
      return false;
  }
  if (!x || !isa<FloatType>(getElementTypeOrSelf(x)))
    return false;
  Operation *onePlus = onlyUser(op->getResult(0));
  if (!named(onePlus, "onnx.Add") || operandBesideConstant(onePlus, 1.0) != op->getResult(0))
    return false;
  Operation *root = geluEnd(onePlus->getResult(0), x);
  if (!root || !castable(x, root->getResult(0).getType()))
    return false;
  OpBuilder b(root);
  auto fused = loom::GeluOp::create(
      b, root->getLoc(), x.getType(), x,
      tanh ? loom::GeluApproximation::tanh : loom::GeluApproximation::erf);
  replace(root, fused.getResult());
  return true;
}

/// SiLU from its Sigmoid: Mul(x, Sigmoid(x)).
bool fuseSilu(Operation *sigmoid) {
  Value x = sigmoid->getOperand(0);
  Operation *mul = onlyUser(sigmoid->getResult(0));
  if (!named(mul, "onnx.Mul") || otherOperand(mul, sigmoid->getResult(0)) != x ||
      !isa<FloatType>(getElementTypeOrSelf(x)) || !castable(x, mul->getResult(0).getType()))
    return false;
  OpBuilder b(mul);
  replace(mul, loom::SiluOp::create(b, mul->getLoc(), x.getType(), x).getResult());
  return true;
}

/// The (a, b) of a binary op named `name` whose operands are products
/// Mul(p, q) and Mul(r, s): returns the four factors, each product's in the
/// order found.
struct Products {
  Value a0, a1, b0, b1;
};
std::optional<Products> productsOf(Operation *op) {
  if (!op || op->getNumOperands() != 2)
    return std::nullopt;
  Operation *a = defOf(op->getOperand(0), "onnx.Mul");
  Operation *b = defOf(op->getOperand(1), "onnx.Mul");
  if (!a || !b || !op->getOperand(0).hasOneUse() || !op->getOperand(1).hasOneUse())
    return std::nullopt;
  return Products{a->getOperand(0), a->getOperand(1), b->getOperand(0), b->getOperand(1)};
}

/// Whether {p, q} == {u, v} as unordered pairs.
bool samePair(Value p, Value q, Value u, Value v) {
  return (p == u && q == v) || (p == v && q == u);
}

/// Rotary embedding on pairs, from the final Reshape of
/// Concat(Unsqueeze(e c - o s, -1), Unsqueeze(e s + o c, -1)) where e and o
/// are Gather(Reshape(x, [.., d/2, 2]), 0 / 1, axis -1).
bool fuseRotaryPairs(Operation *reshape) {
  Operation *concat = defOf(reshape->getOperand(0), "onnx.Concat");
  if (!concat || concat->getNumOperands() != 2)
    return false;
  // Besides the Reshape, only Shape may read the interleaved pairs (torch
  // computes the flattened shape from them).
  for (Operation *user : concat->getResult(0).getUsers())
    if (user != reshape && !named(user, "onnx.Shape"))
      return false;
  int64_t stackedRank = rankOf(concat->getResult(0));
  int64_t axis = intAttr(concat, "axis").value_or(0);
  if (stackedRank < 2 || (axis != -1 && axis != stackedRank - 1))
    return false;
  Value parts[2];
  for (int i : {0, 1}) {
    Operation *unsqueeze = defOf(concat->getOperand(i), "onnx.Unsqueeze");
    if (!unsqueeze || !concat->getOperand(i).hasOneUse())
      return false;
    SmallVector<int64_t> axes;
    if (auto attr = intArrayAttr(unsqueeze, "axes"))
      axes = *attr;
    else if (unsqueeze->getNumOperands() > 1)
      axes = constantInts(unsqueeze->getOperand(1)).value_or(SmallVector<int64_t>());
    if (axes.size() != 1 || (axes[0] != -1 && axes[0] != stackedRank - 1))
      return false;
    parts[i] = unsqueeze->getOperand(0);
  }
  Operation *sub = defOf(parts[0], "onnx.Sub"), *add = defOf(parts[1], "onnx.Add");
  auto first = productsOf(sub), second = productsOf(add);
  if (!first || !second || !parts[0].hasOneUse() || !parts[1].hasOneUse())
    return false;
  // e and o: the two Gathers of one Reshape(x) along its last axis.
  auto element = [](Value v, int64_t index) -> Value {
    Operation *gather = defOf(v, "onnx.Gather");
    if (!gather)
      return {};
    int64_t rank = rankOf(gather->getOperand(0));
    int64_t axis = intAttr(gather, "axis").value_or(0);
    auto idx = constantInts(gather->getOperand(1));
    if ((axis != -1 && axis != rank - 1) || !idx || idx->size() != 1 || (*idx)[0] != index ||
        rankOf(gather->getOperand(1)) != 0)
      return {};
    return gather->getOperand(0);
  };
  // first = e c - o s: e is the Gather of index 0 in the first product.
  Value e, c, o, s;
  for (auto [p, q] : {std::pair{first->a0, first->a1}, std::pair{first->a1, first->a0}})
    if (element(p, 0)) {
      e = p;
      c = q;
    }
  for (auto [p, q] : {std::pair{first->b0, first->b1}, std::pair{first->b1, first->b0}})
    if (element(p, 1)) {
      o = p;
      s = q;
    }
  if (!e || !o || !c || !s || element(e, 0) != element(o, 1))
    return false;
  // second = e s + o c, products in either order.
  if (!((samePair(second->a0, second->a1, e, s) && samePair(second->b0, second->b1, o, c)) ||
        (samePair(second->a0, second->a1, o, c) && samePair(second->b0, second->b1, e, s))))
    return false;
  Operation *pairsReshape = defOf(element(e, 0), "onnx.Reshape");
  if (!pairsReshape)
    return false;
  Value x = pairsReshape->getOperand(0);
  auto pairsType = dyn_cast<RankedTensorType>(pairsReshape->getResult(0).getType());
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  if (!pairsType || !xType || pairsType.getRank() != xType.getRank() + 1 ||
      pairsType.getDimSize(pairsType.getRank() - 1) != 2 ||
      c.getType() != s.getType() || !castable(x, reshape->getResult(0).getType()))
    return false;
  // The pair Reshape must keep the leading axes: [.., d] -> [.., d/2, 2].
  for (int64_t i = 0; i + 1 < xType.getRank(); ++i)
    if (!ShapedType::isDynamic(xType.getDimSize(i)) &&
        !ShapedType::isDynamic(pairsType.getDimSize(i)) &&
        xType.getDimSize(i) != pairsType.getDimSize(i))
      return false;
  OpBuilder b(reshape);
  auto fused = loom::RotaryOp::create(b, reshape->getLoc(), x.getType(), x, c, s,
                                      /*pairs=*/true);
  if (failed(verifyQuietly(fused))) {
    fused.erase();
    return false;
  }
  replace(reshape, fused.getResult());
  return true;
}

/// x[start:end] on the last axis, from a Slice with constant parameters.
Value lastAxisSlice(Value v, int64_t &start, int64_t &end) {
  Operation *slice = defOf(v, "onnx.Slice");
  if (!slice || slice->getNumOperands() < 3)
    return {};
  Value x = slice->getOperand(0);
  int64_t rank = rankOf(x);
  auto starts = constantInts(slice->getOperand(1)), ends = constantInts(slice->getOperand(2));
  std::optional<SmallVector<int64_t>> axes =
      slice->getNumOperands() > 3 ? constantInts(slice->getOperand(3)) : std::nullopt;
  std::optional<SmallVector<int64_t>> steps =
      slice->getNumOperands() > 4 ? constantInts(slice->getOperand(4)) : std::nullopt;
  if (!starts || !ends || starts->size() != 1 || ends->size() != 1)
    return {};
  int64_t axis = axes ? (axes->size() == 1 ? (*axes)[0] : -2) : 0;
  if ((axis != -1 && axis != rank - 1) || (steps && (steps->size() != 1 || (*steps)[0] != 1)))
    return {};
  start = (*starts)[0];
  end = (*ends)[0];
  return x;
}

/// Hugging Face's rotary embedding, from its final Add:
/// Add(Mul(x, cos), Mul(Concat(Neg(x[d/2:]), x[:d/2]), sin)).
bool fuseRotaryHalves(Operation *add) {
  auto products = productsOf(add);
  if (!products)
    return false;
  // Which product holds rotate_half(x)?
  Value pairs[2][2] = {{products->a0, products->a1}, {products->b0, products->b1}};
  for (int rotatedSide : {0, 1}) {
    for (int k : {0, 1}) {
      Value rotated = pairs[rotatedSide][k], sin = pairs[rotatedSide][1 - k];
      Operation *concat = defOf(rotated, "onnx.Concat");
      if (!concat || concat->getNumOperands() != 2 || !rotated.hasOneUse())
        continue;
      Value x;
      int64_t rank = rankOf(concat->getResult(0));
      int64_t axis = intAttr(concat, "axis").value_or(0);
      Operation *neg = defOf(concat->getOperand(0), "onnx.Neg");
      if ((axis != -1 && axis != rank - 1) || !neg)
        continue;
      int64_t s1, e1, s2, e2;
      Value upper = lastAxisSlice(neg->getOperand(0), s1, e1);
      Value lower = lastAxisSlice(concat->getOperand(1), s2, e2);
      auto xType = upper ? dyn_cast<RankedTensorType>(upper.getType()) : RankedTensorType();
      if (!upper || upper != lower || !xType || xType.getRank() != rank || rank < 1 ||
          xType.isDynamicDim(rank - 1))
        continue;
      int64_t d = xType.getDimSize(rank - 1);
      // x[d/2:] (end d or "to the end") and x[:d/2].
      if (d % 2 != 0 || s1 != d / 2 || e1 < d || s2 != 0 || e2 != d / 2)
        continue;
      x = upper;
      // The other product: x * cos.
      Value u = pairs[1 - rotatedSide][0], w = pairs[1 - rotatedSide][1];
      Value cos = u == x ? w : (w == x ? u : Value());
      if (!cos || cos.getType() != sin.getType() || !castable(x, add->getResult(0).getType()))
        continue;
      OpBuilder b(add);
      auto fused = loom::RotaryOp::create(b, add->getLoc(), x.getType(), x, cos, sin,
                                          /*pairs=*/false);
      if (failed(verifyQuietly(fused))) {
        fused.erase();
        continue;
      }
      replace(add, fused.getResult());
      return true;
    }
  }
  return false;
}

/// com.microsoft.RotaryEmbedding: x [b, s, heads * head] or [b, heads, s,
/// head], position ids [b, s] (each token's) or [1] (the first token's, the
/// others following), cos/sin caches [max positions, rotary_dim / 2]. Each
/// head's first rotary_dim entries turn (halves, or interleaved pairs); the
/// rest pass through. Not taken: packed batching, a scale other than 1.
bool fuseContribRotaryEmbedding(Operation *op) {
  if (op->getNumOperands() != 4 || op->getNumResults() != 1)
    return false;
  Value x = op->getOperand(0), ids = op->getOperand(1), cosCache = op->getOperand(2),
        sinCache = op->getOperand(3);
  auto xType = dyn_cast<RankedTensorType>(x.getType());
  auto idsType = dyn_cast<RankedTensorType>(ids.getType());
  auto cacheType = dyn_cast<RankedTensorType>(cosCache.getType());
  auto scale = op->getAttrOfType<FloatAttr>("scale");
  if (!xType || (xType.getRank() != 3 && xType.getRank() != 4) ||
      !isa<FloatType>(xType.getElementType()) || xType.getDimSize(xType.getRank() - 1) <= 0 ||
      !idsType || !idsType.getElementType().isInteger() ||
      !(idsType.getRank() == 2 || (idsType.getRank() == 1 && idsType.getDimSize(0) == 1)) ||
      !cacheType || cacheType != sinCache.getType() || cacheType.getRank() != 2 ||
      cacheType.getElementType() != xType.getElementType() || cacheType.getDimSize(1) <= 0 ||
      intAttr(op, "is_packed_batching").value_or(0) != 0 ||
      (scale && scale.getValueAsDouble() != 1.0) || op->getResult(0).getType() != xType)
    return false;
  const int64_t width = cacheType.getDimSize(1), rotaryAttr = intAttr(op, "rotary_embedding_dim").value_or(0);
  const int64_t rotaryDim = rotaryAttr > 0 ? rotaryAttr : 2 * width;
  int64_t head, heads = intAttr(op, "num_heads").value_or(0);
  if (xType.getRank() == 4) {
    head = xType.getDimSize(3);
  } else {
    int64_t hidden = xType.getDimSize(2);
    if (heads <= 0 && rotaryAttr <= 0)
      heads = hidden / (2 * width); // the head is what the caches rotate
    if (heads <= 0 || hidden % heads != 0)
      return false;
    head = hidden / heads;
  }
  bool pairs = intAttr(op, "interleaved").value_or(0) != 0;
  if (rotaryDim != 2 * width || rotaryDim > head || head % 2 != 0)
    return false;

  OpBuilder b(op);
  Location loc = op->getLoc();
  // [b, s, heads, head] (3-D input, angles [b, s, 1, w]) or [b, heads, s,
  // head] (4-D, angles [b, 1, s, w]).
  const bool split = xType.getRank() == 3;
  Value x4 = x;
  if (split) {
    auto type = RankedTensorType::get(
        {xType.getDimSize(0), xType.getDimSize(1), heads, head}, xType.getElementType());
    x4 = tensor::ExpandShapeOp::create(
        b, loc, type, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
        SmallVector<OpFoldResult>{tensor::getMixedSize(b, loc, x, 0),
                                  tensor::getMixedSize(b, loc, x, 1), b.getIndexAttr(heads),
                                  b.getIndexAttr(head)});
  }
  const int64_t seqDim = split ? 1 : 2;
  auto x4Type = cast<RankedTensorType>(x4.getType());
  SmallVector<int64_t> angleShape = {x4Type.getDimSize(0), 1, 1, pairs ? width : rotaryDim};
  angleShape[seqDim] = x4Type.getDimSize(seqDim);
  auto angleType = RankedTensorType::get(angleShape, xType.getElementType());
  SmallVector<Value> dynamic;
  for (int64_t d : {int64_t(0), seqDim})
    if (angleType.isDynamicDim(d))
      dynamic.push_back(tensor::DimOp::create(b, loc, x4, d));
  // Indices are clamped into the ids tensor: a wrong-sized one reads no
  // memory outside it.
  auto position = [&](OpBuilder &nb, Location nloc, Value batch, Value seq) -> Value {
    auto clampTo = [&](Value i, int64_t d) -> Value {
      Value last = arith::SubIOp::create(nb, nloc, tensor::DimOp::create(nb, nloc, ids, d),
                                         arith::ConstantIndexOp::create(nb, nloc, 1));
      return arith::MaxSIOp::create(nb, nloc, arith::MinSIOp::create(nb, nloc, i, last),
                                    arith::ConstantIndexOp::create(nb, nloc, 0));
    };
    if (idsType.getRank() == 2) {
      Value id = tensor::ExtractOp::create(nb, nloc, ids,
                                           ValueRange{clampTo(batch, 0), clampTo(seq, 1)});
      return arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), id);
    }
    Value first = tensor::ExtractOp::create(
        nb, nloc, ids, ValueRange{arith::ConstantIndexOp::create(nb, nloc, 0)});
    return arith::AddIOp::create(nb, nloc,
                                 arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), first),
                                 seq);
  };
  Value cos = loom::rotary::gatherAngles(b, loc, cosCache, angleType, dynamic, 0, seqDim, pairs,
                                         rotaryDim, position);
  Value sin = loom::rotary::gatherAngles(b, loc, sinCache, angleType, dynamic, 0, seqDim, pairs,
                                         rotaryDim, position);
  Value rotated = loom::rotary::rotateLeading(b, loc, x4, cos, sin, pairs, rotaryDim);
  if (split)
    rotated = tensor::CollapseShapeOp::create(
        b, loc, xType, rotated, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  op->getResult(0).replaceAllUsesWith(rotated);
  op->erase();
  return true;
}

/// Tries every fusion that starts at `op`.
bool tryFuse(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "onnx.ReduceMean")
    return fuseLayerNorm(op) || fuseRMSNorm(op);
  if (name == "onnx.LayerNormalization")
    return fuseLayerNormalization(op);
  if (name == "onnx.Tanh")
    return fuseGelu(op, /*tanh=*/true);
  if (name == "onnx.Erf")
    return fuseGelu(op, /*tanh=*/false);
  if (name == "onnx.Sigmoid")
    return fuseSilu(op);
  if (name == "onnx.Reshape")
    return fuseRotaryPairs(op);
  if (name == "onnx.Add")
    return fuseRotaryHalves(op);
  if (name == "onnx.com.microsoft.RotaryEmbedding")
    return fuseContribRotaryEmbedding(op);
  return false;
}

struct LoomFuseTransformerOpsPass
    : loom::impl::LoomFuseTransformerOpsPassBase<LoomFuseTransformerOpsPass> {
  void runOnOperation() override {
    // A fusion erases its chain's last op and leaves the rest dead; the dead
    // ops go before the next search, which starts over (chains are short
    // and few, so the repeated walks cost little).
    Region &body = getOperation().getBody();
    for (bool fused = true; fused;) {
      fused = false;
      getOperation().walk([&](Operation *op) {
        if (!tryFuse(op))
          return WalkResult::advance();
        fused = true;
        return WalkResult::interrupt();
      });
      if (fused)
        loom::fusion::eraseDeadOnnxOps(body);
    }
  }
};

} // namespace
