//===- LegacyNodes.cpp - nodes of older opsets in opset 17's form -----------===//
//
// The dialect has ONNX 1.12's newest form of each op; nodes written against
// older opsets have their attributes and inputs rewritten to it here.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;
using namespace loom::onnx_import;

//===----------------------------------------------------------------------===//
// Opset normalization
//===----------------------------------------------------------------------===//

Value OnnxImporter::createConstant(Location loc, ElementsAttr value) {
  Operation *constant = builder.create(
      OperationState(loc, loom::onnx::ConstantOp::getOperationName(), {},
                     {value.getType()}, {builder.getNamedAttr("value", value)}));
  return constant->getResult(0);
}

/// Removes the attribute `name` from `attrs` and returns it (null if absent).
static Attribute takeAttr(SmallVectorImpl<NamedAttribute> &attrs, StringRef name) {
  for (auto *it = attrs.begin(); it != attrs.end(); ++it)
    if (it->getName() == name) {
      Attribute value = it->getValue();
      attrs.erase(it);
      return value;
    }
  return nullptr;
}

/// Nodes of older opsets whose attributes later became inputs are rewritten to
/// the newest form (the only one the dialect has), with the attribute values
/// as constants.
LogicalResult OnnxImporter::normalizeLegacyNode(const proto::NodeProto &node,
                                                StringRef where, Location loc,
                                                int since,
                                                SmallVectorImpl<Value> &inputs,
                                                SmallVectorImpl<NamedAttribute> &attrs) {
  StringRef type = node.op_type();
  auto setInput = [&](size_t pos, Value v) {
    if (inputs.size() <= pos)
      inputs.resize(pos + 1, nullptr);
    inputs[pos] = v;
  };
  auto ints = [&](Attribute attr) -> std::optional<SmallVector<int64_t>> {
    auto array = dyn_cast_or_null<ArrayAttr>(attr);
    if (!array)
      return std::nullopt;
    SmallVector<int64_t> values;
    for (Attribute a : array)
      values.push_back(cast<IntegerAttr>(a).getInt());
    return values;
  };
  auto i64Constant = [&](ArrayRef<int64_t> values) {
    auto t = RankedTensorType::get({int64_t(values.size())}, builder.getI64Type());
    return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(t, values)));
  };
  // A scalar of the first input's element type (f32 when that is unknown).
  auto scalarLike = [&](double value) -> Value {
    Type elem = builder.getF32Type();
    if (!inputs.empty() && inputs[0])
      if (auto shaped = dyn_cast<ShapedType>(inputs[0].getType()))
        elem = shaped.getElementType();
    auto t = RankedTensorType::get({}, elem);
    if (auto f = dyn_cast<FloatType>(elem))
      return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                     t, builder.getFloatAttr(f, value))));
    return createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                   t, builder.getIntegerAttr(elem, int64_t(value)))));
  };
  auto needInts = [&](StringRef name, Attribute attr) -> std::optional<SmallVector<int64_t>> {
    auto values = ints(attr);
    if (!values)
      fileError() << where << " (opset " << since << " form) needs the '" << name
                  << "' attribute as a list of integers";
    return values;
  };

  if ((type == "Unsqueeze" || type == "Squeeze" || type == "ReduceSum") && since < 13) {
    if (Attribute axes = takeAttr(attrs, "axes")) {
      auto values = needInts("axes", axes);
      if (!values)
        return failure();
      setInput(1, i64Constant(*values));
    }
  } else if (type == "Split" && since < 13) {
    if (Attribute split = takeAttr(attrs, "split")) {
      auto values = needInts("split", split);
      if (!values)
        return failure();
      setInput(1, i64Constant(*values));
    }
  } else if (type == "Slice" && since < 10) {
    int pos = 1;
    for (StringRef name : {"starts", "ends", "axes"}) {
      Attribute attr = takeAttr(attrs, name);
      if (attr) {
        auto values = needInts(name, attr);
        if (!values)
          return failure();
        setInput(pos, i64Constant(*values));
      } else if (name != "axes") {
        fileError() << where << " (opset " << since << " form) needs '" << name << "'";
        return failure();
      }
      ++pos;
    }
  } else if (type == "Pad" && since < 11) {
    Attribute pads = takeAttr(attrs, "pads");
    if (!pads)
      pads = takeAttr(attrs, "paddings");
    auto values = needInts("pads", pads);
    if (!values)
      return failure();
    setInput(1, i64Constant(*values));
    if (auto value = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "value")))
      setInput(2, scalarLike(value.getValueAsDouble()));
  } else if (type == "Clip" && since < 11) {
    auto lo = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "min"));
    auto hi = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "max"));
    if (lo)
      setInput(1, scalarLike(lo.getValueAsDouble()));
    if (hi)
      setInput(2, scalarLike(hi.getValueAsDouble()));
  } else if (type == "TopK" && since < 10) {
    auto k = dyn_cast_or_null<IntegerAttr>(takeAttr(attrs, "k"));
    if (!k) {
      fileError() << where << " (opset " << since << " form) needs the 'k' attribute";
      return failure();
    }
    setInput(1, i64Constant({k.getInt()}));
  } else if (type == "Dropout" && since < 12) {
    takeAttr(attrs, "is_test");
    if (auto ratio = dyn_cast_or_null<FloatAttr>(takeAttr(attrs, "ratio"))) {
      auto t = RankedTensorType::get({}, builder.getF32Type());
      setInput(1, createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(
                                          t, float(ratio.getValueAsDouble())))));
    }
  } else if (type == "Resize" && since < 11) {
    // Resize-10 is (X, scales); later versions put an optional roi between.
    // It samples as Upsample did (ONNX Runtime's opset-10 Resize too).
    if (inputs.size() == 2)
      inputs.insert(inputs.begin() + 1, Value());
    attrs.push_back(builder.getNamedAttr("coordinate_transformation_mode",
                                         builder.getStringAttr("asymmetric")));
    attrs.push_back(builder.getNamedAttr("nearest_mode", builder.getStringAttr("floor")));
  } else if (type == "Upsample") {
    // Upsample (X, scales) — scales an attribute before opset 9 — is Resize
    // with asymmetric coordinates and nearest rounding down; its 'bilinear'
    // (opset 1) is Resize's linear.
    Value scales = inputs.size() > 1 ? inputs[1] : Value();
    if (auto attr = dyn_cast_or_null<ArrayAttr>(takeAttr(attrs, "scales"))) {
      SmallVector<float> values;
      for (Attribute a : attr)
        if (auto f = dyn_cast<FloatAttr>(a))
          values.push_back(float(f.getValueAsDouble()));
      auto t = RankedTensorType::get({int64_t(values.size())}, builder.getF32Type());
      scales = createConstant(loc, cast<ElementsAttr>(DenseElementsAttr::get(t, ArrayRef(values))));
    }
    if (!scales || inputs.empty()) {
      fileError() << where << " (Upsample) needs its input and scales";
      return failure();
    }
    Value x = inputs[0];
    inputs.assign({x, Value(), scales});
    StringRef mode = "nearest";
    if (auto attr = dyn_cast_or_null<StringAttr>(takeAttr(attrs, "mode")))
      mode = attr.getValue() == "nearest" ? "nearest" : "linear";
    attrs.push_back(builder.getNamedAttr("mode", builder.getStringAttr(mode)));
    attrs.push_back(builder.getNamedAttr("coordinate_transformation_mode",
                                         builder.getStringAttr("asymmetric")));
    attrs.push_back(builder.getNamedAttr("nearest_mode", builder.getStringAttr("floor")));
  }
  return success();
}

