//===- Recurrent.cpp - LSTM, GRU and RNN ------------------------------------===//
//
// The recurrent ops as one scf.for over time steps per direction. The input
// projection of every step is one matrix product before the loop
// (X [steps * batch, input] x W^T, biases in its accumulator; constant
// weights are transposed at compile time); each step then multiplies the
// hidden state by R^T (linalg.matmul, loomrt's GEMM on CPU) and applies the
// gates in one elementwise generic per batch row, updating the state in
// place. The loop carries the hidden (and LSTM's cell) state and the output
// sequence Y, which each step fills with tensor.insert_slice. sequence_lens
// masks the steps past a batch row's length: its state stays as it was (so
// the reverse direction starts at the row's last valid step), its Y rows are
// zero, as ONNX Runtime does.
//
//===----------------------------------------------------------------------===//

#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/StringSwitch.h"

#include <cstring>

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::intAttr;

namespace {

enum class Cell { lstm, gru, rnn };

enum class ActivationKind {
  relu,
  tanh,
  sigmoid,
  affine,
  leakyRelu,
  thresholdedRelu,
  scaledTanh,
  hardSigmoid,
  elu,
  softsign,
  softplus
};

struct Activation {
  ActivationKind kind;
  double alpha = 0, beta = 0;
};

/// What the lowering needs to know of one LSTM/GRU/RNN op, read and checked
/// once (by the check function, then again by the lowering).
struct RecurrentForm {
  Cell cell;
  int64_t gates;      // 4 (LSTM: i, o, f, c), 3 (GRU: z, r, h), 1 (RNN)
  int64_t directions; // 1 or 2
  bool reverse;       // the only direction is reverse
  int64_t hidden;
  bool batchFirst; // layout 1
  std::optional<double> clip;
  bool inputForget;
  bool linearBeforeReset;
  /// Per direction: LSTM f, g, h; GRU f, g; RNN f.
  SmallVector<SmallVector<Activation>> activations;
};

Cell cellOf(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name == "onnx.LSTM")
    return Cell::lstm;
  if (name == "onnx.GRU")
    return Cell::gru;
  return Cell::rnn;
}

/// Operand `i` of the op's schema (X, W, R, B, sequence_lens, initial_h,
/// initial_c, P), or null when absent.
Value recurrentInput(Operation *op, unsigned i) {
  auto segments = op->getAttrOfType<DenseI32ArrayAttr>("operandSegmentSizes");
  if (!segments)
    return i < op->getNumOperands() ? op->getOperand(i) : Value();
  ArrayRef<int32_t> sizes = segments.asArrayRef();
  if (i >= sizes.size() || sizes[i] != 1)
    return Value();
  unsigned position = 0;
  for (unsigned k = 0; k < i; ++k)
    position += sizes[k];
  return position < op->getNumOperands() ? op->getOperand(position) : Value();
}

/// Output `i` of the op's schema (Y, Y_h, Y_c), or null when absent.
Value recurrentOutput(Operation *op, unsigned i) {
  auto segments = op->getAttrOfType<DenseI32ArrayAttr>("resultSegmentSizes");
  if (!segments)
    return i < op->getNumResults() ? op->getResult(i) : Value();
  ArrayRef<int32_t> sizes = segments.asArrayRef();
  if (i >= sizes.size() || sizes[i] != 1)
    return Value();
  unsigned position = 0;
  for (unsigned k = 0; k < i; ++k)
    position += sizes[k];
  return position < op->getNumResults() ? op->getResult(position) : Value();
}

enum { kX, kW, kR, kB, kSequenceLens, kInitialH, kInitialC, kP };
enum { kY, kYH, kYC };

/// Whether `type` can hold a tensor of `shape` (dynamic sizes on either side
/// agree with anything).
bool shapeFits(RankedTensorType type, ArrayRef<int64_t> shape) {
  if (type.getRank() != int64_t(shape.size()))
    return false;
  for (auto [have, want] : llvm::zip(type.getShape(), shape))
    if (!ShapedType::isDynamic(have) && !ShapedType::isDynamic(want) && have != want)
      return false;
  return true;
}

