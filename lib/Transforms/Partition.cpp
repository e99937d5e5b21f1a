//===- Partition.cpp - tensor parallelism over ranks ----------------------===//
//
// Megatron-style splitting of the MLP blocks across `ranks` processes: the
// matmuls that open a block (up, gate) are split by columns, the elementwise
// ops between run on each rank's columns, the matmul that closes it (down)
// is split by rows, and the ranks' partial products are summed by
// loom.all_reduce. Each rank then holds 1/ranks of those weights, reads
// only its block of them (loom.shard, at a run-time offset), and computes
// the same result as one process would, up to the order of that one sum.
//
// A block is found from its closing matmul backwards: every value between
// has the hidden size as its last dimension and is used only inside the
// block, so splitting its columns changes nothing outside.
//
//===----------------------------------------------------------------------===//

#include "loom/Dialect/Loom/IR/LoomOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/SetVector.h"

namespace loom {
#define GEN_PASS_DEF_LOOMPARTITIONPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;
using loom::onnx_attributes::intAttr;

namespace {

/// A static 2-D f32 constant (the weights of a projection).
bool isConstantMatrix(Value v) {
  Operation *def = v.getDefiningOp();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return def && def->getName().getStringRef() == "onnx.Constant" && type &&
         type.getRank() == 2 && type.hasStaticShape() && type.getElementType().isF32();
}

/// A matrix product with constant weights: onnx.MatMul with a constant
/// [K, N] B, or onnx.Gemm (no transposed A, alpha 1, beta 1 if it has a bias)
/// with a constant B of [K, N], or [N, K] with transB (Hugging Face's
/// Conv1D exports as Gemm). `inAxis`/`outAxis` are B's K and N axes.
struct Projection {
  Operation *op = nullptr;
  int64_t inAxis = 0, outAxis = 1;
  bool gemm = false;
  int64_t in() const { return cast<RankedTensorType>(op->getOperand(1).getType()).getDimSize(inAxis); }
  int64_t out() const { return cast<RankedTensorType>(op->getOperand(1).getType()).getDimSize(outAxis); }
  Value bias() const { return gemm && op->getNumOperands() > 2 ? op->getOperand(2) : Value(); }
};

std::optional<Projection> projectionOf(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if ((name != "onnx.MatMul" && name != "onnx.Gemm") || op->getNumOperands() < 2 ||
      !isConstantMatrix(op->getOperand(1)))
    return std::nullopt;
  Projection p;
  p.op = op;
  if (name == "onnx.Gemm") {
    p.gemm = true;
    auto f = [&](StringRef attr) {
      auto a = op->getAttrOfType<FloatAttr>(attr);
      return a ? a.getValueAsDouble() : 1.0;
    };
    if (intAttr(op, "transA").value_or(0) != 0 || f("alpha") != 1.0 ||
        (op->getNumOperands() > 2 && f("beta") != 1.0))
      return std::nullopt;
    if (intAttr(op, "transB").value_or(0) != 0)
      std::swap(p.inAxis, p.outAxis);
  }
  return p;
}

/// The constant holding entry `position` of a Reshape target (a 1-D i64
/// constant, or a Concat along axis 0 of static 1-D pieces), if that entry
/// is `expected`: the operand to replace and the entry's index in it.
std::optional<std::pair<OpOperand *, int64_t>> targetEntry(OpOperand &target, int64_t position,
                                                           int64_t expected) {
  auto constantEntry = [&](Value v, int64_t index) {
    Operation *def = v.getDefiningOp();
    auto value = def && def->getName().getStringRef() == "onnx.Constant"
                     ? def->getAttrOfType<DenseIntElementsAttr>("value")
                     : DenseIntElementsAttr();
    if (!value || value.getType().getRank() != 1 || index >= value.getNumElements())
      return false;
    SmallVector<APInt> entries = llvm::to_vector(value.getValues<APInt>());
    return entries[index].getSExtValue() == expected;
  };
  if (constantEntry(target.get(), position))
    return std::make_pair(&target, position);
  Operation *concat = target.get().getDefiningOp();
  if (!concat || concat->getName().getStringRef() != "onnx.Concat" ||
      intAttr(concat, "axis").value_or(-1) != 0 || !target.get().hasOneUse())
    return std::nullopt;
  int64_t start = 0;
  for (OpOperand &piece : concat->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(piece.get().getType());
    if (!type || type.getRank() != 1 || type.isDynamicDim(0))
      return std::nullopt;
    if (position < start + type.getDimSize(0))
      return constantEntry(piece.get(), position - start)
                 ? std::optional(std::make_pair(&piece, position - start))
                 : std::nullopt;
    start += type.getDimSize(0);
  }
  return std::nullopt;
}

/// A constant like `def`'s (an onnx.Constant of integers) with entry `index`
/// divided by `ranks`.
Value withEntryDivided(OpBuilder &b, Operation *def, int64_t index, int64_t ranks) {
  auto value = def->getAttrOfType<DenseIntElementsAttr>("value");
  SmallVector<APInt> entries = llvm::to_vector(value.getValues<APInt>());
  entries[index] = entries[index].sdiv(APInt(entries[index].getBitWidth(), ranks));
  OperationState state(def->getLoc(), "onnx.Constant");
  state.addTypes(def->getResult(0).getType());
  state.addAttribute("value", DenseElementsAttr::get(value.getType(), entries));
  return b.create(state)->getResult(0);
}

/// A Reshape that keeps the last dimension (`hidden`) and whose target's
/// last entry is that size written as a constant: directly ([-1, 256]) or
/// in the last piece of a Concat ([b, s] ++ [256], how torch exports
/// x.view(*x.size()[:-1], n)). The constant to replace and the entry's index.
std::optional<std::pair<OpOperand *, int64_t>> hiddenEntryOfReshape(Operation *op,
                                                                   int64_t hidden) {
  if (op->getName().getStringRef() != "onnx.Reshape" || op->getNumOperands() != 2)
    return std::nullopt;
  auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!in || !out || in.getRank() < 1 || out.getRank() < 1 || in.getShape().back() != hidden ||
      out.getShape().back() != hidden)
    return std::nullopt;
  return targetEntry(op->getOpOperand(1), out.getRank() - 1, hidden);
}

/// Whether `user` reads only the shape of a block value and none of its last
/// dimension: onnx.Shape whose results feed only Gathers of a constant
/// index that is not the last axis (the batch and sequence sizes torch's
/// exports read before a view).
bool readsOnlyLeadingSizes(Operation *user) {
  if (user->getName().getStringRef() != "onnx.Shape" || user->getNumOperands() != 1)
    return false;
  auto type = dyn_cast<RankedTensorType>(user->getOperand(0).getType());
  if (!type || intAttr(user, "start").value_or(0) != 0 || user->getAttr("end"))
    return false;
  int64_t rank = type.getRank();
  return llvm::all_of(user->getResult(0).getUsers(), [&](Operation *gather) {
    if (gather->getName().getStringRef() != "onnx.Gather" || gather->getNumOperands() != 2)
      return false;
    Operation *def = gather->getOperand(1).getDefiningOp();
    auto index = def && def->getName().getStringRef() == "onnx.Constant"
                     ? def->getAttrOfType<DenseIntElementsAttr>("value")
                     : DenseIntElementsAttr();
    if (!index || index.getNumElements() != 1)
      return false;
    int64_t i = (*index.value_begin<APInt>()).getSExtValue();
    if (i < 0)
      i += rank;
    return i >= 0 && i < rank - 1;
  });
}

/// A constant operand of an elementwise op in a block: one the split leaves
/// alone (a scalar, or a size-1 last dimension broadcast), or one with the
/// hidden size as its last dimension (a bias), split with the columns.
enum class ConstantUse { invalid, broadcast, split };
ConstantUse classifyConstant(Value v, int64_t hidden) {
  Operation *def = v.getDefiningOp();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!def || def->getName().getStringRef() != "onnx.Constant" || !type ||
      !type.hasStaticShape())
    return ConstantUse::invalid;
  if (type.getRank() == 0 || type.getShape().back() == 1)
    return ConstantUse::broadcast;
  return type.getShape().back() == hidden ? ConstantUse::split : ConstantUse::invalid;
}

