//===- DecodeOps.cpp - decode dialect ---------------------------*- C++ -*-===//
//
// The KV cache type and the verifiers of the generation-procedure ops.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Decode/IR/DecodeOps.h"

#include "loom-c/Abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace loom::decode;

// loomrt reads the strategy as a number (loom-c/Abi.h).
static_assert(int(SamplingStrategy::greedy) == LOOM_ABI_SAMPLE_GREEDY &&
                  int(SamplingStrategy::categorical) == LOOM_ABI_SAMPLE_CATEGORICAL &&
                  int(SamplingStrategy::caller) == LOOM_ABI_SAMPLE_CALLER,
              "decode.sample's strategies must be numbered as loom-c/Abi.h says");

#include "loom/Dialect/Decode/IR/DecodeDialect.cpp.inc"
#include "loom/Dialect/Decode/IR/DecodeEnums.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "loom/Dialect/Decode/IR/DecodeTypes.cpp.inc"

void DecodeDialect::initialize() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "loom/Dialect/Decode/IR/DecodeTypes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "loom/Dialect/Decode/IR/DecodeOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// KVCacheType
//===----------------------------------------------------------------------===//

/// Caches past this size are rejected as a typo rather than lowered into an
/// allocation that can never succeed (1 TiB).
static constexpr uint64_t kMaxCacheBytes = uint64_t(1) << 40;

LogicalResult KVCacheType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t layers, int64_t kvHeads,
                                  int64_t headDim, int64_t maxLength,
                                  Type elementType) {
  for (auto [name, value] :
       {std::pair<StringRef, int64_t>{"layers", layers}, {"kv_heads", kvHeads},
        {"head_dim", headDim}, {"max_len", maxLength}})
    if (value <= 0)
      return emitError() << "kv_cache " << name << " must be positive, got " << value;
  if (!isa<FloatType>(elementType))
    return emitError() << "kv_cache element type must be a float type, got "
                       << elementType;
  // Checked in floating point so that the product itself cannot overflow.
  double bytes = 2.0 * double(layers) * double(kvHeads) * double(headDim) *
                 double(maxLength) *
                 double(elementType.getIntOrFloatBitWidth()) / 8.0;
  if (bytes > double(kMaxCacheBytes))
    return emitError() << "kv_cache needs " << uint64_t(bytes / double(1 << 30))
                       << " GiB, over the 1 TiB limit";
  return success();
}

uint64_t KVCacheType::getSizeInBytes() const {
  return 2 * uint64_t(getLayers()) * uint64_t(getKvHeads()) *
         uint64_t(getHeadDim()) * uint64_t(getMaxLength()) *
         getElementType().getIntOrFloatBitWidth() / 8;
}

RankedTensorType KVCacheType::getEntriesType() const {
  return RankedTensorType::get({1, getKvHeads(), ShapedType::kDynamic, getHeadDim()},
                               getElementType());
}

//===----------------------------------------------------------------------===//
// LoopOp
//===----------------------------------------------------------------------===//

