//===- Elementwise.cpp - elementwise onnx ops as linalg ---------------------===//
//
// Arithmetic, comparisons, logic, activations, Cast, CastLike and Clip: one
// broadcasting linalg.generic each, whose scalar body this file builds.
//
//===----------------------------------------------------------------------===//

#include "loom-c/Abi.h"
#include "loom/Conversion/InputSizeConditions.h"
#include "loom/Conversion/LinalgBuilders.h"
#include "loom/Conversion/LoweringPatterns.h"
#include "loom/Dialect/Onnx/IR/OnnxOps.h"
#include "loom/Dialect/Onnx/Utils/OnnxAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AffineMap.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>

using namespace mlir;
using namespace loom;
using loom::onnx_attributes::constantInts;
using loom::onnx_attributes::intAttr;

static const llvm::StringSet<> kElementwise = {
    "onnx.Add",  "onnx.Sub",  "onnx.Mul",     "onnx.Div",   "onnx.Max",
    "onnx.Min",  "onnx.Pow",  "onnx.Equal",   "onnx.Less",  "onnx.LessOrEqual",
    "onnx.Greater", "onnx.GreaterOrEqual", "onnx.And", "onnx.Or", "onnx.Xor",
    "onnx.Not",  "onnx.Where", "onnx.Neg",    "onnx.Abs",   "onnx.Exp",
    "onnx.Log",  "onnx.Sqrt", "onnx.Tanh",    "onnx.Erf",   "onnx.Sin",
    "onnx.Cos",  "onnx.Floor", "onnx.Ceil",   "onnx.Reciprocal", "onnx.Relu",
    "onnx.Sigmoid", "onnx.LeakyRelu", "onnx.Mod", "onnx.PRelu", "onnx.Sum",
    "onnx.Mean", "onnx.Sign", "onnx.Round", "onnx.Tan", "onnx.Sinh", "onnx.Cosh",
    "onnx.Asin", "onnx.Acos", "onnx.Atan", "onnx.Asinh", "onnx.Acosh", "onnx.Atanh",
    "onnx.IsNaN", "onnx.IsInf", "onnx.Elu", "onnx.Celu", "onnx.Selu",
    "onnx.HardSigmoid", "onnx.HardSwish", "onnx.ThresholdedRelu", "onnx.Softsign",
    "onnx.Softplus", "onnx.Shrink", "onnx.BitShift"};
/// Those whose lowering knows unsigned integers (unsigned semantics where
/// they differ from signed ones).
static const llvm::StringSet<> kUnsignedArithmetic = {
    "onnx.Add", "onnx.Sub", "onnx.Mul", "onnx.Div", "onnx.Mod", "onnx.Max", "onnx.Min",
    "onnx.Sum", "onnx.Equal", "onnx.Less", "onnx.LessOrEqual", "onnx.Greater",
    "onnx.GreaterOrEqual", "onnx.Pow", "onnx.Where", "onnx.BitShift"};

bool loom::isElementwiseOnnxOp(llvm::StringRef opName) { return kElementwise.contains(opName); }

/// Whether integer `divisor` would trap: zero, or (signed) -1 with the
/// most negative dividend.
static Value trapsAsDivisor(OpBuilder &b, Location loc, Value dividend, Value divisor,
                            bool isUnsigned) {
  Type type = divisor.getType();
  unsigned width = type.getIntOrFloatBitWidth();
  auto c = [&](const APInt &v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
  };
  Value bad = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, divisor,
                                    c(APInt::getZero(width)));
  if (isUnsigned)
    return bad;
  Value overflow = arith::AndIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, dividend,
                            c(APInt::getSignedMinValue(width))),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, divisor,
                            c(APInt::getAllOnes(width))));
  return arith::OrIOp::create(b, loc, bad, overflow);
}

/// The divisor of an integer Div or Mod made safe: where it would trap, 1
/// (the elementwise pattern reports such elements first).
static Value safeDivisor(OpBuilder &b, Location loc, Value dividend, Value divisor,
                         bool isUnsigned) {
  Value one = arith::ConstantOp::create(b, loc, b.getIntegerAttr(divisor.getType(), 1));
  return arith::SelectOp::create(b, loc, trapsAsDivisor(b, loc, dividend, divisor, isUnsigned),
                                 one, divisor);
}