bool isElementwiseUnary(Operation *op) {
  if (isa<loom::SiluOp, loom::GeluOp>(op))
    return true;
  StringRef name = op->getName().getStringRef();
  return op->getNumOperands() == 1 &&
         llvm::is_contained({"onnx.Sigmoid", "onnx.Relu", "onnx.Tanh", "onnx.Erf", "onnx.Neg",
                             "onnx.Gelu", "onnx.HardSigmoid", "onnx.Softplus", "onnx.Elu",
                             "onnx.LeakyRelu", "onnx.Identity"},
                            name);
}

bool isElementwiseBinary(Operation *op) {
  return op->getNumOperands() == 2 &&
         llvm::is_contained({"onnx.Mul", "onnx.Add", "onnx.Sub", "onnx.Div"},
                            op->getName().getStringRef());
}

/// One MLP block: the projections that open it, the ops between, the
/// constants split with them (biases, Reshape targets), and the projection
/// that closes it.
struct Block {
  SmallVector<Projection> opening;
  Projection closing;
  llvm::SetVector<Operation *> inner;
  llvm::SetVector<OpOperand *> splitConstants;
  /// Reshape targets' entries naming the hidden size (constant, index).
  SmallVector<std::pair<OpOperand *, int64_t>> reshapeTargets;
  int64_t hidden = 0;
  bool opens(Operation *op) const {
    return llvm::any_of(opening, [&](const Projection &p) { return p.op == op; });
  }
};

