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
#include "loom/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

#include "llvm/ADT/SetVector.h"

namespace loom {
#define GEN_PASS_DEF_LOOMPARTITIONPASS
#include "loom/Transforms/Passes.h.inc"
} // namespace loom

using namespace mlir;

namespace {

/// A static 2-D f32 constant (the weights of a projection).
bool isConstantMatrix(Value v) {
  Operation *def = v.getDefiningOp();
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return def && def->getName().getStringRef() == "onnx.Constant" && type &&
         type.getRank() == 2 && type.hasStaticShape() && type.getElementType().isF32();
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

/// One MLP block: the matmuls that open it, the ops between, the bias
/// constants split with them, and the matmul that closes it.
struct Block {
  llvm::SetVector<Operation *> opening, inner;
  llvm::SetVector<OpOperand *> splitConstants;
  Operation *closing = nullptr;
  int64_t hidden = 0;
};

/// The block that `down` (onnx.MatMul with constant [hidden, D] weights)
/// closes, if the values feeding it form one.
std::optional<Block> blockClosedBy(Operation *down) {
  if (down->getName().getStringRef() != "onnx.MatMul" || !isConstantMatrix(down->getOperand(1)))
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(down->getResult(0).getType());
  if (!resultType || !resultType.getElementType().isF32())
    return std::nullopt;
  Block block;
  block.closing = down;
  block.hidden = cast<RankedTensorType>(down->getOperand(1).getType()).getDimSize(0);
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
    if (def->getName().getStringRef() == "onnx.MatMul" && isConstantMatrix(def->getOperand(1))) {
      block.opening.insert(def);
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
  // the closing matmul): its columns are split, so nothing else may read it.
  for (Operation *op : llvm::concat<Operation *const>(block.opening, block.inner))
    for (Operation *user : op->getResult(0).getUsers())
      if (user != down && !block.inner.contains(user))
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

void splitBlock(Block &block, int64_t ranks) {
  OpBuilder b(block.closing->getContext());
  for (Operation *open : block.opening) {
    b.setInsertionPoint(open);
    open->setOperand(1, shard(b, open->getLoc(), open->getOperand(1), 1, ranks));
    open->getResult(0).setType(
        splitLast(cast<RankedTensorType>(open->getResult(0).getType()), ranks));
  }
  for (OpOperand *operand : block.splitConstants) {
    b.setInsertionPoint(operand->getOwner());
    auto type = cast<RankedTensorType>(operand->get().getType());
    operand->set(shard(b, operand->getOwner()->getLoc(), operand->get(), type.getRank() - 1,
                       ranks));
  }
  for (Operation *op : block.inner)
    op->getResult(0).setType(
        splitLast(cast<RankedTensorType>(op->getResult(0).getType()), ranks));
  Operation *down = block.closing;
  b.setInsertionPoint(down);
  down->setOperand(1, shard(b, down->getLoc(), down->getOperand(1), 0, ranks));
  b.setInsertionPointAfter(down);
  Value partial = down->getResult(0);
  auto sum = loom::AllReduceOp::create(b, down->getLoc(), partial.getType(), partial,
                                       b.getI64IntegerAttr(ranks));
  partial.replaceAllUsesExcept(sum.getResult(), sum);
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
      if (!block || taken.contains(block->closing) ||
          llvm::any_of(block->opening, [&](Operation *o) { return taken.contains(o); }))
        return;
      if (block->hidden % ranks != 0) {
        if (!indivisible) {
          indivisible = block->closing;
          indivisibleHidden = block->hidden;
        }
        return;
      }
      taken.insert(block->closing);
      taken.insert(block->opening.begin(), block->opening.end());
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