/// The scalar body of a supported elementwise op, or null. `unsignedValues`
/// holds the values ONNX typed as unsigned integers (now signless).
static std::optional<ScalarFn> elementwiseBody(Operation *op,
                                               const llvm::DenseSet<Value> &unsignedValues) {
  StringRef name = op->getName().getStringRef();
  Value first = op->getOperand(name == "onnx.Where" ? 1 : 0);
  Type elem = cast<RankedTensorType>(first.getType()).getElementType();
  bool f = isFloat(elem);
  bool u = unsignedValues.contains(first);
  auto binary = [&](auto floatOp, auto intOp) -> std::optional<ScalarFn> {
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return decltype(floatOp)::create(b, loc, a[0], a[1]);
      return decltype(intOp)::create(b, loc, a[0], a[1]);
    });
  };
  auto floatUnary = [&](auto opTag) -> std::optional<ScalarFn> {
    if (!f)
      return std::nullopt;
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return decltype(opTag)::create(b, loc, a[0]);
    });
  };
  auto compare = [&](arith::CmpFPredicate fp, arith::CmpIPredicate ip) {
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::CmpFOp::create(b, loc, fp, a[0], a[1]);
      return arith::CmpIOp::create(b, loc, ip, a[0], a[1]);
    });
  };
  if (name == "onnx.Add")
    return binary(arith::AddFOp(), arith::AddIOp());
  if (name == "onnx.Sub")
    return binary(arith::SubFOp(), arith::SubIOp());
  if (name == "onnx.Mul")
    return binary(arith::MulFOp(), arith::MulIOp());
  if (name == "onnx.Div") {
    if (f)
      return binary(arith::DivFOp(), arith::DivFOp());
    return ScalarFn([u](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value divisor = safeDivisor(b, loc, a[0], a[1], u);
      return u ? Value(arith::DivUIOp::create(b, loc, a[0], divisor))
               : Value(arith::DivSIOp::create(b, loc, a[0], divisor));
    });
  }
  if (name == "onnx.Sum" || name == "onnx.Mean") {
    // Variadic: a fold over all inputs; Mean divides by their count.
    bool mean = name == "onnx.Mean";
    unsigned count = op->getNumOperands();
    if (mean && !f)
      return std::nullopt;
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value r = a[0];
      for (Value v : a.drop_front())
        r = f ? Value(arith::AddFOp::create(b, loc, r, v))
              : Value(arith::AddIOp::create(b, loc, r, v));
      if (mean)
        r = arith::DivFOp::create(
            b, loc, r, arith::ConstantOp::create(b, loc, b.getFloatAttr(r.getType(), count)));
      return r;
    });
  }
  if (name == "onnx.Sign")
    return ScalarFn([f](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(t));
      Value one = f ? arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 1.0)).getResult()
                    : arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, 1)).getResult();
      Value minusOne =
          f ? arith::ConstantOp::create(b, loc, b.getFloatAttr(t, -1.0)).getResult()
            : arith::ConstantOp::create(b, loc, b.getIntegerAttr(t, -1)).getResult();
      Value pos = f ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero)
                          .getResult()
                    : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero)
                          .getResult();
      Value neg = f ? arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, a[0], zero)
                          .getResult()
                    : arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[0], zero)
                          .getResult();
      // NaN stays NaN: neither comparison holds, and x is returned.
      Value rest = f ? arith::SelectOp::create(
                           b, loc,
                           arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]),
                           a[0], zero)
                           .getResult()
                     : zero;
      return arith::SelectOp::create(b, loc, pos, one,
                                     arith::SelectOp::create(b, loc, neg, minusOne, rest));
    });
  if (name == "onnx.Max" || name == "onnx.Min") {
    // Variadic in ONNX: fold over all inputs (one input is the identity).
    bool isMax = name == "onnx.Max";
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value r = a[0];
      for (Value v : a.drop_front()) {
        if (f)
          r = isMax ? Value(arith::MaximumFOp::create(b, loc, r, v))
                    : Value(arith::MinimumFOp::create(b, loc, r, v));
        else if (u)
          r = isMax ? Value(arith::MaxUIOp::create(b, loc, r, v))
                    : Value(arith::MinUIOp::create(b, loc, r, v));
        else
          r = isMax ? Value(arith::MaxSIOp::create(b, loc, r, v))
                    : Value(arith::MinSIOp::create(b, loc, r, v));
      }
      return r;
    });
  }
  if (name == "onnx.Pow") {
    Type expElem = cast<RankedTensorType>(op->getOperand(1).getType()).getElementType();
    if (!isFloat(expElem) && !isa<IntegerType>(expElem))
      return std::nullopt;
    // Float bases: powf in the base's type. Integer bases (the result is an
    // integer too): computed in f64, exact while results stay below 2^53.
    bool uExp = unsignedValues.contains(op->getOperand(1));
    return ScalarFn([f, u, uExp](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type work = f ? a[0].getType() : b.getF64Type();
      Value base = castScalar(b, loc, a[0], work, u);
      Value exponent = castScalar(b, loc, a[1], work, uExp);
      Value r = math::PowFOp::create(b, loc, base, exponent);
      return f ? r : castScalar(b, loc, r, a[0].getType(), false, u);
    });
  }
  if (name == "onnx.Mod") {
    // fmod=1: C's fmod (the dividend's sign); fmod=0 (integers only): the
    // result takes the divisor's sign.
    bool fmod = intAttr(op, "fmod").value_or(0) != 0;
    if (f && !fmod)
      return std::nullopt;
    return ScalarFn([f, u, fmod](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::RemFOp::create(b, loc, a[0], a[1]);
      Value divisor = safeDivisor(b, loc, a[0], a[1], u);
      if (u) // no signs to reconcile
        return arith::RemUIOp::create(b, loc, a[0], divisor);
      Value r = arith::RemSIOp::create(b, loc, a[0], divisor);
      if (fmod)
        return r;
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(a[0].getType(), 0));
      Value rNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
      Value dNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, a[1], zero);
      Value rNonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
      Value fix = arith::AndIOp::create(b, loc, rNonZero,
                                        arith::XOrIOp::create(b, loc, rNeg, dNeg));
      return arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, divisor), r);
    });
  }
  if (name == "onnx.BitShift" && !f) {
    auto direction = op->getAttrOfType<StringAttr>("direction");
    if (!direction || (direction.getValue() != "LEFT" && direction.getValue() != "RIGHT"))
      return std::nullopt;
    bool left = direction.getValue() == "LEFT";
    return ScalarFn([left, u](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (left)
        return arith::ShLIOp::create(b, loc, a[0], a[1]);
      return u ? Value(arith::ShRUIOp::create(b, loc, a[0], a[1]))
               : Value(arith::ShRSIOp::create(b, loc, a[0], a[1]));
    });
  }
  using IP = arith::CmpIPredicate;
  if (name == "onnx.Equal")
    return compare(arith::CmpFPredicate::OEQ, IP::eq);
  if (name == "onnx.Less")
    return compare(arith::CmpFPredicate::OLT, u ? IP::ult : IP::slt);
  if (name == "onnx.LessOrEqual")
    return compare(arith::CmpFPredicate::OLE, u ? IP::ule : IP::sle);
  if (name == "onnx.Greater")
    return compare(arith::CmpFPredicate::OGT, u ? IP::ugt : IP::sgt);
  if (name == "onnx.GreaterOrEqual")
    return compare(arith::CmpFPredicate::OGE, u ? IP::uge : IP::sge);
  if (name == "onnx.And" || name == "onnx.Or" || name == "onnx.Xor") {
    if (!elem.isInteger(1))
      return std::nullopt;
    return ScalarFn([name](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (name == "onnx.And")
        return arith::AndIOp::create(b, loc, a[0], a[1]);
      if (name == "onnx.Or")
        return arith::OrIOp::create(b, loc, a[0], a[1]);
      return arith::XOrIOp::create(b, loc, a[0], a[1]);
    });
  }
  if (name == "onnx.Not" && elem.isInteger(1))
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::XOrIOp::create(b, loc, a[0],
                                   arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
    });
  if (name == "onnx.Where")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::SelectOp::create(b, loc, a[0], a[1], a[2]);
    });
  if (name == "onnx.Neg")
    return ScalarFn([f](OpBuilder &b, Location loc, ValueRange a) -> Value {
      if (f)
        return arith::NegFOp::create(b, loc, a[0]);
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(a[0].getType(), 0));
      return arith::SubIOp::create(b, loc, zero, a[0]);
    });
  if (name == "onnx.Abs")
    return f ? floatUnary(math::AbsFOp())
             : std::optional<ScalarFn>(ScalarFn([](OpBuilder &b, Location loc,
                                                   ValueRange a) -> Value {
                 return math::AbsIOp::create(b, loc, a[0]);
               }));
  if (name == "onnx.Exp")
    return floatUnary(math::ExpOp());
  if (name == "onnx.Log")
    return floatUnary(math::LogOp());
  if (name == "onnx.Sqrt")
    return floatUnary(math::SqrtOp());
  if (name == "onnx.Tanh")
    return floatUnary(math::TanhOp());
  if (name == "onnx.Erf")
    return floatUnary(math::ErfOp());
  if (name == "onnx.Sin")
    return floatUnary(math::SinOp());
  if (name == "onnx.Cos")
    return floatUnary(math::CosOp());
  if (name == "onnx.Floor")
    return floatUnary(math::FloorOp());
  if (name == "onnx.Round") // halves to even, as ONNX specifies
    return floatUnary(math::RoundEvenOp());
  if (name == "onnx.Tan")
    return floatUnary(math::TanOp());
  if (name == "onnx.Sinh")
    return floatUnary(math::SinhOp());
  if (name == "onnx.Cosh")
    return floatUnary(math::CoshOp());
  if (name == "onnx.Asin")
    return floatUnary(math::AsinOp());
  if (name == "onnx.Acos")
    return floatUnary(math::AcosOp());
  if (name == "onnx.Atan")
    return floatUnary(math::AtanOp());
  if (name == "onnx.Asinh")
    return floatUnary(math::AsinhOp());
  if (name == "onnx.Acosh")
    return floatUnary(math::AcoshOp());
  if (name == "onnx.Atanh")
    return floatUnary(math::AtanhOp());
  if (name == "onnx.IsNaN" && f)
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]);
    });
  if (name == "onnx.IsInf" && f) {
    bool positive = intAttr(op, "detect_positive").value_or(1) != 0;
    bool negative = intAttr(op, "detect_negative").value_or(1) != 0;
    return ScalarFn([=](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      auto inf = [&](bool neg) {
        return arith::ConstantOp::create(
            b, loc, b.getFloatAttr(t, neg ? -std::numeric_limits<double>::infinity()
                                          : std::numeric_limits<double>::infinity()));
      };
      Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
      if (positive)
        result = arith::OrIOp::create(
            b, loc, result, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf(false)));
      if (negative)
        result = arith::OrIOp::create(
            b, loc, result, arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf(true)));
      return result;
    });
  }
  if (name == "onnx.Ceil")
    return floatUnary(math::CeilOp());
  if (!f)
    return std::nullopt;
  if (name == "onnx.Reciprocal")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 1.0));
      return arith::DivFOp::create(b, loc, one, a[0]);
    });
  if (name == "onnx.Relu")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 0.0));
      return arith::MaximumFOp::create(b, loc, a[0], zero);
    });
  if (name == "onnx.Sigmoid")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 1.0));
      Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, a[0]));
      return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
    });
  if (name == "onnx.PRelu")
    return ScalarFn([](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(a[0].getType(), 0.0));
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
      return arith::SelectOp::create(b, loc, positive, a[0],
                                     arith::MulFOp::create(b, loc, a[0], a[1]));
    });
  auto floatAttr = [&](StringRef attr, double fallback) {
    if (auto a = op->getAttrOfType<FloatAttr>(attr))
      return a.getValueAsDouble();
    return fallback;
  };
  // x -> body(x, constant(c)...) for the activations below.
  auto activation = [&](auto body) -> std::optional<ScalarFn> {
    return ScalarFn([body](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      auto c = [&](double v) -> Value {
        return arith::ConstantOp::create(b, loc, b.getFloatAttr(t, v));
      };
      return body(b, loc, a[0], c);
    });
  };
  using C = std::function<Value(double)>;
  if (name == "onnx.Elu" || name == "onnx.Celu" || name == "onnx.Selu") {
    // Elu: x > 0 ? x : alpha (e^x - 1); Celu: max(0,x) + min(0, alpha (e^(x/alpha) - 1));
    // Selu: gamma * (x > 0 ? x : alpha e^x - alpha).
    bool celu = name == "onnx.Celu", selu = name == "onnx.Selu";
    double alpha = floatAttr("alpha", selu ? 1.67326319217681884765625 : 1.0);
    double gamma = floatAttr("gamma", 1.05070102214813232421875);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value inner = celu ? Value(arith::DivFOp::create(b, loc, x, c(alpha))) : x;
      Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, inner), c(1.0));
      Value negative = arith::MulFOp::create(b, loc, c(alpha), em1);
      Value positive =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(0.0));
      Value r = arith::SelectOp::create(b, loc, positive, x, negative);
      return selu ? Value(arith::MulFOp::create(b, loc, c(gamma), r)) : r;
    });
  }
  if (name == "onnx.HardSigmoid" || name == "onnx.HardSwish") {
    // max(0, min(1, alpha x + beta)); HardSwish is x times that (1/6, 1/2).
    bool swish = name == "onnx.HardSwish";
    double alpha = swish ? 1.0 / 6 : floatAttr("alpha", 0.2);
    double beta = swish ? 0.5 : floatAttr("beta", 0.5);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value y = arith::AddFOp::create(b, loc, arith::MulFOp::create(b, loc, c(alpha), x),
                                      c(beta));
      y = arith::MaximumFOp::create(b, loc, c(0.0),
                                    arith::MinimumFOp::create(b, loc, c(1.0), y));
      return swish ? Value(arith::MulFOp::create(b, loc, x, y)) : y;
    });
  }
  if (name == "onnx.ThresholdedRelu") {
    double alpha = floatAttr("alpha", 1.0);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(alpha));
      return arith::SelectOp::create(b, loc, above, x, c(0.0));
    });
  }
  if (name == "onnx.Softsign")
    return activation([](OpBuilder &b, Location loc, Value x, C c) -> Value {
      return arith::DivFOp::create(
          b, loc, x, arith::AddFOp::create(b, loc, c(1.0), math::AbsFOp::create(b, loc, x)));
    });
  if (name == "onnx.Softplus")
    return activation([](OpBuilder &b, Location loc, Value x, C c) -> Value {
      return math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, x));
    });
  if (name == "onnx.Shrink") {
    double bias = floatAttr("bias", 0.0), lambd = floatAttr("lambd", 0.5);
    return activation([=](OpBuilder &b, Location loc, Value x, C c) -> Value {
      Value below = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, c(-lambd));
      Value above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(lambd));
      return arith::SelectOp::create(
          b, loc, below, arith::AddFOp::create(b, loc, x, c(bias)),
          arith::SelectOp::create(b, loc, above, arith::SubFOp::create(b, loc, x, c(bias)),
                                  c(0.0)));
    });
  }
  if (name == "onnx.LeakyRelu") {
    double alpha = 0.01;
    if (auto attr = op->getAttrOfType<FloatAttr>("alpha"))
      alpha = attr.getValueAsDouble();
    return ScalarFn([alpha](OpBuilder &b, Location loc, ValueRange a) -> Value {
      Type t = a[0].getType();
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(t, 0.0));
      Value scaled = arith::MulFOp::create(
          b, loc, a[0], arith::ConstantOp::create(b, loc, b.getFloatAttr(t, alpha)));
      Value positive = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
      return arith::SelectOp::create(b, loc, positive, a[0], scaled);
    });
  }
  return std::nullopt;
}