/// The block that `down` (a projection with constant [hidden, D] weights)
/// closes, if the values feeding it form one.
std::optional<Block> blockClosedBy(Operation *down) {
  std::optional<Projection> closing = projectionOf(down);
  if (!closing)
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(down->getResult(0).getType());
  if (!resultType || !resultType.getElementType().isF32())
    return std::nullopt;
  Block block;
  block.closing = *closing;
  block.hidden = closing->in();
  SmallVector<Value> work = {down->getOperand(0)};
  llvm::DenseSet<Value> seen;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!seen.insert(v).second)
      continue;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    Operation *def = v.getDefiningOp();
    if (!def || !type || type.getRank() < 1 || type.getShape().back() != block.hidden ||
        def->getNumResults() != 1)
      return std::nullopt;
    if (std::optional<Projection> open = projectionOf(def)) {
      if (open->out() != block.hidden)
        return std::nullopt;
      if (Value bias = open->bias()) {
        auto biasType = dyn_cast<RankedTensorType>(bias.getType());
        if (!biasType || (biasType.getRank() > 0 && biasType.getShape().back() != 1 &&
                          classifyConstant(bias, block.hidden) != ConstantUse::split))
          return std::nullopt;
        if (biasType.getRank() > 0 && biasType.getShape().back() == block.hidden)
          block.splitConstants.insert(&def->getOpOperand(2));
      }
      if (!block.opens(def))
        block.opening.push_back(*open);
      continue;
    }
    if (auto target = hiddenEntryOfReshape(def, block.hidden)) {
      block.inner.insert(def);
      block.reshapeTargets.push_back(*target);
      work.push_back(def->getOperand(0));
      continue;
    }
    if (isElementwiseUnary(def)) {
      block.inner.insert(def);
      work.push_back(def->getOperand(0));
      continue;
    }
    if (!isElementwiseBinary(def))
      return std::nullopt;
    block.inner.insert(def);
    for (OpOperand &operand : def->getOpOperands()) {
      auto operandType = dyn_cast<RankedTensorType>(operand.get().getType());
      if (!operandType)
        return std::nullopt;
      // Broadcast along the hidden axis (a scalar, a size-1 last dimension):
      // the same on every rank's columns.
      if (operandType.getRank() == 0 || operandType.getShape().back() == 1)
        continue;
      if (classifyConstant(operand.get(), block.hidden) == ConstantUse::split) {
        block.splitConstants.insert(&operand);
        continue;
      }
      work.push_back(operand.get());
    }
  }
  if (block.opening.empty())
    return std::nullopt;
  // Every value of the block is used only inside it (the last one only by
  // the closing projection) or for its leading sizes: its columns are split,
  // so nothing else may read them.
  auto inside = [&](Operation *user) {
    return user == down || block.inner.contains(user) || readsOnlyLeadingSizes(user);
  };
  for (const Projection &open : block.opening)
    if (!llvm::all_of(open.op->getResult(0).getUsers(), inside))
      return std::nullopt;
  for (Operation *op : block.inner)
    if (!llvm::all_of(op->getResult(0).getUsers(), inside))
      return std::nullopt;
  return block;
}

