//===- RefineShapes.cpp - evaluate exported shape arithmetic ----*- C++ -*-===//
//
// Exporters compute shapes at run time with chains of small integer tensors;
// ONNX's inference leaves many of the dimensions they define unknown. This
// pass evaluates those tensors symbolically (each element a constant, "dim i
// of %x", or unknown), types Reshape/Expand/ConstantOfShape results with them,
// propagates refined types forward, and folds shape tensors that turn out
// constant. It never makes a type less precise and never fails on valid IR.
//
//===----------------------------------------------------------------------===//

#include "ShapeRefiner.h"

#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"

#include <algorithm>

namespace loom::onnx {
#define GEN_PASS_DEF_LOOMONNXREFINESHAPESPASS
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"
} // namespace loom::onnx

using namespace mlir;
using namespace loom;
using namespace loom::onnx::shapes;

DimValue ShapeRefiner::dimOf(Value v, unsigned i) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || i >= type.getRank())
    return DimValue::unknown();
  if (!type.isDynamicDim(i))
    return DimValue::of(type.getDimSize(i));
  auto it = aliases.find({v, i});
  return it != aliases.end() ? it->second : DimValue::symbol(v, i);
}

Dims ShapeRefiner::dimsOf(Value v) {
  SmallVector<DimValue> dims;
  if (auto type = dyn_cast<RankedTensorType>(v.getType()))
    for (unsigned i = 0; i < type.getRank(); ++i)
      dims.push_back(dimOf(v, i));
  return dims;
}

std::optional<SmallVector<int64_t>> ShapeRefiner::constants(Value v) {
  const Elements *e = lookup(v);
  if (!e)
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const DimValue &d : *e) {
    if (!d.isConst())
      return std::nullopt;
    values.push_back(d.constant);
  }
  return values;
}

std::optional<Elements> ShapeRefiner::elementsOf(Value v) {
  if (const Elements *e = lookup(v))
    return *e;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > 1 ||
      !type.getElementType().isInteger() || type.getNumElements() > kMaxTracked)
    return std::nullopt;
  return Elements(type.getNumElements(), DimValue::unknown());
}

/// ONNX input `index` of `op`, or null when the model omitted it. Omitted
/// optional inputs are absent operands, counted in operandSegmentSizes where
/// the op has several optional ones (Slice without axes but with steps).
Value loom::onnx::shapes::onnxInput(Operation *op, unsigned index) {
  auto segments = op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes");
  if (!segments) {
    if (index >= op->getNumOperands() || isa<NoneType>(op->getOperand(index).getType()))
      return Value();
    return op->getOperand(index);
  }
  ArrayRef<int32_t> sizes = segments.asArrayRef();
  if (index >= sizes.size() || sizes[index] != 1)
    return Value();
  unsigned position = 0;
  for (unsigned i = 0; i < index; ++i)
    position += unsigned(sizes[i]);
  return position < op->getNumOperands() ? op->getOperand(position) : Value();
}

std::optional<int64_t> loom::onnx::shapes::intAttr(Operation *op, StringRef name) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return std::nullopt;
}

DimValue loom::onnx::shapes::broadcastDim(ArrayRef<DimValue> dims) {
  DimValue result = DimValue::of(1);
  for (const DimValue &d : dims) {
    if (d.isConst(1))
      continue;
    if (d.isConst())
      return d; // a static size other than 1 decides the broadcast
    if (result.isConst(1))
      result = d;
    else if (!result.sameAs(d))
      result = DimValue::unknown();
  }
  return result;
}

//===----------------------------------------------------------------------===//
// Values of small integer tensors
//===----------------------------------------------------------------------===//