/// ONNX's Cast, signedness taken from the ONNX types.
static FailureOr<Value> lowerCast(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &state) {
  Location loc = op->getLoc();
  Type to = resultType.getElementType();
  bool fromU = state.isUnsigned(op->getOperand(0));
  bool toU = state.isUnsigned(op->getResult(0));
  return buildElementwise(b, loc, resultType, op->getOperands(),
                          [=](OpBuilder &nb, Location nloc, ValueRange a) {
                            return castScalar(nb, nloc, a[0], to, fromU, toU);
                          });
}

static FailureOr<Value> lowerCastLike(Operation *op, RankedTensorType resultType,
                                      PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  Type to = resultType.getElementType();
  return buildElementwise(b, loc, resultType, op->getOperand(0),
                          [to](OpBuilder &nb, Location nloc, ValueRange a) {
                            return castScalar(nb, nloc, a[0], to);
                          });
}

/// Optional scalar bounds; absent ones do not clip.
static FailureOr<Value> lowerClip(Operation *op, RankedTensorType resultType,
                                  PatternRewriter &b, const LoweringState &) {
  Location loc = op->getLoc();
  // Optional scalar bounds; absent ones do not clip.
  SmallVector<Value> ins = {op->getOperand(0)};
  auto clip = cast<loom::onnx::ClipOp>(op);
  bool hasMin = bool(clip.getMin()), hasMax = bool(clip.getMax());
  if (hasMin)
    ins.push_back(clip.getMin());
  if (hasMax)
    ins.push_back(clip.getMax());
  bool f = isFloat(resultType.getElementType());
  return buildElementwise(b, loc, resultType, ins,
                          [=](OpBuilder &nb, Location nloc, ValueRange a) -> Value {
                            Value r = a[0];
                            if (hasMin)
                              r = f ? Value(arith::MaximumFOp::create(nb, nloc, r, a[1]))
                                    : Value(arith::MaxSIOp::create(nb, nloc, r, a[1]));
                            if (hasMax) {
                              Value hi = a[hasMin ? 2 : 1];
                              r = f ? Value(arith::MinimumFOp::create(nb, nloc, r, hi))
                                    : Value(arith::MinSIOp::create(nb, nloc, r, hi));
                            }
                            return r;
                          });
}

