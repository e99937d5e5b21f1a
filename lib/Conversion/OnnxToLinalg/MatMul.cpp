//===- MatMul.cpp - MatMul and Gemm as linalg -------------------------------===//
//
// Matrix products: linalg.matmul / batch_matmul where the shapes allow it
// (the CPU lowering hands those to loomrt's GEMM), else a linalg.generic with
// a reduction; Gemm's transposes, alpha and beta around it; Einsum as one
// linalg.generic whose loops are the equation's letters; Det as loomrt's
// kernel.
//
//===----------------------------------------------------------------------===//

#include "MatMul.h"

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"

#include <map>

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intAttr;

/// MatMul as linalg.matmul or linalg.batch_matmul when the operands allow
/// it, so that the CPU lowering can hand it to loomrt's GEMM: [.., M, K] x
/// [K, N] folds the leading dimensions into M; equal static batch
/// dimensions fold into one batch. Null when neither applies (broadcast
/// batches, dynamic batch sizes), for the generic form below.
static Value lowerMatMulNamed(OpBuilder &b, Location loc, Value a, Value bm,
                              RankedTensorType resultType) {
  auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank();
  Type elem = resultType.getElementType();
  if (at.getElementType() != elem || bt.getElementType() != elem || rank < 2)
    return nullptr;
  // [d0, .., dn-1] collapsed into [d0 * .. * d(split-1), d(split), ..].
  auto collapse = [&](Value v, int64_t split) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    if (split <= 1)
      return v;
    SmallVector<ReassociationIndices> groups(1);
    for (int64_t i = 0; i < split; ++i)
      groups[0].push_back(i);
    for (int64_t i = split; i < t.getRank(); ++i)
      groups.push_back({i});
    return tensor::CollapseShapeOp::create(b, loc, v, groups);
  };
  auto zeroInit = [&](RankedTensorType type, ArrayRef<std::pair<Value, int64_t>> sources) {
    Value init = emptyLike(b, loc, type, sources);
    Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
    return linalg::FillOp::create(b, loc, zero, init).getResult(0);
  };
  // Expands `flat` (leading dimensions folded at `split`) back to resultType.
  auto expand = [&](Value flat, int64_t split) -> Value {
    if (split <= 1)
      return flat;
    SmallVector<ReassociationIndices> groups(1);
    for (int64_t i = 0; i < split; ++i)
      groups[0].push_back(i);
    for (int64_t i = split; i < rank; ++i)
      groups.push_back({i});
    // Result sizes: leading and M from A, N from B.
    SmallVector<OpFoldResult> sizes;
    for (int64_t i = 0; i < rank; ++i) {
      if (!resultType.isDynamicDim(i)) {
        sizes.push_back(b.getIndexAttr(resultType.getDimSize(i)));
        continue;
      }
      Value src = i == rank - 1 ? bm : a;
      int64_t dim = i == rank - 1 ? bt.getRank() - 1 : i - (rank - at.getRank());
      sizes.push_back(tensor::DimOp::create(b, loc, src, dim).getResult());
    }
    int64_t dynamicInGroup = 0;
    for (int64_t i = 0; i < split; ++i)
      dynamicInGroup += resultType.isDynamicDim(i);
    if (dynamicInGroup > 1) {
      SmallVector<Value> outSizes;
      for (OpFoldResult size : sizes)
        outSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
      return reshapeByCopy(b, loc, flat, resultType, outSizes);
    }
    return tensor::ExpandShapeOp::create(b, loc, resultType, flat, groups, sizes);
  };
  if (bt.getRank() == 2 && at.getRank() == rank) {
    Value flatA = collapse(a, rank - 1);
    auto flatAType = cast<RankedTensorType>(flatA.getType());
    auto flatType = RankedTensorType::get({flatAType.getDimSize(0), bt.getDimSize(1)}, elem);
    Value init = zeroInit(flatType, {{flatA, 0}, {bm, 1}});
    Value product =
        linalg::MatmulOp::create(b, loc, TypeRange{flatType}, ValueRange{flatA, bm},
                                 ValueRange{init})
            .getResult(0);
    return expand(product, rank - 1);
  }
  if (rank >= 3 && at.getRank() == rank && bt.getRank() == rank) {
    for (int64_t i = 0; i < rank - 2; ++i)
      if (at.isDynamicDim(i) || at.getDimSize(i) != bt.getDimSize(i))
        return nullptr;
    Value flatA = collapse(a, rank - 2), flatB = collapse(bm, rank - 2);
    auto fa = cast<RankedTensorType>(flatA.getType());
    auto fb = cast<RankedTensorType>(flatB.getType());
    auto flatType =
        RankedTensorType::get({fa.getDimSize(0), fa.getDimSize(1), fb.getDimSize(2)}, elem);
    Value init = zeroInit(flatType, {{flatA, 0}, {flatA, 1}, {flatB, 2}});
    Value product =
        linalg::BatchMatmulOp::create(b, loc, TypeRange{flatType}, ValueRange{flatA, flatB},
                                      ValueRange{init})
            .getResult(0);
    return expand(product, rank - 2);
  }
  return nullptr;
}