void ShapeRefiner::evaluate(Operation *op) {
  if (op->getNumResults() != 1)
    return;
  Value result = op->getResult(0);
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || type.getRank() > 2 || !type.getElementType().isIntOrIndex())
    return;
  StringRef name = op->getName().getStringRef();
  // Small static 2-D tensors are tracked too (row-major), through the ops
  // that torch's F.pad builds its pads with: Reshape to [-1, 2], Slice with
  // step -1, Transpose, Reshape back to 1-D.
  if (type.getRank() == 2 &&
      (!type.hasStaticShape() || type.getNumElements() > kMaxTracked ||
       !llvm::is_contained({"onnx.Constant", "onnx.Identity", "onnx.Cast", "onnx.Reshape",
                            "onnx.Transpose", "onnx.Slice"},
                           name)))
    return;
  auto set = [&](Elements e) {
    if (int64_t(e.size()) <= kMaxTracked)
      known[result] = std::move(e);
  };

  if (name == "onnx.Constant") {
    auto attr = op->getAttrOfType<DenseIntElementsAttr>("value");
    if (!attr || attr.getNumElements() > kMaxTracked)
      return;
    Elements e;
    for (const APInt &v : attr.getValues<APInt>())
      e.push_back(DimValue::of(attr.getElementType().isInteger(1) ? v.getZExtValue()
                                                                   : v.getSExtValue()));
    return set(e);
  }
  if (name == "onnx.Shape") {
    auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
    if (!in)
      return;
    int64_t rank = in.getRank();
    int64_t start = intAttr(op, "start").value_or(0);
    int64_t end = intAttr(op, "end").value_or(rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    Elements e;
    for (int64_t i = start; i < end; ++i)
      e.push_back(dimOf(op->getOperand(0), i));
    return set(e);
  }
  if (name == "onnx.Identity" || name == "onnx.Cast" || name == "onnx.Squeeze" ||
      name == "onnx.Unsqueeze" || name == "onnx.Reshape") {
    // Scalar <-> vector reshapes and integer casts keep the elements.
    if (const Elements *e = lookup(op->getOperand(0)))
      if (type.getRank() == 0 ? e->size() == 1 : true)
        return set(*e);
    return;
  }
  if (name == "onnx.Transpose") {
    const Elements *data = lookup(op->getOperand(0));
    auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
    if (!data || !in || in.getRank() != 2 || !in.hasStaticShape())
      return; // a 1-D transpose is the identity, but is not exported
    int64_t rows = in.getDimSize(0), cols = in.getDimSize(1);
    Elements e;
    for (int64_t j = 0; j < cols; ++j)
      for (int64_t i = 0; i < rows; ++i)
        e.push_back((*data)[i * cols + j]);
    return set(e);
  }
  if (name == "onnx.Gather") {
    if (cast<ShapedType>(op->getOperand(0).getType()).getRank() != 1)
      return;
    const Elements *data = lookup(op->getOperand(0));
    auto indices = constants(op->getOperand(1));
    if (!data || !indices || intAttr(op, "axis").value_or(0) != 0)
      return;
    Elements e;
    for (int64_t i : *indices) {
      int64_t n = data->size();
      if (i < -n || i >= n)
        return;
      e.push_back((*data)[i < 0 ? i + n : i]);
    }
    return set(e);
  }
  if (name == "onnx.Concat") {
    Elements e;
    for (Value v : op->getOperands()) {
      // A part of unknown values still gives the positions of the others.
      std::optional<Elements> part = elementsOf(v);
      if (!part)
        return;
      e.append(part->begin(), part->end());
    }
    return set(e);
  }
  if (name == "onnx.Slice") {
    const Elements *data = lookup(op->getOperand(0));
    auto starts = constants(op->getOperand(1));
    auto ends = constants(op->getOperand(2));
    auto in = dyn_cast<RankedTensorType>(op->getOperand(0).getType());
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1 || !in ||
        !in.hasStaticShape())
      return;
    // One axis of a 1-D or 2-D tensor: the slice picks positions along it.
    int64_t rank = in.getRank(), axis = 0;
    if (Value axes = onnxInput(op, 3)) {
      auto axisValues = constants(axes);
      if (!axisValues || axisValues->size() != 1 || (*axisValues)[0] < -rank ||
          (*axisValues)[0] >= rank)
        return;
      axis = (*axisValues)[0] < 0 ? (*axisValues)[0] + rank : (*axisValues)[0];
    }
    int64_t step = 1;
    if (Value stepsInput = onnxInput(op, 4)) {
      auto steps = constants(stepsInput);
      if (!steps || steps->size() != 1 || (*steps)[0] == 0)
        return;
      step = (*steps)[0];
    }
    int64_t n = in.getDimSize(axis);
    auto clampIndex = [&](int64_t i, int64_t lo, int64_t hi) {
      if (i < 0)
        i += n;
      return std::clamp(i, lo, hi);
    };
    SmallVector<int64_t> picked;
    if (step > 0) {
      for (int64_t i = clampIndex((*starts)[0], 0, n),
                   end = clampIndex((*ends)[0], 0, n);
           i < end; i += step)
        picked.push_back(i);
    } else {
      for (int64_t i = clampIndex((*starts)[0], -1, n - 1),
                   end = clampIndex((*ends)[0], -1, n - 1);
           i > end; i += step)
        picked.push_back(i);
    }
    Elements e;
    if (rank == 1) {
      for (int64_t i : picked)
        e.push_back((*data)[i]);
    } else if (axis == 0) {
      int64_t cols = in.getDimSize(1);
      for (int64_t i : picked)
        e.append(data->begin() + i * cols, data->begin() + (i + 1) * cols);
    } else {
      int64_t rows = in.getDimSize(0), cols = in.getDimSize(1);
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t i : picked)
          e.push_back((*data)[r * cols + i]);
    }
    return set(e);
  }
  if (name == "onnx.ConstantOfShape") {
    auto shape = constants(op->getOperand(0));
    if (!shape || shape->size() > 1)
      return;
    int64_t count = shape->empty() ? 1 : (*shape)[0];
    int64_t fill = 0;
    if (auto value = op->getAttrOfType<DenseIntElementsAttr>("value")) {
      if (value.getNumElements() != 1)
        return;
      fill = (*value.getValues<APInt>().begin()).getSExtValue();
    } else if (op->hasAttr("value")) {
      return; // a float fill
    }
    if (count < 0 || count > kMaxTracked)
      return;
    return set(Elements(count, DimValue::of(fill)));
  }
  if (name == "onnx.Range") {
    auto s = constants(op->getOperand(0)), l = constants(op->getOperand(1)),
         d = constants(op->getOperand(2));
    if (!s || !l || !d || (*d)[0] == 0)
      return;
    int64_t start = (*s)[0], limit = (*l)[0], delta = (*d)[0];
    int64_t count = std::max<int64_t>(0, (limit - start + delta - (delta > 0 ? 1 : -1)) / delta);
    if (count > kMaxTracked)
      return;
    Elements e;
    for (int64_t i = 0; i < count; ++i)
      e.push_back(DimValue::of(start + i * delta));
    return set(e);
  }

  // Elementwise integer arithmetic and the Equal/Where pair that torch's
  // expand(-1) exports as: Where(Equal(shape, -1), ones, shape).
  bool isBinary = name == "onnx.Add" || name == "onnx.Sub" || name == "onnx.Mul" ||
                  name == "onnx.Div" || name == "onnx.Equal";
  bool isWhere = name == "onnx.Where";
  if (!isBinary && !isWhere)
    return;
  SmallVector<const Elements *> ins;
  for (Value v : op->getOperands()) {
    const Elements *e = lookup(v);
    if (!e)
      return;
    ins.push_back(e);
  }
  size_t n = 1;
  for (const Elements *e : ins)
    if (e->size() != 1) {
      if (n != 1 && n != e->size())
        return;
      n = e->size();
    }
  auto at = [&](size_t k, size_t i) { return (*ins[k])[ins[k]->size() == 1 ? 0 : i]; };
  Elements e;
  for (size_t i = 0; i < n; ++i) {
    if (isWhere) {
      DimValue c = at(0, i);
      e.push_back(!c.isConst() ? DimValue::unknown() : c.constant ? at(1, i) : at(2, i));
      continue;
    }
    DimValue a = at(0, i), b = at(1, i);
    if (name == "onnx.Equal") {
      if (a.isConst() && b.isConst())
        e.push_back(DimValue::of(a.constant == b.constant));
      else if (a.sameAs(b))
        e.push_back(DimValue::of(1));
      else if ((a.kind == DimValue::Symbol && b.isConst() && b.constant < 0) ||
               (b.kind == DimValue::Symbol && a.isConst() && a.constant < 0))
        e.push_back(DimValue::of(0)); // sizes are never negative
      else
        e.push_back(DimValue::unknown());
      continue;
    }
    if (a.isConst() && b.isConst()) {
      int64_t x = a.constant, y = b.constant;
      if (name == "onnx.Add")
        e.push_back(DimValue::of(x + y));
      else if (name == "onnx.Sub")
        e.push_back(DimValue::of(x - y));
      else if (name == "onnx.Mul")
        e.push_back(DimValue::of(x * y));
      else
        e.push_back(y == 0 ? DimValue::unknown() : DimValue::of(x / y));
    } else if ((name == "onnx.Add" || name == "onnx.Sub") && b.isConst(0)) {
      e.push_back(a);
    } else if ((name == "onnx.Mul" || name == "onnx.Div") && b.isConst(1)) {
      e.push_back(a);
    } else if ((name == "onnx.Add" && a.isConst(0)) || (name == "onnx.Mul" && a.isConst(1))) {
      e.push_back(b);
    } else {
      e.push_back(DimValue::unknown());
    }
  }
  set(e);
}

