//===- LoweringPatterns.cpp - the per-op lowering driver -------*- C++ -*-===//
//
// Checks every op before rewriting any (so that a model is reported whole,
// never left half lowered), then rewrites in program order.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LoweringPatterns.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/StringSet.h"

#include <algorithm>

using namespace mlir;

std::string loom::describeNode(Operation *op) {
  std::string type = op->getName().getStringRef().split('.').second.str();
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    return "node '" + name.getName().str() + "' (" + type + ")";
  return type;
}

/// The rank an op's output must have where the op alone decides it: the
/// first input's (elementwise, windows, layout) or the broadcast of all its
/// inputs'; nullopt for the others. A model's declared output type is kept
/// where ONNX's inference could not check it (its inference failed, or
/// run-time values left it no shape), and the lowerings index the output
/// by the input's dimensions: a wrong rank must be refused before them
/// (loom-model-fuzzer found Slice and Conv asserting on one). ConvTranspose
/// is left to its own check, whose message names its output_shape.
static std::optional<int64_t> requiredResultRank(Operation *op) {
  static const llvm::StringSet<> sameRank = {
      "onnx.Abs", "onnx.Acos", "onnx.Acosh", "onnx.Asin", "onnx.Asinh", "onnx.Atan",
      "onnx.Atanh", "onnx.AveragePool", "onnx.BatchNormalization", "onnx.Cast",
      "onnx.CastLike", "onnx.Ceil", "onnx.Celu", "onnx.Clip", "onnx.Conv",
      "onnx.Cos", "onnx.Cosh", "onnx.CumSum", "onnx.DepthToSpace", "onnx.Dropout", "onnx.Elu",
      "onnx.Erf", "onnx.Exp", "onnx.Floor", "onnx.Gelu", "onnx.GlobalAveragePool",
      "onnx.GlobalMaxPool", "onnx.Hardmax", "onnx.HardSigmoid", "onnx.HardSwish",
      "onnx.Identity", "onnx.InstanceNormalization", "onnx.IsInf", "onnx.IsNaN",
      "onnx.LayerNormalization", "onnx.LeakyRelu", "onnx.Log", "onnx.LogSoftmax", "onnx.LpPool",
      "onnx.LRN", "onnx.MaxPool", "onnx.Mish", "onnx.Neg", "onnx.Not", "onnx.Pad",
      "onnx.Reciprocal", "onnx.Relu", "onnx.Round", "onnx.Selu", "onnx.Shrink", "onnx.Sigmoid",
      "onnx.Sign", "onnx.Sin", "onnx.Sinh", "onnx.Slice", "onnx.Softmax", "onnx.Softplus",
      "onnx.Softsign", "onnx.SpaceToDepth", "onnx.Split", "onnx.Sqrt", "onnx.Tan", "onnx.Tanh",
      "onnx.ThresholdedRelu", "onnx.Tile", "onnx.TopK", "onnx.Transpose", "onnx.Trilu"};
  static const llvm::StringSet<> broadcastRank = {
      "onnx.Add", "onnx.And", "onnx.BitShift", "onnx.BitwiseAnd", "onnx.BitwiseOr",
      "onnx.BitwiseXor", "onnx.Div", "onnx.Equal", "onnx.Greater", "onnx.GreaterOrEqual",
      "onnx.Less", "onnx.LessOrEqual", "onnx.Max", "onnx.Mean", "onnx.Min", "onnx.Mod",
      "onnx.Mul", "onnx.Or", "onnx.Pow", "onnx.PRelu", "onnx.Sub", "onnx.Sum", "onnx.Where",
      "onnx.Xor"};
  StringRef name = op->getName().getStringRef();
  if (op->getNumOperands() == 0)
    return std::nullopt;
  auto rankOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getRank(); };
  if (sameRank.contains(name))
    return rankOf(op->getOperand(0));
  if (!broadcastRank.contains(name))
    return std::nullopt;
  int64_t rank = 0;
  for (Value operand : op->getOperands())
    rank = std::max(rank, rankOf(operand));
  return rank;
}