Value loom::buildMatMul(OpBuilder &b, Location loc, Value a, Value bm,
                        RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  if (Value named = lowerMatMulNamed(b, loc, a, bm, resultType))
    return named;
  auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bm.getType());
  int64_t rank = resultType.getRank(); // batch..., M, N
  int64_t loops = rank + 1;            // + K
  AffineExpr m = getAffineDimExpr(rank - 2, ctx), n = getAffineDimExpr(rank - 1, ctx),
             k = getAffineDimExpr(rank, ctx);
  auto operandMap = [&](RankedTensorType t, AffineExpr row, AffineExpr col) {
    SmallVector<AffineExpr> exprs;
    int64_t batch = t.getRank() - 2, offset = (rank - 2) - batch;
    for (int64_t i = 0; i < batch; ++i)
      exprs.push_back(t.getDimSize(i) == 1 && resultType.getDimSize(offset + i) != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(offset + i, ctx));
    exprs.push_back(row);
    exprs.push_back(col);
    return AffineMap::get(loops, 0, exprs, ctx);
  };
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    outExprs.push_back(getAffineDimExpr(i, ctx));
  SmallVector<AffineMap> maps = {operandMap(at, m, k), operandMap(bt, k, n),
                                 AffineMap::get(loops, 0, outExprs, ctx)};
  SmallVector<std::pair<Value, int64_t>> sources(rank);
  for (int64_t i = 0; i < rank - 2; ++i) {
    int64_t ai = i - ((rank - 2) - (at.getRank() - 2));
    int64_t bi = i - ((rank - 2) - (bt.getRank() - 2));
    if (ai >= 0 && at.isDynamicDim(ai))
      sources[i] = {a, ai};
    else if (bi >= 0)
      sources[i] = {bm, bi};
  }
  sources[rank - 2] = {a, at.getRank() - 2};
  sources[rank - 1] = {bm, bt.getRank() - 1};
  Type elem = resultType.getElementType();
  Value init = emptyLike(b, loc, resultType, sources);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elem));
  init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  bool f = isFloat(elem);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{a, bm}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value prod = f ? Value(arith::MulFOp::create(nb, nloc, args[0], args[1]))
                              : Value(arith::MulIOp::create(nb, nloc, args[0], args[1]));
               Value sum = f ? Value(arith::AddFOp::create(nb, nloc, args[2], prod))
                             : Value(arith::AddIOp::create(nb, nloc, args[2], prod));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

