//===- InferShapes.cpp - result shapes of onnx ops --------------*- C++ -*-===//
//
// The result shapes loom-onnx-refine-shapes derives from operand shapes and
// from the evaluated shape tensors (ShapeRefiner.h), by op family.
//
//===----------------------------------------------------------------------===//

#include "ShapeRefiner.h"

#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <algorithm>
#include <limits>

using namespace mlir;
using namespace loom::onnx::shapes;

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
    // One position at a constant distance from either end (x[:, :1],
    // x[:, -1:], x[..., k:k+1]): size 1 whenever the dimension holds that
    // position. Knowing the 1 matters: an elementwise op broadcasts a static
    // 1, while it takes dynamic sizes to agree. The Slice lowering checks the
    // size at run time (an empty or too short dimension is a shape error).
    if (step == 1 && start.isConst() && end.isConst() &&
        ((start.constant >= 0 && end.constant == start.constant + 1) ||
         (start.constant == -1 && toEnd) ||
         (start.constant < -1 && end.constant == start.constant + 1)))
      return DimValue::of(1);
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


/// The spatial output sizes of a convolution or pooling window over `dims`
/// (N, C, spatial...) with `kernel` (one size per spatial axis): computed
/// where the input size, the attributes and the padding mode make them
/// plain arithmetic, unknown otherwise (the lowering computes them at run
/// time). Known or not, the rank is the input's.
static Dims windowedSpatialDims(Operation *op, const Dims &dims, ArrayRef<int64_t> kernel,
                                bool transposed) {
  int64_t spatial = int64_t(dims.size()) - 2;
  Dims out;
  auto autoPad = op->getAttrOfType<StringAttr>("auto_pad");
  StringRef mode = autoPad ? autoPad.getValue() : "NOTSET";
  auto strides = loom::onnx_attributes::intArrayAttr(op, "strides"), dilations = loom::onnx_attributes::intArrayAttr(op, "dilations");
  auto pads = loom::onnx_attributes::intArrayAttr(op, "pads");
  auto outputPadding = loom::onnx_attributes::intArrayAttr(op, "output_padding");
  bool ceilMode = intAttr(op, "ceil_mode").value_or(0) != 0;
  for (int64_t i = 0; i < spatial; ++i) {
    const DimValue &in = dims[2 + i];
    int64_t k = i < int64_t(kernel.size()) ? kernel[i] : -1;
    int64_t s = strides && i < int64_t(strides->size()) ? (*strides)[i] : 1;
    int64_t d = dilations && i < int64_t(dilations->size()) ? (*dilations)[i] : 1;
    int64_t pb = pads && int64_t(pads->size()) == 2 * spatial ? (*pads)[i] : 0;
    int64_t pe = pads && int64_t(pads->size()) == 2 * spatial ? (*pads)[spatial + i] : 0;
    int64_t op_ = outputPadding && i < int64_t(outputPadding->size()) ? (*outputPadding)[i] : 0;
    if (!in.isConst() || k <= 0 || s <= 0 || d <= 0 || pb < 0 || pe < 0 || ceilMode ||
        (mode != "NOTSET" && mode != "VALID") || (transposed && mode != "NOTSET")) {
      out.push_back(DimValue::unknown());
      continue;
    }
    if (mode == "VALID")
      pb = pe = 0;
    int64_t extent = (k - 1) * d + 1;
    if (transposed) {
      int64_t size = s * (in.constant - 1) + op_ + extent - pb - pe;
      out.push_back(size >= 0 ? DimValue::of(size) : DimValue::unknown());
      continue;
    }
    int64_t span = in.constant + pb + pe - extent;
    out.push_back(span >= 0 ? DimValue::of(span / s + 1) : DimValue::unknown());
  }
  return out;
}