/// Inputs that share an ONNX type constraint (Add's A and B are both "T")
/// must have one element type, one the constraint allows (Gather's indices
/// are int32 or int64); checked against the schema of the model's opset so
/// that the message points at the node, not at a later pass.
LogicalResult OnnxImporter::checkTypeConstraints(const proto::NodeProto &node,
                                                 StringRef where,
                                                 ArrayRef<Value> inputs) {
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return success(); // contrib schemas carry no type constraints
  std::optional<SchemaInfo> atModel =
      lookupSchema(node.op_type(), "", int(defaultOpset));
  if (!atModel)
    return success();
  llvm::StringMap<std::pair<Type, size_t>> seen;
  for (auto [i, v] : llvm::enumerate(inputs)) {
    if (!v || atModel->inputTypeConstraints.empty() || int(i) >= node.input_size())
      continue;
    size_t formal = std::min(i, atModel->inputTypeConstraints.size() - 1);
    const std::string &constraint = atModel->inputTypeConstraints[formal];
    auto shaped = dyn_cast<ShapedType>(v.getType());
    if (!shaped || constraint.empty())
      continue;
    auto allowed = atModel->allowedTensorTypes.find(constraint);
    int32_t dtype = onnxDataType(shaped.getElementType());
    if (allowed != atModel->allowedTensorTypes.end() && dtype != proto::TensorProto::UNDEFINED &&
        !llvm::is_contained(allowed->second, dtype)) {
      std::string names;
      for (int t : allowed->second)
        names += (names.empty() ? "" : ", ") + std::string(onnxDataTypeName(t));
      fileError() << where << ": input " << i << " ('" << node.input(i) << "') is "
                  << onnxDataTypeName(dtype) << ", but " << node.op_type() << " (opset "
                  << atModel->sinceVersion << ") allows only " << names
                  << " for its type constraint " << constraint;
      return failure();
    }
    auto [it, inserted] = seen.try_emplace(constraint, shaped.getElementType(), i);
    if (!inserted && it->second.first != shaped.getElementType()) {
      fileError() << where << ": input " << it->second.second << " ('"
                  << node.input(it->second.second) << "') is " << it->second.first
                  << " but input " << i << " ('" << node.input(i) << "') is "
                  << shaped.getElementType() << "; " << node.op_type()
                  << " needs both of type constraint " << constraint;
      return failure();
    }
  }
  return success();
}

