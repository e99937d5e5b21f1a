//===- InputSizeConditions.cpp - run-time size checks the lowering needs --===//
//
// Groups the (value, dimension) pairs whose run-time sizes the lowering
// takes to be equal (union-find), then ties every input dimension in a
// group to the group's first input dimension, or to its static size when a
// member has one. Sizes that pass through ops not modeled here (Reshape,
// Concat, ...) start new groups: those are not checked.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/InputSizeConditions.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;

namespace {

/// One dimension of one SSA value.
using DimKey = std::pair<Value, int64_t>;

/// The ONNX node name in `loc`, if the importer recorded one.
std::string nodeName(Location loc) {
  if (auto named = dyn_cast<NameLoc>(loc))
    return named.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (std::string name = nodeName(inner); !name.empty())
        return name;
  return "";
}

std::string describe(Operation *op) {
  std::string name = nodeName(op->getLoc());
  std::string text = op->getName().getStringRef().str();
  return name.empty() ? text : text + " '" + name + "'";
}

bool isSameShapeOp(StringRef name) {
  static const llvm::StringSet<> ops = {
      "onnx.Cast",    "onnx.CastLike", "onnx.Identity", "onnx.Softmax",   "onnx.LogSoftmax",
      "onnx.Dropout", "onnx.LayerNormalization",        "loom.softmax",   "loom.rms_norm",
      "loom.layer_norm", "loom.gelu",  "loom.silu",     "loom.rotary"};
  return ops.contains(name);
}

/// Union-find over the (value, dimension) pairs met, numbered in order.
class DimGroups {
public:
  unsigned id(DimKey key) {
    auto [it, added] = ids.try_emplace(key, unsigned(keys.size()));
    if (added) {
      keys.push_back(key);
      parent.push_back(it->second);
    }
    return it->second;
  }
  unsigned find(unsigned i) {
    while (parent[i] != i)
      i = parent[i] = parent[parent[i]];
    return i;
  }
  void unite(unsigned a, unsigned b) { parent[find(a)] = find(b); }
  size_t size() const { return keys.size(); }
  DimKey key(unsigned i) const { return keys[i]; }

private:
  llvm::DenseMap<DimKey, unsigned> ids;
  SmallVector<DimKey> keys;
  SmallVector<unsigned> parent;
};

} // namespace