void loom::populateElementwiseLoweringPatterns(LoweringPatternSet &patterns) {
  for (StringRef name : kElementwise.keys())
    patterns.add(
        name,
        [](Operation *op, RankedTensorType resultType, PatternRewriter &b,
           const LoweringState &state) -> FailureOr<Value> {
          ScalarFn body = *elementwiseBody(op, state.unsignedValues);
          StringRef name = op->getName().getStringRef();
          if ((name == "onnx.Div" || name == "onnx.Mod") &&
              isa<IntegerType>(resultType.getElementType())) {
            // Elements that would trap are reported first (one reduction, one
            // call at this level, never inside the parallel loop).
            bool isUnsigned = state.isUnsigned(op->getOperand(0));
            Value traps = buildElementwise(
                b, op->getLoc(), resultType.clone(b.getI1Type()), op->getOperands(),
                [&](OpBuilder &nb, Location nloc, ValueRange a) {
                  return trapsAsDivisor(nb, nloc, a[0], a[1], isUnsigned);
                });
            reportIfAny(b, op->getLoc(), traps, runtimeErrorReporter(op),
                        LOOM_ABI_ERROR_INTEGER_DIVISION);
          }
          return buildElementwise(b, op->getLoc(), resultType, op->getOperands(), body);
        },
        [](Operation *op, const LoweringState &state) -> std::string {
          if (!elementwiseBody(op, state.unsignedValues))
            return "no lowering for this element type";
          return broadcastMismatch(op->getOperands(),
                                   cast<RankedTensorType>(op->getResult(0).getType()));
        },
        kUnsignedArithmetic.contains(name) ? UnsignedIntegers::accepted : UnsignedIntegers::rejected);
  patterns.add("onnx.Cast", lowerCast, {}, UnsignedIntegers::accepted);
  patterns.add("onnx.CastLike", lowerCastLike);
  patterns.add("onnx.Clip", lowerClip);
}