/// Reads the op's form into `form`; returns why it cannot be lowered, or "".
std::string readForm(Operation *op, RecurrentForm &form) {
  form.cell = cellOf(op);
  form.gates = form.cell == Cell::lstm ? 4 : form.cell == Cell::gru ? 3 : 1;
  StringRef opType = op->getName().getStringRef().split('.').second;

  StringRef direction = "forward";
  if (auto attr = op->getAttrOfType<StringAttr>("direction"))
    direction = attr.getValue();
  if (direction != "forward" && direction != "reverse" && direction != "bidirectional")
    return "direction '" + direction.str() + "' is not forward, reverse or bidirectional";
  form.directions = direction == "bidirectional" ? 2 : 1;
  form.reverse = direction == "reverse";

  int64_t layout = intAttr(op, "layout").value_or(0);
  if (layout != 0 && layout != 1)
    return "layout " + std::to_string(layout) + " is not 0 or 1";
  form.batchFirst = layout == 1;

  form.inputForget = intAttr(op, "input_forget").value_or(0) != 0;
  form.linearBeforeReset = intAttr(op, "linear_before_reset").value_or(0) != 0;
  if (auto clip = op->getAttrOfType<FloatAttr>("clip")) {
    double value = clip.getValueAsDouble();
    if (!(value > 0))
      return "clip must be positive";
    form.clip = value;
  }

  // Types: X [seq, batch, input] (layout 1: [batch, seq, input]), W [dirs,
  // gates * hidden, input], R [dirs, gates * hidden, hidden].
  auto xType = cast<RankedTensorType>(op->getOperand(0).getType());
  Type elem = xType.getElementType();
  if (!isFloat(elem))
    return opType.str() + " of " + (elem.isInteger() ? "integers" : "this type") +
           " is not supported";
  if (xType.getRank() != 3)
    return "X must have rank 3";
  auto wType = cast<RankedTensorType>(recurrentInput(op, kW).getType());
  auto rType = cast<RankedTensorType>(recurrentInput(op, kR).getType());
  if (wType.getRank() != 3 || rType.getRank() != 3)
    return "W and R must have rank 3";
  if (wType.getElementType() != elem || rType.getElementType() != elem)
    return "W and R must have X's element type";
  if (!rType.hasStaticShape() || wType.isDynamicDim(0) || wType.isDynamicDim(1))
    return "the weights' shapes must be static (except W's input size)";
  int64_t hidden = rType.getDimSize(2);
  if (auto attr = intAttr(op, "hidden_size")) {
    if (*attr != hidden)
      return "hidden_size " + std::to_string(*attr) + " does not match R's shape " +
             shapeText(rType.getShape());
  }
  if (hidden <= 0)
    return "the hidden size must be positive";
  form.hidden = hidden;
  int64_t gh = form.gates * hidden, dirs = form.directions;
  int64_t inputSize = xType.getDimSize(2);
  if (!shapeFits(wType, {dirs, gh, inputSize}))
    return "W's shape " + shapeText(wType.getShape()) + " is not " +
           shapeText({dirs, gh, inputSize});
  if (!shapeFits(rType, {dirs, gh, hidden}))
    return "R's shape " + shapeText(rType.getShape()) + " is not " +
           shapeText({dirs, gh, hidden});
  int64_t batch = xType.getDimSize(form.batchFirst ? 0 : 1);
  int64_t steps = xType.getDimSize(form.batchFirst ? 1 : 0);
  auto checkOperand = [&](unsigned index, StringRef name, SmallVector<int64_t> shape,
                          int64_t batchAxis) -> std::string {
    Value v = recurrentInput(op, index);
    if (!v)
      return "";
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getElementType() != elem)
      return name.str() + " must have X's element type";
    // The direction and hidden sizes are sliced at constant offsets: they
    // must be known.
    for (int64_t i = 0; i < type.getRank(); ++i)
      if (type.isDynamicDim(i) && i != batchAxis)
        return name.str() + "'s shape " + shapeText(type.getShape()) +
               " must be static but for the batch size";
    if (!shapeFits(type, shape))
      return name.str() + "'s shape " + shapeText(type.getShape()) + " is not " +
             shapeText(shape);
    return "";
  };
  SmallVector<int64_t> stateShape =
      form.batchFirst ? SmallVector<int64_t>{batch, dirs, hidden}
                      : SmallVector<int64_t>{dirs, batch, hidden};
  int64_t stateBatchAxis = form.batchFirst ? 0 : 1;
  for (auto [index, name, shape, batchAxis] :
       {std::tuple<unsigned, StringRef, SmallVector<int64_t>, int64_t>{
            kB, "B", {dirs, 2 * gh}, -1},
        {kInitialH, "initial_h", stateShape, stateBatchAxis},
        {kInitialC, "initial_c", stateShape, stateBatchAxis},
        {kP, "P", {dirs, 3 * hidden}, -1}}) {
    if ((index == kInitialC || index == kP) && form.cell != Cell::lstm)
      continue;
    std::string reason = checkOperand(index, name, shape, batchAxis);
    if (!reason.empty())
      return reason;
  }
  if (Value lens = recurrentInput(op, kSequenceLens)) {
    auto type = cast<RankedTensorType>(lens.getType());
    if (!type.getElementType().isInteger() || !shapeFits(type, {batch}))
      return "sequence_lens must be an integer vector of one length per batch row";
  }
  SmallVector<int64_t> yShape = form.batchFirst
                                    ? SmallVector<int64_t>{batch, steps, dirs, hidden}
                                    : SmallVector<int64_t>{steps, dirs, batch, hidden};
  for (auto [index, name] : {std::pair<unsigned, StringRef>{kY, "Y"}, {kYH, "Y_h"}, {kYC, "Y_c"}}) {
    Value v = recurrentOutput(op, index);
    if (!v)
      continue;
    auto type = cast<RankedTensorType>(v.getType());
    ArrayRef<int64_t> want = index == kY ? ArrayRef<int64_t>(yShape) : stateShape;
    if (type.getElementType() != elem || !shapeFits(type, want))
      return name.str() + "'s type " + shapeText(type.getShape()) + " does not match " +
             shapeText(want);
  }

  // Activations: names and the alpha/beta values they take, consumed in
  // order by the functions that take them (defaults: those of the ONNX ops).
  int64_t perDirection = form.cell == Cell::lstm ? 3 : form.cell == Cell::gru ? 2 : 1;
  SmallVector<std::string> names;
  if (auto attr = op->getAttrOfType<ArrayAttr>("activations")) {
    for (Attribute a : attr)
      if (auto s = dyn_cast<StringAttr>(a))
        names.push_back(s.getValue().str());
  } else {
    SmallVector<std::string> defaults =
        form.cell == Cell::lstm  ? SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"}
        : form.cell == Cell::gru ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                                 : SmallVector<std::string>{"Tanh"};
    for (int64_t d = 0; d < dirs; ++d)
      names.append(defaults);
  }
  if (int64_t(names.size()) != perDirection * dirs)
    return "activations must list " + std::to_string(perDirection * dirs) +
           " functions, not " + std::to_string(names.size());
  SmallVector<double> alphas, betas;
  if (auto attr = op->getAttrOfType<ArrayAttr>("activation_alpha"))
    for (Attribute a : attr)
      alphas.push_back(cast<FloatAttr>(a).getValueAsDouble());
  if (auto attr = op->getAttrOfType<ArrayAttr>("activation_beta"))
    for (Attribute a : attr)
      betas.push_back(cast<FloatAttr>(a).getValueAsDouble());
  size_t nextAlpha = 0, nextBeta = 0;
  form.activations.assign(dirs, {});
  for (auto [i, name] : llvm::enumerate(names)) {
    std::string lower = StringRef(name).lower();
    std::optional<ActivationKind> kind =
        llvm::StringSwitch<std::optional<ActivationKind>>(lower)
            .Case("relu", ActivationKind::relu)
            .Case("tanh", ActivationKind::tanh)
            .Case("sigmoid", ActivationKind::sigmoid)
            .Case("affine", ActivationKind::affine)
            .Case("leakyrelu", ActivationKind::leakyRelu)
            .Case("thresholdedrelu", ActivationKind::thresholdedRelu)
            .Case("scaledtanh", ActivationKind::scaledTanh)
            .Case("hardsigmoid", ActivationKind::hardSigmoid)
            .Case("elu", ActivationKind::elu)
            .Case("softsign", ActivationKind::softsign)
            .Case("softplus", ActivationKind::softplus)
            .Default(std::nullopt);
    if (!kind)
      return "activation function '" + name + "' is not supported";
    Activation act{*kind};
    std::optional<double> alphaDefault, betaDefault;
    switch (*kind) {
    case ActivationKind::affine:
      alphaDefault = 1.0, betaDefault = 0.0;
      break;
    case ActivationKind::leakyRelu:
      alphaDefault = 0.01;
      break;
    case ActivationKind::thresholdedRelu:
    case ActivationKind::elu:
      alphaDefault = 1.0;
      break;
    case ActivationKind::scaledTanh:
      alphaDefault = 1.0, betaDefault = 1.0;
      break;
    case ActivationKind::hardSigmoid:
      alphaDefault = 0.2, betaDefault = 0.5;
      break;
    default:
      break;
    }
    if (alphaDefault)
      act.alpha = nextAlpha < alphas.size() ? alphas[nextAlpha++] : *alphaDefault;
    if (betaDefault)
      act.beta = nextBeta < betas.size() ? betas[nextBeta++] : *betaDefault;
    form.activations[i / perDirection].push_back(act);
  }
  return "";
}

