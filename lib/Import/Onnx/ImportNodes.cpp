//===- ImportNodes.cpp - ONNX nodes to onnx ops -----------------------------===//
//
// Node names and locations, topological order, the schema check before
// ONNX's shape inference sees a node, and one onnx op per node.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "loom-c/Runtime.h"
#include "loom/Support/Printable.h"

using namespace mlir;
using namespace loom::onnx_import;

//===----------------------------------------------------------------------===//
// Nodes
//===----------------------------------------------------------------------===//

std::string OnnxImporter::describe(const proto::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? ("#" + std::to_string(index))
                         : ("'" + node.name() + "'");
  std::string domain = node.domain().empty() ? "" : node.domain() + ".";
  return "node " + name + " (" + domain + node.op_type() + ")";
}

Location OnnxImporter::nodeLoc(const proto::NodeProto &node, int index) {
  std::string name = node.name().empty()
                         ? node.op_type() + "#" + std::to_string(index)
                         : node.name();
  return NameLoc::get(builder.getStringAttr(name), fileLoc);
}

Type OnnxImporter::inferredType(StringRef name) {
  auto it = knownTypes.find(name);
  return it == knownTypes.end() ? Type(NoneType::get(context)) : it->second;
}

/// Sorts nodes topologically (ONNX requires it, exporters usually comply) and
/// reports values that nothing defines and cycles, naming the nodes.
LogicalResult OnnxImporter::sortNodes(const proto::GraphProto &graph,
                                      SmallVectorImpl<int> &order,
                                      llvm::function_ref<bool(StringRef)> isDefinedOutside) {
  llvm::StringMap<int> producer;
  for (auto [i, node] : llvm::enumerate(graph.node()))
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      auto [it, inserted] = producer.try_emplace(out, int(i));
      if (!inserted || isDefinedOutside(out)) {
        fileError() << describe(node, i) << " defines '" << out
                    << "', which is already defined"
                    << (inserted ? " as a graph input or initializer"
                                 : " by " + describe(graph.node(it->second),
                                                     it->second));
        return failure();
      }
    }

  // Kahn's algorithm over the nodes' data dependencies. Subgraph bodies may
  // read outer values: count those as dependencies of the node too.
  auto forEachInput = [&](const proto::NodeProto &node, auto fn) {
    for (const std::string &in : node.input())
      if (!in.empty())
        fn(in);
    std::function<void(const proto::GraphProto &)> visitGraph =
        [&](const proto::GraphProto &g) {
          for (const auto &inner : g.node()) {
            for (const std::string &in : inner.input())
              if (!in.empty())
                fn(in);
            for (const auto &a : inner.attribute()) {
              if (a.has_g())
                visitGraph(a.g());
              for (const auto &gg : a.graphs())
                visitGraph(gg);
            }
          }
        };
    for (const auto &a : node.attribute()) {
      if (a.has_g())
        visitGraph(a.g());
      for (const auto &g : a.graphs())
        visitGraph(g);
    }
  };

  int n = graph.node_size();
  std::vector<int> pending(n, 0);
  std::vector<SmallVector<int>> users(n);
  bool undefined = false;
  for (int i = 0; i < n; ++i) {
    const auto &node = graph.node(i);
    llvm::StringSet<> seen;
    forEachInput(node, [&](const std::string &in) {
      if (!seen.insert(in).second)
        return;
      auto it = producer.find(in);
      if (it != producer.end()) {
        if (it->second != i) {
          ++pending[i];
          users[it->second].push_back(i);
        } else {
          fileError() << describe(node, i)
                      << " reads its own output '" << in << "'";
          undefined = true;
        }
        return;
      }
      if (isDefinedOutside(in))
        return;
      // Names used only inside a subgraph may be that subgraph's own values;
      // the subgraph's import checks those. Only direct inputs must exist here.
      if (llvm::is_contained(node.input(), in)) {
        fileError() << describe(node, i) << " reads '" << in
                    << "', which no node, graph input or initializer defines";
        undefined = true;
      }
    });
  }
  if (undefined)
    return failure();

  SmallVector<int> ready;
  for (int i = n - 1; i >= 0; --i)
    if (pending[i] == 0)
      ready.push_back(i);
  while (!ready.empty()) {
    int i = ready.pop_back_val();
    order.push_back(i);
    for (int user : llvm::reverse(users[i]))
      if (--pending[user] == 0)
        ready.push_back(user);
  }
  if (int(order.size()) != n) {
    auto diag = fileError();
    diag << "the graph has a cycle; these nodes depend on each other:";
    int listed = 0;
    for (int i = 0; i < n && listed < 10; ++i)
      if (pending[i] > 0) {
        diag << " " << describe(graph.node(i), i);
        ++listed;
      }
    return failure();
  }
  return success();
}