static FailureOr<Value> lowerGemm(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // alpha * op(A) × op(B) + beta * C; transA/transB transpose first.
  auto transposed = [&](Value m) -> Value {
    auto mt = cast<RankedTensorType>(m.getType());
    auto tt = RankedTensorType::get({mt.getDimSize(1), mt.getDimSize(0)}, mt.getElementType());
    Value init = emptyLike(b, loc, tt, {{m, 1}, {m, 0}});
    return linalg::TransposeOp::create(b, loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
  };
  Value am = op->getOperand(0), bm = op->getOperand(1);
  if (intAttr(op, "transA").value_or(0))
    am = transposed(am);
  if (intAttr(op, "transB").value_or(0))
    bm = transposed(bm);
  Value y = buildMatMul(b, loc, am, bm, resultType);
  double alpha = 1.0, beta = 1.0;
  if (auto a = op->getAttrOfType<FloatAttr>("alpha"))
    alpha = a.getValueAsDouble();
  if (auto a = op->getAttrOfType<FloatAttr>("beta"))
    beta = a.getValueAsDouble();
  Type elem = resultType.getElementType();
  SmallVector<Value> ins = {y};
  if (op->getNumOperands() > 2)
    ins.push_back(op->getOperand(2));
  bool hasC = ins.size() > 1;
  return buildElementwise(b, loc, resultType, ins,
                          [&](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            Value r = a[0];
                            if (alpha != 1.0)
                              r = arith::MulFOp::create(nb, nloc, r,
                                  arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, alpha)));
                            if (!hasC)
                              return r;
                            Value c = a[1];
                            if (beta != 1.0)
                              c = arith::MulFOp::create(nb, nloc, c,
                                  arith::ConstantOp::create(nb, nloc, nb.getFloatAttr(elem, beta)));
                            return arith::AddFOp::create(nb, nloc, r, c);
                          });
}

/// MatMul with numpy's vector rules (ChatRWKV's `W @ x`, `x @ W`, a dot
/// product): a 1-D A is a [1, K] row, a 1-D B a [K, 1] column, and the
/// added dimension is dropped from the product.
static Value buildMatMulWithVectors(OpBuilder &b, Location loc, Value a, Value bm,
                                    RankedTensorType resultType) {
  auto at = cast<RankedTensorType>(a.getType()), bt = cast<RankedTensorType>(bm.getType());
  bool rowA = at.getRank() == 1, columnB = bt.getRank() == 1;
  if (!rowA && !columnB)
    return buildMatMul(b, loc, a, bm, resultType);
  if (rowA)
    a = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, at.getDimSize(0)}, at.getElementType()), a,
        SmallVector<ReassociationIndices>{{0, 1}});
  if (columnB)
    bm = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({bt.getDimSize(0), 1}, bt.getElementType()), bm,
        SmallVector<ReassociationIndices>{{0, 1}});
  // The product with the added 1s: [..., 1, N], [..., M, 1] or [1, 1].
  SmallVector<int64_t> shape(resultType.getShape());
  if (rowA && columnB)
    shape = {1, 1};
  else if (rowA)
    shape.insert(shape.end() - 1, 1);
  else
    shape.push_back(1);
  auto matrixType = RankedTensorType::get(shape, resultType.getElementType());
  Value product = buildMatMul(b, loc, a, bm, matrixType);
  SmallVector<ReassociationIndices> groups;
  int64_t rank = matrixType.getRank();
  if (rank > 2) {
    for (int64_t i = 0; i < rank - 2; ++i)
      groups.push_back({i});
    groups.push_back({rank - 2, rank - 1});
  } else if (!(rowA && columnB)) {
    groups.push_back({0, 1});
  }
  return tensor::CollapseShapeOp::create(b, loc, resultType, product, groups);
}