/// `value` with its last dimension divided by `ranks`.
RankedTensorType splitLast(RankedTensorType type, int64_t ranks) {
  SmallVector<int64_t> shape(type.getShape());
  shape.back() /= ranks;
  return type.clone(shape);
}

Value shard(OpBuilder &b, Location loc, Value v, int64_t axis, int64_t ranks) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] /= ranks;
  return loom::ShardOp::create(b, loc, type.clone(shape), v, b.getI64IntegerAttr(axis),
                               b.getI64IntegerAttr(ranks));
}

/// The projection that ends a split region takes this rank's rows of its
/// weights; loom.all_reduce sums the ranks' partial products, and a bias
/// (Gemm's C) is added once, after the sum.
void splitByRows(const Projection &down, int64_t ranks) {
  Operation *op = down.op;
  OpBuilder b(op);
  op->setOperand(1, shard(b, op->getLoc(), op->getOperand(1), down.inAxis, ranks));
  Value bias = down.bias();
  if (bias)
    op->eraseOperand(2);
  b.setInsertionPointAfter(op);
  Value partial = op->getResult(0);
  auto sum = loom::AllReduceOp::create(b, op->getLoc(), partial.getType(), partial,
                                       b.getI64IntegerAttr(ranks));
  Value result = sum.getResult();
  if (bias) {
    OperationState state(op->getLoc(), "onnx.Add");
    state.addOperands({result, bias});
    state.addTypes(partial.getType());
    result = b.create(state)->getResult(0);
  }
  partial.replaceAllUsesExcept(result, sum);
}

void splitBlock(Block &block, int64_t ranks) {
  OpBuilder b(block.closing.op->getContext());
  for (const Projection &open : block.opening) {
    b.setInsertionPoint(open.op);
    open.op->setOperand(1, shard(b, open.op->getLoc(), open.op->getOperand(1), open.outAxis,
                                 ranks));
    open.op->getResult(0).setType(
        splitLast(cast<RankedTensorType>(open.op->getResult(0).getType()), ranks));
  }
  for (OpOperand *operand : block.splitConstants) {
    b.setInsertionPoint(operand->getOwner());
    auto type = cast<RankedTensorType>(operand->get().getType());
    operand->set(shard(b, operand->getOwner()->getLoc(), operand->get(), type.getRank() - 1,
                       ranks));
  }
  for (auto &[target, index] : block.reshapeTargets) {
    b.setInsertionPoint(target->getOwner());
    target->set(withEntryDivided(b, target->get().getDefiningOp(), index, ranks));
  }
  for (Operation *op : block.inner)
    op->getResult(0).setType(
        splitLast(cast<RankedTensorType>(op->getResult(0).getType()), ranks));
  splitByRows(block.closing, ranks);
}

/// A vocabulary-parallel LM head: a MatMul with constant [D, V] weights whose
/// result only the function's return reads (the logits), with V a multiple of
/// `ranks`.
bool isSplittableHead(Operation *op, int64_t ranks) {
  if (op->getName().getStringRef() != "onnx.MatMul" || !isConstantMatrix(op->getOperand(1)))
    return false;
  auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  int64_t vocab = cast<RankedTensorType>(op->getOperand(1).getType()).getDimSize(1);
  return type && type.getElementType().isF32() && vocab % ranks == 0 &&
         !op->getResult(0).use_empty() &&
         llvm::all_of(op->getResult(0).getUsers(),
                      [](Operation *user) { return isa<func::ReturnOp>(user); });
}

/// Each rank computes its V / ranks columns of the logits; loom.all_gather
/// puts every rank's side by side (no sum: the same bits as one process).
void splitHead(Operation *head, int64_t ranks) {
  OpBuilder b(head);
  head->setOperand(1, shard(b, head->getLoc(), head->getOperand(1), 1, ranks));
  auto full = cast<RankedTensorType>(head->getResult(0).getType());
  head->getResult(0).setType(splitLast(full, ranks));
  b.setInsertionPointAfter(head);
  Value mine = head->getResult(0);
  auto all = loom::AllGatherOp::create(b, head->getLoc(), full, mine, b.getI64IntegerAttr(ranks));
  mine.replaceAllUsesExcept(all.getResult(), all);
}