loom::LoweringPattern::LoweringPattern(StringRef opName, MLIRContext *ctx,
                                       const LoweringState &state, LowerFn lower,
                                       CheckFn check, UnsignedIntegers unsignedIntegers)
    : RewritePattern(opName, /*benefit=*/1, ctx), state(state), lower(std::move(lower)),
      check(std::move(check)), unsignedIntegers(unsignedIntegers) {}

std::string loom::LoweringPattern::unsupportedReason(Operation *op) const {
  for (Type t : llvm::concat<Type>(op->getOperandTypes(), op->getResultTypes())) {
    auto ranked = dyn_cast<RankedTensorType>(t);
    if (!ranked)
      return "its operand and result types must be ranked tensors";
    Type e = ranked.getElementType();
    bool unsignedOk =
        e.isUnsignedInteger() && unsignedIntegers == UnsignedIntegers::accepted;
    if (!isa<FloatType>(e) && !e.isSignlessInteger() && !unsignedOk) {
      std::string text;
      llvm::raw_string_ostream os(text);
      os << "element type " << e << " is not supported yet";
      return text;
    }
  }
  StringRef name = op->getName().getStringRef();
  if (std::optional<int64_t> rank = requiredResultRank(op); rank && op->getNumResults() > 0) {
    // Split's and TopK's outputs all keep the input's rank; the others' first.
    bool allResults = llvm::is_contained({"onnx.Split", "onnx.TopK"}, name);
    for (unsigned i = 0; i < (allResults ? op->getNumResults() : 1); ++i) {
      int64_t declared = cast<RankedTensorType>(op->getResult(i).getType()).getRank();
      if (declared != *rank)
        return (op->getNumResults() == 1 ? std::string("the output")
                                         : "output " + std::to_string(i)) +
               " is declared with " + std::to_string(declared) +
               " dimension(s), but this op's output has " + std::to_string(*rank);
    }
  }
  // An `axis` outside the operand's dimensions (ONNX rejects it; the
  // lowerings index by it). Flatten's axis may also be the rank itself;
  // OneHot's counts in its result, and the quantizers' matters only with
  // per-axis parameters (their own checks look at those).
  bool axisOfInput = !llvm::is_contained(
      {"onnx.OneHot", "onnx.QuantizeLinear", "onnx.DequantizeLinear"}, name);
  if (auto axis = op->getAttrOfType<IntegerAttr>("axis");
      axis && axisOfInput && op->getNumOperands() > 0) {
    int64_t rank = cast<RankedTensorType>(op->getOperand(0).getType()).getRank();
    int64_t high = name == "onnx.Flatten" ? rank : rank - 1;
    int64_t value = axis.getValue().getSExtValue();
    if (value < -rank || value > high)
      return "axis " + std::to_string(value) + " is out of range for an input of rank " +
             std::to_string(rank);
  }
  return check ? check(op, state) : "";
}

LogicalResult loom::LoweringPattern::matchAndRewrite(Operation *op,
                                                     PatternRewriter &rewriter) const {
  if (op->getNumResults() == 0 || !unsupportedReason(op).empty())
    return failure();
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  // The uses of unsigned results: whatever replaces them is unsigned too,
  // for the patterns of the ops that read it.
  SmallVector<OpOperand *> unsignedUses;
  for (Value result : op->getResults())
    if (state.isUnsigned(result))
      for (OpOperand &use : result.getUses())
        unsignedUses.push_back(&use);
  rewriter.setInsertionPoint(op);
  FailureOr<Value> replacement = lower(op, resultType, rewriter, state);
  if (failed(replacement) || !*replacement)
    return failure();
  if (state.isUnsigned(op->getResult(0)))
    state.unsignedValues.insert(*replacement);
  Value value = *replacement;
  // A lowering may know more static sizes than the op's (unrefined) result
  // type says, or fewer: a cast keeps the users' types.
  if (value.getType() != resultType &&
      tensor::CastOp::areCastCompatible(value.getType(), resultType))
    value = tensor::CastOp::create(rewriter, op->getLoc(), resultType, value);
  rewriter.replaceAllUsesWith(op->getResult(0), value);
  rewriter.eraseOp(op);
  for (OpOperand *use : unsignedUses)
    state.unsignedValues.insert(use->get());
  return success();
}