LogicalResult LoopOp::verify() {
  auto cacheType = cast<KVCacheType>(getCache().getType());
  for (int64_t token : getStopTokens())
    if (token < 0)
      return emitOpError("stop token ") << token << " is negative";

  Block &body = getBody().front();
  Type ids = RankedTensorType::get({ShapedType::kDynamic},
                                   IntegerType::get(getContext(), 64));
  Type expected[] = {ids, IndexType::get(getContext()), cacheType, ids};
  if (body.getNumArguments() != 3 && body.getNumArguments() != 4)
    return emitOpError("body must take (token ids, position, cache) and optionally the "
                       "history, got ")
           << body.getNumArguments() << " arguments";
  for (auto [i, arg] : llvm::enumerate(body.getArguments()))
    if (arg.getType() != expected[i])
      return emitOpError("body argument #")
             << i << " must be " << expected[i] << ", got " << arg.getType();

  auto yield = dyn_cast<YieldOp>(body.getTerminator());
  if (!yield)
    return emitOpError("body must end with decode.yield");
  if (yield.getCache().getType() != cacheType)
    return emitOpError("body yields cache type ")
           << yield.getCache().getType() << ", expected " << cacheType;
  if (auto tokens = dyn_cast<RankedTensorType>(yield.getToken().getType()))
    if (!tokens.isDynamicDim(0) && tokens.getDimSize(0) < 1)
      return emitOpError("body must yield at least one token");
  if (getFork()) {
    // The lowering runs the body up to the sample once (the shared prefill)
    // and the sample once per branch: the sample must be separable.
    auto sample = yield.getToken().getDefiningOp<SampleOp>();
    if (body.getNumArguments() != 3 || !sample || sample->getBlock() != &body ||
        sample.getStrategy() != SamplingStrategy::caller || !sample->hasOneUse())
      return emitOpError("with fork, the body must take (token ids, position, cache) and "
                         "yield the one token of a decode.sample caller used nowhere else");
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Speculation trees
//===----------------------------------------------------------------------===//

LogicalResult loom::decode::verifyTokenTree(ArrayRef<int64_t> parents,
                                            function_ref<InFlightDiagnostic()> emitError) {
  if (parents.empty())
    return emitError() << "the speculation tree is empty: it needs at least the root";
  if (int64_t(parents.size()) > kMaxTreeNodes)
    return emitError() << "the speculation tree has " << parents.size()
                       << " nodes, more than " << kMaxTreeNodes;
  if (parents[0] != -1)
    return emitError() << "node 0 of the speculation tree is the root: its parent must be "
                          "-1, got "
                       << parents[0];
  for (auto [i, parent] : llvm::enumerate(parents))
    if (i > 0 && (parent < 0 || parent >= int64_t(i)))
      return emitError() << "node " << i << " of the speculation tree has parent " << parent
                         << "; a parent must be an earlier node (0 to " << i - 1 << ")";
  return success();
}

SmallVector<int64_t> loom::decode::tokenTreeDepths(ArrayRef<int64_t> parents) {
  SmallVector<int64_t> depth(parents.size(), 0);
  for (size_t i = 1; i < parents.size(); ++i)
    depth[i] = depth[size_t(parents[i])] + 1;
  return depth;
}

int64_t loom::decode::tokenTreeHeight(ArrayRef<int64_t> parents) {
  SmallVector<int64_t> depth = tokenTreeDepths(parents);
  return depth.empty() ? 0 : *llvm::max_element(depth) + 1;
}

bool loom::decode::isTokenChain(ArrayRef<int64_t> parents) {
  for (auto [i, parent] : llvm::enumerate(parents))
    if (parent != int64_t(i) - 1)
      return false;
  return true;
}

/// The tree attribute is valid and `path` has one entry per level.
static LogicalResult verifyPath(Operation *op, ArrayRef<int64_t> tree, Type path) {
  auto error = [&] { return op->emitOpError(); };
  if (failed(verifyTokenTree(tree, error)))
    return failure();
  auto type = cast<RankedTensorType>(path);
  int64_t height = tokenTreeHeight(tree);
  if (type.isDynamicDim(0) || type.getDimSize(0) != height)
    return op->emitOpError("path must be tensor<") << height << "xi64> (one node per level of "
                                                      "the tree), got "
                                                   << path;
  return success();
}

LogicalResult DraftOp::verify() {
  if (failed(verifyTokenTree(getTree(), [&] { return emitOpError(); })))
    return failure();
  auto tokens = cast<RankedTensorType>(getTokens().getType());
  if (tokens.isDynamicDim(0) || tokens.getDimSize(0) != int64_t(getTree().size()))
    return emitOpError("tokens must be tensor<") << getTree().size()
                                                 << "xi64> (one per tree node), got " << tokens;
  if (getMaxNgram() < 1 || getMaxNgram() > 64)
    return emitOpError("max_ngram must be in [1, 64], got ") << getMaxNgram();
  return success();
}

/// A model's drafts (decode.draft_steps, decode.draft_model): a chain, a
/// token per node, one root token.
template <typename DraftOp>
static LogicalResult verifyModelDraft(DraftOp op) {
  ArrayRef<int64_t> tree = op.getTree();
  if (failed(verifyTokenTree(tree, [&] { return op.emitOpError(); })))
    return failure();
  if (!isTokenChain(tree))
    return op.emitOpError("drafts a chain (each node the child of the one before)");
  auto tokens = cast<RankedTensorType>(op.getTokens().getType());
  if (tokens.isDynamicDim(0) || tokens.getDimSize(0) != int64_t(tree.size()))
    return op.emitOpError("tokens must be tensor<")
           << tree.size() << "xi64> (one per tree node), got " << tokens;
  auto root = cast<RankedTensorType>(op.getRoot().getType());
  if (!root.isDynamicDim(0) && root.getDimSize(0) != 1)
    return op.emitOpError("root must be one token, got ") << root;
  return success();
}

LogicalResult DraftStepsOp::verify() { return verifyModelDraft(*this); }

LogicalResult DraftStepsOp::verifySymbolUses(SymbolTableCollection &symbols) {
  auto step = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, getStepAttr());
  if (!step)
    return emitOpError("step '") << getStep() << "' is not a function";
  FunctionType type = step.getFunctionType();
  Type cache = getCache().getType();
  if (type.getNumInputs() != 3 || type.getNumResults() != 2 ||
      type.getInput(0) != RankedTensorType::get({1}, IntegerType::get(getContext(), 64)) ||
      !type.getInput(1).isIndex() || type.getInput(2) != cache || type.getResult(1) != cache ||
      !isa<RankedTensorType>(type.getResult(0)) ||
      cast<RankedTensorType>(type.getResult(0)).getRank() != 1)
    return emitOpError("step '") << getStep()
                                 << "' must be (tensor<1xi64>, index, cache) -> (logits row, "
                                    "cache), got "
                                 << type;
  return success();
}

LogicalResult DraftModelOp::verify() { return verifyModelDraft(*this); }

LogicalResult DraftModelOp::verifySymbolUses(SymbolTableCollection &symbols) {
  Type cache = getCache();
  Type i64 = IntegerType::get(getContext(), 64);
  // (ids, index, cache) -> (logits row, cache), ids of `length` tokens.
  auto check = [&](FlatSymbolRefAttr name, int64_t length, StringRef what) -> LogicalResult {
    auto step = symbols.lookupNearestSymbolFrom<func::FuncOp>(*this, name);
    if (!step)
      return emitOpError(what) << " '" << name.getValue() << "' is not a function";
    FunctionType type = step.getFunctionType();
    auto logits = type.getNumResults() == 2 ? dyn_cast<RankedTensorType>(type.getResult(0))
                                            : nullptr;
    if (type.getNumInputs() != 3 || !logits || logits.getRank() != 1 ||
        type.getInput(0) != RankedTensorType::get({length}, i64) ||
        !type.getInput(1).isIndex() || type.getInput(2) != cache || type.getResult(1) != cache)
      return emitOpError(what) << " '" << name.getValue() << "' must be (tensor<"
                               << (length == 1 ? "1" : "?")
                               << "xi64>, index, cache) -> (logits row, cache) with the "
                                  "op's cache type, got "
                               << type;
    return success();
  };
  if (failed(check(getStepAttr(), 1, "step")) ||
      failed(check(getCatchUpAttr(), ShapedType::kDynamic, "catch_up")))
    return failure();
  return success();
}

LogicalResult VerifyOp::verify() {
  if (failed(verifyPath(*this, getTree(), getPath().getType())))
    return failure();
  auto nodes = int64_t(getTree().size());
  auto logits = cast<RankedTensorType>(getLogits().getType());
  if (logits.getRank() != 2)
    return emitOpError("logits must be [nodes, vocab], got ") << logits;
  if (!logits.isDynamicDim(0) && logits.getDimSize(0) > nodes)
    return emitOpError("logits have ") << logits.getDimSize(0) << " rows for a tree of "
                                       << nodes << " nodes";
  auto tokens = cast<RankedTensorType>(getTokens().getType());
  if (tokens.isDynamicDim(0) || tokens.getDimSize(0) != nodes)
    return emitOpError("tokens must be tensor<") << nodes << "xi64> (one per tree node), got "
                                                 << tokens;
  if (getStrategy() == SamplingStrategy::categorical)
    return emitOpError("verification is greedy or follows the caller's options (caller)");
  return success();
}

LogicalResult CommitOp::verify() {
  return verifyPath(*this, getTree(), getPath().getType());
}

OpFoldResult CommitOp::fold(FoldAdaptor) {
  // A chain's accepted nodes already sit at position + depth.
  if (isTokenChain(getTree()))
    return getCache();
  return {};
}

//===----------------------------------------------------------------------===//
// CacheAppendOp
//===----------------------------------------------------------------------===//

void CacheAppendOp::build(OpBuilder &b, OperationState &state, Value cache, int64_t layer,
                          CacheKind kind, Value newEntries, Value position,
                          Type presentType) {
  build(b, state, presentType, cache.getType(), cache, b.getI64IntegerAttr(layer),
        CacheKindAttr::get(b.getContext(), kind), newEntries, position);
}

LogicalResult CacheAppendOp::verify() {
  auto cache = cast<KVCacheType>(getCache().getType());
  int64_t layer = static_cast<int64_t>(getLayer());
  if (layer < 0 || layer >= cache.getLayers())
    return emitOpError("layer ") << layer << " is outside the cache's "
                                 << cache.getLayers() << " layers";
  auto entries = cast<RankedTensorType>(getNewEntries().getType());
  auto present = cast<RankedTensorType>(getPresent().getType());
  for (auto [what, type] : {std::pair<StringRef, RankedTensorType>{"new entries", entries},
                            {"present", present}}) {
    if (type.getRank() != 4)
      return emitOpError() << what << " must be [1, kv_heads, length, head_dim], got "
                           << type;
    if (type.getElementType() != cache.getElementType())
      return emitOpError() << what << " have element type " << type.getElementType()
                           << ", the cache holds " << cache.getElementType();
    int64_t expected[] = {1, cache.getKvHeads(), ShapedType::kDynamic, cache.getHeadDim()};
    for (int i : {0, 1, 3})
      if (!ShapedType::isDynamic(type.getDimSize(i)) && type.getDimSize(i) != expected[i])
        return emitOpError() << what << " dimension " << i << " is " << type.getDimSize(i)
                             << ", the cache needs " << expected[i];
  }
  return success();
}

//===----------------------------------------------------------------------===//
// SampleOp
//===----------------------------------------------------------------------===//

LogicalResult SampleOp::verify() {
  auto logits = getLogits().getType();
  if (logits.getRank() != 1 && logits.getRank() != 2)
    return emitOpError("logits must be [vocab] or [batch, vocab], got rank ")
           << logits.getRank();
  Type tokenType = getToken().getType();
  if (logits.getRank() == 1 && !tokenType.isInteger(64))
    return emitOpError("one row of logits gives an i64 token, not ") << tokenType;
  if (logits.getRank() == 2) {
    auto tokens = dyn_cast<RankedTensorType>(tokenType);
    if (!tokens)
      return emitOpError("[batch, vocab] logits give tensor<batch x i64>, not ")
             << tokenType;
    int64_t b = tokens.getDimSize(0), lb = logits.getDimSize(0);
    if (!ShapedType::isDynamic(b) && !ShapedType::isDynamic(lb) && b != lb)
      return emitOpError("result has ") << b << " tokens for " << lb << " rows of logits";
  }
  int64_t vocab = logits.getDimSize(logits.getRank() - 1);

  if (getStrategy() == SamplingStrategy::greedy) {
    if (getCounter())
      return emitOpError("greedy sampling is deterministic and takes no counter");
    for (StringRef name : {"temperature", "top_k", "top_p", "min_p", "seed"})
      if ((*this)->hasAttr(name))
        return emitOpError("greedy sampling takes no '") << name << "'";
    return success();
  }

  if (getStrategy() == SamplingStrategy::caller) {
    if (!getCounter())
      return emitOpError("caller sampling needs a counter operand (the position)");
    for (StringRef name : {"temperature", "top_k", "top_p", "min_p", "seed"})
      if ((*this)->hasAttr(name))
        return emitOpError("caller sampling takes its '")
               << name << "' from the generate call, not from an attribute";
    return success();
  }

  if (!getCounter())
    return emitOpError("categorical sampling needs a counter operand (the "
                       "position) for its counter-based random numbers");
  if (auto t = getTemperatureAttr()) {
    double v = t.getValueAsDouble();
    if (!std::isfinite(v) || v <= 0.0)
      return emitOpError("temperature must be positive and finite, got ")
             << v << " (use greedy for temperature 0)";
  }
  if (auto k = getTopKAttr()) {
    int64_t v = k.getInt();
    if (v < 0)
      return emitOpError("top_k must be >= 0 (0 keeps every token), got ") << v;
    if (!ShapedType::isDynamic(vocab) && v > vocab)
      return emitOpError("top_k ") << v << " exceeds the vocabulary of " << vocab;
  }
  if (auto p = getTopPAttr()) {
    double v = p.getValueAsDouble();
    if (!(v > 0.0 && v <= 1.0))
      return emitOpError("top_p must be in (0, 1], got ") << v;
  }
  if (auto p = getMinPAttr()) {
    double v = p.getValueAsDouble();
    if (!(v >= 0.0 && v < 1.0))
      return emitOpError("min_p must be in [0, 1), got ") << v;
  }
  return success();
}

#define GET_OP_CLASSES
#include "loom/Dialect/Decode/IR/DecodeOps.cpp.inc"