Value constantFloat(OpBuilder &b, Location loc, Type t, double v) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
}

Value applyActivation(OpBuilder &b, Location loc, const Activation &act, Value x) {
  Type t = x.getType();
  auto c = [&](double v) { return constantFloat(b, loc, t, v); };
  auto sigmoid = [&](Value v) -> Value {
    Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, v));
    return arith::DivFOp::create(b, loc, c(1.0), arith::AddFOp::create(b, loc, c(1.0), e));
  };
  switch (act.kind) {
  case ActivationKind::relu:
    return arith::MaximumFOp::create(b, loc, x, c(0.0));
  case ActivationKind::tanh:
    return math::TanhOp::create(b, loc, x);
  case ActivationKind::sigmoid:
    return sigmoid(x);
  case ActivationKind::affine:
    return arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, c(act.alpha), x),
                                 c(act.beta));
  case ActivationKind::leakyRelu: {
    Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
    return arith::SelectOp::create(b, loc, negative,
                                   arith::MulFOp::create(b, loc, c(act.alpha), x), x);
  }
  case ActivationKind::thresholdedRelu: {
    Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(act.alpha));
    return arith::SelectOp::create(b, loc, above, x, c(0.0));
  }
  case ActivationKind::scaledTanh:
    return arith::MulFOp::create(
        b, loc, c(act.alpha),
        math::TanhOp::create(b, loc, arith::MulFOp::create(b, loc, c(act.beta), x)));
  case ActivationKind::hardSigmoid: {
    Value y = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, c(act.alpha), x),
                                    c(act.beta));
    return arith::MaximumFOp::create(b, loc, c(0.0),
                                     arith::MinimumFOp::create(b, loc, c(1.0), y));
  }
  case ActivationKind::elu: {
    Value negative = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(0.0));
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), c(1.0));
    return arith::SelectOp::create(b, loc, negative,
                                   arith::MulFOp::create(b, loc, c(act.alpha), em1), x);
  }
  case ActivationKind::softsign:
    return arith::DivFOp::create(
        b, loc, x, arith::AddFOp::create(b, loc, c(1.0), math::AbsFOp::create(b, loc, x)));
  case ActivationKind::softplus:
    return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
  }
  llvm_unreachable("activation kinds are checked");
}

/// Builds the lowering of one op; see the file comment.
class RecurrentBuilder {
public:
  RecurrentBuilder(Operation *op, const RecurrentForm &form, PatternRewriter &b)
      : op(op), form(form), b(b), loc(op->getLoc()), ctx(b.getContext()) {
    x = recurrentInput(op, kX);
    auto xType = cast<RankedTensorType>(x.getType());
    elem = xType.getElementType();
    int64_t batchAxis = form.batchFirst ? 0 : 1, stepAxis = form.batchFirst ? 1 : 0;
    batch = dimOf(x, batchAxis);
    steps = dimOf(x, stepAxis);
    batchValue = tensor::DimOp::create(b, loc, x, batchAxis);
    stepsValue = tensor::DimOp::create(b, loc, x, stepAxis);
    inputSize = dimOf(x, 2);
  }