//===----------------------------------------------------------------------===//
// Attention by heads
//===----------------------------------------------------------------------===//

bool isPerm0213(Operation *op) {
  auto perm = op->getAttrOfType<ArrayAttr>("perm");
  if (op->getName().getStringRef() != "onnx.Transpose" || !perm || perm.size() != 4)
    return false;
  SmallVector<int64_t> p = llvm::map_to_vector(
      perm, [](Attribute a) { return cast<IntegerAttr>(a).getInt(); });
  return p == SmallVector<int64_t>{0, 2, 1, 3};
}

/// What splitting one attention by heads changes: values whose type loses
/// (ranks - 1) / ranks of one axis, shape-target entries, weights and biases
/// to shard, and the output projection to split by rows.
struct HeadSplit {
  SmallVector<std::pair<Value, int64_t>> retype;
  SmallVector<std::tuple<OpOperand *, int64_t>> entries;
  SmallVector<std::pair<OpOperand *, int64_t>> shards;
  Projection output;
  llvm::DenseSet<Operation *> ops; // every op of the split, for the users check
};

/// Traces a projection's [b, s, heads * d] result through Reshape to
/// [b, s, heads, d] and Transpose to [b, heads, s, d] (plus rotary and the
/// cache Concat) up to `v`, recording the split; false if it is another form.
bool traceInput(Value v, int64_t heads, int64_t ranks, HeadSplit &split) {
  // Attention side: [b, heads, s, d].
  while (true) {
    Operation *def = v.getDefiningOp();
    if (!def)
      return false;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || type.getRank() != 4 || type.getDimSize(1) != heads)
      return false;
    split.retype.push_back({v, 1});
    split.ops.insert(def);
    if (isa<loom::RotaryOp>(def)) {
      v = def->getOperand(0);
      continue;
    }
    int64_t concatAxis = intAttr(def, "axis").value_or(0);
    if (def->getName().getStringRef() == "onnx.Concat" && def->getNumOperands() == 2 &&
        (concatAxis == 2 || concatAxis == -2)) {
      // The cache: the past (a function argument, split with it) then the new.
      auto past = dyn_cast<BlockArgument>(def->getOperand(0));
      if (!past)
        return false;
      split.retype.push_back({past, 1});
      v = def->getOperand(1);
      continue;
    }
    if (!isPerm0213(def))
      return false;
    v = def->getOperand(0);
    break;
  }
  // [b, s, heads, d] from a Reshape of the projection.
  Operation *reshape = v.getDefiningOp();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!reshape || reshape->getName().getStringRef() != "onnx.Reshape" || !type ||
      type.getRank() != 4 || type.getDimSize(2) != heads)
    return false;
  auto entry = targetEntry(reshape->getOpOperand(1), 2, heads);
  if (!entry)
    return false;
  split.retype.push_back({v, 2});
  split.entries.push_back({entry->first, entry->second});
  split.ops.insert(reshape);
  Value projected = reshape->getOperand(0);
  std::optional<Projection> projection =
      projected.getDefiningOp() ? projectionOf(projected.getDefiningOp()) : std::nullopt;
  auto projectedType = dyn_cast<RankedTensorType>(projected.getType());
  if (!projection || !projectedType || projection->out() != heads * type.getDimSize(3) ||
      projection->out() % ranks != 0)
    return false;
  split.retype.push_back({projected, projectedType.getRank() - 1});
  split.shards.push_back({&projection->op->getOpOperand(1), projection->outAxis});
  if (Value bias = projection->bias()) {
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    if (!biasType || biasType.getRank() != 1 || classifyConstant(bias, projection->out()) !=
                                                     ConstantUse::split)
      return false;
    split.shards.push_back({&projection->op->getOpOperand(2), 0});
  }
  split.ops.insert(projection->op);
  return true;
}

