//===- Speculate.cpp - decode steps that draft, verify and commit -*- C++ -*-===//
//
// A decode step feeds one token and reads every weight once for it. A
// speculative step feeds the token and a tree of drafted continuations in one
// call (a short prefill, which reads the weights once too), keeps the path the
// target agrees with and adds the target's own next token: several tokens
// for one pass over the weights when drafts are good, and the same tokens as
// plain decoding in every case. This pass rewrites @loom_generate's
// decode.loop body into that form; decode.draft, decode.verify and
// decode.commit stay visible until loom-decode-lower.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Dialect/Loom/IR/LoomOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

#include <limits>

namespace loom::decode {
#define GEN_PASS_DEF_LOOMDECODESPECULATEPASS
#include "loom/Dialect/Decode/Transforms/Passes.h.inc"
} // namespace loom::decode

using namespace mlir;
using namespace loom::decode;

namespace {

struct LoomDecodeSpeculatePass
    : loom::decode::impl::LoomDecodeSpeculatePassBase<LoomDecodeSpeculatePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fail = [&](const Twine &message) {
      module.emitError("loom-decode-speculate: ") << message;
      signalPassFailure();
    };
    if (draft != "ngram" && draft != "self" && draft != "model")
      return fail("unknown draft source '" + draft + "' (known: ngram, self, model)");
    if (maxNgram < 1 || maxNgram > 64)
      return fail("max-ngram must be in [1, 64], got " + Twine(int64_t(maxNgram)));
    SmallVector<int64_t> parents(tree.begin(), tree.end());
    if (parents.empty())
      parents = {-1, 0, 1, 2, 3};
    if (failed(verifyTokenTree(parents, [&] {
          return module.emitError("loom-decode-speculate: ");
        })))
      return signalPassFailure();
    if (parents.size() < 2)
      return fail("the speculation tree has only the root: it drafts nothing");

    auto generate = module.lookupSymbol<func::FuncOp>(kGenerateFunction);
    auto prefill = module.lookupSymbol<func::FuncOp>(kPrefillStep);
    if (!generate || !prefill)
      return fail(Twine("the module has no @") + kGenerateFunction + " and @" + kPrefillStep +
                  " (run loom-decode-wrap-step first)");
    SmallVector<LoopOp> loops;
    generate.walk([&](LoopOp loop) { loops.push_back(loop); });
    if (loops.size() != 1)
      return fail(Twine("@") + kGenerateFunction + " must hold one decode.loop, it holds " +
                  Twine(loops.size()));
    LoopOp loop = loops.front();
    if (loop.getBody().front().getNumArguments() != 3)
      return fail("the decode.loop is speculative already");