  /// Replaces the uses of every output; returns the replacement of result 0.
  Value build();

private:
  OpFoldResult dimOf(Value v, int64_t i) {
    auto type = cast<RankedTensorType>(v.getType());
    if (!type.isDynamicDim(i))
      return b.getIndexAttr(type.getDimSize(i));
    return tensor::DimOp::create(b, loc, v, i).getResult();
  }
  OpFoldResult index(int64_t v) { return b.getIndexAttr(v); }
  RankedTensorType typeOf(ArrayRef<OpFoldResult> sizes) {
    SmallVector<int64_t> shape;
    for (OpFoldResult s : sizes) {
      std::optional<int64_t> c = getConstantIntValue(s);
      shape.push_back(c ? *c : ShapedType::kDynamic);
    }
    return RankedTensorType::get(shape, elem);
  }
  Value empty(ArrayRef<OpFoldResult> sizes) {
    return tensor::EmptyOp::create(b, loc, sizes, elem);
  }
  Value zeros(ArrayRef<OpFoldResult> sizes) {
    Value zero = constantFloat(b, loc, elem, 0.0);
    return linalg::FillOp::create(b, loc, zero, empty(sizes)).getResult(0);
  }
  /// `v`[d] of a [dirs, ...] operand as a tensor of the remaining sizes.
  Value direction(Value v, int64_t d) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), index(0)), sizes, strides(type.getRank(),
                                                                              index(1));
    offsets[0] = index(d);
    sizes.push_back(index(1));
    for (int64_t i = 1; i < type.getRank(); ++i)
      sizes.push_back(dimOf(v, i));
    auto resultType = typeOf(ArrayRef<OpFoldResult>(sizes).drop_front());
    return tensor::ExtractSliceOp::create(b, loc, resultType, v, offsets, sizes, strides);
  }
  /// Columns [start, start + count) of a 1-D tensor.
  Value range(Value v, int64_t start, int64_t count) {
    return tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get({count}, elem), v,
                                          ArrayRef<OpFoldResult>{index(start)},
                                          ArrayRef<OpFoldResult>{index(count)},
                                          ArrayRef<OpFoldResult>{index(1)});
  }
  Value transposed(Value m) {
    Value init = empty({dimOf(m, 1), dimOf(m, 0)});
    return linalg::TransposeOp::create(b, loc, m, init, ArrayRef<int64_t>{1, 0}).getResult()[0];
  }
  /// W[d] or R[d] transposed. A constant weight is transposed here, at
  /// compile time: transposing every weight on every run took a third of
  /// a two-layer LSTM's time (bench/lstm.py).
  Value transposedWeight(Value weight, int64_t d) {
    if (Value folded = transposedConstant(weight, d))
      return folded;
    return transposed(direction(weight, d));
  }
  Value transposedConstant(Value weight, int64_t d) {
    Operation *def = weight.getDefiningOp();
    auto type = cast<RankedTensorType>(weight.getType());
    int64_t width = elem.getIntOrFloatBitWidth();
    if (!def || !type.hasStaticShape() || width % 8 != 0)
      return Value();
    auto value = def->getAttrOfType<ElementsAttr>("value");
    if (!value || value.getType() != type)
      return Value();
    int64_t rows = type.getDimSize(1), cols = type.getDimSize(2), bytes = width / 8;
    auto resultType = RankedTensorType::get({cols, rows}, elem);
    ArrayRef<char> raw;
    if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
      if (dense.isSplat())
        return arith::ConstantOp::create(b, loc, resultType,
                                         DenseElementsAttr::get(resultType,
                                                                dense.getSplatValue<Attribute>()));
      raw = dense.getRawData();
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
      if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
        raw = blob->getData();
    }
    if (int64_t(raw.size()) != type.getNumElements() * bytes)
      return Value();
    std::vector<char> out(rows * cols * bytes);
    const char *from = raw.data() + d * rows * cols * bytes;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        std::memcpy(&out[(c * rows + r) * bytes], from + (r * cols + c) * bytes, bytes);
    return arith::ConstantOp::create(b, loc, resultType,
                                     DenseElementsAttr::getFromRawBuffer(resultType, out));
  }
  /// A [rows, n] tensor of `vector` [n] on every row (zeros without one).
  Value rowsOf(Value vector, OpFoldResult rows, int64_t n) {
    if (!vector)
      return zeros({rows, index(n)});
    return linalg::BroadcastOp::create(b, loc, vector, empty({rows, index(n)}),
                                       ArrayRef<int64_t>{0})
        .getResult()[0];
  }
  Value matmul(Value a, Value m, Value init) {
    return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()}, ValueRange{a, m},
                                    ValueRange{init})
        .getResult(0);
  }
  /// The state of direction `d` from initial_h/initial_c, or zeros.
  Value initialState(Value v, int64_t d) {
    if (!v)
      return zeros({batch, index(form.hidden)});
    SmallVector<OpFoldResult> offsets(3, index(0)), sizes, strides(3, index(1));
    int64_t dirAxis = form.batchFirst ? 1 : 0;
    offsets[dirAxis] = index(d);
    for (int64_t i = 0; i < 3; ++i)
      sizes.push_back(i == dirAxis ? index(1) : dimOf(v, i));
    return tensor::ExtractSliceOp::create(b, loc, typeOf({batch, index(form.hidden)}), v,
                                          offsets, sizes, strides);
  }
  /// Inserts `state` [batch, hidden] as direction `d` of `dest` ([dirs, batch,
  /// hidden], or [batch, dirs, hidden] in layout 1).
  Value insertState(Value state, Value dest, int64_t d) {
    SmallVector<OpFoldResult> offsets(3, index(0)), sizes, strides(3, index(1));
    int64_t dirAxis = form.batchFirst ? 1 : 0;
    offsets[dirAxis] = index(d);
    sizes = form.batchFirst ? SmallVector<OpFoldResult>{batch, index(1), index(form.hidden)}
                            : SmallVector<OpFoldResult>{index(1), batch, index(form.hidden)};
    return tensor::InsertSliceOp::create(b, loc, state, dest, offsets, sizes, strides);
  }
  Value clip(OpBuilder &nb, Location nloc, Value v) {
    if (!form.clip)
      return v;
    Value hi = constantFloat(nb, nloc, elem, *form.clip);
    Value lo = constantFloat(nb, nloc, elem, -*form.clip);
    return arith::MaximumFOp::create(nb, nloc, lo, arith::MinimumFOp::create(nb, nloc, hi, v));
  }
  Value activate(OpBuilder &nb, Location nloc, int64_t d, int which, Value v) {
    return applyActivation(nb, nloc, form.activations[d][which], clip(nb, nloc, v));
  }
  AffineMap rowMap() { return AffineMap::getMultiDimIdentityMap(2, ctx); }
  AffineMap columnMap() { return AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx); }
  /// Columns [g * hidden, (g + 1) * hidden) of a [batch, n] tensor: gate g
  /// (a view once bufferized). linalg takes its loop sizes from operands
  /// indexed by the plain loop dimensions, so every operand is [batch, hidden].
  Value gate(Value m, int64_t g) {
    int64_t h = form.hidden;
    return tensor::ExtractSliceOp::create(b, loc, typeOf({batch, index(h)}), m,
                                          ArrayRef<OpFoldResult>{index(0), index(g * h)},
                                          ArrayRef<OpFoldResult>{batch, index(h)},
                                          ArrayRef<OpFoldResult>{index(1), index(1)});
  }
  AffineMap batchMap() { return AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx); }

  /// The elementwise generic of `ins` and `outs` (full [batch, hidden]
  /// tensors, [batch] vectors by batchMap, [hidden] ones by columnMap) one
  /// batch row at a time: a static [1, hidden] generic stays a sequential
  /// loop where a dynamic batch would make an OpenMP region on every step,
  /// whose fork and join cost more than the step's gates.
  SmallVector<Value> rowwise(ValueRange ins, ValueRange outs, ArrayRef<AffineMap> maps,
                             function_ref<void(OpBuilder &, Location, ValueRange)> body);

  /// One direction's loop; returns the final hidden (and cell) state and the
  /// output sequence with this direction's rows filled in.
  struct DirectionResult {
    Value h, c, y;
  };
  DirectionResult buildDirection(int64_t d, Value y);

  Operation *op;
  const RecurrentForm &form;
  PatternRewriter &b;
  Location loc;
  MLIRContext *ctx;
  Value x;
  Type elem;
  OpFoldResult batch, steps, inputSize;
  Value batchValue, stepsValue;
  Value lens; // sequence_lens as index-comparable integers, or null
};

} // namespace

