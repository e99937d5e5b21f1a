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

#include "loom/Dialect/Onnx/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace loom::onnx {
#define GEN_PASS_DEF_LOOMONNXREFINESHAPESPASS
#include "loom/Dialect/Onnx/Transforms/Passes.h.inc"
} // namespace loom::onnx

using namespace mlir;
using namespace loom;

namespace {

/// What compile time knows about one element of a small integer tensor, or
/// about one dimension of a tensor.
struct DimValue {
  enum Kind { Unknown, Constant, Symbol };
  Kind kind = Unknown;
  int64_t constant = 0;
  /// For Symbol: the run-time size of dimension `dim` of `source`.
  Value source;
  unsigned dim = 0;

  static DimValue unknown() { return {}; }
  static DimValue of(int64_t c) { return {Constant, c, Value(), 0}; }
  static DimValue symbol(Value v, unsigned d) { return {Symbol, 0, v, d}; }
  bool isConst() const { return kind == Constant; }
  bool isConst(int64_t c) const { return kind == Constant && constant == c; }
  bool sameAs(const DimValue &o) const {
    if (kind != o.kind || kind == Unknown)
      return false;
    return kind == Constant ? constant == o.constant
                            : source == o.source && dim == o.dim;
  }
};
using Elements = SmallVector<DimValue, 4>;

/// Longest integer tensor whose elements are tracked.
constexpr int64_t kMaxTracked = 64;

class ShapeRefiner {
public:
  explicit ShapeRefiner(func::FuncOp func) : func(func) {}
  LogicalResult run();

private:
  /// Dimension `i` of `v`: static size, or the symbol it is known to equal.
  DimValue dimOf(Value v, unsigned i);
  SmallVector<DimValue> dimsOf(Value v);
  const Elements *lookup(Value v) {
    auto it = known.find(v);
    return it == known.end() ? nullptr : &it->second;
  }
  std::optional<SmallVector<int64_t>> constants(Value v);

  void evaluate(Operation *op);
  std::optional<SmallVector<DimValue>> inferShape(Operation *op);
  bool refineResult(Value result, ArrayRef<DimValue> dims, Type elementType);
  /// Whether any shape computation became a constant.
  bool foldConstants();
  /// Refines result types from operand types until nothing changes.
  void refineTypes(Block &body);

  func::FuncOp func;
  DenseMap<Value, Elements> known;
  /// Dynamic dimensions known to equal a symbol (e.g. the batch of a Reshape
  /// result is dim 0 of the input): lets symbols cancel in `-1` arithmetic.
  DenseMap<std::pair<Value, unsigned>, DimValue> aliases;
};

} // namespace

DimValue ShapeRefiner::dimOf(Value v, unsigned i) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || i >= type.getRank())
    return DimValue::unknown();
  if (!type.isDynamicDim(i))
    return DimValue::of(type.getDimSize(i));
  auto it = aliases.find({v, i});
  return it != aliases.end() ? it->second : DimValue::symbol(v, i);
}