/// Before opset 13, Softmax, LogSoftmax and Hardmax flattened their input to
/// 2-D at `axis` (default 1) and normalized whole rows of that. The newest op
/// normalizes one axis only, so the old meaning is spelled out as
/// Flatten -> op(axis = 1) -> Reshape back to the input's shape.
FailureOr<Operation *> OnnxImporter::importLegacyCoercedSoftmax(
    const proto::NodeProto &node, Location loc, Value input,
    ArrayRef<NamedAttribute> attrs, Type resultType) {
  int64_t axis = 1;
  for (NamedAttribute attr : attrs)
    if (attr.getName() == "axis")
      axis = cast<IntegerAttr>(attr.getValue()).getInt();
  auto si64 = [&](int64_t v) {
    return builder.getIntegerAttr(builder.getIntegerType(64, /*isSigned=*/true), v);
  };
  OperationState state(loc, "onnx." + node.op_type());
  // With a ranked input and the last axis, both meanings agree: one op.
  if (auto ranked = dyn_cast<RankedTensorType>(input.getType())) {
    int64_t rank = ranked.getRank();
    int64_t normalized = axis < 0 ? axis + rank : axis;
    if (normalized == rank - 1) {
      state.addOperands(input);
      state.addAttribute("axis", si64(-1));
      state.addTypes(resultType ? resultType : input.getType());
      return builder.create(state);
    }
  }
  Type shapeType = NoneType::get(context), flatType = shapeType;
  if (auto ranked = dyn_cast<RankedTensorType>(input.getType())) {
    int64_t rank = ranked.getRank();
    int64_t split = axis < 0 ? axis + rank : axis;
    if (split < 0 || split > rank) {
      fileError() << "node '" << node.name() << "' (" << node.op_type() << "): axis "
                  << axis << " is out of range for rank " << rank;
      return failure();
    }
    auto product = [&](int64_t begin, int64_t end) {
      int64_t p = 1;
      for (int64_t d : ranked.getShape().slice(begin, end - begin)) {
        if (ShapedType::isDynamic(d))
          return ShapedType::kDynamic;
        p *= d;
      }
      return p;
    };
    shapeType = RankedTensorType::get({rank}, builder.getI64Type());
    flatType = RankedTensorType::get({product(0, split), product(split, rank)},
                                     ranked.getElementType());
  }
  Operation *shape = builder.create(OperationState(
      loc, "onnx.Shape", {input}, {shapeType}, {}));
  Operation *flat = builder.create(OperationState(
      loc, "onnx.Flatten", {input}, {flatType}, {builder.getNamedAttr("axis", si64(axis))}));
  state.addOperands(flat->getResult(0));
  state.addAttribute("axis", si64(1));
  state.addTypes(flatType);
  Type none = NoneType::get(context);
  Operation *normalizedOp = builder.create(state);
  return builder.create(OperationState(
      loc, "onnx.Reshape", {normalizedOp->getResult(0), shape->getResult(0)},
      {resultType ? resultType : none}, {}));
}