SmallVector<Value>
RecurrentBuilder::rowwise(ValueRange ins, ValueRange outs, ArrayRef<AffineMap> maps,
                          function_ref<void(OpBuilder &, Location, ValueRange)> body) {
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIndex = arith::ConstantIndexOp::create(b, loc, 1);
  SmallVector<Value> results;
  auto loop = scf::ForOp::create(
      b, loc, zeroIndex, batchValue, oneIndex, outs,
      [&](OpBuilder &nb, Location nloc, Value row, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        auto rowOf = [&](Value v) -> Value {
          auto type = cast<RankedTensorType>(v.getType());
          if (type.getRank() == 1)
            return tensor::ExtractSliceOp::create(
                b, nloc, RankedTensorType::get({1}, type.getElementType()), v,
                ArrayRef<OpFoldResult>{row}, ArrayRef<OpFoldResult>{index(1)},
                ArrayRef<OpFoldResult>{index(1)});
          int64_t width = type.getDimSize(1);
          return tensor::ExtractSliceOp::create(
              b, nloc, RankedTensorType::get({1, width}, type.getElementType()), v,
              ArrayRef<OpFoldResult>{row, index(0)}, ArrayRef<OpFoldResult>{index(1), index(width)},
              ArrayRef<OpFoldResult>{index(1), index(1)});
        };
        SmallVector<Value> rowIns, rowOuts;
        for (auto [v, map] : llvm::zip(ins, maps))
          rowIns.push_back(map == columnMap() ? v : rowOf(v));
        for (Value v : args)
          rowOuts.push_back(rowOf(v));
        auto generic = linalg::GenericOp::create(
            b, nloc, ValueRange(rowOuts).getTypes(), rowIns, rowOuts, maps,
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel), body);
        SmallVector<Value> yields;
        for (auto [result, full] : llvm::zip(generic.getResults(), args))
          yields.push_back(tensor::InsertSliceOp::create(
              b, nloc, result, full, ArrayRef<OpFoldResult>{row, index(0)},
              ArrayRef<OpFoldResult>{index(1), index(form.hidden)},
              ArrayRef<OpFoldResult>{index(1), index(1)}));
        scf::YieldOp::create(b, nloc, yields);
      });
  results.append(loop.getResults().begin(), loop.getResults().end());
  return results;
}