/// Makes `result`'s type more precise with `dims`; returns whether it changed.
bool ShapeRefiner::refineResult(Value result, ArrayRef<DimValue> dims,
                                Type elementType) {
  SmallVector<int64_t> shape;
  auto old = dyn_cast<RankedTensorType>(result.getType());
  if (old && old.getRank() != int64_t(dims.size()))
    return false; // disagrees with the exporter's types: leave it alone
  if (!old && !isa<NoneType, UnrankedTensorType>(result.getType()))
    return false;
  Type elem = old ? old.getElementType()
              : isa<UnrankedTensorType>(result.getType())
                  ? cast<UnrankedTensorType>(result.getType()).getElementType()
                  : elementType;
  if (!elem)
    return false;
  for (auto [i, d] : llvm::enumerate(dims)) {
    int64_t size = old ? old.getDimSize(i) : ShapedType::kDynamic;
    if (ShapedType::isDynamic(size) && d.isConst() && d.constant >= 0)
      size = d.constant;
    shape.push_back(size);
    if (ShapedType::isDynamic(size) && d.kind == DimValue::Symbol &&
        !(d.source == result && d.dim == i))
      aliases[{result, unsigned(i)}] = d;
  }
  auto refined = RankedTensorType::get(shape, elem);
  if (refined == result.getType())
    return false;
  result.setType(refined);
  return true;
}