/// Rank-0 operands are not MatMul's; a 1-D one takes numpy's vector rule.
static std::string checkMatMulRanks(Operation *op, const LoweringState &) {
  for (Value v : op->getOperands().take_front(2))
    if (cast<RankedTensorType>(v.getType()).getRank() < 1)
      return "a MatMul operand is a scalar (rank 0); MatMul needs vectors or matrices";
  // A declared output type the inference could not check (found by
  // loom-model-fuzzer: a rank-1 result indexed the loops out of range).
  int64_t rankA = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
  int64_t rankB = cast<RankedTensorType>(op->getOperand(1).getType()).getRank();
  int64_t rank = std::max<int64_t>({rankA, rankB, 2}) - (rankA == 1) - (rankB == 1);
  int64_t declared = cast<RankedTensorType>(op->getResult(0).getType()).getRank();
  if (declared != rank)
    return "the output is declared with " + std::to_string(declared) +
           " dimension(s), but this op's output has " + std::to_string(rank);
  return "";
}

/// Gemm's A and B are matrices and C broadcasts to the result (a C that
/// does not built a linalg.generic its verifier rejected).
static std::string checkGemm(Operation *op, const LoweringState &) {
  for (Value v : op->getOperands().take_front(2))
    if (cast<RankedTensorType>(v.getType()).getRank() != 2)
      return "A and B must be 2-D";
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (op->getNumOperands() > 2 &&
      !broadcastMismatch(op->getOperand(2), resultType).empty())
    return "C of shape " +
           shapeText(cast<RankedTensorType>(op->getOperand(2).getType()).getShape()) +
           " does not broadcast to the result's shape " + shapeText(resultType.getShape());
  return "";
}

namespace {
/// An Einsum equation with its ellipses expanded: each operand's and the
/// output's subscripts as loop numbers (one loop per distinct letter, and
/// one per dimension an ellipsis stands for).
struct EinsumLoops {
  SmallVector<SmallVector<int64_t>> operands;
  SmallVector<int64_t> output;
  int64_t count = 0;
};
} // namespace

/// Parses `equation` for operands of `ranks`, or says why it cannot.
/// Ellipsis dimensions are aligned from the right (numpy); an operand with
/// fewer of them broadcasts over the missing leading ones.
static FailureOr<EinsumLoops> parseEinsum(StringRef equation, ArrayRef<int64_t> ranks,
                                          std::string &why) {
  std::string eq;
  for (char ch : equation)
    if (ch != ' ')
      eq.push_back(ch);
  StringRef text(eq);
  auto [inputsText, outputText] = text.split("->");
  bool explicitOutput = text.contains("->");
  SmallVector<StringRef> terms;
  inputsText.split(terms, ',');
  if (terms.size() != ranks.size()) {
    why = "the equation names " + std::to_string(terms.size()) + " operands but the node has " +
          std::to_string(ranks.size());
    return failure();
  }
  EinsumLoops loops;
  std::map<char, int64_t> letters;
  std::map<char, int64_t> occurrences;
  int64_t ellipsisRank = 0;
  SmallVector<SmallVector<int64_t>> ellipsisOf(terms.size());
  // First pass: letters and how many dimensions each ellipsis covers.
  for (auto [i, term] : llvm::enumerate(terms)) {
    size_t dots = term.find("...");
    int64_t named = 0;
    for (char ch : term)
      if (ch != '.') {
        if (!llvm::isAlpha(ch)) {
          why = std::string("subscript '") + ch + "' is not a letter";
          return failure();
        }
        ++named;
      }
    if (dots == StringRef::npos) {
      if (named != ranks[i]) {
        why = "operand " + std::to_string(i) + " has rank " + std::to_string(ranks[i]) +
              " but its subscripts '" + term.str() + "' name " + std::to_string(named);
        return failure();
      }
    } else {
      if (term.count("...") != 1 || term.count('.') != 3 || named > ranks[i]) {
        why = "operand " + std::to_string(i) + "'s subscripts '" + term.str() +
              "' do not fit its rank " + std::to_string(ranks[i]);
        return failure();
      }
      ellipsisRank = std::max(ellipsisRank, ranks[i] - named);
    }
  }
  // Ellipsis loops come first, then letters in order of appearance.
  loops.count = ellipsisRank;
  auto loopOf = [&](char ch) {
    auto [it, inserted] = letters.insert({ch, loops.count});
    if (inserted)
      ++loops.count;
    return it->second;
  };
  for (auto [i, term] : llvm::enumerate(terms)) {
    SmallVector<int64_t> subs;
    for (size_t p = 0; p < term.size(); ++p) {
      if (term[p] == '.') {
        int64_t n = ranks[i] - (int64_t(term.size()) - 3);
        for (int64_t e = ellipsisRank - n; e < ellipsisRank; ++e)
          subs.push_back(e);
        p += 2;
        continue;
      }
      subs.push_back(loopOf(term[p]));
      ++occurrences[term[p]];
    }
    loops.operands.push_back(subs);
  }
  if (explicitOutput) {
    for (size_t p = 0; p < outputText.size(); ++p) {
      if (outputText[p] == '.') {
        if (!outputText.substr(p).starts_with("...")) {
          why = "the output's subscripts '" + outputText.str() + "' are malformed";
          return failure();
        }
        for (int64_t e = 0; e < ellipsisRank; ++e)
          loops.output.push_back(e);
        p += 2;
        continue;
      }
      if (!letters.count(outputText[p]) || llvm::is_contained(loops.output, letters[outputText[p]])) {
        why = std::string("output subscript '") + outputText[p] +
              "' is not an operand subscript or is repeated";
        return failure();
      }
      loops.output.push_back(letters[outputText[p]]);
    }
  } else {
    // Implicit output: the ellipsis, then letters used once, alphabetically.
    for (int64_t e = 0; e < ellipsisRank; ++e)
      loops.output.push_back(e);
    for (auto [ch, n] : occurrences)
      if (n == 1)
        loops.output.push_back(letters[ch]);
  }
  return loops;
}