std::vector<loom::InputSizeCondition> loom::findInputSizeConditions(func::FuncOp func) {
  DimGroups groups;
  // The op that first tied each pair into its group, for the messages.
  llvm::DenseMap<unsigned, Operation *> tiedBy;
  auto tie = [&](Operation *op, DimKey a, DimKey b) {
    unsigned ia = groups.id(a), ib = groups.id(b);
    groups.unite(ia, ib);
    tiedBy.try_emplace(ia, op);
    tiedBy.try_emplace(ib, op);
  };
  auto rankedRank = [](Value v) -> int64_t {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    return type ? type.getRank() : -1;
  };

  func.walk([&](Operation *op) {
    StringRef name = op->getName().getStringRef();
    if (op->getNumResults() == 0)
      return;
    Value result = op->getResult(0);
    int64_t rank = rankedRank(result);
    if (rank < 0)
      return;
    auto resultType = cast<RankedTensorType>(result.getType());
    if (isElementwiseOnnxOp(name)) {
      // Right-aligned numpy broadcasting; a static 1 broadcasts, any other
      // size is the result's (the lowering's assumption).
      for (Value in : op->getOperands()) {
        int64_t inRank = rankedRank(in);
        if (inRank < 0 || inRank > rank)
          continue;
        auto type = cast<RankedTensorType>(in.getType());
        for (int64_t i = 0; i < inRank; ++i) {
          int64_t at = rank - inRank + i;
          if (type.getDimSize(i) == 1 && resultType.getDimSize(at) != 1)
            continue;
          tie(op, {in, i}, {result, at});
        }
      }
      return;
    }
    if (isSameShapeOp(name) && op->getNumOperands() > 0 &&
        rankedRank(op->getOperand(0)) == rank) {
      for (int64_t i = 0; i < rank; ++i)
        tie(op, {op->getOperand(0), i}, {result, i});
      return;
    }
    if (name == "onnx.MatMul" && op->getNumOperands() == 2) {
      // K: the last dimension of A, the second last of B (a vector's only);
      // M and N: A's second last and B's last are the result's.
      Value a = op->getOperand(0), bm = op->getOperand(1);
      int64_t ra = rankedRank(a), rb = rankedRank(bm);
      if (ra >= 1 && rb >= 1)
        tie(op, {a, ra - 1}, {bm, rb >= 2 ? rb - 2 : 0});
      if (ra >= 2 && rb >= 2 && rank >= 2) {
        tie(op, {a, ra - 2}, {result, rank - 2});
        tie(op, {bm, rb - 1}, {result, rank - 1});
      }
      return;
    }
    // A quantization parameter with one value per position along a
    // dimension (a vector of other than one element).
    auto perAxis = [&](Value p) {
      auto type = p ? dyn_cast<RankedTensorType>(p.getType()) : RankedTensorType();
      return type && type.getRank() == 1 && type.getDimSize(0) != 1;
    };
    if ((name == "onnx.QuantizeLinear" || name == "onnx.DequantizeLinear") &&
        rankedRank(op->getOperand(0)) == rank && rank > 0) {
      Value x = op->getOperand(0);
      for (int64_t i = 0; i < rank; ++i)
        tie(op, {x, i}, {result, i});
      auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
      int64_t axis = axisAttr ? axisAttr.getInt() : 1;
      axis = axis < 0 ? axis + rank : axis;
      for (unsigned i = 1; i < op->getNumOperands() && axis >= 0 && axis < rank; ++i)
        if (perAxis(op->getOperand(i)))
          tie(op, {op->getOperand(i), 0}, {x, axis});
      return;
    }
    if ((name == "onnx.MatMulInteger" || name == "onnx.QLinearMatMul") && rank >= 2) {
      // MatMul's K, M and N, and the parameters per row of A (M) and per
      // column of B (N). (Absent optional operands are not operands: the
      // accessors name them.)
      Value a, bm;
      SmallVector<Value> ofA, ofB;
      if (auto mm = dyn_cast<loom::onnx::MatMulIntegerOp>(op)) {
        a = mm.getA();
        bm = mm.getB();
        ofA = {mm.getAZeroPoint()};
        ofB = {mm.getBZeroPoint()};
      } else {
        auto q = cast<loom::onnx::QLinearMatMulOp>(op);
        a = q.getA();
        bm = q.getB();
        ofA = {q.getAScale(), q.getAZeroPoint()};
        ofB = {q.getBScale(), q.getBZeroPoint(), q.getYScale(), q.getYZeroPoint()};
      }
      int64_t ra = rankedRank(a), rb = rankedRank(bm);
      if (ra < 2 || rb < 2)
        return;
      tie(op, {a, ra - 1}, {bm, rb - 2});
      tie(op, {a, ra - 2}, {result, rank - 2});
      tie(op, {bm, rb - 1}, {result, rank - 1});
      for (Value p : ofA)
        if (perAxis(p))
          tie(op, {p, 0}, {a, ra - 2});
      for (Value p : ofB)
        if (perAxis(p))
          tie(op, {p, 0}, {bm, rb - 1});
      return;
    }
    if (name == "onnx.Gemm" && op->getNumOperands() >= 2 && rank == 2) {
      // A [M, K] (transA: [K, M]), B [K, N] (transB: [N, K]), C broadcast
      // to [M, N].
      Value a = op->getOperand(0), bm = op->getOperand(1);
      if (rankedRank(a) != 2 || rankedRank(bm) != 2)
        return;
      bool ta = op->getAttrOfType<IntegerAttr>("transA") &&
                op->getAttrOfType<IntegerAttr>("transA").getInt() != 0;
      bool tb = op->getAttrOfType<IntegerAttr>("transB") &&
                op->getAttrOfType<IntegerAttr>("transB").getInt() != 0;
      tie(op, {a, ta ? 0 : 1}, {bm, tb ? 1 : 0});
      tie(op, {a, ta ? 1 : 0}, {result, 0});
      tie(op, {bm, tb ? 0 : 1}, {result, 1});
      if (op->getNumOperands() == 3) {
        Value c = op->getOperand(2);
        int64_t rc = rankedRank(c);
        auto cType = rc >= 0 ? cast<RankedTensorType>(c.getType()) : RankedTensorType();
        for (int64_t i = 0; cType && rc <= 2 && i < rc; ++i)
          if (cType.getDimSize(i) != 1)
            tie(op, {c, i}, {result, 2 - rc + i});
      }
      return;
    }
    if (name == "onnx.Concat") {
      // Every dimension but the axis is the same in the inputs and result.
      auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
      if (!axisAttr)
        return;
      int64_t axis = axisAttr.getInt() < 0 ? axisAttr.getInt() + rank : axisAttr.getInt();
      for (Value in : op->getOperands()) {
        if (rankedRank(in) != rank)
          return;
      }
      for (Value in : op->getOperands())
        for (int64_t d = 0; d < rank; ++d)
          if (d != axis)
            tie(op, {in, d}, {result, d});
    }
  });

  // Each group's members, in the order they were met.
  llvm::DenseMap<unsigned, SmallVector<unsigned>> members;
  SmallVector<unsigned> leaders;
  for (unsigned i = 0; i < groups.size(); ++i) {
    auto &list = members[groups.find(i)];
    if (list.empty())
      leaders.push_back(groups.find(i));
    list.push_back(i);
  }
  std::vector<InputSizeCondition> conditions;
  Block &entry = func.getBody().front();
  auto argNumber = [](DimKey key) {
    return cast<BlockArgument>(key.first).getArgNumber();
  };
  for (unsigned leader : leaders) {
    std::optional<int64_t> staticSize;
    SmallVector<unsigned> inputs;
    for (unsigned m : members[leader]) {
      auto [value, dim] = groups.key(m);
      auto type = cast<RankedTensorType>(value.getType());
      if (!type.isDynamicDim(dim))
        staticSize = type.getDimSize(dim);
      else if (auto arg = dyn_cast<BlockArgument>(value); arg && arg.getOwner() == &entry)
        inputs.push_back(m);
    }
    // Inputs in order, so that the conditions (and messages) are stable.
    llvm::sort(inputs, [&](unsigned x, unsigned y) {
      DimKey kx = groups.key(x), ky = groups.key(y);
      unsigned ix = argNumber(kx), iy = argNumber(ky);
      return ix != iy ? ix < iy : kx.second < ky.second;
    });
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!staticSize && i == 0)
        continue;
      DimKey key = groups.key(inputs[i]);
      InputSizeCondition c;
      c.input = argNumber(key);
      c.dim = key.second;
      if (staticSize) {
        c.size = *staticSize;
      } else {
        DimKey first = groups.key(inputs[0]);
        c.otherInput = argNumber(first);
        c.otherDim = first.second;
      }
      c.needer = describe(tiedBy.lookup(inputs[i]));
      conditions.push_back(std::move(c));
    }
  }
  return conditions;
}