/// The split of `attention` by heads across `ranks`, if its inputs and
/// output have the exported form (projections with constant weights,
/// views to heads, rotary, the cache Concat with a past argument; back to
/// [b, s, heads * d] and an output projection) and its head counts divide:
/// groups of query heads stay with their K/V head (GQA); a single K/V head
/// (MQA) is kept whole on every rank.
std::optional<HeadSplit> headSplitOf(loom::AttentionOp attention, int64_t ranks) {
  auto qType = cast<RankedTensorType>(attention.getQuery().getType());
  auto kType = cast<RankedTensorType>(attention.getKey().getType());
  int64_t qHeads = qType.getDimSize(1), kvHeads = kType.getDimSize(1);
  if (ShapedType::isDynamic(qHeads) || qHeads % ranks != 0 ||
      (kvHeads != 1 && kvHeads % ranks != 0))
    return std::nullopt;
  if (Value mask = attention.getMask()) {
    auto maskType = cast<RankedTensorType>(mask.getType());
    if (maskType.getRank() == 4 && maskType.getDimSize(1) != 1)
      return std::nullopt;
  }
  HeadSplit split;
  split.ops.insert(attention);
  split.retype.push_back({attention.getResult(), 1});
  if (!traceInput(attention.getQuery(), qHeads, ranks, split))
    return std::nullopt;
  if (kvHeads != 1 && (!traceInput(attention.getKey(), kvHeads, ranks, split) ||
                       !traceInput(attention.getValue(), kvHeads, ranks, split)))
    return std::nullopt;
  // Output: [b, heads, s, d] -> Transpose -> [b, s, heads, d] -> Reshape
  // -> [b, s, heads * d] -> the output projection.
  Value out = attention.getResult();
  if (!out.hasOneUse() || !isPerm0213(*out.getUsers().begin()))
    return std::nullopt;
  Operation *transpose = *out.getUsers().begin();
  Value merged = transpose->getResult(0);
  if (!merged.hasOneUse())
    return std::nullopt;
  Operation *reshape = *merged.getUsers().begin();
  auto flatType = dyn_cast<RankedTensorType>(reshape->getResult(0).getType());
  int64_t width = qHeads * qType.getDimSize(3);
  if (reshape->getName().getStringRef() != "onnx.Reshape" || !flatType ||
      flatType.getRank() < 1 || !reshape->getResult(0).hasOneUse())
    return std::nullopt;
  int64_t flatWidth = flatType.getShape().back();
  if (flatWidth != width && !ShapedType::isDynamic(flatWidth))
    return std::nullopt;
  // The target names the width, or -1 (reshape(b, s, -1): inferred, so it
  // needs no change).
  auto entry = targetEntry(reshape->getOpOperand(1), flatType.getRank() - 1, width);
  if (!entry && !targetEntry(reshape->getOpOperand(1), flatType.getRank() - 1, -1))
    return std::nullopt;
  std::optional<Projection> output = projectionOf(*reshape->getResult(0).getUsers().begin());
  if (!output || output->in() != width || output->op->getOperand(0) != reshape->getResult(0))
    return std::nullopt;
  split.retype.push_back({merged, 2});
  if (!ShapedType::isDynamic(flatWidth))
    split.retype.push_back({reshape->getResult(0), flatType.getRank() - 1});
  if (entry)
    split.entries.push_back({entry->first, entry->second});
  split.ops.insert(transpose);
  split.ops.insert(reshape);
  split.output = *output;
  // Every value that changes is read only by the split's ops, by the
  // function's return (the presents), or for its leading sizes.
  for (auto &[value, axis] : split.retype)
    for (Operation *user : value.getUsers())
      if (!split.ops.contains(user) && user != output->op && !isa<func::ReturnOp>(user) &&
          !readsOnlyLeadingSizes(user))
        return std::nullopt;
  return split;
}