RecurrentBuilder::DirectionResult RecurrentBuilder::buildDirection(int64_t d, Value y) {
  int64_t hidden = form.hidden, gh = form.gates * hidden;
  bool reverse = form.reverse || d == 1;
  bool gru = form.cell == Cell::gru, lstm = form.cell == Cell::lstm;

  // Biases: LSTM and RNN add Wb + Rb to the input projection; GRU keeps Rb
  // with the recurrent product (the reset gate multiplies it).
  Value xBias, hBias;
  if (Value bias = recurrentInput(op, kB)) {
    Value bd = direction(bias, d);
    Value wb = range(bd, 0, gh), rb = range(bd, gh, gh);
    if (gru) {
      xBias = wb;
      hBias = rb;
    } else {
      xBias = buildElementwise(b, loc, RankedTensorType::get({gh}, elem), ValueRange{wb, rb},
                               [](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                                 return arith::AddFOp::create(nb, nloc, a[0], a[1]);
                               });
    }
  }

  // The input projection of every step: [rows, input] x W^T, rows in X's
  // order (step-major, or batch-major in layout 1).
  Value flatX = tensor::CollapseShapeOp::create(b, loc, x,
                                                SmallVector<ReassociationIndices>{{0, 1}, {2}});
  OpFoldResult rows = dimOf(flatX, 0);
  Value wt = transposedWeight(recurrentInput(op, kW), d);
  Value projected = matmul(flatX, wt, rowsOf(xBias, rows, gh));

  Value rt = transposedWeight(recurrentInput(op, kR), d);
  // GRU with linear_before_reset 0 multiplies (r * H) by Rh: two products.
  bool splitR = gru && !form.linearBeforeReset;
  Value rtZR, rtH;
  if (splitR) {
    auto slice = [&](int64_t start, int64_t count) {
      return tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get({hidden, count}, elem), rt,
          ArrayRef<OpFoldResult>{index(0), index(start)},
          ArrayRef<OpFoldResult>{index(hidden), index(count)},
          ArrayRef<OpFoldResult>{index(1), index(1)});
    };
    rtZR = slice(0, 2 * hidden);
    rtH = slice(2 * hidden, hidden);
  }
  // Recurrent-bias rows (GRU), made once outside the loop.
  Value hBiasRows, hBiasRowsZR, hBiasRowsH;
  if (gru) {
    if (splitR) {
      hBiasRowsZR = rowsOf(hBias ? range(hBias, 0, 2 * hidden) : Value(), batch, 2 * hidden);
      hBiasRowsH = rowsOf(hBias ? range(hBias, 2 * hidden, hidden) : Value(), batch, hidden);
    } else {
      hBiasRows = rowsOf(hBias, batch, gh);
    }
  }
  Value peephole;
  if (lstm)
    if (Value p = recurrentInput(op, kP))
      peephole = direction(p, d);

  Value h0 = initialState(recurrentInput(op, kInitialH), d);
  SmallVector<Value> inits = {h0};
  if (lstm)
    inits.push_back(initialState(recurrentInput(op, kInitialC), d));
  if (y)
    inits.push_back(y);

  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIndex = arith::ConstantIndexOp::create(b, loc, 1);

  auto loop = scf::ForOp::create(
      b, loc, zeroIndex, stepsValue, oneIndex, inits,
      [&](OpBuilder &nb, Location nloc, Value s, ValueRange args) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(nb.getInsertionBlock(), nb.getInsertionPoint());
        Value hPrev = args[0];
        Value cPrev = lstm ? args[1] : Value();
        Value yAcc = y ? args.back() : Value();
        Value t = s;
        if (reverse)
          t = arith::SubIOp::create(
              b, nloc, arith::SubIOp::create(b, nloc, stepsValue, oneIndex), s);
        // This step's rows of the projection: rows t * batch + [0, batch), or
        // b * steps + t in layout 1.
        SmallVector<OpFoldResult> offsets, strides;
        if (form.batchFirst) {
          offsets = {t, index(0)};
          strides = {stepsValue, index(1)};
        } else {
          offsets = {arith::MulIOp::create(b, nloc, t, batchValue).getResult(), index(0)};
          strides = {index(1), index(1)};
        }
        Value gx = tensor::ExtractSliceOp::create(b, nloc, typeOf({batch, index(gh)}),
                                                  projected, offsets,
                                                  ArrayRef<OpFoldResult>{batch, index(gh)},
                                                  strides);
        // The mask of rows still within their sequence, as an i1 per row.
        Value tI64;
        if (lens)
          tI64 = arith::IndexCastOp::create(b, nloc, b.getI64Type(), t);
        auto inRange = [&](OpBuilder &gb, Location gloc, Value len) -> Value {
          Value l = len;
          if (l.getType() != gb.getI64Type())
            l = arith::ExtSIOp::create(gb, gloc, gb.getI64Type(), l);
          return arith::CmpIOp::create(gb, gloc, arith::CmpIPredicate::slt, tI64, l);
        };

        SmallVector<Value> ins;
        SmallVector<AffineMap> maps;
        auto addIn = [&](Value v, AffineMap m) {
          ins.push_back(v);
          maps.push_back(m);
        };
        Value hNew, cNew, yStep;
        if (!gru) {
          Value gates = matmul(hPrev, rt, gx);
          // Inputs: the gates (i, o, f, c for LSTM), peepholes, lens. The
          // states are updated in place (outputs read as inputs): a loop
          // must yield the buffers it carries.
          int64_t gatesAt = ins.size();
          for (int64_t g = 0; g < form.gates; ++g)
            addIn(gate(gates, g), rowMap());
          int64_t peepholeAt = ins.size();
          if (peephole)
            for (int64_t g = 0; g < 3; ++g)
              addIn(range(peephole, g * hidden, hidden), columnMap());
          int64_t lensAt = ins.size();
          if (lens)
            addIn(lens, batchMap());
          SmallVector<Value> outs = {hPrev};
          if (lstm)
            outs.push_back(cPrev);
          if (lens)
            outs.push_back(empty({batch, index(hidden)}));
          maps.append(outs.size(), rowMap());
          int64_t statesAt = ins.size();
          SmallVector<Value> generic = rowwise(
              ins, outs, maps, [&](OpBuilder &gb, Location gloc, ValueRange a) {
                Value h, c;
                Value hp = a[statesAt];
                if (lstm) {
                  Value cp = a[statesAt + 1];
                  auto peep = [&](int64_t g, Value v, Value state) -> Value {
                    if (!peephole)
                      return v;
                    return arith::AddFOp::create(
                        gb, gloc, v,
                        arith::MulFOp::create(gb, gloc, a[peepholeAt + g], state));
                  };
                  // P is [i, o, f]; the gates are [i, o, f, c].
                  Value i = activate(gb, gloc, d, 0, peep(0, a[gatesAt], cp));
                  Value f =
                      form.inputForget
                          ? Value(arith::SubFOp::create(
                                gb, gloc, constantFloat(gb, gloc, elem, 1.0), i))
                          : activate(gb, gloc, d, 0, peep(2, a[gatesAt + 2], cp));
                  Value cc = activate(gb, gloc, d, 1, a[gatesAt + 3]);
                  c = arith::AddFOp::create(gb, gloc, arith::MulFOp::create(gb, gloc, f, cp),
                                            arith::MulFOp::create(gb, gloc, i, cc));
                  Value o = activate(gb, gloc, d, 0, peep(1, a[gatesAt + 1], c));
                  // h(C) is not clipped: clip bounds the gates' inputs (as
                  // onnxruntime does; the spec's wording covers both readings).
                  h = arith::MulFOp::create(
                      gb, gloc, o, applyActivation(gb, gloc, form.activations[d][2], c));
                  if (lens) {
                    Value keep = inRange(gb, gloc, a[lensAt]);
                    c = arith::SelectOp::create(gb, gloc, keep, c, cp);
                  }
                } else {
                  h = activate(gb, gloc, d, 0, a[gatesAt]);
                }
                SmallVector<Value> results;
                if (lens) {
                  Value keep = inRange(gb, gloc, a[lensAt]);
                  Value zero = constantFloat(gb, gloc, elem, 0.0);
                  results.push_back(arith::SelectOp::create(gb, gloc, keep, h, hp));
                  if (lstm)
                    results.push_back(c);
                  results.push_back(arith::SelectOp::create(gb, gloc, keep, h, zero));
                } else {
                  results.push_back(h);
                  if (lstm)
                    results.push_back(c);
                }
                linalg::YieldOp::create(gb, gloc, results);
              });
          hNew = generic[0];
          if (lstm)
            cNew = generic[1];
          yStep = lens ? generic.back() : hNew;
        } else {
          // GRU: z = f(xz + hz), r = f(xr + hr); linear_before_reset 1:
          // h~ = g(xh + r * (H Rh^T + Rbh)); 0: h~ = g(xh + (r * H) Rh^T + Rbh).
          // H = (1 - z) h~ + z H.
          auto finish = [&](OpBuilder &gb, Location gloc, Value z, Value ht, Value hp,
                            Value len) {
            Value one = constantFloat(gb, gloc, elem, 1.0);
            Value h = arith::AddFOp::create(
                gb, gloc,
                arith::MulFOp::create(gb, gloc, arith::SubFOp::create(gb, gloc, one, z), ht),
                arith::MulFOp::create(gb, gloc, z, hp));
            SmallVector<Value> results;
            if (len) {
              Value keep = inRange(gb, gloc, len);
              results.push_back(arith::SelectOp::create(gb, gloc, keep, h, hp));
              results.push_back(arith::SelectOp::create(
                  gb, gloc, keep, h, constantFloat(gb, gloc, elem, 0.0)));
            } else {
              results.push_back(h);
            }
            linalg::YieldOp::create(gb, gloc, results);
          };
          // The state is updated in place (see above); with sequence_lens
          // the step's Y rows are a second output.
          auto outsFor = [&]() {
            SmallVector<Value> outs = {hPrev};
            if (lens)
              outs.push_back(empty({batch, index(hidden)}));
            maps.append(outs.size(), rowMap());
            return outs;
          };
          SmallVector<Value> generic;
          if (!splitR) {
            Value gh3 = matmul(hPrev, rt, hBiasRows);
            for (int64_t g = 0; g < 3; ++g)
              addIn(gate(gx, g), rowMap());
            for (int64_t g = 0; g < 3; ++g)
              addIn(gate(gh3, g), rowMap());
            if (lens)
              addIn(lens, batchMap());
            SmallVector<Value> outs = outsFor();
            generic = rowwise(
                ins, outs, maps, [&](OpBuilder &gb, Location gloc, ValueRange a) {
                  Value z = activate(gb, gloc, d, 0, arith::AddFOp::create(gb, gloc, a[0], a[3]));
                  Value r = activate(gb, gloc, d, 0, arith::AddFOp::create(gb, gloc, a[1], a[4]));
                  Value ht = activate(
                      gb, gloc, d, 1,
                      arith::AddFOp::create(gb, gloc, a[2],
                                            arith::MulFOp::create(gb, gloc, r, a[5])));
                  int64_t n = lens ? 7 : 6;
                  finish(gb, gloc, z, ht, a[n], lens ? a[6] : Value());
                });
          } else {
            Value ghZR = matmul(hPrev, rtZR, hBiasRowsZR);
            // z and r * H first.
            SmallVector<Value> ins1 = {hPrev, gate(gx, 0), gate(gx, 1), gate(ghZR, 0),
                                       gate(ghZR, 1)};
            SmallVector<AffineMap> maps1(7, rowMap());
            SmallVector<Value> first = rowwise(
                ins1, ValueRange{empty({batch, index(hidden)}), empty({batch, index(hidden)})},
                maps1, [&](OpBuilder &gb, Location gloc, ValueRange a) {
                  Value z = activate(gb, gloc, d, 0, arith::AddFOp::create(gb, gloc, a[1], a[3]));
                  Value r = activate(gb, gloc, d, 0, arith::AddFOp::create(gb, gloc, a[2], a[4]));
                  linalg::YieldOp::create(
                      gb, gloc, ValueRange{z, arith::MulFOp::create(gb, gloc, r, a[0])});
                });
            Value ghH = matmul(first[1], rtH, hBiasRowsH);
            addIn(gate(gx, 2), rowMap());
            addIn(ghH, rowMap());
            addIn(first[0], rowMap());
            if (lens)
              addIn(lens, batchMap());
            SmallVector<Value> outs = outsFor();
            generic = rowwise(
                ins, outs, maps, [&](OpBuilder &gb, Location gloc, ValueRange a) {
                  Value ht =
                      activate(gb, gloc, d, 1, arith::AddFOp::create(gb, gloc, a[0], a[1]));
                  int64_t n = lens ? 4 : 3;
                  finish(gb, gloc, a[2], ht, a[n], lens ? a[3] : Value());
                });
          }
          hNew = generic[0];
          yStep = generic.back();
        }

        SmallVector<Value> yields = {hNew};
        if (lstm)
          yields.push_back(cNew);
        if (yAcc) {
          SmallVector<OpFoldResult> yOffsets, ySizes;
          if (form.batchFirst) {
            yOffsets = {index(0), t, index(d), index(0)};
            ySizes = {batch, index(1), index(1), index(hidden)};
          } else {
            yOffsets = {t, index(d), index(0), index(0)};
            ySizes = {index(1), index(1), batch, index(hidden)};
          }
          yields.push_back(tensor::InsertSliceOp::create(
              b, nloc, yStep, yAcc, yOffsets, ySizes,
              SmallVector<OpFoldResult>(4, index(1))));
        }
        scf::YieldOp::create(b, nloc, yields);
      });

  DirectionResult result;
  result.h = loop.getResult(0);
  if (lstm)
    result.c = loop.getResult(1);
  if (y)
    result.y = loop.getResults().back();
  return result;
}