/// Einsum: one generic over all loops, output loops parallel, the others
/// summed; the body multiplies one element of each operand. A dimension of
/// static size 1 against a larger one broadcasts (reads index 0).
static FailureOr<Value> lowerEinsum(Operation *op, RankedTensorType resultType,
                                    PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  SmallVector<int64_t> ranks;
  for (Value v : op->getOperands())
    ranks.push_back(cast<RankedTensorType>(v.getType()).getRank());
  std::string why;
  EinsumLoops loops =
      *parseEinsum(op->getAttrOfType<StringAttr>("equation").getValue(), ranks, why);
  MLIRContext *ctx = b.getContext();
  // Each loop's size: a static size where one operand has it (other than a
  // broadcast 1), else a dynamic operand dimension.
  SmallVector<int64_t> staticSize(loops.count, ShapedType::kDynamic);
  SmallVector<std::pair<Value, int64_t>> dynamicSource(loops.count, {Value(), 0});
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    auto type = cast<RankedTensorType>(v.getType());
    for (auto [d, loop] : llvm::enumerate(loops.operands[i])) {
      int64_t size = type.getDimSize(d);
      if (!ShapedType::isDynamic(size) &&
          (ShapedType::isDynamic(staticSize[loop]) || staticSize[loop] == 1))
        staticSize[loop] = size;
      else if (ShapedType::isDynamic(size) && !dynamicSource[loop].first)
        dynamicSource[loop] = {v, int64_t(d)};
    }
  }
  SmallVector<AffineMap> maps;
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<AffineExpr> exprs;
    for (auto [d, loop] : llvm::enumerate(loops.operands[i]))
      exprs.push_back(type.getDimSize(d) == 1 && staticSize[loop] != 1
                          ? getAffineConstantExpr(0, ctx)
                          : getAffineDimExpr(loop, ctx));
    maps.push_back(AffineMap::get(loops.count, 0, exprs, ctx));
  }
  SmallVector<AffineExpr> outExprs;
  SmallVector<Value> outSizes;
  for (auto [d, loop] : llvm::enumerate(loops.output)) {
    outExprs.push_back(getAffineDimExpr(loop, ctx));
    if (!resultType.isDynamicDim(d))
      continue;
    if (dynamicSource[loop].first)
      outSizes.push_back(
          tensor::DimOp::create(b, loc, dynamicSource[loop].first, dynamicSource[loop].second));
    else
      outSizes.push_back(arith::ConstantIndexOp::create(b, loc, staticSize[loop]));
  }
  maps.push_back(AffineMap::get(loops.count, 0, outExprs, ctx));
  SmallVector<utils::IteratorType> iterators(loops.count, utils::IteratorType::reduction);
  for (int64_t loop : loops.output)
    iterators[loop] = utils::IteratorType::parallel;
  Type elem = resultType.getElementType();
  bool f = isFloat(elem);
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(), elem, outSizes);
  init = linalg::FillOp::create(b, loc,
                                arith::ConstantOp::create(b, loc, b.getZeroAttr(elem)).getResult(),
                                init)
             .getResult(0);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, op->getOperands(), ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value product = a[0];
               for (Value x : a.drop_front().drop_back())
                 product = f ? Value(arith::MulFOp::create(nb, nloc, product, x))
                             : Value(arith::MulIOp::create(nb, nloc, product, x));
               Value sum = f ? Value(arith::AddFOp::create(nb, nloc, a.back(), product))
                             : Value(arith::AddIOp::create(nb, nloc, a.back(), product));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