    auto cacheType = cast<KVCacheType>(loop.getCache().getType());
    if (tokenTreeHeight(parents) > cacheType.getMaxLength())
      return fail("the speculation tree is " + Twine(tokenTreeHeight(parents)) +
                  " levels deep, more than the cache's " + Twine(cacheType.getMaxLength()) +
                  " positions");
    FailureOr<SamplingStrategy> strategy = verificationStrategy(loop);
    if (failed(strategy))
      return signalPassFailure();
    if (draft != "ngram" && !isTokenChain(parents))
      return fail(draft == "self"
                      ? "a self draft drafts a chain (each node the child of the one before)"
                      : "a draft model drafts a chain (each node the child of the one before)");
    func::FuncOp verifyStep = buildVerifyStep(prefill);
    if (!verifyStep)
      return signalPassFailure();
    if (!isTokenChain(parents) && failed(addTreeAttention(verifyStep, parents))) {
      verifyStep.erase();
      return signalPassFailure();
    }
    func::FuncOp draftStep;
    if (draft == "self") {
      auto token = module.lookupSymbol<func::FuncOp>(kTokenStep);
      if (!token)
        return fail(Twine("the module has no @") + kTokenStep);
      draftStep = buildSelfDraftStep(token, cacheType);
      if (!draftStep)
        return signalPassFailure();
    }
    DraftModel draftModel;
    if (draft == "model") {
      if (failed(findDraftModel(cacheType, draftModel)))
        return signalPassFailure();
    }
    // Branches fork after a one-token sample; a speculative step yields
    // several tokens, so the loop stops forking (one sequence, as before).
    loop.setFork(false);
    rewriteBody(loop, verifyStep, draftStep, draftModel, parents, *strategy);
  }

  /// A separate draft model's steps (adoptDraftModel's names).
  struct DraftModel {
    func::FuncOp token, tokens;
    KVCacheType cacheType;
  };

  /// The draft model's steps, checked against the target: the same logits
  /// row (vocabulary), a cache with room for the target's context.
  LogicalResult findDraftModel(KVCacheType targetCache, DraftModel &model) {
    ModuleOp module = getOperation();
    std::string tokenName = std::string(kDraftModelPrefix) + kTokenStep;
    std::string tokensName = std::string(kDraftModelPrefix) + kPrefillStep;
    model.token = module.lookupSymbol<func::FuncOp>(tokenName);
    model.tokens = module.lookupSymbol<func::FuncOp>(tokensName);
    auto target = module.lookupSymbol<func::FuncOp>(kTokenStep);
    if (!model.token || !model.tokens || !target)
      return module.emitError("loom-decode-speculate: draft=model needs the draft model's "
                              "steps @")
             << tokenName << " and @" << tokensName
             << " in the module (loom-compile --speculate=draft=FILE.onnx links them)";
    FunctionType draftType = model.token.getFunctionType();
    FunctionType targetType = target.getFunctionType();
    auto draftLogits = draftType.getNumResults() == 2
                           ? dyn_cast<RankedTensorType>(draftType.getResult(0))
                           : nullptr;
    auto targetLogits = dyn_cast<RankedTensorType>(targetType.getResult(0));
    model.cacheType = draftType.getNumInputs() == 3
                          ? dyn_cast<KVCacheType>(draftType.getInput(2))
                          : KVCacheType();
    if (!draftLogits || !model.cacheType || draftLogits.getRank() != 1)
      return model.token.emitError("loom-decode-speculate: the draft model's step must be "
                                   "(tokens, position, cache) -> (logits row, cache), got ")
             << draftType;
    if (draftLogits != targetLogits)
      return model.token.emitError("loom-decode-speculate: the draft model's vocabulary "
                                   "does not match the target's: its logits are ")
             << draftLogits << ", the target's " << targetLogits;
    if (model.cacheType.getMaxLength() < targetCache.getMaxLength())
      return model.token.emitError("loom-decode-speculate: the draft model's cache holds ")
             << model.cacheType.getMaxLength() << " positions, fewer than the target's "
             << targetCache.getMaxLength();
    return success();
  }

  /// Verification decides as the loop's sampling does: greedy, or the
  /// caller's options.
  FailureOr<SamplingStrategy> verificationStrategy(LoopOp loop) {
    std::optional<SamplingStrategy> found;
    WalkResult walk = loop.getBody().walk([&](SampleOp sample) {
      if (sample.getStrategy() == SamplingStrategy::categorical ||
          (found && *found != sample.getStrategy())) {
        sample.emitError("loom-decode-speculate: the loop samples with fixed options; "
                         "verification follows greedy or the caller's options (caller)");
        return WalkResult::interrupt();
      }
      found = sample.getStrategy();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
    if (!found) {
      loop.emitError("loom-decode-speculate: the loop body has no decode.sample");
      return failure();
    }
    return *found;
  }

  /// A copy of the prefill step that returns every position's logits
  /// ([n, vocab]) instead of the last row.
  func::FuncOp buildVerifyStep(func::FuncOp prefill) {
    ModuleOp module = getOperation();
    if (auto existing = module.lookupSymbol<func::FuncOp>(kVerifyStep)) {
      existing.emitError("loom-decode-speculate: @") << kVerifyStep << " exists already";
      return nullptr;
    }
    OpBuilder b(prefill);
    b.setInsertionPointAfter(prefill);
    auto step = cast<func::FuncOp>(b.clone(*prefill));
    step.setSymName(kVerifyStep);
    auto ret = cast<func::ReturnOp>(step.getBody().back().getTerminator());
    // loom-decode-wrap-step returns the last row as extract_slice(all logits).
    auto last = ret.getOperand(0).getDefiningOp<tensor::ExtractSliceOp>();
    auto all = last ? dyn_cast<RankedTensorType>(last.getSource().getType()) : nullptr;
    if (!all || all.getRank() != 3 || !all.getElementType().isF32()) {
      step.erase();
      prefill.emitError("loom-decode-speculate: @")
          << kPrefillStep
          << " does not return the last row of [1, n, vocab] f32 logits as "
             "loom-decode-wrap-step builds it";
      return nullptr;
    }
    if (all.getDimSize(1) == 1) {
      step.erase();
      prefill.emitError("the model returns the logits of its last position only ([batch, 1, "
                        "vocab]): verifying drafts needs every position's logits (export "
                        "lm_head over the whole sequence)");
      return nullptr;
    }
    b.setInsertionPoint(ret);
    Location loc = ret.getLoc();
    Value logits = last.getSource();
    auto one = RankedTensorType::get({1, all.getDimSize(1), all.getDimSize(2)},
                                     all.getElementType());
    if (all != one)
      logits = tensor::CastOp::create(b, loc, one, logits);
    Value rows = tensor::CollapseShapeOp::create(b, loc, logits,
                                                 SmallVector<ReassociationIndices>{{0, 1}, {2}});
    ret->setOperand(0, rows);
    if (last->use_empty())
      last->erase();
    step.setType(b.getFunctionType(step.getArgumentTypes(), ret.getOperandTypes()));
    return step;
  }


  /// For a tree with branches, the verify step feeds its nodes as one
  /// sequence, but node i must see only the prefix, its ancestors and itself,
  /// at position `position + depth(i)`: the step's position_ids become the
  /// depths and every fused attention's mask hides the other nodes.
  LogicalResult addTreeAttention(func::FuncOp step, ArrayRef<int64_t> parents) {
    auto refuse = [&](const Twine &why) {
      step.emitError("loom-decode-speculate: a tree with branches needs ") << why;
      return failure();
    };
    Operation *positions = nullptr;
    SmallVector<loom::AttentionOp> attentions;
    bool unfused = false;
    step.walk([&](Operation *op) {
      if (op->hasAttr(kPositionsMarker))
        positions = op;
      if (auto attention = dyn_cast<loom::AttentionOp>(op))
        attentions.push_back(attention);
      if (op->getName().getStringRef() == "onnx.Softmax")
        unfused = true;
    });
    if (!positions)
      return refuse("a position_ids input (the model computes its positions itself, so tree "
                    "nodes cannot be placed at their depth); give a chain");
    if (attentions.empty() || unfused)
      return refuse("fused attention (loom.attention) in every layer, and this model's is not "
                    "fused; give a chain");

    MLIRContext *ctx = step.getContext();
    Location loc = step.getLoc();
    OpBuilder b(ctx);
    int64_t nodes = int64_t(parents.size());
    SmallVector<int64_t> depths = tokenTreeDepths(parents);
    // visible[i * nodes + j]: node j is node i or one of its ancestors.
    SmallVector<bool> visible(size_t(nodes * nodes), false);
    for (int64_t i = 0; i < nodes; ++i)
      for (int64_t j = i; j >= 0; j = parents[size_t(j)])
        visible[size_t(i * nodes + j)] = true;

    // Positions: position + depth of each node.
    b.setInsertionPointToStart(&step.getBody().front());
    auto positionsType = cast<RankedTensorType>(positions->getResult(0).getType());
    Type positionType = positionsType.getElementType();
    auto depthTable = arith::ConstantOp::create(
        b, loc, DenseIntElementsAttr::get(RankedTensorType::get({nodes}, b.getI64Type()), depths));
    Value pos = step.getArgument(1);
    b.setInsertionPoint(positions);
    auto byDepth = tensor::GenerateOp::create(
        b, loc, positionsType, positions->getOperands(),
        [&](OpBuilder &gb, Location l, ValueRange at) {
          Value depth = tensor::ExtractOp::create(gb, l, depthTable, ValueRange{at.back()});
          Value p = arith::AddIOp::create(
              gb, l, arith::IndexCastOp::create(gb, l, gb.getI64Type(), pos), depth);
          if (positionType != gb.getI64Type())
            p = arith::TruncIOp::create(gb, l, positionType, p);
          tensor::YieldOp::create(gb, l, p);
        });
    positions->getResult(0).replaceAllUsesWith(byDepth.getResult());
    positions->erase();

    b.setInsertionPointToStart(&step.getBody().front());
    auto visibleTable = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({nodes, nodes}, b.getI1Type()),
                               ArrayRef<bool>(visible)));
    for (loom::AttentionOp attention : attentions) {
      b.setInsertionPoint(attention);
      Value key = attention.getKey();
      Value kvLen = tensor::DimOp::create(b, loc, key, 2);
      Value qLen = tensor::DimOp::create(b, loc, attention.getQuery(), 2);
      Value prefix = arith::SubIOp::create(b, loc, kvLen, qLen); // the position
      auto queryType = cast<RankedTensorType>(attention.getQuery().getType());
      Value mask = attention.getMask();
      Type maskElement = mask ? cast<RankedTensorType>(mask.getType()).getElementType()
                              : queryType.getElementType();
      bool boolean = maskElement.isInteger(1);
      // [q_len, kv_len]: keys of the prefix, and of the node's own path.
      auto treeType =
          RankedTensorType::get({ShapedType::kDynamic, ShapedType::kDynamic}, maskElement);
      Value tree = tensor::GenerateOp::create(
          b, loc, treeType, ValueRange{qLen, kvLen},
          [&](OpBuilder &gb, Location l, ValueRange at) {
            Value inPrefix = arith::CmpIOp::create(gb, l, arith::CmpIPredicate::ult, at[1], prefix);
            Value node = arith::SubIOp::create(gb, l, at[1], prefix);
            // Clamped so that the prefix's columns read a valid entry too.
            Value column = arith::SelectOp::create(
                gb, l, inPrefix, arith::ConstantIndexOp::create(gb, l, 0), node);
            Value onPath = tensor::ExtractOp::create(gb, l, visibleTable, ValueRange{at[0], column});
            Value sees = arith::OrIOp::create(gb, l, inPrefix, onPath);
            Value entry = sees;
            if (!boolean) {
              auto f = cast<FloatType>(maskElement);
              entry = arith::SelectOp::create(
                  gb, l, sees, arith::ConstantOp::create(gb, l, gb.getFloatAttr(f, 0.0)),
                  arith::ConstantOp::create(
                      gb, l, gb.getFloatAttr(f, -std::numeric_limits<double>::infinity())));
            }
            tensor::YieldOp::create(gb, l, entry);
          });
      if (mask)
        tree = combineMasks(b, loc, mask, tree, qLen, kvLen, boolean);
      attention.getMaskMutable().assign(tree);
    }
    return success();
  }

  /// The model's mask and the tree's, both applied: `mask` is [q, kv] or
  /// [b|1, h|1, q|1, kv|1]; the result has the tree's [q, kv] last.
  Value combineMasks(OpBuilder &b, Location loc, Value mask, Value tree, Value qLen,
                     Value kvLen, bool boolean) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    int64_t rank = maskType.getRank();
    SmallVector<int64_t> shape(maskType.getShape());
    SmallVector<Value> dynamic;
    SmallVector<AffineExpr> maskExprs;
    for (int64_t d = 0; d < rank; ++d) {
      bool last = d >= rank - 2;
      if (last) {
        shape[size_t(d)] = ShapedType::kDynamic;
        dynamic.push_back(d == rank - 2 ? qLen : kvLen);
      } else if (maskType.isDynamicDim(d)) {
        dynamic.push_back(tensor::DimOp::create(b, loc, mask, d));
      }
      // A size-1 dimension broadcasts.
      maskExprs.push_back(maskType.getDimSize(d) == 1 ? b.getAffineConstantExpr(0)
                                                      : b.getAffineDimExpr(unsigned(d)));
    }
    auto resultType = RankedTensorType::get(shape, maskType.getElementType());
    Value init = tensor::EmptyOp::create(b, loc, resultType, dynamic);
    SmallVector<AffineMap> maps = {
        AffineMap::get(unsigned(rank), 0, maskExprs, b.getContext()),
        AffineMap::get(unsigned(rank), 0,
                       {b.getAffineDimExpr(unsigned(rank - 2)), b.getAffineDimExpr(unsigned(rank - 1))},
                       b.getContext()),
        b.getMultiDimIdentityMap(unsigned(rank))};
    SmallVector<utils::IteratorType> iterators(size_t(rank), utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, resultType, ValueRange{mask, tree}, ValueRange{init}, maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value both = boolean ? Value(arith::AndIOp::create(nb, l, args[0], args[1]))
                                      : Value(arith::AddFOp::create(nb, l, args[0], args[1]));
                 linalg::YieldOp::create(nb, l, both);
               })
        .getResult(0);
  }


  /// Self-speculation's draft: the one-token step cut after layer
  /// `draftLayers` - its residual stream goes straight to the final norm and
  /// the classifier. Layers are found as a pre-norm decoder has them: two
  /// norms per layer (attention, MLP) and a final one, in program order.
  func::FuncOp buildSelfDraftStep(func::FuncOp token, KVCacheType cacheType) {
    ModuleOp module = getOperation();
    int64_t layers = cacheType.getLayers();
    if (layers < 2) {
      module.emitError("loom-decode-speculate: a self draft keeps some of the target's layers; "
                       "this target has only ")
          << layers;
      return nullptr;
    }
    if (draftLayers < 1 || draftLayers >= layers) {
      module.emitError("loom-decode-speculate: a self draft keeps 1 to ")
          << layers - 1 << " of the target's " << layers << " layers, not "
          << int64_t(draftLayers);
      return nullptr;
    }
    OpBuilder b(token);
    b.setInsertionPointAfter(token);
    auto step = cast<func::FuncOp>(b.clone(*token));
    step.setSymName(kDraftStep);
    SmallVector<Operation *> norms;
    Value cacheAfter; // the cache after the kept layers' appends
    step.walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if (name == "loom.rms_norm" || name == "loom.layer_norm" ||
          name == "onnx.LayerNormalization" || name == "onnx.SimplifiedLayerNormalization")
        norms.push_back(op);
      if (auto append = dyn_cast<CacheAppendOp>(op))
        if (append.getLayer() < draftLayers)
          cacheAfter = append.getNextCache();
    });
    if (int64_t(norms.size()) != 2 * layers + 1 || !cacheAfter) {
      step.erase();
      token.emitError("loom-decode-speculate: a self draft needs a pre-norm decoder (two "
                      "fused norms per layer and a final one); this step has ")
          << norms.size() << " norms for " << layers << " layers";
      return nullptr;
    }
    // Layer draftLayers' first norm reads the residual stream after the
    // kept layers: the final norm reads it instead.
    Value residual = norms[size_t(2 * draftLayers)]->getOperand(0);
    Operation *finalNorm = norms.back();
    Type finalType = finalNorm->getOperand(0).getType();
    if (residual.getType() != finalType) {
      // The same tensor known more or less statically (shape refinement
      // types the layers' results separately): a cast joins them.
      auto from = dyn_cast<RankedTensorType>(residual.getType());
      auto to = dyn_cast<RankedTensorType>(finalType);
      if (!from || !to || !tensor::CastOp::areCastCompatible(from, to)) {
        // The message first: `residual` goes with the step.
        InFlightDiagnostic error = token.emitError(
            "loom-decode-speculate: the residual stream after layer ");
        error << int64_t(draftLayers) << " has type " << residual.getType()
              << ", the final norm reads " << finalType;
        step.erase();
        return nullptr;
      }
      OpBuilder cb(finalNorm);
      residual = tensor::CastOp::create(cb, finalNorm->getLoc(), to, residual);
    }
    finalNorm->setOperand(0, residual);
    auto ret = cast<func::ReturnOp>(step.getBody().back().getTerminator());
    ret->setOperand(1, cacheAfter);
    // The later layers are dead now. Only the function body's own ops are
    // visited (from the end, so that chains go at once): erasing an op with
    // regions erases what is nested in it, which must not be visited after.
    // onnx and loom ops declare no memory effects but have none: unused, they
    // go too.
    auto removable = [](Operation *op) {
      if (isOpTriviallyDead(op))
        return true;
      StringRef dialect = op->getName().getDialectNamespace();
      return op->use_empty() && op->getNumRegions() == 0 &&
             (dialect == "onnx" || dialect == "loom");
    };
    for (Block &block : step.getBody())
      for (Operation &op : llvm::make_early_inc_range(llvm::reverse(block)))
        if (removable(&op))
          op.erase();
    return step;
  }

  /// The loop body becomes: prefill as before; a one-token step drafts,
  /// verifies the drafted nodes in one call and commits, or steps as before
  /// when nothing was drafted.
  void rewriteBody(LoopOp loop, func::FuncOp verifyStep, func::FuncOp draftStep,
                   DraftModel draftModel, ArrayRef<int64_t> parents,
                   SamplingStrategy strategy) {
    MLIRContext *ctx = loop.getContext();
    Location loc = loop.getLoc();
    Block *old = &loop.getBody().front();
    Type i64 = IntegerType::get(ctx, 64);
    auto idsType = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Type index = IndexType::get(ctx);
    auto cacheType = cast<KVCacheType>(loop.getCache().getType());
    int64_t nodes = int64_t(parents.size());
    auto treeTokensType = RankedTensorType::get({nodes}, i64);
    auto pathType = RankedTensorType::get({tokenTreeHeight(parents)}, i64);
    DenseI64ArrayAttr tree = DenseI64ArrayAttr::get(ctx, parents);

    OpBuilder b(ctx);
    Block *body = b.createBlock(&loop.getBody(), loop.getBody().end(),
                                {idsType, index, cacheType, idsType}, {loc, loc, loc, loc});
    Value ids = body->getArgument(0), pos = body->getArgument(1);
    Value cache = body->getArgument(2), history = body->getArgument(3);
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };

    // The old body, for (ids, pos, cache): its token as a one-element list.
    auto plainStep = [&](OpBuilder &nb) {
      IRMapping map;
      map.map(old->getArgument(0), ids);
      map.map(old->getArgument(1), pos);
      map.map(old->getArgument(2), cache);
      for (Operation &op : old->without_terminator())
        nb.clone(op, map);
      auto yield = cast<YieldOp>(old->getTerminator());
      Value token = map.lookupOrDefault(yield.getToken());
      Value list = token;
      if (token.getType().isInteger(64))
        list = tensor::FromElementsOp::create(nb, loc, RankedTensorType::get({1}, i64),
                                              ValueRange{token});
      if (list.getType() != idsType)
        list = tensor::CastOp::create(nb, loc, idsType, list);
      scf::YieldOp::create(nb, loc, ValueRange{list, map.lookupOrDefault(yield.getCache())});
    };

    Value n = tensor::DimOp::create(b, loc, ids, 0);
    Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, n, c(1));
    auto step = scf::IfOp::create(b, loc, TypeRange{idsType, cacheType}, isOne,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(step.elseBlock());
      plainStep(b); // the prefill

      b.setInsertionPointToStart(step.thenBlock());
      Value draftedTokens, draftedCount, draftedCache = cache;
      if (draftStep) {
        Value root = tensor::CastOp::create(b, loc, RankedTensorType::get({1}, i64), ids);
        auto drafted = DraftStepsOp::create(b, loc, treeTokensType, index, cacheType,
                                            draftStep.getSymName(), root, pos, cache, tree);
        draftedTokens = drafted.getTokens();
        draftedCount = drafted.getCount();
        draftedCache = drafted.getNextCache();
      } else if (draftModel.token) {
        Value root = tensor::CastOp::create(b, loc, RankedTensorType::get({1}, i64), ids);
        auto drafted = DraftModelOp::create(
            b, loc, treeTokensType, index, draftModel.token.getSymName(),
            draftModel.tokens.getSymName(), root, pos, history, draftModel.cacheType, tree);
        draftedTokens = drafted.getTokens();
        draftedCount = drafted.getCount();
      } else {
        auto drafted = DraftOp::create(b, loc, treeTokensType, index, history,
                                       DraftSource::ngram, tree, int64_t(maxNgram));
        draftedTokens = drafted.getTokens();
        draftedCount = drafted.getCount();
      }
      // The nodes are written at [pos, pos + count): as many as the cache holds
      // (the loop feeds a token only while pos < max_len).
      Value room = arith::SubIOp::create(b, loc, c(cacheType.getMaxLength()), pos);
      Value count = arith::MinUIOp::create(b, loc, draftedCount, room);
      Value several = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, count, c(1));
      auto speculate = scf::IfOp::create(b, loc, TypeRange{idsType, cacheType}, several,
                                         /*withElseRegion=*/true);
      scf::YieldOp::create(b, loc, speculate.getResults());

      b.setInsertionPointToStart(speculate.elseBlock());
      plainStep(b); // nothing drafted: the one-token step

      b.setInsertionPointToStart(speculate.thenBlock());
      Value fed = tensor::ExtractSliceOp::create(
          b, loc, idsType, draftedTokens, ValueRange{}, ValueRange{count}, ValueRange{},
          b.getDenseI64ArrayAttr({0}), b.getDenseI64ArrayAttr({ShapedType::kDynamic}),
          b.getDenseI64ArrayAttr({1}));
      auto call = func::CallOp::create(b, loc, verifyStep, ValueRange{fed, pos, draftedCache});
      auto verified = VerifyOp::create(b, loc, pathType, index, i64, call.getResult(0),
                                       draftedTokens, count, pos, history, strategy, tree);
      Value committed = CommitOp::create(b, loc, cacheType, call.getResult(1),
                                         verified.getPath(), verified.getLength(), pos, tree);
      // The accepted drafts (path nodes after the root), then the bonus token.
      Value length = verified.getLength();
      Value tokens = tensor::GenerateOp::create(
          b, loc, idsType, ValueRange{length}, [&](OpBuilder &gb, Location l, ValueRange at) {
            Value next = arith::AddIOp::create(gb, l, at[0], arith::ConstantIndexOp::create(gb, l, 1));
            Value isLast = arith::CmpIOp::create(gb, l, arith::CmpIPredicate::eq, next, length);
            Value level = arith::SelectOp::create(
                gb, l, isLast, arith::ConstantIndexOp::create(gb, l, 0), next);
            Value node = tensor::ExtractOp::create(gb, l, verified.getPath(), ValueRange{level});
            Value nodeIndex = arith::IndexCastOp::create(gb, l, gb.getIndexType(), node);
            Value drafted2 =
                tensor::ExtractOp::create(gb, l, draftedTokens, ValueRange{nodeIndex});
            tensor::YieldOp::create(
                gb, l,
                arith::SelectOp::create(gb, l, isLast, verified.getBonus(), drafted2).getResult());
          });
      scf::YieldOp::create(b, loc, ValueRange{tokens, committed});
    }
    YieldOp::create(b, loc, step.getResult(0), step.getResult(1));
    old->erase();
  }
};

} // namespace