Value RecurrentBuilder::build() {
  if (Value l = recurrentInput(op, kSequenceLens))
    lens = l;
  Value yOut = recurrentOutput(op, kY), hOut = recurrentOutput(op, kYH),
        cOut = recurrentOutput(op, kYC);
  bool lstm = form.cell == Cell::lstm;
  OpFoldResult dirs = index(form.directions), hidden = index(form.hidden);
  Value y;
  if (yOut && !yOut.use_empty())
    y = form.batchFirst ? empty({batch, steps, dirs, hidden})
                        : empty({steps, dirs, batch, hidden});
  SmallVector<OpFoldResult> stateSizes = form.batchFirst
                                             ? SmallVector<OpFoldResult>{batch, dirs, hidden}
                                             : SmallVector<OpFoldResult>{dirs, batch, hidden};
  Value yh = empty(stateSizes), yc = lstm ? empty(stateSizes) : Value();
  for (int64_t d = 0; d < form.directions; ++d) {
    DirectionResult r = buildDirection(d, y);
    y = r.y;
    Value h = r.h, c = r.c;
    if (lens) {
      // ONNX Runtime's final states of an empty sequence are zeros.
      SmallVector<AffineMap> maps = {batchMap(), rowMap(), rowMap()};
      auto zeroEmpty = [&](Value state) {
        return linalg::GenericOp::create(
                   b, loc, TypeRange{state.getType()}, ValueRange{lens, state},
                   ValueRange{empty({batch, hidden})}, maps,
                   SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
                   [&](OpBuilder &gb, Location gloc, ValueRange a) {
                     Value zeroLen = arith::ConstantOp::create(
                         gb, gloc, gb.getIntegerAttr(a[0].getType(), 0));
                     Value empty = arith::CmpIOp::create(gb, gloc, arith::CmpIPredicate::sle,
                                                         a[0], zeroLen);
                     linalg::YieldOp::create(
                         gb, gloc,
                         ValueRange{arith::SelectOp::create(
                             gb, gloc, empty, constantFloat(gb, gloc, elem, 0.0), a[1])});
                   })
            .getResult(0);
      };
      h = zeroEmpty(h);
      if (c)
        c = zeroEmpty(c);
    }
    yh = insertState(h, yh, d);
    if (lstm)
      yc = insertState(c, yc, d);
  }

  auto fit = [&](Value v, Value result) -> Value {
    if (v.getType() != result.getType())
      v = tensor::CastOp::create(b, loc, result.getType(), v);
    return v;
  };
  Value first;
  for (auto [result, value] : {std::pair<Value, Value>{yOut, y}, {hOut, yh}, {cOut, yc}}) {
    if (!result)
      continue;
    if (!value) // Y without uses
      value = form.batchFirst ? zeros({batch, steps, dirs, hidden})
                              : zeros({steps, dirs, batch, hidden});
    value = fit(value, result);
    if (result == op->getResult(0))
      first = value;
    else
      b.replaceAllUsesWith(result, value);
  }
  return first;
}

static FailureOr<Value> lowerRecurrent(Operation *op, RankedTensorType, PatternRewriter &b,
                                       const LoweringState &) {
  RecurrentForm form;
  if (!readForm(op, form).empty())
    return failure();
  Value result = RecurrentBuilder(op, form, b).build();
  if (!result)
    return failure();
  return result;
}

static std::string checkRecurrent(Operation *op, const LoweringState &) {
  RecurrentForm form;
  return readForm(op, form);
}

void loom::populateRecurrentLoweringPatterns(LoweringPatternSet &patterns) {
  patterns.add({"onnx.LSTM", "onnx.GRU", "onnx.RNN"}, lowerRecurrent, checkRecurrent);
}
