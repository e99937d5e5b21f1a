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

/// A Reshape that keeps the last dimension (`hidden`) and whose target's
/// last entry is that size written as a constant: directly ([-1, 256]) or
/// as the last input of a Concat ([b, s] ++ [256], how torch exports
/// x.view(*x.size()[:-1], n)). The OpOperand holding the constant, or null.
OpOperand *hiddenEntryOfReshape(Operation *op, int64_t hidden) {
  if (op->getName().getStringRef() != "onnx.Reshape" || op->getNumOperands() != 2)
    return nullptr;
  auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
  auto out = dyn_cast<RankedTensorType>(op->getResult(0).getType());
  if (!in || !out || in.getRank() < 1 || out.getRank() < 1 || in.getShape().back() != hidden ||
      out.getShape().back() != hidden)
    return nullptr;
  auto lastIsHidden = [&](Value v) {
    Operation *def = v.getDefiningOp();
    auto value = def && def->getName().getStringRef() == "onnx.Constant"
                     ? def->getAttrOfType<DenseIntElementsAttr>("value")
                     : DenseIntElementsAttr();
    if (!value || value.getNumElements() < 1)
      return false;
    SmallVector<APInt> entries = llvm::to_vector(value.getValues<APInt>());
    return entries.back().getSExtValue() == hidden;
  };
  OpOperand &shape = op->getOpOperand(1);
  if (lastIsHidden(shape.get()))
    return &shape;
  Operation *concat = shape.get().getDefiningOp();
  if (concat && concat->getName().getStringRef() == "onnx.Concat" &&
      intAttr(concat, "axis").value_or(-1) == 0 && concat->getNumOperands() >= 1 &&
      lastIsHidden(concat->getOperands().back()) && shape.get().hasOneUse())
    return &concat->getOpOperand(concat->getNumOperands() - 1);
  return nullptr;
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
  llvm::SetVector<OpOperand *> splitConstants, reshapeTargets;
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
    if (OpOperand *target = hiddenEntryOfReshape(def, block.hidden)) {
      block.inner.insert(def);
      block.reshapeTargets.insert(target);
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

/// A constant like `def`'s (an onnx.Constant of integers) with its last entry
/// divided by `ranks`.
Value withLastEntryDivided(OpBuilder &b, Operation *def, int64_t ranks) {
  auto value = def->getAttrOfType<DenseIntElementsAttr>("value");
  SmallVector<APInt> entries = llvm::to_vector(value.getValues<APInt>());
  entries.back() = entries.back().sdiv(APInt(entries.back().getBitWidth(), ranks));
  OperationState state(def->getLoc(), "onnx.Constant");
  state.addTypes(def->getResult(0).getType());
  state.addAttribute("value", DenseElementsAttr::get(value.getType(), entries));
  return b.create(state)->getResult(0);
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
  for (OpOperand *target : block.reshapeTargets) {
    b.setInsertionPoint(target->getOwner());
    target->set(withLastEntryDivided(b, target->get().getDefiningOp(), ranks));
  }
  for (Operation *op : block.inner)
    op->getResult(0).setType(
        splitLast(cast<RankedTensorType>(op->getResult(0).getType()), ranks));
  Operation *down = block.closing.op;
  b.setInsertionPoint(down);
  down->setOperand(1, shard(b, down->getLoc(), down->getOperand(1), block.closing.inAxis, ranks));
  // A bias of the closing Gemm is added once, after the sum.
  Value bias = block.closing.bias();
  if (bias)
    down->eraseOperand(2);
  b.setInsertionPointAfter(down);
  Value partial = down->getResult(0);
  auto sum = loom::AllReduceOp::create(b, down->getLoc(), partial.getType(), partial,
                                       b.getI64IntegerAttr(ranks));
  Value result = sum.getResult();
  if (bias) {
    OperationState state(down->getLoc(), "onnx.Add");
    state.addOperands({result, bias});
    state.addTypes(partial.getType());
    result = b.create(state)->getResult(0);
  }
  partial.replaceAllUsesExcept(result, sum);
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

struct LoomPartitionPass : loom::impl::LoomPartitionPassBase<LoomPartitionPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    const int64_t ranks = this->ranks;
    if (ranks < 2) {
      module.emitError() << "loom-partition needs 2 or more ranks, got " << ranks;
      return signalPassFailure();
    }
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
    if (blocks.empty() && heads.empty()) {
      module.emitError() << "loom-partition found nothing to split across " << ranks
                         << " ranks: no MLP block (MatMul with constant weights, elementwise "
                            "ops, MatMul with constant weights) and no LM head (a returned "
                            "MatMul with constant weights whose columns divide by the ranks) "
                            "in the model";
      return signalPassFailure();
    }
    for (Block &block : blocks)
      splitBlock(block, ranks);
    for (Operation *head : heads)
      splitHead(head, ranks);
    module->setAttr("loom.partition_ranks",
                    IntegerAttr::get(IntegerType::get(module.getContext(), 64), ranks));
  }
};

} // namespace