/// Einsum's result: one dimension per letter of the output subscripts, the
/// size of that letter in the inputs (an explicit "->"). An ellipsis stands
/// for the dimensions an operand has beyond its letters, aligned from the
/// right across operands (numpy); they get placeholder letters here.
static std::optional<Dims> einsumDims(Operation *op, ArrayRef<Dims> inputs) {
  auto equation = op->getAttrOfType<StringAttr>("equation");
  if (!equation)
    return std::nullopt;
  std::string text;
  for (char c : equation.getValue())
    if (c != ' ')
      text += c;
  size_t arrow = text.find("->");
  if (arrow == std::string::npos)
    return std::nullopt;
  SmallVector<StringRef> rawTerms;
  StringRef(text).take_front(arrow).split(rawTerms, ',');
  if (rawTerms.size() != inputs.size())
    return std::nullopt;
  // Placeholders are control characters 1..31, never subscripts.
  constexpr size_t kMaxEllipsis = 31;
  size_t ellipsisRank = 0;
  for (auto [term, dims] : llvm::zip(rawTerms, inputs)) {
    size_t named = term.size() - (term.contains("...") ? 3 : 0);
    if (term.contains("...")) {
      if (dims.size() < named)
        return std::nullopt;
      ellipsisRank = std::max(ellipsisRank, dims.size() - named);
    }
  }
  if (ellipsisRank > kMaxEllipsis)
    return std::nullopt;
  auto expand = [&](StringRef term, size_t count) {
    size_t at = term.find("...");
    if (at == StringRef::npos)
      return term.str();
    std::string out = term.take_front(at).str();
    for (size_t i = ellipsisRank - count; i < ellipsisRank; ++i)
      out.push_back(char(1 + i));
    return out + term.drop_front(at + 3).str();
  };
  SmallVector<std::string> terms;
  for (auto [term, dims] : llvm::zip(rawTerms, inputs))
    terms.push_back(expand(term, term.contains("...") ? dims.size() - (term.size() - 3) : 0));
  std::string output = expand(StringRef(text).drop_front(arrow + 2), ellipsisRank);
  llvm::DenseMap<char, DimValue> sizes;
  for (auto [term, dims] : llvm::zip(terms, inputs)) {
    if (term.size() != dims.size())
      return std::nullopt;
    for (auto [letter, dim] : llvm::zip(term, dims)) {
      auto [it, inserted] = sizes.try_emplace(letter, dim);
      // A letter of size 1 in one input broadcasts against the others.
      if (!inserted && (it->second.isConst(1) || !it->second.isConst()))
        it->second = dim.isConst(1) ? it->second : dim;
    }
  }
  Dims out;
  for (char letter : output) {
    auto it = sizes.find(letter);
    if (it == sizes.end())
      return std::nullopt;
    out.push_back(it->second);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Result shapes
//===----------------------------------------------------------------------===//

std::optional<Dims> ShapeRefiner::inferShape(Operation *op) {
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
      "onnx.CumSum",  "onnx.ScatterND",  "onnx.ScatterElements", "onnx.Scatter", "onnx.EyeLike", "onnx.Clip",
      "onnx.Floor",   "onnx.Ceil",       "onnx.Round", "onnx.Sign",    "onnx.Elu",
      "onnx.HardSigmoid", "onnx.HardSwish", "onnx.LeakyRelu", "onnx.Selu",
      "onnx.Softsign", "onnx.Tan",       "onnx.Atan",  "onnx.Mish", "onnx.Hardmax",
      "onnx.BatchNormalization", "onnx.InstanceNormalization", "onnx.LRN",
      "onnx.MeanVarianceNormalization", "onnx.ReverseSequence",
      // ONNX Runtime contrib ops whose first result has the first input's shape.
      "onnx.SimplifiedLayerNormalization",
      "onnx.com.microsoft.SkipSimplifiedLayerNormalization",
      "onnx.com.microsoft.RotaryEmbedding",
      "onnx.com.microsoft.GroupQueryAttention",
      "onnx.com.microsoft.MultiHeadAttention",
      // loom's own ops that the graph pipeline introduces (select-softmax,
      // the fusions).
      "loom.softmax", "loom.rms_norm", "loom.layer_norm", "loom.gelu", "loom.silu",
      "loom.rotary", "loom.all_reduce"};
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
  if (name == "loom.quantized_matmul") {
    // The input's shape with the last dimension the packed weights' rows
    // (loom-quantize runs in the graph stage; the generate stage refines
    // its specialized steps again).
    auto weights = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
    auto dims = dimsOf(in);
    if (dims.empty() || !weights || weights.getRank() != 2 || weights.isDynamicDim(0))
      return std::nullopt;
    dims.back() = DimValue::of(weights.getDimSize(0));
    return dims;
  }
  if (name == "loom.all_gather") {
    // Every rank's columns side by side (loom-partition's LM head).
    auto ranks = op->getAttrOfType<IntegerAttr>("ranks");
    auto dims = dimsOf(in);
    auto inType = dyn_cast<RankedTensorType>(in.getType());
    if (dims.empty() || !ranks || !inType || inType.isDynamicDim(inType.getRank() - 1))
      return std::nullopt;
    dims.back() = DimValue::of(inType.getShape().back() * ranks.getInt());
    return dims;
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
  if (name == "onnx.NonZero") {
    // One row per input dimension, one column per nonzero element.
    if (!isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    return SmallVector<DimValue>{DimValue::of(int64_t(dimsOf(in).size())), DimValue::unknown()};
  }
  if (name == "onnx.GatherND") {
    // indices[:-1] + data[batch_dims + k:], k = indices' last size.
    auto indicesType = dyn_cast<RankedTensorType>(op->getOperand(1).getType());
    if (!isa<RankedTensorType>(in.getType()) || !indicesType || indicesType.getRank() < 1 ||
        indicesType.isDynamicDim(indicesType.getRank() - 1))
      return std::nullopt;
    auto data = dimsOf(in);
    auto indices = dimsOf(op->getOperand(1));
    int64_t k = indicesType.getDimSize(indicesType.getRank() - 1);
    int64_t batchDims = intAttr(op, "batch_dims").value_or(0);
    if (batchDims < 0 || batchDims + k > int64_t(data.size()))
      return std::nullopt;
    SmallVector<DimValue> out(indices.begin(), indices.end() - 1);
    out.append(data.begin() + batchDims + k, data.end());
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
    // numpy's matmul: a 1-D operand is a row (A) or a column (B) whose
    // dimension is dropped from the result.
    auto a = dimsOf(op->getOperand(0)), b = dimsOf(op->getOperand(1));
    if (a.empty() || b.empty())
      return std::nullopt;
    const bool rowVector = a.size() == 1, columnVector = b.size() == 1;
    if (rowVector)
      a.insert(a.begin(), DimValue::of(1));
    if (columnVector)
      b.push_back(DimValue::of(1));
    size_t batch = std::max(a.size(), b.size()) - 2;
    Dims out;
    for (size_t i = 0; i < batch; ++i) {
      auto pick = [&](const Dims &s) {
        size_t offset = batch - (s.size() - 2);
        return i < offset ? DimValue::of(1) : s[i - offset];
      };
      out.push_back(broadcastDim({pick(a), pick(b)}));
    }
    if (!rowVector)
      out.push_back(a[a.size() - 2]);
    if (!columnVector)
      out.push_back(b.back());
    return out;
  }
  if (name == "onnx.Gemm") {
    // [M, K] x [K, N] (either transposed) -> [M, N]; C only broadcasts.
    auto a = dimsOf(op->getOperand(0)), b = dimsOf(op->getOperand(1));
    if (a.size() != 2 || b.size() != 2)
      return std::nullopt;
    bool transA = intAttr(op, "transA").value_or(0) != 0;
    bool transB = intAttr(op, "transB").value_or(0) != 0;
    return Dims{a[transA ? 1 : 0], b[transB ? 0 : 1]};
  }
  if (name == "onnx.Reshape") {
    std::optional<Elements> target = elementsOf(op->getOperand(1));
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
    std::optional<Elements> target = elementsOf(op->getOperand(1));
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
    std::optional<Elements> target = elementsOf(in);
    if (!target)
      return std::nullopt;
    return Dims(target->begin(), target->end());
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
  if (name == "onnx.Squeeze" && !onnxInput(op, 1)) {
    // Without axes every dimension of size 1 goes: the rank is known only
    // when every size is.
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type || !type.hasStaticShape())
      return std::nullopt;
    Dims out;
    for (int64_t size : type.getShape())
      if (size != 1)
        out.push_back(DimValue::of(size));
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
  if (name == "onnx.Shape") {
    // A 1-D tensor of the input's rank, or of the [start, end) part of it.
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type)
      return std::nullopt;
    int64_t rank = type.getRank();
    int64_t start = intAttr(op, "start").value_or(0);
    int64_t end = intAttr(op, "end").value_or(rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
    return Dims{DimValue::of(std::max<int64_t>(end - start, 0))};
  }
  if (name == "onnx.Tile") {
    // Each dimension times its repeat count; the rank is the input's even
    // when the counts are known only at run time.
    if (!isa<RankedTensorType>(in.getType()) || op->getNumOperands() < 2)
      return std::nullopt;
    auto dims = dimsOf(in);
    std::optional<Elements> repeats = elementsOf(op->getOperand(1));
    Dims out;
    for (auto [i, d] : llvm::enumerate(dims)) {
      DimValue r = repeats && repeats->size() == dims.size() ? (*repeats)[i]
                                                             : DimValue::unknown();
      if (r.isConst(1))
        out.push_back(d);
      else if (r.isConst() && d.isConst())
        out.push_back(DimValue::of(d.constant * r.constant));
      else
        out.push_back(DimValue::unknown());
    }
    return out;
  }
  if (name == "onnx.Range") {
    // 1-D: ceil((limit - start) / delta) elements; arange(n) has n.
    if (op->getNumOperands() != 3)
      return std::nullopt;
    std::optional<Elements> start = elementsOf(op->getOperand(0)),
                            limit = elementsOf(op->getOperand(1)),
                            delta = elementsOf(op->getOperand(2));
    if (!start || !limit || !delta || start->size() != 1 || limit->size() != 1 ||
        delta->size() != 1)
      return Dims{DimValue::unknown()};
    DimValue s0 = (*start)[0], l0 = (*limit)[0], d0 = (*delta)[0];
    if (s0.isConst() && l0.isConst() && d0.isConst() && d0.constant != 0) {
      int64_t span = l0.constant - s0.constant;
      int64_t step = d0.constant;
      int64_t count = span / step + (span % step != 0 && (span > 0) == (step > 0));
      return Dims{DimValue::of(std::max<int64_t>(count, 0))};
    }
    if (s0.isConst(0) && d0.isConst(1) && l0.kind == DimValue::Symbol)
      return Dims{l0};
    return Dims{DimValue::unknown()};
  }
  if (name == "onnx.GatherElements") {
    if (op->getNumOperands() < 2 || !isa<RankedTensorType>(op->getOperand(1).getType()))
      return std::nullopt;
    return dimsOf(op->getOperand(1));
  }
  if (name == "onnx.GridSample") {
    // [N, C] of the image, [H_out, W_out] of the grid.
    if (op->getNumOperands() < 2 || !isa<RankedTensorType>(in.getType()) ||
        !isa<RankedTensorType>(op->getOperand(1).getType()))
      return std::nullopt;
    Dims image = dimsOf(in), grid = dimsOf(op->getOperand(1));
    if (image.size() != 4 || grid.size() != 4)
      return std::nullopt;
    return Dims{image[0], image[1], grid[1], grid[2]};
  }
  if (name == "onnx.Pad") {
    // Each dimension grows by its two pads; a dimension with constant zero
    // pads keeps its size (a run-time one included).
    if (!isa<RankedTensorType>(in.getType()) || op->getNumOperands() < 2)
      return std::nullopt;
    auto dims = dimsOf(in);
    std::optional<Elements> pads = elementsOf(op->getOperand(1));
    int64_t rank = dims.size();
    if (!pads || int64_t(pads->size()) != 2 * rank)
      return SmallVector<DimValue>(rank, DimValue::unknown());
    Dims out;
    for (int64_t d = 0; d < rank; ++d) {
      const DimValue &begin = (*pads)[d], &end = (*pads)[rank + d];
      if (begin.isConst(0) && end.isConst(0))
        out.push_back(dims[d]);
      else if (dims[d].isConst() && begin.isConst() && end.isConst())
        out.push_back(DimValue::of(dims[d].constant + begin.constant + end.constant));
      else
        out.push_back(DimValue::unknown());
    }
    return out;
  }
  if (name == "onnx.Resize") {
    // The sizes input, or floor(in * scale) for constant scales (a scale of
    // 1 keeps a run-time size).
    if (!isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    auto dims = dimsOf(in);
    int64_t rank = dims.size();
    auto nonEmpty = [](Value v) {
      auto type = v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
      return type && !(type.getRank() == 1 && type.getDimSize(0) == 0) ? v : Value();
    };
    if (Value sizes = nonEmpty(onnxInput(op, 3))) {
      std::optional<Elements> values = elementsOf(sizes);
      if (values && int64_t(values->size()) == rank)
        return Dims(values->begin(), values->end());
      return SmallVector<DimValue>(rank, DimValue::unknown());
    }
    Dims out(rank, DimValue::unknown());
    Value scales = nonEmpty(onnxInput(op, 2));
    Operation *def = scales ? scales.getDefiningOp() : nullptr;
    auto dense = def ? def->getAttrOfType<DenseFPElementsAttr>("value") : nullptr;
    if (!dense || dense.getNumElements() != rank)
      return out;
    for (auto [d, scale] : llvm::enumerate(dense.getValues<APFloat>())) {
      double s = scale.convertToDouble();
      if (s == 1.0)
        out[d] = dims[d];
      else if (dims[d].isConst() && s > 0)
        out[d] = DimValue::of(int64_t(s * double(dims[d].constant)));
    }
    return out;
  }
  if (name == "onnx.DepthToSpace" || name == "onnx.SpaceToDepth") {
    auto dims = dimsOf(in);
    int64_t block = intAttr(op, "blocksize").value_or(0);
    if (!isa<RankedTensorType>(in.getType()) || dims.size() != 4 || block < 1)
      return std::nullopt;
    bool toSpace = name == "onnx.DepthToSpace";
    auto scaled = [&](const DimValue &d, int64_t up, int64_t down) {
      if (!d.isConst() || d.constant * up % down != 0)
        return DimValue::unknown();
      return DimValue::of(d.constant * up / down);
    };
    int64_t area = block * block;
    return Dims{dims[0], toSpace ? scaled(dims[1], 1, area) : scaled(dims[1], area, 1),
                toSpace ? scaled(dims[2], block, 1) : scaled(dims[2], 1, block),
                toSpace ? scaled(dims[3], block, 1) : scaled(dims[3], 1, block)};
  }
  if (name == "onnx.Conv" || name == "onnx.ConvTranspose" || name == "onnx.ConvInteger" ||
      name == "onnx.MaxPool" || name == "onnx.AveragePool" || name == "onnx.LpPool") {
    // [N, C or M, spatial...]: the batch from the input, the channels from
    // the weight (Conv: W [M, C/g, k...]; ConvTranspose: W [C, M/g, k...])
    // or the input (pooling).
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type || type.getRank() < 3)
      return std::nullopt;
    Dims dims = dimsOf(in);
    bool pooling = !name.contains("Conv");
    bool transposed = name == "onnx.ConvTranspose";
    SmallVector<int64_t> kernel;
    DimValue channels = dims[1];
    if (pooling) {
      if (auto k = loom::onnx_attributes::intArrayAttr(op, "kernel_shape"))
        kernel = *k;
    } else {
      auto w = op->getNumOperands() > 1 ? dyn_cast<RankedTensorType>(op->getOperand(1).getType())
                                        : RankedTensorType();
      if (!w || w.getRank() != type.getRank())
        return std::nullopt;
      if (auto k = loom::onnx_attributes::intArrayAttr(op, "kernel_shape"))
        kernel = *k;
      else
        for (int64_t i = 2; i < w.getRank(); ++i)
          kernel.push_back(w.isDynamicDim(i) ? -1 : w.getDimSize(i));
      int64_t group = intAttr(op, "group").value_or(1);
      if (!transposed)
        channels = w.isDynamicDim(0) ? DimValue::unknown() : DimValue::of(w.getDimSize(0));
      else
        channels = w.isDynamicDim(1) ? DimValue::unknown()
                                     : DimValue::of(w.getDimSize(1) * group);
    }
    Dims out = {dims[0], channels};
    Dims spatial = windowedSpatialDims(op, dims, kernel, transposed);
    if (transposed && loom::onnx_attributes::intArrayAttr(op, "output_shape"))
      spatial = Dims(spatial.size(), DimValue::unknown());
    out.append(spatial.begin(), spatial.end());
    return out;
  }
  if (name == "onnx.GlobalAveragePool" || name == "onnx.GlobalMaxPool" ||
      name == "onnx.GlobalLpPool") {
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type || type.getRank() < 2)
      return std::nullopt;
    Dims dims = dimsOf(in);
    for (size_t i = 2; i < dims.size(); ++i)
      dims[i] = DimValue::of(1);
    return dims;
  }
  if (name == "onnx.ArgMax" || name == "onnx.ArgMin") {
    auto type = dyn_cast<RankedTensorType>(in.getType());
    if (!type)
      return std::nullopt;
    Dims dims = dimsOf(in);
    int64_t rank = dims.size(), axis = intAttr(op, "axis").value_or(0);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis >= rank)
      return std::nullopt;
    if (intAttr(op, "keepdims").value_or(1) != 0)
      dims[axis] = DimValue::of(1);
    else
      dims.erase(dims.begin() + axis);
    return dims;
  }
  if (name == "onnx.Einsum") {
    SmallVector<Dims> inputs;
    for (Value v : op->getOperands()) {
      if (!isa<RankedTensorType>(v.getType()))
        return std::nullopt;
      inputs.push_back(dimsOf(v));
    }
    return einsumDims(op, inputs);
  }
  if (name == "onnx.Flatten") {
    // [d0 * .. * d(axis-1), d(axis) * .. * d(n-1)].
    auto dims = dimsOf(in);
    if (!isa<RankedTensorType>(in.getType()))
      return std::nullopt;
    int64_t rank = dims.size();
    int64_t axis = intAttr(op, "axis").value_or(1);
    if (axis < 0)
      axis += rank;
    if (axis < 0 || axis > rank)
      return std::nullopt;
    auto product = [&](int64_t from, int64_t to) {
      if (to - from == 1)
        return dims[from];
      int64_t p = 1;
      for (int64_t i = from; i < to; ++i) {
        if (!dims[i].isConst())
          return DimValue::unknown();
        p *= dims[i].constant;
      }
      return DimValue::of(p);
    };
    return Dims{product(0, axis), product(axis, rank)};
  }
  return std::nullopt;
}

/// Split's parts along `axis`: the sizes of its split input, or equal parts.
static SmallVector<std::optional<Dims>> splitShapes(Operation *op, const Dims &dims,
                                                    std::optional<Elements> sizes) {
  SmallVector<std::optional<Dims>> shapes(op->getNumResults());
  int64_t rank = dims.size();
  int64_t axis = intAttr(op, "axis").value_or(0);
  if (axis < 0)
    axis += rank;
  if (axis < 0 || axis >= rank)
    return shapes;
  const unsigned parts = op->getNumResults();
  for (unsigned i = 0; i < parts; ++i) {
    Dims part = dims;
    if (sizes)
      part[axis] = sizes->size() == parts ? (*sizes)[i] : DimValue::unknown();
    else if (dims[axis].isConst() && dims[axis].constant % parts == 0)
      part[axis] = DimValue::of(dims[axis].constant / parts);
    else
      part[axis] = DimValue::unknown();
    shapes[i] = part;
  }
  return shapes;
}

/// LSTM/GRU/RNN: X [seq, batch, input] gives Y [seq, directions, batch,
/// hidden] and Y_h (and LSTM's Y_c) [directions, batch, hidden]; layout 1
/// puts the batch first (X [batch, seq, input], Y [batch, seq, directions,
/// hidden], Y_h [batch, directions, hidden]). The hidden size is the
/// attribute, else R's last dimension.
static SmallVector<std::optional<Dims>> recurrentShapes(Operation *op, const Dims &x,
                                                        const Dims &r) {
  SmallVector<std::optional<Dims>> shapes(op->getNumResults());
  int64_t layout = intAttr(op, "layout").value_or(0);
  DimValue size = DimValue::unknown();
  if (auto hidden = intAttr(op, "hidden_size"))
    size = DimValue::of(*hidden);
  else if (r.size() == 3)
    size = r[2];
  if (x.size() != 3 || (layout != 0 && layout != 1))
    return shapes;
  auto direction = op->getAttrOfType<StringAttr>("direction");
  DimValue directions =
      DimValue::of(direction && direction.getValue() == "bidirectional" ? 2 : 1);
  DimValue steps = layout ? x[1] : x[0], batch = layout ? x[0] : x[1];
  // Every output is optional: resultSegmentSizes says which are present.
  SmallVector<int32_t> present(shapes.size(), 1);
  if (auto segments = op->getAttrOfType<DenseI32ArrayAttr>("resultSegmentSizes"))
    present.assign(segments.asArrayRef().begin(), segments.asArrayRef().end());
  unsigned result = 0;
  for (auto [output, count] : llvm::enumerate(present)) {
    if (count != 0 && count != 1)
      return SmallVector<std::optional<Dims>>(op->getNumResults());
    if (count == 0)
      continue;
    if (result >= shapes.size())
      break;
    if (layout)
      shapes[result++] = output == 0 ? Dims{batch, steps, directions, size}
                                     : Dims{batch, directions, size};
    else
      shapes[result++] = output == 0 ? Dims{steps, directions, batch, size}
                                     : Dims{directions, batch, size};
  }
  return shapes;
}

SmallVector<std::optional<Dims>> ShapeRefiner::inferShapes(Operation *op) {
  StringRef name = op->getName().getStringRef();
  // The ops with several results (each optional for the recurrent ones).
  if (op->getNumOperands() > 0 && isa<RankedTensorType>(op->getOperand(0).getType())) {
    if (name == "onnx.Split") {
      std::optional<Elements> sizes;
      if (Value split = onnxInput(op, 1)) {
        sizes = elementsOf(split);
        if (!sizes)
          sizes = Elements(); // run-time sizes: the count says nothing
      }
      return splitShapes(op, dimsOf(op->getOperand(0)), sizes);
    }
    if (name == "onnx.TopK" && op->getNumOperands() == 2 && op->getNumResults() == 2) {
      // Values and indices: the input's shape with k along the axis (k may
      // be a size of the input itself: argsort's Shape(x)[axis]).
      Dims dims = dimsOf(op->getOperand(0));
      int64_t rank = dims.size(), axis = intAttr(op, "axis").value_or(-1);
      if (axis < 0)
        axis += rank;
      if (axis < 0 || axis >= rank)
        return {std::nullopt, std::nullopt};
      std::optional<Elements> k = elementsOf(op->getOperand(1));
      dims[axis] = k && k->size() == 1 ? (*k)[0] : DimValue::unknown();
      return {dims, dims};
    }
    if (name == "onnx.LSTM" || name == "onnx.GRU" || name == "onnx.RNN")
      return recurrentShapes(op, dimsOf(op->getOperand(0)),
                             op->getNumOperands() > 2 &&
                                     isa<RankedTensorType>(op->getOperand(2).getType())
                                 ? dimsOf(op->getOperand(2))
                                 : Dims());
  }
  return {inferShape(op)};
}
