//===- WrapStep.cpp - exported decoder step -> decode.loop ------*- C++ -*-===//
//
// An exported decoder computes one step: it takes the new tokens and the past
// keys/values, and returns logits and the concatenated "present" keys/values.
// Run as is, every step copies the whole cache into a new tensor. This pass
// recognizes the convention, turns each Concat(past, new) into a
// decode.cache_append on one KV cache (written in place once lowered), builds
// a prefill and a one-token specialization of the step, and wraps them into
// @loom_generate's decode.loop.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Decode/Transforms/Passes.h"
#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringMap.h"

namespace loom::decode {
#define GEN_PASS_DEF_LOOMDECODEWRAPSTEPPASS
#include "loom/Dialect/Decode/Transforms/Passes.h.inc"
} // namespace loom::decode

using namespace mlir;
using namespace loom::decode;

namespace {

/// `pattern` with "{}" replaced by the layer number.
std::string layerName(StringRef pattern, int64_t layer) {
  std::string name = pattern.str();
  size_t at = name.find("{}");
  if (at != std::string::npos)
    name.replace(at, 2, std::to_string(layer));
  return name;
}

/// One layer's keys or values: the past input and the Concat producing the
/// present output.
struct CacheEntry {
  int64_t layer;
  CacheKind kind;
  unsigned pastArg;
  Operation *concat;
};

/// What the pass found in main_graph.
struct StepModel {
  func::FuncOp graph;
  unsigned idsArg;
  std::optional<unsigned> positionArg, maskArg;
  unsigned logitsResult;
  SmallVector<CacheEntry> entries;
  llvm::DenseMap<Operation *, unsigned> byConcat; // -> index in entries
  KVCacheType cacheType;
};

struct LoomDecodeWrapStepPass
    : loom::decode::impl::LoomDecodeWrapStepPassBase<LoomDecodeWrapStepPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto graph = module.lookupSymbol<func::FuncOp>("main_graph");
    if (!graph || graph.isExternal()) {
      module.emitError("loom-decode-wrap-step: the module has no main_graph to wrap");
      return signalPassFailure();
    }
    // `.to(dtype)` of a K/V tensor that already has that dtype, or an
    // Identity, can stand between a cache's Concat and its present output:
    // the graph pipeline removes them, and so does this pass for graphs
    // that did not go through it.
    if (failed(loom::onnx::eraseNoOpCasts(graph)))
      return signalPassFailure();
    FailureOr<StepModel> model = analyze(graph);
    if (failed(model))
      return signalPassFailure();