SmallVector<DimValue> ShapeRefiner::dimsOf(Value v) {
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

/// ONNX input `index` of `op`, or null when the model omitted it. Omitted
/// optional inputs are absent operands, counted in operandSegmentSizes where
/// the op has several optional ones (Slice without axes but with steps).
static Value onnxInput(Operation *op, unsigned index) {
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

static std::optional<int64_t> intAttr(Operation *op, StringRef name) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return std::nullopt;
}

/// Numpy-style broadcast of one dimension; nullopt when it cannot be decided.
static DimValue broadcastDim(ArrayRef<DimValue> dims) {
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

/// The size of `dim` after ONNX's Slice with `start`, `end`, `step` (indices
/// counted from the end when negative, then clamped to the dimension).
static DimValue slicedDim(const DimValue &dim, const DimValue &start, const DimValue &end,
                          int64_t step) {
  if (step == 0)
    return DimValue::unknown();
  // Exporters write "to the end" as INT64_MAX (or INT32_MAX).
  const bool toEnd = end.isConst() && end.constant >= std::numeric_limits<int32_t>::max();
  if (!dim.isConst()) {
    // x[0:] of a dimension known only at run time keeps it.
    if (step == 1 && start.isConst(0) && (toEnd || end.sameAs(dim)))
      return dim;
    return DimValue::unknown();
  }
  if (!start.isConst() || !end.isConst())
    return DimValue::unknown();
  const int64_t size = dim.constant;
  int64_t first = start.constant < 0 ? start.constant + size : start.constant;
  int64_t last = end.constant < 0 && !toEnd ? end.constant + size : end.constant;
  if (step > 0) {
    first = std::clamp<int64_t>(first, 0, size);
    last = std::clamp<int64_t>(last, 0, size);
    return DimValue::of(last > first ? (last - first + step - 1) / step : 0);
  }
  first = std::clamp<int64_t>(first, 0, size - 1);
  last = std::clamp<int64_t>(last, -1, size - 1);
  return DimValue::of(first > last ? (first - last - step - 1) / -step : 0);
}

//===----------------------------------------------------------------------===//
// Values of small integer tensors
//===----------------------------------------------------------------------===//

void ShapeRefiner::evaluate(Operation *op) {
  if (op->getNumResults() != 1)
    return;
  Value result = op->getResult(0);
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || type.getRank() > 1 || !type.getElementType().isIntOrIndex())
    return;
  StringRef name = op->getName().getStringRef();
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
  if (name == "onnx.Gather") {
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
      const Elements *part = lookup(v);
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
    if (!data || !starts || !ends || starts->size() != 1 || ends->size() != 1)
      return;
    if (Value axes = onnxInput(op, 3)) {
      auto axis = constants(axes);
      if (!axis || axis->size() != 1 || ((*axis)[0] != 0 && (*axis)[0] != -1))
        return;
    }
    int64_t step = 1;
    if (Value stepsInput = onnxInput(op, 4)) {
      auto steps = constants(stepsInput);
      if (!steps || steps->size() != 1 || (*steps)[0] == 0)
        return;
      step = (*steps)[0];
    }
    int64_t n = data->size();
    auto clampIndex = [&](int64_t i, int64_t lo, int64_t hi) {
      if (i < 0)
        i += n;
      return std::clamp(i, lo, hi);
    };
    Elements e;
    if (step > 0) {
      for (int64_t i = clampIndex((*starts)[0], 0, n),
                   end = clampIndex((*ends)[0], 0, n);
           i < end; i += step)
        e.push_back((*data)[i]);
    } else {
      for (int64_t i = clampIndex((*starts)[0], -1, n - 1),
                   end = clampIndex((*ends)[0], -1, n - 1);
           i > end; i += step)
        e.push_back((*data)[i]);
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

//===----------------------------------------------------------------------===//
// Result shapes
//===----------------------------------------------------------------------===//

/// The result shape of `op` from its operands, as far as it can be told;
/// nullopt for ops this pass does not model.
std::optional<SmallVector<DimValue>> ShapeRefiner::inferShape(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (op->getNumOperands() == 0)
    return std::nullopt;
  Value in = op->getOperand(0);
  static const llvm::StringSet<> sameShape = {
      "onnx.Softmax", "onnx.LogSoftmax", "onnx.Relu",  "onnx.Sigmoid", "onnx.Tanh",
      "onnx.Erf",     "onnx.Exp",        "onnx.Log",   "onnx.Sqrt",    "onnx.Neg",
      "onnx.Reciprocal", "onnx.Cast",    "onnx.Identity", "onnx.Sin",  "onnx.Cos",
      "onnx.Not",     "onnx.Abs",        "onnx.Gelu",  "onnx.Softplus", "onnx.CastLike",
      "onnx.Dropout", "onnx.LayerNormalization", "onnx.Trilu", "onnx.IsNaN",
      // ONNX Runtime contrib ops whose first result has the first input's shape.
      "onnx.SimplifiedLayerNormalization",
      "onnx.com.microsoft.SkipSimplifiedLayerNormalization",
      "onnx.com.microsoft.RotaryEmbedding",
      "onnx.com.microsoft.GroupQueryAttention",
      "onnx.com.microsoft.MultiHeadAttention",
      // loom's own ops that the graph pipeline introduces (select-softmax,
      // the fusions).
      "loom.softmax", "loom.rms_norm", "loom.layer_norm", "loom.gelu", "loom.silu",
      "loom.rotary"};
  static const llvm::StringSet<> broadcast = {
      "onnx.Add", "onnx.Sub",  "onnx.Mul",  "onnx.Div",     "onnx.Pow",
      "onnx.Equal", "onnx.Greater", "onnx.Less", "onnx.GreaterOrEqual",
      "onnx.LessOrEqual", "onnx.And", "onnx.Or", "onnx.Where", "onnx.Max",
      "onnx.Min", "onnx.Mod", "onnx.PRelu", "onnx.Xor", "onnx.BitShift"};

  if (sameShape.contains(name)) {
    if (!isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    return dimsOf(in);
  }
  if (broadcast.contains(name)) {
    SmallVector<SmallVector<DimValue>> shapes;
    size_t rank = 0;
    for (Value v : op->getOperands()) {
      if (!isa<RankedTensorType>(v.getType()))
        return std::nullopt;
      shapes.push_back(dimsOf(v));
      rank = std::max(rank, shapes.back().size());
    }
    SmallVector<DimValue> out;
    for (size_t i = 0; i < rank; ++i) {
      SmallVector<DimValue> column;
      for (auto &s : shapes) {
        size_t offset = rank - s.size();
        column.push_back(i < offset ? DimValue::of(1) : s[i - offset]);
      }
      out.push_back(broadcastDim(column));
    }
    return out;
  }
  if (name == "onnx.com.microsoft.MatMulNBits") {
    auto dims = dimsOf(in);
    auto n = intAttr(op, "N");
    if (dims.empty() || !n)
      return std::nullopt;
    dims.back() = DimValue::of(*n);
    return dims;
  }
  if (name == "onnx.Concat" && op->getNumOperands() > 0) {
    // Along the axis the sizes add up; elsewhere the inputs agree, so any
    // input's known size is the result's.
    SmallVector<SmallVector<DimValue>> shapes;
    for (Value v : op->getOperands()) {
      if (!isa<RankedTensorType>(v.getType()))
        return std::nullopt;
      shapes.push_back(dimsOf(v));
      if (shapes.back().size() != shapes.front().size())
        return std::nullopt;
    }
    int64_t rank = int64_t(shapes.front().size());
    int64_t axis = intAttr(op, "axis").value_or(0);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return std::nullopt;
    SmallVector<DimValue> out;
    for (int64_t i = 0; i < rank; ++i) {
      if (i == axis) {
        int64_t sum = 0;
        bool known = true;
        for (auto &shape : shapes) {
          known &= shape[i].isConst();
          sum += shape[i].constant;
        }
        out.push_back(known ? DimValue::of(sum)
                            : shapes.size() == 1 ? shapes[0][i] : DimValue::unknown());
        continue;
      }
      DimValue d = shapes.front()[i];
      for (auto &shape : shapes)
        if (shape[i].isConst())
          d = shape[i];
      out.push_back(d);
    }
    return out;
  }
  if (name.starts_with("onnx.Reduce")) {
    // Reduced axes become 1 (keepdims, the default) or disappear; the axes
    // are an attribute (opset < 18) or ReduceSum's constant second operand.
    auto dims = dimsOf(in);
    if (!isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    int64_t rank = int64_t(dims.size());
    SmallVector<int64_t> axes;
    if (auto attr = op->getAttrOfType<ArrayAttr>("axes")) {
      for (Attribute a : attr)
        axes.push_back(cast<IntegerAttr>(a).getInt());
    } else if (op->getNumOperands() > 1) {
      const Elements *values = lookup(op->getOperand(1));
      if (!values)
        return std::nullopt;
      for (const DimValue &v : *values) {
        if (!v.isConst())
          return std::nullopt;
        axes.push_back(v.constant);
      }
    }
    if (axes.empty()) {
      if (intAttr(op, "noop_with_empty_axes").value_or(0) != 0)
        return dims;
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    }
    SmallVector<bool> reduced(rank, false);
    for (int64_t a : axes) {
      int64_t n = a < 0 ? a + rank : a;
      if (n < 0 || n >= rank)
        return std::nullopt;
      reduced[n] = true;
    }
    bool keep = intAttr(op, "keepdims").value_or(1) != 0;
    SmallVector<DimValue> out;
    for (int64_t i = 0; i < rank; ++i) {
      if (!reduced[i])
        out.push_back(dims[i]);
      else if (keep)
        out.push_back(DimValue::of(1));
    }
    return out;
  }
  if (name == "onnx.Gather") {
    // data[:axis] + indices + data[axis + 1:] (an embedding lookup keeps the
    // ids' [batch, sequence]).
    auto data = dimsOf(in);
    auto indicesType = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
    int64_t axis = intAttr(op, "axis").value_or(0);
    if (!isa<RankedTensorType>(in.getType()) || !indicesType)
      return std::nullopt;
    if (axis < 0)
      axis += int64_t(data.size());
    if (axis < 0 || axis >= int64_t(data.size()))
      return std::nullopt;
    SmallVector<DimValue> out(data.begin(), data.begin() + axis);
    auto indices = dimsOf(op->getOperand(1));
    out.append(indices.begin(), indices.end());
    out.append(data.begin() + axis + 1, data.end());
    return out;
  }
  if (name == "onnx.Transpose") {
    auto dims = dimsOf(in);
    if (dims.empty() && !isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    SmallVector<int64_t> perm;
    if (auto attr = op->getAttrOfType<ArrayAttr>("perm")) {
      for (Attribute a : attr)
        perm.push_back(cast<IntegerAttr>(a).getInt());
    } else {
      for (int64_t i = dims.size() - 1; i >= 0; --i)
        perm.push_back(i);
    }
    if (perm.size() != dims.size())
      return std::nullopt;
    SmallVector<DimValue> out;
    for (int64_t p : perm) {
      if (p < 0 || p >= int64_t(dims.size()))
        return std::nullopt;
      out.push_back(dims[p]);
    }
    return out;
  }
  if (name == "onnx.MatMul") {
    auto a = dimsOf(op->getOperand(0)), b = dimsOf(op->getOperand(1));
    if (a.size() < 2 || b.size() < 2)
      return std::nullopt;
    size_t batch = std::max(a.size(), b.size()) - 2;
    SmallVector<DimValue> out;
    for (size_t i = 0; i < batch; ++i) {
      auto pick = [&](const SmallVector<DimValue> &s) {
        size_t offset = batch - (s.size() - 2);
        return i < offset ? DimValue::of(1) : s[i - offset];
      };
      out.push_back(broadcastDim({pick(a), pick(b)}));
    }
    out.push_back(a[a.size() - 2]);
    out.push_back(b.back());
    return out;
  }
  if (name == "onnx.Reshape") {
    const Elements *target = lookup(op->getOperand(1));
    if (!target)
      return std::nullopt;
    auto input = dimsOf(in);
    bool allowZero = intAttr(op, "allowzero").value_or(0) != 0;
    SmallVector<DimValue> out;
    int inferIndex = -1;
    for (auto [i, d] : llvm::enumerate(*target)) {
      if (d.isConst(0) && !allowZero)
        out.push_back(i < input.size() ? input[i] : DimValue::unknown());
      else if (d.isConst(-1)) {
        inferIndex = i;
        out.push_back(DimValue::unknown());
      } else
        out.push_back(d);
    }
    if (inferIndex >= 0 && !input.empty()) {
      // -1 = product(input) / product(other outputs), with symbols cancelling.
      int64_t numerator = 1, denominator = 1;
      SmallVector<DimValue> symbols;
      bool ok = true;
      for (const DimValue &d : input) {
        if (d.isConst())
          numerator *= d.constant;
        else if (d.kind == DimValue::Symbol)
          symbols.push_back(d);
        else
          ok = false;
      }
      for (auto [i, outDim] : llvm::enumerate(out)) {
        if (int(i) == inferIndex)
          continue;
        const DimValue &d = outDim;
        if (d.isConst()) {
          denominator *= d.constant;
        } else if (d.kind == DimValue::Symbol) {
          auto *it = llvm::find_if(symbols, [&](const DimValue &s) { return s.sameAs(d); });
          if (it == symbols.end())
            ok = false;
          else
            symbols.erase(it);
        } else {
          ok = false;
        }
      }
      if (ok && denominator != 0 && numerator % denominator == 0) {
        if (symbols.empty())
          out[inferIndex] = DimValue::of(numerator / denominator);
        else if (symbols.size() == 1 && numerator == denominator)
          out[inferIndex] = symbols[0];
      }
    }
    return out;
  }
  if (name == "onnx.Expand") {
    const Elements *target = lookup(op->getOperand(1));
    if (!target || !isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    auto input = dimsOf(in);
    size_t rank = std::max(input.size(), target->size());
    SmallVector<DimValue> out;
    for (size_t i = 0; i < rank; ++i) {
      size_t oi = rank - input.size(), ot = rank - target->size();
      DimValue a = i < oi ? DimValue::of(1) : input[i - oi];
      DimValue b = i < ot ? DimValue::of(1) : (*target)[i - ot];
      out.push_back(broadcastDim({a, b}));
    }
    return out;
  }
  if (name == "onnx.ConstantOfShape") {
    const Elements *target = lookup(in);
    if (!target)
      return std::nullopt;
    return SmallVector<DimValue>(target->begin(), target->end());
  }
  if (name == "onnx.Slice") {
    // The rank is the input's; a sliced dimension is known when its size
    // and the constant start/end/step are, or when the slice keeps it whole.
    if (!isa<RankedTensorType>(in.getType()) || op->getNumOperands() < 3)
      return std::nullopt;
    auto dims = dimsOf(in);
    const int64_t rank = int64_t(dims.size());
    const Elements *starts = lookup(op->getOperand(1)), *ends = lookup(op->getOperand(2));
    // Without an axes input, the axes are 0..n-1 for n starts (a static size).
    std::optional<SmallVector<int64_t>> axes, steps;
    auto startsType = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
    if (Value axesInput = onnxInput(op, 3))
      axes = constants(axesInput);
    else if (startsType && startsType.hasStaticShape())
      axes = llvm::to_vector(llvm::seq<int64_t>(0, startsType.getNumElements()));
    if (!axes)
      return SmallVector<DimValue>(rank, DimValue::unknown());
    if (Value stepsInput = onnxInput(op, 4))
      steps = constants(stepsInput);
    else
      steps = SmallVector<int64_t>(axes->size(), 1);
    const bool bounds = starts && ends && steps && starts->size() == axes->size() &&
                        ends->size() == axes->size() && steps->size() == axes->size();
    SmallVector<DimValue> out = dims;
    for (auto [i, axis] : llvm::enumerate(*axes)) {
      int64_t a = axis < 0 ? axis + rank : axis;
      if (a < 0 || a >= rank)
        return std::nullopt;
      out[a] = bounds ? slicedDim(dims[a], (*starts)[i], (*ends)[i], (*steps)[i])
                      : DimValue::unknown();
    }
    return out;
  }
  if (name == "onnx.Unsqueeze" || name == "onnx.Squeeze") {
    if (op->getNumOperands() < 2 || !isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    auto axes = constants(op->getOperand(1));
    if (!axes)
      return std::nullopt;
    auto dims = dimsOf(in);
    if (name == "onnx.Unsqueeze") {
      int64_t rank = dims.size() + axes->size();
      SmallVector<bool> inserted(rank, false);
      for (int64_t a : *axes) {
        int64_t n = a < 0 ? a + rank : a;
        if (n < 0 || n >= rank)
          return std::nullopt;
        inserted[n] = true;
      }
      SmallVector<DimValue> out;
      size_t next = 0;
      for (int64_t i = 0; i < rank; ++i)
        out.push_back(inserted[i] ? DimValue::of(1) : dims[next++]);
      return out;
    }
    SmallVector<bool> removed(dims.size(), false);
    for (int64_t a : *axes) {
      int64_t n = a < 0 ? a + dims.size() : a;
      if (n < 0 || n >= int64_t(dims.size()))
        return std::nullopt;
      removed[n] = true;
    }
    SmallVector<DimValue> out;
    for (auto [i, d] : llvm::enumerate(dims))
      if (!removed[i])
        out.push_back(d);
    return out;
  }
  return std::nullopt;
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

void ShapeRefiner::refineTypes(Block &body) {
  // Each round can enable the next (a refined type feeds a Shape); the graph
  // is in topological order, so few rounds reach the fixed point.
  for (int round = 0; round < 4; ++round) {
    bool changed = false;
    known.clear();
    for (Operation &op : body) {
      if (op.getNumResults() == 0)
        continue;
      if (auto dims = inferShape(&op)) {
        Type elem;
        if (op.getNumOperands() > 0)
          if (auto shaped = dyn_cast<ShapedType>(op.getOperand(0).getType()))
            elem = shaped.getElementType();
        StringRef name = op.getName().getStringRef();
        if (name == "onnx.ConstantOfShape" || name == "onnx.Where" ||
            name.starts_with("onnx.Equal") || name.starts_with("onnx.Greater") ||
            name.starts_with("onnx.Less") || name == "onnx.Cast")
          elem = Type(); // the result element type is not the first operand's
        changed |= refineResult(op.getResult(0), *dims, elem);
      }
      evaluate(&op);
    }
    if (!changed)
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
    if (!foldConstants())
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