void applyHeadSplit(HeadSplit &split, int64_t ranks) {
  OpBuilder b(split.output.op->getContext());
  llvm::DenseSet<Value> done;
  for (auto &[value, axis] : split.retype) {
    if (!done.insert(value).second)
      continue;
    auto type = cast<RankedTensorType>(value.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[axis] /= ranks;
    value.setType(type.clone(shape));
  }
  for (auto &[operand, axis] : split.shards) {
    b.setInsertionPoint(operand->getOwner());
    operand->set(shard(b, operand->getOwner()->getLoc(), operand->get(), axis, ranks));
  }
  for (auto &[operand, index] : split.entries) {
    b.setInsertionPoint(operand->getOwner());
    operand->set(withEntryDivided(b, operand->get().getDefiningOp(), index, ranks));
  }
  splitByRows(split.output, ranks);
}

/// Erases onnx and loom ops whose results nothing reads (ONNX nodes have no
/// side effects). Fusion leaves such chains behind (a repeat_kv Expand whose
/// result loom.attention no longer reads, the Shape that sized it); they
/// would read the split values with their old types.
void eraseDeadGraphOps(ModuleOp module) {
  SmallVector<Operation *> work;
  auto isGraphOp = [](Operation *op) {
    StringRef dialect = op->getName().getDialectNamespace();
    return (dialect == "onnx" || dialect == "loom") && op->getNumResults() > 0 &&
           !isa<loom::AllReduceOp, loom::AllGatherOp>(op);
  };
  module.walk([&](Operation *op) {
    if (isGraphOp(op) && op->use_empty())
      work.push_back(op);
  });
  while (!work.empty()) {
    Operation *op = work.pop_back_val();
    SmallVector<Operation *> producers;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        producers.push_back(def);
    op->erase();
    for (Operation *def : producers)
      if (isGraphOp(def) && def->use_empty() && !llvm::is_contained(work, def))
        work.push_back(def);
  }
}

struct LoomPartitionPass : loom::impl::LoomPartitionPassBase<LoomPartitionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    const int64_t ranks = this->ranks;
    if (ranks < 2) {
      module.emitError() << "loom-partition needs 2 or more ranks, got " << ranks;
      return signalPassFailure();
    }
    eraseDeadGraphOps(module);
    SmallVector<Block> blocks;
    Operation *indivisible = nullptr;
    int64_t indivisibleHidden = 0;
    // A matmul closes one block or opens some, never both (stacked MLPs:
    // the first block found in program order wins).
    llvm::DenseSet<Operation *> taken;
    module.walk([&](Operation *op) {
      std::optional<Block> block = blockClosedBy(op);
      if (!block || taken.contains(block->closing.op) ||
          llvm::any_of(block->opening,
                       [&](const Projection &p) { return taken.contains(p.op); }))
        return;
      if (block->hidden % ranks != 0) {
        if (!indivisible) {
          indivisible = block->closing.op;
          indivisibleHidden = block->hidden;
        }
        return;
      }
      taken.insert(block->closing.op);
      for (const Projection &open : block->opening)
        taken.insert(open.op);
      blocks.push_back(std::move(*block));
    });
    // Attention by heads (its projections are then no block or LM head).
    SmallVector<HeadSplit> splits;
    if (attention)
      module.walk([&](loom::AttentionOp op) {
        std::optional<HeadSplit> split = headSplitOf(op, ranks);
        if (!split || taken.contains(split->output.op) ||
            llvm::any_of(split->ops, [&](Operation *o) { return taken.contains(o); }))
          return;
        taken.insert(split->output.op);
        taken.insert(split->ops.begin(), split->ops.end());
        splits.push_back(std::move(*split));
      });
    SmallVector<Operation *> heads;
    module.walk([&](Operation *op) {
      if (!taken.contains(op) && isSplittableHead(op, ranks))
        heads.push_back(op);
    });
    if (indivisible) {
      indivisible->emitError() << "cannot split the model's MLP blocks across " << ranks
                               << " ranks: this one's hidden size, " << indivisibleHidden
                               << ", is not a multiple of " << ranks;
      return signalPassFailure();
    }
    if (blocks.empty() && heads.empty() && splits.empty()) {
      module.emitError() << "loom-partition found nothing to split across " << ranks
                         << " ranks: no MLP block (MatMul with constant weights, elementwise "
                            "ops, MatMul with constant weights) and no LM head (a returned "
                            "MatMul with constant weights whose columns divide by the ranks) "
                            "in the model";
      return signalPassFailure();
    }
    for (Block &block : blocks)
      splitBlock(block, ranks);
    for (HeadSplit &split : splits)
      applyHeadSplit(split, ranks);
    // Split caches change the functions' argument and result types.
    if (!splits.empty())
      module.walk([](func::FuncOp func) {
        if (func.isExternal())
          return;
        auto ret = cast<func::ReturnOp>(func.front().getTerminator());
        func.setType(FunctionType::get(func.getContext(), func.front().getArgumentTypes(),
                                       ret.getOperandTypes()));
      });
    for (Operation *head : heads)
      splitHead(head, ranks);
    module->setAttr("loom.partition_ranks",
                    IntegerAttr::get(IntegerType::get(module.getContext(), 64), ranks));
  }
};

} // namespace