void loom::LoweringPatternSet::add(StringRef opName, LowerFn lower, CheckFn check,
                                   UnsignedIntegers unsignedIntegers) {
  assert(!byName.count(opName) && "one lowering pattern per op name");
  patterns.push_back(std::make_unique<LoweringPattern>(opName, ctx, state, std::move(lower),
                                                       std::move(check), unsignedIntegers));
  byName[opName] = patterns.back().get();
}

void loom::LoweringPatternSet::add(ArrayRef<StringRef> opNames, const LowerFn &lower,
                                   const CheckFn &check, UnsignedIntegers unsignedIntegers) {
  for (StringRef name : opNames)
    add(name, lower, check, unsignedIntegers);
}

const loom::LoweringPattern *loom::LoweringPatternSet::lookup(StringRef opName) const {
  return byName.lookup(opName);
}

std::string loom::unsupportedReason(const LoweringPatternSet &patterns, Operation *op) {
  StringRef name = op->getName().getStringRef();
  const LoweringPattern *pattern = patterns.lookup(name);
  if (!pattern)
    return "no CPU lowering for " + name.split('.').second.str() + " yet";
  return pattern->unsupportedReason(op);
}

/// The terminator of an If/Loop subgraph (onnx.yield): its parent's
/// pattern rewrites it along with the region.
static bool isSubgraphTerminator(Operation *op) {
  return op->getName().getStringRef() == "onnx.yield";
}

std::vector<loom::UnlowerableOp> loom::findUnlowerableOps(func::FuncOp func,
                                                          const LoweringPatternSet &patterns,
                                                          StringRef dialect) {
  std::vector<UnlowerableOp> found;
  func.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() != dialect || isSubgraphTerminator(op))
      return;
    std::string reason = unsupportedReason(patterns, op);
    if (!reason.empty())
      found.push_back({op, std::move(reason)});
  });
  return found;
}

LogicalResult loom::reportUnlowerableOps(ArrayRef<UnlowerableOp> ops) {
  for (const UnlowerableOp &unlowerable : ops)
    unlowerable.op->emitError() << describeNode(unlowerable.op) << ": " << unlowerable.reason;
  return success(ops.empty());
}

LogicalResult loom::applyLoweringPatterns(func::FuncOp func, const LoweringPatternSet &patterns,
                                          StringRef dialect) {
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (op->getName().getDialectNamespace() == dialect && !isSubgraphTerminator(op))
      ops.push_back(op);
  });
  PatternRewriter rewriter(func.getContext());
  for (Operation *op : ops) {
    const LoweringPattern *pattern = patterns.lookup(op->getName().getStringRef());
    if (!pattern || failed(pattern->matchAndRewrite(op, rewriter))) {
      // The ops were checked before any was rewritten; a reason that shows
      // only now is a check that does not see an operand in its lowered
      // form, loom's bug, which the reason helps to find.
      std::string reason = pattern ? pattern->unsupportedReason(op) : std::string();
      return op->emitError() << describeNode(op) << ": lowering failed"
                             << (reason.empty() ? "" : " (" + reason + ")");
    }
  }
  return success();
}

llvm::DenseSet<Value> loom::collectUnsignedValues(func::FuncOp func) {
  llvm::DenseSet<Value> values;
  auto isUnsigned = [](Value v) {
    auto ranked = dyn_cast<RankedTensorType>(v.getType());
    return ranked && ranked.getElementType().isUnsignedInteger();
  };
  for (BlockArgument arg : func.getArguments())
    if (isUnsigned(arg))
      values.insert(arg);
  func.walk([&](Operation *op) {
    for (Value v : op->getResults())
      if (isUnsigned(v))
        values.insert(v);
  });
  return values;
}