LogicalResult OnnxImporter::checkGraphStructure(const proto::GraphProto &graph,
                                                const llvm::StringSet<> &outer) {
  llvm::StringSet<> visible = outer;
  for (const auto &init : graph.initializer())
    visible.insert(init.name());
  for (const auto &input : graph.input())
    visible.insert(input.name());
  SmallVector<int> order;
  if (failed(sortNodes(graph, order,
                       [&](StringRef name) { return visible.contains(name); })))
    return failure();
  // A subgraph sees every value of the enclosing graph, whatever the order.
  for (const auto &node : graph.node())
    for (const std::string &out : node.output())
      if (!out.empty())
        visible.insert(out);
  for (const auto &node : graph.node())
    for (const auto &attr : node.attribute()) {
      if (attr.has_g() && failed(checkGraphStructure(attr.g(), visible)))
        return failure();
      for (const auto &g : attr.graphs())
        if (failed(checkGraphStructure(g, visible)))
          return failure();
    }
  return success();
}

LogicalResult OnnxImporter::checkNodesAgainstSchemas(const proto::GraphProto &graph,
                                                      int &counter) {
  // Static lengths of the graph's 1-D inputs and initializers: a shape input
  // of 2^20 entries made ONNX's inference build a type of 2^20 dimensions
  // (seconds, hundreds of MB) before anything could refuse it.
  llvm::StringMap<int64_t> vectorLengths;
  for (const proto::ValueInfoProto &value : graph.input())
    if (value.type().tensor_type().has_shape() &&
        value.type().tensor_type().shape().dim_size() == 1 &&
        value.type().tensor_type().shape().dim(0).has_dim_value())
      vectorLengths[value.name()] = value.type().tensor_type().shape().dim(0).dim_value();
  for (const proto::TensorProto &tensor : graph.initializer())
    if (tensor.dims_size() == 1)
      vectorLengths[tensor.name()] = tensor.dims(0);
  for (const proto::NodeProto &node : graph.node()) {
    std::string where = describe(node, counter++);
    // The input that gives a result's shape (one entry per dimension).
    int shapeInput = node.op_type() == "Expand" || node.op_type() == "Reshape" ? 1
                     : node.op_type() == "ConstantOfShape"                    ? 0
                                                                              : -1;
    if (shapeInput >= 0 && shapeInput < node.input_size())
      if (auto it = vectorLengths.find(node.input(shapeInput));
          it != vectorLengths.end() && it->second > LOOM_MAX_RANK) {
        fileError() << where << " takes its shape from '" << node.input(shapeInput)
                    << "', which has " << it->second << " entries: a result of "
                    << it->second << " dimensions (loom supports at most " << LOOM_MAX_RANK
                    << ")";
        return failure();
      }
    bool isDefaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
    std::optional<SchemaInfo> schema;
    if (isDefaultDomain)
      schema = lookupSchema(node.op_type(), "", int(defaultOpset));
    else if (node.domain() == "com.microsoft")
      schema = lookupSchema(node.op_type(), node.domain(), /*opset=*/-1);
    if (schema) {
      auto count = [&](StringRef what, int n, int min, int max) {
        if (n >= min && n <= max)
          return true;
        fileError() << where << " has " << n << " " << what << "; " << node.op_type()
                    << " (opset " << schema->sinceVersion << ") takes " << min << " to "
                    << max;
        return false;
      };
      if (!count("inputs", node.input_size(), schema->minInputs, schema->maxInputs) ||
          !count("outputs", node.output_size(), schema->minOutputs, schema->maxOutputs))
        return failure();
      // A required (Single) input given as the empty name, which marks an
      // absent optional one: ONNX's inference functions read it anyway.
      for (int i = 0; i < node.input_size() && i < int(schema->inputs.size()); ++i) {
        if (!node.input(i).empty() || schema->inputs[i] != Arity::Single)
          continue;
        fileError() << where << " leaves input " << i << " empty, but " << node.op_type()
                    << " (opset " << schema->sinceVersion << ") requires it";
        return failure();
      }
      // Nor may an input of a homogeneous variadic list (Concat, Max, Sum...)
      // be empty: it is not optional, and dropping it changes the result.
      if (!schema->inputs.empty() && schema->inputs.back() == Arity::Variadic &&
          schema->inputTypeConstraints.size() == schema->inputs.size() &&
          !schema->inputTypeConstraints.back().empty())
        for (int i = int(schema->inputs.size()) - 1; i < node.input_size(); ++i) {
          if (!node.input(i).empty())
            continue;
          fileError() << where << " leaves input " << i << " empty, but " << node.op_type()
                      << " (opset " << schema->sinceVersion
                      << ") takes no empty name among its variadic inputs";
          return failure();
        }
      for (const std::string &name : schema->requiredAttributes) {
        if (llvm::any_of(node.attribute(), [&](const proto::AttributeProto &attr) {
              return attr.name() == name;
            }))
          continue;
        fileError() << where << " has no attribute '" << name << "', which "
                    << node.op_type() << " (opset " << schema->sinceVersion
                    << ") requires";
        return failure();
      }
      for (const auto &attr : node.attribute()) {
        auto declared = schema->attributeTypes.find(attr.name());
        if (declared == schema->attributeTypes.end() ||
            declared->second == int(attr.type()))
          continue;
        fileError() << where << " attribute '" << attr.name() << "' is "
                    << proto::AttributeProto_AttributeType_Name(attr.type()) << ", but "
                    << node.op_type() << " (opset " << schema->sinceVersion
                    << ") declares it "
                    << proto::AttributeProto_AttributeType_Name(
                           proto::AttributeProto::AttributeType(declared->second));
        return failure();
      }
    }
    // Window sizes that ONNX's inference functions divide by (a zero stride
    // raised SIGFPE inside libonnx) and that no op accepts as zero or less.
    for (const auto &attr : node.attribute()) {
      StringRef name = attr.name();
      if (name != "strides" && name != "dilations" && name != "kernel_shape")
        continue;
      for (int64_t v : attr.ints()) {
        if (v > 0)
          continue;
        fileError() << where << " attribute '" << name.str() << "' has " << v
                    << "; every entry must be positive";
        return failure();
      }
    }
    // Scan's inference sizes its vectors by num_scan_inputs and by the
    // inputs left for the loop state (2^40 aborted out of memory).
    if (node.op_type() == "Scan" && isDefaultDomain)
      for (const auto &attr : node.attribute()) {
        // Opset 8's first input is sequence_lens.
        int available = node.input_size() - (defaultOpset < 9 ? 1 : 0);
        if (attr.name() != "num_scan_inputs" || (attr.i() >= 1 && attr.i() <= available))
          continue;
        fileError() << where << " attribute 'num_scan_inputs' is " << attr.i()
                    << "; it must be 1 to " << available << " (the number of inputs"
                    << (defaultOpset < 9 ? " after sequence_lens" : "") << ")";
        return failure();
      }
    if (node.op_type() == "Conv" || node.op_type() == "ConvTranspose")
      for (const auto &attr : node.attribute())
        if (attr.name() == "group" && attr.i() < 1) {
          fileError() << where << " attribute 'group' is " << attr.i()
                      << "; it must be positive";
          return failure();
        }
    for (const auto &attr : node.attribute()) {
      if (attr.type() == proto::AttributeProto::GRAPH &&
          failed(checkNodesAgainstSchemas(attr.g(), counter)))
        return failure();
      for (const proto::GraphProto &g : attr.graphs())
        if (failed(checkNodesAgainstSchemas(g, counter)))
          return failure();
    }
  }
  return success();
}