    func::FuncOp prefill = buildStep(*model, kPrefillStep, /*oneToken=*/false);
    func::FuncOp token = buildStep(*model, kTokenStep, /*oneToken=*/true);
    if (!prefill || !token)
      return signalPassFailure();
    buildGenerate(*model, prefill, token);
    graph.erase();
  }

  /// Matches main_graph's inputs and outputs to the convention.
  FailureOr<StepModel> analyze(func::FuncOp graph) {
    StepModel model;
    model.graph = graph;
    llvm::StringMap<unsigned> inputs, outputs;
    for (unsigned i = 0; i < graph.getNumArguments(); ++i)
      if (auto name = graph.getArgAttrOfType<StringAttr>(i, "onnx.name"))
        inputs[name.getValue()] = i;
    for (unsigned i = 0; i < graph.getNumResults(); ++i)
      if (auto name = graph.getResultAttrOfType<StringAttr>(i, "onnx.name"))
        outputs[name.getValue()] = i;

    // Which option names it (an input or output that is not there).
    auto optionFor = [&](StringRef name) -> StringRef {
      for (auto [option, pattern] :
           {std::pair<StringRef, StringRef>{"--input-ids", inputIds},
            {"--past-key", pastKey}, {"--past-value", pastValue},
            {"--present-key", presentKey}, {"--present-value", presentValue}})
        if (layerName(pattern, 0) == name || pattern == name ||
            (pattern.contains("{}") && name.starts_with(pattern.split("{}").first) &&
             name.ends_with(pattern.split("{}").second)))
          return option;
      return "--input-ids";
    };
    auto missing = [&](StringRef what, StringRef name) {
      StringRef option = optionFor(name);
      graph.emitError() << "the model has no " << what << " named '" << name
                        << "' (name it with the decoder convention options, e.g. loom-compile "
                        << option << "=NAME"
                        << (option == "--input-ids" ? "" : "; {} stands for the layer number")
                        << ")";
      return failure();
    };
    // The cache names give one input/output per layer: without {} they
    // would name the same one for every layer.
    for (auto [option, pattern] :
         {std::pair<StringRef, StringRef>{"--past-key", pastKey}, {"--past-value", pastValue},
          {"--present-key", presentKey}, {"--present-value", presentValue}})
      if (!pattern.contains("{}")) {
        graph.emitError() << option << "='" << pattern
                          << "' needs {} where the layer number goes (e.g. "
                             "'past_key_values.{}.key'); a single tensor holding every "
                             "layer's cache is not supported";
        return failure();
      }
    if (!inputs.count(inputIds))
      return missing("input", inputIds);
    model.idsArg = inputs[inputIds];
    if (inputs.count(positionIds))
      model.positionArg = inputs[positionIds];
    if (inputs.count(attentionMask))
      model.maskArg = inputs[attentionMask];
    if (!outputs.count(logits))
      return missing("output", logits);
    model.logitsResult = outputs[logits];

    auto ret = cast<func::ReturnOp>(graph.getBody().front().getTerminator());
    llvm::SmallDenseSet<unsigned> usedInputs = {model.idsArg}, usedOutputs = {
                                                                   model.logitsResult};
    if (model.positionArg)
      usedInputs.insert(*model.positionArg);
    if (model.maskArg)
      usedInputs.insert(*model.maskArg);
    int64_t layers = 0;
    while (inputs.count(layerName(pastKey, layers)))
      ++layers;
    if (layers == 0)
      return missing("past keys of layer 0", layerName(pastKey, 0));

    RankedTensorType cacheShape;
    std::string cacheShapeFrom; // the input that set cacheShape
    for (int64_t layer = 0; layer < layers; ++layer) {
      for (CacheKind kind : {CacheKind::key, CacheKind::value}) {
        bool isKey = kind == CacheKind::key;
        std::string pastName = layerName(isKey ? pastKey : pastValue, layer);
        std::string presentName = layerName(isKey ? presentKey : presentValue, layer);
        if (!inputs.count(pastName))
          return missing("input", pastName);
        if (!outputs.count(presentName))
          return missing("output", presentName);
        unsigned pastArg = inputs[pastName], presentResult = outputs[presentName];
        usedInputs.insert(pastArg);
        usedOutputs.insert(presentResult);

        Value past = graph.getArgument(pastArg);
        Operation *concat = ret.getOperand(presentResult).getDefiningOp();
        auto type = dyn_cast<RankedTensorType>(past.getType());
        if (!concat || concat->getName().getStringRef() != "onnx.Concat" ||
            concat->getNumOperands() != 2 || concat->getOperand(0) != past || !type ||
            type.getRank() != 4) {
          graph.emitError() << "output '" << presentName << "' is not Concat('" << pastName
                            << "', new) of a [batch, heads, sequence, head_dim] tensor: "
                               "the cache cannot be updated in place";
          return failure();
        }
        // A past length fixed at export (a static axis) means the graph
        // was traced for that one length (positions, masks baked in), and
        // the loop's cache grows: refused (it ran with wrong tokens).
        if (!ShapedType::isDynamic(type.getDimSize(2))) {
          graph.emitError() << "input '" << pastName << "' has a fixed past length of "
                            << type.getDimSize(2)
                            << ": the model was exported for that length only; export the "
                               "past sequence axis as dynamic (torch.onnx.export dynamic_axes="
                               "{'"
                            << pastName << "': {2: 'past_sequence_length'}})";
          return failure();
        }
        auto axis = concat->getAttrOfType<IntegerAttr>("axis");
        if (!axis || (axis.getInt() != 2 && axis.getInt() != -2)) {
          concat->emitError() << "'" << presentName
                              << "' concatenates on an axis other than the sequence (2)";
          return failure();
        }
        // Exporters also read the past length with Shape(past); any other
        // use would need the past as a tensor of its own.
        for (Operation *user : past.getUsers())
          if (user != concat && user->getName().getStringRef() != "onnx.Shape") {
            user->emitError() << "input '" << pastName << "' is used by "
                              << user->getName() << ", not only by the Concat making '"
                              << presentName
                              << "' (and Shape): the cache cannot be updated in place";
            return failure();
          }
        if (ShapedType::isDynamic(type.getDimSize(1)) ||
            ShapedType::isDynamic(type.getDimSize(3)) ||
            !isa<FloatType>(type.getElementType())) {
          graph.emitError() << "input '" << pastName << "' has type " << type
                            << "; the cache needs static heads and head size of a float type";
          return failure();
        }
        if (!cacheShape) {
          cacheShape = type;
          cacheShapeFrom = pastName;
        } else if (type.getDimSize(1) != cacheShape.getDimSize(1) ||
                   type.getDimSize(3) != cacheShape.getDimSize(3) ||
                   type.getElementType() != cacheShape.getElementType()) {
          graph.emitError() << "input '" << pastName << "' has type " << type << ", unlike '"
                            << cacheShapeFrom << "' (" << cacheShape
                            << "): the cache holds every layer's keys and values in one "
                               "buffer, so they must have the same heads, head size and "
                               "element type (keys and values of different head sizes, as "
                               "in DeepSeek's latent attention, are not supported yet)";
          return failure();
        }
        model.entries.push_back({layer, kind, pastArg, concat});
      }
    }
    for (auto [i, entry] : llvm::enumerate(model.entries))
      model.byConcat[entry.concat] = i;
    for (unsigned i = 0; i < graph.getNumArguments(); ++i)
      if (!usedInputs.contains(i)) {
        auto name = graph.getArgAttrOfType<StringAttr>(i, "onnx.name");
        graph.emitError() << "input '" << (name ? name.getValue() : StringRef("?"))
                          << "' is not part of the decoder convention (token ids, positions, "
                             "attention mask, past keys/values)";
        return failure();
      }
    for (unsigned i = 0; i < graph.getNumResults(); ++i)
      if (!usedOutputs.contains(i)) {
        auto name = graph.getResultAttrOfType<StringAttr>(i, "onnx.name");
        graph.emitError() << "output '" << (name ? name.getValue() : StringRef("?"))
                          << "' is not part of the decoder convention (logits, present "
                             "keys/values)";
        return failure();
      }

    auto ids = dyn_cast<RankedTensorType>(graph.getArgument(model.idsArg).getType());
    if (!ids || ids.getRank() != 2 || !ids.getElementType().isInteger(64) ||
        (!ShapedType::isDynamic(ids.getDimSize(0)) && ids.getDimSize(0) != 1)) {
      graph.emitError() << "input '" << inputIds << "' has type "
                        << graph.getArgument(model.idsArg).getType()
                        << "; generation needs [batch, sequence] int64 token ids with "
                           "batch 1 or dynamic";
      return failure();
    }
    auto logitsType = dyn_cast<RankedTensorType>(graph.getResultTypes()[model.logitsResult]);
    if (!logitsType || logitsType.getRank() != 3 ||
        !isa<FloatType>(logitsType.getElementType())) {
      graph.emitError() << "output '" << logits.getValue()
                        << "' must be [batch, sequence, vocab] floats";
      return failure();
    }
    for (std::optional<unsigned> arg : {model.positionArg, model.maskArg}) {
      auto type = arg ? dyn_cast<RankedTensorType>(graph.getArgument(*arg).getType())
                      : RankedTensorType();
      if (arg && (!type || type.getRank() != 2 || !isa<IntegerType>(type.getElementType()))) {
        graph.emitError() << "input " << *arg << " (positions or mask) has type "
                          << graph.getArgument(*arg).getType()
                          << "; expected [batch, length] integers";
        return failure();
      }
    }
    // Past the size of a table the positions index the model has no answer:
    // refused here, rather than stopped by the run-time index check at that
    // position with a message that names no cause.
    Operation *table = nullptr;
    if (model.positionArg)
      if (std::optional<int64_t> size = positionTableSize(graph, *model.positionArg, &table);
          size && int64_t(contextLength) > *size) {
        table->emitError() << "the context length " << int64_t(contextLength) << " is beyond the "
                           << *size << " positions this model supports (this Gather reads a "
                           << "table of " << *size << " rows by '" << positionIds
                           << "', e.g. learned position embeddings); compile with "
                              "--context-length="
                           << *size << " or less";
        return failure();
      }
    model.cacheType = KVCacheType::getChecked(
        [&] { return graph.emitError(); }, graph.getContext(), layers,
        cacheShape.getDimSize(1), cacheShape.getDimSize(3), int64_t(contextLength),
        cacheShape.getElementType());
    if (!model.cacheType)
      return failure();
    return model;
  }

  /// The step as a function (ids, position, cache) -> (last logits, cache).
  func::FuncOp buildStep(StepModel &model, StringRef name, bool oneToken) {
    func::FuncOp graph = model.graph;
    MLIRContext *ctx = graph.getContext();
    Location loc = graph.getLoc();
    OpBuilder b(graph);
    Type i64 = IntegerType::get(ctx, 64);
    Type idsType = RankedTensorType::get({oneToken ? 1 : ShapedType::kDynamic}, i64);
    Type index = b.getIndexType();
    auto func = func::FuncOp::create(
        b, loc, name, b.getFunctionType({idsType, index, model.cacheType}, {}));
    func.setPrivate();
    Block *body = func.addEntryBlock();
    b.setInsertionPointToStart(body);
    Value ids = body->getArgument(0), pos = body->getArgument(1);
    Value cache = body->getArgument(2);

    IRMapping map;
    Value n = oneToken ? Value(arith::ConstantIndexOp::create(b, loc, 1))
                       : Value(tensor::DimOp::create(b, loc, ids, 0));
    SmallVector<OpFoldResult> rowShape = {b.getIndexAttr(1),
                                          oneToken ? OpFoldResult(b.getIndexAttr(1))
                                                   : OpFoldResult(n)};
    auto row = [&](Type elem) {
      return RankedTensorType::get({1, oneToken ? 1 : ShapedType::kDynamic}, elem);
    };
    Value ids2 = tensor::ExpandShapeOp::create(b, loc, row(i64), ids,
                                               SmallVector<ReassociationIndices>{{0, 1}},
                                               rowShape);
    map.map(graph.getArgument(model.idsArg), ids2);

    if (model.positionArg) {
      // Positions pos, pos + 1, ...: the tokens' places in the sequence.
      Type elem = cast<ShapedType>(graph.getArgument(*model.positionArg).getType())
                      .getElementType();
      SmallVector<Value> dynamic;
      if (!oneToken)
        dynamic.push_back(n);
      Value positions = tensor::GenerateOp::create(
          b, loc, row(elem), dynamic, [&](OpBuilder &nb, Location l, ValueRange indices) {
            Value p = arith::AddIOp::create(nb, l, pos, indices[1]);
            tensor::YieldOp::create(nb, l, arith::IndexCastOp::create(nb, l, elem, p).getResult());
          });
      // Tree speculation (loom-decode-speculate) gives tree nodes their depth
      // as position: it finds this tensor by the marker.
      positions.getDefiningOp()->setAttr(kPositionsMarker, b.getUnitAttr());
      map.map(graph.getArgument(*model.positionArg), positions);
    }
    if (model.maskArg) {
      // Every cached and new position is visible (one sequence, no padding).
      Type elem =
          cast<ShapedType>(graph.getArgument(*model.maskArg).getType()).getElementType();
      Value total = arith::AddIOp::create(b, loc, pos, n);
      auto type = RankedTensorType::get({1, ShapedType::kDynamic}, elem);
      Value empty = tensor::EmptyOp::create(b, loc, type, ValueRange{total});
      Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 1));
      Value mask = linalg::FillOp::create(b, loc, one, empty).getResult(0);
      map.map(graph.getArgument(*model.maskArg), mask);
    }

    // The past keys/values are only measured (Shape) apart from their Concat:
    // an empty tensor of the cached length answers that, and folds away.
    for (const CacheEntry &entry : model.entries)
      map.map(graph.getArgument(entry.pastArg),
              tensor::EmptyOp::create(b, loc, model.cacheType.getEntriesType(),
                                      ValueRange{pos}));

    Value logitsRow;
    for (Operation &op : graph.getBody().front()) {
      if (auto ret = dyn_cast<func::ReturnOp>(op)) {
        // Only the last position's logits choose the next token.
        Value all = map.lookup(ret.getOperand(model.logitsResult));
        auto type = cast<RankedTensorType>(all.getType());
        // The logits' own last row: a model may return only the last
        // position's ([1, 1, vocab]: HF's num_logits_to_keep = 1).
        Value rows = type.isDynamicDim(1)
                         ? tensor::DimOp::create(b, loc, all, 1).getResult()
                         : arith::ConstantIndexOp::create(b, loc, type.getDimSize(1)).getResult();
        Value last = arith::SubIOp::create(b, loc, rows, arith::ConstantIndexOp::create(b, loc, 1));
        OpFoldResult vocab = type.isDynamicDim(2)
                                 ? OpFoldResult(tensor::DimOp::create(b, loc, all, 2).getResult())
                                 : OpFoldResult(b.getIndexAttr(type.getDimSize(2)));
        auto rowType = RankedTensorType::get({type.getDimSize(2)}, type.getElementType());
        logitsRow = tensor::ExtractSliceOp::create(
            b, loc, rowType, all,
            ArrayRef<OpFoldResult>{b.getIndexAttr(0), OpFoldResult(last), b.getIndexAttr(0)},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1), vocab},
            ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1), b.getIndexAttr(1)});
        func::ReturnOp::create(b, loc, ValueRange{logitsRow, cache});
        break;
      }
      if (auto found = model.byConcat.find(&op); found != model.byConcat.end()) {
        const CacheEntry *entry = &model.entries[found->second];
        Value entries = map.lookup(op.getOperand(1));
        // One sequence: present is [1, kv_heads, pos + n, head_dim], more
        // precise than the exported type, which refinement then propagates.
        auto present = CacheAppendOp::create(b, op.getLoc(), cache, entry->layer, entry->kind,
                                             entries, pos, model.cacheType.getEntriesType());
        if (failed(verify(present))) {
          func.erase();
          return nullptr;
        }
        cache = present.getNextCache();
        map.map(op.getResult(0), present.getPresent());
        continue;
      }
      b.clone(op, map);
    }
    func.setType(b.getFunctionType(func.getArgumentTypes(), {logitsRow.getType(), cache.getType()}));
    // The ids are now [1, n] (n = 1 for the token step): refine the graph's
    // dynamic shapes from them.
    if (failed(loom::onnx::refineShapes(func)))
      return nullptr;
    return func;
  }

  /// @loom_generate(prompt, max_new_tokens) -> generated tokens.
  void buildGenerate(StepModel &model, func::FuncOp prefill, func::FuncOp token) {
    MLIRContext *ctx = model.graph.getContext();
    Location loc = model.graph.getLoc();
    OpBuilder b(model.graph);
    Type i64 = IntegerType::get(ctx, 64);
    auto idsType = RankedTensorType::get({ShapedType::kDynamic}, i64);
    Type index = b.getIndexType();
    auto func = func::FuncOp::create(b, loc, kGenerateFunction,
                                     b.getFunctionType({idsType, index}, {idsType}));
    Block *entry = func.addEntryBlock();
    b.setInsertionPointToStart(entry);
    Value empty = EmptyCacheOp::create(b, loc, model.cacheType);
    auto loop = LoopOp::create(b, loc, TypeRange{idsType, model.cacheType}, entry->getArgument(0),
                               empty, entry->getArgument(1),
                               b.getDenseI64ArrayAttr(SmallVector<int64_t>(stopTokens.begin(), stopTokens.end())));
    // Every generation library can fork into sampling branches: how many
    // is the caller's choice at run time.
    loop.setFork(true);
    func::ReturnOp::create(b, loc, loop.getTokens());

    Block *body = b.createBlock(&loop.getBody(), {}, {idsType, index, model.cacheType},
                                {loc, loc, loc});
    Value ids = body->getArgument(0), pos = body->getArgument(1);
    Value cache = body->getArgument(2);
    Value n = tensor::DimOp::create(b, loc, ids, 0);
    Value isOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, n,
                                        arith::ConstantIndexOp::create(b, loc, 1));
    // Both steps return the same logits row unless refinement made one more
    // precise: the if yields the prefill step's type.
    Type logitsType = prefill.getResultTypes()[0];
    auto step = scf::IfOp::create(b, loc, TypeRange{logitsType, model.cacheType}, isOne,
                                  /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(step.thenBlock());
      Value one = tensor::CastOp::create(b, loc, token.getArgumentTypes()[0], ids);
      auto call = func::CallOp::create(b, loc, token, ValueRange{one, pos, cache});
      Value l = call.getResult(0);
      if (l.getType() != logitsType)
        l = tensor::CastOp::create(b, loc, logitsType, l);
      scf::YieldOp::create(b, loc, ValueRange{l, call.getResult(1)});
      b.setInsertionPointToStart(step.elseBlock());
      auto call2 = func::CallOp::create(b, loc, prefill, ValueRange{ids, pos, cache});
      scf::YieldOp::create(b, loc, call2.getResults());
    }
    // The counter of the draw is the position the new token will occupy.
    Value counter = arith::AddIOp::create(b, loc, pos, n);
    Value next = SampleOp::create(b, loc, i64, step.getResult(0), counter,
                                  SamplingStrategy::caller, nullptr, nullptr, nullptr,
                                  nullptr, nullptr);
    YieldOp::create(b, loc, next, step.getResult(1));
  }
};

} // namespace

