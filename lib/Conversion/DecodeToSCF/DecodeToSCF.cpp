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

struct LoomLowerDecodePass : loom::impl::LoomLowerDecodePassBase<LoomLowerDecodePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // After this, decode ops hold memrefs where their ODS says kv_cache: they
    // are read through untyped accessors (getOperand/getResult) until erased.
    retypeCaches(module);
    module.walk([&](CacheAppendOp op) { lowerAppend(op); });
    if (failed(dropReturnedCaches(module)))
      return signalPassFailure();
    module.walk([&](EmptyCacheOp op) {
      OpBuilder b(op);
      Value buffer = memref::AllocOp::create(b, op.getLoc(), cast<MemRefType>(op->getResult(0).getType()));
      op.replaceAllUsesWith(buffer);
      op.erase();
    });
    SmallVector<LoopOp> loops;
    module.walk([&](LoopOp op) { loops.push_back(op); });
    for (LoopOp loop : loops)
      lowerLoop(loop);
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

  /// A copy of the loop body's ops for (ids, pos, cache); returns the token.
  Value inlineBody(OpBuilder &b, LoopOp loop, Value ids, Value pos, Value cache) {
    Block &body = loop.getBody().front();
    IRMapping map;
    map.map(body.getArgument(0), ids);
    map.map(body.getArgument(1), pos);
    map.map(body.getArgument(2), cache);
    for (Operation &op : body.without_terminator())
      b.clone(op, map);
    return map.lookup(cast<YieldOp>(body.getTerminator()).getToken());
  }

  void lowerLoop(LoopOp loop) {
    OpBuilder b(loop);
    Location loc = loop.getLoc();
    ModuleOp module = loop->getParentOfType<ModuleOp>();
    Type i64 = b.getI64Type(), index = b.getIndexType();
    Value prompt = loop.getPrompt(), buffer = loop->getOperand(1); // the cache
    Value maxNew = loop.getMaxNewTokens();
    int64_t maxLength = cast<MemRefType>(buffer.getType()).getDimSize(4);

    auto c = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); };
    Value n = tensor::DimOp::create(b, loc, prompt, 0);
    // loomrt checks these before calling in; the asserts keep the generated
    // code from writing past its buffers if it is called directly.
    Value fits = arith::AndIOp::create(
        b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, n, c(1)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, n, c(maxLength)));
    cf::AssertOp::create(b, loc, fits, "decode.loop: the prompt must hold 1 to max_len tokens");
    cf::AssertOp::create(b, loc,
                         arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, maxNew, c(1)),
                         "decode.loop: max_new_tokens must be at least 1");
    auto outType = MemRefType::get({ShapedType::kDynamic}, i64);
    // The loop stops at a full cache, after at most max_len - n + 1 tokens:
    // a larger max_new_tokens must not size the buffer (2^40 would fail).
    Value room = arith::SubIOp::create(b, loc, c(maxLength + 1), n);
    Value capacity = arith::MinUIOp::create(b, loc, maxNew, room);
    Value out = memref::AllocOp::create(b, loc, outType, ValueRange{capacity});

    // Prefill: the body on the whole prompt at position 0.
    Value first = inlineBody(b, loop, prompt, c(0), buffer);

    func::FuncOp emit =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_emit);
    auto whileOp = scf::WhileOp::create(b, loc, TypeRange{i64, index, index},
                                        ValueRange{first, n, c(0)});
    {
      OpBuilder::InsertionGuard guard(b);
      Block *before = b.createBlock(&whileOp.getBefore(), {}, {i64, index, index},
                                    {loc, loc, loc});
      Value tok = before->getArgument(0), pos = before->getArgument(1);
      Value count = before->getArgument(2);
      memref::StoreOp::create(b, loc, tok, out, ValueRange{count});
      Value produced = arith::AddIOp::create(b, loc, count, c(1));
      Value go = func::CallOp::create(b, loc, emit, ValueRange{tok}).getResult(0);
      for (int64_t stop : loop.getStopTokens()) {
        Value s = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(stop));
        go = arith::AndIOp::create(
            b, loc, go, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, tok, s));
      }
      // Room for one more position in the cache, and tokens still wanted.
      go = arith::AndIOp::create(
          b, loc, go, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, pos, c(maxLength)));
      go = arith::AndIOp::create(
          b, loc, go, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, produced, maxNew));
      scf::ConditionOp::create(b, loc, go, ValueRange{tok, pos, produced});

      Block *after = b.createBlock(&whileOp.getAfter(), {}, {i64, index, index},
                                   {loc, loc, loc});
      Value last = after->getArgument(0), at = after->getArgument(1);
      Value one = tensor::FromElementsOp::create(
          b, loc, RankedTensorType::get({1}, i64), ValueRange{last});
      Value ids = tensor::CastOp::create(b, loc, prompt.getType(), one);
      Value next = inlineBody(b, loop, ids, at, buffer);
      scf::YieldOp::create(b, loc, ValueRange{next, arith::AddIOp::create(b, loc, at, c(1)),
                                              after->getArgument(2)});
    }
    Value produced = whileOp.getResult(2);
    auto viewType = memref::SubViewOp::inferResultType(outType, ArrayRef<int64_t>{0},
                                                       ArrayRef<int64_t>{ShapedType::kDynamic},
                                                       ArrayRef<int64_t>{1});
    Value view = memref::SubViewOp::create(
        b, loc, cast<MemRefType>(viewType), out, ArrayRef<OpFoldResult>{b.getIndexAttr(0)},
        ArrayRef<OpFoldResult>{produced}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
    Value tokens = bufferization::ToTensorOp::create(b, loc, loop.getTokens().getType(), view,
                                                     /*restrict=*/true, /*writable=*/false);
    loop.getTokens().replaceAllUsesWith(tokens);
    loop->getResult(1).replaceAllUsesWith(buffer); // final_cache
    loop.erase();
  }

  LogicalResult lowerSample(SampleOp op) {
    auto logits = cast<RankedTensorType>(op.getLogits().getType());
    if (logits.getRank() != 1 || !logits.getElementType().isF32())
      return op.emitOpError("lowering handles one row of f32 logits, got ") << logits;
    OpBuilder b(op);
    Location loc = op.getLoc();
    ModuleOp module = op->getParentOfType<ModuleOp>();
    auto bufferType = MemRefType::get(logits.getShape(), logits.getElementType());
    Value buffer = bufferization::ToBufferOp::create(b, loc, bufferType, op.getLogits(),
                                                     /*read_only=*/true);
    func::FuncOp callee =
        loom::declareRuntimeKernel(module, loom::RuntimeKernel::loomrt_decode_sample);
    Value row = memref::CastOp::create(b, loc, callee.getArgumentTypes()[0], buffer);
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