LogicalResult OnnxImporter::importNode(const proto::NodeProto &node, Location loc) {
  int index = nodeCounter++;
  std::string where = describe(node, index);
  if (node.op_type().empty()) {
    fileError() << where << " has no op_type";
    return failure();
  }

  // Inputs by ONNX position; a null Value is an omitted optional input.
  SmallVector<Value> inputs;
  for (const std::string &in : node.input()) {
    if (in.empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    Value v = lookup(in);
    if (!v) {
      fileError() << where << " reads '" << in
                  << "', which no node, graph input or initializer defines";
      return failure();
    }
    inputs.push_back(v);
  }

  SmallVector<NamedAttribute> attrs;
  SmallVector<const proto::GraphProto *> subgraphs;
  llvm::StringSet<> attrNames;
  for (const auto &attr : node.attribute()) {
    if (!attrNames.insert(attr.name()).second) {
      fileError() << where << " has attribute '" << attr.name()
                  << "' twice";
      return failure();
    }
    if (attr.type() == proto::AttributeProto::GRAPH) {
      subgraphs.push_back(&attr.g());
      continue;
    }
    FailureOr<NamedAttribute> converted = convertAttribute(attr, where);
    if (failed(converted))
      return failure();
    attrs.push_back(*converted);
  }

  SmallVector<Type> resultTypes;
  for (const std::string &out : node.output())
    resultTypes.push_back(out.empty() ? Type(NoneType::get(context)) : inferredType(out));
  // Dropout before opset 10 types its mask T, the data's type (torch writes
  // it in training exports at opset 9); ONNX's inference leaves it untyped.
  if (node.op_type() == "Dropout" && resultTypes.size() > 1 && !node.output(1).empty() &&
      isa<NoneType>(resultTypes[1]) && !inputs.empty() && inputs[0])
    resultTypes[1] = inputs[0].getType();

  // The default domain's ops are onnx.<OpType>; ONNX Runtime's contrib ops
  // are onnx.com.microsoft.<OpType>; other domains have no ops yet.
  bool isDefaultDomain = node.domain().empty() || node.domain() == "ai.onnx";
  std::optional<RegisteredOperationName> opName;
  std::optional<SchemaInfo> schema;
  if (isDefaultDomain || node.domain() == "com.microsoft") {
    std::string prefix = isDefaultDomain ? "onnx." : "onnx." + node.domain() + ".";
    // Upsample, deprecated since opset 10, is Resize's predecessor: the
    // legacy normalization below writes it as a Resize. Scatter (opsets 9
    // and 10) is ScatterElements without a reduction under its old name.
    std::string opType = node.op_type();
    if (isDefaultDomain && opType == "Upsample")
      opType = "Resize";
    else if (isDefaultDomain && opType == "Scatter")
      opType = "ScatterElements";
    opName = RegisteredOperationName::lookup(prefix + opType, context);
    schema = lookupSchema(opType, isDefaultDomain ? "" : node.domain(),
                          /*opset=*/-1);
    if (opName && !schema)
      opName.reset();
  }

  Operation *op = nullptr;
  // Checked on the node as written, before normalization adds inputs.
  if (opName && failed(checkTypeConstraints(node, where, inputs)))
    return failure();
  if (opName) {
    std::optional<SchemaInfo> atModel =
        isDefaultDomain ? lookupSchema(node.op_type(), "", int(defaultOpset))
                        : std::nullopt;
    // An op newer than the model's opset: no schema says what it means there
    // (ONNX's checker refuses it; its inference does not look).
    if (isDefaultDomain && !atModel) {
      int first = int(defaultOpset) + 1;
      while (first < schema->sinceVersion && !lookupSchema(node.op_type(), "", first))
        ++first;
      fileError() << where << " uses an op that does not exist at the model's opset "
                  << defaultOpset << " of the default domain (" << node.op_type()
                  << " first appears at opset " << first << ")";
      return failure();
    }
    if (atModel && atModel->sinceVersion < schema->sinceVersion) {
      StringRef type = node.op_type();
      if ((type == "Softmax" || type == "LogSoftmax" || type == "Hardmax") &&
          atModel->sinceVersion < 13 && !inputs.empty() && inputs[0]) {
        FailureOr<Operation *> coerced = importLegacyCoercedSoftmax(
            node, loc, inputs[0], attrs, resultTypes.empty() ? Type() : resultTypes[0]);
        if (failed(coerced))
          return failure();
        op = *coerced;
      } else if (failed(normalizeLegacyNode(node, where, loc, atModel->sinceVersion,
                                            inputs, attrs))) {
        return failure();
      }
    }
  }
  SmallVector<Value> operands;
  SmallVector<bool> present;
  for (Value v : inputs) {
    present.push_back(bool(v));
    if (v)
      operands.push_back(v);
  }
  if (op) {
    // Already built by a normalization that emits several ops.
  } else if (opName) {
    // The generated op has the newest schema's operands; omitted optional
    // inputs are absent operands, counted in operandSegmentSizes when the op
    // has several optional or variadic inputs.
    if (int(inputs.size()) > schema->maxInputs ||
        int(inputs.size()) < schema->minInputs) {
      fileError() << where << " has " << inputs.size()
                  << " inputs; " << node.op_type() << " takes "
                  << schema->minInputs << " to " << schema->maxInputs;
      return failure();
    }
    if (int(node.output_size()) > schema->maxOutputs ||
        int(node.output_size()) < schema->minOutputs) {
      fileError() << where << " has " << node.output_size()
                  << " outputs; " << node.op_type() << " produces "
                  << schema->minOutputs << " to " << schema->maxOutputs;
      return failure();
    }
    OperationState state(loc, *opName);
    state.addOperands(operands);
    state.addAttributes(attrs);
    auto countSegments = [](ArrayRef<Arity> formal, ArrayRef<bool> actual) {
      SmallVector<int32_t> sizes;
      size_t pos = 0;
      for (Arity arity : formal) {
        if (arity == Arity::Variadic) {
          int32_t count = 0;
          for (; pos < actual.size(); ++pos)
            count += actual[pos];
          sizes.push_back(count);
        } else {
          sizes.push_back(pos < actual.size() && actual[pos] ? 1 : 0);
          ++pos;
        }
      }
      return sizes;
    };
    auto needsSegments = [](ArrayRef<Arity> formal) {
      return llvm::count_if(formal, [](Arity a) { return a != Arity::Single; }) > 1;
    };
    if (needsSegments(schema->inputs))
      state.addAttribute("operandSegmentSizes",
                         builder.getDenseI32ArrayAttr(countSegments(schema->inputs, present)));
    // Results: omitted outputs in the middle keep their slot (typed none), so
    // positions line up; trailing ones are dropped.
    SmallVector<bool> outPresent;
    for (const std::string &out : node.output())
      outPresent.push_back(!out.empty());
    if (needsSegments(schema->outputs)) {
      SmallVector<Type> kept;
      for (auto [type, here] : llvm::zip(resultTypes, outPresent))
        if (here)
          kept.push_back(type);
      resultTypes = kept;
      state.addAttribute("resultSegmentSizes",
                         builder.getDenseI32ArrayAttr(countSegments(schema->outputs, outPresent)));
    }
    state.addTypes(resultTypes);
    for (size_t i = 0; i < subgraphs.size(); ++i)
      state.addRegion();
    op = builder.create(state);
    // The op's own verifier (required attributes of ops without an ONNX
    // schema here, such as com.microsoft's), reported at the node instead of
    // as a verifier message about the whole module.
    if (subgraphs.empty()) {
      std::string message;
      LogicalResult verified = success();
      {
        ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
          if (message.empty())
            message = diag.str();
          return success();
        });
        verified = verify(op, /*verifyRecursively=*/false);
      }
      if (failed(verified)) {
        // "'onnx.X' op requires attribute 'K'" -> "requires attribute 'K'"
        StringRef text(message);
        size_t prefix = text.find("' op ");
        if (text.starts_with("'") && prefix != StringRef::npos)
          text = text.drop_front(prefix + 5);
        fileError() << where << ": " << text;
        op->erase();
        return failure();
      }
    }
  } else {
    // Unknown here: keep everything so that a later check can list all of them.
    SmallVector<NamedAttribute> all = {
        builder.getNamedAttr("domain", builder.getStringAttr(node.domain())),
        builder.getNamedAttr("op_type", builder.getStringAttr(node.op_type()))};
    all.append(attrs.begin(), attrs.end());
    OperationState state(loc, loom::onnx::UnsupportedOp::getOperationName());
    state.addOperands(operands);
    state.addAttributes(all);
    state.addTypes(resultTypes);
    op = builder.create(state);
    if (!subgraphs.empty()) {
      fileError() << where
                  << " has subgraph attributes, but its operator is unknown";
      return failure();
    }
  }

  // Subgraphs: regions named after the GRAPH attributes, in the order the
  // generated op declares them (alphabetical by attribute name).
  if (!subgraphs.empty()) {
    SmallVector<std::pair<std::string, const proto::GraphProto *>> named;
    for (const auto &attr : node.attribute())
      if (attr.type() == proto::AttributeProto::GRAPH)
        named.push_back({attr.name(), &attr.g()});
    llvm::sort(named, [](auto &a, auto &b) { return a.first < b.first; });
    if (named.size() != op->getNumRegions()) {
      std::string names;
      for (auto &[name, graph] : named)
        names += (names.empty() ? "'" : ", '") + loom::escapeControlCharacters(name) + "'";
      fileError() << where << " has graph attribute(s) " << names << ", but "
                  << node.op_type() << " takes " << op->getNumRegions() << " subgraph(s)";
      op->erase();
      return failure();
    }
    for (auto [i, entry] : llvm::enumerate(named)) {
      Region &region = op->getRegion(i);
      Block *block = new Block();
      region.push_back(block);
      OpBuilder::InsertionGuard guard(builder);
      if (failed(importGraph(*entry.second, *block, /*isSubgraph=*/true)))
        return failure();
    }
  }

  size_t result = 0;
  for (const std::string &out : node.output()) {
    if (out.empty()) {
      if (!op->hasAttr("resultSegmentSizes"))
        ++result;
      continue;
    }
    if (result >= op->getNumResults()) {
      fileError() << where << " has more outputs than "
                  << node.op_type() << " produces";
      return failure();
    }
    scopes.back()[out] = op->getResult(result++);
  }
  return success();
}