static std::string checkEinsum(Operation *op, const LoweringState &) {
  auto equation = op->getAttrOfType<StringAttr>("equation");
  if (!equation)
    return "the equation attribute is missing";
  SmallVector<int64_t> ranks;
  Type elem = cast<RankedTensorType>(op->getResult(0).getType()).getElementType();
  for (Value v : op->getOperands()) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getElementType() != elem)
      return "all operands must have the result's element type";
    ranks.push_back(type.getRank());
  }
  if (ranks.empty())
    return "Einsum needs at least one operand";
  std::string why;
  FailureOr<EinsumLoops> loops = parseEinsum(equation.getValue(), ranks, why);
  if (failed(loops))
    return "equation '" + equation.getValue().str() + "': " + why;
  if (int64_t(loops->output.size()) != cast<RankedTensorType>(op->getResult(0).getType()).getRank())
    return "equation '" + equation.getValue().str() + "' does not fit the result's rank";
  // Sizes one subscript stands for must agree (or be 1, broadcast).
  SmallVector<int64_t> sizeOf(loops->count, 1);
  for (auto [i, v] : llvm::enumerate(op->getOperands()))
    for (auto [d, loop] : llvm::enumerate(loops->operands[i])) {
      int64_t size = cast<RankedTensorType>(v.getType()).getDimSize(d);
      if (ShapedType::isDynamic(size) || size == 1)
        continue;
      if (sizeOf[loop] != 1 && sizeOf[loop] != size)
        return "equation '" + equation.getValue().str() + "': operand " + std::to_string(i) +
               " dimension " + std::to_string(d) + " has size " + std::to_string(size) +
               " where another operand's matching dimension has " + std::to_string(sizeOf[loop]);
      sizeOf[loop] = size;
    }
  return "";
}