bool ShapeRefiner::foldConstants() {
  bool folded = false;
  OpBuilder builder(func.getContext());
  SmallVector<Operation *> ops;
  func.walk([&](Operation *op) {
    if (op->getParentOp() == func && op->getNumResults() == 1 &&
        op->getName().getStringRef() != "onnx.Constant" &&
        op->getName().getDialectNamespace() == "onnx")
      ops.push_back(op);
  });
  for (Operation *op : ops) {
    Value result = op->getResult(0);
    auto type = dyn_cast<RankedTensorType>(result.getType());
    auto values = constants(result);
    if (!type || !type.hasStaticShape() || !values ||
        type.getNumElements() != int64_t(values->size()))
      continue;
    auto intType = dyn_cast<IntegerType>(type.getElementType());
    if (!intType)
      continue;
    SmallVector<APInt> bits;
    for (int64_t v : *values)
      bits.push_back(APInt(intType.getWidth(), uint64_t(v), /*isSigned=*/true,
                           /*implicitTrunc=*/true));
    builder.setInsertionPoint(op);
    OperationState state(op->getLoc(), "onnx.Constant");
    state.addAttribute("value", DenseElementsAttr::get(type, bits));
    state.addTypes(type);
    Operation *constant = builder.create(state);
    result.replaceAllUsesWith(constant->getResult(0));
    folded = true;
  }
  // The shape chains that fed the folded values are dead now.
  bool erased = true;
  while (erased) {
    erased = false;
    for (Operation &op : llvm::make_early_inc_range(llvm::reverse(func.getBody().front()))) {
      if (op.getName().getDialectNamespace() == "onnx" && op.getNumRegions() == 0 &&
          !op.hasTrait<OpTrait::IsTerminator>() && op.use_empty() &&
          op.getNumResults() > 0) {
        op.erase();
        erased = true;
      }
    }
  }
  return folded;
}