std::optional<int64_t> loom::decode::positionTableSize(func::FuncOp graph,
                                                       unsigned positionArg,
                                                       Operation **gather) {
  std::optional<int64_t> smallest;
  SmallVector<Value> worklist = {graph.getArgument(positionArg)};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!worklist.empty()) {
    Value positions = worklist.pop_back_val();
    for (OpOperand &use : positions.getUses()) {
      Operation *user = use.getOwner();
      if (!seen.insert(user).second)
        continue;
      StringRef name = user->getName().getStringRef();
      if (use.getOperandNumber() == 0 &&
          llvm::is_contained({"onnx.Cast", "onnx.Unsqueeze", "onnx.Squeeze", "onnx.Reshape",
                              "onnx.Flatten", "onnx.Identity"},
                             name)) {
        worklist.append(user->result_begin(), user->result_end());
        continue;
      }
      if (name != "onnx.Gather" || use.getOperandNumber() != 1)
        continue;
      Value source = user->getOperand(0);
      auto table = dyn_cast<RankedTensorType>(source.getType());
      if (!table || table.getRank() == 0)
        continue;
      int64_t axis = 0;
      if (auto attr = user->getAttrOfType<IntegerAttr>("axis"))
        axis = attr.getValue().getSExtValue();
      if (axis < 0)
        axis += table.getRank();
      if (axis < 0 || axis >= table.getRank())
        continue;
      // A table sliced to the sequence's length first (Hugging Face 4.36's
      // rotary cache: cos_cached[:seq_len][position_ids]) has no more rows
      // than the table it was sliced from.
      while (table.isDynamicDim(axis) && source.getDefiningOp() &&
             source.getDefiningOp()->getName().getStringRef() == "onnx.Slice") {
        source = source.getDefiningOp()->getOperand(0);
        auto from = dyn_cast<RankedTensorType>(source.getType());
        if (!from || from.getRank() != table.getRank())
          break;
        table = from;
      }
      if (ShapedType::isDynamic(table.getDimSize(axis)))
        continue;
      if (!smallest || table.getDimSize(axis) < *smallest) {
        smallest = table.getDimSize(axis);
        if (gather)
          *gather = user;
      }
    }
  }
  return smallest;
}