/// Det: the input's batch axes collapsed into one ([batch, n, n]; a lone
/// matrix is a batch of one), loomrt's kernel writing [batch], the result
/// expanded back to the batch axes.
static FailureOr<Value> lowerDet(Operation *op, RankedTensorType resultType,
                                 PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  auto callee = op->getParentOfType<ModuleOp>().lookupSymbol<func::FuncOp>("loomrt_det_f32");
  // No linalg form: only the CPU pipeline, which declares loomrt's kernels
  // (loom-declare-runtime-kernels), lowers it.
  if (!callee)
    return op->emitError("Det needs loomrt's kernel; run loom-declare-runtime-kernels "
                         "before the lowering");
  Value x = op->getOperand(0);
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  auto size = [&](Value t, int64_t d) -> OpFoldResult {
    auto tt = cast<RankedTensorType>(t.getType());
    return tt.isDynamicDim(d) ? OpFoldResult(tensor::DimOp::create(b, loc, t, d).getResult())
                              : OpFoldResult(b.getIndexAttr(tt.getDimSize(d)));
  };
  Value matrices;
  if (rank == 2) {
    matrices = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1, type.getDimSize(0), type.getDimSize(1)}, b.getF32Type()),
        x, SmallVector<ReassociationIndices>{{0, 1}, {2}},
        SmallVector<OpFoldResult>{b.getIndexAttr(1), size(x, 0), size(x, 1)});
  } else {
    ReassociationIndices batchAxes;
    for (int64_t d = 0; d < rank - 2; ++d)
      batchAxes.push_back(d);
    matrices = tensor::CollapseShapeOp::create(
        b, loc, x, SmallVector<ReassociationIndices>{batchAxes, {rank - 2}, {rank - 1}});
  }
  Value batch = tensor::DimOp::create(b, loc, matrices, 0);
  Value out = memref::AllocOp::create(
      b, loc, MemRefType::get({ShapedType::kDynamic}, b.getF32Type()), ValueRange{batch});
  func::CallOp::create(b, loc, callee,
                       ValueRange{kernelView(b, loc, matrices),
                                  memref::CastOp::create(b, loc, kernelViewType(b.getF32Type(), 1),
                                                         out)});
  Value dets = bufferization::ToTensorOp::create(
      b, loc, RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type()), out,
      /*restrict=*/true, /*writable=*/true);
  if (rank == 2)
    return tensor::CollapseShapeOp::create(
               b, loc, RankedTensorType::get({}, b.getF32Type()),
               tensor::CastOp::create(b, loc, RankedTensorType::get({1}, b.getF32Type()), dets),
               SmallVector<ReassociationIndices>{})
        .getResult();
  SmallVector<OpFoldResult> batchSizes;
  ReassociationIndices all;
  for (int64_t d = 0; d < rank - 2; ++d) {
    batchSizes.push_back(size(x, d));
    all.push_back(d);
  }
  // The collapsed batch is static when every batch axis is.
  ArrayRef<int64_t> batchShape = type.getShape().drop_back(2);
  if (llvm::none_of(batchShape, ShapedType::isDynamic)) {
    int64_t total = 1;
    for (int64_t d : batchShape)
      total *= d;
    dets = tensor::CastOp::create(b, loc, RankedTensorType::get({total}, b.getF32Type()), dets);
  }
  Value result = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(batchShape, b.getF32Type()), dets,
      SmallVector<ReassociationIndices>{all}, batchSizes);
  return result.getType() == resultType ? result
                                        : Value(tensor::CastOp::create(b, loc, resultType, result));
}

static std::string checkDet(Operation *op, const LoweringState &) {
  auto type = cast<RankedTensorType>(op->getOperand(0).getType());
  if (!type.getElementType().isF32())
    return "only f32 matrices are supported";
  if (type.getRank() < 2)
    return "the input must be a matrix or a batch of matrices";
  int64_t rows = type.getDimSize(type.getRank() - 2), cols = type.getDimSize(type.getRank() - 1);
  if (!ShapedType::isDynamic(rows) && !ShapedType::isDynamic(cols) && rows != cols)
    return "the matrices must be square (they are " + std::to_string(rows) + "x" +
           std::to_string(cols) + ")";
  return "";
}

void loom::populateMatMulLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add("onnx.Det", lowerDet, checkDet);
  patterns.add(
      "onnx.MatMul",
      [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
         const LoweringState &) -> FailureOr<Value> {
        return buildMatMulWithVectors(b, op->getLoc(), op->getOperand(0), op->getOperand(1),
                                      resultType);
      },
      checkMatMulRanks);
  patterns.add("onnx.Gemm", lowerGemm, checkGemm);
  patterns.add("onnx.Einsum", lowerEinsum, checkEinsum);
}
