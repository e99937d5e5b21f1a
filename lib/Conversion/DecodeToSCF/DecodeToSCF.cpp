//===- DecodeToSCF.cpp - decode dialect -> buffers, loops, loomrt -*- C++ -*-===//
//
// The KV cache becomes one buffer that every step writes into in place; the
// decode loop becomes a prefill followed by an scf.while of one-token steps;
// sampling and the per-token report go to loomrt (lib/Runtime/Generate.cpp).
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/Passes.h"

#include "loom/Conversion/RuntimeKernels.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace loom {
#define GEN_PASS_DEF_LOOMLOWERDECODEPASS
#include "loom/Conversion/Passes.h.inc"
} // namespace loom

using namespace mlir;
using namespace loom::decode;

namespace {

/// The cache buffer: [layers, key/value, batch 1, kv_heads, max_len, head_dim].
MemRefType cacheBufferType(KVCacheType type) {
  return MemRefType::get({type.getLayers(), 2, 1, type.getKvHeads(), type.getMaxLength(),
                          type.getHeadDim()},
                         type.getElementType());
}

Type convert(Type type) {
  if (auto cache = dyn_cast<KVCacheType>(type))
    return cacheBufferType(cache);
  return type;
}

/// The view of layer `layer`'s keys or values at positions [start, start + length).
Value cacheView(OpBuilder &b, Location loc, Value buffer, int64_t layer, CacheKind kind,
                OpFoldResult start, OpFoldResult length) {
  auto type = cast<MemRefType>(buffer.getType());
  SmallVector<OpFoldResult> offsets = {b.getIndexAttr(layer),
                                       b.getIndexAttr(kind == CacheKind::key ? 0 : 1),
                                       b.getIndexAttr(0), b.getIndexAttr(0), start,
                                       b.getIndexAttr(0)};
  SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1),
                                     b.getIndexAttr(type.getDimSize(3)), length,
                                     b.getIndexAttr(type.getDimSize(5))};
  SmallVector<OpFoldResult> strides(6, b.getIndexAttr(1));
  auto viewType = memref::SubViewOp::inferRankReducedResultType(
      {1, type.getDimSize(3), ShapedType::kDynamic, type.getDimSize(5)}, type, offsets, sizes,
      strides);
  return memref::SubViewOp::create(b, loc, cast<MemRefType>(viewType), buffer, offsets, sizes,
                                   strides);
}

/// `tensor` as a buffer of the kernel parameter type `type` (a fully dynamic
/// strided memref), for reading.
Value kernelView(OpBuilder &b, Location loc, Value tensor, Type type) {
  auto tensorType = cast<RankedTensorType>(tensor.getType());
  // The tensor's shape with any strides and offset, then the kernel's type.
  SmallVector<int64_t> strides(tensorType.getRank(), ShapedType::kDynamic);
  auto bufferType = MemRefType::get(
      tensorType.getShape(), tensorType.getElementType(),
      StridedLayoutAttr::get(b.getContext(), ShapedType::kDynamic, strides));
  Value buffer = bufferization::ToBufferOp::create(b, loc, bufferType, tensor, /*read_only=*/true);
  return memref::CastOp::create(b, loc, type, buffer);
}

/// The tree's parent list as a constant tensor.
Value treeConstant(OpBuilder &b, Location loc, ArrayRef<int64_t> tree) {
  auto type = RankedTensorType::get({int64_t(tree.size())}, b.getI64Type());
  return arith::ConstantOp::create(b, loc, DenseIntElementsAttr::get(type, tree));
}