LogicalResult loom::decode::adoptDraftModel(ModuleOp target, ModuleOp draft) {
  if (!draft.lookupSymbol<func::FuncOp>(kTokenStep) ||
      !draft.lookupSymbol<func::FuncOp>(kPrefillStep))
    return draft.emitError("the draft model was not wrapped for generation (no @")
           << kTokenStep << " and @" << kPrefillStep << ")";
  // The draft's own generation loop is not used: the target's drives it.
  if (auto generate = draft.lookupSymbol<func::FuncOp>(kGenerateFunction))
    generate.erase();
  SymbolTable symbols(draft);
  SmallVector<Operation *> adopted;
  for (Operation &op : draft.getBody()->getOperations())
    adopted.push_back(&op);
  for (Operation *op : adopted) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol)
      continue;
    auto name = StringAttr::get(draft.getContext(),
                                Twine(kDraftModelPrefix) + symbol.getName());
    if (target.lookupSymbol(name))
      return draft.emitError("the draft model's @")
             << name.getValue() << " collides with a symbol of the target";
    if (failed(symbols.rename(op, name)))
      return failure();
    symbol.setVisibility(SymbolTable::Visibility::Private);
  }
  target.getBody()->getOperations().splice(target.getBody()->end(),
                                           draft.getBody()->getOperations());
  return success();
}