bool ShapeRefiner::inlineConstantIfs() {
  // torch.onnx.export writes `x.squeeze(d)` of a dimension whose size it
  // cannot see as an If on `Shape(x)[d] == 1` with branches of different
  // ranks (Squeeze or Identity), which no result type can join. Once the
  // shape arithmetic folded the condition, the If is its taken branch.
  SmallVector<Operation *> ifs;
  for (Operation &op : func.getBody().front())
    if (op.getName().getStringRef() == "onnx.If" && op.getNumRegions() == 2 &&
        op.getNumOperands() == 1)
      ifs.push_back(&op);
  bool inlined = false;
  for (Operation *op : ifs) {
    Operation *def = op->getOperand(0).getDefiningOp();
    auto value = def && def->getName().getStringRef() == "onnx.Constant"
                     ? def->getAttrOfType<DenseElementsAttr>("value")
                     : DenseElementsAttr();
    if (!value || value.getNumElements() != 1 || !value.getElementType().isInteger())
      continue;
    bool condition = !(*value.getValues<APInt>().begin()).isZero();
    // Regions in attribute-name order: else_branch, then then_branch.
    Region &taken = op->getRegion(condition ? 1 : 0);
    if (!taken.hasOneBlock() || taken.front().getNumArguments() != 0)
      continue;
    Block &block = taken.front();
    Operation *yield = block.getTerminator();
    if (!yield || yield->getNumOperands() != op->getNumResults())
      continue;
    SmallVector<Value> values(yield->getOperands());
    Block *parent = op->getBlock();
    parent->getOperations().splice(op->getIterator(), block.getOperations(), block.begin(),
                                   yield->getIterator());
    for (auto [result, v] : llvm::zip(op->getResults(), values))
      result.replaceAllUsesWith(v);
    op->erase();
    inlined = true;
  }
  return inlined;
}

/// `v`'s type set to `type` if `v` is unranked and `type` ranked.
static bool rankUnranked(Value v, Type type) {
  if (isa<RankedTensorType>(v.getType()) || !isa<RankedTensorType>(type))
    return false;
  v.setType(type);
  return true;
}

/// The most specific type both ranked `a` and `b` fit (dynamic where their
/// sizes differ), or null.
static Type joinTypes(Type a, Type b) {
  auto ra = dyn_cast<RankedTensorType>(a), rb = dyn_cast<RankedTensorType>(b);
  if (!ra || !rb || ra.getRank() != rb.getRank() || ra.getElementType() != rb.getElementType())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, ra.getElementType());
}

bool ShapeRefiner::refineSubgraphInputs(Operation *op) {
  // A Loop body's inputs: the iteration number (int64), the condition
  // (bool) and the carried values, typed like their initial values.
  if (op->getName().getStringRef() != "onnx.Loop" || op->getRegion(0).empty())
    return false;
  auto segments = op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes");
  if (!segments || segments.size() != 3)
    return false;
  Block &body = op->getRegion(0).front();
  MLIRContext *ctx = op->getContext();
  bool changed = false;
  if (body.getNumArguments() >= 2) {
    changed |= rankUnranked(body.getArgument(0),
                            RankedTensorType::get({}, IntegerType::get(ctx, 64)));
    changed |= rankUnranked(body.getArgument(1),
                            RankedTensorType::get({}, IntegerType::get(ctx, 1)));
  }
  unsigned first = unsigned(segments[0] + segments[1]);
  for (unsigned i = 0; first + i < op->getNumOperands() && 2 + i < body.getNumArguments(); ++i)
    changed |= rankUnranked(body.getArgument(2 + i), op->getOperand(first + i).getType());
  return changed;
}