struct LoomLowerDecodePass : loom::impl::LoomLowerDecodePassBase<LoomLowerDecodePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // After this, decode ops hold memrefs where their ODS says kv_cache: they
    // are read through untyped accessors (getOperand/getResult) until erased.
    retypeCaches(module);
    module.walk([&](CacheAppendOp op) { lowerAppend(op); });
    // Before the steps stop returning the cache: the draft loop calls one.
    SmallVector<DraftStepsOp> draftSteps;
    module.walk([&](DraftStepsOp op) { draftSteps.push_back(op); });
    for (DraftStepsOp op : draftSteps)
      lowerDraftSteps(op);
    SmallVector<DraftModelOp> draftModels;
    module.walk([&](DraftModelOp op) { draftModels.push_back(op); });
    for (DraftModelOp op : draftModels)
      lowerDraftModel(op);
    if (failed(dropReturnedCaches(module)))
      return signalPassFailure();
    module.walk([&](EmptyCacheOp op) {
      OpBuilder b(op);
      Value buffer = memref::AllocOp::create(b, op.getLoc(), cast<MemRefType>(op->getResult(0).getType()));
      op.replaceAllUsesWith(buffer);
      op.erase();
    });
    SmallVector<CommitOp> commits;
    module.walk([&](CommitOp op) { commits.push_back(op); });
    for (CommitOp commit : commits)
      lowerCommit(commit);
    SmallVector<LoopOp> loops;
    module.walk([&](LoopOp op) { loops.push_back(op); });
    for (LoopOp loop : loops) {
      auto yield = cast<YieldOp>(loop.getBody().front().getTerminator());
      if (loop.getBody().front().getNumArguments() == 3 &&
          yield.getToken().getType().isInteger(64))
        lowerLoop(loop);
      else
        lowerMultiTokenLoop(loop);
    }
    SmallVector<Operation *> speculation;
    module.walk([&](Operation *op) {
      if (isa<DraftOp, VerifyOp>(op))
        speculation.push_back(op);
    });
    for (Operation *op : speculation) {
      if (auto draft = dyn_cast<DraftOp>(op))
        lowerDraft(draft);
      else
        lowerVerify(cast<VerifyOp>(op));
    }
    SmallVector<SampleOp> samples;
    module.walk([&](SampleOp op) { samples.push_back(op); });
    for (SampleOp sample : samples)
      if (failed(lowerSample(sample)))
        return signalPassFailure();
  }

  /// Every !decode.kv_cache value becomes the cache buffer's memref type.
  void retypeCaches(ModuleOp module) {
    module.walk([&](Operation *op) {
      for (Value result : op->getResults())
        result.setType(convert(result.getType()));
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (BlockArgument arg : block.getArguments())
            arg.setType(convert(arg.getType()));
      if (auto func = dyn_cast<func::FuncOp>(op)) {
        auto type = func.getFunctionType();
        SmallVector<Type> ins = llvm::map_to_vector(type.getInputs(), convert);
        SmallVector<Type> outs = llvm::map_to_vector(type.getResults(), convert);
        func.setType(FunctionType::get(op->getContext(), ins, outs));
      }
    });
  }

  /// new entries -> the cache at [position, position + n); present -> a view
  /// of [0, position + n); the cache result is the same buffer.
  void lowerAppend(CacheAppendOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value buffer = op->getOperand(0); // the cache, a memref by now
    auto bufferType = cast<MemRefType>(buffer.getType());
    Value entries = op.getNewEntries();
    auto exact = RankedTensorType::get(
        {1, bufferType.getDimSize(3), ShapedType::kDynamic, bufferType.getDimSize(5)},
        bufferType.getElementType());
    Value n = tensor::DimOp::create(b, loc, entries, 2);
    if (entries.getType() != exact)
      entries = tensor::CastOp::create(b, loc, exact, entries);
    Value slot = cacheView(b, loc, buffer, op.getLayer(), op.getKind(), op.getPosition(), n);
    auto write = bufferization::MaterializeInDestinationOp::create(b, loc, entries, slot);
    write.setRestrict(true);
    write.setWritable(true);
    Value end = arith::AddIOp::create(b, loc, op.getPosition(), n);
    Value filled = cacheView(b, loc, buffer, op.getLayer(), op.getKind(), b.getIndexAttr(0), end);
    Value present = bufferization::ToTensorOp::create(b, loc, exact, filled, /*restrict=*/true,
                                                      /*writable=*/false);
    if (present.getType() != op.getPresent().getType())
      present = tensor::CastOp::create(b, loc, op.getPresent().getType(), present);
    op.getPresent().replaceAllUsesWith(present);
    op->getResult(1).replaceAllUsesWith(buffer); // next_cache
    op.erase();
  }

  /// A function that returns the cache buffer it was given stops returning
  /// it; its callers use the buffer they passed.
  LogicalResult dropReturnedCaches(ModuleOp module) {
    DenseMap<StringAttr, SmallVector<std::pair<unsigned, unsigned>>> dropped; // result -> arg
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
      SmallVector<std::pair<unsigned, unsigned>> pairs;
      for (auto [i, v] : llvm::enumerate(ret.getOperands())) {
        if (!isa<MemRefType>(v.getType()))
          continue;
        auto arg = dyn_cast<BlockArgument>(v);
        if (!arg || arg.getOwner() != &func.getBody().front())
          return func.emitError("returns a KV cache that is not the one it was given");
        pairs.push_back({unsigned(i), arg.getArgNumber()});
      }
      if (pairs.empty())
        continue;
      llvm::BitVector erase(ret.getNumOperands());
      for (auto [result, arg] : pairs)
        erase.set(result);
      ret->eraseOperands(erase);
      SmallVector<Type> results;
      for (auto [i, t] : llvm::enumerate(func.getResultTypes()))
        if (!erase.test(i))
          results.push_back(t);
      func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
      dropped[func.getSymNameAttr()] = pairs;
    }
    SmallVector<func::CallOp> calls;
    module.walk([&](func::CallOp call) {
      if (dropped.count(call.getCalleeAttr().getAttr()))
        calls.push_back(call);
    });
    for (func::CallOp call : calls) {
      auto &pairs = dropped[call.getCalleeAttr().getAttr()];
      OpBuilder b(call);
      SmallVector<Type> types;
      llvm::BitVector erase(call.getNumResults());
      for (auto [result, arg] : pairs)
        erase.set(result);
      for (auto [i, t] : llvm::enumerate(call.getResultTypes()))
        if (!erase.test(i))
          types.push_back(t);
      auto replacement = func::CallOp::create(b, call.getLoc(), call.getCallee(), types,
                                              call.getOperands());
      unsigned next = 0;
      for (unsigned i = 0; i < call.getNumResults(); ++i) {
        if (!erase.test(i)) {
          call.getResult(i).replaceAllUsesWith(replacement.getResult(next++));
          continue;
        }
        for (auto [result, arg] : pairs)
          if (result == i)
            call.getResult(i).replaceAllUsesWith(call.getOperand(arg));
      }
      call.erase();
    }
    return success();
  }

  /// Tells loomrt that the step's body runs now over `ids` at `pos` (its
  /// statistics: model runs, prefills, tokens fed).
  void reportModelRun(OpBuilder &b, LoopOp loop, Value ids, Value pos) {
    Location loc = loop.getLoc();
    func::FuncOp report = loom::declareRuntimeKernel(loop->getParentOfType<ModuleOp>(),
                                                     loom::RuntimeKernel::loomrt_decode_model_run);
    Type i64 = b.getI64Type();
    Value count = tensor::DimOp::create(b, loc, ids, 0);
    func::CallOp::create(b, loc, report,
                         ValueRange{arith::IndexCastOp::create(b, loc, i64, count),
                                    arith::IndexCastOp::create(b, loc, i64, pos)});
  }

  /// Tells loomrt that the cache `buffer` holds the sequence's first `length`
  /// entries now (LOOM_CACHE_TRACE: what tests compare across decodings).
  void reportCacheReady(OpBuilder &b, LoopOp loop, Value buffer, Value length) {
    Location loc = loop.getLoc();
    auto type = cast<MemRefType>(buffer.getType());
    if (!type.getElementType().isF32())
      return; // the kernel reads f32 caches
    func::FuncOp ready = loom::declareRuntimeKernel(
        loop->getParentOfType<ModuleOp>(), loom::RuntimeKernel::loomrt_decode_cache_ready);
    Value view = memref::CastOp::create(b, loc, ready.getArgumentTypes()[0], buffer);
    func::CallOp::create(
        b, loc, ready,
        ValueRange{view, arith::IndexCastOp::create(b, loc, b.getI64Type(), length)});
  }

  /// A copy of the loop body's ops for (ids, pos, cache); returns the token.
  Value inlineBody(OpBuilder &b, LoopOp loop, Value ids, Value pos, Value cache) {
    reportModelRun(b, loop, ids, pos);
    Block &body = loop.getBody().front();
    IRMapping map;
    map.map(body.getArgument(0), ids);
    map.map(body.getArgument(1), pos);
    map.map(body.getArgument(2), cache);
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    return map.lookup(cast<YieldOp>(body.getTerminator()).getToken());
  }

  /// Reports `token` (at `position`, the `produced`-th token) to loomrt and
  /// whether generation goes on: the caller did not stop it, it is no stop
  /// token, the cache has room to feed it, and more tokens are wanted.
  Value emitAndContinue(OpBuilder &b, LoopOp loop, func::FuncOp emit, Value token,
                        Value position, Value produced) {
    Location loc = loop.getLoc();
    int64_t maxLength = cast<MemRefType>(loop->getOperand(1).getType()).getDimSize(4);
    Value go = func::CallOp::create(b, loc, emit, ValueRange{token}).getResult(0);
    for (int64_t stop : loop.getStopTokens()) {
      Value s = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(stop));
      go = arith::AndIOp::create(
          b, loc, go, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, token, s));
    }
    Value room = arith::ConstantIndexOp::create(b, loc, maxLength);
    go = arith::AndIOp::create(
        b, loc, go, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, position, room));
    return arith::AndIOp::create(
        b, loc, go,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, produced,
                              loop.getMaxNewTokens()));
  }

  /// The checks on a loop's request and the buffer of its generated tokens.
  Value checkedTokenBuffer(OpBuilder &b, LoopOp loop, Value n) {
    Location loc = loop.getLoc();
    Value maxNew = loop.getMaxNewTokens();
    int64_t maxLength = cast<MemRefType>(loop->getOperand(1).getType()).getDimSize(4);
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    // loomrt checks these before calling in; the asserts keep the generated
    // code from writing past its buffers if it is called directly.
    Value fits = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, n, c(1)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, n, c(maxLength)));
    cf::AssertOp::create(b, loc, fits, "decode.loop: the prompt must hold 1 to max_len tokens");
    cf::AssertOp::create(b, loc,
                         arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, maxNew, c(1)),
                         "decode.loop: max_new_tokens must be at least 1");
    // The loop stops at a full cache, after at most max_len - n + 1 tokens:
    // a larger max_new_tokens must not size the buffer (2^40 would fail).
    Value room = arith::SubIOp::create(b, loc, c(maxLength + 1), n);
    Value capacity = arith::MinUIOp::create(b, loc, maxNew, room);
    return memref::AllocOp::create(b, loc, MemRefType::get({ShapedType::kDynamic}, b.getI64Type()),
                                   ValueRange{capacity});
  }

  /// The loop's results: the first `produced` tokens of `out`, and the cache
  /// buffer it wrote in place.
  void replaceLoop(OpBuilder &b, LoopOp loop, Value out, Value produced) {
    Location loc = loop.getLoc();
    auto outType = cast<MemRefType>(out.getType());
    auto viewType = memref::SubViewOp::inferResultType(outType, ArrayRef<int64_t>{0},
                                                       ArrayRef<int64_t>{ShapedType::kDynamic},
                                                       ArrayRef<int64_t>{1});
    Value view = memref::SubViewOp::create(
        b, loc, cast<MemRefType>(viewType), out, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{produced}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    Value tokens = bufferization::ToTensorOp::create(b, loc, loop.getTokens().getType(), view,
                                                     /*restrict=*/true, /*writable=*/false);
    loop.getTokens().replaceAllUsesWith(tokens);
    loop->getResult(1).replaceAllUsesWith(loop->getOperand(1)); // final_cache: the buffer
    loop.erase();
  }

  /// The one-token steps after `first` (the prefill's token): an scf.while
  /// that stores each token in `out`, reports it and feeds it back until the
  /// loop's stop conditions hold. Returns how many tokens it stored.
  Value buildTokenLoop(OpBuilder &b, LoopOp loop, func::FuncOp emit, Value out, Value first,
                       Value n, Value buffer) {
    Location loc = loop.getLoc();
    Type i64 = b.getI64Type(), index = b.getIndexType();
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    auto whileOp = scf::WhileOp::create(b, loc, TypeRange{i64, index, index},
                                        ValueRange{first, n, c(0)});
    OpBuilder::InsertionGuard guard(b);
    Block *before = b.createBlock(&whileOp.getBefore(), {}, {i64, index, index},
                                  {loc, loc, loc});
    Value tok = before->getArgument(0), pos = before->getArgument(1);
    Value count = before->getArgument(2);
    memref::StoreOp::create(b, loc, tok, out, ValueRange{count});
    Value produced = arith::AddIOp::create(b, loc, count, c(1));
    Value go = emitAndContinue(b, loop, emit, tok, pos, produced);
    scf::ConditionOp::create(b, loc, go, ValueRange{tok, pos, produced});

    Block *after = b.createBlock(&whileOp.getAfter(), {}, {i64, index, index},
                                 {loc, loc, loc});
    Value last = after->getArgument(0), at = after->getArgument(1);
    Value one = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({1}, i64), ValueRange{last});
    Value ids = tensor::CastOp::create(b, loc, loop.getPrompt().getType(), one);
    Value next = inlineBody(b, loop, ids, at, buffer);
    Value nextAt = arith::AddIOp::create(b, loc, at, c(1));
    reportCacheReady(b, loop, buffer, nextAt);
    scf::YieldOp::create(b, loc, ValueRange{next, nextAt, after->getArgument(2)});
    return whileOp.getResult(2);
  }

  void lowerLoop(LoopOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    ModuleOp module = loop->getParentOfType<ModuleOp>();
    Value prompt = loop.getPrompt(), buffer = loop->getOperand(1); // the cache

    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    Value n = tensor::DimOp::create(b, loc, prompt, 0);
    Value out = checkedTokenBuffer(b, loop, n);
    func::FuncOp emit =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_emit);

    if (!loop.getFork()) {
      // Prefill: the body on the whole prompt at position 0.
      Value first = inlineBody(b, loop, prompt, c(0), buffer);
      reportCacheReady(b, loop, buffer, n);
      replaceLoop(b, loop, out, buildTokenLoop(b, loop, emit, out, first, n, buffer));
      return;
    }

    // Branches: the prefill up to its sample runs once; then, for as many
    // branches as loomrt starts, the sample of the prefill's logits and the
    // one-token steps. Every branch writes the cache from position n on, so
    // the prompt's entries stay as the prefill wrote them.
    Block &body = loop.getBody().front();
    Operation *sample = cast<YieldOp>(body.getTerminator()).getToken().getDefiningOp();
    IRMapping prefill;
    prefill.map(body.getArgument(0), prompt);
    prefill.map(body.getArgument(1), c(0));
    prefill.map(body.getArgument(2), buffer);
    reportModelRun(b, loop, prompt, c(0));
    for (Operation &op : body.without_terminator())
      if (&op != sample)
        b.clone(op, prefill);
    reportCacheReady(b, loop, buffer, n);

    // A beam search, if loomrt asks for one, instead of the branches.
    Value prefillLogits = prefill.lookup(cast<SampleOp>(sample).getLogits());
    func::FuncOp beamStart =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_beam_start);
    Value beams = func::CallOp::create(
                      b, loc, beamStart,
                      ValueRange{logitsRow(b, loc, prefillLogits, beamStart.getArgumentTypes()[0])})
                      .getResult(0);
    Type i64 = b.getI64Type(), index = b.getIndexType();
    auto choice = scf::IfOp::create(b, loc, TypeRange{index}, beams, /*withElseRegion=*/true);
    b.setInsertionPointToStart(choice.thenBlock());
    buildBeamLoop(b, loop, sample, buffer);
    scf::YieldOp::create(b, loc, ValueRange{c(0)});
    b.setInsertionPointToStart(choice.elseBlock());

    func::FuncOp start =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_branch);
    auto branches = scf::WhileOp::create(b, loc, TypeRange{index, index},
                                         ValueRange{c(0), c(0)});
    {
      OpBuilder::InsertionGuard guard(b);
      Block *before = b.createBlock(&branches.getBefore(), {}, {index, index}, {loc, loc});
      Value branch = arith::IndexCastOp::create(b, loc, i64, before->getArgument(0));
      Value go = func::CallOp::create(b, loc, start, ValueRange{branch}).getResult(0);
      scf::ConditionOp::create(b, loc, go, before->getArguments());

      Block *after = b.createBlock(&branches.getAfter(), {}, {index, index}, {loc, loc});
      Value first = b.clone(*sample, prefill)->getResult(0);
      Value produced = buildTokenLoop(b, loop, emit, out, first, n, buffer);
      scf::YieldOp::create(
          b, loc, ValueRange{arith::AddIOp::create(b, loc, after->getArgument(0), c(1)),
                             produced});
    }
    scf::YieldOp::create(b, loc, branches.getResult(1));
    b.setInsertionPointAfter(choice);
    replaceLoop(b, loop, out, choice.getResult(0));
  }

  /// A logits tensor as the kernel parameter type `type` (a strided view).
  Value logitsRow(OpBuilder &b, Location loc, Value logits, Type type) {
    auto tensorType = cast<RankedTensorType>(logits.getType());
    auto bufferType = MemRefType::get(tensorType.getShape(), tensorType.getElementType());
    Value buffer = bufferization::ToBufferOp::create(b, loc, bufferType, logits,
                                                     /*read_only=*/true);
    return memref::CastOp::create(b, loc, type, buffer);
  }

  /// Beam search: loomrt names each step's beam (its token and position,
  /// after putting the beam's suffix in the cache) until the search is over;
  /// each step's logits go back to it. The body runs up to its sample.
  void buildBeamLoop(OpBuilder &b, LoopOp loop, Operation *sample, Value buffer) {
    Location loc = loop.getLoc();
    ModuleOp module = loop->getParentOfType<ModuleOp>();
    func::FuncOp next =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_beam_next);
    func::FuncOp record =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_beam_logits);
    Type i64 = b.getI64Type();
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    Value io = memref::AllocOp::create(b, loc, MemRefType::get({2}, i64));
    Value cacheView = memref::CastOp::create(b, loc, next.getArgumentTypes()[0], buffer);
    Value ioView = memref::CastOp::create(b, loc, next.getArgumentTypes()[1], io);
    auto whileOp = scf::WhileOp::create(b, loc, TypeRange{}, ValueRange{});
    OpBuilder::InsertionGuard guard(b);
    b.createBlock(&whileOp.getBefore());
    Value go = func::CallOp::create(b, loc, next, ValueRange{cacheView, ioView}).getResult(0);
    scf::ConditionOp::create(b, loc, go, ValueRange{});
    b.createBlock(&whileOp.getAfter());
    Value token = memref::LoadOp::create(b, loc, io, ValueRange{c(0)});
    Value position = arith::IndexCastOp::create(
        b, loc, b.getIndexType(), memref::LoadOp::create(b, loc, io, ValueRange{c(1)}));
    Value one = tensor::FromElementsOp::create(b, loc, RankedTensorType::get({1}, i64),
                                               ValueRange{token});
    Block &body = loop.getBody().front();
    IRMapping map;
    Value ids = tensor::CastOp::create(b, loc, loop.getPrompt().getType(), one);
    reportModelRun(b, loop, ids, position);
    map.map(body.getArgument(0), ids);
    map.map(body.getArgument(1), position);
    map.map(body.getArgument(2), buffer);
    for (Operation &op : body.without_terminator())
      if (&op != sample)
        b.clone(op, map);
    Value logits = map.lookup(cast<SampleOp>(sample).getLogits());
    func::CallOp::create(
        b, loc, record,
        ValueRange{logitsRow(b, loc, logits, record.getArgumentTypes()[0]), cacheView});
    scf::YieldOp::create(b, loc, ValueRange{});
  }

  /// A loop of draft-step calls, each feeding the previous draft (greedy).
  void lowerDraftSteps(DraftStepsOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto step = module.lookupSymbol<func::FuncOp>(op.getStepAttr());
    Value buffer = op->getOperand(2); // the cache, a memref by now
    int64_t maxLength = cast<MemRefType>(buffer.getType()).getDimSize(4);
    int64_t nodes = int64_t(op.getTree().size());
    Type i64 = b.getI64Type();
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    auto tokens = memref::AllocOp::create(b, loc, MemRefType::get({nodes}, i64));
    Value root = tensor::ExtractOp::create(b, loc, op.getRoot(), ValueRange{c(0)});
    memref::StoreOp::create(b, loc, root, tokens, ValueRange{c(0)});
    // Draft i is fed at position + i: no more than the cache holds.
    Value room = arith::SubIOp::create(b, loc, c(maxLength), op.getPosition());
    Value drafts = arith::MinUIOp::create(b, loc, c(nodes - 1),
                                          arith::SubIOp::create(b, loc, room, c(1)));
    scf::ForOp::create(
        b, loc, c(0), drafts, c(1), ValueRange{root},
        [&](OpBuilder &nb, Location l, Value i, ValueRange carried) {
          Value ids = tensor::FromElementsOp::create(nb, l, RankedTensorType::get({1}, i64),
                                                     ValueRange{carried[0]});
          Value at = arith::AddIOp::create(nb, l, op.getPosition(), i);
          auto call = func::CallOp::create(nb, l, step, ValueRange{ids, at, buffer});
          Value next = SampleOp::create(nb, l, i64, call.getResult(0), Value(),
                                        SamplingStrategy::greedy, nullptr, nullptr, nullptr,
                                        nullptr, nullptr);
          Value slot = arith::AddIOp::create(nb, l, i, arith::ConstantIndexOp::create(nb, l, 1));
          memref::StoreOp::create(nb, l, next, tokens, ValueRange{slot});
          scf::YieldOp::create(nb, l, ValueRange{next});
        });
    Value result = bufferization::ToTensorOp::create(b, loc, op.getTokens().getType(), tokens,
                                                     /*restrict=*/true, /*writable=*/false);
    op.getTokens().replaceAllUsesWith(result);
    op.getCount().replaceAllUsesWith(arith::AddIOp::create(b, loc, drafts, c(1)).getResult());
    op->getResult(2).replaceAllUsesWith(buffer); // next_cache
    op.erase();
  }

  /// A separate draft model: its cache and a record of the token fed at each
  /// position live for the whole generation (allocated at the function's
  /// entry); each call first feeds the history the draft has not seen (or saw
  /// differently), then drafts greedily as lowerDraftSteps does.
  void lowerDraftModel(DraftModelOp op) {
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto step = module.lookupSymbol<func::FuncOp>(op.getStepAttr());
    auto catchUp = module.lookupSymbol<func::FuncOp>(op.getCatchUpAttr());
    auto func = op->getParentOfType<func::FuncOp>();
    KVCacheType cacheType = op.getCache();
    int64_t draftLength = cacheType.getMaxLength();
    Type i64 = IntegerType::get(op.getContext(), 64);
    Type index = IndexType::get(op.getContext());

    OpBuilder entry = OpBuilder::atBlockBegin(&func.getBody().front());
    Value cache = memref::AllocOp::create(entry, loc, cacheBufferType(cacheType));
    Value fed = memref::AllocOp::create(entry, loc, MemRefType::get({draftLength}, i64));
    Value seen = memref::AllocOp::create(entry, loc, MemRefType::get({}, index));
    memref::StoreOp::create(entry, loc, arith::ConstantIndexOp::create(entry, loc, 0), seen);

    OpBuilder b(op);
    auto c = [&](OpBuilder &nb, int64_t v) { return arith::ConstantIndexOp::create(nb, loc, v); };
    Value position = op.getPosition();
    Value history = op.getHistory();
    // The first position whose fed token differs from the history's (or the
    // end of what was fed): the draft's cache is right before it.
    Value limit = arith::MinUIOp::create(b, loc, memref::LoadOp::create(b, loc, seen), position);
    auto agree = scf::ForOp::create(
        b, loc, c(b, 0), limit, c(b, 1), ValueRange{limit},
        [&](OpBuilder &nb, Location l, Value p, ValueRange carried) {
          Value was = memref::LoadOp::create(nb, l, fed, ValueRange{p});
          Value is = tensor::ExtractOp::create(nb, l, history, ValueRange{p});
          Value differs = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, was, is);
          Value first = arith::SelectOp::create(nb, l, differs, p, limit);
          scf::YieldOp::create(nb, l,
                               ValueRange{arith::MinUIOp::create(nb, l, carried[0], first)});
        });
    Value from = agree.getResult(0);
    Value missing = arith::SubIOp::create(b, loc, position, from);
    Value any = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ugt, missing, c(b, 0));
    auto feed = scf::IfOp::create(b, loc, TypeRange{}, any, /*withElseRegion=*/false);
    {
      OpBuilder nb = OpBuilder::atBlockBegin(feed.thenBlock());
      auto idsType = RankedTensorType::get({ShapedType::kDynamic}, i64);
      Value ids = tensor::ExtractSliceOp::create(
          nb, loc, idsType, history, ValueRange{from}, ValueRange{missing}, ValueRange{},
          nb.getDenseI64ArrayAttr({ShapedType::kDynamic}),
          nb.getDenseI64ArrayAttr({ShapedType::kDynamic}), nb.getDenseI64ArrayAttr({1}));
      func::CallOp::create(nb, loc, catchUp, ValueRange{ids, from, cache});
      scf::ForOp::create(nb, loc, from, position, c(nb, 1), ValueRange{},
                         [&](OpBuilder &fb, Location l, Value p, ValueRange) {
                           Value token = tensor::ExtractOp::create(fb, l, history, ValueRange{p});
                           memref::StoreOp::create(fb, l, token, fed, ValueRange{p});
                           scf::YieldOp::create(fb, l, ValueRange{});
                         });
    }

    int64_t nodes = int64_t(op.getTree().size());
    auto tokens = memref::AllocOp::create(b, loc, MemRefType::get({nodes}, i64));
    Value root = tensor::ExtractOp::create(b, loc, op.getRoot(), ValueRange{c(b, 0)});
    memref::StoreOp::create(b, loc, root, tokens, ValueRange{c(b, 0)});
    // Draft i is fed at position + i: no more than the target's cache holds
    // (the draft's holds at least as many, loom-decode-speculate checks).
    auto targetCache = cast<MemRefType>(op->getParentOfType<LoopOp>()->getOperand(1).getType());
    Value room = arith::SubIOp::create(b, loc, c(b, targetCache.getDimSize(4)), position);
    Value drafts = arith::MinUIOp::create(b, loc, c(b, nodes - 1),
                                          arith::SubIOp::create(b, loc, room, c(b, 1)));
    scf::ForOp::create(
        b, loc, c(b, 0), drafts, c(b, 1), ValueRange{root},
        [&](OpBuilder &nb, Location l, Value i, ValueRange carried) {
          Value ids = tensor::FromElementsOp::create(nb, l, RankedTensorType::get({1}, i64),
                                                     ValueRange{carried[0]});
          Value at = arith::AddIOp::create(nb, l, position, i);
          auto call = func::CallOp::create(nb, l, step, ValueRange{ids, at, cache});
          memref::StoreOp::create(nb, l, carried[0], fed, ValueRange{at});
          Value next = SampleOp::create(nb, l, i64, call.getResult(0), Value(),
                                        SamplingStrategy::greedy, nullptr, nullptr, nullptr,
                                        nullptr, nullptr);
          Value slot = arith::AddIOp::create(nb, l, i, c(nb, 1));
          memref::StoreOp::create(nb, l, next, tokens, ValueRange{slot});
          scf::YieldOp::create(nb, l, ValueRange{next});
        });
    memref::StoreOp::create(b, loc, arith::AddIOp::create(b, loc, position, drafts), seen);
    Value result = bufferization::ToTensorOp::create(b, loc, op.getTokens().getType(), tokens,
                                                     /*restrict=*/true, /*writable=*/false);
    op.getTokens().replaceAllUsesWith(result);
    op.getCount().replaceAllUsesWith(arith::AddIOp::create(b, loc, drafts, c(b, 1)).getResult());
    op.erase();
  }

  /// The accepted path's entries move from position + node to position +
  /// level, every layer's keys and values at once. A chain's never move.
  void lowerCommit(CommitOp op) {
    Value buffer = op->getOperand(0); // the cache, a memref by now
    if (isTokenChain(op.getTree())) {
      op->getResult(0).replaceAllUsesWith(buffer);
      op.erase();
      return;
    }
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto type = cast<MemRefType>(buffer.getType());
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    auto slot = [&](OpBuilder &nb, Value position) {
      SmallVector<OpFoldResult> offsets = {nb.getIndexAttr(0), nb.getIndexAttr(0),
                                           nb.getIndexAttr(0), nb.getIndexAttr(0), position,
                                           nb.getIndexAttr(0)};
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(nb.getIndexAttr(d == 4 ? 1 : type.getDimSize(d)));
      SmallVector<OpFoldResult> strides(6, nb.getIndexAttr(1));
      auto viewType = memref::SubViewOp::inferResultType(type, offsets, sizes, strides);
      return memref::SubViewOp::create(nb, loc, cast<MemRefType>(viewType), buffer, offsets,
                                       sizes, strides)
          .getResult();
    };
    // Levels in increasing order: a node's index is at least its level, so a
    // move never overwrites an entry a later level still has to read.
    scf::ForOp::create(
        b, loc, c(1), op.getLength(), c(1), ValueRange{},
        [&](OpBuilder &nb, Location l, Value level, ValueRange) {
          Value node = arith::IndexCastOp::create(
              nb, l, nb.getIndexType(),
              tensor::ExtractOp::create(nb, l, op.getPath(), ValueRange{level}));
          Value moves = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, node, level);
          scf::IfOp::create(nb, l, moves, [&](OpBuilder &ib, Location il) {
            Value from = arith::AddIOp::create(ib, il, op.getPosition(), node);
            Value to = arith::AddIOp::create(ib, il, op.getPosition(), level);
            memref::CopyOp::create(ib, il, slot(ib, from), slot(ib, to));
            scf::YieldOp::create(ib, il);
          });
          scf::YieldOp::create(nb, l);
        });
    op->getResult(0).replaceAllUsesWith(buffer);
    op.erase();
  }

  void lowerDraft(DraftOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    func::FuncOp callee =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_draft);
    Type i64View = callee.getArgumentTypes()[0];
    auto tokensType = cast<RankedTensorType>(op.getTokens().getType());
    auto tokens = memref::AllocOp::create(
        b, loc, MemRefType::get(tokensType.getShape(), b.getI64Type()));
    Value count = func::CallOp::create(
                      b, loc, callee,
                      ValueRange{kernelView(b, loc, op.getHistory(), i64View),
                                 kernelView(b, loc, treeConstant(b, loc, op.getTree()), i64View),
                                 memref::CastOp::create(b, loc, i64View, tokens),
                                 arith::ConstantOp::create(
                                     b, loc, b.getI32IntegerAttr(int32_t(op.getSource()))),
                                 arith::ConstantOp::create(
                                     b, loc, b.getI64IntegerAttr(op.getMaxNgram()))})
                      .getResult(0);
    Value result = bufferization::ToTensorOp::create(b, loc, tokensType, tokens,
                                                     /*restrict=*/true, /*writable=*/false);
    op.getTokens().replaceAllUsesWith(result);
    op.getCount().replaceAllUsesWith(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), count).getResult());
    op.erase();
  }

  void lowerVerify(VerifyOp op) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    func::FuncOp callee =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_verify);
    ArrayRef<Type> params = callee.getArgumentTypes();
    Type i64View = params[1];
    auto pathType = cast<RankedTensorType>(op.getPath().getType());
    int64_t height = pathType.getDimSize(0);
    auto out = memref::AllocOp::create(b, loc, MemRefType::get({height + 1}, b.getI64Type()));
    Type i64 = b.getI64Type();
    Value length =
        func::CallOp::create(
            b, loc, callee,
            ValueRange{kernelView(b, loc, op.getLogits(), params[0]),
                       kernelView(b, loc, op.getTokens(), i64View),
                       kernelView(b, loc, treeConstant(b, loc, op.getTree()), i64View),
                       kernelView(b, loc, op.getHistory(), i64View),
                       arith::IndexCastOp::create(b, loc, i64, op.getCount()),
                       arith::IndexCastOp::create(b, loc, i64, op.getPosition()),
                       arith::ConstantOp::create(
                           b, loc, b.getI32IntegerAttr(int32_t(op.getStrategy()))),
                       memref::CastOp::create(b, loc, i64View, out)})
            .getResult(0);
    Value bonus = memref::LoadOp::create(
        b, loc, out, ValueRange{arith::ConstantIndexOp::create(b, loc, height)});
    auto pathView = memref::SubViewOp::create(
        b, loc, out, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{b.getIndexAttr(height)}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    Value path = bufferization::ToTensorOp::create(b, loc, pathType, pathView,
                                                   /*restrict=*/true, /*writable=*/false);
    op.getPath().replaceAllUsesWith(path);
    op.getLength().replaceAllUsesWith(
        arith::IndexCastOp::create(b, loc, b.getIndexType(), length).getResult());
    op.getBonus().replaceAllUsesWith(bonus);
    op.erase();
  }

  /// A copy of the loop body's ops for (ids, pos, cache[, history]); returns
  /// the tokens it yields as a tensor<?xi64>.
  Value inlineTokens(OpBuilder &b, LoopOp loop, Value ids, Value pos, Value cache,
                     Value history) {
    reportModelRun(b, loop, ids, pos);
    Block &body = loop.getBody().front();
    IRMapping map;
    map.map(body.getArgument(0), ids);
    map.map(body.getArgument(1), pos);
    map.map(body.getArgument(2), cache);
    if (body.getNumArguments() == 4)
      map.map(body.getArgument(3), history);
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    Value tokens = map.lookupOrDefault(cast<YieldOp>(body.getTerminator()).getToken());
    Location loc = loop.getLoc();
    Type i64 = b.getI64Type();
    if (tokens.getType() == i64)
      tokens = tensor::FromElementsOp::create(b, loc, RankedTensorType::get({1}, i64),
                                              ValueRange{tokens});
    auto list = RankedTensorType::get({ShapedType::kDynamic}, i64);
    if (tokens.getType() != list)
      tokens = tensor::CastOp::create(b, loc, list, tokens);
    return tokens;
  }

  /// A loop whose steps yield several tokens (speculation) or read the
  /// history: each step's tokens are emitted in order, the history buffer
  /// keeps the prompt and every token, and the last token is fed next.
  void lowerMultiTokenLoop(LoopOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    ModuleOp module = loop->getParentOfType<ModuleOp>();
    Type i64 = b.getI64Type(), index = b.getIndexType(), i1 = b.getI1Type();
    Value prompt = loop.getPrompt(), buffer = loop->getOperand(1); // the cache
    int64_t maxLength = cast<MemRefType>(buffer.getType()).getDimSize(4);
    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };

    Value n = tensor::DimOp::create(b, loc, prompt, 0);
    Value out = checkedTokenBuffer(b, loop, n);

    // The history: the prompt, then every token at its position (the last
    // one can be at max_len: it is emitted but never fed).
    Value history = memref::AllocOp::create(b, loc, MemRefType::get({maxLength + 1}, i64));
    auto prefix = [&](OpBuilder &nb, Value length) {
      auto view = memref::SubViewOp::create(
          nb, loc, history, ArrayRef<OpFoldResult>{nb.getIndexAttr(0)},
          ArrayRef<OpFoldResult>{length}, ArrayRef<OpFoldResult>{nb.getIndexAttr(1)});
      return view;
    };
    auto historyTensor = [&](OpBuilder &nb, Value length) -> Value {
      auto view = prefix(nb, length);
      return bufferization::ToTensorOp::create(
          nb, loc, RankedTensorType::get({ShapedType::kDynamic}, i64), view,
          /*restrict=*/true, /*writable=*/false);
    };
    Value promptBuffer = bufferization::ToBufferOp::create(
        b, loc, MemRefType::get({ShapedType::kDynamic}, i64), prompt, /*read_only=*/true);
    memref::CopyOp::create(b, loc, promptBuffer, prefix(b, n));

    func::FuncOp emit =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_emit);
    // Emits `tokens` (made by feeding `fed` tokens at `at`) until one ends
    // generation; returns (go on, produced so far).
    auto emitAll = [&](OpBuilder &eb, Value tokens, Value at, Value fed, Value produced) {
      Value m = tensor::DimOp::create(eb, loc, tokens, 0);
      Value first = arith::AddIOp::create(eb, loc, at, fed); // position of tokens[0]
      Value yes = arith::ConstantOp::create(eb, loc, eb.getBoolAttr(true));
      auto inner = scf::WhileOp::create(eb, loc, TypeRange{index, index, i1},
                                        ValueRange{c(0), produced, yes});
      OpBuilder::InsertionGuard guard(eb);
      Block *before = eb.createBlock(&inner.getBefore(), {}, {index, index, i1}, {loc, loc, loc});
      Value more = arith::AndIOp::create(
          eb, loc, before->getArgument(2),
          arith::CmpIOp::create(eb, loc, arith::CmpIPredicate::ult, before->getArgument(0), m));
      scf::ConditionOp::create(eb, loc, more, before->getArguments());
      Block *after = eb.createBlock(&inner.getAfter(), {}, {index, index, i1}, {loc, loc, loc});
      Value j = after->getArgument(0), count = after->getArgument(1);
      Value tok = tensor::ExtractOp::create(eb, loc, tokens, ValueRange{j});
      Value position = arith::AddIOp::create(eb, loc, first, j);
      memref::StoreOp::create(eb, loc, tok, out, ValueRange{count});
      memref::StoreOp::create(eb, loc, tok, history, ValueRange{position});
      Value next = arith::AddIOp::create(eb, loc, count, c(1));
      Value go = emitAndContinue(eb, loop, emit, tok, position, next);
      scf::YieldOp::create(eb, loc,
                           ValueRange{arith::AddIOp::create(eb, loc, j, c(1)), next, go});
      return std::pair<Value, Value>{inner.getResult(2), inner.getResult(1)};
    };
    // What the next step starts from: the last token and its position.
    auto lastOf = [&](OpBuilder &eb, Value tokens, Value at, Value fed) {
      Value m = tensor::DimOp::create(eb, loc, tokens, 0);
      Value lastIndex = arith::SubIOp::create(eb, loc, m, c(1));
      Value last = tensor::ExtractOp::create(eb, loc, tokens, ValueRange{lastIndex});
      Value position = arith::AddIOp::create(
          eb, loc, arith::AddIOp::create(eb, loc, at, fed), lastIndex);
      return std::pair<Value, Value>{last, position};
    };

    // Prefill: the body on the whole prompt at position 0.
    Value firstTokens = inlineTokens(b, loop, prompt, c(0), buffer, historyTensor(b, n));
    auto [go0, produced0] = emitAll(b, firstTokens, c(0), n, c(0));
    auto [last0, pos0] = lastOf(b, firstTokens, c(0), n);
    // The cache holds every token before the one fed next.
    reportCacheReady(b, loop, buffer, pos0);

    auto whileOp = scf::WhileOp::create(b, loc, TypeRange{i1, i64, index, index},
                                        ValueRange{go0, last0, pos0, produced0});
    {
      OpBuilder::InsertionGuard guard(b);
      Block *before = b.createBlock(&whileOp.getBefore(), {}, {i1, i64, index, index},
                                    {loc, loc, loc, loc});
      scf::ConditionOp::create(b, loc, before->getArgument(0), before->getArguments());
      Block *after = b.createBlock(&whileOp.getAfter(), {}, {i1, i64, index, index},
                                   {loc, loc, loc, loc});
      Value last = after->getArgument(1), at = after->getArgument(2);
      Value one = tensor::FromElementsOp::create(b, loc, RankedTensorType::get({1}, i64),
                                                 ValueRange{last});
      Value ids = tensor::CastOp::create(b, loc, prompt.getType(), one);
      Value fedEnd = arith::AddIOp::create(b, loc, at, c(1));
      Value tokens = inlineTokens(b, loop, ids, at, buffer, historyTensor(b, fedEnd));
      auto [go, produced] = emitAll(b, tokens, at, c(1), after->getArgument(3));
      auto [nextLast, nextPos] = lastOf(b, tokens, at, c(1));
      reportCacheReady(b, loop, buffer, nextPos);
      scf::YieldOp::create(b, loc, ValueRange{go, nextLast, nextPos, produced});
    }
    replaceLoop(b, loop, out, whileOp.getResult(3));
  }

  LogicalResult lowerSample(SampleOp op) {
    auto logits = cast<RankedTensorType>(op.getLogits().getType());
    if (logits.getRank() != 1 || !logits.getElementType().isF32())
      return op.emitOpError("lowering handles one row of f32 logits, got ") << logits;
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    func::FuncOp callee =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_sample);
    Value row = logitsRow(b, loc, op.getLogits(), callee.getArgumentTypes()[0]);
    Type i64 = b.getI64Type();
    Value counter = op.getCounter()
                        ? Value(arith::IndexCastOp::create(b, loc, i64, op.getCounter()))
                        : Value(arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)));
    auto f = [&](FloatAttr a, float dflt) -> Value {
      return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(a ? a.getValueAsDouble() : dflt));
    };
    auto i = [&](IntegerAttr a, int64_t dflt) -> Value {
      return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(a ? a.getInt() : dflt));
    };
    Value strategy = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(op.getStrategy())));
    SmallVector<Value> args = {row,
                               counter,
                               strategy,
                               f(op.getTemperatureAttr(), 1.0f),
                               i(op.getTopKAttr(), 0),
                               f(op.getTopPAttr(), 1.0f),
                               f(op.getMinPAttr(), 0.0f),
                               i(op.getSeedAttr(), 0)};
    Value token = func::CallOp::create(b, loc, callee, args).getResult(0);
    op.getToken().replaceAllUsesWith(token);
    op.erase();
    return success();
  }
};

} // namespace