bool ShapeRefiner::refineSubgraphResults(Operation *op) {
  StringRef name = op->getName().getStringRef();
  bool changed = false;
  if (name == "onnx.If" && op->getNumRegions() == 2 && !op->getRegion(0).empty() &&
      !op->getRegion(1).empty()) {
    Operation *a = op->getRegion(0).front().getTerminator();
    Operation *b = op->getRegion(1).front().getTerminator();
    if (!a || !b || a->getNumOperands() != op->getNumResults() ||
        b->getNumOperands() != op->getNumResults())
      return false;
    for (auto [result, x, y] : llvm::zip(op->getResults(), a->getOperands(), b->getOperands()))
      if (Type joined = joinTypes(x.getType(), y.getType()))
        changed |= rankUnranked(result, joined);
    return changed;
  }
  if (name != "onnx.Loop" || op->getRegion(0).empty())
    return false;
  // Carried results are typed like the body's carried inputs; a scan result
  // stacks its per-iteration values along a new leading dimension.
  Block &body = op->getRegion(0).front();
  Operation *yield = body.getTerminator();
  if (!yield || body.getNumArguments() < 2)
    return false;
  unsigned carried = body.getNumArguments() - 2;
  for (auto [i, result] : llvm::enumerate(op->getResults())) {
    if (i < carried) {
      changed |= rankUnranked(result, body.getArgument(2 + i).getType());
    } else if (1 + i < yield->getNumOperands()) {
      auto slice = dyn_cast<RankedTensorType>(yield->getOperand(1 + i).getType());
      if (!slice)
        continue;
      SmallVector<int64_t> shape = {ShapedType::kDynamic};
      shape.append(slice.getShape().begin(), slice.getShape().end());
      changed |= rankUnranked(result, RankedTensorType::get(shape, slice.getElementType()));
    }
  }
  return changed;
}

bool ShapeRefiner::refineBlock(Block &body) {
  bool changed = false;
  for (Operation &op : body) {
    // Subgraphs (If branches, Loop bodies) first: their ops can use values
    // of the enclosing graph, which are refined by now.
    if (op.getNumRegions() > 0) {
      changed |= refineSubgraphInputs(&op);
      for (Region &region : op.getRegions())
        for (Block &block : region)
          changed |= refineBlock(block);
      changed |= refineSubgraphResults(&op);
    }
    if (op.getNumResults() == 0)
      continue;
    Type elem;
    if (op.getNumOperands() > 0)
      if (auto shaped = dyn_cast<ShapedType>(op.getOperand(0).getType()))
        elem = shaped.getElementType();
    StringRef name = op.getName().getStringRef();
    if (name == "onnx.ConstantOfShape" || name == "onnx.Where" ||
        name.starts_with("onnx.Equal") || name.starts_with("onnx.Greater") ||
        name.starts_with("onnx.Less") || name == "onnx.Cast")
      elem = Type(); // the result element type is not the first operand's
    if (name == "onnx.Shape")
      elem = IntegerType::get(op.getContext(), 64);
    for (auto [result, dims] : llvm::zip(op.getResults(), inferShapes(&op)))
      if (dims)
        changed |= refineResult(result, *dims, elem);
    evaluate(&op);
  }
  return changed;
}

void ShapeRefiner::refineTypes(Block &body) {
  // Each round can enable the next (a refined type feeds a Shape); the graph
  // is in topological order, so few rounds reach the fixed point.
  for (int round = 0; round < 4; ++round) {
    known.clear();
    if (!refineBlock(body))
      break;
  }
}

LogicalResult ShapeRefiner::run() {
  if (func.isExternal())
    return success();
  Block &body = func.getBody().front();
  // Shape computations folded into constants can refine more types (a
  // Reshape whose target became constant), which can fold more.
  for (int pass = 0; pass < 4; ++pass) {
    refineTypes(body);
    bool folded = foldConstants();
    if (!inlineConstantIfs() && !folded)
      break;
  }
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (ret)
    func.setType(FunctionType::get(func.getContext(), func.getArgumentTypes(),
                                   ret.getOperandTypes()));
  return success();
}

LogicalResult loom::onnx::refineShapes(func::FuncOp func) {
  return ShapeRefiner(func).run();
}

namespace {
struct LoomOnnxRefineShapesPass
    : loom::onnx::impl::LoomOnnxRefineShapesPassBase<LoomOnnxRefineShapesPass> {
  void runOnOperation() override {
    if (failed(loom::onnx::refineShapes(getOperation())))
      signalPassFailure();
  }
};
} // namespace
